"""Regenerate the sample county shipped in ``gridgeo/_data/sample/`` (deterministic).

Usage::

    python tools/make_sample.py [--out gridgeo/_data/sample]

The sample is :func:`gridgeo.datasets.synthetic_layers` with seed 0, 300 villages,
50,000 households and a light road network, written as a user would have the
files: villages and roads as GeoPackage; households as a GBK CSV (what Chinese Excel
exports) with compact columns (short ids, no ID-card number or loan date, to keep
the file small); service points and candidate sites as UTF-8 CSV. Coordinates in
the CSVs are lon/lat rounded to 6 decimals (about 0.1 m). Running it twice gives
byte-identical CSV files (GeoPackages differ only in their timestamps).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgeo.datasets import synthetic_layers

SEED = 0
PARAMS = {
    "n_villages": 300,
    "n_households": 50_000,
    "n_towns": 20,
    "area_km2": 2000.0,
    "n_service_points": 25,
    "n_candidates": 300,
    "road_nodes_per_km2": 2.0,
}
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "gridgeo" / "_data" / "sample"


HOUSEHOLD_COLUMNS = [
    "household_id", "lon", "lat", "village_id", "persons", "head_name", "phone",
    "deposit", "loan", "crop", "herd_size",
]  # fmt: skip


def _points_to_csv(gdf: gpd.GeoDataFrame, path: Path, encoding: str = "utf-8") -> None:
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df.insert(1, "lon", np.round(gdf.geometry.x.to_numpy(), 6))
    df.insert(2, "lat", np.round(gdf.geometry.y.to_numpy(), 6))
    df.to_csv(
        path, index=False, encoding=encoding, lineterminator="\n", float_format="%.6f"
    )


def _to_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    path.unlink(missing_ok=True)
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", SPATIAL_INDEX="NO")


def main(out: Path = DEFAULT_OUT) -> dict[str, int]:
    """Write the sample files into ``out``; return their sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    layers = synthetic_layers(SEED, **PARAMS)
    _to_gpkg(layers["villages"], out / "villages.gpkg", "villages")
    _to_gpkg(layers["roads"], out / "roads.gpkg", "roads")
    hh = layers["households"]
    hh["household_id"] = [f"H{i + 1:05d}" for i in range(len(hh))]
    hh = hh[[c for c in HOUSEHOLD_COLUMNS if c in hh] + ["geometry"]]
    _points_to_csv(hh, out / "households.csv", encoding="gbk")
    _points_to_csv(layers["service_points"], out / "service_points.csv")
    _points_to_csv(layers["candidate_sites"], out / "candidate_sites.csv")
    return {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    sizes = main(args.out)
    for name, size in sizes.items():
        print(f"{name:24s} {size / 1e6:6.2f} MB")
    print(f"{'total':24s} {sum(sizes.values()) / 1e6:6.2f} MB")
