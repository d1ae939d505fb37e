"""Service coverage: service-area polygons, ``areas=False``, one SnapWarning."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _roads import CRS, lattice_roads, make_county

import gridgeo as gg
from gridgeo.coverage import service_coverage, staffing
from gridgeo.coverage.service import QUAD_SEGS, service_areas
from gridgeo.coverage.travel import Router
from gridgeo.errors import SnapWarning
from gridgeo.plan import Plan

COLUMNS = ["site_id", "town_id", "households", "method", "geometry"]


def sites_at(*xy):
    return gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(len(xy))]},
        geometry=shapely.points(np.asarray(xy, float)),
        crs=CRS,
    )


def test_service_areas_are_the_union_of_reachable_corridors():
    county = make_county(lattice_roads(6))
    # two sites reaching overlapping parts of the lattice, one far off the roads
    sp = sites_at((0.0, 0.0), (2000.0, 1000.0), (60_000.0, 60_000.0))
    router = Router.of(county)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnapWarning)  # the far site, on purpose
        areas = service_areas(router, sp, max_km=2.5, buffer_m=150.0)
        m = router.matrix(sp, router.network.nodes, weight="km", limit=2.5)
    net = router.network
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    lines = net.edge_lines()
    assert len(areas) == 3
    assert areas.crs == CRS
    for i in range(2):
        sel = np.isfinite(m[i, u]) & np.isfinite(m[i, v])
        assert 0 < sel.sum() < len(u)
        ref = shapely.union_all(shapely.buffer(lines[sel], 150.0, quad_segs=QUAD_SEGS))
        got = areas.iloc[i]
        assert got.is_valid
        assert got.area == pytest.approx(ref.area, rel=1e-9)
        assert shapely.symmetric_difference(got, ref).area < 1e-6 * ref.area
        assert got.contains(sp.geometry.iloc[i])
    # the sites reach different edges, so the shared pieces did not leak across
    assert areas.iloc[0].area != pytest.approx(areas.iloc[1].area)
    # nothing reached: a disc of buffer_m around the site itself
    far = areas.iloc[2]
    assert far.geom_type == "Polygon"
    assert not far.is_empty
    assert far.contains(sp.geometry.iloc[2])
    assert far.area == pytest.approx(np.pi * 150.0**2, rel=0.05)


def test_service_coverage_areas_never_missing():
    county = make_county(lattice_roads(6))
    sp = sites_at((0.0, 0.0), (5000.0, 5000.0))
    res = service_coverage(county, sp, max_minutes=3.0)
    sa = res.service_areas
    assert sa.columns.tolist() == COLUMNS
    assert len(sa) == 2
    assert sa.geometry.notna().all()
    assert not sa.geometry.is_empty.any()
    assert set(sa.geom_type) <= {"Polygon", "MultiPolygon"}


def test_areas_false_is_an_empty_frame():
    county = make_county(lattice_roads(6))
    sp = sites_at((0.0, 0.0), (5000.0, 5000.0))
    full = service_coverage(county, sp, max_km=3.0)
    res = service_coverage(county, sp, max_km=3.0, areas=False)
    sa = res.service_areas
    assert isinstance(sa, gpd.GeoDataFrame)
    assert len(sa) == 0
    assert sa.columns.tolist() == COLUMNS
    assert sa.crs == county.crs
    # the rest of the result does not depend on areas=
    assert res.share == full.share
    assert "2 service points" in res.summary()


def test_coverage_map_with_areas_false():
    county = make_county(lattice_roads(6), n_hh=60)
    units = county.villages.assign(unit_id=county.villages["village_id"])
    plan = Plan.from_assignment(units, [0, 1], county=county)
    sp = sites_at((0.0, 0.0), (5000.0, 5000.0))
    cov = service_coverage(county, sp, max_km=3.0, areas=False)
    m = gg.coverage_map(plan, cov)
    html = m.get_root().render()
    assert "<html" in html.lower()


def far_county():
    # a 3 x 3 km lattice; households spread over 5 x 5 km, so many are > 1 km off
    return make_county(lattice_roads(3), n_hh=80)


def snap_warnings(caught):
    return [w for w in caught if issubclass(w.category, SnapWarning)]


def test_snap_warning_once_per_county_and_households():
    county = far_county()
    units = county.villages.assign(unit_id=county.villages["village_id"])
    plan = Plan.from_assignment(units, [0, 1], county=county)
    sp = sites_at((0.0, 0.0), (2000.0, 2000.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        service_coverage(county, sp, max_km=3.0, areas=False)
        staffing(plan)
        service_coverage(county, sp, max_km=3.0, areas=False)
    got = snap_warnings(caught)
    assert len(got) == 1
    msg = str(got[0].message)
    # the first warning stays informative: count, label, and the households'
    # own ids (not the frame's index labels)
    assert "targets are more than 1,000 m" in msg
    assert "53 of 80 targets" in msg
    assert "e.g. h0, h1, h3, h5, h6)" in msg
    assert county.households["household_id"].iloc[[0, 1, 3]].tolist() == [
        "h0",
        "h1",
        "h3",
    ]
    # another County with the same households warns again (its own first time)
    with pytest.warns(SnapWarning, match="targets"):
        service_coverage(far_county(), sp, max_km=3.0, areas=False)


def test_snap_warning_staffing_first_then_coverage():
    county = far_county()
    units = county.villages.assign(unit_id=county.villages["village_id"])
    plan = Plan.from_assignment(units, [0, 1], county=county)
    sp = sites_at((0.0, 0.0), (2000.0, 2000.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        staffing(plan)
        staffing(plan)
        service_coverage(county, sp, max_km=3.0, areas=False)
    assert len(snap_warnings(caught)) == 1
