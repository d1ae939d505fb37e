"""Partition a county into balanced, contiguous, compact service grids.

:func:`partition` is the one entry point. It takes a :class:`~gridgeo.County`, a
GeoDataFrame of polygon units with a weight column, or a networkx graph, and a
strategy (or a dict of strategies per zone), and returns a :class:`~gridgeo.Plan`.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Mapping
from dataclasses import replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gridgeo._columns import HOUSEHOLDS, TOWN_ID, UNIT_ID, VILLAGE_ID
from gridgeo._rng import SeedLike, check_random_state
from gridgeo.county import County
from gridgeo.errors import (
    InfeasiblePartitionError,
    OutOfBoundsWarning,
    ValidationError,
)
from gridgeo.metrics import travel_burden
from gridgeo.partition._balance import balance_with_splits
from gridgeo.partition._engine import (
    Problem,
    _violation,
    misses_bounds,
    solve,
    solve_by_merging,
    violation,
)
from gridgeo.partition._inputs import Source, from_input, units_adjacency
from gridgeo.partition._problems import (
    build_problems,
    plan_groups,
    unit_weights,
    with_k,
)
from gridgeo.partition._setpart import (
    SAMPLE,
    Candidates,
    enumerate_grids,
    grid_costs,
    recut_borders,
    smooth_borders,
    solve_exact,
)
from gridgeo.partition.strategies import (
    ByCommunity,
    ByHouseholds,
    ByIndustry,
    ByVillages,
    ByWorkload,
    Strategy,
)
from gridgeo.plan import Plan
from gridgeo.units import build_units

__all__ = [
    "ByCommunity",
    "ByHouseholds",
    "ByIndustry",
    "ByVillages",
    "ByWorkload",
    "partition",
]

ALL = "__all__"


def partition(
    data: County | gpd.GeoDataFrame | nx.Graph,
    strategy: Strategy | Mapping[str, Strategy] | None = None,
    *,
    n_grids: int | None = None,
    zone_column: str | None = None,
    respect: str | None = "auto",
    weight: str | None = None,
    id_col: str | None = None,
    seed: SeedLike = None,
    strict: bool = True,
    locked: Mapping[str, int] | None = None,
    time_limit: float = 10.0,
) -> Plan:
    """Cut a county (or any polygon units or graph) into service grids.

    The county is split into independent problems — one per zone and township
    (``respect``). A township under household bounds is solved exactly when its
    possible grids are few enough to list: the least-travel set of connected
    in-bounds grids covering every unit (see :mod:`gridgeo.partition._setpart`).
    Every other problem is solved by seeded location–allocation with a
    capacitated MILP (``scipy.optimize.milp``), contiguity repair and boundary
    refinement (see :mod:`gridgeo.partition._engine`). With ``n_grids`` and
    ``ByHouseholds(split=True)`` a final min-cost flow between neighbouring grids
    moves households across borders, cutting at most one village per grid border,
    so the counts meet a tight tolerance.

    Parameters
    ----------
    data
        A :class:`~gridgeo.County`; or a GeoDataFrame of polygon units (with
        ``weight=`` naming the balancing column, e.g. ``"TOTPOP"``); or a networkx
        graph whose nodes carry ``weight`` (and ``x``/``y`` when known).
    strategy
        A strategy (:class:`ByHouseholds`, :class:`ByVillages`, :class:`ByIndustry`,
        :class:`ByCommunity`, :class:`ByWorkload`), or a dict ``{zone: strategy}``
        used with ``zone_column``. Default ``ByHouseholds()`` (500–1,000 households).
    n_grids
        Exactly this many grids, balanced by households (shortcut for
        ``ByHouseholds(n_grids=n_grids)``; with a strategy, overrides its count).
    zone_column
        Village column naming each village's zone, for a dict of strategies.
    respect
        Column whose borders no grid may cross; ``"auto"`` (default) uses
        ``town_id`` when there is more than one township, ``None`` lifts it.
    weight
        Balancing column of a GeoDataFrame or graph input.
    id_col
        Unit id column of a GeoDataFrame input (default the index).
    seed
        Use an int to make the result deterministic.
    strict
        Raise :class:`~gridgeo.errors.InfeasiblePartitionError` when bounds cannot
        be met; with ``False`` return the best plan and warn
        (:class:`~gridgeo.errors.OutOfBoundsWarning`) listing every grid out of bounds.
    locked
        ``{unit_id: grid_id}`` of units to keep in their grids (see
        :meth:`Plan.lock`); the rest is partitioned anew.
    time_limit
        Seconds per MILP solve.

    Returns
    -------
    Plan
        The plan: ``plan.units``, ``plan.grids``, ``plan.household_grid``,
        ``plan.metrics``, ``plan.bridges``, ``plan.params``.

    Raises
    ------
    InfeasiblePartitionError
        Bounds that no plan can meet, naming the township or unit and why.
    ValidationError
        Bad arguments (unknown zone, missing column, ...).

    Examples
    --------
    >>> import gridgeo as gg
    >>> county = gg.datasets.sample_county()
    >>> plan = gg.partition(county, gg.ByHouseholds(min=400, max=1000), seed=0)
    >>> plan.metrics["contiguous_share"]
    1.0
    """
    rng = check_random_state(seed)
    source = from_input(data, weight=weight, id_col=id_col)
    specs, zone_of = _resolve_strategies(source, strategy, n_grids, zone_column)
    respect_col = _resolve_respect(source, respect)
    parts = _parts_to_split(source, specs, zone_of)
    community = {z for z, s in specs.items() if isinstance(s, ByCommunity)}
    clustered = {v for v, z in zone_of.items() if z in community}
    units, household_unit = build_units(
        source.villages, source.households, parts, clustered=clustered
    )
    if source.adjacency is not None:
        units[UNIT_ID] = units[VILLAGE_ID]
        adjacency, bridges = source.adjacency, source.bridges
    else:
        adjacency, bridges = units_adjacency(units)
    unit_zone, unit_group = plan_groups(
        units, units[VILLAGE_ID].map(zone_of).to_numpy(), specs, respect_col, adjacency
    )
    xy_km = _unit_xy(units, source.households, household_unit) / 1000.0
    labels = np.full(len(units), -1, dtype=np.int64)
    fixed = 0
    if locked:
        lock = units[UNIT_ID].map(dict(locked))
        has = lock.notna().to_numpy()
        codes, uniq = pd.factorize(lock[has], sort=True)
        labels[has] = codes
        fixed = len(uniq)
    household_xy = _household_positions(source, units, household_unit)
    samples = _unit_samples(household_xy, len(units))
    unit_households = units[HOUSEHOLDS].to_numpy(dtype=float)
    problems = build_problems(
        units,
        specs,
        unit_zone,
        unit_group,
        respect_col,
        labels >= 0,
        source,
        strict=strict,
        household_xy=household_xy,
    )
    bounds: list[dict[str, object]] = [
        {
            "measure": HOUSEHOLDS,
            "lo": np.nan,
            "hi": np.nan,
            "target": np.nan,
            "strategy": "locked",
        }
    ] * fixed
    offset = fixed
    jobs = []
    base = int(rng.integers(2**62))
    restarts = []
    for prob, spec in problems:
        # each problem draws from its own stream, named by its first unit: a
        # township's plan does not change when another's rule, lock or size does
        first = str(units[UNIT_ID].iat[int(prob.idx[0])]) if len(prob.idx) else ""
        key = zlib.crc32(f"{prob.name}|{first}".encode())
        prng = np.random.default_rng([base, key])
        w = unit_weights(units, spec, source)
        if isinstance(spec, ByWorkload):
            units.loc[prob.idx, "workload_min"] = w[prob.idx]
        # cutting a unit needs its households: only a County has them
        split = _splits(spec) and prob.k > 1 and source.county is not None
        local, shares = _solve_problem(
            prob,
            spec,
            xy_km,
            w,
            adjacency,
            prng,
            split,
            time_limit=time_limit,
            households=unit_households,
            samples=samples,
        )
        # indivisible units: another seed, other grid counts, or growing grids by
        # merging may fit; the least violation wins, then the least travel
        if not split and violation(prob, local, w) > 0:
            tries = [(violation(prob, local, w), 0, prob, local, shares)]
            # fresh seedings pay for village counts and for townships proven to
            # have no plan within bounds (the best one is wanted); a grid count
            # with household bounds is met by the border routing and its restarts
            retries = (
                RETRIES
                if prob.count is not None or prob.note
                else int(spec.n_grids is None)
            )
            others = [prob] * retries
            others += [with_k(prob, k, w) for k in prob.alternatives[:2]]
            for n, other in enumerate(others, start=1):
                l2, s2 = solve(other, xy_km, w, adjacency, prng, time_limit=time_limit)
                tries.append((violation(other, l2, w), n, other, l2, s2))
                if tries[-1][0] == 0:
                    break
            for overflow in (True, False):
                if spec.n_grids is not None or min(t[0] for t in tries) == 0:
                    break
                merged = solve_by_merging(prob, xy_km, w, adjacency, overflow=overflow)
                other = with_k(prob, int(merged.max()) + 1, w)
                score = violation(other, merged, w)
                tries.append((score, len(tries), other, merged, []))
            _, _, prob, local, shares = min(
                tries,
                key=lambda t: (t[0], _burden(xy_km[t[2].idx], w[t[2].idx], t[3]), t[1]),
            )
        labels[prob.idx] = local + offset
        grids = np.arange(offset, offset + prob.k)
        if split:
            moved = [(int(prob.idx[i]), g + offset, f) for i, g, f in shares]
            jobs.append((grids, prob.lo, prob.hi, moved, True))
        elif (
            spec.n_grids is not None
            and not isinstance(spec, ByWorkload)
            and misses_bounds(prob, local, w)
        ):  # whole units only: route border units between grids
            jobs.append((grids, prob.lo, prob.hi, [], False))
            if prob.count is None:  # restarts weigh household bounds only
                restarts.append((grids, prob, w, prng))
        offset += prob.k
        bounds.extend([_bound_row(prob, spec)] * prob.k)
    if jobs:
        units, household_unit, labels, adjacency, bridges = balance_with_splits(
            units, household_unit, labels, adjacency, bridges, source.households, jobs
        )
        whole = [(g, lo, hi) for g, lo, hi, _, cuts in jobs if not cuts]
        # whole units only: mend what the border flows left, then straighten the
        # borders the flows made ragged
        if whole:
            xy = _unit_xy(units, source.households, household_unit) / 1000.0
            w_units = units[HOUSEHOLDS].to_numpy(dtype=float)
            for grids, lo, hi in whole:
                labels = recut_borders(labels, grids, adjacency, w_units, lo, hi, xy)
                labels = smooth_borders(labels, grids, adjacency, w_units, lo, hi, xy)
            # routing whole units depends on where it starts: a problem still out
            # of bounds starts again from fresh seedings, the better plan kept
            for grids, prob, w, prng in restarts:
                labels = _restart_whole(
                    labels,
                    grids,
                    prob,
                    w,
                    prng,
                    xy_km,
                    xy,
                    w_units,
                    adjacency,
                    (units, household_unit, bridges, source.households),
                    time_limit,
                )
    params = {
        "strategy": _describe(strategy, n_grids),
        "zone_column": zone_column,
        "respect": respect_col,
        "seed": seed if isinstance(seed, int | None) else "Generator",
        "strict": strict,
        "time_limit": time_limit,
        # what "households" holds: the weight column of a frame or graph
        "weight": HOUSEHOLDS if source.county is not None else weight or HOUSEHOLDS,
        "_strategy": strategy if strategy is not None else specs.get(ALL),
    }
    plan = Plan.from_assignment(
        units,
        labels,
        county=source.county,
        households=source.households,
        household_unit=household_unit,
        adjacency=adjacency,
        bridges=bridges,
        bounds=pd.DataFrame(bounds),
        params=params,
    )
    _check_bounds(plan, strict)
    return plan


def _resolve_strategies(
    source: Source,
    strategy: Strategy | Mapping[str, Strategy] | None,
    n_grids: int | None,
    zone_column: str | None,
) -> tuple[dict[str, Strategy], dict[str, str]]:
    villages = source.villages
    if isinstance(strategy, Mapping):
        if zone_column is None:
            msg = (
                "A dict of strategies needs zone_column=<village column naming zones>."
            )
            raise ValidationError(msg)
        if zone_column not in villages:
            msg = (
                f"zone_column={zone_column!r} is not a village column; columns are "
                f"{list(villages.columns)}."
            )
            raise ValidationError(msg)
        zones = villages[zone_column].astype(str)
        missing = sorted(set(zones) - set(map(str, strategy)))
        if missing:
            msg = (
                f"No strategy for zone(s) {missing} of column {zone_column!r}; "
                f"strategies were given for {sorted(map(str, strategy))}."
            )
            raise ValidationError(msg)
        specs = {str(z): s for z, s in strategy.items() if str(z) in set(zones)}
        if n_grids is not None:
            msg = (
                "n_grids= cannot be combined with a dict of strategies; "
                "set n_grids per strategy."
            )
            raise ValidationError(msg)
        return specs, dict(zip(villages[VILLAGE_ID], zones, strict=True))
    if strategy is None:
        strategy = ByHouseholds(n_grids=n_grids) if n_grids else ByHouseholds()
    elif n_grids is not None:
        strategy = replace(strategy, n_grids=n_grids)
    if not isinstance(
        strategy, ByHouseholds | ByVillages | ByIndustry | ByCommunity | ByWorkload
    ):
        msg = (
            f"Unknown strategy {strategy!r}; "
            "use gg.ByHouseholds(...), gg.ByVillages(...), ..."
        )
        raise ValidationError(msg)
    return {ALL: strategy}, dict.fromkeys(villages[VILLAGE_ID], ALL)


def _resolve_respect(source: Source, respect: str | None) -> str | None:
    if respect is None:
        return None
    if respect == "auto":
        v = source.villages
        return TOWN_ID if TOWN_ID in v and v[TOWN_ID].nunique() > 1 else None
    if respect not in source.villages:
        cols = list(source.villages.columns)
        msg = f"respect={respect!r} is not a column; columns are {cols}."
        raise ValidationError(msg)
    return respect


def _parts_to_split(
    source: Source, specs: dict[str, Strategy], zone_of: dict[str, str]
) -> pd.Series:
    """Parts per village for villages too big for one grid (and community units)."""
    v = source.villages
    if source.adjacency is not None:
        return pd.Series(dtype=int)
    zone = v[VILLAGE_ID].map(zone_of)
    hh = v[HOUSEHOLDS].to_numpy(dtype=float)
    parts = np.ones(len(v), dtype=int)
    for z, spec in specs.items():
        mask = (zone == z).to_numpy()
        if isinstance(spec, ByVillages):
            cap = spec.households[1] if spec.households else np.inf
            size = cap
        elif isinstance(spec, ByCommunity):
            size = spec.part_households or max(spec.min // 2, 1)
            cap = 1.5 * size
        elif spec.n_grids:
            size = hh[mask].sum() / spec.n_grids
            cap = size * (1 + spec.tolerance)
        else:
            # parts of about the middle of the bounds leave room for a small
            # neighbouring village in the same grid, but never fall under min
            over = mask & (hh > spec.max)
            h = hh[over]
            fewest = np.ceil(h / spec.max - 1e-9)
            most = np.floor(h / max(spec.min, 1) + 1e-9) if spec.min else np.inf
            mid = np.ceil(h / ((spec.min + spec.max) / 2) - 1e-9)
            parts[over] = np.maximum(2, np.clip(mid, fewest, np.maximum(most, fewest)))
            continue
        over = mask & (hh > cap)
        parts[over] = np.maximum(2, np.ceil(hh[over] / size - 1e-9)).astype(int)
    split = parts > 1
    return pd.Series(parts[split], index=v[VILLAGE_ID].to_numpy()[split])


def _restart_whole(
    labels: np.ndarray,
    grids: np.ndarray,
    prob: Problem,
    w: np.ndarray,
    prng: np.random.Generator,
    xy_km: np.ndarray,
    xy: np.ndarray,
    w_units: np.ndarray,
    adjacency: object,
    plan_parts: tuple,
    time_limit: float,
) -> np.ndarray:
    """Solve, route and mend a whole-unit problem again while it misses its bounds.

    Returns
    -------
    numpy.ndarray
        The labels of the plan with the least miss found (the given ones if no
        restart does better).
    """
    units, household_unit, bridges, households = plan_parts
    lo, hi = prob.lo, prob.hi
    for _ in range(WHOLE_RESTARTS):
        if _miss(labels, grids, w_units, lo, hi) == 0:
            break
        # the rounds from k-means++ seedings tend to one plan; centres drawn at
        # random units (by weight) and a few rounds give starts that differ
        idx = prob.idx
        chance = w[idx] + 1e-9  # units of no weight may be drawn too
        pick = prng.choice(len(idx), prob.k, replace=False, p=chance / chance.sum())
        fresh = replace(prob, seeds=xy_km[idx[pick]])
        local, _ = solve(
            fresh, xy_km, w, adjacency, prng, time_limit=time_limit, max_iter=2
        )
        trial = labels.copy()
        trial[prob.idx] = local + grids[0]
        job = [(grids, lo, hi, [], False)]
        trial = balance_with_splits(
            units, household_unit, trial, adjacency, bridges, households, job
        )[2]
        trial = recut_borders(trial, grids, adjacency, w_units, lo, hi, xy)
        trial = smooth_borders(trial, grids, adjacency, w_units, lo, hi, xy)
        if _miss(trial, grids, w_units, lo, hi) < _miss(labels, grids, w_units, lo, hi):
            labels = trial
    return labels


def _burden(xy: np.ndarray, w: np.ndarray, labels: np.ndarray) -> float:
    """Weighted mean distance of units to their grid's weighted centre."""
    per_grid, _ = travel_burden(xy, labels, w)
    mass = np.bincount(labels, weights=w, minlength=len(per_grid))
    return float(per_grid @ mass / max(w.sum(), 1e-12))


