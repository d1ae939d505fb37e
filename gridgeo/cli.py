r"""The ``gridgeo`` command line: demo, validate, partition, coverage, map.

Each subcommand runs one step of the Python API on the user's files and writes its
results into an output folder; ``gridgeo demo`` runs the whole job on the built-in
sample county. Errors in the input (:class:`gridgeo.errors.GridgeoError`) are printed
as one message on stderr and end the command with exit code 2, without a traceback.

Examples
--------
From a shell::

    gridgeo demo --out demo
    gridgeo partition --villages villages.gpkg --households households.csv \
        --n-grids 60 --out plan
    gridgeo map --plan plan/plan.gpkg --out plan --lang zh

From Python (as the tests do)::

    from gridgeo.cli import main
    main(["demo", "--out", "demo"])
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = ["EXIT_INPUT_ERROR", "EXIT_OK", "build_parser", "main"]

EXIT_OK = 0
"""Exit code of a command that ran to the end."""
EXIT_INPUT_ERROR = 2
"""Exit code of bad input or options (a :class:`~gridgeo.errors.GridgeoError`)."""

STRATEGIES = ("households", "villages", "industry", "community", "workload")
"""Names accepted by ``--strategy`` and ``--zone NAME=STRATEGY``."""

TILES = ("osm", "tianditu-vec", "tianditu-img", "gaode", "gaode-img", "none")
"""Base maps accepted by ``--tiles`` (Tianditu needs ``--tianditu-key``)."""


# --------------------------------------------------------------------------- output


@dataclass
class _Console:
    """Progress (on a terminal only), warnings and the final summary of one command."""

    quiet: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    timings: list[tuple[str, float]] = field(default_factory=list)
    n_warnings: int = 0
    _bar: Any = None
    _seen: set[str] = field(default_factory=set)

    @property
    def interactive(self) -> bool:
        return not self.quiet and bool(getattr(self.err, "isatty", lambda: False)())

    @contextlib.contextmanager
    def progress(self, total: int) -> Iterator[None]:
        """Show a step bar on stderr while the command runs (terminals only)."""
        if self.interactive:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, file=self.err, leave=False, unit="step", dynamic_ncols=True
            )
        try:
            yield
        finally:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time one step, report the warnings it raised, advance the bar."""
        if self._bar is not None:
            self._bar.set_description(label)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield
        self.timings.append((label, time.perf_counter() - t0))
        for w in caught:
            text = f"{w.category.__name__}: {w.message}"
            if text not in self._seen:  # the same warning from two steps: once
                self._seen.add(text)
                self.warn(text)
        if self._bar is not None:
            self._bar.update(1)

    def warn(self, message: str, *, max_lines: int = 6) -> None:
        """Print a warning on stderr, cut to ``max_lines`` lines."""
        self.n_warnings += 1
        lines = message.splitlines() or [""]
        if len(lines) > max_lines:
            lines = [
                *lines[: max_lines - 1],
                f"  ... ({len(lines) - max_lines + 1} more lines)",
            ]
        self._write(self.err, "warning: " + "\n".join(lines))

    def print(self, message: str = "") -> None:
        if not self.quiet:
            self._write(self.out, message)

    def _write(self, stream: TextIO, message: str) -> None:
        if self._bar is not None:
            self._bar.clear()
            print(message, file=stream)
            self._bar.refresh()
        else:
            print(message, file=stream)


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
        The parser; ``parse_args`` sets ``command`` and ``func``.
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
    p.set_defaults(func=_cmd_demo)
    p = add(
        "validate",
        "load and validate the input files; write the validation report",
        [inputs, _output_parser("gridgeo-output")],
    )
    p.set_defaults(func=_cmd_validate)
    p = add(
        "partition",
        "cut the county into service grids; write the plan (GeoPackage, CSV, Excel)",
        [inputs, part, mapping, _output_parser("gridgeo-output")],
    )
    p.add_argument(
        "--map", action="store_true", help="also write map.html (see gridgeo map)"
    )
    p.set_defaults(func=_cmd_partition)
    p = add(
        "coverage",
        "service-point coverage per household, grid and township, and staffing",
        [inputs, cov, mapping, _output_parser("gridgeo-output")],
    )
    p.add_argument(
        "--map", action="store_true", help="also write coverage_map.html (with --plan)"
    )
    p.add_argument("--plan", metavar="PATH", help="a plan written by gridgeo partition")
    p.set_defaults(func=_cmd_coverage)
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
    p.set_defaults(func=_cmd_map)
    return parser


