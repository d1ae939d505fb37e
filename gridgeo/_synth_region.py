"""Private generator of a province-scale region of villages (metric plane).

Villages are Voronoi cells of a jittered hexagonal lattice inside an irregular
outline; counties and townships are grown over the village adjacency graph, so each
is contiguous and townships nest in counties.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from gridgeo._synth_geom import (
    grow_regions,
    kmeans_centres,
    outline_rho,
    smooth_field,
    voronoi_tiling,
)

__all__ = ["make_region"]


def _lattice(rng: np.random.Generator, half: float, step: float) -> np.ndarray:
    ys = np.arange(-half, half + step, step * np.sqrt(3) / 2)
    xs = np.arange(-half, half + step, step)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + (np.arange(ys.size)[:, None] % 2) * step / 2
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    return xy + rng.uniform(-0.35, 0.35, xy.shape) * step


def make_region(
    rng: np.random.Generator,
    *,
    n_villages: int,
    n_counties: int,
    n_towns: int,
    village_area_km2: float,
    households_per_village: float,
) -> dict[str, np.ndarray]:
    """Return village cells, county / town index and household counts."""
    step = np.sqrt(village_area_km2 * 1e6 * 2 / np.sqrt(3))
    radius = np.sqrt(n_villages * village_area_km2 * 1e6 / np.pi)
    seeds = _lattice(rng, 1.9 * radius, step)
    rho = outline_rho(rng, roughness=1.3)
    prio = rho(seeds)
    # Only a ring of spare seeds beyond the outline is needed.
    near = prio < np.quantile(prio, min(1.0, 2.2 * n_villages / len(prio)))
    seeds, prio = seeds[near], prio[near]
    tiling = voronoi_tiling(seeds, n_villages, prio, int(np.argmin(prio)))
    xy = tiling.seeds

    county_seed = np.unique(cKDTree(xy).query(kmeans_centres(xy, n_counties, rng))[1])
    county = grow_regions(xy, tiling.edges, county_seed)
    town_seed = np.unique(cKDTree(xy).query(kmeans_centres(xy, n_towns, rng))[1])
    town_seed = np.union1d(town_seed, county_seed)  # every county has a seed
    same_county = county[tiling.edges[:, 0]] == county[tiling.edges[:, 1]]
    town = grow_regions(xy, tiling.edges, town_seed, allowed=same_county)

    # Households: lognormal, more near county seats and in the lowlands.
    d, _ = cKDTree(xy[county_seed]).query(xy)
    boost = 1.0 + 2.5 * np.exp(-0.5 * (d / (1.5 * step)) ** 2)
    low = np.exp(0.4 * smooth_field(rng, 15 * step)(xy))
    hh = rng.lognormal(0.0, 0.6, xy.shape[0]) * boost * low
    hh = np.clip(hh / hh.mean(), 0.02, 5.0) * households_per_village
    hh = np.maximum(5, np.round(hh)).astype(np.int64)
    return {
        "cells": tiling.cells,
        "seeds": xy,
        "county": county,
        "town": town,
        "households": hh,
    }
