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


def _mclp_brute(cover, w, p, fixed=()):
    n_c = cover.shape[1]
    return brute(
        n_c,
        p,
        lambda s: (w * cover[:, list(s)].any(1)).sum(),
        lambda s: set(fixed) <= set(s),
    )


def _random_mclp(seed):
    rng = np.random.default_rng(100 + seed)
    n_d, n_c = int(rng.integers(25, 45)), int(rng.integers(8, 12))
    p = int(rng.integers(2, 5))
    cover = rng.random((n_d, n_c)) < rng.uniform(0.12, 0.3)
    w = rng.integers(1, 30, n_d).astype(float)
    return cover, w, p


@pytest.mark.parametrize("seed", range(8))
def test_mclp_incumbent_first_matches_brute_force(seed):
    """LP rounding + swap search + cutoff MILP against brute force and the old path."""
    cover, w, p = _random_mclp(seed)
    n_c = cover.shape[1]
    rng = np.random.default_rng(seed)
    fixed = [int(rng.integers(n_c))] if seed % 3 == 0 else []
    best = _mclp_brute(cover, w, p, fixed)
    r = solve_mclp(cover, w, p, fixed=fixed or None, incumbent_first=True)
    assert r.info["proof"] in {"lp bound", "milp with cutoff"}
    assert r.objective == pytest.approx(best)
    assert (w * cover[:, r.selected].any(1)).sum() == pytest.approx(best)
    assert set(fixed) <= set(r.selected.tolist())
    assert len(r.selected) == p
    assert r.status == "optimal"
    assert r.objective - 1e-9 <= r.bound <= r.objective * (1 + 1e-6)
    old = solve_mclp(cover, w, p, fixed=fixed or None, incumbent_first=False)
    assert old.info["proof"] == "milp"
    assert old.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
def test_cover_form_with_a_cutoff_that_is_not_tight(seed):
    """A poor incumbent: HiGHS must find the better optimum under the cutoff."""
    from scipy import sparse

    from gridgeo.coverage._mclp_fast import solve_cover_form

    rng = np.random.default_rng(200 + seed)
    n_y, k, p = 40, 10, 3
    u = rng.random((n_y, k)) < 0.25
    u[np.flatnonzero(~u.any(1)), 0] = True
    wu = rng.integers(1, 20, n_y).astype(float)
    cx = np.zeros(k)
    fixed = np.zeros(k, dtype=bool)
    # the p sites covering the least weight: far from the optimum
    worst = np.argsort((wu[:, None] * u).sum(0), kind="stable")[:p]
    best = _mclp_brute(u, wu, p)
    r = solve_cover_form(
        sparse.csr_matrix(u.astype(float)),
        wu,
        cx,
        p,
        fixed,
        time_limit=30,
        mip_rel_gap=1e-9,
        start=worst,
    )
    start_value = (wu * u[:, worst].any(1)).sum()
    assert start_value < best  # the cutoff is not tight
    assert r.info["incumbent"] == pytest.approx(wu.sum() - start_value)
    assert r.info["milp_runs"] >= 1
    assert r.status == "optimal"
    got = (wu * u[:, r.x].any(1)).sum()
    assert got == pytest.approx(best)
    assert r.x.sum() == p
    # lower bound on uncovered weight: valid and tight
    assert r.lower == pytest.approx(wu.sum() - best)


def test_mclp_proofs_and_rules_fall_back():
    """LP bound met (no MILP), cutoff MILP, and township rules on the plain MILP."""
    cover, w, p = _random_mclp(0)  # the rounded LP is optimal here
    r = solve_mclp(cover, w, p, incumbent_first=True)
    assert r.objective == pytest.approx(_mclp_brute(cover, w, p))
    assert r.info["proof"] == "lp bound"
    assert r.info["milp_runs"] == 0
    assert r.gap <= 1e-9
    cover, w, p = _random_mclp(6)  # LP fractional: HiGHS proves the incumbent
    r = solve_mclp(cover, w, p, incumbent_first=True)
    assert r.objective == pytest.approx(_mclp_brute(cover, w, p))
    assert r.info["proof"] == "milp with cutoff"
    assert r.info["milp_runs"] == 1
    assert r.info["fixed_by_reduced_cost"] > 0
    assert r.info["lp_bound"] < r.info["incumbent"]
    n_c = cover.shape[1]
    towns = np.array(["a", "b"])[np.arange(n_c) % 2]
    r = solve_mclp(
        cover, w, p, towns=towns, min_per_town=1, max_per_town=2, incumbent_first=True
    )
    assert r.info["proof"] == "milp"

    def ok(s):
        t = towns[list(s)]
        return 1 <= (t == "a").sum() <= 2 and 1 <= (t == "b").sum() <= 2

    assert r.objective == pytest.approx(
        brute(n_c, p, lambda s: (w * cover[:, list(s)].any(1)).sum(), ok)
    )


