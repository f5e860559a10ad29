"""Command-line findings: plan text that would drive the terminal, a misspelled command taken
for the plan, a document cut short by its reader, a dry run that would succeed where the import
fails, UTF-16 plan files and empty file names."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.check import CheckReport
from model.errors import AlignError
from model.exchange import check_file_target, plan_to_toml
from model.schema import Note
from model.store import PlanStore
from tests.factories import small_plan
from tests.leads_helpers import model, rule
from tui import cli
from tui.cli import main

ESCAPES = "\x1b]0;PWNED\x07\x1b[31mRED"
SHOWN = "\\x1b]0;PWNED\\x07\\x1b[31mRED"
FANCY = "Zoë’s “team” 👩‍💻 café"  # a joiner inside the emoji: text, not a control
ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def align_status(*args, shell: str, **env_vars) -> tuple[int, bytes, bytes]:
    """`align ARGS SHELL` run by bash: align's own exit status (not the pipe's last command's),
    its standard output as the pipe left it, and its standard error."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_vars}
    command = shlex.join([sys.executable, "-m", "tui", *map(str, args)])
    done = subprocess.run(["bash", "-c", f"{command} {shell}; exit ${{PIPESTATUS[0]}}"],
                          capture_output=True, env=env)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def plan_db(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def written_into(db: Path, sql: str, *params) -> None:
    """Text the forms and TOML import refuse, as an older Align or another tool left it."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql, params)
    conn.close()


# ---- 1. plan text and CSV headers cannot drive the terminal --------------------------------

def test_kpis_shows_escapes_in_names_and_titles_and_keeps_other_text(plan_db):
    written_into(plan_db, "UPDATE metrics SET name = ? WHERE id = 'revenue'",
                 f"{ESCAPES} {FANCY}")
    written_into(plan_db, "UPDATE objectives SET title = ? || title", ESCAPES + " ")
    result = run("kpis", plan_db, "--as-of", "2026-05-15")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert f"{SHOWN} {FANCY}" in result.stdout  # the table
    assert f"is red on the active objective “{SHOWN} " in result.stdout  # a signal
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("metric"))
    row = next(line for line in lines if SHOWN in line and "[high]" not in line)
    assert row.index("finance") == header.index("owners")  # the columns still line up


def test_json_escapes_controls_itself_c1_and_del_included(plan_db):
    name = f"{ESCAPES} \x9b31m \x7f {FANCY}"
    written_into(plan_db, "UPDATE metrics SET name = ? WHERE id = 'revenue'", name)
    result = run("kpis", plan_db, "--as-of", "2026-05-15", "--json")
    assert result.exit_code == 0, result.output
    assert "\\u001b]0;PWNED\\u0007" in result.stdout  # JSON's own escapes, not `printable`'s
    assert "\\u009b31m \\u007f" in result.stdout
    assert not any(c in result.stdout for c in "\x1b\x07\x9b\x7f")
    assert FANCY in result.stdout
    rows = {row["metric"]: row for row in json.loads(result.stdout)["kpis"]}
    assert rows["revenue"]["name"] == name


def test_check_shows_escapes_in_its_report_lines(plan_db, monkeypatch):
    report = CheckReport(health=[f"objective “{ESCAPES} {FANCY}” has no key results"])
    monkeypatch.setattr("model.check.check_plan", lambda store, period: report)
    result = run("check", plan_db)
    assert result.exit_code == 0, result.output
    assert f"  ! objective “{SHOWN} {FANCY}” has no key results" in result.stdout
    assert "\x1b" not in result.output


def test_score_report_shows_escapes_in_the_model_name(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.save_scoring_model(model(rule("seg-a", "seg", "eq", "A", points=70)))
    leads = tmp_path / "leads.csv"
    leads.write_text("lead,seg,conv\nL1,A,yes\nL2,B,no\n")
    assert run("leads", "import", leads, db, "--id", "lead").exit_code == 0
    written_into(db, "UPDATE scoring_models SET name = ?", f"{ESCAPES} {FANCY}")
    result = run("score", db, "--as-of", "2025-03-31")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Model m ({SHOWN} {FANCY}) · as of 2025-03-31")
    assert "\x1b" not in result.output
    as_json = run("score", db, "--as-of", "2025-03-31", "--json")
    assert json.loads(as_json.stdout)["model"]["name"] == f"{ESCAPES} {FANCY}"
    assert "\x1b" not in as_json.stdout


def test_leads_import_shows_escapes_in_column_names_and_a_kept_date_format(tmp_path):
    db = tmp_path / "plan.db"
    PlanStore.open(db).close()
    leads = tmp_path / "leads.csv"
    leads.write_text(f"id,{ESCAPES}name,{FANCY}\n1,a,x\n2,b,y\n")
    result = run("leads", "import", leads, db, "--date-format", f"%d/%m/%Y{ESCAPES}")
    assert result.exit_code == 0, result.output
    assert f"columns: id (number), {SHOWN}name (text), {FANCY} (text)" in result.stdout
    result = run("leads", "import", leads, db, "--replace")
    assert result.exit_code == 0, result.output
    assert f"kept from the previous import: --date-format %d/%m/%Y{SHOWN} " in result.stdout
    assert "\x1b" not in result.output


def test_export_keeps_the_plans_text_as_it_is(plan_db, tmp_path):
    """Documents are not reports: TOML keeps the name (escaped the TOML way) and a file name
    that is plain text stays plain in the line said about it."""
    with PlanStore.open(plan_db) as s:
        s.save_settings(s.settings().model_copy(update={"name": FANCY}))
    out = tmp_path / f"{FANCY}.toml"
    result = run("export", plan_db, "-o", out)
    assert result.exit_code == 0 and result.stderr == f"exported {plan_db} to {out}\n"
    with PlanStore.open(plan_db) as s:
        assert out.read_text(encoding="utf-8") == plan_to_toml(s.load_plan())


# ---- 2. a misspelled command is said to be one ---------------------------------------------

@pytest.mark.parametrize(("word", "meant"), [("exprot", "export"), ("chek", "check"),
                                             ("kpsi", "kpis"), ("lead", "leads")])
def test_a_misspelled_command_is_not_taken_for_the_plan(tmp_path, monkeypatch, word, meant):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tui.app.run_app", lambda store: pytest.fail("the workbench opened"))
    for args in ([word], [word, "plan.db"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert f"No such command '{word}'. Did you mean '{meant}'?" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_plan_named_like_a_command_still_opens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opened = []
    monkeypatch.setattr("tui.app.run_app", lambda store: opened.append(str(store.path)))
    (tmp_path / "some").mkdir()
    PlanStore.open(tmp_path / "chek").close()  # an existing file of that name is the plan
    for args in (["chek"], ["./chek"], ["chek.db"], ["some/path"], [], ["plan.db"],
                 ["--", "exprot"], ["notes"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    assert opened == ["chek", "chek", "chek.db", "some/path", "plan.db", "plan.db", "exprot",
                      "notes"]


# ---- 3. a short write is a reader that stopped ---------------------------------------------

class _Pipe:
    """A standard output whose bytes go to a pipe that takes `take` bytes at a time, then
    (after `left` writes) takes nothing more or, with `broken`, says its reader is gone."""

    def __init__(self, take: int, left: int, broken: bool) -> None:
        self.take, self.left, self.broken = take, left, broken
        self.got = b""

    def write(self, data) -> int:
        if self.left == 0:
            if self.broken:
                raise BrokenPipeError(32, "Broken pipe")
            return 0
        self.left -= 1
        self.got += bytes(data[:self.take])
        return min(self.take, len(data))

    def flush(self) -> None:
        pass


class _Stdout:
    """Standard output as Python has it unbuffered: its bytes straight to the pipe."""

    def __init__(self, pipe: _Pipe) -> None:
        self.buffer = pipe

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("broken", [True, False])
def test_a_document_the_pipe_takes_only_part_of_ends_with_status_1(monkeypatch, capsys, broken):
    pipe = _Pipe(take=10, left=1, broken=broken)
    monkeypatch.setattr(sys, "stdout", _Stdout(pipe))
    dropped = []
    monkeypatch.setattr(cli, "drop_stdout", lambda: dropped.append(True))
    with pytest.raises(SystemExit) as stopped:
        cli.echo_document("format = 'align-plan'\n" * 100)
    assert stopped.value.code == 1 and dropped == [True]
    assert pipe.got == b"format = '"
    assert capsys.readouterr().err == ""


def test_a_document_written_in_parts_is_written_whole(monkeypatch):
    pipe = _Pipe(take=7, left=10_000, broken=True)
    monkeypatch.setattr(sys, "stdout", _Stdout(pipe))
    cli.echo_document("Zoë – 株式会社\n" * 50)
    assert pipe.got == ("Zoë – 株式会社\n" * 50).encode("utf-8")


def big_plan_db(tmp_path: Path) -> Path:
    """A plan whose TOML is larger than a pipe holds, so that `| head -1` stops it."""
    db = tmp_path / "big.db"
    plan = small_plan()
    plan.notes += [Note(id=f"long-{i}", objective="grow-smb-pipeline", date="2026-03-01",
                        text=f"note {i} " + "x" * 2_000) for i in range(200)]
    with PlanStore.open(db) as s:
        s.apply_plan(plan, replace=True)
    return db


def test_export_and_merge_into_head_end_with_status_1_unbuffered(tmp_path):
    db = big_plan_db(tmp_path)
    toml = tmp_path / "plan.toml"
    assert run("export", db, "-o", toml).exit_code == 0
    assert toml.stat().st_size > 256 * 1024
    base, theirs = tmp_path / "base.toml", tmp_path / "theirs.toml"
    base.write_bytes(toml.read_bytes())
    theirs.write_bytes(toml.read_bytes())
    for args in (["export", db], ["merge-file", toml, base, theirs, "-p"]):
        status, out, err = align_status(*args, shell="| head -1", PYTHONUNBUFFERED="1")
        assert (status, out, err) == (1, b'format = "align-plan"\n', b""), args


# ---- 4. a dry run refuses a plan the import could not make ---------------------------------

def test_a_dry_run_into_a_missing_folder_is_refused_as_the_import_is(plan_db, tmp_path):
    toml = tmp_path / "plan.toml"
    assert run("export", plan_db, "-o", toml).exit_code == 0
    (tmp_path / "afile").write_text("x")
    for target, message in ((tmp_path / "nodir" / "x.db",
                             f"folder {tmp_path / 'nodir'} does not exist"),
                            (tmp_path / "afile" / "x.db",
                             f"{tmp_path / 'afile'} is a file, not a folder")):
        for dry_run in ([], ["--dry-run"]):
            result = run("import", toml, target, *dry_run)
            assert (result.exit_code, result.stdout, result.stderr) == (
                1, "", f"error: {target}: {message}\n"), dry_run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "plan.db", "plan.toml"]


# ---- 5. a UTF-16 plan file is named as such ------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-16-be-bom"])
def test_a_utf16_plan_file_is_said_to_be_utf16(plan_db, tmp_path, encoding):
    text = (tmp_path / "plan.toml")
    assert run("export", plan_db, "-o", text).exit_code == 0
    utf8 = text.read_text(encoding="utf-8")
    wide = tmp_path / "wide.toml"
    wide.write_bytes(b"\xfe\xff" + utf8.encode("utf-16-be") if encoding == "utf-16-be-bom"
                     else utf8.encode(encoding))
    before = digest(plan_db)
    for dry_run in ([], ["--dry-run"]):
        result = run("import", wide, plan_db, *dry_run)
        assert (result.exit_code, result.stderr) == (
            1, f"error: {wide} is UTF-16 text; save it as UTF-8\n")
    ours = tmp_path / "ours.toml"
    ours.write_text(utf8, encoding="utf-8")
    result = run("merge-file", ours, wide, text, "-p")
    assert "note: not merged by entity: base is UTF-16 text; save it as UTF-8; merging as " \
           "text" in result.stderr
    assert "binary" not in result.stderr.split("merging as text")[0]
    assert digest(plan_db) == before


# ---- 6. an empty output name is no file name -----------------------------------------------

def test_an_empty_output_name_is_said_to_be_none(plan_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = digest(plan_db)
    for args, option in ((["export", plan_db, "-o", ""], "-o"),
                         (["export", plan_db, "-o", "  "], "-o"),
                         (["leads", "export", plan_db, "-o", ""], "-o"),
                         (["kpis", plan_db, "--minutes", ""], "--minutes")):
        result = run(*args)
        value = args[-1]
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"error: {option}: give a file name ({value!r} is none)\n"), args
    assert digest(plan_db) == before
    for name in ("", " "):
        with pytest.raises(AlignError, match=r"give a file name \('\s*' is none\)"):
            check_file_target(name, plan_db)


# ---- 7. a reader that stops early ends the command quietly ---------------------------------

def test_a_dry_run_or_export_whose_reader_has_gone_ends_quietly(plan_db, tmp_path):
    toml = tmp_path / "plan.toml"
    assert run("export", plan_db, "-o", toml).exit_code == 0
    before = digest(plan_db)
    gone = "| (exec 0<&-; sleep 1)"
    for args in (["import", toml, plan_db, "--dry-run"], ["export", plan_db, "-o", "/dev/stdout"]):
        assert align_status(*args, shell=gone) == (1, b"", b""), args
    assert digest(plan_db) == before


@pytest.mark.parametrize("content", [
    "",  # refused before a row is read
    "id,created\n" + "".join(f"L{i},2025-01-{i % 28 + 1:02d}\n" for i in range(3000))
    + "Z,next week\n",  # refused once the whole file is read, the transaction rolled back
])
def test_a_refused_leads_import_leaves_the_plan_file_byte_for_byte(tmp_path, content):
    """The plan is not switched to WAL before the import is known to go in: a plan in git
    showed as modified after a refused import."""
    import shutil

    plan = tmp_path / "plan.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "sample.db", plan)
    before = digest(plan)
    csv_path = tmp_path / "leads.csv"
    csv_path.write_text(content)
    result = CliRunner().invoke(main, ["leads", "import", str(csv_path), str(plan), "--id", "id",
                                       "--created", "created", "--replace"])
    assert result.exit_code == 1, result.output
    assert digest(plan) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv", "plan.db"]


def test_init_inside_a_file_says_the_folder_is_a_file(tmp_path):
    """One check for every command that makes a plan (`PlanStore.creation_refusal`): `init`
    used to pass on SQLite's "unable to open database file"."""
    (tmp_path / "afile").write_text("x")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "afile" / "x.db")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {tmp_path / 'afile' / 'x.db'}: {tmp_path / 'afile'} is a file, not a folder")
