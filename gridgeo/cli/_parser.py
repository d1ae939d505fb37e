"""The argument parser of the ``gridgeo`` command: options, help and examples."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["STRATEGIES", "TILES", "build_parser"]

STRATEGIES = ("households", "villages", "industry", "community", "workload")
"""Names accepted by ``--strategy`` and ``--zone NAME=STRATEGY``."""

TILES = ("osm", "tianditu-vec", "tianditu-img", "gaode", "gaode-img", "none")
"""Base maps accepted by ``--tiles`` (Tianditu needs ``--tianditu-key``)."""

# --------------------------------------------------------------------------- parser

_EPILOGS = {
    "demo": """\
example:
  gridgeo demo --out demo
  # then open demo/map.html in a browser; demo/plan_villages.xlsx lists every
  # village with its grid

The demo runs the seed's zoned 60-grid plan on the built-in sample county:
the county town 15 grids by community, plains 30 grids of 6-8 villages,
hills 10 grids by industry, mountains 5 grids of about 500 households.""",
    "validate": """\
example:
  gridgeo validate --villages villages.gpkg --households households.csv \\
      --out checked
  # checked/validation_report.csv lists every rejected or repaired row""",
    "partition": """\
examples:
  gridgeo partition --villages villages.gpkg --households households.csv \\
      --n-grids 60 --out plan
  gridgeo partition --villages villages.gpkg --households households.csv \\
      --strategy households --min 500 --max 1000 --out plan
  gridgeo partition --sample --zone-column zone \\
      --zone urban=community:n_grids=15 \\
      --zone plain=villages:min=6,max=8,n_grids=30 \\
      --zone hill=industry:n_grids=10 --zone mountain=households:n_grids=5

--zone NAME=STRATEGY[:key=value,...] gives zone NAME its own rule; STRATEGY is
one of households, villages, industry, community, workload, and the keys are
the strategy's keyword arguments (n_grids, min, max, ...).""",
    "coverage": """\
example:
  gridgeo coverage --villages villages.gpkg --households households.csv \\
      --roads roads.gpkg --service-points points.csv --max-minutes 30 \\
      --plan plan/plan.gpkg --out coverage""",
    "map": """\
example:
  gridgeo map --villages villages.gpkg --households households.csv \\
      --plan plan/plan.gpkg --out plan --lang zh
  # writes plan/map.html, which opens without internet (--online to use CDNs)""",
}


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _inputs_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("input data")
    g.add_argument(
        "--villages",
        metavar="PATH",
        help="village polygons (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, "
        "GeoParquet)",
    )
    g.add_argument(
        "--households",
        metavar="PATH",
        help="household points, or a CSV / Excel table with lon/lat or a village id",
    )
    g.add_argument("--roads", metavar="PATH", help="road lines (optional)")
    g.add_argument(
        "--service-points", metavar="PATH", help="existing service points (optional)"
    )
    g.add_argument(
        "--candidate-sites",
        metavar="PATH",
        help="candidate service-point sites (optional)",
    )
    g.add_argument(
        "--crs",
        metavar="CRS",
        help="coordinate system of every input, overriding what the files say: "
        "EPSG:4326, EPSG:4490 (CGCS2000), gcj02, bd09, ...",
    )
    g.add_argument(
        "--households-crs",
        metavar="CRS",
        help="coordinate system of the households only (e.g. gcj02 for "
        "coordinates from Gaode/AMap or a phone app)",
    )
    g.add_argument(
        "--id-col", metavar="COLUMN", help="village id column (default: found by name)"
    )
    g.add_argument(
        "--town-col",
        metavar="COLUMN",
        help="township column (default: found by name, else the first 9 digits "
        "of 12-digit village codes)",
    )
    g.add_argument("--lon-col", metavar="COLUMN", help="household longitude column")
    g.add_argument("--lat-col", metavar="COLUMN", help="household latitude column")
    g.add_argument(
        "--tolerance",
        type=float,
        default=500.0,
        metavar="M",
        help="metres within which a household outside every village goes to the "
        "nearest one (default: 500)",
    )
    g.add_argument(
        "--sample",
        action="store_true",
        help="use the built-in sample county instead of files",
    )
    return p


def _output_parser(default_out: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output")
    g.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=Path(default_out),
        help=f"output folder, created when missing (default: {default_out})",
    )
    g.add_argument(
        "--quiet", "-q", action="store_true", help="print errors and warnings only"
    )
    return p


