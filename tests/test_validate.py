"""Tests of gridgeo.validate: the ValidationReport and the shared geometry checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgeo.errors import ValidationError
from gridgeo.validate import (
    REPORT_COLUMNS,
    ValidationReport,
    check_duplicate_ids,
    check_geometries,
)


def _report() -> ValidationReport:
    rep = ValidationReport()
    rep.add("villages", 3, "v3", "geometry", "invalid_geometry", "repaired", "bow-tie")
    rep.add_rows(
        "households",
        [1, 2],
        ["a", "b"],
        "lon",
        "missing_coordinates",
        "rejected",
        "no lon",
    )
    rep.add("households", None, None, "household_id", "generated_id", "info", "ids")
    rep.set_counts("villages", 10, 10)
    rep.set_counts("households", 5, 3)
    return rep


def test_report_frame_summary_html_and_files(tmp_path):
    rep = _report()
    df = rep.to_frame()
    assert list(df.columns) == REPORT_COLUMNS
    assert str(df["row"].dtype) == "Int64"
    assert df["row"].isna().sum() == 1
    assert len(rep) == 4
    assert rep.n_rejected("households") == 2
    rep.check_invariant()
    text = rep.summary()
    assert "households" in text
    assert "missing_coordinates: 2" in text
    assert "<table" in rep._repr_html_()
    assert "4 rows over 2 layers" in repr(rep)
    csv = tmp_path / "r.csv"
    rep.to_file(csv)
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back["check"].tolist() == df["check"].tolist()
    xlsx = tmp_path / "r.xlsx"
    rep.to_file(xlsx)
    assert pd.read_excel(xlsx)["action"].tolist() == df["action"].tolist()


def test_invariant_violation_and_strict():
    rep = _report()
    rep.set_counts("households", 6, 3)
    with pytest.raises(AssertionError, match="households"):
        rep.check_invariant()
    with pytest.raises(ValidationError, match=r"households row 1 \(id a\) lon: no lon"):
        rep.raise_if_rejected()
    ValidationReport().raise_if_rejected()  # nothing rejected: no error


def test_empty_report_summary():
    assert "nothing read" in ValidationReport().summary()


def test_check_geometries_polygons():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    line_only = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # zero area
    gdf = gpd.GeoDataFrame(
        geometry=[
            shapely.box(0, 0, 1, 1),
            bowtie,
            None,
            shapely.Point(0, 0),
            line_only,
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
        ],
        crs=4549,
    )
    rep = ValidationReport()
    out, keep = check_geometries(gdf, layer="villages", kind="polygon", report=rep)
    assert keep.tolist() == [True, True, False, False, False, True]
    assert out.geometry[1].is_valid
    assert np.isclose(out.geometry[1].area, 0.5)
    got = rep.to_frame()[["row", "check", "action"]].values.tolist()
    assert sorted(got) == [
        [1, "invalid_geometry", "repaired"],
        [2, "empty_geometry", "rejected"],
        [3, "wrong_geometry_type", "rejected"],
        [4, "invalid_geometry", "rejected"],
    ]
    assert gdf.geometry[1].equals(bowtie)  # input not mutated


def test_check_geometries_points_and_lines():
    gdf = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(0, 0),
            shapely.box(0, 0, 2, 2),
            shapely.MultiPoint([(0, 0), (2, 0)]),
            shapely.LineString([(0, 0), (1, 1)]),
        ],
    )
    rep = ValidationReport()
    out, keep = check_geometries(gdf, layer="sites", kind="point", report=rep)
    assert keep.tolist() == [True, True, True, False]
    assert set(out.geometry[:3].geom_type) == {"Point"}
    assert out.geometry[2].equals(shapely.Point(1, 0))
    rep2 = ValidationReport()
    _, keep = check_geometries(gdf, layer="roads", kind="line", report=rep2)
    assert keep.tolist() == [False, False, False, True]


def test_check_duplicate_ids_keeps_first_live():
    ids = pd.Series(["a", "b", "a", None, None, "b"])
    keep = np.array([False, True, True, True, True, True])
    rep = ValidationReport()
    out = check_duplicate_ids(ids, keep, layer="v", field="village_id", report=rep)
    # row 0 was already rejected, so row 2 is the first live "a"; missing ids are
    # not duplicates of each other
    assert out.tolist() == [False, True, True, True, True, False]
    r = rep.to_frame()
    assert r["row"].tolist() == [5]
    assert "row 1 already has it" in r["message"].iloc[0]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ok", "empty", "none", "point", "bowtie", "sliver", "line"]),
        max_size=30,
    ),
    st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=30, max_size=30),
)
def test_no_row_lost_by_the_checks(kinds, idpool):
    make = {
        "ok": shapely.box(0, 0, 1, 1),
        "empty": shapely.Polygon(),
        "none": None,
        "point": shapely.Point(0, 0),
        "bowtie": shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]),
        "sliver": shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]),
        "line": shapely.LineString([(0, 0), (1, 1)]),
    }
    gdf = gpd.GeoDataFrame(geometry=[make[k] for k in kinds])
    ids = pd.Series(idpool[: len(kinds)], dtype=object)
    rep = ValidationReport()
    _, keep = check_geometries(gdf, layer="v", kind="polygon", report=rep, ids=ids)
    keep = check_duplicate_ids(ids, keep, layer="v", field="id", report=rep)
    rep.set_counts("v", len(kinds), int(keep.sum()))
    rep.check_invariant()
    rejected_rows = rep.rejected("v")["row"]
    assert rejected_rows.is_unique
    assert set(rejected_rows) == set(np.flatnonzero(~keep))