def _miss(
    labels: np.ndarray, grids: np.ndarray, w: np.ndarray, lo: float, hi: float
) -> float:
    """Return how far the grids' weights lie outside ``[lo, hi]``, summed."""
    load = np.bincount(labels, weights=w, minlength=int(grids.max()) + 1)[grids]
    return float(_violation(load, lo, hi).sum())


def _unit_xy(
    units: gpd.GeoDataFrame, households: gpd.GeoDataFrame, household_unit: pd.Series
) -> np.ndarray:
    """Household centre of each unit (its representative point when it has none)."""
    xy = shapely.get_coordinates(units.geometry.representative_point().values)
    if len(households) and households.geometry.notna().all():
        pos = pd.Series(np.arange(len(units)), index=units[UNIT_ID].to_numpy())
        where = household_unit.map(pos).to_numpy()
        ok = ~pd.isna(where)
        where = where[ok].astype(np.int64)
        pts = shapely.get_coordinates(households.geometry.values[ok])
        n = np.bincount(where, minlength=len(units))
        has = n > 0
        for d in (0, 1):
            xy[has, d] = (
                np.bincount(where, weights=pts[:, d], minlength=len(units))[has]
                / n[has]
            )
    return xy


def _household_positions(
    source: Source, units: gpd.GeoDataFrame, household_unit: pd.Series
) -> tuple[np.ndarray, np.ndarray] | None:
    """Household coordinates (m) and their unit positions, for community seeding."""
    hh = source.households
    if not len(hh) or not hh.geometry.notna().all():
        return None
    pos = pd.Series(np.arange(len(units)), index=units[UNIT_ID].to_numpy())
    where = household_unit.map(pos).to_numpy()
    ok = ~pd.isna(where)
    return shapely.get_coordinates(hh.geometry.values[ok]), where[ok].astype(np.int64)


