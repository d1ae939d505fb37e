"""gridgeo beside spopt, GerryChain and pymetis: same input, same run, one table.

Usage::

    python benchmarks/bench_partition.py                 # every job (~1 h, 2 cores)
    python benchmarks/bench_partition.py --quick         # the small real-data jobs only
    python benchmarks/bench_partition.py --jobs county-n60,de-18 --timeout 120

Each reference tool runs in a forked child with a wall-clock limit (``--timeout``,
default 300 s) and a memory limit (``--mem-gb``, default 12 GiB), so a slow tool is
reported as "timeout" and a hungry one as "out of memory". gridgeo runs the same way
through ``gg.partition(...)``; while the engine is not there yet its row says "n/a".

Every row is scored by the one metric function ``_common.measure`` on the same
polygon units, the same rook adjacency (islands bridged to their nearest neighbour)
and the same household points, following DESIGN.md "How a plan is measured". Seconds
are the tool's own time, from its input structures (built from the shared adjacency)
to its labels; the shared adjacency build is printed once per dataset.

The reference tools are the ``bench`` extra: ``pip install spopt gerrychain pymetis``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import UnitGraph, build_unit_graph, measure
from _partition_refs import (
    REFERENCES,
    Problem,
    Result,
    parts_for_bounds,
    run_limited,
)

try:  # the engine is written in parallel: a broken tree must not stop the references
    import gridgeo as gg
except ImportError as _exc:  # pragma: no cover - depends on the working tree
    gg = None
    GG_IMPORT_ERROR = f"import gridgeo failed: {_exc}"
else:
    GG_IMPORT_ERROR = ""

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- data


@dataclass
class Dataset:
    """Polygon units (metres) with households, optional points, and their graph."""

    name: str
    units: (
        gpd.GeoDataFrame
    )  # weight column "hh", x_km, y_km, optional town/county/village
    source: object  # what gridgeo is given (County or GeoDataFrame)
    weight: str  # the weight column name in ``source`` (for gridgeo)
    town: str | None = None
    county: str | None = None
    village: str | None = None
    points_xy: np.ndarray | None = None
    point_unit: np.ndarray | None = None  # unit index of each household point
    point_ids: np.ndarray | None = None  # household ids aligned with points_xy
    note: str = ""
    graph: UnitGraph | None = field(default=None, repr=False)


def _finish(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    units = units.reset_index(drop=True)
    c = shapely.centroid(units.geometry.to_numpy())
    units["x_km"] = shapely.get_x(c) / 1000
    units["y_km"] = shapely.get_y(c) / 1000
    return units


def load_real(name: str) -> Dataset:
    """Vermont towns (TOTPOP, counties as townships) or Delaware precincts."""
    if name == "vt":
        path, weight, county = REAL / "vt_towns_mggg.zip", "TOTPOP", "COUNTYFP10"
        label = "Vermont towns (MGGG, 246 towns, TOTPOP; counties stand for townships)"
    else:
        path, weight, county = REAL / "de_precincts_mggg.zip", "POPULATION", None
        label = "Delaware precincts (MGGG, 430 precincts, POPULATION)"
    frame = gpd.read_file(f"zip://{path}")
    frame = frame.to_crs(frame.estimate_utm_crs())
    units = frame[[weight, "geometry"] + ([county] if county else [])].copy()
    units["hh"] = units[weight].astype(float)
    units["village"] = frame.index.astype(str)  # gridgeo's unit id of a frame row
    if county:
        units["town"] = units[county].astype(str)
    return Dataset(
        name,
        _finish(units),
        frame,
        weight,
        town="town" if county else None,
        village="village",
        note=label,
    )


def _county_units(county: object) -> Dataset:
    v = county.villages
    units = gpd.GeoDataFrame(
        {
            "village": v["village_id"].astype(str).to_numpy(),
            "town": v["town_id"].astype(str).to_numpy(),
            "hh": v["households"].astype(float).to_numpy(),
        },
        geometry=v.geometry.to_numpy(),
        crs=v.crs,
    )
    if "county_id" in v:
        units["county"] = v["county_id"].astype(str).to_numpy()
    units = _finish(units)
    ds = Dataset(
        "county",
        units,
        county,
        "households",
        town="town",
        county="county" if "county" in units else None,
        village="village",
    )
    h = county.households
    if len(h):
        pos = pd.Series(np.arange(len(units)), index=units["village"])
        unit = pos.reindex(h["village_id"].astype(str)).to_numpy()
        ok = ~np.isnan(unit)
        ds.points_xy = shapely.get_coordinates(h.geometry.to_numpy()[ok])
        ds.point_unit = unit[ok].astype(np.int64)
        ds.point_ids = h["household_id"].astype(str).to_numpy()[ok]
    return ds


def _need_gg() -> None:
    if gg is None:
        raise NotImplementedError(GG_IMPORT_ERROR)


def load_synthetic_county(seed: int = 0) -> Dataset:
    _need_gg()
    county = gg.datasets.synthetic_county(seed=seed)
    ds = _county_units(county)
    ds.note = (
        f"gg.datasets.synthetic_county(seed={seed}): {len(ds.units):,} villages, "
        f"{int(ds.units['hh'].sum()):,} households, "
        f"{ds.units['town'].nunique()} townships"
    )
    return ds


def load_region(n_villages: int) -> Dataset:
    _need_gg()
    region = gg.datasets.synthetic_region(n_villages=n_villages, seed=0)
    if type(region).__name__ == "County":
        ds = _county_units(region)
    else:  # a GeoDataFrame of villages
        v = region
        units = gpd.GeoDataFrame(
            {
                "village": v["village_id"].astype(str).to_numpy(),
                "town": v["town_id"].astype(str).to_numpy(),
                "hh": v["households"].astype(float).to_numpy(),
            },
            geometry=v.geometry.to_numpy(),
            crs=v.crs,
        )
        ccol = next((c for c in ("county_id", "county") if c in v), None)
        if ccol:
            units["county"] = v[ccol].astype(str).to_numpy()
        ds = Dataset(
            "region",
            _finish(units),
            region,
            "households",
            town="town",
            county="county" if ccol else None,
            village="village",
        )
    ds.name = f"region{n_villages}"
    ds.note = (
        f"gg.datasets.synthetic_region(n_villages={n_villages:,}, seed=0): "
        f"{int(ds.units['hh'].sum()):,} households, {ds.units['town'].nunique()} "
        "townships"
        + (f", {ds.units['county'].nunique()} counties" if ds.county else "")
    )
    return ds


LOADERS: dict[str, Callable[[], Dataset]] = {
    "county": load_synthetic_county,
    "vt": lambda: load_real("vt"),
    "de": lambda: load_real("de"),
    "region50k": lambda: load_region(50_000),
    "region10k": lambda: load_region(10_000),
}


# ----------------------------------------------------------------------------- jobs


@dataclass
class Job:
    """One row group of the table: a dataset, bounds, the tools and gridgeo's call."""

    key: str
    title: str
    dataset: str
    tools: list[str]
    gridgeo: Callable[[Dataset], object]  # returns a Plan
    n_parts: int | None = None  # count jobs: grids wanted, bounds = target * (1 +- tol)
    tol: float = 0.03
    lo: float | None = None  # bounds jobs: [lo, hi], grids = total / midpoint
    hi: float | None = None
    small: bool = False
    by_town: bool = False  # also run pymetis inside each township


