"""Rook contiguity tolerates edges that differ by rounding only."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gridgeo.graph import build_contiguity, shares_edge, snap_tolerance


def test_edges_apart_by_rounding_are_shared() -> None:
    left = shapely.box(0, 0, 1000, 1000)
    right = shapely.box(1000 + 2e-10, 0, 2000, 1000)  # a gap of 2e-10 m
    corner = shapely.box(1000, 1000, 2000, 2000)  # touches `left` at one point
    far = shapely.box(1001, 0, 2000, 1000)  # 1 m away
    geoms = np.array([left, right, corner, far], dtype=object)
    tol = snap_tolerance(geoms)
    assert 0 < tol < 1e-3
    a = np.array([left, left, left], dtype=object)
    b = np.array([right, corner, far], dtype=object)
    assert shares_edge(a, b).tolist() == [False, False, False]
    assert shares_edge(a, b, tol).tolist() == [True, False, False]


def test_pieces_of_a_cut_polygon_keep_their_neighbours() -> None:
    # a village cut by a slanted line next to an untouched neighbour: the pieces'
    # new vertices on the shared edge may lie off it by rounding
    village = shapely.Polygon([(0, 0), (1000.3, 0), (1000.7, 1000), (0, 1000)])
    neighbour = shapely.Polygon([(1000.3, 0), (2000, 0), (2000, 1000), (1000.7, 1000)])
    pieces = []
    for k in range(1, 7):
        cut = shapely.LineString([(-10, 137.1 * k), (3000, 143.3 * k + 11.7)])
        pieces.append(cut)
    parts = shapely.get_parts(
        shapely.polygonize_full([shapely.union_all([village.boundary, *pieces])])[0]
    )
    parts = [p for p in parts if village.contains(p.representative_point())]
    assert len(parts) >= 6
    frame = gpd.GeoSeries([*parts, neighbour], crs="EPSG:4549")
    adj, _ = build_contiguity(frame, bridge_islands=False)
    last = len(parts)
    touching = [i for i, p in enumerate(parts) if p.exterior.distance(neighbour) < 1e-6]
    assert touching  # some pieces run along the neighbour's edge
    assert all(adj[[i], [last]][0] == 1 for i in touching)
