"""The body of :func:`gridgeo.read_county`: read layers, join households, count."""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgeo._columns import (
    HOUSEHOLD_ID,
    HOUSEHOLDS,
    LOCATED,
    PERSONS,
    TOWN_ID,
    VILLAGE_ID,
)
from gridgeo._join import assign_points, nearest_within
from gridgeo.crs import CHINA_BOUNDS, wgs84_to_gcj02
from gridgeo.errors import CoordinateSystemWarning, UnassignedHouseholdsWarning
from gridgeo.io import read_households, read_roads, read_service_points, read_villages
from gridgeo.validate import ValidationReport

__all__ = ["assign_households", "load_layers"]

LAYERS = ("villages", "households", "roads", "service_points", "candidate_sites")


def _layer_crs(crs: Any, layer: str) -> Any:
    if isinstance(crs, dict):
        unknown = set(crs) - set(LAYERS)
        if unknown:
            from gridgeo.errors import CRSError

            msg = f"crs= keys must be among {LAYERS}; got {sorted(unknown)}."
            raise CRSError(msg)
        return crs.get(layer)
    return crs


def load_layers(
    *,
    villages: Any,
    households: Any,
    roads: Any,
    service_points: Any,
    candidate_sites: Any,
    crs: Any,
    village_opts: dict[str, Any],
    household_opts: dict[str, Any],
    household_size: float,
    tolerance: float,
    metric_crs: Any,
    check_offset: bool,
) -> dict[str, Any]:
    """Read every layer into one metric CRS; return the parts of a County."""
    report = ValidationReport()
    v = read_villages(
        villages,
        crs=_layer_crs(crs, "villages"),
        to_crs=metric_crs,
        report=report,
        **village_opts,
    )
    work = pyproj.CRS.from_user_input(v.crs)
    if not work.is_projected:
        from gridgeo.errors import CRSError

        msg = f"metric_crs={metric_crs!r} is not a projected (metric) CRS."
        raise CRSError(msg)
    v = v.reset_index(drop=True)
    lonlat_bounds = tuple(v.to_crs(4326).total_bounds)
    if households is not None:
        h = read_households(
            households,
            crs=_layer_crs(crs, "households"),
            to_crs=work,
            bounds_hint=lonlat_bounds,
            report=report,
            **household_opts,
        )
        if check_offset:
            _check_offset(h, v, lonlat_bounds)
        h = assign_households(h, v, tolerance=tolerance, report=report)
        for col in (HOUSEHOLDS, PERSONS):
            if col in v.columns:
                v = v.rename(columns={col: f"{col}_declared"})
        g = h.groupby(VILLAGE_ID)
        n_h = g.size()
        n_p = g[PERSONS].sum()
        v.insert(3, HOUSEHOLDS, v[VILLAGE_ID].map(n_h).fillna(0).astype("int64"))
        v.insert(4, PERSONS, v[VILLAGE_ID].map(n_p).fillna(0).astype("int64"))
    else:
        h = _empty_households(work)
        if HOUSEHOLDS not in v.columns:
            report.add(
                "villages",
                None,
                None,
                HOUSEHOLDS,
                "no_households",
                "info",
                "no households layer and no household count column: every village "
                "has 0 households; pass households= or households_col=",
            )
            v.insert(3, HOUSEHOLDS, np.zeros(len(v), dtype="int64"))
            v.insert(4, PERSONS, np.zeros(len(v), dtype="int64"))
    _report_overlaps(v, report)
    parts: dict[str, Any] = {"villages": v, "households": h, "crs": work}
    parts["report"] = report
    if roads is not None:
        r = read_roads(roads, crs=_layer_crs(crs, "roads"), to_crs=work, report=report)
        parts["roads"] = r.reset_index(drop=True)
    for layer, data, prefix in (
        ("service_points", service_points, "S"),
        ("candidate_sites", candidate_sites, "C"),
    ):
        if data is None:
            continue
        sp = read_service_points(
            data,
            crs=_layer_crs(crs, layer),
            to_crs=work,
            report=report,
            layer_name=layer,
            id_prefix=prefix,
        )
        parts[layer] = _fill_town(sp, v, tolerance).reset_index(drop=True)
    return parts


def _empty_households(crs: pyproj.CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            HOUSEHOLD_ID: pd.Series(dtype=object),
            VILLAGE_ID: pd.Series(dtype=object),
            PERSONS: pd.Series(dtype="int64"),
            LOCATED: pd.Series(dtype=bool),
        },
        geometry=gpd.GeoSeries([], crs=crs),
    )


