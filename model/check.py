"""`align check`: is the plan file sound, and is the plan aligned?"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from pydantic import ValidationError

from model.errors import is_damage
from model.exchange import ENTITY_MODELS
from model.health import health_flags
from model.kpi import engine_for
from model.periods import sort_key
from model.schema import ENTITY_KINDS, Plan, entity_key, reference_errors
from model.signals import realignment_signals
from model.store import PlanStore, format_validation_error


@dataclass
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    health: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    signals_period: str | None = None
    planned: bool = True  # the plan has objectives, whose alignment can be checked

    @property
    def has_errors(self) -> bool:
        return bool(self.integrity)

    def lines(self) -> list[str]:
        out = ["Integrity: " + ("ok" if not self.integrity else f"{len(self.integrity)} problem(s)")]
        out += [f"  ✗ {line}" for line in self.integrity]
        if self.integrity:
            out.append("Alignment health and signals are checked once the integrity problems are fixed.")
            return out
        if not self.planned and not self.health:
            out.append("Alignment health: no objectives yet, so nothing to check (the "
                       "workbench's Objectives area shows what each period lacks)")
        else:
            out.append("Alignment health: " + ("no flags" if not self.health
                                               else f"{len(self.health)} flag(s)"))
        out += [f"  ! {line}" for line in self.health]
        scope = f" for {self.signals_period}" if self.signals_period else " (no measurements yet)"
        out.append(f"Realignment signals{scope}: " + ("none" if not self.signals else f"{len(self.signals)}"))
        out += [f"  ! {line}" for line in self.signals]
        return out


def integrity_problems(store: PlanStore) -> list[str]:
    """Database-level damage, rows that cannot be read or no longer pass the schema, and broken
    links. Damaged rows are reported, never raised: this is the command people run when
    something is wrong. A file too damaged for SQLite to go through is one problem, said so."""
    try:
        return _integrity_problems(store)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return [f"the file is damaged ({exc}): restore it from a backup or a teammate's "
                "exported TOML"]


def _integrity_problems(store: PlanStore) -> list[str]:
    problems = [r["integrity_check"] for r in store.db.query("PRAGMA integrity_check")
                if r["integrity_check"] != "ok"]
    for r in store.db.query("PRAGMA foreign_key_check"):
        problems.append(f"{r['table']}: row {r['rowid']} points to a missing {r['parent']} row")
    loaded: dict[str, list] = {}
    for kind in ENTITY_KINDS:
        try:
            loaded[kind] = store.list(kind)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{kind}: a row cannot be read ({exc})")
    for name, read in (("plan settings", store.settings), ("leads column roles", store.leads_roles)):
        try:
            read()
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{name}: cannot be read ({exc})")
    invalid = False
    for kind, items in loaded.items():
        model = ENTITY_MODELS[kind]
        for entity in items:
            label = entity_key(kind, entity)
            label = " ".join(label) if isinstance(label, tuple) else label
            try:
                model.model_validate(entity.model_dump())
            except ValidationError as exc:
                invalid = True
                problems += format_validation_error(exc, f"{kind}[{label!r}]")
    if len(loaded) == len(ENTITY_KINDS) and not invalid:
        plan = Plan.model_construct(settings=store.settings(), leads=None, **loaded)
        problems += reference_errors(plan)
    return problems


def health_problems(store: PlanStore) -> list[str]:
    """The alignment health flags of every period that has objectives."""
    objectives = store.objectives()
    departments, metrics = store.departments(), store.metrics()
    out = []
    fy_start = store.settings().fiscal_year_start
    for period in sorted({o.period for o in objectives}, key=lambda p: sort_key(p, fy_start)):
        in_period = [o for o in objectives if o.period == period]
        out += [f"{period}: {flag.message}" for flag in health_flags(in_period, departments, metrics)]
    return out


def leads_problems(store: PlanStore) -> list[str]:
    """Leads column roles that name a column the leads lack: the KPIs they feed are not
    counted until the leads are imported again with the role mapped."""
    from model.leads_metrics import role_problems

    return role_problems(store.conn, store.leads_roles())


def scoring_problems(store: PlanStore) -> list[str]:
    """Scoring models that cannot score the leads: an enabled rule names a column the leads
    lack, or an operator or value that does not fit it (`align score` refuses such a model);
    and personas whose match criteria do not fit the leads (their card says so)."""
    from model.leads import column_types, default_as_of
    from model.persona_match import criteria_problems
    from model.scoring import rule_problems

    types = column_types(store)
    if not types:
        return []
    as_of = default_as_of(store, dt.date.today())
    out = []
    for model in store.scoring_models():
        problems = rule_problems(model, types, as_of)
        out += [f"scoring model {model.id!r} cannot score the leads: {problems[rule.id]}"
                for rule in model.rules if rule.enabled and rule.id in problems]
    for persona_id, problem in criteria_problems(store.personas(), types, as_of).items():
        out.append(f"persona {persona_id!r} cannot be matched against the leads: {problem}")
    return out


def signal_lines(store: PlanStore, period: str | None = None) -> tuple[str | None, list[str]]:
    """Realignment signals for `period` (default: the latest period with data)."""
    engine = engine_for(store)
    if period is None:
        period = engine.latest_period_with_data()
    if period is None:
        return None, []
    return period, [f"{period}: {s.message}" for s in realignment_signals(engine, period)]


def check_plan(store: PlanStore, period: str | None = None) -> CheckReport:
    report = CheckReport(integrity=integrity_problems(store))
    if report.integrity:
        return report
    report.health = health_problems(store) + leads_problems(store) + scoring_problems(store)
    report.planned = bool(store.objectives())
    report.signals_period, report.signals = signal_lines(store, period)
    return report
