"""gridgeo: service-grid planning (网格化营销) for rural banks.

Load village boundaries, household points, roads and service points; cut the county
into balanced, contiguous, compact grids; analyse coverage and staffing; and draw
offline HTML maps that leak no personal data.

Examples
--------
>>> import gridgeo as gg
>>> county = gg.datasets.sample_county()
>>> plan = gg.partition(county, n_grids=25, seed=0)
>>> plan.n_grids
25
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from gridgeo import datasets, errors
from gridgeo.county import County, read_county
from gridgeo.coverage import (
    CoverageResult,
    SiteSelection,
    VisitCoverage,
    select_sites,
    service_coverage,
    staffing,
    travel_matrix,
    travel_times,
    visit_coverage,
)
from gridgeo.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    choose_metric_crs,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gridgeo.errors import (
    CRSError,
    GridgeoError,
    GridgeoWarning,
    InfeasibleError,
    InfeasiblePartitionError,
    ValidationError,
)
from gridgeo.io import read_households, read_roads, read_service_points, read_villages
from gridgeo.network import RoadNetwork, build_network
from gridgeo.partition import (
    ByCommunity,
    ByHouseholds,
    ByIndustry,
    ByVillages,
    ByWorkload,
    partition,
)
from gridgeo.plan import Plan, read_plan
from gridgeo.validate import ValidationReport
from gridgeo.viz import coverage_map, plan_map, save_map

try:
    __version__ = version("gridgeo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "ByCommunity",
    "ByHouseholds",
    "ByIndustry",
    "ByVillages",
    "ByWorkload",
    "CRSError",
    "County",
    "CoverageResult",
    "GridgeoError",
    "GridgeoWarning",
    "InfeasibleError",
    "InfeasiblePartitionError",
    "Plan",
    "RoadNetwork",
    "SiteSelection",
    "ValidationError",
    "ValidationReport",
    "VisitCoverage",
    "__version__",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "build_network",
    "choose_metric_crs",
    "coverage_map",
    "datasets",
    "errors",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "partition",
    "plan_map",
    "read_county",
    "read_households",
    "read_plan",
    "read_roads",
    "read_service_points",
    "read_villages",
    "save_map",
    "select_sites",
    "service_coverage",
    "staffing",
    "travel_matrix",
    "travel_times",
    "visit_coverage",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