COUNT_TOOLS = ["pymetis", "GerryChain recursive_tree_part", "spopt Skater", "spopt AZP"]
ALL_TOOLS = [*COUNT_TOOLS, "spopt MaxPHeuristic"]


def _gg_count(n: int, tol: float, *, respect: object = "default") -> Callable:
    def call(ds: Dataset, **extra: object) -> object:
        kw: dict[str, object] = {"seed": 0, **extra}
        if respect != "default":
            kw["respect"] = respect
        if isinstance(ds.source, gpd.GeoDataFrame):
            kw["weight"] = ds.weight
        if tol != 0.03:  # gridgeo's default tolerance for n_grids= is 3 %
            return gg.partition(
                ds.source, gg.ByHouseholds(n_grids=n, tolerance=tol), **kw
            )
        return gg.partition(ds.source, n_grids=n, **kw)

    return call


def _gg_bounds(lo: int, hi: int) -> Callable:
    def call(ds: Dataset, **extra: object) -> object:
        kw: dict[str, object] = {"seed": 0, **extra}
        if isinstance(ds.source, gpd.GeoDataFrame):
            kw["weight"] = ds.weight
        return gg.partition(ds.source, gg.ByHouseholds(min=lo, max=hi), **kw)

    return call


JOBS = [
    Job(
        "county-n60",
        "synthetic county, `n_grids=60`, `respect=None` (bounds: target ±3 %)",
        "county",
        COUNT_TOOLS,
        _gg_count(60, 0.03, respect=None),
        n_parts=60,
        tol=0.03,
    ),
    Job(
        "county-500-1000",
        "synthetic county, `ByHouseholds(min=500, max=1000)`, townships respected",
        "county",
        ALL_TOOLS,
        _gg_bounds(500, 1000),
        lo=500,
        hi=1000,
        by_town=True,
    ),
    Job(
        "region10k",
        "province of 10,000 villages, grids of ~2,000 households "
        "(`ByHouseholds(min=1300, max=2600)`: max = 2 x min, as in 500-1,000)",
        "region10k",
        ALL_TOOLS,
        _gg_bounds(1300, 2600),
        lo=1300,
        hi=2600,
        by_town=True,
    ),
    Job(
        "region50k",
        "province of 50,000 villages, grids of ~2,000 households "
        "(`ByHouseholds(min=1300, max=2600)`); "
        "Skater, AZP and GerryChain are not run here: they time out already at "
        "10,000 villages (job region10k)",
        "region50k",
        ["pymetis", "spopt MaxPHeuristic"],
        _gg_bounds(1300, 2600),
        lo=1300,
        hi=2600,
        by_town=True,
    ),
    Job(
        "de-18",
        "real precinct dual graph into 18 parts ±1 % (Delaware, 430 precincts: the "
        "largest real precinct graph available offline here; no ~2,525-unit graph is "
        "shipped by gerrychain, libpysal or the shared data)",
        "de",
        COUNT_TOOLS,
        _gg_count(18, 0.01),
        n_parts=18,
        tol=0.01,
        small=True,
    ),
    Job(
        "vt-10",
        "Vermont towns into 10 parts by TOTPOP (bounds ±5 %)",
        "vt",
        COUNT_TOOLS,
        _gg_count(10, 0.05),
        n_parts=10,
        tol=0.05,
        small=True,
    ),
    Job(
        "vt-20",
        "Vermont towns into 20 parts by TOTPOP (bounds ±5 %)",
        "vt",
        COUNT_TOOLS,
        _gg_count(20, 0.05),
        n_parts=20,
        tol=0.05,
        small=True,
    ),
    Job(
        "de-10",
        "Delaware precincts into 10 parts by POPULATION (bounds ±5 %)",
        "de",
        COUNT_TOOLS,
        _gg_count(10, 0.05),
        n_parts=10,
        tol=0.05,
        small=True,
    ),
    Job(
        "de-20",
        "Delaware precincts into 20 parts by POPULATION (bounds ±5 %)",
        "de",
        COUNT_TOOLS,
        _gg_count(20, 0.05),
        n_parts=20,
        tol=0.05,
        small=True,
    ),
]


