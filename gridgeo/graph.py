"""Unit adjacency: which units touch, with islands bridged to their nearest neighbour.

The adjacency is a symmetric :class:`scipy.sparse.csr_array` over the rows of a unit
GeoDataFrame (its positional order), so the partition engine never walks Python
dicts on large inputs; :func:`to_networkx` gives the public graph view.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

__all__ = [
    "BRIDGE_COLUMNS",
    "build_contiguity",
    "components_within",
    "heal_seams",
    "shares_edge",
    "snap_tolerance",
    "to_networkx",
]

BRIDGE_COLUMNS = ["u", "v", "kind", "distance_m"]


def build_contiguity(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    rook: bool = True,
    bridge_islands: bool = True,
    ids: pd.Index | np.ndarray | None = None,
) -> tuple[sparse.csr_array, pd.DataFrame]:
    """Build the contiguity graph of polygon units, bridging islands.

    Two units are neighbours when their boundaries share a line (``rook=True``) or
    at least a point (``rook=False``, queen). Every connected component other than the
    largest is then linked to its nearest unit outside it (shortest gap between the
    polygons), so the graph is connected and a grid may legally span the gap: an
    island village, an exclave, a village across a river without a shared border.

    Parameters
    ----------
    units
        Polygon units in a projected CRS; the graph's node ``i`` is row ``i``.
    rook
        Require a shared edge of positive length (default) rather than a point.
    bridge_islands
        Link every component to its nearest neighbour so the graph is connected.
    ids
        Labels used for the ``u`` / ``v`` columns of the bridge table; defaults to
        the positions.

    Returns
    -------
    adjacency : scipy.sparse.csr_array
        Symmetric 0/1 matrix, ``n × n``, including the bridges.
    bridges : pandas.DataFrame
        One row per added bridge: ``u``, ``v`` (unit labels), ``kind``
        (``"island"``), ``distance_m`` (gap between the two polygons, CRS units).

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> boxes = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
    ...                        shapely.box(5, 0, 6, 1)])
    >>> adj, bridges = build_contiguity(boxes)
    >>> adj.toarray().tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> bridges
       u  v    kind  distance_m
    0  1  2  island         3.0
    """
    geoms = np.asarray(getattr(units, "geometry", units).values, dtype=object)
    n = len(geoms)
    labels = np.arange(n) if ids is None else np.asarray(ids)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if rook and len(left):
        keep = shares_edge(geoms[left], geoms[right])
        left, right = left[keep], right[keep]
    adj = _symmetric(left, right, n)
    bridges = []
    if bridge_islands and n > 1:
        adj, bridges = _bridge_components(adj, geoms, tree)
    table = pd.DataFrame(bridges, columns=["u", "v", "distance_m"])
    table["u"] = labels[table["u"].to_numpy(dtype=int)] if len(table) else table["u"]
    table["v"] = labels[table["v"].to_numpy(dtype=int)] if len(table) else table["v"]
    table["kind"] = "island"
    return adj, table[BRIDGE_COLUMNS]


SNAP = 1e-9
"""Gap, relative to the units' extent, that :func:`heal_seams` closes."""


def snap_tolerance(geoms: np.ndarray) -> float:
    """Return the gap (CRS units) under which neighbouring boundaries are one.

    Cutting a polygon computes new vertices on its old edges, which land off the
    neighbour's edge by rounding (about 1e-10 m measured), so the pieces of a cut
    village would no longer share an edge with the villages around it.
    """
    if not len(geoms):
        return 0.0
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return float(SNAP * max(np.hypot(x1 - x0, y1 - y0), 1.0))


def heal_seams(geoms: np.ndarray, cut: np.ndarray, tol: float) -> np.ndarray:
    """Snap the polygons around freshly cut pieces onto the pieces' vertices.

    A cut puts new vertices on a piece's old edges; the neighbour across that edge
    gets them too (GEOS snapping inserts them into its segments), so both share the
    edge exactly again and their union stays one polygon. Pieces next to pieces
    are snapped both ways.

    Parameters
    ----------
    geoms
        All polygons (a changed copy is returned).
    cut
        Positions of the new pieces.
    tol
        Snapping distance (see :func:`snap_tolerance`).

    Returns
    -------
    numpy.ndarray
        The polygons, neighbours of the pieces snapped.
    """
    out = np.asarray(geoms, dtype=object).copy()
    cut = np.asarray(cut, dtype=np.int64)
    if not len(cut) or tol <= 0:
        return out
    tree = shapely.STRtree(out)
    piece, other = tree.query(out[cut], predicate="dwithin", distance=tol)
    piece = cut[piece]
    keep = piece != other
    for j in np.unique(other[keep]):
        refs = np.unique(piece[keep & (other == j)])
        snapped = shapely.snap(out[j], shapely.union_all(out[refs]), tol)
        if snapped.is_valid and not snapped.is_empty:
            out[j] = snapped
    return out


