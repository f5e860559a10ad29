"""End to end in tmux: the real `align` command, a CSV imported from inside the app, a model
and a rule added by keyboard, the grade matrix on screen changing with the rule, and the leads
browser filtered and sorted."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import open_plan, small_plan
from tests.tmux_terminal import TMUX, Terminal, align_command

pytestmark = pytest.mark.e2e
if TMUX is None:
    pytest.skip("tmux is not installed and could not be installed", allow_module_level=True)

LEADS = ("lead_id,company,industry,employees,created,closed,converted\n"
         "L1,Acme,SaaS,120,2025-01-05,2025-03-01,yes\n"
         "L2,Globex,Retail,15,2025-01-09,2025-02-11,no\n"
         "L3,Initech,SaaS,800,2025-02-01,2025-05-02,yes\n"
         "L4,Umbrella,Finance,5000,2025-02-03,2025-04-20,no\n"
         "L5,Hooli,Retail,40,2025-02-07,2025-03-09,no\n")


def _matrix_row(screen: str, band: str) -> list[str]:
    """The cells of one fit band's row in the grade matrix as shown (empty while it is being
    redrawn)."""
    for line in screen.splitlines():
        match = re.search(rf"│ {band} [≥<]\d+\s+│(.+)", line)
        if match:
            return [c.strip() for c in match.group(1).split("│")[:4]]
    return ["", "", "", ""]


def _cell_starts(band: str, eng: int, text: str):
    return lambda screen: _matrix_row(screen, band)[eng - 1].startswith(text)


@pytest.fixture
def terminal(tmp_path: Path):
    open_plan(tmp_path / "plan.db", small_plan()).close()
    (tmp_path / "leads.csv").write_text(LEADS)
    term = Terminal(f"align-e2e-scoring-{os.getpid()}", tmp_path,
                    align_command(tmp_path / "plan.db"), (120, 40))
    yield term
    term.close()


def test_import_leads_add_a_rule_and_see_the_matrix_change(terminal):
    terminal.wait_for("plan.db · 2026-Q2")
    terminal.keys("2")
    terminal.wait_for("No leads imported yet")
    terminal.keys("i")
    terminal.wait_for("Import leads from a CSV file")
    terminal.keys("leads.csv", literal=True)
    terminal.keys("Enter")
    terminal.wait_for("Umbrella")  # the preview of the first rows
    for _ in range(7):  # id, outcome, created, closed, amount, date format → won values
        terminal.keys("Tab")
    terminal.keys("yes", literal=True)
    terminal.keys("C-s")
    terminal.wait_for("Leads imported")
    terminal.wait_for("No scoring model yet")

    terminal.keys("n")
    terminal.wait_for("New scoring model")
    terminal.keys("Inbound", literal=True)
    terminal.keys("C-s")
    terminal.wait_for("Inbound has no rules yet")
    before = terminal.wait_until(_cell_starts("D", 4, "5"), "all five leads in D4")
    assert _matrix_row(before, "B")[3].startswith("0")

    terminal.keys("n")
    terminal.wait_for("New rule in Inbound")
    terminal.keys("SaaS accounts", literal=True)
    terminal.keys("Tab", "Tab")  # dimension (fit), points
    terminal.keys("50", literal=True)
    for _ in range(5):  # owner, enabled, knockout, rationale → the condition's field
        terminal.keys("Tab")
    terminal.keys("Enter")
    terminal.wait_for("employees (number)")
    terminal.keys("industry", literal=True)
    terminal.keys("Enter")
    terminal.wait_for("industry (text)")
    terminal.keys("Tab", "Enter")
    terminal.wait_for("not_contains")
    terminal.keys("eq", literal=True)
    terminal.keys("Enter", "Tab")
    terminal.keys("saas", literal=True)
    terminal.keys("C-s")
    terminal.wait_for("Added rule saas-accounts")
    after = terminal.wait_until(_cell_starts("B", 4, "2"), "two SaaS leads in B4")
    assert _matrix_row(after, "D")[3].startswith("3")
    assert "100%" in _matrix_row(after, "B")[3]  # both SaaS leads were won
    assert "industry eq saas" in after

    # The leads browser, filtered to the won leads, then in another order.
    terminal.keys("l")
    terminal.wait_for("5 leads · by score")
    terminal.keys("/")
    terminal.keys("won -retail", literal=True)
    shown = terminal.wait_for("2 of 5 leads · filter “won -retail”")
    rows = [line for line in shown.splitlines()
            if re.search(r"\bL\d\s.*\b(SaaS|Retail|Finance)\b", line)]
    assert len(rows) == 2 and "L1" in "".join(rows) and "L3" in "".join(rows)
    terminal.keys("Enter", "s")
    terminal.wait_for("2 of 5 leads · filter “won -retail” · by score, lowest first")
    terminal.keys("Escape")
    terminal.wait_for("5 leads · by score, lowest first")
    terminal.keys("q")
