"""Private geometry helpers of the synthetic data generators (see ``datasets.py``).

Everything here works in a local metric plane (metres). Villages are Voronoi cells
of seed points: the county (or region) is the union of the cells of the seeds that
a priority flood from the centre picks, so the villages tile it exactly (shared
edges have identical vertices) and no clipping ever breaks the coverage. Townships
and counties are grown over the village adjacency graph by a multi-source shortest
path, so each one is contiguous and villages nest in them by construction.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, cKDTree

__all__ = [
    "Tiling",
    "delaunay_edges",
    "grow_regions",
    "kmeans_centres",
    "outline_rho",
    "sample_in_polygons",
    "smooth_field",
    "voronoi_tiling",
]

Field = Callable[[np.ndarray], np.ndarray]


def smooth_field(rng: np.random.Generator, scale: float, n_waves: int = 32) -> Field:
    """Return a smooth, zero-mean, unit-variance random field f(xy) (random waves).

    ``scale`` is the correlation length in metres.
    """
    w = rng.normal(0.0, 1.0 / scale, size=(n_waves, 2))
    phi = rng.uniform(0.0, 2 * np.pi, n_waves)
    amp = np.sqrt(2.0 / n_waves)

    def field(xy: np.ndarray) -> np.ndarray:
        return amp * np.cos(np.asarray(xy, dtype=float) @ w.T + phi).sum(axis=1)

    return field


def outline_rho(rng: np.random.Generator, roughness: float = 1.0) -> Field:
    """Return ρ(xy): distance from the origin over a smooth random radius r(θ).

    The outline of the territory is roughly the level set ρ = R; r(θ) is a sum of
    low harmonics with random phases, so the outline is irregular but not fractal.
    """
    ks = np.arange(2, 8)
    amps = roughness * rng.uniform(0.05, 0.22, ks.size) / ks**0.6
    phases = rng.uniform(0.0, 2 * np.pi, ks.size)
    # Normalise so the radius stays positive and has mean 1.
    scale = 1.0 / max(1.0, amps.sum() / 0.6)
    amps = amps * scale

    def rho(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float)
        theta = np.arctan2(xy[:, 1], xy[:, 0])
        r = 1.0 + (amps * np.cos(np.outer(theta, ks) + phases)).sum(axis=1)
        return np.hypot(xy[:, 0], xy[:, 1]) / r

    return rho


def delaunay_edges(xy: np.ndarray) -> tuple[np.ndarray, Delaunay]:
    """Return the unique Delaunay edges (i < j) of ``xy`` and the triangulation."""
    dt = Delaunay(xy)
    tri = dt.simplices
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    e.sort(axis=1)
    n = len(xy)
    key = np.unique(e[:, 0].astype(np.int64) * n + e[:, 1])
    return np.column_stack([key // n, key % n]), dt


def _adjacency(n: int, edges: np.ndarray, weights: np.ndarray) -> sparse.csr_array:
    i, j = edges[:, 0], edges[:, 1]
    return sparse.csr_array(
        (
            np.concatenate([weights, weights]),
            (np.concatenate([i, j]), np.concatenate([j, i])),
        ),
        shape=(n, n),
    )


def _flood(n_pick: int, prio: np.ndarray, edges: np.ndarray, start: int) -> np.ndarray:
    """Pick ``n_pick`` connected nodes, always growing at the lowest priority."""
    n = prio.size
    adj = _adjacency(n, edges, np.ones(len(edges)))
    indptr, indices = adj.indptr, adj.indices
    picked = np.zeros(n, dtype=bool)
    heap = [(float(prio[start]), int(start))]
    queued = np.zeros(n, dtype=bool)
    queued[start] = True
    count = 0
    while heap and count < n_pick:
        _, v = heapq.heappop(heap)
        picked[v] = True
        count += 1
        for u in indices[indptr[v] : indptr[v + 1]]:
            if not queued[u]:
                queued[u] = True
                heapq.heappush(heap, (float(prio[u]), int(u)))
    return picked


def _holes(picked: np.ndarray, edges: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Unpicked nodes not connected (through unpicked nodes) to the hull."""
    out = ~picked
    keep = out[edges[:, 0]] & out[edges[:, 1]]
    adj = _adjacency(picked.size, edges[keep], np.ones(int(keep.sum())))
    _, lab = csgraph.connected_components(adj, directed=False)
    outer = np.zeros(picked.size, dtype=bool)
    outer_labels = np.unique(lab[hull])
    outer[np.isin(lab, outer_labels)] = True
    return out & ~outer


@dataclass
class Tiling:
    """Seeds and Voronoi cells of the chosen territory, with village adjacency."""

    seeds: np.ndarray  # (n, 2) seed of each cell
    cells: np.ndarray  # (n,) Polygons, a valid coverage
    edges: np.ndarray  # (m, 2) adjacent cell pairs (i < j)