def _version_string() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"gridgeo {version('gridgeo')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "gridgeo (not installed)"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gridgeo`` command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    int
        ``0`` on success, ``2`` on bad input or options (the message is printed on
        stderr), ``130`` when interrupted.

    Examples
    --------
    >>> from gridgeo.cli import main
    >>> main(["demo", "--out", "demo"])  # doctest: +SKIP
    0
    """
    from gridgeo.errors import GridgeoError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT_ERROR
    console = _Console(quiet=getattr(args, "quiet", False))
    func: Callable[[argparse.Namespace, _Console], int] = args.func
    try:
        return func(args, console)
    except GridgeoError as exc:
        print(f"gridgeo {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except OSError as exc:  # an unreadable input or unwritable output folder
        print(f"gridgeo {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print(f"gridgeo {args.command}: interrupted", file=sys.stderr)
        return 130


# --------------------------------------------------------------------------- steps


def _input_error(message: str) -> Exception:
    from gridgeo.errors import ValidationError

    return ValidationError(message)


def _load_county(args: argparse.Namespace, console: _Console) -> Any:
    import gridgeo as gg

    if args.sample:
        if args.villages:
            msg = "Give either --sample or --villages, not both."
            raise _input_error(msg)
        with console.step("load the sample county"):
            return gg.datasets.sample_county()
    if not args.villages:
        msg = (
            "--villages is required (a GeoPackage, Shapefile, GeoJSON, ... of village "
            "polygons); use --sample to try the built-in sample county."
        )
        raise _input_error(msg)
    kwargs: dict[str, Any] = {
        "villages": args.villages,
        "households": args.households,
        "roads": args.roads,
        "service_points": args.service_points,
        "candidate_sites": args.candidate_sites,
        "tolerance": args.tolerance,
    }
    for opt in ("id_col", "town_col", "lon_col", "lat_col"):
        if getattr(args, opt):
            kwargs[opt] = getattr(args, opt)
    if args.households_crs:
        layers = ("villages", "roads", "service_points", "candidate_sites")
        crs: Any = dict.fromkeys(layers, args.crs) if args.crs else {}
        crs["households"] = args.households_crs
        kwargs["crs"] = crs
    elif args.crs:
        kwargs["crs"] = args.crs
    with console.step("load and validate"):
        return gg.read_county(**kwargs)


def _strategy(name: str, params: dict[str, Any]) -> Any:
    import dataclasses

    import gridgeo as gg

    classes = {
        "households": gg.ByHouseholds,
        "villages": gg.ByVillages,
        "industry": gg.ByIndustry,
        "community": gg.ByCommunity,
        "workload": gg.ByWorkload,
    }
    if name not in classes:
        msg = f"Unknown strategy {name!r}; expected one of {', '.join(STRATEGIES)}."
        raise _input_error(msg)
    cls = classes[name]
    try:
        return cls(**params)
    except TypeError as exc:
        known = (
            [f.name for f in dataclasses.fields(cls)]
            if dataclasses.is_dataclass(cls)
            else []
        )
        msg = f"Bad options for strategy {name!r}: {exc}."
        if known:
            msg += f" Accepted: {', '.join(known)}."
        raise _input_error(msg) from None


def _parse_value(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return {"none": None, "true": True, "false": False}.get(text.lower(), text)


def _parse_zone(text: str) -> tuple[str, str, dict[str, Any]]:
    """Parse ``NAME=STRATEGY[:key=value,...]`` of a ``--zone`` option."""
    zone, sep, rule = text.partition("=")
    strategy, _, opts = rule.partition(":")
    if not sep or not zone or not strategy:
        msg = (
            f"--zone {text!r}: expected NAME=STRATEGY[:key=value,...], "
            "e.g. plain=villages:min=6,max=8,n_grids=30."
        )
        raise _input_error(msg)
    params: dict[str, Any] = {}
    for item in filter(None, opts.split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key:
            msg = f"--zone {text!r}: option {item!r} is not key=value."
            raise _input_error(msg)
        params[key.strip().replace("-", "_")] = _parse_value(value.strip())
    return zone.strip(), strategy.strip(), params


def _partition_call(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Turn the partition options into ``gg.partition``'s spec and keywords."""
    kwargs: dict[str, Any] = {"seed": args.seed}
    if not args.strict:
        kwargs["strict"] = False
    if args.respect is not None:
        kwargs["respect"] = None if args.respect.lower() == "none" else args.respect
    bounds = {
        k: v
        for k, v in (("n_grids", args.n_grids), ("min", args.min), ("max", args.max))
        if v is not None
    }
    if args.zone:
        if args.strategy or bounds:
            msg = (
                "--zone rules carry their own options; "
                "drop --strategy, --n-grids, --min and --max."
            )
            raise _input_error(msg)
        rules = {}
        for text in args.zone:
            zone, name, params = _parse_zone(text)
            rules[zone] = _strategy(name, params)
        kwargs["zone_column"] = args.zone_column or "zone"
        return rules, kwargs
    if args.zone_column:
        msg = "--zone-column needs at least one --zone NAME=STRATEGY rule."
        raise _input_error(msg)
    if args.strategy is None and set(bounds) == {"n_grids"}:
        kwargs["n_grids"] = bounds["n_grids"]
        return None, kwargs
    return _strategy(args.strategy or "households", bounds), kwargs


