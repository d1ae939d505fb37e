"""Small plans on box-grid villages for the viz tests (built in code).

An object with the Plan contract's attributes (units, grids, households, county,
crs) stands in for a Plan: ``Plan.from_assignment`` without a County has no
household records, which these tests need (TODO: build a County instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

CRS = pyproj.CRS.from_epsg(32650)  # UTM 50N, metres
X0, Y0 = 500000.0, 4300000.0


@dataclass
class ContractPlan:
    units: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    county: Any = None
    crs: pyproj.CRS = CRS


def box_villages(
    nrows: int = 6, ncols: int = 8, cell: float = 2000.0, names: list[str] | None = None
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
            "name": names if names is not None else [f"{v}村" for v in vid],
        },
        geometry=boxes,
        crs=CRS,
    )


def make_plan(
    nrows: int = 6,
    ncols: int = 8,
    *,
    per_village: int = 40,
    block: int = 2,
    names: list[str] | None = None,
    seed: int = 0,
    extra: dict[str, Any] | None = None,
) -> Any:
    """Grids are ``block`` x ``block`` villages; households sampled in villages."""
    rng = np.random.default_rng(seed)
    villages = box_villages(nrows, ncols, names=names)
    rc = np.array([(int(v[1:3]), int(v[3:5])) for v in villages["village_id"]])
    per_row = (ncols + block - 1) // block
    grid = (rc[:, 0] // block) * per_row + rc[:, 1] // block
    pts = villages.sample_points(size=per_village, rng=rng).explode(index_parts=False)
    hh = gpd.GeoDataFrame(
        {"village_id": villages["village_id"].loc[pts.index].to_numpy()},
        geometry=pts.to_numpy(),
        crs=CRS,
    ).reset_index(drop=True)
    hh["household_id"] = [f"H{i:07d}" for i in range(len(hh))]
    for key, make in (extra or {}).items():
        hh[key] = make(len(hh))
    counts = hh.groupby("village_id").size()
    villages["households"] = villages["village_id"].map(counts).fillna(0).astype(int)
    units = villages.assign(unit_id=villages["village_id"])
    units["grid_id"] = grid
    hh["unit_id"] = hh["village_id"]
    hh["grid_id"] = hh["village_id"].map(units.set_index("village_id")["grid_id"])
    grids = units.dissolve(by="grid_id", aggfunc={"households": "sum"}).reset_index()
    grids["n_villages"] = units.groupby("grid_id").size().to_numpy()
    grids["area_km2"] = grids.area / 1e6
    grids["travel_km"] = 1.0
    return ContractPlan(units=units, grids=grids, households=hh)
