import pytest

from model.formula import (
    FormulaError,
    evaluate,
    find_cycle,
    parse,
    references,
    render,
    topological_order,
)

ROI = "(revenue - marketing_cost) / marketing_cost"


def test_roi_parses_to_its_inputs_and_evaluates():
    tree = parse(ROI)
    assert references(tree) == {"revenue", "marketing_cost"}
    assert evaluate(tree, {"revenue": 120000, "marketing_cost": 40000}).value == 2.0


def test_precedence_and_unary_minus():
    assert evaluate(parse("revenue - marketing_cost / marketing_cost"),
                    {"revenue": 10, "marketing_cost": 5}).value == 9
    assert evaluate(parse("-a * 2 + 1"), {"a": 3}).value == -5
    assert evaluate(parse("2 * (3 + 4)"), {}).value == 14


def test_typographic_operators_are_accepted():
    assert evaluate(parse("a × b ÷ c − 1"), {"a": 6, "b": 2, "c": 3}).value == 3


def test_functions():
    vals = {"a": -4, "b": 2}
    assert evaluate(parse("abs(a)"), vals).value == 4
    assert evaluate(parse("min(a, b, 7)"), vals).value == -4
    assert evaluate(parse("max(a, b)"), vals).value == 2


def test_division_by_zero_is_no_value_with_reason():
    result = evaluate(parse(ROI), {"revenue": 1, "marketing_cost": 0})
    assert result.value is None
    assert "division by zero" in result.reason and "marketing_cost" in result.reason


def test_missing_input_is_no_value_with_reason():
    result = evaluate(parse(ROI), {"revenue": 1})
    assert result.value is None and result.reason == "no value for marketing_cost"


@pytest.mark.parametrize("text,where", [
    ("", "empty"), ("1 +", "ends"), ("a $ b", "position 3"), ("open(1)", "unknown function"),
    ("(a", "expected ')'"), ("a b", "position 3"), ("abs(1, 2)", "one argument"),
    ("__import__('os')", "unexpected"), ("__import__(1)", "unknown function"), ("a ** b", "position 4"),
])
def test_bad_formulas_say_where(text, where):
    with pytest.raises(FormulaError, match=where.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_render_fills_in_inputs():
    assert render(parse(ROI)) == "(revenue − marketing_cost) / marketing_cost"
    assert render(parse(ROI), {"revenue": 120000, "marketing_cost": 40000}) == "(120,000 − 40,000) / 40,000"
    assert render(parse("a - (b - c)")) == "a − (b − c)"
    assert render(parse("a / b"), {"a": None, "b": 2}) == "? / 2"


def test_cycles_and_order():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    order = topological_order({"roi": {"revenue", "cost"}, "revenue": set(), "cost": set()})
    assert order.index("roi") > order.index("revenue")
