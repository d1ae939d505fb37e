"""Tests of gridgeo.viz: maps, colouring, offline pages, privacy, escaping.

Every map is drawn from a real :class:`gridgeo.Plan` made by :func:`gridgeo.partition`
on a real County (see ``_viz_fixtures``). Hostile inputs: a village named
``<script>alert(1)</script>``; a household table full of names, phone numbers,
ID-card numbers and account numbers; an unknown language / household mode / column;
a Tianditu base map without a key.
"""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _viz_fixtures import (
    CRS,
    EVIL,
    SECRETS,
    box_plan,
    box_sites,
    decode_coords,
    n_geometries,
    page_layers,
    synthetic_county,
    synthetic_plan,
)

import gridgeo as gg
from gridgeo.errors import ValidationError
from gridgeo.viz.colouring import GREENS, classify, colour_grids, grid_adjacency
from gridgeo.viz.privacy import MIN_HOUSEHOLDS, hexbin

EXTERNAL = re.compile(
    r'<script[^>]+src="https?:|<link[^>]+href="https?:|@import\s+url\(["\']?https?:',
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def plan():
    """48 box villages, 4 townships, 1,920 households, partitioned into 12 grids."""
    return box_plan(12)


def test_fixture_is_a_real_plan(plan):
    assert type(plan) is gg.Plan
    assert plan.n_grids == 12
    assert len(plan.households) == 48 * 40
    assert plan.grids["households"].sum() == 48 * 40


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


def test_neighbouring_grids_differ_in_colour(plan, tmp_path):
    graph = grid_adjacency(plan.grids.geometry)
    assert graph.number_of_edges() >= plan.n_grids - 1  # the county is connected
    colours = colour_grids(plan.grids.geometry)
    for u, v in graph.edges:
        assert colours[u] != colours[v]
    # ... and so do the fills the page draws (first layer: the grids)
    kind, data, options = page_layers(_html(gg.plan_map(plan, tiles=None), tmp_path))[0]
    assert kind == "polygons"
    assert n_geometries(data) == plan.n_grids
    for u, v in graph.edges:
        assert options["fill"][u] != options["fill"][v]
    assert options["labels"]["text"] == [str(g) for g in plan.grids["grid_id"]]


def test_four_boxes_meeting_at_a_corner_need_four_colours():
    boxes = gpd.GeoSeries(
        [shapely.box(x, y, x + 1000, y + 1000) for x in (0, 1000) for y in (0, 1000)],
        crs=CRS,
    )
    assert grid_adjacency(boxes).number_of_edges() == 6
    assert sorted(colour_grids(boxes)) == [0, 1, 2, 3]


def test_choropleth_classes(plan, tmp_path):
    score = pd.Series(
        np.arange(len(plan.grids), dtype=float) * 10,
        index=plan.grids["grid_id"],
        name="KPI score",
    )
    page = _html(gg.plan_map(plan, column=score, k=4, tiles=None), tmp_path)
    assert "KPI score" in page
    fills = page_layers(page)[0][2]["fill"]
    colours, rows = classify(score, scheme="quantiles", k=4)
    assert len(rows) == 4
    assert len(set(colours)) == 4
    assert fills == colours  # grid i gets the class colour of its score
    for colour, label in rows:
        assert colour in page
        assert label in page
    # a column of plan.grids works the same way
    page = _html(gg.plan_map(plan, column="area_km2", k=3, tiles=None), tmp_path)
    fills = page_layers(page)[0][2]["fill"]
    assert fills == classify(plan.grids["area_km2"], k=3)[0]
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


def _assert_private(page: str, hh: gpd.GeoDataFrame, cols: list[str]) -> None:
    for col in cols:
        for value in hh[col].astype(str):
            assert value not in page, (col, value)


def test_privacy_by_default(tmp_path):
    plan = box_plan(4, nrows=4, ncols=4, per_village=20, secrets=True)
    hh = plan.households
    assert set(SECRETS) <= set(hh.columns)  # read_county kept the personal fields
    page = _html(gg.plan_map(plan, tiles=None), tmp_path)
    _assert_private(page, hh, [*SECRETS, "household_id"])
    # no exact coordinates either: no per-household layer, fewer hexagons than homes
    assert "gridgeo.dots(" not in page
    ll = hh.to_crs(4326).geometry
    for x, y in zip(ll.x[:50], ll.y[:50], strict=True):
        assert f"{x:.5f}" not in page
        assert f"{y:.5f}" not in page


def test_privacy_on_the_synthetic_county(tmp_path):
    plan = synthetic_plan()
    hh = plan.households
    personal = ["household_id", "head_name", "phone", "id_card"]
    assert set(personal) <= set(hh.columns)
    cov = gg.service_coverage(synthetic_county(), max_km=3)
    for m in (gg.plan_map(plan), gg.coverage_map(plan, cov)):
        page = _html(m, tmp_path)
        _assert_private(page, hh, personal)
        assert "gridgeo.dots(" not in page
        # hexagons: at most one value per hexagon, never one per household
        hexes = page_layers(page)[-1]
        assert n_geometries(hexes[1]) < len(hh) / 5


def test_household_fields_opt_in(tmp_path):
    plan = box_plan(4, nrows=3, ncols=3, per_village=10, secrets=True)
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


def test_names_are_escaped(tmp_path):
    names = [EVIL, "</script><img src=x onerror=alert(2)>", 'O\'Neil & "Sons"']
    names += [f"v{i}" for i in range(6)]
    plan = box_plan(4, nrows=3, ncols=3, per_village=5, names=tuple(names))
    assert EVIL in plan.county.villages["name"].tolist()
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


def test_hex_cells_dense_and_sparse_keys_agree():
    from gridgeo.viz.privacy import hex_cells

    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 3000, 500), rng.uniform(0, 3000, 500)
    cells, inverse = hex_cells(x, y, 200.0)
    # two far-away points make the key range sparse: the np.unique path
    xs, ys = np.append(x, [1e9, -1e9]), np.append(y, [1e9, -1e9])
    cells_s, inverse_s = hex_cells(xs, ys, 200.0)
    assert np.array_equal(cells_s[inverse_s][:500], cells[inverse])
    assert len(cells_s) == len(cells) + 2
    # each point lies in its cell's hexagon
    from gridgeo.viz.privacy import hex_polygons

    hexes = hex_polygons(cells[inverse], 200.0)
    assert shapely.covers(hexes, shapely.points(x, y)).all()


