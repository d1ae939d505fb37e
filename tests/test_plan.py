"""The Plan: accessors, hand edits, locking, comparison, file round trip, reprs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import gridgeo as gg
from gridgeo.errors import GridgeoWarning, ValidationError


@pytest.fixture(scope="module")
def plan(small_county: gg.County) -> gg.Plan:
    return gg.partition(small_county, gg.ByHouseholds(min=500, max=1000), seed=0)


def test_from_assignment_renumbers_by_smallest_unit() -> None:
    units = gpd.GeoDataFrame(
        {"unit_id": ["d", "c", "b", "a"], "households": [1, 2, 3, 4]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)],
        crs=3857,
    )
    p = gg.Plan.from_assignment(units, pd.Series({"a": 9, "b": 9, "c": 2, "d": 2}))
    assert p.units.set_index("unit_id")["grid_id"].to_dict() == {
        "a": 0,
        "b": 0,
        "c": 1,
        "d": 1,
    }
    assert p.grids["households"].tolist() == [7, 3]
    with pytest.raises(ValidationError, match="every unit"):
        gg.Plan.from_assignment(units, [0, 1])


def test_grids_table(plan: gg.Plan, small_county: gg.County) -> None:
    g = plan.grids
    assert g["grid_id"].tolist() == list(range(plan.n_grids))
    assert g["households"].sum() == small_county.n_households
    assert g["n_villages"].sum() >= len(small_county.villages)
    assert (g["compactness"] > 0).all()
    assert (g["compactness"] <= 1).all()
    assert np.allclose(g["area_km2"].sum(), small_county.villages.area.sum() / 1e6)
    assert (g["travel_km"] > 0).all()
    # the copy handed out does not change the plan
    g.loc[0, "households"] = -1
    assert plan.grids.loc[0, "households"] != -1


def test_metrics_follow_design_definitions(plan: gg.Plan) -> None:
    m = plan.metrics
    hh = plan.grids["households"].to_numpy(dtype=float)
    target = hh.sum() / len(hh)
    assert m["max_deviation_pct"] == pytest.approx(
        100 * np.max(np.abs(hh - target)) / target
    )
    assert m["in_range"] == 1.0
    assert m["contiguous_share"] == 1.0
    assert m["crossings"] == 0
    # travel burden recomputed by hand from the household points
    hh_frame = plan.households
    xy = shapely.get_coordinates(hh_frame.geometry.values)
    lab = hh_frame["grid_id"].to_numpy()
    dist = []
    for g in range(plan.n_grids):
        pts = xy[lab == g]
        dist.append(np.hypot(*(pts - pts.mean(axis=0)).T))
    assert m["travel_km"] == pytest.approx(np.concatenate(dist).mean() / 1000)


def test_village_grid_and_household_grid(
    plan: gg.Plan, small_county: gg.County
) -> None:
    vg = plan.village_grid
    assert set(vg.index) == set(small_county.villages["village_id"])
    hg = plan.household_grid
    assert len(hg) == len(small_county.households)
    assert hg.index.is_unique


def test_reassign_refuses_broken_contiguity(plan: gg.Plan) -> None:
    units = plan.units
    # a unit of grid 0 moved to a grid it does not touch
    g0 = units[units["grid_id"] == 0]
    far = plan.grids.geometry.distance(g0.geometry.union_all()).idxmax()
    with pytest.raises(ValidationError, match="breaks the plan"):
        plan.reassign(g0["unit_id"].iloc[0], int(far))
    with pytest.warns(GridgeoWarning, match="breaks the plan"):
        edited = plan.reassign(g0["unit_id"].iloc[0], int(far), on_violation="warn")
    assert (
        edited.units.set_index("unit_id").loc[g0["unit_id"].iloc[0], "grid_id"] == far
    )
    assert plan.units.set_index("unit_id").loc[g0["unit_id"].iloc[0], "grid_id"] == 0
    with pytest.raises(ValidationError, match="Unknown unit"):
        plan.reassign("nope", 0)


def test_lock_and_repartition_keep_locked_grids(plan: gg.Plan) -> None:
    locked = plan.lock([0, 1])
    assert locked.locked == {0, 1}
    again = locked.repartition(seed=7)
    before = plan.units[plan.units["grid_id"].isin([0, 1])]
    after = again.units.set_index("unit_id").loc[before["unit_id"], "grid_id"]
    # the locked grids keep exactly their units (labels may be renumbered)
    assert before.groupby("grid_id")["unit_id"].apply(frozenset).tolist() == (
        pd.Series(before["unit_id"].to_numpy(), index=after.to_numpy())
        .groupby(level=0)
        .apply(frozenset)
        .tolist()
    )
    with pytest.raises(ValidationError, match="No grid"):
        plan.lock(99)


def test_compare(plan: gg.Plan, small_county: gg.County) -> None:
    same = gg.partition(small_county, gg.ByHouseholds(min=500, max=1000), seed=0)
    assert plan.compare(same).empty
    other = gg.partition(small_county, n_grids=4, seed=0)
    moved = plan.compare(other)
    assert len(moved) > 0
    assert set(moved.columns) == {
        "household_id",
        "village_id",
        "grid_before",
        "grid_after",
    }
    assert moved["household_id"].is_unique


def test_to_file_round_trip(plan: gg.Plan, tmp_path) -> None:
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    back = gg.read_plan(path)
    assert back.n_grids == plan.n_grids
    pd.testing.assert_series_equal(back.household_grid, plan.household_grid)
    assert back.units["unit_id"].tolist() == plan.units["unit_id"].tolist()
    assert back.params["seed"] == 0
    assert back.params["gridgeo_version"] == gg.__version__
    assert back.grids["households"].tolist() == plan.grids["households"].tolist()
    # no personal data in the file's household layer
    layer = gpd.read_file(path, layer="household_grid")
    assert set(layer.columns) == {"household_id", "unit_id", "grid_id", "geometry"}
    with pytest.raises(ValidationError, match="No plan file"):
        gg.read_plan(tmp_path / "missing.gpkg")


def test_read_plan_with_its_county(
    plan: gg.Plan, small_county: gg.County, tmp_path
) -> None:
    path = tmp_path / "plan.gpkg"
    plan.to_file(path)
    back = gg.read_plan(path, county=small_county)
    assert back.county is small_county
    # households come back with their points and the plan's grids
    hh = back.households
    assert hh.geometry.notna().all()
    assert len(hh) == len(small_county.households)
    pd.testing.assert_series_equal(back.household_grid, plan.household_grid)
    assert back.metrics["travel_km"] == pytest.approx(plan.metrics["travel_km"])
    # a County whose households differ is refused, naming them
    fewer = gg.read_county(
        villages=small_county.villages,
        households=small_county.households.iloc[1:],
    )
    first = small_county.households["household_id"].iloc[0]
    with pytest.raises(ValidationError, match=f"not among them.*{first}"):
        gg.read_plan(path, county=fewer)


def test_text_and_html(plan: gg.Plan) -> None:
    text = repr(plan)
    assert text.startswith(f"<Plan: {plan.n_grids} grids over")
    assert "contiguous" in text
    assert "Polsby" in plan.summary()
    html = plan._repr_html_()
    assert "<table" in html
    assert "households" in html


def test_is_valid_and_validate(plan: gg.Plan) -> None:
    assert plan.is_valid()
    assert plan.validate().empty
