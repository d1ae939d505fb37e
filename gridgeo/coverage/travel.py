"""Travel times on the road network (scipy.sparse.csgraph) or by straight line.

Two public functions:

- :func:`travel_times` — for every target, the nearest source and its time / distance
  (one multi-source Dijkstra run with ``min_only=True``);
- :func:`travel_matrix` — the full source × target matrix (one Dijkstra run per
  source, ``limit`` cutting it short).

A trip from point ``a`` to point ``b`` on the road network is: the snap leg of ``a``
(straight to its nearest node of the largest component, at
:data:`gridgeo.network.SNAP_SPEED_KMH`), the shortest road path, and the snap leg of
``b``. Without roads it is the straight-line distance × :data:`DETOUR_FACTOR` at
:data:`STRAIGHT_LINE_SPEED_KMH`. The ``method`` column says which was used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gridgeo._columns import HOUSEHOLD_ID, SITE_ID, UNIT_ID, VILLAGE_ID
from gridgeo.errors import ValidationError
from gridgeo.network import (
    DETOUR_FACTOR,
    STRAIGHT_LINE_SPEED_KMH,
    RoadNetwork,
    county_network,
    points_xy,
)

__all__ = ["ROAD", "STRAIGHT_LINE", "Router", "travel_matrix", "travel_times"]

ROAD = "road"
STRAIGHT_LINE = "straight-line"
Weight = Literal["minutes", "km"]
_SNAP_KEY = "household_snap"


def _with_sources(
    w_mat: sparse.csr_matrix, snode: np.ndarray, leg: np.ndarray
) -> sparse.csr_matrix:
    """Append one row per source to ``w_mat``: an edge to its snap node of ``leg``."""
    n = w_mat.shape[0]
    n_s = len(snode)
    indptr = np.concatenate([w_mat.indptr, w_mat.indptr[-1] + np.arange(1, n_s + 1)])
    return sparse.csr_matrix(
        (
            np.concatenate([w_mat.data, leg]),
            np.concatenate([w_mat.indices, snode.astype(w_mat.indices.dtype)]),
            indptr.astype(w_mat.indptr.dtype),
        ),
        shape=(n + n_s, n + n_s),
    )


def _pointer_sum(pred: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Sum ``step`` along predecessor chains (pointer doubling, O(n log depth))."""
    acc = step.copy()
    p = pred.astype(np.int64)
    live = p >= 0
    while live.any():
        idx = np.flatnonzero(live)
        acc[idx] += acc[p[idx]]
        p[idx] = p[p[idx]]
        live[idx] = p[idx] >= 0
    return acc