# ----------------------------------------------------------------------------- running


def run_pymetis_by_town(p: Problem) -> tuple[np.ndarray, str]:
    """pymetis inside each township: grids per township = its households / midpoint."""
    from _partition_refs import run_pymetis

    town = p.units["town"].to_numpy()
    labels = np.empty(len(town), dtype=np.int64)
    offset = 0
    csr = p.graph.csr
    mid = (p.lo + p.hi) / 2
    for t in np.unique(town):
        idx = np.flatnonzero(town == t)
        hh = float(p.units[p.weight].to_numpy()[idx].sum())
        k = max(1, round(hh / mid))
        if k == 1 or len(idx) == 1:
            labels[idx] = offset
            offset += 1
            continue
        sub = csr[idx][:, idx]
        pairs = np.column_stack(sub.nonzero())
        sub_graph = UnitGraph(
            pairs[pairs[:, 0] < pairs[:, 1]],
            np.empty((0, 2), dtype=np.int64),
            p.graph.xy[idx],
        )
        sub_p = Problem(
            p.units.iloc[idx], sub_graph, p.weight, min(k, len(idx)), p.lo, p.hi
        )
        part, _ = run_pymetis(sub_p)
        labels[idx] = offset + part
        offset += int(part.max()) + 1
    return labels, f"{offset} grids over {len(np.unique(town))} townships"


