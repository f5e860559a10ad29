"""Every condition operator, on messy imported data, through both the SQL engine and the
reference evaluator (the `matches` helper asserts they agree before returning)."""

from __future__ import annotations

import pytest

from model.errors import AlignError
from model.scoring import score_leads
from model.store import PlanStore
from tests.leads_helpers import AS_OF, load, matches, model, rule

DATA = (
    "id,name,industry,employees,signup,active\n"
    '1,Acme,SaaS,"1,200",2025-03-01,yes\n'
    "2,Beta, saas ,42,2025-01-15,no\n"
    "3,Gamma,N/A,$99.50,,true\n"
    "4,Delta,,-,2024-12-31,\n"
    "5,Epsilon,Retail,unknown,2025-02-28,FALSE\n"
    "6,Zeta,Software_100%,7,2025-02-15,Y\n"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = PlanStore.memory()
    load(s, tmp_path_factory.mktemp("ops"), DATA, id="id")
    yield s
    s.close()


@pytest.mark.parametrize("op, value, expected", [
    ("eq", "saas", {"1", "2"}),
    ("eq", " SAAS ", {"1", "2"}),
    ("neq", "saas", {"5", "6"}),
    ("in", ["retail", "SaaS"], {"1", "2", "5"}),
    ("in", "retail, saas", {"1", "2", "5"}),
    ("not_in", ["retail"], {"1", "2", "6"}),
    ("contains", "AA", {"1", "2"}),
    ("contains", "_1", {"6"}),
    ("contains", "%", {"6"}),
    ("contains", "a_", set()),
    ("not_contains", "aa", {"5", "6"}),
    ("starts_with", "re", {"5"}),
    ("starts_with", "s", {"1", "2", "6"}),
    ("ends_with", "100%", {"6"}),
    ("is_empty", None, {"3", "4"}),
    ("is_not_empty", None, {"1", "2", "5", "6"}),
])
def test_text_operators(store, op, value, expected):
    assert matches(store, "industry", op, value) == expected


@pytest.mark.parametrize("op, value, expected", [
    ("eq", 42, {"2"}),
    ("eq", "1,200", {"1"}),
    ("eq", "$99.50", {"3"}),
    ("neq", 42, {"1", "3", "6"}),
    ("gt", 42, {"1", "3"}),
    ("gte", 42, {"1", "2", "3"}),
    ("lt", 42, {"6"}),
    ("lte", 42, {"2", "6"}),
    ("between", [42, 99.5], {"2", "3"}),
    ("between", [7, 7], {"6"}),
    ("in", [7, 42], {"2", "6"}),
    ("not_in", [7], {"1", "2", "3"}),
    ("is_empty", None, {"4", "5"}),
    ("is_not_empty", None, {"1", "2", "3", "6"}),
])
def test_number_operators_skip_values_that_are_not_numbers(store, op, value, expected):
    assert matches(store, "employees", op, value) == expected


@pytest.mark.parametrize("op, value, expected", [
    ("before", "2025-01-15", {"4"}),
    ("after", "2025-02-28", {"1"}),
    ("within_last_days", 30, {"1"}),
    ("within_last_days", 31, {"1", "5"}),
    ("within_last_days", 0, set()),
    ("more_than_days_ago", 31, {"2", "4", "6"}),
    ("eq", "2025-02-15", {"6"}),
    ("neq", "2025-02-15", {"1", "2", "4", "5"}),
    ("in", ["2025-02-15", "2024-12-31"], {"4", "6"}),
    ("is_empty", None, {"3"}),
])
def test_date_operators_are_relative_to_as_of(store, op, value, expected):
    assert matches(store, "signup", op, value) == expected


def test_date_ops_move_with_as_of(store):
    import datetime as dt

    assert matches(store, "signup", "within_last_days", 0, as_of=dt.date(2025, 3, 1)) == {"1"}
    assert matches(store, "signup", "more_than_days_ago", 0, as_of=dt.date(2030, 1, 1)) == \
        {"1", "2", "4", "5", "6"}


def test_day_counts_reaching_back_before_year_one_still_score(store):
    """as-of 0001-01-05 less ten days is before any date there is: every date is later than
    it, so `more_than_days_ago` matches nothing, and `within_last_days` what is not after
    the as-of date (nothing here)."""
    import datetime as dt

    early = dt.date(1, 1, 5)
    assert matches(store, "signup", "within_last_days", 10, as_of=early) == set()
    assert matches(store, "signup", "more_than_days_ago", 10, as_of=early) == set()
    assert matches(store, "signup", "more_than_days_ago", 4, as_of=early) == set()


@pytest.mark.parametrize("op, value, expected", [
    ("is_true", None, {"1", "3", "6"}),
    ("is_false", None, {"2", "5"}),
    ("eq", "yes", {"1", "3", "6"}),
    ("neq", "true", {"2", "5"}),
    ("is_empty", None, {"4"}),
])
def test_boolean_operators(store, op, value, expected):
    assert matches(store, "active", op, value) == expected


def test_all_conditions_of_a_rule_must_hold(store):
    m = model(rule("both", "", "", when=[
        {"field": "industry", "op": "eq", "value": "saas"},
        {"field": "employees", "op": "gt", "value": 100}]))
    scored = {lead.id: lead.score.fit for lead in score_leads(store, m, as_of=AS_OF)}
    assert {k for k, v in scored.items() if v} == {"1"}


@pytest.mark.parametrize("field, op, value, words", [
    ("size", "eq", "x", ["rule 'r'", "field 'size'", "no such column", "industry"]),
    ("employees", "contains", "1", ["operator contains", "number column"]),
    ("industry", "gt", 5, ["operator gt", "text column"]),
    ("employees", "eq", "many", ["'many' is not a number"]),
    # a rule value gets the import's own bound, whether it is written 1e308 or spelt out
    ("employees", "eq", 1e308, ["is not a number"]),
    ("employees", "in", [1e308], ["is not a number"]),
    ("employees", "eq", 10**400, ["is not a number"]),
    ("active", "eq", "perhaps", ["'perhaps' is not true or false"]),
    ("signup", "eq", "soon", ["'soon' is not a date"]),
    ("industry", "before", "2025-01-01", ["operator before", "text column"]),
])
def test_conditions_that_do_not_fit_the_data_name_the_rule_and_field(store, field, op, value,
                                                                        words):
    m = model(rule("r", field, op, value))
    with pytest.raises(AlignError) as info:
        list(score_leads(store, m, as_of=AS_OF))
    for word in words:
        assert word in str(info.value)


def test_disabled_rules_may_name_absent_columns(store):
    m = model(rule("off", "gone", "eq", "x", enabled=False), rule("on", "industry", "is_empty"))
    scored = {lead.id: lead.score.fit for lead in score_leads(store, m, as_of=AS_OF)}
    assert scored == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0, "6": 0}


