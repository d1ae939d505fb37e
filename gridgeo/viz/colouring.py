"""Colours of grids: graph colouring of neighbours and classed choropleths."""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gridgeo.errors import ValidationError

__all__ = [
    "CATEGORICAL",
    "GREENS",
    "SEQUENTIAL",
    "categorical_colours",
    "classify",
    "colour_grids",
    "grid_adjacency",
]

#: Qualitative palette for neighbouring grids (ColorBrewer Set3-like, pale enough
#: for labels to read on top).
CATEGORICAL = [
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
]  # fmt: skip
#: Sequential palette (yellow -> red) for classed values.
SEQUENTIAL = [
    "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
    "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
]  # fmt: skip
#: Sequential palette (pale -> dark green) for "more is better" values (coverage).
GREENS = [
    "#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476",
    "#41ab5d", "#238b45", "#006d2c", "#00441b",
]  # fmt: skip


def grid_adjacency(geoms: gpd.GeoSeries, *, tolerance: float = 1.0) -> nx.Graph:
    """Graph of geometries that touch or lie within ``tolerance`` of each other.

    Parameters
    ----------
    geoms
        Grid polygons in a metric CRS (positional order = node ids 0..n-1).
    tolerance
        Gap in CRS units (metres) still counted as a shared border, so that
        slivers left by digitising do not hide a neighbour.

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1``, an edge between each pair of neighbours.
    """
    arr = np.asarray(geoms.values, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="dwithin", distance=tolerance)
    keep = left < right
    graph = nx.Graph()
    graph.add_nodes_from(range(len(arr)))
    graph.add_edges_from(zip(left[keep].tolist(), right[keep].tolist(), strict=True))
    return graph


def colour_grids(geoms: gpd.GeoSeries, *, tolerance: float = 1.0) -> np.ndarray:
    """Colour index per grid such that no two neighbouring grids share one.

    Uses :func:`networkx.greedy_color` (DSATUR) on :func:`grid_adjacency`; the
    result is deterministic for the same geometries.

    Parameters
    ----------
    geoms
        Grid polygons in a metric CRS.
    tolerance
        See :func:`grid_adjacency`.

    Returns
    -------
    numpy.ndarray
        int colour index per grid, ``0..k-1`` (k is usually 4-6).
    """
    graph = grid_adjacency(geoms, tolerance=tolerance)
    colours = nx.greedy_color(graph, strategy="DSATUR")
    return np.array([colours[i] for i in range(len(geoms))], dtype=int)


def categorical_colours(index: np.ndarray) -> list[str]:
    """Hex colours for colour indices (palette repeats only beyond 12 colours)."""
    return [CATEGORICAL[int(i) % len(CATEGORICAL)] for i in index]


def classify(
    values: pd.Series,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    fmt: str = "{:,.2f}",
    palette: Sequence[str] = SEQUENTIAL,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Class ``values`` with mapclassify and return colours and legend rows.

    Parameters
    ----------
    values
        Numbers per grid; NaN is drawn grey and listed as "no data".
    scheme
        A mapclassify scheme name (``"quantiles"``, ``"equalinterval"``,
        ``"naturalbreaks"``, ``"fisherjenks"``, ...).
    k
        Number of classes (at most 9).
    fmt
        Format of class bounds in the legend.
    palette
        Colours from lowest to highest (at least ``k``); classes spread over it.

    Returns
    -------
    colours : list of str
        Hex colour per value.
    legend : list of (colour, escaped label)
        One row per class, lowest first.
    """
    if not 2 <= k <= len(palette):
        msg = f"'k' must lie in 2..{len(palette)}; {k} was given instead."
        raise ValidationError(msg)
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(v)
    colours = ["#bbbbbb"] * len(v)
    rows: list[tuple[str, str]] = []
    if ok.sum() == 0:
        return colours, rows
    n_unique = len(np.unique(v[ok]))
    k_eff = max(1, min(k, n_unique))
    if k_eff == 1:
        yb = np.zeros(int(ok.sum()), dtype=int)
        bins = np.array([v[ok].max()])
    else:
        try:
            with warnings.catch_warnings():  # "not enough unique values": k shrinks
                warnings.filterwarnings(
                    "ignore", category=UserWarning, module="mapclassify"
                )
                # imported here: mapclassify pulls in matplotlib, which
                # `import gridgeo` must not load
                import mapclassify

                c = mapclassify.classify(v[ok], scheme, k=k_eff)
        except (KeyError, ValueError, TypeError) as exc:
            msg = f"mapclassify cannot class with scheme={scheme!r}: {exc}"
            raise ValidationError(msg) from exc
        yb, bins = np.asarray(c.yb, dtype=int), np.asarray(c.bins, dtype=float)
    step = (len(palette) - 1) / max(len(bins) - 1, 1)
    used = [palette[round(i * step)] for i in range(len(bins))]
    for pos, cls in zip(np.flatnonzero(ok), yb, strict=True):
        colours[pos] = used[cls]
    low = float(np.nanmin(v))
    for i, upper in enumerate(bins):
        lower = low if i == 0 else float(bins[i - 1])
        label = f"{fmt.format(lower)} – {fmt.format(float(upper))}"
        rows.append((used[i], html.escape(label)))
    return colours, rows
