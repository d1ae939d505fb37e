"""The location–allocation engine's split path: medians, cut scoring, cuts, routing."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import make_county

import gridgeo as gg
from gridgeo.graph import components_within
from gridgeo.partition._balance import Balancer, _slab_cut
from gridgeo.partition._engine import Problem, _cut_burden, _weber, solve
from gridgeo.partition._inputs import units_adjacency
from gridgeo.units import build_units


def _sum_dist(xy: np.ndarray, w: np.ndarray, c: np.ndarray) -> float:
    return float((w * np.hypot(*(xy - c).T)).sum())


@pytest.mark.parametrize("seed", range(5))
def test_weber_reaches_the_weighted_median(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(8, 0.5, (5, 2))])
    w = rng.uniform(1, 5, len(xy))
    mean = np.average(xy, axis=0, weights=w)
    (median,) = _weber(xy, w[:, None], mean[None])
    # brute force on a fine lattice around the points
    gx, gy = np.meshgrid(np.linspace(-3, 9, 241), np.linspace(-3, 9, 241))
    lattice = np.column_stack([gx.ravel(), gy.ravel()])
    best = min(_sum_dist(xy, w, c) for c in lattice)
    assert _sum_dist(xy, w, median) <= best * 1.001
    assert _sum_dist(xy, w, median) < _sum_dist(xy, w, mean)


def test_weber_ignores_a_centre_without_mass() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 0.0]])
    mass = np.array([[1.0, 0.0], [1.0, 0.0]])
    centres = np.array([[0.2, 0.0], [5.0, 5.0]])
    out = _weber(xy, mass, centres)
    np.testing.assert_array_equal(out[1], [5.0, 5.0])


def test_cut_burden_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    points = [rng.uniform(0, 1, (6, 2)), rng.uniform(1, 2, (6, 2)) + np.array([0, 0.5])]
    w = np.array([60.0, 30.0])
    centres = np.array([[0.3, 0.4], [1.6, 1.0]])
    # unit 0 whole in grid 0; unit 1 shared: 2/6 to grid 0, 4/6 to grid 1
    frac = np.array([[1.0, 0.0], [1 / 3, 2 / 3]])
    burden, means = _cut_burden(frac, centres, w, points)
    # brute force: which 2 of unit 1's 6 points go to grid 0 (nearest centres)
    pts = points[1]
    d = np.hypot(*(pts[:, None, :] - centres[None]).transpose(2, 0, 1))
    best = min(
        itertools.combinations(range(6), 2),
        key=lambda pick: (
            d[list(pick), 0].sum() + d[[q for q in range(6) if q not in pick], 1].sum()
        ),
    )
    owner = np.ones(6, dtype=int)
    owner[list(best)] = 0
    xy = np.vstack([points[0], pts])
    grid = np.concatenate([np.zeros(6, dtype=int), owner])
    m = np.concatenate([np.full(6, 10.0), np.full(6, 5.0)])
    expect_means = np.vstack(
        [np.average(xy[grid == g], axis=0, weights=m[grid == g]) for g in (0, 1)]
    )
    expect = (m * np.hypot(*(xy - expect_means[grid]).T)).sum() / m.sum()
    np.testing.assert_allclose(means, expect_means)
    assert burden == pytest.approx(expect)


def _split_setup(seed: int) -> tuple:
    county = make_county(5, 6, seed=seed)
    units, household_unit = build_units(
        county.villages, county.households, pd.Series(dtype=int)
    )
    adjacency, _ = units_adjacency(units)
    xy = shapely.get_coordinates(units.geometry.centroid.values) / 1000.0
    w = units["households"].to_numpy(dtype=float)
    return county, units, household_unit, adjacency, xy, w


@pytest.mark.parametrize("seed", range(4))
def test_split_solve_shares_few_units_within_the_band(seed: int) -> None:
    *_, adjacency, xy, w = _split_setup(seed)
    k, tol = 4, 0.03
    target = w.sum() / k
    p = Problem(np.arange(len(w)), k, target * (1 - tol), target * (1 + tol))
    labels, shares = solve(p, xy, w, adjacency, np.random.default_rng(seed), split=True)
    # a vertex of the transportation LP shares at most k - 1 units
    assert len({i for i, _, _ in shares}) <= k - 1
    load = np.bincount(labels, weights=w, minlength=k)
    for i, g, f in shares:
        load[labels[i]] -= f * w[i]
        load[g] += f * w[i]
    band = 2 / 3 * tol * target
    assert np.all(np.abs(load - target) <= band + 1e-6)


def test_split_solve_is_deterministic() -> None:
    _, _, _, adjacency, xy, w = _split_setup(1)
    target = w.sum() / 5
    p = Problem(np.arange(len(w)), 5, 0.97 * target, 1.03 * target)
    runs = [
        solve(p, xy, w, adjacency, np.random.default_rng(7), split=True)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_balancer_snapshot_restores_cuts() -> None:
    county, units, household_unit, adjacency, _, _ = _split_setup(0)
    labels = (np.arange(len(units)) % 6 >= 3).astype(np.int64)  # west | east
    bal = Balancer(units, household_unit, labels, adjacency, county.households)
    state = bal.snapshot()
    # village 2 (west) borders village 3 (east): move 40 households across
    moved = bal.cut(2, 40, 1)
    assert moved > 0
    assert len(bal.rows) == len(units) + 1
    bal.restore(state)
    assert len(bal.rows) == len(units)
    assert bal.labels == list(labels)
    pd.testing.assert_series_equal(bal.household_unit, household_unit)


def test_slab_cut_takes_the_households_furthest_along_the_direction() -> None:
    square = shapely.box(0, 0, 100, 100)
    rng = np.random.default_rng(0)
    xy = rng.uniform(1, 99, (50, 2))
    located = np.ones(50, dtype=bool)
    shared = shapely.LineString([(100, 0), (100, 100)])
    far, near, take = _slab_cut(
        square, shared, xy, located, 10, 50, direction=np.array([0.0, 1.0])
    )
    # northwards: the ten northernmost households, in a strip along the north side
    assert set(take) == set(np.argsort(-xy[:, 1])[:10])
    assert far.bounds[3] == pytest.approx(100)
    assert far.area + near.area == pytest.approx(square.area)
    assert shapely.contains_xy(far, *xy[take].T).all()


def test_split_plan_uses_the_tolerance_band() -> None:
    county = make_county(5, 6, seed=2)
    plan = gg.partition(county, gg.ByHouseholds(n_grids=4, tolerance=0.05), seed=0)
    hh = plan.grids["households"].to_numpy()
    target = county.n_households / 4
    assert np.all(np.abs(hh - target) <= 0.05 * target + 1)
    assert plan.metrics["contiguous_share"] == 1.0


def test_repair_never_hands_a_piece_to_another_problem() -> None:
    county = make_county(1, 4, counts=np.array([50, 300, 300, 300]))
    units, household_unit = build_units(
        county.villages, county.households, pd.Series(dtype=int)
    )
    adjacency, _ = units_adjacency(units)
    # a row of four villages; grid 1 (problem B, with grid 2) is cut in two by
    # grid 0 (problem A): its light western piece touches only grid 0
    labels = np.array([1, 0, 1, 2])
    bal = Balancer(units, household_unit, labels, adjacency, county.households)
    bal.repair(np.array([1, 2]), bal.centres())
    assert bal.labels[0] == 1
    # within one problem the piece does move
    bal = Balancer(units, household_unit, labels, adjacency, county.households)
    bal.repair(np.array([0, 1, 2]), bal.centres())
    assert bal.labels[0] == 0


def test_a_township_plan_does_not_change_with_another_townships_rule() -> None:
    county = make_county(4, 6, towns_by_column=3, seed=5)
    zone = np.where(county.villages["town_id"] == "t0", "west", "east")
    county = gg.read_county(
        villages=county.villages.assign(zone=zone), households=county.households
    )
    west = gg.ByHouseholds(n_grids=3)

    def west_grids(east: gg.ByHouseholds) -> set[frozenset[str]]:
        plan = gg.partition(
            county, {"west": west, "east": east}, zone_column="zone", seed=4
        )
        hg = plan.household_grid
        village = county.households.set_index("household_id")["village_id"]
        west_villages = county.villages["village_id"][zone == "west"]
        mine = hg[village.loc[hg.index].isin(west_villages).to_numpy()]
        return {frozenset(ids) for _, ids in mine.groupby(mine).groups.items()}

    assert west_grids(gg.ByHouseholds(n_grids=2)) == west_grids(
        gg.ByHouseholds(n_grids=4)
    )


def test_restart_whole_mends_a_plan_left_out_of_bounds() -> None:
    import geopandas as gpd
    from conftest import grid_villages

    restart = sys.modules["gridgeo.partition"]._restart_whole
    miss = sys.modules["gridgeo.partition"]._miss
    villages = grid_villages(4, 4)
    units = villages.assign(unit_id=villages["village_id"], households=100)
    adjacency, bridges = units_adjacency(units)
    xy = shapely.get_coordinates(units.geometry.centroid.values) / 1000.0
    w = units["households"].to_numpy(dtype=float)
    prob = Problem(np.arange(16), 4, 390.0, 410.0)
    # a connected but lopsided start: 8 | 4 | 2 | 2 units
    labels = np.repeat([0, 1, 2, 3], [8, 4, 2, 2])
    grids = np.arange(4)
    assert miss(labels, grids, w, 390, 410) > 0
    households = gpd.GeoDataFrame({"household_id": []}, geometry=[], crs=units.crs)
    out = restart(
        labels,
        grids,
        prob,
        w,
        np.random.default_rng(0),
        xy,
        xy,
        w,
        adjacency,
        (units, pd.Series(dtype=str), bridges, households),
        10.0,
    )
    assert miss(out, grids, w, 390, 410) == 0
    assert sorted(np.bincount(out).tolist()) == [4, 4, 4, 4]
    for g in grids:
        assert components_within(adjacency, np.flatnonzero(out == g)).max() == 0


def test_cut_burden_shares_two_points_among_four_grids() -> None:
    # rounding each share alone would hand out three points for two
    points = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[5.0, 0.0]])]
    frac = np.array([[0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 0.0, 1.0]])
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [5.0, 0.0]])
    burden, means = _cut_burden(frac, centres, np.array([2.0, 1.0]), points)
    assert np.isfinite(burden)
    # the two points go to the two grids whose centres they sit on
    np.testing.assert_allclose(means[:2], [[0.0, 0.0], [1.0, 0.0]])
