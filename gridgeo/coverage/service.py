"""Service coverage: nearest service point per household, shares, service areas."""

from __future__ import annotations

import contextlib
import itertools
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgeo._columns import GRID_ID, HOUSEHOLD_ID, SITE_ID, TOWN_ID
from gridgeo.coverage._common import (
    WEIGHT,
    demand_points,
    resolve,
    share_table,
    site_frame,
)
from gridgeo.coverage.travel import STRAIGHT_LINE, Router
from gridgeo.errors import SnapWarning, ValidationError

__all__ = ["CoverageResult", "service_areas", "service_coverage"]

COVERED = "covered"

#: Segments per quarter circle of the service-area corridors' round caps.
QUAD_SEGS = 4


_WARNED_KEY = "household_snap_warned"


def _households_key(households: Any) -> tuple[int, int]:
    """Identify a set of households by count and a hash of their ids."""
    ids = households.get(HOUSEHOLD_ID, households.index)
    h = pd.util.hash_array(np.asarray(ids, dtype=str).astype(object))
    return len(ids), int(h.sum(dtype=np.uint64))


@contextlib.contextmanager
def _snap_warning_once(
    county: Any, households: Any, *, labels: tuple[str, ...]
) -> Iterator[None]:
    """Let the households' :class:`~gridgeo.errors.SnapWarning` through once per County.

    The snap of the same households warns on every call that snaps them
    (:func:`service_coverage`, then :func:`~gridgeo.coverage.staffing`, ...). The
    first warning (it names the count and the first ids) goes through; the County's
    cache (``county._cache["household_snap_warned"]``) remembers the households and
    network it was given for, and later ones about them are dropped. Warnings about
    other points (``labels`` not matched, e.g. the service points) always go through.

    Parameters
    ----------
    county
        The County (nothing is remembered without its ``_cache``).
    households
        The household points snapped inside the block.
    labels
        The labels the household snaps carry in the warning (``"targets"``, ...).
    """
    cache = getattr(county, "_cache", None)
    if cache is None or households is None:
        yield
        return
    key = (_households_key(households), id(cache.get("network")))
    alts = "|".join(map(re.escape, labels))
    pattern = re.compile(rf"^[\d,]+ of [\d,]+ ({alts}) ")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        ours = issubclass(w.category, SnapWarning) and pattern.match(str(w.message))
        if ours and key in cache.get(_WARNED_KEY, set()):
            continue
        if ours:
            cache.setdefault(_WARNED_KEY, set()).add(key)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """The result of :func:`service_coverage`.

    Attributes
    ----------
    households
        GeoDataFrame (County CRS), one row per demand point (household, or village
        when the County has no household records): ``household_id``, ``village_id``,
        ``town_id``, ``grid_id`` (with a Plan), ``weight`` (households represented),
        ``site_id`` (nearest service point within reach, else None), ``minutes``,
        ``km``, ``snap_m``, ``covered`` (bool).
    by_town
        ``town_id``, ``households``, ``covered`` (households), ``share``.
    by_grid
        Same per ``grid_id``, or ``None`` without a Plan.
    service_areas
        GeoDataFrame (County CRS; reproject with ``.to_crs(4326)`` for maps):
        ``site_id``, ``town_id``, ``households`` (covered households whose nearest
        point it is), ``method``, Polygon / MultiPolygon geometry of the area reached
        within the limit (see :func:`service_areas`; never empty or missing). Empty,
        with the same columns, when computed with ``areas=False``.
    method
        ``"road"`` or ``"straight-line"``.
    max_km, max_minutes
        The coverage limits used.
    n_sites
        Number of service points considered.
    """

    households: gpd.GeoDataFrame
    by_town: pd.DataFrame
    by_grid: pd.DataFrame | None
    service_areas: gpd.GeoDataFrame
    method: str
    max_km: float | None
    max_minutes: float | None
    n_sites: int = 0

    @property
    def share(self) -> float:
        """Share of all households covered."""
        w = self.households[WEIGHT].to_numpy(float)
        c = self.households[COVERED].to_numpy(bool)
        return float((w * c).sum() / w.sum()) if w.sum() else float("nan")

    @property
    def uncovered(self) -> gpd.GeoDataFrame:
        """The households not covered (rows of :attr:`households`)."""
        return self.households[~self.households[COVERED]].copy()

    def summary(self) -> str:
        """Return a one-paragraph text summary."""
        lim = (
            f"{self.max_minutes:g} min"
            if self.max_minutes is not None
            else f"{self.max_km:g} km"
        )
        w = self.households[WEIGHT].sum()
        return (
            f"Coverage within {lim} by {self.method}: {self.share:.1%} of "
            f"{w:,.0f} households; {len(self.uncovered):,} uncovered rows; "
            f"{self.n_sites} service points; worst township "
            f"{self.by_town.sort_values('share').iloc[0][TOWN_ID]} "
            f"({self.by_town['share'].min():.1%})."
        )

    def __repr__(self) -> str:
        return f"<CoverageResult: {self.share:.1%} covered by {self.method}>"


