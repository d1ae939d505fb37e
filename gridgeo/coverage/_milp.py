"""Exact facility-location models on sparse matrices with scipy.optimize.milp (HiGHS).

Matrix-level solvers used by :func:`gridgeo.coverage.select_sites` (and by the
benchmark, on the same cost matrix as the reference tools):

- :func:`solve_mclp` — maximal covering: ``p`` sites, most demand within reach;
- :func:`solve_lscp` — set covering: fewest sites covering all coverable demand;
- :func:`solve_pmedian` — p-median: least demand-weighted cost.

Candidates carry an optional township label with per-township minimum and maximum
counts, some may be fixed open (existing sites), and optional capacities bound the
demand assigned to each site. Every solution reports the objective, a proven bound
and the relative gap between them.

Without capacities, MCLP and LSCP are first reduced exactly (the optimum is
unchanged): rows a fixed site covers are settled, rows with the same coverage set
become one row of summed weight, candidates whose set lies within another's are
dropped when no township rule is given, and (MCLP) a row that one candidate alone
reaches becomes a weight on that candidate; (LSCP) a row whose set contains another
row's set is implied by it. The MCLP is then solved in set-covering form (an
"uncovered" variable per row) with HiGHS presolve off, which took about half the
simplex iterations on the benchmark instances. ``info`` gives the reduced sizes.

The p-median uses the strong (disaggregated) formulation ``z_ij <= x_j`` restricted
to each demand's ``k`` nearest candidates plus a fallback variable priced at the
distance to the ``(k+1)``-th nearest. That restricted model is a relaxation of the
full one, so its MILP dual bound is a valid lower bound; the chosen sites, evaluated
on the full matrix, give the upper bound. ``k`` doubles until the gap meets the
target or the time limit is reached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from gridgeo.coverage._mclp_fast import run_milp, solve_cover_form
from gridgeo.coverage._mclp_reduce import DENSE_MAX as _DENSE_MAX
from gridgeo.coverage._mclp_reduce import dominated as _dominated
from gridgeo.coverage._mclp_reduce import unique_rows as _unique_rows
from gridgeo.coverage._pmedian_bounds import interchange, lagrangian, pick
from gridgeo.errors import InfeasibleError, ValidationError

__all__ = ["SiteSolution", "solve_lscp", "solve_mclp", "solve_pmedian"]

#: Reduced MCLPs (rows x sites) above this size get randomized LP roundings on top
#: of the first rounding (measured: 16 restarts cost 0.14 s and find the optimum
#: at 1,796 x 286; at 283 x 215 they would double the 0.07 s solve).
_RESTART_MIN_CELLS = 150_000


@dataclass(frozen=True, eq=False)
class SiteSolution:
    """A solved facility-location model (indices refer to the input matrix).

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    selected
        Sorted indices of the open candidates (fixed ones included).
    assignment
        Per demand row, the index of the serving candidate (-1: none / uncovered).
    objective
        Covered weight (MCLP), number of sites (LSCP) or weighted cost (p-median).
    bound
        The best proven bound on the optimum (upper for MCLP, lower otherwise).
    gap
        Relative optimality gap ``|objective - bound| / |objective|``.
    status
        ``"optimal"``, ``"time limit"`` or the solver's message.
    seconds
        Wall time of model building and solving.
    info
        Model sizes and, for the p-median, the candidate-list size ``k``.
    """

    model: str
    selected: np.ndarray
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


def _town_rows(
    n_vars: int,
    n_cand: int,
    towns: np.ndarray | None,
    all_towns: Any,
    min_per_town: Any,
    max_per_town: Any,
    fixed: np.ndarray,
) -> list[LinearConstraint]:
    if towns is None or (min_per_town is None and max_per_town is None):
        return []
    towns = np.asarray(towns).astype(str)
    names = sorted(
        set(towns) | {str(t) for t in (all_towns if all_towns is not None else [])}
    )

    def _get(spec: Any, t: str, default: float) -> float:
        if spec is None:
            return default
        if isinstance(spec, dict):
            return float(spec.get(t, default))
        return float(spec)

    rows, cols, lo, hi = [], [], [], []
    for r, t in enumerate(names):
        members = np.flatnonzero(towns == t)
        mn = _get(min_per_town, t, 0.0)
        mx = _get(max_per_town, t, np.inf)
        if mn > len(members):
            msg = (
                f"Township {t!r} needs at least {mn:g} site(s) but has "
                f"{len(members)} candidate site(s); add candidates there or lower "
                "min_per_town."
            )
            raise InfeasibleError(msg)
        n_fixed = int(fixed[members].sum()) if len(members) else 0
        if n_fixed > mx:
            msg = (
                f"Township {t!r} already has {n_fixed} fixed site(s), more than "
                f"max_per_town={mx:g}."
            )
            raise InfeasibleError(msg)
        rows.extend([r] * len(members))
        cols.extend(members.tolist())
        lo.append(mn)
        hi.append(mx)
    a = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(names), n_vars)
    )
    return [LinearConstraint(a, lo, hi)]


def _check(n_cand: int, p: int | None, fixed: Any) -> np.ndarray:
    f = np.zeros(n_cand, dtype=bool)
    if fixed is not None:
        f[np.asarray(fixed, dtype=np.int64)] = True
    if p is not None and (p < f.sum() or p > n_cand):
        msg = f"p={p} must lie between the {int(f.sum())} fixed sites and {n_cand}."
        raise ValidationError(msg)
    return f


def _run(
    c: np.ndarray,
    constraints: list[LinearConstraint],
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    time_limit: float,
    mip_rel_gap: float,
    presolve: bool = True,
) -> Any:
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options={
            "time_limit": time_limit,
            "mip_rel_gap": mip_rel_gap,
            "presolve": presolve,
        },
    )
    if res.x is None:
        msg = f"No feasible site selection under these rules: {res.message}"
        raise InfeasibleError(msg)
    return res


def _status(res: Any) -> str:
    return "optimal" if res.status == 0 else str(res.message)


def solve_mclp(
    cover: Any,
    weights: np.ndarray,
    p: int,
    *,
    fixed: Any = None,
    towns: np.ndarray | None = None,
    all_towns: Any = None,
    min_per_town: Any = None,
    max_per_town: Any = None,
    capacity: np.ndarray | None = None,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
    incumbent_first: bool | None = None,
) -> SiteSolution:
    """Maximal covering location: open ``p`` sites covering the most demand weight.

    Parameters
    ----------
    cover
        ``(n_demand, n_cand)`` boolean (sparse or dense): demand ``i`` is within reach
        of candidate ``j``.
    weights
        Demand weight per row (households).
    p
        Total number of open sites, fixed ones included.
    fixed
        Indices of candidates forced open.
    towns, all_towns, min_per_town, max_per_town
        Township of each candidate, every township of the area (a township without
        candidates but ``min_per_town >= 1`` is infeasible), and the per-township
        bounds (a number or a dict town -> number).
    capacity
        Optional maximum demand weight per candidate. A demand row's weight may
        then be shared between open sites (a village's households served by two).
    time_limit, mip_rel_gap
        HiGHS options.
    incumbent_first
        Without capacities and township rules: solve the LP relaxation, build an
        incumbent by LP rounding and swap search (plus 16 randomized roundings
        when the reduced model has over 150,000 row-site cells), and let HiGHS
        only improve on it or prove it (objective cutoff, reduced-cost fixing).
        ``None`` (default) or ``True`` does so, ``False`` solves the plain MILP.
        ``info["proof"]`` says how optimality was shown.

    Returns
    -------
    SiteSolution
    """
    t0 = time.perf_counter()
    a = sparse.csr_matrix(cover, dtype=float)
    a.data[:] = 1.0
    a.eliminate_zeros()
    n_d, n_c = a.shape
    w = np.asarray(weights, float)
    f = _check(n_c, p, fixed)
    if capacity is None:
        town_rules = (towns, all_towns, min_per_town, max_per_town)
        return _mclp_reduced(
            a, w, p, f, t0, time_limit, mip_rel_gap, *town_rules, incumbent_first
        )
    live, zi, zj, nv, cons = _capacitated(a, w, capacity, assign_lo=-np.inf)
    c = np.concatenate([np.zeros(n_c), -w[live][zi]])
    card = sparse.csr_matrix(np.r_[np.ones(n_c), np.zeros(nv - n_c)][None, :])
    cons.append(LinearConstraint(card, p, p))
    cons += _town_rows(nv, n_c, towns, all_towns, min_per_town, max_per_town, f)
    integ = np.r_[np.ones(n_c), np.zeros(nv - n_c)]
    lb = np.r_[f.astype(float), np.zeros(nv - n_c)]
    ub = np.ones(nv)
    res = _run(c, cons, integ, lb, ub, time_limit, mip_rel_gap)
    x = res.x[:n_c] > 0.5
    sel = np.flatnonzero(x)
    # assignment (capacity): the z of each demand row
    assign = np.full(n_d, -1)
    best = res.x[n_c:] > 0.5
    assign[live[zi[best]]] = zj[best]
    obj = float(-res.fun)
    bound = float(-res.mip_dual_bound) if res.mip_dual_bound is not None else obj
    return SiteSolution(
        model="mclp",
        selected=sel,
        assignment=assign,
        objective=obj,
        bound=bound,
        gap=abs(bound - obj) / max(abs(obj), 1e-12),
        status=_status(res),
        seconds=time.perf_counter() - t0,
        info={"n_vars": nv, "n_demand": n_d, "n_candidates": n_c},
    )


def _capacitated(
    a: sparse.csr_matrix, w: np.ndarray, capacity: Any, *, assign_lo: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, list[LinearConstraint]]:
    """Build the assignment rows of a capacitated cover model over ``[x, z]``.

    ``z`` has one column per (coverable demand, covering site) pair. The rows say:
    each demand is assigned ``assign_lo``..1 times (at most once for MCLP, exactly
    once for LSCP), ``z_ij <= x_j``, and the weight assigned to a site stays within
    its capacity.

    Returns
    -------
    tuple
        ``live`` (coverable demand rows), ``zi`` / ``zj`` (row within ``live`` and
        site of each ``z``), the number of variables, the constraints.
    """
    n_c = a.shape[1]
    live = np.flatnonzero(np.diff(a.indptr) > 0)
    al = a[live].tocoo()
    n_z = al.nnz
    nv = n_c + n_z
    zi, zj = al.row, al.col
    ez = np.arange(n_z)
    once = sparse.csr_matrix((np.ones(n_z), (zi, n_c + ez)), shape=(len(live), nv))
    open_only = sparse.csr_matrix(
        (np.r_[np.ones(n_z), -np.ones(n_z)], (np.r_[ez, ez], np.r_[n_c + ez, zj])),
        shape=(n_z, nv),
    )
    within = sparse.csr_matrix(
        (
            np.r_[w[live][zi], -np.asarray(capacity, float)],
            (np.r_[zj, np.arange(n_c)], np.r_[n_c + ez, np.arange(n_c)]),
        ),
        shape=(n_c, nv),
    )
    cons = [
        LinearConstraint(once, assign_lo, 1),
        LinearConstraint(open_only, -np.inf, 0),
        LinearConstraint(within, -np.inf, 0),
    ]
    return live, zi, zj, nv, cons


def _mclp_reduced(
    a: sparse.csr_matrix,
    w: np.ndarray,
    p: int,
    f: np.ndarray,
    t0: float,
    time_limit: float,
    mip_rel_gap: float,
    towns: Any,
    all_towns: Any,
    min_per_town: Any,
    max_per_town: Any,
    fast: bool | None = None,
) -> SiteSolution:
    """MCLP without capacities on an exactly reduced model.

    Rows covered by a fixed site are constant; rows with equal coverage sets become
    one row of summed weight; dominated candidates are dropped (without township
    rules); a row reached by one candidate only moves its weight onto that
    candidate's objective. The objective is then evaluated on the full matrix.
    """
    n_d, n_c = a.shape
    rules = towns is not None and (min_per_town is not None or max_per_town is not None)
    hit_fixed = (a @ f.astype(float)) > 0
    rows = np.flatnonzero(~hit_fixed & (np.diff(a.indptr) > 0))
    const = float(w[hit_fixed].sum())
    u, inv = _unique_rows(a[rows])
    wu = np.bincount(inv, weights=w[rows], minlength=u.shape[0])
    keep = ~_dominated(u, f, p) if not rules else np.ones(n_c, dtype=bool)
    cols = np.flatnonzero(keep)
    u = u[:, cols].tocsr()
    one = np.diff(u.indptr) == 1
    cx = np.bincount(
        u.indices[u.indptr[:-1][one]], weights=wu[one], minlength=len(cols)
    )
    u, wu = u[~one], wu[~one]
    k, n_y = len(cols), u.shape[0]
    nv = k + n_y
    # z_i = 1 when row i is uncovered: sum_j a_ij x_j + z_i >= 1, minimise w z;
    # this set-covering form solves with less work in HiGHS than y_i <= sum a_ij x_j
    # (measured: about half the simplex iterations on the benchmark instances)
    cons = [
        LinearConstraint(sparse.hstack([u, sparse.eye(n_y)], format="csr"), 1, np.inf),
        LinearConstraint(sparse.csr_matrix(np.r_[np.ones(k), np.zeros(n_y)]), p, p),
    ]
    t_sub = None if towns is None else np.asarray(towns)[cols]
    cons += _town_rows(nv, k, t_sub, all_towns, min_per_town, max_per_town, f[cols])
    integ = np.r_[np.ones(k), np.zeros(n_y)]
    lb = np.r_[f[cols].astype(float), np.zeros(n_y)]
    if fast is not False and not rules and n_y > 0:
        fr = solve_cover_form(
            u,
            wu,
            cx,
            p,
            f[cols],
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            restarts=16 if n_y * k > _RESTART_MIN_CELLS else 0,
        )
        xs, dual, status, extra = fr.x, fr.lower, fr.status, fr.info
    else:
        res = run_milp(
            np.r_[-cx, wu], cons, integ, lb, np.ones(nv), time_limit, mip_rel_gap
        )
        if res.x is None:
            msg = f"No feasible site selection under these rules: {res.message}"
            raise InfeasibleError(msg)
        xs = res.x[:k] > 0.5
        dual = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
        status, extra = _status(res), {"proof": "milp"}
    sel = cols[xs]
    ao = a[:, sel].tocsr()
    hit = np.diff(ao.indptr) > 0
    assign = np.full(n_d, -1)
    assign[np.flatnonzero(hit)] = sel[ao.indices[ao.indptr[:-1][hit]]]
    obj = float(w[hit].sum())
    bound = max(obj, const + float(wu.sum()) - float(dual))
    return SiteSolution(
        model="mclp",
        selected=sel,
        assignment=assign,
        objective=obj,
        bound=bound,
        gap=abs(bound - obj) / max(abs(obj), 1e-12),
        status=status,
        seconds=time.perf_counter() - t0,
        info={
            "n_vars": nv,
            "n_demand": n_d,
            "n_candidates": n_c,
            "model_rows": n_y,
            "model_candidates": k,
            "folded_rows": int(one.sum()),
            **extra,
        },
    )


def solve_lscp(
    cover: Any,
    *,
    weights: np.ndarray | None = None,
    fixed: Any = None,
    towns: np.ndarray | None = None,
    all_towns: Any = None,
    min_per_town: Any = None,
    max_per_town: Any = None,
    capacity: np.ndarray | None = None,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
) -> SiteSolution:
    """Location set covering: the fewest sites covering every coverable demand row.

    Demand rows no candidate reaches are left out (and stay unassigned).

    Parameters
    ----------
    cover
        ``(n_demand, n_cand)`` boolean coverage matrix.
    weights
        Demand weights (only needed with ``capacity``).
    fixed, towns, all_towns, min_per_town, max_per_town, capacity
        As in :func:`solve_mclp`.
    time_limit, mip_rel_gap
        HiGHS options.

    Returns
    -------
    SiteSolution
        ``objective`` is the number of open sites (fixed ones included).
    """
    t0 = time.perf_counter()
    a = sparse.csr_matrix(cover, dtype=float)
    a.data[:] = 1.0
    a.eliminate_zeros()
    n_d, n_c = a.shape
    f = _check(n_c, None, fixed)
    if capacity is None:
        town_rules = (towns, all_towns, min_per_town, max_per_town)
        return _lscp_reduced(a, f, t0, time_limit, mip_rel_gap, *town_rules)
    w = np.ones(n_d) if weights is None else np.asarray(weights, float)
    live, _, _, nv, cons = _capacitated(a, w, capacity, assign_lo=1.0)
    cons += _town_rows(nv, n_c, towns, all_towns, min_per_town, max_per_town, f)
    c = np.r_[np.ones(n_c), np.zeros(nv - n_c)]
    integ = np.r_[np.ones(n_c), np.zeros(nv - n_c)]
    lb = np.r_[f.astype(float), np.zeros(nv - n_c)]
    res = _run(c, cons, integ, lb, np.ones(nv), time_limit, mip_rel_gap)
    sel = np.flatnonzero(res.x[:n_c] > 0.5)
    assign = np.full(n_d, -1)
    ao = a[:, sel].tocsr()
    hit = np.diff(ao.indptr) > 0
    assign[np.flatnonzero(hit)] = sel[ao.indices[ao.indptr[:-1][hit]]]
    obj = float(len(sel))
    bound = (
        float(np.ceil(res.mip_dual_bound - 1e-6))
        if res.mip_dual_bound is not None
        else obj
    )
    return SiteSolution(
        model="lscp",
        selected=sel,
        assignment=assign,
        objective=obj,
        bound=bound,
        gap=abs(obj - bound) / max(obj, 1e-12),
        status=_status(res),
        seconds=time.perf_counter() - t0,
        info={
            "n_vars": nv,
            "n_demand": n_d,
            "n_candidates": n_c,
            "coverable": len(live),
        },
    )


def _lscp_reduced(
    a: sparse.csr_matrix,
    f: np.ndarray,
    t0: float,
    time_limit: float,
    mip_rel_gap: float,
    towns: Any,
    all_towns: Any,
    min_per_town: Any,
    max_per_town: Any,
) -> SiteSolution:
    """LSCP without capacities on an exactly reduced model.

    Rows a fixed site covers are met; of rows with equal sets one is kept; a row
    whose set contains another row's set is implied by it; dominated candidates
    are dropped (without township rules).
    """
    n_d, n_c = a.shape
    rules = towns is not None and (min_per_town is not None or max_per_town is not None)
    hit_fixed = (a @ f.astype(float)) > 0
    live = np.diff(a.indptr) > 0
    u, _ = _unique_rows(a[np.flatnonzero(live & ~hit_fixed)])
    n_u = u.shape[0]
    if n_u > 0 and n_u * n_u <= _DENSE_MAX:
        size = np.diff(u.indptr)
        contains = (u @ u.T).toarray() >= size[None, :]  # row i holds row k's set
        np.fill_diagonal(contains, False)
        u = u[~contains.any(1)]
    keep = ~_dominated(u, f, 0) if not rules else np.ones(n_c, dtype=bool)
    cols = np.flatnonzero(keep)
    k = len(cols)
    cons = [LinearConstraint(u[:, cols].tocsr(), 1, np.inf)]
    t_sub = None if towns is None else np.asarray(towns)[cols]
    cons += _town_rows(k, k, t_sub, all_towns, min_per_town, max_per_town, f[cols])
    lb = f[cols].astype(float)
    res = _run(np.ones(k), cons, np.ones(k), lb, np.ones(k), time_limit, mip_rel_gap)
    sel = cols[res.x > 0.5]
    assign = np.full(n_d, -1)
    ao = a[:, sel].tocsr()
    hit = np.diff(ao.indptr) > 0
    assign[np.flatnonzero(hit)] = sel[ao.indices[ao.indptr[:-1][hit]]]
    obj = float(len(sel))
    dual = res.mip_dual_bound if res.mip_dual_bound is not None else obj
    bound = min(obj, float(np.ceil(dual - 1e-6)))
    return SiteSolution(
        model="lscp",
        selected=sel,
        assignment=assign,
        objective=obj,
        bound=bound,
        gap=abs(obj - bound) / max(obj, 1e-12),
        status=_status(res),
        seconds=time.perf_counter() - t0,
        info={
            "n_vars": k,
            "n_demand": n_d,
            "n_candidates": n_c,
            "coverable": int(live.sum()),
            "model_rows": u.shape[0],
            "model_candidates": k,
        },
    )


def _pm_upper(
    cost: np.ndarray, w: np.ndarray, sel: np.ndarray, capacity: np.ndarray | None
) -> tuple[float, np.ndarray]:
    sub = cost[:, sel]
    if capacity is None:
        k = np.argmin(sub, axis=1)
        return float((w * sub[np.arange(len(w)), k]).sum()), sel[k]
    n_d, n_o = sub.shape
    cc = (w[:, None] * np.where(np.isfinite(sub), sub, 1e12)).ravel()
    rows_eq = sparse.kron(sparse.eye(n_d), np.ones((1, n_o)), format="csr")
    rows_cap = sparse.kron(np.ones((1, n_d)), sparse.eye(n_o), format="csr")
    rows_cap = rows_cap.multiply(np.repeat(w, n_o)[None, :]).tocsr()
    res = linprog(
        cc,
        A_ub=rows_cap,
        b_ub=capacity[sel],
        A_eq=rows_eq,
        b_eq=np.ones(n_d),
        bounds=(0, 1),
        method="highs",
    )
    if res.x is None:
        return float("inf"), np.full(n_d, -1)
    z = res.x.reshape(n_d, n_o)
    return float(res.fun), sel[np.argmax(z, axis=1)]


def solve_pmedian(
    cost: np.ndarray,
    weights: np.ndarray,
    p: int,
    *,
    fixed: Any = None,
    towns: np.ndarray | None = None,
    all_towns: Any = None,
    min_per_town: Any = None,
    max_per_town: Any = None,
    capacity: np.ndarray | None = None,
    k: int | None = None,
    gap_target: float = 0.005,
    time_limit: float = 60.0,
) -> SiteSolution:
    """p-median: open ``p`` sites minimising the weighted cost to the nearest one.

    Parameters
    ----------
    cost
        Dense ``(n_demand, n_cand)`` cost (km or minutes; ``inf`` = unreachable).
    weights
        Demand weight per row.
    p
        Total number of open sites, fixed ones included.
    fixed, towns, all_towns, min_per_town, max_per_town, capacity
        As in :func:`solve_mclp`.
    k
        Initial candidate-list size per demand (default ``max(8, 3 n_cand / p)``);
        doubles while the gap exceeds ``gap_target``.
    gap_target
        Stop when the proven relative gap is at most this.
    time_limit
        Seconds for all rounds together.

    Returns
    -------
    SiteSolution
        ``bound`` is a proven lower bound on the full problem's optimum;
        ``info["k"]`` the final list size.
    """
    t0 = time.perf_counter()
    cost = np.asarray(cost, float)
    w = np.asarray(weights, float)
    n_d, n_c = cost.shape
    f = _check(n_c, p, fixed)
    big = np.nanmax(np.where(np.isfinite(cost), cost, np.nan)) * 10 + 1
    cfin = np.where(np.isfinite(cost), cost, big)
    cw = w[:, None] * cfin
    tcode, tmin, tmax = _town_codes(
        n_c, towns, all_towns, min_per_town, max_per_town, f
    )
    lower = -np.inf
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    kk = 0
    rounds = 0
    status = "optimal"
    if capacity is None:
        # Lagrangian lower bound + fast interchange upper bound
        ub, sel = interchange(
            cw, pick(cw.sum(0), p, f, tcode, tmin, tmax), f, tcode, tmin, tmax
        )
        lower, sets = lagrangian(cw, p, f, tcode, tmin, tmax, ub, time_limit / 3)
        for s_ in sets[-3:]:
            u2, sel2 = interchange(cw, s_, f, tcode, tmin, tmax)
            if u2 < ub:
                ub, sel = u2, sel2
        best = (ub, sel, sel[np.argmin(cw[:, sel], axis=1)])
        if (ub - lower) <= gap_target * abs(ub):
            return _pm_solution(
                best,
                lower,
                "within gap",
                t0,
                {"method": "lagrangian", "k": 0, "rounds": 0},
            )
    order = np.argsort(cfin, axis=1, kind="stable")
    k = int(k or max(8, int(np.ceil(3 * n_c / max(p, 1)))))
    while True:
        rounds += 1
        kk = min(k, n_c)
        cols = order[:, :kk]
        rows = np.repeat(np.arange(n_d), kk)
        cj = cols.ravel()
        n_z = n_d * kk
        fall = kk < n_c
        n_u = n_d if fall else 0
        nv = n_c + n_z + n_u
        ez = n_c + np.arange(n_z)
        cz = w[rows] * cfin[rows, cj]
        cu = w * cfin[np.arange(n_d), order[:, kk]] if fall else np.zeros(0)
        c = np.r_[np.zeros(n_c), cz, cu]
        a_rows = [rows]
        a_cols = [ez]
        if fall:
            a_rows.append(np.arange(n_d))
            a_cols.append(n_c + n_z + np.arange(n_d))
        assign_a = sparse.csr_matrix(
            (np.ones(n_z + n_u), (np.concatenate(a_rows), np.concatenate(a_cols))),
            shape=(n_d, nv),
        )
        e = np.arange(n_z)
        link = sparse.csr_matrix(
            (np.r_[np.ones(n_z), -np.ones(n_z)], (np.r_[e, e], np.r_[ez, cj])),
            shape=(n_z, nv),
        )
        card = sparse.csr_matrix(np.r_[np.ones(n_c), np.zeros(nv - n_c)][None, :])
        cons = [
            LinearConstraint(assign_a, 1, 1),
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(card, p, p),
        ]
        if capacity is not None:
            cap = sparse.csr_matrix(
                (
                    np.r_[w[rows], -np.asarray(capacity, float)],
                    (np.r_[cj, np.arange(n_c)], np.r_[ez, np.arange(n_c)]),
                ),
                shape=(n_c, nv),
            )
            cons.append(LinearConstraint(cap, -np.inf, 0))
        cons += _town_rows(nv, n_c, towns, all_towns, min_per_town, max_per_town, f)
        integ = np.r_[np.ones(n_c), np.zeros(nv - n_c)]
        lb = np.r_[f.astype(float), np.zeros(nv - n_c)]
        remaining = max(time_limit - (time.perf_counter() - t0), 1.0)
        res = _run(c, cons, integ, lb, np.ones(nv), remaining, gap_target / 4)
        if res.status != 0:
            status = str(res.message)
        sel = np.flatnonzero(res.x[:n_c] > 0.5)
        ub, assign = _pm_upper(
            cfin, w, sel, None if capacity is None else np.asarray(capacity, float)
        )
        lb_round = (
            float(res.mip_dual_bound)
            if res.mip_dual_bound is not None
            else float(res.fun)
        )
        lower = max(lower, lb_round)
        if best is None or ub < best[0]:
            best = (ub, sel, assign)
        gap = (best[0] - lower) / max(abs(best[0]), 1e-12)
        out_of_time = time.perf_counter() - t0 >= time_limit
        if gap <= gap_target or kk >= n_c or out_of_time:
            if out_of_time and gap > gap_target:
                status = "time limit"
            break
        k = kk * 2
    return _pm_solution(
        best, lower, status, t0, {"method": "milp", "k": kk, "rounds": rounds}
    )


def _pm_solution(
    best: tuple[float, np.ndarray, np.ndarray],
    lower: float,
    status: str,
    t0: float,
    info: dict[str, Any],
) -> SiteSolution:
    ub, sel, assign = best
    return SiteSolution(
        model="pmedian",
        selected=np.sort(sel),
        assignment=assign,
        objective=ub,
        bound=min(lower, ub),
        gap=max(0.0, (ub - lower) / max(abs(ub), 1e-12)),
        status=status,
        seconds=time.perf_counter() - t0,
        info=info,
    )


def _town_codes(
    n_c: int,
    towns: Any,
    all_towns: Any,
    min_per_town: Any,
    max_per_town: Any,
    f: np.ndarray,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    if towns is None or (min_per_town is None and max_per_town is None):
        return None, None, None
    _town_rows(n_c, n_c, towns, all_towns, min_per_town, max_per_town, f)  # validates
    towns = np.asarray(towns).astype(str)
    names = sorted(
        set(towns) | {str(t) for t in (all_towns if all_towns is not None else [])}
    )
    code = {t: i for i, t in enumerate(names)}

    def _get(spec: Any, t: str, default: float) -> float:
        if spec is None:
            return default
        return float(spec.get(t, default)) if isinstance(spec, dict) else float(spec)

    tmin = np.array([_get(min_per_town, t, 0.0) for t in names])
    tmax = np.array([_get(max_per_town, t, np.inf) for t in names])
    return np.array([code[t] for t in towns]), tmin, tmax