def voronoi_tiling(
    seeds: np.ndarray, n_pick: int, prio: np.ndarray, start: int
) -> Tiling:
    """Voronoi cells of ``seeds``; keep ``n_pick`` connected cells without holes.

    ``prio`` orders the flood (lowest first): the kept cells approximate a level
    set of ``prio``. Seeds on the convex hull are never kept, so every kept cell is
    a bounded, unclipped Voronoi cell and neighbours share identical vertices.
    """
    edges, dt = delaunay_edges(seeds)
    hull = np.unique(dt.convex_hull)
    prio = prio.astype(float).copy()
    prio[hull] = np.inf
    for _ in range(10):
        picked = _flood(n_pick, prio, edges, start)
        holes = _holes(picked, edges, hull)
        if not holes.any():
            break
        prio[holes] = -np.inf  # fill the hole first on the next try
    # The cells of the kept seeds; extend_to keeps the diagram finite and large.
    lo, hi = seeds.min(axis=0), seeds.max(axis=0)
    frame = shapely.box(*(lo - (hi - lo)), *(hi + (hi - lo)))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=frame, ordered=True
        )
    )
    idx = np.flatnonzero(picked)
    remap = np.full(seeds.shape[0], -1)
    remap[idx] = np.arange(idx.size)
    inner = picked[edges[:, 0]] & picked[edges[:, 1]]
    return Tiling(seeds=seeds[idx], cells=cells[idx], edges=remap[edges[inner]])


def kmeans_centres(
    xy: np.ndarray,
    k: int,
    rng: np.random.Generator,
    weights: np.ndarray | None = None,
    n_iter: int = 15,
) -> np.ndarray:
    """Plain (weighted) Lloyd k-means on points; returns the (k, 2) centres."""
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype=float)
    centres = xy[rng.choice(len(xy), size=k, replace=False, p=w / w.sum())]
    for _ in range(n_iter):
        _, lab = cKDTree(centres).query(xy)
        tot = np.bincount(lab, weights=w, minlength=k)
        cx = np.bincount(lab, weights=w * xy[:, 0], minlength=k)
        cy = np.bincount(lab, weights=w * xy[:, 1], minlength=k)
        ok = tot > 0
        centres[ok] = np.column_stack([cx[ok] / tot[ok], cy[ok] / tot[ok]])
    return centres


def grow_regions(
    xy: np.ndarray,
    edges: np.ndarray,
    sources: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Assign every node to its nearest source along the adjacency graph.

    Multi-source Dijkstra (Euclidean edge lengths): each region is the union of
    shortest-path trees, hence connected. ``allowed`` masks edges that may be used
    (e.g. only edges inside one county). Returns the index into ``sources``.
    """
    if allowed is not None:
        edges = edges[allowed]
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T) + 1e-9
    adj = _adjacency(len(xy), edges, length)
    _, _, src = csgraph.dijkstra(
        adj, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    order = np.full(len(xy), -1)
    order[sources] = np.arange(len(sources))
    return order[src]


def sample_in_polygons(
    polys: np.ndarray,
    counts: np.ndarray,
    rng: np.random.Generator,
    max_rounds: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points inside each polygon; ``counts[i]`` points in ``polys[i]``.

    Returns ``(xy, owner)`` with owner the polygon index of each point, grouped by
    polygon in order. Vectorised rejection sampling from the bounding boxes.
    """
    counts = np.asarray(counts, dtype=np.int64)
    shapely.prepare(polys)
    bounds = shapely.bounds(polys)
    fill = np.clip(
        shapely.area(polys) / np.prod(bounds[:, 2:] - bounds[:, :2], axis=1), 0.05, 1
    )
    need = counts.copy()
    got_xy: list[np.ndarray] = []
    got_owner: list[np.ndarray] = []
    for _ in range(max_rounds):
        if not need.any():
            break
        draw = np.ceil(need / fill * 1.3).astype(np.int64) + (need > 0)
        owner = np.repeat(np.arange(len(polys)), draw)
        b = bounds[owner]
        xy = b[:, :2] + rng.random((owner.size, 2)) * (b[:, 2:] - b[:, :2])
        inside = shapely.contains_xy(polys[owner], xy[:, 0], xy[:, 1])
        owner, xy = owner[inside], xy[inside]
        # Keep at most need[i] of the accepted points of polygon i.
        start = np.searchsorted(owner, np.arange(len(polys)))
        rank = np.arange(owner.size) - start[owner]
        keep = rank < need[owner]
        got_xy.append(xy[keep])
        got_owner.append(owner[keep])
        need -= np.bincount(owner[keep], minlength=len(polys))
    if need.any():  # pragma: no cover - only for degenerate slivers
        rp = shapely.get_coordinates(shapely.point_on_surface(polys))
        owner = np.repeat(np.arange(len(polys)), need)
        got_xy.append(rp[owner])
        got_owner.append(owner)
    xy = np.concatenate(got_xy)
    owner = np.concatenate(got_owner)
    order = np.argsort(owner, kind="stable")
    return xy[order], owner[order]
