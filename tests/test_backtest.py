"""Backtest figures checked against small cases worked out by hand."""

from __future__ import annotations

import json

import pytest

from model.backtest import backtest, compare_models
from model.errors import AlignError
from model.leads import OUTCOME_VALUES_KEY, lead_status, outcome_values, roles_query
from model.schema import LeadsRoles
from model.store import PlanStore
from tests.leads_helpers import AS_OF, load, model, rule, sql_scores

# Segment A scores 70 (fit band A, cell A4); B scores 0 (cell D4). Lead 8 has no closed date,
# so it is open and stays out of every conversion figure.
DATA = ("id,seg,conv,closed\n"
        "1,A,yes,2025-01-01\n2,A,Yes,2025-01-02\n3,A,no,2025-01-03\n"
        "4,B,yes,2025-01-04\n5,B,no,2025-01-05\n6,B,no,2025-01-06\n7,B,no,2025-01-07\n"
        "8,A,yes,\n")
ROLES = {"id": "id", "outcome": "conv", "won_values": ["YES"], "closed": "closed"}
SEG_A = rule("seg-a", "seg", "eq", "A", points=70)


@pytest.fixture
def store(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, DATA, **ROLES)
    yield s
    s.close()


def test_cells_bands_and_base_rate(store):
    bt = backtest(store, model(SEG_A, mql_cells=["A4"]), as_of=AS_OF)
    assert (bt.leads, bt.open, bt.decided, bt.won) == (8, 1, 7, 3)
    assert bt.base_rate == pytest.approx(3 / 7)
    a4, d4 = bt.cell("A4"), bt.cell("D4")
    assert (a4.leads, a4.decided, a4.won) == (4, 3, 2)
    assert a4.rate == pytest.approx(2 / 3)
    assert a4.lift == pytest.approx(14 / 9)
    assert a4.share_of_wins == pytest.approx(2 / 3)
    assert (d4.leads, d4.decided, d4.won) == (4, 4, 1)
    assert d4.lift == pytest.approx(7 / 12)
    assert bt.cell("B1").leads == 0 and bt.cell("B1").rate is None
    fits = {b.key: b for b in bt.fit_bands}
    assert fits["A"].leads == 4 and fits["D"].won == 1 and fits["B"].rate is None
    engs = {b.key: b for b in bt.engagement_bands}
    assert engs["4"].leads == 8 and engs["4"].rate == pytest.approx(3 / 7)


def test_auc_counts_ties_as_half(store):
    bt = backtest(store, model(SEG_A), as_of=AS_OF)
    # won: 2 at 70, 1 at 0; lost: 1 at 70, 3 at 0 -> (2*3 + 2*0.5*1 + 1*0.5*3) / (3*4)
    assert bt.auc == pytest.approx(8.5 / 12)
    assert [(b.total, b.leads, b.decided, b.won) for b in bt.scores] == [(0, 4, 4, 1),
                                                                         (70, 4, 3, 2)]


def test_auc_of_a_model_that_scores_everyone_the_same_is_half(store):
    bt = backtest(store, model(rule("all", "seg", "is_not_empty", points=5)), as_of=AS_OF)
    assert bt.auc == pytest.approx(0.5)


def test_auc_of_a_perfect_and_an_inverted_model(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, "id,seg,conv\n1,A,1\n2,A,1\n3,B,0\n4,C,0\n", id="id", outcome="conv",
         won_values=["1"])
    perfect = backtest(s, model(rule("a", "seg", "eq", "A", points=10)), as_of=AS_OF)
    inverted = backtest(s, model(rule("a", "seg", "eq", "A", points=-10)), as_of=AS_OF)
    assert perfect.auc == 1.0 and inverted.auc == 0.0


def test_mql_precision_and_recall(store):
    bt = backtest(store, model(SEG_A, mql_cells=["A4"]), as_of=AS_OF)
    assert (bt.mql.leads, bt.mql.decided, bt.mql.won) == (4, 3, 2)
    assert bt.mql.precision == pytest.approx(2 / 3) and bt.mql.recall == pytest.approx(2 / 3)
    nobody = backtest(store, model(SEG_A, mql_cells=[]), as_of=AS_OF)
    assert nobody.mql.leads == 0 and nobody.mql.precision is None and nobody.mql.recall == 0


