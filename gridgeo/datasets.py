"""Sample data: the shipped sample county and seeded synthetic counties and regions."""

from __future__ import annotations

__all__ = ['get_path', 'sample_county', 'synthetic_county', 'synthetic_region']


def synthetic_county(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def synthetic_region(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def sample_county(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError


def get_path(*args: object, **kwargs: object) -> object:
    """Placeholder: being written."""
    raise NotImplementedError