def _partition(
    county: Any, spec: Any, kwargs: dict[str, Any], console: _Console
) -> Any:
    import gridgeo as gg

    with console.step("partition"):
        if spec is None:
            return gg.partition(county, **kwargs)
        return gg.partition(county, spec, **kwargs)


# --------------------------------------------------------------------------- writers


def _prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        msg = f"--out {out} is a file; give a folder."
        raise _input_error(msg)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _write_table(df: Any, path: Path) -> None:
    """Write a table as CSV in UTF-8 with BOM (so Excel shows Chinese)."""
    df.to_csv(path, index=False, encoding="utf-8-sig")


def _village_table(plan: Any) -> Any:
    """One row per village: its grid(s), township, households (ids kept as text)."""
    import pandas as pd

    units = pd.DataFrame(plan.units.drop(columns=plan.units.geometry.name))
    agg = units.groupby("village_id", sort=True).agg(
        households=("households", "sum"),
        n_parts=("unit_id", "size"),
        grids=("grid_id", lambda s: ";".join(str(g) for g in sorted(set(s)))),
    )
    table = plan.village_grid.rename("grid_id").to_frame().join(agg, how="outer")
    table.index.name = "village_id"
    county = getattr(plan, "county", None)
    if county is not None:
        keep = [
            c
            for c in ("name", "town_id", "town_name", "zone", "industry")
            if c in county.villages
        ]
        info = pd.DataFrame(county.villages[["village_id", *keep]]).set_index(
            "village_id"
        )
        table = info.join(table, how="right")
    table = table.reset_index()
    table["village_id"] = table["village_id"].astype(str)
    return table


