"""The County: villages, households, roads and service points in one metric CRS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pyproj

from gridgeo._columns import HOUSEHOLDS, TOWN_ID
from gridgeo.validate import ValidationReport

__all__ = ["County"]


@dataclass(eq=False)
class County:
    """Validated planning data of one county, every layer in one metric CRS.

    Build it with :func:`gridgeo.read_county` (or :func:`gridgeo.datasets.synthetic_county`);
    the constructor trusts its input and does no validation.

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
        Existing service points: ``site_id`` (str), ``town_id``, Point geometry, or ``None``.
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
            towns = self.villages.dissolve(by=TOWN_ID, aggfunc={c: "sum" for c in cols})
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


def read_county(*args: object, **kwargs: object) -> County:
    """Placeholder: being written."""
    raise NotImplementedError
