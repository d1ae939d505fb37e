"""How a plan is measured: balance, contiguity, compactness, travel burden.

The definitions follow DESIGN.md ("How a plan is measured") so figures compare
across tools; every function takes plain arrays or frames and is usable on the
output of any districting tool.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from gridgeo.graph import components_within

__all__ = [
    "contiguous_mask",
    "deviation_pct",
    "polsby_popper",
    "travel_burden",
]


def polsby_popper(geometry: gpd.GeoSeries | np.ndarray) -> np.ndarray:
    """Polsby–Popper compactness ``4πA / P²`` of each geometry (1 for a disc).

    Parameters
    ----------
    geometry
        Polygons in a projected CRS.

    Returns
    -------
    numpy.ndarray
        Values in (0, 1]; 0 for empty geometries.

    Examples
    --------
    >>> import shapely
    >>> polsby_popper([shapely.box(0, 0, 1, 1)]).round(3).tolist()
    [0.785]
    """
    geoms = np.asarray(getattr(geometry, "values", geometry), dtype=object)
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(perimeter > 0, 4 * np.pi * area / perimeter**2, 0.0)
    return pp


def deviation_pct(weights: np.ndarray, target: float | np.ndarray) -> np.ndarray:
    """Return ``|weight − target| / target`` in percent.

    Parameters
    ----------
    weights
        Household (or other) totals per grid.
    target
        The target per grid (scalar or per grid).

    Returns
    -------
    numpy.ndarray
    """
    weights = np.asarray(weights, dtype=float)
    return 100.0 * np.abs(weights - target) / np.asarray(target, dtype=float)


def contiguous_mask(
    adjacency: sparse.csr_array, labels: np.ndarray, n_grids: int | None = None
) -> np.ndarray:
    """Return, per grid, whether its units form one connected piece.

    Parameters
    ----------
    adjacency
        Unit adjacency with island bridges
        (from :func:`gridgeo.graph.build_contiguity`).
    labels
        Grid label ``0..n_grids-1`` of each unit.
    n_grids
        Number of grids; default ``labels.max() + 1``.

    Returns
    -------
    numpy.ndarray of bool, one per grid (an empty grid counts as not contiguous).
    """
    labels = np.asarray(labels)
    n_grids = int(labels.max()) + 1 if n_grids is None else n_grids
    out = np.zeros(n_grids, dtype=bool)
    for g in range(n_grids):
        members = np.flatnonzero(labels == g)
        if len(members):
            out[g] = components_within(adjacency, members).max() == 0
    return out


def travel_burden(
    xy: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted distance from points to their grid's weighted centre.

    Parameters
    ----------
    xy
        Point coordinates (households, or unit centroids) in metres, ``n × 2``.
    labels
        Grid label of each point (``0..k-1``).
    weights
        Weight of each point (households per unit centroid); default 1.

    Returns
    -------
    per_grid_km : numpy.ndarray
        Weighted mean distance (km) per grid.
    centres : numpy.ndarray
        The weighted centre of each grid, ``k × 2``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype=float)
    k = int(labels.max()) + 1 if len(labels) else 0
    wsum = np.bincount(labels, weights=w, minlength=k)
    safe = np.where(wsum > 0, wsum, 1.0)
    centres = np.column_stack(
        [np.bincount(labels, weights=w * xy[:, d], minlength=k) / safe for d in (0, 1)]
    )
    dist = np.hypot(*(xy - centres[labels]).T) / 1000.0
    per_grid = np.bincount(labels, weights=w * dist, minlength=k) / safe
    return per_grid, centres


def summarise(
    per_grid: pd.DataFrame,
    *,
    lo: np.ndarray,
    hi: np.ndarray,
    target: np.ndarray,
    travel_km_mean: float,
    split_villages: int,
) -> dict[str, float]:
    """Plan-level metrics from the per-grid table (used by :class:`gridgeo.Plan`)."""
    h = per_grid["households"].to_numpy(dtype=float)
    dev = deviation_pct(h, target)
    in_range = (h >= lo) & (h <= hi)
    return {
        "n_grids": len(per_grid),
        "households": int(h.sum()),
        "in_range": float(in_range.mean()) if len(h) else 1.0,
        "max_deviation_pct": float(dev.max()) if len(h) else 0.0,
        "mean_deviation_pct": float(dev.mean()) if len(h) else 0.0,
        "contiguous_share": float(per_grid["contiguous"].mean()) if len(h) else 1.0,
        "compactness": float(per_grid["compactness"].mean()) if len(h) else 0.0,
        "travel_km": float(travel_km_mean),
        "crossings": int((per_grid["n_towns"] > 1).sum()),
        "split_villages": int(split_villages),
    }
