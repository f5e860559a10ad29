"""The command line against damaged plans, files it may not read, names it cannot take and an
output it cannot write: one `error:` line and exit status 1, and nothing left half-made."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from model.store import PlanStore
from tests.conftest import align_process
from tests.factories import small_plan
from tests.test_cli import run


@pytest.fixture
def plan_db(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def damage(db: Path) -> None:
    """Overwrite the root page of the objectives table: SQLite then calls the file malformed."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'objectives'").fetchone()[0]
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)


def test_a_damaged_plan_is_refused_with_one_line_and_check_reports_it(plan_db, tmp_path):
    good = tmp_path / "good.toml"
    assert run("export", plan_db, "-o", good).exit_code == 0
    damage(plan_db)
    for args in (["export", plan_db], ["kpis", plan_db], ["import", good, plan_db],
                 ["import", "--dry-run", good, plan_db]):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(f"error: {plan_db} is damaged (database disk image is "
                                        "malformed)"), (args, result.stderr)
        assert "Traceback" not in result.output
    result = run("check", plan_db)
    assert result.exit_code == 1
    assert "✗ the file is damaged (database disk image is malformed)" in result.stdout


def test_a_failed_import_gives_back_the_empty_file_it_was_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text('format = "align-plan"\nversion = 1\n[[objectives]]\nid = "x"\n'
                                'title = "X"\nperiod = "2026-Q1"\nowner = "nobody"\n')
    Path("empty.db").touch()
    Path("target.db").touch()
    os.symlink("target.db", "link.db")
    os.symlink("nowhere.db", "dangling.db")
    for db in ("empty.db", "link.db", "dangling.db", "new.db"):
        result = run("import", "bad.toml", db)
        assert result.exit_code == 1 and "unknown department 'nobody'" in result.stderr
    assert Path("empty.db").stat().st_size == 0
    assert Path("link.db").is_symlink() and Path("target.db").stat().st_size == 0
    assert Path("dangling.db").is_symlink() and not Path("nowhere.db").exists()
    assert not Path("new.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.toml", "dangling.db", "empty.db", "link.db", "target.db"]


def test_plan_names_are_checked_and_a_long_file_name_is_cut(tmp_path):
    result = run("init", tmp_path / "a.db", "--name", "x" * 201)
    assert (result.exit_code, result.stderr) == (
        1, "error: --name: too long (at most 200 characters)\n")
    result = run("init", tmp_path / "b.db", "--name", "   ")
    assert result.exit_code == 1 and result.stderr.startswith("error: --name: ")
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()
    long_db = tmp_path / ("y" * 240 + ".db")
    assert run("init", long_db).exit_code == 0
    with PlanStore.open(long_db) as s:
        assert s.settings().name == "y" * 200
    exported = tmp_path / "long.toml"
    assert run("export", long_db, "-o", exported).exit_code == 0
    assert run("import", exported, tmp_path / "again.db").exit_code == 0


def test_a_plan_align_may_not_read_is_bad_input(plan_db, tmp_path, monkeypatch):
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.R_OK and Path(path).resolve() == plan_db.resolve():
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    for args in (["export", plan_db], ["check", plan_db], ["kpis", plan_db],
                 ["score", plan_db], ["leads", "export", plan_db]):
        result = run(*args)
        assert (result.exit_code, result.stderr) == (
            1, f"error: {plan_db} cannot be read: no permission (its owner can share a copy, "
               "or an export)\n"), args
    result = run("kpis", tmp_path)
    assert result.exit_code == 1 and "is a folder" in result.stderr


def test_reports_say_when_standard_output_cannot_take_them(tmp_path):
    plan_db = tmp_path / "sample.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "sample.db", plan_db)
    for command in ("check", "kpis", "score"):
        if Path("/dev/full").exists():
            done = align_process(command, plan_db, shell="> /dev/full")
            assert (done.returncode, done.stderr.splitlines()[-1]) == (
                1, b"error: standard output: cannot write (No space left on device)"), command
        done = align_process(command, plan_db, shell=">&-")
        assert (done.returncode, done.stderr) == (
            1, b"error: standard output is closed: the report has nowhere to go\n"), command


def test_commands_that_write_a_file_need_no_standard_output(tmp_path):
    plan_db = tmp_path / "sample.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "sample.db", plan_db)
    done = align_process("score", plan_db, "--csv", tmp_path / "scores.csv", shell=">&-")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scores.csv").read_text().startswith("id,")


