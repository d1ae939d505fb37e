"""Staffing per grid: specialists for a full visit cycle, within the team rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from gridgeo._columns import GRID_ID, HOUSEHOLDS
from gridgeo.coverage._common import WEIGHT, demand_points
from gridgeo.coverage.service import _snap_warning_once
from gridgeo.coverage.travel import Router

__all__ = ["staffing"]


def _travel_per_grid(plan: Any, router: Router) -> pd.Series:
    """Mean one-way minutes from each grid's base household to its households."""
    hh = demand_points(plan.county, plan)
    hh = hh[hh[GRID_ID].notna()]
    xy = shapely.get_coordinates(hh.geometry.to_numpy())
    w = hh[WEIGHT].to_numpy(float)
    g = hh[GRID_ID].to_numpy()
    grids = np.unique(g)
    bases = []
    for k in grids:
        m = g == k
        c = (xy[m] * w[m, None]).sum(0) / w[m].sum()
        bases.append(np.flatnonzero(m)[np.argmin(np.hypot(*(xy[m] - c).T))])
    base_pts = hh.geometry.iloc[bases]
    with _snap_warning_once(plan.county, hh, labels=("sources", "targets")):
        mat = router.matrix(base_pts.reset_index(drop=True), hh, weight="minutes")
    pos = np.searchsorted(grids, g)
    own = mat[pos, np.arange(len(g))]
    s = pd.Series(own * w).groupby(g).sum() / pd.Series(w).groupby(g).sum()
    return s


def staffing(
    plan: Any,
    *,
    visits_per_month: float = 200.0,
    cycle_months: float = 3.0,
    visit_minutes: float = 30.0,
    visits_per_trip: float = 10.0,
    travel: bool | None = None,
    min_specialists: int = 1,
    max_specialists: int = 2,
    party_members: tuple[int, int] = (3, 5),
    households_per_party_member: float = 200.0,
    managers: int = 1,
) -> pd.DataFrame:
    """Staff each grid so every household is visited once per cycle.

    Per grid with ``H`` households:

    - visits needed per month ``V = H / cycle_months``;
    - a specialist's month holds ``visits_per_month × visit_minutes`` minutes; when
      travel is counted, each visit also costs ``t = 2 × T / visits_per_trip``
      minutes, ``T`` being the household-weighted mean one-way travel time from the
      grid's base (the household nearest its weighted centre) to its households, so
      a specialist manages ``c = visits_per_month × visit_minutes / (visit_minutes +
      t)`` visits a month (``c = visits_per_month`` without travel);
    - specialists needed ``ceil(V / c)``; staffed ``clip(needed, min, max)``;
      ``over_limit`` when needed > ``max_specialists``;
    - party members ``clip(ceil(H / households_per_party_member), 3, 5)``; one grid
      manager; ``team`` = managers + party members + staffed specialists;
    - ``cycle_months_staffed``: months a full cycle takes with the staffed team.

    Parameters
    ----------
    plan
        A :class:`gridgeo.Plan` (``plan.grids`` with ``grid_id`` and ``households``).
    visits_per_month
        Visits one specialist makes in a month (the bank's figure is 200).
    cycle_months
        Every household visited once per this many months (3 = quarterly).
    visit_minutes
        Working minutes per visit, local travel included.
    visits_per_trip
        Households visited per trip from the base (spreads the travel time).
    travel
        Count travel time: ``None`` = when the County has roads, ``True`` = always
        (straight-line without roads), ``False`` = never.
    min_specialists, max_specialists
        The team rule for specialists (1–2).
    party_members
        ``(min, max)`` party members per grid (3–5).
    households_per_party_member
        Households per party member before the clip.
    managers
        Grid managers per grid.

    Returns
    -------
    pandas.DataFrame
        One row per grid: ``grid_id``, ``households``, ``visits_per_month_needed``,
        ``travel_minutes`` (T, NaN when not counted), ``capacity_per_specialist``,
        ``specialists_needed``, ``specialists``, ``party_members``, ``managers``,
        ``team``, ``over_limit``, ``cycle_months_staffed``, ``method``
        (``"road"``, ``"straight-line"`` or ``"none"``).

    Examples
    --------
    >>> # 1,000 households, quarterly: 333.3 visits a month → 2 specialists
    >>> import math
    >>> math.ceil(1000 / 3 / 200)
    2
    """
    grids = plan.grids
    h = grids[HOUSEHOLDS].to_numpy(float)
    gid = grids[GRID_ID].to_numpy()
    county = getattr(plan, "county", None)
    method = "none"
    t = np.full(len(grids), np.nan)
    if county is not None and travel is not False:
        router = Router.of(county)
        if travel or router.network is not None:
            per = _travel_per_grid(plan, router)
            t = pd.Series(gid).map(per).to_numpy(float)
            method = router.method
    extra = np.where(np.isfinite(t), 2.0 * t / visits_per_trip, 0.0)
    cap = visits_per_month * visit_minutes / (visit_minutes + extra)
    need_v = h / cycle_months
    needed = np.ceil(need_v / cap - 1e-9).astype(int)
    staffed = np.clip(needed, min_specialists, max_specialists)
    party = np.clip(
        np.ceil(h / households_per_party_member).astype(int), *party_members
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(h > 0, h / (staffed * cap), 0.0)
    return pd.DataFrame(
        {
            GRID_ID: gid,
            HOUSEHOLDS: h.astype(int),
            "visits_per_month_needed": need_v,
            "travel_minutes": t,
            "capacity_per_specialist": cap,
            "specialists_needed": needed,
            "specialists": staffed,
            "party_members": party,
            "managers": managers,
            "team": managers + party + staffed,
            "over_limit": needed > max_specialists,
            "cycle_months_staffed": months,
            "method": method,
        }
    )