@dataclass
class Router:
    """Point-to-point costs by road (when a network is given) or by straight line.

    Parameters
    ----------
    network
        The road network, or ``None`` for the straight-line method.
    crs
        The metric CRS of the points.
    detour_factor, speed_kmh
        Straight-line method: road km = straight km × ``detour_factor`` travelled at
        ``speed_kmh``.
    county
        The County the router belongs to (set by :meth:`of`): the snap of its
        ``households`` to the network is computed once and kept in its cache
        (``county._cache["household_snap"]``), since households do not move.
    """

    network: RoadNetwork | None
    crs: Any = None
    detour_factor: float = DETOUR_FACTOR
    speed_kmh: float = STRAIGHT_LINE_SPEED_KMH
    county: Any = field(default=None, repr=False)

    @classmethod
    def of(cls, county: Any) -> Router:
        """Return the router of a County (its cached network, if it has roads)."""
        return cls(
            county_network(county), crs=getattr(county, "crs", None), county=county
        )

    @property
    def method(self) -> str:
        """``"road"`` or ``"straight-line"``."""
        return ROAD if self.network is not None else STRAIGHT_LINE

    def _cached_snap(self, pts: Any) -> tuple[np.ndarray, pd.DataFrame] | None:
        """Return the County's cached household snap when ``pts`` are its households."""
        county = self.county
        cache = getattr(county, "_cache", None)
        if cache is None or pts is not getattr(county, "households", None):
            return None
        hit = cache.get(_SNAP_KEY)
        # the entry holds the households object and the network it was made for,
        # so a replaced household layer or network is never served a stale snap
        if hit is not None and hit[0] is pts and hit[1] is self.network:
            return hit[2], hit[3]
        return None

    def _snap(self, pts: Any, label: str) -> tuple[np.ndarray, pd.DataFrame | None]:
        if self.network is None:
            return points_xy(pts, crs=self.crs)[0], None
        ids = _display_ids(pts)
        hit = self._cached_snap(pts)
        if hit is not None:
            xy, snap = hit
            self.network.warn_far(snap, label=label, ids=ids)
            return xy, snap
        xy, index = points_xy(pts, crs=self.crs)
        snap = self.network.snap(xy, label=label, index=index, ids=ids)
        cache = getattr(self.county, "_cache", None)
        if cache is not None and pts is getattr(self.county, "households", None):
            cache[_SNAP_KEY] = (pts, self.network, xy, snap)
        return xy, snap

    def nearest(
        self,
        sources: Any,
        targets: Any,
        *,
        weight: Weight = "minutes",
        limit: float | None = None,
    ) -> pd.DataFrame:
        """For every target, the nearest source by ``weight``.

        Parameters
        ----------
        sources, targets
            Points (GeoSeries / GeoDataFrame / ``(n, 2)`` array) in the metric CRS.
        weight
            Minimise travel ``"minutes"`` or road ``"km"``.
        limit
            Stop searching beyond this cost (in ``weight`` units); targets farther from
            every source get ``source = -1`` and NaN costs.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``targets``: ``source`` (position of the nearest source,
            -1 if none within ``limit``), ``minutes``, ``km`` (both along the chosen
            path), ``snap_m`` (target's snap distance; 0 for straight-line),
            ``method``.
        """
        sxy, ssnap = self._snap(sources, "sources")
        txy, tsnap = self._snap(targets, "targets")
        index = tsnap.index if tsnap is not None else points_xy(targets)[1]
        n_s = len(sxy)
        if self.network is None or n_s == 0:
            return self._nearest_straight(sxy, txy, index, weight, limit)
        net = self.network
        n = net.n_nodes
        w_mat = net.minutes if weight == "minutes" else net.metres
        o_mat = net.metres if weight == "minutes" else net.minutes
        s_min = ssnap["snap_minutes"].to_numpy()
        s_m = ssnap["snap_m"].to_numpy()
        s_w = s_min if weight == "minutes" else s_m
        s_o = s_m if weight == "minutes" else s_min
        # one virtual node per source with a single edge to its snap node (its snap
        # leg); nothing leads back into a virtual node, so paths start there only
        snode = ssnap["node"].to_numpy()
        aug = _with_sources(w_mat, snode, np.maximum(s_w, 1e-12))
        scale = 1.0 if weight == "minutes" else 1000.0
        lim = np.inf if limit is None else limit * scale
        dist, pred, src = csgraph.dijkstra(
            aug,
            directed=True,
            indices=n + np.arange(n_s),
            min_only=True,
            limit=lim,
            return_predecessors=True,
        )
        # the other measure along the same paths: per node, the step from its
        # predecessor (a road edge, or the source's snap leg), summed along the tree
        step = np.zeros(n + n_s)
        hv = np.flatnonzero(pred[:n] >= 0)
        pv = pred[hv]
        road = pv < n
        step[hv[road]] = o_mat.data[net.edge_position(pv[road], hv[road])]
        step[hv[~road]] = s_o[pv[~road] - n]
        other = _pointer_sum(pred, step)
        tnode = tsnap["node"].to_numpy()
        t_w = (
            tsnap["snap_minutes"] if weight == "minutes" else tsnap["snap_m"]
        ).to_numpy()
        t_o = (
            tsnap["snap_m"] if weight == "minutes" else tsnap["snap_minutes"]
        ).to_numpy()
        tot_w = dist[tnode] + t_w
        tot_o = other[tnode] + t_o
        s_idx = src[tnode].astype(np.int64)
        s_idx = np.where(s_idx >= n, s_idx - n, -1)
        ok = np.isfinite(tot_w) & (s_idx >= 0)
        if limit is not None:
            ok &= tot_w <= lim
        minutes = np.where(weight == "minutes", tot_w, tot_o)
        metres = np.where(weight == "minutes", tot_o, tot_w)
        return pd.DataFrame(
            {
                "source": np.where(ok, s_idx, -1),
                "minutes": np.where(ok, minutes, np.nan),
                "km": np.where(ok, metres / 1000.0, np.nan),
                "snap_m": tsnap["snap_m"].to_numpy(),
                "method": ROAD,
            },
            index=index,
        )

    def _nearest_straight(
        self,
        sxy: np.ndarray,
        txy: np.ndarray,
        index: pd.Index,
        weight: Weight,
        limit: float | None,
    ) -> pd.DataFrame:
        n_t = len(txy)
        if len(sxy) == 0:
            d = np.full(n_t, np.inf)
            k = np.full(n_t, -1)
        else:
            d, k = cKDTree(sxy).query(txy)
        km = d / 1000.0 * self.detour_factor
        minutes = km / self.speed_kmh * 60.0
        cost = minutes if weight == "minutes" else km
        ok = np.isfinite(cost)
        if limit is not None:
            ok &= cost <= limit
        return pd.DataFrame(
            {
                "source": np.where(ok, k, -1).astype(np.int64),
                "minutes": np.where(ok, minutes, np.nan),
                "km": np.where(ok, km, np.nan),
                "snap_m": 0.0,
                "method": STRAIGHT_LINE,
            },
            index=index,
        )

    def matrix(
        self,
        sources: Any,
        targets: Any,
        *,
        weight: Weight = "minutes",
        limit: float | None = None,
    ) -> np.ndarray:
        """Return the dense ``(n_sources, n_targets)`` cost matrix (inf past ``limit``).

        Parameters
        ----------
        sources, targets
            Points in the metric CRS.
        weight
            ``"minutes"`` or ``"km"``.
        limit
            Costs above this (in ``weight`` units) become ``inf``.

        Returns
        -------
        numpy.ndarray
        """
        sxy, ssnap = self._snap(sources, "sources")
        txy, tsnap = self._snap(targets, "targets")
        if self.network is None:
            d = np.hypot(
                sxy[:, None, 0] - txy[None, :, 0], sxy[:, None, 1] - txy[None, :, 1]
            )
            km = d / 1000.0 * self.detour_factor
            out = km / self.speed_kmh * 60.0 if weight == "minutes" else km
        else:
            net = self.network
            key = "snap_minutes" if weight == "minutes" else "snap_m"
            w_mat = net.minutes if weight == "minutes" else net.metres
            scale = 1.0 if weight == "minutes" else 1000.0
            s_leg = ssnap[key].to_numpy()
            t_leg = tsnap[key].to_numpy()
            lim = np.inf if limit is None else limit * scale
            snodes = ssnap["node"].to_numpy()
            uniq, inv = np.unique(snodes, return_inverse=True)
            dist = csgraph.dijkstra(w_mat, directed=True, indices=uniq, limit=lim)
            out = dist[inv][:, tsnap["node"].to_numpy()]
            out = (out + s_leg[:, None] + t_leg[None, :]) / scale
        out = np.asarray(out, dtype=float)
        if limit is not None:
            out[out > limit] = np.inf
        return out


