"""Partition engine: invariants, strategies, infeasibility, odd shapes.

Hostile-input matrix (each row is a test below):

=============================  ==================================================
case                           expectation
=============================  ==================================================
many seeds, several sizes      every unit / household in exactly one grid, grids
                               contiguous, bounds met, same seed -> same plan
township of 700 hh, 500-600    InfeasiblePartitionError naming the township;
                               strict=False -> plan + OutOfBoundsWarning
village bigger than max        split into parts, each within max, reported
a single huge village          split into contiguous parts
island village                 bridged to its nearest neighbour, listed
ring village around another    both planned, grids contiguous
township with one village      one grid, no crossing
plain GeoDataFrame + weight    works without a County
networkx graph                 works without geometry
dict of strategies per zone    each zone gets its own rule and grid count
=============================  ==================================================
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import grid_villages, households_in, make_county
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridgeo as gg
from gridgeo.errors import InfeasiblePartitionError, OutOfBoundsWarning, ValidationError


def assert_plan_invariants(plan: gg.Plan, county: gg.County | None) -> None:
    units = plan.units
    # every unit exactly once, labels 0..k-1
    assert units["unit_id"].is_unique
    assert set(units["grid_id"]) == set(range(plan.n_grids))
    # households: every one exactly once, total preserved
    if county is not None and len(county.households):
        hg = plan.household_grid
        assert hg.index.is_unique
        assert set(hg.index) == set(county.households["household_id"])
        assert hg.notna().all()
        assert units["households"].sum() == county.n_households
        per_grid = hg.value_counts().sort_index()
        assert per_grid.to_numpy().tolist() == plan.grids["households"].tolist()
    # contiguity
    assert plan.grids["contiguous"].all()
    assert plan.metrics["contiguous_share"] == 1.0


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", [(3, 4), (5, 5)])
def test_invariants_by_households(seed: int, shape: tuple[int, int]) -> None:
    county = make_county(*shape, seed=seed)
    plan = gg.partition(county, gg.ByHouseholds(min=400, max=900), seed=seed)
    assert_plan_invariants(plan, county)
    hh = plan.grids["households"]
    assert ((hh >= 400) & (hh <= 900)).all()


def test_same_seed_same_plan(small_county: gg.County) -> None:
    a = gg.partition(small_county, n_grids=5, seed=3)
    b = gg.partition(small_county, n_grids=5, seed=3)
    pd.testing.assert_series_equal(a.household_grid, b.household_grid)
    assert_geodataframe_equal(a.grids, b.grids)


def test_inputs_not_mutated(small_county: gg.County) -> None:
    before_v = small_county.villages.copy()
    before_h = small_county.households.copy()
    gg.partition(small_county, n_grids=4, seed=0)
    assert_geodataframe_equal(small_county.villages, before_v)
    assert_geodataframe_equal(small_county.households, before_h)


def test_n_grids_exact_and_balanced(small_county: gg.County) -> None:
    plan = gg.partition(small_county, n_grids=4, seed=0)
    assert plan.n_grids == 4
    assert_plan_invariants(plan, small_county)
    # two townships of unequal size: balance within the tolerance per township
    assert plan.metrics["crossings"] == 0
    assert plan.out_of_bounds().empty


def test_n_grids_splits_villages_for_tight_balance() -> None:
    county = make_county(4, 5, counts=np.full(20, 300), seed=1)
    plan = gg.partition(county, n_grids=3, seed=0)  # 2,000 per grid: needs cuts
    assert_plan_invariants(plan, county)
    assert plan.metrics["max_deviation_pct"] <= 3.0
    assert plan.metrics["split_villages"] >= 1
    assert len(plan.split_villages) == plan.metrics["split_villages"]


def test_respect_townships(small_county: gg.County) -> None:
    plan = gg.partition(small_county, gg.ByHouseholds(min=300, max=900), seed=0)
    assert plan.metrics["crossings"] == 0
    assert (plan.grids["n_towns"] == 1).all()
    free = gg.partition(small_county, n_grids=3, respect=None, seed=0)
    assert free.n_grids == 3


def test_too_few_grids_for_townships_is_infeasible(small_county: gg.County) -> None:
    with pytest.raises(InfeasiblePartitionError, match=r"township|town_id"):
        gg.partition(small_county, n_grids=1, seed=0)


def test_infeasible_township_is_named() -> None:
    # township t1 holds 700 households: one grid > 600, two grids < 500
    counts = np.array([3000 // 6] * 6 + [350, 350])
    villages = grid_villages(2, 4, towns_by_column=3)
    villages = villages.iloc[[0, 1, 2, 4, 5, 6, 3, 7]].reset_index(drop=True)
    villages["town_id"] = ["t0"] * 6 + ["t1"] * 2
    county = gg.read_county(
        villages=villages, households=households_in(villages, counts)
    )
    with pytest.raises(InfeasiblePartitionError, match=r"town_id t1.*700 households"):
        gg.partition(county, gg.ByHouseholds(min=500, max=600), seed=0)
    with pytest.warns(OutOfBoundsWarning, match="households outside"):
        plan = gg.partition(
            county, gg.ByHouseholds(min=500, max=600), seed=0, strict=False
        )
    assert_plan_invariants(plan, county)
    bad = plan.out_of_bounds()
    assert set(bad["town_id"]) == {"t1"}
    # every grid out of bounds carries the reason no move mends it
    assert bad["reason"].str.len().gt(0).all()


def test_oversized_village_is_split_within_max() -> None:
    counts = np.array([120] * 11 + [2500])
    county = make_county(3, 4, counts=counts, seed=2)
    plan = gg.partition(county, gg.ByHouseholds(min=500, max=1000), seed=0)
    assert_plan_invariants(plan, county)
    big = county.villages.loc[county.villages["households"].idxmax(), "village_id"]
    parts = plan.units[plan.units["village_id"] == big]
    # about the middle of the bounds: ceil(2500 / 750) parts, each within them
    assert len(parts) == 4
    assert parts["households"].between(500, 1000).all()
    assert parts.geometry.geom_type.eq("Polygon").all()
    # parts tile the village
    village = county.villages.set_index("village_id").geometry[big]
    assert abs(parts.geometry.union_all().area - village.area) < 1e-3 * village.area
    assert list(plan.split_villages) == [big]


def test_single_huge_village() -> None:
    county = make_county(1, 1, counts=np.array([3000]))
    plan = gg.partition(county, gg.ByHouseholds(min=500, max=1000), seed=0)
    assert_plan_invariants(plan, county)
    assert 3 <= plan.n_grids <= 6


def test_island_is_bridged() -> None:
    villages = grid_villages(2, 3)
    island = gpd.GeoDataFrame(
        {"village_id": ["v900"], "town_id": ["t0"]},
        geometry=[shapely.box(505_000, 3_100_000, 506_000, 3_101_000)],
        crs=villages.crs,
    )
    villages = pd.concat([villages, island], ignore_index=True)
    county = gg.read_county(
        villages=villages, households=households_in(villages, np.full(7, 200))
    )
    plan = gg.partition(county, gg.ByHouseholds(min=300, max=800), seed=0)
    assert_plan_invariants(plan, county)
    bridges = plan.bridges
    assert len(bridges) == 1
    assert "v900" in set(bridges[["u", "v"]].to_numpy().ravel())
    assert bridges["distance_m"].iloc[0] == pytest.approx(2000.0)


def test_ring_village_around_another() -> None:
    outer = shapely.box(500_000, 3_100_000, 503_000, 3_103_000)
    inner = shapely.box(501_000, 3_101_000, 502_000, 3_102_000)
    side = shapely.box(503_000, 3_100_000, 504_000, 3_103_000)
    villages = gpd.GeoDataFrame(
        {"village_id": ["ring", "core", "side"], "town_id": ["t"] * 3},
        geometry=[outer.difference(inner), inner, side],
        crs="EPSG:4549",
    )
    county = gg.read_county(
        villages=villages, households=households_in(villages, np.array([400, 300, 500]))
    )
    plan = gg.partition(county, gg.ByHouseholds(min=300, max=800), seed=0)
    assert_plan_invariants(plan, county)


def test_township_with_one_village() -> None:
    villages = grid_villages(2, 3, towns_by_column=2)  # t1 = column 2 = 2 villages
    villages.loc[5, "town_id"] = "t2"  # t2 has one village
    county = gg.read_county(
        villages=villages, households=households_in(villages, np.full(6, 600))
    )
    plan = gg.partition(county, gg.ByHouseholds(min=500, max=1300), seed=0)
    assert_plan_invariants(plan, county)
    assert plan.metrics["crossings"] == 0
    t2 = plan.grids[plan.grids["town_id"] == "t2"]
    assert len(t2) == 1
    assert t2["n_villages"].iloc[0] == 1


def test_by_villages_counts() -> None:
    county = make_county(6, 8, seed=4)
    plan = gg.partition(county, gg.ByVillages(6, 8), seed=0)
    assert_plan_invariants(plan, county)
    assert plan.grids["n_villages"].between(6, 8).all()
    assert plan.n_grids == 48 // 7 or plan.n_grids in (6, 7, 8)


def test_by_industry_is_purer_than_by_households() -> None:
    villages = grid_villages(4, 6)
    industry = np.where(villages.geometry.centroid.x < X_MID, "orchard", "livestock")
    county = make_county(4, 6, seed=5, industry=industry)
    pure = gg.partition(county, gg.ByIndustry(min=500, max=1500), seed=0)
    assert_plan_invariants(pure, county)
    assert (pure.grids["purity"] == 1.0).all()
    assert pure.metrics["purity"] == 1.0


X_MID = 500_000.0 + 3_000.0


def test_by_community_defaults_work(synthetic_small: gg.County) -> None:
    urban = synthetic_small.villages["zone"] == "urban"
    assert urban.any()
    plan = gg.partition(
        synthetic_small,
        {
            z: gg.ByCommunity() if z == "urban" else gg.ByHouseholds(min=300, max=1500)
            for z in synthetic_small.villages["zone"].unique()
        },
        zone_column="zone",
        seed=0,
        strict=False,
    )
    assert_plan_invariants(plan, synthetic_small)
    community = plan.grids[plan.grids["strategy"] == "ByCommunity"]
    assert len(community) >= 1
    assert community["households"].between(500, 1000).mean() >= 0.8


def test_by_workload_gives_sparse_grids_fewer_households() -> None:
    # left half dense (small villages), right half sparse (same households, 9x area)
    dense = grid_villages(4, 4, size=500.0)
    sparse_ = grid_villages(4, 4, size=1500.0)
    sparse_ = sparse_.set_geometry(sparse_.translate(xoff=2000.0))
    sparse_["village_id"] = [f"s{i:03d}" for i in range(16)]
    villages = pd.concat([dense, sparse_], ignore_index=True)
    county = gg.read_county(
        villages=villages, households=households_in(villages, np.full(32, 200))
    )
    plan = gg.partition(
        county, gg.ByWorkload(n_grids=6, tolerance=0.25), respect=None, seed=0
    )
    assert_plan_invariants(plan, county)
    g = plan.grids
    dense_hh = g.loc[g.geometry.centroid.x < 502_000, "households"].mean()
    sparse_hh = g.loc[g.geometry.centroid.x >= 502_000, "households"].mean()
    assert sparse_hh < dense_hh


def test_zoned_plan_counts_per_zone(synthetic_small: gg.County) -> None:
    zones = synthetic_small.villages["zone"].value_counts()
    rules = {
        "urban": gg.ByCommunity(n_grids=3),
        "plain": gg.ByVillages(4, 8),
        "hill": gg.ByIndustry(n_grids=int(zones.get("hill", 0) > 0) * 4 or None),
        "mountain": gg.ByHouseholds(n_grids=2),
    }
    rules = {z: r for z, r in rules.items() if z in zones.index}
    with warnings.catch_warnings():  # hills by industry may miss a bound: checked below
        warnings.simplefilter("ignore", OutOfBoundsWarning)
        plan = gg.partition(
            synthetic_small, rules, zone_column="zone", seed=0, strict=False
        )
    assert_plan_invariants(plan, synthetic_small)
    split_zones = plan.grids["strategy"].isin(["ByCommunity", "ByHouseholds"])
    assert plan.grids.loc[split_zones, "in_bounds"].all()
    by_zone = plan.grids.groupby("zone").size()
    if "urban" in by_zone:
        assert by_zone["urban"] >= 3
    if "mountain" in by_zone:
        assert by_zone["mountain"] >= 2
    assert (plan.grids["n_towns"] == 1).all()


def test_zone_without_strategy_is_an_error(synthetic_small: gg.County) -> None:
    with pytest.raises(ValidationError, match="No strategy for zone"):
        gg.partition(synthetic_small, {"urban": gg.ByHouseholds()}, zone_column="zone")


def test_geodataframe_input_with_weight() -> None:
    frame = grid_villages(4, 4).rename(columns={"village_id": "GEOID"})
    frame["TOTPOP"] = 100 + (np.arange(16) % 2)
    plan = gg.partition(frame, n_grids=4, weight="TOTPOP", id_col="GEOID", seed=0)
    assert plan.n_grids == 4
    assert plan.units["households"].sum() == frame["TOTPOP"].sum()
    assert plan.grids["contiguous"].all()
    assert plan.grids["households"].between(398, 406).all()
    # whole units that cannot balance (one unit outweighs a grid's upper bound):
    # the best plan, with a warning naming grids
    frame["TOTPOP"] = 100
    frame.loc[frame.index[0], "TOTPOP"] = 1000
    with pytest.warns(OutOfBoundsWarning, match="grids miss their bounds"):
        loose = gg.partition(frame, n_grids=4, weight="TOTPOP", seed=0, strict=False)
    assert loose.grids["contiguous"].all()
    with pytest.raises(ValidationError, match="weight"):
        gg.partition(frame, n_grids=4, weight="POP")


def test_graph_input() -> None:
    graph = nx.grid_2d_graph(6, 6)
    for node in graph.nodes:
        graph.nodes[node]["pop"] = 10 + (node[0] * 7 + node[1] * 3) % 11
        graph.nodes[node]["x"], graph.nodes[node]["y"] = node
    plan = gg.partition(graph, n_grids=4, weight="pop", seed=0)
    assert plan.n_grids == 4
    assert plan.grids["contiguous"].all()
    total = sum(d["pop"] for _, d in graph.nodes(data=True))
    assert plan.units["households"].sum() == total


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    nrows=st.integers(2, 4),
    ncols=st.integers(2, 5),
    data=st.data(),
)
def test_property_exactly_once_and_contiguous(nrows: int, ncols: int, data) -> None:
    n = nrows * ncols
    counts = np.array(data.draw(st.lists(st.integers(1, 600), min_size=n, max_size=n)))
    county = make_county(nrows, ncols, counts=counts, seed=int(counts.sum()) % 7)
    seed = data.draw(st.integers(0, 3))
    try:
        plan = gg.partition(county, gg.ByHouseholds(min=300, max=900), seed=seed)
    except InfeasiblePartitionError as err:
        message = str(err)
    else:
        message = ""
    if message:
        assert "cannot" in message or "miss their bounds" in message
        return
    assert_plan_invariants(plan, county)
    assert plan.out_of_bounds().empty


def test_whole_villages_that_cannot_fit_get_a_proof_as_reason() -> None:
    # one township of 4 villages in a row, 300 | 600 | 600 | 300, grids of 500-800:
    # an end village alone is too small and with its neighbour too big (900)
    counts = np.array([300, 600, 600, 300])
    villages = grid_villages(1, 4)
    villages["town_id"] = "t0"
    county = gg.read_county(
        villages=villages, households=households_in(villages, counts)
    )
    spec = gg.ByHouseholds(min=500, max=800)
    with pytest.raises(InfeasiblePartitionError, match="no way to group the 4 units"):
        gg.partition(county, spec, seed=0)
    with pytest.warns(OutOfBoundsWarning):
        plan = gg.partition(county, spec, seed=0, strict=False)
    assert_plan_invariants(plan, county)
    reasons = plan.out_of_bounds()["reason"]
    assert len(reasons) > 0
    assert reasons.str.contains("connected groups within the bounds were checked").all()


def test_village_counts_that_cannot_fit_are_explained() -> None:
    # township t0 has 10 villages: neither one grid (max 8) nor two (min 12) of 6-8
    # villages fit; t1 has 12 and fits two grids of 6
    villages = grid_villages(4, 6, towns_by_column=3)
    villages.loc[villages.index[[2, 8]], "town_id"] = "t1"
    county = gg.read_county(
        villages=villages,
        households=households_in(villages, np.full(24, 100)),
    )
    assert county.villages["town_id"].value_counts().to_dict() == {"t1": 14, "t0": 10}
    with pytest.warns(OutOfBoundsWarning):
        plan = gg.partition(county, gg.ByVillages(6, 8), seed=0, strict=False)
    assert_plan_invariants(plan, county)
    bad = plan.out_of_bounds()
    assert len(bad) > 0
    assert set(bad["town_id"]) == {"t0"}
    assert (
        bad["reason"]
        .str.contains("has 10 villages: no number of grids of 6–8 villages")
        .all()
    )


def test_bounds_plan_of_a_township_is_the_least_burden_grouping() -> None:
    # a row of villages with many ways to group them: the plan must reach the
    # least travel burden found by trying every contiguous grouping
    counts = np.array([260, 260, 480, 260, 260, 480])
    villages = grid_villages(1, 6)
    villages["town_id"] = "t0"
    county = gg.read_county(
        villages=villages, households=households_in(villages, counts, seed=3)
    )
    plan = gg.partition(county, gg.ByHouseholds(min=500, max=1000), seed=0)
    assert_plan_invariants(plan, county)
    best = np.inf
    ids = county.villages["village_id"].to_numpy()
    hh = county.households
    xy = np.column_stack([hh.geometry.x, hh.geometry.y]) / 1000
    # every way to cut the row into contiguous runs within the bounds
    for cuts in range(2**5):
        labels = np.cumsum([0] + [(cuts >> i) & 1 for i in range(5)])
        grid_of = dict(zip(ids, labels, strict=True))
        g = hh["village_id"].map(grid_of).to_numpy()
        sizes = np.bincount(g)
        if not ((sizes >= 500) & (sizes <= 1000)).all():
            continue
        centre = np.array([xy[g == k].mean(axis=0) for k in range(g.max() + 1)])
        best = min(best, np.hypot(*(xy - centre[g]).T).mean())
    # the plan uses 64 household points per village to cost a grid: near-exact
    assert plan.metrics["travel_km"] == pytest.approx(best, rel=0.01)
