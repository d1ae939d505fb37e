"""Service coverage and site selection against brute force on small cases.

Matrix: road / no roads; MCLP, LSCP, p-median (with and without township rules,
fixed sites); infeasible township rules; aggregation to villages.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _roads import CRS, lattice_roads, make_county

from gridgeo.coverage import (
    select_sites,
    service_coverage,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)
from gridgeo.errors import InfeasibleError, ValidationError


def small_instance(seed: int, n_d: int = 30, n_c: int = 8):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 10, (n_d, 2))
    c = rng.uniform(0, 10, (n_c, 2))
    w = rng.integers(1, 20, n_d).astype(float)
    cost = np.hypot(*(d[:, None] - c[None]).transpose(2, 0, 1))
    towns = np.array(["a", "b"])[np.arange(n_c) % 2]
    return cost, w, towns


def brute(n_c, p, score, ok=lambda s: True):
    sets = [s for s in itertools.combinations(range(n_c), p) if ok(s)]
    return max(score(s) for s in sets)


@pytest.mark.parametrize("seed", range(5))
def test_mclp_pmedian_lscp_match_brute_force(seed):
    cost, w, _towns = small_instance(seed)
    cover = cost <= 3.0
    r = solve_mclp(cover, w, 3)
    best = brute(8, 3, lambda s: (w * cover[:, s].any(1)).sum())
    assert r.objective == pytest.approx(best)
    assert (w * cover[:, r.selected].any(1)).sum() == pytest.approx(best)
    assert r.gap <= 1e-6

    r = solve_pmedian(cost, w, 3, gap_target=0.0)
    best = -brute(8, 3, lambda s: -(w * cost[:, s].min(1)).sum())
    assert r.objective == pytest.approx(best)
    assert r.bound <= r.objective + 1e-9

    r = solve_lscp(cover)
    coverable = cover.any(1)
    need = next(
        k
        for k in range(1, 9)
        if any(
            (cover[:, s].any(1) >= coverable).all()
            for s in itertools.combinations(range(8), k)
        )
    )
    assert r.objective == need
    assert (cover[:, r.selected].any(1) >= coverable).all()


@pytest.mark.parametrize("seed", range(3))
def test_town_rules_and_fixed_sites(seed):
    cost, w, towns = small_instance(seed)
    cover = cost <= 3.0

    def ok(s):
        t = towns[list(s)]
        return 0 in s and 1 <= (t == "a").sum() <= 2 and 1 <= (t == "b").sum() <= 2

    rules = {"fixed": [0], "towns": towns, "min_per_town": 1, "max_per_town": 2}
    r = solve_mclp(cover, w, 3, **rules)
    assert ok(tuple(r.selected))
    assert r.objective == pytest.approx(
        brute(8, 3, lambda s: (w * cover[:, s].any(1)).sum(), ok)
    )
    r = solve_pmedian(cost, w, 3, gap_target=0.0, **rules)
    assert ok(tuple(r.selected))
    assert r.objective == pytest.approx(
        -brute(8, 3, lambda s: -(w * cost[:, s].min(1)).sum(), ok)
    )


@pytest.mark.parametrize("seed", range(6))
def test_mclp_reductions_keep_the_optimum(seed):
    """Twin rows, nested candidates and fixed sites: reduced model, same optimum."""
    rng = np.random.default_rng(seed)
    n_d, n_c, p = 24, 9, 3
    cover = rng.random((n_d, n_c)) < 0.3
    cover[:, 1] = cover[:, 0] & (rng.random(n_d) < 0.6)  # 1 within 0
    cover[:, 2] = cover[:, 3]  # identical candidates
    cover[12:18] = cover[0]  # identical demand rows
    cover[20] = False
    cover[20, 5] = True  # a row only candidate 5 reaches
    w = rng.integers(1, 9, n_d).astype(float)
    fixed = [4] if seed % 2 else None

    def score(s):
        return (w * cover[:, list(s)].any(1)).sum()

    def ok(s):
        return fixed is None or 4 in s

    r = solve_mclp(cover, w, p, fixed=fixed)
    assert r.objective == pytest.approx(brute(n_c, p, score, ok))
    assert r.objective == pytest.approx(score(r.selected))
    assert ok(tuple(r.selected))
    assert len(r.selected) == p
    assert r.bound >= r.objective - 1e-9
    assert r.gap <= 1e-6
    assert r.info["model_rows"] < n_d
    assert r.info["model_candidates"] < n_c
    assert r.info["folded_rows"] >= 1
    covered = r.assignment >= 0
    assert (cover[np.flatnonzero(covered), r.assignment[covered]]).all()
    assert not cover[~covered][:, r.selected].any()
    # LSCP on the same matrix: fewest sites reaching every coverable row
    r = solve_lscp(cover, fixed=fixed)
    coverable = cover.any(1)

    def covers_all(s):
        return ok(s) and (cover[:, list(s)].any(1) >= coverable).all()

    need = next(
        k
        for k in range(n_c + 1)
        if any(covers_all(s) for s in itertools.combinations(range(n_c), k))
    )
    assert r.objective == need
    assert covers_all(tuple(r.selected))
    assert r.info["model_rows"] < coverable.sum()


def test_pmedian_milp_path_and_capacity():
    cost, w, _ = small_instance(7, n_d=40, n_c=10)
    # k smaller than needed: the MILP rounds double it and the bound stays valid
    cap = np.full(10, w.sum() / 2.5)
    r = solve_pmedian(cost, w, 3, capacity=cap, k=2, gap_target=0.0)
    assert r.info["method"] == "milp"
    assert r.bound <= r.objective + 1e-6
    load = np.bincount(r.assignment, weights=w, minlength=10)
    assert (load[r.selected] <= cap[r.selected] * 1.0001 + w.max()).all()


def test_infeasible_town_rule_names_township():
    cost, w, towns = small_instance(0)
    with pytest.raises(InfeasibleError, match="'c'"):
        solve_mclp(
            cost <= 3, w, 3, towns=towns, all_towns=["a", "b", "c"], min_per_town=1
        )
    with pytest.raises(InfeasibleError, match="'a'"):
        solve_pmedian(
            cost, w, 4, fixed=[0, 2, 4], towns=towns, max_per_town=2, min_per_town=0
        )


@pytest.mark.parametrize("roads", [True, False])
def test_service_coverage(roads):
    county = make_county(lattice_roads(6) if roads else None)
    sp = gpd.GeoDataFrame(
        {"site_id": ["s0", "s1"]},
        geometry=shapely.points([[500, 500], [4500, 4500]]),
        crs=CRS,
    )
    res = service_coverage(county, sp, max_km=3.0)
    hh = res.households
    assert res.method == ("road" if roads else "straight-line")
    assert (hh["covered"] == (hh["km"] <= 3.0)).all()
    assert hh.loc[~hh["covered"], "site_id"].isna().all()
    assert len(res.uncovered) == (~hh["covered"]).sum()
    assert res.by_town["households"].sum() == len(hh)
    assert res.share == pytest.approx(hh["covered"].mean())
    # every covered household lies inside its site's service area
    sa = res.service_areas.set_index("site_id")
    cov = hh[hh["covered"]]
    inside = shapely.contains(
        sa.loc[cov["site_id"]].geometry.to_numpy(), cov.geometry.to_numpy()
    ) | (cov["snap_m"].to_numpy() > 200)
    assert inside.all()
    assert sa.crs == county.crs
    if roads:  # the households' snap is kept for the next call
        assert county._cache["household_snap"][0] is county.households
        again = service_coverage(county, sp, max_km=3.0).households
        assert np.array_equal(again["km"], hh["km"], equal_nan=True)
    with pytest.raises(ValidationError, match="limit"):
        service_coverage(county, sp)


def test_select_sites_county_level_rules():
    county = make_county(lattice_roads(6), n_hh=120)
    rng = np.random.default_rng(3)
    cand = gpd.GeoDataFrame(
        geometry=shapely.points(rng.uniform(0, 5000, (12, 2))), crs=CRS
    )
    existing = gpd.GeoDataFrame(
        {"site_id": ["old"]}, geometry=shapely.points([[1000, 1000]]), crs=CRS
    )
    sel = select_sites(
        county,
        model="mclp",
        p=3,
        max_km=2.0,
        candidates=cand,
        existing=existing,
        min_per_town=1,
        max_per_town=2,
    )
    s = sel.selected
    assert len(s) == 3
    assert "old" in set(s["site_id"])
    counts = s["town_id"].value_counts()
    assert set(counts.index) == {"t0", "t1"}
    assert counts.max() <= 2
    assert sel.gap <= 1e-6
    assert sel.demand_level == "households"
    assert sel.household_coverage == pytest.approx(sel.objective / 120)
    # villages aggregation reports its error
    agg = select_sites(
        county,
        model="pmedian",
        p=2,
        candidates=cand,
        existing=existing,
        demand="villages",
    )
    assert agg.demand_level == "villages"
    assert agg.aggregation["n_points"] == 2
    assert agg.aggregation["max_km"] > 0
    lscp = select_sites(
        county, model="lscp", max_km=2.5, candidates=cand, existing=existing
    )
    assert (
        lscp.household_coverage >= sel.household_coverage - 1e-9 or lscp.objective > 3
    )
