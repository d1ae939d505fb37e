"""Drawing helpers shared by :func:`plan_map` and :func:`coverage_map`."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgeo.viz._layers import DataLayer, encode_points, encode_polygons
from gridgeo.viz.basemaps import Shift
from gridgeo.viz.privacy import MIN_HOUSEHOLDS, hex_cells, hex_polygons

__all__ = ["Display", "table_html"]


def table_html(rows: Sequence[tuple[str, Any]], *, title: str | None = None) -> str:
    """Escaped HTML table of ``(label, value)`` rows (numbers formatted)."""
    out = [f"<b>{html.escape(title)}</b>"] if title else []
    out.append("<table>")
    for label, value in rows:
        if isinstance(value, float | np.floating):
            text = "–" if not np.isfinite(value) else f"{value:,.2f}"
        elif isinstance(value, int | np.integer):
            text = f"{int(value):,}"
        else:
            text = str(value)
        out.append(
            f"<tr><td>{html.escape(label)}</td><td>{html.escape(text)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


@dataclass
class Display:
    """How metric geometries become lon/lat on the page.

    Attributes
    ----------
    crs
        The metric CRS of the inputs.
    shift
        Extra lon/lat transform for the base map (GCJ-02), or None.
    simplify
        Simplification tolerance in metres (0: none).
    precision
        Decimal places of written coordinates.
    """

    crs: pyproj.CRS
    shift: Shift | None
    simplify: float
    precision: int

    def polygons(self, geoms: gpd.GeoSeries, *, coverage: bool = True) -> np.ndarray:
        """Simplify (keeping shared edges when ``coverage``) and project to lon/lat."""
        arr = np.asarray(geoms.values, dtype=object)
        if self.simplify > 0 and len(arr):
            simplified = None
            if coverage:
                try:
                    simplified = shapely.coverage_simplify(arr, self.simplify)
                except shapely.errors.GEOSException:
                    simplified = None
            if simplified is None or shapely.is_empty(simplified).any():
                simplified = shapely.simplify(
                    arr, self.simplify, preserve_topology=True
                )
            arr = simplified
        out = gpd.GeoSeries(arr, crs=self.crs).to_crs(4326).values
        return np.asarray(out, dtype=object)

    def points_lonlat(self, geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat arrays of point geometries (before the base-map shift)."""
        x, y = shapely.get_x(geoms.values), shapely.get_y(geoms.values)
        tr = pyproj.Transformer.from_crs(self.crs, 4326, always_xy=True)
        lon, lat = tr.transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def encode_polygons(self, geoms: np.ndarray) -> dict[str, Any]:
        """Encode lon/lat polygons with this display's shift and precision."""
        return encode_polygons(geoms, precision=self.precision, shift=self.shift)

    def encode_points(self, lon: np.ndarray, lat: np.ndarray) -> dict[str, Any]:
        """Encode lon/lat points with this display's shift and precision."""
        return encode_points(lon, lat, precision=self.precision, shift=self.shift)

    def add_polygons(
        self,
        m: folium.Map,
        geoms: gpd.GeoSeries,
        *,
        name: str,
        style: dict[str, Any],
        tips: list[str] | None = None,
        popups: list[str] | None = None,
        labels: tuple[gpd.GeoSeries, list[str]] | None = None,
        show: bool = True,
        coverage: bool = True,
    ) -> np.ndarray:
        """Add a polygon layer; returns the lon/lat geometries drawn."""
        lonlat = self.polygons(geoms, coverage=coverage)
        options = dict(style)
        if tips is not None:
            options["tip"] = tips
        if popups is not None:
            options["popup"] = popups
        if labels is not None:
            at, text = labels
            lon, lat = self.points_lonlat(at)
            options["labels"] = {"at": self.encode_points(lon, lat), "text": text}
        DataLayer(
            "polygons", self.encode_polygons(lonlat), options, name=name, show=show
        ).add_to(m)
        return lonlat

    def add_hexbins(
        self,
        m: folium.Map,
        points: gpd.GeoSeries,
        size: float,
        *,
        name: str,
        unit: str,
        flag: np.ndarray | None = None,
        flag_label: str = "",
        weights: np.ndarray | None = None,
        show: bool = True,
        min_households: int = MIN_HOUSEHOLDS,
        hidden_label: str = "{n:,} households not drawn",
    ) -> list[tuple[str, str]]:
        """Add hexagons of household counts (or of the share flagged); legend rows.

        Hexagons of fewer than ``min_households`` households are left out and
        counted in a last legend row (``hidden_label`` formatted with ``n``, the
        households left out, and ``k``, the threshold).
        """
        from gridgeo.viz.colouring import classify

        x, y = shapely.get_x(points.values), shapely.get_y(points.values)
        cells, inverse = hex_cells(x, y, size)  # one binning for every sum below
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
        totals = np.bincount(inverse, weights=w, minlength=len(cells))
        homes = np.bincount(inverse, minlength=len(cells))
        shown = homes >= min_households
        hidden = int(homes[~shown].sum())
        note = hidden_label.format(n=hidden, k=min_households)
        if not shown.any():  # nothing dense enough to draw
            return [("transparent", html.escape(note))]
        if flag is not None:
            flagged = np.bincount(
                inverse, weights=w * np.asarray(flag, bool), minlength=len(cells)
            )
            share = np.divide(
                flagged, totals, out=np.zeros_like(totals), where=totals > 0
            )[shown]
            fills, rows = classify(
                pd.Series(share), scheme="equalinterval", k=5, fmt="{:.0%}"
            )
            tail = f" · {html.escape(flag_label)} "
            tips = [
                f"{t:,.0f} {html.escape(unit)}{tail}{s:.0%}"
                for t, s in zip(totals[shown].tolist(), share.tolist(), strict=True)
            ]
        else:
            fills, rows = classify(
                pd.Series(totals[shown]), scheme="quantiles", k=5, fmt="{:,.0f}"
            )
            unit_html = html.escape(unit)
            tips = [f"{t:,.0f} {unit_html}" for t in totals[shown].tolist()]
        if hidden:
            rows = [*rows, ("transparent", html.escape(note))]
        hexes = hex_polygons(cells[shown], size)
        lonlat = gpd.GeoSeries(hexes, crs=self.crs).to_crs(4326).values
        DataLayer(
            "polygons",
            self.encode_polygons(np.asarray(lonlat, dtype=object)),
            {
                "fill": fills,
                "color": "#666",
                "weight": 0.3,
                # plain density stays light so the grid colours read through
                "fillOpacity": 0.55 if flag is not None else 0.35,
                "tip": tips,
            },
            name=name,
            show=show,
        ).add_to(m)
        return rows

    def add_dots(
        self,
        m: folium.Map,
        points: gpd.GeoDataFrame,
        *,
        name: str,
        colors: list[str],
        classes: np.ndarray | None = None,
        fields: Sequence[str] = (),
        max_zoom: int = 18,
        show: bool = True,
    ) -> None:
        """Add exact points drawn on canvas tiles (``classes`` index ``colors``)."""
        order = np.argsort(points.geometry.hilbert_distance().to_numpy(), kind="stable")
        pts = points.iloc[order]
        lon, lat = self.points_lonlat(pts.geometry)
        options: dict[str, Any] = {"colors": colors, "radius": 1.5, "maxZoom": max_zoom}
        if classes is not None:
            codes = np.asarray(classes, dtype=np.uint8)[order] + 48
            options["cls"] = codes.tobytes().decode("ascii")
        if fields:
            options["popup"] = {
                "fields": list(fields),
                "values": [pts[f].astype(str).tolist() for f in fields],
            }
        DataLayer(
            "dots", self.encode_points(lon, lat), options, name=name, show=show
        ).add_to(m)