def test_values_are_bound_not_spliced(store):
    hostile = "x' OR 1=1 --"
    assert matches(store, "industry", "eq", hostile) == set()
    assert matches(store, "industry", "contains", hostile) == set()


def test_case_folding_is_ascii_only_in_both_engines(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, "id,name\n1,Ärzte\n2,ärzte\n3,SAAS\n", id="id")
    assert matches(s, "name", "eq", "ärzte") == {"2"}
    assert matches(s, "name", "contains", "Ä") == {"1"}
    assert matches(s, "name", "eq", "saas") == {"3"}


def test_a_field_in_another_case_names_the_column(tmp_path):
    """A re-export that capitalises its headers (`Industry`, `EMPLOYEES`) keeps the rules
    written for `industry` and `employees` working, in the SQL engine, the reference evaluator,
    the backtest and persona matching alike."""
    from model.backtest import backtest
    from model.persona_match import persona_leads
    from model.schema import Condition, Persona

    recased = PlanStore.memory()
    header, rest = DATA.split("\n", 1)
    load(recased, tmp_path, "id,name,Industry,EMPLOYEES,signup,active,won\n" + "".join(
        f"{line},{'yes' if int(line.split(',')[0]) % 2 else 'no'}\n"
        for line in rest.splitlines()), id="id", outcome="won", won_values=["yes"])
    assert header.split(",")[2:4] == ["industry", "employees"]
    for field, op, value in (("industry", "eq", "saas"), ("employees", "gt", 40),
                             ("iNDUSTRY", "is_empty", None)):
        written = matches(recased, field, op, value)  # SQL and reference agree
        assert written == matches(recased, {"industry": "Industry", "employees": "EMPLOYEES",
                                            "iNDUSTRY": "Industry"}[field], op, value)
    assert matches(recased, "industry", "eq", "saas") == {"1", "2"}
    two = model(rule("saas", "industry", "eq", "saas", points=30),
                rule("big", "employees", "gt", 1000, points=30))
    result = backtest(recased, two, as_of=AS_OF)
    assert result.leads == 6 and [e.leads for e in result.rules] == [2, 1]
    persona = Persona(id="p", name="P", match=[Condition(field="industry", op="eq",
                                                         value="saas")])
    assert persona_leads(recased, persona, as_of=AS_OF).leads == 2
    recased.close()
