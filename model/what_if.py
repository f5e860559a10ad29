"""What-if: the same plan with some inputs changed for one period, compared with the plan as it is.

Nothing here writes. An override is a recording that postdates every real one, added to a copy of
the plan snapshot, so the engine's own rules decide what it changes: a value set for a quarter
replaces that quarter's roll-up, and every formula over it is recomputed from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from model.kpi import KpiEngine, Status, format_value
from model.numbers import typed_number
from model.periods import months_of, parse_period
from model.schema import Measurement, Plan

if TYPE_CHECKING:
    from model.store import PlanStore

OVERRIDE_STAMP = "9999-12-31T23:59:59"
ChangeKind = Literal["metric", "key_result", "objective"]


@dataclass(frozen=True)
class PlanSnapshot:
    """What an engine is built from; kept so a what-if engine can be built from the same."""

    plan: Plan
    extra: tuple[Measurement, ...]
    today: dt.date
    warnings: tuple[str, ...] = ()

    def engine(self, overrides: Mapping[str, float] | None = None,
               period: str | None = None) -> KpiEngine:
        plan = self.plan
        if overrides:
            assert period is not None
            pid = parse_period(period).id
            added = [Measurement.model_construct(
                metric=mid, period=pid, value=float(value), not_applicable=False,
                note="what-if", source="manual", recorded_at=OVERRIDE_STAMP)
                for mid, value in overrides.items()]
            plan = plan.model_copy(update={"measurements": [*plan.measurements, *added]})
        return KpiEngine(plan, extra_measurements=self.extra, today=self.today,
                         warnings=self.warnings)


def snapshot_of(store: PlanStore, today: dt.date | None = None) -> PlanSnapshot:
    """The plan and its leads-derived measurements (as `engine_for` builds them)."""
    from model.leads_metrics import leads_measurements, role_problems

    plan = store.load_plan(with_reviews=False)  # what-if reads no review
    known = {m.id for m in plan.metrics}
    derived = tuple(m for m in leads_measurements(store.conn, plan.leads,
                                                  fy_start=plan.settings.fiscal_year_start)
                    if m.metric in known)
    return PlanSnapshot(plan, derived, today or dt.date.today(),
                        tuple(role_problems(store.conn, plan.leads)))


def inputs_of(engine: KpiEngine, metric_id: str) -> list[str]:
    """What a planner can change to move a metric: its formula's inputs, or the metric itself."""
    metric = engine.metrics.get(metric_id)
    if metric is None:
        return []
    if metric.formula:
        return sorted(i for i in metric.inputs() if i in engine.metrics)
    return [metric_id]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    subject: str
    label: str
    before: str
    after: str
    before_status: Status | None
    after_status: Status | None


def _overlaps(a: str, b: str, fy_start: int) -> bool:
    return bool(set(months_of(a, fy_start)) & set(months_of(b, fy_start)))


def _progress_text(progress: float | None) -> str:
    return "—" if progress is None else f"{progress:.0%}"


def compare(before: KpiEngine, after: KpiEngine, period: str) -> list[Change]:
    """Every metric, key result and objective whose value, progress or status differs."""
    out: list[Change] = []
    for metric in before.plan.metrics:
        b, a = before.value(metric.id, period), after.value(metric.id, period)
        bs, as_ = before.status(metric.id, period), after.status(metric.id, period)
        if b.value != a.value or bs != as_:
            out.append(Change("metric", metric.id, metric.name,
                              format_value(b.value, metric.unit), format_value(a.value, metric.unit),
                              bs, as_))
    for objective in before.plan.objectives:
        if objective.state in ("dropped",) or not _overlaps(objective.period, period,
                                                           before.fy_start):
            continue
        bp, ap = before.objective_progress(objective), after.objective_progress(objective)
        for kb, ka in zip(bp.key_results, ap.key_results, strict=True):
            if kb.progress != ka.progress or kb.status != ka.status:
                metric = before.metrics.get(kb.metric)
                unit = metric.unit if metric else "count"
                name = metric.name if metric else kb.metric
                out.append(Change("key_result", f"{objective.id}/{kb.metric}",
                                  f"{objective.title}: {name}",
                                  f"{format_value(kb.actual, unit)} ({_progress_text(kb.progress)})",
                                  f"{format_value(ka.actual, unit)} ({_progress_text(ka.progress)})",
                                  kb.status, ka.status))
        if bp.progress != ap.progress or bp.status != ap.status:
            out.append(Change("objective", objective.id, objective.title,
                              _progress_text(bp.progress), _progress_text(ap.progress),
                              bp.status, ap.status))
    return out


def parse_overrides(texts: Mapping[str, str], percent_ids: frozenset[str] = frozenset()
                    ) -> tuple[dict[str, float], dict[str, str]]:
    """Numbers typed for inputs (blank = leave as it is), and a message per field that is not one.
    Percent metrics are typed in percent (8.5 means 8.5 %), as the screens show them."""
    values: dict[str, float] = {}
    errors: dict[str, str] = {}
    for mid, text in texts.items():
        if not text.strip():
            continue
        try:
            value = typed_number(text, percent=mid in percent_ids)
        except ValueError as exc:
            errors[mid] = str(exc)
            continue
        if value != value or abs(value) > 1e15:
            errors[mid] = "out of range"
            continue
        values[mid] = value
    return values, errors


def overrides_changed(engine: KpiEngine, overrides: Mapping[str, float], period: str) -> bool:
    return any(engine.value(mid, period).value != v for mid, v in overrides.items())


__all__: Sequence[str] = ("Change", "PlanSnapshot", "compare", "inputs_of", "overrides_changed",
                          "parse_overrides", "snapshot_of")
