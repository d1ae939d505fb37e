"""Folium maps of plans and coverage, and offline HTML.

- :func:`plan_map` — grids (neighbour-coloured or classed), villages, townships,
  service points, households aggregated for privacy;
- :func:`coverage_map` — service areas, service points and uncovered households;
- :func:`save_map` — a self-contained HTML page that opens without internet.

Base maps and their coordinate systems are listed in :mod:`gridgeo.viz.basemaps`.
"""

from __future__ import annotations

from gridgeo.viz.coverage_map import coverage_map
from gridgeo.viz.offline import save_map
from gridgeo.viz.plan_map import plan_map

__all__ = ["coverage_map", "plan_map", "save_map"]
