"""Partition a county into service grids."""

from __future__ import annotations

__all__ = ['ByCommunity', 'ByHouseholds', 'ByIndustry', 'ByVillages', 'ByWorkload', 'partition']


class ByCommunity:
    """Placeholder: being written."""


class ByHouseholds:
    """Placeholder: being written."""


class ByIndustry:
    """Placeholder: being written."""


class ByVillages:
    """Placeholder: being written."""


class ByWorkload:
    """Placeholder: being written."""


def partition(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
