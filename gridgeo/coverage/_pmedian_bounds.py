"""p-median heuristics and bounds used by :func:`gridgeo.coverage.solve_pmedian`.

- :func:`pick` — ``p`` sites of least score under fixed sites and township bounds;
- :func:`interchange` — best-improvement swaps (fast interchange): an upper bound;
- :func:`lagrangian` — subgradient ascent on the Lagrangian dual: a lower bound.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

__all__ = ["interchange", "lagrangian", "pick"]


def pick(
    rho: np.ndarray,
    p: int,
    f: np.ndarray,
    tcode: np.ndarray | None,
    tmin: np.ndarray | None,
    tmax: np.ndarray | None,
) -> np.ndarray:
    """Choose p sites of least ``rho`` under fixed sites and town bounds (greedy)."""
    n_c = len(rho)
    take = f.copy()
    order = np.argsort(rho, kind="stable")
    if tcode is not None:
        cnt = np.bincount(tcode[take], minlength=len(tmin))
        for j in order:  # fill each township's minimum with its best sites
            t = tcode[j]
            if not take[j] and cnt[t] < tmin[t]:
                take[j] = True
                cnt[t] += 1
    else:
        cnt = None
    need = p - int(take.sum())
    for j in order:
        if need <= 0:
            break
        if take[j]:
            continue
        if cnt is not None:
            t = tcode[j]
            if cnt[t] >= tmax[t]:
                continue
            cnt[t] += 1
        take[j] = True
        need -= 1
    return np.flatnonzero(take) if n_c else np.zeros(0, dtype=np.int64)


def interchange(
    cw: np.ndarray,
    sel: np.ndarray,
    f: np.ndarray,
    tcode: np.ndarray | None,
    tmin: np.ndarray | None,
    tmax: np.ndarray | None,
    max_iter: int = 200,
) -> tuple[float, np.ndarray]:
    """Best-improvement swaps (Whitaker's fast interchange) from ``sel``."""
    n_d, _n_c = cw.shape
    sel = np.array(sel)
    rows = np.arange(n_d)
    for _ in range(max_iter):
        sub = cw[:, sel]
        if len(sel) > 1:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            a1, a2 = part[:, 0], part[:, 1]
            swap = sub[rows, a1] > sub[rows, a2]
            a1, a2 = np.where(swap, a2, a1), np.where(swap, a1, a2)
            d1, d2 = sub[rows, a1], sub[rows, a2]
        else:
            a1 = np.zeros(n_d, dtype=np.int64)
            d1 = sub[:, 0]
            d2 = np.full(n_d, np.inf)
        gain_add = np.minimum(cw - d1[:, None], 0.0)
        base = gain_add.sum(0)
        corr = np.minimum(d2[:, None], cw) - d1[:, None] - gain_add
        corr[~np.isfinite(corr)] = 1e300
        onehot = sparse.csr_matrix((np.ones(n_d), (a1, rows)), shape=(len(sel), n_d))
        delta = base[None, :] + np.asarray(onehot @ corr)
        delta[:, sel] = np.inf
        delta[f[sel], :] = np.inf
        if tcode is not None:
            cnt = np.bincount(tcode[sel], minlength=len(tmin))
            to = tcode[sel]
            ok_out = cnt[to] - 1 >= tmin[to]
            ok_in = cnt[tcode] + 1 <= tmax[tcode]
            same = to[:, None] == tcode[None, :]
            delta[~(same | (ok_out[:, None] & ok_in[None, :]))] = np.inf
        o, i = np.unravel_index(np.argmin(delta), delta.shape)
        if not delta[o, i] < -1e-9 * max(1.0, abs(d1.sum())):
            break
        sel[o] = i
    return float(cw[:, sel].min(1).sum()), np.sort(sel)


def lagrangian(
    cw: np.ndarray,
    p: int,
    f: np.ndarray,
    tcode: np.ndarray | None,
    tmin: np.ndarray | None,
    tmax: np.ndarray | None,
    ub: float,
    seconds: float,
    iters: int = 600,
) -> tuple[float, list[np.ndarray]]:
    """Subgradient ascent on the Lagrangian dual (assignment rows relaxed)."""
    t0 = time.perf_counter()
    _n_d, n_c = cw.shape
    kth = min(n_c - 1, max(1, n_c // max(p, 1)))
    lam = np.partition(cw, kth, axis=1)[:, kth].copy()
    best = -np.inf
    theta = 2.0
    stall = 0
    sets: list[np.ndarray] = []
    for _ in range(iters):
        red = cw - lam[:, None]
        neg = red < 0
        rho = np.where(neg, red, 0.0).sum(0)
        sel = pick(rho, p, f, tcode, tmin, tmax)
        lb = float(lam.sum() + rho[sel].sum())
        if lb > best + 1e-9 * abs(best if np.isfinite(best) else 1):
            best, stall = lb, 0
            sets.append(sel)
        else:
            stall += 1
            if stall >= 20:
                theta /= 2.0
                stall = 0
        g = 1.0 - neg[:, sel].sum(1)
        norm = float(g @ g)
        if norm == 0 or theta < 1e-4 or (ub - best) <= 1e-6 * abs(ub):
            break
        lam = lam + theta * (ub - lb) / norm * g
        if time.perf_counter() - t0 > seconds:
            break
    return best, sets
