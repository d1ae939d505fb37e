"""Road network: a routable graph with travel times on scipy.sparse.csgraph."""

from __future__ import annotations

__all__ = ['RoadNetwork', 'build_network']


class RoadNetwork:
    """Placeholder: being written."""


def build_network(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
