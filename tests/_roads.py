"""Shared fixture builders of the road-network and coverage tests.

An n×n lattice of 1 km road segments sharing vertices (one LineString per segment,
mixed road classes and some explicit speeds) and a two-village County built directly
from the dataclass, with or without roads.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gridgeo.county import County
from gridgeo.validate import ValidationReport

__all__ = ["CLASSES", "CRS", "lattice_roads", "make_county"]

CRS = pyproj.CRS.from_epsg(32650)
CLASSES = ["国道", "县道", "乡道", "村道", "primary", "X12", None]


def lattice_roads(n: int = 6, step: float = 1000.0, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lines, cls, speed = [], [], []
    for i in range(n):
        for j in range(n - 1):
            for a, b in (((j, i), (j + 1, i)), ((i, j), (i, j + 1))):
                lines.append(
                    shapely.LineString([np.multiply(a, step), np.multiply(b, step)])
                )
                cls.append(CLASSES[rng.integers(len(CLASSES))])
                speed.append(np.nan if rng.random() < 0.8 else 55.0)
    return gpd.GeoDataFrame(
        {"road_class": cls, "speed_kmh": speed}, geometry=lines, crs=CRS
    )


def make_county(
    roads: gpd.GeoDataFrame | None, n_hh: int = 80, seed: int = 1
) -> County:
    rng = np.random.default_rng(seed)
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["v0", "v1"],
            "town_id": ["t0", "t1"],
            "households": [n_hh // 2, n_hh - n_hh // 2],
        },
        geometry=[shapely.box(0, 0, 2500, 5000), shapely.box(2500, 0, 5000, 5000)],
        crs=CRS,
    )
    xy = rng.uniform(100, 4900, (n_hh, 2))
    hh = gpd.GeoDataFrame(
        {
            "household_id": [f"h{i}" for i in range(n_hh)],
            "village_id": np.where(xy[:, 0] < 2500, "v0", "v1"),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    return County(
        villages=villages,
        households=hh,
        crs=CRS,
        report=ValidationReport(),
        roads=roads,
    )
