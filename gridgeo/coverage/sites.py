"""Where to add service points: MCLP, LSCP and p-median over a County's demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgeo._columns import HOUSEHOLD_ID, TOWN_ID, VILLAGE_ID
from gridgeo._rng import check_random_state, sklearn_seed
from gridgeo.coverage._common import WEIGHT, demand_points, resolve, site_frame
from gridgeo.coverage._milp import SiteSolution, solve_lscp, solve_mclp, solve_pmedian
from gridgeo.coverage.travel import Router
from gridgeo.errors import ValidationError

__all__ = ["SiteSelection", "aggregate_demand", "select_sites"]

Model = Literal["mclp", "lscp", "pmedian"]


@dataclass(frozen=True, eq=False)
class SiteSelection:
    """The result of :func:`select_sites`.

    Attributes
    ----------
    sites
        GeoDataFrame (County CRS) of every existing and candidate site: ``site_id``,
        ``town_id``, ``existing`` (bool, kept open), ``selected`` (bool), ``new``
        (selected and not existing), ``households`` (demand weight it serves).
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    objective, bound, gap, status, seconds
        From the solver: covered households (MCLP), number of sites (LSCP) or
        household-weighted km / minutes (p-median); a proven bound; the relative gap.
    method
        ``"road"`` or ``"straight-line"``.
    demand_level
        ``"households"``, ``"villages"`` or ``"clusters"``.
    aggregation
        ``n_points``, ``mean_km`` / ``max_km`` (straight-line km from households to
        their demand point) and, for covering models, ``mismatch_share`` (households
        whose own coverage differs from their demand point's under the chosen sites).
    household_coverage
        Share of households covered by the chosen sites evaluated per household
        (covering models), else the household-weighted mean cost.
    """

    sites: gpd.GeoDataFrame
    model: str
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    method: str
    demand_level: str
    aggregation: dict[str, float] = field(default_factory=dict)
    household_coverage: float = float("nan")
    solution: SiteSolution | None = field(default=None, repr=False)

    @property
    def selected(self) -> gpd.GeoDataFrame:
        """The open sites (existing and new)."""
        return self.sites[self.sites["selected"]].copy()

    def __repr__(self) -> str:
        return (
            f"<SiteSelection {self.model}: {int(self.sites['selected'].sum())} sites "
            f"({int(self.sites['new'].sum())} new), objective {self.objective:,.2f}, "
            f"gap {self.gap:.2%}, {self.status}>"
        )


def aggregate_demand(
    demand: gpd.GeoDataFrame,
    *,
    level: str,
    max_points: int = 5000,
    seed: int | np.random.Generator | None = 0,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Aggregate household demand points to villages or k-means clusters.

    The point of a village or cluster is the mean of its households' coordinates.

    Parameters
    ----------
    demand
        Demand points with ``household_id``, ``village_id``, ``town_id``, ``weight``.
    level
        ``"households"`` (no change), ``"villages"`` or ``"clusters"``.
    max_points
        Number of clusters for ``"clusters"``.
    seed
        Seed of k-means. Use an int to make the result deterministic.

    Returns
    -------
    tuple
        The aggregated GeoDataFrame (``household_id`` = group label, ``town_id`` of
        the group's first household, ``weight``) and, per input row, the position of
        its group.
    """
    if level == "households":
        return demand, np.arange(len(demand))
    xy = shapely.get_coordinates(demand.geometry.to_numpy())
    if level == "villages":
        key, group = np.unique(
            demand[VILLAGE_ID].to_numpy().astype(str), return_inverse=True
        )
    elif level == "clusters":
        from sklearn.cluster import MiniBatchKMeans

        rng = check_random_state(seed)
        k = min(max_points, len(demand))
        km = MiniBatchKMeans(
            n_clusters=k, random_state=sklearn_seed(rng), n_init=1, batch_size=4096
        )
        group = km.fit_predict(xy)
        key = np.array([f"c{i}" for i in range(k)])
    else:
        msg = (
            "demand must be 'auto', 'households', 'villages' or 'clusters'; "
            f"got {level!r}."
        )
        raise ValidationError(msg)
    group = group.ravel()
    w = demand[WEIGHT].to_numpy(float)
    ng = len(key)
    sw = np.bincount(group, weights=w, minlength=ng)
    cx = np.bincount(group, weights=w * xy[:, 0], minlength=ng) / np.maximum(sw, 1e-12)
    cy = np.bincount(group, weights=w * xy[:, 1], minlength=ng) / np.maximum(sw, 1e-12)
    first = pd.Series(np.arange(len(group))).groupby(group).first().to_numpy()
    used = np.flatnonzero(np.bincount(group, minlength=ng) > 0)
    remap = np.full(ng, -1)
    remap[used] = np.arange(len(used))
    out = gpd.GeoDataFrame(
        {
            HOUSEHOLD_ID: key[used],
            VILLAGE_ID: demand[VILLAGE_ID].to_numpy()[first],
            TOWN_ID: demand[TOWN_ID].to_numpy()[first],
            WEIGHT: sw[used],
        },
        geometry=shapely.points(cx[used], cy[used]),
        crs=demand.crs,
    )
    return out, remap[group]


def select_sites(
    county_or_plan: Any,
    *,
    model: Model = "mclp",
    p: int | None = None,
    max_km: float | None = None,
    max_minutes: float | None = None,
    candidates: Any = None,
    existing: Any = None,
    min_per_town: int | dict[str, int] | None = None,
    max_per_town: int | dict[str, int] | None = None,
    capacity_col: str | None = None,
    demand: str = "auto",
    max_demand: int = 5000,
    time_limit: float = 60.0,
    gap_target: float = 0.005,
    seed: int | np.random.Generator | None = 0,
) -> SiteSelection:
    """Choose service-point sites: maximal covering, set covering or p-median.

    Existing service points stay open; candidates are chosen among
    ``county.candidate_sites`` (or ``candidates``). Costs are road km / minutes on the
    County's network (straight-line × detour without roads). Covering models and the
    township rules are solved exactly with :func:`scipy.optimize.milp` (HiGHS); the
    p-median with a Lagrangian lower bound and interchange upper bound, then a
    sparsified strong MILP when the gap is above ``gap_target`` (see
    :mod:`gridgeo.coverage._milp`). The gap is always reported.

    Parameters
    ----------
    county_or_plan
        A :class:`gridgeo.County` or :class:`gridgeo.Plan`.
    model
        ``"mclp"`` (``p`` sites covering most households), ``"lscp"`` (fewest sites
        covering every coverable household) or ``"pmedian"`` (``p`` sites, least
        household-weighted distance or time).
    p
        Total number of open sites, existing ones included (MCLP, p-median).
    max_km, max_minutes
        Coverage limit (covering models; one is required). For the p-median,
        ``max_minutes`` switches the cost from km to minutes.
    candidates
        Candidate sites (points; ``site_id``, ``town_id`` optional); default
        ``county.candidate_sites``.
    existing
        Existing sites kept open; default ``county.service_points``.
    min_per_town, max_per_town
        Open sites per township: a number or a dict ``town_id -> number`` (the bank's
        rule is ``min_per_town=1, max_per_town=2``), counted over existing + new.
    capacity_col
        Column of candidates / existing sites with the maximum households served.
    demand
        ``"auto"`` (households when at most ``max_demand``, else villages, else
        k-means clusters), ``"households"``, ``"villages"`` or ``"clusters"``.
    max_demand
        Largest number of demand points before aggregating (and the cluster count).
    time_limit
        Seconds for the solver.
    gap_target
        Relative gap at which the p-median stops.
    seed
        Seed of the clustering. Use an int to make the result deterministic.

    Returns
    -------
    SiteSelection

    Raises
    ------
    gridgeo.errors.InfeasibleError
        The township rules cannot be met (the message names the township).
    gridgeo.errors.ValidationError
        Missing limit, ``p`` or sites.
    """
    county, plan = resolve(county_or_plan)
    if model not in ("mclp", "lscp", "pmedian"):
        msg = f"model must be 'mclp', 'lscp' or 'pmedian'; got {model!r}."
        raise ValidationError(msg)
    if model != "pmedian" and max_km is None and max_minutes is None:
        msg = f"model={model!r} needs a coverage limit: max_km= or max_minutes=."
        raise ValidationError(msg)
    if model != "lscp" and p is None:
        msg = f"model={model!r} needs p= (total number of open sites)."
        raise ValidationError(msg)
    ex = site_frame(
        existing if existing is not None else county.service_points,
        county,
        label="site",
    )
    ca = site_frame(
        candidates if candidates is not None else county.candidate_sites,
        county,
        label="candidate",
    )
    sites = pd.concat(
        [ex.assign(existing=True), ca.assign(existing=False)], ignore_index=True
    )
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=county.crs)
    if len(sites) == 0:
        msg = "No existing or candidate sites to choose from."
        raise ValidationError(msg)
    hh = demand_points(county, plan)
    level = demand
    if demand == "auto":
        n_v = hh[VILLAGE_ID].nunique()
        level = (
            "households"
            if len(hh) <= max_demand
            else ("villages" if n_v <= max_demand else "clusters")
        )
    if hh.attrs.get("level") == "villages" and level == "households":
        level = "villages"
    pts, group = (
        aggregate_demand(hh, level=level, max_points=max_demand, seed=seed)
        if hh.attrs.get("level") == "households"
        else (hh, np.arange(len(hh)))
    )
    router = Router.of(county)
    weight = "minutes" if max_minutes is not None else "km"
    limit = max_minutes if max_minutes is not None else max_km
    w = pts[WEIGHT].to_numpy(float)
    fixed = np.flatnonzero(sites["existing"].to_numpy())
    cap = None
    if capacity_col is not None:
        if capacity_col not in sites:
            msg = f"capacity_col={capacity_col!r} is not a column of the sites."
            raise ValidationError(msg)
        cap = (
            pd.to_numeric(sites[capacity_col], errors="coerce")
            .fillna(np.inf)
            .to_numpy()
        )
    rules = {
        "fixed": fixed,
        "towns": sites[TOWN_ID].to_numpy(),
        "all_towns": county.villages[TOWN_ID].astype(str).unique(),
        "min_per_town": min_per_town,
        "max_per_town": max_per_town,
        "capacity": cap,
    }
    if model == "pmedian":
        cost = router.matrix(sites, pts, weight=weight).T
        sol = solve_pmedian(
            cost, w, int(p), time_limit=time_limit, gap_target=gap_target, **rules
        )  # type: ignore[arg-type]
    else:
        cost = router.matrix(sites, pts, weight=weight, limit=limit).T
        cover = np.isfinite(cost)
        if model == "mclp":
            sol = solve_mclp(cover, w, int(p), time_limit=time_limit, **rules)  # type: ignore[arg-type]
        else:
            sol = solve_lscp(cover, weights=w, time_limit=time_limit, **rules)
    selected = np.zeros(len(sites), dtype=bool)
    selected[sol.selected] = True
    served = np.bincount(
        sol.assignment[sol.assignment >= 0],
        weights=w[sol.assignment >= 0],
        minlength=len(sites),
    )
    out = sites.copy()
    out["selected"] = selected
    out["new"] = selected & ~out["existing"].to_numpy()
    out["households"] = served
    agg, hcov = _aggregation_error(
        hh, pts, group, router, out[selected], model, weight, limit, sol
    )
    return SiteSelection(
        sites=out,
        model=model,
        objective=sol.objective,
        bound=sol.bound,
        gap=sol.gap,
        status=sol.status,
        seconds=sol.seconds,
        method=router.method,
        demand_level=level,
        aggregation=agg,
        household_coverage=hcov,
        solution=sol,
    )


