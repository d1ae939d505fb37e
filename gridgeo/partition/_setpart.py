"""Exact grids for small townships: enumerate the feasible grids, pick the best set.

A township of a few dozen villages has few *possible* grids: connected groups of
units whose households lie within the bounds. All of them are enumerated, each is
costed by its exact travel burden (household-weighted distance from the households
to the group's household centre), and a set-partitioning MILP
(``scipy.optimize.milp``) picks the grids that cover every unit exactly once at the
least total burden. Every grid is contiguous by construction and within bounds; the
grid count follows from the optimum instead of being fixed beforehand.

When the enumeration would be too large (many tiny units), or no exact cover
exists, the caller keeps its heuristic plan.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["Candidates", "enumerate_grids", "grid_costs", "solve_exact"]

MAX_CANDIDATES = 60_000
"""Feasible groups above which a township is left to the heuristic."""

SAMPLE = 64
"""Household points per unit used to cost a group (evenly spread over the unit)."""


class Candidates:
    """Feasible groups of units as a sparse unit × group incidence."""

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
    nbrs = [adj.indices[adj.indptr[i] : adj.indptr[i + 1]] for i in range(n)]
    out: list[tuple[int, ...]] = []
    visited = 0
    # explicit stack of (group, weight, extension set, exclusive neighbourhood)
    for v in range(n):
        if w[v] > hi:
            continue
        stack = [((v,), float(w[v]), {int(u) for u in nbrs[v] if u > v}, {v})]
        while stack:
            group, weight, ext, seen = stack.pop()
            visited += 1
            if visited > limit:
                return None
            if weight >= lo:
                out.append(tuple(sorted(group)))
            ext = set(ext)
            while ext:
                u = ext.pop()
                wu = weight + float(w[u])
                if wu > hi:
                    continue
                new_seen = seen | {u} | set(ext)
                grow = {
                    int(x)
                    for x in nbrs[u]
                    if x > v and x not in new_seen and not _touches(x, seen, nbrs)
                }
                stack.append(((*group, u), wu, ext | grow, seen | {u}))
    out.sort()
    return out


def _touches(x: int, group: set[int], nbrs: list[np.ndarray]) -> bool:
    """Whether ``x`` neighbours the group already (then it is in the group's reach)."""
    return any(int(y) in group for y in nbrs[x])


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
) -> np.ndarray | None:
    """Pick groups covering every unit exactly once at least cost (set partitioning).

    Returns
    -------
    numpy.ndarray or None
        Local labels ``0..k-1`` (groups numbered by their smallest unit), or
        ``None`` when no exact cover exists or none was found in time.
    """
    n, m = cands.incidence.shape
    if m == 0 or np.any(cands.incidence.sum(axis=1) == 0):
        return None
    res = milp(
        cost,
        constraints=LinearConstraint(cands.incidence, np.ones(n), np.ones(n)),
        integrality=np.ones(m),
        bounds=Bounds(np.zeros(m), np.ones(m)),
        options={"time_limit": time_limit, "presolve": True},
    )
    if res.x is None:
        return None
    chosen = np.flatnonzero(res.x > 0.5)
    labels = np.full(n, -1, dtype=np.int64)
    for g, j in enumerate(sorted(chosen, key=lambda j: cands.groups[j][0])):
        labels[list(cands.groups[j])] = g
    return labels if np.all(labels >= 0) else None
