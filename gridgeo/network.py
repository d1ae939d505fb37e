"""Road network: a routable graph with travel times on :mod:`scipy.sparse.csgraph`.

:func:`build_network` turns road lines (a GeoDataFrame, as read by
:func:`gridgeo.read_roads`) or a networkx graph (e.g. from OSMnx) into a
:class:`RoadNetwork`: node coordinates in the County's metric CRS, sparse matrices of
travel minutes and metres, a speed and road class per edge, and the connected
components. Points are snapped to the nearest node of the largest component with a
KD-tree; the snap leg is timed at ``snap_speed_kmh``.

Speeds come from, in order: the ``speed_kmh`` column (``speed_kph`` of OSMnx), the road
class looked up in :data:`ROAD_CLASS_SPEEDS`, else :data:`DEFAULT_SPEED_KMH`.

Without roads, gridgeo measures straight-line distance times :data:`DETOUR_FACTOR`
at :data:`STRAIGHT_LINE_SPEED_KMH`; every result names the method it used
(``"road"`` or ``"straight-line"``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gridgeo._columns import ROAD_CLASS, SPEED
from gridgeo.errors import CRSError, SnapWarning, ValidationError

__all__ = [
    "DEFAULT_SPEED_KMH",
    "DETOUR_FACTOR",
    "ROAD_CLASS_SPEEDS",
    "SNAP_SPEED_KMH",
    "SNAP_WARN_M",
    "STRAIGHT_LINE_SPEED_KMH",
    "RoadNetwork",
    "build_network",
    "county_network",
]

#: Speed (km/h) used when a road has neither a speed nor a known class.
DEFAULT_SPEED_KMH = 30.0
#: Road distance ≈ straight-line distance × this factor when a county has no roads
#: (typical rural circuity is 1.2–1.4).
DETOUR_FACTOR = 1.3
#: Travel speed (km/h) of the straight-line method (a motorbike on rural roads).
STRAIGHT_LINE_SPEED_KMH = 30.0
#: Speed (km/h) of the leg from a point to its snapped road node (walking / a track).
SNAP_SPEED_KMH = 10.0
#: Snaps longer than this (metres) raise a :class:`gridgeo.errors.SnapWarning`.
SNAP_WARN_M = 1000.0

#: Free-flow speed (km/h) per road class: Chinese administrative classes, Chinese route
#: number prefixes (G/S/X/Y/C + digits) and OpenStreetMap ``highway`` values.
ROAD_CLASS_SPEEDS: dict[str, float] = {
    "高速": 100.0,
    "高速公路": 100.0,
    "国道": 70.0,
    "省道": 60.0,
    "县道": 45.0,
    "乡道": 35.0,
    "村道": 25.0,
    "城市道路": 30.0,
    "街道": 25.0,
    "机耕路": 15.0,
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 70.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 45.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "road": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 15.0,
    "path": 5.0,
    "footway": 5.0,
    "pedestrian": 5.0,
    "steps": 3.0,
}
_PREFIX_CLASS = {"G": "国道", "S": "省道", "X": "县道", "Y": "乡道", "C": "村道"}
_ROUTE_NUMBER = re.compile(r"^([GSXYC])\d+")


def class_speed(road_class: object) -> float:
    """Return the speed (km/h) of a road class, or NaN when the class is unknown.

    Parameters
    ----------
    road_class
        A key of :data:`ROAD_CLASS_SPEEDS`, a route number such as ``"X203"``
        (G/S/X/Y/C → 国道/省道/县道/乡道/村道) or a list of OSM values (first
        known wins).

    Returns
    -------
    float
    """
    if isinstance(road_class, list | tuple):
        for c in road_class:
            s = class_speed(c)
            if not np.isnan(s):
                return s
        return float("nan")
    if not isinstance(road_class, str):
        return float("nan")
    key = road_class.strip()
    if key in ROAD_CLASS_SPEEDS:
        return ROAD_CLASS_SPEEDS[key]
    if key.lower() in ROAD_CLASS_SPEEDS:
        return ROAD_CLASS_SPEEDS[key.lower()]
    m = _ROUTE_NUMBER.match(key.upper())
    if m:
        return ROAD_CLASS_SPEEDS[_PREFIX_CLASS[m.group(1)]]
    return float("nan")


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A routable, undirected road graph in a metric CRS.

    Build it with :func:`build_network`. Matrices are symmetric CSR matrices over
    node indices ``0..n_nodes-1``; parallel edges keep the fastest.

    Attributes
    ----------
    nodes
        ``(n_nodes, 2)`` float array of node coordinates (metres, ``crs``).
    minutes
        Travel time of each edge in minutes.
    metres
        Length of each edge (of the fastest parallel edge) in metres.
    edges
        One row per undirected edge: ``u``, ``v`` (node indices), ``length_m``,
        ``speed_kmh``, ``road_class``, ``minutes``, ``speed_source`` (``column``,
        ``class`` or ``default``).
    component
        Connected-component label of each node; ``main_component`` is the largest.
    crs
        The metric CRS of the coordinates.
    snap_speed_kmh
        Speed of the leg from a point to its snapped node.
    """

    nodes: np.ndarray
    minutes: sparse.csr_matrix
    metres: sparse.csr_matrix
    edges: pd.DataFrame
    component: np.ndarray
    main_component: int
    crs: pyproj.CRS | None
    snap_speed_kmh: float = SNAP_SPEED_KMH
    _tree: cKDTree | None = field(default=None, repr=False)
    _keys: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.nodes.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.edges)

    @property
    def n_components(self) -> int:
        """Number of connected components."""
        return int(self.component.max()) + 1 if self.n_nodes else 0

    @property
    def main_nodes(self) -> np.ndarray:
        """Indices of the nodes of the largest connected component."""
        return np.flatnonzero(self.component == self.main_component)

    @property
    def disconnected(self) -> pd.DataFrame:
        """The parts outside the largest component.

        Returns
        -------
        pandas.DataFrame
            ``component``, ``n_nodes``, ``n_edges``, ``length_km``, ``x``, ``y``
            (a node of the part), largest first.
        """
        comp = pd.Series(self.component)
        n_nodes = comp.value_counts()
        e_comp = self.component[self.edges["u"].to_numpy()]
        length = pd.Series(self.edges["length_m"].to_numpy()).groupby(e_comp).sum()
        n_edges = pd.Series(e_comp).value_counts()
        first = comp.reset_index().groupby(0)["index"].first()
        rows = [
            {
                "component": int(c),
                "n_nodes": int(n_nodes[c]),
                "n_edges": int(n_edges.get(c, 0)),
                "length_km": float(length.get(c, 0.0)) / 1000.0,
                "x": float(self.nodes[first[c], 0]),
                "y": float(self.nodes[first[c], 1]),
            }
            for c in n_nodes.index
            if c != self.main_component
        ]
        cols = ["component", "n_nodes", "n_edges", "length_km", "x", "y"]
        return pd.DataFrame(rows, columns=cols)

    def edge_position(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Return the positions of edges ``(u, v)`` in the matrices' ``data`` arrays.

        :attr:`minutes` and :attr:`metres` share one sparsity structure (sorted CSR),
        so ``metres.data[edge_position(u, v)]`` is the length of edge ``u -> v``.

        Parameters
        ----------
        u, v
            Node indices of existing edges.

        Returns
        -------
        numpy.ndarray
        """
        if self._keys is None:
            m = self.minutes
            rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
            object.__setattr__(self, "_keys", rows * m.shape[0] + m.indices)
        keys = self._keys
        return np.searchsorted(
            keys,  # type: ignore[arg-type]
            np.asarray(u, np.int64) * self.minutes.shape[0] + np.asarray(v, np.int64),
        )

    def _kdtree(self) -> cKDTree:
        if self._tree is None:
            object.__setattr__(self, "_tree", cKDTree(self.nodes[self.main_nodes]))
        return self._tree  # type: ignore[return-value]

    def snap(
        self,
        points: Any,
        *,
        warn_m: float | None = SNAP_WARN_M,
        label: str = "points",
        index: pd.Index | None = None,
        ids: Sequence[object] | None = None,
    ) -> pd.DataFrame:
        """Snap points to the nearest node of the largest connected component.

        Parameters
        ----------
        points
            A GeoSeries / GeoDataFrame of points (in :attr:`crs`; other geometries use
            their centroid) or an ``(n, 2)`` array of coordinates.
        warn_m
            Issue a :class:`~gridgeo.errors.SnapWarning` naming the count and the first
            ids of points snapped from farther than this (metres); ``None`` disables it.
        label
            What the points are, for the warning message.
        index
            Index of the result (default: the index of ``points``, or a range).
        ids
            How the warning names the points (e.g. their ``household_id``),
            aligned with ``points``; default the result's index.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``points``: ``node`` (node index), ``snap_m`` (metres from the
            point to the node) and ``snap_minutes`` (the snap leg at
            :attr:`snap_speed_kmh`).
        """
        xy, own_index = points_xy(points, crs=self.crs)
        if self.n_nodes == 0:
            msg = "The road network has no nodes to snap to."
            raise ValidationError(msg)
        dist, k = self._kdtree().query(xy)
        node = self.main_nodes[k]
        out = pd.DataFrame(
            {
                "node": node,
                "snap_m": dist,
                "snap_minutes": dist / 1000.0 / self.snap_speed_kmh * 60.0,
            },
            index=own_index if index is None else index,
        )
        self.warn_far(out, warn_m=warn_m, label=label, stacklevel=3, ids=ids)
        return out

    def warn_far(
        self,
        snap: pd.DataFrame,
        *,
        warn_m: float | None = SNAP_WARN_M,
        label: str = "points",
        stacklevel: int = 2,
        ids: Sequence[object] | None = None,
    ) -> None:
        """Warn about points of a :meth:`snap` result farther than ``warn_m``.

        Parameters
        ----------
        snap
            A result of :meth:`snap`.
        warn_m
            Distance in metres; ``None`` disables the check.
        label
            What the points are, for the message.
        stacklevel
            Passed to :func:`warnings.warn`.
        ids
            How the message names the points, aligned with ``snap``; default its
            index.

        Warns
        -----
        gridgeo.errors.SnapWarning
            Naming the count and the first ids of the far points.
        """
        if warn_m is None:
            return
        d = snap["snap_m"].to_numpy()
        far = d > warn_m
        if not far.any():
            return
        names = snap.index if ids is None else np.asarray(ids, dtype=object)
        shown = ", ".join(map(str, names[far][:5]))
        msg = (
            f"{int(far.sum()):,} of {len(d):,} {label} are more than "
            f"{warn_m:,.0f} m from the road network (max {d.max():,.0f} m; "
            f"e.g. {shown}); their snap leg is timed at "
            f"{self.snap_speed_kmh:g} km/h."
        )
        warnings.warn(msg, SnapWarning, stacklevel=stacklevel + 1)

    def to_networkx(self) -> nx.Graph:
        """Return the network as an undirected :class:`networkx.Graph`.

        Nodes are the integer indices with ``x``, ``y`` attributes; edges carry
        ``length`` (m), ``minutes``, ``speed_kmh`` and ``road_class``; ``graph["crs"]``
        is the CRS.

        Returns
        -------
        networkx.Graph
        """
        g = nx.Graph(crs=self.crs)
        g.add_nodes_from(
            (i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.nodes)
        )
        e = self.edges
        g.add_edges_from(
            (
                int(u),
                int(v),
                {"length": lm, "minutes": mi, "speed_kmh": s, "road_class": c},
            )
            for u, v, lm, mi, s, c in zip(
                e["u"],
                e["v"],
                e["length_m"],
                e["minutes"],
                e["speed_kmh"],
                e[ROAD_CLASS],
                strict=False,
            )
        )
        return g

    def edge_lines(self) -> np.ndarray:
        """Return one straight shapely LineString per edge, in :attr:`crs`."""
        e = self.edges
        pts = np.stack(
            [self.nodes[e["u"].to_numpy()], self.nodes[e["v"].to_numpy()]], 1
        )
        return shapely.linestrings(pts)

    def __repr__(self) -> str:
        return (
            f"<RoadNetwork: {self.n_nodes:,} nodes, {self.n_edges:,} edges, "
            f"{self.edges['length_m'].sum() / 1000:,.1f} km, "
            f"{self.n_components} component(s)>"
        )


def points_xy(
    points: Any, *, crs: pyproj.CRS | None = None
) -> tuple[np.ndarray, pd.Index]:
    """Return ``(n, 2)`` coordinates and an index for points, checking the CRS.

    Parameters
    ----------
    points
        GeoSeries / GeoDataFrame (non-point geometries use their centroid) or an
        ``(n, 2)`` array in the metric CRS.
    crs
        The expected CRS; a different, non-missing CRS on ``points`` is reprojected.

    Returns
    -------
    tuple of numpy.ndarray and pandas.Index
    """
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geom = points.geometry
        if crs is not None and geom.crs is not None and not geom.crs.equals(crs):
            geom = geom.to_crs(crs)
        arr = geom.to_numpy()
        if len(arr) and not bool(np.all(shapely.get_type_id(arr) == 0)):
            arr = shapely.centroid(arr)
        xy = shapely.get_coordinates(arr)
        if len(xy) != len(points):
            msg = "Points must be non-empty geometries (got empty or missing ones)."
            raise ValidationError(msg)
        return xy, points.index
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    return xy, pd.RangeIndex(len(xy))


def _speeds(
    frame: pd.DataFrame, speed_col: str | None, class_col: str | None, default: float
) -> tuple[np.ndarray, np.ndarray]:
    n = len(frame)
    speed = np.full(n, np.nan)
    source = np.full(n, "default", dtype=object)
    if speed_col and speed_col in frame:
        s = pd.to_numeric(frame[speed_col], errors="coerce").to_numpy(float)
        ok = np.isfinite(s) & (s > 0)
        speed[ok] = s[ok]
        source[ok] = "column"
    if class_col and class_col in frame:
        todo = np.isnan(speed)
        cs = np.array([class_speed(c) for c in frame[class_col].to_numpy()[todo]])
        if len(cs):
            idx = np.flatnonzero(todo)[np.isfinite(cs)]
            speed[idx] = cs[np.isfinite(cs)]
            source[idx] = "class"
    speed[np.isnan(speed)] = default
    return speed, source


def _assemble(
    nodes: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length: np.ndarray,
    speed: np.ndarray,
    road_class: np.ndarray,
    source: np.ndarray,
    crs: pyproj.CRS | None,
    snap_speed_kmh: float,
) -> RoadNetwork:
    minutes = length / 1000.0 / speed * 60.0
    keep = u != v
    a, b = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
    df = pd.DataFrame(
        {
            "u": a,
            "v": b,
            "length_m": length[keep],
            "speed_kmh": speed[keep],
            ROAD_CLASS: road_class[keep],
            "minutes": minutes[keep],
            "speed_source": source[keep],
        }
    )
    # parallel edges: keep the fastest
    df = df.sort_values(["u", "v", "minutes"], kind="stable")
    df = df.drop_duplicates(["u", "v"], keep="first").reset_index(drop=True)
    n = len(nodes)
    rows = np.concatenate([df["u"].to_numpy(), df["v"].to_numpy()])
    cols = np.concatenate([df["v"].to_numpy(), df["u"].to_numpy()])
    tmin = np.tile(df["minutes"].to_numpy(), 2)
    tlen = np.tile(df["length_m"].to_numpy(), 2)
    # zero-length edges would vanish from a sparse matrix: give them a tiny weight
    tmin = np.maximum(tmin, 1e-9)
    tlen = np.maximum(tlen, 1e-9)
    minutes_m = sparse.csr_matrix((tmin, (rows, cols)), shape=(n, n))
    metres_m = sparse.csr_matrix((tlen, (rows, cols)), shape=(n, n))
    minutes_m.sort_indices()
    metres_m.sort_indices()
    _, labels = csgraph.connected_components(minutes_m, directed=False)
    sizes = np.bincount(labels) if n else np.array([0])
    # relabel so that 0 is the largest component
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = rank[labels] if n else labels
    return RoadNetwork(
        nodes=nodes,
        minutes=minutes_m,
        metres=metres_m,
        edges=df,
        component=labels.astype(np.int64),
        main_component=0,
        crs=crs,
        snap_speed_kmh=snap_speed_kmh,
    )


def _from_lines(
    roads: gpd.GeoDataFrame,
    *,
    speed_col: str | None,
    class_col: str | None,
    default_speed_kmh: float,
    node_tolerance: float,
    snap_speed_kmh: float,
) -> RoadNetwork:
    if roads.crs is not None and roads.crs.is_geographic:
        msg = (
            f"Roads must be in a metric CRS to build a network; got {roads.crs.name}. "
            "Use gg.read_county(...) or roads.to_crs(gg.choose_metric_crs(roads))."
        )
        raise CRSError(msg)
    geoms = roads.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok &= np.isin(shapely.get_type_id(geoms), [1, 5])
    frame = roads.loc[ok]
    speed, source = _speeds(frame, speed_col, class_col, default_speed_kmh)
    if class_col and class_col in frame:
        rclass = frame[class_col].astype(object).to_numpy()
    else:
        rclass = np.full(len(frame), None, dtype=object)
    parts, part_of = shapely.get_parts(frame.geometry.to_numpy(), return_index=True)
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        msg = "The roads hold no line geometry to build a network from."
        raise ValidationError(msg)
    key = np.round(coords / node_tolerance).astype(np.int64)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    # node coordinate = first original vertex of each rounded cell
    first = np.full(len(uniq), -1)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    nodes = coords[first]
    same = line_of[1:] == line_of[:-1]
    u, v = inv[:-1][same], inv[1:][same]
    seg = np.flatnonzero(same)
    length = np.hypot(*(coords[seg + 1] - coords[seg]).T)
    feat = part_of[line_of[seg]]
    return _assemble(
        nodes,
        u,
        v,
        length,
        speed[feat],
        rclass[feat],
        source[feat],
        roads.crs,
        snap_speed_kmh,
    )


def _from_graph(
    graph: nx.Graph,
    *,
    crs: pyproj.CRS | None,
    speed_col: str | None,
    class_col: str | None,
    default_speed_kmh: float,
    snap_speed_kmh: float,
) -> RoadNetwork:
    labels = list(graph.nodes)
    pos = {n: i for i, n in enumerate(labels)}
    try:
        xy = np.array(
            [[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in labels], float
        )
    except KeyError as exc:
        msg = "Every graph node needs 'x' and 'y' attributes (as OSMnx graphs have)."
        raise ValidationError(msg) from exc
    xy = xy.reshape(-1, 2)
    gcrs = graph.graph.get("crs")
    gcrs = pyproj.CRS.from_user_input(gcrs) if gcrs is not None else None
    target = pyproj.CRS.from_user_input(crs) if crs is not None else gcrs
    if target is None or target.is_geographic:
        msg = (
            "A networkx road graph needs a metric CRS: pass crs= (e.g. county.crs) "
            f"to reproject its coordinates; graph CRS is {gcrs}."
        )
        raise CRSError(msg)
    if gcrs is not None and not gcrs.equals(target):
        tr = pyproj.Transformer.from_crs(gcrs, target, always_xy=True)
        xy = np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    rows = []
    for a, b, d in graph.edges(data=True):
        rows.append((pos[a], pos[b], d))
    u = np.array([r[0] for r in rows], dtype=np.int64)
    v = np.array([r[1] for r in rows], dtype=np.int64)
    data = pd.DataFrame([r[2] for r in rows], index=range(len(rows)))
    if "length" in data:
        length = pd.to_numeric(data["length"], errors="coerce").to_numpy(float)
    else:
        length = np.full(len(rows), np.nan)
    miss = ~np.isfinite(length)
    if miss.any():
        length[miss] = np.hypot(*(xy[u[miss]] - xy[v[miss]]).T)
    if speed_col and speed_col not in data and "speed_kph" in data:
        speed_col = "speed_kph"
    if class_col and class_col not in data and "highway" in data:
        class_col = "highway"
    speed, source = _speeds(data, speed_col, class_col, default_speed_kmh)
    if "minutes" in data or "travel_time" in data:
        given = (
            pd.to_numeric(data["minutes"], errors="coerce").to_numpy(float)
            if "minutes" in data
            else pd.to_numeric(data["travel_time"], errors="coerce").to_numpy(float)
            / 60
        )
        ok = np.isfinite(given) & (given > 0)
        speed[ok] = length[ok] / 1000.0 / (given[ok] / 60.0)
        source[ok] = "column"
    rclass = (
        data[class_col].astype(object).to_numpy()
        if class_col and class_col in data
        else np.full(len(rows), None, dtype=object)
    )
    return _assemble(xy, u, v, length, speed, rclass, source, target, snap_speed_kmh)


def build_network(
    roads: gpd.GeoDataFrame | nx.Graph,
    *,
    crs: Any = None,
    speed_col: str | None = SPEED,
    class_col: str | None = ROAD_CLASS,
    default_speed_kmh: float = DEFAULT_SPEED_KMH,
    node_tolerance: float = 0.5,
    snap_speed_kmh: float = SNAP_SPEED_KMH,
) -> RoadNetwork:
    """Build a routable :class:`RoadNetwork` from road lines or a networkx graph.

    Every vertex of every (Multi)LineString becomes a node; vertices closer than
    ``node_tolerance`` (rounded to a grid of that size) are merged, so lines meet where
    they share a vertex (a crossing without a shared vertex is a bridge, not a
    junction). Each consecutive vertex pair is an undirected edge; its speed is the
    ``speed_col`` value, else the speed of its ``class_col`` value in
    :data:`ROAD_CLASS_SPEEDS`, else ``default_speed_kmh``.

    Parameters
    ----------
    roads
        A GeoDataFrame of LineStrings in a metric CRS (e.g. ``county.roads``), or a
        networkx graph whose nodes have ``x``/``y`` (an OSMnx graph works: ``length``,
        ``speed_kph``, ``travel_time`` and ``highway`` are used when present).
    crs
        For a graph: the metric CRS to reproject node coordinates to (required when the
        graph's ``crs`` is geographic, as in OSMnx's unprojected graphs).
    speed_col
        Column / edge attribute with speeds in km/h.
    class_col
        Column / edge attribute with the road class (``国道``, ``X203``, ``primary``…).
    default_speed_kmh
        Speed of roads with neither a speed nor a known class.
    node_tolerance
        Metres within which line vertices are merged into one node.
    snap_speed_kmh
        Speed of the leg from a snapped point to its road node.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    gridgeo.errors.CRSError
        Roads in a geographic CRS, or a graph without a usable metric CRS.
    gridgeo.errors.ValidationError
        No line geometry, or graph nodes without coordinates.

    See Also
    --------
    county_network : the cached network of a County.
    """
    if isinstance(roads, nx.Graph):
        return _from_graph(
            roads,
            crs=crs,
            speed_col=speed_col,
            class_col=class_col,
            default_speed_kmh=default_speed_kmh,
            snap_speed_kmh=snap_speed_kmh,
        )
    if not isinstance(roads, gpd.GeoDataFrame):
        msg = f"roads must be a GeoDataFrame or a networkx graph; got {type(roads)}."
        raise ValidationError(msg)
    if crs is not None and roads.crs is not None:
        roads = roads.to_crs(crs)
    return _from_lines(
        roads,
        speed_col=speed_col,
        class_col=class_col,
        default_speed_kmh=default_speed_kmh,
        node_tolerance=node_tolerance,
        snap_speed_kmh=snap_speed_kmh,
    )


def county_network(county: Any) -> RoadNetwork | None:
    """Return the County's road network, built once and cached, or ``None``.

    The network is stored in ``county._cache["network"]`` so that every coverage
    function reuses it.

    Parameters
    ----------
    county
        A :class:`gridgeo.County`.

    Returns
    -------
    RoadNetwork or None
        ``None`` when the county has no roads.
    """
    cache = getattr(county, "_cache", None)
    if cache is not None and "network" in cache:
        return cache["network"]
    roads = getattr(county, "roads", None)
    net = None
    if roads is not None and len(roads):
        net = build_network(roads, crs=getattr(county, "crs", None))
    if cache is not None:
        cache["network"] = net
    return net
