"""How many grids each township (or zone) gets."""

from __future__ import annotations

import math

import numpy as np

from gridgeo.errors import InfeasiblePartitionError

__all__ = ["apportion_count", "grids_for_bounds"]


def apportion_count(
    weights: dict[str, float], total: int, *, what: str, hint: str
) -> dict[str, int]:
    """Share ``total`` grids among groups, at least one each, largest-average first.

    Repeatedly gives the next grid to the group whose grids are currently the
    heaviest (D'Hondt), which minimises the largest grid.

    Parameters
    ----------
    weights
        Weight (households) per group, keyed by group id.
    total
        Grids to share.
    what
        How a group is called in the error ("township", "zone").
    hint
        How to fix it, appended to the error.

    Returns
    -------
    dict
        Grids per group.

    Raises
    ------
    InfeasiblePartitionError
        When there are fewer grids than groups.

    Examples
    --------
    >>> apportion_count({"a": 3000, "b": 1000}, 4, what="township", hint="")
    {'a': 3, 'b': 1}
    """
    keys = sorted(weights)
    if total < len(keys):
        msg = (
            f"{total} grids cannot cover {len(keys)} {what}s without crossing a "
            f"{what} border (each needs at least one grid). {hint}"
        )
        raise InfeasiblePartitionError(msg)
    k = dict.fromkeys(keys, 1)
    for _ in range(total - len(keys)):
        best = max(keys, key=lambda t: (weights[t] / k[t], t))
        k[best] += 1
    return k


def grids_for_bounds(households: float, lo: float, hi: float) -> tuple[int, int]:
    """Feasible range of grid counts for a group of ``households`` with grid bounds.

    Returns
    -------
    tuple of int
        ``(fewest, most)``; ``fewest > most`` means no count works.

    Examples
    --------
    >>> grids_for_bounds(2600, 500, 1000)
    (3, 5)
    >>> grids_for_bounds(700, 500, 600)
    (2, 1)
    """
    if households <= 0:
        return (0, 0)
    fewest = max(1, math.ceil(households / hi - 1e-9)) if hi > 0 else 1
    most = (
        math.floor(households / lo + 1e-9) if lo > 0 else max(fewest, int(households))
    )
    return fewest, most


def choose_in_range(ideal: float, fewest: int, most: int) -> int:
    """Round ``ideal`` into ``[fewest, most]``."""
    return int(np.clip(round(ideal), fewest, max(fewest, most)))
