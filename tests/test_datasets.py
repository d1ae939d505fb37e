"""Tests of gridgeo.datasets: synthetic counties and regions, the shipped sample.

What is checked, on small generated counties unless said otherwise:

- determinism (same seed -> identical frames; another seed -> different ones);
- villages tile the county (``shapely.coverage_is_valid``, one polygon, exact area)
  and nest in contiguous townships; 12-/9-digit string codes;
- zone and industry cluster in space (neighbouring villages share them far more
  often than a random shuffle would);
- households lie in their own village, counts are very uneven (default county);
- the road network is one connected component, with classes and speeds;
- fake personal tags look real (ID-card check digits, phone numbers);
- the County loads through ``read_county`` with nothing rejected;
- ``synthetic_region``: sizes, codes, nesting, contiguity, tiling;
- the shipped sample: files, size, loads clean, zones fit the zoned example, and it
  is what ``tools/make_sample.py`` produces.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from scipy import sparse
from scipy.sparse import csgraph

from gridgeo import datasets
from gridgeo.errors import ValidationError

SMALL = {
    "n_villages": 120,
    "n_households": 20_000,
    "n_towns": 8,
    "area_km2": 600.0,
    "n_service_points": 12,
    "n_candidates": 100,
    "road_nodes_per_km2": 8.0,
}
METRIC = "EPSG:4549"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return datasets.synthetic_layers(3, **SMALL)


@pytest.fixture(scope="module")
def default_layers() -> dict[str, gpd.GeoDataFrame]:
    return datasets.synthetic_layers(0)


def _neighbour_pairs(geoms: gpd.GeoSeries) -> np.ndarray:
    tree = shapely.STRtree(geoms.to_numpy())
    i, j = tree.query(geoms.to_numpy(), predicate="intersects")
    keep = i < j
    pairs = np.column_stack([i[keep], j[keep]])
    # Only pairs sharing an edge (not just a corner).
    shared = shapely.length(
        shapely.intersection(
            geoms.to_numpy()[pairs[:, 0]], geoms.to_numpy()[pairs[:, 1]]
        )
    )
    return pairs[shared > 0]


def _road_components(roads: gpd.GeoDataFrame) -> int:
    xy = shapely.get_coordinates(roads.geometry.to_numpy()).reshape(-1, 2, 2)
    nodes, inv = np.unique(xy.reshape(-1, 2), axis=0, return_inverse=True)
    e = inv.reshape(-1, 2)
    adj = sparse.coo_array(
        (np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(len(nodes), len(nodes))
    )
    return csgraph.connected_components(adj, directed=False)[0]


# --- synthetic_layers -----------------------------------------------------------


def test_layers_have_documented_columns(layers):
    assert sorted(layers) == [
        "candidate_sites", "households", "roads", "service_points", "villages",
    ]  # fmt: skip
    for gdf in layers.values():
        assert gdf.crs.to_epsg() == 4326
        assert gdf.index.equals(pd.RangeIndex(len(gdf)))
    v, h = layers["villages"], layers["households"]
    assert list(v.columns) == [
        "village_id", "name", "town_id", "town_name", "zone", "industry",
        "elevation_m", "geometry",
    ]  # fmt: skip
    tags = {"head_name", "phone", "id_card", "deposit", "loan", "loan_date", "crop"}
    assert {"household_id", "village_id", "persons", "herd_size"} | tags <= set(
        h.columns
    )
    assert len(v) == SMALL["n_villages"]
    assert len(h) == SMALL["n_households"]
    assert v["town_id"].nunique() == SMALL["n_towns"]
    assert set(v["zone"]) == {"urban", "plain", "hill", "mountain"}
    assert set(v["industry"]) <= {
        "planting",
        "orchard",
        "livestock",
        "processing",
        "commerce",
    }
    assert (h["persons"].between(1, 9)).all()
    minx, miny, maxx, maxy = v.total_bounds
    assert 119.0 < minx < 119.6 < maxx < 120.2
    assert 27.6 < miny < 28.1 < maxy < 28.6


def test_same_seed_same_frames_other_seed_differs(layers):
    again = datasets.synthetic_layers(3, **SMALL)
    for name, gdf in layers.items():
        assert_geodataframe_equal(gdf, again[name])
    other = datasets.synthetic_layers(4, **SMALL)
    assert not other["villages"].geometry.geom_equals(layers["villages"].geometry).all()


def test_generator_seed_is_accepted():
    tiny = {"n_villages": 30, "n_households": 2000, "n_towns": 3, "area_km2": 100.0}
    a = datasets.synthetic_layers(np.random.default_rng(5), roads=False, **tiny)
    b = datasets.synthetic_layers(5, roads=False, **tiny)
    assert "roads" not in a
    for name in a:
        assert_geodataframe_equal(a[name], b[name])
    assert len(a["service_points"]) == 25  # more than townships: extras added


def test_villages_tile_the_county_exactly(layers):
    v = layers["villages"]
    assert shapely.coverage_is_valid(v.geometry.to_numpy())
    outline = shapely.coverage_union_all(v.geometry.to_numpy())
    assert outline.geom_type == "Polygon"
    assert len(outline.interiors) == 0
    area = v.to_crs(METRIC).area.sum() / 1e6
    assert area == pytest.approx(SMALL["area_km2"], rel=0.01)
    assert v.is_valid.all()


def test_villages_nest_in_contiguous_townships(layers):
    v = layers["villages"]
    assert (v["village_id"].str[:9] == v["town_id"]).all()
    towns = v.dissolve(by="town_id")
    assert (towns.geom_type == "Polygon").all()
    # Township names and codes agree one to one.
    assert v.groupby("town_id")["town_name"].nunique().eq(1).all()


def test_ids_are_digit_strings(layers):
    v, h = layers["villages"], layers["households"]
    assert v["village_id"].str.fullmatch(r"331125\d{6}").all()
    assert v["village_id"].is_unique
    assert v["town_id"].str.fullmatch(r"331125\d{3}").all()
    assert h["household_id"].str.fullmatch(r"\d{16}").all()
    assert h["household_id"].is_unique
    assert (h["household_id"].str[:12] == h["village_id"]).all()
    # Communities (社区) are 0xx, villages (村) 2xx, as in real codes.
    urban = v["zone"] == "urban"
    assert v.loc[urban, "village_id"].str[9].eq("0").all()
    assert v.loc[~urban, "village_id"].str[9].eq("2").all()


@pytest.mark.parametrize("column", ["zone", "industry"])
def test_zone_and_industry_cluster_in_space(layers, column):
    v = layers["villages"]
    pairs = _neighbour_pairs(v.geometry)
    values = v[column].to_numpy()
    same = (values[pairs[:, 0]] == values[pairs[:, 1]]).mean()
    share = v[column].value_counts(normalize=True).to_numpy()
    random_same = (share**2).sum()
    assert same > random_same + 0.2, (same, random_same)


def test_households_lie_in_their_village(layers):
    v, h = layers["villages"], layers["households"]
    joined = gpd.sjoin(h[["village_id", "geometry"]], v[["village_id", "geometry"]],
                       predicate="within", how="left")  # fmt: skip
    assert joined.index.is_unique
    assert (joined["village_id_left"] == joined["village_id_right"]).all()


def test_roads_form_one_connected_network(layers):
    roads = layers["roads"]
    assert _road_components(roads) == 1
    assert set(roads["road_class"]) == {"arterial", "township", "street", "village"}
    assert (roads["speed_kmh"] > 0).all()
    arterial = roads.loc[roads["road_class"] == "arterial", "speed_kmh"]
    village = roads.loc[roads["road_class"] == "village", "speed_kmh"]
    assert arterial.min() > village.max()
    outline = shapely.coverage_union_all(layers["villages"].geometry.to_numpy())
    assert shapely.covers(outline.buffer(1e-6), roads.geometry.to_numpy()).all()


def test_service_points_and_candidates(layers):
    v = layers["villages"]
    sp, cand = layers["service_points"], layers["candidate_sites"]
    assert len(sp) == SMALL["n_service_points"]
    assert len(cand) == SMALL["n_candidates"]
    assert sp["site_id"].is_unique
    assert cand["site_id"].is_unique
    per_town = sp.groupby("town_id").size().reindex(v["town_id"].unique(), fill_value=0)
    assert per_town.between(1, 2).all()
    joined = gpd.sjoin(
        cand, v[["village_id", "town_id", "geometry"]], predicate="within"
    )
    assert (joined["village_id_left"] == joined["village_id_right"]).all()
    assert (joined["town_id_left"] == joined["town_id_right"]).all()
    assert len(joined) == len(cand)


def test_personal_fields_look_real(layers):
    h = layers["households"]
    ids = h["id_card"].to_numpy(dtype=str)
    assert pd.Series(ids).str.fullmatch(r"331125(19[4-9]\d|200\d)\d{7}[\dX]").all()
    digits = np.array([[int(c) for c in s[:17]] for s in ids[:2000]])
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits @ weights) % 11]
    assert (check == np.array([s[17] for s in ids[:2000]])).all()
    assert h["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert h["head_name"].str.len().between(2, 3).all()
    assert h["head_name"].nunique() > 1000
    has_loan = h["loan"] > 0
    assert 0.05 < has_loan.mean() < 0.5
    assert h.loc[has_loan, "loan_date"].str.fullmatch(r"202[1-4]-\d\d-\d\d").all()
    assert h.loc[~has_loan, "loan_date"].isna().all()


def test_default_county_sizes_and_uneven_households(default_layers):
    v, h = default_layers["villages"], default_layers["households"]
    assert len(v) == 300
    assert len(h) == 150_000
    assert v["town_id"].nunique() == 20
    counts = h["village_id"].value_counts()
    assert (counts > 2000).sum() >= 2
    assert (counts < 50).sum() >= 2
    assert counts.max() < 5000
    roads = default_layers["roads"]
    nodes = np.unique(shapely.get_coordinates(roads.geometry.to_numpy()), axis=0)
    assert 20_000 < len(nodes) < 40_000
    assert 1.6 < len(roads) / len(nodes) < 2.2
    assert len(default_layers["service_points"]) == 25
    assert len(default_layers["candidate_sites"]) == 300


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_villages": 0}, "positive"),
        ({"area_km2": -5.0}, "positive"),
        ({"n_villages": 10, "n_towns": 20}, "n_towns"),
    ],
)
def test_bad_sizes_raise(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        datasets.synthetic_layers(0, **kwargs)


# --- synthetic_county -------------------------------------------------------------


def test_synthetic_county_loads_with_nothing_rejected():
    county = datasets.synthetic_county(
        2, n_villages=60, n_households=8_000, n_towns=5, area_km2=300.0,
        n_service_points=7, n_candidates=40, road_nodes_per_km2=5.0,
    )  # fmt: skip
    assert county.report.to_frame().empty
    assert county.crs.is_projected
    assert len(county.villages) == 60
    assert county.n_households == 8_000
    assert len(county.households) == 8_000
    assert county.villages["households"].min() >= 5
    assert county.villages["village_id"].str.len().eq(12).all()
    assert len(county.roads) > 0
    assert len(county.service_points) == 7
    assert len(county.candidate_sites) == 40
    assert county.name == "synthetic-2"


# --- synthetic_region -------------------------------------------------------------


@pytest.fixture(scope="module")
def region() -> gpd.GeoDataFrame:
    return datasets.synthetic_region(3000, seed=1)


def test_region_sizes_codes_and_nesting(region):
    assert len(region) == 3000
    assert list(region.columns) == [
        "village_id", "town_id", "county_id", "households", "geometry",
    ]  # fmt: skip
    assert region.crs.to_epsg() == 4549
    assert region["county_id"].nunique() == 10
    assert region["town_id"].nunique() >= 200
    assert region["village_id"].str.fullmatch(r"33\d{10}").all()
    assert region["village_id"].is_unique
    assert (region["village_id"].str[:9] == region["town_id"]).all()
    assert (region["town_id"].str[:6] == region["county_id"]).all()
    assert (region["households"] >= 5).all()
    assert region["households"].mean() == pytest.approx(400, rel=0.1)


def test_region_tiles_and_units_are_contiguous(region):
    assert shapely.coverage_is_valid(region.geometry.to_numpy())
    for col in ("town_id", "county_id"):
        assert (region.dissolve(by=col).geom_type == "Polygon").all(), col


def test_region_is_deterministic(region):
    assert_geodataframe_equal(region, datasets.synthetic_region(3000, seed=1))


def test_region_rejects_more_counties_than_towns():
    with pytest.raises(ValidationError, match="n_counties"):
        datasets.synthetic_region(100, n_counties=20, n_towns=10)


# --- the shipped sample -------------------------------------------------------------


def test_get_path_lists_valid_names():
    for name in (
        "villages",
        "households",
        "roads",
        "service_points",
        "candidate_sites",
    ):
        assert datasets.get_path(name).is_file()
    with pytest.raises(ValidationError, match=r"candidate_sites.*villages"):
        datasets.get_path("parcels")


def test_sample_is_small_and_linked_from_data():
    files = list(datasets.get_path("villages").parent.iterdir())
    assert sum(f.stat().st_size for f in files) < 5_000_000
    link = ROOT / "data" / "sample_county"
    if link.exists():  # a source checkout (not an installed wheel)
        assert (link / "villages.gpkg").samefile(datasets.get_path("villages"))


@pytest.fixture(scope="module")
def sample():
    return datasets.sample_county()


def test_sample_county_loads_with_nothing_rejected(sample):
    assert sample.report.to_frame().empty
    assert len(sample.villages) == 300
    assert sample.n_households == 50_000
    assert sample.villages["town_id"].nunique() == 20
    assert sample.households["head_name"].str.contains(r"[\u4e00-\u9fff]").all()
    assert len(sample.service_points) == 25
    assert len(sample.candidate_sites) == 300
    assert _road_components(sample.roads) == 1


def test_sample_zones_fit_the_zoned_example(sample):
    by_zone = sample.villages.groupby("zone")["households"].agg(["size", "sum"])
    assert by_zone.loc["urban", "sum"] >= 15 * 700  # 15 grids by community
    assert by_zone.loc["plain", "size"] >= 180  # 30 grids of 6-8 villages
    assert 10 * 500 <= by_zone.loc["hill", "sum"] <= 10 * 1000  # 10 grids
    assert 2_000 <= by_zone.loc["mountain", "sum"] <= 3_500  # 5 grids of ~500


def test_sample_is_what_make_sample_writes(tmp_path):
    script = ROOT / "tools" / "make_sample.py"
    spec = importlib.util.spec_from_file_location("make_sample", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("households", "service_points", "candidate_sites"):
        path = datasets.get_path(name)
        enc = "gbk" if name == "households" else "utf-8"
        shipped = pd.read_csv(path, dtype=str, encoding=enc)
        fresh = pd.read_csv(tmp_path / path.name, dtype=str, encoding=enc)
        pd.testing.assert_frame_equal(shipped, fresh)
    for name in ("villages", "roads"):
        assert_geodataframe_equal(
            gpd.read_file(datasets.get_path(name)),
            gpd.read_file(tmp_path / datasets.get_path(name).name),
            check_less_precise=True,
        )
