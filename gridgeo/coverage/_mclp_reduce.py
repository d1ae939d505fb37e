"""Exact reductions of 0/1 coverage matrices shared by the MCLP and LSCP models.

- :func:`unique_rows` — rows with the same coverage set (merged by the caller);
- :func:`dominated` — candidates whose coverage lies within another's.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["DENSE_MAX", "dominated", "unique_rows"]

#: Largest dense boolean work array (elements) of the exact model reductions.
DENSE_MAX = 200_000_000


def unique_rows(a: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Distinct rows of a 0/1 CSR matrix and, per row, the position of its twin.

    Parameters
    ----------
    a
        0/1 coverage matrix (rows: demand, columns: candidates).

    Returns
    -------
    tuple
        The distinct rows and, for every row of ``a``, its index among them
        (unchanged, with the identity map, past :data:`DENSE_MAX` cells).
    """
    n, m = a.shape
    if n == 0 or n * m > DENSE_MAX:
        return a, np.arange(n)
    dense = np.zeros((n, m), dtype=bool)
    dense[np.repeat(np.arange(n), np.diff(a.indptr)), a.indices] = True
    packed = np.ascontiguousarray(np.packbits(dense, axis=1))
    key = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return a[first], inv.ravel()


def dominated(a: sparse.csr_matrix, keep_open: np.ndarray, p: int) -> np.ndarray:
    """Candidates whose coverage is within another's (ties: all but the first).

    Dropping them keeps an optimum of a cardinality-only MCLP: a dropped site is
    swapped for its dominator, or for any other site when that one is open already.
    Candidates in ``keep_open`` are never dropped; nothing is dropped when fewer
    than ``p`` candidates would remain.

    Parameters
    ----------
    a
        0/1 coverage matrix (rows: demand, columns: candidates).
    keep_open
        Boolean per candidate: never dropped (fixed sites).
    p
        Number of sites to open.

    Returns
    -------
    numpy.ndarray
        Boolean per candidate: dropped.
    """
    n_c = a.shape[1]
    if n_c * n_c > DENSE_MAX:
        return np.zeros(n_c, dtype=bool)
    col = a.tocsc()
    size = np.diff(col.indptr)
    inter = (col.T @ col).toarray()
    sub = inter >= size[:, None]  # j's rows all covered by k
    np.fill_diagonal(sub, False)
    same = sub & sub.T
    drop = (sub & ~same).any(1) | np.triu(same, 1).any(0)
    drop &= ~keep_open
    return drop if n_c - drop.sum() >= p else np.zeros(n_c, dtype=bool)
