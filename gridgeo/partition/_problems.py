"""Cut a partition job into independent problems: one per zone and township."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from gridgeo._columns import HOUSEHOLDS, TOWN_NAME, UNIT_ID, VILLAGE_ID
from gridgeo.errors import InfeasiblePartitionError
from gridgeo.graph import components_within
from gridgeo.partition._apportion import (
    apportion_count,
    choose_in_range,
    grids_for_bounds,
)
from gridgeo.partition._engine import Problem
from gridgeo.partition.strategies import (
    ByCommunity,
    ByIndustry,
    ByVillages,
    ByWorkload,
    Strategy,
)

__all__ = ["build_problems", "plan_groups", "unit_weights", "with_k"]


def unit_weights(units: gpd.GeoDataFrame, spec: Strategy, source: object) -> np.ndarray:
    """Return the balancing weight of every unit (households or workload)."""
    hh = units[HOUSEHOLDS].to_numpy(dtype=float)
    if not isinstance(spec, ByWorkload):
        return hh
    return workload_minutes(units, spec)


def workload_minutes(units: gpd.GeoDataFrame, spec: ByWorkload) -> np.ndarray:
    """Minutes per visit cycle of each unit: visits plus travel between households.

    Travel is the length of a round through ``n`` households spread over the unit's
    area ``A``: about ``0.7·sqrt(n·A)`` (Beardwood–Halton–Hammersley), times the
    detour factor, at ``speed_kmh``.
    """
    hh = units[HOUSEHOLDS].to_numpy(dtype=float)
    area = units.geometry.area.to_numpy(dtype=float)
    tour_km = 0.7 * np.sqrt(hh * area) / 1000.0 * spec.detour
    return hh * spec.visit_minutes + tour_km / spec.speed_kmh * 60.0


def _label(
    units: gpd.GeoDataFrame, rows: np.ndarray, col: str | None, group: object
) -> str:
    if col is None:
        return "the county"
    name = ""
    if TOWN_NAME in units and col == "town_id":
        name = f" ({units[TOWN_NAME].iloc[rows[0]]})"
    return f"{col} {units[col].iloc[rows[0]]}{name}"


def build_problems(
    units: gpd.GeoDataFrame,
    specs: dict[str, Strategy],
    unit_zone: np.ndarray,
    unit_group: np.ndarray,
    respect: str | None,
    locked: np.ndarray,
    source: object,
    *,
    strict: bool,
    household_xy: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[Problem, Strategy]]:
    """One :class:`Problem` per group (see :func:`plan_groups`), with its grid count.

    Raises
    ------
    InfeasiblePartitionError
        When a township's households (or villages) admit no grid count within
        the bounds, or an indivisible unit is larger than a grid may be.
    """
    problems: list[tuple[Problem, Strategy]] = []
    for zone in sorted(specs):
        spec = specs[zone]
        in_zone = np.flatnonzero((unit_zone == zone) & ~locked)
        if len(in_zone) == 0:
            continue
        w = unit_weights(units, spec, source)
        groups = pd.Series(in_zone).groupby(unit_group[in_zone]).apply(np.asarray)
        groups = groups.sort_index()
        counts = _grid_counts(units, spec, groups, w, respect, strict)
        scale = _workload_scale(units, spec, w, in_zone)
        for key, idx in groups.items():
            k, *alternatives = counts[key]
            if k == 0:
                continue
            prob = _make_problem(
                units, spec, idx, k, w, scale, _label(units, idx, respect, key)
            )
            prob.alternatives = tuple(alternatives)
            _check_units(units, prob, w, spec, strict)
            if isinstance(spec, ByCommunity) and household_xy is not None:
                prob.seeds = _community_seeds(idx, k, spec, household_xy, units)
            problems.append((prob, spec))
    return problems


def _workload_scale(
    units: gpd.GeoDataFrame, spec: Strategy, w: np.ndarray, idx: np.ndarray
) -> float:
    """Weight per household equivalent (1 unless ByWorkload)."""
    if not isinstance(spec, ByWorkload):
        return 1.0
    hh = units[HOUSEHOLDS].to_numpy(dtype=float)[idx]
    return float(w[idx].sum() / max(hh.sum(), 1.0))


def _grid_counts(
    units: gpd.GeoDataFrame,
    spec: Strategy,
    groups: pd.Series,
    w: np.ndarray,
    respect: str | None,
    strict: bool,
) -> dict[object, int]:
    totals = {key: float(w[idx].sum()) for key, idx in groups.items()}
    if spec.n_grids is not None:
        hint = (
            "Raise n_grids, or pass respect=None to let grids cross township borders."
        )
        shares = apportion_count(
            totals,
            spec.n_grids,
            what=f"{respect} area" if respect else "area",
            hint=hint,
        )
        return {key: [k] for key, k in shares.items()}
    counts = {}
    scale = _workload_scale(units, spec, w, np.concatenate(list(groups.values)))
    for key, idx in groups.items():
        label = _label(units, idx, respect, key)
        if isinstance(spec, ByVillages):
            n_v = units[VILLAGE_ID].iloc[idx].nunique()
            fewest, most = -(-n_v // spec.max), n_v // spec.min
            ideal = n_v / ((spec.min + spec.max) / 2)
            what = f"{n_v} villages into grids of {spec.min}–{spec.max} villages"
        else:
            lo, hi = spec.min * scale, spec.max * scale
            fewest, most = grids_for_bounds(totals[key], lo, hi)
            ideal = totals[key] / ((lo + hi) / 2)
            hh = units[HOUSEHOLDS].to_numpy()[idx].sum()
            what = (
                f"{hh:,.0f} households into grids of "
                f"{spec.min:,}–{spec.max:,} households"
            )
        if fewest > most:
            if most == 0:
                why = "even a single grid would be too small"
            else:
                why = f"{most} grid(s) would be too big, {fewest} grid(s) too small"
            msg = f"{label} cannot be cut: {what} is impossible ({why})."
            if strict:
                raise InfeasiblePartitionError(
                    msg + " Widen the bounds, use strict=False, or respect=None."
                )
            counts[key] = [max(1, round(ideal))]
        else:
            options = range(fewest, most + 1)
            counts[key] = sorted(options, key=lambda k: (abs(k - ideal), k))[:4]
            counts[key][0] = choose_in_range(ideal, fewest, most)
            counts[key] = list(dict.fromkeys(counts[key]))
    return counts


def _make_problem(
    units: gpd.GeoDataFrame,
    spec: Strategy,
    idx: np.ndarray,
    k: int,
    w: np.ndarray,
    scale: float,
    name: str,
) -> Problem:
    total = float(w[idx].sum())
    if spec.n_grids is not None:
        target = total / k
        lo = np.floor(target * (1 - spec.tolerance))
        hi = np.ceil(target * (1 + spec.tolerance))
    elif isinstance(spec, ByVillages):
        lo = hi = total / k  # balance households as far as the village counts allow
    else:
        lo, hi = spec.min * scale, spec.max * scale
    prob = Problem(idx=np.asarray(idx), k=k, lo=lo, hi=hi, name=name)
    if isinstance(spec, ByVillages):
        vid = units[VILLAGE_ID].to_numpy()[idx]
        parts = pd.Series(vid).map(pd.Series(vid).value_counts()).to_numpy(dtype=float)
        prob.count = 1.0 / parts
        prob.count_lo, prob.count_hi = float(spec.min), float(spec.max)
    if isinstance(spec, ByIndustry):
        if spec.column not in units:
            from gridgeo.errors import ValidationError

            msg = (
                f"ByIndustry(column={spec.column!r}): no such village column; "
                f"columns are {list(units.columns)}."
            )
            raise ValidationError(msg)
        codes, _ = pd.factorize(units[spec.column].astype(str), sort=True)
        prob.categories = codes[idx]
        prob.purity_weight = spec.purity_weight
    return prob


def with_k(prob: Problem, k: int, w: np.ndarray) -> Problem:
    """Return the problem with another grid count (village counts rebalance)."""
    new = replace(prob, k=k, alternatives=(), seeds=None)
    if prob.count is not None:
        new.lo = new.hi = float(w[prob.idx].sum()) / k
    return new


def _check_units(
    units: gpd.GeoDataFrame, prob: Problem, w: np.ndarray, spec: Strategy, strict: bool
) -> None:
    if isinstance(spec, ByVillages) or spec.n_grids is not None:
        return
    big = prob.idx[w[prob.idx] > prob.hi * (1 + 1e-9)]
    if len(big) and strict:
        ids = units[UNIT_ID].to_numpy()[big][:10].tolist()
        msg = (
            f"{len(big)} unit(s) in {prob.name} are larger than a grid may be "
            f"({prob.hi:,.0f}) and cannot be split (no household points or polygon "
            f"to cut): {ids}. Widen max, or use strict=False."
        )
        raise InfeasiblePartitionError(msg)


def _community_seeds(
    idx: np.ndarray,
    k: int,
    spec: ByCommunity,
    household_xy: tuple[np.ndarray, np.ndarray],
    units: gpd.GeoDataFrame,
) -> np.ndarray | None:
    """Centres (km) of the ``k`` largest density clusters of the households."""
    from sklearn.cluster import DBSCAN

    xy, unit_pos = household_xy
    pts = xy[np.isin(unit_pos, idx)]
    if len(pts) < k:
        return None
    if len(pts) > 20_000:  # thinning keeps DBSCAN fast; clusters are dense anyway
        pts = pts[:: len(pts) // 20_000 + 1]
    lab = DBSCAN(eps=spec.eps_m, min_samples=10).fit_predict(pts)
    ok = lab >= 0
    if ok.sum() == 0:
        return None
    sizes = np.bincount(lab[ok])
    top = np.argsort(-sizes, kind="stable")[:k]
    if len(top) < k:
        return None
    centres = np.array([pts[lab == c].mean(axis=0) for c in top]) / 1000.0
    return centres


def plan_groups(
    units: gpd.GeoDataFrame,
    unit_zone: np.ndarray,
    specs: dict[str, Strategy],
    respect: str | None,
    adjacency: sparse.csr_array,
) -> tuple[np.ndarray, np.ndarray]:
    """Zone and problem group of every unit: connected pieces of zone × township.

    A zone may cover two separate patches of one township; each connected patch is
    planned on its own, so no grid has to jump between them. A patch that cannot
    make one grid of its own (fewer households than its strategy's minimum, or under
    half a grid with ``n_grids``) is planned with the zone it shares the most borders
    with inside the same township. The villages keep their ``zone`` attribute; only
    the rule they are planned under changes.

    Returns
    -------
    zone : numpy.ndarray
        The zone each unit is planned under.
    group : numpy.ndarray
        Problem key of each unit (``"<town>#<patch>"``).
    """
    zone = unit_zone.copy()
    hh = units[HOUSEHOLDS].to_numpy(dtype=float)
    town = (
        units[respect].astype(str).to_numpy() if respect else np.full(len(units), "all")
    )
    zone_total = {z: hh[zone == z].sum() for z in specs}
    coo = adjacency.tocoo()
    for _ in range(len(units)):
        patch = _patches(zone, town, adjacency)
        merged = False
        sizes = pd.Series(hh).groupby(patch).sum().sort_values(kind="stable")
        n_patches = pd.Series([k.split("|")[0] for k in sizes.index]).value_counts()
        for key, total in sizes.items():
            members = patch == key
            z = zone[np.argmax(members)]
            spec = specs[z]
            # more patches than grids: the smallest patches must join a neighbour
            scarce = spec.n_grids is not None and n_patches[z] > spec.n_grids
            if len(specs) < 2 or (
                total >= _smallest_grid(spec, zone_total[z]) and not scarce
            ):
                continue
            edge = (
                members[coo.row] & ~members[coo.col] & (town[coo.col] == town[coo.row])
            )
            others = zone[coo.col[edge]]
            others = others[others != z]
            if len(others) == 0:
                continue
            counts = pd.Series(others).value_counts()
            zone[members] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            merged = True
            break
        if not merged:
            return zone, patch
    return zone, _patches(zone, town, adjacency)


def _smallest_grid(spec: Strategy, zone_total: float) -> float:
    if spec.n_grids is not None:
        return 0.5 * zone_total / spec.n_grids
    if isinstance(spec, ByVillages):
        return 0.0
    return float(spec.min)


def _patches(
    zone: np.ndarray, town: np.ndarray, adjacency: sparse.csr_array
) -> np.ndarray:
    """``"<zone>|<town>#<k>"`` for the k-th connected patch of each zone × town."""
    out = np.empty(len(zone), dtype=object)
    frame = pd.DataFrame({"zone": zone, "town": town})
    for (z, t), rows in frame.groupby(["zone", "town"], sort=True).indices.items():
        comp = components_within(adjacency, rows)
        for c in range(comp.max() + 1):
            out[rows[comp == c]] = f"{z}|{t}#{c}"
    return out
