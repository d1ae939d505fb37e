"""Folium elements that draw compact, escaped data through gridgeo's JS runtime."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from jinja2 import Template

from gridgeo.viz._js import RUNTIME_CSS, RUNTIME_JS

__all__ = [
    "DataLayer",
    "Legend",
    "add_runtime",
    "encode_points",
    "encode_polygons",
    "safe_json",
]

Shift = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_JS_UNSAFE = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def safe_json(obj: Any) -> str:
    r"""Dump ``obj`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\uXXXX`` escapes so that no string can
    close the script element (``</script>``) or open a comment.
    """
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(
        _JS_UNSAFE
    )


def _quantise(xy: np.ndarray, precision: int) -> tuple[list[float], int, list[int]]:
    scale = 10**precision
    q = np.rint(xy * scale).astype(np.int64)
    if len(q) == 0:
        return [0.0, 0.0], scale, []
    origin = q[0].copy()
    d = np.diff(q, axis=0, prepend=origin[None, :])
    return (
        [float(origin[0]) / scale, float(origin[1]) / scale],
        scale,
        d.ravel().tolist(),
    )


def encode_polygons(
    geoms: np.ndarray | Sequence[Any], *, precision: int = 5, shift: Shift | None = None
) -> dict[str, Any]:
    """Encode lon/lat (Multi)Polygons as quantised, delta-encoded ragged arrays.

    Parameters
    ----------
    geoms
        Polygons or MultiPolygons in EPSG:4326, none empty.
    precision
        Decimal places kept (5 ≈ 1 m).
    shift
        Optional ``(lon, lat) -> (lon, lat)`` applied to every vertex (GCJ-02).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return {"o": [0, 0], "s": 10**precision, "c": [], "r": [0], "p": [0], "g": [0]}
    _, xy, offsets = shapely.to_ragged_array(shapely.force_2d(geoms))
    if len(offsets) == 2:  # all Polygons: one part per geometry
        offsets = (*offsets, np.arange(len(geoms) + 1))
    rings, polys, multi = offsets
    if shift is not None:
        lon, lat = shift(xy[:, 0], xy[:, 1])
        xy = np.column_stack([lon, lat])
    origin, scale, deltas = _quantise(xy, precision)
    return {
        "o": origin,
        "s": scale,
        "c": deltas,
        "r": rings.tolist(),
        "p": polys.tolist(),
        "g": multi.tolist(),
    }


def encode_points(
    lon: np.ndarray, lat: np.ndarray, *, precision: int = 5, shift: Shift | None = None
) -> dict[str, Any]:
    """Encode lon/lat points like :func:`encode_polygons` (one pair per point)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if shift is not None and len(lon):
        lon, lat = shift(lon, lat)
    origin, scale, deltas = _quantise(np.column_stack([lon, lat]), precision)
    return {"o": origin, "s": scale, "c": deltas}


class _Runtime(MacroElement):
    """Inline gridgeo's JS runtime and CSS once in the page header."""

    _template = Template(
        "{% macro header(this, kwargs) %}"
        "<style>{{ this.css }}</style><script>{{ this.js }}</script>"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "gridgeo_runtime"
        self.css = RUNTIME_CSS
        self.js = RUNTIME_JS

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        figure.header.add_child(
            Element(self._template.module.header(self, kwargs)), name="gridgeo_runtime"
        )


def add_runtime(m: Any) -> None:
    """Attach the runtime to map ``m`` (idempotent: one copy per page)."""
    if not any(isinstance(c, _Runtime) for c in m._children.values()):
        m.add_child(_Runtime(), name="gridgeo_runtime")


class DataLayer(Layer):
    """A toggleable overlay drawn by ``gridgeo.<kind>(data, options)`` in the page.

    Parameters
    ----------
    kind
        ``"polygons"``, ``"markers"`` or ``"dots"``.
    data
        Encoded geometry (:func:`encode_polygons` / :func:`encode_points`).
    options
        Style and (already escaped) tooltip / popup HTML strings, JSON-serialisable.
    name
        Layer name shown in the layer control (escaped here).
    show
        Whether the layer is on when the page opens.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = gridgeo.{{ this.kind }}("
        "{{ this.data_js }}, {{ this.options_js }});"
        "{% endmacro %}"
    )

    def __init__(
        self,
        kind: str,
        data: dict[str, Any],
        options: dict[str, Any],
        *,
        name: str,
        show: bool = True,
    ) -> None:
        import html

        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "GridgeoLayer"
        self.kind = kind
        self.data_js = safe_json(data)
        self.options_js = safe_json(options)


class Legend(MacroElement):
    """A legend box; ``html`` must already be escaped (see ``plan_map._legend``)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "gridgeo.legend({{ this._parent.get_name() }}, {{ this.html_js }}, "
        "{{ this.position_js }});"
        "{% endmacro %}"
    )

    def __init__(self, html: str, *, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "GridgeoLegend"
        self.html_js = safe_json(html)
        self.position_js = safe_json(position)
