"""Reading villages, households, roads and service points from any common format."""

from __future__ import annotations

__all__ = ['read_households', 'read_roads', 'read_service_points', 'read_villages']


def read_villages(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def read_households(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def read_roads(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def read_service_points(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
