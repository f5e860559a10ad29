"""Zero divisors, missing inputs, broken formulas and cycles give no value with a reason."""

import pytest

from model.catalog import default_metrics
from model.kpi import KpiEngine, format_value
from model.schema import Measurement, Metric, Plan


def rec(mid, period, value):
    return Measurement(metric=mid, period=period, value=value, recorded_at="2026-01-01T00:00:00")


def test_empty_plan_gives_reasons_for_every_catalog_metric():
    e = KpiEngine(Plan(metrics=default_metrics()))
    for m in default_metrics():
        for period in ("2026-01", "2026-Q1", "2026"):
            result = e.value(m.id, period)
            assert result.value is None
            assert result.reason


def test_division_by_zero_gives_no_value_with_reason():
    e = KpiEngine(Plan(metrics=default_metrics(), measurements=[
        rec("marketing_cost", "2026-01", 100), rec("sales_cost", "2026-01", 50),
        rec("new_customers", "2026-01", 0)]))
    result = e.value("cac", "2026-01")
    assert result.value is None
    assert result.reason == "division by zero (new_customers is 0)"
    assert e.explain("cac", "2026-01") == (
        "Customer acquisition cost = (100 + 50) / 0 = no value "
        "(division by zero (new_customers is 0))")
    assert e.value("ltv_cac", "2026-01").reason == "no value for cac, clv in 2026-01"


def test_missing_inputs_are_named():
    e = KpiEngine(Plan(metrics=default_metrics(), measurements=[rec("revenue", "2026-01", 10)]))
    assert e.value("roi", "2026-01").reason == "no value for marketing_cost in 2026-01"
    assert e.value("cac", "2026-01").reason == (
        "no value for marketing_cost, new_customers, sales_cost in 2026-01")
    assert e.explain("roi", "2026-01") == (
        "Marketing ROI = (10 − ?) / ? = no value (no value for marketing_cost in 2026-01)")


def test_win_rate_with_no_closed_deals():
    e = KpiEngine(Plan(metrics=default_metrics(), measurements=[
        rec("deals_won", "2026-01", 0), rec("deals_lost", "2026-01", 0)]))
    assert e.value("win_rate", "2026-01").reason == "division by zero (deals_won + deals_lost is 0)"


def cyclic_metrics():
    return [Metric(id="a", name="A", aggregation="formula", formula="b + 1"),
            Metric(id="b", name="B", aggregation="formula", formula="a * 2"),
            Metric(id="c", name="C", aggregation="formula", formula="a + x"),
            Metric(id="x", name="X"),
            Metric(id="d", name="D", aggregation="formula", formula="x * 2")]


def test_cycles_give_no_value_and_do_not_spoil_the_rest():
    e = KpiEngine(Plan(metrics=cyclic_metrics(), measurements=[rec("x", "2026-01", 4)]))
    for mid in ("a", "b"):
        result = e.value(mid, "2026-01")
        assert result.value is None
        assert result.reason.startswith("the formula depends on itself: ")
        assert "a → b → a" in result.reason
    assert e.value("c", "2026-01").reason == "no value for a in 2026-01"
    assert e.value("d", "2026-01").value == 8
    assert e.value("d", "2026-Q1").value == 8


def test_unknown_metric_in_a_formula_or_a_lookup():
    e = KpiEngine(Plan(metrics=[Metric(id="y", name="Y", aggregation="formula",
                                       formula="ghost + 1")]))
    assert e.value("y", "2026-01").reason == "ghost not a metric"
    assert e.value("nothing", "2026-01").reason == "unknown metric nothing"
    assert e.explain("nothing", "2026-01") == "nothing: unknown metric"


def test_unreadable_formula_stored_in_a_plan_is_reported():
    broken = Metric.model_construct(id="z", name="Z", unit="count", direction="increase",
                                    aggregation="formula", formula="1 +", departments=[],
                                    targets={}, amber_tolerance=0.1, description="")
    e = KpiEngine(Plan.model_construct(settings=Plan().settings, metrics=[broken],
                                       measurements=[], objectives=[]))
    assert e.value("z", "2026-01").reason.startswith("the formula cannot be read")


def test_bad_period_is_an_align_error():
    from model.errors import AlignError
    e = KpiEngine(Plan(metrics=default_metrics()))
    with pytest.raises(AlignError, match="is not a period"):
        e.value("roi", "2026-Q7")


@pytest.mark.parametrize(("value", "unit", "text"), [
    (None, "count", "—"), (120000, "currency", "120,000"), (0.075, "percent", "7.5 %"),
    (2, "ratio", "2.00"), (34.25, "days", "34.2"), (1234.5, "count", "1,234.50"),
    # under 1 %, two decimals, so 0.37 % and 0.40 % read apart
    (0.0037, "percent", "0.37 %"), (0.004, "percent", "0.40 %"), (-0.0037, "percent", "-0.37 %"),
    (0.01, "percent", "1.0 %"), (0.0, "percent", "0.0 %")])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_a_percent_input_is_filled_in_as_a_percent(tmp_path):
    """The explanation reads as the inputs are typed and shown: gross margin 77.75 %, not
    0.7775 (the arithmetic is the same: × 77.75 % is × 0.7775)."""
    from model import formula
    from model.kpi import engine_for
    from tests.lead_scoring_helpers import sample_copy

    assert formula.render(formula.parse("a * b"), {"a": 2.0, "b": "50 %"}) == "2 × 50 %"
    engine = engine_for(sample_copy(tmp_path))
    assert engine.explain("clv", "2026-Q2") == (
        "Customer lifetime value = 2,532.01 × 77.75 % × 35.60 = 70,083.41")