def _unit_samples(
    household_xy: tuple[np.ndarray, np.ndarray] | None, n: int
) -> list[np.ndarray] | None:
    """Up to ``SAMPLE`` household points (km) per unit, evenly spread over its list."""
    if household_xy is None:
        return None
    pts, where = household_xy
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(n + 1))
    out = []
    for u in range(n):
        members = order[bounds[u] : bounds[u + 1]]
        if len(members) > SAMPLE:
            members = members[np.linspace(0, len(members) - 1, SAMPLE).astype(int)]
        out.append(pts[members] / 1000.0)
    return out


WHOLE_RESTARTS = 3
"""Fresh starts of a whole-unit problem the border routing left out of bounds."""

RETRIES = 4
"""Fresh seedings of a whole-unit problem whose first plan missed its bounds."""

SMALL_PROBLEM = 40
"""Units up to which a bounds-only problem is first tried by merging neighbours."""

EXACT_PROBLEM = 120
"""Units up to which a bounds-only problem is first solved exactly."""


def _solve_problem(
    prob: Problem,
    spec: Strategy,
    xy_km: np.ndarray,
    w: np.ndarray,
    adjacency: object,
    rng: np.random.Generator,
    split: bool,
    *,
    time_limit: float,
    households: np.ndarray,
    samples: list[np.ndarray] | None,
) -> tuple[np.ndarray, list]:
    """Solve one problem; small bounds-only ones exactly or by merging if possible."""
    bounds_only = (
        not split
        and spec.n_grids is None
        and prob.count is None
        and prob.categories is None
    )
    if bounds_only and len(prob.idx) <= EXACT_PROBLEM:
        labels = _solve_exact(
            prob, xy_km, w, adjacency, households, samples, time_limit
        )
        if labels is not None:
            prob.k = int(labels.max()) + 1
            return labels, []
    if bounds_only and len(prob.idx) <= SMALL_PROBLEM:
        # a township of a few dozen villages: growing grids by merging neighbours
        # meets the bounds at once far more often than not, at a tiny cost
        for overflow in (True, False):
            merged = solve_by_merging(prob, xy_km, w, adjacency, overflow=overflow)
            other = with_k(prob, int(merged.max()) + 1, w)
            if violation(other, merged, w) == 0:
                prob.k = other.k
                return merged, []
    return solve(
        prob,
        xy_km,
        w,
        adjacency,
        rng,
        time_limit=time_limit,
        split=split,
        samples=samples,
    )


