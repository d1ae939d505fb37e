"""Real Counties and Plans for the viz tests, built in code (no stand-ins).

- :func:`box_county`: square villages on a box grid, households sampled in them,
  loaded through :func:`gridgeo.read_county` (optionally with hostile names, personal
  household fields and service points); :func:`box_plan` partitions it with
  :func:`gridgeo.partition`.
- :func:`synthetic_plan`: the seeded synthetic county (40 villages, 4,000
  households) partitioned into 8 grids.
- :func:`page_layers` / :func:`decode_coords`: read the data layers a saved page
  draws, so tests can check what the browser gets.

Expensive results are cached (``functools.lru_cache``): a Plan is immutable.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

import gridgeo as gg

CRS = pyproj.CRS.from_epsg(32650)  # UTM 50N, metres
X0, Y0 = 500000.0, 4300000.0
EVIL = "<script>alert(1)</script>"

#: Personal household fields that must never reach a page unless named.
SECRETS = {
    "owner_name": lambda n: [f"张三{i}号" for i in range(n)],
    "phone": lambda n: [f"1391234{i:04d}" for i in range(n)],
    "id_card": lambda n: [f"11010519491231{i:04d}" for i in range(n)],
    "account": lambda n: [f"6228480402{i:09d}" for i in range(n)],
}


def box_villages(
    nrows: int = 6,
    ncols: int = 8,
    cell: float = 2000.0,
    names: tuple[str, ...] | None = None,
) -> gpd.GeoDataFrame:
    """
    nrows x ncols square villages, four townships (quadrants)::

        T2 T2 | T3 T3
        T0 T0 | T1 T1
    """
    boxes, vid, town = [], [], []
    for r in range(nrows):
        for c in range(ncols):
            boxes.append(
                shapely.box(
                    X0 + c * cell,
                    Y0 + r * cell,
                    X0 + (c + 1) * cell,
                    Y0 + (r + 1) * cell,
                )
            )
            vid.append(f"V{r:02d}{c:02d}")
            town.append(f"T{int(c >= ncols // 2) + 2 * int(r >= nrows // 2)}")
    return gpd.GeoDataFrame(
        {
            "village_id": vid,
            "town_id": town,
            "name": list(names) if names is not None else [f"{v}村" for v in vid],
        },
        geometry=boxes,
        crs=CRS,
    )


def box_sites(coords: tuple[tuple[float, float], ...], names: tuple[str, ...]):
    """Service points at metric offsets from the box grid's corner."""
    return gpd.GeoDataFrame(
        {"site_id": [f"S{i + 1}" for i in range(len(coords))], "name": list(names)},
        geometry=shapely.points([(X0 + x, Y0 + y) for x, y in coords]),
        crs=CRS,
    )


@functools.lru_cache(maxsize=16)
def box_county(
    nrows: int = 6,
    ncols: int = 8,
    *,
    per_village: int = 40,
    names: tuple[str, ...] | None = None,
    secrets: bool = False,
    sites: tuple[tuple[float, float], ...] | None = None,
    site_names: tuple[str, ...] | None = None,
    seed: int = 0,
) -> gg.County:
    """A real County of box villages with ``per_village`` households each."""
    rng = np.random.default_rng(seed)
    villages = box_villages(nrows, ncols, names=names)
    pts = villages.sample_points(size=per_village, rng=rng).explode(index_parts=False)
    hh = gpd.GeoDataFrame(
        {"household_id": [f"H{i:07d}" for i in range(len(pts))]},
        geometry=pts.to_numpy(),
        crs=CRS,
    )
    if secrets:
        for key, make in SECRETS.items():
            hh[key] = make(len(hh))
    service_points = None
    if sites is not None:
        service_points = box_sites(sites, site_names or tuple(f"站{i}" for i in sites))
    return gg.read_county(
        villages=villages, households=hh, service_points=service_points
    )


@functools.lru_cache(maxsize=16)
def box_plan(n_grids: int = 12, **county_kwargs: Any) -> gg.Plan:
    """:func:`gridgeo.partition` of :func:`box_county` into ``n_grids`` grids."""
    return gg.partition(box_county(**county_kwargs), n_grids=n_grids, seed=0)


@functools.lru_cache(maxsize=1)
def synthetic_county() -> gg.County:
    """The seeded synthetic county: 40 villages, 4 townships, 4,000 households."""
    return gg.datasets.synthetic_county(
        seed=0,
        n_villages=40,
        n_households=4000,
        n_towns=4,
        area_km2=200,
        n_service_points=6,
        n_candidates=20,
        roads=False,
    )


@functools.lru_cache(maxsize=1)
def synthetic_plan() -> gg.Plan:
    """:func:`synthetic_county` partitioned into 8 grids."""
    return gg.partition(synthetic_county(), n_grids=8, seed=0)


_LAYER = re.compile(r"gridgeo\.(polygons|markers|dots)\(")


def page_layers(page: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The ``(kind, data, options)`` of every gridgeo data layer in a page, in order."""
    dec = json.JSONDecoder()
    out = []
    for match in _LAYER.finditer(page):
        if page[match.start() - 1] == ".":  # the runtime's own code, not a layer
            continue
        try:
            data, end = dec.raw_decode(page, match.end())
        except json.JSONDecodeError:  # the runtime's function definitions
            continue
        assert page[end : end + 2] == ", "
        options, _ = dec.raw_decode(page, end + 2)
        out.append((match.group(1), data, options))
    return out


def decode_coords(data: dict[str, Any]) -> np.ndarray:
    """Lon/lat vertices (n x 2) of an encoded layer, as the page's runtime decodes."""
    d = np.asarray(data["c"], dtype=np.int64).reshape(-1, 2)
    return np.asarray(data["o"]) + np.cumsum(d, axis=0) / data["s"]


def n_geometries(data: dict[str, Any]) -> int:
    """Number of (multi)polygons in an encoded polygon layer."""
    return len(data["g"]) - 1
