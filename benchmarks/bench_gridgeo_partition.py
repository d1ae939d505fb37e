"""gridgeo's own rows of the partition benchmark, quickly (no reference tools).

``python benchmarks/bench_gridgeo_partition.py [--region]`` prints one markdown row per
job with gridgeo's ``plan.metrics`` (DESIGN.md definitions); ``bench_partition.py``
runs the same jobs beside spopt, GerryChain and pymetis.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import geopandas as gpd
from scipy import sparse

import gridgeo as gg

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def row(name: str, make) -> None:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gg.errors.OutOfBoundsWarning)
        plan = make()
    seconds = time.perf_counter() - start
    m = plan.metrics
    pairs = sparse.triu(plan._adjacency, k=1).tocoo()
    labels = plan.units["grid_id"].to_numpy()
    cut = int((labels[pairs.row] != labels[pairs.col]).sum())
    print(
        f"| {name} | {seconds:.1f} | {m['n_grids']} | {100 * m['in_range']:.1f} "
        f"| {m['max_deviation_pct']:.1f} | {100 * m['contiguous_share']:.0f} "
        f"| {m['compactness']:.2f} | {m['travel_km']:.2f} | {m['crossings']} "
        f"| {m['split_villages']} | {cut} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", action="store_true", help="add the 50k province")
    args = parser.parse_args()
    print(
        "| job | s | grids | in range % | max dev % | contiguous % | mean PP "
        "| distance km | crossings | split villages | cut edges |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    county = gg.datasets.synthetic_county(seed=0)
    row(
        "county n_grids=60, respect=None",
        lambda: gg.partition(county, n_grids=60, respect=None, seed=0, strict=False),
    )
    row(
        "county ByHouseholds(500, 1000)",
        lambda: gg.partition(
            county, gg.ByHouseholds(min=500, max=1000), seed=0, strict=False
        ),
    )
    if (REAL / "de_precincts_mggg.zip").exists():
        de = gpd.read_file(f"zip://{REAL / 'de_precincts_mggg.zip'}")
        row(
            "Delaware 430 precincts, 18 parts ±1 %",
            lambda: gg.partition(
                de,
                gg.ByHouseholds(n_grids=18, tolerance=0.01),
                weight="POPULATION",
                seed=0,
                strict=False,
            ),
        )
    if args.region:
        region = gg.datasets.synthetic_region(n_villages=50_000, seed=0)
        for lo, hi in ((1300, 2600), (1500, 2500)):
            row(
                f"province 50,000 villages, ByHouseholds({lo}, {hi})",
                lambda lo=lo, hi=hi: gg.partition(
                    region,
                    gg.ByHouseholds(min=lo, max=hi),
                    weight="households",
                    id_col="village_id",
                    respect="town_id",
                    seed=0,
                    strict=False,
                ),
            )


if __name__ == "__main__":
    main()
