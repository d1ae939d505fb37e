"""Tests of gridgeo.viz: maps, colouring, offline pages, privacy, escaping.

Hostile inputs: a village named ``<script>alert(1)</script>``; a household table
full of names, phone numbers, ID-card numbers and account numbers; an unknown
language / household mode / column; a Tianditu base map without a key.
"""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_viz_helpers import CRS, make_plan

import gridgeo as gg
from gridgeo.errors import ValidationError
from gridgeo.viz.colouring import classify, colour_grids, grid_adjacency
from gridgeo.viz.privacy import hexbin

EXTERNAL = re.compile(
    r'<script[^>]+src="https?:|<link[^>]+href="https?:|@import\s+url\(["\']?https?:',
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def plan():
    return make_plan()


def _html(m: folium.Map, tmp_path, name="m.html", **kw) -> str:
    return gg.save_map(m, tmp_path / name, **kw).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("en", ["Grids", "Villages", "Township borders", "Households", "Legend"]),
        ("zh", ["网格", "行政村", "乡镇边界", "农户分布", "图例"]),
    ],
)
def test_plan_map_layers_and_language(plan, lang, names):
    m = gg.plan_map(plan, tiles=None, lang=lang)
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    for n in names:  # folium writes layer names with \uXXXX escapes
        assert n in page or json.dumps(n)[1:-1] in page, n
    assert "L.control.layers" in page
    assert page.count("gridgeo.polygons(") == 4  # grids, villages, towns, hexagons


def test_max_zoom_set_without_tiles(plan):
    page = gg.plan_map(plan, tiles=None, max_zoom=17).get_root().render()
    assert re.search(r'"maxZoom":\s*17', page)
    assert "tile.openstreetmap" not in page


def test_neighbouring_grids_differ_in_colour(plan):
    colours = colour_grids(plan.grids.geometry)
    graph = grid_adjacency(plan.grids.geometry)
    assert graph.number_of_edges() > 0
    for u, v in graph.edges:
        assert colours[u] != colours[v]
    # 3 x 4 block of grids: rook+queen neighbours need exactly 4 colours
    assert len(set(colours)) == 4


def test_choropleth_classes(plan, tmp_path):
    score = pd.Series(
        np.arange(len(plan.grids), dtype=float) * 10,
        index=plan.grids["grid_id"],
        name="KPI score",
    )
    page = _html(gg.plan_map(plan, column=score, k=4, tiles=None), tmp_path)
    assert "KPI score" in page
    colours, rows = classify(score, scheme="quantiles", k=4)
    assert len(rows) == 4
    assert len(set(colours)) == 4
    for colour, label in rows:
        assert colour in page
        assert label in page
    with pytest.raises(ValidationError, match="not a grid column"):
        gg.plan_map(plan, column="nope", tiles=None)


def test_offline_page_has_no_external_scripts(plan, tmp_path):
    page = _html(gg.plan_map(plan, tiles=None), tmp_path)
    assert not EXTERNAL.search(page)
    assert "L.version" in page or "Leaflet" in page  # leaflet.js inlined
    assert ".leaflet-pane" in page  # leaflet.css inlined
    assert "jquery" not in page.lower()
    assert "bootstrap" not in page.lower()
    online = _html(gg.plan_map(plan, tiles=None), tmp_path, "on.html", offline=False)
    assert EXTERNAL.search(online)


def test_offline_any_folium_map(tmp_path):
    m = folium.Map(location=[39.0, 116.0], tiles=None)
    folium.CircleMarker([39.0, 116.0], radius=3).add_to(m)
    assert not EXTERNAL.search(_html(m, tmp_path))
    m2 = folium.Map(location=[39.0, 116.0], tiles=None)
    folium.Marker([39.0, 116.0], icon=folium.Icon(icon="cloud")).add_to(m2)
    with pytest.raises(ValidationError, match="cannot inline"):
        gg.save_map(m2, tmp_path / "x.html")


SECRETS = {
    "owner_name": lambda n: [f"张三{i}号" for i in range(n)],
    "phone": lambda n: [f"1391234{i:04d}" for i in range(n)],
    "id_card": lambda n: [f"11010519491231{i:04d}" for i in range(n)],
    "account": lambda n: [f"6228480402{i:09d}" for i in range(n)],
}


def test_privacy_by_default(tmp_path):
    plan = make_plan(4, 4, per_village=20, extra=SECRETS)
    hh = plan.households
    page = _html(gg.plan_map(plan, tiles=None), tmp_path)
    for col in [*SECRETS, "household_id"]:
        for value in hh[col].astype(str):
            assert value not in page, (col, value)
    # no exact coordinates either: no per-household layer, fewer hexagons than homes
    assert "gridgeo.dots(" not in page
    ll = hh.to_crs(4326).geometry
    for x, y in zip(ll.x[:50], ll.y[:50], strict=True):
        assert f"{x:.5f}" not in page
        assert f"{y:.5f}" not in page


