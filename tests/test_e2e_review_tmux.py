"""End to end: a short review meeting in the real `align` command, in tmux at 120×40."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.store import PlanStore
from tests.conftest import open_plan
from tests.kpi_review_plans import review_plan

pytestmark = pytest.mark.e2e


def _find_tmux() -> str | None:
    if shutil.which("tmux") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True, check=False)
    return shutil.which("tmux")


TMUX = _find_tmux()
if TMUX is None:
    pytest.skip("tmux is not installed and could not be installed", allow_module_level=True)


class Session:
    """One tmux session running align; keys go in one at a time, the screen is polled."""

    def __init__(self, name: str, cwd: Path, command: str) -> None:
        self.name = name
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True, check=False)
        subprocess.run([TMUX, "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                        "-c", str(cwd), command], check=True,
                       env={**os.environ, "TERM": "xterm-256color"})

    def press(self, *keys: str, literal: bool = False) -> None:
        for key in keys:
            subprocess.run([TMUX, "send-keys", "-t", self.name, *(["-l"] if literal else []),
                            key], check=True)
            time.sleep(0.15)

    def screen(self) -> str:
        return subprocess.run([TMUX, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=False).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True, check=False)


def _align(db: Path) -> str:
    exe = shutil.which("align")
    if exe:
        return f"{shlex.quote(exe)} {shlex.quote(db.name)}"
    code = "import sys; from tui.cli import main; sys.argv[0] = 'align'; main()"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(db.name)}"


@pytest.fixture
def session(tmp_path: Path):
    open_plan(tmp_path / "plan.db", review_plan()).close()
    term = Session(f"align-review-e2e-{os.getpid()}", tmp_path, _align(tmp_path / "plan.db"))
    yield term
    term.close()


def test_short_review_sets_a_status_with_a_note_adds_a_decision_and_writes_minutes(
        session, tmp_path):
    session.wait_for("plan.db · 2026-Q2")
    session.press("[", "4")
    session.wait_for("Metrics 2026-Q1")
    session.press("r")
    session.wait_for("Review 2026-Q1")
    for position in range(1, 15):  # the order depends on today's date: walk until it shows
        shown = session.wait_for(f"item {position} of")
        if "objective faster-onboarding" in shown:
            break
        session.press("n")
    session.wait_for("objective faster-onboarding")
    session.press("x")
    session.wait_for("A note is required")
    session.press("Onboarding team halved in March", literal=True)
    session.press("C-s")
    session.wait_for("state: active → missed")
    session.press("c")
    session.wait_for("Decision on faster-onboarding")
    session.press("Hire two onboarding specialists", literal=True)
    session.press("Tab", "Tab", "Tab")  # date, owner (the objective's), due
    session.press("2026-06-30", literal=True)
    session.press("C-s")
    session.wait_for("decision: Hire two onboarding specialists — customer-service, due "
                     "2026-06-30")
    session.press("f")
    session.wait_for("finished — saved to the plan")
    session.press("x")
    session.wait_for("Write the minutes")
    session.press("Enter")
    session.wait_for("Minutes written to")
    session.press("Escape")
    session.wait_for("Metrics 2026-Q1")
    session.press("q")
    time.sleep(0.5)

    minutes = tmp_path / f"minutes-2026-q1-{dt.date.today().isoformat()}.md"
    text = minutes.read_text(encoding="utf-8")
    assert text.startswith("# KPI review 2026-Q1 — Acme FY26")
    assert ("- **Onboard new customers in a week**: state active → missed — "
            "Onboarding team halved in March") in text
    assert ("| Hire two onboarding specialists | Onboard new customers in a week | "
            "customer-service | 2026-06-30 |") in text
    with PlanStore.open(tmp_path / "plan.db", create=False) as store:
        assert store.objective("faster-onboarding").state == "missed"
        decision = next(d for d in store.decisions()
                        if d.text == "Hire two onboarding specialists")
        assert (decision.owner, decision.due) == ("customer-service", dt.date(2026, 6, 30))
        assert [n.text for n in store.notes() if n.objective == "faster-onboarding"] == [
            "Onboarding team halved in March"]
        assert store.db["reviews"].count == 1
