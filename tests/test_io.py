"""Tests of gridgeo.io: every loader path and each bad-input kind of a single layer.

Hostile-input matrix (each row expects its own error or report row):

=============================  ==================================================
input                          expected
=============================  ==================================================
file does not exist            ValidationError "file not found"
file is empty (0 bytes)        ValidationError "empty"
no village id column           ValidationError listing the columns found
no coordinates, no village id  ValidationError listing the columns found
projected coords, no CRS       CRSError "pass crs="
unknown CRS string             CRSError
12-digit codes as numbers      kept as exact strings
GBK / GB18030 / BOM CSV        decoded without being told
GBK shapefile, with/without    names decoded (.cpg honoured, else sniffed)
  .cpg
multilinestring road           exploded, ``info`` row
polygon in a road layer        ``wrong_geometry_type`` rejected
bad speed                      ``bad_speed`` repaired (NaN)
service point polygon          ``polygon_as_point`` repaired
no site id                     ``S0001``..., ``generated_id`` info row
=============================  ==================================================
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridgeo.errors import CRSError, ValidationError
from gridgeo.io import read_households, read_roads, read_service_points, read_villages
from gridgeo.validate import ValidationReport

X0, Y0, STEP = 119.50, 28.00, 0.02  # 云和县 area, boxes of ~2 km


def village_frame(nx: int = 3, ny: int = 2) -> gpd.GeoDataFrame:
    geoms, ids, names = [], [], []
    for j in range(ny):
        for i in range(nx):
            k = j * nx + i
            geoms.append(
                shapely.box(
                    X0 + i * STEP,
                    Y0 + j * STEP,
                    X0 + (i + 1) * STEP,
                    Y0 + (j + 1) * STEP,
                )
            )
            ids.append(f"33112500{1 + j}{k + 1:03d}")
            names.append(f"村{k}")
    return gpd.GeoDataFrame(
        {"village_id": ids, "name": names, "zone": "plain"}, geometry=geoms, crs=4326
    )


def household_table(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "household_id": [f"h{i:03d}" for i in range(n)],
            "lon": rng.uniform(X0 + 0.001, X0 + 3 * STEP - 0.001, n).round(6),
            "lat": rng.uniform(Y0 + 0.001, Y0 + 2 * STEP - 0.001, n).round(6),
            "户主": ["张三"] * n,
            "crop": rng.choice(["茶叶", "水稻"], n),
        }
    )


# --------------------------------------------------------------------- villages


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [
        (".gpkg", "GPKG"),
        (".shp", "ESRI Shapefile"),
        (".geojson", "GeoJSON"),
        (".fgb", "FlatGeobuf"),
        (".parquet", None),
        ("frame", None),
    ],
)
def test_read_villages_formats(tmp_path, suffix, driver):
    v = village_frame()
    if suffix == "frame":
        data = v
    else:
        data = tmp_path / f"villages{suffix}"
        if driver is None:
            v.to_parquet(data)
        else:
            v.to_file(data, driver=driver, engine="pyogrio")
    rep = ValidationReport()
    out = read_villages(data, report=rep).sort_values("village_id")  # fgb reorders
    assert out["village_id"].tolist() == v["village_id"].tolist()
    assert out["town_id"].tolist() == [i[:9] for i in v["village_id"]]
    assert out["name"].tolist() == v["name"].tolist()
    assert out["zone"].eq("plain").all()
    assert out.crs.to_epsg() == 4549
    assert np.isclose(out.area.sum() / 1e6, 6 * 4.3, rtol=0.1)  # ~2.2 x 1.96 km each
    assert rep.counts["villages"] == {"read": 6, "loaded": 6}


@pytest.mark.parametrize("kind", ["int", "float"])
def test_twelve_digit_codes_never_become_floats(tmp_path, kind):
    v = village_frame()
    v["code"] = v.pop("village_id").astype("int64").astype(kind)
    path = tmp_path / "v.gpkg"
    v.to_file(path, engine="pyogrio")
    out = read_villages(path)
    assert out["village_id"].iloc[0] == "331125001001"
    assert out["town_id"].iloc[0] == "331125001"


def test_twelve_digit_codes_from_csv_are_strings(tmp_path):
    v = village_frame()
    df = pd.DataFrame({"村代码": v["village_id"], "geometry": v.geometry.to_wkt()})
    path = tmp_path / "v.csv"
    df.to_csv(path, index=False)
    out = read_villages(path)
    assert out["village_id"].tolist() == v["village_id"].tolist()


@pytest.mark.parametrize("with_cpg", [True, False])
def test_gbk_shapefile(tmp_path, with_cpg):
    v = village_frame()
    path = tmp_path / "villages.shp"
    v.to_file(path, encoding="gbk", engine="pyogrio")
    cpg = tmp_path / "villages.cpg"
    if with_cpg:
        assert cpg.read_text().strip().upper() == "GBK"
    else:
        cpg.unlink()
    out = read_villages(path)
    assert out["name"].tolist() == v["name"].tolist()


def test_town_column_and_single_town_default():
    v = village_frame()
    v["town_code"] = ["t1", "t1", "t1", "t2", "t2", "t2"]
    assert read_villages(v)["town_id"].tolist() == v["town_code"].tolist()
    v2 = village_frame().assign(village_id=[f"v{i}" for i in range(6)])
    assert read_villages(v2)["town_id"].eq("0").all()


def test_village_count_columns_and_estimate():
    v = village_frame().assign(户数=[10, "x", -1, 40, None, 60])
    rep = ValidationReport()
    out = read_villages(v, report=rep)
    assert out["households"].tolist() == [10, 0, 0, 40, 0, 60]
    assert out["persons"].tolist() == [26, 0, 0, 105, 0, 157]  # x 2.62
    assert (rep.to_frame()["check"] == "bad_count").sum() == 3


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        read_villages(tmp_path / "nope.gpkg")
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="empty"):
        read_villages(empty)
    header_only = tmp_path / "h.csv"
    header_only.write_text("household_id,lon,lat\n")
    assert len(read_households(header_only)) == 0


def test_missing_id_column_lists_columns():
    v = village_frame().rename(columns={"village_id": "foo"})
    with pytest.raises(
        ValidationError, match=r"columns found: \['foo', 'name', 'zone'\]"
    ):
        read_villages(v)
    with pytest.raises(ValidationError, match="Column 'bar' not found"):
        read_villages(village_frame(), id_col="bar")


def test_projected_without_crs_and_unknown_crs():
    v = village_frame().to_crs(4549).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="Pass crs="):
        read_villages(v)
    assert read_villages(v, crs=4549).crs.to_epsg() == 4549
    with pytest.raises(CRSError, match="Unknown CRS"):
        read_villages(village_frame(), crs="EPSG:nonsense")


def test_crs_gcj02_overrides_file_and_converts():
    v = village_frame()
    plain = read_villages(v)
    gcj = read_villages(v, crs="gcj02")
    shift = plain.geometry.centroid.distance(gcj.geometry.centroid)
    assert ((shift > 300) & (shift < 700)).all()


# ------------------------------------------------------------------- households


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_households_csv_encodings(tmp_path, encoding):
    df = household_table().rename(columns={"lon": "经度", "lat": "纬度"})
    path = tmp_path / "hh.csv"
    df.to_csv(path, index=False, encoding=encoding)
    out = read_households(path)
    assert out["户主"].eq("张三").all()
    assert set(out["crop"]) <= {"茶叶", "水稻"}
    assert out["located"].all()
    assert "经度" not in out.columns


@pytest.mark.parametrize(
    ("xname", "yname"),
    [
        ("lon", "lat"),
        ("lng", "lat"),
        ("Longitude", "Latitude"),
        ("x", "y"),
        ("经度", "纬度"),
        ("GPS_LON", "GPS_LAT"),
    ],
)
def test_households_coordinate_aliases(xname, yname):
    df = household_table().rename(columns={"lon": xname, "lat": yname})
    out = read_households(df)
    assert len(out) == 30
    assert out.crs.to_epsg() == 4549


def test_households_xlsx(tmp_path):
    df = household_table()
    df["village_code"] = 331125001001
    path = tmp_path / "hh.xlsx"
    df.to_excel(path, index=False)
    out = read_households(path)
    assert out["village_id"].eq("331125001001").all()
    assert out["household_id"].tolist() == df["household_id"].tolist()
    assert out["located"].all()


def test_households_point_file_and_persons(tmp_path):
    df = household_table()
    df["persons"] = [3, "abc", -2] + [4] * 27
    g = gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(df.lon, df.lat),
        crs=4326,
    )
    path = tmp_path / "hh.gpkg"
    g.astype({"persons": str}).to_file(path, engine="pyogrio")
    rep = ValidationReport()
    out = read_households(path, report=rep)
    assert out["persons"].tolist()[:4] == [3, 3, 3, 4]
    assert rep.to_frame()["check"].tolist() == ["bad_count", "bad_count"]


def test_households_need_coordinates_or_village():
    df = household_table().drop(columns=["lon", "lat"])
    with pytest.raises(ValidationError, match="columns found"):
        read_households(df)


def test_household_ids_generated_and_deduplicated():
    df = household_table(5).drop(columns=["household_id"])
    out = read_households(df)
    assert out["household_id"].tolist() == ["H0", "H1", "H2", "H3", "H4"]
    df = household_table(5)
    df.loc[3, "household_id"] = "h000"
    rep = ValidationReport()
    out = read_households(df, report=rep)
    assert len(out) == 4
    rows = rep.rejected("households")
    assert rows["check"].tolist() == ["duplicate_id"]
    assert rows["row"].tolist() == [3]


def test_households_gcj02_table_converted():
    df = household_table(5)
    a = read_households(df)
    b = read_households(df, crs="gcj02")
    d = a.geometry.distance(b.geometry)
    assert ((d > 300) & (d < 700)).all()


# ------------------------------------------------------------------ roads, sites


def test_read_roads():
    lines = [
        shapely.LineString([(X0, Y0), (X0 + 0.01, Y0)]),
        shapely.MultiLineString(
            [[(X0, Y0), (X0, Y0 + 0.01)], [(X0 + 0.02, Y0), (X0 + 0.03, Y0)]]
        ),
        shapely.box(X0, Y0, X0 + 0.01, Y0 + 0.01),
        shapely.LineString([(X0, Y0), (X0, Y0)]),
        None,
    ]
    g = gpd.GeoDataFrame(
        {
            "fclass": ["primary", "track", "x", "y", "z"],
            "maxspeed": [60, "abc", 1, 1, 1],
        },
        geometry=lines,
        crs=4326,
    )
    rep = ValidationReport()
    out = read_roads(g, report=rep)
    assert len(out) == 3  # two rows loaded, the multi-line exploded
    assert out.index.tolist() == [0, 1, 1]
    assert set(out.geom_type) == {"LineString"}
    assert out["road_class"].tolist() == ["primary", "track", "track"]
    assert out["speed_kmh"].iloc[0] == 60
    assert np.isnan(out["speed_kmh"].iloc[1])
    checks = sorted(zip(rep.to_frame()["row"], rep.to_frame()["check"], strict=True))
    assert checks == [
        (1, "bad_speed"),
        (1, "multilinestring"),
        (2, "wrong_geometry_type"),
        (3, "degenerate_geometry"),
        (4, "empty_geometry"),
    ]
    assert rep.counts["roads"] == {"read": 5, "loaded": 2}
    rep.check_invariant()


def test_read_service_points_from_table_and_polygons():
    df = pd.DataFrame({"lng": [X0 + 0.01, X0 + 0.03], "lat": [Y0 + 0.01, Y0 + 0.01]})
    rep = ValidationReport()
    out = read_service_points(df, report=rep)
    assert out["site_id"].tolist() == ["S0001", "S0002"]
    assert rep.to_frame()["check"].tolist() == ["generated_id"]
    g = gpd.GeoDataFrame(
        {"site_id": [1, 2]},
        geometry=[shapely.box(X0, Y0, X0 + 0.001, Y0 + 0.001), shapely.Point(X0, Y0)],
        crs=4326,
    )
    rep = ValidationReport()
    out = read_service_points(g, report=rep)
    assert out["site_id"].tolist() == ["1", "2"]
    assert set(out.geom_type) == {"Point"}
    assert rep.to_frame()["check"].tolist() == ["polygon_as_point"]