def test_small_county_hexagons_hold_many_households(plan, tmp_path):
    page = _html(gg.plan_map(plan, tiles=None, lang="en"), tmp_path)
    tips = page_layers(page)[-1][2]["tip"]
    counts = np.array([float(t.split(" ")[0].replace(",", "")) for t in tips])
    # every household is drawn or counted in the legend as left out
    hidden = re.search(r"([\d,]+) households in hexagons of fewer than 5", page)
    left_out = int(hidden.group(1).replace(",", "")) if hidden else 0
    assert counts.sum() + left_out == len(plan.households)
    assert counts.mean() >= 10  # no hexagon per home
    assert counts.min() >= MIN_HOUSEHOLDS


def _left_out(page: str) -> int:
    """Households the legend says were left out of the hexagons (0 if none)."""
    found = re.search(r"([\d,]+) households in hexagons of fewer than", page)
    return int(found.group(1).replace(",", "")) if found else 0


def test_sparse_hexagons_are_not_drawn(plan, tmp_path):
    # 400 m hexagons over 40 scattered homes per village: many would show one or two
    # families; they are left out and counted in the legend
    hh = plan.households
    page = _html(gg.plan_map(plan, tiles=None, lang="en", hex_size=400.0), tmp_path)
    hidden = re.search(r"([\d,]+) households in hexagons of fewer than 5", page)
    assert hidden is not None
    left_out = int(hidden.group(1).replace(",", ""))
    tips = page_layers(page)[-1][2]["tip"]
    counts = np.array([float(t.split(" ")[0].replace(",", "")) for t in tips])
    assert 0 < left_out < len(hh)
    assert counts.min() >= MIN_HOUSEHOLDS
    assert counts.sum() + left_out == len(hh)


