"""Direction-aware status, pace within a running period, key-result and objective progress."""

import datetime as dt

import pytest

from model.kpi import KpiEngine, grade, worst_status
from model.schema import KeyResult, Measurement, Metric, Objective, Plan

DONE = dt.date(2027, 1, 1)


def plan(metrics, measurements=(), objectives=()):
    return Plan(metrics=metrics, measurements=list(measurements), objectives=list(objectives))


def rec(mid, period, value):
    return Measurement(metric=mid, period=period, value=value, recorded_at="2026-01-01T00:00:00")


@pytest.mark.parametrize(("actual", "expected"), [
    (120, "green"), (100, "green"), (95, "amber"), (90, "amber"), (89.9, "red"), (0, "red")])
def test_grade_increase(actual, expected):
    assert grade(actual, 100, "increase", 0.1) == expected


@pytest.mark.parametrize(("actual", "expected"), [
    (80, "green"), (100, "green"), (105, "amber"), (110, "amber"), (110.1, "red")])
def test_grade_decrease(actual, expected):
    assert grade(actual, 100, "decrease", 0.1) == expected


def test_grade_uses_the_metric_tolerance_and_a_negative_target():
    assert grade(85, 100, "increase", 0.2) == "amber"
    assert grade(85, 100, "increase", 0.0) == "red"
    assert grade(-105, -100, "increase", 0.1) == "amber"


def test_worst_status():
    assert worst_status(["green", None, "amber"]) == "amber"
    assert worst_status(["amber", "red", "green"]) == "red"
    assert worst_status([None]) is None


def test_status_of_a_finished_period_against_its_target():
    metrics = [Metric(id="revenue", name="Revenue", targets={"2026-01": 100}),
               Metric(id="cost", name="Cost", direction="decrease", targets={"2026-01": 100})]
    e = KpiEngine(plan(metrics, [rec("revenue", "2026-01", 92), rec("cost", "2026-01", 120)]),
                  today=DONE)
    assert e.status("revenue", "2026-01") == "amber"
    assert e.status("cost", "2026-01") == "red"


def test_no_status_without_target_or_value():
    metrics = [Metric(id="revenue", name="Revenue", targets={"2026-02": 100})]
    e = KpiEngine(plan(metrics, [rec("revenue", "2026-01", 92)]), today=DONE)
    assert e.status("revenue", "2026-01") is None
    assert e.status("revenue", "2026-02") is None


def test_quarter_target_derived_from_monthly_targets_only_when_all_exist():
    metrics = [Metric(id="revenue", name="Revenue",
                      targets={"2026-01": 10, "2026-02": 20, "2026-03": 30, "2026-04": 5}),
               Metric(id="margin", name="Margin", aggregation="avg",
                      targets={"2026-01": 0.2, "2026-02": 0.4, "2026-03": 0.6})]
    e = KpiEngine(plan(metrics), today=DONE)
    assert e.target("revenue", "2026-Q1") == pytest.approx(60)
    assert e.target("revenue", "2026-Q2") is None
    assert e.target("margin", "2026-Q1") == pytest.approx(0.4)
    assert e.target("revenue", "2026-05") is None


def test_pace_compares_a_summed_metric_with_the_elapsed_share_of_its_target():
    metrics = [Metric(id="revenue", name="Revenue", targets={"2026-Q1": 900})]
    measurements = [rec("revenue", "2026-01", 300), rec("revenue", "2026-02", 150)]
    mid_quarter = dt.date(2026, 2, 14)  # 45 of 90 days: half the target is due
    e = KpiEngine(plan(metrics, measurements), today=mid_quarter)
    assert e.elapsed("2026-Q1") == pytest.approx(0.5)
    assert e.expected("revenue", "2026-Q1", 900) == pytest.approx(450)
    assert e.status("revenue", "2026-Q1") == "green"
    late = KpiEngine(plan(metrics, measurements), today=dt.date(2026, 3, 31))
    assert late.status("revenue", "2026-Q1") == "red"


def test_pace_leaves_rates_and_averages_unscaled():
    metrics = [Metric(id="margin", name="Margin", aggregation="avg", targets={"2026-Q1": 0.5})]
    e = KpiEngine(plan(metrics, [rec("margin", "2026-01", 0.3)]), today=dt.date(2026, 2, 14))
    assert e.expected("margin", "2026-Q1", 0.5) == 0.5
    assert e.status("margin", "2026-Q1") == "red"


def test_no_red_in_the_first_fifth_of_a_period():
    metrics = [Metric(id="margin", name="Margin", aggregation="avg", targets={"2026-Q1": 0.5})]
    measurements = [rec("margin", "2026-01", 0.1)]
    early = KpiEngine(plan(metrics, measurements), today=dt.date(2026, 1, 17))  # 17/90 < 0.2
    assert early.status("margin", "2026-Q1") == "amber"
    after = KpiEngine(plan(metrics, measurements), today=dt.date(2026, 1, 19))  # 19/90 > 0.2
    assert after.status("margin", "2026-Q1") == "red"


