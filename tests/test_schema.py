import pytest
from pydantic import ValidationError

from model.schema import (
    Condition,
    KeyResult,
    Measurement,
    Metric,
    Note,
    Objective,
    Persona,
    Plan,
    Rule,
    ScoringModel,
    reference_errors,
)
from tests.factories import small_plan


def test_small_plan_has_no_reference_errors():
    assert reference_errors(small_plan()) == []


@pytest.mark.parametrize("bad", ["Grow", "grow smb", "-x", "", "a" * 65, "grow/smb"])
def test_slugs_are_checked(bad):
    with pytest.raises(ValidationError, match="not a valid id"):
        Objective(id=bad, title="t", period="2026-Q1", owner="sales")


def test_metric_ids_must_be_formula_names():
    with pytest.raises(ValidationError, match="metric id"):
        Metric(id="lead-to-customer", name="x")


def test_objective_normalises_departments_and_knows_joint():
    o = Objective(id="x", title="t", period="2026-Q1", owner="sales", departments=["marketing", "sales"])
    assert o.departments == ["marketing", "sales"] and o.joint
    assert not Objective(id="y", title="t", period="2026-Q1", owner="sales").joint


def test_objective_cannot_be_its_own_parent():
    with pytest.raises(ValidationError, match="own parent"):
        Objective(id="x", title="t", period="2026-Q1", owner="sales", parent="x")


def test_key_result_validation():
    with pytest.raises(ValidationError, match="differ"):
        KeyResult(metric="m", baseline=1, target=1)
    with pytest.raises(ValidationError):
        KeyResult(metric="m", baseline=1, target=2, weight=0)
    with pytest.raises(ValidationError, match="out of range"):
        KeyResult(metric="m", baseline=1, target=1e300)


def test_metric_formula_rules():
    with pytest.raises(ValidationError, match="needs a formula"):
        Metric(id="x", name="X", aggregation="formula")
    with pytest.raises(ValidationError, match="aggregation 'formula'"):
        Metric(id="x", name="X", formula="a / b")
    with pytest.raises(ValidationError, match="formula: unexpected"):
        Metric(id="x", name="X", aggregation="formula", formula="a $ b")
    with pytest.raises(ValidationError, match="itself"):
        Metric(id="x", name="X", aggregation="formula", formula="x * 2")
    assert Metric(id="x", name="X", aggregation="formula", formula="a/b").inputs() == {"a", "b"}


def test_measurement_value_or_not_applicable():
    with pytest.raises(ValidationError, match="needs a value"):
        Measurement(metric="m", period="2026-01")
    with pytest.raises(ValidationError, match="not applicable"):
        Measurement(metric="m", period="2026-01", value=1, not_applicable=True)
    m = Measurement(metric="m", period="2026-01", value=3, recorded_at="2026-02-01T09:00:00+02:00")
    assert m.recorded_at == "2026-02-01T07:00:00"


def test_note_targets_exactly_one_thing_and_feedback_names_departments():
    with pytest.raises(ValidationError, match="exactly one"):
        Note(id="n", date="2026-01-01", text="t")
    with pytest.raises(ValidationError, match="from_department"):
        Note(id="n", objective="o", date="2026-01-01", text="t", kind="feedback")
    # refused in the form, but a plan that holds one (earlier versions saved it) still loads
    Note(id="n", objective="o", date="2026-01-01", text="t", kind="feedback",
         from_department="sales", to_department="sales")


@pytest.mark.parametrize("date", ["0", 0, "2026", "2026-02-30", "31/03/2026"])
def test_note_dates_are_written_as_dates(date):
    with pytest.raises(ValidationError, match="date"):
        Note(id="n", objective="o", date=date, text="t")


@pytest.mark.parametrize("op,value,stored", [
    ("in", "a, b", ["a", "b"]), ("between", ["1", 5], [1, 5]), ("gt", "3.5", 3.5),
    ("within_last_days", 30, 30), ("before", "2026-03-01", "2026-03-01"), ("is_empty", None, None),
    ("eq", "SaaS", "SaaS"), ("eq", 5, 5),
])
def test_condition_values_fit_their_operator(op, value, stored):
    assert Condition(field="f", op=op, value=value).value == stored


@pytest.mark.parametrize("op,value", [
    ("gt", "abc"), ("between", [5, 1]), ("between", [1]), ("in", []), ("is_empty", "x"),
    ("within_last_days", -1), ("within_last_days", 1.5), ("before", "next week"), ("eq", None),
    ("matches", "x"),
])
def test_condition_values_that_do_not_fit_are_refused(op, value):
    with pytest.raises(ValidationError):
        Condition(field="f", op=op, value=value)


def test_scoring_model_bands_and_cells():
    with pytest.raises(ValidationError, match="must not increase"):
        ScoringModel(id="m", name="M", fit_bands={"A": 10, "B": 40, "C": 20})
    with pytest.raises(ValidationError, match="grade cell"):
        ScoringModel(id="m", name="M", mql_cells=["E1"])
    with pytest.raises(ValidationError, match="used twice"):
        rule = Rule(id="r", dimension="fit", points=1, when=[Condition(field="f", op="is_true")])
        ScoringModel(id="m", name="M", rules=[rule, rule])
    assert ScoringModel(id="m", name="M", mql_cells=["b1", "A1", "A1"]).mql_cells == ["A1", "B1"]


def test_rule_needs_a_condition():
    with pytest.raises(ValidationError, match="at least 1"):
        Rule(id="r", dimension="fit", points=1, when=[])


def test_persona_list_fields_take_one_item_per_line():
    p = Persona(id="p", name="P", goals="Save time\n\n  Grow revenue  \n")
    assert p.goals == ["Save time", "Grow revenue"]


def test_reference_errors_name_the_location():
    plan = small_plan()
    plan.objectives[1].owner = "legal"
    plan.objectives[1].key_results[0].metric = "nps"
    plan.objectives[0].parent = "grow-smb-pipeline"
    plan.notes[0].to_department = "legal"
    plan.metrics.append(Metric(id="revenue", name="Revenue again"))
    errors = reference_errors(plan)
    assert "objectives[1].owner: unknown department 'legal'" in errors
    assert "objectives[1].key_results[0].metric: unknown metric 'nps'" in errors
    assert any(e.startswith("objectives: parent links form a loop") for e in errors)
    assert "notes[0].to_department: unknown department 'legal'" in errors
    assert any("duplicate id 'revenue'" in e for e in errors)


def test_formula_cycles_across_metrics_are_found():
    plan = Plan(metrics=[Metric(id="a", name="A", aggregation="formula", formula="b + 1"),
                         Metric(id="b", name="B", aggregation="formula", formula="a * 2")])
    assert any("loop" in e and "a → b → a" in e for e in reference_errors(plan))