def _best_capacitated_cover(cover, w, cap, sites):
    """Most weight open ``sites`` can serve within capacities; a demand row may be
    shared between sites (an LP over the assignment shares, by brute force over
    the site sets)."""
    from scipy.optimize import linprog

    pairs = [(i, j) for i in range(len(w)) for j in sites if cover[i, j]]
    if not pairs:
        return 0.0
    a_ub, b_ub = [], []
    for i in range(len(w)):  # each row served at most once
        a_ub.append([1.0 if pi == i else 0.0 for pi, _ in pairs])
        b_ub.append(1.0)
    for j in sites:  # capacity
        a_ub.append([w[pi] if pj == j else 0.0 for pi, pj in pairs])
        b_ub.append(cap[j])
    res = linprog(
        [-w[pi] for pi, _ in pairs], A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs"
    )
    return -res.fun


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_mclp_and_lscp_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_d, n_c = 6, 4
    cover = rng.random((n_d, n_c)) < 0.5
    cover[np.arange(n_d), rng.integers(0, n_c, n_d)] = True  # every row coverable
    w = rng.integers(1, 6, n_d).astype(float)
    cap = rng.integers(4, 12, n_c).astype(float)
    served = {
        sites: _best_capacitated_cover(cover, w, cap, sites)
        for sites in itertools.combinations(range(n_c), 2)
    }
    r = solve_mclp(cover, w, 2, capacity=cap)
    assert r.objective == pytest.approx(max(served.values()))
    assert len(r.selected) == 2
    for i, j in enumerate(r.assignment):  # rows mainly served by an open site
        if j >= 0:
            assert cover[i, j]
            assert j in r.selected
    # LSCP: fewest sites that can serve every household within capacity
    fewest = next(
        (
            k
            for k in range(1, n_c + 1)
            for sites in itertools.combinations(range(n_c), k)
            if _best_capacitated_cover(cover, w, cap, sites) >= w.sum() - 1e-6
        ),
        None,
    )
    if fewest is not None:
        assert solve_lscp(cover, weights=w, capacity=cap).objective == fewest


@pytest.mark.parametrize("seed", range(6))
def test_cover_form_with_randomized_restarts_matches_brute_force(seed):
    """Randomized LP roundings + swap: a feasible incumbent never worse than the
    first rounding, and the proven optimum of brute force."""
    from scipy import sparse

    from gridgeo.coverage._mclp_fast import incumbent, lp_bound, solve_cover_form

    rng = np.random.default_rng(300 + seed)
    n_y, k, p = int(rng.integers(30, 50)), int(rng.integers(8, 12)), 3
    u = rng.random((n_y, k)) < rng.uniform(0.12, 0.3)
    u[np.flatnonzero(~u.any(1)), rng.integers(k)] = True
    wu = rng.integers(1, 30, n_y).astype(float)
    cx = np.where(rng.random(k) < 0.3, rng.integers(1, 10, k), 0).astype(float)
    fixed = np.zeros(k, dtype=bool)
    if seed % 2:
        fixed[int(rng.integers(k))] = True
    us = sparse.csr_matrix(u.astype(float))

    def value(x):  # uncovered weight minus folded weight, as the model counts it
        return wu[~u[:, x].any(1)].sum() - cx[x].sum()

    xlp, _, _ = lp_bound(us, wu, cx, p, fixed.astype(float))
    x0, v0 = incumbent(us, wu, cx, xlp, p, fixed, restarts=0)
    x1, v1 = incumbent(us, wu, cx, xlp, p, fixed, restarts=8, seed=seed)
    for x, v in ((x0, v0), (x1, v1)):
        assert x.sum() == p
        assert x[fixed].all()
        assert v == pytest.approx(value(x))
    assert v1 <= v0
    sets = [
        s
        for s in itertools.combinations(range(k), p)
        if set(np.flatnonzero(fixed)) <= set(s)
    ]
    best = min(value(np.isin(np.arange(k), s)) for s in sets)
    assert v1 >= best - 1e-9
    r = solve_cover_form(
        us, wu, cx, p, fixed, time_limit=30, mip_rel_gap=1e-9, restarts=8
    )
    assert r.status == "optimal"
    assert r.x.sum() == p
    assert r.x[fixed].all()
    assert value(r.x) == pytest.approx(best)
    assert r.lower == pytest.approx(best)
