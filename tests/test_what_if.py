"""What-if: dependants move with the typed inputs, escape puts everything back, nothing is written."""

from __future__ import annotations

import hashlib

from textual.widgets import Input, Label, Static

from model.kpi import KpiEngine
from model.schema import Measurement
from model.what_if import PlanSnapshot, compare, inputs_of, parse_overrides
from screens.kpi_review import KpiReviewScreen
from screens.what_if import WhatIfScreen
from tests.conftest import TODAY, text_of
from tests.kpi_review_plans import PERIOD, review_plan
from tests.test_kpi_review import open_kpis, review_store, row_of, select  # noqa: F401
from tui.app import build_app


def snapshot() -> PlanSnapshot:
    return PlanSnapshot(review_plan(), (), TODAY)


def test_override_recomputes_formulas_and_key_results():
    snap = snapshot()
    before = snap.engine()
    after = snap.engine({"leads": 300}, PERIOD)
    changes = {(c.kind, c.subject): c for c in compare(before, after, PERIOD)}
    assert changes[("metric", "leads")].before == "390"
    assert changes[("metric", "leads")].after == "300"
    ltc = changes[("metric", "lead_to_customer")]
    assert (ltc.before, ltc.after) == ("9.5 %", "12.3 %")
    kr = changes[("key_result", "grow-smb-pipeline/lead_to_customer")]
    assert (kr.before_status, kr.after_status) == ("red", "green")
    assert ("objective", "grow-smb-pipeline") in changes
    assert ("metric", "roi") not in changes
    assert before.value("leads", PERIOD).value == 390  # the base engine is untouched


def test_inputs_and_parsing():
    engine = KpiEngine(review_plan(), today=TODAY)
    assert inputs_of(engine, "roi") == ["marketing_cost", "revenue"]
    assert inputs_of(engine, "leads") == ["leads"]
    values, errors = parse_overrides({"a": "1,200", "b": "", "c": "x", "d": "8.5", "e": "1,5"},
                                     frozenset({"d"}))
    assert values == {"a": 1200.0, "d": 0.085}
    assert errors == {"c": "'x' is not a number",
                      "e": "'1,5': a comma only separates thousands (1,250.5);"
                           " decimals take a point (1.5)"}


def db_fingerprint(store) -> tuple:
    rows = []
    for table in ("measurements", "metric_targets", "objectives", "key_results", "notes",
                  "decisions", "reviews"):
        rows.append(tuple(tuple(r.values()) for r in store.db.query(
            f"SELECT * FROM {table} ORDER BY 1, 2")))
    return tuple(rows)


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_what_if_shows_changes_then_discards_with_the_db_unchanged(review_store):  # noqa: F811
    before_rows = db_fingerprint(review_store)
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "roi")
        review_store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        digest = file_digest(review_store.path)
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WhatIfScreen)
        assert dialog.query_one("#wi-marketing_cost", Input).value == "100000"
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))
        dialog.query_one("#wi-marketing_cost", Input).value = "200000"
        await pilot.pause()
        changes = text_of(dialog.query_one("#what-if-changes", Static))
        assert "Marketing ROI" in changes and "2.30" in changes and "→ 0.65" in changes
        assert "▲ red" in changes
        assert "Customer acquisition cost" not in changes  # sales_cost missing: no value either way
        dialog.query_one("#wi-revenue", Input).value = "lots"
        await pilot.pause()
        assert dialog.query_one("#wi-revenue", Input).has_class("-invalid")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KpiReviewScreen)
        assert row_of(screen, "roi")[2] == "2.30"
        assert row_of(screen, "roi")[0] == "● green"
        review_store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert file_digest(review_store.path) == digest
    assert db_fingerprint(review_store) == before_rows


async def test_inputs_left_as_they_started_are_no_change(review_store):  # noqa: F811
    review_store.record_measurement(Measurement(
        metric="marketing_cost", period="2026-03", value=21193.333333333332,
        recorded_at="2026-04-03T09:00:00"))
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "roi")
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        typed = dialog.query_one("#wi-marketing_cost", Input).value
        assert typed == "81193.3333333333"  # the value, to the digits a float keeps
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))
        dialog.query_one("#wi-marketing_cost", Input).value = "81,193.3333333333"
        await pilot.pause()
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))
        dialog.query_one("#wi-marketing_cost", Input).value = "1"
        await pilot.pause()
        assert "No change yet" not in text_of(dialog.query_one("#what-if-changes", Static))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert dialog.query_one("#wi-marketing_cost", Input).value == typed
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))


async def test_what_if_reaches_objective_status(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "lead_to_customer")
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#wi-leads", Input).value = "300"
        await pilot.pause()
        changes = text_of(dialog.query_one("#what-if-changes", Static))
        assert "key result" in changes and "objective" in changes
        assert "Turn SMB demand into closed revenue" in changes
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))


async def test_inputs_start_at_the_exact_value_now(review_store):  # noqa: F811
    """Not rounded to a few digits (4390437, not 4390440); percent in %, and the noise of a sum
    of floats left out (30, not 30.000000000000004)."""
    review_store.record_measurement(Measurement(
        metric="revenue", period="2026-03", value=1482537, recorded_at="2026-04-03T09:00:00"))
    review_store.record_measurement(Measurement(
        metric="gross_margin", period=PERIOD, value=0.1 + 0.2, recorded_at="2026-04-03T09:00:00"))
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "roi")
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        revenue_row = dialog.query_one("#wi-revenue", Input).parent
        assert str(revenue_row.query_one(".what-if-now", Label).content) == "now 1,692,537"
        assert dialog.query_one("#wi-revenue", Input).value == "1692537"
        assert dialog.query_one("#wi-marketing_cost", Input).value == "100000"
        await pilot.press("escape")
        await pilot.pause()
        await select(screen, pilot, "clv")
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#wi-gross_margin", Input).value == "30"
        assert "No change yet" in text_of(dialog.query_one("#what-if-changes", Static))