def _write_plan(plan: Any, out: Path) -> list[Path]:
    """Write plan.gpkg, plan_villages.csv/.xlsx and grids.csv into ``out``."""
    import pandas as pd

    gpkg = out / "plan.gpkg"
    gpkg.unlink(missing_ok=True)
    plan.to_file(gpkg)
    villages = _village_table(plan)
    csv, xlsx = out / "plan_villages.csv", out / "plan_villages.xlsx"
    _write_table(villages, csv)
    villages.to_excel(xlsx, index=False)
    grids = out / "grids.csv"
    _write_table(pd.DataFrame(plan.grids.drop(columns=plan.grids.geometry.name)), grids)
    return [gpkg, csv, xlsx, grids]


def _map_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"lang": args.lang}
    kwargs["tiles"] = {"osm": "OpenStreetMap", "none": None}.get(args.tiles, args.tiles)
    if args.tiles.startswith("tianditu") and not args.tianditu_key:
        msg = "--tiles tianditu-* needs your Tianditu key: --tianditu-key KEY."
        raise _input_error(msg)
    if args.tianditu_key:
        kwargs["tianditu_key"] = args.tianditu_key
    return kwargs


def _write_map(
    plan: Any, path: Path, map_kwargs: dict[str, Any], online: bool, console: _Console
) -> Path:
    import gridgeo as gg

    with console.step("draw the map"):
        m = gg.plan_map(plan, **map_kwargs)
        return Path(gg.save_map(m, path, offline=not online))


def _size(path: Path) -> str:
    n = path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _print_files(console: _Console, files: Sequence[Path]) -> None:
    console.print("Files written:")
    for f in files:
        console.print(f"  {f}  ({_size(f)})")


def _print_plan(console: _Console, plan: Any) -> None:
    m = plan.metrics
    g = plan.grids
    console.print(
        f"Plan: {plan.n_grids} grids, households per grid "
        f"{int(g['households'].min()):,}–{int(g['households'].max()):,} "
        f"(median {int(g['households'].median()):,})"
    )
    parts = []
    if "in_range" in m:
        parts.append(f"in range {100 * m['in_range']:.0f} %")
    if "max_deviation_pct" in m:
        parts.append(f"max deviation {m['max_deviation_pct']:.1f} %")
    if "contiguous_share" in m:
        parts.append(f"contiguous {100 * m['contiguous_share']:.0f} %")
    if "compactness" in m:
        parts.append(f"Polsby–Popper {m['compactness']:.2f}")
    if "travel_km" in m:
        parts.append(f"mean distance {m['travel_km']:.2f} km")
    if "split_villages" in m:
        parts.append(f"split villages {m['split_villages']}")
    if "crossings" in m:
        parts.append(f"grids crossing townships {m['crossings']}")
    for i in range(0, len(parts), 3):
        console.print("  " + ", ".join(parts[i : i + 3]))
    if "strategy" in g and g["strategy"].nunique() > 1:
        counts = g.groupby("strategy").size()
        console.print("  by rule: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _print_timings(console: _Console) -> None:
    total = sum(t for _, t in console.timings)
    steps = ", ".join(f"{label} {t:.1f} s" for label, t in console.timings)
    console.print(f"Done in {total:.1f} s ({steps}).")


def _coverage(
    target: Any,
    county: Any,
    limit: dict[str, float],
    console: _Console,
    *,
    areas: bool = False,
) -> Any:
    import gridgeo as gg

    if county.service_points is None or len(county.service_points) == 0:
        msg = "Coverage needs service points: give --service-points PATH."
        raise _input_error(msg)
    with console.step("service coverage"):
        return gg.service_coverage(target, county.service_points, areas=areas, **limit)


def _coverage_limit(args: argparse.Namespace) -> dict[str, float]:
    if args.max_minutes is not None:
        return {"max_minutes": args.max_minutes}
    return {"max_km": 5.0 if args.max_km is None else args.max_km}


def _staffing(plan: Any, console: _Console, **kwargs: Any) -> Any:
    import gridgeo as gg

    with console.step("staffing"):
        return gg.staffing(plan, **kwargs)


def _write_coverage(cov: Any, out: Path) -> list[Path]:
    import geopandas as gpd
    import pandas as pd

    files = []
    for name, table in (
        ("by_grid", cov.by_grid),
        ("by_town", cov.by_town),
        ("uncovered", cov.uncovered),
    ):
        if table is None:
            continue
        if isinstance(table, gpd.GeoDataFrame):
            table = pd.DataFrame(table.drop(columns=table.geometry.name))
        path = out / f"coverage_{name}.csv"
        _write_table(table.reset_index() if table.index.name else table, path)
        files.append(path)
    return files


def _coverage_map(plan: Any, cov: Any, map_kwargs: dict[str, Any]) -> Any:
    """Draw the coverage map; a result computed without service areas draws none."""
    import dataclasses

    import gridgeo as gg

    areas = cov.service_areas
    if areas is not None and not (areas.geometry.notna() & ~areas.is_empty).any():
        cov = dataclasses.replace(cov, service_areas=None)
    return gg.coverage_map(plan, cov, **map_kwargs)


def _print_staffing(console: _Console, staff: Any) -> None:
    over = int(staff["over_limit"].sum())
    console.print(
        f"Staffing: {int(staff['specialists'].sum())} specialists and "
        f"{int(staff['team'].sum())} people in all for {len(staff)} grids; "
        f"{over} grid(s) need more specialists than the team rules allow"
    )


# --------------------------------------------------------------------------- commands

DEMO_RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "urban": ("community", {"n_grids": 15}),
    "plain": ("villages", {"min": 6, "max": 8, "n_grids": 30}),
    "hill": ("industry", {"n_grids": 10}),
    "mountain": ("households", {"n_grids": 5}),
}
"""The seed's worked example: 60 grids over four zones."""
DEMO_OPTIONS: dict[str, Any] = {
    "zone_column": "zone",
    "respect": None,
    "strict": False,
    "seed": 0,
}
"""The demo's ``gg.partition`` options. The sample county's hill and mountain zones
each span more townships than they get grids, so grids there cross township borders
(``respect=None``); grids that miss their bounds are listed in a warning and in
``grids.csv`` rather than stopping the demo (``strict=False``)."""
DEMO_MINUTES = 15.0
"""The demo's service radius: a service point within 15 minutes by road."""


