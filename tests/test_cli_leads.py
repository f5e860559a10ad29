"""`align leads import` and `align score` through click's runner, plus one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.leads import lead_columns
from model.store import PlanStore
from tests.conftest import align_process
from tests.leads_helpers import model, rule
from tui.cli import main

DATA = ("lead,seg,conv,closed,amount\n"
        "L1,A,yes,2025-01-01,100\nL2,A,no,2025-01-02,50\nL3,B,yes,2025-01-03,\nL4,B,,,20\n")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "plan.db"
    with PlanStore.open(path) as s:
        s.save_scoring_model(model(rule("seg-a", "seg", "eq", "A", points=70),
                                   mql_cells=["A4"]))
    return path


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(DATA)
    return path


def imported(db, csv_file):
    result = run("leads", "import", csv_file, db, "--id", "lead", "--outcome", "conv=yes",
                 "--closed", "closed", "--amount", "amount")
    assert result.exit_code == 0, result.output
    return result


def rows(db):
    with PlanStore.open(db) as s:
        return list(s.db.query("SELECT * FROM leads ORDER BY _row"))


def test_import_prints_a_summary_and_saves_roles(db, csv_file):
    result = imported(db, csv_file)
    assert "imported 4 leads from leads.csv (created the dataset); 4 leads in the plan" \
        in result.output
    assert "amount (number)" in result.output and "closed (date)" in result.output
    with PlanStore.open(db) as s:
        roles = s.leads_roles()
        assert (roles.id, roles.outcome, roles.won_values, roles.closed) == \
            ("lead", "conv", ["yes"], "closed")


def test_second_import_appends_by_default_and_keeps_roles(db, csv_file, tmp_path):
    imported(db, csv_file)
    more = tmp_path / "more.csv"
    more.write_text("lead,seg,conv,closed,amount\nL5,A,yes,2025-02-01,1\n")
    result = run("leads", "import", more, db)
    assert result.exit_code == 0, result.output
    assert "(appended); 5 leads in the plan" in result.output
    with PlanStore.open(db) as s:
        assert s.leads_roles().outcome == "conv" and s.leads_roles().won_values == ["yes"]
    result = run("leads", "import", more, db, "--replace")
    assert "(replaced the dataset); 1 lead in the plan" in result.output
    assert len(rows(db)) == 1


def test_an_id_or_outcome_role_on_an_appended_column_of_numbers_or_yes_no_is_refused(
        db, tmp_path):
    """A first import without roles reads numeric ids as numbers and yes/no as yes/no; an
    append naming them as id or outcome used to write the rows, then stop on the duplicate
    ids' report (exit 1 after the commit), and an outcome of "yes" matched nothing."""
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("lead_id,converted,amount\n1,yes,100\n2,no,200\n3,yes,50\n")
    assert run("leads", "import", numbered, db).exit_code == 0
    for role in (["--id", "lead_id"], ["--outcome", "converted=yes"]):
        before = rows(db)
        result = run("leads", "import", numbered, db, *role)
        assert result.exit_code == 1, result.output
        name = role[1].split("=")[0]
        assert f"the {role[0][2:]} column {name!r} holds" in result.output
        assert "--replace" in result.output and "Traceback" not in result.output
        assert rows(db) == before
    result = run("leads", "import", numbered, db, "--id", "lead_id", "--outcome",
                 "converted=yes", "--replace")
    assert result.exit_code == 0, result.output
    assert [r["lead_id"] for r in rows(db)] == ["1", "2", "3"]


def test_reimport_with_other_columns_drops_roles_it_cannot_keep(db, csv_file, tmp_path):
    imported(db, csv_file)
    other = tmp_path / "other.csv"
    other.write_text("lead,size\nX,3\n")
    result = run("leads", "import", other, db, "--replace")
    assert result.exit_code == 0, result.output
    with PlanStore.open(db) as s:
        roles = s.leads_roles()
        assert roles.id == "lead" and roles.outcome is None and roles.closed is None


