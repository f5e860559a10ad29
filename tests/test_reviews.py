"""Unit tests for model/reviews.py: attention order, staleness, the review record and minutes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner

from model.kpi import KpiEngine, Status
from model.reviews import (
    RecordedDecision,
    RecordedNote,
    StatusChange,
    is_declining,
    last_meeting_notes,
    latest_review,
    open_decisions,
    render_minutes,
    review_agenda,
    reviewed_item,
    reviews,
    save_review,
    stale_reason,
    start_review,
)
from model.schema import ItemStatus
from model.store import PlanStore
from tests.conftest import TODAY, align_process, open_plan
from tests.kpi_review_plans import PERIOD, review_plan
from tui.cli import main


@pytest.fixture
def engine() -> KpiEngine:
    return KpiEngine(review_plan(), today=TODAY)


@pytest.fixture
def store(tmp_path):
    s = open_plan(tmp_path / "r.db", review_plan())
    yield s
    s.close()


def test_agenda_orders_red_then_declining_then_stale_then_the_rest(engine):
    items, left_out = review_agenda(engine, PERIOD)
    order = [(i.kind, i.id, i.attention) for i in items]
    attentions = [a for _, _, a in order]
    assert attentions == sorted(attentions, key=["red", "declining", "stale", "rest"].index)
    assert order[:3] == [("metric", "leads", "red"), ("objective", "faster-onboarding", "red"),
                         ("objective", "grow-smb-pipeline", "red")]
    assert ("metric", "new_customers", "declining") in order
    stale = [i for _, i, a in order if a == "stale"]
    assert stale == ["conversion_rate", "purchases", "visits"]
    rest = [i for i in items if i.attention == "rest"]
    assert [i.id for i in rest[:2]] == ["roi", "revenue"]  # green (with a target) before none
    assert left_out == len(engine.plan.metrics) - len([i for i in items if i.kind == "metric"])


def test_agenda_covers_only_active_objectives_of_the_period(engine):
    items, _ = review_agenda(engine, PERIOD)
    objectives = {i.id for i in items if i.kind == "objective"}
    assert objectives == {"faster-onboarding", "grow-smb-pipeline"}  # clean-books is a draft
    assert all(i.id != "next-quarter-bet" for i in items)


def test_declining_follows_direction_and_ignores_noise(engine):
    assert is_declining(engine, "new_customers", PERIOD)  # 37 after 45
    plan = review_plan()
    plan.measurements = [m for m in plan.measurements if m.metric != "new_customers"]
    from model.schema import Measurement

    plan.measurements += [
        Measurement(metric="new_customers", period="2025-Q4", value=37.5,
                    recorded_at="2026-01-02T09:00:00"),
        Measurement(metric="new_customers", period="2026-Q1", value=37,
                    recorded_at="2026-04-02T09:00:00"),
        Measurement(metric="sales_cost", period="2025-Q4", value=100,
                    recorded_at="2026-01-02T09:00:00"),
        Measurement(metric="sales_cost", period="2026-Q1", value=90,
                    recorded_at="2026-04-02T09:00:00"),
    ]
    e = KpiEngine(plan, today=TODAY)
    assert not is_declining(e, "new_customers", PERIOD)  # 1.3 % lower is noise
    assert e.metrics["sales_cost"].direction == "decrease"
    assert not is_declining(e, "sales_cost", PERIOD)  # cost fell from 100 to 90: good news
    assert is_declining(e, "sales_cost", "2025-Q4") is False  # nothing before to compare with


def test_stale_when_the_last_full_month_has_no_value(engine):
    assert stale_reason(engine, "visits", PERIOD) == "no value for 2026-03 (last: 2026-01)"
    assert stale_reason(engine, "revenue", PERIOD) is None
    assert stale_reason(engine, "customers_lost", PERIOD) is None  # recorded for the quarter
    assert stale_reason(engine, "roi", PERIOD) is None
    assert stale_reason(engine, "sales_cost", PERIOD) == "nothing recorded for 2026-Q1"
    future = KpiEngine(review_plan(), today=dt.date(2025, 12, 1))
    assert stale_reason(future, "visits", PERIOD) is None  # the quarter has not started


def test_last_meeting_notes_and_open_decisions(engine):
    items, _ = review_agenda(engine, PERIOD)
    roi = next(i for i in items if i.id == "roi")
    notes = last_meeting_notes(engine.plan.notes, roi, TODAY)
    assert [n.id for n in notes] == ["n-roi-last"]
    assert [d.id for d in open_decisions(engine.plan.decisions, roi)] == ["d-roi"]


def test_review_round_trips_through_the_store(store, engine):
    review = start_review(store, engine, PERIOD, TODAY)
    assert review.id == "review-2026-q1-2026-05-15"
    assert any("Leads" in s for s in review.signals)
    assert {d.id for d in review.carried_decisions} == {"d1", "d-roi"}
    items, _ = review_agenda(engine, PERIOD)
    review.items = [reviewed_item(i) for i in items[:2]]
    review.notes.append(RecordedNote(id="n-x", subject="leads", text="Webinar leads were late"))
    save_review(store, review)
    row = next(store.db.query("SELECT id, period, date, summary FROM reviews"))
    assert (row["id"], row["period"], row["date"]) == (review.id, "2026-Q1", "2026-05-15")
    loaded = latest_review(store, PERIOD)
    assert loaded == review
    second = start_review(store, engine, PERIOD, TODAY)
    assert second.id == "review-2026-q1-2026-05-15-2"
    save_review(store, second)
    assert [r.id for r in reviews(store)] == [second.id, review.id]
    assert latest_review(store, "2026-Q2") is None


def test_minutes_markdown(store, engine):
    review = start_review(store, engine, PERIOD, TODAY)
    items, _ = review_agenda(engine, PERIOD)
    review.items = [reviewed_item(i) for i in items[:3]]
    review.changes.append(StatusChange(objective="grow-smb-pipeline",
                                       title="Turn SMB demand into closed revenue",
                                       field="state", before="active", after="missed",
                                       note="Budget | timing slipped"))
    review.decisions.append(RecordedDecision(id="d-new", subject="leads",
                                             text="Run a second webinar", owner="marketing",
                                             due=dt.date(2026, 6, 1)))
    review.notes.append(RecordedNote(id="n-new", subject="leads", text="Webinar leads were late"))
    text = render_minutes(review, "Acme FY26")
    assert text.startswith("# KPI review 2026-Q1 — Acme FY26\n")
    assert ("Meeting of 2026-05-15 · 3 items reviewed · 1 note · 1 decision · 1 status change"
            in text)
    assert ("- **Turn SMB demand into closed revenue**: state active → missed — "
            "Budget \\| timing slipped") in text
    assert "| Run a second webinar | Leads | marketing | 2026-06-01 |" in text
    assert "- **Leads**: Webinar leads were late" in text
    assert "| 1 | Leads | red against its target | 390 | 450 | 87% | ▲ red |" in text
    assert "## Realignment signals" in text
    carried = text.split("## Open decisions carried forward")[1]
    assert "Add a budget question to the form (marketing, due 2026-04-15)" in carried
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_cli_writes_minutes_of_the_latest_review(store, engine, tmp_path):
    review = start_review(store, engine, PERIOD, TODAY)
    review.notes.append(RecordedNote(id="n-new", subject="leads", text="Webinar leads were late"))
    save_review(store, review)
    path = str(store.path)
    out = tmp_path / "minutes.md"
    runner = CliRunner()
    result = runner.invoke(main, ["kpis", path, "--minutes", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_minutes(review, "Acme FY26")
    printed = runner.invoke(main, ["kpis", path, "--period", "2026-Q1", "--minutes", "-"])
    assert printed.exit_code == 0
    assert printed.output == render_minutes(review, "Acme FY26")
    missing = runner.invoke(main, ["kpis", path, "--period", "2026-Q2", "--minutes", "-"])
    assert missing.exit_code == 1
    assert "no review for 2026-Q2" in missing.output
    # On a Latin-1 terminal too, standard output gets the file's UTF-8 bytes; and the JSON.
    latin = align_process("kpis", path, "--period", "2026-Q1", "--minutes", "-",
                          PYTHONIOENCODING="latin-1")
    assert (latin.returncode, latin.stderr) == (0, b"")
    assert latin.stdout == out.read_bytes() and "—".encode() in latin.stdout
    as_json = align_process("kpis", path, "--period", "2026-Q1", "--json",
                            PYTHONIOENCODING="latin-1")
    assert (as_json.returncode, as_json.stderr) == (0, b"")
    assert json.loads(as_json.stdout.decode("utf-8")) == json.loads(
        runner.invoke(main, ["kpis", path, "--period", "2026-Q1", "--json"]).output)


def test_minutes_after_export_and_import_are_those_of_the_plan(store, engine, tmp_path):
    """Reviews travel in the plan file: the minutes of a plan imported from an export are the
    minutes of the plan exported, the latest review of a day included."""
    items, _ = review_agenda(engine, PERIOD)
    morning = start_review(store, engine, PERIOD, TODAY).model_copy(update={
        "id": "review-2026-q1-2026-05-15-9", "started_at": "2026-05-15T09:00:00"})
    morning.items = [reviewed_item(i) for i in items[:3]]
    morning.notes.append(RecordedNote(id="n-x", subject="leads", text="Webinar leads were late"))
    save_review(store, morning)
    # started later, saved later; its id sorts before the morning's
    afternoon = start_review(store, engine, PERIOD, TODAY).model_copy(update={
        "id": "review-2026-q1-2026-05-15-10", "started_at": "2026-05-15T15:00:00"})
    afternoon.items = [reviewed_item(i) for i in items[:2]]
    afternoon.changes.append(StatusChange(objective="grow-smb-pipeline", title="Turn SMB demand",
                                          field="confidence", before=None, after="low",
                                          note="Budget first"))
    save_review(store, afternoon)
    runner = CliRunner()
    plan, fresh, file = str(store.path), str(tmp_path / "fresh.db"), str(tmp_path / "a.toml")
    assert runner.invoke(main, ["export", plan, "-o", file]).exit_code == 0
    imported = runner.invoke(main, ["import", file, fresh])
    assert imported.exit_code == 0, imported.output
    assert "reviews: 2 added, 0 changed, 0 removed" in imported.output
    for args in (["--period", "2026-Q1"], []):
        minutes = [runner.invoke(main, ["kpis", db, *args, "--minutes", "-"])
                   for db in (plan, fresh)]
        assert [m.exit_code for m in minutes] == [0, 0], minutes[1].output
        assert minutes[1].output == minutes[0].output == render_minutes(afternoon, "Acme FY26")
    again = tmp_path / "again.toml"
    assert runner.invoke(main, ["export", fresh, "-o", str(again)]).exit_code == 0
    assert again.read_bytes() == Path(file).read_bytes()


def test_an_import_with_replace_leaves_no_review_the_file_lacks(store, engine, tmp_path):
    runner = CliRunner()
    plan, file = str(store.path), str(tmp_path / "before.toml")
    assert runner.invoke(main, ["export", plan, "-o", file]).exit_code == 0
    save_review(store, start_review(store, engine, PERIOD, TODAY))
    assert runner.invoke(main, ["kpis", plan, "--minutes", "-"]).exit_code == 0
    replaced = runner.invoke(main, ["import", file, plan, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "reviews: 0 added, 0 changed, 1 removed" in replaced.output
    missing = runner.invoke(main, ["kpis", plan, "--period", PERIOD, "--minutes", "-"])
    assert missing.exit_code == 1
    assert "no review for 2026-Q1" in missing.output


def test_reviews_are_part_of_the_plan_the_store_loads(store, engine):
    review = start_review(store, engine, PERIOD, TODAY)
    save_review(store, review)
    assert store.load_plan().reviews == [review]
    assert store.load_plan(with_reviews=False).reviews == []
    assert store.counts()["reviews"] == 1
    plan = store.load_plan()
    plan.reviews = []
    store.apply_plan(plan, replace=True)
    assert reviews(store) == []


def test_a_review_records_statuses_as_the_kpi_engine_gives_them():
    assert get_args(ItemStatus) == get_args(Status)


def test_memory_store_has_the_reviews_table():
    s = PlanStore.memory()
    assert s.db["reviews"].exists()
    assert {"id", "period", "date", "summary", "created_at", "updated_at"} <= set(
        s.db["reviews"].columns_dict)


def test_low_confidence_puts_an_objective_first_but_keeps_its_status(engine):
    """DESIGN §6: an objective's status is its worst key result's, on every screen and in the
    minutes; low confidence makes it red attention, not a red status."""
    from model.reviews import objective_item

    objective = next(o for o in engine.plan.objectives if o.id == "clean-books")
    assert engine.objective_progress(objective).status != "red"
    low = objective.model_copy(update={"confidence": "low"})
    item = objective_item(engine, low, PERIOD)
    assert item.status == engine.objective_progress(objective).status
    assert item.attention == "red" and "confidence low" in item.reasons


def test_a_second_review_of_the_day_gets_its_own_minutes_file_name():
    from model.reviews import minutes_file_name
    from model.schema import Review

    first = Review(id="review-2026-q2-2026-11-23", period="2026-Q2", date=dt.date(2026, 11, 23))
    second = first.model_copy(update={"id": "review-2026-q2-2026-11-23-2"})
    imported = first.model_copy(update={"id": "weekly"})  # a hand-made id from a plan file
    assert minutes_file_name(first) == "minutes-2026-q2-2026-11-23.md"
    assert minutes_file_name(second) == "minutes-2026-q2-2026-11-23-2.md"
    assert minutes_file_name(imported) == "minutes-2026-q2-2026-11-23.md"