def test_household_fields_opt_in(tmp_path):
    plan = make_plan(3, 3, per_village=10, extra=SECRETS)
    m = gg.plan_map(
        plan,
        tiles=None,
        households="points",
        exact_households=True,
        household_fields=["owner_name"],
    )
    page = _html(m, tmp_path)
    assert "gridgeo.dots(" in page
    assert all(v in page for v in plan.households["owner_name"])
    assert not any(v in page for v in plan.households["phone"])
    with pytest.raises(ValidationError, match="exact_households"):
        gg.plan_map(plan, tiles=None, household_fields=["owner_name"])
    with pytest.raises(ValidationError, match="exact_households"):
        gg.plan_map(plan, tiles=None, households="points")
    with pytest.raises(ValidationError, match="not columns"):
        gg.plan_map(
            plan,
            tiles=None,
            households="points",
            exact_households=True,
            household_fields=["nope"],
        )


EVIL = "<script>alert(1)</script>"


def test_names_are_escaped(tmp_path):
    names = [EVIL, "</script><img src=x onerror=alert(2)>", 'O\'Neil & "Sons"']
    names += [f"v{i}" for i in range(6)]
    plan = make_plan(3, 3, per_village=5, names=names)
    page = _html(gg.plan_map(plan, tiles=None), tmp_path)
    assert EVIL not in page
    assert "<img src=x" not in page
    # the escaped text is there, JSON-encoded
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page  # html-escaped, JSON-safe


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lang": "fr"}, "lang"),
        ({"households": "dots"}, "households"),
        ({"tiles": "tianditu-vec"}, "tianditu_key"),
    ],
)
def test_bad_options(plan, kwargs, match):
    kwargs.setdefault("tiles", None)
    with pytest.raises(ValidationError, match=match):
        gg.plan_map(plan, **kwargs)


def test_tianditu_tiles_and_annotation(plan):
    page = (
        gg.plan_map(plan, tiles="tianditu-img", tianditu_key="K123", lang="en")
        .get_root()
        .render()
    )
    assert "img_w/wmts" in page
    assert "eia_w/wmts" in page
    assert "tk=K123" in page


def test_gaode_overlays_shifted_to_gcj02(plan):
    from gridgeo.viz._layers import encode_points

    lon, lat = 116.4, 39.9
    plain = encode_points(np.array([lon]), np.array([lat]))
    m = gg.plan_map(plan, tiles="gaode")
    page = m.get_root().render()
    assert "autonavi" in page
    glon, glat = gg.wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    shifted = encode_points(
        np.array([lon]), np.array([lat]), shift=lambda x, y: gg.wgs84_to_gcj02(x, y)
    )
    assert shifted["o"] == pytest.approx([glon[0], glat[0]], abs=1e-5)
    assert abs(shifted["o"][0] - plain["o"][0]) > 1e-3  # hundreds of metres
    # the grid labels in the page moved by the same shift
    pts = plan.grids.geometry.representative_point().to_crs(4326)
    gx, _gy = gg.wgs84_to_gcj02(pts.x.to_numpy(), pts.y.to_numpy())
    assert f"{round(gx[0], 5):.5f}".rstrip("0") in page


def test_hexbin_counts_and_containment():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 5000, 3000), rng.uniform(0, 5000, 3000)
    hexes, counts, sums = hexbin(x, y, 250.0, weights=np.ones(3000))
    assert counts.sum() == 3000
    assert sums.sum() == pytest.approx(3000)
    tree = shapely.STRtree(hexes)
    pi, hi = tree.query(shapely.points(x, y), predicate="intersects")
    assert set(pi) == set(range(3000))
    hit = pd.Series(hi).groupby(pi).first()
    assert np.array_equal(np.bincount(hit, minlength=len(hexes)), counts)


def test_visited_status_hexbins_and_points(plan, tmp_path):
    visited = pd.Series(
        np.arange(len(plan.households)) % 3 != 0, index=plan.households["household_id"]
    )
    page = _html(gg.plan_map(plan, tiles=None, visited=visited, lang="en"), tmp_path)
    assert "Share not visited" in page
    m = gg.plan_map(
        plan,
        tiles=None,
        visited=visited,
        households="points",
        exact_households=True,
        lang="en",
    )
    page = _html(m, tmp_path, "pts.html")
    cls = re.search(r'"cls":"([01]+)"', page).group(1)
    assert len(cls) == len(plan.households)
    assert cls.count("1") == (~visited).sum()


def test_coverage_map_from_plain_frames(plan, tmp_path):
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2"], "name": ["东站", EVIL]},
        geometry=shapely.points([[502000, 4302000], [510000, 4308000]]),
        crs=CRS,
    )
    areas = sites.assign(geometry=sites.buffer(2500))
    hh = plan.households
    far = sites.geometry.union_all().distance(hh.geometry) > 2500
    m = gg.coverage_map(
        plan,
        service_points=sites.to_crs(4326),
        service_areas=areas,
        uncovered=hh[far],
        lang="en",
        tiles=None,
    )
    page = _html(m, tmp_path)
    for text in (
        "Service areas",
        "Service points",
        "Uncovered households",
        "Share uncovered",
        "Coverage",
    ):
        assert text in page
    assert EVIL not in page
    with pytest.raises(ValidationError, match="coverage="):
        gg.coverage_map(plan, tiles=None)
