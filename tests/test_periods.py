import datetime as dt

import pytest

from model.periods import (
    bounds,
    contains,
    elapsed_share,
    months_of,
    next_period,
    parse_as_of,
    parse_period,
    period_of_date,
    previous_period,
    quarter_of,
    shift,
    sort_key,
    year_of,
)


@pytest.mark.parametrize("text,kind", [("2026", "year"), ("2026-Q1", "quarter"), ("2026-03", "month")])
def test_parse_accepts_the_three_kinds(text, kind):
    assert parse_period(text).kind == kind
    assert parse_period(text).id == text


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "2026-00", "26-Q1", "Q1-2026", "", "2026-3", "0999"])
def test_parse_refuses_bad_ids_with_a_hint(text):
    with pytest.raises(ValueError, match="2026|between 1900"):
        parse_period(text)


def test_months_of_calendar_and_fiscal_quarters():
    assert months_of("2026-Q2") == ["2026-04", "2026-05", "2026-06"]
    assert months_of("2026-Q1", fy_start=4) == ["2026-04", "2026-05", "2026-06"]
    assert months_of("2026-Q4", fy_start=4) == ["2027-01", "2027-02", "2027-03"]
    assert len(months_of("2026")) == 12 and months_of("2026", 7)[0] == "2026-07"


def test_month_belongs_to_its_quarter_and_year():
    assert quarter_of("2026-05") == "2026-Q2"
    assert quarter_of("2026-03", fy_start=4) == "2025-Q4"
    assert year_of("2026-02", fy_start=4) == "2025"
    assert year_of("2026-Q3") == "2026"
    assert contains("2026", "2026-Q3") and contains("2026-Q1", "2026-02")
    assert not contains("2026-Q1", "2026-04")


def test_shift_crosses_years():
    assert next_period("2026-Q4") == "2027-Q1"
    assert previous_period("2026-01") == "2025-12"
    assert shift("2026", -2) == "2024"
    assert shift("2026-11", 14) == "2028-01"


def test_bounds_and_elapsed_share():
    assert bounds("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert elapsed_share("2026-Q1", dt.date(2025, 12, 31)) == 0
    assert elapsed_share("2026-Q1", dt.date(2026, 4, 1)) == 1
    assert elapsed_share("2026-01", dt.date(2026, 1, 31)) == 1
    assert 0.49 < elapsed_share("2026-Q1", dt.date(2026, 2, 14)) < 0.51


def test_period_of_date_and_order():
    assert period_of_date(dt.date(2026, 8, 3), "quarter") == "2026-Q3"
    assert period_of_date(dt.date(2026, 8, 3), "year", fy_start=10) == "2025"
    ids = ["2026-Q1", "2025-12", "2026", "2026-01"]
    assert sorted(ids, key=sort_key) == ["2025-12", "2026-01", "2026-Q1", "2026"]


def test_parse_as_of_takes_an_iso_day_or_today():
    today = dt.date(2026, 11, 22)
    assert parse_as_of(" 2026-03-31 ", today) == dt.date(2026, 3, 31)
    assert parse_as_of("Today", today) == today
    for text in ("", "31/03/2026", "20260331", "2026-02-30", "2026-W13-2", "tomorrow"):
        assert parse_as_of(text, today) is None, text
