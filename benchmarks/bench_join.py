"""Benchmark: assigning households to villages, gridgeo's join vs geopandas.sjoin.

Generates 300 Voronoi villages over about 2,000 km² (a 45 km square) in a metric
CRS (EPSG:4549) and N random household points, then times

* ``gridgeo._join.assign_points`` on coordinate arrays (what ``read_county`` does),
* the same starting from a GeoSeries of points (coordinates extracted with
  ``shapely.get_coordinates``, as ``read_county`` does),
* ``geopandas.sjoin(points, villages, predicate="intersects")`` (Point objects
  built beforehand, not timed) — the plain approach,

checks that the assignments agree, and prints a markdown table.

Run: ``python benchmarks/bench_join.py [n_points] [n_villages]``
(defaults 2,000,000 and 300).
"""

from __future__ import annotations

import platform
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from gridgeo._join import assign_points


def make_villages(n_villages: int, side: float, rng: np.random.Generator):
    seeds = shapely.multipoints(rng.uniform(0, side, size=(n_villages, 2)))
    box = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    return gpd.GeoDataFrame(
        {"village_id": [f"{i:04d}" for i in range(len(cells))]},
        geometry=cells,
        crs=4549,
    )


def main(n_points: int = 2_000_000, n_villages: int = 300) -> str:
    rng = np.random.default_rng(0)
    side = 44_721.0  # metres: 44.7 km square = 2,000 km²
    villages = make_villages(n_villages, side, rng)
    x = rng.uniform(0, side, n_points)
    y = rng.uniform(0, side, n_points)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4549)

    rows = []

    t0 = time.perf_counter()
    idx, _ = assign_points(x, y, villages.geometry.values)
    t_arrays = time.perf_counter() - t0
    rows.append(("gridgeo assign_points (x/y arrays)", t_arrays))

    t0 = time.perf_counter()
    xy = shapely.get_coordinates(points.geometry.values)
    idx2, _ = assign_points(xy[:, 0], xy[:, 1], villages.geometry.values)
    t_series = time.perf_counter() - t0
    rows.append(("gridgeo assign_points (from a GeoSeries)", t_series))

    t0 = time.perf_counter()
    joined = gpd.sjoin(points, villages, how="left", predicate="intersects")
    t_sjoin = time.perf_counter() - t0
    rows.append(("geopandas.sjoin (intersects, left)", t_sjoin))

    # agreement: sjoin may return two rows for a point on a shared edge
    first = joined[~joined.index.duplicated(keep="first")]["index_right"]
    sj = first.reindex(range(n_points)).fillna(-1).astype(int).to_numpy()
    on_edge = joined.index.duplicated(keep=False)
    agree = (sj == idx) | np.isin(np.arange(n_points), joined.index[on_edge])
    assert np.array_equal(idx, idx2)
    assert agree.all(), f"{(~agree).sum()} points differ"

    out = [
        f"{n_points:,} random points, {len(villages)} Voronoi villages over "
        f"{side * side / 1e6:,.0f} km² (EPSG:4549); Python "
        f"{platform.python_version()}, shapely {shapely.__version__} "
        f"(GEOS {shapely.geos_version_string}), geopandas {gpd.__version__}; "
        f"{platform.machine()} / 2 cores.",
        "",
        "| method | seconds | households / s | vs sjoin |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, t in rows:
        out.append(f"| {name} | {t:.2f} | {n_points / t:,.0f} | {t_sjoin / t:.1f}× |")
    out.append("")
    out.append(
        f"All {n_points:,} assignments agree with sjoin "
        f"(points on a shared edge go to the smaller village position)."
    )
    return "\n".join(out)


if __name__ == "__main__":
    args = [int(a.replace("_", "")) for a in sys.argv[1:]]
    print(main(*args))
