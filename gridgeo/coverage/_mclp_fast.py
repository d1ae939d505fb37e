"""Incumbent-first exact MCLP: LP bound, LP rounding + swap search, cutoff MILP.

Used by :func:`gridgeo.coverage.solve_mclp` on its exactly reduced set-covering
model (no capacities, no township rules)::

    minimise  -cx . x + wu . z
    s.t.      U x + z >= 1,   sum x = p,   x binary (fixed sites at 1),  0 <= z <= 1

1. The LP relaxation is solved once (HiGHS); its value is a proven bound.
2. The ``p`` largest LP values (fixed sites first) are rounded up and improved by a
   best-improvement swap search, one sparse product per step: the incumbent.
3. If the incumbent meets the LP bound it is optimal. Otherwise HiGHS solves the
   MILP with the objective cutoff ``objective_bound`` just beyond the incumbent, so
   it only has to find a better solution or prove there is none. Its answer is
   always compared with the incumbent (the better one is kept); when HiGHS reports
   neither a proven optimum nor a time limit, the MILP is solved again without the
   cutoff (correctness first).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from gridgeo._rng import check_random_state

__all__ = [
    "MIP_OPTIONS",
    "CoverResult",
    "incumbent",
    "lp_bound",
    "run_milp",
    "solve_cover_form",
    "swap_search",
]

#: HiGHS options of every cover-form MCLP solve. They switch off two primal
#: heuristics (RENS, RINS: sub-MIPs) and keep the cut pool small; neither changes
#: what HiGHS proves. Measured on the benchmark's 1,796 x 286 cluster model: 6.7 s
#: -> 3.4 s, and faster or equal on 8 other radius / p variants and the township
#: case (benchmarks/coverage.md, run 6).
MIP_OPTIONS: dict[str, Any] = {
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_rins": False,
    "mip_pool_soft_limit": 30,
}


@dataclass(frozen=True)
class CoverResult:
    """Solution of the reduced set-covering model.

    Attributes
    ----------
    x
        Boolean selection over the model's candidates.
    lower
        Proven lower bound on the model's minimum objective.
    status
        ``"optimal"``, ``"time limit"`` or HiGHS's message.
    info
        How the answer was reached (``"fast_path"``, LP bound, incumbent value).
    """

    x: np.ndarray
    lower: float
    status: str
    info: dict[str, Any]


def lp_bound(
    u: sparse.csr_matrix, wu: np.ndarray, cx: np.ndarray, p: int, lb: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """LP relaxation: candidate values, the (lower) bound, all reduced costs."""
    n_y, k = u.shape
    a_ub = -sparse.hstack([u, sparse.eye(n_y)], format="csr")
    a_eq = sparse.csr_matrix(np.r_[np.ones(k), np.zeros(n_y)][None, :])
    bounds = np.c_[np.r_[lb, np.zeros(n_y)], np.ones(k + n_y)]
    res = linprog(
        np.r_[-cx, wu],
        A_ub=a_ub,
        b_ub=-np.ones(n_y),
        A_eq=a_eq,
        b_eq=[p],
        bounds=bounds,
        method="highs",
    )
    if res.x is None:
        return np.zeros(k), -np.inf, np.zeros(k + n_y)
    return res.x[:k], float(res.fun), res.lower.marginals + res.upper.marginals


def _value(
    u: sparse.csr_matrix, wu: np.ndarray, cx: np.ndarray, x: np.ndarray
) -> float:
    """Model objective (minimised) of the selection ``x``."""
    covered = (u @ x.astype(float)) > 0
    return float(wu[~covered].sum() - cx[x].sum())


def swap_search(
    u: sparse.csr_matrix,
    wu: np.ndarray,
    cx: np.ndarray,
    x: np.ndarray,
    fixed: np.ndarray,
    *,
    max_steps: int = 500,
) -> np.ndarray:
    """Best-improvement 1-swap search on the selection ``x`` (fixed sites stay).

    The gain of every (out, in) pair comes from coverage counts: the weight newly
    covered by ``in``, minus the weight only ``out`` covers, plus the weight both
    ``out`` alone and ``in`` cover.
    """
    x = x.copy()
    uc = u.tocsc()
    tol = 1e-9 * max(1.0, float(wu.sum() + np.abs(cx).sum()))
    for _ in range(max_steps):
        cnt = uc @ x.astype(float)
        add = cx + (wu * (cnt == 0)) @ uc  # gain of opening k
        one = cnt == 1
        drop = cx + (wu * one) @ uc  # loss of closing j
        out = np.flatnonzero(x & ~fixed)
        inn = np.flatnonzero(~x)
        if len(out) == 0 or len(inn) == 0:
            break
        u1 = uc[np.flatnonzero(one)]
        both = (u1[:, out].T @ (u1[:, inn].multiply(wu[one][:, None]))).toarray()
        gain = add[inn][None, :] - drop[out][:, None] + both
        b = int(np.argmax(gain))
        if gain.flat[b] <= tol:
            break
        j, kk = divmod(b, len(inn))
        x[out[j]] = False
        x[inn[kk]] = True
    return x


def _round(xlp: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    x = fixed.copy()
    need = p - int(x.sum())
    if need > 0:
        order = np.argsort(-np.where(fixed, -np.inf, xlp), kind="stable")
        x[order[:need]] = True
    return x


def incumbent(
    u: sparse.csr_matrix,
    wu: np.ndarray,
    cx: np.ndarray,
    xlp: np.ndarray,
    p: int,
    fixed: np.ndarray,
    *,
    restarts: int = 16,
    noise: float = 0.5,
    target: float = -np.inf,
    seed: Any = 0,
) -> tuple[np.ndarray, float]:
    """LP rounding + swap search, then ``restarts`` randomized roundings + swap.

    Each restart rounds ``xlp + noise * U(0, 1)`` (the ``p`` largest, fixed sites
    first) and runs :func:`swap_search`; the best local optimum is kept. Stops
    early once the value reaches ``target`` (the LP bound). A heuristic only: the
    caller proves or improves the result.

    Returns
    -------
    tuple
        The selection and its model objective.
    """
    rng = check_random_state(seed)
    x = swap_search(u, wu, cx, _round(xlp, p, fixed), fixed)
    val = _value(u, wu, cx, x)
    for _ in range(restarts):
        if val <= target:
            break
        y = swap_search(
            u, wu, cx, _round(xlp + noise * rng.random(len(xlp)), p, fixed), fixed
        )
        vy = _value(u, wu, cx, y)
        if vy < val:
            x, val = y, vy
    return x, val


def run_milp(
    c: np.ndarray,
    cons: list[LinearConstraint],
    integ: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    time_limit: float,
    mip_rel_gap: float,
    cutoff: float | None = None,
) -> Any:
    """``scipy.optimize.milp`` with presolve off, :data:`MIP_OPTIONS` and a cutoff.

    scipy passes options it does not know to HiGHS verbatim, with a
    ``RuntimeWarning`` that is silenced for this call only.
    """
    options: dict[str, Any] = {
        "time_limit": time_limit,
        "mip_rel_gap": mip_rel_gap,
        "presolve": False,
        **MIP_OPTIONS,
    }
    if cutoff is not None:
        options["objective_bound"] = cutoff
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Unrecognized options detected", category=RuntimeWarning
        )
        return milp(
            c,
            constraints=cons,
            integrality=integ,
            bounds=Bounds(lb, ub),
            options=options,
        )


def _sub_milp(
    u: sparse.csr_matrix,
    wu: np.ndarray,
    cx: np.ndarray,
    p: int,
    lbv: np.ndarray,
    ubv: np.ndarray,
    time_limit: float,
    mip_rel_gap: float,
    cutoff: float | None,
) -> tuple[np.ndarray | None, Any]:
    """MILP on the variables left free by the bounds; fixed ones become constants.

    Returns the full selection (or None) and HiGHS's result with ``fun`` and
    ``mip_dual_bound`` shifted back to the full model's objective.
    """
    k = u.shape[1]
    one, zero = lbv[:k] > 0.5, ubv[:k] < 0.5
    free = np.flatnonzero(~one & ~zero)
    done = (u @ one.astype(float)) > 0  # rows an open site covers
    z_one = ~done & (lbv[k:] > 0.5)  # rows certainly uncovered
    rows = np.flatnonzero(~done & ~z_one)
    const = float(wu[z_one].sum() - cx[one].sum())
    sub = u[rows][:, free].tocsr()
    m = len(rows)
    kf = len(free)
    p_left = p - int(one.sum())
    cons = [
        LinearConstraint(sparse.hstack([sub, sparse.eye(m)], format="csr"), 1, np.inf),
        LinearConstraint(
            sparse.csr_matrix(np.r_[np.ones(kf), np.zeros(m)]), p_left, p_left
        ),
    ]
    lo = np.zeros(kf + m)
    hi = np.r_[np.ones(kf), ubv[k:][rows]]
    res = run_milp(
        np.r_[-cx[free], wu[rows]],
        cons,
        np.r_[np.ones(kf), np.zeros(m)],
        lo,
        hi,
        time_limit,
        mip_rel_gap,
        None if cutoff is None else cutoff - const,
    )
    for key in ("fun", "mip_dual_bound"):
        if res.get(key) is not None:
            res[key] = res[key] + const
    if res.x is None:
        return None, res
    x = one.copy()
    x[free[res.x[:kf] > 0.5]] = True
    return x, res


def solve_cover_form(
    u: sparse.csr_matrix,
    wu: np.ndarray,
    cx: np.ndarray,
    p: int,
    fixed: np.ndarray,
    *,
    time_limit: float,
    mip_rel_gap: float,
    fix: bool = True,
    start: np.ndarray | None = None,
    restarts: int = 16,
) -> CoverResult:
    """Solve the reduced set-covering MCLP exactly, incumbent first.

    Parameters
    ----------
    u
        ``(n_rows, k)`` 0/1 coverage of the reduced rows by the model's candidates.
    wu
        Weight of each reduced row.
    cx
        Weight folded onto each candidate (rows only it reaches).
    p
        Number of candidates to open.
    fixed
        Boolean, candidates forced open.
    time_limit, mip_rel_gap
        HiGHS options of the MILP.
    fix
        Fix variables by their LP reduced costs before the MILP.
    start
        Indices of a feasible selection to use as the incumbent instead of the LP
        rounding and swap search (for tests of a cutoff that is not tight).
    restarts
        Randomized LP roundings tried after the first (see :func:`incumbent`;
        fixed seed, so results repeat).

    Returns
    -------
    CoverResult
    """
    n_y, k = u.shape
    u = sparse.csr_matrix(u)
    lb = fixed.astype(float)
    xlp, lower, rc = lp_bound(u, wu, cx, p, lb)
    tol_lp = max(mip_rel_gap * max(abs(lower), 1.0), 1e-9)
    if start is None:
        x, inc = incumbent(
            u, wu, cx, xlp, p, fixed, restarts=restarts, target=lower + tol_lp
        )
    else:  # a given incumbent (p sites, fixed ones included), used as it is
        x = np.zeros(k, dtype=bool)
        x[np.asarray(start, dtype=np.int64)] = True
        inc = _value(u, wu, cx, x)
    info: dict[str, Any] = {"lp_bound": lower, "incumbent": inc, "milp_runs": 0}
    tol = max(mip_rel_gap * max(abs(inc), 1.0), 1e-9)
    if inc - lower <= tol:
        info["proof"] = "lp bound"
        return CoverResult(x, min(lower, inc), "optimal", info)
    lbv = np.r_[lb, np.zeros(n_y)]
    ubv = np.ones(k + n_y)
    if fix and np.isfinite(lower):
        # reduced-cost fixing: moving a variable off its LP bound costs at least
        # its reduced cost, so past the gap no solution beats the incumbent
        gap = inc - lower + tol
        ubv[rc > gap] = lbv[rc > gap]
        lbv[rc < -gap] = ubv[rc < -gap]
        info["fixed_by_reduced_cost"] = int((rc > gap).sum() + (rc < -gap).sum())
    # just beyond the incumbent: HiGHS only looks for a better one or the proof
    cutoff = inc + max(1e-6 * abs(inc), 1e-6)
    t0 = time.perf_counter()
    xh, res = _sub_milp(u, wu, cx, p, lbv, ubv, time_limit, mip_rel_gap, cutoff)
    info["milp_runs"] = 1
    info["proof"] = "milp with cutoff"
    vh = _value(u, wu, cx, xh) if xh is not None else np.inf
    proven = res.status == 0 and vh <= inc + tol
    if not proven and res.status != 1:
        # no proven answer under the cutoff: solve again without it (nor fixing)
        left = max(time_limit - (time.perf_counter() - t0), 1.0)
        lb0, ub0 = np.r_[lb, np.zeros(n_y)], np.ones(k + n_y)
        xh, res = _sub_milp(u, wu, cx, p, lb0, ub0, left, mip_rel_gap, None)
        vh = _value(u, wu, cx, xh) if xh is not None else np.inf
        info["milp_runs"] = 2
        info["proof"] = "milp without cutoff"
    status = {0: "optimal", 1: "time limit"}.get(res.status, str(res.message))
    if vh < inc:
        x, inc = xh, vh
    dual = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
    if dual is not None and np.isfinite(dual) and res.status in (0, 1):
        # nodes the cutoff pruned hold nothing better than the incumbent
        lower = max(lower, min(float(dual), inc))
    return CoverResult(x, min(lower, inc), status, info)