def _solve_exact(
    prob: Problem,
    xy_km: np.ndarray,
    w: np.ndarray,
    adjacency: object,
    households: np.ndarray,
    samples: list[np.ndarray] | None,
    time_limit: float,
) -> np.ndarray | None:
    """Least-burden exact cover by feasible grids; ``None`` if too big or none."""
    idx = prob.idx
    adj = adjacency[idx][:, idx].tocsr()
    groups = enumerate_grids(adj, w[idx], prob.lo - 1e-9, prob.hi + 1e-9)
    if groups is None:
        return None
    cands = Candidates(groups, len(idx))
    points = [samples[i] for i in idx] if samples is not None else None
    cost = grid_costs(cands, xy_km[idx], households[idx], points)
    labels, infeasible = solve_exact(cands, cost, time_limit=time_limit)
    if infeasible:
        prob.note = (
            f"no way to group the {len(idx)} units of {prob.name} into contiguous "
            f"grids of {prob.lo:,.0f}–{prob.hi:,.0f} without cutting one (all "
            f"{len(groups):,} connected groups within the bounds were checked)"
        )
    return labels


def _splits(spec: Strategy) -> bool:
    return getattr(spec, "split", False) and spec.n_grids is not None


def _bound_row(prob: Problem, spec: Strategy) -> dict[str, object]:
    name = type(spec).__name__
    if isinstance(spec, ByVillages):
        lo, hi = float(spec.min), float(spec.max)
        measure = "villages"
    else:
        lo, hi = prob.lo, prob.hi
        measure = "workload_min" if isinstance(spec, ByWorkload) else HOUSEHOLDS
    return {
        "measure": measure,
        "lo": lo,
        "hi": hi,
        "target": (lo + hi) / 2,
        "strategy": name,
        "note": prob.note,
    }


def _describe(strategy: object, n_grids: int | None) -> str:
    if isinstance(strategy, Mapping):
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in strategy.items()) + "}"
    if strategy is None:
        return repr(ByHouseholds(n_grids=n_grids) if n_grids else ByHouseholds())
    return repr(strategy)


def _check_bounds(plan: Plan, strict: bool) -> None:
    out = plan.out_of_bounds()
    if out.empty:
        return
    lines = [
        f"grid {r.grid_id} ({r.town_id}): {r.value:,.0f} {r.measure} outside "
        f"[{r.lo:,.0f}, {r.hi:,.0f}]" + (f": {r.reason}" if r.reason else "")
        for r in out.itertuples()
    ]
    msg = (
        f"{len(out)} of {plan.n_grids} grids miss their bounds:\n  "
        + "\n  ".join(lines[:50])
        + ("\n  ..." if len(lines) > 50 else "")
    )
    if strict:
        raise InfeasiblePartitionError(
            msg
            + "\nPass strict=False to get the best plan anyway, or widen the bounds."
        )
    warnings.warn(msg, OutOfBoundsWarning, stacklevel=3)
