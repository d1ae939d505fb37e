"""Shared helpers of the coverage package: County / Plan inputs, demand and sites."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgeo._columns import (
    GRID_ID,
    HOUSEHOLD_ID,
    HOUSEHOLDS,
    SITE_ID,
    TOWN_ID,
    VILLAGE_ID,
)
from gridgeo.errors import ValidationError

__all__ = ["WEIGHT", "demand_points", "resolve", "site_frame"]

WEIGHT = "weight"


def resolve(county_or_plan: Any) -> tuple[Any, Any]:
    """Return ``(county, plan)`` from a County or a Plan (``plan`` may be None)."""
    if hasattr(county_or_plan, "villages") and hasattr(county_or_plan, "crs"):
        return county_or_plan, None
    county = getattr(county_or_plan, "county", None)
    if county is None:
        msg = (
            "Expected a gridgeo County or a Plan built from one (plan.county is None); "
            f"got {type(county_or_plan).__name__}."
        )
        raise ValidationError(msg)
    return county, county_or_plan


def _town_of_village(county: Any) -> pd.Series:
    v = county.villages
    return pd.Series(v[TOWN_ID].astype(str).to_numpy(), index=v[VILLAGE_ID].astype(str))


def demand_points(county: Any, plan: Any = None) -> gpd.GeoDataFrame:
    """Return the demand points: one row per household record, else per village.

    Returns
    -------
    geopandas.GeoDataFrame
        ``household_id`` (the village id when rows are villages), ``village_id``,
        ``town_id``, ``grid_id`` (with a plan, else absent), ``weight`` (households
        the row stands for) and Point geometry, in the County CRS; ``attrs["level"]``
        is ``"households"`` or ``"villages"``.
    """
    hh = plan.households if plan is not None else county.households
    if hh is not None and len(hh):
        out = gpd.GeoDataFrame(
            {
                HOUSEHOLD_ID: hh[HOUSEHOLD_ID].astype(str).to_numpy(),
                VILLAGE_ID: hh[VILLAGE_ID].astype(str).to_numpy(),
            },
            geometry=hh.geometry.to_numpy(),
            crs=hh.crs,
            index=hh.index,
        )
        if TOWN_ID in hh:
            out[TOWN_ID] = hh[TOWN_ID].astype(str).to_numpy()
        else:
            out[TOWN_ID] = out[VILLAGE_ID].map(_town_of_village(county)).to_numpy()
        if plan is not None and GRID_ID in hh:
            out[GRID_ID] = hh[GRID_ID].to_numpy()
        out[WEIGHT] = 1.0
        out.attrs["level"] = "households"
        return out
    v = county.villages
    geom = v.geometry.representative_point()
    out = gpd.GeoDataFrame(
        {
            HOUSEHOLD_ID: v[VILLAGE_ID].astype(str).to_numpy(),
            VILLAGE_ID: v[VILLAGE_ID].astype(str).to_numpy(),
            TOWN_ID: v[TOWN_ID].astype(str).to_numpy(),
        },
        geometry=geom.to_numpy(),
        crs=v.crs,
        index=v.index,
    )
    if plan is not None:
        vg = getattr(plan, "village_grid", None)
        if vg is not None:
            out[GRID_ID] = out[VILLAGE_ID].map(vg).to_numpy()
    out[WEIGHT] = v[HOUSEHOLDS].astype(float).to_numpy()
    out.attrs["level"] = "villages"
    return out


def site_frame(sites: Any, county: Any, *, label: str) -> gpd.GeoDataFrame:
    """Return sites with ``site_id`` (str) and ``town_id`` in the County CRS.

    A missing ``town_id`` is taken from the village containing the site (else the
    nearest village); a missing ``site_id`` is ``"<label>-<k>"``.
    """
    if sites is None:
        return gpd.GeoDataFrame(
            {SITE_ID: pd.Series([], dtype=str), TOWN_ID: pd.Series([], dtype=str)},
            geometry=gpd.GeoSeries([], crs=county.crs),
            crs=county.crs,
        )
    if not isinstance(sites, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"{label} must be a GeoDataFrame of points; got {type(sites).__name__}."
        raise ValidationError(msg)
    gdf = sites.to_frame() if isinstance(sites, gpd.GeoSeries) else sites.copy()
    if gdf.crs is None:
        gdf = gdf.set_crs(county.crs)
    elif not gdf.crs.equals(county.crs):
        gdf = gdf.to_crs(county.crs)
    if SITE_ID not in gdf:
        gdf[SITE_ID] = [f"{label}-{k}" for k in range(len(gdf))]
    gdf[SITE_ID] = gdf[SITE_ID].astype(str)
    if TOWN_ID not in gdf or gdf[TOWN_ID].isna().any():
        v = county.villages[[TOWN_ID, "geometry"]]
        j = gpd.sjoin_nearest(gdf[["geometry"]], v, how="left")
        town = j[~j.index.duplicated()][TOWN_ID].astype(str)
        if TOWN_ID in gdf:
            gdf[TOWN_ID] = gdf[TOWN_ID].where(gdf[TOWN_ID].notna(), town)
        else:
            gdf[TOWN_ID] = town
    gdf[TOWN_ID] = gdf[TOWN_ID].astype(str)
    return gdf.reset_index(drop=True)


def share_table(frame: pd.DataFrame, by: str, flag: str, weight: str) -> pd.DataFrame:
    """Weighted share of ``flag`` per ``by`` value: households, covered, share."""
    w = frame[weight].to_numpy(float)
    f = frame[flag].to_numpy(bool)
    g = pd.DataFrame({by: frame[by].to_numpy(), "households": w, flag: w * f})
    out = g.groupby(by, sort=True).sum()
    out["share"] = np.where(
        out["households"] > 0, out[flag] / out["households"], np.nan
    )
    return out.reset_index()
