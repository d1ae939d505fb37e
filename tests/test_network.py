"""Road network and travel times.

Fixtures (from ``tests/_roads.py``): an n×n lattice of 1 km road segments sharing
vertices, an extra disconnected road, and a County built directly from the dataclass
(no roads variant for the straight-line method).
"""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from _roads import CRS, lattice_roads, make_county

from gridgeo.coverage import travel_matrix, travel_times
from gridgeo.coverage.travel import Router
from gridgeo.errors import CRSError, SnapWarning
from gridgeo.network import (
    DETOUR_FACTOR,
    ROAD_CLASS_SPEEDS,
    STRAIGHT_LINE_SPEED_KMH,
    build_network,
    class_speed,
    county_network,
)


def test_class_speeds():
    assert class_speed("县道") == ROAD_CLASS_SPEEDS["县道"]
    assert class_speed("X203") == ROAD_CLASS_SPEEDS["县道"]
    assert class_speed("g105") == ROAD_CLASS_SPEEDS["国道"]
    assert class_speed(["foo", "residential"]) == ROAD_CLASS_SPEEDS["residential"]
    assert np.isnan(class_speed("unknown"))


def test_build_from_lines_speeds_and_components():
    roads = lattice_roads(4)
    extra = gpd.GeoDataFrame(
        {"road_class": ["村道"], "speed_kmh": [np.nan]},
        geometry=[shapely.LineString([(9000, 9000), (9500, 9000)])],
        crs=CRS,
    )
    net = build_network(pd.concat([roads, extra], ignore_index=True))
    assert net.n_nodes == 16 + 2
    assert net.n_edges == 24 + 1
    assert net.n_components == 2
    dis = net.disconnected
    assert dis["n_nodes"].tolist() == [2]
    assert dis["length_km"].iloc[0] == pytest.approx(0.5)
    e = net.edges
    assert set(e["speed_source"]) <= {"column", "class", "default"}
    col = e["speed_source"] == "column"
    assert np.allclose(e.loc[col, "speed_kmh"], 55.0)
    assert np.allclose(e["minutes"], e["length_m"] / 1000 / e["speed_kmh"] * 60)
    # snapping only uses the largest component
    snap = net.snap(np.array([[9200.0, 9000.0]]), warn_m=None)
    assert net.component[snap["node"].iloc[0]] == net.main_component


def test_geographic_roads_rejected():
    roads = lattice_roads(3).to_crs(4326)
    with pytest.raises(CRSError, match="metric CRS"):
        build_network(roads)


def test_networkx_roundtrip_and_osmnx_like_graph():
    net = build_network(lattice_roads(5))
    g = net.to_networkx()
    assert g.number_of_nodes() == net.n_nodes
    assert g.number_of_edges() == net.n_edges
    # an OSMnx-like graph in lon/lat with 'highway' and 'length'
    tr = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)
    h = nx.MultiDiGraph(crs="EPSG:4326")
    for n, d in g.nodes(data=True):
        lon, lat = tr.transform(d["x"], d["y"])
        h.add_node(n, x=lon, y=lat)
    for u, v, d in g.edges(data=True):
        h.add_edge(u, v, length=d["length"], highway="tertiary")
    with pytest.raises(CRSError):
        build_network(h)
    net2 = build_network(h, crs=CRS)
    assert net2.n_edges == net.n_edges
    assert np.allclose(net2.nodes, net.nodes, atol=1e-3)
    assert np.allclose(net2.edges["speed_kmh"], ROAD_CLASS_SPEEDS["tertiary"])


def test_snap_warning_names_points():
    net = build_network(lattice_roads(3))
    pts = gpd.GeoSeries(
        shapely.points([[10, 10], [8000, 8000]]), index=["a", "far"], crs=CRS
    )
    with pytest.warns(SnapWarning, match="far"):
        snap = net.snap(pts)
    assert snap.loc["a", "snap_m"] == pytest.approx(np.hypot(10, 10))
    assert snap.loc["far", "snap_minutes"] == pytest.approx(
        snap.loc["far", "snap_m"] / 1000 / net.snap_speed_kmh * 60
    )