def run_gridgeo(job: Job, ds: Dataset) -> tuple[dict, str]:
    """Run gridgeo's partition and hand back what the metric needs (picklable)."""
    _need_gg()
    note = ""
    t0 = time.perf_counter()
    try:
        plan = job.gridgeo(ds)
    except gg.InfeasiblePartitionError as exc:
        # report the strict error, then measure the best plan it can give
        first = " ".join(str(exc).split())
        note = f"strict=True raised InfeasiblePartitionError ({first[:160]}); "
        note += "row is the strict=False plan"
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = job.gridgeo(ds, strict=False)
    seconds = time.perf_counter() - t0
    units = plan.units
    out = {
        "seconds": seconds,
        "units": gpd.GeoDataFrame(units.drop(columns=[], errors="ignore")),
        "household_grid": getattr(plan, "household_grid", None),
        "metrics": _plain(getattr(plan, "metrics", None)),
    }
    return out, note


def _plain(obj: object) -> object:
    if obj is None:
        return None
    if isinstance(obj, pd.Series | pd.DataFrame):
        return obj.to_dict()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if hasattr(obj, "__dict__"):
        return {k: _plain(v) for k, v in vars(obj).items() if not k.startswith("_")}
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _measure_gridgeo(payload: dict, job: Job, ds: Dataset, lo, hi, target) -> dict:
    units = payload["units"]
    ucol = "grid_id"
    m_units = gpd.GeoDataFrame(
        {"hh": units["households"].astype(float).to_numpy()},
        geometry=units.geometry.to_numpy(),
        crs=units.crs,
    )
    # gridgeo's village_id is the village code (County) or the input row label
    # (plain frame); a split unit keeps its village's id
    vid = units["village_id"].astype(str).to_numpy()
    key = ds.units["village"]
    if not np.isin(vid, key.to_numpy()).all():  # a frame without ids: row labels
        key = pd.Series(ds.units.index.astype(str))
    m_units["village"] = vid
    for col in ("town", "county"):
        if col in ds.units:
            lookup = pd.Series(ds.units[col].to_numpy(), index=key.to_numpy())
            m_units[col] = lookup.reindex(vid).to_numpy()
            if m_units[col].isna().any():
                msg = f"{int(m_units[col].isna().sum())} plan units of unknown {col}"
                raise ValueError(msg)
    labels = units[ucol].to_numpy()
    pxy = plab = None
    hg = payload["household_grid"]
    if ds.points_xy is not None and hg is not None and len(hg):
        pxy = ds.points_xy
        plab = pd.Series(hg).reindex(ds.point_ids).to_numpy()
        if pd.isna(plab).any():
            msg = f"{int(pd.isna(plab).sum())} households without a grid"
            raise ValueError(msg)
    return measure(
        m_units,
        labels,
        weight="hh",
        lo=lo,
        hi=hi,
        target=target,
        town="town" if "town" in m_units else None,
        county="county" if "county" in m_units else None,
        village="village",
        points_xy=pxy,
        point_labels=plab,
    )


def run_job(job: Job, ds: Dataset, *, timeout: float, mem_gb: float) -> list[dict]:
    total = float(ds.units["hh"].sum())
    if job.n_parts:
        k = job.n_parts
        target = total / k
        lo, hi = target * (1 - job.tol), target * (1 + job.tol)
    else:
        lo, hi = float(job.lo), float(job.hi)
        k = parts_for_bounds(total, lo, hi)
        target = None
    problem = Problem(ds.units, ds.graph, "hh", k, lo, hi)
    tools = dict.fromkeys(job.tools)
    runners = {name: REFERENCES[name] for name in tools}
    if job.by_town and ds.town:
        runners["pymetis per township"] = run_pymetis_by_town
    rows = []
    for name, fn in runners.items():
        print(f"  {name} ...", end="", flush=True)
        res = run_limited(fn, problem, timeout=timeout, mem_gb=mem_gb)
        rows.append(_row(name, res, ds, lo, hi, target))
        print(f" {res.status} {res.seconds:.2f} s {res.note}", flush=True)
    print("  gridgeo ...", end="", flush=True)
    res = run_limited(
        lambda _p: run_gridgeo(job, ds), problem, timeout=timeout, mem_gb=mem_gb
    )
    if res.status == "ok":
        payload = res.labels
        try:
            row = _measure_gridgeo(payload, job, ds, lo, hi, target)
            row.update(
                tool="gridgeo", status="ok", seconds=payload["seconds"], note=res.note
            )
            row["cross_check"] = payload["metrics"]
        except Exception as exc:
            row = _empty("gridgeo", f"error measuring the plan: {exc}"[:200])
        rows.append(row)
    else:
        status = res.status
        if "NotImplementedError" in status or "Placeholder" in status:
            status = f"n/a (gg.partition not available yet: {status})"
        rows.append(_empty("gridgeo", status, seconds=res.seconds, note=res.note))
    print(
        f" {rows[-1]['status']} {rows[-1].get('seconds', float('nan')):.2f} s",
        flush=True,
    )
    return rows


