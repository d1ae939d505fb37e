"""Shared fixtures built in code: box-grid villages and small counties.

::

    grid_villages(2, 3)           township "t0" = columns 0-1, "t1" = column 2
    +------+------+------+
    | v003 | v004 | v005 |
    +------+------+------+
    | v000 | v001 | v002 |
    +------+------+------+
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import gridgeo as gg

CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres
X0, Y0 = 500_000.0, 3_100_000.0  # inside Zhejiang


def grid_villages(
    nrows: int,
    ncols: int,
    *,
    size: float = 1000.0,
    towns_by_column: int | None = None,
) -> gpd.GeoDataFrame:
    """Square villages in a ``nrows × ncols`` grid (row-major ids ``v000``...)."""
    boxes, ids, towns = [], [], []
    for r in range(nrows):
        for c in range(ncols):
            boxes.append(
                shapely.box(
                    X0 + c * size,
                    Y0 + r * size,
                    X0 + (c + 1) * size,
                    Y0 + (r + 1) * size,
                )
            )
            ids.append(f"v{r * ncols + c:03d}")
            towns.append(f"t{c // towns_by_column}" if towns_by_column else "t0")
    return gpd.GeoDataFrame(
        {"village_id": ids, "town_id": towns}, geometry=boxes, crs=CRS
    )


def households_in(
    villages: gpd.GeoDataFrame, counts: np.ndarray, *, seed: int = 0
) -> gpd.GeoDataFrame:
    """``counts[i]`` random households in village ``i``, with fake personal data."""
    rng = np.random.default_rng(seed)
    xs, ys, vids = [], [], []
    for geom, vid, n in zip(
        villages.geometry, villages["village_id"], counts, strict=True
    ):
        minx, miny, maxx, maxy = geom.bounds
        xs.append(rng.uniform(minx + 1, maxx - 1, n))
        ys.append(rng.uniform(miny + 1, maxy - 1, n))
        vids += [vid] * int(n)
    x, y = np.concatenate(xs), np.concatenate(ys)
    n = len(x)
    return gpd.GeoDataFrame(
        {
            "household_id": [f"H{i:06d}" for i in range(n)],
            "village_id": vids,
            "persons": rng.integers(1, 6, n),
            "head_name": ["张三"] * n,
            "phone": [f"139{i:08d}" for i in range(n)],
        },
        geometry=gpd.points_from_xy(x, y),
        crs=villages.crs,
    )


def make_county(
    nrows: int = 4,
    ncols: int = 6,
    *,
    counts: np.ndarray | None = None,
    towns_by_column: int | None = None,
    seed: int = 0,
    **columns: object,
) -> gg.County:
    """A small County of box villages with household points."""
    villages = grid_villages(nrows, ncols, towns_by_column=towns_by_column)
    for name, values in columns.items():
        villages[name] = values
    if counts is None:
        counts = np.random.default_rng(seed).integers(50, 400, len(villages))
    households = households_in(villages, np.asarray(counts), seed=seed)
    return gg.read_county(villages=villages, households=households)


@pytest.fixture(scope="session")
def small_county() -> gg.County:
    """24 villages (4 × 6), two townships of three columns, 50–400 households each."""
    return make_county(4, 6, towns_by_column=3)


@pytest.fixture(scope="session")
def synthetic_small() -> gg.County:
    """A 60-village synthetic county without roads (seed 0)."""
    return gg.datasets.synthetic_county(
        seed=0, n_villages=60, n_households=20_000, n_towns=4, roads=False
    )