def _partition_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("partition")
    g.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="how grids are formed (default: balanced by households)",
    )
    g.add_argument("--n-grids", type=int, metavar="K", help="exact number of grids")
    g.add_argument(
        "--min",
        type=int,
        metavar="N",
        help="lower bound per grid (households; villages for --strategy villages)",
    )
    g.add_argument("--max", type=int, metavar="N", help="upper bound per grid")
    g.add_argument(
        "--zone-column",
        metavar="COLUMN",
        help="village column naming each village's zone (with --zone)",
    )
    g.add_argument(
        "--zone",
        action="append",
        default=[],
        metavar="NAME=STRATEGY[:k=v,...]",
        help="a rule for one zone; repeat for each zone",
    )
    g.add_argument(
        "--respect",
        metavar="COLUMN",
        help="no grid crosses this column's borders (default: the township); "
        "'none' to lift",
    )
    g.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="when the bounds cannot all be met, write the best plan and warn "
        "(default: stop with an error naming the township or unit)",
    )
    g.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return p


def _map_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("map")
    g.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="map labels (default: zh)"
    )
    g.add_argument(
        "--tiles",
        choices=TILES,
        default="osm",
        help="base map (default: osm; none for a blank base); gaode shifts the "
        "overlay to GCJ-02, the system of Gaode's tiles",
    )
    g.add_argument("--tianditu-key", metavar="KEY", help="your Tianditu API key")
    g.add_argument(
        "--online",
        action="store_true",
        help="load Leaflet from CDNs instead of inlining it (smaller file)",
    )
    return p


def _coverage_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("coverage")
    lim = g.add_mutually_exclusive_group()
    lim.add_argument(
        "--max-km", type=float, metavar="KM", help="service radius in km (default: 5)"
    )
    lim.add_argument(
        "--max-minutes", type=float, metavar="MIN", help="service radius in minutes"
    )
    g.add_argument(
        "--visits-per-month",
        type=float,
        default=200,
        metavar="N",
        help="households one specialist visits a month (default: 200)",
    )
    g.add_argument(
        "--cycle-months",
        type=int,
        default=3,
        metavar="N",
        help="every household visited once per N months (default: 3)",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    """Build the ``gridgeo`` argument parser with its five subcommands.

    Returns
    -------
    argparse.ArgumentParser
        The parser; ``parse_args`` sets ``command`` to the subcommand's name.
    """
    parser = argparse.ArgumentParser(
        prog="gridgeo",
        description="Plan service grids (网格化营销) for a county: validate the "
        "data, partition it into grids, check coverage and draw the map.",
        epilog="Start with: gridgeo demo --out demo\n"
        "Each command has its own help: gridgeo partition --help",
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=_version_string())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    inputs, mapping = _inputs_parser(), _map_parser()
    part, cov = _partition_parser(), _coverage_parser()

    def add(name: str, help_: str, parents: list[argparse.ArgumentParser]) -> Any:
        return sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=_EPILOGS[name],
            parents=parents,
            formatter_class=_formatter,
        )

    p = add(
        "demo",
        "run the whole job (validate, zoned 60-grid plan, coverage, staffing, map) "
        "on the built-in sample county",
        [_output_parser("gridgeo-demo"), mapping],
    )
    p.set_defaults(command="demo")
    p = add(
        "validate",
        "load and validate the input files; write the validation report",
        [inputs, _output_parser("gridgeo-output")],
    )
    p.set_defaults(command="validate")
    p = add(
        "partition",
        "cut the county into service grids; write the plan (GeoPackage, CSV, Excel)",
        [inputs, part, mapping, _output_parser("gridgeo-output")],
    )
    p.add_argument(
        "--map", action="store_true", help="also write map.html (see gridgeo map)"
    )
    p.set_defaults(command="partition")
    p = add(
        "coverage",
        "service-point coverage per household, grid and township, and staffing",
        [inputs, cov, mapping, _output_parser("gridgeo-output")],
    )
    p.add_argument(
        "--map", action="store_true", help="also write coverage_map.html (with --plan)"
    )
    p.add_argument("--plan", metavar="PATH", help="a plan written by gridgeo partition")
    p.set_defaults(command="coverage")
    p = add(
        "map",
        "draw a plan as an HTML map that opens offline",
        [inputs, mapping, _output_parser("gridgeo-output")],
    )
    p.add_argument(
        "--plan",
        metavar="PATH",
        required=True,
        help="plan written by gridgeo partition",
    )
    p.set_defaults(command="map")
    return parser


def _version_string() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"gridgeo {version('gridgeo')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "gridgeo (not installed)"
