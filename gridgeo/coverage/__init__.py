"""Coverage analysis: travel times, service areas, site selection, staffing, visits.

One module per idea: :mod:`~gridgeo.coverage.travel` (road / straight-line travel
times), :mod:`~gridgeo.coverage.service` (service coverage and areas),
:mod:`~gridgeo.coverage.sites` (MCLP / LSCP / p-median site selection on
:mod:`~gridgeo.coverage._milp`), :mod:`~gridgeo.coverage.staffing` and
:mod:`~gridgeo.coverage.visits`.
"""

from __future__ import annotations

from gridgeo.coverage._milp import SiteSolution, solve_lscp, solve_mclp, solve_pmedian
from gridgeo.coverage.service import CoverageResult, service_coverage
from gridgeo.coverage.sites import SiteSelection, select_sites
from gridgeo.coverage.staffing import staffing
from gridgeo.coverage.travel import travel_matrix, travel_times
from gridgeo.coverage.visits import VisitCoverage, visit_coverage

__all__ = [
    "CoverageResult",
    "SiteSelection",
    "SiteSolution",
    "VisitCoverage",
    "select_sites",
    "service_coverage",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
    "staffing",
    "travel_matrix",
    "travel_times",
    "visit_coverage",
]
