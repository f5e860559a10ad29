"""Plans for tests, built through the store API so they follow the schema like real ones."""

from __future__ import annotations

import datetime as dt
import io
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from model.catalog import default_departments, default_metrics
from model.schema import (
    Decision,
    KeyResult,
    Measurement,
    Note,
    Objective,
    Persona,
    Plan,
    PlanSettings,
)
from model.store import PlanStore
from tui import typeahead

TODAY = dt.date(2026, 5, 15)


@pytest.fixture(autouse=True)
def patient_type_ahead(monkeypatch):
    """In Pilot tests, keys wait for the screen however slowly a loaded machine gets it there,
    as on an idle one: the deadline after which held keys go on regardless is a time limit,
    tested on its own (test_typeahead)."""
    monkeypatch.setattr(typeahead, "HOLD_LIMIT", 60.0)


def catalog_plan(name: str = "Acme FY26") -> Plan:
    return Plan(settings=PlanSettings(name=name), departments=default_departments(),
                metrics=default_metrics())


def small_plan(name: str = "Acme FY26") -> Plan:
    """A small but complete plan: a joint objective tree, personas, notes and measurements."""
    plan = catalog_plan(name)
    plan.personas = [
        Persona(id="ops-olivia", name="Operations Olivia", tagline="Runs the numbers",
                role="Head of operations", titles=["COO", "VP Operations"],
                goals=["One view of the funnel"], pain_points=["Manual reporting"],
                channels=["LinkedIn"], last_validated=dt.date(2026, 1, 20)),
        Persona(id="founder-fred", name="Founder Fred", tagline="Buys fast, churns fast"),
    ]
    plan.objectives = [
        Objective(id="grow-smb-pipeline", title="Turn SMB demand into closed revenue",
                  why="SMB leads convert at half the mid-market rate.", period="2026-Q1",
                  owner="marketing", departments=["sales"], state="active", confidence="medium",
                  personas=["ops-olivia"],
                  key_results=[KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11),
                               KeyResult(metric="leads", baseline=300, target=450)]),
        Objective(id="faster-onboarding", title="Onboard new customers in a week",
                  period="2026-Q1", owner="customer-service", parent="grow-smb-pipeline",
                  state="active",
                  key_results=[KeyResult(metric="churn", baseline=0.05, target=0.03)]),
        Objective(id="clean-books", title="Close the books in three days", period="2026-Q1",
                  owner="finance", departments=["sales"], state="draft",
                  key_results=[KeyResult(metric="sales_cost", baseline=100, target=80)]),
        Objective(id="next-quarter-bet", title="Launch the partner channel", period="2026-Q2",
                  owner="sales", state="draft"),
    ]
    plan.measurements = [
        Measurement(metric=m, period=p, value=v, recorded_at="2026-04-02T09:00:00")
        for m, p, v in (("leads", "2026-01", 120), ("leads", "2026-02", 130),
                        ("leads", "2026-03", 140), ("new_customers", "2026-01", 11),
                        ("new_customers", "2026-02", 12), ("new_customers", "2026-03", 14),
                        ("customers_lost", "2026-Q1", 4), ("customers_start", "2026-Q1", 100))
    ]
    plan.notes = [Note(id="n1", objective="grow-smb-pipeline", date=dt.date(2026, 3, 30),
                       text="Sales says SMB leads lack budget", kind="feedback",
                       from_department="sales", to_department="marketing")]
    plan.decisions = [Decision(id="d1", objective="grow-smb-pipeline", date=dt.date(2026, 3, 30),
                               text="Add a budget question to the form", owner="marketing",
                               due=dt.date(2026, 4, 15))]
    return plan


def text_of(widget) -> str:
    """What a Static shows, as plain text (its content may be a Rich renderable)."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def align_process(*args, shell: str = "", **env_vars) -> subprocess.CompletedProcess[bytes]:
    """`align` as a process: the module with these arguments, then `shell` (a pipe, say), with
    these environment variables set; its output as bytes."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **env_vars}
    command = shlex.join([sys.executable, "-m", "tui", *map(str, args)])
    return subprocess.run(f"{command} {shell}", shell=True, capture_output=True, env=env)


def open_plan(path: Path, plan: Plan) -> PlanStore:
    store = PlanStore.open(path)
    store.apply_plan(plan, replace=False)
    return store


@pytest.fixture
def empty_store(tmp_path: Path) -> PlanStore:
    """A new plan with the default departments and KPI catalog, as `align init` makes it."""
    store = open_plan(tmp_path / "p.db", catalog_plan())
    yield store
    store.close()


@pytest.fixture
def plan_store(tmp_path: Path) -> PlanStore:
    store = open_plan(tmp_path / "p.db", small_plan())
    yield store
    store.close()


@pytest.fixture
def empty_app(tmp_path: Path):
    """The workbench on a plan with only the default catalog, `today` pinned."""
    from tui.app import build_app

    store = open_plan(tmp_path / "p.db", catalog_plan())
    yield build_app(store, today=TODAY)
    store.close()
