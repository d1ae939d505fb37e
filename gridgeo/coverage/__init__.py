"""Coverage analysis: travel times, service areas, site selection, staffing, visits."""

from __future__ import annotations

__all__ = ['select_sites', 'service_coverage', 'staffing', 'travel_times', 'visit_coverage']


def travel_times(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def service_coverage(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def select_sites(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def staffing(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def visit_coverage(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
