"""The County: villages, households, roads and service points in one metric CRS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj

from gridgeo._columns import HOUSEHOLDS, TOWN_ID
from gridgeo._load import load_layers
from gridgeo.validate import ValidationReport

__all__ = ["County", "read_county"]


@dataclass(eq=False)
class County:
    """Validated planning data of one county, every layer in one metric CRS.

    Build it with :func:`gridgeo.read_county` (or
    :func:`gridgeo.datasets.synthetic_county`); the constructor trusts its input and
    does no validation.

    Attributes
    ----------
    villages
        ``village_id`` (str), ``town_id`` (str), ``name``, ``households`` (int),
        ``persons`` (int), optional ``zone`` / ``industry``, Polygon geometry.
        Indexed 0..n-1.
    households
        ``household_id`` (str), ``village_id`` (str), ``persons`` (int), ``located``
        (bool: own coordinates; ``False`` means the point is the village's
        representative point), Point geometry, plus any tag columns of the input.
        May be empty when villages only carry household counts.
    roads
        LineStrings with ``road_class`` and ``speed_kmh``, or ``None``.
    service_points
        Existing service points: ``site_id`` (str), ``town_id``, Point geometry, or
        ``None``.
    candidate_sites
        Candidate service-point sites, same columns, or ``None``.
    crs
        The metric CRS of every layer (a CGCS2000 Gauss–Krüger or UTM zone).
    report
        Every rejected or repaired input row, with reason.
    name
        A label for summaries and maps.
    """

    villages: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    crs: pyproj.CRS
    report: ValidationReport
    roads: gpd.GeoDataFrame | None = None
    service_points: gpd.GeoDataFrame | None = None
    candidate_sites: gpd.GeoDataFrame | None = None
    name: str = "county"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def towns(self) -> gpd.GeoDataFrame:
        """Township polygons dissolved from the villages, with household totals."""
        if "towns" not in self._cache:
            cols = [c for c in (HOUSEHOLDS, "persons") if c in self.villages]
            towns = self.villages.dissolve(
                by=TOWN_ID, aggfunc=dict.fromkeys(cols, "sum")
            )
            towns["n_villages"] = self.villages.groupby(TOWN_ID).size()
            if "town_name" in self.villages:
                towns["town_name"] = self.villages.groupby(TOWN_ID)["town_name"].first()
            self._cache["towns"] = towns.reset_index()
        return self._cache["towns"].copy()

    @property
    def n_households(self) -> int:
        """Total households (from the village counts, which include unlocated ones)."""
        return int(self.villages[HOUSEHOLDS].sum())

    def summary(self) -> str:
        """Return a plain-text, multi-line summary of the county."""
        v = self.villages
        lines = [
            f"County {self.name!r} in {self.crs.name} (EPSG:{self.crs.to_epsg()})",
            f"  townships      {v[TOWN_ID].nunique():>10,}",
            f"  villages       {len(v):>10,}",
            f"  households     {self.n_households:>10,}"
            f"  ({len(self.households):,} with a record)",
            f"  area           {v.area.sum() / 1e6:>10,.1f} km²",
        ]
        if self.roads is not None:
            lines.append(
                f"  roads          {self.roads.length.sum() / 1e3:>10,.1f} km"
                f" in {len(self.roads):,} segments"
            )
        if self.service_points is not None:
            lines.append(f"  service points {len(self.service_points):>10,}")
        if self.candidate_sites is not None:
            lines.append(f"  candidate sites{len(self.candidate_sites):>10,}")
        lines.append("  " + self.report.summary().replace("\n", "\n  "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<County {self.name!r}: {len(self.villages):,} villages, "
            f"{self.n_households:,} households, {self.villages[TOWN_ID].nunique()} "
            f"townships, EPSG:{self.crs.to_epsg()}>"
        )


def read_county(
    villages: Any,
    households: Any = None,
    roads: Any = None,
    service_points: Any = None,
    candidate_sites: Any = None,
    crs: Any = None,
    *,
    id_col: str | None = None,
    town_col: str | None = None,
    name_col: str | None = None,
    households_col: str | None = None,
    persons_col: str | None = None,
    household_id_col: str | None = None,
    village_col: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    household_persons_col: str | None = None,
    household_size: float = 2.62,
    tolerance: float = 500.0,
    metric_crs: Any = None,
    check_offset: bool = True,
    name: str | None = None,
    strict: bool = False,
) -> County:
    """Load, repair and validate a county's layers into one metric CRS.

    Every layer may be a path (GeoPackage, Shapefile incl. GBK ``.cpg``, GeoJSON,
    FlatGeobuf, GeoParquet; CSV / .xlsx with lon/lat for point layers) or a
    (Geo)DataFrame. The villages decide the metric CRS (a CGCS2000 3-degree
    Gauss–Krüger zone in China, else UTM; see
    :func:`~gridgeo.crs.choose_metric_crs`) unless ``metric_crs`` is given; every
    layer is reprojected to it. Nothing is lost silently: each rejected, repaired
    or re-assigned row is in ``county.report`` and, per layer,
    ``loaded + rejected == read``.

    Households are assigned to villages by location (vectorised point-in-polygon):

    * inside one village → that village (a declared village id that differs is
      reported as ``village_mismatch``, the location wins);
    * inside several (overlapping villages) → the smallest ``village_id``
      (``village_overlap``, ``assigned``);
    * outside every village → the nearest village within ``tolerance`` metres
      (``outside_villages``, ``assigned``), else rejected (and an
      :class:`~gridgeo.errors.UnassignedHouseholdsWarning`);
    * no usable coordinates but a village id → the village's representative point
      with ``located=False``; an unknown village id is rejected
      (``unknown_village``).

    Village ``households`` / ``persons`` are then the counts / persons sums of the
    loaded households; the villages' own count columns, if any, are kept as
    ``households_declared`` / ``persons_declared``. Without households, the
    villages' count column is used (``persons`` from a persons column, else
    ``round(households * household_size)``), or 0 with an ``info`` row.

    Parameters
    ----------
    villages
        Village polygons (required).
    households
        Household points, a lon/lat table, or a table of village ids only.
    roads
        Road lines (validated here, analysed by :mod:`gridgeo.network`).
    service_points, candidate_sites
        Points; ``site_id`` generated (``S0001``… / ``C0001``…) when missing,
        ``town_id`` taken from the containing (or nearest) village when missing.
    crs
        CRS of the inputs' coordinates: one for all, or a dict by layer name
        (``"villages"``, ``"households"``, ``"roads"``, ``"service_points"``,
        ``"candidate_sites"``). Any pyproj input, or ``"gcj02"`` / ``"bd09"``
        (converted to WGS84 on load). It overrides what files declare.
    id_col, town_col, name_col, households_col, persons_col
        Village columns (default: found by common names, see
        :data:`gridgeo._read.ALIASES`). Without a town column the township is the
        first 9 digits of 12-digit village codes, else ``"0"``.
    household_id_col, village_col, lon_col, lat_col, household_persons_col
        Household columns (default: found by common names).
    household_size
        Mean persons per household for estimates (2.62, census 2020).
    tolerance
        Metres within which a household outside every village is assigned to the
        nearest one.
    metric_crs
        Force the working CRS (default: chosen from the villages).
    check_offset
        Look for a GCJ-02 / WGS84 mix-up between households and villages and
        warn with :class:`~gridgeo.errors.CoordinateSystemWarning`.
    name
        Label of the county (default: the villages' file stem, else "county").
    strict
        Raise :class:`~gridgeo.errors.ValidationError` if any row was rejected.

    Returns
    -------
    County
        Villages and households indexed 0..n-1, every layer in ``county.crs``.

    Raises
    ------
    gridgeo.errors.ValidationError
        Missing / empty / unreadable file, missing required column (the message
        lists the columns found), any rejected row with ``strict=True``.
    gridgeo.errors.CRSError
        Unknown CRS, or projected coordinates without a CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> v = gpd.GeoDataFrame({"village_id": ["331125001001", "331125001002"]},
    ...     geometry=[shapely.box(119.50, 28.0, 119.52, 28.02),
    ...               shapely.box(119.52, 28.0, 119.54, 28.02)], crs=4326)
    >>> h = gpd.GeoDataFrame({"household_id": ["a", "b", "c"]},
    ...     geometry=gpd.points_from_xy([119.51, 119.53, 119.531], [28.01] * 3),
    ...     crs=4326)
    >>> county = read_county(villages=v, households=h)
    >>> county.villages[["village_id", "town_id", "households"]]
         village_id    town_id  households
    0  331125001001  331125001           1
    1  331125001002  331125001           2
    >>> county.crs.to_epsg()
    4549
    """
    parts = load_layers(
        villages=villages,
        households=households,
        roads=roads,
        service_points=service_points,
        candidate_sites=candidate_sites,
        crs=crs,
        village_opts={
            "id_col": id_col,
            "town_col": town_col,
            "name_col": name_col,
            "households_col": households_col,
            "persons_col": persons_col,
            "household_size": household_size,
        },
        household_opts={
            "id_col": household_id_col,
            "village_col": village_col,
            "lon_col": lon_col,
            "lat_col": lat_col,
            "persons_col": household_persons_col,
            "household_size": household_size,
        },
        household_size=household_size,
        tolerance=tolerance,
        metric_crs=metric_crs,
        check_offset=check_offset,
    )
    report = parts["report"]
    if strict:
        report.raise_if_rejected()
    if name is None:
        name = Path(villages).stem if isinstance(villages, str | Path) else "county"
    return County(
        villages=parts["villages"],
        households=parts["households"],
        crs=parts["crs"],
        report=report,
        roads=parts.get("roads"),
        service_points=parts.get("service_points"),
        candidate_sites=parts.get("candidate_sites"),
        name=name,
    )