def test_no_hexagon_dense_enough_draws_none(tmp_path):
    plan = box_plan(4, nrows=4, ncols=4, per_village=20)
    page = _html(gg.plan_map(plan, tiles=None, lang="en", hex_size=50.0), tmp_path)
    assert "320 households in hexagons of fewer than 5: not drawn" in page
    assert len(page_layers(page)) == 3  # grids, villages, townships: no hexagons


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
    sites = box_sites(((2000, 2000), (10000, 8000)), ("东站", EVIL))
    areas = sites.assign(geometry=sites.buffer(2500))
    hh = plan.households
    far = sites.to_crs(plan.crs).geometry.union_all().distance(hh.geometry) > 2500
    assert 0 < far.sum() < len(hh)
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


@pytest.fixture(scope="module")
def coverage():
    """Straight-line coverage within 3 km on the synthetic county (no plan)."""
    return gg.service_coverage(synthetic_county(), max_km=3)


def _share_by_hand(plan: gg.Plan, cov) -> pd.Series:
    hh = cov.households
    grid = hh["household_id"].map(plan.household_grid).to_numpy()
    w = hh["weight"].to_numpy(float)
    covered = pd.Series(w * hh["covered"].to_numpy(bool)).groupby(grid).sum()
    return (covered / pd.Series(w).groupby(grid).sum()).reindex(plan.grids["grid_id"])


