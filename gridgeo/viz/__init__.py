"""Folium maps of plans and coverage, offline HTML."""

from __future__ import annotations

__all__ = ['coverage_map', 'plan_map', 'save_map']


def plan_map(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def coverage_map(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def save_map(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
