"""Planning units: whole villages, and oversized villages split into parts.

A unit is the smallest piece a grid is made of. Normally a unit is an administrative
village; a village with more households than a grid may hold is cut into parts
("slabs") by straight cuts through its household points, each part with its own
polygon inside the village and about the same number of households.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgeo._columns import (
    HOUSEHOLDS,
    LOCATED,
    PERSONS,
    UNIT_ID,
    VILLAGE_ID,
)
from gridgeo.graph import heal_seams, snap_tolerance

__all__ = ["build_units", "split_polygon", "unit_id_of_part"]


def unit_id_of_part(village_id: str, part: int) -> str:
    """Return the id of part ``part`` (1-based) of a split village, e.g. ``"…-2"``."""
    return f"{village_id}-{part}"


def build_units(
    villages: gpd.GeoDataFrame,
    households: gpd.GeoDataFrame,
    parts: pd.Series | None = None,
    *,
    clustered: set[str] | frozenset[str] = frozenset(),
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Turn villages into planning units, splitting the villages named in ``parts``.

    A split village is cut into parts of equal household counts by recursive
    bisection across its longest spread (slabs along the longest axis when it has
    no household points), or — for villages in ``clustered`` — into
    neighbourhoods: k-means clusters of its household points, each part the
    village's share of the Voronoi cell of its cluster centre (convex pieces that
    follow where people live).

    Parameters
    ----------
    villages
        County villages (``village_id``, ``town_id``, ``households``, ``persons``,
        geometry in a metric CRS).
    households
        County households (``household_id``, ``village_id``, geometry); may be empty.
    parts
        Number of parts per ``village_id`` for the villages to split (values ≥ 2).
        Villages not named stay whole.
    clustered
        Village ids to split into neighbourhood clusters rather than slabs.

    Returns
    -------
    units : geopandas.GeoDataFrame
        One row per unit: ``unit_id``, ``village_id`` and every village column,
        ``households`` and ``persons`` of the unit, geometry. Whole villages keep
        ``unit_id == village_id``; parts are ``"<village_id>-<k>"``.
    household_unit : pandas.Series
        ``unit_id`` of every household, aligned with ``households``' index.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, shapely
    >>> v = gpd.GeoDataFrame({"village_id": ["a"], "town_id": ["t"],
    ...     "households": [4], "persons": [8]},
    ...     geometry=[shapely.box(0, 0, 4, 1)], crs=3857)
    >>> h = gpd.GeoDataFrame({"household_id": list("pqrs"), "village_id": ["a"] * 4},
    ...     geometry=gpd.points_from_xy([0.5, 1.5, 2.5, 3.5], [0.5] * 4), crs=3857)
    >>> units, hu = build_units(v, h, pd.Series({"a": 2}))
    >>> units[["unit_id", "households"]].values.tolist()
    [['a-1', 2], ['a-2', 2]]
    >>> hu.tolist()
    ['a-1', 'a-1', 'a-2', 'a-2']
    """
    household_unit = pd.Series(
        households[VILLAGE_ID].to_numpy(dtype=object),
        index=households.index,
        name=UNIT_ID,
    )
    whole = villages.copy()
    whole.insert(0, UNIT_ID, whole[VILLAGE_ID].astype(str))
    if parts is None or len(parts) == 0:
        return whole.reset_index(drop=True), household_unit
    parts = parts[parts >= 2]
    by_village = households.groupby(VILLAGE_ID).indices if len(households) else {}
    pieces = []
    split_mask = whole[VILLAGE_ID].isin(parts.index)
    for row in whole[split_mask].itertuples(index=False):
        vid = getattr(row, VILLAGE_ID)
        k = int(parts[vid])
        idx = by_village.get(vid, np.array([], dtype=int))
        rows, labels = _split_village(
            row._asdict(), households.iloc[idx], k, cluster=vid in clustered
        )
        pieces.extend(rows)
        if len(idx):
            household_unit.iloc[idx] = labels
    split = gpd.GeoDataFrame(pieces, columns=whole.columns, crs=whole.crs)
    units = pd.concat([whole[~split_mask], split], ignore_index=True)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=whole.crs)
    # the cuts put new vertices on old edges; the villages across get them too, so
    # parts and neighbours still share their edges exactly
    geoms = units.geometry.to_numpy()
    units["geometry"] = heal_seams(
        geoms, np.arange(int((~split_mask).sum()), len(units)), snap_tolerance(geoms)
    )
    return units, household_unit


