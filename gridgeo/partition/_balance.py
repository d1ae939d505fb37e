"""Exact balance by cutting villages at grid borders.

Whole villages rarely add up to equal grids. With ``ByHouseholds(n_grids=...,
split=True)`` the engine solves the balanced assignment as a transportation LP, whose
vertex solution shares at most ``k − 1`` units between grids. Each shared unit is
cut here by its household points, on the side of its border with the receiving grid,
so the piece joins that grid. What the cuts cannot place (a piece that would not
touch its grid) is routed afterwards: a min-cost flow on the grid adjacency finds the
smallest household transfers that bring every grid within tolerance, each carried out
by moving whole border units and cutting at most one more.
"""

from __future__ import annotations

from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import linprog

from gridgeo._columns import HOUSEHOLDS, LOCATED, PERSONS, UNIT_ID, VILLAGE_ID
from gridgeo.graph import (
    build_contiguity,
    components_within,
    heal_seams,
    shares_edge,
    snap_tolerance,
)
from gridgeo.units import _area_cuts, split_polygon

__all__ = ["Balancer", "balance_with_splits"]

SHRINK = (0.3, 0.5, 0.7, 0.85, 0.95)
"""Fractions of the tolerance aimed at in successive routing rounds."""
SHRINK_CUT = (0.75, 0.85, 0.95)
"""The schedule after cuts: the fractional assignment already used two thirds of
the band for shorter travel, so routing only mends what the cuts missed."""
SHRINK_MORE = (0.9, 0.95, 0.9)
"""Extra rounds after cuts, run only while a grid is still out of bounds."""
SHRINK_COARSE = (0.6, 0.8, 0.95)
"""A second schedule for whole-unit routing, which is path-dependent."""


