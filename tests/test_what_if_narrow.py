"""What-if on an 80×24 terminal: every change names what changed with its figures whole (and so
at any width a dialog draws the list at), the change list scrolls under a hint that stays on
screen, and the footer shows the dialog's keys."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets

from model.schema import KeyResult, Measurement, Objective, Plan
from model.what_if import PlanSnapshot, compare
from screens.footer import AlignFooter
from screens.what_if import ChangeTable, WhatIfScreen
from tests.conftest import TODAY, open_plan
from tests.kpi_review_plans import PERIOD, review_plan
from tests.test_kpi_review import open_kpis, select
from tui.app import build_app

NARROW = (80, 24)


def cac_plan() -> Plan:
    """The review plan with sales cost and a customer acquisition cost target, and an objective
    measured by it: a change in marketing cost moves KPIs, key results and objectives."""
    plan = review_plan()
    for metric in plan.metrics:
        if metric.id == "cac":
            metric.targets = {PERIOD: 8000.0}
    plan.measurements += [
        Measurement(metric=m, period=p, value=v, recorded_at="2026-04-02T09:00:00")
        for m, p, v in (("sales_cost", "2026-01", 40000), ("sales_cost", "2026-02", 42000),
                        ("sales_cost", "2026-03", 45000),
                        ("avg_revenue_per_customer", PERIOD, 2500),
                        ("gross_margin", PERIOD, 0.7), ("avg_lifespan_periods", PERIOD, 30))
    ]
    plan.objectives.append(Objective(
        id="cheaper-customers", title="Bring customer acquisition cost back under 8,000",
        period=PERIOD, owner="finance", state="active",
        key_results=[KeyResult(metric="cac", baseline=9000, target=8000),
                     KeyResult(metric="roi", baseline=1.0, target=2.0)]))
    return plan


@pytest.fixture
def cac_store(tmp_path: Path):
    store = open_plan(tmp_path / "p.db", cac_plan())
    yield store
    store.close()


async def what_if_on_cac(app, pilot) -> WhatIfScreen:
    """The dialog on customer acquisition cost with marketing cost typed as 600,000."""
    screen = await open_kpis(app, pilot)
    await select(screen, pilot, "cac")
    await pilot.press("w")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, WhatIfScreen)
    await pilot.press("ctrl+u", *"600000")
    await pilot.pause()
    return dialog


def shown_lines(widget: Static) -> list[str]:
    """The lines a widget draws at its own width, as on screen."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def test_each_change_names_what_changed_at_80_columns(cac_store):
    app = build_app(cac_store, today=TODAY)
    async with app.run_test(size=NARROW) as pilot:
        dialog = await what_if_on_cac(app, pilot)
        kinds = {c.kind for c in dialog.changes}
        assert kinds == {"metric", "key_result", "objective"}
        lines = shown_lines(dialog.query_one("#what-if-changes", Static))
        shown = " ".join(" ".join(lines).split())
        for change in dialog.changes:
            first = change.label.split()[0]
            assert any(first in line and change.before in line and f"→ {change.after}" in line
                       for line in lines)  # the name beside its figures, which are whole
            for word in change.label.split():
                assert word in shown  # all of the name, over as many lines as it takes


async def test_the_change_list_scrolls_under_a_hint_that_stays_on_screen(cac_store):
    app = build_app(cac_store, today=TODAY)
    async with app.run_test(size=NARROW) as pilot:
        dialog = await what_if_on_cac(app, pilot)
        box = dialog.query_one("#what-if").content_region
        scroll = dialog.query_one("#what-if-scroll", VerticalScroll)
        hint = dialog.query_one(".dialog-hint", Static)
        assert box.contains_region(hint.region) and box.contains_region(scroll.region)
        assert scroll.region.bottom <= hint.region.y
        assert scroll.max_scroll_y > 0  # more changes than room: the list scrolls

        for _ in range(len(dialog.inputs) + 1):
            if app.focused is scroll:
                break
            await pilot.press("tab")
        assert app.focused is scroll
        await pilot.press("down")
        await pilot.wait_for_scheduled_animations()
        assert scroll.scroll_y == 1
        for _ in range(scroll.max_scroll_y):
            await pilot.press("pagedown")
        await pilot.wait_for_scheduled_animations()
        assert scroll.scroll_y == scroll.max_scroll_y  # the last change can be read
        await pilot.press("pageup")
        await pilot.wait_for_scheduled_animations()
        assert scroll.scroll_y < scroll.max_scroll_y


async def test_the_footer_shows_the_dialogs_keys(cac_store):
    app = build_app(cac_store, today=TODAY)
    async with app.run_test(size=NARROW) as pilot:
        dialog = await what_if_on_cac(app, pilot)
        footer = dialog.query_one(AlignFooter)
        keys = [(k.key_display, k.description) for k in footer.query(FooterKey)]
        assert ("esc", "Discard what-if") in keys and ("^r", "Reset inputs") in keys
        assert all(description != "Measurement" for _key, description in keys)
        assert footer.region.bottom == NARROW[1]


def test_the_change_table_names_each_change_with_whole_figures_at_any_width():
    snapshot = PlanSnapshot(cac_plan(), (), TODAY)
    before = snapshot.engine()
    changes = compare(before, snapshot.engine({"marketing_cost": 600000}, PERIOD), PERIOD)
    for width in range(60, 131):  # an 80-column terminal draws the list 68 wide
        console = Console(width=width, file=io.StringIO(), color_system=None)
        lines = ["".join(segment.text for segment in line)
                 for line in console.render_lines(ChangeTable(changes), pad=False)]
        for change in changes:
            first = change.label.split()[0]
            assert any(first in line and change.before in line and f"→ {change.after}" in line
                       for line in lines), (width, change.label)
