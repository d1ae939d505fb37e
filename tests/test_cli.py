"""Tests of the ``gridgeo`` command line (gridgeo/cli.py).

The commands run in-process through ``gridgeo.cli.main([...])`` on a small synthetic
county written to files in a temporary folder; one test runs ``python -m gridgeo``
in a subprocess. Hostile inputs: no command, a missing required option, a file that
does not exist, a malformed ``--zone`` rule, an unknown strategy option, ``--out``
naming a file, an unknown Tianditu key.
"""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import gridgeo as gg
from gridgeo import cli
from gridgeo.cli import _steps as steps

COMMANDS = ["demo", "validate", "partition", "coverage", "map"]


# ----------------------------------------------------------------------- helpers


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def county() -> gg.County:
    return gg.datasets.synthetic_county(seed=1, n_villages=40, n_households=4_000)


@pytest.fixture(scope="module")
def files(county: gg.County, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The synthetic county written as a user would hand it in: GPKG + CSV."""
    d = tmp_path_factory.mktemp("inputs")
    villages = county.villages.to_crs(4326)
    villages.to_file(d / "villages.gpkg")
    hh = county.households.to_crs(4326)
    table = pd.DataFrame(
        {
            "household_id": hh["household_id"],
            "village_id": hh["village_id"],
            "lon": hh.geometry.x.round(7),
            "lat": hh.geometry.y.round(7),
        }
    )
    table.to_csv(d / "households.csv", index=False)
    inputs = {
        "villages": d / "villages.gpkg",
        "households": d / "households.csv",
    }
    if county.service_points is not None:
        county.service_points.to_crs(4326).to_file(d / "points.gpkg")
        inputs["service_points"] = d / "points.gpkg"
    return inputs


def input_args(files: dict) -> list[str]:
    return [
        "--villages",
        str(files["villages"]),
        "--households",
        str(files["households"]),
    ]


# ----------------------------------------------------------------------- parser


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_each_command_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"gridgeo {command}" in out
    assert "example" in out
    assert "--out" in out


def test_no_command_prints_help_and_fails(capsys):
    code, out, _ = run([], capsys)
    assert code == cli.EXIT_INPUT_ERROR
    for command in COMMANDS:
        assert command in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert gg.__version__ in capsys.readouterr().out


def test_parse_zone_rule():
    zone, strategy, params = steps.parse_zone("plain=villages:min=6,max=8,n-grids=30")
    assert (zone, strategy) == ("plain", "villages")
    assert params == {"min": 6, "max": 8, "n_grids": 30}
    assert steps.parse_zone("hill=industry") == ("hill", "industry", {})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("plain", "expected NAME=STRATEGY"),
        ("plain=", "expected NAME=STRATEGY"),
        ("plain=villages:min", "is not key=value"),
        ("plain=districts", "Unknown strategy 'districts'"),
        ("plain=villages:colour=red", "Accepted: "),
    ],
)
def test_bad_zone_rule_is_a_clean_error(rule, message, capsys, tmp_path):
    code, _, err = run(
        ["partition", "--sample", "--zone", rule, "--out", str(tmp_path)], capsys
    )
    assert code == cli.EXIT_INPUT_ERROR
    assert message in err
    assert "Traceback" not in err


def test_zone_rules_and_strategy_do_not_mix(capsys, tmp_path):
    code, _, err = run(
        ["partition", "--sample", "--zone", "plain=villages", "--strategy", "villages"],
        capsys,
    )
    assert code == cli.EXIT_INPUT_ERROR
    assert "--zone rules carry their own options" in err


def test_partition_call_builds_the_python_call():
    parser = cli.build_parser()
    args = parser.parse_args(["partition", "--sample", "--n-grids", "7", "--seed", "3"])
    assert steps.partition_call(args) == (None, {"seed": 3, "n_grids": 7})
    args = parser.parse_args(
        ["partition", "--sample", "--strategy", "villages", "--min", "6", "--max", "8"]
    )
    spec, kwargs = steps.partition_call(args)
    assert spec == gg.ByVillages(min=6, max=8)
    assert kwargs == {"seed": 0}
    args = parser.parse_args(
        [
            *("partition", "--sample", "--respect", "none", "--no-strict"),
            *("--zone", "plain=villages", "--zone", "hill=households:n_grids=2"),
        ]
    )
    spec, kwargs = steps.partition_call(args)
    assert spec == {"plain": gg.ByVillages(), "hill": gg.ByHouseholds(n_grids=2)}
    assert kwargs == {
        "seed": 0,
        "strict": False,
        "respect": None,
        "zone_column": "zone",
    }


# ----------------------------------------------------------------------- bad input


def test_missing_villages_option_is_a_clean_error(capsys, tmp_path):
    code, out, err = run(["validate", "--out", str(tmp_path)], capsys)
    assert code == cli.EXIT_INPUT_ERROR
    assert "--villages is required" in err
    assert "Traceback" not in err
    assert out == ""


def test_missing_file_is_a_clean_error(capsys, tmp_path):
    missing = tmp_path / "nowhere.gpkg"
    code, _, err = run(
        ["validate", "--villages", str(missing), "--out", str(tmp_path)], capsys
    )
    assert code == cli.EXIT_INPUT_ERROR
    assert err.startswith("gridgeo validate: error:")
    assert "nowhere.gpkg" in err
    assert "Traceback" not in err


def test_out_naming_a_file_is_a_clean_error(capsys, tmp_path, files):
    target = tmp_path / "a_file"
    target.write_text("x")
    code, _, err = run(["validate", *input_args(files), "--out", str(target)], capsys)
    assert code == cli.EXIT_INPUT_ERROR
    assert "is a file" in err


def test_tianditu_without_key_is_a_clean_error(capsys, tmp_path):
    code, _, err = run(
        [
            "map",
            "--plan",
            str(tmp_path / "p.gpkg"),
            "--tiles",
            "tianditu-vec",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == cli.EXIT_INPUT_ERROR
    assert "--tianditu-key" in err


# ----------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal():
    tty, pipe = _Terminal(), io.StringIO()
    for stream in (tty, pipe):
        console = steps.Console(out=io.StringIO(), err=stream)
        with console.progress(total=2):
            with console.step("first step"):
                pass
            with console.step("second step"):
                pass
        assert [label for label, _ in console.timings] == ["first step", "second step"]
    assert "second step" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_warnings_of_a_step_are_reported_not_raised():
    import warnings

    err = io.StringIO()
    console = steps.Console(out=io.StringIO(), err=err)
    with console.step("load"):
        warnings.warn("3 islands bridged", gg.errors.IslandWarning, stacklevel=1)
    assert err.getvalue() == "warning: IslandWarning: 3 islands bridged\n"
    assert console.n_warnings == 1


# ----------------------------------------------------------------------- commands


def test_validate_writes_the_report(capsys, tmp_path, files, county):
    args = ["validate", *input_args(files), "--out", str(tmp_path)]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert f"villages       {len(county.villages):>10,}" in out
    report = pd.read_csv(tmp_path / "validation_report.csv", encoding="utf-8-sig")
    assert list(report.columns)[:3] == ["layer", "row", "id"]
    assert "validation_report.csv" in out


@pytest.fixture(scope="module")
def planned(files, tmp_path_factory):
    """``gridgeo partition`` run once on the input files: its output folder."""
    out = tmp_path_factory.mktemp("plan")
    args = [
        *("partition", *input_args(files), "--n-grids", "4", "--respect", "none"),
        *("--seed", "0", "--out", str(out), "--quiet"),
    ]
    assert cli.main(args) == 0
    return out


def test_partition_writes_plan_tables_with_codes_as_text(planned, county):
    ids = set(county.villages["village_id"])
    plan = gg.read_plan(planned / "plan.gpkg")
    assert plan.n_grids == 4
    raw = (planned / "plan_villages.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows Chinese
    table = pd.read_csv(planned / "plan_villages.csv", dtype=str, encoding="utf-8-sig")
    assert set(table["village_id"]) == ids
    assert table["village_id"].str.fullmatch(r"\d{12}").all()
    assert table["village_id"].is_unique
    assert table["name"].notna().all()
    assert sorted(table["grid_id"].astype(int).unique()) == [0, 1, 2, 3]
    village_grid = table.set_index("village_id")["grid_id"].astype(int)
    assert (village_grid == plan.village_grid.loc[village_grid.index]).all()
    sheet = openpyxl.load_workbook(planned / "plan_villages.xlsx").active
    header = [c.value for c in sheet[1]]
    column = [row[header.index("village_id")] for row in sheet.iter_rows(min_row=2)]
    assert {c.data_type for c in column} == {"s"}  # text cells: Excel keeps digits
    assert {c.value for c in column} == ids
    grids = pd.read_csv(planned / "grids.csv", encoding="utf-8-sig")
    assert len(grids) == 4
    assert grids["households"].sum() == county.n_households


def test_partition_prints_a_summary(capsys, tmp_path, files):
    args = [
        *("partition", *input_args(files), "--strategy", "households"),
        *("--n-grids", "3", "--respect", "none", "--out", str(tmp_path)),
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "Plan: 3 grids" in out
    assert "plan.gpkg" in out
    assert "Done in" in out
    assert len(out.splitlines()) < 30  # one screen


def test_map_from_a_saved_plan(capsys, tmp_path, planned, files):
    args = [
        *("map", *input_args(files), "--plan", str(planned / "plan.gpkg")),
        *("--lang", "en", "--tiles", "none", "--out", str(tmp_path)),
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    html = (tmp_path / "map.html").read_text("utf-8")
    assert '<script src="http' not in html  # offline: scripts inlined
    assert "map.html" in out


def test_map_of_a_plan_that_does_not_match_the_files(capsys, tmp_path, planned):
    other = gg.datasets.synthetic_county(seed=2, n_villages=30, n_households=2_000)
    d = tmp_path / "other"
    d.mkdir()
    other.villages.to_file(d / "villages.gpkg")
    other.households.to_file(d / "households.gpkg")
    args = [
        *("map", "--villages", str(d / "villages.gpkg")),
        *("--households", str(d / "households.gpkg")),
        *("--plan", str(planned / "plan.gpkg"), "--out", str(tmp_path)),
    ]
    code, _, err = run(args, capsys)
    assert code == cli.EXIT_INPUT_ERROR
    assert "does not match these households" in err


def test_coverage_with_a_plan(capsys, tmp_path, planned, files):
    args = [
        *("coverage", *input_args(files)),
        *("--service-points", str(files["service_points"])),
        *("--plan", str(planned / "plan.gpkg"), "--max-km", "5"),
        *("--out", str(tmp_path)),
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    by_grid = pd.read_csv(tmp_path / "coverage_by_grid.csv", encoding="utf-8-sig")
    assert sorted(by_grid["grid_id"]) == [0, 1, 2, 3]
    assert by_grid["share"].between(0, 1).all()
    staff = pd.read_csv(tmp_path / "staffing.csv", encoding="utf-8-sig")
    assert len(staff) == 4
    assert "Coverage within 5 km" in out
    assert "Staffing:" in out


def test_coverage_without_service_points_is_a_clean_error(capsys, tmp_path, files):
    code, _, err = run(["coverage", *input_args(files), "--out", str(tmp_path)], capsys)
    assert code == cli.EXIT_INPUT_ERROR
    assert "--service-points" in err


def test_python_dash_m_gridgeo_runs_in_a_subprocess(tmp_path):
    """The real process: exit code 2 and one line on stderr, no traceback."""
    missing = tmp_path / "nowhere.gpkg"
    bad = subprocess.run(
        [sys.executable, "-m", "gridgeo", "validate", "--villages", str(missing)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert bad.returncode == cli.EXIT_INPUT_ERROR
    assert bad.stdout == ""
    assert bad.stderr.startswith("gridgeo validate: error: ")
    assert "nowhere.gpkg" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_long_warnings_are_cut_to_a_few_lines():
    err = io.StringIO()
    console = steps.Console(out=io.StringIO(), err=err)
    console.warn("\n".join(f"line {i}" for i in range(20)), max_lines=4)
    lines = err.getvalue().splitlines()
    assert lines == ["warning: line 0", "line 1", "line 2", "  ... (17 more lines)"]


def test_demo_runs_the_seeds_zoned_example():
    rules = {z: steps.strategy(name, p) for z, (name, p) in cli.DEMO_RULES.items()}
    assert rules == {
        "urban": gg.ByCommunity(n_grids=15),
        "plain": gg.ByVillages(6, 8, n_grids=30),
        "hill": gg.ByIndustry(n_grids=10),
        "mountain": gg.ByHouseholds(n_grids=5),
    }
    assert sum(r.n_grids for r in rules.values()) == 60
    assert cli.DEMO_OPTIONS["zone_column"] == "zone"