def _aggregation_error(
    hh: gpd.GeoDataFrame,
    pts: gpd.GeoDataFrame,
    group: np.ndarray,
    router: Router,
    chosen: gpd.GeoDataFrame,
    model: str,
    weight: str,
    limit: float | None,
    sol: SiteSolution,
) -> tuple[dict[str, float], float]:
    a = shapely.get_coordinates(hh.geometry.to_numpy())
    b = shapely.get_coordinates(pts.geometry.to_numpy())[group]
    d = np.hypot(*(a - b).T) / 1000.0
    w = hh[WEIGHT].to_numpy(float)
    agg = {
        "n_points": float(len(pts)),
        "mean_km": float((d * w).sum() / w.sum()) if len(d) else 0.0,
        "max_km": float(d.max()) if len(d) else 0.0,
    }
    near = router.nearest(
        chosen, hh, weight=weight, limit=limit if model != "pmedian" else None
    )  # type: ignore[arg-type]
    if model == "pmedian":
        cost = near[weight].to_numpy()
        return agg, float(np.nansum(cost * w) / w.sum())
    own = near["source"].to_numpy() >= 0
    agg_cov = (sol.assignment >= 0)[group]
    agg["mismatch_share"] = float((w * (own != agg_cov)).sum() / w.sum())
    return agg, float((w * own).sum() / w.sum())
