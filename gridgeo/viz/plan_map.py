"""``plan_map``: a grid plan on a folium map, and the page composer it shares."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from gridgeo._columns import GRID_ID, HOUSEHOLDS, TOWN_ID, TOWN_NAME, VILLAGE_ID
from gridgeo._columns import VILLAGE_NAME as NAME
from gridgeo.errors import ValidationError
from gridgeo.viz._draw import Display, table_html
from gridgeo.viz._layers import Legend, add_runtime
from gridgeo.viz.basemaps import DEFAULT_MAX_ZOOM, base_map, overlay_shift
from gridgeo.viz.colouring import (
    GREENS,
    SEQUENTIAL,
    categorical_colours,
    classify,
    colour_grids,
)
from gridgeo.viz.i18n import labels
from gridgeo.viz.privacy import auto_hex_size, check_household_fields

__all__ = ["HOUSEHOLDS_PER_SPECIALIST", "plan_map"]

#: Households one rural-finance specialist visits per quarter (≈200 a month).
HOUSEHOLDS_PER_SPECIALIST = 600
_HOUSEHOLD_MODES = ("hexbin", "points", None)
_STATUS_COLOURS = ["#1a9850", "#d73027"]  # visited / covered, not


def plan_map(
    plan: Any,
    *,
    m: folium.Map | None = None,
    column: str | pd.Series | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    tiles: str | None = "OpenStreetMap",
    tianditu_key: str | None = None,
    lang: str = "zh",
    households: str | None = "hexbin",
    visited: str | pd.Series | None = None,
    household_fields: Sequence[str] | None = None,
    exact_households: bool = False,
    hex_size: float | None = None,
    simplify: float = 10.0,
    precision: int = 5,
    max_zoom: int = DEFAULT_MAX_ZOOM,
) -> folium.Map:
    """Draw a grid plan on an interactive folium map.

    Layers (each can be toggled): grids coloured so that no two neighbouring grids
    share a colour, labelled with their id, with tooltips and popups of each grid's
    figures (households, villages, area, travel burden, staff needed, coverage);
    village boundaries; township borders; service points; households aggregated to
    hexagons (or, when asked, exact points). A legend explains the colours.

    Geometry is simplified for display (``shapely.coverage_simplify`` keeps shared
    borders shared), projected to EPSG:4326 (and shifted to GCJ-02 on Gaode tiles,
    see :mod:`gridgeo.viz.basemaps`) and written with ``precision`` decimals.

    Privacy: no household name, id, phone, ID-card, account value or exact location
    is written unless ``exact_households=True`` (exact points) and
    ``household_fields`` (columns shown in each point's popup) say so.

    Parameters
    ----------
    plan
        A :class:`gridgeo.Plan`.
    m
        Draw on this existing folium map instead of a new one; its base map is
        kept (``tiles`` then only decides the overlay shift: name the map's tiles,
        e.g. ``"gaode"``, so the overlays line up).
    column
        Colour grids by this value instead of by neighbour colouring: a column of
        ``plan.grids`` or a Series indexed by ``grid_id`` (e.g. KPI scores), classed
        with mapclassify (``scheme``, ``k`` classes) and drawn with a classed legend.
    scheme, k
        mapclassify scheme and number of classes for ``column``.
    tiles
        ``"OpenStreetMap"`` (default), ``"tianditu-vec"``, ``"tianditu-img"``,
        ``"gaode"``, ``"gaode-img"``, any folium tile name or URL, or None (blank).
    tianditu_key
        Your Tianditu key (required for Tianditu tiles).
    lang
        ``"zh"`` or ``"en"``: labels, legend and tooltips.
    households
        ``"hexbin"`` (default; households per hexagon, or the share not visited
        with ``visited``), ``"points"`` (one dot per household, requires
        ``exact_households=True``; drawn on canvas, 150,000 points load in about a
        second) or None (no household layer).
    visited
        Visit status: a boolean column of ``plan.households`` or a boolean Series
        indexed by ``household_id`` (True = visited this quarter).
    household_fields
        Household columns shown in a point's popup (needs ``exact_households``).
    exact_households
        Allow exact household locations in the page.
    hex_size
        Hexagon circumradius in metres (default: about 4,000 hexagons over the
        county, fewer for small counties: at least ~25 households per hexagon).
    simplify
        Display simplification tolerance in metres (0 keeps every vertex).
    precision
        Decimal places of coordinates (5 ≈ 1 m).
    max_zoom
        Highest zoom level (always set, even with ``tiles=None``).

    Returns
    -------
    folium.Map
        Show it in Jupyter, or save it with :func:`gridgeo.save_map`.

    Raises
    ------
    gridgeo.errors.ValidationError
        Unknown ``lang`` / ``households`` / ``column``, ``household_fields`` without
        ``exact_households``, or a Tianditu base map without a key.

    See Also
    --------
    gridgeo.coverage_map : service points, service areas and uncovered households.
    gridgeo.save_map : write the map as a self-contained (offline) HTML page.

    Examples
    --------
    >>> import gridgeo as gg
    >>> county = gg.datasets.sample_county()
    >>> plan = gg.partition(county, n_grids=8, respect=None, seed=0)
    >>> m = gg.plan_map(plan, lang="en", tiles=None)  # doctest: +SKIP
    >>> gg.save_map(m, "plan.html")  # doctest: +SKIP
    """
    return compose(
        plan,
        m=m,
        column=column,
        scheme=scheme,
        k=k,
        tiles=tiles,
        tianditu_key=tianditu_key,
        lang=lang,
        households=households,
        visited=visited,
        household_fields=household_fields,
        exact_households=exact_households,
        hex_size=hex_size,
        simplify=simplify,
        precision=precision,
        max_zoom=max_zoom,
    )


def _grid_figures(
    plan: Any, coverage_share: pd.Series | None
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """Grids with the figures shown in popups, and (column, label key) pairs."""
    grids = plan.grids.copy()
    if "n_villages" not in grids and VILLAGE_ID in plan.units:
        per = plan.units.groupby(GRID_ID)[VILLAGE_ID].nunique()
        grids["n_villages"] = grids[GRID_ID].map(per).fillna(0).astype(int)
    if "area_km2" not in grids:
        grids["area_km2"] = grids.geometry.area / 1e6
    if _weight_name(plan) == HOUSEHOLDS:  # staffing counts households only
        grids["staff"] = np.ceil(
            grids[HOUSEHOLDS].to_numpy(float) / HOUSEHOLDS_PER_SPECIALIST
        ).astype(int)
    if coverage_share is not None:
        grids["coverage"] = grids[GRID_ID].map(coverage_share).astype(float)
    keys = [
        (HOUSEHOLDS, "households"),
        ("n_villages", "n_villages"),
        ("area_km2", "area_km2"),
        ("travel_km", "travel_km"),
        ("staff", "staff"),
        ("coverage", "coverage"),
    ]
    return grids, [(c, key) for c, key in keys if c in grids]


def _weight_name(plan: Any) -> str:
    """Return what a plan's grids were balanced on (``households`` for a County)."""
    params = getattr(plan, "params", None) or {}
    return str(params.get("weight") or HOUSEHOLDS)


def _fmt_rows(row: pd.Series, cols: list[tuple[str, str]], tr: dict[str, str]) -> list:
    out: list[tuple[str, Any]] = []
    for col, key in cols:
        value = row[col]
        if key == "coverage" and pd.notna(value):
            value = f"{float(value):.0%}"
        out.append((tr[key], value))
    return out


def _villages(plan: Any) -> gpd.GeoDataFrame:
    county = getattr(plan, "county", None)
    if county is not None:
        v = county.villages.copy()
    else:
        agg = {HOUSEHOLDS: "sum"}
        agg.update({c: "first" for c in (NAME, TOWN_ID) if c in plan.units})
        v = plan.units.dissolve(by=VILLAGE_ID, aggfunc=agg).reset_index()
    grid_of = plan.units.sort_values(HOUSEHOLDS).groupby(VILLAGE_ID)[GRID_ID].last()
    v[GRID_ID] = v[VILLAGE_ID].map(grid_of)
    return v


def _towns(plan: Any) -> gpd.GeoDataFrame:
    county = getattr(plan, "county", None)
    if county is not None:
        return county.towns
    return plan.units.dissolve(by=TOWN_ID).reset_index()


def _legend_html(
    title: str, sections: list[tuple[str, list[tuple[str, str, str]]]]
) -> str:
    """Legend from (escaped heading, [(css class, colour, escaped label)]) sections."""
    out = [f"<b>{html.escape(title)}</b>"]
    for heading, rows in sections:
        if heading:
            out.append(f"<div><u>{heading}</u></div>")
        for cls, colour, label in rows:
            prop = "border-color" if cls == "gg-line" else "background"
            marks = "".join(
                f'<i class="{cls}" style="{prop}:{c}"></i>' for c in colour.split()
            )
            out.append(f"<div>{marks}{label}</div>")
    return "".join(out)


def _status(frame: gpd.GeoDataFrame, visited: str | pd.Series) -> np.ndarray:
    if isinstance(visited, str):
        if visited not in frame:
            msg = f"visited={visited!r} is not a column of the household table."
            raise ValidationError(msg)
        values = frame[visited]
    else:
        values = frame["household_id"].map(visited)
    return values.fillna(False).astype(bool).to_numpy()


def compose(
    plan: Any,
    *,
    column: str | pd.Series | None,
    scheme: str,
    k: int,
    tiles: str | None,
    tianditu_key: str | None,
    lang: str,
    households: str | None,
    visited: str | pd.Series | None,
    household_fields: Sequence[str] | None,
    exact_households: bool,
    hex_size: float | None,
    simplify: float,
    precision: int,
    max_zoom: int,
    coverage_share: pd.Series | None = None,
    service_points: gpd.GeoDataFrame | None = None,
    service_areas: gpd.GeoDataFrame | None = None,
    demand: gpd.GeoDataFrame | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Build the page; ``demand`` (coverage) has ``covered`` and ``weight`` columns."""
    tr = labels(lang)
    weight = _weight_name(plan)
    if weight != HOUSEHOLDS:  # precincts by population, towns by any weight
        tr = {**tr, "households": weight, "hh_unit": weight}
    if households not in _HOUSEHOLD_MODES:
        msg = f"'households' must be one of {_HOUSEHOLD_MODES}; {households!r} given."
        raise ValidationError(msg)
    hh = plan.households if demand is None else demand
    fields = check_household_fields(
        hh, household_fields, exact_households=exact_households
    )
    if households == "points" and not exact_households:
        msg = (
            "households='points' writes each household's exact location into the "
            "page; pass exact_households=True to allow it, or use households='hexbin'."
        )
        raise ValidationError(msg)
    grids, fig_cols = _grid_figures(plan, coverage_share)
    shift = overlay_shift(tiles)
    disp = Display(crs=grids.crs, shift=shift, simplify=simplify, precision=precision)
    x0, y0, x1, y1 = grids.to_crs(4326).total_bounds
    if shift is not None:
        (x0, x1), (y0, y1) = shift(np.array([x0, x1]), np.array([y0, y1]))
    if m is None:
        m = base_map(
            (x0, y0, x1, y1),
            tiles=tiles,
            tianditu_key=tianditu_key,
            lang=lang,
            max_zoom=max_zoom,
        )
    else:
        m.fit_bounds([[y0, x0], [y1, x1]])
    add_runtime(m)
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []

    # grids: neighbour colouring or a classed choropleth
    if column is None:
        fills = categorical_colours(colour_grids(grids.geometry))
        swatches = sorted(set(fills), key=fills.index)
        sections.append(
            (
                "",
                [
                    (
                        "",
                        " ".join(swatches),
                        html.escape(f"{tr['grids']} ({len(grids)})"),
                    )
                ],
            )
        )
    else:
        if isinstance(column, str):
            if column not in grids:
                msg = (
                    f"column={column!r} is not a grid column; choose from "
                    f"{sorted(c for c in grids.columns if c != 'geometry')}."
                )
                raise ValidationError(msg)
            values, title = grids[column], column
        else:
            values = grids[GRID_ID].map(column)
            title = str(column.name or "value")
        fmt = "{:.0%}" if title == "coverage" else "{:,.2f}"
        palette = GREENS if title == "coverage" else SEQUENTIAL  # good = green
        fills, rows = classify(values, scheme=scheme, k=k, fmt=fmt, palette=palette)
        if title in ("coverage",):
            title = tr["coverage"]
        sections.append((html.escape(title), [("", c, lab) for c, lab in rows]))
    grid_rows = [_fmt_rows(r, fig_cols, tr) for _, r in grids.iterrows()]
    grid_title = [f"{tr['grid']} {int(g)}" for g in grids[GRID_ID]]
    disp.add_polygons(
        m,
        grids.geometry,
        name=tr["grids"],
        style={"fill": fills, "color": "#333", "weight": 1.5, "fillOpacity": 0.6},
        tips=[
            html.escape(f"{t} · {int(h):,} {tr['hh_unit']}")
            for t, h in zip(grid_title, grids[HOUSEHOLDS], strict=True)
        ],
        popups=[
            table_html(r, title=t) for r, t in zip(grid_rows, grid_title, strict=True)
        ],
        labels=(
            grids.geometry.representative_point(),
            [str(int(g)) for g in grids[GRID_ID]],
        ),
    )

    # villages: hover for the name, click for the village and its grid's figures
    villages = _villages(plan)
    popup_of_grid = dict(zip(grids[GRID_ID].tolist(), grid_rows, strict=True))
    v_names = (villages[NAME] if NAME in villages else villages[VILLAGE_ID]).astype(str)
    v_tips, v_pops = [], []
    for name, vh, g in zip(
        v_names, villages[HOUSEHOLDS], villages[GRID_ID], strict=True
    ):
        v_tips.append(html.escape(f"{name} · {int(vh):,} {tr['hh_unit']}"))
        rows = [(tr["village"], name), (tr["households"], int(vh))]
        if pd.notna(g):
            rows += [(tr["grid"], int(g)), *popup_of_grid.get(int(g), [])]
        v_pops.append(table_html(rows))
    disp.add_polygons(
        m,
        villages.geometry,
        name=tr["villages"],
        style={
            "fill": ["#ffffff"] * len(villages),
            "color": "#666",
            "weight": 0.6,
            "fillOpacity": 0.0,
        },
        tips=v_tips,
        popups=v_pops,
    )

    towns = _towns(plan)
    t_names = (towns[TOWN_NAME] if TOWN_NAME in towns else towns[TOWN_ID]).astype(str)
    disp.add_polygons(
        m,
        towns.geometry,
        name=tr["towns"],
        style={"color": "#222", "weight": 2.5, "dash": "6 4"},
        tips=[html.escape(f"{tr['town']} {t}") for t in t_names],
    )
    sections.append(
        (
            "",
            [
                ("gg-line", "#666", html.escape(tr["villages"])),
                ("gg-line", "#222", html.escape(tr["towns"])),
            ],
        )
    )

    if service_areas is not None and len(service_areas):
        disp.add_polygons(
            m,
            service_areas.geometry.buffer(0),
            name=tr["service_areas"],
            style={
                "fill": ["#4575b4"] * len(service_areas),
                "color": "#4575b4",
                "weight": 1,
                "fillOpacity": 0.12,
            },
            tips=[html.escape(f"{tr['site']} {s}") for s in service_areas["site_id"]]
            if "site_id" in service_areas
            else None,
            coverage=False,
        )
        sections.append(("", [("", "#c6d4ea", html.escape(tr["service_areas"]))]))
    if service_points is None and getattr(plan, "county", None) is not None:
        service_points = plan.county.service_points
    if service_points is not None and len(service_points):
        sp = service_points.to_crs(grids.crs)
        lon, lat = disp.points_lonlat(sp.geometry)
        ids = (
            sp["site_id"].astype(str)
            if "site_id" in sp
            else pd.Series([str(i) for i in range(len(sp))])
        )
        names = sp[NAME].astype(str) if NAME in sp else ids
        from gridgeo.viz._layers import DataLayer

        DataLayer(
            "markers",
            disp.encode_points(lon, lat),
            {
                "radius": 6,
                "color": "#08306b",
                "fillColor": "#6baed6",
                "tip": [html.escape(f"{tr['site']} {n}") for n in names],
            },
            name=tr["service_points"],
        ).add_to(m)
        sections.append(
            ("", [("gg-dot", "#6baed6", html.escape(tr["service_points"]))])
        )

    if households is not None and len(hh):
        flag = None
        flag_label = ""
        if demand is not None:
            flag = ~demand["covered"].to_numpy(bool)
            flag_label = tr["uncovered"]
            layer_name = tr["uncovered"]
        elif visited is not None:
            flag = ~_status(hh, visited)
            flag_label = tr["not_visited"]
            layer_name = tr["not_visited"]
        else:
            layer_name = tr["household_layer"]
        if households == "hexbin":
            size = hex_size or auto_hex_size(
                tuple(grids.total_bounds), n_points=len(hh)
            )
            weights = (
                demand["weight"].to_numpy(float)
                if demand is not None and ("weight" in demand)
                else None
            )
            rows = disp.add_hexbins(
                m,
                hh.geometry,
                size,
                name=layer_name,
                unit=tr["hh_unit"],
                flag=flag,
                flag_label=flag_label,
                weights=weights,
                hidden_label=tr["hidden"],
            )
            heading = (
                tr["share_uncovered"]
                if demand is not None
                else tr["share_not_visited"]
                if flag is not None
                else tr["density"]
            )
            sections.append((html.escape(heading), [("", c, lab) for c, lab in rows]))
        else:
            classes = None if flag is None else flag.astype(int)
            colours = _STATUS_COLOURS if flag is not None else ["#08519c"]
            disp.add_dots(
                m,
                hh,
                name=layer_name,
                colors=colours,
                classes=classes,
                fields=fields,
                max_zoom=max_zoom,
            )
            if flag is not None:
                good = tr["covered"] if demand is not None else tr["visited"]
                sections.append(
                    (
                        "",
                        [
                            ("gg-dot", _STATUS_COLOURS[0], html.escape(good)),
                            ("gg-dot", _STATUS_COLOURS[1], html.escape(flag_label)),
                        ],
                    )
                )
            else:
                sections.append(
                    ("", [("gg-dot", "#08519c", html.escape(tr["household_points"]))])
                )

    m.add_child(Legend(_legend_html(tr["legend"], sections)))
    folium.LayerControl(collapsed=False).add_to(m)
    return m
