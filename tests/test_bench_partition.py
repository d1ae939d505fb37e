"""The partition benchmark's metric code, checked on a 4 x 4 box grid by hand."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _common import build_unit_graph, measure, rook_pairs
from _partition_refs import Problem, run_limited

KM = 1000.0


def _box_grid(extra_island: bool = False) -> gpd.GeoDataFrame:
    """16 unit squares of 1 km, row r (y) and column c (x), optional far island."""
    rows, cols, geoms = [], [], []
    for r in range(4):
        for c in range(4):
            rows.append(r)
            cols.append(c)
            geoms.append(shapely.box(c * KM, r * KM, (c + 1) * KM, (r + 1) * KM))
    if extra_island:
        rows.append(0)
        cols.append(10)
        geoms.append(shapely.box(10 * KM, 0, 11 * KM, KM))
    df = gpd.GeoDataFrame({"r": rows, "c": cols}, geometry=geoms, crs="EPSG:32650")
    df["hh"] = 10.0
    df["town"] = np.where(df["r"] < 2, "A", "B")
    df["village"] = [f"v{r}-{c // 2}" for r, c in zip(df["r"], df["c"], strict=True)]
    return df


def _halves(df: gpd.GeoDataFrame) -> np.ndarray:
    return (df["c"].to_numpy() >= 2).astype(int)  # left 0, right 1


def test_rook_pairs_of_a_box_grid_skip_corner_touches():
    df = _box_grid()
    pairs = rook_pairs(df.geometry.to_numpy())
    assert len(pairs) == 24  # 4 rows x 3 + 4 columns x 3; diagonals are not rook
    assert (pairs[:, 0] < pairs[:, 1]).all()
    as_set = {tuple(p) for p in pairs.tolist()}
    assert (0, 5) not in as_set  # (0,0) and (1,1) meet at a corner only
    assert (0, 1) in as_set
    assert (0, 4) in as_set


def test_halves_balance_contiguity_shape_and_crossings():
    df = _box_grid()
    df.loc[0, "hh"] = 30.0  # left half: 7 x 10 + 30 = 100, right half: 80
    m = measure(
        df,
        _halves(df),
        weight="hh",
        lo=85,
        hi=95,
        town="town",
        village="village",
    )
    assert m["grids"] == 2
    assert m["max_dev"] == pytest.approx(10 / 90 * 100)
    assert m["in_range"] == 0.0
    assert m["contiguous"] == 100.0
    # a 2 x 4 km rectangle: 4 pi 8 / 12^2
    assert m["pp"] == pytest.approx(4 * np.pi * 8 / 144)
    assert m["cross_town"] == 2  # both halves span rows 0-3, towns A and B
    assert m["split_villages"] == 0  # villages are pairs of columns (0,1) and (2,3)
    assert m["cut_edges"] == 4
    wide = measure(df, _halves(df), weight="hh", lo=80, hi=100)
    assert wide["in_range"] == 100.0
    assert wide["cross_town"] == -1  # no town column given


def test_target_overrides_total_over_grids():
    df = _box_grid()
    m = measure(df, _halves(df), weight="hh", target=100.0)
    assert m["max_dev"] == pytest.approx(20.0)  # both halves hold 80


def test_corner_touch_and_scattered_grids_are_not_contiguous():
    df = _box_grid()
    labels = np.ones(16, dtype=int)
    labels[[0, 5]] = 0  # (0,0) and (1,1): corner touch only
    labels[[15]] = 2  # (3,3) alone: contiguous
    m = measure(df, labels, weight="hh")
    assert m["grids"] == 3
    # grid 0 is two pieces; grid 1 (the rest) stays connected; grid 2 is one cell
    assert m["contiguous"] == pytest.approx(200 / 3)
    # grid 0 dissolves to two squares meeting at a corner (area 2, perimeter 8);
    # grid 1 is the 4 x 4 square less two corners (perimeter still 16) and the hole
    # (1,1) (perimeter + 4); grid 2 is one square
    pp = [4 * np.pi * 2 / 8**2, 4 * np.pi * 13 / 20**2, 4 * np.pi * 1 / 4**2]
    assert m["pp"] == pytest.approx(np.mean(pp))


def test_declared_bridge_makes_an_island_contiguous_with_its_neighbour():
    df = _box_grid(extra_island=True)
    graph = build_unit_graph(df.geometry)
    assert graph.bridges.tolist() == [[3, 16]]  # island to (0,3), the nearest cell
    right = _halves(df)
    right[16] = 1  # the island joins the right half, which holds (0,3)
    assert measure(df, right, weight="hh", graph=graph)["contiguous"] == 100.0
    left = right.copy()
    left[16] = 0  # in the left half it is cut off
    assert measure(df, left, weight="hh", graph=graph)["contiguous"] == 50.0


def test_distance_from_unit_centroids_and_from_household_points():
    df = _box_grid()
    columns = df["c"].to_numpy()  # four vertical 1 x 4 km grids
    m = measure(df, columns, weight="hh", village="village")
    # centroids at 0.5, 1.5, 2.5, 3.5 km from y = 0; centre at 2 km: 1.5,.5,.5,1.5
    assert m["dist_km"] == pytest.approx(1.0)
    assert m["split_villages"] == 8  # every village pair is cut by the columns
    assert m["pp"] == pytest.approx(4 * np.pi * 4 / 100)
    # two households per grid, 2 km apart: each is 1 km from the centre
    pts = np.array([[500.0, 0.0], [500.0, 2000.0], [3500.0, 0.0], [3500.0, 2000.0]])
    m2 = measure(
        df,
        np.where(columns < 2, "a", "b"),
        weight="hh",
        points_xy=pts,
        point_labels=np.array(["a", "a", "b", "b"]),
    )
    assert m2["dist_km"] == pytest.approx(1.0)


def test_weighted_centre_follows_households():
    df = _box_grid()
    labels = np.zeros(16, dtype=int)
    df["hh"] = 0.0
    df.loc[0, "hh"] = 30.0  # (0,0), centroid (0.5, 0.5) km
    df.loc[3, "hh"] = 10.0  # (0,3), centroid (3.5, 0.5) km
    m = measure(df, labels, weight="hh", dissolve=False)
    # centre at x = 1.25 km; distances 0.75 (x30) and 2.25 (x10) -> 1.125
    assert m["dist_km"] == pytest.approx(1.125)
    assert np.isnan(m["pp"])


def test_labels_must_match_units():
    df = _box_grid()
    with pytest.raises(ValueError, match="labels"):
        measure(df, np.zeros(3), weight="hh")


def _sleepy(_p):
    time.sleep(60)


def _broken(_p):
    msg = "no cut"
    raise RuntimeError(msg)


def _first_col(p):
    return p.units["c"].to_numpy(), "by column"


@pytest.fixture
def problem():
    df = _box_grid()
    return Problem(df, build_unit_graph(df.geometry), "hh", 4, 35, 45)


def test_run_limited_reports_ok_error_and_timeout(problem):
    ok = run_limited(_first_col, problem, timeout=60)
    assert ok.status == "ok"
    assert ok.note == "by column"
    assert ok.labels.tolist() == problem.units["c"].tolist()
    err = run_limited(_broken, problem, timeout=60)
    assert err.status.startswith("error: RuntimeError: no cut")
    assert err.labels is None
    slow = run_limited(_sleepy, problem, timeout=0.5)
    assert slow.status == "timeout"
    assert slow.labels is None


def test_problem_tolerance_and_target(problem):
    assert problem.target == pytest.approx(40.0)
    assert problem.tolerance == pytest.approx(5 / 40)


def test_report_keeps_sections_of_jobs_not_rerun(tmp_path):
    import bench_partition as bench

    out = tmp_path / "partition.md"
    bench.write_report(
        out, {"de-18": "## de-18: t\n\nFIRST-RUN\n", "vt-10": "## vt-10: t\n\nv\n"}
    )
    bench.write_report(out, {"de-18": "## de-18: t\n\nSECOND-RUN\n"})
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Partition benchmark")
    assert "SECOND-RUN" in text
    assert "FIRST-RUN" not in text
    assert text.index("## de-18") < text.index("## vt-10")  # the order of JOBS


def test_table_marks_failed_tools_and_missing_columns():
    import bench_partition as bench

    ok = {
        "tool": "t",
        "status": "ok",
        "seconds": 1.0,
        "grids": 2,
        "in_range": 50.0,
        "max_dev": 3.0,
        "contiguous": 100.0,
        "pp": 0.5,
        "dist_km": 1.2,
        "cross_town": -1,
        "cross_county": -1,
        "split_villages": 0,
        "cut_edges": 4,
        "note": "",
    }
    bad = {"tool": "u", "status": "timeout", "seconds": 300.0, "note": "> 300 s"}
    lines = bench.table([ok, bad]).splitlines()
    assert lines[2].split(" | ")[8:10] == ["–", "–"]  # no township / county column
    assert lines[3].endswith("| timeout; > 300 s |")


def test_table_never_rounds_a_share_to_100():
    import bench_partition as bench

    row = {"tool": "t", "status": "ok", "in_range": 99.96, "contiguous": 100.0}
    cells = bench.table([row]).splitlines()[2].split(" | ")
    assert cells[3] == "99.9"
    assert cells[5] == "100"