def test_rule_evidence(store):
    off = rule("seg-b", "seg", "eq", "B", points=5, enabled=False)
    ghost = rule("ghost", "gone", "eq", "x", enabled=False)
    bt = backtest(store, model(SEG_A, off, ghost), as_of=AS_OF)
    evidence = {r.rule: r for r in bt.rules}
    assert set(evidence) == {"seg-a", "seg-b"}
    a = evidence["seg-a"]
    assert (a.leads, a.decided, a.won) == (4, 3, 2)
    assert a.rate == pytest.approx(2 / 3) and a.lift == pytest.approx(14 / 9)
    b = evidence["seg-b"]
    assert (b.leads, b.decided, b.won, b.enabled) == (4, 4, 1, False)


def test_without_a_closed_role_a_blank_outcome_is_open(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, "id,conv\n1,won\n2,lost\n3,\n4,Won\n", id="id", outcome="conv",
         won_values=["won"])
    bt = backtest(s, model(rule("any", "id", "is_not_empty")), as_of=AS_OF)
    assert (bt.leads, bt.open, bt.decided, bt.won) == (4, 1, 3, 2)


def test_without_an_outcome_role_there_are_counts_but_no_conversion(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, "id,seg\n1,A\n2,B\n", id="id")
    bt = backtest(s, model(SEG_A), as_of=AS_OF)
    assert not bt.outcome_mapped and bt.leads == 2 and bt.cell("A4").leads == 1
    assert (bt.open, bt.decided) == (2, 0)  # no lead's result is known
    assert bt.auc is None and bt.base_rate is None and bt.cell("A4").rate is None
    assert bt.mql.precision is None and all(r.rate is None for r in bt.rules)


def test_results_are_json_serialisable(store):
    bt = backtest(store, model(SEG_A), as_of=AS_OF)
    again = json.loads(json.dumps(bt.to_dict()))
    assert again["cells"][0]["key"] == "A1" and again["auc"] == pytest.approx(8.5 / 12)


def test_compare_two_models(store):
    a = model(SEG_A, mql_cells=["A4"])
    b = model(rule("seg-b", "seg", "eq", "B", points=70), mql_cells=["A4"]).model_copy(
        update={"id": "other"})
    cmp = compare_models(store, a, b, as_of=AS_OF)
    assert cmp.a.model == "m" and cmp.b.model == "other"
    assert cmp.auc_delta == pytest.approx((1 - 8.5 / 12) - 8.5 / 12)
    assert cmp.mql_delta == 0
    assert cmp.precision_delta == pytest.approx(1 / 4 - 2 / 3)
    json.dumps(cmp.to_dict())
    with pytest.raises(AlignError):
        compare_models(store, a, a, as_of=AS_OF)


def test_roles_query_gives_the_kpi_engine_status_by_role(store):
    q = roles_query(store)
    rows = list(store.db.query(f"SELECT id, closed, status FROM ({q.sql}) ORDER BY _row",
                               q.params))
    assert [r["status"] for r in rows] == ["won", "won", "lost", "won", "lost", "lost", "lost",
                                           "open"]
    assert rows[0]["closed"] == "2025-01-01"


def test_a_closed_lead_without_an_outcome_is_lost_in_the_kpis_and_the_backtest(tmp_path):
    """DESIGN §6: with a closed date, a lead is won on a won value and lost otherwise. The KPI
    engine's SQL status, the backtest and `lead_status` say the same for every lead."""
    s = PlanStore.memory()
    load(s, tmp_path, "id,conv,closed\n1,yes,2025-01-01\n2,,2025-01-02\n3,yes,\n4,no,2025-01-03\n",
         id="id", outcome="conv", won_values=["yes"], closed="closed")
    q = roles_query(s)
    statuses = [r[0] for r in s.conn.execute(f"SELECT status FROM ({q.sql}) ORDER BY _row",
                                             q.params)]
    assert statuses == ["won", "lost", "open", "lost"]
    roles = s.leads_roles()
    assert statuses == [lead_status(r[0], r[1] is not None, roles)
                        for r in s.conn.execute("SELECT conv, closed FROM leads ORDER BY _row")]
    bt = backtest(s, model(rule("all", "id", "is_not_empty")), as_of=AS_OF)
    assert (bt.open, bt.decided, bt.won) == (1, 3, 1)
    s.close()