def _cmd_demo(args: argparse.Namespace, console: _Console) -> int:
    import gridgeo as gg

    map_kwargs = _map_kwargs(args)  # check the map options before any work
    out = _prepare_out(args.out)
    with console.progress(total=7):
        with console.step("load the sample county"):
            county = gg.datasets.sample_county()
        rules = {z: _strategy(name, p) for z, (name, p) in DEMO_RULES.items()}
        plan = _partition(county, rules, dict(DEMO_OPTIONS), console)
        cov = _coverage(plan, county, {"max_minutes": DEMO_MINUTES}, console)
        staff = _staffing(plan, console)
        with console.step("write the tables"):
            files = _write_plan(plan, out)
            county.report.to_file(out / "validation_report.csv")
            files.append(out / "validation_report.csv")
            files += _write_coverage(cov, out)
            _write_table(staff, out / "staffing.csv")
            files.append(out / "staffing.csv")
        with console.step("draw the maps"):
            offline = not args.online
            m = gg.plan_map(plan, **map_kwargs)
            files.append(gg.save_map(m, out / "map.html", offline=offline))
            m = _coverage_map(plan, cov, map_kwargs)
            files.append(gg.save_map(m, out / "coverage_map.html", offline=offline))
    console.print(county.summary())
    console.print()
    _print_plan(console, plan)
    console.print(cov.summary())
    _print_staffing(console, staff)
    console.print()
    _print_files(console, files)
    _print_timings(console)
    console.print(f"Open {out / 'map.html'} in a browser to see the plan.")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace, console: _Console) -> int:
    out = _prepare_out(args.out)
    with console.progress(total=1):
        county = _load_county(args, console)
    report = out / "validation_report.csv"
    county.report.to_file(report)
    console.print(county.summary())
    console.print()
    _print_files(console, [report])
    return EXIT_OK


