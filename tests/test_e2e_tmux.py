"""End to end: the real `align` command in tmux, driven by keys, read from the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import open_plan, small_plan

pytestmark = pytest.mark.e2e
KEY_GAP = 0.15


def _tmux() -> str | None:
    if shutil.which("tmux") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True, check=False)
    return shutil.which("tmux")


TMUX = _tmux()
if TMUX is None:
    pytest.skip("tmux is not installed and could not be installed", allow_module_level=True)


class Terminal:
    def __init__(self, name: str, cwd: Path, command: str, size: tuple[int, int]) -> None:
        self.name = name
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True, check=False)
        subprocess.run([TMUX, "new-session", "-d", "-s", name, "-x", str(size[0]),
                        "-y", str(size[1]), "-c", str(cwd), command], check=True,
                       env={**os.environ, "TERM": "xterm-256color"})

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Sends keys at a typist's pace: keys that arrive in one burst reach the app as a
        single read, which a real keyboard never produces."""
        for key in keys:
            args = [TMUX, "send-keys", "-t", self.name] + (["-l"] if literal else []) + [key]
            subprocess.run(args, check=True)
            time.sleep(KEY_GAP)

    def screen(self) -> str:
        done = subprocess.run([TMUX, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=False)
        return done.stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Polls the screen until `text` shows: the app's pace, not a guess, sets the wait."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; screen was:\n{self.screen()}")

    def wait_until(self, check, what: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if check(shown):
                return shown
            time.sleep(0.05)
        raise AssertionError(f"waited for {what}; screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True, check=False)


def align_command(db: Path) -> str:
    exe = shutil.which("align")
    if exe:
        return f"{shlex.quote(exe)} {shlex.quote(db.name)}"
    code = "import sys; from tui.cli import main; sys.argv[0] = 'align'; main()"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(db.name)}"


@pytest.fixture
def terminal(tmp_path: Path):
    open_plan(tmp_path / "plan.db", small_plan()).close()
    term = Terminal(f"align-e2e-{os.getpid()}", tmp_path, align_command(tmp_path / "plan.db"),
                    (120, 40))
    yield term
    term.close()


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