def test_roles_kept_from_the_previous_import_are_named_and_can_be_dropped(db, csv_file,
                                                                         tmp_path):
    """A role (or date format) not given is the previous import's: the output says so, an error
    it causes says so too, and "" drops it."""
    imported(db, csv_file)
    again = run("leads", "import", csv_file, db, "--replace")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0] == (
        'kept from the previous import: --id lead --outcome conv=yes --closed closed '
        '--amount amount (give one "" to import without it)')
    tbd = tmp_path / "tbd.csv"
    tbd.write_text("lead,seg,conv,closed,amount\nL9,A,no,,TBD\n")
    result = run("leads", "import", tbd, db, "--replace")
    assert result.exit_code == 1 and result.stderr == (
        "error: the amount column 'amount' holds text values, not numbers: row 1 has 'TBD'\n"
        '  kept from the previous import: --amount amount (give one "" to import without it)\n')
    assert len(rows(db)) == 4
    result = run("leads", "import", tbd, db, "--replace", "--amount", "", "--outcome", "")
    assert result.exit_code == 0, result.output
    with PlanStore.open(db) as s:
        roles = s.leads_roles()
        assert (roles.id, roles.outcome, roles.closed, roles.amount) == (
            "lead", None, "closed", None)
    assert len(rows(db)) == 1
    # A date format kept is named too, and "" goes back to reading the order from the dates.
    dated = tmp_path / "dated.csv"
    dated.write_text("lead,day\nL1,03/04/2025\nL2,25/04/2025\n")
    assert run("leads", "import", dated, db, "--replace", "--date-format", "%m/%d/%Y",
               "--created", "day").exit_code == 1
    assert run("leads", "import", dated, db, "--replace", "--date-format", "%d/%m/%Y",
               "--created", "day").exit_code == 0
    flipped = tmp_path / "flipped.csv"
    flipped.write_text("lead,day\nL1,04/03/2025\nL2,04/25/2025\n")
    result = run("leads", "import", flipped, db, "--replace")
    assert result.exit_code == 1 and result.stderr.endswith(
        '  kept from the previous import: --created day --date-format %d/%m/%Y (give one "" '
        'to import without it)\n')
    result = run("leads", "import", flipped, db, "--replace", "--date-format", "")
    assert result.exit_code == 0, result.output
    with PlanStore.open(db) as s:
        assert s.leads_roles().date_format is None
        assert [r["day"] for r in s.db.query("SELECT day FROM leads ORDER BY _row")] == [
            "2025-04-03", "2025-04-25"]


