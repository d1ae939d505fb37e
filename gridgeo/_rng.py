"""Random-state handling: one conversion at the public boundary."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_random_state", "sklearn_seed"]

SeedLike = int | np.random.Generator | None


def check_random_state(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    seed
        ``None`` (fresh entropy), an int (deterministic) or a Generator (used as is).

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, numbers.Integral):
        return np.random.default_rng(seed)
    msg = f"seed must be None, an int or a numpy Generator; got {type(seed).__name__}."
    raise TypeError(msg)


def sklearn_seed(rng: np.random.Generator) -> int:
    """Draw an int for scikit-learn's ``random_state`` from ``rng``."""
    return int(rng.integers(2**31 - 1))