def service_areas(
    router: Router,
    sites: gpd.GeoDataFrame,
    *,
    max_km: float | None = None,
    max_minutes: float | None = None,
    buffer_m: float = 200.0,
) -> gpd.GeoSeries:
    """Return the area reachable from each site within the limit (an isochrone).

    By road: the union of the road edges whose both ends are reachable (snap leg of
    the site included), each buffered by ``buffer_m`` (round caps, arcs of
    :data:`QUAD_SEGS` segments per quarter circle); a site that reaches no whole edge
    gets a disc of radius ``buffer_m`` around itself. By straight line: a disc of
    radius limit / detour factor. Never empty or missing.

    Edges reached by exactly the same sites are unioned once and the pieces shared
    between those sites' areas, so the cost grows with the number of distinct
    reach patterns, not with sites × edges.

    Parameters
    ----------
    router
        The :class:`~gridgeo.coverage.travel.Router` of the County.
    sites
        Site points in the County CRS.
    max_km, max_minutes
        The limit (both apply when both are given).
    buffer_m
        Half-width (metres) of the corridor along reachable roads.

    Returns
    -------
    geopandas.GeoSeries
        One (Multi)Polygon per site, in the County CRS, indexed like ``sites``.
    """
    pts = sites.geometry.to_numpy()
    if router.method == STRAIGHT_LINE:
        radii = []
        if max_km is not None:
            radii.append(max_km * 1000.0 / router.detour_factor)
        if max_minutes is not None:
            radii.append(
                max_minutes / 60.0 * router.speed_kmh * 1000.0 / router.detour_factor
            )
        geom = shapely.buffer(pts, min(radii), quad_segs=16)
        return gpd.GeoSeries(geom, index=sites.index, crs=sites.crs)
    net = router.network
    assert net is not None
    reach = np.ones((len(sites), net.n_nodes), dtype=bool)
    if max_minutes is not None:
        m = router.matrix(sites, net.nodes, weight="minutes", limit=max_minutes)
        reach &= np.isfinite(m)
    if max_km is not None:
        k = router.matrix(sites, net.nodes, weight="km", limit=max_km)
        reach &= np.isfinite(k)
    u = net.edges["u"].to_numpy()
    v = net.edges["v"].to_numpy()
    sel = reach[:, u] & reach[:, v]  # sites x edges
    out = shapely.buffer(pts, buffer_m, quad_segs=QUAD_SEGS)
    used = np.flatnonzero(sel.any(axis=0))
    if len(used):
        corridors = shapely.buffer(
            net.edge_lines()[used], buffer_m, quad_segs=QUAD_SEGS
        )
        # group the edges by the set of sites reaching them (a bit pattern per edge)
        _, group = np.unique(
            np.packbits(sel[:, used], axis=0).T, axis=0, return_inverse=True
        )
        group = group.ravel()
        order = np.argsort(group, kind="stable")
        starts = np.searchsorted(group[order], np.arange(group.max() + 2))
        pieces = np.array(
            [
                shapely.union_all(corridors[order[a:b]])
                for a, b in itertools.pairwise(starts)
            ]
        )
        has = sel[:, used[order[starts[:-1]]]]  # sites x groups
        for i in np.flatnonzero(has.any(axis=1)):
            out[i] = shapely.union_all(pieces[has[i]])
    return gpd.GeoSeries(out, index=sites.index, crs=sites.crs)


