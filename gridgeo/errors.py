"""Public exceptions and warnings of gridgeo.

Every error gridgeo raises on purpose derives from :class:`GridgeoError`; bad input
additionally derives from :class:`ValueError` so that callers who already catch
``ValueError`` keep working. Warnings derive from :class:`GridgeoWarning`.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CoordinateSystemWarning",
    "GridgeoError",
    "GridgeoWarning",
    "InfeasibleError",
    "InfeasiblePartitionError",
    "IslandWarning",
    "OutOfBoundsWarning",
    "SnapWarning",
    "UnassignedHouseholdsWarning",
    "ValidationError",
]


class GridgeoError(Exception):
    """Base class of every error raised by gridgeo."""


class ValidationError(GridgeoError, ValueError):
    """Input data that cannot be used as given (missing file, column, bad values)."""


class CRSError(ValidationError):
    """A missing, geographic-where-metric-is-needed, or mismatched CRS."""


class InfeasibleError(GridgeoError):
    """Valid input for which the requested constraints admit no solution."""


class InfeasiblePartitionError(InfeasibleError):
    """No partition meets the strategy's bounds; the message names where and why."""


class GridgeoWarning(UserWarning):
    """Base class of every warning issued by gridgeo."""


class IslandWarning(GridgeoWarning):
    """Units without a neighbour were bridged to their nearest neighbour."""


class UnassignedHouseholdsWarning(GridgeoWarning):
    """Households that fell outside every village (assigned or rejected, see report)."""


class CoordinateSystemWarning(GridgeoWarning):
    """Coordinates look like they are in another system than declared (e.g. GCJ-02)."""


class OutOfBoundsWarning(GridgeoWarning):
    """A plan was returned with ``strict=False`` although some grids miss the bounds."""


class SnapWarning(GridgeoWarning):
    """Points snapped to the road network from unusually far away."""
