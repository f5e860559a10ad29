"""The latest recording wins; not-applicable periods; leads-derived values fill gaps only."""

import pytest

from model.kpi import KpiEngine
from model.schema import Measurement, Metric, Plan

METRICS = [Metric(id="leads", name="Leads"), Metric(id="customers", name="Customers"),
           Metric(id="rate", name="Rate", aggregation="formula", formula="customers / leads")]


def m(mid, period, value=None, at="2026-01-01T00:00:00", **kw):
    if value is None and "not_applicable" not in kw:
        raise AssertionError("give a value or not_applicable")
    return Measurement(metric=mid, period=period, value=value, recorded_at=at, **kw)


def engine(measurements, extra=()):
    return KpiEngine(Plan(metrics=METRICS, measurements=measurements), extra_measurements=extra)


@pytest.mark.parametrize("order", [1, -1])
def test_latest_recording_wins_whatever_the_order(order):
    history = [m("leads", "2026-01", 10, at="2026-02-01T09:00:00"),
               m("leads", "2026-01", 12, at="2026-02-03T09:00:00"),
               m("leads", "2026-01", 11, at="2026-02-02T09:00:00")]
    assert engine(history[::order]).value("leads", "2026-01").value == 12


def test_latest_not_applicable_hides_an_older_value():
    e = engine([m("leads", "2026-01", 10, at="2026-02-01T00:00:00"),
                m("leads", "2026-01", not_applicable=True, at="2026-02-02T00:00:00")])
    result = e.value("leads", "2026-01")
    assert result.value is None
    assert result.reason == "not applicable in 2026-01"
    assert e.not_applicable("leads", "2026-01")


def test_later_value_replaces_not_applicable():
    e = engine([m("leads", "2026-01", not_applicable=True, at="2026-02-01T00:00:00"),
                m("leads", "2026-01", 7, at="2026-02-02T00:00:00")])
    assert e.value("leads", "2026-01").value == 7
    assert not e.not_applicable("leads", "2026-01")


def test_roll_up_skips_not_applicable_months():
    e = engine([m("leads", "2026-01", 10), m("leads", "2026-02", not_applicable=True),
                m("leads", "2026-03", 5)])
    assert e.value("leads", "2026-Q1").value == 15
    assert not e.not_applicable("leads", "2026-Q1")


def test_quarter_is_not_applicable_when_every_month_is():
    e = engine([m("leads", p, not_applicable=True) for p in ("2026-01", "2026-02", "2026-03")])
    assert e.value("leads", "2026-Q1").reason == "not applicable in 2026-Q1"
    assert e.not_applicable("leads", "2026-Q1")


def test_formula_with_a_not_applicable_input_says_so():
    e = engine([m("leads", "2026-01", not_applicable=True), m("customers", "2026-01", 3)])
    result = e.value("rate", "2026-01")
    assert result.value is None
    assert result.reason == "leads not applicable in 2026-01"


def test_recorded_measurements_take_precedence_over_extra_ones():
    derived = [m("leads", "2026-01", 100, at="2030-01-01T00:00:00", source="leads"),
               m("leads", "2026-02", 200, at="2030-01-01T00:00:00", source="leads")]
    e = engine([m("leads", "2026-01", 90, at="2026-02-01T00:00:00")], extra=derived)
    assert e.value("leads", "2026-01").value == 90
    assert e.source("leads", "2026-01") == "manual"
    assert e.value("leads", "2026-02").value == 200
    assert e.source("leads", "2026-02") == "leads"
    assert e.value("leads", "2026-Q1").value == 290
    assert e.explain("leads", "2026-02") == "Leads = 200 (from leads for 2026-02)"
