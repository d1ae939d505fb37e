"""Exact grids for small townships: enumerate the feasible grids, pick the best set.

A township of a few dozen villages has few *possible* grids: connected groups of
units whose households lie within the bounds. All of them are enumerated, each is
costed by its exact travel burden (household-weighted distance from the households
to the group's household centre), and an exact set partitioning picks the grids
that cover every unit exactly once at the least total burden. Every grid is
contiguous by construction and within bounds; the grid count follows from the
optimum instead of being fixed beforehand.

When the enumeration would be too large (many tiny units), or no exact cover
exists, the caller keeps its heuristic plan.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csgraph

from gridgeo.partition._cutedges import bordering_pairs, cut_edges, rebisect_pairs

__all__ = [
    "Candidates",
    "enumerate_grids",
    "grid_costs",
    "recut_borders",
    "smooth_borders",
    "solve_exact",
]

MAX_CANDIDATES = 5_000
"""Connected groups (within ``max``) visited before a township is left to the
heuristic: a township of many tiny villages has too many possible grids."""

SAMPLE = 64
"""Household points per unit used to cost a group (evenly spread over the unit)."""


class Candidates:
    """Feasible groups of units as a sparse unit × group incidence.

    Parameters
    ----------
    groups
        Sorted unit positions of each group.
    n
        Number of units.
    """

    def __init__(self, groups: list[tuple[int, ...]], n: int) -> None:
        self.groups = groups
        lengths = np.fromiter(
            (len(g) for g in groups), dtype=np.int64, count=len(groups)
        )
        cols = np.repeat(np.arange(len(groups)), lengths)
        rows = np.fromiter(
            (u for g in groups for u in g), dtype=np.int64, count=int(lengths.sum())
        )
        self.rows, self.cols = rows, cols
        self.incidence = sparse.csr_array(
            (np.ones(len(rows)), (rows, cols)), shape=(n, len(groups))
        )


def enumerate_grids(
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    *,
    limit: int = MAX_CANDIDATES,
) -> list[tuple[int, ...]] | None:
    """List every connected group of units with weight in ``[lo, hi]``.

    Each connected vertex set is generated once (extension from its smallest unit,
    as in Wernicke's ESU enumeration). Growth stops at ``hi``: weights are
    non-negative, so no heavier group can come back within bounds.

    Parameters
    ----------
    adj
        Unit adjacency (local positions).
    w
        Unit weights (non-negative).
    lo, hi
        Bounds of a grid's weight.
    limit
        Give up (return ``None``) once more groups than this have been visited.

    Returns
    -------
    list of tuple of int or None
        Sorted unit positions of every feasible group, or ``None`` when too many.

    Examples
    --------
    >>> from scipy import sparse
    >>> path = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> enumerate_grids(path, np.array([1.0, 1.0, 1.0]), 2, 2)
    [(0, 1), (1, 2)]
    """
    n = len(w)
    nbrs = [adj.indices[adj.indptr[i] : adj.indptr[i + 1]].tolist() for i in range(n)]
    wl = [float(x) for x in w]
    out: list[tuple[int, ...]] = []
    visited = 0
    # explicit stack of (group, weight, extension set, group and its neighbours)
    for v in range(n):
        if wl[v] > hi:
            continue
        closed = {v, *nbrs[v]}
        stack = [((v,), wl[v], {u for u in nbrs[v] if u > v}, closed)]
        while stack:
            group, weight, ext, closed = stack.pop()
            visited += 1
            if visited > limit:
                return None
            if weight >= lo:
                out.append(tuple(sorted(group)))
            ext = set(ext)
            while ext:
                u = ext.pop()
                wu = weight + wl[u]
                if wu > hi:
                    continue
                # units new to the reach of the group: u's exclusive neighbours
                grow = {x for x in nbrs[u] if x > v and x not in closed}
                stack.append(((*group, u), wu, ext | grow, closed | grow | {u}))
    out.sort()
    return out


def grid_costs(
    cands: Candidates,
    unit_xy: np.ndarray,
    w: np.ndarray,
    points: list[np.ndarray] | None,
) -> np.ndarray:
    """Travel burden of every group: summed household distance to its centre.

    Parameters
    ----------
    cands
        The groups.
    unit_xy
        Unit centres (household means), ``n × 2``.
    w
        Households per unit.
    points
        Per unit, sample household coordinates (same unit as ``unit_xy``); each
        unit's weight is shared equally among its points. ``None`` (or an empty
        array for a unit) uses the unit centre alone.

    Returns
    -------
    numpy.ndarray
        Cost per group.
    """
    k = len(cands.groups)
    mass = np.bincount(cands.cols, weights=w[cands.rows], minlength=k)
    centre = (
        np.column_stack(
            [
                np.bincount(
                    cands.cols,
                    weights=w[cands.rows] * unit_xy[cands.rows, d],
                    minlength=k,
                )
                for d in (0, 1)
            ]
        )
        / np.maximum(mass, 1e-12)[:, None]
    )
    if points is None:
        d = np.hypot(*(unit_xy[cands.rows] - centre[cands.cols]).T)
        return np.bincount(cands.cols, weights=w[cands.rows] * d, minlength=k)
    counts = np.array([max(len(p), 1) for p in points])
    pts = np.vstack([p if len(p) else unit_xy[i][None] for i, p in enumerate(points)])
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # every (group, member unit) pair expands to that unit's sample points
    reps = counts[cands.rows]
    pair = np.repeat(np.arange(len(cands.rows)), reps)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(reps) - reps, reps)
    p_idx = start[cands.rows][pair] + offset
    d = np.hypot(*(pts[p_idx] - centre[cands.cols[pair]]).T)
    share = (w[cands.rows] / counts[cands.rows])[pair]
    return np.bincount(cands.cols[pair], weights=share * d, minlength=k)


def solve_exact(
    cands: Candidates, cost: np.ndarray, *, time_limit: float
) -> tuple[np.ndarray | None, bool]:
    """Pick groups covering every unit exactly once at least cost (set partitioning).

    Solved by dynamic programming over the covered sets (always extending the
    cover at its lowest uncovered unit), which is exact and, with a township's few
    dozen units, far faster than branch-and-cut: HiGHS spent seconds at the root
    of instances the recursion settles in milliseconds. When the recursion would
    visit more than :data:`DP_STATES` covered sets, a MILP (``scipy.optimize.milp``)
    takes over if the groups are few enough (:data:`MILP_COLUMNS`).

    Returns
    -------
    labels : numpy.ndarray or None
        Local labels ``0..k-1`` (groups numbered by their smallest unit), or
        ``None`` when no cover was found.
    infeasible : bool
        Whether no exact cover exists at all (proven: a unit in no group, or no
        cover), as opposed to none found within the limits.
    """
    n, m = cands.incidence.shape
    if m == 0 or np.any(cands.incidence.sum(axis=1) == 0):
        return None, True
    if n <= 62:
        chosen = _cover_by_layers(cands.groups, cost, n)
    else:
        chosen = _cover_by_recursion(cands.groups, cost, n)
    if chosen is None:
        if m > MILP_COLUMNS:
            return None, False
        res = milp(
            cost,
            constraints=LinearConstraint(cands.incidence, np.ones(n), np.ones(n)),
            integrality=np.ones(m),
            bounds=Bounds(np.zeros(m), np.ones(m)),
            options={"time_limit": time_limit, "presolve": True},
        )
        if res.x is None:
            return None, res.status == 2
        chosen = np.flatnonzero(res.x > 0.5).tolist()
    if not chosen:
        return None, True
    labels = np.full(n, -1, dtype=np.int64)
    for g, j in enumerate(sorted(chosen, key=lambda j: cands.groups[j][0])):
        labels[list(cands.groups[j])] = g
    return (labels, False) if np.all(labels >= 0) else (None, False)


DP_STATES = 200_000
"""Covered sets the exact recursion may visit before it gives up."""

MILP_COLUMNS = 2_000
"""Groups up to which the MILP is tried when the recursion gives up."""


def _cover_by_layers(
    groups: list[tuple[int, ...]], cost: np.ndarray, n: int
) -> list[int] | None:
    """Run the recursion of :func:`_cover_by_recursion` vectorised, layer by layer.

    Layer ``t`` holds every covered set reachable with ``t + 1`` groups (int64 bit
    masks, the cheapest way to each); the next layer extends each set by the
    groups whose lowest unit is the set's lowest uncovered unit (no other group
    can hold that unit without overlapping). ``[]`` if no cover exists, ``None``
    past the state cap.
    """
    gmask = np.array([sum(1 << u for u in g) for g in groups], dtype=np.int64)
    low_of = np.array([g[0] for g in groups])
    full = np.int64((1 << n) - 1)
    masks, values = np.zeros(1, dtype=np.int64), np.zeros(1)
    # per layer: previous-layer state, group, and which states carry on
    history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    best = (np.inf, -1, -1)
    seen = 0
    while len(masks):
        low = _lowest_bit(~masks & full)
        src_parts, grp_parts = [], []
        for u in np.unique(low):
            states = np.flatnonzero(low == u)
            js = np.flatnonzero(low_of == u)
            si, gi = np.nonzero((masks[states][:, None] & gmask[js][None, :]) == 0)
            src_parts.append(states[si])
            grp_parts.append(js[gi])
        src, grp = np.concatenate(src_parts), np.concatenate(grp_parts)
        if len(src) == 0:
            break
        new = masks[src] | gmask[grp]
        val = values[src] + cost[grp]
        order = np.lexsort((val, new))
        first = order[np.concatenate([[True], new[order][1:] != new[order][:-1]])]
        src, grp, new, val = src[first], grp[first], new[first], val[first]
        done = new == full
        if done.any():
            i = int(np.flatnonzero(done)[0])
            if val[i] < best[0]:
                best = (float(val[i]), len(history), i)
        kept = np.flatnonzero(~done)
        history.append((src, grp, kept))
        seen += len(kept)
        if seen > DP_STATES:
            return None
        masks, values = new[kept], val[kept]
    if not np.isfinite(best[0]):
        return []
    chosen = []
    t, i = best[1], best[2]
    while True:
        src, grp, _ = history[t]
        chosen.append(int(grp[i]))
        if t == 0:
            return chosen
        i = int(history[t - 1][2][src[i]])
        t -= 1


def _lowest_bit(x: np.ndarray) -> np.ndarray:
    """Index of the lowest set bit of each (positive) int64."""
    return np.log2((x & -x).astype(np.float64)).astype(np.int64)


def _cover_by_recursion(
    groups: list[tuple[int, ...]], cost: np.ndarray, n: int
) -> list[int] | None:
    """Least-cost exact cover; ``[]`` if none exists, ``None`` past the state cap."""
    masks = [sum(1 << u for u in g) for g in groups]
    containing: list[list[int]] = [[] for _ in range(n)]
    for j, g in enumerate(groups):
        for u in g:
            containing[u].append(j)
    full = (1 << n) - 1
    best: dict[int, tuple[float, int]] = {full: (0.0, -1)}
    # depth-first with an explicit stack: a state is settled once all the states
    # it extends to are
    stack = [0]
    while stack:
        mask = stack[-1]
        if mask in best:
            stack.pop()
            continue
        low = (~mask & (mask + 1)).bit_length() - 1
        options = [j for j in containing[low] if not masks[j] & mask]
        pending = [mask | masks[j] for j in options if mask | masks[j] not in best]
        if pending:
            if len(best) + len(pending) > DP_STATES:
                return None
            stack.extend(pending)
            continue
        value, pick = np.inf, -1
        for j in options:
            v = cost[j] + best[mask | masks[j]][0]
            if v < value:
                value, pick = v, j
        best[mask] = (value, pick)
        stack.pop()
    if not np.isfinite(best[0][0]):
        return []
    chosen, mask = [], 0
    while mask != full:
        j = best[mask][1]
        chosen.append(j)
        mask |= masks[j]
    return chosen


def recut_borders(
    labels: np.ndarray,
    grids: np.ndarray,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    xy: np.ndarray,
    *,
    max_free: int = 14,
    passes: int = 4,
) -> np.ndarray:
    """Mend grids out of bounds by re-cutting their borders exactly, pair by pair.

    Whole units rarely add up to a tight tolerance, and moving one unit at a time
    stalls when every single move overshoots. For a grid out of ``[lo, hi]`` and a
    bordering grid, the units along their common border and their neighbours (up
    to ``max_free``, the nearest to it first) are freed, every way of sharing them
    between the two is weighed at once, and the sharing with the least violation
    of the bounds — then the shortest distance to the grid centres — whose two
    grids both stay connected replaces the current one when it is better.

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
    xy
        Unit centres.
    max_free
        Most units freed per pair (``2 ** max_free`` sharings are weighed).
    passes
        Most passes over the grids out of bounds.

    Returns
    -------
    numpy.ndarray
        The labels.
    """
    labels = labels.copy()
    in_problem = np.isin(labels, grids)
    for _ in range(passes):
        load = {g: float(w[labels == g].sum()) for g in grids}
        bad = [g for g in grids if not lo <= load[g] <= hi]
        if not bad:
            break
        changed = False
        for a in bad:
            members = np.flatnonzero(labels == a)
            nbr = np.unique(adj[members].indices)
            for b in np.unique(labels[nbr[in_problem[nbr]]]):
                if b == a:
                    continue
                if _recut_pair(labels, int(a), int(b), adj, w, lo, hi, xy, max_free):
                    changed = True
                    break
        if not changed:
            break
    return labels


def _recut_pair(
    labels: np.ndarray,
    a: int,
    b: int,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    xy: np.ndarray,
    max_free: int,
    *,
    edges: bool = False,
) -> bool:
    """Re-share the units near the border of grids ``a`` and ``b``; if it helped.

    The sharing with the least bound violation wins, then (with ``edges``) the one
    with fewest cut edges, then the shortest distance to the centres. It is taken
    when it lowers the violation, or with ``edges`` when it cuts fewer edges
    without raising the violation.
    """
    in_a, in_b = labels == a, labels == b
    pair = np.flatnonzero(in_a | in_b)
    sub = adj[pair][:, pair].tocsr()
    side = in_a[pair]
    rows = np.repeat(np.arange(len(pair)), np.diff(sub.indptr))
    across = side[rows] != side[sub.indices]
    border = np.unique(rows[across])
    if len(border) == 0:
        return False
    centre_a = np.average(xy[pair][side], axis=0, weights=w[pair][side] + 1e-9)
    centre_b = np.average(xy[pair][~side], axis=0, weights=w[pair][~side] + 1e-9)
    # the border units, then their neighbours, nearest the line between the two
    # centres first
    second = np.setdiff1d(np.unique(sub[border].indices), border)
    gap = np.abs(
        np.hypot(*(xy[pair] - centre_a).T) - np.hypot(*(xy[pair] - centre_b).T)
    )
    ranked = [*border[np.argsort(gap[border], kind="stable")]]
    ranked += [*second[np.argsort(gap[second], kind="stable")]]
    border = np.sort(np.array(ranked[:max_free], dtype=np.int64))
    wp = w[pair]
    fixed_a = float(wp[side].sum() - wp[border][side[border]].sum())
    total = float(wp.sum())
    bits = (np.arange(2 ** len(border))[:, None] >> np.arange(len(border))) & 1
    load_a = fixed_a + bits @ wp[border]
    load_b = total - load_a

    def miss(x: np.ndarray) -> np.ndarray:
        return np.maximum(lo - x, 0) + np.maximum(x - hi, 0)

    violation = miss(load_a) + miss(load_b)
    da = np.hypot(*(xy[pair][border] - centre_a).T) * wp[border]
    db = np.hypot(*(xy[pair][border] - centre_b).T) * wp[border]
    cost = bits @ da + (1 - bits) @ db
    current = int((side[border].astype(int) << np.arange(len(border))).sum())
    if edges:
        # cut edges inside the pair for every sharing (edges to other grids are
        # cut whatever the sharing)
        sides = np.repeat(side[None, :], len(bits), axis=0)
        sides[:, border] = bits.astype(bool)
        e = sparse.triu(sub, k=1).tocoo()
        cut = (sides[:, e.row] != sides[:, e.col]).sum(axis=1)
        order = np.lexsort((cost, cut, violation))
        better = (violation <= violation[current] + 1e-9) & (cut < cut[current])
    else:
        order = np.lexsort((cost, violation))
        better = violation < violation[current] - 1e-9
    for choice in order[: 2 ** min(len(border), 10)]:
        if not better[choice]:
            return False
        new_side = side.copy()
        new_side[border] = bits[choice].astype(bool)
        if not new_side.any() or new_side.all():
            continue
        if all(
            csgraph.connected_components(sub[m][:, m], directed=False)[0] == 1
            for m in (np.flatnonzero(new_side), np.flatnonzero(~new_side))
        ):
            labels[pair[new_side]] = a
            labels[pair[~new_side]] = b
            return True
    return False


TREES = 128
"""Spanning trees drawn per pair when :func:`smooth_borders` re-splits a pair."""

ROUNDS = 1
"""Rounds of re-splitting and re-sharing in :func:`smooth_borders`."""


def smooth_borders(
    labels: np.ndarray,
    grids: np.ndarray,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    xy: np.ndarray,
    *,
    max_free: int = 12,
    passes: int = 8,
    trees: int = TREES,
    rounds: int = ROUNDS,
    seed: int = 0,
) -> np.ndarray:
    """Cut fewer edges between grids: bordering pairs re-split, then re-shared.

    Every pair of bordering grids is first re-split along random spanning trees of
    its units (:func:`gridgeo.partition._cutedges.rebisect_pairs`: whole borders
    move at once), then the units near each border are re-shared exactly (as in
    :func:`recut_borders`). Both steps only take a change that leaves both grids
    connected and within the bounds and cuts fewer unit-adjacency edges (the
    re-split also takes as many cut edges with loads nearer the middle of the
    bounds, or a split within the bounds for a pair that missed them), so a plan
    that met the bounds and contiguity still does, with no more cut edges.

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
    xy
        Unit centres (ties between equally cut sharings go to the nearest).
    max_free
        Most units freed per pair in the exact re-sharing.
    passes
        Most passes of each step over the pairs.
    trees
        Spanning trees drawn per pair re-split (``0`` skips the re-split).
    rounds
        Most rounds of both steps (fresh trees each round); rounds stop once one
        cuts no fewer edges.
    seed
        Seed of the spanning trees; the result is deterministic for a seed.

    Returns
    -------
    numpy.ndarray
        The labels.
    """
    labels = labels.copy()
    best = cut_edges(labels, adj)
    for round_ in range(max(rounds, 1)):
        if trees > 0:
            labels = rebisect_pairs(
                labels,
                grids,
                adj,
                w,
                lo,
                hi,
                trees=trees,
                passes=passes,
                seed=seed + 7919 * round_,
            )
        labels = _reshare_pairs(labels, grids, adj, w, lo, hi, xy, max_free, passes)
        now = cut_edges(labels, adj)
        if now >= best and round_ > 0:
            break
        best = min(best, now)
    return labels


def _reshare_pairs(
    labels: np.ndarray,
    grids: np.ndarray,
    adj: sparse.csr_array,
    w: np.ndarray,
    lo: float,
    hi: float,
    xy: np.ndarray,
    max_free: int,
    passes: int,
) -> np.ndarray:
    """Re-share the units near every border exactly while it cuts fewer edges."""
    dirty = set(np.asarray(grids).tolist())  # grids whose borders may improve
    for _ in range(passes):
        changed: set[int] = set()
        for ga, gb in bordering_pairs(labels, adj, grids):
            if ga not in dirty and gb not in dirty:
                continue  # neither grid moved since this pair was last tried
            if _recut_pair(labels, ga, gb, adj, w, lo, hi, xy, max_free, edges=True):
                changed |= {ga, gb}
        if not changed:
            break
        dirty = changed
    return labels