def _split_village(
    row: dict, hh: gpd.GeoDataFrame, k: int, *, cluster: bool = False
) -> tuple[list[dict], np.ndarray]:
    """Cut one village into ``k`` parts of equal household counts (or clusters)."""
    polygon = row["geometry"]
    vid = row[VILLAGE_ID]
    total = int(row[HOUSEHOLDS])
    located = (
        hh[LOCATED].to_numpy(dtype=bool) if LOCATED in hh else np.ones(len(hh), bool)
    )
    xy = shapely.get_coordinates(hh.geometry.values[located]) if len(hh) else None
    part_of = None
    if cluster and xy is not None and len(np.unique(xy, axis=0)) >= k:
        polys, part_of, fractions = _cluster_parts(polygon, xy, k)
    elif xy is not None and len(xy) >= k:
        polys, part_of, fractions = _bisect_parts(polygon, xy, k)
    else:
        coords = shapely.get_coordinates(polygon)
        axis = _principal_axis(coords)
        fractions = np.full(k, 1.0 / k)
        cuts = _area_cuts(polygon, axis, fractions)
    if part_of is None:
        polys = split_polygon(polygon, axis, cuts)
        part_of = np.searchsorted(np.asarray(cuts), xy @ axis) if xy is not None else []
    labels = np.empty(len(hh), dtype=object)
    if len(hh):
        loc_labels = np.empty(located.sum(), dtype=object)
        for j in range(k):
            loc_labels[np.asarray(part_of) == j] = unit_id_of_part(vid, j + 1)
        labels[located] = loc_labels
        # Households without own coordinates are spread over the parts in proportion.
        n_un = int((~located).sum())
        if n_un:
            share = np.repeat(np.arange(k), _largest_remainder(fractions, n_un))
            labels[~located] = [unit_id_of_part(vid, j + 1) for j in share]
        counts = pd.Series(labels).value_counts()
        hh_counts = np.array(
            [counts.get(unit_id_of_part(vid, j + 1), 0) for j in range(k)]
        )
        persons = hh[PERSONS].groupby(labels).sum() if PERSONS in hh else None
    else:
        hh_counts = _largest_remainder(fractions, total)
        persons = None
    p_counts = (
        np.array([persons.get(unit_id_of_part(vid, j + 1), 0) for j in range(k)])
        if persons is not None
        else _largest_remainder(fractions, int(row.get(PERSONS, 0) or 0))
    )
    rows = []
    for j in range(k):
        part = dict(row)
        part[UNIT_ID] = unit_id_of_part(vid, j + 1)
        part[HOUSEHOLDS] = int(hh_counts[j])
        if PERSONS in part:
            part[PERSONS] = int(p_counts[j])
        part["geometry"] = polys[j]
        rows.append(part)
    return rows, labels


def _bisect_parts(
    polygon: shapely.Geometry, xy: np.ndarray, k: int
) -> tuple[list[shapely.Geometry], np.ndarray, np.ndarray]:
    """Equal-count parts by recursive bisection across the longest spread.

    Cutting ``k`` slabs along one axis makes long strips of a big village; halving
    the households across the principal axis of each piece in turn (``k // 2``
    parts on one side) keeps the parts about as wide as they are long, which is
    what a grid's travel burden rewards.
    """
    polys: list[shapely.Geometry] = [shapely.Polygon()] * k
    part_of = np.zeros(len(xy), dtype=np.int64)
    stack = [(polygon, np.arange(len(xy)), 0, k)]
    while stack:
        piece, members, first, m = stack.pop()
        if m == 1 or len(members) < m:
            polys[first] = piece
            part_of[members] = first
            continue
        m1 = m // 2
        pts = xy[members]
        axis = _principal_axis(pts)
        proj = pts @ axis
        order = np.argsort(proj, kind="stable")
        b = round(len(members) * m1 / m)
        b = min(max(b, m1), len(members) - (m - m1))
        cut = 0.5 * (proj[order[b - 1]] + proj[order[b]])
        near, far = split_polygon(piece, axis, [cut])
        # the polygon decides: a point on the cut line belongs to the near side
        left = proj <= cut
        stack.append((far, members[~left], first + m1, m - m1))
        stack.append((near, members[left], first, m1))
    fractions = np.bincount(part_of, minlength=k) / max(len(xy), 1)
    return polys, part_of, fractions


