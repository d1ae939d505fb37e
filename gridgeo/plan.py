"""The Plan: the result of a partition."""

from __future__ import annotations

__all__ = ['Plan', 'read_plan']


class Plan:
    """Placeholder: being written."""


def read_plan(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
