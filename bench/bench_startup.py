"""Start-up bound (DESIGN §8): `align sample.db` to its first screen ready, against a minimal
Textual app (Header, DataTable, Footer), both measured in this run.

Each sample is a fresh interpreter, so imports count as they do for a user, timed until the child
reports its first screen ready; the runs of the two apps alternate so machine load hits both
alike, and the medians of 21 runs each keep one slow start from moving the ratio (a single
start varies by ±15% on a shared two-core machine). The plan is a copy of sample.db (or a
freshly seeded one when sample.db is missing), so the committed file is never written.

    python bench/bench_startup.py [--runs 21] [--db sample.db]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUND = 1.5

# Both children stop as soon as their first screen has mounted and rendered once.
ALIGN_CHILD = """
import asyncio, sys
import tui.cli  # what the `align` command imports before it opens the plan
from tui.app import build_app

async def main():
    app = build_app(tui.cli.open_store(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # ready means the plan's objectives are in the tree, not merely that the tree exists
        assert app.screen.query_one("#objectives-tree").root.children, "no objectives shown"
        print("READY", flush=True)

asyncio.run(main())
"""

BASELINE_CHILD = """
import asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("a", "b", "c")
        table.add_rows([(i, i * 2, i * 3) for i in range(20)])

async def main():
    app = Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print("READY", flush=True)

asyncio.run(main())
"""


# Installed packages such as Textual come with compiled bytecode; Align's own modules get theirs
# on first run, as for any user. An environment that forbids writing bytecode would make every
# Align start recompile its source while the baseline's stays compiled, so the children run
# with the usual setting and the warm-up run compiles both.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_child(code: str, *args: str) -> float:
    """Seconds from starting the interpreter to the child saying its first screen is ready;
    shutting down afterwards is not part of start-up, for either app."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env=CHILD_ENV)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    ready = time.perf_counter() - start
    proc.stdout.read()
    if proc.wait() != 0 or line.strip() != "READY":
        raise SystemExit(f"the child failed before its first screen was ready: {line!r}")
    return ready


def plan_copy(source: Path | None, folder: Path) -> Path:
    target = folder / "plan.db"
    if source is not None and source.exists():
        shutil.copy2(source, target)
    else:
        subprocess.run([sys.executable, "-m", "model.seed", str(target)], cwd=ROOT, check=True,
                       capture_output=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--db", type=Path, default=ROOT / "sample.db")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = plan_copy(args.db, Path(folder))
        time_child(ALIGN_CHILD, str(db))  # warm the file cache and bytecode for both
        time_child(BASELINE_CHILD)
        align, baseline = [], []
        for _ in range(args.runs):
            baseline.append(time_child(BASELINE_CHILD))
            align.append(time_child(ALIGN_CHILD, str(db)))
    a, b = statistics.median(align), statistics.median(baseline)
    print(f"align first screen: median {a:.3f} s over {args.runs} runs")
    print(f"minimal Textual app: median {b:.3f} s over {args.runs} runs")
    print(f"ratio={a / b:.2f} bound={BOUND}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