def _empty(tool: str, status: str, *, seconds: float = float("nan"), note: str = ""):
    return {"tool": tool, "status": status, "seconds": seconds, "note": note}


def _row(name: str, res: Result, ds: Dataset, lo, hi, target) -> dict:
    if res.status != "ok":
        return _empty(name, res.status, seconds=res.seconds, note=res.note)
    labels = np.asarray(res.labels)
    plab = labels[ds.point_unit] if ds.points_xy is not None else None
    row = measure(
        ds.units,
        labels,
        weight="hh",
        lo=lo,
        hi=hi,
        target=target,
        graph=ds.graph,
        town=ds.town,
        county=ds.county,
        village=ds.village,
        points_xy=ds.points_xy,
        point_labels=plab,
    )
    row.update(tool=name, status="ok", seconds=res.seconds, note=res.note)
    return row


# ----------------------------------------------------------------------------- output

COLUMNS = [
    ("tool", "tool", "{}"),
    ("seconds", "s", "{:.2f}"),
    ("grids", "grids", "{:d}"),
    ("in_range", "in range %", "pct"),
    ("max_dev", "max dev %", "{:.1f}"),
    ("contiguous", "contiguous %", "pct"),
    ("pp", "mean PP", "{:.2f}"),
    ("dist_km", "distance km", "{:.2f}"),
    ("cross_town", "crossing townships", "{:d}"),
    ("cross_county", "crossing counties", "{:d}"),
    ("split_villages", "split villages", "{:d}"),
    ("cut_edges", "cut edges", "{:d}"),
    ("note", "status / note", "{}"),
]


def _cell(row: dict, key: str, fmt: str) -> str:
    if key == "note":
        parts = [] if row["status"] == "ok" else [row["status"]]
        if row.get("note"):
            parts.append(str(row["note"]))
        return " ".join("; ".join(parts).replace("|", "/").split())
    v = row.get(key)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–" if row["status"] == "ok" or key == "tool" else ""
    if isinstance(v, int | np.integer) and v < 0:
        return "–"
    if fmt == "pct":  # never round a share up to 100 or down to 0
        if v >= 100 - 1e-9 or v <= 1e-9:
            return f"{v:.0f}"
        return f"{min(max(math.floor(v * 10) / 10, 0.1), 99.9):.1f}"
    if fmt == "{:d}":
        v = int(v)
    return fmt.format(v)


def table(rows: list[dict]) -> str:
    head = "| " + " | ".join(h for _, h, _ in COLUMNS) + " |"
    sep = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join(_cell(r, k, f) for k, _, f in COLUMNS) + " |" for r in rows
    ]
    return "\n".join([head, sep, *body])