def service_coverage(
    county_or_plan: Any,
    service_points: Any = None,
    *,
    max_km: float | None = None,
    max_minutes: float | None = None,
    areas: bool = True,
) -> CoverageResult:
    """Find each household's nearest service point and who is within reach.

    Distances and times are by road on the County's network (cached on the County;
    snap legs included, see :mod:`gridgeo.network`) or, without roads, straight-line ×
    :data:`~gridgeo.network.DETOUR_FACTOR`. With ``max_minutes`` the nearest point is
    the fastest, otherwise the shortest.

    Parameters
    ----------
    county_or_plan
        A :class:`gridgeo.County`, or a :class:`gridgeo.Plan` (adds per-grid shares).
    service_points
        Point GeoDataFrame (``site_id`` and ``town_id`` optional); defaults to
        ``county.service_points``.
    max_km
        A household is covered within this road distance (km).
    max_minutes
        A household is covered within this travel time (minutes). At least one limit
        is required; with both, both must hold.
    areas
        Compute the service-area polygons. With ``False`` (faster)
        :attr:`CoverageResult.service_areas` is an empty GeoDataFrame with the same
        columns and CRS.

    Returns
    -------
    CoverageResult
        Per household, per township, per grid, the uncovered households and the
        service-area polygons (County CRS).

    Raises
    ------
    gridgeo.errors.ValidationError
        No limit given, or no service points.

    Examples
    --------
    >>> import gridgeo as gg
    >>> county = gg.datasets.sample_county()
    >>> res = gg.service_coverage(county, max_km=5)  # doctest: +SKIP
    >>> res.by_town.columns.tolist()  # doctest: +SKIP
    ['town_id', 'households', 'covered', 'share']
    """
    if max_km is None and max_minutes is None:
        msg = "Give a coverage limit: max_km= (road km) or max_minutes= (travel time)."
        raise ValidationError(msg)
    county, plan = resolve(county_or_plan)
    sites = site_frame(
        service_points if service_points is not None else county.service_points,
        county,
        label="site",
    )
    if len(sites) == 0:
        msg = "No service points: pass service_points= or give the County some."
        raise ValidationError(msg)
    demand = demand_points(county, plan)
    router = Router.of(county)
    weight = "minutes" if max_minutes is not None else "km"
    limit = max_minutes if max_minutes is not None else max_km
    # the County's own households: same points and index, and their snap is cached
    own = plan is None and demand.attrs.get("level") == "households"
    targets = county.households if own else demand
    with _snap_warning_once(county, targets, labels=("targets",)):
        near = router.nearest(sites, targets, weight=weight, limit=limit)
    covered = near["source"].to_numpy() >= 0
    if max_km is not None and max_minutes is not None:
        covered &= near["km"].to_numpy() <= max_km
    s = near["source"].to_numpy()
    ids = sites[SITE_ID].to_numpy(dtype=object)
    out = demand.copy()
    out[SITE_ID] = np.where(covered, ids[s.clip(min=0)], None)
    out["minutes"] = near["minutes"].to_numpy()
    out["km"] = near["km"].to_numpy()
    out["snap_m"] = near["snap_m"].to_numpy()
    out[COVERED] = covered
    by_town = share_table(out, TOWN_ID, COVERED, WEIGHT)
    by_grid = share_table(out, GRID_ID, COVERED, WEIGHT) if GRID_ID in out else None
    served = out[covered].groupby(SITE_ID)[WEIGHT].sum()
    if areas:
        geom = service_areas(router, sites, max_km=max_km, max_minutes=max_minutes)
        keep = np.ones(len(sites), dtype=bool)
    else:
        geom = gpd.GeoSeries([], crs=county.crs)
        keep = np.zeros(len(sites), dtype=bool)
    sa = gpd.GeoDataFrame(
        {
            SITE_ID: sites[SITE_ID].to_numpy()[keep].astype(object),
            TOWN_ID: sites[TOWN_ID].to_numpy()[keep].astype(object),
            "households": sites[SITE_ID].map(served).fillna(0.0).to_numpy()[keep],
            "method": pd.Series([router.method] * int(keep.sum()), dtype=object),
        },
        geometry=geom.to_numpy(),
        crs=county.crs,
    )
    return CoverageResult(
        households=out,
        by_town=by_town,
        by_grid=by_grid,
        service_areas=sa,
        method=router.method,
        max_km=max_km,
        max_minutes=max_minutes,
        n_sites=len(sites),
    )
