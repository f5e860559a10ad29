"""Schema changes, applied in order through sqlite-utils' Migrations. Append only: never edit one
that has shipped, add the next instead.

The steps are kept in `STEPS` and handed to sqlite-utils only when some are pending: opening an
up-to-date plan (every start-up) reads the applied names with one query and never imports
sqlite-utils."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "align"
# The table sqlite-utils' Migrations records applied steps in.
APPLIED_TABLE = "_sqlite_migrations"

STEPS: list[tuple[str, Callable[[Database], None]]] = []


def step(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
        STEPS.append((name, fn))
        return fn

    return register


def applied_names(conn: sqlite3.Connection) -> list[str]:
    """The names of the steps applied to this plan, in the order they were applied."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    [APPLIED_TABLE]).fetchone() is None:
        return []
    return [r[0] for r in conn.execute(
        f"SELECT name FROM {APPLIED_TABLE} WHERE migration_set = ? ORDER BY rowid",
        [MIGRATION_SET])]


def pending(conn: sqlite3.Connection) -> list[str]:
    done = set(applied_names(conn))
    return [name for name, _ in STEPS if name not in done]


def apply(db: Database) -> None:
    """Apply the pending steps, in order, through sqlite-utils' Migrations."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in STEPS:
        migrations(name=name)(fn)
    migrations.apply(db)

_STAMPS = "created_at TEXT NOT NULL, updated_at TEXT NOT NULL"

_INITIAL = [
    f"""CREATE TABLE align_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, {_STAMPS})""",
    f"""CREATE TABLE plan (
        id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,
        fiscal_year_start INTEGER NOT NULL DEFAULT 1, {_STAMPS})""",
    f"""CREATE TABLE departments (id TEXT PRIMARY KEY, name TEXT NOT NULL, {_STAMPS})""",
    f"""CREATE TABLE personas (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, tagline TEXT, role TEXT, titles TEXT,
        seniority TEXT, company_size TEXT, industry TEXT, demographics TEXT, goals TEXT,
        pain_points TEXT, buying_triggers TEXT, decision_criteria TEXT, objections TEXT,
        channels TEXT, content_formats TEXT, quotes TEXT, key_messages TEXT,
        plays_marketing TEXT, plays_sales TEXT, plays_product TEXT, research_basis TEXT,
        last_validated TEXT, match TEXT, {_STAMPS})""",
    f"""CREATE TABLE metrics (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, unit TEXT NOT NULL,
        direction TEXT NOT NULL, aggregation TEXT NOT NULL, formula TEXT,
        amber_tolerance REAL NOT NULL DEFAULT 0.1, {_STAMPS})""",
    f"""CREATE TABLE metric_departments (
        metric TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
        department TEXT NOT NULL REFERENCES departments(id),
        {_STAMPS}, PRIMARY KEY (metric, department))""",
    f"""CREATE TABLE metric_targets (
        metric TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
        period TEXT NOT NULL, target REAL NOT NULL, {_STAMPS}, PRIMARY KEY (metric, period))""",
    f"""CREATE TABLE measurements (
        id INTEGER PRIMARY KEY,
        metric TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
        period TEXT NOT NULL, value REAL, not_applicable INTEGER NOT NULL DEFAULT 0,
        note TEXT, source TEXT NOT NULL, recorded_at TEXT NOT NULL, {_STAMPS},
        UNIQUE (metric, period, recorded_at))""",
    f"""CREATE TABLE objectives (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, why TEXT, period TEXT NOT NULL,
        owner TEXT NOT NULL REFERENCES departments(id),
        parent TEXT REFERENCES objectives(id) ON DELETE SET NULL,
        state TEXT NOT NULL, confidence TEXT, {_STAMPS})""",
    f"""CREATE TABLE objective_departments (
        objective TEXT NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
        department TEXT NOT NULL REFERENCES departments(id),
        {_STAMPS}, PRIMARY KEY (objective, department))""",
    f"""CREATE TABLE objective_personas (
        objective TEXT NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
        persona TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
        {_STAMPS}, PRIMARY KEY (objective, persona))""",
    f"""CREATE TABLE key_results (
        objective TEXT NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, metric TEXT NOT NULL REFERENCES metrics(id),
        baseline REAL NOT NULL, target REAL NOT NULL, weight REAL NOT NULL DEFAULT 1,
        {_STAMPS}, PRIMARY KEY (objective, position))""",
    f"""CREATE TABLE notes (
        id TEXT PRIMARY KEY,
        objective TEXT REFERENCES objectives(id) ON DELETE CASCADE,
        metric TEXT REFERENCES metrics(id) ON DELETE CASCADE,
        date TEXT NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL,
        from_department TEXT REFERENCES departments(id),
        to_department TEXT REFERENCES departments(id), {_STAMPS})""",
    f"""CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        objective TEXT REFERENCES objectives(id) ON DELETE CASCADE,
        metric TEXT REFERENCES metrics(id) ON DELETE CASCADE,
        date TEXT NOT NULL, text TEXT NOT NULL,
        owner TEXT NOT NULL REFERENCES departments(id), due TEXT, state TEXT NOT NULL,
        answers TEXT REFERENCES notes(id) ON DELETE SET NULL, {_STAMPS})""",
    f"""CREATE TABLE scoring_models (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, fit_cap INTEGER NOT NULL,
        engagement_cap INTEGER NOT NULL, fit_bands TEXT NOT NULL, engagement_bands TEXT NOT NULL,
        mql_cells TEXT NOT NULL, mql_min_total INTEGER, {_STAMPS})""",
    f"""CREATE TABLE rules (
        model TEXT NOT NULL REFERENCES scoring_models(id) ON DELETE CASCADE,
        id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT, dimension TEXT NOT NULL,
        conditions TEXT NOT NULL, points INTEGER NOT NULL, knockout INTEGER NOT NULL,
        enabled INTEGER NOT NULL, rationale TEXT, owner TEXT REFERENCES departments(id),
        {_STAMPS}, PRIMARY KEY (model, id))""",
    f"""CREATE TABLE leads_roles (
        id INTEGER PRIMARY KEY CHECK (id = 1), id_column TEXT, outcome TEXT, won_values TEXT,
        created TEXT, closed TEXT, amount TEXT, date_format TEXT, {_STAMPS})""",
    f"""CREATE TABLE leads_columns (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, type TEXT NOT NULL, {_STAMPS})""",
    "CREATE INDEX measurements_metric_period ON measurements (metric, period, recorded_at)",
    "CREATE INDEX objectives_period ON objectives (period)",
    "CREATE INDEX key_results_metric ON key_results (metric)",
]


@step("m001_initial")
def m001_initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)


def latest_version() -> int:
    return len(STEPS)


def applied_version(conn: sqlite3.Connection) -> int:
    return len(applied_names(conn))


@step("m002_reviews")
def m002_reviews(db: Database) -> None:
    """Review sessions: the summary of each KPI review meeting, kept as a JSON document so the
    minutes can be rendered again exactly as the room saw them."""
    db.execute(f"""CREATE TABLE reviews (
        id TEXT PRIMARY KEY, period TEXT NOT NULL, date TEXT NOT NULL,
        summary TEXT NOT NULL, {_STAMPS})""")
    db.execute("CREATE INDEX reviews_period ON reviews (period, date)")


@step("m003_leads_outcome_values")
def m003_leads_outcome_values(db: Database) -> None:
    """The outcome column's distinct values, recorded in align_meta by every import so a
    backtest need not read every lead to find the won ones (`model.leads.outcome_values`).
    Recorded here for leads imported before; and since an older Align would import without
    keeping the record, this step also keeps older versions from opening the plan."""
    from model.leads import LEADS_TABLE, record_outcome_values
    from model.schema import LeadsRoles

    conn = db.conn
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if LEADS_TABLE not in tables:
        return
    row = conn.execute("SELECT outcome FROM leads_roles WHERE id = 1").fetchone()
    columns = {r[0] for r in conn.execute("SELECT name FROM leads_columns")}
    if row is not None and row[0] in columns:
        record_outcome_values(conn, LeadsRoles.model_construct(outcome=row[0]))
