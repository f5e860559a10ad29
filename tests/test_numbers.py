"""Numbers typed into forms: thousands separators, percent, and refusals of ambiguous text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.numbers import typed_number


@pytest.mark.parametrize(("text", "percent", "expected"), [
    ("1250", False, 1250.0),
    (" 1,250 ", False, 1250.0),
    ("1,250.5", False, 1250.5),
    ("-1,250,000", False, -1250000.0),
    ("1 250", False, 1250.0),
    ("1\u00a0250", False, 1250.0),
    ("1_250", False, 1250.0),
    ("8.5", True, 0.085),
    ("8.5%", False, 0.085),
    ("8.5 %", True, 0.085),  # a percent sign on a percent field is not percent twice
    (".5", False, 0.5),
    ("1e3", False, 1000.0),
])
def test_numbers_as_planners_type_them(text, percent, expected):
    assert typed_number(text, percent=percent) == pytest.approx(expected, rel=0, abs=1e-12)


@pytest.mark.parametrize("text", ["1,5", "1,50", "0,25", "12,34,567", ",500", "1,,000",
                                  "1,000,00", "1,2345"])
def test_a_comma_that_is_not_a_thousands_separator_is_refused(text):
    with pytest.raises(ValueError, match="a comma only separates thousands"):
        typed_number(text)


@pytest.mark.parametrize("text", ["1 5", "12 000 5", "1_5", "1 2345"])
def test_a_space_that_is_not_a_thousands_separator_is_refused(text):
    with pytest.raises(ValueError, match="a space only separates thousands"):
        typed_number(text)


def test_a_percent_sign_can_be_refused_where_it_means_nothing():
    with pytest.raises(ValueError, match="is not a number"):
        typed_number("50%", percent_sign=False)


@pytest.mark.parametrize("text", ["", "lots", "1.2.3", "12 %%", "one,000"])
def test_text_that_is_no_number_says_so(text):
    with pytest.raises(ValueError, match=r"is not a number"):
        typed_number(text)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_a_number_written_with_grouped_thousands_reads_back_as_itself(value):
    assert typed_number(f"{value:,}") == value
    assert math.isclose(typed_number(f"{value * 100:,}", percent=True), value,
                        rel_tol=1e-12, abs_tol=1e-300)


def test_rule_values_on_number_columns_take_no_guesses():
    from screens.scoring_forms import condition_value

    assert condition_value("eq", "1,200", "number") == 1200
    for text in ("1 5", "1,5", "50%"):  # kept as typed, so the form refuses it as no number
        assert condition_value("eq", text, "number") == text


def test_a_number_list_separated_by_comma_and_space_keeps_its_thousands():
    from screens.scoring_forms import condition_value

    assert condition_value("in", "1,000, 2,500", "number") == [1000, 2500]
    assert condition_value("not_in", "1,000,  2,500.5 ,7", "number") == [1000, 2500.5, 7]
    assert condition_value("in", "10,20,30", "number") == [10, 20, 30]  # no spaces: commas part
    assert condition_value("in", "1, 2,3", "number") == [1, 2, 3]  # `2,3` is no number
    assert condition_value("in", "1,000, x", "number") == [1000, "x"]  # refused by the form
    assert condition_value("between", "1,000, 5,000", "number") == [1000, 5000]
    assert condition_value("between", "1,000 and 5,000", "number") == [1000, 5000]
    assert condition_value("between", "1,000..5,000", "number") == [1000, 5000]
    assert condition_value("between", "10,20", "number") == [10, 20]
    for op in ("gt", "gte", "lt", "lte"):  # a comparison reads thousands as eq does
        assert condition_value(op, "1,000", "number") == 1000
        assert condition_value(op, "1,5", "number") == "1,5"  # refused by the form
    # a text column's list parts at every comma, as before
    assert condition_value("in", "1,000, 2,500", "text") == ["1", "000", "2", "500"]


@pytest.mark.parametrize(("op", "text", "value"), [
    ("gt", "$50", 50),
    ("eq", "$1,200", 1200),
    ("lte", "€1,250.50", 1250.5),
    ("between", "$10 and $2,000", [10, 2000]),
    ("in", "$5, $10", [5, 10]),
    ("gt", "50%", "50%"),  # a lead's 50 is not 50 %: left as typed, and so refused
])
def test_a_rule_value_with_a_currency_sign_reads_as_the_import_reads_amounts(op, text, value):
    """An amount exported as `$1,200` is imported as 1200: a rule typed the same way compares
    with it, for `gt` as for `eq` (only `eq` used to take it, as text matching no lead)."""
    from screens.scoring_forms import condition_value

    assert condition_value(op, text, "number") == value
