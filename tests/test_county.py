"""Tests of gridgeo.read_county: households -> villages, every bad-input kind.

Hostile-input matrix (layer / check / action in the report):

==========================================  ==========================================
input                                       expected
==========================================  ==========================================
household 200 m outside every village       households / outside_villages / assigned
household 5 km outside                      outside_villages / rejected + warning
household in two overlapping villages       village_overlap / assigned (smallest id)
overlapping villages                        villages / village_overlap / info (m²)
lat and lon swapped                         swapped_coordinates / repaired
missing / NaN coordinates, no village       missing_coordinates / rejected
missing coordinates, with village id        missing_coordinates / assigned (unlocated)
non-numeric coordinates                     non_numeric_coordinates / rejected
out-of-range coordinates (lat 95)           coordinates_out_of_range / rejected
(0, 0)                                      coordinates_out_of_range / rejected
unknown village id without coordinates      unknown_village / rejected
invalid (bow-tie) village polygon           invalid_geometry / repaired
empty village geometry                      empty_geometry / rejected
point in the village layer (mixed types)    wrong_geometry_type / rejected
duplicate village id                        duplicate_id / rejected (first kept)
GCJ-02 households declared WGS84            CoordinateSystemWarning
strict=True with a rejected row             ValidationError naming the row
==========================================  ==========================================
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgeo.county import County, read_county
from gridgeo.crs import wgs84_to_gcj02
from gridgeo.errors import (
    CoordinateSystemWarning,
    UnassignedHouseholdsWarning,
    ValidationError,
)

X0, Y0, STEP = 119.50, 28.00, 0.02


def villages(nx: int = 3, ny: int = 2) -> gpd.GeoDataFrame:
    geoms, ids = [], []
    for j in range(ny):
        for i in range(nx):
            geoms.append(
                shapely.box(
                    X0 + i * STEP,
                    Y0 + j * STEP,
                    X0 + (i + 1) * STEP,
                    Y0 + (j + 1) * STEP,
                )
            )
            ids.append(f"33112500{1 + j}{j * nx + i + 1:03d}")
    return gpd.GeoDataFrame(
        {"village_id": ids, "zone": ["plain"] * len(ids)}, geometry=geoms, crs=4326
    )


def households(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "household_id": [f"h{i:03d}" for i in range(n)],
            "lon": rng.uniform(X0 + 0.002, X0 + 3 * STEP - 0.002, n),
            "lat": rng.uniform(Y0 + 0.002, Y0 + 2 * STEP - 0.002, n),
            "income": rng.integers(1, 100, n),
        }
    )


def _row(county: County, layer: str, row: int) -> pd.DataFrame:
    df = county.report.to_frame()
    return df[(df["layer"] == layer) & (df["row"] == row)]


def test_basic_county_from_frames():
    v, h = villages(), households()
    v_before, h_before = v.copy(), h.copy()
    county = read_county(villages=v, households=h)
    assert isinstance(county, County)
    assert county.crs.to_epsg() == 4549
    assert county.villages.crs == county.households.crs == county.crs
    assert county.villages.index.tolist() == list(range(6))
    assert county.households.index.tolist() == list(range(60))
    assert county.villages["households"].sum() == 60
    assert county.villages["persons"].sum() == 60 * 3
    assert county.households["located"].all()
    assert county.households["income"].tolist() == h["income"].tolist()
    assert county.villages["town_id"].tolist() == ["331125001"] * 3 + ["331125002"] * 3
    assert county.villages["zone"].eq("plain").all()
    # each household really lies in its village
    joined = county.households.merge(
        county.villages[["village_id", "geometry"]],
        on="village_id",
        suffixes=("", "_v"),
    )
    assert gpd.GeoSeries(joined["geometry_v"]).contains(joined.geometry).all()
    assert len(county.report) == 0
    county.report.check_invariant()
    pd.testing.assert_frame_equal(h, h_before)
    assert v.equals(v_before)
    assert "households" in county.summary()
    assert county.n_households == 60
    assert len(county.towns) == 2


def test_households_with_only_village_ids():
    v = villages()
    h = pd.DataFrame(
        {"户编号": ["a", "b", "c"], "村代码": [v.village_id[0]] * 2 + ["x"]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        county = read_county(villages=v, households=h)
    hh = county.households
    assert hh["household_id"].tolist() == ["a", "b"]
    assert not hh["located"].any()
    assert v.to_crs(county.crs).geometry[0].contains(hh.geometry).all()
    assert _row(county, "households", 2)["check"].tolist() == ["unknown_village"]
    assert county.villages["households"].tolist() == [2, 0, 0, 0, 0, 0]
    county.report.check_invariant()


def test_villages_with_count_column_only():
    v = villages().assign(households=[100, 200, 300, 0, 5, 2500])
    county = read_county(villages=v)
    assert county.villages["households"].tolist() == [100, 200, 300, 0, 5, 2500]
    assert county.villages["persons"].tolist() == [262, 524, 786, 0, 13, 6550]
    assert len(county.households) == 0
    assert county.n_households == 3105
    v2 = villages().assign(hh=[1] * 6, 人口=[3] * 6)
    assert read_county(villages=v2).villages["persons"].tolist() == [3] * 6


def test_declared_counts_kept_beside_point_counts():
    v = villages().assign(households=[1] * 6)
    county = read_county(villages=v, households=households())
    assert county.villages["households_declared"].tolist() == [1] * 6
    assert county.villages["households"].sum() == 60


def test_outside_households_tolerance():
    h = households(5)
    h.loc[0, ["lon", "lat"]] = [X0 - 0.002, Y0 + 0.01]  # ~200 m west of the county
    h.loc[1, ["lon", "lat"]] = [X0 - 0.05, Y0 + 0.01]  # ~5 km west
    with pytest.warns(UnassignedHouseholdsWarning, match="1 household"):
        county = read_county(villages=villages(), households=h)
    r0, r1 = _row(county, "households", 0), _row(county, "households", 1)
    assert r0[["check", "action"]].values.tolist() == [["outside_villages", "assigned"]]
    assert "331125001001" in r0["message"].iloc[0]
    assert r1[["check", "action"]].values.tolist() == [["outside_villages", "rejected"]]
    assert len(county.households) == 4
    county.report.check_invariant()
    county = read_county(villages=villages(), households=h, tolerance=10_000)
    assert len(county.households) == 5


def test_overlapping_villages_deterministic():
    v = villages(2, 1)
    v.loc[1, "geometry"] = shapely.box(X0 + STEP - 0.005, Y0, X0 + 2 * STEP, Y0 + STEP)
    v.loc[:, "village_id"] = ["b", "a"]  # the overlap goes to the smaller id "a"
    h = pd.DataFrame({"lon": [X0 + STEP - 0.002], "lat": [Y0 + 0.01]})
    county = read_county(villages=v, households=h)
    assert county.households["village_id"].tolist() == ["a"]
    hrow = _row(county, "households", 0)
    assert hrow[["check", "action"]].values.tolist() == [
        ["village_overlap", "assigned"]
    ]
    vrow = county.report.to_frame().query("layer == 'villages'")
    assert vrow["check"].tolist() == ["village_overlap"]
    area = float(
        vrow["message"].str.extract(r"by ([\d,]+) m²")[0].iloc[0].replace(",", "")
    )
    expected = (
        v.to_crs(county.crs)
        .geometry[0]
        .intersection(v.to_crs(county.crs).geometry[1])
        .area
    )
    assert abs(area - expected) < 1


def test_bad_coordinates_each_reported():
    h = households(8).astype({"lon": object, "lat": object})
    h.loc[0, ["lon", "lat"]] = [h.loc[0, "lat"], h.loc[0, "lon"]]  # swapped
    h.loc[1, ["lon", "lat"]] = [None, None]
    h.loc[2, "lon"] = "abc"
    h.loc[3, "lat"] = 95.0
    h.loc[4, ["lon", "lat"]] = [0.0, 0.0]
    h["village_id"] = None
    h.loc[5, ["lon", "lat", "village_id"]] = [np.nan, np.nan, "331125001002"]
    county = read_county(villages=villages(), households=h)
    expect = {
        0: ("swapped_coordinates", "repaired"),
        1: ("missing_coordinates", "rejected"),
        2: ("non_numeric_coordinates", "rejected"),
        3: ("coordinates_out_of_range", "rejected"),
        4: ("coordinates_out_of_range", "rejected"),
        5: ("missing_coordinates", "assigned"),
    }
    for row, (check, action) in expect.items():
        r = _row(county, "households", row)
        assert r[["check", "action"]].values.tolist() == [[check, action]], row
    hh = county.households.set_index("household_id")
    assert hh.loc["h000", "located"]
    assert not hh.loc["h005", "located"]
    assert hh.loc["h005", "village_id"] == "331125001002"
    assert len(hh) == 4
    county.report.check_invariant()


def test_bad_village_geometries():
    v = villages()
    v.loc[0, "geometry"] = shapely.Polygon(
        [(X0, Y0), (X0 + STEP, Y0 + STEP), (X0 + STEP, Y0), (X0, Y0 + STEP)]
    )  # bow-tie
    v.loc[1, "geometry"] = shapely.Polygon()
    v.loc[2, "geometry"] = shapely.Point(X0, Y0)
    v.loc[4, "village_id"] = v.loc[3, "village_id"]
    county = read_county(villages=v)
    expect = {
        0: ("invalid_geometry", "repaired"),
        1: ("empty_geometry", "rejected"),
        2: ("wrong_geometry_type", "rejected"),
        4: ("duplicate_id", "rejected"),
    }
    for row, (check, action) in expect.items():
        r = _row(county, "villages", row)
        assert r[["check", "action"]].values.tolist() == [[check, action]], row
    assert county.villages.is_valid.all()
    assert len(county.villages) == 3
    assert county.report.counts["villages"] == {"read": 6, "loaded": 3}
    county.report.check_invariant()


def test_strict_raises_naming_rows():
    v = villages()
    v.loc[4, "village_id"] = v.loc[3, "village_id"]
    with pytest.raises(ValidationError, match=r"villages row 4 \(id 331125002004\)"):
        read_county(villages=v, strict=True)


def test_gcj02_households_declared_wgs84_warns_and_crs_dict_fixes():
    h = households(400)
    glon, glat = wgs84_to_gcj02(h["lon"], h["lat"])
    gcj = h.assign(lon=glon, lat=glat)
    # households carry the village they belong to (as a bank's register would)
    truth = read_county(villages=villages(), households=h).households
    gcj["village_id"] = truth["village_id"].to_numpy()
    with pytest.warns(CoordinateSystemWarning, match="households look GCJ-02"):
        read_county(villages=villages(), households=gcj)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = read_county(
            villages=villages(), households=gcj, crs={"households": "gcj02"}
        )
    assert fixed.households["village_id"].tolist() == truth["village_id"].tolist()
    d = fixed.households.distance(truth.geometry)
    assert d.max() < 0.5


def test_crs_dict_rejects_unknown_layer():
    with pytest.raises(ValidationError, match="crs= keys"):
        read_county(villages=villages(), crs={"village": 4326})


def test_files_roads_and_service_points(tmp_path):
    v = villages()
    vpath = tmp_path / "yunhe.gpkg"
    v.to_file(vpath, engine="pyogrio")
    hpath = tmp_path / "hh.csv"
    households().to_csv(hpath, index=False, encoding="gbk")
    roads = gpd.GeoDataFrame(
        {"road_class": ["county"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 0.05, Y0 + 0.03)])],
        crs=4326,
    )
    sp = pd.DataFrame({"lon": [X0 + 0.01, X0 + 0.05], "lat": [Y0 + 0.01, Y0 + 0.03]})
    cand = sp.assign(site_id=["c1", "c2"], town_id=[None, "T"])
    county = read_county(vpath, hpath, roads, sp, cand)
    assert county.name == "yunhe"
    assert county.roads.crs == county.crs
    assert county.roads.length.iloc[0] > 5000
    assert county.service_points["site_id"].tolist() == ["S0001", "S0002"]
    assert county.service_points["town_id"].tolist() == ["331125001", "331125002"]
    assert county.candidate_sites["town_id"].tolist() == ["331125001", "T"]
    assert len(county.households) == 60
    assert set(county.report.counts) == {
        "villages",
        "households",
        "roads",
        "service_points",
        "candidate_sites",
    }
    county.report.check_invariant()


def test_real_yunhe_county_fence_gcj02():
    shared = Path(__file__).resolve().parents[2] / "shared"
    path = shared / "data" / "real" / "yunhe_331125_county_fence_gcj02.geojson"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    county = read_county(villages=path, crs="gcj02")
    assert county.crs.to_epsg() == 4549
    assert county.villages["village_id"].tolist() == ["331125"]
    area = county.villages.area.sum() / 1e6
    assert 900 < area < 1100  # 云和县 is about 990 km²
    raw = read_county(villages=path)  # as if WGS84: shifted by the GCJ-02 offset
    d = raw.villages.centroid.distance(county.villages.centroid).iloc[0]
    assert 300 < d < 700


# --------------------------------------------------------------- no-loss property

_corruptions = st.sampled_from(
    [
        "ok",
        "ok",
        "swap",
        "nan",
        "text",
        "far",
        "zero",
        "range",
        "vid_only",
        "bad_vid",
        "dup",
        "edge",
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(kinds=st.lists(_corruptions, min_size=0, max_size=40), seed=st.integers(0, 99))
def test_no_loss_invariant(kinds, seed):
    v = villages()
    h = households(len(kinds), seed).astype({"lon": object, "lat": object})
    h["village_id"] = None
    for i, kind in enumerate(kinds):
        if kind == "swap":
            h.loc[i, ["lon", "lat"]] = [h.loc[i, "lat"], h.loc[i, "lon"]]
        elif kind == "nan":
            h.loc[i, "lon"] = np.nan
        elif kind == "text":
            h.loc[i, "lat"] = "n/a"
        elif kind == "far":
            h.loc[i, "lon"] = X0 - 1.0
        elif kind == "zero":
            h.loc[i, ["lon", "lat"]] = [0.0, 0.0]
        elif kind == "range":
            h.loc[i, "lon"] = 500.0
        elif kind == "vid_only":
            h.loc[i, ["lon", "lat", "village_id"]] = [None, None, v.village_id[1]]
        elif kind == "bad_vid":
            h.loc[i, ["lon", "lat", "village_id"]] = [None, None, "nope"]
        elif kind == "dup" and i > 0:
            h.loc[i, "household_id"] = h.loc[0, "household_id"]
        elif kind == "edge":
            h.loc[i, ["lon", "lat"]] = [X0 + STEP, Y0 + STEP]  # a 4-village corner
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnassignedHouseholdsWarning)
        warnings.simplefilter("ignore", CoordinateSystemWarning)
        county = read_county(villages=v, households=h)
    rep = county.report
    rep.check_invariant()
    c = rep.counts["households"]
    assert c["read"] == len(h)
    assert c["loaded"] == len(county.households)
    rejected = rep.rejected("households")
    assert rejected["row"].is_unique
    unique_in = h["household_id"].drop_duplicates(keep=False)
    gone = set(rejected["id"]) & set(unique_in)
    assert gone.isdisjoint(county.households["household_id"])
    assert county.villages["households"].sum() == len(county.households)
    assert county.households["village_id"].isin(county.villages["village_id"]).all()
    assert county.households.geometry.notna().all()
    assert county.households["household_id"].is_unique