def _cmd_partition(args: argparse.Namespace, console: _Console) -> int:
    spec, kwargs = _partition_call(args)
    map_kwargs = _map_kwargs(args) if args.map else {}
    out = _prepare_out(args.out)
    with console.progress(total=3 + args.map):
        county = _load_county(args, console)
        plan = _partition(county, spec, kwargs, console)
        with console.step("write the plan"):
            files = _write_plan(plan, out)
            county.report.to_file(out / "validation_report.csv")
            files.append(out / "validation_report.csv")
        if args.map:
            path = out / "map.html"
            files.append(_write_map(plan, path, map_kwargs, args.online, console))
    _print_plan(console, plan)
    console.print()
    _print_files(console, files)
    _print_timings(console)
    return EXIT_OK


def _read_plan(path: str, county: Any, console: _Console) -> Any:
    """Read a saved plan; with a County, re-attach its households to the grids."""
    import gridgeo as gg

    with console.step("read the plan"):
        saved = gg.read_plan(path)
        if county is None:
            return saved
        units = saved.units
        if units.crs is not None and county.crs is not None:
            units = units.to_crs(county.crs)
        known = saved.households.set_index("household_id")["unit_id"]
        hh = county.households
        household_unit = hh["household_id"].astype(str).map(known)
        missing = household_unit.isna()
        if len(known) == 0:  # a plan of village counts: households by village
            household_unit = hh["village_id"].astype(str)
            missing = ~household_unit.isin(set(units["village_id"]))
        if missing.any():
            ids = ", ".join(hh.loc[missing, "household_id"].astype(str).head(5))
            msg = (
                f"The plan {path} does not match the input files: {missing.sum():,} "
                f"of {len(hh):,} households are not in it (e.g. {ids}). Give the "
                "files the plan was made from."
            )
            raise _input_error(msg)
        return gg.Plan.from_assignment(
            units,
            units.set_index("unit_id")["grid_id"],
            county=county,
            household_unit=household_unit,
            bounds=saved.bounds,
            params=saved.params,
        )


def _cmd_coverage(args: argparse.Namespace, console: _Console) -> int:
    import gridgeo as gg

    limit = _coverage_limit(args)
    if args.map and not args.plan:
        msg = "--map draws the coverage over a plan: give --plan PATH too."
        raise _input_error(msg)
    map_kwargs = _map_kwargs(args) if args.map else {}
    out = _prepare_out(args.out)
    with console.progress(total=2 + 2 * bool(args.plan) + args.map):
        county = _load_county(args, console)
        plan = _read_plan(args.plan, county, console) if args.plan else None
        target = county if plan is None else plan
        cov = _coverage(target, county, limit, console, areas=args.map)
        files = _write_coverage(cov, out)
        staff = None
        if plan is not None:
            staff = _staffing(
                plan,
                console,
                visits_per_month=args.visits_per_month,
                cycle_months=args.cycle_months,
            )
            _write_table(staff, out / "staffing.csv")
            files.append(out / "staffing.csv")
        if args.map:
            with console.step("draw the map"):
                m = _coverage_map(plan, cov, map_kwargs)
                path = out / "coverage_map.html"
                files.append(gg.save_map(m, path, offline=not args.online))
    console.print(cov.summary())
    if staff is not None:
        _print_staffing(console, staff)
    console.print()
    _print_files(console, files)
    _print_timings(console)
    return EXIT_OK


def _cmd_map(args: argparse.Namespace, console: _Console) -> int:
    map_kwargs = _map_kwargs(args)  # check the map options before any work
    out = _prepare_out(args.out)
    with console.progress(total=3):
        county = _load_county(args, console) if (args.villages or args.sample) else None
        plan = _read_plan(args.plan, county, console)
        path = _write_map(plan, out / "map.html", map_kwargs, args.online, console)
    _print_files(console, [path])
    return EXIT_OK