def _targets_of(county: Any, targets: Any) -> Any:
    if targets is not None:
        return targets
    hh = getattr(county, "households", None)
    if hh is None or len(hh) == 0:
        msg = "targets=None needs a county with household records; pass targets=."
        raise ValidationError(msg)
    return hh


def travel_times(
    county: Any,
    sources: Any,
    targets: Any = None,
    *,
    max_minutes: float | None = None,
    weight: Weight = "minutes",
) -> pd.DataFrame:
    """Return, for every target, the nearest source and the travel time to it.

    Uses the County's road network (built once, cached on the County) with one
    multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra` with
    ``min_only=True`` and ``limit``); without roads, straight-line distance ×
    :data:`~gridgeo.network.DETOUR_FACTOR` at
    :data:`~gridgeo.network.STRAIGHT_LINE_SPEED_KMH`.

    Parameters
    ----------
    county
        A :class:`gridgeo.County` (its CRS, roads and households are used).
    sources
        Points (GeoDataFrame / GeoSeries / ``(n, 2)`` array in the County CRS), e.g.
        ``county.service_points``.
    targets
        Points to reach; defaults to ``county.households``.
    max_minutes
        Search no farther than this many minutes; targets beyond get ``source = -1``
        and NaN times.
    weight
        ``"minutes"`` (fastest) or ``"km"`` (shortest).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``targets``: ``source`` (position in ``sources``, -1 when out of
        reach), ``source_id`` (``sources``' index label, or None), ``minutes``,
        ``km``, ``snap_m`` and ``method`` (``"road"`` or ``"straight-line"``).

    See Also
    --------
    travel_matrix : all source × target times.
    """
    targets = _targets_of(county, targets)
    router = Router.of(county)
    limit = max_minutes if weight == "minutes" else None
    out = router.nearest(sources, targets, weight=weight, limit=limit)
    if weight == "km" and max_minutes is not None:
        far = ~(out["minutes"] <= max_minutes)
        out.loc[far, ["minutes", "km"]] = np.nan
        out.loc[far, "source"] = -1
    labels = points_xy(sources)[1]
    sid = np.asarray(labels, dtype=object)
    s = out["source"].to_numpy()
    out.insert(
        1, "source_id", np.where(s >= 0, sid[s.clip(min=0)], None) if len(sid) else None
    )
    return out


