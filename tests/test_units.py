"""Splitting villages into planning units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgeo.units import build_units


def _square_village(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    villages = gpd.GeoDataFrame(
        {"village_id": ["v"], "town_id": ["t"], "households": [n], "persons": [3 * n]},
        geometry=[shapely.box(0, 0, 4000, 4000)],
        crs=32650,
    )
    xy = rng.uniform(0, 4000, size=(n, 2))
    households = gpd.GeoDataFrame(
        {"household_id": [f"h{i}" for i in range(n)], "village_id": ["v"] * n},
        geometry=gpd.points_from_xy(*xy.T),
        crs=32650,
    )
    return villages, households


def test_parts_are_equal_in_households_and_tile_the_village():
    villages, households = _square_village(1000)
    units, household_unit = build_units(villages, households, pd.Series({"v": 5}))
    counts = household_unit.value_counts()
    assert len(units) == 5
    assert counts.max() - counts.min() <= 1
    assert units.set_index("unit_id")["households"].to_dict() == counts.to_dict()
    assert abs(units.geometry.union_all().area - 16e6) < 1.0
    # every household lies in the polygon of its own part
    own = units.set_index("unit_id").geometry.loc[household_unit.to_numpy()].values
    assert shapely.covers(own, households.geometry.values).all()


def test_four_parts_of_a_square_are_quarters_not_strips():
    # recursive bisection: four parts of a square village are about square, where
    # four slabs would be 4:1 strips (Polsby-Popper 0.50)
    villages, households = _square_village(2000, seed=1)
    units, _ = build_units(villages, households, pd.Series({"v": 4}))
    g = units.geometry
    pp = 4 * np.pi * g.area / g.length**2
    assert (pp > 0.70).all()
