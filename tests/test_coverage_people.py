"""Staffing (hand calculation) and visit tracking on a Plan built from an assignment."""

from __future__ import annotations

import pandas as pd
import pytest
from _roads import make_county

from gridgeo.coverage import staffing, visit_coverage
from gridgeo.plan import Plan


def make_plan(n_hh=80):
    county = make_county(None, n_hh=n_hh)
    units = county.villages.assign(unit_id=county.villages["village_id"])
    return Plan.from_assignment(units, [0, 1], county=county)


def test_staffing_hand_calculation():
    plan = make_plan(n_hh=1400)  # 700 households per grid
    st = staffing(plan, travel=False, visits_per_month=200, cycle_months=3)
    row = st.iloc[0]
    # 700 / 3 = 233.3 visits a month -> 2 specialists; party ceil(700 / 200) = 4
    assert row["visits_per_month_needed"] == pytest.approx(700 / 3)
    assert row["specialists_needed"] == 2
    assert row["specialists"] == 2
    assert row["party_members"] == 4
    assert row["team"] == 1 + 4 + 2
    assert not row["over_limit"]
    assert row["cycle_months_staffed"] == pytest.approx(700 / 400)
    # monthly cycle: 700 visits a month -> 4 needed, over the limit of 2
    st = staffing(plan, travel=False, cycle_months=1)
    assert st["specialists_needed"].tolist() == [4, 4]
    assert st["over_limit"].all()
    # travel counted (straight-line): capacity drops by visit / (visit + 2T/10)
    st = staffing(plan, travel=True)
    t = st["travel_minutes"].to_numpy()
    assert (t > 0).all()
    assert st["capacity_per_specialist"].to_numpy() == pytest.approx(
        200 * 30 / (30 + 2 * t / 10)
    )
    assert (st["method"] == "straight-line").all()


def test_visit_coverage_reports_not_drops():
    plan = make_plan(n_hh=40)
    hh = plan.households.copy()
    ids = hh["household_id"].tolist()
    log = pd.DataFrame(
        {
            "household_id": [ids[0], ids[1], ids[1], "ghost", ids[2], ids[3]],
            "date": [
                "2026-07-02",
                "2026-08-10",
                "2026-09-30",
                "2026-07-05",
                "2026-05-01",
                "not a date",
            ],
            "staff_id": ["s1", "s1", "s2", "s2", "s1", "s2"],
        }
    )
    res = visit_coverage(plan, log, period="2026Q3")
    assert len(res.visits) == len(log)
    rep = res.report.to_frame()
    assert set(rep["check"]) == {"unknown_household", "out_of_period", "bad_date"}
    assert (rep["check"] == "unknown_household").sum() == 1
    assert res.by_grid["visited"].sum() == 2
    assert len(res.unvisited) == 38
    s1 = res.staff.set_index("staff_id").loc["s1"]
    assert s1["visits"] == 2
    assert s1["visits_per_month"] == pytest.approx(2 / 3)


def test_loan_follow_ups():
    county = make_county(None, n_hh=10)
    loans = pd.Series(pd.NaT, index=county.households.index, dtype="datetime64[ns]")
    loans.iloc[0] = pd.Timestamp("2026-01-15")
    county.households["loan_date"] = loans
    units = county.villages.assign(unit_id=county.villages["village_id"])
    plan = Plan.from_assignment(units, [0, 1], county=county)
    hid = county.households["household_id"].iloc[0]
    log = pd.DataFrame(
        {"household_id": [hid], "date": ["2026-04-20"], "staff_id": ["s1"]}
    )
    res = visit_coverage(plan, log, period="2026Q3", loan_date_col="loan_date")
    f = res.follow_ups.set_index("months")
    assert len(f) == 3
    assert f.loc[3, "done"]  # due 2026-04-15, visited 04-20
    assert not f.loc[6, "done"]  # due 07-15, no visit within 30 days
    assert f.loc[6, "overdue"]
    end = pd.Period("2026Q3").end_time
    assert f.loc[6, "days_overdue"] == (end - pd.Timestamp("2026-08-14")).days
    assert not f.loc[12, "overdue"]  # due 2027-01-15
