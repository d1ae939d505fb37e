"""Fewer cut edges between grids: two bordering grids re-split along a spanning tree.

Two bordering grids are merged and split again in two, many ways at once: random
spanning trees of the merged units are drawn (minimum spanning trees of random edge
weights, which is Karger's contraction: a split that cuts few edges survives the
contraction often), and removing one tree edge splits the merged units into two
connected halves. Every tree edge of every tree is scored at once — the halves'
weights by subtree sums, the edges a split cuts by counting the graph edges with
one end inside the subtree's run of the depth-first order — and the split cutting
the fewest edges with both halves within the bounds (then the one nearest the
middle of the bounds) replaces the current border when it cuts fewer edges, or as
many with loads nearer the middle. Units farther than a few hops from the current
border are merged by grid beforehand, so the trees only vary the border region.
Both grids stay connected by construction (each half is a subtree) and within
bounds, so the refinement never adds cut edges to, nor breaks, a plan that met the
bounds; a pair that missed them takes the best split within them.

All trees of a pair are handled as one forest (``trees`` copies of the merged units
side by side): one minimum-spanning-tree call, one traversal, and level-by-level
sums, so a pair costs a few milliseconds.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

__all__ = ["bordering_pairs", "cut_edges", "rebisect_pair", "rebisect_pairs"]


def cut_edges(labels: np.ndarray, adj: sparse.csr_array) -> int:
    """Count the adjacency edges whose two units have different labels.

    Parameters
    ----------
    labels
        Label of every unit.
    adj
        Symmetric unit adjacency.

    Returns
    -------
    int
        Number of cut edges (each undirected edge counted once).

    Examples
    --------
    >>> from scipy import sparse
    >>> path = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> cut_edges(np.array([0, 0, 1]), path)
    1
    """
    coo = sparse.triu(adj, k=1).tocoo()
    return int(np.count_nonzero(labels[coo.row] != labels[coo.col]))


def bordering_pairs(
    labels: np.ndarray, adj: sparse.csr_array, grids: np.ndarray
) -> list[tuple[int, int]]:
    """List the pairs of grids (among ``grids``) sharing an adjacency edge.

    Parameters
    ----------
    labels
        Label of every unit.
    adj
        Symmetric unit adjacency.
    grids
        Labels taking part; edges touching other labels are ignored.

    Returns
    -------
    list of tuple of int
        Sorted ``(a, b)`` pairs with ``a < b``.
    """
    coo = sparse.triu(adj, k=1).tocoo()
    a, b = labels[coo.row], labels[coo.col]
    keep = (a != b) & np.isin(a, grids) & np.isin(b, grids)
    if not keep.any():
        return []
    pairs = np.unique(np.sort(np.column_stack([a[keep], b[keep]]), axis=1), axis=0)
    return [(int(x), int(y)) for x, y in pairs]


def rebisect_pair(
    labels: np.ndarray,
    a: int,
    b: int,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    rng: np.random.Generator,
    *,
    trees: int = 64,
    depth: int | None = 3,
) -> bool:
    """Re-split grids ``a`` and ``b`` along a random spanning tree; if it helped.

    ``labels`` is changed in place when a split with both grids in ``[lo, hi]``
    cuts fewer edges between them than the current one (or when the current pair
    misses the bounds and the split meets them).

    Parameters
    ----------
    labels
        Grid label of every unit (changed in place).
    a, b
        The two grids.
    adj
        Unit adjacency.
    w
        Balancing weight per unit.
    lo, hi
        Bounds of a grid's weight.
    rng
        Source of the random tree weights.
    trees
        Spanning trees drawn.
    depth
        Units farther than this many hops from the current border stay with their
        grid (merged by connected piece before the trees are drawn); ``None``
        frees every unit.

    Returns
    -------
    bool
        Whether the labels changed.
    """
    pair = np.flatnonzero((labels == a) | (labels == b))
    m = len(pair)
    if m < 2:
        return False
    sub = sparse.triu(adj[pair][:, pair], k=1).tocoo()
    er, ec = sub.row.astype(np.int64), sub.col.astype(np.int64)
    side = labels[pair] == a
    wp = np.asarray(w[pair], dtype=float)
    total = float(wp.sum())
    lo_a, hi_a = max(lo, total - hi), min(hi, total - lo)
    across = side[er] != side[ec]
    if lo_a > hi_a or not across.any():
        return False
    load_a = float(wp[side].sum())
    current = int(np.count_nonzero(across))
    within = lo <= load_a <= hi and lo <= total - load_a <= hi
    group = _contract(er, ec, side, m, depth)
    k = int(group.max()) + 1
    gr, gc = group[er], group[ec]
    keep = gr != gc
    # parallel edges between contracted groups become one edge with a count
    key, mult = np.unique(
        np.minimum(gr[keep], gc[keep]) * k + np.maximum(gr[keep], gc[keep]),
        return_counts=True,
    )
    wq = np.bincount(group, weights=wp, minlength=k)
    found = _best_split(key // k, key % k, mult, k, wq, lo_a, hi_a, trees, rng)
    if found is None:
        return False
    cut, member_q = found
    # equal cuts: the split nearer the middle of the bounds leaves the pair's
    # neighbours more room (strictly better, so the passes cannot cycle)
    mid = (lo + hi) / 2 if np.isfinite(lo + hi) else total / 2
    spread = abs(load_a - mid) + abs(total - load_a - mid)
    new_load = float(wq[member_q].sum())
    new_spread = abs(new_load - mid) + abs(total - new_load - mid)
    if within and (cut, new_spread) >= (current, spread - 1e-9):
        return False
    member = member_q[group]
    # the subtree may be either grid: keep the most units where they are
    if lo_a <= wp[member].sum() <= hi_a and lo_a <= wp[~member].sum() <= hi_a:
        new_side = member if (member == side).sum() >= m / 2 else ~member
    else:
        new_side = member if lo_a <= wp[member].sum() <= hi_a else ~member
    labels[pair[new_side]] = a
    labels[pair[~new_side]] = b
    return True


def _contract(
    er: np.ndarray, ec: np.ndarray, side: np.ndarray, m: int, depth: int | None
) -> np.ndarray:
    """Group of every unit: near the border alone, farther ones merged.

    Units within ``depth`` hops of the border keep a group each; the farther units
    of each grid are merged by connected piece (``None``: no merging).
    """
    if depth is None:
        return np.arange(m)
    border = np.unique(np.concatenate([er, ec])[np.tile(side[er] != side[ec], 2)])
    # hops from the border: one search from an extra node next to every border unit
    g = sparse.csr_array(
        (
            np.ones(len(er) + len(border)),
            (np.r_[er, np.full(len(border), m)], np.r_[ec, border]),
        ),
        shape=(m + 1, m + 1),
    )
    hops = csgraph.shortest_path(g, unweighted=True, directed=False, indices=m)[:m]
    core = hops - 1 > depth
    inner = core[er] & core[ec] & (side[er] == side[ec])
    _, piece = csgraph.connected_components(
        sparse.csr_array((np.ones(inner.sum()), (er[inner], ec[inner])), shape=(m, m)),
        directed=False,
    )
    # free units keep a group each; core pieces share one; numbered compactly
    tag = np.where(core, m + piece, np.arange(m))
    return np.unique(tag, return_inverse=True)[1].astype(np.int64)


def _best_split(
    er: np.ndarray,
    ec: np.ndarray,
    mult: np.ndarray,
    m: int,
    wp: np.ndarray,
    lo_a: float,
    hi_a: float,
    trees: int,
    rng: np.random.Generator,
) -> tuple[int, np.ndarray] | None:
    """Fewest-edge balanced subtree split over ``trees`` random spanning trees.

    Returns the cut count and the membership (over the ``m`` units) of the
    subtree side, or ``None`` when no tree edge splits within the window.
    """
    total = float(wp.sum())
    grown = _forest(er, ec, mult, m, wp, trees, rng)
    if grown is None:
        return None
    tin, weight, size = grown
    n = trees * m
    ok = (
        ((weight >= lo_a) & (weight <= hi_a))
        | ((total - weight >= lo_a) & (total - weight <= hi_a))
    ) & (np.arange(n) % m != 0)
    cand = np.flatnonzero(ok)
    if len(cand) == 0:
        return None
    # edges cut by each candidate split: one end inside the subtree's run
    base = (cand // m * m)[:, None]
    start, length = tin[cand][:, None], size[cand][:, None]
    in_r = (tin[er[None, :] + base] - start).astype(np.uint64) < length.astype(
        np.uint64
    )
    in_c = (tin[ec[None, :] + base] - start).astype(np.uint64) < length.astype(
        np.uint64
    )
    cut = (in_r != in_c).astype(np.int64) @ mult.astype(np.int64)
    # fewest cut edges, then the halves nearest the middle of the window
    mid = (lo_a + hi_a) / 2 if np.isfinite(lo_a + hi_a) else total / 2
    spread = np.abs(weight[cand] - mid)
    spread = np.minimum(spread, np.abs(total - weight[cand] - mid))
    best = int(np.lexsort((spread, cut))[0])
    v = int(cand[best])
    nodes = np.arange(v // m * m, v // m * m + m)
    member = (tin[nodes] >= tin[v]) & (tin[nodes] < tin[v] + size[v])
    return int(cut[best]), member


def _forest(
    er: np.ndarray,
    ec: np.ndarray,
    mult: np.ndarray,
    m: int,
    wp: np.ndarray,
    trees: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Draw ``trees`` random spanning trees of the ``m`` units as one forest.

    Copy ``t`` of unit ``i`` is node ``t * m + i``. Returns every node's
    depth-first position (a subtree is the run ``[tin, tin + size)``), subtree
    weight and subtree size; ``None`` when the units are not connected.
    """
    ne = len(er)
    n = trees * m
    root = n  # one super root above the copies' roots (unit 0 of every copy)
    off = np.repeat(np.arange(trees) * m, ne)
    rows, cols = np.tile(er, trees) + off, np.tile(ec, trees) + off
    counts = np.tile(mult, trees).astype(float)
    # Kruskal on random weights is Karger's contraction; an edge standing for
    # ``c`` parallel edges takes the least of ``c`` uniform draws; weights are
    # kept strictly positive (a zero would drop the edge)
    draw = rng.random(len(rows))
    many = counts > 1
    draw[many] = 1.0 - (1.0 - draw[many]) ** (1.0 / counts[many])
    mst = csgraph.minimum_spanning_tree(
        sparse.csr_array((draw + 1.0, (rows, cols)), shape=(n, n))
    ).tocoo()
    tops = np.arange(trees) * m
    forest = sparse.csr_array(
        (
            np.ones(len(mst.row) + trees),
            (
                np.concatenate([mst.row, tops]),
                np.concatenate([mst.col, np.full(trees, root)]),
            ),
        ),
        shape=(n + 1, n + 1),
    )
    # depth-first preorder: every subtree is a run of consecutive positions
    order, pred = csgraph.depth_first_order(forest, root, directed=False)
    if len(order) != n + 1:
        return None  # the merged units are not connected
    pred = pred.astype(np.int64)
    pred[root] = root
    tin = np.empty(n + 1, dtype=np.int64)
    tin[order] = np.arange(n + 1)
    # weight and size summed at once: the real and imaginary parts
    values = np.append(np.tile(wp, trees), 0.0) + 1j
    sums = _subtree_sums(values, pred, _depths(pred, root))
    weight, size = sums.real[:n], np.rint(sums.imag[:n]).astype(np.int64)
    return tin, weight, size


