"""Validation that loses nothing: the report of every rejected or repaired row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gridgeo.errors import ValidationError

__all__ = [
    "REPORT_COLUMNS",
    "ValidationReport",
    "check_duplicate_ids",
    "check_geometries",
]

REPORT_COLUMNS = ["layer", "row", "id", "field", "check", "action", "message"]
Action = Literal["rejected", "repaired", "assigned", "info"]


@dataclass
class ValidationReport:
    """Every rejected, repaired or re-assigned input row, with the reason.

    ``row`` is the 0-based data row of the source (the line in a CSV is ``row + 2``
    with a header). ``action`` is one of ``rejected`` (row not loaded), ``repaired``
    (loaded with a changed value), ``assigned`` (loaded, placed by rule, e.g. the
    nearest village) or ``info``. ``counts`` holds, per layer, rows ``read`` and
    ``loaded``; the invariant ``loaded + rejected == read`` holds for every layer.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(
        self,
        layer: str,
        row: int | None,
        id: Any,
        field: str | None,
        check: str,
        action: Action,
        message: str,
    ) -> None:
        """Record one row's problem."""
        self.rows.append(
            dict(
                zip(
                    REPORT_COLUMNS,
                    [layer, row, id, field, check, action, message],
                    strict=True,
                )
            )
        )

    def extend(self, records: Iterable[dict[str, Any]]) -> None:
        """Record many rows at once (dicts with the REPORT_COLUMNS keys)."""
        self.rows.extend({k: r.get(k) for k in REPORT_COLUMNS} for r in records)

    def add_rows(
        self,
        layer: str,
        rows: Any,
        ids: Any,
        field: str | None,
        check: str,
        action: Action,
        message: str | Iterable[str],
    ) -> None:
        """Record the same problem for many rows (``message`` may be one per row)."""
        rows = list(rows)
        ids = list(ids)
        if isinstance(message, str):
            messages: list[str] = [message] * len(rows)
        else:
            messages = list(message)
        self.rows.extend(
            {
                "layer": layer,
                "row": None if r is None else int(r),
                "id": i,
                "field": field,
                "check": check,
                "action": action,
                "message": m,
            }
            for r, i, m in zip(rows, ids, messages, strict=True)
        )

    def n_rejected(self, layer: str) -> int:
        """Return the number of rejected rows of ``layer``."""
        return sum(
            1 for r in self.rows if r["layer"] == layer and r["action"] == "rejected"
        )

    def check_invariant(self) -> None:
        """Raise ``AssertionError`` unless ``loaded + rejected == read`` per layer."""
        for layer, c in self.counts.items():
            rejected = self.n_rejected(layer)
            if c["loaded"] + rejected != c["read"]:
                msg = (
                    f"layer {layer!r}: loaded {c['loaded']} + rejected {rejected} "
                    f"!= read {c['read']}"
                )
                raise AssertionError(msg)

    def raise_if_rejected(self, layer: str | None = None) -> None:
        """Raise :class:`~gridgeo.errors.ValidationError` listing rejected rows.

        This is what ``strict=True`` does at the end of loading.
        """
        rej = self.rejected(layer)
        if len(rej):
            head = rej.head(20)
            lines = [
                f"  {r.layer} row {r.row} (id {r.id}) {r.field}: {r.message}"
                for r in head.itertuples()
            ]
            more = f"\n  ... and {len(rej) - 20} more" if len(rej) > 20 else ""
            msg = (
                f"{len(rej)} input row(s) rejected (strict=True):\n"
                + "\n".join(lines)
                + more
                + "\nFix the rows, or pass strict=False to load the rest and "
                "inspect county.report."
            )
            raise ValidationError(msg)

    def set_counts(self, layer: str, read: int, loaded: int) -> None:
        """Record how many rows a layer had and how many were loaded."""
        self.counts[layer] = {"read": int(read), "loaded": int(loaded)}

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a DataFrame with the REPORT_COLUMNS columns.

        ``row`` is a nullable integer (``<NA>`` for layer-level rows).
        """
        df = pd.DataFrame(self.rows, columns=REPORT_COLUMNS)
        df["row"] = df["row"].astype("Int64")
        return df

    def rejected(self, layer: str | None = None) -> pd.DataFrame:
        """Rows that were not loaded (optionally of one layer)."""
        df = self.to_frame()
        df = df[df["action"] == "rejected"]
        return df if layer is None else df[df["layer"] == layer]

    def to_file(self, path: str) -> None:
        """Write the report to CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx."""
        df = self.to_frame()
        if str(path).lower().endswith(".xlsx"):
            df.to_excel(path, index=False)
        else:
            df.to_csv(path, index=False, encoding="utf-8-sig")

    def summary(self) -> str:
        """Return a readable summary: per layer read / loaded / rejected / repaired."""
        df = self.to_frame()
        lines = ["Validation report"]
        layers = list(dict.fromkeys([*self.counts, *df["layer"].dropna()]))
        if not layers:
            return "Validation report: nothing read yet"
        for layer in layers:
            c = self.counts.get(layer, {})
            sub = df[df["layer"] == layer]
            by_action = sub["action"].value_counts()
            lines.append(
                f"  {layer:<15} read {c.get('read', 0):>9,}"
                f"  loaded {c.get('loaded', 0):>9,}"
                f"  rejected {by_action.get('rejected', 0):>6,}"
                f"  repaired {by_action.get('repaired', 0):>6,}"
                f"  assigned {by_action.get('assigned', 0):>6,}"
            )
            for check, n in sub["check"].value_counts().items():
                lines.append(f"      {check}: {n:,}")
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        n = len(self.rows)
        return f"<ValidationReport: {n:,} rows over {len(self.counts)} layers>"

    def _repr_html_(self) -> str:
        head = self.summary().replace("\n", "<br>").replace("  ", "&nbsp;&nbsp;")
        return f"<div><tt>{head}</tt></div>" + self.to_frame().head(50).to_html()


def check_geometries(
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    kind: Literal["polygon", "line", "point"],
    report: ValidationReport,
    ids: Any = None,
    source: str = "",
) -> tuple[gpd.GeoDataFrame, NDArray[np.bool_]]:
    """Reject empty / wrong-type geometries and repair invalid ones, recording each.

    Polygons that are invalid are repaired with :func:`shapely.make_valid` and only
    their polygonal parts kept (``repaired``); a repair that leaves nothing is
    ``rejected``. Multi-geometries are kept (villages with islands are real).
    Point layers accept polygons, replaced by their representative point
    (``repaired``).

    Parameters
    ----------
    gdf
        The layer, indexed by source row.
    layer
        Layer name for the report.
    kind
        Expected geometry family.
    report
        Report to record into.
    ids
        Row ids for the report (aligned with ``gdf``); default the index.
    source
        File name for messages.

    Returns
    -------
    gdf : geopandas.GeoDataFrame
        A copy with repaired geometries (all rows, rejected ones included).
    keep : numpy.ndarray of bool
        Rows that passed.
    """
    gdf = gdf.copy()
    geom = np.asarray(gdf.geometry.values, dtype=object)
    rows = gdf.index.to_numpy()
    ids = rows if ids is None else np.asarray(ids, dtype=object)
    where = f" in {source}" if source else ""
    gfield = gdf.geometry.name
    keep = np.ones(len(gdf), dtype=bool)

    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    report.add_rows(
        layer,
        rows[empty],
        ids[empty],
        gfield,
        "empty_geometry",
        "rejected",
        f"empty or missing geometry{where}; give the feature a geometry or delete it",
    )
    keep &= ~empty

    tid = shapely.get_type_id(geom)
    allowed = {
        "polygon": {3, 6},
        "line": {1, 2, 5},
        "point": {0, 4, 3, 6},
    }[kind]
    wrong = keep & ~np.isin(tid, list(allowed))
    if wrong.any():
        got = [type(g).__name__ for g in geom[wrong]]
        report.add_rows(
            layer,
            rows[wrong],
            ids[wrong],
            gfield,
            "wrong_geometry_type",
            "rejected",
            [
                f"{g}{where} in a {kind} layer; only {kind} features are loaded "
                f"(split mixed layers into one file per geometry type)"
                for g in got
            ],
        )
    keep &= ~wrong

    if kind == "point":
        poly = keep & np.isin(tid, [3, 6])
        if poly.any():
            geom[poly] = shapely.point_on_surface(geom[poly])
            report.add_rows(
                layer,
                rows[poly],
                ids[poly],
                gfield,
                "polygon_as_point",
                "repaired",
                f"polygon{where} replaced by a point on its surface",
            )
        multi = keep & (tid == 4)
        if multi.any():
            geom[multi] = shapely.centroid(geom[multi])
            report.add_rows(
                layer,
                rows[multi],
                ids[multi],
                gfield,
                "multipoint",
                "repaired",
                f"multipoint{where} replaced by its centroid",
            )
    elif kind == "polygon":
        invalid = keep & ~shapely.is_valid(geom)
        if invalid.any():
            reasons = shapely.is_valid_reason(geom[invalid])
            fixed = shapely.make_valid(geom[invalid])
            fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
            ok = ~(shapely.is_missing(fixed) | shapely.is_empty(fixed))
            idx = np.flatnonzero(invalid)
            geom[idx[ok]] = fixed[ok]
            report.add_rows(
                layer,
                rows[idx[ok]],
                ids[idx[ok]],
                gfield,
                "invalid_geometry",
                "repaired",
                [
                    f"invalid polygon{where} ({r}) repaired with make_valid"
                    for r in reasons[ok]
                ],
            )
            report.add_rows(
                layer,
                rows[idx[~ok]],
                ids[idx[~ok]],
                gfield,
                "invalid_geometry",
                "rejected",
                [
                    f"invalid polygon{where} ({r}) has no area left after make_valid; "
                    "redraw it"
                    for r in reasons[~ok]
                ],
            )
            keep[idx[~ok]] = False
    gdf[gfield] = gpd.GeoSeries(geom, index=gdf.index, crs=gdf.crs)
    return gdf, keep


def _polygonal(geom: Any) -> Any:
    """Return the polygonal part of a geometry, ``None`` when it has none."""
    if geom is None:
        return None
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)]
    if not parts:
        multi = [
            q
            for p in shapely.get_parts(geom)
            if isinstance(p, shapely.MultiPolygon)
            for q in p.geoms
        ]
        parts = multi
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def check_duplicate_ids(
    ids: pd.Series,
    keep: NDArray[np.bool_],
    *,
    layer: str,
    field: str,
    report: ValidationReport,
    source: str = "",
) -> NDArray[np.bool_]:
    """Reject every repeat of an id after its first loaded occurrence.

    Parameters
    ----------
    ids
        Id per row, indexed by source row.
    keep
        Rows still loaded; only they count for duplicates.
    layer, field
        Names for the report.
    report
        Report to record into.
    source
        File name for messages.

    Returns
    -------
    numpy.ndarray of bool
        ``keep`` without the duplicates.
    """
    keep = keep.copy()
    live = ids[keep]
    dup = live.duplicated(keep="first") & live.notna()
    if dup.any():
        first_row = live[~live.duplicated(keep="first")]
        first = pd.Series(first_row.index, index=first_row.to_numpy())
        where = f" in {source}" if source else ""
        d = live[dup]
        report.add_rows(
            layer,
            d.index,
            d.to_numpy(),
            field,
            "duplicate_id",
            "rejected",
            [
                f"duplicate {field} {v!r}{where}: row {first[v]} already has it; "
                "the first occurrence is kept — give each feature a unique id"
                for v in d.to_numpy()
            ],
        )
        pos = np.flatnonzero(keep)[dup.to_numpy()]
        keep[pos] = False
    return keep
