"""Shared pieces of the partition benchmark: unit graphs and the one metric function.

Every tool in ``bench_partition.py`` -- gridgeo and each reference -- is scored by
:func:`measure` on the same inputs, following DESIGN.md "How a plan is measured":

- **in range**: share of grids whose household count lies within ``[lo, hi]``.
- **max deviation**: ``max |households - target| / target`` in %, target = total /
  number of grids (or the job's target when one is given).
- **contiguous**: share of grids whose units form one connected component of the unit
  adjacency graph (rook: a shared boundary of positive length, so that the union is
  one polygon), where declared bridges (islands linked to their nearest neighbour)
  count as adjacency.
- **Polsby-Popper**: 4 pi A / P^2 of each grid's dissolved polygon, mean over grids.
- **distance**: mean over households of the straight-line distance (km) to the
  household-weighted centre of their grid (unit centroids weighted by households when
  there are no household points).
- **crossings**: grids whose households (units with households > 0) lie in more than
  one township (and, separately, county).
- **split villages**: villages whose units end up in more than one grid.
- **cut edges**: adjacency edges (bridges included) joining two different grids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

__all__ = [
    "UnitGraph",
    "bridge_components",
    "build_unit_graph",
    "measure",
    "rook_pairs",
]

#: a shared boundary shorter than this (metres) is a corner touch, not rook adjacency
MIN_SHARED_M = 1e-6


def rook_pairs(geoms: np.ndarray, *, min_shared: float = MIN_SHARED_M) -> np.ndarray:
    """Return the rook-adjacent pairs ``(i, j)``, ``i < j``, of polygons.

    Two polygons are rook neighbours when their boundaries share a line of positive
    length (their union is then one polygon). Overlapping polygons (slivers in real
    data) are neighbours as well.
    """
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    shared = shapely.intersection(
        shapely.boundary(geoms[left]), shapely.boundary(geoms[right])
    )
    length = shapely.length(shared)
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right])) > 0
    ok = (length > min_shared) | overlap
    return np.column_stack([left[ok], right[ok]]).astype(np.int64)


def bridge_components(xy: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Return bridges ``(i, j)`` that connect every component to the rest.

    Each component other than the largest is linked, from the unit nearest to any
    unit outside it, to that nearest outside unit (by centroid distance); repeated
    until the graph is connected. These are the "declared bridges" of the metric.
    """
    n = len(xy)
    bridges: list[tuple[int, int]] = []
    edges = pairs
    while True:
        adj = _sym(n, edges)
        ncomp, comp = csgraph.connected_components(adj, directed=False)
        if ncomp <= 1:
            break
        sizes = np.bincount(comp)
        main = int(np.argmax(sizes))
        outside = np.flatnonzero(comp == main)
        tree = cKDTree(xy[outside])
        new = []
        for c in range(ncomp):
            if c == main:
                continue
            members = np.flatnonzero(comp == c)
            dist, idx = tree.query(xy[members])
            k = int(np.argmin(dist))
            new.append((int(members[k]), int(outside[idx[k]])))
        bridges.extend(new)
        edges = np.vstack([edges, np.asarray(new, dtype=np.int64)])
    if not bridges:
        return np.empty((0, 2), dtype=np.int64)
    return np.sort(np.asarray(bridges, dtype=np.int64), axis=1)


def _sym(n: int, pairs: np.ndarray) -> sparse.csr_matrix:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    data = np.ones(2 * len(pairs), dtype=np.int8)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    m = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
    m.data[:] = 1
    return m


@dataclass
class UnitGraph:
    """Polygon units with their rook adjacency and the bridges that connect it."""

    pairs: np.ndarray  # (m, 2) rook pairs, i < j
    bridges: np.ndarray  # (b, 2) declared bridges
    xy: np.ndarray  # (n, 2) unit centroids in metres
    seconds: float = 0.0
    _csr: sparse.csr_matrix | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.xy)

    @property
    def edges(self) -> np.ndarray:
        """Rook pairs and bridges together, ``(m + b, 2)``."""
        return (
            np.vstack([self.pairs, self.bridges]) if len(self.bridges) else self.pairs
        )

    @property
    def csr(self) -> sparse.csr_matrix:
        """Symmetric 0/1 adjacency (bridges included), sorted indices."""
        if self._csr is None:
            m = _sym(self.n, self.edges)
            m.sort_indices()
            self._csr = m
        return self._csr


def build_unit_graph(
    geoms: gpd.GeoSeries | np.ndarray, *, extra_bridges: np.ndarray | None = None
) -> UnitGraph:
    """Build the rook graph of polygon units, bridging islands to their neighbours."""
    import time

    t0 = time.perf_counter()
    arr = np.asarray(geoms.values if isinstance(geoms, gpd.GeoSeries) else geoms)
    pairs = rook_pairs(arr)
    xy = shapely.get_coordinates(shapely.centroid(arr))
    if extra_bridges is not None and len(extra_bridges):
        pairs = np.vstack([pairs, np.sort(np.asarray(extra_bridges), axis=1)])
    bridges = bridge_components(xy, pairs)
    return UnitGraph(pairs, bridges, xy, seconds=time.perf_counter() - t0)