def test_an_import_that_could_not_print_its_summary_still_says_it_was_saved(plan_db, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    good = tmp_path / "good.toml"
    assert run("export", plan_db, "-o", good).exit_code == 0
    fresh = tmp_path / "fresh.db"
    done = align_process("import", good, fresh, shell="> /dev/full")
    assert done.returncode == 0
    assert done.stderr.decode().startswith(f"note: imported {good} into {fresh}; its summary "
                                           "could not be printed")
    with PlanStore.open(fresh) as s:
        assert s.objectives()
    done = align_process("import", "--dry-run", good, fresh, shell="> /dev/full")
    assert done.returncode == 1


def test_reports_on_a_latin1_terminal_replace_what_it_cannot_show(plan_db):
    with PlanStore.open(plan_db) as s:
        s.save_settings(s.settings().model_copy(update={"name": "Zoë – 株式会社 FY26"}))
    done = align_process("kpis", plan_db, PYTHONIOENCODING="latin-1")
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr


def test_export_dash_is_standard_output_and_a_read_only_target_is_kept(plan_db, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", plan_db, "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith('format = "align-plan"')
    assert not Path("-").exists()
    kept = tmp_path / "kept.toml"
    kept.write_text("mine\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: False
                        if mode & os.W_OK and Path(path) == kept else real_access(path, mode))
    result = run("export", plan_db, "-o", kept)
    assert (result.exit_code, result.stderr) == (
        1, f"error: {kept} is read-only: it was left as it is; give another file name\n")
    assert kept.read_text() == "mine\n"


def test_a_plan_named_like_an_option_opens_after_a_double_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opened = []
    monkeypatch.setattr("tui.app.run_app", lambda store: opened.append(store.path.name))
    assert run("--", "-odd.db").exit_code == 0
    assert opened == ["-odd.db"]
    result = run("--", "-odd.db", "extra")
    assert result.exit_code == 2 and "unexpected argument 'extra'" in result.output


def test_the_busy_message_names_the_plan_not_the_file_read(plan_db, tmp_path):
    good = tmp_path / "good.toml"
    assert run("export", plan_db, "-o", good).exit_code == 0
    with PlanStore.open(plan_db) as s:
        s.save_settings(s.settings().model_copy(update={"name": "Changed"}))
    holder = sqlite3.connect(plan_db, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = align_process("import", good, plan_db)
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 1
    assert done.stderr.decode().startswith(f"error: {plan_db}: the plan is busy"), done.stderr


def test_minutes_take_no_table_options(plan_db):
    result = run("kpis", plan_db, "--minutes", "-", "--json")
    assert result.exit_code == 1 and "leave out --json" in result.stderr


def test_open_store_works_outside_a_command(plan_db):
    """The start-up benchmark and scripts open a plan the way the command line does."""
    from tui.cli import open_store

    with open_store(str(plan_db)) as store:
        assert store.objectives()


def test_an_import_with_standard_output_closed_says_so_on_standard_error(plan_db, tmp_path):
    """It used to stop on a traceback after the plan was written; a dry run, whose report is
    all it makes, is refused before it reads anything."""
    good = tmp_path / "good.toml"
    assert run("export", plan_db, "-o", good).exit_code == 0
    fresh = tmp_path / "fresh.db"
    done = align_process("import", good, fresh, shell=">&-")
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"standard output is closed, so its summary was not printed" in done.stderr
    with PlanStore.open(fresh) as store:
        assert store.objectives()
    done = align_process("import", good, tmp_path / "dry.db", "--dry-run", shell=">&-")
    assert (done.returncode, done.stderr) == (
        1, b"error: standard output is closed: the report has nowhere to go\n")
    assert not (tmp_path / "dry.db").exists()


def test_paths_the_system_refuses_are_one_error_line(plan_db, tmp_path):
    """A plan under a file, a name too long, a link that loops, a pipe: one error line each,
    never a traceback from the import's own clean-up, and nothing left behind."""
    good = tmp_path / "good.toml"
    assert run("export", plan_db, "-o", good).exit_code == 0
    (tmp_path / "afile").write_text("")
    long = "n" * 300
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    pipe = tmp_path / "pipe.db"
    os.mkfifo(pipe)
    cases = [
        (["init", tmp_path / "afile" / "x.db"], "afile"),
        (["import", good, tmp_path / "afile" / "x.db"], "afile"),
        (["init", pipe], "pipe.db"),
        (["export", tmp_path / f"{long}.db"], "File name too long"),
        (["import", tmp_path / f"{long}.toml", plan_db], "File name too long"),
        (["import", good, tmp_path / "loop1"], "the link leads round in a loop"),
        (["leads", "import", tmp_path / "loop1", plan_db], "the link leads round in a loop"),
        (["export", plan_db, "-o", tmp_path / "loop1"], "the link leads round in a loop"),
    ]
    for args, said in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and said in lines[0], (
            args, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["afile", "good.toml", "loop1", "loop2", "pipe.db", plan_db.name])
    assert (tmp_path / "afile").read_text() == ""


def test_a_plan_named_in_bytes_that_are_not_utf8_opens_named_after_it(tmp_path):
    name = os.fsdecode(b"\xfeplan.db")
    result = run("init", tmp_path / name)
    assert result.exit_code == 0, result.output
    with PlanStore.open(tmp_path / name) as store:
        assert store.settings().name == "\ufffdplan"
