"""Plans opened only to be read: by the commands that only read (which leave the file exactly as
it is), and every plan Align may not write (a read-only file, a folder or share it cannot write
to), which opens for looking with each write refused saying why.

Tests run as root, whom file permissions do not stop, so `unwritable` makes `os.access` answer
for the given folder as it would for a user without write permission there. Everything else is
real: such a plan is read through SQLite's read-only mode, which refuses writes itself."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import model.migrations as mig
from model.errors import AlignError
from model.leads import import_leads_csv
from model.schema import Department, LeadsRoles
from model.store import PlanStore, read_only_reason
from screens.note_form import NoteForm
from tests.conftest import TODAY, text_of
from tests.lead_scoring_helpers import ROOT
from tui.app import build_app
from tui.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def unwritable(monkeypatch):
    """Call with a file or folder: from then on it is not writable (a folder's files may be)."""
    folders: list[Path] = []
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve() in folders:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return lambda folder: folders.append(Path(folder).resolve())


def _plan(path: Path, *, journal: str = "wal") -> Path:
    with PlanStore.open(path, name="Shared") as s:
        s.save_department(Department(id="sales", name="Sales"))
        s.conn.execute(f"PRAGMA journal_mode = {journal}")
    return path


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_reading_leaves_a_rollback_journal_plan_exactly_as_it_is(tmp_path):
    path = _plan(tmp_path / "plan.db", journal="delete")
    before = path.read_bytes()
    with PlanStore.open(path, read_only=True) as s:
        assert [d.id for d in s.departments()] == ["sales"]
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        with pytest.raises(AlignError, match="plan.db is open read-only: nothing was saved"):
            s.save_department(Department(id="ops", name="Ops"))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s.conn.execute("DELETE FROM departments")
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["plan.db"]


def test_a_plan_in_a_folder_align_cannot_write_opens_to_be_read(tmp_path, unwritable):
    path = _plan(tmp_path / "plan.db")
    before = path.read_bytes()
    unwritable(tmp_path)
    assert read_only_reason(path) == (f"{path} is in a folder Align cannot write to "
                                      f"({tmp_path.resolve()})")
    with PlanStore.open(path) as s:
        assert s.read_only == read_only_reason(path)
        assert s.settings().name == "Shared"
        with pytest.raises(AlignError, match="cannot write to .*: nothing was saved"):
            s.save_department(Department(id="ops", name="Ops"))
        # the connection itself is read-only: SQLite refuses, whatever the store's checks
        s.conn.execute("PRAGMA query_only = OFF")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s.conn.execute("DELETE FROM departments")
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["plan.db"]  # no -wal, -shm or journal left beside it


def test_reading_a_wal_plan_align_cannot_write_leaves_no_files_to_trip_its_owner(tmp_path,
                                                                                unwritable):
    """A WAL plan read the usual way gets a -shm made with the plan's own permissions, which
    a read-only plan's owner could not write once it is theirs to save again."""
    path = _plan(tmp_path / "plan.db")  # WAL, as every plan the workbench has opened
    before = path.read_bytes()
    unwritable(path)
    for args in (["export", path, "-o", tmp_path / "plan.toml"], ["check", path]):
        result = run(*args)
        assert result.exit_code == 0, result.output
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["plan.db", "plan.toml"]


def test_a_read_only_file_is_named_as_such(tmp_path, unwritable):
    path = _plan(tmp_path / "plan.db")
    unwritable(path)
    assert read_only_reason(path) == f"{path} is read-only"
    with PlanStore.open(path) as s:
        assert s.write_refusal == f"{path} is read-only: nothing was saved"


def test_an_older_plan_align_cannot_write_is_refused_saying_why(tmp_path, unwritable,
                                                                monkeypatch):
    path = _plan(tmp_path / "plan.db")
    before = path.read_bytes()
    monkeypatch.setattr(mig, "STEPS", [*mig.STEPS, ("m_next_test", lambda db: None)])
    unwritable(tmp_path)
    for read_only in (False, True):
        with pytest.raises(AlignError, match="from an older version of Align.*copy it"):
            PlanStore.open(path, read_only=read_only)
    assert path.read_bytes() == before and _files(tmp_path) == ["plan.db"]


def test_creating_a_plan_in_a_folder_align_cannot_write_says_so(tmp_path, unwritable):
    unwritable(tmp_path)
    result = run("init", tmp_path / "new.db")
    assert result.exit_code == 1
    assert "a folder Align cannot write to" in result.stderr
    assert _files(tmp_path) == []


def test_commands_that_only_read_leave_the_plan_file_as_it_is(tmp_path):
    plan = tmp_path / "plans" / "sample.db"
    plan.parent.mkdir()
    shutil.copyfile(ROOT / "sample.db", plan)  # a rollback-journal plan, as the sample ships
    before = plan.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    for args in (["export", plan, "-o", out / "plan.toml"], ["check", plan], ["kpis", plan],
                 ["score", plan, "--csv", out / "scores.csv"],
                 ["leads", "export", plan, "-o", out / "leads.csv"]):
        result = run(*args)
        assert result.exit_code in (0, 1), (args, result.output)  # check: 1 for health flags
        assert "error" not in result.stderr, (args, result.stderr)
    assert plan.read_bytes() == before
    assert _files(plan.parent) == ["sample.db"]
    assert _files(out) == ["leads.csv", "plan.toml", "scores.csv"]


def test_the_command_line_on_a_plan_align_cannot_write(tmp_path, unwritable):
    shared = tmp_path / "share"
    shared.mkdir()
    plan = shared / "plan.db"
    shutil.copyfile(ROOT / "sample.db", plan)
    toml = tmp_path / "plan.toml"
    assert run("export", plan, "-o", toml).exit_code == 0
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("id,won\n1,yes\n")
    unwritable(shared)
    before = plan.read_bytes()

    result = run("score", plan)
    assert result.exit_code == 0 and "Grade matrix" in result.stdout
    result = run("leads", "export", plan, "-o", tmp_path / "ranked.csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ranked.csv").read_text().count("\n") == 2001  # header + every lead

    result = run("import", toml, plan)
    assert result.exit_code == 1
    assert "a folder Align cannot write to" in result.stderr and "--dry-run" in result.stderr
    result = run("import", toml, plan, "--dry-run")
    assert result.exit_code == 0 and "nothing was written" in result.stdout
    result = run("leads", "import", csv_file, plan, "--id", "id", "--outcome", "won=yes")
    assert result.exit_code == 1 and "nothing was saved" in result.stderr
    assert plan.read_bytes() == before and _files(shared) == ["plan.db"]


def test_a_leads_import_is_refused_before_the_file_is_read(tmp_path, unwritable):
    plan = _plan(tmp_path / "plan.db")
    unwritable(tmp_path)
    with PlanStore.open(plan) as s, pytest.raises(AlignError, match="nothing was saved"):
        # not a CSV at all: refused for the plan, before the file is looked at
        import_leads_csv(s, tmp_path / "missing.csv", roles=LeadsRoles())


async def test_the_workbench_on_a_plan_align_cannot_write(tmp_path, unwritable):
    plan = tmp_path / "plan.db"
    shutil.copyfile(ROOT / "sample.db", plan)
    unwritable(tmp_path)
    store = PlanStore.open(plan)
    notes_before = len(store.notes())
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.sub_title.startswith("plan.db (read-only) · ")
        assert [n.title for n in app._notifications] == ["Read-only plan"]
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteForm)
        await pilot.press(*"Looked at it")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteForm)  # still open, saying why, the text kept
        error = text_of(app.screen.query_one("#form-error"))
        assert "a folder Align cannot write to" in error and "nothing was saved" in error
    assert len(store.notes()) == notes_before
    store.close()
    assert _files(tmp_path) == ["plan.db"]


