"""Privacy by default: what of a household may be written into a map.

A gridgeo map never writes household names, ids, phone or ID-card numbers, account
data or exact coordinates unless the caller asks: ``household_fields=[...]`` names
the columns to show, ``exact_households=True`` draws each household where it is.
Otherwise households are aggregated to hexagons (:func:`hexbin`) or village totals,
and a hexagon holding fewer than :data:`MIN_HOUSEHOLDS` households is not drawn (its
count or share would point at one family); the legend says how many were left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from gridgeo.errors import ValidationError

__all__ = [
    "MIN_HOUSEHOLDS",
    "auto_hex_size",
    "check_household_fields",
    "hex_cells",
    "hex_polygons",
    "hexbin",
]

_SQRT3 = np.sqrt(3.0)

MIN_HOUSEHOLDS = 5
"""Fewest households a hexagon on a map may hold (smaller ones are not drawn)."""


def check_household_fields(
    households: gpd.GeoDataFrame,
    household_fields: Sequence[str] | None,
    *,
    exact_households: bool,
) -> list[str]:
    """Validate the household columns the caller wants written into a map.

    Parameters
    ----------
    households
        The household table.
    household_fields
        Columns to show per household, or None (the default: none).
    exact_households
        Whether exact household locations may be drawn; fields can only be shown
        on exact points.

    Returns
    -------
    list of str
        The fields, in order.

    Raises
    ------
    ValidationError
        On unknown columns, or fields without ``exact_households=True``.
    """
    fields = list(household_fields or [])
    missing = [f for f in fields if f not in households.columns]
    if missing:
        msg = (
            f"household_fields {missing} are not columns of the household table; "
            f"choose from {sorted(map(str, households.columns.drop('geometry')))}."
        )
        raise ValidationError(msg)
    if fields and not exact_households:
        msg = (
            "household_fields are shown on each household's own point; pass "
            "exact_households=True as well to write exact locations into the map."
        )
        raise ValidationError(msg)
    return fields


def auto_hex_size(
    bounds: tuple[float, float, float, float],
    *,
    n: int = 4000,
    n_points: int | None = None,
    per_hexagon: int = 25,
) -> float:
    """Hexagon circumradius (m) for about ``n`` hexagons over metric ``bounds``.

    With ``n_points`` the count is lowered to ``n_points / per_hexagon`` (at least
    25), so that a small county's hexagons still hold many households each rather
    than pinpointing single homes.
    """
    if n_points is not None:
        n = min(n, max(25, int(n_points) // per_hexagon))
    x0, y0, x1, y1 = bounds
    area = max((x1 - x0) * (y1 - y0), 1.0)
    size = np.sqrt(area / (n * 1.5 * _SQRT3))
    return float(max(100.0, round(size, -1)))


def hex_cells(
    x: np.ndarray, y: np.ndarray, size: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointy-top hexagon of circumradius ``size`` holding each metric point.

    Cube rounding of axial coordinates, then one integer key per point: cells are
    counted with :func:`numpy.bincount` over the dense key range when it is small
    (no sort; 2,000,000 points in well under a second) and with a 1-D
    :func:`numpy.unique` otherwise.

    Parameters
    ----------
    x, y
        Point coordinates in a metric CRS (metres).
    size
        Hexagon circumradius in metres.

    Returns
    -------
    cells : numpy.ndarray
        ``(k, 2)`` int64 axial coordinates ``(q, r)`` of the occupied hexagons,
        sorted by ``r`` then ``q``.
    inverse : numpy.ndarray
        Index into ``cells`` for every point.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.intp)
    qf = (_SQRT3 / 3 * x - y / 3) / size
    rf = (2 / 3 * y) / size
    sf = -qf - rf
    q, r, s = np.rint(qf), np.rint(rf), np.rint(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q).astype(np.int64)
    r = np.where(fix_r, -q - s, r).astype(np.int64)
    q0, r0 = q.min(), r.min()
    width = int(q.max() - q0) + 1
    key = (r - r0) * width + (q - q0)
    span = int(key.max()) + 1
    if span <= max(4 * len(key), 1 << 22):  # dense: count without sorting
        occupied = np.flatnonzero(np.bincount(key, minlength=span))
        lookup = np.empty(span, dtype=np.intp)
        lookup[occupied] = np.arange(len(occupied))
        inverse = lookup[key]
    else:
        occupied, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.ravel()
    cells = np.column_stack([occupied % width + q0, occupied // width + r0])
    return cells.astype(np.int64), inverse


def hex_polygons(cells: np.ndarray, size: float) -> np.ndarray:
    """Shapely hexagons of circumradius ``size`` for axial ``cells`` (k x 2)."""
    cells = np.asarray(cells, dtype=float).reshape(-1, 2)
    cx = size * _SQRT3 * (cells[:, 0] + cells[:, 1] / 2)
    cy = size * 1.5 * cells[:, 1]
    angles = np.deg2rad(30 + 60 * np.arange(7))
    ring = np.stack(
        [cx[:, None] + size * np.cos(angles), cy[:, None] + size * np.sin(angles)],
        axis=-1,
    )
    return shapely.polygons(ring)


def hexbin(
    x: np.ndarray,
    y: np.ndarray,
    size: float,
    *,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin metric points into pointy-top hexagons of circumradius ``size``.

    Parameters
    ----------
    x, y
        Point coordinates in a metric CRS (metres).
    size
        Hexagon circumradius in metres.
    weights
        Optional 0/1 (or any) value per point summed per hexagon.

    Returns
    -------
    hexagons : numpy.ndarray of shapely.Polygon
        One polygon per occupied hexagon, in the points' CRS.
    counts : numpy.ndarray of int
        Points per hexagon.
    sums : numpy.ndarray of float
        Sum of ``weights`` per hexagon (zeros without weights).
    """
    cells, inverse = hex_cells(x, y, size)
    counts = np.bincount(inverse, minlength=len(cells))
    sums = (
        np.bincount(
            inverse, weights=np.asarray(weights, dtype=float), minlength=len(cells)
        )
        if weights is not None
        else np.zeros(len(cells))
    )
    return hex_polygons(cells, size), counts, sums
