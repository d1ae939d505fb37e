"""Exact small-township solver: enumeration and set partitioning against brute force."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from gridgeo.partition._setpart import (
    Candidates,
    _cover_by_layers,
    _cover_by_recursion,
    enumerate_grids,
    grid_costs,
    recut_borders,
    smooth_borders,
    solve_exact,
)


def _random_graph(n: int, seed: int) -> tuple[sparse.csr_array, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(n, 2))
    g = nx.random_geometric_graph(n, 4.0, pos=dict(enumerate(xy)), seed=seed)
    adj = nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr")
    w = rng.integers(1, 10, size=n).astype(float)
    return adj, w, xy


def _brute_groups(adj, w, lo, hi) -> list[tuple[int, ...]]:
    g = nx.from_scipy_sparse_array(adj)
    out = []
    for r in range(1, len(w) + 1):
        for sub in itertools.combinations(range(len(w)), r):
            total = w[list(sub)].sum()
            if lo <= total <= hi and nx.is_connected(g.subgraph(sub)):
                out.append(sub)
    return sorted(out)


@pytest.mark.parametrize("seed", range(6))
def test_enumeration_finds_every_connected_group_in_bounds_once(seed):
    adj, w, _ = _random_graph(11, seed)
    got = enumerate_grids(adj, w, 8, 15)
    assert got == _brute_groups(adj, w, 8, 15)
    assert len(set(got)) == len(got)


def test_enumeration_gives_up_past_the_limit():
    adj, _, _ = _random_graph(12, 0)
    assert enumerate_grids(adj, np.ones(12), 0, 12, limit=10) is None


def _brute_partition(groups, cost, n):
    """Least-cost exact cover by recursion over the lowest uncovered unit."""
    best = (np.inf, None)

    def rec(covered, chosen, total):
        nonlocal best
        if total >= best[0]:
            return
        free = [u for u in range(n) if u not in covered]
        if not free:
            best = (total, list(chosen))
            return
        u = free[0]
        for j, g in enumerate(groups):
            if u in g and not covered & set(g):
                rec(covered | set(g), [*chosen, j], total + cost[j])

    rec(set(), [], 0.0)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_set_partitioning_matches_the_brute_force_optimum(seed):
    adj, w, xy = _random_graph(10, seed)
    groups = enumerate_grids(adj, w, 6, 14)
    cands = Candidates(groups, len(w))
    cost = grid_costs(cands, xy, w, None)
    labels, infeasible = solve_exact(cands, cost, time_limit=10)
    best, chosen = _brute_partition(groups, cost, len(w))
    if chosen is None:
        assert labels is None
        assert infeasible
        return
    assert not infeasible
    assert labels is not None
    # the plan's own burden equals the brute-force optimum
    total = 0.0
    for g in range(labels.max() + 1):
        m = labels == g
        c = np.average(xy[m], axis=0, weights=w[m])
        total += float((w[m] * np.hypot(*(xy[m] - c).T)).sum())
        assert 6 <= w[m].sum() <= 14
        assert nx.is_connected(nx.from_scipy_sparse_array(adj[m][:, m]))
    assert total == pytest.approx(best, rel=1e-9)


def test_costs_from_household_points_are_exact_distances():
    # two units, each with its own points; one group holding both
    xy = np.array([[0.0, 0.0], [4.0, 0.0]])
    points = [np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([[4.0, 0.0]])]
    w = np.array([2.0, 2.0])
    cands = Candidates([(0,), (0, 1)], 2)
    cost = grid_costs(cands, xy, w, points)
    # group (0,): centre 0, points at distance 1 carrying 1 household each
    # group (0, 1): centre 2; distances 3 and 1 (1 household each), then 2 (x2)
    assert cost == pytest.approx([2.0, 3 + 1 + 2 * 2])


def test_no_exact_cover_returns_none():
    # a path a-b-c where only {a, b} fits: c cannot be covered
    adj = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    w = np.array([5.0, 5.0, 1.0])
    groups = enumerate_grids(adj, w, 8, 10)
    assert groups == [(0, 1)]
    cands = Candidates(groups, 3)
    assert solve_exact(cands, np.ones(1), time_limit=5) == (None, True)


def test_groups_covering_every_unit_without_a_partition_are_proven_infeasible():
    # a triangle of three units of 5: every pair fits [10, 10], no partition does
    adj = sparse.csr_array(np.ones((3, 3)) - np.eye(3))
    groups = enumerate_grids(adj, np.full(3, 5.0), 10, 10)
    assert groups == [(0, 1), (0, 2), (1, 2)]
    labels, infeasible = solve_exact(Candidates(groups, 3), np.ones(3), time_limit=5)
    assert labels is None
    assert infeasible


@pytest.mark.parametrize("seed", range(6))
def test_both_exact_covers_agree(seed):
    # the vectorised layers (up to 62 units) and the recursion (any size) are the
    # same dynamic programme; both must find the same least cost
    adj, w, xy = _random_graph(12, seed)
    groups = enumerate_grids(adj, w, 5, 16)
    cost = grid_costs(Candidates(groups, 12), xy, w, None)
    a = _cover_by_layers(groups, cost, 12)
    b = _cover_by_recursion(groups, cost, 12)
    assert (a == []) == (b == [])
    if a:
        assert cost[a].sum() == pytest.approx(cost[b].sum(), rel=1e-12)
        covered = sorted(u for j in a for u in groups[j])
        assert covered == list(range(12))


def _ladder(cols: int) -> sparse.csr_array:
    """Adjacency of a 2 × ``cols`` grid of units, numbered row by row."""
    g = nx.grid_2d_graph(2, cols)
    order = [(r, c) for r in range(2) for c in range(cols)]
    return nx.to_scipy_sparse_array(g, nodelist=order, format="csr")


def test_border_recut_mends_what_single_moves_cannot():
    # grid 0 = left half (14), grid 1 = right half (6); both must hold 9.5-10.5.
    # No single unit moves 4 across while both halves stay connected.
    adj = _ladder(4)
    w = np.array([4.0, 3.0, 1.0, 2.0, 4.0, 3.0, 1.0, 2.0])
    labels = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    xy = np.array([(c, r) for r in range(2) for c in range(4)], dtype=float)
    g = nx.from_scipy_sparse_array(adj)
    for i in np.flatnonzero(labels == 0):  # every single move misses or breaks
        moved = labels.copy()
        moved[i] = 1
        loads = np.bincount(moved, weights=w)
        ok = all(9.5 <= x <= 10.5 for x in loads) and all(
            nx.is_connected(g.subgraph(np.flatnonzero(moved == k).tolist()))
            for k in (0, 1)
        )
        assert not ok
    out = recut_borders(labels, np.array([0, 1]), adj, w, 9.5, 10.5, xy)
    loads = np.bincount(out, weights=w)
    assert ((loads >= 9.5) & (loads <= 10.5)).all()
    for k in (0, 1):
        assert nx.is_connected(g.subgraph(np.flatnonzero(out == k).tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_border_recut_never_worsens_bounds_or_contiguity(seed):
    rng = np.random.default_rng(seed)
    adj = _ladder(8)
    w = rng.integers(1, 9, size=16).astype(float)
    labels = np.array([0] * 3 + [1] * 5 + [0] * 3 + [1] * 5)
    xy = np.array([(c, r) for r in range(2) for c in range(8)], dtype=float)
    lo, hi = w.sum() / 2 - 1, w.sum() / 2 + 1

    def miss(lab):
        x = np.bincount(lab, weights=w)
        return float((np.maximum(lo - x, 0) + np.maximum(x - hi, 0)).sum())

    out = recut_borders(labels, np.array([0, 1]), adj, w, lo, hi, xy)
    assert miss(out) <= miss(labels)
    g = nx.from_scipy_sparse_array(adj)
    for k in (0, 1):
        assert nx.is_connected(g.subgraph(np.flatnonzero(out == k).tolist()))


def test_border_smoothing_straightens_a_ragged_border():
    # a 4 x 4 block of equal units in two grids of 8; the border zigzags
    g = nx.grid_2d_graph(4, 4)
    order = sorted(g.nodes)
    adj = nx.to_scipy_sparse_array(g, nodelist=order, format="csr")
    left = {(r, c) for r, c in order if c < 2} | {(0, 2)}
    left -= {(3, 1)}
    labels = np.array([0 if n in left else 1 for n in order])
    xy = np.array(order, dtype=float)[:, ::-1]
    w = np.ones(16)

    def cut(lab):
        e = sparse.triu(adj, k=1).tocoo()
        return int((lab[e.row] != lab[e.col]).sum())

    assert cut(labels) > 4
    out = smooth_borders(labels, np.array([0, 1]), adj, w, 8, 8, xy)
    assert cut(out) == 4  # a straight border
    assert np.bincount(out).tolist() == [8, 8]
    sub = nx.from_scipy_sparse_array(adj)
    for k in (0, 1):
        assert nx.is_connected(sub.subgraph(np.flatnonzero(out == k).tolist()))
