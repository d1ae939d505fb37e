"""``coverage_map``: service points, service areas and who is left uncovered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from gridgeo._columns import GRID_ID, HOUSEHOLD_ID
from gridgeo.errors import ValidationError
from gridgeo.viz.basemaps import DEFAULT_MAX_ZOOM
from gridgeo.viz.plan_map import compose

__all__ = ["coverage_map"]


def _demand(
    plan: Any,
    coverage: Any,
    uncovered: gpd.GeoDataFrame | None,
    fields: Sequence[str] = (),
) -> gpd.GeoDataFrame | None:
    """Per-household frame with ``covered`` and ``weight`` (or None).

    Only ``grid_id`` and the household ``fields`` the caller named are brought over
    from ``plan.households`` (by position when both tables list the same households
    in the same order, as a County's coverage does; else by ``household_id``).
    """
    if coverage is not None:
        demand = coverage.households
    elif uncovered is not None:
        hh = plan.households
        if len(hh) and HOUSEHOLD_ID in uncovered and HOUSEHOLD_ID in hh:
            demand = hh.copy()
            demand["covered"] = ~demand[HOUSEHOLD_ID].isin(uncovered[HOUSEHOLD_ID])
        else:
            demand = uncovered.to_crs(plan.crs).copy()
            demand["covered"] = False
    else:
        return None
    demand = demand.to_crs(plan.crs) if demand.crs != plan.crs else demand.copy()
    if "weight" not in demand:
        demand["weight"] = 1.0
    hh = plan.households
    wanted = [
        c for c in dict.fromkeys((GRID_ID, *fields)) if c in hh and c not in demand
    ]
    if wanted and HOUSEHOLD_ID in demand and len(hh) and HOUSEHOLD_ID in hh:
        ids = demand[HOUSEHOLD_ID].to_numpy()
        own = hh[HOUSEHOLD_ID].to_numpy()
        if len(ids) == len(own) and bool((ids == own).all()):
            for c in wanted:
                demand[c] = hh[c].to_numpy()
        else:
            extra = pd.DataFrame(hh[[HOUSEHOLD_ID, *wanted]])
            demand = demand.merge(extra, on=HOUSEHOLD_ID, how="left")
    return demand


def coverage_map(
    plan: Any,
    coverage: Any = None,
    *,
    m: folium.Map | None = None,
    service_points: gpd.GeoDataFrame | None = None,
    service_areas: gpd.GeoDataFrame | None = None,
    uncovered: gpd.GeoDataFrame | None = None,
    tiles: str | None = "OpenStreetMap",
    tianditu_key: str | None = None,
    lang: str = "zh",
    households: str | None = "hexbin",
    household_fields: Sequence[str] | None = None,
    exact_households: bool = False,
    hex_size: float | None = None,
    scheme: str = "equalinterval",
    k: int = 5,
    simplify: float = 10.0,
    precision: int = 5,
    max_zoom: int = DEFAULT_MAX_ZOOM,
) -> folium.Map:
    """Draw service coverage over a grid plan.

    Grids are coloured by the share of their households covered (classed legend),
    with the layers of :func:`gridgeo.plan_map` plus service areas, service points
    and the uncovered households: per hexagon the share uncovered by default, or
    exact red / green dots with ``households="points", exact_households=True``.

    Parameters
    ----------
    plan
        A :class:`gridgeo.Plan`.
    coverage
        The result of :func:`gridgeo.service_coverage` on ``plan``; supplies the
        service areas, per-household covered flags and per-grid shares.
    m
        Draw on this existing folium map (see :func:`gridgeo.plan_map`).
    service_points
        Service points (any CRS; default ``plan.county.service_points``).
    service_areas
        Service-area polygons (any CRS), instead of ``coverage.service_areas``.
    uncovered
        Uncovered households (``household_id`` and/or points, any CRS), when no
        ``coverage`` is given.
    tiles, tianditu_key, lang, households, household_fields, exact_households
        As in :func:`gridgeo.plan_map`.
    hex_size, scheme, k, simplify, precision, max_zoom
        As in :func:`gridgeo.plan_map` (``scheme``/``k`` class the coverage share).

    Returns
    -------
    folium.Map

    Raises
    ------
    gridgeo.errors.ValidationError
        As :func:`gridgeo.plan_map`; or when neither ``coverage`` nor any of
        ``service_points`` / ``service_areas`` / ``uncovered`` is given.

    See Also
    --------
    gridgeo.service_coverage, gridgeo.plan_map, gridgeo.save_map

    Examples
    --------
    >>> import gridgeo as gg
    >>> county = gg.datasets.sample_county()
    >>> plan = gg.partition(county, n_grids=8, respect=None, seed=0)
    >>> res = gg.service_coverage(plan, max_km=5)  # doctest: +SKIP
    >>> m = gg.coverage_map(plan, res, lang="en")  # doctest: +SKIP
    """
    if (
        coverage is None
        and service_points is None
        and service_areas is None
        and (uncovered is None)
    ):
        msg = (
            "coverage_map needs coverage= (from gg.service_coverage) or at least one "
            "of service_points=, service_areas=, uncovered=."
        )
        raise ValidationError(msg)
    if coverage is not None and service_areas is None:
        service_areas = coverage.service_areas
    if service_areas is not None:
        service_areas = service_areas.to_crs(plan.crs)
    demand = _demand(plan, coverage, uncovered, household_fields or ())
    share = None
    if coverage is not None and getattr(coverage, "by_grid", None) is not None:
        share = coverage.by_grid.set_index(GRID_ID)["share"]
    elif demand is not None and GRID_ID in demand:
        w = demand["weight"].to_numpy(float)
        cov = (
            pd.Series(w * demand["covered"].to_numpy(bool))
            .groupby(demand[GRID_ID].to_numpy())
            .sum()
        )
        tot = pd.Series(w).groupby(demand[GRID_ID].to_numpy()).sum()
        share = (cov / tot.replace(0, np.nan)).rename("coverage")
    return compose(
        plan,
        m=m,
        column="coverage" if share is not None else None,
        scheme=scheme,
        k=k,
        tiles=tiles,
        tianditu_key=tianditu_key,
        lang=lang,
        households=households,
        visited=None,
        household_fields=household_fields,
        exact_households=exact_households,
        hex_size=hex_size,
        simplify=simplify,
        precision=precision,
        max_zoom=max_zoom,
        coverage_share=share,
        service_points=service_points,
        service_areas=service_areas,
        demand=demand,
    )