def _priority(ids: pd.Series) -> np.ndarray:
    """Rank of each village id (smallest id → 0) for deterministic tie-breaks."""
    order = np.argsort(ids.to_numpy(dtype=str), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def assign_households(
    h: gpd.GeoDataFrame,
    v: gpd.GeoDataFrame,
    *,
    tolerance: float,
    report: ValidationReport,
) -> gpd.GeoDataFrame:
    """Give every household a village (see :func:`gridgeo.read_county`).

    ``h`` is indexed by source row (as :func:`gridgeo.read_households` returns it)
    and in the CRS of ``v``. Returns households indexed 0..n-1; rejected rows are
    recorded and the households layer's counts updated.
    """
    lname = "households"
    read = report.counts.get(lname, {}).get("read", len(h))
    polys = v.geometry.values
    vids = v[VILLAGE_ID].to_numpy(dtype=object)
    rank = _priority(v[VILLAGE_ID])
    located = h[LOCATED].to_numpy(dtype=bool)
    rows = h.index.to_numpy()
    hid = h[HOUSEHOLD_ID].to_numpy(dtype=object)
    declared = h[VILLAGE_ID].to_numpy(dtype=object)
    x = np.full(len(h), np.nan)
    y = np.full(len(h), np.nan)
    geo = h.geometry.values
    x[located] = shapely.get_x(geo[located])
    y[located] = shapely.get_y(geo[located])

    idx, hits = assign_points(x, y, polys, priority=rank)
    idx[~located] = -1
    keep = np.ones(len(h), dtype=bool)

    over = located & (hits > 1)
    if over.any():
        report.add_rows(
            lname,
            rows[over],
            hid[over],
            VILLAGE_ID,
            "village_overlap",
            "assigned",
            [
                f"inside {k} overlapping villages; assigned to the smallest id, "
                f"{vids[i]}"
                for k, i in zip(hits[over], idx[over], strict=True)
            ],
        )
    outside = located & (idx < 0)
    if outside.any():
        near, dist = nearest_within(
            x[outside], y[outside], polys, tolerance, priority=rank
        )
        pos = np.flatnonzero(outside)
        ok = near >= 0
        idx[pos[ok]] = near[ok]
        report.add_rows(
            lname,
            rows[pos[ok]],
            hid[pos[ok]],
            "geometry",
            "outside_villages",
            "assigned",
            [
                f"outside every village; assigned to the nearest, {vids[i]}, {d:.0f} m "
                "away"
                for i, d in zip(near[ok], dist[ok], strict=True)
            ],
        )
        bad = pos[~ok]
        if len(bad):
            report.add_rows(
                lname,
                rows[bad],
                hid[bad],
                "geometry",
                "outside_villages",
                "rejected",
                f"outside every village and more than {tolerance:g} m from any; check "
                "the coordinates and their CRS, or raise tolerance=",
            )
            keep[bad] = False
            warnings.warn(
                f"{len(bad):,} household(s) lie more than {tolerance:g} m outside "
                f"every village and were rejected (rows {rows[bad][:5].tolist()}"
                f"{'...' if len(bad) > 5 else ''}); see county.report.",
                UnassignedHouseholdsWarning,
                stacklevel=4,
            )
    mismatch = (
        located
        & (idx >= 0)
        & pd.notna(declared)
        & (declared != vids[np.maximum(idx, 0)])
    )
    if mismatch.any():
        report.add_rows(
            lname,
            rows[mismatch],
            hid[mismatch],
            VILLAGE_ID,
            "village_mismatch",
            "info",
            [
                f"declared village {d} but located in {vids[i]}; the location is used"
                for d, i in zip(declared[mismatch], idx[mismatch], strict=True)
            ],
        )

    # households without coordinates: placed at their village's representative point
    pos_of = pd.Series(np.arange(len(vids)), index=vids)
    unl = ~located
    if unl.any():
        found = pd.Series(declared[unl]).map(pos_of).to_numpy()
        known = ~pd.isna(found)
        upos = np.flatnonzero(unl)
        idx[upos[known]] = found[known].astype(np.int64)
        bad = upos[~known]
        if len(bad):
            report.add_rows(
                lname,
                rows[bad],
                hid[bad],
                VILLAGE_ID,
                "unknown_village",
                "rejected",
                [
                    f"no coordinates and village id {d!r} is not among the villages; "
                    "fix the id or add coordinates"
                    for d in declared[bad]
                ],
            )
            keep[bad] = False

    out = h[keep].copy()
    k_idx = idx[keep]
    out[VILLAGE_ID] = vids[k_idx]
    unl_k = ~out[LOCATED].to_numpy(dtype=bool)
    if unl_k.any():
        reps = shapely.point_on_surface(polys)
        geom = out.geometry.values.copy()
        geom[unl_k] = reps[k_idx[unl_k]]
        out[out.geometry.name] = gpd.GeoSeries(geom, index=out.index, crs=v.crs)
    out = out.reset_index(drop=True)
    report.set_counts(lname, read, len(out))
    return out


def _misfit_rate(
    x: np.ndarray, y: np.ndarray, polys: np.ndarray, declared: np.ndarray
) -> float:
    """Share of points outside every village or inside another than declared."""
    idx, _ = assign_points(x, y, polys)
    bad = (idx < 0) | ((declared >= 0) & (idx != declared))
    return float(bad.mean())


def _check_offset(
    h: gpd.GeoDataFrame, v: gpd.GeoDataFrame, lonlat_bounds: tuple[float, ...]
) -> None:
    """Warn when shifting households by the GCJ-02 offset fits the villages better.

    At the county centre the GCJ-02 shift is a vector ``d`` of a few hundred
    metres, nearly constant over a county. A household "misfits" when it lies
    outside every village or in another village than the one it declares. If
    households moved by ``-d`` (they are GCJ-02, villages WGS84) or ``+d`` (the
    reverse) misfit less than half as often as given, the layers are in
    different systems.
    """
    loc = h[h[LOCATED]]
    if len(loc) < 20:
        return
    lon = (lonlat_bounds[0] + lonlat_bounds[2]) / 2
    lat = (lonlat_bounds[1] + lonlat_bounds[3]) / 2
    x0, y0, x1, y1 = CHINA_BOUNDS
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        return
    glon, glat = wgs84_to_gcj02(lon, lat)
    t = pyproj.Transformer.from_crs(4326, v.crs, always_xy=True)
    ax, ay = t.transform(lon, lat)
    bx, by = t.transform(float(glon), float(glat))
    dx, dy = bx - ax, by - ay
    step = max(1, len(loc) // 20_000)
    sample = loc.iloc[::step]
    x = shapely.get_x(sample.geometry.values)
    y = shapely.get_y(sample.geometry.values)
    pos_of = pd.Series(np.arange(len(v)), index=v[VILLAGE_ID].to_numpy())
    declared = sample[VILLAGE_ID].map(pos_of).fillna(-1).to_numpy(dtype=np.int64)
    polys = v.geometry.values
    base = _misfit_rate(x, y, polys, declared)
    if base < 0.01:
        return
    for sign, what in (
        (-1, "households look GCJ-02 (Amap) while villages are WGS84"),
        (1, "villages look GCJ-02 (Amap) while households are WGS84"),
    ):
        shifted = _misfit_rate(x + sign * dx, y + sign * dy, polys, declared)
        if shifted < 0.5 * base:
            warnings.warn(
                f"{what}: {base:.0%} of households fall outside their villages "
                f"as given, {shifted:.0%} after undoing a {np.hypot(dx, dy):.0f} m "
                "GCJ-02 offset. Declare the right system, e.g. "
                "crs={'households': 'gcj02'}.",
                CoordinateSystemWarning,
                stacklevel=4,
            )
            return


def _fill_town(sp: gpd.GeoDataFrame, v: gpd.GeoDataFrame, tol: float) -> Any:
    """Fill missing ``town_id`` of points from the containing / nearest village."""
    if len(sp) == 0:
        if TOWN_ID not in sp.columns:
            sp[TOWN_ID] = pd.Series(dtype=object)
        return sp
    x = shapely.get_x(sp.geometry.values)
    y = shapely.get_y(sp.geometry.values)
    rank = _priority(v[VILLAGE_ID])
    idx, _ = assign_points(x, y, v.geometry.values, priority=rank)
    miss = idx < 0
    if miss.any():
        near, _ = nearest_within(
            x[miss], y[miss], v.geometry.values, tol, priority=rank
        )
        idx[np.flatnonzero(miss)] = near
    towns = np.where(
        idx >= 0, v[TOWN_ID].to_numpy(dtype=object)[np.maximum(idx, 0)], None
    )
    if TOWN_ID in sp.columns:
        sp[TOWN_ID] = sp[TOWN_ID].where(sp[TOWN_ID].notna(), towns)
    else:
        sp[TOWN_ID] = towns
    return sp


def _report_overlaps(v: gpd.GeoDataFrame, report: ValidationReport) -> None:
    """Record each pair of overlapping villages with the shared area (info)."""
    geoms = v.geometry.values
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="overlaps")
    sel = a < b
    a, b = a[sel], b[sel]
    if len(a) == 0:
        return
    area = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    big = area > 1.0
    ids = v[VILLAGE_ID].to_numpy(dtype=object)
    report.add_rows(
        "villages",
        a[big],
        ids[a[big]],
        "geometry",
        "village_overlap",
        "info",
        [
            f"overlaps village {ids[j]} by {ar:,.0f} m²; households in the overlap go "
            f"to {min(ids[i], ids[j])}"
            for i, j, ar in zip(a[big], b[big], area[big], strict=True)
        ],
    )