def _cluster_parts(
    polygon: shapely.Geometry, xy: np.ndarray, k: int
) -> tuple[list[shapely.Geometry], np.ndarray, np.ndarray]:
    """Neighbourhood parts: k-means of the points, Voronoi cells of the centres."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(xy)
    centres = km.cluster_centers_
    cells = shapely.voronoi_polygons(
        shapely.multipoints(centres), extend_to=polygon, ordered=True
    )
    polys = list(shapely.intersection(polygon, np.asarray(cells.geoms, dtype=object)))
    # the label is the nearest centre: exactly the Voronoi cell the point lies in
    d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    part_of = np.argmin(d, axis=1)
    fractions = np.bincount(part_of, minlength=k) / len(xy)
    return polys, part_of, fractions


def _principal_axis(xy: np.ndarray) -> np.ndarray:
    """Return the unit vector of the direction of largest spread."""
    centred = xy - xy.mean(axis=0)
    if len(xy) < 2 or not np.any(centred):
        return np.array([1.0, 0.0])
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0]
    # a stable sign, so the same village is always cut from the same end
    return axis if (axis[0], axis[1]) >= (0, 0) else -axis


def _largest_remainder(fractions: np.ndarray, total: int) -> np.ndarray:
    raw = np.asarray(fractions, dtype=float) * total
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _area_cuts(
    polygon: shapely.Geometry, axis: np.ndarray, fractions: np.ndarray
) -> list[float]:
    """Thresholds along ``axis`` that cut ``polygon`` into the given area fractions."""
    coords = shapely.get_coordinates(polygon) @ axis
    lo, hi = float(coords.min()), float(coords.max())
    total = polygon.area
    cuts = []
    for target in np.cumsum(fractions)[:-1]:
        a, b = lo, hi
        for _ in range(40):
            mid = 0.5 * (a + b)
            piece = split_polygon(polygon, axis, [mid])[0]
            if piece.area < target * total:
                a = mid
            else:
                b = mid
        cuts.append(0.5 * (a + b))
    return cuts


def split_polygon(
    polygon: shapely.Geometry, axis: np.ndarray, cuts: list[float] | np.ndarray
) -> list[shapely.Geometry]:
    """Cut ``polygon`` into slabs perpendicular to ``axis`` at the given thresholds.

    Parameters
    ----------
    polygon
        The polygon to cut.
    axis
        Unit direction vector; slab ``j`` holds the points ``p`` with
        ``cuts[j-1] < p·axis <= cuts[j]``.
    cuts
        Increasing thresholds (``k - 1`` of them for ``k`` slabs).

    Returns
    -------
    list of shapely geometries
        The ``k`` slabs in order along ``axis``.
    """
    minx, miny, maxx, maxy = polygon.bounds
    reach = 2 * (maxx - minx + maxy - miny) + 1.0
    centre = np.array([(minx + maxx) / 2, (miny + maxy) / 2])
    normal = np.array([-axis[1], axis[0]])
    c0 = float(centre @ axis)
    edges = [c0 - reach, *cuts, c0 + reach]
    slabs = []
    for a, b in itertools.pairwise(edges):
        base = centre + axis * (np.array([a, b]) - c0)[:, None]
        corners = [
            base[0] - normal * reach,
            base[1] - normal * reach,
            base[1] + normal * reach,
            base[0] + normal * reach,
        ]
        slabs.append(shapely.Polygon(corners))
    pieces = shapely.intersection(polygon, np.array(slabs, dtype=object))
    return list(pieces)
