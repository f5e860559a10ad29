"""Caps, bands, knockouts, MQL, the why panel and the score table, on a dataset whose every score
is worked out by hand."""

from __future__ import annotations

import pytest

from model.errors import AlignError
from model.scoring import explain_lead, materialize_scores
from model.store import PlanStore
from tests.leads_helpers import AS_OF, load, model, reference_scores, rule, sql_scores

DATA = "id,seg,opens\n1,a,40\n2,b,25\n3,c,10\n4,d,9\n5,e,\n6,a,0\n"

RULES = [
    rule("fa", "seg", "eq", "a", points=60),
    rule("fb", "seg", "eq", "b", points=59),
    rule("fc", "seg", "eq", "c", points=40),
    rule("fd", "seg", "eq", "d", points=20),
    rule("fe", "seg", "eq", "e", points=19),
    rule("e40", "opens", "gte", 40, points=40, dimension="engagement"),
    rule("e25", "opens", "between", [25, 39], points=25, dimension="engagement"),
    rule("e10", "opens", "between", [10, 24], points=10, dimension="engagement"),
    rule("e9", "opens", "eq", 9, points=9, dimension="engagement"),
    rule("ko", "opens", "eq", 0, points=5, knockout=True),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = PlanStore.memory()
    load(s, tmp_path_factory.mktemp("model"), DATA, id="id")
    yield s
    s.close()


def both(store, m):
    by_sql = sql_scores(store, m)
    assert by_sql == reference_scores(store, m)
    return by_sql


def test_bands_take_the_minimum_inclusive(store):
    scores = both(store, model(*RULES))
    assert {k: s.cell for k, s in scores.items()} == {
        "1": "A1", "2": "B2", "3": "B3", "4": "C4", "5": "D4", "6": "D4"}
    assert [scores[k].total for k in "123456"] == [100, 84, 50, 29, 19, 65]


def test_knockout_keeps_points_gets_band_d_and_is_never_mql(store):
    scores = both(store, model(*RULES, mql_cells=["D4"]))
    assert scores["6"].fit == 65 and scores["6"].fit_band == "D" and scores["6"].knocked_out
    assert not scores["6"].mql
    assert scores["5"].mql and not scores["5"].knocked_out


def test_disabled_knockout_does_nothing(store):
    rules = [dict(r, enabled=False) if r["id"] == "ko" else r for r in RULES]
    scores = both(store, model(*rules))
    assert scores["6"].fit == 60 and scores["6"].cell == "A4" and not scores["6"].knocked_out


def test_caps_clip_from_above(store):
    scores = both(store, model(*RULES, fit_cap=50, engagement_cap=20))
    assert scores["1"].fit == 50 and scores["1"].engagement == 20 and scores["1"].cell == "B3"
    assert scores["4"].fit == 20 and scores["4"].engagement == 9


def test_no_floor_sub_scores_go_negative(store):
    extra = rule("minus", "seg", "in", ["e", "d"], points=-40)
    scores = both(store, model(*RULES, extra))
    assert scores["5"].fit == -21 and scores["5"].total == -21 and scores["5"].fit_band == "D"


def test_default_mql_cells(store):
    scores = both(store, model(*RULES))
    assert {k for k, s in scores.items() if s.mql} == {"1"}


def test_mql_by_minimum_total_or_cells(store):
    by_total = both(store, model(*RULES, mql_cells=[], mql_min_total=84))
    assert {k for k, s in by_total.items() if s.mql} == {"1", "2"}
    either = both(store, model(*RULES, mql_cells=["C4"], mql_min_total=84))
    assert {k for k, s in either.items() if s.mql} == {"1", "2", "4"}
    none = both(store, model(*RULES, mql_cells=[]))
    assert not any(s.mql for s in none.values())


def test_custom_bands(store):
    m = model(*RULES, fit_bands={"A": 100, "B": 60, "C": 59},
              engagement_bands={"1": 100, "2": 50, "3": 40})
    scores = both(store, m)
    assert scores["1"].cell == "B3" and scores["2"].cell == "C4" and scores["3"].cell == "D4"


def test_why_lists_each_rules_points(store):
    m = model(*RULES, fit_cap=50)
    why = explain_lead(store, m, 6, as_of=AS_OF)
    assert why.score.fit == 50 and why.fit_uncapped == 65 and why.score.knocked_out
    points = {c.rule: (c.matched, c.points) for c in why.rules}
    assert points["fa"] == (True, 60) and points["ko"] == (True, 5)
    assert points["fb"] == (False, 0) and points["e40"] == (False, 0)
    assert [c.rule for c in why.rules] == [r["id"] for r in RULES]


def test_why_shows_disabled_rules_that_would_match(store):
    rules = [dict(r, enabled=False) if r["id"] == "fa" else r for r in RULES]
    rules.append(rule("ghost", "gone", "eq", "x", enabled=False))
    why = explain_lead(store, model(*rules), 1, as_of=AS_OF)
    fa = next(c for c in why.rules if c.rule == "fa")
    ghost = next(c for c in why.rules if c.rule == "ghost")
    assert fa.matched and fa.points == 0 and not fa.enabled
    assert not ghost.matched and ghost.points == 0
    assert why.score.fit == 0


def test_why_for_a_missing_row(store):
    with pytest.raises(AlignError, match="no lead at row 99"):
        explain_lead(store, model(*RULES), 99, as_of=AS_OF)


def test_materialized_scores_page_by_total(store):
    assert materialize_scores(store, model(*RULES), as_of=AS_OF) == 6
    rows = store.db.execute(
        "SELECT _row, total FROM temp.lead_scores ORDER BY total DESC, _row LIMIT 3").fetchall()
    assert rows == [(1, 100), (2, 84), (6, 65)]


def test_scoring_without_leads_says_so():
    empty = PlanStore.memory()
    with pytest.raises(AlignError, match="no leads imported"):
        sql_scores(empty, model(*RULES))
