"""DESIGN §9: killing the process during an import or an export leaves the plan as it was and
never a half-written file."""

import os
import signal
import subprocess
import sys
import time

from model.exchange import plan_to_toml
from model.store import PlanStore
from tests.factories import small_plan

ENV = {**os.environ, "PYTHONPATH": os.getcwd()}

SLOW_IMPORT = """
import sys, time
from model.store import PlanStore
original = PlanStore._write_objectives
def slow(self, o):
    original(self, o)
    print("writing", flush=True)
    time.sleep(30)
PlanStore._write_objectives = slow
from tui.cli import main
main(["import", sys.argv[1], sys.argv[2], "--replace"])
"""

SLOW_EXPORT = """
import os, sys, time
real_fsync = os.fsync
def slow_fsync(fd):
    print("writing", flush=True)
    time.sleep(30)
os.fsync = slow_fsync
from tui.cli import main
main(["export", sys.argv[1], "-o", sys.argv[2]])
"""


def _run_and_kill(code, *args):
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and "writing" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    assert "writing" in line, proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_during_import_leaves_the_plan_as_it_was(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
        before = plan_to_toml(s.load_plan())
    changed = before.replace("Grow profitably", "Grow recklessly").replace('name = "Sales"', 'name = "S"')
    source = tmp_path / "changed.toml"
    source.write_text(changed)
    _run_and_kill(SLOW_IMPORT, source, db)
    with PlanStore.open(db) as s:
        assert plan_to_toml(s.load_plan()) == before
        assert next(s.db.query("PRAGMA integrity_check"))["integrity_check"] == "ok"


def test_kill_during_export_leaves_the_old_file_whole(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
    target = tmp_path / "plan.toml"
    target.write_text("previous export\n")
    _run_and_kill(SLOW_EXPORT, db, target)
    assert target.read_text() == "previous export\n"
    leftovers = list(tmp_path.glob(".plan.toml.*.tmp"))
    assert leftovers, "the killed export should have left its temp file"
    for leftover in leftovers:  # as if the kill happened an hour ago
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    from click.testing import CliRunner

    from tui.cli import main

    assert CliRunner().invoke(main, ["export", str(db), "-o", str(target)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if "toml" in p.name) == ["plan.toml"]
    assert target.read_text() == plan_to_toml(small_plan())
