"""Private helpers of gridgeo.io: column aliases, file reading, CRS resolution."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgeo._encoding import detect_encoding, shapefile_encoding
from gridgeo.crs import choose_metric_crs, geometry_to_wgs84, parse_crs
from gridgeo.errors import CRSError, ValidationError
from gridgeo.validate import ValidationReport

__all__ = [
    "ALIASES",
    "HOUSEHOLD_SIZE",
    "find_column",
    "normalise_ids",
    "read_table",
]

#: Mean persons per household used when no persons column exists (China's 7th
#: national census, 2020: 2.62).
HOUSEHOLD_SIZE = 2.62

#: Accepted column names per role (matched case-insensitively, spaces/underscores
#: ignored); an explicit ``*_col=`` argument always wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "village_id": (
        "village_id",
        "village_code",
        "villageid",
        "vid",
        "code",
        "adcode",
        "村编码",
        "村代码",
        "村编号",
        "行政村代码",
        "统计用区划代码",
        "区划代码",
    ),
    "town_id": (
        "town_id",
        "town_code",
        "township_id",
        "township_code",
        "乡镇代码",
        "乡镇编码",
        "街道代码",
    ),
    "name": ("name", "village_name", "村名", "村名称", "村庄名称", "名称"),
    "town_name": (
        "town_name",
        "township",
        "township_name",
        "乡镇",
        "乡镇名称",
        "乡镇街道",
    ),
    "households": (
        "households",
        "household_count",
        "n_households",
        "hh",
        "num_households",
        "户数",
        "总户数",
    ),
    "persons": (
        "persons",
        "population",
        "pop",
        "people",
        "n_persons",
        "人口",
        "人数",
        "户籍人口",
        "家庭人口",
        "总人口",
    ),
    "household_id": (
        "household_id",
        "hh_id",
        "hid",
        "household",
        "户编号",
        "户号",
        "户主编号",
        "id",
    ),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "gps_lon", "point_x"),
    "lat": ("lat", "latitude", "y", "纬度", "gps_lat", "point_y"),
    "site_id": ("site_id", "id", "code", "name", "编号", "网点编号"),
    "road_class": (
        "road_class",
        "class",
        "fclass",
        "highway",
        "type",
        "kind",
        "等级",
        "道路等级",
    ),
    "speed": ("speed_kmh", "speed", "maxspeed", "max_speed", "速度", "限速"),
}

_ID_PATTERN = re.compile(r"(^|[_\s\-])(id|code)$|^(id|code)$|编码$|代码$|编号$|户号$")
_ID_ROLES = ("village_id", "town_id", "household_id")


def _is_id_column(name: object, extra: tuple[str, ...] = ()) -> bool:
    """Whether a column holds ids (read as strings): by alias or by name pattern."""
    if name in extra:
        return True
    low = str(name).strip().lower()
    if _ID_PATTERN.search(low):
        return True
    return any(_norm(name) == _norm(a) for r in _ID_ROLES for a in ALIASES[r])


_LONLAT_BOX = (-180.0, -90.0, 180.0, 90.0)
_CHINA_BOX = (73.0, 3.0, 136.0, 54.0)


def _norm(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lower())


def find_column(
    columns: Any, role: str, explicit: str | None = None, *, source: str = ""
) -> str | None:
    """Find the column playing ``role`` (a key of :data:`ALIASES`).

    Parameters
    ----------
    columns
        Column names of the input.
    role
        Role, e.g. ``"village_id"`` or ``"lon"``.
    explicit
        A column name given by the user: it must exist.
    source
        File name for messages.

    Returns
    -------
    str or None
        The column name, ``None`` when no alias matches.

    Raises
    ------
    gridgeo.errors.ValidationError
        If ``explicit`` is not a column.
    """
    cols = [c for c in columns if c != "geometry"]
    if explicit is not None:
        if explicit in cols:
            return explicit
        msg = (
            f"Column {explicit!r} not found in {source or 'the input'}; columns "
            f"found: {cols}. Pass the right name."
        )
        raise ValidationError(msg)
    by_norm = {_norm(c): c for c in reversed(cols)}
    for alias in ALIASES[role]:
        if _norm(alias) in by_norm:
            return by_norm[_norm(alias)]
    return None


def _source_name(data: Any) -> str:
    if isinstance(data, str | Path):
        return Path(data).name
    return f"<{type(data).__name__}>"


def normalise_ids(values: pd.Series) -> pd.Series:
    """Return ids as strings (``None`` when missing); floats lose their ``.0``."""
    s = pd.Series(values, copy=False)
    if pd.api.types.is_float_dtype(s):
        vals = s.to_numpy(dtype=float)
        na = ~np.isfinite(vals)
        whole = ~na & (vals == np.round(vals))
        arr = np.full(len(vals), None, dtype=object)
        arr[whole] = np.round(vals[whole]).astype(np.int64).astype(str)
        arr[~na & ~whole] = [repr(float(v)) for v in vals[~na & ~whole]]
        return pd.Series(arr, index=s.index, dtype=object)
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s.astype(str).astype(object)
    na = s.isna().to_numpy().copy()
    text = s.astype(object).where(~na, "").astype(str).str.strip()
    na |= text.isin(["", "nan", "NaN", "None", "<NA>"]).to_numpy()
    dotzero = text.str.endswith(".0") | text.str.endswith(".00")
    if dotzero.any():
        text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    out = text.astype(object)
    out[na] = None
    return out


def read_table(
    data: Any,
    *,
    layer: str | int | None = None,
    encoding: str | None = None,
    what: str = "layer",
    str_cols: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read any supported file (or copy a frame) without interpreting it.

    Id-like columns (names ending in ``id`` / ``code`` / 编码 / 代码 / 编号) of CSV
    and Excel files are read as strings.

    Parameters
    ----------
    data
        Path (``str`` / ``Path``) or a (Geo)DataFrame.
    layer
        Layer of a multi-layer file (GeoPackage) or sheet of a workbook.
    encoding
        Text encoding of a CSV / Shapefile; detected when ``None``.
    what
        What the file is, for messages (``"villages"``).
    str_cols
        More columns of a CSV / Excel file to read as strings.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Indexed 0..n-1 (the source row).

    Raises
    ------
    gridgeo.errors.ValidationError
        If the file does not exist, is empty, or cannot be read.
    """
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True).copy()
    if not isinstance(data, str | Path):
        msg = f"{what}: expected a file path or a (Geo)DataFrame, got {type(data)}."
        raise ValidationError(msg)
    path = Path(data)
    if not path.exists():
        msg = f"{what}: file not found: {path}. Check the path (cwd is {Path.cwd()})."
        raise ValidationError(msg)
    if path.is_file() and path.stat().st_size == 0:
        msg = f"{what}: file {path} is empty (0 bytes). Export the data again."
        raise ValidationError(msg)
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt", ".tsv"}:
            enc = encoding or detect_encoding(path)
            sep = "\t" if suffix == ".tsv" else None
            head = pd.read_csv(path, nrows=0, encoding=enc, sep=sep, engine="python")
            dtype = {c: str for c in head.columns if _is_id_column(c, str_cols)}
            df = pd.read_csv(path, encoding=enc, sep=sep, dtype=dtype, engine="python")
        elif suffix in {".xlsx", ".xlsm", ".xls"}:
            sheet = 0 if layer is None else layer
            head = pd.read_excel(path, sheet_name=sheet, nrows=0)
            dtype = {c: str for c in head.columns if _is_id_column(c, str_cols)}
            df = pd.read_excel(path, sheet_name=sheet, dtype=dtype)
        elif suffix in {".parquet", ".geoparquet"}:
            try:
                df = gpd.read_parquet(path)
            except ValueError:
                df = pd.read_parquet(path)
        else:
            kwargs: dict[str, Any] = {"engine": "pyogrio"}
            if layer is not None:
                kwargs["layer"] = layer
            enc = encoding
            if enc is None and suffix == ".shp":
                enc = shapefile_encoding(path)
            if enc is not None:
                kwargs["encoding"] = enc
            df = gpd.read_file(path, **kwargs)
    except ValidationError:
        raise
    except pd.errors.EmptyDataError as exc:
        msg = f"{what}: file {path} has no columns or rows. Export the data again."
        raise ValidationError(msg) from exc
    except Exception as exc:
        msg = (
            f"{what}: could not read {path} ({type(exc).__name__}: {exc}). Supported: "
            "GeoPackage, Shapefile, GeoJSON, FlatGeobuf, GeoParquet, CSV, .xlsx."
        )
        raise ValidationError(msg) from exc
    return df.reset_index(drop=True)


