"""Strategy specifications: small frozen dataclasses holding parameters only.

A strategy says *what* a good grid is (how many households, how many villages, one
industry, a community, an equal workload); the algorithms in the sibling modules say
*how* to find them. Every strategy takes either a grid count (``n_grids=``) or
household bounds (``min=``, ``max=``), with the bank's rule of 500–1,000 households
per grid as the default, so ``gg.ByCommunity()`` alone works.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridgeo.errors import ValidationError

__all__ = [
    "DEFAULT_MAX",
    "DEFAULT_MIN",
    "ByCommunity",
    "ByHouseholds",
    "ByIndustry",
    "ByVillages",
    "ByWorkload",
    "Strategy",
]

DEFAULT_MIN = 500
DEFAULT_MAX = 1000


def _resolve_bounds(spec: object) -> None:
    """Fill household bounds from the bank's rule; validate them (frozen-safe)."""
    lo, hi = spec.min, spec.max  # type: ignore[attr-defined]
    if lo is None and hi is None:
        lo, hi = DEFAULT_MIN, DEFAULT_MAX
    elif lo is None:
        lo = hi // 2
    elif hi is None:
        hi = 2 * lo
    if not 0 <= lo <= hi:
        msg = (
            f"{type(spec).__name__}: household bounds need 0 <= min <= max; "
            f"got min={lo}, max={hi}."
        )
        raise ValidationError(msg)
    n = spec.n_grids  # type: ignore[attr-defined]
    if n is not None and (not isinstance(n, int) or n < 1):
        msg = f"{type(spec).__name__}: n_grids must be a positive int; got {n!r}."
        raise ValidationError(msg)
    tol = spec.tolerance  # type: ignore[attr-defined]
    if not 0 <= tol < 1:
        msg = f"{type(spec).__name__}: tolerance must be in [0, 1); got {tol!r}."
        raise ValidationError(msg)
    object.__setattr__(spec, "min", int(lo))
    object.__setattr__(spec, "max", int(hi))


@dataclass(frozen=True)
class ByHouseholds:
    """Grids of ``min``–``max`` households (or exactly ``n_grids`` balanced grids).

    Parameters
    ----------
    min, max
        Households per grid. Defaults 500 and 1,000 (the bank's rule); with only
        ``max`` given, ``min = max // 2``; with only ``min``, ``max = 2 * min``.
    n_grids
        Make exactly this many grids instead, balanced in households: the bounds
        are then ``target × (1 ± tolerance)``.
    tolerance
        Allowed relative deviation from the equal share when ``n_grids`` is given.
        When villages may be cut (``split``), up to two thirds of it is traded for
        shorter travel; give a smaller tolerance for more equal grids.
    split
        With ``n_grids``, allow cutting villages at grid borders to reach the
        tolerance (each cut village is reported). Villages larger than ``max`` are
        always split.

    Examples
    --------
    >>> ByHouseholds(min=500, max=1000)
    ByHouseholds(min=500, max=1000, n_grids=None, tolerance=0.03, split=True)
    >>> ByHouseholds(max=500).min
    250
    """

    min: int | None = None
    max: int | None = None
    n_grids: int | None = None
    tolerance: float = 0.03
    split: bool = True

    def __post_init__(self) -> None:
        _resolve_bounds(self)


@dataclass(frozen=True)
class ByVillages:
    """Grids of ``min``–``max`` administrative villages, balanced in households.

    Parameters
    ----------
    min, max
        Villages per grid (default 6–8, the plains rule). Parts of a split village
        count as one village together.
    n_grids
        Make exactly this many grids (the village bounds then guide, the count rules).
    households
        Optional ``(min, max)`` household bounds checked as well.
    tolerance
        Unused bound slack kept for a uniform interface.

    Examples
    --------
    >>> ByVillages(6, 8).max
    8
    """

    min: int = 6
    max: int = 8
    n_grids: int | None = None
    households: tuple[int, int] | None = None
    tolerance: float = 0.03

    def __post_init__(self) -> None:
        if not 1 <= self.min <= self.max:
            msg = (
                "ByVillages needs 1 <= min <= max villages; "
                f"got {self.min}, {self.max}."
            )
            raise ValidationError(msg)
        if self.n_grids is not None and self.n_grids < 1:
            msg = f"ByVillages: n_grids must be a positive int; got {self.n_grids!r}."
            raise ValidationError(msg)


@dataclass(frozen=True)
class ByIndustry:
    """Grids homogeneous in industry (an orchard grid, a livestock grid).

    Parameters
    ----------
    column
        Village column holding the industry label.
    min, max
        Households per grid (bank rule defaults, as :class:`ByHouseholds`).
    n_grids
        Exact grid count instead of bounds.
    purity_weight
        How strongly mixing industries is penalised, relative to travel distance
        (0 ignores industry; 1 makes a mismatched household cost as much as one
        placed a typical grid radius further away).
    tolerance
        Relative deviation allowed with ``n_grids``.
    """

    column: str = "industry"
    min: int | None = None
    max: int | None = None
    n_grids: int | None = None
    purity_weight: float = 4.0
    tolerance: float = 0.1

    def __post_init__(self) -> None:
        _resolve_bounds(self)


@dataclass(frozen=True)
class ByCommunity:
    """Town grids from communities and market districts in the household pattern.

    Villages (residents' committees) are cut into parts by their household points
    (``part_households`` each), and grids are seeded on the density clusters of the
    household points (DBSCAN with ``eps_m``), so a grid follows a neighbourhood or
    market district rather than an administrative line.

    Parameters
    ----------
    min, max
        Households per grid (bank rule defaults).
    n_grids
        Exact grid count instead of bounds.
    eps_m
        Neighbourhood radius (metres) of the density clustering.
    part_households
        Target households per unit part; default ``min // 2``.
    tolerance
        Relative deviation allowed with ``n_grids``.
    split
        With ``n_grids``, cut units at grid borders to meet the tolerance.
    """

    min: int | None = None
    max: int | None = None
    n_grids: int | None = None
    eps_m: float = 120.0
    part_households: int | None = None
    tolerance: float = 0.03
    split: bool = True

    def __post_init__(self) -> None:
        _resolve_bounds(self)


@dataclass(frozen=True)
class ByWorkload:
    """Grids of equal visiting workload rather than equal household counts.

    The workload of a unit is ``households × visit_minutes`` plus the time to travel
    between its households: with ``n`` households spread over area ``A``, a round of
    visits covers about ``0.7·sqrt(n·A)`` metres (the travelling-salesman constant
    of random points), at ``speed_kmh`` with a ``detour`` factor. Sparse mountain
    villages so weigh more per household and their grids hold fewer households.

    Parameters
    ----------
    min, max
        Bounds in *household equivalents*: a grid's workload must lie between the
        workload of ``min`` and ``max`` households at the county's mean minutes per
        household. Defaults 500–1,000.
    n_grids
        Exact grid count instead of bounds.
    visit_minutes
        Minutes spent per household visit.
    speed_kmh, detour
        Travel speed between households and the road detour factor.
    tolerance
        Relative deviation allowed with ``n_grids``.
    """

    min: int | None = None
    max: int | None = None
    n_grids: int | None = None
    visit_minutes: float = 20.0
    speed_kmh: float = 15.0
    detour: float = 1.3
    tolerance: float = 0.05

    def __post_init__(self) -> None:
        _resolve_bounds(self)


Strategy = ByHouseholds | ByVillages | ByIndustry | ByCommunity | ByWorkload