@pytest.mark.parametrize("seed", range(4))
def test_nearest_agrees_with_networkx(seed):
    """Sources and targets on nodes: times equal networkx multi-source Dijkstra."""
    rng = np.random.default_rng(seed)
    net = build_network(lattice_roads(7, seed=seed))
    g = net.to_networkx()
    src = rng.choice(net.n_nodes, 4, replace=False)
    res = Router(net, crs=CRS).nearest(net.nodes[src], net.nodes, weight="minutes")
    dist, paths = nx.multi_source_dijkstra(g, set(src.tolist()), weight="minutes")
    expect = np.array([dist[i] for i in range(net.n_nodes)])
    assert np.allclose(res["minutes"].to_numpy(), expect, rtol=1e-12, atol=1e-9)
    # km along the chosen path equals the path's length in networkx
    for i in rng.choice(net.n_nodes, 10):
        path = paths[i]
        km = sum(g.edges[a, b]["length"] for a, b in itertools.pairwise(path))
        assert res["km"].iloc[i] == pytest.approx(km / 1000, abs=1e-9)
        assert src[res["source"].iloc[i]] == path[0] or dist[i] == pytest.approx(
            res["minutes"].iloc[i]
        )
    # the matrix agrees with per-source networkx Dijkstra
    m = Router(net, crs=CRS).matrix(net.nodes[src], net.nodes, weight="km")
    for r, s in enumerate(src):
        d = nx.single_source_dijkstra_path_length(g, int(s), weight="length")
        assert np.allclose(m[r], [d[i] / 1000 for i in range(net.n_nodes)])


def test_travel_times_snap_legs_and_limit():
    county = make_county(lattice_roads(6))
    sp = gpd.GeoDataFrame(
        geometry=shapely.points([[0, 0], [5000, 5000]]), crs=CRS, index=["s0", "s1"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tt = travel_times(county, sp)
    assert (tt["method"] == "road").all()
    assert tt.index.equals(county.households.index)
    m = travel_matrix(county, sp)
    assert np.allclose(m.min(axis=1).to_numpy(), tt["minutes"].to_numpy())
    assert (m.columns[m.to_numpy().argmin(1)] == tt["source_id"]).all()
    lim = float(np.median(tt["minutes"]))
    tl = travel_times(county, sp, max_minutes=lim)
    far = tt["minutes"] > lim
    assert (tl.loc[far, "source"] == -1).all()
    assert tl.loc[far, "minutes"].isna().all()
    assert np.allclose(tl.loc[~far, "minutes"], tt.loc[~far, "minutes"])
    # the network is cached on the County
    assert county._cache["network"] is county_network(county)


def test_travel_times_without_roads():
    county = make_county(None)
    sp = gpd.GeoDataFrame(geometry=shapely.points([[0, 0], [5000, 5000]]), crs=CRS)
    tt = travel_times(county, sp)
    assert (tt["method"] == "straight-line").all()
    xy = shapely.get_coordinates(county.households.geometry.to_numpy())
    d = np.minimum(np.hypot(*xy.T), np.hypot(*(xy - 5000).T)) / 1000 * DETOUR_FACTOR
    assert np.allclose(tt["km"], d)
    assert np.allclose(tt["minutes"], d / STRAIGHT_LINE_SPEED_KMH * 60)
    assert travel_matrix(county, sp).attrs["method"] == "straight-line"


def test_household_snap_cached_and_invalidated():
    county = make_county(lattice_roads(6), n_hh=60)
    sp = gpd.GeoDataFrame(geometry=shapely.points([[0, 0], [5000, 0]]), crs=CRS)
    first = travel_times(county, sp)
    entry = county._cache["household_snap"]
    assert entry[0] is county.households
    second = travel_times(county, sp)
    assert county._cache["household_snap"] is entry  # reused, not recomputed
    pd.testing.assert_frame_equal(first, second)
    # households replaced: the snap is recomputed for the new points
    moved = county.households.copy()
    moved["geometry"] = shapely.points(np.full((len(moved), 2), 5000.0))
    county.households = moved
    third = travel_times(county, sp)
    assert county._cache["household_snap"][0] is moved
    assert np.allclose(third["minutes"], third["minutes"].iloc[0])
    assert not np.allclose(third["minutes"], first["minutes"])
    # other targets are never cached
    travel_times(county, sp, targets=moved.copy())
    assert county._cache["household_snap"][0] is moved
