"""Private generator of the synthetic road network and service sites (metric plane).

Road nodes are denser where people live. Segments are the Gabriel graph of the
nodes (planar, connected, about two edges per node), cut to the county. Arterials
join the township seats along valleys (shortest paths with a terrain penalty),
township roads join each seat to its villages, the rest are village roads (streets
in the county town). Speeds fall with the terrain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gridgeo._synth_county import Territory
from gridgeo._synth_geom import delaunay_edges, sample_in_polygons

__all__ = ["Roads", "make_roads", "make_sites"]

_SPEED = {  # km/h by class and zone
    "arterial": {"urban": 50, "plain": 70, "hill": 55, "mountain": 45},
    "township": {"urban": 40, "plain": 45, "hill": 35, "mountain": 30},
    "street": {"urban": 30, "plain": 30, "hill": 30, "mountain": 30},
    "village": {"urban": 25, "plain": 25, "hill": 20, "mountain": 15},
}


@dataclass
class Roads:
    """Road nodes and segments in the metric plane."""

    nodes: np.ndarray  # (n, 2)
    edges: np.ndarray  # (m, 2) node pairs
    road_class: np.ndarray  # (m,) str
    speed: np.ndarray  # (m,) km/h


def _gabriel(xy: np.ndarray) -> np.ndarray:
    """Gabriel edges: Delaunay edges whose opposite angles are all acute."""
    edges, dt = delaunay_edges(xy)
    tri = dt.simplices
    bad = []
    for a, b, c in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        pa, pb, pc = xy[tri[:, a]], xy[tri[:, b]], xy[tri[:, c]]
        obtuse = ((pa - pc) * (pb - pc)).sum(axis=1) <= 0  # angle at c >= 90°
        bad.append(np.sort(tri[obtuse][:, [a, b]], axis=1))
    bad_e = np.unique(np.concatenate(bad), axis=0)
    n = len(xy)
    key = edges[:, 0] * n + edges[:, 1]
    return edges[~np.isin(key, bad_e[:, 0] * n + bad_e[:, 1])]


def _graph(n: int, edges: np.ndarray, cost: np.ndarray) -> sparse.csr_array:
    i, j = edges[:, 0], edges[:, 1]
    return sparse.csr_array(
        (
            np.concatenate([cost, cost]),
            (np.concatenate([i, j]), np.concatenate([j, i])),
        ),
        shape=(n, n),
    )


def _path_edges(
    edges: np.ndarray, n: int, cost: np.ndarray, pairs: list[tuple[int, int]]
) -> np.ndarray:
    """Return the edges on the cheapest path of each (source, target) pair."""
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    sources = np.array(sorted({s for s, _ in pairs}))
    row = {int(s): k for k, s in enumerate(sources)}
    _, pred = csgraph.dijkstra(
        _graph(n, edges, cost),
        directed=False,
        indices=sources,
        return_predecessors=True,
    )
    us, vs = [], []
    for s, t in pairs:
        p = pred[row[s]]
        v = t
        while v != s and p[v] >= 0:
            us.append(p[v])
            vs.append(v)
            v = p[v]
    if not us:
        return np.zeros(0, dtype=np.int64)
    u, v = np.array(us), np.array(vs)
    key = np.minimum(u, v) * n + np.maximum(u, v)
    ekey = edges[:, 0] * n + edges[:, 1]
    order = np.argsort(ekey)
    return order[np.searchsorted(ekey[order], np.unique(key))]


def _seat_links(seats_xy: np.ndarray) -> list[tuple[int, int]]:
    """Link seats: their minimum spanning tree plus each seat's 2 nearest."""
    k = len(seats_xy)
    if k < 2:
        return []
    d = np.hypot(*(seats_xy[:, None, :] - seats_xy[None, :, :]).transpose(2, 0, 1))
    mst = csgraph.minimum_spanning_tree(sparse.csr_array(np.triu(d))).tocoo()
    links = {
        (int(min(a, b)), int(max(a, b))) for a, b in zip(mst.row, mst.col, strict=True)
    }
    near = np.argsort(d, axis=1)[:, 1 : min(3, k)]
    for a in range(k):
        for b in near[a]:
            if d[a, b] < 1.6 * np.median(d[a][near[a]]) + 1:
                links.add((min(a, int(b)), max(a, int(b))))
    return sorted(links)


