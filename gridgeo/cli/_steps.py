"""The steps of the ``gridgeo`` commands: console output, loading, writing files."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gridgeo.cli._parser import STRATEGIES

__all__ = [
    "Console",
    "coverage",
    "coverage_limit",
    "coverage_map",
    "input_error",
    "load_county",
    "map_options",
    "parse_value",
    "parse_zone",
    "partition",
    "partition_call",
    "prepare_out",
    "print_files",
    "print_plan",
    "print_staffing",
    "print_timings",
    "size",
    "staffing",
    "strategy",
    "village_table",
    "write_coverage",
    "write_map",
    "write_plan",
    "write_table",
]

# --------------------------------------------------------------------------- output


@dataclass
class Console:
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


# --------------------------------------------------------------------------- steps


def input_error(message: str) -> Exception:
    from gridgeo.errors import ValidationError

    return ValidationError(message)


def load_county(args: argparse.Namespace, console: Console) -> Any:
    import gridgeo as gg

    if args.sample:
        if args.villages:
            msg = "Give either --sample or --villages, not both."
            raise input_error(msg)
        with console.step("load the sample county"):
            return gg.datasets.sample_county()
    if not args.villages:
        msg = (
            "--villages is required (a GeoPackage, Shapefile, GeoJSON, ... of village "
            "polygons); use --sample to try the built-in sample county."
        )
        raise input_error(msg)
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


def strategy(name: str, params: dict[str, Any]) -> Any:
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
        raise input_error(msg)
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
        raise input_error(msg) from None


def parse_value(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return {"none": None, "true": True, "false": False}.get(text.lower(), text)


def parse_zone(text: str) -> tuple[str, str, dict[str, Any]]:
    """Parse ``NAME=STRATEGY[:key=value,...]`` of a ``--zone`` option."""
    zone, sep, rule = text.partition("=")
    strategy, _, opts = rule.partition(":")
    if not sep or not zone or not strategy:
        msg = (
            f"--zone {text!r}: expected NAME=STRATEGY[:key=value,...], "
            "e.g. plain=villages:min=6,max=8,n_grids=30."
        )
        raise input_error(msg)
    params: dict[str, Any] = {}
    for item in filter(None, opts.split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key:
            msg = f"--zone {text!r}: option {item!r} is not key=value."
            raise input_error(msg)
        params[key.strip().replace("-", "_")] = parse_value(value.strip())
    return zone.strip(), strategy.strip(), params


def partition_call(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
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
            raise input_error(msg)
        rules = {}
        for text in args.zone:
            zone, name, params = parse_zone(text)
            rules[zone] = strategy(name, params)
        kwargs["zone_column"] = args.zone_column or "zone"
        return rules, kwargs
    if args.zone_column:
        msg = "--zone-column needs at least one --zone NAME=STRATEGY rule."
        raise input_error(msg)
    if args.strategy is None and set(bounds) == {"n_grids"}:
        kwargs["n_grids"] = bounds["n_grids"]
        return None, kwargs
    return strategy(args.strategy or "households", bounds), kwargs


def partition(county: Any, spec: Any, kwargs: dict[str, Any], console: Console) -> Any:
    import gridgeo as gg

    with console.step("partition"):
        if spec is None:
            return gg.partition(county, **kwargs)
        return gg.partition(county, spec, **kwargs)


# --------------------------------------------------------------------------- writers


def prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        msg = f"--out {out} is a file; give a folder."
        raise input_error(msg)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_table(df: Any, path: Path) -> None:
    """Write a table as CSV in UTF-8 with BOM (so Excel shows Chinese)."""
    df.to_csv(path, index=False, encoding="utf-8-sig")


def village_table(plan: Any) -> Any:
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


def write_plan(plan: Any, out: Path) -> list[Path]:
    """Write plan.gpkg, plan_villages.csv/.xlsx and grids.csv into ``out``."""
    import pandas as pd

    gpkg = out / "plan.gpkg"
    gpkg.unlink(missing_ok=True)
    plan.to_file(gpkg)
    villages = village_table(plan)
    csv, xlsx = out / "plan_villages.csv", out / "plan_villages.xlsx"
    write_table(villages, csv)
    villages.to_excel(xlsx, index=False)
    grids = out / "grids.csv"
    write_table(pd.DataFrame(plan.grids.drop(columns=plan.grids.geometry.name)), grids)
    return [gpkg, csv, xlsx, grids]


def map_options(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"lang": args.lang}
    kwargs["tiles"] = {"osm": "OpenStreetMap", "none": None}.get(args.tiles, args.tiles)
    if args.tiles.startswith("tianditu") and not args.tianditu_key:
        msg = "--tiles tianditu-* needs your Tianditu key: --tianditu-key KEY."
        raise input_error(msg)
    if args.tianditu_key:
        kwargs["tianditu_key"] = args.tianditu_key
    return kwargs


def write_map(
    plan: Any, path: Path, map_kwargs: dict[str, Any], online: bool, console: Console
) -> Path:
    import gridgeo as gg

    with console.step("draw the map"):
        m = gg.plan_map(plan, **map_kwargs)
        return Path(gg.save_map(m, path, offline=not online))


def size(path: Path) -> str:
    n = path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def print_files(console: Console, files: Sequence[Path]) -> None:
    console.print("Files written:")
    for f in files:
        console.print(f"  {f}  ({size(f)})")


def print_plan(console: Console, plan: Any) -> None:
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


def print_timings(console: Console) -> None:
    total = sum(t for _, t in console.timings)
    steps = ", ".join(f"{label} {t:.1f} s" for label, t in console.timings)
    console.print(f"Done in {total:.1f} s ({steps}).")


def coverage(
    target: Any,
    county: Any,
    limit: dict[str, float],
    console: Console,
    *,
    areas: bool = False,
) -> Any:
    import gridgeo as gg

    if county.service_points is None or len(county.service_points) == 0:
        msg = "Coverage needs service points: give --service-points PATH."
        raise input_error(msg)
    with console.step("service coverage"):
        return gg.service_coverage(target, county.service_points, areas=areas, **limit)


def coverage_limit(args: argparse.Namespace) -> dict[str, float]:
    if args.max_minutes is not None:
        return {"max_minutes": args.max_minutes}
    return {"max_km": 5.0 if args.max_km is None else args.max_km}


def staffing(plan: Any, console: Console, **kwargs: Any) -> Any:
    import gridgeo as gg

    with console.step("staffing"):
        return gg.staffing(plan, **kwargs)


def write_coverage(cov: Any, out: Path) -> list[Path]:
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
        write_table(table.reset_index() if table.index.name else table, path)
        files.append(path)
    return files


def coverage_map(plan: Any, cov: Any, map_kwargs: dict[str, Any]) -> Any:
    """Draw the coverage map; a result computed without service areas draws none."""
    import dataclasses

    import gridgeo as gg

    areas = cov.service_areas
    if areas is not None and not (areas.geometry.notna() & ~areas.is_empty).any():
        cov = dataclasses.replace(cov, service_areas=None)
    return gg.coverage_map(plan, cov, **map_kwargs)


def print_staffing(console: Console, staff: Any) -> None:
    over = int(staff["over_limit"].sum())
    console.print(
        f"Staffing: {int(staff['specialists'].sum())} specialists and "
        f"{int(staff['team'].sum())} people in all for {len(staff)} grids; "
        f"{over} grid(s) need more specialists than the team rules allow"
    )
