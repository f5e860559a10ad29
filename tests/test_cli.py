import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.exchange import plan_to_toml
from model.store import PlanStore
from tests.conftest import align_process
from tests.factories import small_plan
from tui.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def plan_db(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
    return db


def test_init_creates_catalog_plan(tmp_path):
    db = tmp_path / "acme.db"
    result = run("init", db)
    assert result.exit_code == 0, result.output
    assert "5 departments, 33 metrics" in result.output
    with PlanStore.open(db) as s:
        assert s.settings().name == "acme"
        assert s.metric("roi").formula == "(revenue - marketing_cost) / marketing_cost"


def test_init_with_name(tmp_path):
    assert run("init", tmp_path / "p.db", "--name", "Acme FY26").exit_code == 0
    with PlanStore.open(tmp_path / "p.db") as s:
        assert s.settings().name == "Acme FY26"


def test_init_refuses_an_existing_file(plan_db):
    before = plan_db.read_bytes()
    result = run("init", plan_db)
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert plan_db.read_bytes() == before


def test_init_into_missing_folder(tmp_path):
    result = run("init", tmp_path / "no" / "p.db")
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_export_to_stdout_and_file(plan_db, tmp_path):
    result = run("export", plan_db)
    assert result.exit_code == 0
    assert result.stdout == plan_to_toml(small_plan())
    out = tmp_path / "out.toml"
    result = run("export", plan_db, "-o", out)
    assert result.exit_code == 0 and out.read_text() == plan_to_toml(small_plan())
    assert f"exported {plan_db} to {out}" in result.stderr


def test_export_errors(tmp_path, plan_db):
    result = run("export", tmp_path / "missing.db")
    assert result.exit_code == 1 and "no such plan" in result.stderr
    assert not (tmp_path / "missing.db").exists()
    result = run("export", plan_db, "-o", tmp_path / "nofolder" / "x.toml")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    text = tmp_path / "notes.txt"
    text.write_text("just text")
    result = run("export", text)
    assert result.exit_code == 1 and "not a SQLite database" in result.stderr


def test_import_merge_prints_the_difference(plan_db, tmp_path):
    toml = tmp_path / "plan.toml"
    toml.write_text(plan_to_toml(small_plan()).replace('name = "Sales"', 'name = "Sales team"'))
    result = run("import", toml, plan_db, "--dry-run")
    assert result.exit_code == 0
    assert "dry run (merge): nothing was written" in result.stdout
    assert "departments: 0 added, 1 changed, 0 removed" in result.stdout
    assert "  ~ sales (name)" in result.stdout
    with PlanStore.open(plan_db) as s:
        assert next(d for d in s.departments() if d.id == "sales").name == "Sales"
    result = run("import", toml, plan_db)
    assert result.exit_code == 0 and "imported" in result.stdout
    with PlanStore.open(plan_db) as s:
        assert next(d for d in s.departments() if d.id == "sales").name == "Sales team"


def test_dry_run_on_an_older_plan_leaves_its_file_as_it_was(plan_db, tmp_path, monkeypatch):
    """Opening an older plan backs it up and migrates it; a dry run writes nothing at all, so
    it looks at a migrated copy in memory."""
    import model.migrations as mig

    with PlanStore.open(plan_db) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    toml = tmp_path / "plan.toml"
    toml.write_text(plan_to_toml(small_plan()).replace('name = "Sales"', 'name = "Sales team"'))

    def m_next(db):
        db.execute("ALTER TABLE departments ADD COLUMN colour TEXT")

    monkeypatch.setattr(mig, "STEPS", [*mig.STEPS, ("m_next_test_column", m_next)])
    files = sorted(p.name for p in tmp_path.iterdir())
    before = plan_db.read_bytes()
    result = run("import", toml, plan_db, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  ~ sales (name)" in result.stdout
    assert plan_db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no backup, no -wal
    result = run("import", toml, plan_db)
    assert result.exit_code == 0, result.output
    assert any(p.name.endswith(".bak") for p in tmp_path.iterdir())
    with PlanStore.open(plan_db) as s:
        assert "colour" in s.db["departments"].columns_dict
        assert next(d for d in s.departments() if d.id == "sales").name == "Sales team"


def test_import_replace_removes(plan_db, tmp_path):
    doc = plan_to_toml(small_plan())
    head = doc.split("[[departments]]")[0]
    toml = tmp_path / "tiny.toml"
    toml.write_text(head + '[[departments]]\nid = "sales"\nname = "Sales"\n')
    result = run("import", toml, plan_db, "--replace")
    assert result.exit_code == 0, result.output
    assert "departments: 0 added, 0 changed, 4 removed" in result.stdout
    with PlanStore.open(plan_db) as s:
        assert [d.id for d in s.departments()] == ["sales"] and s.objectives() == []


def test_import_into_new_file_creates_the_plan(tmp_path):
    toml = tmp_path / "plan.toml"
    toml.write_text(plan_to_toml(small_plan()))
    result = run("import", toml, tmp_path / "new.db")
    assert result.exit_code == 0
    assert run("export", tmp_path / "new.db").stdout == toml.read_text()


def test_import_unknown_key_warns(plan_db, tmp_path):
    toml = tmp_path / "plan.toml"
    toml.write_text(plan_to_toml(small_plan()).replace("fiscal_year_start = 1", "fiscal_year_start = 1\ncolor = 1"))
    result = run("import", toml, plan_db)
    assert result.exit_code == 0
    assert f"warning: {toml}: color: unknown key, ignored" in result.stderr


def test_check_clean_plan(plan_db):
    result = run("check", plan_db)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Integrity: ok")
    assert "Alignment health:" in result.stdout and "Realignment signals" in result.stdout


def test_check_on_a_plan_without_objectives_says_there_is_nothing_to_check(tmp_path):
    """Not "no flags", which read as a healthy plan while the workbench flags every department
    of the period as owning no objective."""
    plan = tmp_path / "new.db"
    assert run("init", plan).exit_code == 0
    result = run("check", plan)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "Alignment health: no objectives yet, so nothing to check (the workbench's Objectives "
        "area shows what each period lacks)")


def test_check_reports_health_flags(tmp_path):
    db = tmp_path / "p.db"
    run("init", db)
    from model.schema import Objective

    with PlanStore.open(db) as s:
        s.save_objective(Objective(id="lonely", title="No key results", period="2026-Q1", owner="sales"))
    result = run("check", db)
    assert result.exit_code == 0
    assert "2026-Q1:" in result.stdout and "lonely" in result.stdout


def test_check_finds_damage(plan_db):
    conn = sqlite3.connect(plan_db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE objectives SET owner = 'legal' WHERE id = 'company-growth'")
    conn.execute("UPDATE objectives SET period = '2026-Q9' WHERE id = 'grow-smb-pipeline'")
    conn.commit()
    conn.close()
    result = run("check", plan_db)
    assert result.exit_code == 1
    assert "Integrity: " in result.stdout and "problem" in result.stdout
    assert "objectives: row" in result.stdout or "unknown department 'legal'" in result.stdout
    assert "2026-Q9" in result.stdout


def test_check_bad_period(plan_db):
    result = run("check", plan_db, "--period", "Q1")
    assert result.exit_code == 1 and result.stderr.startswith("error: --period")


def test_usage_errors_exit_2(plan_db):
    assert run("import").exit_code == 2
    assert run("export", plan_db, "--bogus").exit_code == 2
    assert run(plan_db, "extra").exit_code == 2


ENV = {**os.environ, "PYTHONPATH": os.getcwd()}


def test_real_subprocess_export_import(tmp_path, plan_db):
    out = tmp_path / "x.toml"
    done = subprocess.run([sys.executable, "-m", "tui", "export", str(plan_db), "-o", str(out)],
                          capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr
    assert tomllib.loads(out.read_text())["name"] == "Acme FY26"
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 'align-plan'\nversion = 1\n[[objectives]]\nid = 'Not A Slug'\n")
    done = subprocess.run([sys.executable, "-m", "tui", "import", str(bad), str(plan_db)],
                          capture_output=True, text=True, env=ENV)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "objectives[0].id" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_export_and_import_do_not_load_textual(tmp_path, plan_db):
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        f"main(['export', {str(plan_db)!r}, '-o', {str(tmp_path / 'a.toml')!r}], standalone_mode=False)\n"
        f"main(['import', {str(tmp_path / 'a.toml')!r}, {str(plan_db)!r}], standalone_mode=False)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')], 'ui loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr


def test_model_package_never_imports_textual_or_rich():
    code = (
        "import importlib, pkgutil, sys, model\n"
        "for info in pkgutil.iter_modules(model.__path__):\n"
        "    importlib.import_module('model.' + info.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr


def test_export_to_standard_output_is_utf8_on_any_terminal(tmp_path, plan_db):
    """TOML is UTF-8: `align export DB > file` holds what `-o file` writes, on a Latin-1
    terminal too; a full disk or a reader that has gone ends it with one line or none."""
    with PlanStore.open(plan_db) as s:
        s.save_settings(s.settings().model_copy(update={"name": "Zoë – 株式会社 FY26"}))
    done = align_process("export", plan_db, PYTHONIOENCODING="latin-1")
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert run("export", plan_db, "-o", tmp_path / "x.toml").exit_code == 0
    assert done.stdout == (tmp_path / "x.toml").read_bytes()
    assert tomllib.loads(done.stdout.decode("utf-8"))["name"] == "Zoë – 株式会社 FY26"
    if Path("/dev/full").exists():
        done = align_process("export", plan_db, shell="> /dev/full")
        assert (done.returncode, done.stderr) == (
            1, b"error: standard output: cannot write (No space left on device)\n")
    # The reader closes its end before the export writes a byte.
    done = align_process("export", plan_db, shell="| (exec 0<&-; sleep 1)")
    assert done.stderr == b""


def test_an_empty_plan_name_is_named_as_such(tmp_path, monkeypatch):
    """`align init ""` and the rest: not "'.' is a folder", but what is wrong."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.toml").write_text("")
    for args in (["init", ""], ["export", ""], ["score", ""], ["kpis", ""], [""],
                 ["import", "p.toml", "", "--dry-run"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: DB is empty: give the "), args
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_rules_that_cannot_score_the_leads_are_warned_of_on_import_and_flagged_by_check(
        tmp_path):
    import shutil

    plan = tmp_path / "plan.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "sample.db", plan)
    assert run("export", plan, "-o", tmp_path / "plan.toml").exit_code == 0
    text = (tmp_path / "plan.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('{ field = "industry", op = "in"',
                                '{ field = "budget", op = "in"', 1))
    result = run("import", bad, plan)
    assert result.exit_code == 0, result.output  # taken: the leads may change
    assert ("warning: " + str(bad) + ": scoring_models[0].rules[0]: rule 'fit-core-industry', "
            "field 'budget': no such column") in result.stderr
    assert "cannot score this plan's leads until the rule is fixed or off" in result.stderr
    check = run("check", plan)
    assert ("! scoring model 'northwind-b2b' cannot score the leads: rule 'fit-core-industry', "
            "field 'budget'") in check.stdout
    assert run("score", plan).exit_code == 1


def test_check_flags_personas_whose_criteria_no_longer_fit_the_leads(tmp_path):
    """As a rule that cannot score: a persona's criterion on a column the leads lack, or with an
    operator that does not suit the column, is a flag, not silence."""
    import shutil

    from model.schema import Condition
    from model.store import PlanStore

    plan = tmp_path / "plan.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "sample.db", plan)
    assert "persona" not in run("check", plan).stdout
    with PlanStore.open(plan) as store:
        olivia = store.persona("ops-olivia")
        store.save_persona(olivia.model_copy(update={"match": [
            *olivia.match, Condition(field="seniority", op="eq", value="VP")]}))
        fiona = store.persona("finance-fiona")
        store.save_persona(fiona.model_copy(update={"match": [
            Condition(field="employees", op="contains", value="x")]}))
    check = run("check", plan)
    assert check.exit_code == 0
    assert ("! persona 'ops-olivia' cannot be matched against the leads: criterion on field "
            "'seniority': no such column in the leads dataset") in check.stdout
    assert ("! persona 'finance-fiona' cannot be matched against the leads: criterion on field "
            "'employees': operator contains does not apply to a number column") in check.stdout


def test_a_workbench_that_stopped_on_an_error_exits_not_0(tmp_path, monkeypatch):
    """Textual prints the traceback of an app that fails; the command used to exit 0 after it."""
    from textual.app import App

    import tui.app

    class Failing(App):
        def on_mount(self) -> None:
            raise RuntimeError("a screen failed")

        def run(self, **kwargs):  # noqa: ANN003 - no terminal under the tests
            return super().run(headless=True)

    monkeypatch.setattr(tui.app, "build_app", lambda store: Failing())
    store = PlanStore.open(tmp_path / "p.db")
    try:
        assert tui.app.run_app(store) == 1
    finally:
        store.close()
    monkeypatch.setattr(tui.app, "run_app", lambda store: 1)
    assert run(tmp_path / "q.db").exit_code == 1
    monkeypatch.setattr(tui.app, "run_app", lambda store: 0)
    assert run(tmp_path / "q.db").exit_code == 0
