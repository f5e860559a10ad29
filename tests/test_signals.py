"""Realignment signals: wrong-way trends, red key results, contradictory targets, joint objectives."""

import datetime as dt

import pytest

from model.catalog import default_departments, default_metrics
from model.kpi import KpiEngine
from model.schema import KeyResult, Measurement, Objective, Plan
from model.signals import (
    contradictory_targets,
    joint_objectives_one_department,
    realignment_signals,
    red_key_results,
    wrong_way,
)

DONE = dt.date(2027, 1, 1)


def rec(mid, period, value):
    return Measurement(metric=mid, period=period, value=value, recorded_at="2026-01-01T00:00:00")


def series(mid, values, start=1):
    return [rec(mid, f"2026-{start + i:02d}", v) for i, v in enumerate(values)]


def catalog(targets=None, measurements=(), objectives=()):
    metrics = default_metrics()
    for m in metrics:
        m.targets = dict((targets or {}).get(m.id, {}))
    return Plan(departments=default_departments(), metrics=metrics,
                measurements=list(measurements), objectives=list(objectives))


def engine(**kw):
    return KpiEngine(catalog(**kw), today=DONE)


def test_three_periods_the_wrong_way():
    e = engine(measurements=series("revenue", [100, 90, 80, 70]))
    [signal] = wrong_way(e, "2026-04")
    assert signal.kind == "wrong_way" and signal.subjects == ("revenue",)
    assert signal.message == ("Revenue has fallen for 3 periods in a row, from 100 to 70 in "
                              "2026-04, and more is better.")
    assert wrong_way(e, "2026-03") == []


def test_a_break_in_the_run_or_a_gap_resets_it():
    assert wrong_way(engine(measurements=series("revenue", [100, 90, 95, 80, 70])), "2026-05") == []
    gap = series("revenue", [100, 90]) + series("revenue", [80, 70], start=4)
    assert wrong_way(engine(measurements=gap), "2026-05") == []


def test_a_period_in_progress_is_judged_at_its_pace():
    """Revenue to date in a month half gone is half a month's: it is no fall at a full pace."""
    half_april = dt.date(2026, 4, 15)  # 15 of April's 30 days, today included

    def signals(values, today):
        return wrong_way(KpiEngine(catalog(measurements=series("revenue", values)), today=today),
                         "2026-04" if len(values) == 4 else "2026-05")

    assert signals([100, 90, 80, 45], half_april) == []  # a pace of 90: up on March
    [signal] = signals([100, 90, 80, 35], half_april)
    assert signal.message == ("Revenue has fallen for 3 periods in a row, from 100 to a pace of "
                              "70 in 2026-04 (35 so far), and more is better.")
    # In May's first days, May says nothing yet: the run is told up to April.
    [early] = signals([100, 90, 80, 70, 2], dt.date(2026, 5, 3))
    assert early.message == ("Revenue has fallen for 3 periods in a row, from 100 to 70 in "
                             "2026-04, and more is better.")
    assert signals([100, 90, 95, 80, 2], dt.date(2026, 5, 3)) == []


def test_decrease_metrics_go_wrong_by_rising():
    data = series("customers_lost", [5, 6, 7, 8, 9]) + series("customers_start", [100] * 5)
    e = engine(measurements=data)
    found = {s.subjects[0]: s for s in wrong_way(e, "2026-05")}
    assert set(found) == {"customers_lost", "churn"}
    assert "risen for 4 periods" in found["churn"].message
    assert "less is better" in found["churn"].message


def objective(state="active", krs=(), departments=("sales",), period="2026-Q1"):
    return Objective(id="win-more", title="Win more deals", period=period, owner="sales",
                     departments=list(departments), state=state, key_results=list(krs))


def test_red_key_results_on_active_objectives_only():
    kr = KeyResult(metric="revenue", baseline=100, target=300)
    data = [rec("revenue", "2026-Q1", 150)]
    e = engine(measurements=data, objectives=[objective(krs=[kr])])
    [signal] = red_key_results(e, "2026-Q1")
    assert signal.subjects == ("win-more", "revenue")
    assert signal.severity == "high"
    assert signal.message == ("Revenue is red on the active objective “Win more deals”: 150 "
                              "against a target of 300 for 2026-Q1.")
    assert red_key_results(e, "2026-02") != []
    assert red_key_results(e, "2026-Q2") == []
    draft = engine(measurements=data, objectives=[objective(state="draft", krs=[kr])])
    assert red_key_results(draft, "2026-Q1") == []
    fine = engine(measurements=[rec("revenue", "2026-Q1", 290)], objectives=[objective(krs=[kr])])
    assert red_key_results(fine, "2026-Q1") == []


FUNNEL = {"leads": {"2026-Q1": 1000}, "lead_to_customer": {"2026-Q1": 0.05},
          "deal_revenue": {"2026-Q1": 100_000}, "deals_won": {"2026-Q1": 50}}


def funnel(revenue_target, extra=None):
    targets = dict(FUNNEL) | {"revenue": {"2026-Q1": revenue_target}} | (extra or {})
    return [s for s in contradictory_targets(engine(targets=targets), "2026-Q1")
            if "revenue" in s.subjects]


