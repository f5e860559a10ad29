"""Monthly KPI inputs counted from a small leads dataset with known dates."""

import pytest
from sqlite_utils import Database

from model.catalog import default_departments, default_metrics
from model.kpi import KpiEngine, engine_for
from model.leads_metrics import fold_outcome, leads_measurements
from model.schema import LeadsRoles, Measurement, Plan
from model.store import PlanStore

ROWS = [
    # id, created, closed, outcome, amount
    ("L1", "2026-01-05", "2026-02-04", "Won ", 1000.0),   # won in Feb after 30 days
    ("L2", "2026-01-20", "2026-03-01", "won", 500.0),     # won in Mar after 40 days
    ("L3", "2026-01-25", "2026-02-14", "lost", 800.0),    # lost in Feb
    ("L4", "2026-02-10", None, "", None),                 # open
    ("L5", "2026-02-11", "", None, 300.0),                # open: blank closed date
    ("L6", "2026-03-01", "2026-03-11", "WON", 2000.0),    # won in Mar after 10 days
    ("L7", "", "2026-03-10", " won", 100.0),              # won in Mar, no created date
    ("L8", "2026-05-02", None, "", None),                 # open, two months later
]

ROLES = LeadsRoles(id="Lead ID", outcome="Stage", won_values=[" WON"], created="Created on",
                   closed="Closed on", amount="Amount")


def make_leads(db: Database, rows=ROWS) -> None:
    db["leads"].insert_all(
        [{"_row": i, "Lead ID": r[0], "Created on": r[1], "Closed on": r[2], "Stage": r[3],
          "Amount": r[4]} for i, r in enumerate(rows, start=1)],
        columns={"_row": int, "Lead ID": str, "Created on": str, "Closed on": str,
                 "Stage": str, "Amount": float})


def by_metric(measurements):
    out = {}
    for m in measurements:
        assert m.source == "leads"
        out.setdefault(m.metric, {})[m.period] = m.value
    return out


@pytest.fixture
def db():
    database = Database(memory=True)
    make_leads(database)
    return database


def test_monthly_counts_from_known_dates(db):
    got = by_metric(leads_measurements(db, ROLES, recorded_at="2026-06-01T00:00:00"))
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert got["leads"] == dict(zip(months, [3, 2, 1, 0, 1], strict=True))
    assert got["deals_won"] == dict(zip(months, [0, 1, 3, 0, 0], strict=True))
    assert got["new_customers"] == got["deals_won"]
    assert got["deals_lost"] == dict(zip(months, [0, 1, 0, 0, 0], strict=True))
    assert got["deal_revenue"] == dict(zip(months, [0, 1000, 2600, 0, 0], strict=True))
    assert got["sales_cycle_length"] == {"2026-02": 30, "2026-03": 25,
                                         "2026-Q1": pytest.approx(80 / 3),
                                         "2026": pytest.approx(80 / 3)}


def test_sales_cycle_of_a_fiscal_quarter_is_the_mean_over_its_deals(db):
    got = by_metric(leads_measurements(db, ROLES, fy_start=3))
    assert got["sales_cycle_length"]["2025-Q4"] == 30
    assert got["sales_cycle_length"]["2026-Q1"] == 25
    assert got["sales_cycle_length"]["2025"] == 30


def test_numbers_stored_as_real_match_won_values_written_as_text():
    database = Database(memory=True)
    database["leads"].insert_all(
        [{"_row": 1, "c": "2026-01-02", "d": "2026-01-12", "won": 1.0},
         {"_row": 2, "c": "2026-01-03", "d": "2026-01-13", "won": 0.0}])
    roles = LeadsRoles(outcome="won", won_values=["1"], created="c", closed="d")
    got = by_metric(leads_measurements(database, roles))
    assert got["deals_won"] == {"2026-01": 1}
    assert got["deals_lost"] == {"2026-01": 1}
    assert got["sales_cycle_length"] == {"2026-01": 10, "2026-Q1": 10, "2026": 10}
    assert "deal_revenue" not in got


