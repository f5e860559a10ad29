"""`align kpis` through click's CliRunner: the text table, the JSON shape and the exit codes."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.catalog import default_departments, default_metrics
from model.schema import KeyResult, Measurement, Objective, Plan
from model.store import PlanStore
from tui.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "kpis-json.md"
TOP_KEYS = ["format", "version", "period", "as_of", "elapsed", "kpis", "signals"]
KPI_KEYS = ["metric", "name", "unit", "direction", "departments", "actual", "target", "variance",
            "variance_share", "status", "previous", "trend", "not_applicable", "reason",
            "explain"]
SIGNAL_KEYS = ["kind", "severity", "subjects", "message"]


def rec(mid, period, value):
    return Measurement(metric=mid, period=period, value=value, recorded_at="2026-03-01T00:00:00")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "plan.db"
    metrics = default_metrics()
    for m in metrics:
        if m.id == "roi":
            m.targets = {"2026-02": 1.8}
        if m.id == "revenue":
            m.targets = {"2026-02": 150_000}
    measurements = [rec("revenue", "2026-01", 90_000), rec("marketing_cost", "2026-01", 60_000),
                    rec("revenue", "2026-02", 120_000), rec("marketing_cost", "2026-02", 40_000),
                    rec("leads", "2026-02", 0)]
    objective = Objective(id="grow", title="Grow revenue", period="2026-Q1", owner="sales",
                          state="active",
                          key_results=[KeyResult(metric="revenue", baseline=0, target=900_000)])
    with PlanStore.open(path) as store:
        store.apply_plan(Plan(departments=default_departments(), metrics=metrics,
                              measurements=measurements, objectives=[objective]), replace=False)
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_as_of_today_and_a_bad_day(db):
    import datetime as dt

    doc = json.loads(run("kpis", db, "--period", "2026-02", "--as-of", "today", "--json").stdout)
    assert doc["as_of"] == dt.date.today().isoformat()
    result = run("kpis", db, "--as-of", "20260601")
    assert result.exit_code == 1
    assert result.stderr == ("error: --as-of: '20260601' is not a date such as 2026-03-31 "
                             "(or today)\n")


def test_json_shape_and_values(db):
    result = run("kpis", db, "--period", "2026-02", "--as-of", "2026-06-01", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == TOP_KEYS
    assert (doc["format"], doc["version"], doc["period"]) == ("align-kpis", 1, "2026-02")
    assert (doc["as_of"], doc["elapsed"]) == ("2026-06-01", 1.0)
    assert [k["metric"] for k in doc["kpis"]] == sorted(m.id for m in default_metrics())
    for row in doc["kpis"]:
        assert list(row) == KPI_KEYS
    roi = next(k for k in doc["kpis"] if k["metric"] == "roi")
    assert roi["actual"] == pytest.approx(2.0)
    assert roi["target"] == pytest.approx(1.8)
    assert roi["variance"] == pytest.approx(0.2)
    assert roi["variance_share"] == pytest.approx(0.2 / 1.8)
    assert (roi["status"], roi["trend"], roi["previous"]) == ("green", "up", pytest.approx(0.5))
    assert roi["departments"] == ["finance", "marketing"]
    assert roi["reason"] is None
    assert roi["explain"] == "Marketing ROI = (120,000 − 40,000) / 40,000 = 2.00"
    revenue = next(k for k in doc["kpis"] if k["metric"] == "revenue")
    assert (revenue["status"], revenue["variance"]) == ("red", -30_000)
    l2c = next(k for k in doc["kpis"] if k["metric"] == "lead_to_customer")
    assert l2c["actual"] is None
    assert l2c["reason"] == "no value for new_customers in 2026-02"
    assert l2c["status"] is None and l2c["trend"] is None


def test_json_signals(db):
    doc = json.loads(run("kpis", db, "--period", "2026-Q1", "--as-of", "2026-06-01",
                         "--json").stdout)
    assert doc["signals"]
    for signal in doc["signals"]:
        assert list(signal) == SIGNAL_KEYS
    assert doc["signals"][0]["kind"] == "red_key_result"
    assert doc["signals"][0]["subjects"] == ["grow", "revenue"]


def test_default_period_is_the_latest_with_data(db):
    doc = json.loads(run("kpis", db, "--json", "--as-of", "2026-06-01").stdout)
    assert doc["period"] == "2026-02"


def test_a_yearly_figure_does_not_outrank_the_months_so_far(db):
    with PlanStore.open(db) as store:
        store.record_measurement(rec("sales_cycle_length", "2026", 41))
    doc = json.loads(run("kpis", db, "--json", "--as-of", "2026-06-01").stdout)
    assert doc["period"] == "2026-02"


def test_pace_follows_as_of(db):
    doc = json.loads(run("kpis", db, "--period", "2026-02", "--as-of", "2026-02-03",
                         "--json").stdout)
    assert doc["elapsed"] == pytest.approx(round(3 / 28, 4))
    revenue = next(k for k in doc["kpis"] if k["metric"] == "revenue")
    assert revenue["status"] == "green"


def test_text_table(db):
    result = run("kpis", db, "--period", "2026-02", "--as-of", "2026-06-01")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "KPI review 2026-02 (as of 2026-06-01)"
    assert re.split(r"\s{2,}", lines[2]) == ["metric", "actual", "target", "variance", "status",
                                             "trend", "owners"]
    roi = next(line for line in lines if line.startswith("Marketing ROI"))
    assert re.split(r"\s{2,}", roi) == ["Marketing ROI", "2.00", "1.80", "+0.20 (+11%)",
                                        "green", "↑", "finance, marketing"]
    revenue = next(line for line in lines if re.match(r"Revenue\s{2,}", line))
    assert "−30,000 (−20%)" in revenue and "red" in revenue


@pytest.mark.parametrize("period", ["2026-Q5", "26", "2026-13", "next"])
def test_bad_period_is_one_error_line(db, period):
    result = run("kpis", db, "--period", period)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: --period: ")
    assert result.stderr.count("\n") == 1


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.db"
    result = run("kpis", str(missing))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert not missing.exists()


def test_plan_without_measurements(tmp_path):
    path = tmp_path / "empty.db"
    PlanStore.open(path).close()
    result = run("kpis", str(path))
    assert result.exit_code == 1
    assert "--period" in result.stderr


def test_bad_as_of(db):
    result = run("kpis", db, "--as-of", "yesterday")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --as-of")


def test_usage_errors_exit_2(db):
    assert run("kpis").exit_code == 2
    assert run("kpis", db, "--bogus").exit_code == 2
    assert run("kpis", db, "--period").exit_code == 2


def test_every_json_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for key in TOP_KEYS + KPI_KEYS + SIGNAL_KEYS:
        assert f"| `{key}` |" in text, key


def test_model_modules_do_not_import_textual_or_rich():
    import subprocess
    import sys
    code = ("import sys, model.kpi, model.signals, model.leads_metrics, tui.cli_kpis; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    assert out.stdout.strip() == "[]"


def test_a_leads_role_the_leads_lack_is_a_warning_and_the_rest_is_printed(tmp_path):
    import shutil

    from model.schema import LeadsRoles

    path = tmp_path / "plan.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "sample.db", path)
    with PlanStore.open(path) as store:
        roles = store.leads_roles()
        store.save_leads_roles(LeadsRoles(**{**roles.model_dump(), "outcome": "stage"}))
    result = CliRunner().invoke(main, ["kpis", str(path), "--period", "2026-Q2"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: the leads column role outcome names 'stage'")
    assert "Revenue" in result.stdout
