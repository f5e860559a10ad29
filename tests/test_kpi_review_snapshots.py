"""Snapshots of the KPI review at 120×40: the table, a formula metric's detail, review mode and
the empty state. Size, cursor blink, `today` and the plan's file name are pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.conftest import TODAY, open_plan
from tests.kpi_review_plans import PERIOD, review_plan
from tests.snapshot_support import SIZE, steady
from tui.app import build_app


@pytest.fixture
def review_app(tmp_path: Path):
    store = open_plan(tmp_path / "p.db", review_plan())
    yield build_app(store, today=TODAY)
    store.close()


def _kpis(*keys: str, metric: str | None = None, period: str = PERIOD):
    async def run(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.set_period(period)
        await pilot.press("4")
        await steady(pilot)
        if metric is not None:
            table = pilot.app.screen.query_one("#kpi-table", DataTable)
            table.move_cursor(row=table.get_row_index(metric))
            await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await steady(pilot)
    return run


def test_kpi_review_table(snap_compare, review_app):
    assert snap_compare(review_app, terminal_size=SIZE, run_before=_kpis())


def test_kpi_review_detail_of_a_formula_metric(snap_compare, review_app):
    assert snap_compare(review_app, terminal_size=SIZE, run_before=_kpis(metric="roi"))


def test_review_mode_first_item(snap_compare, review_app):
    assert snap_compare(review_app, terminal_size=SIZE, run_before=_kpis("r", "n", "n"))


def test_kpi_review_empty_state(snap_compare, empty_app):
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=_kpis(period="2026-Q2"))
