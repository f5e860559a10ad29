"""`align check`: is the plan file sound, and is the plan aligned?"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from model.exchange import ENTITY_MODELS
from model.schema import ENTITY_KINDS, reference_errors
from model.store import PlanStore, format_validation_error


@dataclass
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    health: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.integrity)

    def lines(self) -> list[str]:
        out = ["Integrity: " + ("ok" if not self.integrity else f"{len(self.integrity)} problem(s)")]
        out += [f"  ✗ {line}" for line in self.integrity]
        out.append("Alignment health: " + ("no flags" if not self.health else f"{len(self.health)} flag(s)"))
        out += [f"  ! {line}" for line in self.health]
        out.append("Realignment signals: " + ("none" if not self.signals else f"{len(self.signals)}"))
        out += [f"  ! {line}" for line in self.signals]
        return out


def integrity_problems(store: PlanStore) -> list[str]:
    """Database-level damage and rows that no longer pass the schema."""
    problems = [r["integrity_check"] for r in store.db.query("PRAGMA integrity_check")
                if r["integrity_check"] != "ok"]
    for r in store.db.query("PRAGMA foreign_key_check"):
        problems.append(f"{r['table']}: row {r['rowid']} points to a missing {r['parent']} row")
    plan = store.load_plan()
    for kind in ENTITY_KINDS:
        model = ENTITY_MODELS[kind]
        for i, entity in enumerate(getattr(plan, kind)):
            try:
                model.model_validate(entity.model_dump())
            except ValidationError as exc:
                problems += format_validation_error(exc, f"{kind}[{i}]")
    problems += reference_errors(plan)
    return problems


def check_plan(store: PlanStore) -> CheckReport:
    report = CheckReport(integrity=integrity_problems(store))
    return report