def _hex_tips(tips: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(households, share uncovered) per hexagon, from "12 户 · 未覆盖 50%" tips."""
    parsed = [re.match(r"([\d,]+) .* (\d+)%$", t) for t in tips]
    assert all(parsed)
    total = np.array([float(p.group(1).replace(",", "")) for p in parsed])
    return total, np.array([float(p.group(2)) / 100 for p in parsed])


def test_coverage_map_with_a_coverage_result(coverage, tmp_path):
    plan = synthetic_plan()
    county = plan.county
    assert 0.2 < coverage.share < 0.95  # a map with something to show
    page = _html(gg.coverage_map(plan, coverage, tiles=None, lang="en"), tmp_path)
    layers = page_layers(page)
    # grids, villages, townships, service areas, service points, hexagons
    assert [k for k, _, _ in layers] == ["polygons"] * 4 + ["markers", "polygons"]
    grids, areas, points, hexes = layers[0], layers[3], layers[4], layers[5]

    # choropleth of the covered share, classed like the legend says
    share = _share_by_hand(plan, coverage)
    fills, rows = classify(
        share, scheme="equalinterval", k=5, fmt="{:.0%}", palette=GREENS
    )
    assert grids[2]["fill"] == fills
    assert len(set(fills)) > 2
    for colour, label in rows:
        assert colour in page
        assert label in page
    for g, s in enumerate(share):  # each grid's popup shows its share
        assert f"<td>Coverage</td><td>{s:.0%}</td>" in grids[2]["popup"][g]

    # service areas and points
    assert n_geometries(areas[1]) == len(coverage.service_areas)
    sp = county.service_points.to_crs(4326)
    np.testing.assert_allclose(
        decode_coords(points[1]),
        np.column_stack([sp.geometry.x, sp.geometry.y]),
        atol=2e-5,
    )
    assert points[2]["tip"][0] == html.escape(f"Service point {sp['name'].iloc[0]}")

    # uncovered households: hexagons of the share uncovered, adding up
    total, uncovered = _hex_tips(hexes[2]["tip"])
    left_out = _left_out(page)
    assert total.sum() + left_out == len(coverage.households)
    # the households left out (sparse hexagons) may or may not be covered
    n_uncovered = len(coverage.uncovered)
    drawn = (total * uncovered).sum()
    slack = 0.005 * total.sum() + 1
    assert n_uncovered - left_out - slack <= drawn <= n_uncovered + slack
    assert "Share uncovered" in page
    assert "Uncovered households" in page


def test_coverage_map_same_from_county_plan_or_frames(coverage, tmp_path):
    plan = synthetic_plan()
    by_plan = gg.service_coverage(plan, max_km=3)
    assert by_plan.by_grid is not None
    pages = [
        _html(gg.coverage_map(plan, cov, tiles=None), tmp_path, f"{i}.html")
        for i, cov in enumerate((coverage, by_plan))
    ]
    pages.append(
        _html(
            gg.coverage_map(
                plan,
                service_areas=coverage.service_areas,
                uncovered=coverage.uncovered,
                tiles=None,
            ),
            tmp_path,
            "frames.html",
        )
    )
    layers = [page_layers(p) for p in pages]
    for other in layers[1:]:
        assert other[0][2]["fill"] == layers[0][0][2]["fill"]  # grid shares
        assert other[-1][2]["tip"] == layers[0][-1][2]["tip"]  # hexagons


def test_coverage_map_uncovered_points_opt_in(coverage, tmp_path):
    plan = synthetic_plan()
    m = gg.coverage_map(
        plan,
        coverage,
        tiles=None,
        households="points",
        exact_households=True,
        household_fields=["village_id"],
    )
    page = _html(m, tmp_path)
    kind, data, options = page_layers(page)[-1]
    assert kind == "dots"
    assert len(decode_coords(data)) == len(coverage.households)
    assert len(options["cls"]) == len(coverage.households)
    assert options["cls"].count("1") == len(coverage.uncovered)
    assert options["popup"]["fields"] == ["village_id"]
    assert "head_name" not in page


def test_explore_draws_on_an_existing_map(plan, tmp_path):
    base = folium.Map(location=[39.0, 116.0], tiles=None, zoom_start=5)
    folium.CircleMarker([39.0, 116.0], radius=3).add_to(base)
    m = plan.explore(m=base, lang="en", tiles=None)
    assert m is base
    page = _html(m, tmp_path)
    assert "circle_marker" in page  # what was on the map stays
    layers = page_layers(page)
    assert len(layers) == 4  # grids, villages, townships, hexagons
    fresh = page_layers(_html(plan.explore(tiles=None), tmp_path, "new.html"))
    assert layers[0][2]["fill"] == fresh[0][2]["fill"]


def test_a_frame_balanced_on_another_weight_is_labelled_by_it(tmp_path):
    from conftest import grid_villages

    frame = grid_villages(4, 4).rename(columns={"village_id": "GEOID"})
    frame["TOTPOP"] = 1000 + (np.arange(16) % 3)
    plan = gg.partition(frame, n_grids=4, weight="TOTPOP", id_col="GEOID", seed=0)
    assert plan.params["weight"] == "TOTPOP"
    assert "TOTPOP" in plan.summary().splitlines()[0]
    page = _html(gg.plan_map(plan, lang="en"), tmp_path)
    assert "TOTPOP" in page
    # no "households" figures, and no staffing (which counts households)
    assert not re.search(r"\d households", page)
    assert "Staff needed" not in page
    # a County's plan keeps households and its staffing row
    county = gg.datasets.synthetic_county(
        seed=0, n_villages=20, n_households=3_000, n_towns=2, roads=False
    )
    plan = gg.partition(county, n_grids=3, respect=None, seed=0)
    assert plan.params["weight"] == "households"
    assert "Staff needed" in _html(gg.plan_map(plan, lang="en"), tmp_path, "c.html")
