"""Cut pieces and their neighbours share edges exactly (seams healed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gridgeo.graph import build_contiguity, heal_seams, shares_edge, snap_tolerance


def _cut_village() -> tuple[list[shapely.Geometry], shapely.Geometry]:
    # a village cut by slanted lines next to an untouched neighbour: the pieces'
    # new vertices on the shared edge lie off it by rounding
    village = shapely.Polygon([(0, 0), (1000.3, 0), (1000.7, 1000), (0, 1000)])
    neighbour = shapely.Polygon([(1000.3, 0), (2000, 0), (2000, 1000), (1000.7, 1000)])
    lines = [
        shapely.LineString([(-10, 137.1 * k), (3000, 143.3 * k + 11.7)])
        for k in range(1, 7)
    ]
    parts = shapely.get_parts(
        shapely.polygonize_full([shapely.union_all([village.boundary, *lines])])[0]
    )
    parts = [p for p in parts if village.contains(p.representative_point())]
    return parts, neighbour


def _along(parts: list[shapely.Geometry], neighbour: shapely.Geometry) -> list[int]:
    edge = shapely.LineString([(1000.3, 0), (1000.7, 1000)])
    return [
        i
        for i, p in enumerate(parts)
        if shapely.length(shapely.intersection(p.boundary, edge.buffer(1e-6))) > 1
    ]


def test_cut_pieces_lose_their_neighbour_until_healed() -> None:
    parts, neighbour = _cut_village()
    along = _along(parts, neighbour)
    assert len(along) >= 4
    geoms = np.array([*parts, neighbour], dtype=object)
    last = len(parts)
    raw = shares_edge(geoms[along], np.repeat(geoms[[last]], len(along)))
    assert not raw.all()  # rounding: some pieces no longer share the edge
    healed = heal_seams(geoms, np.arange(last), snap_tolerance(geoms))
    assert shares_edge(healed[along], np.repeat(healed[[last]], len(along))).all()
    # the neighbour moved by less than a micrometre, and the union is one polygon
    assert shapely.hausdorff_distance(healed[last], neighbour) < 1e-6
    assert shapely.union_all(healed).geom_type == "Polygon"
    adj, _ = build_contiguity(gpd.GeoSeries(healed, crs="EPSG:4549"))
    assert all(adj[[i], [last]][0] == 1 for i in along)


def test_heal_seams_leaves_exact_neighbours_alone() -> None:
    a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    geoms = np.array([a, b], dtype=object)
    out = heal_seams(geoms, np.array([0]), snap_tolerance(geoms))
    assert out[1].equals(b)
    assert shares_edge(out[[0]], out[[1]]).all()