_CUT_SHORT = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 2")  # so that pages reach the file before the commit
conn.execute("BEGIN")
conn.execute("UPDATE departments SET name = 'Cut short'")
conn.execute("CREATE TABLE junk (x)")
conn.executemany("INSERT INTO junk VALUES (randomblob(200))", [()] * 5000)
os._exit(0)  # killed mid-write: the journal stays beside the plan
"""


def _cut_short(path: Path) -> Path:
    subprocess.run([sys.executable, "-c", _CUT_SHORT, str(path)], check=True)
    journal = path.with_name(path.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0
    return journal


def test_a_write_cut_short_is_undone_when_the_plan_is_opened(tmp_path):
    path = _plan(tmp_path / "plan.db", journal="delete")
    journal = _cut_short(path)
    with PlanStore.open(path, read_only=True) as s:
        assert [d.name for d in s.departments()] == ["Sales"]
    assert not journal.exists()


def test_a_write_cut_short_in_a_plan_align_cannot_write_is_explained(tmp_path, unwritable):
    path = _plan(tmp_path / "plan.db", journal="delete")
    _cut_short(path)
    unwritable(path)
    with pytest.raises(AlignError, match=r"holds a change cut short \(its plan.db-journal is "
                                         r"beside it\) and is read-only: someone who can write"):
        PlanStore.open(path)


def test_a_dry_run_import_leaves_the_plan_file_as_it_is(tmp_path, plan_toml):
    path = _plan(tmp_path / "plan.db", journal="delete")
    before = path.read_bytes()
    result = run("import", plan_toml, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before and _files(tmp_path) == ["plan.db", "plan.toml"]


@pytest.fixture
def plan_toml(tmp_path):
    source = tmp_path / "source.db"
    shutil.copyfile(ROOT / "sample.db", source)
    target = tmp_path / "plan.toml"
    assert run("export", source, "-o", target).exit_code == 0
    source.unlink()
    return target


def test_import_refuses_a_plan_align_cannot_write_before_reading_the_file(tmp_path,
                                                                         unwritable):
    path = _plan(tmp_path / "plan.db")
    unwritable(tmp_path)
    for source in (tmp_path / "missing.toml", Path(__file__)):
        result = run("import", source, path)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {path} is in a folder Align cannot write to")
        assert "nothing was imported; try --dry-run" in result.stderr
    result = run("leads", "import", tmp_path / "missing.csv", path)
    assert result.exit_code == 1 and "nothing was saved" in result.stderr


def test_an_empty_file_align_cannot_write_is_named_as_such(tmp_path, unwritable):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    unwritable(path)
    result = run("init", path)
    assert result.exit_code != 0
    with pytest.raises(AlignError, match="an empty file Align cannot write to"):
        PlanStore.open(path)
    assert path.read_bytes() == b""


def test_a_reader_of_a_plan_align_cannot_write_sees_what_others_write(tmp_path, unwritable):
    """Not read as unchanging: the owner may write it while Align looks (SQLite warns that an
    unchanging file that changes gives wrong answers)."""
    path = _plan(tmp_path / "plan.db", journal="delete")
    unwritable(path)
    with PlanStore.open(path) as reader:
        assert reader.read_only and [d.name for d in reader.departments()] == ["Sales"]
        owner = sqlite3.connect(path)
        owner.execute("UPDATE departments SET name = 'Sales team'")
        owner.commit()
        owner.close()
        assert [d.name for d in reader.departments()] == ["Sales team"]


def test_an_export_to_a_folder_align_cannot_write_says_so_before_writing(tmp_path, unwritable):
    path = _plan(tmp_path / "plan.db")
    closed = tmp_path / "closed"
    closed.mkdir()
    unwritable(closed)
    result = run("export", path, "-o", closed / "plan.toml")
    assert result.exit_code == 1
    assert f"cannot write in {closed} (no permission)" in result.stderr
    assert _files(closed) == []


async def test_review_mode_is_refused_on_a_plan_align_cannot_write(tmp_path, unwritable):
    from screens.kpi_review import KpiReviewScreen

    plan = tmp_path / "plan.db"
    shutil.copyfile(ROOT / "sample.db", plan)
    unwritable(tmp_path)
    store = PlanStore.open(plan)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if getattr(app.screen, "data", None) is not None:
                break
        assert isinstance(app.screen, KpiReviewScreen)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, KpiReviewScreen)  # not stuck in a review it cannot save
        assert [n.title for n in app._notifications][-1] == \
            "Review mode needs a plan it can save to"
    store.close()
