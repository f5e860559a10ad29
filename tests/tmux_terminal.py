"""Driving the real `align` command in tmux: keys in at a typist's pace, the screen polled."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

KEY_GAP = 0.15


def _tmux() -> str | None:
    if shutil.which("tmux") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True, check=False)
    return shutil.which("tmux")


TMUX = _tmux()


class Terminal:
    """One tmux session running a command; use only when `TMUX` is set."""

    def __init__(self, name: str, cwd: Path, command: str, size: tuple[int, int]) -> None:
        self.name = name
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True, check=False)
        # COLUMNS and LINES (pytest-xdist's workers set 80 × 24) would override the size of
        # the terminal the app runs in: neither reaches it, through the environment or a tmux
        # server started earlier with them.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        subprocess.run([TMUX, "new-session", "-d", "-s", name, "-x", str(size[0]),
                        "-y", str(size[1]), "-c", str(cwd), f"env -u COLUMNS -u LINES {command}"],
                       check=True, env={**env, "TERM": "xterm-256color"})

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Sends keys at a typist's pace: keys that arrive in one burst reach the app as a
        single read, which a real keyboard never produces."""
        for key in keys:
            args = [TMUX, "send-keys", "-t", self.name] + (["-l"] if literal else []) + [key]
            subprocess.run(args, check=True)
            time.sleep(KEY_GAP)

    def burst(self, text: str) -> None:
        """Sends `text` in one go, as keys typed while the app was busy or faster than a
        screen opens reach it."""
        subprocess.run([TMUX, "send-keys", "-t", self.name, "-l", text], check=True)

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
