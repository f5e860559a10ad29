"""Months roll up into quarters and years by each metric's aggregation; formulas are recomputed."""

import pytest

from model.kpi import KpiEngine
from model.schema import Measurement, Metric, Plan, PlanSettings


def metric(mid, aggregation="sum", formula=None, **kw):
    return Metric(id=mid, name=mid.replace("_", " ").title(), aggregation=aggregation,
                  formula=formula, **kw)


def measure(mid, period, value, at="2026-01-01T00:00:00", **kw):
    return Measurement(metric=mid, period=period, value=value, recorded_at=at, **kw)


METRICS = [
    metric("visits"), metric("purchases"),
    metric("conversion", "formula", "purchases / visits", unit="percent"),
    metric("margin", "avg", unit="percent"),
    metric("headcount", "last"),
]


def engine_with(measurements, fy_start=1):
    return KpiEngine(Plan(settings=PlanSettings(fiscal_year_start=fy_start), metrics=METRICS,
                          measurements=measurements))


def test_quarter_ratio_is_ratio_of_sums_not_mean_of_ratios():
    e = engine_with([
        measure("visits", "2026-01", 100), measure("purchases", "2026-01", 10),
        measure("visits", "2026-02", 1_000), measure("purchases", "2026-02", 10),
    ])
    assert e.value("conversion", "2026-01").value == pytest.approx(0.1)
    assert e.value("conversion", "2026-02").value == pytest.approx(0.01)
    quarter = e.value("conversion", "2026-Q1").value
    assert quarter == pytest.approx(20 / 1_100)
    assert quarter != pytest.approx((0.1 + 0.01) / 2)
    assert e.explain("conversion", "2026-Q1") == "Conversion = 20 / 1,100 = 1.8 %"


def test_sum_avg_last_over_a_quarter_and_a_year():
    data = []
    for i, month in enumerate(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"], start=1):
        data += [measure("visits", month, 100 * i), measure("margin", month, 0.1 * i),
                 measure("headcount", month, 10 + i)]
    e = engine_with(data)
    assert e.value("visits", "2026-Q1").value == pytest.approx(600)
    assert e.value("margin", "2026-Q1").value == pytest.approx(0.2)
    assert e.value("headcount", "2026-Q1").value == pytest.approx(13)
    assert e.value("visits", "2026").value == pytest.approx(1_500)
    # a year is the mean of its quarters' means: Q1 0.2, Q2 0.45
    assert e.value("margin", "2026").value == pytest.approx((0.2 + 0.45) / 2)
    assert e.value("headcount", "2026").value == pytest.approx(15)


def test_a_quarter_in_progress_rolls_up_what_it_has():
    e = engine_with([measure("visits", "2026-01", 100), measure("visits", "2026-02", 50)])
    assert e.value("visits", "2026-Q1").value == pytest.approx(150)
    assert e.explain("visits", "2026-Q1") == "Visits = 150 (sum of 2026-01, 2026-02)"


def test_value_recorded_for_a_quarter_overrides_the_roll_up_and_feeds_the_year():
    e = engine_with([
        measure("visits", "2026-01", 100), measure("visits", "2026-02", 100),
        measure("visits", "2026-Q1", 500), measure("visits", "2026-04", 50),
    ])
    assert e.value("visits", "2026-Q1").value == pytest.approx(500)
    assert e.value("visits", "2026").value == pytest.approx(550)
    assert e.explain("visits", "2026-Q1") == "Visits = 500 (recorded for 2026-Q1)"


def test_value_recorded_for_a_formula_metric_overrides_the_formula():
    e = engine_with([measure("visits", "2026-01", 100), measure("purchases", "2026-01", 10),
                     measure("conversion", "2026-01", 0.5)])
    assert e.value("conversion", "2026-01").value == pytest.approx(0.5)


def test_fiscal_year_start_moves_quarters_and_years():
    e = engine_with([measure("visits", "2026-03", 1), measure("visits", "2026-04", 10),
                     measure("visits", "2027-03", 100)], fy_start=4)
    assert e.value("visits", "2026-Q1").value == pytest.approx(10)
    assert e.value("visits", "2026").value == pytest.approx(110)
    assert e.value("visits", "2025-Q4").value == pytest.approx(1)


def test_nothing_recorded_gives_a_reason():
    e = engine_with([])
    for period in ("2026-01", "2026-Q1", "2026"):
        result = e.value("visits", period)
        assert result.value is None
        assert result.reason == f"nothing recorded for visits in {period}"


def test_trend_lists_periods_of_the_same_kind_oldest_first():
    e = engine_with([measure("visits", "2026-01", 1), measure("visits", "2026-03", 3),
                     measure("visits", "2026-04", 4)])
    assert e.trend("visits", "2026-03", 4) == [None, 1.0, None, 3.0]
    assert e.trend("visits", "2026-Q2", 2) == [4.0, 4.0]
    assert e.trend_periods("2026-Q1", 2) == ["2025-Q4", "2026-Q1"]
