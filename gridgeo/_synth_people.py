"""Private generator of fake household tags (names, phones, ID cards, finance).

All values are random and fictitious, but look like real bank records so that the
map and export code can be tested for personal-data leaks. Vectorised with numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["household_tags"]

# Common surnames with rough frequency weights.
_SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
        "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎"
        "贺顾毛郝龚邵万钱严武戴莫孔汤柳蓝雷"
    )
)
_GIVEN = np.array(
    list(
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志文红玉兵辉斌鹏飞"
        "春梅海燕云峰亮林德福荣金凤根水土生土发财旺贵宝珍琴美丽晓晨雨欣怡子涵浩宇俊"
    )
)
_PHONE_PREFIX = np.array(
    [
        "130",
        "131",
        "132",
        "133",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "153",
        "155",
        "157",
        "158",
        "159",
        "177",
        "180",
        "181",
        "182",
        "183",
        "186",
        "187",
        "188",
        "189",
        "199",
    ]
)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))
# Crops by village industry (None: no crop recorded).
_CROPS = {
    "planting": (["水稻", "蔬菜", "玉米", "番薯", None], [0.4, 0.25, 0.1, 0.1, 0.15]),
    "orchard": (["柑橘", "杨梅", "茶叶", "猕猴桃", None], [0.3, 0.25, 0.25, 0.1, 0.1]),
    "livestock": (["玉米", "牧草", "毛竹", None], [0.2, 0.2, 0.2, 0.4]),
    "processing": (["食用菌", "毛竹", None], [0.2, 0.2, 0.6]),
    "commerce": (["蔬菜", None], [0.05, 0.95]),
}


def _digits(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n`` random strings of ``k`` decimal digits."""
    d = rng.integers(0, 10, size=(n, k)).astype(np.uint8) + ord("0")
    return d.view(f"S{k}").ravel().astype(str)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, _SURNAMES.size + 1) ** 0.9
    sur = _SURNAMES[rng.choice(_SURNAMES.size, size=n, p=w / w.sum())]
    g1 = _GIVEN[rng.integers(0, _GIVEN.size, n)]
    g2 = _GIVEN[rng.integers(0, _GIVEN.size, n)]
    two = rng.random(n) < 0.7
    return np.char.add(np.char.add(sur, g1), np.where(two, g2, ""))


def _id_cards(rng: np.random.Generator, n: int, region: str) -> np.ndarray:
    """18-digit resident ID numbers with a valid ISO 7064 check character."""
    birth = np.datetime64("1944-01-01") + rng.integers(0, 365 * 58, n).astype("m8[D]")
    ymd = pd.DatetimeIndex(birth).strftime("%Y%m%d").to_numpy(dtype=str)
    seq = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    body = np.char.add(np.char.add(np.full(n, region), ymd), seq)
    digits = body.astype("S17").view(np.uint8).reshape(n, 17) - ord("0")
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]
    return np.char.add(body, check)


def household_tags(
    rng: np.random.Generator, industry: np.ndarray, zone: np.ndarray, region: str
) -> pd.DataFrame:
    """Fake personal and financial tags, one row per household.

    ``industry`` and ``zone`` are the values of each household's village.
    """
    n = industry.size
    names = _names(rng, n)
    phone = np.char.add(
        _PHONE_PREFIX[rng.integers(0, _PHONE_PREFIX.size, n)], _digits(rng, n, 8)
    )
    id_card = _id_cards(rng, n, region)
    rich = np.where(zone == "urban", 1.6, np.where(zone == "mountain", 0.6, 1.0))
    deposit = np.round(rng.lognormal(np.log(30_000), 1.1, n) * rich, -2).astype(
        np.int64
    )
    has_loan = rng.random(n) < np.where(industry == "commerce", 0.3, 0.2)
    loan = np.where(
        has_loan, np.round(rng.lognormal(np.log(80_000), 0.8, n), -3), 0
    ).astype(np.int64)
    days = rng.integers(0, 4 * 365, n).astype("m8[D]")
    loan_date = pd.Series(np.datetime64("2021-01-01") + days).dt.strftime("%Y-%m-%d")
    loan_date = loan_date.where(has_loan, None)
    crop = np.empty(n, dtype=object)
    for ind, (values, p) in _CROPS.items():
        m = industry == ind
        if m.any():
            crop[m] = np.array(values, dtype=object)[
                rng.choice(len(values), int(m.sum()), p=p)
            ]
    herd = np.where(
        industry == "livestock",
        rng.poisson(18, n) * (rng.random(n) < 0.6),
        rng.poisson(3, n) * (rng.random(n) < 0.05),
    )
    herd = np.where(zone == "urban", 0, herd)
    return pd.DataFrame(
        {
            "head_name": names,
            "phone": phone,
            "id_card": id_card,
            "deposit": deposit,
            "loan": loan,
            "loan_date": loan_date.to_numpy(dtype=object),
            "crop": crop,
            "herd_size": herd.astype(np.int64),
        }
    )
