"""End to end: the real `align` command in tmux, driven by keys, read from the screen."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tests.conftest import open_plan, small_plan
from tests.tmux_terminal import TMUX, Terminal, align_command

pytestmark = pytest.mark.e2e
if TMUX is None:
    pytest.skip("tmux is not installed and could not be installed", allow_module_level=True)
@pytest.fixture
def terminal(tmp_path: Path):
    open_plan(tmp_path / "plan.db", small_plan()).close()
    term = Terminal(f"align-e2e-{os.getpid()}", tmp_path, align_command(tmp_path / "plan.db"),
                    (120, 40))
    yield term
    term.close()


def test_keys_typed_in_one_burst_reach_the_form_and_filter_they_open(terminal):
    """`n` and a title in one burst: the title lands in the form `n` opens, not in the tree
    (where `s`, `o`, `d` would sort, open and delete); the same for `/` and a filter."""
    terminal.wait_for("Launch the partner channel")
    terminal.wait_for("plan.db · 2026-Q2")
    terminal.burst("nShip docs today")
    terminal.wait_for("id: ship-docs-today")
    terminal.keys("Escape")
    terminal.wait_until(lambda shown: "New objective" not in shown, "the form to close")
    terminal.burst("/partner")
    shown = terminal.wait_for("filter “partner”")
    assert "Launch the partner channel" in shown
    terminal.keys("Escape")
    terminal.keys("q")


def test_create_objective_by_keyboard_and_export_it(terminal, tmp_path):
    terminal.wait_for("Launch the partner channel")
    terminal.wait_for("plan.db · 2026-Q2")
    terminal.keys("n")
    terminal.wait_for("New objective")
    terminal.keys("Win back churned accounts", literal=True)
    terminal.wait_for("id: win-back-churned-accounts")
    terminal.keys("Tab")  # why
    terminal.keys("Tab")  # period, prefilled with the current one
    terminal.keys("Tab")  # owner
    terminal.keys("Enter")  # opens the list of departments
    terminal.wait_for("▊  Customer service")
    terminal.keys("End")  # Sales, the last one
    terminal.keys("Enter")
    terminal.wait_until(lambda shown: "▊  Customer service" not in shown, "the list to close")
    assert "▊  Sales" in terminal.screen()
    terminal.keys("C-s")
    shown = terminal.wait_for("Win back churned accounts   win-back-churned-accounts")
    assert "New objective" not in shown
    terminal.keys("C-e")
    terminal.wait_for("Export the whole plan")
    terminal.keys("Enter")
    terminal.wait_for("Export done")
    exported = tomllib.loads((tmp_path / "acme-fy26.toml").read_text())
    created = [o for o in exported["objectives"] if o["id"] == "win-back-churned-accounts"]
    assert created and created[0]["owner"] == "sales" and created[0]["period"] == "2026-Q2"
    terminal.keys("q")
