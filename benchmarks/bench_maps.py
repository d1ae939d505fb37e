"""Map size / write time / load time: gridgeo.plan_map vs GeoDataFrame.explore().

Run: ``python benchmarks/bench_maps.py [--sizes 150000 2000000] [--no-explore-2m]``
Prints a markdown table and writes it to ``benchmarks/maps.md``. Load time is
navigation start -> two animation frames after the load event in headless
Chromium (``gridgeo.viz._browser.open_page``), tiles off, offline pages.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

import gridgeo as gg
from gridgeo.viz._browser import open_page

HERE = Path(__file__).parent


def make_plan(county, n_grids=60):
    v = county.villages
    xy = np.column_stack([v.geometry.centroid.x, v.geometry.centroid.y])
    grid = KMeans(n_grids, n_init=1, random_state=0).fit_predict(xy)
    units = v.assign(unit_id=v["village_id"])
    try:
        return gg.Plan.from_assignment(units, grid, county=county), "Plan"
    except (AttributeError, NotImplementedError, TypeError):
        pass
    from types import SimpleNamespace

    units["grid_id"] = grid
    hh = county.households.copy()
    hh["grid_id"] = hh["village_id"].map(units.set_index("village_id")["grid_id"])
    grids = units.dissolve(by="grid_id", aggfunc={"households": "sum"}).reset_index()
    plan = SimpleNamespace(
        units=units, grids=grids, households=hh, county=county, crs=county.crs
    )
    return plan, "contract stand-in"


def measure(label, n, build, out: Path, rows):
    t = time.perf_counter()
    m = build()
    path = gg.save_map(m, out) if hasattr(m, "get_root") else m(out)
    write = time.perf_counter() - t
    rep = open_page(path, timeout=600)
    rows.append(
        {
            "households": f"{n:,}",
            "map": label,
            "write s": f"{write:.1f}",
            "size MB": f"{path.stat().st_size / 1e6:.1f}",
            "load s": f"{rep.load_ms / 1e3:.2f}",
            "JS errors": len(rep.errors),
        }
    )
    print(rows[-1], flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[150_000, 2_000_000])
    ap.add_argument(
        "--explore-max",
        type=int,
        default=150_000,
        help="run GeoDataFrame.explore() only up to this many households",
    )
    args = ap.parse_args()
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="gg-bench-maps-"))
    for n in args.sizes:
        county = gg.datasets.synthetic_county(0, n_households=n)
        plan, kind = make_plan(county)
        visited = pd.Series(
            np.arange(len(plan.households)) % 5 != 0,
            index=plan.households["household_id"].to_numpy(),
        )
        measure(
            "gg.plan_map (hexagons)",
            n,
            lambda p=plan: gg.plan_map(p, tiles=None),
            tmp / f"plan_{n}.html",
            rows,
        )
        if n <= 200_000:
            measure(
                "gg.plan_map households='points' + visited",
                n,
                lambda p=plan, v=visited: gg.plan_map(
                    p, tiles=None, households="points", exact_households=True, visited=v
                ),
                tmp / f"pts_{n}.html",
                rows,
            )
        if n <= args.explore_max:

            def explore(p=plan, c=county):
                v = c.villages.assign(
                    grid_id=c.villages["village_id"].map(
                        p.units.set_index("unit_id")["grid_id"]
                    )
                )
                m = v.explore(column="grid_id", categorical=True, tiles=None)
                gpd.GeoDataFrame(geometry=c.households.geometry).explore(
                    m=m, tiles=None
                )
                return lambda path: (m.save(path), Path(path))[1]

            measure(
                "GeoDataFrame.explore() villages + households",
                n,
                explore,
                tmp / f"explore_{n}.html",
                rows,
            )
        print(f"({kind}, {len(plan.households):,} household records)")
    table = pd.DataFrame(rows).to_markdown(index=False)
    print(table)
    (HERE / "maps.md").write_text(
        "# Map benchmarks (`python benchmarks/bench_maps.py`)\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
