"""Labels of gridgeo maps in Chinese (``lang="zh"``) and English (``lang="en"``)."""

from __future__ import annotations

from gridgeo.errors import ValidationError

__all__ = ["LANGUAGES", "labels"]

LANGUAGES = ("zh", "en")

_LABELS: dict[str, dict[str, str]] = {
    "grids": {"zh": "网格", "en": "Grids"},
    "grid": {"zh": "网格", "en": "Grid"},
    "grid_labels": {"zh": "网格编号", "en": "Grid ids"},
    "villages": {"zh": "行政村", "en": "Villages"},
    "village": {"zh": "村", "en": "Village"},
    "towns": {"zh": "乡镇边界", "en": "Township borders"},
    "town": {"zh": "乡镇", "en": "Township"},
    "service_points": {"zh": "服务点", "en": "Service points"},
    "service_areas": {"zh": "服务范围", "en": "Service areas"},
    "site": {"zh": "服务点", "en": "Service point"},
    "households": {"zh": "户数", "en": "Households"},
    "household_layer": {"zh": "农户分布", "en": "Households"},
    "household_points": {"zh": "农户", "en": "Households"},
    "hh_unit": {"zh": "户", "en": "households"},
    "not_visited": {"zh": "未走访", "en": "Not visited"},
    "visited": {"zh": "已走访", "en": "Visited"},
    "uncovered": {"zh": "未覆盖农户", "en": "Uncovered households"},
    "covered": {"zh": "已覆盖", "en": "Covered"},
    "n_villages": {"zh": "村数", "en": "Villages"},
    "area_km2": {"zh": "面积(km²)", "en": "Area (km²)"},
    "travel_km": {"zh": "平均距离(km)", "en": "Travel burden (km)"},
    "staff": {"zh": "需配专员", "en": "Staff needed"},
    "coverage": {"zh": "覆盖率", "en": "Coverage"},
    "persons": {"zh": "人口", "en": "Persons"},
    "compactness": {"zh": "紧凑度", "en": "Compactness"},
    "legend": {"zh": "图例", "en": "Legend"},
    "density": {"zh": "农户密度(户/六边形)", "en": "Households per hexagon"},
    "share_not_visited": {"zh": "未走访比例", "en": "Share not visited"},
    "share_uncovered": {"zh": "未覆盖比例", "en": "Share uncovered"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "hidden": {
        "zh": "{n:,} 户在不足 {k} 户的六边形中，未显示",
        "en": "{n:,} households in hexagons of fewer than {k}: not drawn",
    },
    "distance_km": {"zh": "距服务点(km)", "en": "Distance to site (km)"},
}


def labels(lang: str) -> dict[str, str]:
    """Return the map labels in ``lang``.

    Parameters
    ----------
    lang
        ``"zh"`` (Chinese) or ``"en"`` (English).

    Returns
    -------
    dict
        Label key -> text.

    Raises
    ------
    ValidationError
        When ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        msg = f"'lang' must be one of {LANGUAGES}; {lang!r} was given instead."
        raise ValidationError(msg)
    return {key: text[lang] for key, text in _LABELS.items()}
