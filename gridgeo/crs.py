"""Coordinate systems: GCJ-02 / BD-09 conversions and the metric CRS of a county."""

from __future__ import annotations

__all__ = ['bd09_to_gcj02', 'bd09_to_wgs84', 'choose_metric_crs', 'gcj02_to_bd09', 'gcj02_to_wgs84', 'wgs84_to_gcj02']


def gcj02_to_wgs84(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def wgs84_to_gcj02(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def bd09_to_gcj02(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def gcj02_to_bd09(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def bd09_to_wgs84(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def choose_metric_crs(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
