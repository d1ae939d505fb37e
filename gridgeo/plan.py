"""The Plan: which grid every unit and household belongs to, and how good that is."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse

from gridgeo._columns import (
    GRID_ID,
    HOUSEHOLD_ID,
    HOUSEHOLDS,
    INDUSTRY,
    PERSONS,
    TOWN_ID,
    UNIT_ID,
    VILLAGE_ID,
    ZONE,
)
from gridgeo._reasons import count_reason, household_reason
from gridgeo.errors import GridgeoWarning, ValidationError
from gridgeo.graph import build_contiguity
from gridgeo.metrics import contiguous_mask, polsby_popper, summarise, travel_burden

if TYPE_CHECKING:
    import folium

    from gridgeo.county import County

__all__ = ["BOUND_COLUMNS", "Plan", "read_plan"]

BOUND_COLUMNS = ["measure", "lo", "hi", "target"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gridgeo")
    except PackageNotFoundError:  # pragma: no cover
        return "0.0.0+unknown"


class Plan:
    """A partition of a county's units into grids, with its measures.

    Build one with :func:`gridgeo.partition` or :meth:`Plan.from_assignment`; it is
    immutable: edits (:meth:`reassign`, :meth:`lock`) return a new Plan.

    Attributes
    ----------
    county
        The County planned (``None`` for a plain GeoDataFrame or graph input).
    params
        Strategy, seed, tolerances and gridgeo version.
    """

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        *,
        county: County | None = None,
        households: gpd.GeoDataFrame | None = None,
        adjacency: sparse.csr_array | None = None,
        bridges: pd.DataFrame | None = None,
        bounds: pd.DataFrame | None = None,
        params: Mapping[str, Any] | None = None,
        locked: Iterable[int] = (),
    ) -> None:
        self._units = units
        self.county = county
        self._households = households
        self._adjacency = adjacency
        self._bridges = (
            bridges
            if bridges is not None
            else pd.DataFrame(columns=["u", "v", "kind", "distance_m"])
        )
        n = int(units[GRID_ID].max()) + 1 if len(units) else 0
        self._bounds = (
            bounds
            if bounds is not None
            else pd.DataFrame(
                {"measure": HOUSEHOLDS, "lo": np.nan, "hi": np.nan, "target": np.nan},
                index=pd.RangeIndex(n, name=GRID_ID),
            )
        )
        self.params = {"gridgeo_version": _version(), **dict(params or {})}
        self.locked = frozenset(int(g) for g in locked)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_assignment(
        cls,
        units: gpd.GeoDataFrame,
        assignment: pd.Series | np.ndarray | Sequence[int],
        *,
        county: County | None = None,
        households: gpd.GeoDataFrame | None = None,
        household_unit: pd.Series | None = None,
        adjacency: sparse.csr_array | None = None,
        bridges: pd.DataFrame | None = None,
        bounds: pd.DataFrame | None = None,
        params: Mapping[str, Any] | None = None,
        locked: Iterable[int] = (),
    ) -> Plan:
        """Build a Plan from units and their grid labels.

        Grids are renumbered ``0..k-1`` in the order of their smallest unit id, so
        equal partitions compare equal whatever labels produced them.

        Parameters
        ----------
        units
            Polygon units with ``unit_id`` (or ``village_id``), ``households`` and
            ideally ``village_id``, ``town_id``; in a projected CRS.
        assignment
            Grid label per unit: a Series indexed by ``unit_id``, or an array aligned
            with ``units``.
        county
            The County, when planning one (gives household points).
        households
            Households with ``household_id`` (default ``county.households``).
        household_unit
            ``unit_id`` per household (aligned with ``households``); default the
            household's ``village_id``.
        adjacency, bridges
            Unit contiguity from :func:`gridgeo.graph.build_contiguity` (built when
            absent).
        bounds
            Per original label: ``measure``, ``lo``, ``hi``, ``target``.
        params
            Provenance recorded on the plan.
        locked
            Original labels of locked grids.

        Returns
        -------
        Plan

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> units = gpd.GeoDataFrame(
        ...     {"unit_id": list("abcd"), "households": [5, 5, 5, 5]},
        ...     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)], crs=3857)
        >>> plan = Plan.from_assignment(units, [7, 7, 3, 3])
        >>> plan.units["grid_id"].tolist()
        [0, 0, 1, 1]
        """
        units = units.copy()
        if UNIT_ID not in units:
            units[UNIT_ID] = units.get(VILLAGE_ID, units.index)
        units[UNIT_ID] = units[UNIT_ID].astype(str)
        if VILLAGE_ID not in units:
            units[VILLAGE_ID] = units[UNIT_ID]
        if TOWN_ID not in units:
            units[TOWN_ID] = "0"
        if isinstance(assignment, pd.Series):
            raw = units[UNIT_ID].map(assignment.rename(index=str)).to_numpy()
        else:
            raw = np.asarray(assignment)
        if len(raw) != len(units) or pd.isna(raw).any():
            msg = "assignment must give a grid to every unit (same length as units)."
            raise ValidationError(msg)
        codes, uniques = pd.factorize(raw)
        first = pd.Series(units[UNIT_ID].to_numpy()).groupby(codes).min()
        order = np.argsort(first.to_numpy(), kind="stable")
        remap = np.empty(len(order), dtype=np.int64)
        remap[order] = np.arange(len(order))
        units[GRID_ID] = remap[codes]
        units = units.reset_index(drop=True)
        if bounds is not None:
            b = bounds.reindex(list(uniques)).copy()
            b.index = pd.RangeIndex(len(uniques), name=GRID_ID)
            bounds = b.set_axis(remap, axis=0).sort_index()
            bounds.index.name = GRID_ID
        locked = [
            int(remap[list(uniques).index(g)]) for g in locked if g in set(uniques)
        ]
        if households is None and county is not None:
            households = county.households
        if households is not None:
            households = households.copy()
            hu = (
                household_unit.reindex(households.index)
                if household_unit is not None
                else households[VILLAGE_ID]
            )
            households[UNIT_ID] = hu.astype(str).to_numpy()
            households[GRID_ID] = (
                households[UNIT_ID].map(units.set_index(UNIT_ID)[GRID_ID]).to_numpy()
            )
        if adjacency is None:
            adjacency, bridges = build_contiguity(units, ids=units[UNIT_ID].to_numpy())
        return cls(
            units,
            county=county,
            households=households,
            adjacency=adjacency,
            bridges=bridges,
            bounds=bounds,
            params=params,
            locked=locked,
        )

    # ------------------------------------------------------------- accessors
    @property
    def crs(self) -> pyproj.CRS | None:
        """The metric CRS of the plan's geometries."""
        return self._units.crs

    @cached_property
    def n_grids(self) -> int:
        """Number of grids."""
        return int(self._units[GRID_ID].max()) + 1 if len(self._units) else 0

    @property
    def units(self) -> gpd.GeoDataFrame:
        """Units with their ``grid_id`` (a copy)."""
        return self._units.copy()

    @property
    def households(self) -> gpd.GeoDataFrame:
        """Households with ``unit_id`` and ``grid_id`` (a copy; may be empty)."""
        if self._households is None:
            return gpd.GeoDataFrame(
                {HOUSEHOLD_ID: [], UNIT_ID: [], GRID_ID: []}, geometry=[], crs=self.crs
            )
        return self._households.copy()

    @property
    def household_grid(self) -> pd.Series:
        """``grid_id`` of every household, indexed by ``household_id``."""
        hh = self.households
        return pd.Series(
            hh[GRID_ID].to_numpy(dtype=np.int64),
            index=pd.Index(hh[HOUSEHOLD_ID].astype(str), name=HOUSEHOLD_ID),
            name=GRID_ID,
        )

    @property
    def village_grid(self) -> pd.Series:
        """``grid_id`` of each village's largest part, indexed by ``village_id``."""
        u = self._units.sort_values([VILLAGE_ID, HOUSEHOLDS], ascending=[True, False])
        first = u.drop_duplicates(VILLAGE_ID)
        return pd.Series(
            first[GRID_ID].to_numpy(),
            index=pd.Index(first[VILLAGE_ID], name=VILLAGE_ID),
            name=GRID_ID,
        )

    @property
    def bridges(self) -> pd.DataFrame:
        """Island bridges: pairs of units linked without a shared border."""
        return self._bridges.copy()

    @property
    def bounds(self) -> pd.DataFrame:
        """Per grid: the bounded ``measure`` and its ``lo``, ``hi``, ``target``."""
        return self._bounds.copy()

    @property
    def split_villages(self) -> pd.Index:
        """Villages whose households are in more than one grid."""
        n = self._units.groupby(VILLAGE_ID)[GRID_ID].nunique()
        return n.index[n > 1]

    @cached_property
    def _grids(self) -> gpd.GeoDataFrame:
        return _grid_table(self, self._grid_fields)

    @cached_property
    def _grid_fields(self) -> pd.DataFrame:
        # the grid table without the dissolved polygons (dissolving is the slow
        # part): enough for the bounds checks
        return _grid_fields(self)

    @property
    def grids(self) -> gpd.GeoDataFrame:
        """One row per grid with its dissolved polygon and figures (a copy).

        Columns: ``grid_id``, ``households``, ``persons``, ``n_villages``,
        ``n_units``, ``area_km2``, ``compactness`` (Polsby–Popper), ``travel_km``
        (mean household distance to the grid's weighted centre), ``town_id`` (main
        township), ``n_towns``, ``zone``, ``industry`` (main), ``purity`` (share of
        households in the main industry), ``strategy``, ``contiguous``,
        ``in_bounds``, geometry.
        """
        return self._grids.copy()

    @cached_property
    def metrics(self) -> dict[str, float]:
        """Plan measures as defined in DESIGN.md: balance, contiguity, compactness..."""
        g = self._grids
        b = self._bounds.reindex(g[GRID_ID])
        hh = g[HOUSEHOLDS].to_numpy(dtype=float)
        on_hh = (b["measure"] == HOUSEHOLDS).to_numpy()
        lo = np.where(on_hh, b["lo"].to_numpy(dtype=float), -np.inf)
        hi = np.where(on_hh, b["hi"].to_numpy(dtype=float), np.inf)
        lo = np.where(np.isnan(lo), -np.inf, lo)
        hi = np.where(np.isnan(hi), np.inf, hi)
        target = hh.sum() / max(len(hh), 1)
        hh_xy, hh_w, hh_lab = _travel_points(self)
        mean_km = (
            float(
                np.average(travel_burden(hh_xy, hh_lab, hh_w)[0][hh_lab], weights=hh_w)
            )
            if len(hh_lab)
            else 0.0
        )
        out = summarise(
            g,
            lo=lo,
            hi=hi,
            target=target,
            travel_km_mean=mean_km,
            split_villages=len(self.split_villages),
        )
        out["in_bounds"] = float(g["in_bounds"].mean()) if len(g) else 1.0
        out["bridges"] = len(self._bridges)
        if "purity" in g:
            out["purity"] = float(np.average(g["purity"], weights=np.maximum(hh, 1)))
        return out

    # --------------------------------------------------------------- checks
    def out_of_bounds(self) -> pd.DataFrame:
        """Grids whose bounded measure lies outside ``[lo, hi]``.

        Returns
        -------
        pandas.DataFrame
            ``grid_id``, ``town_id``, ``measure``, ``value``, ``lo``, ``hi`` and
            ``reason``: why no single move of a whole unit to or from a
            neighbouring grid of the same township mends it, or that one would
            (the search missed it).
        """
        g = self._grid_fields.set_index(GRID_ID)
        b = self._bounds.reindex(g.index)
        value = _bounded_value(g, b)
        bad = ~g["in_bounds"].to_numpy()
        out = pd.DataFrame(
            {
                GRID_ID: g.index[bad],
                TOWN_ID: g[TOWN_ID].to_numpy()[bad],
                "measure": b["measure"].to_numpy()[bad],
                "value": value[bad],
                "lo": b["lo"].to_numpy()[bad],
                "hi": b["hi"].to_numpy()[bad],
            }
        )
        out["reason"] = [
            household_reason(self, int(r.grid_id), r.value, r.lo, r.hi)
            if r.measure == HOUSEHOLDS
            else count_reason(self, int(r.grid_id), r.lo, r.hi)
            if r.measure == "villages"
            else ""
            for r in out.itertuples()
        ]
        return out

    def is_valid(self) -> bool:
        """Whether every unit and household has one grid and every grid is connected."""
        return self.validate().empty

    def validate(self) -> pd.DataFrame:
        """List the plan's problems (one row per problem: ``check``, ``detail``)."""
        rows = []
        g = self._grids
        for gid in g.loc[~g["contiguous"], GRID_ID]:
            rows.append(
                {"check": "contiguity", "detail": f"grid {gid} is not one piece"}
            )
        if self._units[GRID_ID].isna().any():
            rows.append({"check": "assignment", "detail": "units without a grid"})
        if self._households is not None and self._households[GRID_ID].isna().any():
            n = int(self._households[GRID_ID].isna().sum())
            rows.append(
                {"check": "assignment", "detail": f"{n} households without a grid"}
            )
        for r in self.out_of_bounds().itertuples():
            rows.append(
                {
                    "check": "bounds",
                    "detail": f"grid {r.grid_id}: {r.value:,.0f} {r.measure}"
                    f" outside [{r.lo:,.0f}, {r.hi:,.0f}]",
                }
            )
        return pd.DataFrame(rows, columns=["check", "detail"])

    # ---------------------------------------------------------------- edits
    def reassign(
        self,
        units: str | Iterable[str],
        grid: int,
        *,
        on_violation: Literal["raise", "warn", "ignore"] = "raise",
    ) -> Plan:
        """Move units to ``grid`` by hand; return a new Plan.

        Parameters
        ----------
        units
            Unit id(s) (a village id for a whole village).
        grid
            Destination ``grid_id``.
        on_violation
            What to do when the edit breaks contiguity or bounds, or touches a
            locked grid: ``"raise"`` (default, :class:`ValidationError`), ``"warn"``
            or ``"ignore"``.

        Returns
        -------
        Plan
        """
        ids = [units] if isinstance(units, str) else [str(u) for u in units]
        known = set(self._units[UNIT_ID])
        unknown = [u for u in ids if u not in known]
        if unknown:
            msg = (
                f"Unknown unit id(s) {unknown[:10]}; "
                f"units are e.g. {sorted(known)[:5]}."
            )
            raise ValidationError(msg)
        if not 0 <= grid < self.n_grids:
            msg = f"grid must be in 0..{self.n_grids - 1}; got {grid}."
            raise ValidationError(msg)
        labels = self._units[GRID_ID].to_numpy().copy()
        mask = self._units[UNIT_ID].isin(ids).to_numpy()
        touched = set(labels[mask]) | {grid}
        labels[mask] = grid
        new = self._derive(labels)
        problems = new.validate()
        problems = problems[
            problems["detail"].str.contains("|".join(rf"grid {g}\b" for g in touched))
        ]
        if touched & self.locked:
            problems = pd.concat(
                [
                    problems,
                    pd.DataFrame(
                        [
                            {
                                "check": "locked",
                                "detail": "locked grids "
                                f"{sorted(touched & self.locked)}",
                            }
                        ]
                    ),
                ]
            )
        if len(problems) and on_violation != "ignore":
            msg = "The edit breaks the plan:\n  " + "\n  ".join(problems["detail"])
            if on_violation == "raise":
                raise ValidationError(
                    msg + "\nPass on_violation='warn' to keep it anyway."
                )
            warnings.warn(msg, GridgeoWarning, stacklevel=2)
        return new

    def _derive(self, labels: np.ndarray, **changes: Any) -> Plan:
        """Return a new Plan with the same units and new labels."""
        units = self._units.copy()
        units[GRID_ID] = labels
        hh = self._households
        if hh is not None:
            hh = hh.copy()
            hh[GRID_ID] = hh[UNIT_ID].map(units.set_index(UNIT_ID)[GRID_ID]).to_numpy()
        plan = Plan(
            units,
            county=self.county,
            households=hh,
            adjacency=self._adjacency,
            bridges=self._bridges,
            bounds=self._bounds,
            params={**self.params, "edited": True},
            locked=changes.get("locked", self.locked),
        )
        return plan

    def lock(self, grids: int | Iterable[int]) -> Plan:
        """Return a new Plan with ``grids`` locked: :meth:`repartition` keeps them."""
        ids = {grids} if isinstance(grids, int) else set(grids)
        bad = sorted(g for g in ids if not 0 <= g < self.n_grids)
        if bad:
            msg = f"No grid(s) {bad}; grids are 0..{self.n_grids - 1}."
            raise ValidationError(msg)
        return self._derive(self._units[GRID_ID].to_numpy(), locked=self.locked | ids)

    def repartition(
        self, strategy: Any = None, *, seed: Any = None, **kwargs: Any
    ) -> Plan:
        """Partition the county again, keeping the locked grids as they are.

        Parameters
        ----------
        strategy
            Strategy (or zoned dict) for the rest; default the plan's own.
        seed
            Use an int to make the result deterministic.
        **kwargs
            Passed to :func:`gridgeo.partition`.

        Returns
        -------
        Plan
        """
        from gridgeo.partition import partition

        if self.county is None:
            msg = "repartition() needs the County the plan was made from."
            raise ValidationError(msg)
        locked = self._units[self._units[GRID_ID].isin(self.locked)]
        return partition(
            self.county,
            strategy if strategy is not None else self.params.get("_strategy"),
            seed=seed,
            locked=dict(zip(locked[UNIT_ID], locked[GRID_ID], strict=True)),
            **kwargs,
        )

    def compare(self, other: Plan) -> pd.DataFrame:
        """Households (or units) whose grid differs between two plans.

        Grids are matched by largest household overlap, so a renumbering is not a
        move.

        Returns
        -------
        pandas.DataFrame
            One row per moved household (``household_id``, ``village_id``,
            ``grid_before``, ``grid_after``), or per moved unit when the plans have no
            household records.
        """
        if len(self.households) and len(other.households):
            a = self.households.set_index(HOUSEHOLD_ID)
            b = other.households.set_index(HOUSEHOLD_ID)
            key, weight = HOUSEHOLD_ID, None
        else:
            a = self._units.set_index(UNIT_ID)
            b = other._units.set_index(UNIT_ID)
            key, weight = UNIT_ID, HOUSEHOLDS
        common = a.index.intersection(b.index)
        before = a.loc[common, GRID_ID].astype(int)
        after = b.loc[common, GRID_ID].astype(int)
        w = a.loc[common, weight] if weight else pd.Series(1, index=common)
        overlap = pd.crosstab(after, before, values=w, aggfunc="sum").fillna(0)
        match = overlap.idxmax(axis=1)  # each new grid -> its main old grid
        moved = before.to_numpy() != after.map(match).to_numpy()
        return pd.DataFrame(
            {
                key: common[moved],
                VILLAGE_ID: a.loc[common[moved], VILLAGE_ID].to_numpy(),
                "grid_before": before.to_numpy()[moved],
                "grid_after": after.to_numpy()[moved],
            }
        ).reset_index(drop=True)

    # ---------------------------------------------------------------- output
    def to_file(self, path: str | Path, *, driver: str = "GPKG") -> None:
        """Write the plan to a GeoPackage: units, grids, household_grid and params.

        The ``household_grid`` layer holds only ``household_id``, ``unit_id`` and
        ``grid_id``: no personal fields and no coordinates.

        Parameters
        ----------
        path
            Output file (``.gpkg``).
        driver
            OGR driver; only ``"GPKG"`` keeps every layer.
        """
        path = Path(path)
        if path.exists():
            path.unlink()
        self._units.to_file(path, layer="units", driver=driver)
        self.grids.to_file(path, layer="grids", driver=driver)
        hh = self.households
        table = pd.DataFrame(
            {
                HOUSEHOLD_ID: hh[HOUSEHOLD_ID].astype(str).to_numpy(),
                UNIT_ID: hh[UNIT_ID].astype(str).to_numpy(),
                GRID_ID: hh[GRID_ID].to_numpy(dtype=np.int64),
            }
        )
        gpd.GeoDataFrame(table, geometry=[None] * len(table), crs=self.crs).to_file(
            path, layer="household_grid", driver=driver
        )
        meta = {
            "params": {k: v for k, v in self.params.items() if not k.startswith("_")},
            "locked": sorted(self.locked),
            "bounds": self._bounds.reset_index().to_dict("list"),
            "bridges": self._bridges.astype(str).to_dict("list"),
        }
        gpd.GeoDataFrame(
            {
                "key": ["plan"],
                "value": [json.dumps(meta, default=str, ensure_ascii=False)],
            },
            geometry=[None],
            crs=self.crs,
        ).to_file(path, layer="params", driver=driver)

    def explore(self, m: folium.Map | None = None, **kwargs: Any) -> folium.Map:
        """Draw the plan on a folium map (see :func:`gridgeo.plan_map`).

        Parameters
        ----------
        m
            An existing map to draw on.
        **kwargs
            Passed to :func:`gridgeo.plan_map`.

        Returns
        -------
        folium.Map
        """
        from gridgeo.viz import plan_map

        return (
            plan_map(self, m=m, **kwargs) if m is not None else plan_map(self, **kwargs)
        )

    def summary(self) -> str:
        """Return a plain-text summary of the plan and its measures."""
        m = self.metrics
        lines = [
            f"Plan: {m['n_grids']} grids over {len(self._units):,} units, "
            f"{m['households']:,} {self.params.get('weight') or 'households'}",
            f"  strategy        {self.params.get('strategy', '?')}",
            f"  in bounds       {m['in_bounds']:.0%}",
            f"  deviation       max {m['max_deviation_pct']:.1f} %, "
            f"mean {m['mean_deviation_pct']:.1f} % (from the mean grid)",
            f"  contiguous      {m['contiguous_share']:.0%}"
            f"  ({m['bridges']} island bridges)",
            f"  compactness     {m['compactness']:.2f} (mean Polsby–Popper)",
            f"  travel burden   {m['travel_km']:.2f} km"
            " (mean household to grid centre)",
            f"  crossings       {m['crossings']} grids span townships",
            f"  split villages  {m['split_villages']}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        m = self.metrics
        cont = (
            "contiguous"
            if m["contiguous_share"] == 1
            else (f"{m['contiguous_share']:.0%} contiguous")
        )
        return (
            f"<Plan: {self.n_grids} grids over {len(self._units):,} units, "
            f"balance ±{m['max_deviation_pct']:.1f}%, {cont}>"
        )

    def _repr_html_(self) -> str:
        cols = [
            GRID_ID,
            TOWN_ID,
            HOUSEHOLDS,
            "n_villages",
            "area_km2",
            "compactness",
            "travel_km",
        ]
        head = self.summary().replace("\n", "<br>").replace("  ", "&nbsp;&nbsp;")
        table = self.grids[cols].head(30).to_html(index=False, float_format="%.2f")
        return f"<div><tt>{head}</tt>{table}</div>"


def _travel_points(plan: Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, weights and grid labels for the travel burden (households if any)."""
    hh = plan._households
    if (
        hh is not None
        and len(hh)
        and hh[GRID_ID].notna().all()
        and hh.geometry.notna().all()
    ):
        xy = shapely.get_coordinates(hh.geometry.values)
        return xy, np.ones(len(xy)), hh[GRID_ID].to_numpy(dtype=np.int64)
    u = plan._units
    xy = shapely.get_coordinates(u.geometry.representative_point().values)
    return (
        xy,
        u[HOUSEHOLDS].to_numpy(dtype=float) + 1e-9,
        u[GRID_ID].to_numpy(dtype=np.int64),
    )


def _mode(frame: pd.DataFrame, col: str, weight: str) -> tuple[pd.Series, pd.Series]:
    """Return the main value of ``col`` per grid (by weight) and its share."""
    t = frame.groupby([GRID_ID, col])[weight].sum().reset_index()
    t = t.sort_values([GRID_ID, weight, col], ascending=[True, False, True])
    top = t.drop_duplicates(GRID_ID).set_index(GRID_ID)
    total = frame.groupby(GRID_ID)[weight].sum()
    share = top[weight] / total.replace(0, np.nan)
    return top[col], share.fillna(1.0)


def _bounded_value(grids: pd.DataFrame, bounds: pd.DataFrame) -> np.ndarray:
    """Each grid's value of the measure its bounds are on (villages, workload, ...)."""
    measure = bounds["measure"].to_numpy()
    workload = grids.get("workload_min", np.nan)
    return np.where(
        measure == "villages",
        grids["n_villages"].to_numpy(dtype=float),
        np.where(measure == "workload_min", workload, grids[HOUSEHOLDS]),
    ).astype(float)


def _grid_table(plan: Plan, fields: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add the dissolved polygons, area and compactness to the grid ``fields``."""
    u = plan._units
    k = plan.n_grids
    if u.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        geoms = u.geometry.values
        dissolved = [
            shapely.union_all(geoms[u[GRID_ID].to_numpy() == g]) for g in range(k)
        ]
    else:
        dissolved = [
            shapely.multipoints(
                shapely.get_coordinates(u.geometry.values[u[GRID_ID] == g])
            )
            for g in range(k)
        ]
    split = fields.columns.get_loc("travel_km")
    grids = gpd.GeoDataFrame(
        fields.iloc[:, :split].copy(), geometry=dissolved, crs=u.crs
    )
    grids["area_km2"] = grids.geometry.area / 1e6
    grids["compactness"] = polsby_popper(grids.geometry)
    for col in fields.columns[split:]:
        grids[col] = fields[col].to_numpy()
    return grids


def _grid_fields(plan: Plan) -> pd.DataFrame:
    """Tabulate every grid column but the polygons and what is measured on them."""
    u = plan._units
    k = plan.n_grids
    agg = {
        HOUSEHOLDS: (HOUSEHOLDS, "sum"),
        "n_units": (UNIT_ID, "size"),
        "n_villages": (VILLAGE_ID, "nunique"),
        "n_towns": (TOWN_ID, "nunique"),
    }
    if PERSONS in u:
        agg[PERSONS] = (PERSONS, "sum")
    if "workload_min" in u:
        agg["workload_min"] = ("workload_min", "sum")
    table = u.groupby(GRID_ID).agg(**agg).reindex(range(k))
    table[TOWN_ID], _ = _mode(u, TOWN_ID, HOUSEHOLDS)
    for col in (ZONE, INDUSTRY):
        if col in u:
            table[col], share = _mode(u, col, HOUSEHOLDS)
            if col == INDUSTRY:
                table["purity"] = share
    grids = table.reset_index()
    xy, w, lab = _travel_points(plan)
    per_grid, _ = travel_burden(xy, lab, w) if len(lab) else (np.zeros(k), None)
    grids["travel_km"] = per_grid[:k] if len(per_grid) >= k else np.resize(per_grid, k)
    adj = plan._adjacency
    if adj is None:
        adj, _ = build_contiguity(u)
    grids["contiguous"] = contiguous_mask(adj, u[GRID_ID].to_numpy(), k)
    b = plan._bounds.reindex(range(k))
    grids["strategy"] = b["strategy"].fillna("").to_numpy() if "strategy" in b else ""
    value = _bounded_value(grids, b)
    lo = b["lo"].fillna(-np.inf).to_numpy(dtype=float)
    hi = b["hi"].fillna(np.inf).to_numpy(dtype=float)
    grids["in_bounds"] = (value >= lo - 1e-6) & (value <= hi + 1e-6)
    return grids


def read_plan(path: str | Path, *, county: County | None = None) -> Plan:
    """Read a plan written by :meth:`Plan.to_file`.

    The County is not stored; the plan's units, households-to-grid table, bounds,
    bridges and params are. Pass the planned ``county`` to get the households
    back with their points and fields (for maps, coverage and staffing): its
    households must be exactly those of the plan, and the units are brought to
    its CRS.

    Parameters
    ----------
    path
        A GeoPackage written by :meth:`Plan.to_file`.
    county
        The County the plan was made for (optional).

    Returns
    -------
    Plan

    Raises
    ------
    ValidationError
        Not a plan file; or a ``county`` whose households differ from the plan's
        (the message names the first households in question).
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        msg = f"No plan file at {path}."
        raise ValidationError(msg)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    missing = {"units", "params"} - layers
    if missing:
        msg = f"{path} is not a gridgeo plan: layers {sorted(missing)} are missing."
        raise ValidationError(msg)
    units = gpd.read_file(path, layer="units")
    for col in (UNIT_ID, VILLAGE_ID, TOWN_ID):
        if col in units:
            units[col] = units[col].astype(str)
    meta = json.loads(gpd.read_file(path, layer="params")["value"].iloc[0])
    bounds = pd.DataFrame(meta["bounds"]).set_index(GRID_ID)
    hh = None
    if "household_grid" in layers:
        t = pd.DataFrame(
            gpd.read_file(path, layer="household_grid").drop(columns="geometry")
        )
        hh = gpd.GeoDataFrame(
            {
                HOUSEHOLD_ID: t[HOUSEHOLD_ID].astype(str),
                UNIT_ID: t[UNIT_ID].astype(str),
                GRID_ID: t[GRID_ID].astype(np.int64),
            },
            geometry=[None] * len(t),
            crs=units.crs,
        )
    if county is not None:
        if units.crs is not None and county.crs is not None:
            units = units.to_crs(county.crs)
        hh = _county_households(county, hh, units, path)
    bridges = pd.DataFrame(meta["bridges"])
    adjacency, _ = build_contiguity(units, ids=units[UNIT_ID].to_numpy())
    if len(bridges):
        pos = {u: i for i, u in enumerate(units[UNIT_ID])}
        i = bridges["u"].map(pos).to_numpy(dtype=int)
        j = bridges["v"].map(pos).to_numpy(dtype=int)
        extra = sparse.csr_array(
            (np.ones(2 * len(i)), (np.r_[i, j], np.r_[j, i])), shape=adjacency.shape
        )
        adjacency = (adjacency + extra).tocsr()
        adjacency.data[:] = 1
    return Plan(
        units,
        county=county,
        households=hh,
        adjacency=adjacency,
        bridges=bridges,
        bounds=bounds,
        params=meta["params"],
        locked=meta["locked"],
    )


def _county_households(
    county: County, table: gpd.GeoDataFrame | None, units: gpd.GeoDataFrame, path: Path
) -> gpd.GeoDataFrame:
    """Return the County's households with the plan file's unit and grid."""
    households = county.households.copy()
    ids = households[HOUSEHOLD_ID].astype(str)
    grid_of_unit = units.set_index(UNIT_ID)[GRID_ID]
    if table is None or len(table) == 0:
        # a plan of village counts: households follow their village
        unit = households[VILLAGE_ID].astype(str)
        problems = [
            ("are in villages the plan lacks", ids[~unit.isin(grid_of_unit.index)])
        ]
    else:
        stored = table.set_index(HOUSEHOLD_ID)[UNIT_ID]
        unit = ids.map(stored)
        problems = [
            ("are not in the plan", ids[~ids.isin(stored.index)]),
            (
                "of the plan are not among them",
                stored.index[~stored.index.isin(ids)],
            ),
        ]
    for what, missing in problems:
        if len(missing):
            shown = ", ".join(map(str, list(missing)[:5]))
            msg = (
                f"The plan {path} does not match these households: "
                f"{len(missing):,} households {what} (e.g. {shown}). Use the "
                "villages and households the plan was made from."
            )
            raise ValidationError(msg)
    households[UNIT_ID] = unit.to_numpy()
    households[GRID_ID] = unit.map(grid_of_unit).to_numpy(dtype=np.int64)
    return households
