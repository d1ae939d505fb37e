"""Turn the accepted inputs (County, polygon frame, networkx graph) into units."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from gridgeo._columns import HOUSEHOLDS, PERSONS, TOWN_ID, UNIT_ID, VILLAGE_ID
from gridgeo.county import County
from gridgeo.errors import CRSError, ValidationError
from gridgeo.graph import build_contiguity

__all__ = ["Source", "from_input"]


@dataclass
class Source:
    """What the engine plans on: villages (pre-split), households, optional graph."""

    villages: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    county: County | None
    adjacency: sparse.csr_array | None = None  # given by a graph input
    bridges: pd.DataFrame | None = None


def from_input(
    data: County | gpd.GeoDataFrame | nx.Graph,
    *,
    weight: str | None,
    id_col: str | None,
) -> Source:
    """Normalise the input of :func:`gridgeo.partition`."""
    if isinstance(data, County):
        return Source(data.villages, data.households, data)
    if isinstance(data, nx.Graph):
        return _from_graph(data, weight=weight or HOUSEHOLDS)
    if isinstance(data, gpd.GeoDataFrame):
        return _from_frame(data, weight=weight, id_col=id_col)
    msg = (
        "partition() takes a gridgeo.County, a GeoDataFrame of polygon units with a "
        f"weight column, or a networkx graph; got {type(data).__name__}."
    )
    raise ValidationError(msg)


def _empty_households(crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"household_id": pd.Series(dtype=str), VILLAGE_ID: pd.Series(dtype=str)},
        geometry=gpd.GeoSeries([], crs=crs),
    )


def _from_frame(
    frame: gpd.GeoDataFrame, *, weight: str | None, id_col: str | None
) -> Source:
    if weight is None:
        weight = HOUSEHOLDS if HOUSEHOLDS in frame else None
    if weight is None or weight not in frame:
        msg = (
            f"partition() on a GeoDataFrame needs weight=<column>; {weight!r} is not "
            f"one of the columns {list(frame.columns)}."
        )
        raise ValidationError(msg)
    if frame.crs is None:
        msg = "The unit GeoDataFrame has no CRS; set one (e.g. frame.set_crs(...))."
        raise CRSError(msg)
    units = frame.copy()
    if units.crs.is_geographic:
        from gridgeo.crs import choose_metric_crs

        units = units.to_crs(choose_metric_crs(units))
    values = pd.to_numeric(units[weight], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:10].tolist()
        msg = f"Column {weight!r} must hold non-negative numbers; bad rows {rows}."
        raise ValidationError(msg)
    ids = units[id_col].astype(str) if id_col else units.index.astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].unique()[:10].tolist()
        msg = f"Unit ids must be unique; duplicated: {dup}."
        raise ValidationError(msg)
    units[VILLAGE_ID] = ids.to_numpy()
    units[HOUSEHOLDS] = values.to_numpy()
    if PERSONS not in units:
        units[PERSONS] = units[HOUSEHOLDS]
    if TOWN_ID not in units:
        units[TOWN_ID] = "0"
    units = units.reset_index(drop=True)
    return Source(units, _empty_households(units.crs), None)


def _from_graph(graph: nx.Graph, *, weight: str) -> Source:
    nodes = list(graph.nodes)
    data = [graph.nodes[n] for n in nodes]
    if any(weight not in d for d in data):
        missing = [n for n, d in zip(nodes, data, strict=True) if weight not in d][:10]
        msg = (
            f"Graph nodes need a {weight!r} attribute (pass weight=...); "
            f"missing on {missing}."
        )
        raise ValidationError(msg)
    if all("x" in d and "y" in d for d in data):
        xy = np.array([[d["x"], d["y"]] for d in data], dtype=float)
    else:
        # no coordinates: a spectral embedding keeps neighbours close
        pos = nx.spectral_layout(graph) if len(nodes) > 2 else nx.circular_layout(graph)
        xy = (
            np.array([pos[n] for n in nodes], dtype=float)
            * 1000.0
            * np.sqrt(len(nodes))
        )
    frame = pd.DataFrame(data)
    frame[VILLAGE_ID] = [str(n) for n in nodes]
    frame[HOUSEHOLDS] = pd.to_numeric(frame[weight]).to_numpy()
    frame[PERSONS] = frame[HOUSEHOLDS]
    if TOWN_ID not in frame:
        frame[TOWN_ID] = "0"
    units = gpd.GeoDataFrame(frame, geometry=shapely.points(xy), crs=None)
    index = {n: i for i, n in enumerate(nodes)}
    edges = np.array(
        [(index[u], index[v]) for u, v in graph.edges if u != v], dtype=np.int64
    )
    adj = sparse.csr_array(
        (
            np.ones(2 * len(edges)),
            (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]]),
        ),
        shape=(len(nodes), len(nodes)),
    )
    adj.data[:] = 1
    return Source(
        units,
        _empty_households(None),
        None,
        adjacency=adj,
        bridges=pd.DataFrame(columns=["u", "v", "kind", "distance_m"]),
    )


def units_adjacency(units: gpd.GeoDataFrame) -> tuple[sparse.csr_array, pd.DataFrame]:
    """Rook contiguity of units with island bridges, labelled by unit id."""
    return build_contiguity(units, rook=True, ids=units[UNIT_ID].to_numpy())
