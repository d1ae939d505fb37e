"""Maps of real data in ``shared/data/real``: Vermont towns and Yunhe county (云和县).

- Vermont: 246 real town polygons (MGGG, ODbL) partitioned by population with
  :func:`gridgeo.partition` on the plain GeoDataFrame, drawn with ``plan.explore()``
  and :func:`gridgeo.plan_map`.
- Yunhe: the real county outline (Amap fence, **GCJ-02**) and the real list of its
  87 villages and 10 townships (NBS 2023 codes). There is no public village polygon
  or household set (see ``SOURCES.md``), so villages are generated: the Voronoi
  split of the outline by 87 seeded points, taken in angular order around the
  centre so that each township is a wedge of its own villages; 30 households are
  sampled in each. The layers are loaded with ``crs="gcj02"``; on Gaode tiles
  (GCJ-02) the map must draw the outline exactly where Amap has it.

Skipped, with the reason, only when the data directory is absent.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _viz_fixtures import page_layers

import gridgeo as gg
from gridgeo.errors import OutOfBoundsWarning

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
VT = REAL / "vt_towns_mggg.zip"
FENCE = REAL / "yunhe_331125_county_fence_gcj02.geojson"
YUNHE_VILLAGES = REAL / "yunhe_331125_villages_2023.csv"

pytestmark = pytest.mark.skipif(
    not (VT.is_file() and FENCE.is_file() and YUNHE_VILLAGES.is_file()),
    reason=f"real data not found in {REAL} (shared/data/real next to the repo)",
)


def _partition(data, **kwargs) -> gg.Plan:
    """Partition for a map: balance is the partition tests' business, so a grid
    out of its bounds (``strict=False``'s warning) does not fail these tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfBoundsWarning)
        return gg.partition(data, seed=0, strict=False, **kwargs)


@functools.lru_cache(maxsize=1)
def vt_plan() -> gg.Plan:
    towns = gpd.read_file(f"zip://{VT}")
    return _partition(towns, n_grids=10, weight="TOTPOP")


@functools.lru_cache(maxsize=1)
def yunhe_fence() -> shapely.Polygon:
    return gpd.read_file(FENCE).geometry.iloc[0]


@functools.lru_cache(maxsize=1)
def yunhe_plan() -> gg.Plan:
    fence = yunhe_fence()
    table = pd.read_csv(YUNHE_VILLAGES, dtype=str)
    rng = np.random.default_rng(0)
    seeds = gpd.GeoSeries([fence]).sample_points(len(table), rng=rng)
    seeds = shapely.get_coordinates(seeds)
    centre = np.asarray(fence.centroid.coords[0])
    angle = np.arctan2(*(seeds - centre).T[::-1])
    seeds = seeds[np.argsort(angle)]
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=fence, ordered=True
    )
    geoms = shapely.intersection(shapely.get_parts(cells), fence)
    villages = gpd.GeoDataFrame(
        {
            "village_id": table["village_code"],
            "name": table["village_name"],
            "town_id": table["town_code"],
            "town_name": table["town_name"],
        },
        geometry=geoms,
        crs=4326,  # the numbers are GCJ-02; read_county is told so below
    )
    pts = villages.sample_points(size=30, rng=rng).explode(index_parts=False)
    households = gpd.GeoDataFrame(
        {"household_id": [f"H{i:05d}" for i in range(len(pts))]},
        geometry=pts.to_numpy(),
        crs=4326,
    )
    county = gg.read_county(villages=villages, households=households, crs="gcj02")
    # generated townships need not be contiguous: let grids cross them
    return _partition(county, n_grids=12, respect=None)


def _outline(page: str, layer: int) -> shapely.Geometry:
    """Union of the polygons a page draws in data layer ``layer`` (lon/lat)."""
    _kind, d, _options = page_layers(page)[layer]
    delta = np.asarray(d["c"], dtype=np.int64).reshape(-1, 2)
    xy = np.asarray(d["o"]) + np.cumsum(delta, axis=0) / d["s"]
    offsets = (np.asarray(d["r"]), np.asarray(d["p"]), np.asarray(d["g"]))
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)
    return shapely.union_all(shapely.make_valid(geoms))


def test_vermont_towns_plan_map(tmp_path):
    plan = vt_plan()
    assert type(plan) is gg.Plan
    assert plan.n_grids == 10
    m = plan.explore(tiles=None, lang="en")
    page = gg.save_map(m, tmp_path / "vt.html").read_text(encoding="utf-8")
    layers = page_layers(page)
    assert [k for k, _, _ in layers] == ["polygons"] * 3  # grids, towns, counties
    grids = layers[0][2]
    assert grids["labels"]["text"] == [str(g) for g in range(10)]
    assert len(grids["popup"]) == 10
    # the default base map is OpenStreetMap
    assert "tile.openstreetmap.org" in gg.plan_map(plan).get_root().render()


def test_yunhe_outline_on_gaode_tiles_is_not_offset(tmp_path):
    plan = yunhe_plan()
    fence = yunhe_fence()  # GCJ-02, as Amap draws it on its own tiles
    assert len(plan.county.villages) == 87
    assert len(plan.households) == 87 * 30  # nothing lost on load
    wgs = shapely.transform(fence, lambda xy: np.column_stack(gg.gcj02_to_wgs84(*xy.T)))
    offset = shapely.hausdorff_distance(fence, wgs)
    assert offset > 2e-3  # GCJ-02 is hundreds of metres off WGS 84 here
    pages = {}
    for tiles in ("gaode", None):
        m = gg.plan_map(plan, tiles=tiles, simplify=0, lang="zh")
        pages[tiles] = gg.save_map(m, tmp_path / f"{tiles}.html").read_text("utf-8")
    assert "autonavi" in pages["gaode"]
    # township layer (third): its union is the county outline
    on_gaode = _outline(pages["gaode"], 2)
    on_blank = _outline(pages[None], 2)
    assert shapely.hausdorff_distance(on_gaode, fence) < 5e-5  # a few metres
    assert shapely.hausdorff_distance(on_blank, wgs) < 5e-5
    assert shapely.hausdorff_distance(on_blank, fence) > offset / 2


@pytest.mark.browser
def test_real_maps_in_chromium(tmp_path):
    pytest.importorskip("websockets")
    from gridgeo.viz._browser import find_chromium, open_page

    if find_chromium() is None:
        pytest.skip("no Chromium installed")
    vt = vt_plan()
    path = gg.save_map(vt.explore(tiles=None, lang="en"), tmp_path / "vt.html")
    rep = open_page(path, screenshot=tmp_path / "vt.png")
    print("screenshot:", tmp_path / "vt.png")
    assert rep.errors == []
    assert rep.markers == 10  # grid labels
    assert rep.polygons >= 10 + len(vt.units)
    assert "Legend" in rep.text

    yunhe = yunhe_plan()
    m = gg.plan_map(yunhe, tiles=None, lang="zh")
    path = gg.save_map(m, tmp_path / "yunhe.html")
    rep = open_page(path, screenshot=tmp_path / "yunhe.png")
    print("screenshot:", tmp_path / "yunhe.png")
    assert rep.errors == []
    assert rep.markers == yunhe.n_grids
    assert rep.polygons >= yunhe.n_grids + 87 + 10
    assert "图例" in rep.text