class Balancer:
    """Units, household→unit map, labels and adjacency while cuts are made."""

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        household_unit: pd.Series,
        labels: np.ndarray,
        adjacency: sparse.csr_array,
        households: gpd.GeoDataFrame,
    ) -> None:
        self.rows = [dict(r) for r in units.to_dict("records")]
        self.crs = units.crs
        self.columns = list(units.columns)
        self.household_unit = household_unit.copy()
        self.labels = list(labels)
        self.households = households
        self.cuts = True
        # seams a cut leaves between its pieces and their neighbours are closed
        self.tol = snap_tolerance(units.geometry.values)
        coo = sparse.triu(adjacency, k=1).tocoo()
        self.nbrs: list[set[int]] = [set() for _ in self.rows]
        for a, b in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
            self.nbrs[a].add(b)
            self.nbrs[b].add(a)
        self.by_unit = pd.Series(
            np.arange(len(household_unit)), index=household_unit.index
        )
        self._hh_xy = (
            shapely.get_coordinates(households.geometry.values)
            if len(households) and households.geometry.notna().all()
            else None
        )

    def snapshot(self) -> tuple:
        """Return the editable state (units, households' units, labels, borders)."""
        return (
            [dict(r) for r in self.rows],
            self.household_unit.copy(),
            list(self.labels),
            [set(n) for n in self.nbrs],
        )

    def restore(self, state: tuple) -> None:
        """Go back to a :meth:`snapshot`."""
        rows, household_unit, labels, nbrs = state
        self.rows = [dict(r) for r in rows]
        self.household_unit = household_unit.copy()
        self.labels = list(labels)
        self.nbrs = [set(n) for n in nbrs]

    # ----------------------------------------------------------------- queries
    def weight(self, i: int) -> int:
        return int(self.rows[i][HOUSEHOLDS])

    def members(self, g: int) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.labels) == g)

    def load(self, grids: np.ndarray) -> np.ndarray:
        lab = np.asarray(self.labels)
        w = np.array([r[HOUSEHOLDS] for r in self.rows], dtype=float)
        return np.array([w[lab == g].sum() for g in grids])

    def miss(self, grids: np.ndarray, lo: float, hi: float) -> float:
        """Return how far ``grids`` lie outside ``[lo, hi]``, summed."""
        load = self.load(grids)
        return float((np.maximum(lo - load, 0) + np.maximum(load - hi, 0)).sum())

    def adjacency(self) -> sparse.csr_array:
        n = len(self.rows)
        pairs = [(a, b) for a in range(n) for b in self.nbrs[a]]
        if not pairs:
            return sparse.csr_array((n, n))
        r, c = np.array(pairs).T
        return sparse.csr_array((np.ones(len(r)), (r, c)), shape=(n, n))

    def connected_without(self, g: int, i: int) -> bool:
        rest = [m for m in self.members(g) if m != i]
        if not rest:
            return False
        adj = self.adjacency()
        return components_within(adj, np.array(rest)).max() == 0

    # ------------------------------------------------------------------- edits
    def cut(self, i: int, amount: int, b: int) -> int:
        """Move ``amount`` households of unit ``i`` to neighbouring grid ``b``.

        The piece is cut off on the side of the unit's border with grid ``b``.
        Returns the households moved: 0 (changing nothing) when no cut keeps both
        sides in one piece with the piece touching ``b``; fewer than ``amount`` when
        only part of the band could go.
        """
        row = self.rows[i]
        if amount <= 0 or amount >= row[HOUSEHOLDS]:
            return 0
        towards = [j for j in self.nbrs[i] if self.labels[j] == b]
        if not towards:
            return 0
        geom = row["geometry"]
        other = shapely.union_all([self.rows[j]["geometry"] for j in towards])
        shared = shapely.intersection(geom.boundary, other.boundary)
        if shared.is_empty or shared.length == 0:
            return 0
        hh_pos = self._households_of(row[UNIT_ID])
        xy = self._hh_xy[hh_pos] if self._hh_xy is not None and len(hh_pos) else None
        located = (
            self.households[LOCATED].to_numpy(dtype=bool)[hh_pos]
            if xy is not None and LOCATED in self.households
            else np.ones(len(hh_pos), dtype=bool)
        )
        if xy is None or located.sum() <= amount:
            xy = None
        # a straight cut across the way from this grid's centre to the other's
        # moves the households that gain most; a straight cut towards the shared
        # border, then a band along it, are the fallbacks
        away = self._direction(self.labels[i], b)
        makers = [partial(_slab_cut, direction=away)] if away is not None else []
        for make in [*makers, _slab_cut, _band_cut]:
            found = make(geom, shared, xy, located, amount, row[HOUSEHOLDS])
            if found is None:
                continue
            far, near, take = found
            if not (_one_piece(far) and _one_piece(near)):
                continue
            if not _touch(far, other):
                continue
            if not self._stays_connected(i, near):
                continue
            moved = hh_pos[np.flatnonzero(located)[take]] if xy is not None else take
            size = len(take) if xy is not None else amount
            if not 0 < size < row[HOUSEHOLDS]:
                continue
            self._apply_cut(i, far, near, size, moved, b)
            return size
        return 0

    def _direction(self, a: int, b: int) -> np.ndarray | None:
        """Return the unit vector from grid ``a``'s household centre to ``b``'s."""
        lab = np.asarray(self.labels)
        ends = []
        for g in (a, b):
            rows = [self.rows[j] for j in np.flatnonzero(lab == g)]
            w = np.array([r[HOUSEHOLDS] for r in rows], dtype=float) + 1e-9
            xy = shapely.get_coordinates(
                shapely.point_on_surface([r["geometry"] for r in rows])
            )
            ends.append(w @ xy / w.sum())
        d = ends[1] - ends[0]
        norm = float(np.hypot(*d))
        return d / norm if norm > 0 else None

    def _stays_connected(self, i: int, near: shapely.Geometry) -> bool:
        """Whether shrinking unit i to ``near`` leaves its grid in no more pieces."""
        members = set(self.members(self.labels[i]).tolist())
        links = {
            j
            for j in self.nbrs[i]
            if j in members and _touch(near, self.rows[j]["geometry"])
        }
        return self._pieces(members, i, links) <= self._pieces(members, i, None)

    def _pieces(self, members: set[int], i: int, links: set[int] | None) -> int:
        """Count connected pieces of ``members`` (unit i touching only ``links``)."""

        def nbrs(u: int) -> set[int]:
            if links is None:
                return self.nbrs[u] & members
            if u == i:
                return links
            out = self.nbrs[u] & members
            return out if u in links else out - {i}

        seen: set[int] = set()
        pieces = 0
        for start in sorted(members):
            if start in seen:
                continue
            pieces += 1
            seen.add(start)
            todo = [start]
            while todo:
                for v in nbrs(todo.pop()) - seen:
                    seen.add(v)
                    todo.append(v)
        return pieces

    def _households_of(self, unit_id: str) -> np.ndarray:
        return self.by_unit[(self.household_unit == unit_id).to_numpy()].to_numpy()

    def _apply_cut(
        self,
        i: int,
        far: shapely.Geometry,
        near: shapely.Geometry,
        amount: int,
        moved: np.ndarray,
        b: int,
    ) -> None:
        row = self.rows[i]
        vid, uid = row[VILLAGE_ID], row[UNIT_ID]
        n_parts = sum(r[VILLAGE_ID] == vid for r in self.rows)
        if uid == vid:  # first cut of a whole village: it becomes part 1
            self.household_unit[self.household_unit == uid] = f"{vid}-1"
            row[UNIT_ID] = uid = f"{vid}-1"
        new = dict(row)
        new[UNIT_ID] = f"{vid}-{n_parts + 1}"
        new[HOUSEHOLDS] = amount
        new["geometry"] = far
        if PERSONS in row:
            if len(moved) and PERSONS in self.households:
                p = int(self.households[PERSONS].to_numpy()[moved].sum())
            else:
                p = round(float(row[PERSONS]) * amount / max(row[HOUSEHOLDS], 1))
            new[PERSONS] = p
            row[PERSONS] = int(row[PERSONS]) - p
        row[HOUSEHOLDS] = int(row[HOUSEHOLDS]) - amount
        row["geometry"] = near
        if len(moved):
            self.household_unit.iloc[moved] = new[UNIT_ID]
        k = len(self.rows)
        self.rows.append(new)
        self.labels.append(b)
        old = self.nbrs[i] | {k}
        around = np.array(sorted(old | {i}))
        healed = heal_seams(
            np.array([self.rows[j]["geometry"] for j in around], dtype=object),
            np.flatnonzero(np.isin(around, [i, k])),
            self.tol,
        )
        for j, geom in zip(around, healed, strict=True):
            self.rows[j]["geometry"] = geom
        self.nbrs.append(set())
        for j in list(self.nbrs[i]):
            self.nbrs[j].discard(i)
        self.nbrs[i] = set()
        for a in (i, k):
            for j in old - {a}:
                if _touch(self.rows[a]["geometry"], self.rows[j]["geometry"]):
                    self.nbrs[a].add(j)
                    self.nbrs[j].add(a)

    def move_unit(self, i: int, b: int) -> None:
        self.labels[i] = b

    def repair(self, grids: np.ndarray, centres: dict[int, np.ndarray]) -> None:
        """Give every stray piece of a grid to the neighbouring grid nearest to it.

        Only grids of the same problem (``grids``) may take a piece: a neighbour
        across a township border is not an option.
        """
        adj = self.adjacency()
        ours = {int(g) for g in grids}
        for g in grids:
            members = self.members(g)
            if len(members) < 2:
                continue
            comp = components_within(adj, members)
            if comp.max() == 0:
                continue
            w = np.array([self.weight(m) for m in members], dtype=float) + 1e-9
            keep = np.argmax(np.bincount(comp, weights=w))
            for c in range(comp.max() + 1):
                if c == keep:
                    continue
                piece = members[comp == c]
                options = sorted(
                    ({self.labels[j] for m in piece for j in self.nbrs[m]} & ours) - {g}
                )
                if not options:
                    continue
                xy = np.mean(
                    [
                        self.rows[m]["geometry"].representative_point().coords[0]
                        for m in piece
                    ],
                    axis=0,
                )
                best = min(options, key=lambda h: (np.hypot(*(centres[h] - xy)), h))
                for m in piece:
                    self.labels[m] = best
            adj = self.adjacency()

    def centres(self) -> dict[int, np.ndarray]:
        """Household-weighted centre of every grid (unit representative points)."""
        lab = np.asarray(self.labels)
        xy = np.array(
            [r["geometry"].representative_point().coords[0] for r in self.rows]
        )
        w = np.array([r[HOUSEHOLDS] for r in self.rows], dtype=float) + 1e-9
        return {
            int(g): (xy[lab == g] * w[lab == g, None]).sum(axis=0) / w[lab == g].sum()
            for g in np.unique(lab)
        }

    # ------------------------------------------------------------------- flows
    def route(
        self, grids: np.ndarray, lo: float, hi: float, *, rounds: int = 6
    ) -> None:
        """Carry out the smallest border flows that bring ``grids`` into [lo, hi].

        A border where no cut works (the piece would not touch the other grid, or a
        grid would fall apart) is closed and the flows are solved again around it.
        """
        blocked: set[tuple[int, int]] = set()
        for _ in range(rounds):
            flows = self._flows(grids, lo, hi, blocked)
            if not flows:
                return
            for a, b, amount in flows:
                if self._transfer(a, b, amount) < amount:
                    blocked.add((a, b))

    def _flows(
        self, grids: np.ndarray, lo: float, hi: float, blocked: set[tuple[int, int]]
    ) -> list[tuple[int, int, int]]:
        lab = np.asarray(self.labels)
        pos = {g: n for n, g in enumerate(grids)}
        pairs = sorted(
            {
                (min(lab[a], lab[b]), max(lab[a], lab[b]))
                for a in range(len(self.rows))
                for b in self.nbrs[a]
                if lab[a] != lab[b] and lab[a] in pos and lab[b] in pos
            }
        )
        load = self.load(grids)
        if not pairs or np.all((load >= lo) & (load <= hi)):
            return []
        k, m = len(grids), len(pairs)
        inc = sparse.lil_array((k, 2 * m))
        for e, (a, b) in enumerate(pairs):
            inc[pos[a], e], inc[pos[b], e] = -1, 1
            inc[pos[a], m + e], inc[pos[b], m + e] = 1, -1
        bounds = [(0, 0) if (a, b) in blocked else (0, None) for a, b in pairs]
        bounds += [(0, 0) if (b, a) in blocked else (0, None) for a, b in pairs]
        # slack per bound row keeps the LP feasible when closed borders cut a grid
        # off: it then moves as much as it can, violation costing most
        slack = sparse.identity(2 * k, format="csr")
        res = linprog(
            np.concatenate([np.ones(2 * m), np.full(2 * k, 1e4)]),
            A_ub=sparse.hstack([sparse.vstack([inc, -inc]), -slack]).tocsr(),
            b_ub=np.concatenate([hi - load, load - lo]),
            bounds=bounds + [(0, None)] * (2 * k),
            method="highs-ds",
        )
        if res.status != 0:
            return []
        x = np.round(res.x).astype(int)
        flows = [(a, b, int(x[e])) for e, (a, b) in enumerate(pairs) if x[e] > 0]
        flows += [
            (b, a, int(x[m + e])) for e, (a, b) in enumerate(pairs) if x[m + e] > 0
        ]
        flows.sort(key=lambda f: (-load[pos[f[0]]], f[0], f[1]))
        return flows

    def _transfer(self, a: int, b: int, amount: int) -> int:
        """Move ``amount`` households from grid ``a`` to ``b`` across their border."""
        left = amount
        border = sorted(
            (
                i
                for i in self.members(a)
                if any(self.labels[j] == b for j in self.nbrs[i])
            ),
            key=lambda i: (self.weight(i), self.rows[i][UNIT_ID]),
        )
        # whole units first, largest that fits, while a stays connected
        for i in sorted(border, key=lambda i: -self.weight(i)):
            if self.weight(i) <= left and self.connected_without(a, i):
                self.move_unit(i, b)
                left -= self.weight(i)
        if left > 0 and not self.cuts:
            # whole units only: one more unit if it brings the two grids closer
            fits = [
                i
                for i in border
                if self.labels[i] == a
                and self.weight(i) < 2 * left
                and self.connected_without(a, i)
            ]
            if fits:
                i = min(fits, key=lambda i: (abs(left - self.weight(i)), i))
                self.move_unit(i, b)
                left -= self.weight(i)
        if left <= 0 or not self.cuts:
            return amount - left
        # then cut one border unit: parts of villages already cut first
        vid = [self.rows[i][VILLAGE_ID] for i in range(len(self.rows))]
        cands = [i for i in border if self.labels[i] == a and self.weight(i) > left]
        cands.sort(key=lambda i: (self.rows[i][UNIT_ID] == vid[i], self.weight(i)))
        for i in cands:
            done = self.cut(i, left, b)
            if done:
                return amount - left + done
        return amount - left

    def frame(self) -> tuple[gpd.GeoDataFrame, pd.Series, np.ndarray]:
        units = gpd.GeoDataFrame(
            self.rows, columns=self.columns, geometry="geometry", crs=self.crs
        )
        units[HOUSEHOLDS] = units[HOUSEHOLDS].astype(np.int64)
        if PERSONS in units:
            units[PERSONS] = units[PERSONS].astype(np.int64)
        return units, self.household_unit, np.asarray(self.labels, dtype=np.int64)


