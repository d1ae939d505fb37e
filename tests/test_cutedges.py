"""Pair re-splitting along random spanning trees: bounds, contiguity, fewer cuts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse import csgraph

from gridgeo.partition._cutedges import (
    bordering_pairs,
    cut_edges,
    rebisect_pair,
    rebisect_pairs,
)
from gridgeo.partition._setpart import smooth_borders


def lattice(rows: int, cols: int) -> sparse.csr_array:
    """Rook adjacency of a ``rows × cols`` lattice (unit ``r * cols + c``)."""
    idx = np.arange(rows * cols).reshape(rows, cols)
    left = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    right = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    n = rows * cols
    adj = sparse.csr_array(
        (np.ones(2 * len(left)), (np.r_[left, right], np.r_[right, left])),
        shape=(n, n),
    )
    return adj


def connected(labels: np.ndarray, adj: sparse.csr_array, g: int) -> bool:
    m = np.flatnonzero(labels == g)
    return (
        len(m) > 0
        and csgraph.connected_components(adj[m][:, m], directed=False)[0] == 1
    )


def ragged_plan(rows: int, cols: int, k: int, seed: int) -> np.ndarray:
    """Vertical stripes whose borders zig-zag (connected, many cut edges)."""
    rng = np.random.default_rng(seed)
    width = cols // k
    labels = np.empty(rows * cols, dtype=np.int64)
    shift = rng.integers(-1, 2, size=(rows, k))
    for r in range(rows):
        edges = [0] + [g * width + int(shift[r, g]) for g in range(1, k)] + [cols]
        for g in range(k):
            labels[r * cols + edges[g] : r * cols + edges[g + 1]] = g
    return labels


def loads(labels: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(labels, weights=w, minlength=k)


def test_cut_edges_and_pairs_on_a_path() -> None:
    path = lattice(1, 5)
    labels = np.array([0, 0, 1, 1, 2])
    assert cut_edges(labels, path) == 2
    assert bordering_pairs(labels, path, np.array([0, 1, 2])) == [(0, 1), (1, 2)]
    assert bordering_pairs(labels, path, np.array([0, 1])) == [(0, 1)]


def brute_force_bisection(
    adj: sparse.csr_array, w: np.ndarray, lo: float, hi: float
) -> tuple[int, np.ndarray]:
    """Fewest cut edges of any split in two connected halves within bounds, and
    the split cutting the most (a poor start)."""
    n = adj.shape[0]
    best, worst = 10**9, (-1, np.zeros(n, dtype=np.int64))
    for bits in itertools.product([0, 1], repeat=n - 1):
        side = np.array((0, *bits), dtype=np.int64)  # unit 0 fixed: no mirror twins
        load = float(w[side == 0].sum())
        if not (lo <= load <= hi and lo <= w.sum() - load <= hi):
            continue
        if connected(side, adj, 0) and connected(side, adj, 1):
            cut = cut_edges(side, adj)
            best = min(best, cut)
            if cut > worst[0]:
                worst = (cut, side)
    return best, worst[1]


def test_rebisect_pair_reaches_the_brute_force_optimum() -> None:
    adj = lattice(3, 4)
    w = np.array([3, 1, 2, 2, 1, 4, 1, 2, 2, 1, 3, 1], dtype=float)
    total = w.sum()
    lo, hi = total / 2 - 1, total / 2 + 1
    # start from the balanced, connected split cutting the most edges
    optimum, labels = brute_force_bisection(adj, w, lo, hi)
    assert cut_edges(labels, adj) > optimum
    rng = np.random.default_rng(0)
    assert rebisect_pair(labels, 0, 1, adj, w, lo, hi, rng, trees=256, depth=None)
    assert cut_edges(labels, adj) == optimum
    assert np.all((loads(labels, w, 2) >= lo) & (loads(labels, w, 2) <= hi))
    assert connected(labels, adj, 0)
    assert connected(labels, adj, 1)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("depth", [None, 1, 2])
def test_rebisect_pairs_keeps_bounds_and_contiguity(
    seed: int, depth: int | None
) -> None:
    rows, cols, k = 8, 12, 4
    adj = lattice(rows, cols)
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 6, size=rows * cols).astype(float)
    labels = ragged_plan(rows, cols, k, seed)
    load = loads(labels, w, k)
    lo, hi = float(load.min()), float(load.max())  # the plan meets its bounds
    grids = np.arange(k)
    before = cut_edges(labels, adj)
    out = rebisect_pairs(labels, grids, adj, w, lo, hi, trees=32, depth=depth)
    after = loads(out, w, k)
    assert np.all((after >= lo) & (after <= hi))
    assert all(connected(out, adj, g) for g in grids)
    assert cut_edges(out, adj) <= before
    again = rebisect_pairs(labels, grids, adj, w, lo, hi, trees=32, depth=depth)
    np.testing.assert_array_equal(out, again)  # deterministic for a seed


def test_rebisect_pairs_straightens_a_ragged_border() -> None:
    adj = lattice(6, 6)
    w = np.ones(36)
    labels = ragged_plan(6, 6, 2, seed=5)
    load = loads(labels, w, 2)
    lo, hi = 17.0, 19.0
    assert np.all((load >= lo) & (load <= hi))
    out = rebisect_pairs(labels, np.arange(2), adj, w, lo, hi, trees=64)
    assert cut_edges(out, adj) == 6  # a straight cut of the 6 × 6 lattice


def test_rebisect_pair_mends_a_pair_out_of_bounds() -> None:
    adj = lattice(4, 4)
    w = np.ones(16)
    labels = np.array([0] * 4 + [1] * 12)  # 4 against 12
    rng = np.random.default_rng(1)
    assert rebisect_pair(labels, 0, 1, adj, w, 7.0, 9.0, rng, trees=64)
    assert np.all((loads(labels, w, 2) >= 7) & (loads(labels, w, 2) <= 9))
    assert connected(labels, adj, 0)
    assert connected(labels, adj, 1)


def test_other_grids_are_left_alone() -> None:
    rows, cols, k = 6, 9, 3
    adj = lattice(rows, cols)
    w = np.ones(rows * cols)
    labels = ragged_plan(rows, cols, k, seed=2)
    load = loads(labels, w, k)
    lo, hi = float(load.min()), float(load.max())
    out = rebisect_pairs(labels, np.array([0, 1]), adj, w, lo, hi, trees=32)
    np.testing.assert_array_equal(out[labels == 2], 2)
    np.testing.assert_array_equal(out == 2, labels == 2)


def test_no_split_within_bounds_changes_nothing() -> None:
    adj = lattice(2, 2)
    w = np.array([10.0, 1.0, 1.0, 1.0])
    labels = np.array([0, 1, 1, 1])
    rng = np.random.default_rng(0)
    assert not rebisect_pair(labels, 0, 1, adj, w, 6.0, 7.0, rng, trees=16)
    np.testing.assert_array_equal(labels, [0, 1, 1, 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smooth_borders_never_worsens_a_plan(seed: int) -> None:
    rows, cols, k = 7, 10, 5
    adj = lattice(rows, cols)
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 4, size=rows * cols).astype(float)
    labels = ragged_plan(rows, cols, k, seed)
    load = loads(labels, w, k)
    lo, hi = float(load.min()), float(load.max())
    xy = np.column_stack(np.divmod(np.arange(rows * cols), cols)).astype(float)
    grids = np.arange(k)
    out = smooth_borders(labels, grids, adj, w, lo, hi, xy)
    after = loads(out, w, k)
    assert np.all((after >= lo) & (after <= hi))
    assert all(connected(out, adj, g) for g in grids)
    assert cut_edges(out, adj) < cut_edges(labels, adj)  # ragged borders straighten


def test_smooth_borders_is_deterministic_for_a_seed() -> None:
    rows, cols, k = 6, 12, 4
    adj = lattice(rows, cols)
    w = np.random.default_rng(7).integers(1, 5, size=rows * cols).astype(float)
    labels = ragged_plan(rows, cols, k, seed=7)
    load = loads(labels, w, k)
    lo, hi = float(load.min()), float(load.max())
    xy = np.column_stack(np.divmod(np.arange(rows * cols), cols)).astype(float)
    grids = np.arange(k)
    runs = [smooth_borders(labels, grids, adj, w, lo, hi, xy, seed=3) for _ in "ab"]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(
        labels, ragged_plan(rows, cols, k, seed=7)
    )  # input kept


def test_open_bounds_only_take_fewer_cut_edges() -> None:
    # no upper bound: equal cuts must not churn, fewer cuts are still taken
    adj = lattice(4, 6)
    w = np.ones(24)
    labels = ragged_plan(4, 6, 2, seed=1)
    before = cut_edges(labels, adj)
    out = rebisect_pairs(labels, np.arange(2), adj, w, 1.0, np.inf, trees=32)
    assert cut_edges(out, adj) <= before
    assert connected(out, adj, 0)
    assert connected(out, adj, 1)
    again = rebisect_pairs(out, np.arange(2), adj, w, 1.0, np.inf, trees=32)
    assert cut_edges(again, adj) <= cut_edges(out, adj)
