"""Property: on generated messy leads and generated models, the SQL engine and the plain Python
reference evaluator give every lead the same score, bands, cell, knockout and MQL, and the
backtest's grouped figures equal counting the reference's scores lead by lead."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.backtest import backtest, backtest_models
from model.leads import column_types, import_leads_csv, lead_status
from model.schema import LeadsRoles, ScoringModel
from model.scoring import (
    OPS_BY_TYPE,
    compile_model,
    rule_matches_reference,
    score_lead_reference,
    score_leads,
)
from model.store import PlanStore

TEXTS = ["SaaS", "saas", " SAAS ", "Retail", "re_tail", "100%", "", "N/A", "Ärzte", "ärzte",
         "ÄRZTE", "x y", "-", "Saas Co"]
NUMBERS = ["1", "2.5", "1,200", " 42 ", "-3", "", "unknown", "0", "$7", "1200"]
DATES = ["2025-01-01", "2025-03-31", "2024-12-31", "2025-03-01", "", "n/a", "2025-02-28"]
BOOLEANS = ["yes", "no", "true", "FALSE", "", "?"]
PIN = ["alpha", "1", "2025-01-01", "yes"]
COLUMNS = {"t": "text", "n": "number", "d": "date", "b": "boolean"}

VALUES = {
    "text": st.sampled_from(["saas", "SAAS", "re_", "%", "ä", "Ä", "ärzte", "tail", "", "co"]),
    "number": st.sampled_from([0, 1, 2.5, 42, 1200, -3, 7]),
    "date": st.sampled_from(["2025-01-01", "2025-03-31", "2024-12-31", "2025-02-28"]),
    "boolean": st.sampled_from(["yes", "no", "true", "false"]),
}


@st.composite
def conditions(draw):
    field = draw(st.sampled_from(sorted(COLUMNS)))
    kind = COLUMNS[field]
    op = draw(st.sampled_from(OPS_BY_TYPE[kind]))
    if op in ("is_empty", "is_not_empty", "is_true", "is_false"):
        value = None
    elif op in ("in", "not_in"):
        value = draw(st.lists(VALUES[kind], min_size=1, max_size=3))
        value = [str(v) for v in value]
    elif op == "between":
        low, high = sorted(draw(st.lists(st.sampled_from([-3, 0, 1, 2.5, 42, 1200]),
                                         min_size=2, max_size=2)))
        value = [low, high]
    elif op in ("within_last_days", "more_than_days_ago"):
        value = draw(st.sampled_from([0, 1, 30, 90, 400]))
    elif kind == "number" and op in ("eq", "neq"):
        value = draw(VALUES[kind] | st.just("1,200"))
    else:
        value = draw(VALUES[kind])
    # A field may name its column in another case (`dataset_column`).
    return {"field": draw(st.sampled_from([field, field.upper()])), "op": op, "value": value}


@st.composite
def models(draw):
    rules = []
    for i in range(draw(st.integers(1, 6))):
        rules.append({
            "id": f"r{i}", "dimension": draw(st.sampled_from(["fit", "engagement"])),
            "points": draw(st.integers(-50, 80)),
            "knockout": draw(st.booleans()),
            "enabled": draw(st.booleans()) or draw(st.booleans()),
            "when": draw(st.lists(conditions(), min_size=1, max_size=2).filter(
                lambda when: len(when) == 1 or draw(st.booleans()))),
        })
    fit = sorted(draw(st.lists(st.integers(-20, 90), min_size=3, max_size=3)), reverse=True)
    eng = sorted(draw(st.lists(st.integers(-20, 90), min_size=3, max_size=3)), reverse=True)
    cells = draw(st.lists(st.sampled_from([f + e for f in "ABCD" for e in "1234"]), max_size=5))
    return ScoringModel.model_validate({
        "id": "gen", "name": "Generated", "rules": rules,
        "fit_cap": draw(st.sampled_from([100, 100, 100, 1, 30, 10_000])),
        "engagement_cap": draw(st.sampled_from([100, 100, 100, 1, 30, 10_000])),
        "fit_bands": dict(zip("ABC", fit, strict=True)),
        "engagement_bands": dict(zip("123", eng, strict=True)),
        "mql_cells": cells, "mql_min_total": draw(st.none() | st.integers(-20, 150)),
    })


rows_strategy = st.lists(
    st.tuples(st.sampled_from(TEXTS), st.sampled_from(NUMBERS), st.sampled_from(DATES),
              st.sampled_from(BOOLEANS)), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, model=models(),
       as_of=st.sampled_from([dt.date(2025, 3, 31), dt.date(2025, 1, 1), dt.date(2026, 1, 1)]))
def test_sql_engine_agrees_with_the_reference(rows, model, as_of):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(COLUMNS))
    writer.writerow(PIN)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        store = PlanStore.memory()
        import_leads_csv(store, path, roles=LeadsRoles())
    types = column_types(store)
    assert types == COLUMNS
    stored = {r["_row"]: r for r in store.db.query("SELECT * FROM leads")}
    for lead in score_leads(store, model, as_of=as_of):
        expected = score_lead_reference(model, stored[lead.row], as_of=as_of, types=types)
        assert lead.score == expected, stored[lead.row]
    compiled = compile_model(model, types, as_of=as_of, flag_rules=model.rules)
    flags = ", ".join(f"r{i}" for i in range(len(model.rules)))
    for row, *matched in store.db.execute(f"SELECT _row, {flags} FROM ({compiled.sql})",
                                          compiled.params):
        expected = rule_matches_reference(model, stored[row], as_of=as_of, types=types)
        assert dict(zip(expected, map(bool, matched), strict=True)) == expected, stored[row]
    store.close()


OUTCOMES = ["won", "WON ", "lost", "", "maybe"]
CLOSED = ["2025-02-01", ""]
ROLE_CHOICES = [LeadsRoles(outcome="o", won_values=["won"], closed="c"),
                LeadsRoles(outcome="o", won_values=["WON", "maybe"]), LeadsRoles()]


def reference_backtest(model, stored, types, roles, as_of):
    """The backtest by brute force, lead by lead: reference scores, statuses by `lead_status`,
    AUC over every won/lost pair."""
    cells, totals, mql, rules = {}, {}, [0, 0, 0], {}
    won_scores, lost_scores = [], []
    for row in stored.values():
        score = score_lead_reference(model, row, as_of=as_of, types=types)
        status = lead_status(row["o"], row["c"] is not None, roles)
        counts = (1, status in ("won", "lost"), status == "won")
        for key, table in ((score.cell, cells), (score.total, totals)):
            table[key] = [a + b for a, b in zip(table.get(key, [0, 0, 0]), counts, strict=True)]
        if score.mql:
            mql = [a + b for a, b in zip(mql, counts, strict=True)]
        matched = rule_matches_reference(model, row, as_of=as_of, types=types)
        for rule_id, hit in matched.items():
            if hit:
                rules[rule_id] = [a + b for a, b in zip(rules.get(rule_id, [0, 0, 0]), counts,
                                                        strict=True)]
        if status == "won":
            won_scores.append(score.total)
        elif status == "lost":
            lost_scores.append(score.total)
    pairs = sum(1.0 if w > lo else 0.5 if w == lo else 0.0
                for w in won_scores for lo in lost_scores)
    auc = pairs / (len(won_scores) * len(lost_scores)) if won_scores and lost_scores else None
    return cells, totals, mql, rules, auc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(TEXTS), st.sampled_from(NUMBERS),
                               st.sampled_from(DATES), st.sampled_from(BOOLEANS),
                               st.sampled_from(OUTCOMES), st.sampled_from(CLOSED)),
                     min_size=1, max_size=40),
       model=models(), as_of=st.sampled_from([dt.date(2025, 3, 31), dt.date(2026, 1, 1)]),
       roles=st.sampled_from(ROLE_CHOICES))
def test_backtest_agrees_with_a_lead_by_lead_reference(rows, model, as_of, roles):
    """Cells, score buckets, MQL, AUC and rule evidence, from the engine's grouped scan, equal
    what scoring each lead with the reference evaluator and counting gives, whether leads are
    decided by a closed date, by the outcome alone, or not at all."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*COLUMNS, "o", "c"])
    writer.writerow([*PIN, "won", "2025-02-01"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        store = PlanStore.memory()
        import_leads_csv(store, path, roles=roles)
    types = column_types(store)
    stored = {r["_row"]: r for r in store.db.query("SELECT * FROM leads")}
    cells, totals, mql, rules, auc = reference_backtest(model, stored, types, roles, as_of)
    result = backtest(store, model, as_of=as_of)
    store.close()
    assert {c.key: [c.leads, c.decided, c.won] for c in result.cells if c.leads} == cells
    assert {b.total: [b.leads, b.decided, b.won] for b in result.scores} == totals
    assert [result.mql.leads, result.mql.decided, result.mql.won] == mql
    assert {r.rule: [r.leads, r.decided, r.won] for r in result.rules if r.leads} == rules
    assert [r.rule for r in result.rules] == [r.id for r in model.rules]
    assert (result.auc is None) == (auc is None)
    if auc is not None:
        assert abs(result.auc - auc) < 1e-12


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(TEXTS), st.sampled_from(NUMBERS),
                               st.sampled_from(DATES), st.sampled_from(BOOLEANS),
                               st.sampled_from(OUTCOMES), st.sampled_from(CLOSED)),
                     min_size=1, max_size=40),
       first=models(), second=models(), roles=st.sampled_from(ROLE_CHOICES))
def test_models_backtested_in_one_scan_equal_each_alone(rows, first, second, roles):
    """Comparing models scans the leads once for both; each result is what its own backtest
    gives."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*COLUMNS, "o", "c"])
    writer.writerow([*PIN, "won", "2025-02-01"])
    writer.writerows(rows)
    second = second.model_copy(update={"id": "other"})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        store = PlanStore.memory()
        import_leads_csv(store, path, roles=roles)
    as_of = dt.date(2025, 3, 31)
    together = backtest_models(store, [first, second], as_of=as_of)
    alone = [backtest(store, first, as_of=as_of), backtest(store, second, as_of=as_of)]
    store.close()
    assert [b.to_dict() for b in together] == [b.to_dict() for b in alone]