def test_a_model_with_many_rules_holds(store):
    """130 rules (more than fit in one SQLite integer as a bit mask): every rule's evidence and
    every score still count."""
    rules = [rule(f"r{i}", "seg", "eq", "A" if i % 2 == 0 else "B", points=i + 1,
                  dimension="fit" if i < 65 else "engagement", enabled=i != 129)
             for i in range(130)]
    m = model(*rules, fit_cap=10_000, engagement_cap=10_000)
    bt = backtest(store, m, as_of=AS_OF)
    assert len(bt.rules) == 130
    for i, item in enumerate(bt.rules):
        expected = [4, 3, 2] if i % 2 == 0 else [4, 4, 1]
        assert [item.leads, item.decided, item.won] == expected, item.rule
    a_total = sum(i + 1 for i in range(0, 129, 2))
    b_total = sum(i + 1 for i in range(1, 129, 2))  # r129 (a B rule) is disabled
    assert {b.total: b.leads for b in bt.scores} == {a_total: 4, b_total: 4}
    assert {s.total for s in sql_scores(store, m).values()} == {a_total, b_total}


def _distinct_reads(store: PlanStore, run) -> list[str]:
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        store.conn.set_trace_callback(None)
    return [sql for sql in seen if "DISTINCT" in sql]


def test_the_backtest_reads_outcome_values_recorded_at_import(store):
    """The import records the outcome column's values, so a backtest does not read every lead a
    second time to learn which of them are won."""
    assert _distinct_reads(store, lambda: backtest(store, model(SEG_A), as_of=AS_OF)) == []
    assert sorted(outcome_values(store.conn, "conv")) == ["Yes", "no", "yes"]


def test_new_roles_from_a_plan_file_are_honoured_with_the_recorded_values(store):
    """Roles can change without a new import (a merged plan file); won values are settled
    against the recorded values under the new roles, and another outcome column is read."""
    store.save_leads_roles(LeadsRoles(id="id", outcome="conv", won_values=["no"],
                                      closed="closed"))
    bt = backtest(store, model(SEG_A), as_of=AS_OF)
    assert (bt.decided, bt.won) == (7, 4)
    store.save_leads_roles(LeadsRoles(id="id", outcome="seg", won_values=["a"],
                                      closed="closed"))
    reads = _distinct_reads(store, lambda: backtest(store, model(SEG_A), as_of=AS_OF))
    assert len(reads) == 1 and '"seg"' in reads[0]
    bt = backtest(store, model(SEG_A), as_of=AS_OF)
    assert (bt.decided, bt.won) == (7, 3)


def test_an_outcome_column_with_too_many_values_is_not_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr("model.leads.MAX_RECORDED_OUTCOMES", 2)
    s = PlanStore.memory()
    load(s, tmp_path, DATA, **ROLES)
    assert s.conn.execute("SELECT 1 FROM align_meta WHERE key = ?",
                          [OUTCOME_VALUES_KEY]).fetchone() is None
    bt = backtest(s, model(SEG_A), as_of=AS_OF)
    assert (bt.decided, bt.won) == (7, 3)
    s.close()


def test_an_append_records_the_values_of_old_and_new_rows(store, tmp_path):
    load(store, tmp_path, "id,seg,conv,closed\n9,A,Won later,2025-02-01\n", replace=False,
         **{**ROLES, "won_values": ["yes", "won later"]})
    assert sorted(outcome_values(store.conn, "conv")) == ["Won later", "Yes", "no", "yes"]
    bt = backtest(store, model(SEG_A), as_of=AS_OF)
    assert (bt.decided, bt.won) == (8, 4)


def test_a_plan_imported_before_values_were_recorded_gets_them_when_opened(tmp_path):
    """A plan from the version before: its leads are there but no record of their outcome
    values. Opening it (the migration) records them."""
    path = tmp_path / "old.db"
    with PlanStore.open(path) as s:
        load(s, tmp_path, DATA, **ROLES)
        s.conn.execute("DELETE FROM align_meta WHERE key = ?", [OUTCOME_VALUES_KEY])
        s.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_leads_outcome_values'")
        s.conn.execute("UPDATE align_meta SET value = '2' WHERE key = 'schema_version'")
        s.conn.commit()
    with PlanStore.open(path) as s:
        assert sorted(outcome_values(s.conn, "conv")) == ["Yes", "no", "yes"]
        assert _distinct_reads(s, lambda: backtest(s, model(SEG_A), as_of=AS_OF)) == []