def _band_cut(
    geom: shapely.Geometry,
    shared: shapely.Geometry,
    xy: np.ndarray | None,
    located: np.ndarray,
    amount: int,
    total: int,
) -> tuple[shapely.Geometry, shapely.Geometry, np.ndarray] | None:
    """Cut the band along the shared border that holds the ``amount`` nearest."""
    if xy is None:
        return None
    dist = shapely.distance(shapely.points(xy[located]), shared)
    order = np.argsort(dist, kind="stable")
    t = 0.5 * (dist[order[amount - 1]] + dist[order[amount]])
    if t <= 0:
        return None
    far = shapely.intersection(geom, shapely.buffer(shared, t, quad_segs=16))
    if far.geom_type == "MultiPolygon":
        # keep the piece along most of the border; the others stay behind
        pieces = np.asarray(far.geoms, dtype=object)
        touch = shapely.length(shapely.intersection(pieces, shared))
        far = pieces[int(np.argmax(touch))]
        inside = shapely.contains_xy(far, *xy[located].T)
        near = shapely.difference(geom, far)
        return far, near, np.flatnonzero(inside)
    near = shapely.difference(geom, far)
    return far, near, order[:amount]


def _slab_cut(
    geom: shapely.Geometry,
    shared: shapely.Geometry,
    xy: np.ndarray | None,
    located: np.ndarray,
    amount: int,
    total: int,
    *,
    direction: np.ndarray | None = None,
) -> tuple[shapely.Geometry, shapely.Geometry, np.ndarray] | None:
    """Cut straight across ``direction``; the piece taken lies furthest along it.

    ``direction`` defaults to the way from the unit's centre to the shared border.
    """
    d = (
        np.asarray(direction, dtype=float)
        if direction is not None
        else np.asarray(shared.centroid.coords[0]) - np.asarray(geom.centroid.coords[0])
    )
    norm = float(np.hypot(*d))
    if norm == 0:
        return None
    d = d / norm
    if xy is not None:
        proj = xy[located] @ d
        order = np.argsort(-proj, kind="stable")
        cut = 0.5 * (proj[order[amount - 1]] + proj[order[amount]])
        near, far = split_polygon(geom, d, [cut])
        return far, near, order[:amount]
    frac = amount / total
    (cut,) = _area_cuts(geom, -d, np.array([frac, 1 - frac]))
    far, near = split_polygon(geom, -d, [cut])
    return far, near, np.array([], dtype=int)