def machine() -> str:
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        mem = f", {ram / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):  # not POSIX
        mem = ""
    cpu = platform.processor() or platform.machine()
    vers = []
    for pkg in ("gridgeo", "spopt", "gerrychain", "pymetis", "libpysal", "shapely"):
        try:
            vers.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            vers.append(f"{pkg} (not installed)")
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; " + ", ".join(vers)
    )


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="only the small real-data jobs"
    )
    ap.add_argument("--jobs", default="", help="comma-separated job keys (see --list)")
    ap.add_argument("--list", action="store_true", help="list the jobs and exit")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per tool")
    ap.add_argument("--mem-gb", type=float, default=12.0, help="memory limit per tool")
    ap.add_argument(
        "--output", default=str(HERE / "partition.md"), help="markdown file"
    )
    args = ap.parse_args(argv)
    if args.list:
        for j in JOBS:
            print(f"{j.key:18s} {'(quick) ' if j.small else ''}{j.title}")
        return 0
    jobs = JOBS
    if args.jobs:
        keys = [k.strip() for k in args.jobs.split(",") if k.strip()]
        unknown = set(keys) - {j.key for j in JOBS}
        if unknown:
            ap.error(f"unknown jobs: {sorted(unknown)}")
        jobs = [j for j in JOBS if j.key in keys]
    elif args.quick:
        jobs = [j for j in JOBS if j.small]

    command = "python benchmarks/bench_partition.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    stamp = (
        f"Command: `{command.strip()}`; "
        f"run {dt.datetime.now().isoformat(timespec='minutes')}"
        f"; limits {args.timeout:g} s and {args.mem_gb:g} GiB per tool.  \n"
        f"Machine: {machine()}"
    )
    sections: dict[str, str] = {}
    cache: dict[str, Dataset] = {}
    for job in jobs:
        print(f"== {job.key}: {job.title}", flush=True)
        out = [f"## {job.key}: {job.title}", "", stamp, ""]
        if job.dataset not in cache:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ds = LOADERS[job.dataset]()
            except NotImplementedError as exc:
                msg = f"dataset `{job.dataset}` n/a: not available yet ({exc})"
                print("  " + msg)
                sections[job.key] = "\n".join([*out, msg, ""])
                continue
            ds.graph = build_unit_graph(ds.units.geometry)
            cache[job.dataset] = ds
        ds = cache[job.dataset]
        info = (
            f"Data: {ds.note}. Shared rook graph: {ds.graph.n:,} units, "
            f"{len(ds.graph.pairs):,} edges, {len(ds.graph.bridges)} island bridges, "
            f"built in {ds.graph.seconds:.2f} s."
        )
        print("  " + info)
        load0 = os.getloadavg()[0]
        rows = run_job(job, ds, timeout=args.timeout, mem_gb=args.mem_gb)
        info += (
            f" Load average (1 min) {load0:.1f} before the job, "
            f"{os.getloadavg()[0]:.1f} after it."
        )
        tbl = table(rows)
        print(tbl, flush=True)
        out += [info, "", tbl, ""]
        for r in rows:
            if r.get("cross_check"):
                out += [
                    f"gridgeo `plan.metrics` (cross-check): `{r['cross_check']}`",
                    "",
                ]
        sections[job.key] = "\n".join(out)
    write_report(Path(args.output), sections)
    print(f"written {args.output}")
    return 0


HEADER = """# Partition benchmark: gridgeo beside spopt, GerryChain and pymetis

Written by `benchmarks/bench_partition.py`; each job section below says the command
and machine of the run that produced it (a run replaces only the sections of the jobs
it ran). Columns follow DESIGN.md *How a plan is measured* and are computed by one
function (`benchmarks/_common.py: measure`) for every tool on the same units:
*in range*: share of grids within the job's bounds; *max dev*: max |households -
target| / target, target = total / grids; *contiguous*: share of grids whose units are
one component of the rook adjacency graph (declared island bridges count); *mean PP*:
Polsby-Popper of the dissolved grids; *distance*: mean straight-line km from each
household (or unit centroid weighted by households when there are no points) to its
grid's weighted centre; *crossing*: grids whose households lie in more than one
township (county); *cut edges*: adjacency edges between grids. *s*: the tool's own
time, from structures built on the shared adjacency to its labels (the adjacency build
is listed per dataset); gridgeo's time is the whole `gg.partition` call. `–`: not
applicable. The machine is shared with other jobs: the load average is given per job,
so compare times within a table, not across tables.

"""


def write_report(path: Path, sections: dict[str, str]) -> None:
    """Write ``sections`` into ``path``, keeping the old sections of other jobs."""
    old: dict[str, str] = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("\n## ")[1:]:
            key = chunk.split(":", 1)[0].strip()
            old[key] = "## " + chunk.rstrip() + "\n"
    merged = {**old, **sections}
    order = [j.key for j in JOBS if j.key in merged]
    body = "\n".join(merged[k].rstrip() + "\n" for k in order)
    path.write_text(HEADER + body, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