def _depths(pred: np.ndarray, root: int) -> np.ndarray:
    """Distance of every node to the root by pointer jumping (``pred[root] = root``)."""
    d = (np.arange(len(pred)) != root).astype(np.int64)
    nxt = pred.copy()
    while True:
        jumped = nxt[nxt]
        d = d + d[nxt]
        if np.array_equal(jumped, nxt):
            return d
        nxt = jumped


def _subtree_sums(
    values: np.ndarray, pred: np.ndarray, depth: np.ndarray
) -> np.ndarray:
    """Sum ``values`` (one per node) over every node's subtree, deepest level first."""
    sums = values.copy()
    order = np.argsort(depth.astype(np.int16), kind="stable")  # a radix sort
    bounds = np.searchsorted(depth[order], np.arange(int(depth.max()) + 2))
    for level in range(int(depth.max()), 0, -1):
        nodes = order[bounds[level] : bounds[level + 1]]
        np.add.at(sums, pred[nodes], sums[nodes])
    return sums


def rebisect_pairs(
    labels: np.ndarray,
    grids: np.ndarray,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    *,
    trees: int = 64,
    depth: int | None = 3,
    passes: int = 4,
    later: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Re-split every bordering pair of grids until no pair cuts fewer edges.

    Parameters
    ----------
    labels
        Grid label of every unit of the plan (a changed copy is returned).
    grids
        Labels of the grids of one problem.
    adj
        Unit adjacency of the plan.
    w
        Balancing weight per unit.
    lo, hi
        Bounds of a grid's weight.
    trees
        Spanning trees drawn per pair and pass.
    depth
        Hops from a pair's border within which units may change grid.
    passes
        Most passes over the pairs (a pass only revisits pairs next to a change).
    later
        Share of ``trees`` drawn in the passes after the first.
    seed
        Seed of the tree weights (the result is deterministic for a seed).

    Returns
    -------
    numpy.ndarray
        The labels.
    """
    labels = labels.copy()
    rng = np.random.default_rng(seed)
    # a pair is tried again only once one of its grids changed since its last try
    version = {int(g): 0 for g in grids}
    tried: dict[tuple[int, int], tuple[int, int]] = {}
    for pass_ in range(passes):
        changed = False
        # later passes only revisit pairs next to a change: fewer trees suffice
        drawn = trees if pass_ == 0 else max(int(trees * later), 1)
        for a, b in bordering_pairs(labels, adj, grids):
            if tried.get((a, b)) == (version[a], version[b]):
                continue
            if rebisect_pair(
                labels, a, b, adj, w, lo, hi, rng, trees=drawn, depth=depth
            ):
                version[a] += 1
                version[b] += 1
                changed = True
            tried[a, b] = (version[a], version[b])
        if not changed:
            break
    return labels