def test_fold_outcome():
    assert fold_outcome(" Won ") == "won"
    assert fold_outcome(1.0) == "1"
    assert fold_outcome("1.0") == "1"
    assert fold_outcome("STRASSE") == fold_outcome("straße")
    assert fold_outcome(None) == ""


def test_only_the_mapped_roles_are_counted(db):
    got = by_metric(leads_measurements(db, LeadsRoles(created="Created on")))
    assert set(got) == {"leads"}


def test_nothing_to_count():
    empty = Database(memory=True)
    assert leads_measurements(empty, ROLES) == []
    assert leads_measurements(empty, None) == []


def test_a_role_naming_a_missing_column_leaves_its_metrics_out_and_says_so(db):
    """A teammate's roles may name columns these leads lack: what those roles feed is not
    counted, what the others feed still is, and the problem is said, not raised."""
    from model.leads_metrics import role_problems

    roles = ROLES.model_copy(update={"closed": "Closed", "id": "Ref"})
    got = by_metric(leads_measurements(db, roles))
    assert set(got) == {"leads"}  # deals need the closed date; leads need only the created
    assert got["leads"] == by_metric(leads_measurements(db, ROLES))["leads"]
    problems = role_problems(db, roles)
    assert len(problems) == 2
    assert problems[0].startswith("the leads column role id names 'Ref', which the leads "
                                  "dataset does not have, so the leads browser shows no lead id")
    assert "role closed names 'Closed'" in problems[1] and "--closed COLUMN" in problems[1]
    assert role_problems(db, ROLES) == [] and role_problems(db, None) == []
    assert role_problems(Database(memory=True), roles) == []  # no leads yet: nothing to match


def test_check_and_the_engine_report_a_role_the_leads_lack():
    from model.check import check_plan

    store = PlanStore.memory()
    store.apply_plan(Plan(departments=default_departments(), metrics=default_metrics(),
                          leads=ROLES.model_copy(update={"outcome": "Result"})), replace=False)
    make_leads(store.db)
    engine = engine_for(store)
    assert engine.value("leads", "2026-Q1").value == 6
    assert engine.value("deals_won", "2026-Q1").value is None
    assert len(engine.warnings) == 1 and "role outcome names 'Result'" in engine.warnings[0]
    report = check_plan(store)
    assert not report.integrity
    assert engine.warnings[0] in report.health


def test_hostile_column_names_are_quoted_not_executed():
    database = Database(memory=True)
    odd = 'c"; DROP TABLE leads; --'
    database["leads"].insert_all([{"_row": 1, odd: "2026-01-02"}])
    got = by_metric(leads_measurements(database, LeadsRoles(created=odd)))
    assert got["leads"] == {"2026-01": 1}
    assert database["leads"].exists()


def test_engine_uses_leads_values_and_manual_ones_take_precedence(db):
    derived = leads_measurements(db, ROLES, recorded_at="2030-01-01T00:00:00")
    manual = [Measurement(metric="leads", period="2026-01", value=10,
                          recorded_at="2026-02-01T00:00:00")]
    plan = Plan(departments=default_departments(), metrics=default_metrics(), measurements=manual)
    e = KpiEngine(plan, extra_measurements=derived)
    assert e.value("leads", "2026-01").value == 10
    assert e.value("leads", "2026-Q1").value == 13
    assert e.value("new_customers", "2026-Q1").value == 4
    assert e.value("lead_to_customer", "2026-Q1").value == pytest.approx(4 / 13)
    assert e.value("win_rate", "2026-Q1").value == pytest.approx(4 / 5)
    assert e.value("sales_cycle_length", "2026-Q1").value == pytest.approx((30 + 40 + 10) / 3)


def test_engine_for_reads_the_leads_of_the_store():
    store = PlanStore.memory()
    store.apply_plan(Plan(departments=default_departments(), metrics=default_metrics(),
                          leads=ROLES), replace=False)
    make_leads(store.db)
    e = engine_for(store)
    assert e.value("deal_revenue", "2026-Q1").value == 3600
    assert e.source("deal_revenue", "2026-03") == "leads"
