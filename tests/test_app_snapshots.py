"""Snapshots of every area's main states at 120×40, with everything that varies pinned:
size, cursor blink, `today` and the plan's file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TODAY, open_plan, small_plan
from tests.snapshot_support import SIZE, steady
from tui.app import build_app


@pytest.fixture
def small_app(tmp_path: Path):
    store = open_plan(tmp_path / "p.db", small_plan())
    yield build_app(store, today=TODAY)
    store.close()


def _press_then_steady(*keys: str):
    async def run(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.set_period("2026-Q1")
        await pilot.app.workers.wait_for_complete()  # progress comes from a worker
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await steady(pilot)
    return run


def test_objectives_tree_and_detail(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("down"))


def test_objectives_matrix_and_flags(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("m"))


def test_objectives_empty_plan(snap_compare, empty_app):
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=steady)


def test_objectives_filter_matches_nothing(snap_compare, small_app):
    keys = ("slash", *"zzz")
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady(*keys))


def test_objective_form_edit(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("down", "e"))


def test_objective_form_refuses_empty(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("n", "ctrl+s"))


def test_delete_confirmation(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("down", "d"))


def test_personas_card(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("3", "down"))


def test_personas_empty(snap_compare, empty_app):
    assert snap_compare(empty_app, terminal_size=SIZE, run_before=_press_then_steady("3"))


def test_persona_form_new(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("3", "n"))


def test_help_screen(snap_compare, small_app):
    assert snap_compare(small_app, terminal_size=SIZE, run_before=_press_then_steady("question_mark"))
