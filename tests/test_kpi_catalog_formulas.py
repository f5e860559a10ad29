"""Every formula of the default catalog against values worked out by hand."""

import pytest

from model.catalog import default_departments, default_metrics
from model.kpi import KpiEngine
from model.schema import Measurement, Plan

INPUTS = {
    "revenue": 120_000, "marketing_cost": 40_000, "sales_cost": 20_000, "visits": 10_000,
    "purchases": 250, "leads": 400, "new_customers": 30, "deals_won": 30, "deals_lost": 45,
    "avg_revenue_per_customer": 500, "gross_margin": 0.7, "avg_lifespan_periods": 24,
    "customers_start": 1_000, "customers_lost": 25, "responses": 200, "satisfied_responses": 170,
    "delivered": 5_000, "opens": 1_100, "clicks": 150,
}

EXPECTED = {
    "roi": (120_000 - 40_000) / 40_000,
    "conversion_rate": 250 / 10_000,
    "lead_to_customer": 30 / 400,
    "win_rate": 30 / (30 + 45),
    "cac": (40_000 + 20_000) / 30,
    "clv": 500 * 0.7 * 24,
    "ltv_cac": (500 * 0.7 * 24) / ((40_000 + 20_000) / 30),
    "cac_payback": ((40_000 + 20_000) / 30) / (500 * 0.7),
    "csat": 170 / 200,
    "email_open_rate": 1_100 / 5_000,
    "click_through_rate": 150 / 5_000,
    "churn": 25 / 1_000,
}


@pytest.fixture
def engine():
    measurements = [Measurement(metric=k, period="2026-01", value=v) for k, v in INPUTS.items()]
    plan = Plan(departments=default_departments(), metrics=default_metrics(),
                measurements=measurements)
    return KpiEngine(plan)


def test_every_catalog_formula_is_covered():
    formulas = {m.id for m in default_metrics() if m.formula}
    assert formulas == set(EXPECTED)


@pytest.mark.parametrize("metric_id", sorted(EXPECTED))
def test_catalog_formula_value(engine, metric_id):
    result = engine.value(metric_id, "2026-01")
    assert result.value == pytest.approx(EXPECTED[metric_id], rel=1e-12)
    assert result.reason == ""


def test_roi_is_parenthesised_not_revenue_minus_cost_over_cost(engine):
    assert engine.value("roi", "2026-01").value == pytest.approx(2.0)
    assert engine.value("roi", "2026-01").value != pytest.approx(120_000 - 40_000 / 40_000)


def test_explain_fills_in_the_inputs(engine):
    assert engine.explain("roi", "2026-01") == "Marketing ROI = (120,000 − 40,000) / 40,000 = 2.00"
    assert engine.explain("conversion_rate", "2026-01") == "Conversion rate = 250 / 10,000 = 2.5 %"


def test_inputs_explain_where_they_come_from(engine):
    assert engine.explain("revenue", "2026-01") == "Revenue = 120,000 (recorded for 2026-01)"
    assert engine.explain("revenue", "2026-Q1") == "Revenue = 120,000 (sum of 2026-01)"
