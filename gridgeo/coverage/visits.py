"""Visit tracking: who was visited this period, staff productivity, loan follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgeo._columns import GRID_ID, HOUSEHOLD_ID, TOWN_ID, VILLAGE_ID
from gridgeo.errors import ValidationError
from gridgeo.validate import ValidationReport

__all__ = ["FOLLOW_UP_MONTHS", "VisitCoverage", "visit_coverage"]

#: Loan customers are re-visited this many months after the loan date.
FOLLOW_UP_MONTHS = (3, 6, 12)


@dataclass(frozen=True, eq=False)
class VisitCoverage:
    """The result of :func:`visit_coverage`.

    Attributes
    ----------
    visits
        The visit log as read, plus ``known`` (household in the plan), ``in_period``,
        ``grid_id`` and ``town_id``; no row is dropped.
    by_grid, by_town
        ``households``, ``visited`` (households with ≥ 1 visit in the period),
        ``share``.
    unvisited
        Households of the plan without a visit in the period (GeoDataFrame, County CRS).
    staff
        Per ``staff_id``: ``visits``, ``households``, ``grids``, ``active_days``,
        ``visits_per_month`` (in the period).
    follow_ups
        Per loan customer and milestone: ``household_id``, ``grid_id``, ``loan_date``,
        ``months``, ``due``, ``done``, ``overdue``, ``days_overdue`` (empty without
        ``loan_date_col``).
    report
        :class:`~gridgeo.validate.ValidationReport` of the log (layer ``"visits"``).
    period
        The period as ``pandas.Period``.
    """

    visits: pd.DataFrame
    by_grid: pd.DataFrame
    by_town: pd.DataFrame
    unvisited: gpd.GeoDataFrame
    staff: pd.DataFrame
    follow_ups: pd.DataFrame
    report: ValidationReport
    period: pd.Period

    @property
    def share(self) -> float:
        """Share of all households visited in the period."""
        t = self.by_grid["households"].sum()
        return float(self.by_grid["visited"].sum() / t) if t else float("nan")

    def __repr__(self) -> str:
        return (
            f"<VisitCoverage {self.period}: {self.share:.1%} visited, "
            f"{len(self.unvisited):,} unvisited, {len(self.report):,} log issues>"
        )


def _read_log(
    visits: Any, household_col: str, date_col: str, staff_col: str
) -> pd.DataFrame:
    if isinstance(visits, pd.DataFrame):
        df = pd.DataFrame(visits).copy()
    else:
        df = pd.read_csv(visits, dtype={household_col: str, staff_col: str})
    missing = [c for c in (household_col, date_col) if c not in df]
    if missing:
        msg = (
            f"The visit log needs columns {household_col!r} and {date_col!r}; missing "
            f"{missing}; got {list(df.columns)}. Pass household_col= / date_col=."
        )
        raise ValidationError(msg)
    return df.reset_index(drop=True)


def _period(period: Any) -> pd.Period:
    if isinstance(period, pd.Period):
        return period
    try:
        return pd.Period(str(period))
    except (ValueError, TypeError) as exc:
        msg = f"period must look like '2026Q3', '2026-07' or '2026'; got {period!r}."
        raise ValidationError(msg) from exc


def visit_coverage(
    plan: Any,
    visits: Any,
    *,
    period: Any = "2026Q3",
    loan_date_col: str | None = None,
    household_col: str = HOUSEHOLD_ID,
    date_col: str = "date",
    staff_col: str = "staff_id",
    as_of: Any = None,
    window_days: int = 30,
) -> VisitCoverage:
    """Measure visit coverage of a period from a visit log.

    Every row of the log is kept: rows of unknown households, with unreadable dates
    or outside the period are flagged (``known`` / ``in_period``) and reported in
    :attr:`VisitCoverage.report`, and only rows that are both known and in the
    period count towards coverage and productivity.

    Loan follow-ups: a loan customer (non-null ``loan_date_col`` in
    ``plan.households``) is due at 3, 6 and 12 months after the loan date; a
    milestone is ``done`` when some visit (any period) falls within ``window_days``
    of the due date, and ``overdue`` when not done and ``due + window_days`` is
    before ``as_of`` (default: the end of the period).

    Parameters
    ----------
    plan
        A :class:`gridgeo.Plan` with household records.
    visits
        Visit log: a CSV path or a DataFrame with household id, date and staff id.
    period
        ``"2026Q3"``, ``"2026-07"``, ``"2026"`` or a :class:`pandas.Period`.
    loan_date_col
        Column of ``plan.households`` with the loan date.
    household_col, date_col, staff_col
        Column names in the log.
    as_of
        Reference date for overdue follow-ups; default the period's last day.
    window_days
        Tolerance around each follow-up due date.

    Returns
    -------
    VisitCoverage

    Raises
    ------
    gridgeo.errors.ValidationError
        Missing columns, a bad period, or a plan without household records.
    """
    per = _period(period)
    hh = plan.households
    if hh is None or len(hh) == 0:
        msg = "visit_coverage needs a plan whose County has household records."
        raise ValidationError(msg)
    log = _read_log(visits, household_col, date_col, staff_col)
    report = ValidationReport()
    ids = hh[HOUSEHOLD_ID].astype(str)
    grid_of = pd.Series(hh[GRID_ID].to_numpy(), index=ids.to_numpy())
    if TOWN_ID in hh:
        town_of = pd.Series(hh[TOWN_ID].astype(str).to_numpy(), index=ids.to_numpy())
    else:
        vt = plan.county.villages.set_index(VILLAGE_ID)[TOWN_ID].astype(str)
        town_of = pd.Series(
            hh[VILLAGE_ID].astype(str).map(vt).to_numpy(), index=ids.to_numpy()
        )
    hid = log[household_col].astype("string").str.strip()
    log["_date"] = pd.to_datetime(log[date_col], errors="coerce")
    log["known"] = hid.isin(ids).fillna(False).to_numpy(bool)
    start, end = per.start_time, per.end_time
    log["in_period"] = ((log["_date"] >= start) & (log["_date"] <= end)).to_numpy(bool)
    log[GRID_ID] = hid.map(grid_of).to_numpy()
    log[TOWN_ID] = hid.map(town_of).to_numpy()
    for i in np.flatnonzero(~log["known"].to_numpy()):
        report.add(
            "visits",
            int(i),
            hid.iloc[i],
            household_col,
            "unknown_household",
            "info",
            f"household {hid.iloc[i]!r} is not in the plan; kept, not counted",
        )
    for i in np.flatnonzero(log["_date"].isna().to_numpy()):
        report.add(
            "visits",
            int(i),
            hid.iloc[i],
            date_col,
            "bad_date",
            "info",
            f"date {log[date_col].iloc[i]!r} could not be read; kept, not counted",
        )
    bad_period = log["_date"].notna() & ~log["in_period"]
    for i in np.flatnonzero(bad_period.to_numpy()):
        report.add(
            "visits",
            int(i),
            hid.iloc[i],
            date_col,
            "out_of_period",
            "info",
            f"visit on {log['_date'].iloc[i].date()} is outside {per}; "
            "kept, not counted",
        )
    report.set_counts("visits", len(log), len(log))
    ok = log["known"] & log["in_period"]
    visited = set(hid[ok].astype(str))
    flag = ids.isin(visited).to_numpy()
    base = pd.DataFrame(
        {GRID_ID: hh[GRID_ID].to_numpy(), TOWN_ID: town_of.to_numpy(), "v": flag}
    )

    def _table(by: str) -> pd.DataFrame:
        t = base.groupby(by).agg(households=("v", "size"), visited=("v", "sum"))
        t["share"] = t["visited"] / t["households"]
        return t.reset_index()

    unvisited = hh[~flag].copy()
    sv = log[ok].copy()
    if staff_col in sv:
        months = max(per.asfreq("M", "e").ordinal - per.asfreq("M", "s").ordinal + 1, 1)
        staff = sv.groupby(staff_col).agg(
            visits=(household_col, "size"),
            households=(household_col, "nunique"),
            grids=(GRID_ID, "nunique"),
            active_days=("_date", lambda d: d.dt.normalize().nunique()),
        )
        staff["visits_per_month"] = staff["visits"] / months
        staff = staff.reset_index()
    else:
        staff = pd.DataFrame(
            columns=[
                staff_col,
                "visits",
                "households",
                "grids",
                "active_days",
                "visits_per_month",
            ]
        )
    follow = _follow_ups(
        hh,
        log[log["known"]],
        hid[log["known"]],
        loan_date_col,
        as_of or end,
        window_days,
    )
    out_log = log.drop(columns="_date")
    return VisitCoverage(
        visits=out_log,
        by_grid=_table(GRID_ID),
        by_town=_table(TOWN_ID),
        unvisited=unvisited,
        staff=staff,
        follow_ups=follow,
        report=report,
        period=per,
    )


def _follow_ups(
    hh: pd.DataFrame,
    log: pd.DataFrame,
    hid: pd.Series,
    loan_date_col: str | None,
    as_of: Any,
    window_days: int,
) -> pd.DataFrame:
    cols = [
        HOUSEHOLD_ID,
        GRID_ID,
        "loan_date",
        "months",
        "due",
        "done",
        "overdue",
        "days_overdue",
    ]
    if loan_date_col is None:
        return pd.DataFrame(columns=cols)
    if loan_date_col not in hh:
        msg = f"loan_date_col={loan_date_col!r} is not a column of plan.households."
        raise ValidationError(msg)
    loans = pd.DataFrame(
        {
            HOUSEHOLD_ID: hh[HOUSEHOLD_ID].astype(str).to_numpy(),
            GRID_ID: hh[GRID_ID].to_numpy(),
            "loan_date": pd.to_datetime(hh[loan_date_col], errors="coerce").to_numpy(),
        }
    ).dropna(subset=["loan_date"])
    as_of = pd.Timestamp(as_of)
    win = pd.Timedelta(days=window_days)
    vis = pd.DataFrame(
        {HOUSEHOLD_ID: hid.astype(str).to_numpy(), "d": log["_date"].to_numpy()}
    ).dropna()
    rows = []
    for m in FOLLOW_UP_MONTHS:
        f = loans.copy()
        f["months"] = m
        f["due"] = f["loan_date"] + pd.DateOffset(months=m)
        j = f[[HOUSEHOLD_ID, "due"]].reset_index().merge(vis, on=HOUSEHOLD_ID)
        hit = j[(j["d"] >= j["due"] - win) & (j["d"] <= j["due"] + win)][
            "index"
        ].unique()
        f["done"] = f.index.isin(hit)
        late = (as_of - (f["due"] + win)).dt.days
        f["overdue"] = ~f["done"] & (late > 0)
        f["days_overdue"] = np.where(f["overdue"], late, 0)
        rows.append(f)
    return pd.concat(rows, ignore_index=True)[cols]