def test_funnel_targets_short_of_the_revenue_target():
    [signal] = funnel(150_000)
    assert signal.severity == "medium"
    assert signal.subjects == ("leads", "lead_to_customer", "deal_revenue", "deals_won", "revenue")
    assert signal.message.startswith(
        "Targets for 2026-Q1 do not add up: 1,000 leads × 5.0 % lead-to-customer × 2,000 average "
        "deal size = 100,000, 33% short of the revenue target of 150,000")
    assert "marketing" in signal.message and "sales" in signal.message


def test_funnel_targets_that_add_up_give_no_signal():
    assert funnel(100_000) == []
    assert funnel(105_000) == []


def test_funnel_uses_revenue_per_customer_without_deal_targets():
    targets = {"leads": {"2026-Q1": 1000}, "lead_to_customer": {"2026-Q1": 0.05},
               "avg_revenue_per_customer": {"2026-Q1": 1000}, "revenue": {"2026-Q1": 80_000}}
    [signal] = [s for s in contradictory_targets(engine(targets=targets), "2026-Q1")
                if "revenue" in s.subjects]
    assert "1,000 average revenue per customer = 50,000" in signal.message


def test_no_funnel_check_without_every_target():
    targets = {"leads": {"2026-Q1": 1000}, "revenue": {"2026-Q1": 1_000_000}}
    assert contradictory_targets(engine(targets=targets), "2026-Q1") == []


def test_formula_targets_against_their_inputs_targets():
    targets = {"marketing_cost": {"2026-Q1": 60_000}, "sales_cost": {"2026-Q1": 40_000},
               "new_customers": {"2026-Q1": 50}, "cac": {"2026-Q1": 1_000}}
    [signal] = contradictory_targets(engine(targets=targets), "2026-Q1")
    assert signal.subjects == ("marketing_cost", "new_customers", "sales_cost", "cac")
    assert signal.severity == "medium"
    assert "(60,000 + 40,000) / 50 = 2,000" in signal.message
    assert "cannot reach" in signal.message
    targets["cac"] = {"2026-Q1": 2_100}
    assert contradictory_targets(engine(targets=targets), "2026-Q1") == []


def test_joint_objective_measured_by_one_department():
    leads_only = objective(departments=("marketing", "sales"),
                           krs=[KeyResult(metric="leads", baseline=100, target=200)])
    [signal] = joint_objectives_one_department(engine(objectives=[leads_only]))
    assert signal.subjects == ("win-more",)
    assert signal.message == ("The joint objective “Win more deals” is measured by metrics of "
                              "marketing only; sales has no key result of its own.")
    both = objective(departments=("marketing", "sales"),
                     krs=[KeyResult(metric="leads", baseline=100, target=200),
                          KeyResult(metric="deals_won", baseline=10, target=20)])
    assert joint_objectives_one_department(engine(objectives=[both])) == []
    shared = objective(departments=("marketing", "sales"),
                       krs=[KeyResult(metric="lead_to_customer", baseline=0.1, target=0.2)])
    assert joint_objectives_one_department(engine(objectives=[shared])) == []
    alone = objective(krs=[KeyResult(metric="deals_won", baseline=10, target=20)])
    assert joint_objectives_one_department(engine(objectives=[alone])) == []


def test_a_joint_objective_of_another_period_or_no_longer_open_is_no_signal():
    """In a review of a period, only the joint objectives still open in it count: one of
    another quarter, or achieved, missed or dropped, is nothing to realign there."""
    krs = [KeyResult(metric="leads", baseline=100, target=200)]
    for state, period, counted in [("active", "2026-Q1", True), ("draft", "2026-Q1", True),
                                   ("active", "2026-Q2", False), ("achieved", "2026-Q1", False),
                                   ("missed", "2026-Q1", False), ("dropped", "2026-Q1", False)]:
        joint = objective(state, krs, ("marketing", "sales"), period)
        found = joint_objectives_one_department(engine(objectives=[joint]), "2026-Q1")
        assert bool(found) is counted, (state, period)
        assert [s.kind for s in realignment_signals(engine(objectives=[joint]), "2026-Q1")
                if s.kind == "joint_one_department"] == (["joint_one_department"] if counted
                                                          else [])


def test_all_signals_most_severe_first():
    kr = KeyResult(metric="revenue", baseline=100, target=300)
    e = KpiEngine(catalog(
        targets={"marketing_cost": {"2026-Q1": 60_000}, "sales_cost": {"2026-Q1": 40_000},
                 "new_customers": {"2026-Q1": 50}, "cac": {"2026-Q1": 1_000}},
        measurements=[rec("revenue", "2026-Q1", 150)],
        objectives=[objective(departments=("marketing", "sales"), krs=[kr])]), today=DONE)
    kinds = [(s.severity, s.kind) for s in realignment_signals(e, "2026-Q1")]
    assert kinds == [("high", "red_key_result"), ("medium", "contradictory_targets"),
                     ("low", "joint_one_department")]


@pytest.mark.parametrize("period", ["2026-01", "2026-Q1", "2026"])
def test_empty_plan_has_no_signals(period):
    assert realignment_signals(engine(), period) == []
