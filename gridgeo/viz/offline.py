"""``save_map``: write a folium map as HTML, self-contained for offline use.

With ``offline=True`` Leaflet (and Leaflet.markercluster when the map uses it) are
inlined from the ``xstatic-leaflet`` / ``xstatic-leaflet-markercluster`` packages
(BSD-2-Clause / MIT; installed from PyPI, never copied into gridgeo), the images
their CSS refers to become ``data:`` URIs, and folium's default jQuery, Bootstrap
and icon-font links are dropped when the page does not use them. Tiles of a base
map are still fetched from their server when the page is viewed.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import folium

from gridgeo.errors import ValidationError

__all__ = ["save_map", "to_html"]

_SCRIPT = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_CSS_URL = re.compile(r"url\((?:images/)?([\w.-]+\.png)\)")
# folium defaults a gridgeo map does not need -> what in a page would need them
_DROPPABLE = {
    "jquery": ("$(", "jQuery"),
    "bootstrap": ("bootstrap.",),
    "awesome-markers": ("AwesomeMarkers",),
    "awesome_markers": ("AwesomeMarkers",),
    "fontawesome": ("fa fa-", "fa-solid", "glyphicon"),
    "glyphicons": ("glyphicon",),
    "leaflet.awesome.rotate": ("AwesomeMarkers",),
}


def _xstatic_file(url: str) -> Path | None:
    name = url.rsplit("/", 1)[-1]
    if "markercluster" in url.lower():
        import xstatic.pkg.leaflet_markercluster as pkg
    elif re.search(r"/leaflet(@[\d.]+)?/dist/", url) or name in (
        "leaflet.js",
        "leaflet.css",
    ):
        import xstatic.pkg.leaflet as pkg
    else:
        return None
    path = Path(pkg.BASE_DIR) / name
    return path if path.is_file() else None


def _inline_css(path: Path) -> str:
    css = path.read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        img = path.parent / "images" / match.group(1)
        if not img.is_file():
            img = path.parent / match.group(1)
        if not img.is_file():
            return match.group(0)
        b64 = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    return _CSS_URL.sub(data_uri, css)


def _body_uses(page: str, url: str) -> bool | None:
    low = url.lower()
    for key, needles in _DROPPABLE.items():
        if key in low:
            return any(n in page for n in needles)
    return None


def to_html(m: folium.Map, *, offline: bool = True) -> str:
    """Render ``m`` to an HTML string (see :func:`save_map`)."""
    page = m.get_root().render()
    if not offline:
        return page
    # what the page itself runs, without the resource tags
    body = _LINK.sub("", _SCRIPT.sub("", page))
    problems: list[str] = []

    def script(match: re.Match[str]) -> str:
        url = match.group(1)
        path = _xstatic_file(url)
        if path is not None:
            js = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
            return f"<script>{js}</script>"
        used = _body_uses(body, url)
        if used is False:
            return ""
        problems.append(url)
        return match.group(0)

    def link(match: re.Match[str]) -> str:
        url = match.group(1)
        path = _xstatic_file(url)
        if path is not None:
            return f"<style>{_inline_css(path)}</style>"
        used = _body_uses(body, url)
        if used is False:
            return ""
        problems.append(url)
        return match.group(0)

    page = _LINK.sub(link, _SCRIPT.sub(script, page))
    if problems:
        msg = (
            "offline=True cannot inline these resources (no PyPI package ships them "
            f"to gridgeo): {problems}. Remove the plugins that need them or save with "
            "offline=False."
        )
        raise ValidationError(msg)
    return page


def save_map(
    m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True
) -> Path:
    """Write a folium map to an HTML file that opens without internet.

    Parameters
    ----------
    m
        A map from :func:`gridgeo.plan_map` / :func:`gridgeo.coverage_map` or any
        folium map.
    path
        Output ``.html`` file.
    offline
        Inline Leaflet JavaScript and CSS (from the ``xstatic-leaflet`` packages) and
        drop unused CDN links, so that the page references no external script or
        stylesheet. Base-map tiles still come from their tile server; use
        ``tiles=None`` where there is no network at all.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    gridgeo.errors.ValidationError
        With ``offline=True``, when the map needs an external script or stylesheet
        gridgeo cannot inline (e.g. a folium plugin loaded from a CDN).

    Examples
    --------
    >>> import gridgeo as gg
    >>> county = gg.datasets.sample_county()
    >>> plan = gg.partition(county, n_grids=8, respect=None, seed=0)
    >>> gg.save_map(gg.plan_map(plan, tiles=None), "plan.html")  # doctest: +SKIP
    PosixPath('plan.html')
    """
    out = Path(path)
    out.write_text(to_html(m, offline=offline), encoding="utf-8")
    return out