def _resolve_crs(
    gdf: gpd.GeoDataFrame, crs: Any, *, what: str, source: str
) -> gpd.GeoDataFrame:
    """Apply the declared CRS (overriding the file's) and convert GCJ-02/BD-09."""
    target, special = parse_crs(crs)
    if target is None:
        target = gdf.crs
        if target is None:
            b = gdf.total_bounds
            if np.all(np.isfinite(b)) and _inside(b, _LONLAT_BOX):
                target = pyproj.CRS.from_epsg(4326)
            elif np.all(np.isfinite(b)):
                msg = (
                    f"{what}: {source} has no CRS and its coordinates "
                    f"({b.round(1).tolist()}) are not longitude/latitude. Pass crs= "
                    "(e.g. crs='EPSG:4549' for CGCS2000 GK CM 120E)."
                )
                raise CRSError(msg)
            else:
                target = pyproj.CRS.from_epsg(4326)
    gdf = gdf.set_crs(target, allow_override=True)
    if special is not None:
        gdf[gdf.geometry.name] = geometry_to_wgs84(gdf.geometry, special)
    return gdf


def _inside(b: Any, box: tuple[float, float, float, float]) -> bool:
    return bool(b[0] >= box[0] and b[1] >= box[1] and b[2] <= box[2] and b[3] <= box[3])


