"""End to end: a short review meeting in the real `align` command, in tmux at 120×40."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from model.store import PlanStore
from tests.conftest import open_plan
from tests.kpi_review_plans import review_plan
from tests.tmux_terminal import TMUX, Terminal, align_command

pytestmark = pytest.mark.e2e

# the app runs on the real date, and a decision cannot fall due before it is made
DUE = dt.date.today() + dt.timedelta(days=45)


if TMUX is None:
    pytest.skip("tmux is not installed and could not be installed", allow_module_level=True)


@pytest.fixture
def session(tmp_path: Path):
    open_plan(tmp_path / "plan.db", review_plan()).close()
    term = Terminal(f"align-review-e2e-{os.getpid()}", tmp_path, align_command(tmp_path / "plan.db"),
                    (120, 40))
    yield term
    term.close()


def test_short_review_sets_a_status_with_a_note_adds_a_decision_and_writes_minutes(
        session, tmp_path):
    session.wait_for("plan.db · 2026-Q2")
    session.keys("[", "4")
    session.wait_for("Metrics 2026-Q1")
    session.keys("r")
    session.wait_for("Review 2026-Q1")
    for position in range(1, 15):  # the order depends on today's date: walk until it shows
        shown = session.wait_for(f"item {position} of")
        if "objective faster-onboarding" in shown:
            break
        session.keys("n")
    session.wait_for("objective faster-onboarding")
    session.keys("x")
    session.wait_for("A note is required")
    session.keys("Onboarding team halved in March", literal=True)
    session.keys("C-s")
    session.wait_for("state: active → missed")
    session.keys("c")
    session.wait_for("Decision on faster-onboarding")
    session.keys("Hire two onboarding specialists", literal=True)
    session.keys("Tab", "Tab", "Tab")  # date, owner (the objective's), due
    session.keys(DUE.isoformat(), literal=True)  # after today: the decision is made today
    session.keys("C-s")
    session.wait_for("decision: Hire two onboarding specialists — customer-service, due "
                     f"{DUE.isoformat()}")
    session.keys("f")
    session.wait_for("finished — saved to the plan")
    session.keys("x")
    session.wait_for("Write the minutes")
    session.keys("Enter")
    session.wait_for("Minutes written to")
    session.keys("Escape")
    session.wait_for("Metrics 2026-Q1")
    session.keys("q")
    time.sleep(0.5)

    minutes = tmp_path / f"minutes-2026-q1-{dt.date.today().isoformat()}.md"
    text = minutes.read_text(encoding="utf-8")
    assert text.startswith("# KPI review 2026-Q1 — Acme FY26")
    assert ("- **Onboard new customers in a week**: state active → missed — "
            "Onboarding team halved in March") in text
    assert ("| Hire two onboarding specialists | Onboard new customers in a week | "
            f"customer-service | {DUE.isoformat()} |") in text
    with PlanStore.open(tmp_path / "plan.db", create=False) as store:
        assert store.objective("faster-onboarding").state == "missed"
        decision = next(d for d in store.decisions()
                        if d.text == "Hire two onboarding specialists")
        assert (decision.owner, decision.due) == ("customer-service", DUE)
        assert [n.text for n in store.notes() if n.objective == "faster-onboarding"] == [
            "Onboarding team halved in March"]
        assert store.db["reviews"].count == 1