def make_roads(
    rng: np.random.Generator,
    terr: Territory,
    hh_xy: np.ndarray,
    hamlets: np.ndarray,
    *,
    nodes_per_km2: float,
) -> Roads:
    """Build a connected road network over the county."""
    cells = terr.tiling.cells
    area = shapely.area(cells)
    n_nodes = max(50, round(nodes_per_km2 * area.sum() / 1e6))
    n_people = int(0.55 * n_nodes)
    pick = rng.choice(len(hh_xy), size=min(n_people, len(hh_xy)), replace=False)
    near_people = hh_xy[np.sort(pick)] + rng.normal(0, 60.0, (pick.size, 2))
    spread, _ = sample_in_polygons(
        cells, np.round((n_nodes - pick.size) * area / area.sum()).astype(int), rng
    )
    xy = np.concatenate([hamlets, near_people, spread])
    outline = terr.outline
    shapely.prepare(outline)
    xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
    edges = _gabriel(xy)
    lines = shapely.linestrings(xy[edges])
    inside = shapely.covers(outline, lines)
    edges = edges[inside]
    n = len(xy)
    _, lab = csgraph.connected_components(
        _graph(n, edges, np.ones(len(edges))), directed=False
    )
    big = np.argmax(np.bincount(lab))
    keep = lab == big
    new = np.cumsum(keep) - 1
    xy = xy[keep]
    edges = new[edges[keep[edges[:, 0]]]]
    n = len(xy)

    # Terrain of every node from its village (villages are Voronoi cells of seeds).
    _, village = cKDTree(terr.tiling.seeds).query(xy)
    e = terr.elevation
    rough = (e[village] - e.min()) / max(np.ptp(e), 1.0)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    cost = length * (1.0 + 3.0 * rough[edges].mean(axis=1)) + 1e-6

    tree = cKDTree(xy)
    _, hamlet_node = tree.query(hamlets)
    seat_nodes = hamlet_node[terr.town_seat]
    seat_nodes[0] = tree.query(terr.centre)[1]  # the county town centre
    links = [
        (int(seat_nodes[a]), int(seat_nodes[b])) for a, b in _seat_links(xy[seat_nodes])
    ]
    arterial = _path_edges(edges, n, cost, links)
    cost2 = cost.copy()
    cost2[arterial] *= 0.4
    local = [
        (int(seat_nodes[terr.town_of[v]]), int(hamlet_node[v]))
        for v in range(len(cells))
    ]
    township = _path_edges(edges, n, cost2, local)

    zone_of_edge = terr.zone[village[edges[:, 0]]]
    road_class = np.where(zone_of_edge == "urban", "street", "village").astype(object)
    road_class[township] = "township"
    road_class[arterial] = "arterial"
    speed = np.zeros(len(edges), dtype=np.int64)
    for cls, by_zone in _SPEED.items():
        for z, v in by_zone.items():
            speed[(road_class == cls) & (zone_of_edge == z)] = v
    return Roads(nodes=xy, edges=edges, road_class=road_class.astype(str), speed=speed)


def make_sites(
    rng: np.random.Generator,
    terr: Territory,
    hamlets: np.ndarray,
    counts: np.ndarray,
    anchors: np.ndarray | None,
    *,
    n_service_points: int,
    n_candidates: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Existing service points and candidate sites (snapped to ``anchors`` if given).

    Returns ``(sp_xy, sp_village, cand_xy, cand_village)``. Service points sit at each
    township seat, then at the largest other villages of the most populous townships.
    Candidates are the main settlements of villages, largest first, then further
    road nodes (or settlements) near people.
    """
    n_v = len(counts)
    town_hh = np.bincount(terr.town_of, weights=counts)
    order_towns = np.argsort(-town_hh, kind="stable")
    seats = list(terr.town_seat[order_towns][: min(n_service_points, len(order_towns))])
    extra = n_service_points - len(seats)
    while extra > 0:  # round robin over townships, most populous first
        added = 0
        for town in order_towns:
            vs = np.flatnonzero(terr.town_of == town)
            vs = [
                v for v in vs[np.argsort(-counts[vs], kind="stable")] if v not in seats
            ]
            if vs and extra > 0:
                seats.append(int(vs[0]))
                extra -= 1
                added += 1
        if not added:
            break
    sp_village = np.array(seats, dtype=np.int64)
    by_size = np.argsort(-counts, kind="stable")
    cand_village = by_size[: min(n_candidates, n_v)]
    cand_xy = hamlets[cand_village]
    if anchors is not None:
        tree = cKDTree(anchors)
        sp_xy = anchors[tree.query(hamlets[sp_village])[1]]
        _, sp_village = cKDTree(terr.tiling.seeds).query(sp_xy)
        snap = tree.query(cand_xy)[1]
        pool = rng.permutation(np.setdiff1d(np.arange(len(anchors)), snap))
        both = np.concatenate([snap, pool])
        _, first = np.unique(both, return_index=True)
        cand_xy = anchors[both[np.sort(first)][:n_candidates]]
        _, cand_village = cKDTree(terr.tiling.seeds).query(cand_xy)
    else:
        sp_xy = hamlets[sp_village]
    return sp_xy, sp_village, cand_xy, cand_village
