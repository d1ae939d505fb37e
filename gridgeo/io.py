"""Reading villages, households, roads and service points from any common format.

Every reader accepts a path or a (Geo)DataFrame and returns a GeoDataFrame
**indexed by the 0-based source row** (so report rows and frames line up), in a
metric CRS (``to_crs``; by default :func:`gridgeo.crs.choose_metric_crs` of the
layer). Problems are recorded in a :class:`~gridgeo.validate.ValidationReport`
(pass ``report=`` to see it, or to collect several layers in one; it is not
attached to the frame because pandas deep-copies ``attrs`` on every operation).

Formats: GeoPackage, Shapefile (its ``.cpg`` encoding honoured — GBK included —
and sniffed from the .dbf when there is none), GeoJSON, FlatGeobuf, GeoParquet,
anything else pyogrio reads, and for point layers CSV / TSV / Excel ``.xlsx``
with lon/lat columns. CSV encoding (UTF-8, UTF-8 with BOM, GBK / GB18030) is
detected. Id columns are always read as strings: a 12-digit 统计用区划代码 never
becomes a float (``331125001001.0`` coming from a float field is normalised).

``crs=`` declares the CRS of the coordinates and overrides what a file says (a
GeoJSON always claims WGS84, also when its coordinates are GCJ-02): any pyproj
input, or ``"gcj02"`` / ``"bd09"``, converted to WGS84 on load. Without ``crs=`` the
file's CRS is used; a table or file without one is taken as WGS84 longitude /
latitude when its values fit, else :class:`~gridgeo.errors.CRSError` is raised.
"""

from __future__ import annotations

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
    ROAD_CLASS,
    SITE_ID,
    SPEED,
    TOWN_ID,
    TOWN_NAME,
    VILLAGE_ID,
    VILLAGE_NAME,
)
from gridgeo._read import (
    ALIASES,
    HOUSEHOLD_SIZE,
    _as_geo,
    _check_lonlat,
    _counts,
    _point_xy,
    _resolve_crs,
    _source_name,
    _to_metric,
    find_column,
    normalise_ids,
    read_table,
)
from gridgeo.crs import _TO_WGS84, choose_metric_crs, parse_crs
from gridgeo.errors import ValidationError
from gridgeo.validate import ValidationReport, check_duplicate_ids, check_geometries

__all__ = [
    "read_households",
    "read_roads",
    "read_service_points",
    "read_villages",
]