def shares_edge(a: np.ndarray, b: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Whether polygons ``a[i]`` and ``b[i]`` share a stretch of boundary (rook).

    A shared line of the boundaries (DE-9IM boundary/boundary dimension 1) settles
    most pairs without building the intersection; the others (corner touches,
    pieces whose edges are collinear only up to rounding) are measured: a shared
    boundary of positive length, or, within ``tol`` of each other, a stretch of
    boundary longer than ``100 * tol`` that runs within ``tol`` of the other's.
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    keep = shapely.relate_pattern(a, b, "****1****")
    rest = np.flatnonzero(~keep)
    if len(rest):
        ba, bb = shapely.boundary(a[rest]), shapely.boundary(b[rest])
        keep[rest] = shapely.length(shapely.intersection(ba, bb)) > 0
        if tol > 0:
            near = rest[~keep[rest]]
            if len(near):
                ba, bb = shapely.boundary(a[near]), shapely.boundary(b[near])
                close = shapely.dwithin(ba, bb, tol)
                run = np.zeros(len(near))
                run[close] = shapely.length(
                    shapely.intersection(ba[close], shapely.buffer(bb[close], tol))
                )
                keep[near] = run > 100 * tol
    return keep


def _symmetric(left: np.ndarray, right: np.ndarray, n: int) -> sparse.csr_array:
    rows = np.concatenate([left, right]).astype(np.int64)
    cols = np.concatenate([right, left]).astype(np.int64)
    data = np.ones(len(rows), dtype=np.int8)
    adj = sparse.csr_array((data, (rows, cols)), shape=(n, n))
    adj.sum_duplicates()
    adj.data[:] = 1
    return adj


def _bridge_components(
    adj: sparse.csr_array, geoms: np.ndarray, tree: shapely.STRtree
) -> tuple[sparse.csr_array, list[tuple[int, int, float]]]:
    """Link components, smallest gap first, until the graph is connected."""
    n = adj.shape[0]
    bridges: list[tuple[int, int, float]] = []
    while True:
        n_comp, comp = csgraph.connected_components(adj, directed=False)
        if n_comp == 1:
            return adj, bridges
        sizes = np.bincount(comp)
        main = int(np.argmax(sizes))
        # Bridge every non-main component to the nearest unit of another component.
        new_left, new_right = [], []
        for c in sorted(set(range(n_comp)) - {main}):
            members = np.flatnonzero(comp == c)
            others = np.flatnonzero(comp != c)
            pair, dist = tree.query_nearest(
                geoms[members], return_distance=True, exclusive=True, all_matches=False
            )
            # query_nearest may return members of the same component: mask them
            src = members[pair[0]]
            dst = pair[1]
            ok = comp[dst] != c
            if not ok.any():
                # fall back to an exhaustive nearest search against other components
                d = shapely.distance(geoms[members][:, None], geoms[others][None, :])
                i, j = np.unravel_index(np.argmin(d), d.shape)
                src_i, dst_j, gap = members[i], others[j], float(d[i, j])
            else:
                best = np.flatnonzero(ok)[np.argmin(dist[ok])]
                src_i, dst_j, gap = int(src[best]), int(dst[best]), float(dist[best])
            new_left.append(min(src_i, dst_j))
            new_right.append(max(src_i, dst_j))
            bridges.append((min(src_i, dst_j), max(src_i, dst_j), round(gap, 3)))
        extra = _symmetric(np.array(new_left), np.array(new_right), n)
        adj = (adj + extra).tocsr()
        adj.data[:] = 1


def components_within(adj: sparse.csr_array, members: np.ndarray) -> np.ndarray:
    """Label the connected components of the subgraph induced by ``members``.

    Parameters
    ----------
    adj
        Full adjacency matrix.
    members
        Positions of the nodes of the subgraph.

    Returns
    -------
    numpy.ndarray
        Component label of each member (0..c-1), aligned with ``members``.
    """
    sub = adj[members][:, members]
    _, labels = csgraph.connected_components(sub, directed=False)
    return labels


def to_networkx(
    adj: sparse.csr_array,
    units: pd.DataFrame | None = None,
    *,
    id_col: str | None = None,
) -> nx.Graph:
    """Return the adjacency as a :class:`networkx.Graph`.

    Parameters
    ----------
    adj
        Adjacency matrix from :func:`build_contiguity`.
    units
        Optional unit table; its columns become node attributes.
    id_col
        Column of ``units`` naming the nodes; default the positions.

    Returns
    -------
    networkx.Graph
    """
    graph = nx.from_scipy_sparse_array(adj)
    if units is not None:
        attrs = units.drop(columns="geometry", errors="ignore").to_dict("index")
        for node, (_, row) in zip(graph.nodes, attrs.items(), strict=False):
            graph.nodes[node].update(row)
        if id_col is not None:
            graph = nx.relabel_nodes(graph, dict(enumerate(units[id_col])))
    return graph