def _relabel(labels: np.ndarray) -> tuple[np.ndarray, int]:
    uniq, inv = np.unique(np.asarray(labels), return_inverse=True)
    return inv.astype(np.int64), len(uniq)


def _n_crossing(lab: np.ndarray, groups: np.ndarray | None, mask: np.ndarray) -> int:
    if groups is None:
        return -1
    df = pd.DataFrame({"g": lab[mask], "t": np.asarray(groups)[mask]})
    return int((df.groupby("g")["t"].nunique() > 1).sum())


def measure(
    units: gpd.GeoDataFrame,
    labels: np.ndarray,
    *,
    weight: str,
    lo: float | None = None,
    hi: float | None = None,
    target: float | None = None,
    graph: UnitGraph | None = None,
    town: str | None = None,
    county: str | None = None,
    village: str | None = None,
    points_xy: np.ndarray | None = None,
    point_labels: np.ndarray | None = None,
    dissolve: bool = True,
) -> dict[str, float]:
    """Score one assignment of polygon units to grids.

    Parameters
    ----------
    units
        Polygon units in a metric CRS (metres), one row per unit.
    labels
        Grid of each unit (any hashable values), aligned with ``units``.
    weight
        Column of household (or population) counts.
    lo, hi
        Bounds for "in range"; ``None`` means unbounded on that side.
    target
        Target households per grid for the deviation; default total / grids.
    graph
        The unit adjacency; built from ``units.geometry`` when ``None``.
    town, county, village
        Optional columns for crossings and split villages.
    points_xy, point_labels
        Household points (metres) and their grids; when ``None`` the distance uses
        unit centroids weighted by households.
    dissolve
        Compute Polsby-Popper (dissolving the grids); ``False`` leaves it NaN.

    Returns
    -------
    dict
        ``grids, in_range, max_dev, contiguous, pp, dist_km, cross_town,
        cross_county, split_villages, cut_edges`` (shares and deviations in %).
    """
    lab, k = _relabel(labels)
    if len(lab) != len(units):
        msg = f"{len(lab)} labels for {len(units)} units"
        raise ValueError(msg)
    w = units[weight].to_numpy(dtype=float)
    hh = np.bincount(lab, weights=w, minlength=k)
    tgt = float(target) if target is not None else w.sum() / k
    lo_ = -np.inf if lo is None else lo
    hi_ = np.inf if hi is None else hi
    in_range = float(np.mean((hh >= lo_ - 1e-9) & (hh <= hi_ + 1e-9)) * 100)
    max_dev = float(np.max(np.abs(hh - tgt)) / tgt * 100)

    if graph is None:
        graph = build_unit_graph(units.geometry)
    e = graph.edges
    same = lab[e[:, 0]] == lab[e[:, 1]]
    cut_edges = int((~same).sum())
    adj = _sym(len(lab), e[same])
    _, comp = csgraph.connected_components(adj, directed=False)
    comps_per_grid = (
        pd.Series(comp).groupby(lab).nunique().reindex(range(k), fill_value=0)
    )
    contiguous = float((comps_per_grid.to_numpy() == 1).mean() * 100)

    pp = float("nan")
    if dissolve:
        geoms = units.geometry.to_numpy()
        area = np.bincount(lab, weights=shapely.area(geoms), minlength=k)
        merged = [shapely.union_all(geoms[lab == g]) for g in range(k)]
        perim = shapely.length(shapely.boundary(np.asarray(merged, dtype=object)))
        pp = float(np.mean(4 * np.pi * area / np.maximum(perim, 1e-12) ** 2))

    if points_xy is not None:
        pxy = np.asarray(points_xy, dtype=float)
        plab = np.searchsorted(np.unique(np.asarray(labels)), np.asarray(point_labels))
        pw = np.ones(len(pxy))
    else:
        pxy, plab, pw = graph.xy, lab, w
    tot = np.bincount(plab, weights=pw, minlength=k)
    cx = np.bincount(plab, weights=pw * pxy[:, 0], minlength=k) / np.maximum(tot, 1e-12)
    cy = np.bincount(plab, weights=pw * pxy[:, 1], minlength=k) / np.maximum(tot, 1e-12)
    d = np.hypot(pxy[:, 0] - cx[plab], pxy[:, 1] - cy[plab])
    dist_km = float(np.sum(d * pw) / np.sum(pw) / 1000)

    has = w > 0
    cross_town = _n_crossing(lab, None if town is None else units[town].to_numpy(), has)
    cross_county = _n_crossing(
        lab, None if county is None else units[county].to_numpy(), has
    )
    split = -1
    if village is not None:
        split = int(
            (
                pd.Series(lab[has]).groupby(units[village].to_numpy()[has]).nunique()
                > 1
            ).sum()
        )
    return {
        "grids": k,
        "in_range": in_range,
        "max_dev": max_dev,
        "contiguous": contiguous,
        "pp": pp,
        "dist_km": dist_km,
        "cross_town": cross_town,
        "cross_county": cross_county,
        "split_villages": split,
        "cut_edges": cut_edges,
    }