def travel_matrix(
    county: Any,
    sources: Any,
    targets: Any = None,
    *,
    max_minutes: float | None = None,
    weight: Weight = "minutes",
) -> pd.DataFrame:
    """Return the travel time (or distance) from every source to every target.

    Parameters
    ----------
    county
        A :class:`gridgeo.County`.
    sources
        Points in the County CRS.
    targets
        Points; defaults to ``county.households``.
    max_minutes
        Entries beyond this many minutes are NaN (and the search stops there).
    weight
        ``"minutes"`` or ``"km"``.

    Returns
    -------
    pandas.DataFrame
        Rows = targets (their index), columns = sources (their index), values in
        minutes (or km); ``attrs["method"]`` is ``"road"`` or ``"straight-line"``.
    """
    targets = _targets_of(county, targets)
    router = Router.of(county)
    if weight == "minutes":
        m = router.matrix(sources, targets, weight="minutes", limit=max_minutes)
    else:
        m = router.matrix(sources, targets, weight="km")
        if max_minutes is not None:
            t = router.matrix(sources, targets, weight="minutes", limit=max_minutes)
            m[~np.isfinite(t)] = np.inf
    m[~np.isfinite(m)] = np.nan
    out = pd.DataFrame(m.T, index=points_xy(targets)[1], columns=points_xy(sources)[1])
    out.attrs["method"] = router.method
    return out


def _display_ids(pts: Any) -> np.ndarray | None:
    """Return the ids a warning names the points by (``household_id``, ...)."""
    columns = getattr(pts, "columns", ())
    for col in (HOUSEHOLD_ID, SITE_ID, UNIT_ID, VILLAGE_ID):
        if col in columns:
            return pts[col].to_numpy(dtype=object)
    return None
