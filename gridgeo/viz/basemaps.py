"""Base maps of gridgeo maps and the coordinate system each one is drawn in.

==================  ==========================  ===================================
``tiles=``          tiles                       overlay coordinates
==================  ==========================  ===================================
``"OpenStreetMap"`` OpenStreetMap (default)     WGS 84 (EPSG:4326), unchanged
``"tianditu-vec"``  天地图 vector + annotation  CGCS2000 (EPSG:4490), drawn as
``"tianditu-img"``  天地图 imagery + annotation WGS 84 (they differ by < 1 m)
``"gaode"``         高德 road map               GCJ-02: every overlay vertex is
``"gaode-img"``     高德 imagery                shifted by ``wgs84_to_gcj02``
``None``            blank base, no network      WGS 84, unchanged
other string        folium / xyzservices name   WGS 84, unchanged
                    or a ``{z}/{x}/{y}`` URL
==================  ==========================  ===================================

Tianditu needs a key of the user (``tianditu_key=``, free from
https://console.tianditu.gov.cn); the annotation layer follows ``lang``. Gaode tiles
are in GCJ-02, so drawing WGS 84 data on them unshifted puts it hundreds of metres
off; gridgeo shifts the overlays, never the tiles. Tiles always come from the tile
server when the page is viewed, even in a map saved with ``offline=True``; use
``tiles=None`` (or a tile server on the intranet) where there is no internet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
import numpy as np

from gridgeo.errors import ValidationError

__all__ = ["BASEMAPS", "DEFAULT_MAX_ZOOM", "base_map", "overlay_shift"]

DEFAULT_MAX_ZOOM = 18

#: Leaflet only: what a gridgeo map needs (no jQuery, Bootstrap or icon fonts).
LEAFLET_JS = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
LEAFLET_CSS = [
    ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
]

_TDT = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
_GAODE = {
    "gaode": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
    "&style=8&x={x}&y={y}&z={z}",
    "gaode-img": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
}

#: Named base maps -> coordinate system of their tiles.
BASEMAPS: dict[str, str] = {
    "OpenStreetMap": "WGS84",
    "tianditu-vec": "CGCS2000",
    "tianditu-img": "CGCS2000",
    "gaode": "GCJ-02",
    "gaode-img": "GCJ-02",
}

Shift = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def overlay_shift(tiles: str | None) -> Shift | None:
    """Return the lon/lat transform overlays need on ``tiles`` (None: unchanged).

    Parameters
    ----------
    tiles
        A base map name (see :data:`BASEMAPS`) or None.

    Returns
    -------
    callable or None
        :func:`gridgeo.wgs84_to_gcj02` for Gaode tiles, else None.
    """
    if isinstance(tiles, str) and BASEMAPS.get(tiles) == "GCJ-02":
        from gridgeo.crs import wgs84_to_gcj02

        def shift(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            out = wgs84_to_gcj02(np.asarray(lon), np.asarray(lat))
            return np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)

        return shift
    return None


def _add_tiles(
    m: folium.Map, tiles: str, *, tianditu_key: str | None, lang: str, max_zoom: int
) -> None:
    if tiles.startswith("tianditu"):
        if not tianditu_key:
            msg = (
                f"tiles={tiles!r} needs a Tianditu key: pass tianditu_key='...' "
                "(free from https://console.tianditu.gov.cn), or use "
                "tiles='OpenStreetMap' or tiles=None."
            )
            raise ValidationError(msg)
        base = "vec" if tiles == "tianditu-vec" else "img"
        note = (
            ("cva" if base == "vec" else "cia")
            if lang == "zh"
            else ("eva" if base == "vec" else "eia")
        )
        attr = "&copy; 天地图 Tianditu"
        for layer, overlay in ((base, False), (note, True)):
            folium.TileLayer(
                _TDT.format(
                    layer=layer, key=tianditu_key, s="{s}", x="{x}", y="{y}", z="{z}"
                ),
                attr=attr,
                name=f"天地图 {layer}",
                overlay=overlay,
                control=overlay,
                subdomains="01234567",
                max_zoom=max_zoom,
                max_native_zoom=18,
            ).add_to(m)
    elif tiles in _GAODE:
        folium.TileLayer(
            _GAODE[tiles],
            attr="&copy; 高德地图 AutoNavi",
            name="高德 Gaode",
            subdomains="1234",
            max_zoom=max_zoom,
            max_native_zoom=18,
        ).add_to(m)
    else:
        folium.TileLayer(tiles, max_zoom=max_zoom, control=False).add_to(m)


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    tiles: str | None = "OpenStreetMap",
    tianditu_key: str | None = None,
    lang: str = "zh",
    max_zoom: int = DEFAULT_MAX_ZOOM,
    **map_kwargs: Any,
) -> folium.Map:
    """Create an empty folium map on ``tiles`` fitted to lon/lat ``bounds``.

    The map loads Leaflet only, renders vectors on a canvas (``preferCanvas``) and
    always sets ``maxZoom`` (folium's cluster layers fail without it).

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in the display coordinates.
    tiles
        Base map name (see the module docstring), tile URL, or None for no tiles.
    tianditu_key
        The user's Tianditu key; required for ``"tianditu-*"``.
    lang
        Language of the Tianditu annotation layer.
    max_zoom
        Highest zoom level of the map.
    **map_kwargs
        Passed to :class:`folium.Map`.

    Returns
    -------
    folium.Map
    """
    x0, y0, x1, y1 = (float(b) for b in bounds)
    map_kwargs.setdefault("control_scale", True)
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=10,
        tiles=None,
        max_zoom=max_zoom,
        prefer_canvas=True,
        maxZoom=max_zoom,
        **map_kwargs,
    )
    m.default_js = list(LEAFLET_JS)
    m.default_css = list(LEAFLET_CSS)
    if tiles is not None:
        _add_tiles(m, tiles, tianditu_key=tianditu_key, lang=lang, max_zoom=max_zoom)
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m
