"""Tests of gridgeo.crs: GCJ-02 / BD-09 conversions and the metric CRS choice.

Reference pairs (WGS84 -> GCJ-02) are the published test vectors of the
``googollee/eviltransform`` project (tests for Shanghai, Shenzhen and Beijing).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgeo.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    choose_metric_crs,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_to_wgs84,
    parse_crs,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gridgeo.errors import CRSError

# (wgs lat, wgs lon, gcj lat, gcj lon)
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]

_GEOD = pyproj.Geod(ellps="WGS84")


def _metres(lon1, lat1, lon2, lat2):
    return _GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), REFERENCE)
def test_published_reference_points(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert _metres(lon, lat, glon, glat) < 0.01
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, wlon, wlat) < 0.01


china_lon = st.floats(75.0, 134.0)
china_lat = st.floats(18.0, 53.0)


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_gcj_round_trip_under_half_metre_and_offset_plausible(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    offset = _metres(lon, lat, glon, glat)
    assert 1.0 < offset < 1000.0
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, wlon, wlat) < 0.5


@settings(max_examples=100, deadline=None)
@given(china_lon, china_lat)
def test_bd_round_trip(lon, lat):
    blon, blat = wgs84_to_bd09(lon, lat)
    wlon, wlat = bd09_to_wgs84(blon, blat)
    assert _metres(lon, lat, wlon, wlat) < 0.5
    glon, glat = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    back = bd09_to_gcj02(glon, glat)
    assert np.allclose(back, wgs84_to_gcj02(lon, lat), atol=1e-8)


def test_offset_magnitude_in_china_mainland():
    # county seats across China: the GCJ-02 shift is a few hundred metres
    lon = np.array([119.57, 116.40, 104.07, 87.62, 126.64, 110.33])
    lat = np.array([28.11, 39.90, 30.67, 43.82, 45.75, 20.03])
    glon, glat = wgs84_to_gcj02(lon, lat)
    d = _metres(lon, lat, glon, glat)
    assert np.all((d > 100) & (d < 700))


def test_outside_china_untouched_and_nan_passes():
    lon = np.array([2.35, -74.0, 151.2, np.nan])
    lat = np.array([48.85, 40.7, -33.9, 30.0])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        x, y = func(lon, lat)
        assert np.array_equal(x[:3], lon[:3])
        assert np.array_equal(y[:3], lat[:3])
        assert np.isnan(x[3])


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        wgs84_to_gcj02([1.0, 2.0], [1.0])


def test_geometry_to_wgs84_geoseries_and_geometry():
    poly = shapely.box(119.5, 28.0, 119.6, 28.1)
    s = gpd.GeoSeries([poly], crs=4326, index=[7])
    out = geometry_to_wgs84(s, "gcj02")
    assert out.index.tolist() == [7]
    assert out.crs.to_epsg() == 4326
    x, y = gcj02_to_wgs84(119.5, 28.0)
    assert np.isclose(out.total_bounds[0], x)
    assert np.isclose(out.total_bounds[1], y)
    single = geometry_to_wgs84(shapely.Point(119.5, 28.0), "bd09")
    assert np.allclose([single.x, single.y], bd09_to_wgs84(119.5, 28.0))


@pytest.mark.parametrize(
    ("name", "special"),
    [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09"), ("EPSG:4490", None)],
)
def test_parse_crs(name, special):
    crs, kind = parse_crs(name)
    assert kind == special
    assert crs.is_geographic


def test_parse_crs_unknown():
    with pytest.raises(CRSError, match="gcj02"):
        parse_crs("not-a-crs")


@pytest.mark.parametrize(
    ("lonlat", "epsg"),
    [
        ((119.6, 28.1), 4549),  # 云和县, CM 120E
        ((114.2, 30.6), 4547),  # Wuhan, CM 114E
        ((75.9, 39.5), 4534),  # Kashgar, CM 75E
        ((134.9, 48.3), 4554),  # Fuyuan, CM 135E
        ((2.35, 48.85), 32631),  # Paris, UTM 31N
        ((151.2, -33.9), 32756),  # Sydney, UTM 56S
    ],
)
def test_choose_metric_crs(lonlat, epsg):
    crs = choose_metric_crs(lonlat)
    assert crs.to_epsg() == epsg
    assert crs.is_projected
    assert crs.axis_info[0].unit_name == "metre"


def test_choose_metric_crs_from_projected_frame():
    pts = gpd.GeoSeries(shapely.points([119.5, 119.7], [28.0, 28.2]), crs=4326)
    assert choose_metric_crs(pts.to_crs(3857)).to_epsg() == 4549


def test_choose_metric_crs_needs_crs():
    with pytest.raises(CRSError, match="without a CRS"):
        choose_metric_crs(gpd.GeoSeries([shapely.Point(1, 1)]))