def _to_metric(gdf: gpd.GeoDataFrame, to_crs: Any) -> gpd.GeoDataFrame:
    if to_crs is None:
        live = gdf[~(gdf.geometry.is_empty | gdf.geometry.isna())]
        if len(live) == 0:
            return gdf
        to_crs = choose_metric_crs(live)
    return gdf.to_crs(to_crs)


def _as_geo(df: pd.DataFrame, *, what: str, source: str) -> gpd.GeoDataFrame:
    if isinstance(df, gpd.GeoDataFrame):
        return df
    for col in ("geometry", "wkt", "geom", "WKT"):
        if col in df.columns:
            geom = shapely.from_wkt(
                df[col].astype(object).where(df[col].notna(), None), on_invalid="ignore"
            )
            return gpd.GeoDataFrame(df.drop(columns=col), geometry=geom)
    msg = (
        f"{what}: {source} has no geometry (columns found: {list(df.columns)}). Use "
        "a GeoPackage / Shapefile / GeoJSON, or a table with a WKT 'geometry' column."
    )
    raise ValidationError(msg)


def _counts(
    df: pd.DataFrame,
    col: str | None,
    *,
    layer: str,
    ids: pd.Series,
    keep: np.ndarray,
    report: ValidationReport,
    source: str,
    default: int = 0,
) -> pd.Series:
    """Parse a non-negative integer count column; bad values become ``default``."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = (num.isna() | (num < 0) | np.isinf(num)) & keep
    if bad.any():
        report.add_rows(
            layer,
            df.index[bad],
            ids[bad],
            col,
            "bad_count",
            "repaired",
            [
                f"{col}={v!r} in {source} is not a non-negative number; "
                f"set to {default}"
                for v in raw[bad]
            ],
        )
    return num.where(~bad, default).fillna(default).round().astype("int64")


def _point_xy(
    df: pd.DataFrame,
    *,
    lon_col: str | None,
    lat_col: str | None,
    source: str,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], list[str]] | None:
    """Coordinates from point geometries or lon/lat columns; ``None`` if neither."""
    if isinstance(df, gpd.GeoDataFrame):
        return None
    xc = find_column(df.columns, "lon", lon_col, source=source)
    yc = find_column(df.columns, "lat", lat_col, source=source)
    if xc is None or yc is None:
        return None
    flags = {}
    vals = []
    for c in (xc, yc):
        raw = df[c]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        blank = (
            raw.isna().to_numpy()
            | raw.astype(str).str.strip().isin(["", "nan", "NaN", "None"]).to_numpy()
        )
        flags[c] = np.isnan(num) & ~blank  # non-numeric text
        vals.append(num)
    return vals[0], vals[1], flags, [xc, yc]


def _check_lonlat(
    x: np.ndarray,
    y: np.ndarray,
    *,
    bounds_hint: tuple[float, float, float, float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Swap lat/lon where that is unambiguous; flag out-of-range and (0, 0) points.

    Returns new ``x, y`` and masks ``swapped`` and ``out_of_range``.
    """
    box = _CHINA_BOX if bounds_hint is None else bounds_hint
    if bounds_hint is not None:
        pad = 0.5
        box = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)

    def _in(a: np.ndarray, b: np.ndarray, bx: tuple[float, ...]) -> np.ndarray:
        return (a >= bx[0]) & (a <= bx[2]) & (b >= bx[1]) & (b <= bx[3])

    finite = np.isfinite(x) & np.isfinite(y)
    valid = _in(x, y, _LONLAT_BOX)
    valid_swapped = _in(y, x, _LONLAT_BOX)
    hint_ok = _in(x, y, box)
    hint_swapped = _in(y, x, box)
    swapped = finite & valid_swapped & ((~valid) | (~hint_ok & hint_swapped))
    x2 = np.where(swapped, y, x)
    y2 = np.where(swapped, x, y)
    out = finite & ~swapped & ~valid
    out |= finite & (x2 == 0) & (y2 == 0)
    return x2, y2, swapped, out
