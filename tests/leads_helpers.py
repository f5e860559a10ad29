"""Shared helpers for the lead scoring tests: import CSV text, build one-rule models, and read
what the SQL engine and the reference evaluator each say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from model.leads import column_types, import_leads_csv
from model.schema import LeadsRoles, ScoringModel
from model.scoring import LeadScore, score_lead_reference, score_leads
from model.store import PlanStore

AS_OF = dt.date(2025, 3, 31)


def write_csv(tmp_path: Path, text: str | bytes, name: str = "leads.csv",
              encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def load(store: PlanStore, tmp_path: Path, text: str | bytes, *, name: str = "leads.csv",
         replace: bool = True, date_format: str | None = None, **roles: Any):
    path = write_csv(tmp_path, text, name)
    return import_leads_csv(store, path, roles=LeadsRoles(**roles), replace=replace,
                            date_format=date_format)


def rule(rule_id: str, field: str, op: str, value: Any = None, *, points: int = 1,
         dimension: str = "fit", knockout: bool = False, enabled: bool = True,
         when: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": rule_id, "dimension": dimension, "points": points, "knockout": knockout,
            "enabled": enabled, "when": when or [{"field": field, "op": op, "value": value}]}


def model(*rules: dict[str, Any], **settings: Any) -> ScoringModel:
    return ScoringModel.model_validate({"id": "m", "name": "M", "rules": list(rules), **settings})


def leads_rows(store: PlanStore) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM leads ORDER BY _row"))


def sql_scores(store: PlanStore, m: ScoringModel, as_of: dt.date = AS_OF) -> dict[Any, LeadScore]:
    return {lead.id if lead.id is not None else lead.row: lead.score
            for lead in score_leads(store, m, as_of=as_of)}


def reference_scores(store: PlanStore, m: ScoringModel, as_of: dt.date = AS_OF,
                     id_column: str = "id") -> dict[Any, LeadScore]:
    types = column_types(store)
    return {row.get(id_column, row["_row"]): score_lead_reference(m, row, as_of=as_of, types=types)
            for row in leads_rows(store)}


def matches(store: PlanStore, field: str, op: str, value: Any = None,
            as_of: dt.date = AS_OF) -> set[Any]:
    """Ids a one-condition rule matches, after checking SQL and the reference agree."""
    m = model(rule("r", field, op, value))
    by_sql = {k for k, s in sql_scores(store, m, as_of).items() if s.fit == 1}
    by_reference = {k for k, s in reference_scores(store, m, as_of).items() if s.fit == 1}
    assert by_sql == by_reference, (field, op, value)
    return by_sql
