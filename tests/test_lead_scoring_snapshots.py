"""Lead scoring at 120×40 with everything that varies pinned (size, blink, `today`, file name):
the screen on sample.db's leads, the leads browser with its why panel (as ranked, filtered and
sorted, and with a filter that does not read), the rule form, and the screen before any leads are
imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.lead_scoring import LeadScoringScreen
from tests.conftest import TODAY
from tests.lead_scoring_helpers import leads_settled, paste_filter, sample_copy
from tests.snapshot_support import SIZE, settle, stop_blinking
from tui.app import build_app


@pytest.fixture
def sample_app(tmp_path: Path):
    store = sample_copy(tmp_path)
    yield build_app(store, today=TODAY)
    store.close()


def _keys_then_steady(*keys: str):
    async def run(pilot) -> None:
        for key in keys:
            await settle(pilot, rounds=4)
            await pilot.press(key)
        await settle(pilot, rounds=4)
        if isinstance(pilot.app.screen, LeadScoringScreen):
            await leads_settled(pilot)
        stop_blinking(pilot)
        await pilot.pause(0.3)
    return run


def test_lead_scoring_with_leads(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=SIZE, run_before=_keys_then_steady("2"))


def test_lead_scoring_leads_browser(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=SIZE,
                        run_before=_keys_then_steady("2", "l", "down", "down"))


def test_lead_scoring_rule_form(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=SIZE, run_before=_keys_then_steady("2", "e"))


def test_lead_scoring_without_leads(snap_compare, empty_app):
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=_keys_then_steady("2"))


def _filter_then_steady(*keys: str, text: str):
    """The leads tab, `/` and `text` pasted, until that filter is in force, then `keys`."""
    async def run(pilot) -> None:
        await _keys_then_steady("2", "l")(pilot)
        await paste_filter(pilot, text)
        await _keys_then_steady(*keys)(pilot)
    return run


def test_lead_scoring_leads_filtered_and_sorted(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=SIZE,
                        run_before=_filter_then_steady("enter", "s", text="cell:A won"))


def test_lead_scoring_leads_filter_error(snap_compare, sample_app):
    assert snap_compare(sample_app, terminal_size=SIZE,
                        run_before=_filter_then_steady(text="employees>many"))


def test_lead_scoring_on_an_80_column_terminal(snap_compare, sample_app):
    """Too narrow for the backtest beside the grade matrix: it goes below, scrolled to."""
    async def run(pilot) -> None:
        await _keys_then_steady("2")(pilot)
        pilot.app.screen.query_one("#scoring-matrix-scroll").scroll_end(animate=False)
        await pilot.pause(0.3)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=run)
