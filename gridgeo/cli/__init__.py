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
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gridgeo.cli._parser import STRATEGIES, TILES, build_parser
from gridgeo.cli._steps import (
    Console,
    coverage,
    coverage_limit,
    coverage_map,
    input_error,
    load_county,
    map_options,
    partition,
    partition_call,
    prepare_out,
    print_files,
    print_plan,
    print_staffing,
    print_timings,
    staffing,
    strategy,
    write_coverage,
    write_map,
    write_plan,
    write_table,
)

__all__ = ["EXIT_INPUT_ERROR", "EXIT_OK", "STRATEGIES", "TILES", "build_parser", "main"]

EXIT_OK = 0
"""Exit code of a command that ran to the end."""
EXIT_INPUT_ERROR = 2
"""Exit code of bad input or options (a :class:`~gridgeo.errors.GridgeoError`)."""

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
    console = Console(quiet=getattr(args, "quiet", False))
    func = _COMMANDS[args.command]
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
    "strict": False,
    "seed": 0,
}
"""The demo's ``gg.partition`` options. No grid crosses a township border (the
default); where a zone covers more township areas than it gets grids, its smallest
patches are planned with the neighbouring zone of the same township. Grids that miss
their bounds are listed, with the reason, in a warning and in ``grids.csv`` rather
than stopping the demo (``strict=False``)."""
DEMO_MINUTES = 15.0
"""The demo's service radius: a service point within 15 minutes by road."""


def _cmd_demo(args: argparse.Namespace, console: Console) -> int:
    import gridgeo as gg

    map_kwargs = map_options(args)  # check the map options before any work
    out = prepare_out(args.out)
    with console.progress(total=7):
        with console.step("load the sample county"):
            county = gg.datasets.sample_county()
        rules = {z: strategy(name, p) for z, (name, p) in DEMO_RULES.items()}
        plan = partition(county, rules, dict(DEMO_OPTIONS), console)
        cov = coverage(plan, county, {"max_minutes": DEMO_MINUTES}, console)
        staff = staffing(plan, console)
        with console.step("write the tables"):
            files = write_plan(plan, out)
            county.report.to_file(out / "validation_report.csv")
            files.append(out / "validation_report.csv")
            files += write_coverage(cov, out)
            write_table(staff, out / "staffing.csv")
            files.append(out / "staffing.csv")
        with console.step("draw the maps"):
            offline = not args.online
            m = gg.plan_map(plan, **map_kwargs)
            files.append(gg.save_map(m, out / "map.html", offline=offline))
            m = coverage_map(plan, cov, map_kwargs)
            files.append(gg.save_map(m, out / "coverage_map.html", offline=offline))
    console.print(county.summary())
    console.print()
    print_plan(console, plan)
    console.print(cov.summary())
    print_staffing(console, staff)
    console.print()
    print_files(console, files)
    print_timings(console)
    console.print(f"Open {out / 'map.html'} in a browser to see the plan.")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace, console: Console) -> int:
    out = prepare_out(args.out)
    with console.progress(total=1):
        county = load_county(args, console)
    report = out / "validation_report.csv"
    county.report.to_file(report)
    console.print(county.summary())
    console.print()
    print_files(console, [report])
    return EXIT_OK


def _cmd_partition(args: argparse.Namespace, console: Console) -> int:
    spec, kwargs = partition_call(args)
    map_kwargs = map_options(args) if args.map else {}
    out = prepare_out(args.out)
    with console.progress(total=3 + args.map):
        county = load_county(args, console)
        plan = partition(county, spec, kwargs, console)
        with console.step("write the plan"):
            files = write_plan(plan, out)
            county.report.to_file(out / "validation_report.csv")
            files.append(out / "validation_report.csv")
        if args.map:
            path = out / "map.html"
            files.append(write_map(plan, path, map_kwargs, args.online, console))
    print_plan(console, plan)
    console.print()
    print_files(console, files)
    print_timings(console)
    return EXIT_OK


def _read_plan(path: str, county: Any, console: Console) -> Any:
    """Read a saved plan; with a County, re-attach its households to the grids."""
    import gridgeo as gg

    with console.step("read the plan"):
        return gg.read_plan(path, county=county)


def _cmd_coverage(args: argparse.Namespace, console: Console) -> int:
    import gridgeo as gg

    limit = coverage_limit(args)
    if args.map and not args.plan:
        msg = "--map draws the coverage over a plan: give --plan PATH too."
        raise input_error(msg)
    map_kwargs = map_options(args) if args.map else {}
    out = prepare_out(args.out)
    with console.progress(total=2 + 2 * bool(args.plan) + args.map):
        county = load_county(args, console)
        plan = _read_plan(args.plan, county, console) if args.plan else None
        target = county if plan is None else plan
        cov = coverage(target, county, limit, console, areas=args.map)
        files = write_coverage(cov, out)
        staff = None
        if plan is not None:
            staff = staffing(
                plan,
                console,
                visits_per_month=args.visits_per_month,
                cycle_months=args.cycle_months,
            )
            write_table(staff, out / "staffing.csv")
            files.append(out / "staffing.csv")
        if args.map:
            with console.step("draw the map"):
                m = coverage_map(plan, cov, map_kwargs)
                path = out / "coverage_map.html"
                files.append(gg.save_map(m, path, offline=not args.online))
    console.print(cov.summary())
    if staff is not None:
        print_staffing(console, staff)
    console.print()
    print_files(console, files)
    print_timings(console)
    return EXIT_OK


def _cmd_map(args: argparse.Namespace, console: Console) -> int:
    map_kwargs = map_options(args)  # check the map options before any work
    out = prepare_out(args.out)
    with console.progress(total=3):
        county = load_county(args, console) if (args.villages or args.sample) else None
        plan = _read_plan(args.plan, county, console)
        path = write_map(plan, out / "map.html", map_kwargs, args.online, console)
    print_files(console, [path])
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "demo": _cmd_demo,
    "validate": _cmd_validate,
    "partition": _cmd_partition,
    "coverage": _cmd_coverage,
    "map": _cmd_map,
}