def test_a_kept_date_format_is_named_when_an_append_refuses_a_date(db, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("lead,closed\nL1,05.01.2024\n")
    assert run("leads", "import", first, db, "--date-format", "%d.%m.%Y").exit_code == 0
    more = tmp_path / "c.csv"
    more.write_text("lead,closed\nL2,05/01/2024\n")
    result = run("leads", "import", more, db)
    assert result.exit_code == 1 and result.stderr.endswith(
        '  kept from the previous import: --date-format %d.%m.%Y (give one "" to import '
        'without it)\n')


def test_bad_input_is_one_error_line_and_nothing_written(db, csv_file):
    imported(db, csv_file)
    before = rows(db)
    result = run("leads", "import", csv_file, db, "--replace", "--id", "nope")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: the id column")
    assert result.stdout == ""
    assert rows(db) == before


def test_outcome_needs_column_and_values(db, csv_file):
    result = run("leads", "import", csv_file, db, "--outcome", "conv")
    assert result.exit_code == 1 and result.stderr == (
        "error: --outcome: 'conv' is not COLUMN=WON1,WON2 (for example converted=1,yes)\n")


def test_missing_plan_is_refused(tmp_path, csv_file):
    result = run("leads", "import", csv_file, tmp_path / "none.db")
    assert result.exit_code == 1 and "no such plan" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_score_prints_matrix_and_backtest(db, csv_file):
    imported(db, csv_file)
    result = run("score", db, "--as-of", "2025-03-31")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Model m (M) · as of 2025-03-31 · 4 leads" in out
    assert "Outcome: 3 decided (2 won, base rate 66.7%) · 1 open" in out
    assert "Grade matrix" in out and "2 (50.0%)" in out
    assert "AUC 0.250" in out and "MQL 2 leads · precision 50.0% · recall 50.0%" in out
    assert "seg-a" in out


def test_score_json_is_stable(db, csv_file):
    imported(db, csv_file)
    result = run("score", db, "--as-of", "2025-03-31", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[:5] == ["format", "version", "model", "as_of", "outcome_mapped"]
    assert data["format"] == "align-score" and data["version"] == 1
    assert data["model"] == {"id": "m", "name": "M"}
    assert [c["key"] for c in data["cells"]] == [f + e for f in "ABCD" for e in "1234"]
    assert data["auc"] == pytest.approx(0.25) and data["csv"] is None
    assert set(data["mql"]) == {"leads", "decided", "won", "precision", "recall"}
    assert data["rules"][0]["rule"] == "seg-a"
    doc = (Path(__file__).resolve().parents[1] / "docs" / "score-json.md").read_text()
    for key in data:
        assert f"`{key}`" in doc, f"{key} is not documented in docs/score-json.md"


def test_score_csv_is_written_whole(db, csv_file, tmp_path):
    imported(db, csv_file)
    out = tmp_path / "scores.csv"
    result = run("score", db, "--as-of", "2025-03-31", "--csv", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines() == [
        "id,fit,engagement,total,cell,mql", "L1,70,0,70,A4,1", "L2,70,0,70,A4,1",
        "L3,0,0,0,D4,0", "L4,0,0,0,D4,0"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".scores")] == []
    # A lead without an id has a blank one, not its row number (3 could be another's id).
    blank_ids = tmp_path / "blank.csv"
    blank_ids.write_text(DATA.replace("L2,", "3,").replace("L3,", "N/A,"))
    assert run("leads", "import", blank_ids, db, "--replace").exit_code == 0
    assert run("score", db, "--as-of", "2025-03-31", "--csv", out).exit_code == 0
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == [
        "id", "L1", "3", "", "L4"]
    for dash in ("-", ""):
        result = run("score", db, "--csv", dash)
        assert result.exit_code == 1 and result.stderr.startswith("error: --csv: give a file ")
    assert not (Path.cwd() / "-").exists()


def test_score_errors(db, csv_file, tmp_path):
    assert run("score", db).exit_code == 1
    assert "no leads imported" in run("score", db).stderr
    imported(db, csv_file)
    result = run("score", db, "--model", "nope")
    assert result.exit_code == 1 and result.stderr == "error: no scoring model 'nope'; models: m\n"
    assert run("score", db, "--as-of", "31/03/2025").exit_code == 1
    with PlanStore.open(db) as s:
        s.save_scoring_model(model(rule("x", "seg", "eq", "B")).model_copy(update={"id": "two"}))
    result = run("score", db)
    assert result.exit_code == 1 and "pick one with --model: m, two" in result.stderr
    with PlanStore.open(db) as s:
        s.save_scoring_model(model(rule("x", "size", "eq", "B")).model_copy(update={"id": "two"}))
    result = run("score", db, "--model", "two", "--csv", tmp_path / "s.csv")
    assert result.exit_code == 1 and "rule 'x', field 'size'" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_score_csv_never_goes_over_the_plan_or_into_a_file(db, csv_file, tmp_path):
    """`--csv` naming the plan, its WAL file, another SQLite file or a folder that is a file:
    a one-line error, and the plan still a plan."""
    imported(db, csv_file)
    other = tmp_path / "other.sqlite"
    PlanStore.open(other).close()
    (tmp_path / "afile").write_text("x")
    for target, words in ((db, "is the plan itself"), (f"{db}-wal", "is the plan's wal file"),
                          (other, "is a SQLite database"),
                          (tmp_path / "afile" / "out.csv", "does not exist")):
        result = run("score", db, "--csv", target)
        assert result.exit_code == 1 and words in result.stderr, (target, result.output)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    for path in (db, other):
        assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    with PlanStore.open(db) as s:
        assert s.db.execute("SELECT count(*) FROM leads").fetchone()[0] == 4


def test_real_subprocess(db, csv_file, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "tui", "leads", "import", str(csv_file), str(db),
                           "--id", "lead", "--outcome", "conv=yes"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    done = subprocess.run([sys.executable, "-m", "tui", "score", str(db), "--json"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["leads"] == 4
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    done = subprocess.run([sys.executable, "-m", "tui", "leads", "import", str(bad), str(db)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 1 and done.stderr.startswith("error: ") and "Traceback" not in \
        done.stderr
    with PlanStore.open(db) as s:
        assert [c.name for c in lead_columns(s)][0] == "lead"


def test_the_progress_bar_rescales_when_the_import_reads_its_file_again(monkeypatch, capsys):
    """An import first reports bytes of one pass; one that must read the file a second time
    reports against twice the size. The bar follows, never showing more than done."""
    from tui.cli_leads import _Progress

    progress = _Progress("importing leads")
    progress.enabled = True
    progress.start -= 5
    progress(60, 100)
    assert progress.bar.length == 100 and progress.bar.pos == 60
    progress(70, 200)
    assert progress.bar.length == 200 and progress.bar.pos == 70
    progress(200, 200)
    assert progress.bar.pct == 1.0
    progress.close()
    assert "importing leads" in capsys.readouterr().err


# ---- align leads export -------------------------------------------------------------------

def _csv_rows(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def test_leads_export_writes_the_leads_a_filter_keeps_in_its_order(db, csv_file, tmp_path):
    """The browser's view from the command line: ranked by the model (seg A scores 70, cell
    A4, an MQL), kept by the filter, in the order asked for, every lead column after the
    scores."""
    imported(db, csv_file)
    out = tmp_path / "won.csv"
    result = run("leads", "export", db, "-o", out, "--filter", "won", "--sort", "amount",
                 "--as-of", "2025-06-30")
    assert result.exit_code == 0, result.output
    assert result.output == (f"exported 2 leads to {out} (model m, filter “won”, by largest "
                             f"amount)\n")
    assert _csv_rows(out.read_text()) == [
        ["rank", "fit", "engagement", "total", "cell", "mql", "knocked_out",
         "lead", "seg", "conv", "closed", "amount"],
        ["1", "70", "0", "70", "A4", "1", "0", "L1", "A", "yes", "2025-01-01", "100"],
        ["3", "0", "0", "0", "D4", "0", "0", "L3", "B", "yes", "2025-01-03", ""]]


def test_leads_export_to_standard_output_by_score(db, csv_file):
    imported(db, csv_file)
    result = run("leads", "export", db)
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.output)
    assert [r[0] for r in rows] == ["rank", "1", "2", "3", "4"]
    assert [r[7] for r in rows[1:]] == ["L1", "L2", "L3", "L4"]


def test_leads_export_refuses_bad_input_and_writes_nothing(db, csv_file, tmp_path):
    out = tmp_path / "out.csv"
    result = run("leads", "export", db, "-o", out)
    assert result.exit_code == 1 and "no leads imported yet" in result.output
    imported(db, csv_file)
    before = db.read_bytes()
    cases = [
        (["--filter", "amount>lots"], "--filter 'amount>lots': amount holds numbers"),
        (["--filter", "nosuch:x"], "--filter 'nosuch:x'"),
        (["--sort", "newest"], "--sort newest: no column of the leads is mapped as created; "
                               "import them with --created COL"),
        (["--model", "other"], "no scoring model 'other'; models: m"),
    ]
    for extra, message in cases:
        result = run("leads", "export", db, "-o", out, *extra)
        assert result.exit_code == 1, (extra, result.output)
        assert result.output.startswith("error: ") and message in result.output, extra
        assert not out.exists()
    result = run("leads", "export", db, "--sort", "best")
    assert result.exit_code == 2 and "'best' is not one of" in result.output
    result = run("leads", "export", db, "-o", db)
    assert result.exit_code == 1 and "is the plan itself" in result.output
    result = run("leads", "export", db, "-o", tmp_path / "missing" / "out.csv")
    assert result.exit_code == 1 and "does not exist" in result.output
    assert db.read_bytes() == before


def test_leads_export_writes_utf8_whatever_the_terminal(db, csv_file, tmp_path):
    """Standard output gets the same UTF-8 CSV as a file, on an ASCII terminal too; `-o -` is
    standard output; a full disk is an error that names standard output."""
    csv_file.write_text(DATA.replace("L1,A", "Zoë 株式会社,A"), encoding="utf-8")
    imported(db, csv_file)
    done = align_process("leads", "export", db, "-o", "-", PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr
    assert "Zoë 株式会社" in done.stdout.decode("utf-8") and done.stderr == b""
    assert run("leads", "export", db, "-o", tmp_path / "x.csv").exit_code == 0
    assert done.stdout == (tmp_path / "x.csv").read_bytes()
    if Path("/dev/full").exists():
        done = align_process("leads", "export", db, shell="> /dev/full")
        assert done.returncode == 1
        assert done.stderr.decode() == ("error: standard output: cannot write (No space left "
                                        "on device)\n")


def test_leads_export_stops_quietly_when_its_reader_does(db, csv_file, tmp_path):
    """`align leads export DB | head -1`: the pipe closes early; no error and no traceback."""
    imported(db, csv_file)
    with PlanStore.open(db) as s:  # enough leads to fill the pipe
        s.db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                     "WHERE i < 50000) INSERT INTO leads (lead, seg, conv) "
                     "SELECT 'X' || i, 'A', 'no' FROM n")
        s.db.conn.commit()
    done = align_process("leads", "export", db, shell="| head -1")
    assert done.stdout.startswith(b"rank,fit,") and done.stdout.count(b"\n") == 1
    assert done.stderr == b""


def test_as_of_today_is_the_default_and_a_bad_day_is_refused(db, csv_file, tmp_path):
    """`--as-of today` reads as the app's as-of box does; a compact or local date does not."""
    import datetime as dt

    imported(db, csv_file)
    today = dt.date.today().isoformat()
    assert json.loads(run("score", db, "--as-of", "today", "--json").stdout)["as_of"] == today
    assert run("leads", "export", db, "--as-of", "TODAY").output == run("leads", "export",
                                                                        db).output
    for bad in ("20250331", "31/03/2025"):
        for command in (["score", db], ["leads", "export", db]):
            result = run(*command, "--as-of", bad)
            assert result.exit_code == 1 and result.stderr == (
                f"error: --as-of: {bad!r} is not a date such as 2026-03-31 (or today)\n")
    # A date rule counting back from the first days of year 1 scores (nothing is that recent).
    with PlanStore.open(db) as s:
        s.save_scoring_model(model(rule("recent", "closed", "within_last_days", 30)))
    early = json.loads(run("score", db, "--as-of", "0001-01-01", "--json").stdout)
    assert early["as_of"] == "0001-01-01" and early["leads"] == 4
    assert run("leads", "export", db, "--as-of", "0001-01-01").exit_code == 0


def test_score_before_any_leads_says_so_rather_than_blaming_a_rule(db):
    for extra in ([], ["--json"], ["--model", "m"]):
        result = run("score", db, *extra)
        assert result.exit_code == 1
        assert result.stderr == "error: no leads imported yet (use `align leads import CSV DB`)\n"