def _touch(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shares_edge(np.array([a]), np.array([b]))[0])


def _one_piece(geom: shapely.Geometry) -> bool:
    return geom.geom_type == "Polygon" and not geom.is_empty


def balance_with_splits(
    units: gpd.GeoDataFrame,
    household_unit: pd.Series,
    labels: np.ndarray,
    adjacency: sparse.csr_array,
    bridges: pd.DataFrame,
    households: gpd.GeoDataFrame,
    jobs: list[tuple[np.ndarray, float, float, list[tuple[int, int, float]], bool]],
) -> tuple[gpd.GeoDataFrame, pd.Series, np.ndarray, sparse.csr_array, pd.DataFrame]:
    """Cut the shared units, then route what is left, for every splitting problem.

    Parameters
    ----------
    units, household_unit, labels, adjacency, bridges, households
        The plan so far.
    jobs
        Per problem: its grid labels, the bounds ``lo`` / ``hi``, the shares
        ``(unit position, grid label, fraction)`` from the engine, and whether
        units may be cut (only a County's, which has household points).

    Returns
    -------
    tuple
        New ``units``, ``household_unit``, ``labels``, ``adjacency``, ``bridges``.
    """
    bal = Balancer(units, household_unit, labels, adjacency, households)
    for grids, lo, hi, shares, cuts in jobs:
        bal.cuts = cuts
        for i, g, f in sorted(shares, key=lambda s: -s[2]):
            bal.cut(i, round(f * units[HOUSEHOLDS].iat[i]), g)  # 0 when impossible
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        # the assignment need not be connected yet: every kept state is repaired
        bal.repair(grids, bal.centres())
        start = bal.snapshot()
        best = (bal.miss(grids, lo, hi), start)
        # aim inside the bounds first, then relax. Flows are carried out one by
        # one and a border that fails shifts the rest, so the result depends on
        # the path: the best round is kept, and two schedules are tried from the
        # same start — always without cuts (lumpier), with cuts the second (the
        # tight one) only when the first could not bring every grid in
        schedules = (
            [SHRINK_CUT + SHRINK_MORE, SHRINK] if cuts else [SHRINK, SHRINK_COARSE]
        )
        for s, schedule in enumerate(schedules):
            if cuts and s > 0 and best[0] == 0:
                break
            bal.restore(start)
            for n, shrink in enumerate(schedule):
                if cuts and s == 0 and n >= len(SHRINK_CUT) and best[0] == 0:
                    break  # the extra rounds only serve a plan still out of bounds
                bal.route(grids, mid - shrink * half, mid + shrink * half)
                bal.repair(grids, bal.centres())
                miss = bal.miss(grids, lo, hi)
                if miss < best[0]:
                    best = (miss, bal.snapshot())
        bal.restore(best[1])
    n_before = len(units)
    units, household_unit, labels = bal.frame()
    if len(units) == n_before:  # only whole units moved: the graph is unchanged
        return units, household_unit, labels, adjacency, bridges
    adjacency, bridges = build_contiguity(
        units, rook=True, ids=units[UNIT_ID].to_numpy()
    )
    return units, household_unit, labels, adjacency, bridges