METRICS = [
    Metric(id="lead_to_customer", name="Lead to customer", unit="percent", aggregation="avg"),
    Metric(id="churn", name="Churn", unit="percent", direction="decrease", aggregation="avg"),
    Metric(id="revenue", name="Revenue"),
]


def kr_engine(values, today=DONE):
    return KpiEngine(plan(METRICS, [rec(k, "2026-Q1", v) for k, v in values.items()]),
                     today=today)


def test_increase_key_result_progress():
    e = kr_engine({"lead_to_customer": 0.095})
    p = e.key_result_progress(KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11),
                              "2026-Q1")
    assert p.progress == pytest.approx(0.5)
    assert (p.baseline, p.actual, p.target) == (0.08, 0.095, 0.11)
    assert p.status == "red"


def test_decrease_key_result_progress_and_status():
    e = kr_engine({"churn": 0.045})
    p = e.key_result_progress(KeyResult(metric="churn", baseline=0.05, target=0.03), "2026-Q1")
    assert p.progress == pytest.approx(0.25)
    assert p.status == "red"
    done = kr_engine({"churn": 0.025}).key_result_progress(
        KeyResult(metric="churn", baseline=0.05, target=0.03), "2026-Q1")
    assert done.progress == pytest.approx(1.25)
    assert done.status == "green"


def test_key_result_progress_is_not_clamped():
    e = kr_engine({"revenue": 50})
    p = e.key_result_progress(KeyResult(metric="revenue", baseline=100, target=200), "2026-Q1")
    assert p.progress == pytest.approx(-0.5)


def test_key_result_without_value_gives_the_reason():
    e = kr_engine({})
    p = e.key_result_progress(KeyResult(metric="revenue", baseline=100, target=200), "2026-Q1")
    assert p.progress is None and p.actual is None and p.status is None
    assert p.reason == "nothing recorded for revenue in 2026-Q1"


def objective(*krs):
    return Objective(id="grow", title="Grow", period="2026-Q1", owner="sales",
                     key_results=list(krs), state="active")


def test_objective_progress_is_the_weighted_mean():
    e = kr_engine({"lead_to_customer": 0.095, "churn": 0.045})
    o = objective(KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11, weight=1),
                  KeyResult(metric="churn", baseline=0.05, target=0.03, weight=3))
    result = e.objective_progress(o)
    assert result.progress == pytest.approx((0.5 * 1 + 0.25 * 3) / 4)
    assert [kr.metric for kr in result.key_results] == ["lead_to_customer", "churn"]
    assert result.status == "red"
    assert result.period == "2026-Q1" and result.objective == "grow"


def test_objective_progress_clamps_each_key_result_then_the_mean():
    e = kr_engine({"lead_to_customer": 0.14, "churn": 0.06, "revenue": 150})
    o = objective(KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11),  # 2.0
                  KeyResult(metric="churn", baseline=0.05, target=0.03),  # -0.5
                  KeyResult(metric="revenue", baseline=100, target=200))  # 0.5
    result = e.objective_progress(o)
    assert [kr.progress for kr in result.key_results] == pytest.approx([2.0, -0.5, 0.5])
    assert result.progress == pytest.approx((1.0 + 0.0 + 0.5) / 3)
    assert result.status == "red"


def test_objective_status_is_the_worst_key_result():
    e = kr_engine({"lead_to_customer": 0.105, "churn": 0.02})
    o = objective(KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11),
                  KeyResult(metric="churn", baseline=0.05, target=0.03))
    result = e.objective_progress(o)
    assert [kr.status for kr in result.key_results] == ["amber", "green"]
    assert result.status == "amber"
    assert 0 <= result.progress <= 1


def test_objective_with_missing_key_results_averages_the_measured_ones():
    e = kr_engine({"revenue": 150})
    o = objective(KeyResult(metric="revenue", baseline=100, target=200, weight=2),
                  KeyResult(metric="churn", baseline=0.05, target=0.03))
    result = e.objective_progress(o)
    assert result.progress == pytest.approx(0.5)
    assert result.reason == "1 of 2 key results have a value"


def test_objective_without_key_results_or_values():
    e = kr_engine({})
    assert e.objective_progress(objective()).progress is None
    assert e.objective_progress(objective()).reason == "no key results"
    empty = e.objective_progress(objective(KeyResult(metric="revenue", baseline=1, target=2)))
    assert empty.progress is None and empty.status is None


def test_key_result_status_is_paced_in_a_running_period():
    e = KpiEngine(plan(METRICS, [rec("revenue", "2026-01", 100)]), today=dt.date(2026, 2, 14))
    p = e.key_result_progress(KeyResult(metric="revenue", baseline=0, target=300), "2026-Q1")
    assert p.progress == pytest.approx(1 / 3)
    assert p.status == "red"  # 100 against 150 due by mid-quarter
    early = KpiEngine(plan(METRICS, [rec("revenue", "2026-01", 10)]), today=dt.date(2026, 1, 5))
    assert early.key_result_progress(
        KeyResult(metric="revenue", baseline=0, target=300), "2026-Q1").status == "amber"