def read_villages(
    data: Any,
    *,
    crs: Any = None,
    id_col: str | None = None,
    town_col: str | None = None,
    name_col: str | None = None,
    households_col: str | None = None,
    persons_col: str | None = None,
    household_size: float = HOUSEHOLD_SIZE,
    to_crs: Any = None,
    report: ValidationReport | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate village (行政村) polygons.

    Parameters
    ----------
    data
        Path or GeoDataFrame of (Multi)Polygons.
    crs
        CRS of the coordinates (overrides the file's); ``"gcj02"`` / ``"bd09"``
        accepted.
    id_col
        Village id column; default: the first of :data:`ALIASES` ``["village_id"]``.
    town_col
        Township id column. When absent the township is the first 9 digits of a
        12-digit village code (统计用区划代码), else ``"0"`` (one township).
    name_col
        Village name column (default alias lookup, else the id).
    households_col, persons_col
        Household / person count columns. Bad values become 0 (recorded). Without
        a persons column, ``persons = round(households * household_size)``.
    household_size
        Mean persons per household for that estimate.
    to_crs
        Output CRS; default :func:`~gridgeo.crs.choose_metric_crs` of the layer.
    report
        Report to record into (a throw-away one by default).
    layer
        Layer / sheet of a multi-layer file.
    encoding
        Text encoding of the attribute table; detected when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by source row; columns ``village_id`` (str), ``town_id`` (str),
        ``name``, ``households`` and ``persons`` (int, only when count columns
        exist), the input's other columns, geometry.

    Raises
    ------
    gridgeo.errors.ValidationError
        Missing file, empty file, no id column (the message lists the columns).
    gridgeo.errors.CRSError
        Coordinates without a CRS that are not longitude/latitude.

    Notes
    -----
    Rows rejected: empty geometry, non-polygon geometry, invalid polygons that
    ``make_valid`` cannot save, missing id, and repeats of an id (the first
    occurrence is kept). Invalid polygons are repaired with ``make_valid``.
    """
    report = ValidationReport() if report is None else report
    lname = "villages"
    source = _source_name(data)
    df = read_table(
        data,
        layer=layer,
        encoding=encoding,
        what=lname,
        str_cols=tuple(c for c in (id_col, town_col) if c),
    )
    if len(df) == 0:
        msg = f"villages: {source} has no rows. Villages are required."
        raise ValidationError(msg)
    gdf = _as_geo(df, what=lname, source=source)
    idc = find_column(gdf.columns, "village_id", id_col, source=source)
    if idc is None:
        msg = (
            f"villages: no village id column in {source}; columns found: "
            f"{[c for c in gdf.columns if c != gdf.geometry.name]}. Pass id_col= "
            f"(accepted names: {', '.join(ALIASES['village_id'])})."
        )
        raise ValidationError(msg)
    ids = normalise_ids(gdf[idc])
    gdf = _resolve_crs(gdf, crs, what=lname, source=source)
    gdf, keep = check_geometries(
        gdf, layer=lname, kind="polygon", report=report, ids=ids, source=source
    )
    missing = keep & ids.isna().to_numpy()
    report.add_rows(
        lname,
        gdf.index[missing],
        [None] * int(missing.sum()),
        idc,
        "missing_id",
        "rejected",
        f"no {idc} in {source}; every village needs an id",
    )
    keep &= ~missing
    keep = check_duplicate_ids(
        ids, keep, layer=lname, field=idc, report=report, source=source
    )

    out = gpd.GeoDataFrame(index=gdf.index)
    out[VILLAGE_ID] = ids
    tc = find_column(gdf.columns, "town_id", town_col, source=source)
    if tc is not None and tc != idc:
        out[TOWN_ID] = normalise_ids(gdf[tc]).fillna("0")
    else:
        code12 = ids.fillna("").str.fullmatch(r"\d{12}")
        out[TOWN_ID] = np.where(code12, ids.fillna("").str[:9], "0")
    nc = find_column(gdf.columns, "name", name_col, source=source)
    nc = None if nc == idc else nc
    out[VILLAGE_NAME] = gdf[nc].astype(object) if nc else ids
    tn = find_column(gdf.columns, "town_name", None)
    if tn is not None:
        out[TOWN_NAME] = gdf[tn]
    used = {idc, tc, nc, tn, gdf.geometry.name}
    kw = {"layer": lname, "ids": ids, "keep": keep, "report": report, "source": source}
    hc = find_column(gdf.columns, "households", households_col, source=source)
    if hc is not None:
        out[HOUSEHOLDS] = _counts(gdf, hc, **kw)
        used.add(hc)
        pc = find_column(gdf.columns, "persons", persons_col, source=source)
        if pc is not None:
            out[PERSONS] = _counts(gdf, pc, **kw)
            used.add(pc)
        else:
            out[PERSONS] = (out[HOUSEHOLDS] * household_size).round().astype("int64")
    for c in gdf.columns:
        if c not in used and c not in out.columns:
            out[c] = gdf[c]
    out = out.set_geometry(gdf.geometry)
    out = _to_metric(out[keep], to_crs)
    report.set_counts(lname, len(df), len(out))
    return out


def read_households(
    data: Any,
    *,
    crs: Any = None,
    id_col: str | None = None,
    village_col: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    persons_col: str | None = None,
    household_size: float = HOUSEHOLD_SIZE,
    to_crs: Any = None,
    bounds_hint: tuple[float, float, float, float] | None = None,
    report: ValidationReport | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate household points (or village-id-only household lists).

    A household needs coordinates (a Point geometry, or lon/lat columns found under
    common names: lon, lng, longitude, x, 经度 / lat, latitude, y, 纬度) or a village
    id. A row whose coordinates are missing, non-numeric, out of range or (0, 0)
    but which has a village id is kept with ``located=False`` and no geometry
    (:func:`gridgeo.read_county` places it at the village's representative point);
    without a village id it is rejected. Longitude and latitude swapped are
    repaired when unambiguous: the swapped pair is a valid position and the given
    one is not, or the swapped pair falls in ``bounds_hint`` (default: China) and
    the given one does not.

    Parameters
    ----------
    data
        Path (vector file, CSV, .xlsx) or a (Geo)DataFrame.
    crs
        CRS of the coordinates (overrides the file's); ``"gcj02"`` / ``"bd09"``
        accepted. A table without ``crs=`` is read as WGS84 lon/lat.
    id_col
        Household id column; generated ``"H<row>"`` ids when absent (recorded).
    village_col
        Declared village id column (optional).
    lon_col, lat_col
        Coordinate columns of a table (default alias lookup).
    persons_col
        Persons per household. Without it every household counts
        ``max(1, round(household_size))`` persons; bad values get that too
        (recorded as repaired).
    household_size
        Mean household size for that default.
    to_crs
        Output CRS (default: chosen from the located points).
    bounds_hint
        ``(min lon, min lat, max lon, max lat)`` where the points should be (the
        villages' extent), used to detect swapped coordinates.
    report
        Report to record into.
    layer
        Layer / sheet of a multi-layer file.
    encoding
        Text encoding; detected when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by source row: ``household_id`` (str), ``village_id`` (declared,
        str or None), ``persons`` (int), ``located`` (bool), the input's other
        columns (tags), Point geometry (None when not located).

    Raises
    ------
    gridgeo.errors.ValidationError
        Missing or empty file; neither coordinates nor a village id column (the
        message lists the columns found).
    """
    report = ValidationReport() if report is None else report
    lname = "households"
    source = _source_name(data)
    df = read_table(
        data,
        layer=layer,
        encoding=encoding,
        what=lname,
        str_cols=tuple(c for c in (id_col, village_col) if c),
    )
    n = len(df)
    rows = df.index
    vc = find_column(df.columns, "village_id", village_col, source=source)
    hc = find_column(df.columns, "household_id", id_col, source=source)
    if hc is not None and hc == vc:
        hc = None
    xy = _point_xy(df, lon_col=lon_col, lat_col=lat_col, source=source)
    is_geo = isinstance(df, gpd.GeoDataFrame)
    if not is_geo and xy is None and vc is None:
        msg = (
            f"households: {source} has neither coordinates nor a village id; "
            f"columns found: {list(df.columns)}. Name the columns lon/lat (or "
            "经度/纬度) or pass lon_col=/lat_col=, or give village_col=."
        )
        raise ValidationError(msg)

    # ids
    if hc is None:
        hid = pd.Series([f"H{r}" for r in rows], index=rows, dtype=object)
        if n:
            report.add(
                lname,
                None,
                None,
                HOUSEHOLD_ID,
                "generated_id",
                "info",
                f"{source} has no household id column; ids 'H<row>' made",
            )
    else:
        hid = normalise_ids(df[hc])
        miss = hid.isna()
        if miss.any():
            hid[miss] = [f"H{r}" for r in rows[miss]]
            report.add_rows(
                lname,
                rows[miss],
                hid[miss],
                hc,
                "missing_id",
                "repaired",
                f"no {hc} in {source}; id 'H<row>' generated",
            )
    vid = (
        normalise_ids(df[vc])
        if vc is not None
        else pd.Series(None, index=rows, dtype=object)
    )

    # geometry -> x, y in the declared CRS
    keep = np.ones(n, dtype=bool)
    drop_cols: list[str] = []
    if is_geo:
        gdf = _resolve_crs(df, crs, what=lname, source=source)
        gdf, ok = check_geometries(
            gdf,
            layer=lname,
            kind="point",
            report=report,
            ids=hid,
            source=source,
        )
        empty = shapely.is_missing(gdf.geometry.values) | shapely.is_empty(
            gdf.geometry.values
        )
        # empty geometries were recorded as rejected: keep those that have a village
        # id (they become unlocated) by rewriting their report rows
        rescued = empty & vid.notna().to_numpy()
        if rescued.any():
            _rescue_rows(report, lname, rows[rescued], vid[rescued])
            ok = ok | rescued
        keep &= ok
        pts = gdf.geometry.values
        x = np.where(keep & ~empty, shapely.get_x(pts), np.nan)
        y = np.where(keep & ~empty, shapely.get_y(pts), np.nan)
        src_crs = gdf.crs
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        nonnum = np.zeros(n, dtype=bool)
        blank = empty
    elif xy is not None:
        x, y, flags, drop_cols = xy
        target, special = parse_crs(crs)
        src_crs = target or pyproj.CRS.from_epsg(4326)
        if special is not None:
            x, y = _TO_WGS84[special](x, y)
        nonnum = flags[drop_cols[0]] | flags[drop_cols[1]]
        blank = ~nonnum & (np.isnan(x) | np.isnan(y))
    else:
        x = y = np.full(n, np.nan)
        src_crs = pyproj.CRS.from_epsg(4326)
        nonnum = np.zeros(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        if n:
            report.add(
                lname,
                None,
                None,
                "geometry",
                "no_coordinates",
                "info",
                f"{source} has no coordinates: households are placed at "
                "their village's representative point (located=False)",
            )

    swapped = out = np.zeros(n, dtype=bool)
    if pyproj.CRS.from_user_input(src_crs).is_geographic and n:
        x, y, swapped, out = _check_lonlat(x, y, bounds_hint=bounds_hint)
        swapped &= keep
        if swapped.any():
            report.add_rows(
                lname,
                rows[swapped],
                hid[swapped],
                "lon/lat",
                "swapped_coordinates",
                "repaired",
                f"longitude and latitude swapped in {source}; swapped back",
            )
    located = keep & np.isfinite(x) & np.isfinite(y) & ~out
    has_v = vid.notna().to_numpy()
    problems = [
        (keep & nonnum, "non_numeric_coordinates", "coordinates are not numbers"),
        (
            keep & blank & ~nonnum & (xy is not None),
            "missing_coordinates",
            "coordinates missing",
        ),
        (
            keep & out & ~nonnum,
            "coordinates_out_of_range",
            "coordinates out of range (or 0, 0)",
        ),
    ]
    fields = "/".join(drop_cols) if drop_cols else "geometry"
    for mask, check, text in problems:
        fix = mask & has_v
        if fix.any():
            report.add_rows(
                lname,
                rows[fix],
                hid[fix],
                fields,
                check,
                "assigned",
                [
                    f"{text} in {source}; placed at village {v} (located=False)"
                    for v in vid[fix]
                ],
            )
        rej = mask & ~has_v
        if rej.any():
            report.add_rows(
                lname,
                rows[rej],
                hid[rej],
                fields,
                check,
                "rejected",
                f"{text} in {source} and no village id; fix the "
                "coordinates or add a village id",
            )
            keep &= ~rej
    keep = check_duplicate_ids(
        hid, keep, layer=lname, field=hc or HOUSEHOLD_ID, report=report, source=source
    )

    default_p = max(1, round(household_size))
    out_df = pd.DataFrame(index=rows)
    out_df[HOUSEHOLD_ID] = hid
    out_df[VILLAGE_ID] = vid
    pc = find_column(df.columns, "persons", persons_col, source=source)
    if pc is not None:
        out_df[PERSONS] = _counts(
            df,
            pc,
            layer=lname,
            ids=hid,
            keep=keep,
            report=report,
            source=source,
            default=default_p,
        )
    else:
        out_df[PERSONS] = np.full(n, default_p, dtype="int64")
    out_df[LOCATED] = located
    skip = {hc, vc, pc, *drop_cols, "geometry"}
    for c in df.columns:
        if c not in skip and c not in out_df.columns:
            out_df[c] = df[c]
    geom = np.where(
        located, shapely.points(np.where(located, x, 0), np.where(located, y, 0)), None
    )
    gdf = gpd.GeoDataFrame(
        out_df, geometry=gpd.GeoSeries(geom, index=rows, crs=src_crs)
    )
    gdf = gdf[keep]
    if to_crs is not None or gdf[LOCATED].any():
        live = gdf[gdf[LOCATED]]
        target = to_crs if to_crs is not None else choose_metric_crs(live)
        gdf = gdf.to_crs(target)
    report.set_counts(lname, n, len(gdf))
    return gdf


def _rescue_rows(
    report: ValidationReport, layer: str, rows: Any, vids: pd.Series
) -> None:
    """Turn 'empty_geometry rejected' rows of households with a village id."""
    targets = {int(r): v for r, v in zip(rows, vids, strict=True)}
    for rec in report.rows:
        if (
            rec["layer"] == layer
            and rec["check"] == "empty_geometry"
            and rec["row"] in targets
        ):
            rec["action"] = "assigned"
            rec["message"] = (
                f"no geometry; placed at village {targets[rec['row']]} (located=False)"
            )


def read_roads(
    data: Any,
    *,
    crs: Any = None,
    road_class_col: str | None = None,
    speed_col: str | None = None,
    to_crs: Any = None,
    report: ValidationReport | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate road lines.

    MultiLineStrings are exploded into LineStrings (each part keeps the source row
    as index, so the index may repeat); non-line, empty and zero-length features are
    rejected. A road class column (road_class, class, fclass, highway, 等级...) is
    renamed ``road_class``; a speed column (speed_kmh, speed, maxspeed, 限速...) is
    renamed ``speed_kmh`` and made numeric (bad values → NaN, recorded).

    Parameters
    ----------
    data
        Path or GeoDataFrame of lines.
    crs
        CRS of the coordinates; ``"gcj02"`` / ``"bd09"`` accepted.
    road_class_col, speed_col
        Column names (default alias lookup).
    to_crs
        Output CRS (default chosen from the layer).
    report
        Report to record into.
    layer
        Layer of a multi-layer file.
    encoding
        Text encoding; detected when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        LineStrings with ``road_class`` / ``speed_kmh`` when present, other columns
        kept; indexed by source row.
    """
    report = ValidationReport() if report is None else report
    lname = "roads"
    source = _source_name(data)
    df = read_table(data, layer=layer, encoding=encoding, what=lname)
    n = len(df)
    gdf = _as_geo(df, what=lname, source=source)
    gdf = _resolve_crs(gdf, crs, what=lname, source=source)
    gdf, keep = check_geometries(
        gdf, layer=lname, kind="line", report=report, source=source
    )
    rings = keep & (shapely.get_type_id(gdf.geometry.values) == 2)
    if rings.any():
        gdf.loc[rings, gdf.geometry.name] = shapely.linestrings(
            [shapely.get_coordinates(g) for g in gdf.geometry.values[rings]]
        )
    zero = keep & (shapely.length(gdf.geometry.values) == 0)
    report.add_rows(
        lname,
        gdf.index[zero],
        gdf.index[zero],
        "geometry",
        "degenerate_geometry",
        "rejected",
        f"zero-length line in {source}",
    )
    keep &= ~zero
    rc = find_column(gdf.columns, "road_class", road_class_col, source=source)
    if rc is not None and rc != ROAD_CLASS:
        gdf = gdf.rename(columns={rc: ROAD_CLASS})
    sc = find_column(gdf.columns, "speed", speed_col, source=source)
    if sc is not None:
        raw = gdf[sc]
        num = pd.to_numeric(raw, errors="coerce")
        bad = keep & raw.notna().to_numpy() & (num.isna() | (num <= 0)).to_numpy()
        report.add_rows(
            lname,
            gdf.index[bad],
            gdf.index[bad],
            sc,
            "bad_speed",
            "repaired",
            [
                f"speed {v!r} in {source} is not a positive number; set to NaN"
                for v in raw[bad]
            ],
        )
        gdf = gdf.drop(columns=sc)
        gdf[SPEED] = num.where(num > 0)
    out = gdf[keep]
    multi = shapely.get_type_id(out.geometry.values) == 5
    if multi.any():
        report.add_rows(
            lname,
            out.index[multi],
            out.index[multi],
            "geometry",
            "multilinestring",
            "info",
            "MultiLineString exploded into its parts",
        )
        out = out.explode(index_parts=False)
    out = _to_metric(out, to_crs)
    report.set_counts(lname, n, int(keep.sum()))
    return out


def read_service_points(
    data: Any,
    *,
    crs: Any = None,
    id_col: str | None = None,
    town_col: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    to_crs: Any = None,
    report: ValidationReport | None = None,
    layer_name: str = "service_points",
    id_prefix: str = "S",
    layer: str | int | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate service points (or candidate sites).

    Points from a vector file or a lon/lat table. Polygons become a point on their
    surface (recorded). Without an id column, ids ``S0001``... are generated
    (recorded); ``town_id`` is kept when present (``read_county`` fills it from
    the containing village otherwise).

    Parameters
    ----------
    data
        Path or (Geo)DataFrame.
    crs
        CRS of the coordinates; ``"gcj02"`` / ``"bd09"`` accepted.
    id_col, town_col, lon_col, lat_col
        Column names (default alias lookup).
    to_crs
        Output CRS (default chosen from the layer).
    report
        Report to record into.
    layer_name
        Name in the report (``"candidate_sites"`` for candidates).
    id_prefix
        Prefix of generated ids.
    layer
        Layer / sheet of a multi-layer file.
    encoding
        Text encoding; detected when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id`` (str), ``town_id`` (str, when known), other columns, Point
        geometry; indexed by source row.
    """
    report = ValidationReport() if report is None else report
    source = _source_name(data)
    df = read_table(
        data,
        layer=layer,
        encoding=encoding,
        what=layer_name,
        str_cols=tuple(c for c in (id_col, town_col) if c),
    )
    n = len(df)
    if not isinstance(df, gpd.GeoDataFrame):
        xy = _point_xy(df, lon_col=lon_col, lat_col=lat_col, source=source)
        if xy is None:
            df = _as_geo(df, what=layer_name, source=source)
        else:
            x, y, _, cols = xy
            df = gpd.GeoDataFrame(
                df.drop(columns=cols), geometry=gpd.points_from_xy(x, y)
            )
            ok = np.isfinite(x) & np.isfinite(y)
            df.loc[~ok, "geometry"] = None
    gdf = _resolve_crs(df, crs, what=layer_name, source=source)
    ic = find_column(gdf.columns, "site_id", id_col, source=source)
    if ic is None:
        ids = pd.Series([f"{id_prefix}{i + 1:04d}" for i in range(n)], dtype=object)
        if n:
            report.add(
                layer_name,
                None,
                None,
                SITE_ID,
                "generated_id",
                "info",
                f"{source} has no id column; ids {id_prefix}0001... made",
            )
    else:
        ids = normalise_ids(gdf[ic])
        miss = ids.isna()
        ids[miss] = [f"{id_prefix}{i + 1:04d}" for i in np.flatnonzero(miss)]
        report.add_rows(
            layer_name,
            gdf.index[miss],
            ids[miss],
            ic,
            "missing_id",
            "repaired",
            "no id; generated",
        )
    gdf, keep = check_geometries(
        gdf, layer=layer_name, kind="point", report=report, ids=ids, source=source
    )
    keep = check_duplicate_ids(
        ids, keep, layer=layer_name, field=ic or SITE_ID, report=report, source=source
    )
    out = gdf.drop(columns=[ic] if ic else [])
    out.insert(0, SITE_ID, ids)
    tc = find_column(out.columns, "town_id", town_col, source=source)
    if tc is not None:
        out[TOWN_ID] = normalise_ids(out.pop(tc))
    out = _to_metric(out[keep], to_crs)
    report.set_counts(layer_name, n, len(out))
    return out
