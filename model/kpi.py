"""The KPI engine: values, targets, status and key-result progress over one plan snapshot.

Decisions the screens and the command line rely on:

- The latest recording (by `recorded_at`) of a metric for a period is its value. A recording that
  marks the period not applicable gives no value, and a roll-up skips that month.
- Recorded measurements (the plan's own history, whatever their source) take precedence over the
  `extra_measurements` passed in (the leads-derived ones): an explicit figure from a planner is a
  correction of the automatic one, and the leads fill in only what nobody recorded.
- A value recorded directly for a period wins over anything derived for it: for a quarter or a year
  over the roll-up of its parts, for a formula metric over the formula.
- Roll-ups go month → quarter → year (quarters and years are fiscal). Each level combines the
  values its parts have, by the metric's aggregation (sum, avg, last); a quarter in progress thus
  shows its value to date. A formula metric is never rolled up: it is recomputed from the period's
  rolled-up inputs, so a quarter's rate is a ratio of sums, never the mean of monthly rates.
- Status compares with the target by direction, amber within `amber_tolerance` × |target|. While a
  period is in progress (`today` inside it) a summed metric is compared with the share of its
  target that the elapsed share of the period calls for, and nothing is red in the first fifth:
  too early to call.
- Objective progress is the weighted mean of its key results' progress, each clamped to 0..1
  first, so one key result far past its target cannot hide another that has not moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from model import formula as formula_lang
from model.errors import AlignError
from model.formula import Result
from model.periods import (
    Period,
    elapsed_share,
    is_period,
    months_of,
    parse_period,
    quarter_of,
    shift,
    sort_key,
)
from model.schema import KeyResult, Measurement, Metric, Objective, Plan

if TYPE_CHECKING:
    from model.store import PlanStore

Status = Literal["green", "amber", "red"]
STATUS_RANK: dict[str, int] = {"green": 0, "amber": 1, "red": 2}
EARLY_SHARE = 0.2

__all__ = [
    "KeyResultProgress",
    "KpiEngine",
    "ObjectiveProgress",
    "Result",
    "Status",
    "engine_for",
    "format_value",
    "grade",
    "worst_status",
]


@dataclass(frozen=True)
class KeyResultProgress:
    """A key result measured in its objective's period; `progress` is not clamped (1.3 = 130 %)."""

    metric: str
    baseline: float
    actual: float | None
    target: float
    progress: float | None
    status: Status | None
    reason: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class ObjectiveProgress:
    """`progress` is clamped to 0..1; `status` is the worst of its key results' statuses."""

    objective: str
    period: str
    progress: float | None
    status: Status | None
    key_results: list[KeyResultProgress] = field(default_factory=list)
    reason: str = ""


def grade(actual: float, target: float, direction: str, tolerance: float) -> Status:
    """Green on or past the target, amber within `tolerance` × |target| short of it, else red."""
    margin = abs(target) * tolerance
    if direction == "decrease":
        if actual <= target:
            return "green"
        return "amber" if actual <= target + margin else "red"
    if actual >= target:
        return "green"
    return "amber" if actual >= target - margin else "red"


def worst_status(statuses: Iterable[Status | None]) -> Status | None:
    known = [s for s in statuses if s is not None]
    return max(known, key=lambda s: STATUS_RANK[s]) if known else None


def format_value(value: float | None, unit: str = "count") -> str:
    """A value as a planner reads it; percent metrics hold fractions (0.08 shows as 8.0 %)."""
    if value is None:
        return "—"
    if unit == "percent":
        # under 1 %, a second decimal: 0.37 % and 0.40 % are not both "0.4 %"
        return f"{value * 100:,.{2 if 0 < abs(value) < 0.01 else 1}f} %"
    if unit in ("ratio", "score"):
        return f"{value:,.2f}"
    if unit == "days":
        return f"{value:,.1f}"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}"


class KpiEngine:
    """Everything the KPI review and the objectives need, computed once per (metric, period).

    Built from a snapshot, so it never goes stale half-way through a screen refresh; build a new
    one after the plan changes (it is cheap: see bench/bench_kpis.py).
    """

    def __init__(self, plan: Plan, *, extra_measurements: Sequence[Measurement] = (),
                 today: dt.date | None = None, warnings: Sequence[str] = ()) -> None:
        self.plan = plan
        self.warnings = list(warnings)  # what the figures lack, and why (a leads role unmatched)
        self.today = today or dt.date.today()
        self.fy_start = plan.settings.fiscal_year_start
        self.metrics: dict[str, Metric] = {m.id: m for m in plan.metrics}
        self._direct: dict[tuple[str, str], float | None] = {}
        self._sources: dict[tuple[str, str], str] = {}
        self._load_direct(plan.measurements, extra_measurements)
        self._trees: dict[str, formula_lang.Node] = {}
        self._inputs: dict[str, frozenset[str]] = {}
        self._broken: dict[str, str] = {}
        graph: dict[str, set[str]] = {}
        for m in plan.metrics:
            graph[m.id] = set()
            if m.aggregation == "formula" or m.formula:
                if not m.formula:
                    self._broken[m.id] = "aggregation is formula but the metric has no formula"
                    continue
                try:
                    tree = formula_lang.parse(m.formula)
                except formula_lang.FormulaError as exc:
                    self._broken[m.id] = f"the formula cannot be read: {exc}"
                    continue
                self._trees[m.id] = tree
                self._inputs[m.id] = frozenset(formula_lang.references(tree))
                graph[m.id] = set(self._inputs[m.id])
        while cycle := formula_lang.find_cycle(graph):
            text = " → ".join(cycle)
            for node in cycle[:-1]:
                self._broken.setdefault(node, f"the formula depends on itself: {text}")
                graph[node] = set()
        self._order = formula_lang.topological_order(graph)
        self._results: dict[str, dict[str, Result]] = {}
        self._not_applicable: set[tuple[str, str]] = set()
        self._derived_targets: dict[tuple[str, str], float | None] = {}
        self._periods: dict[str, Period] = {}
        self._elapsed: dict[str, float] = {}
        self._statuses: dict[tuple[str, str], Status | None] = {}

    def _load_direct(self, recorded: Iterable[Measurement],
                     extra: Iterable[Measurement]) -> None:
        latest: dict[tuple[str, str], Measurement] = {}
        for m in recorded:
            key = (m.metric, m.period)
            seen = latest.get(key)
            if seen is None or m.recorded_at >= seen.recorded_at:
                latest[key] = m
        fill: dict[tuple[str, str], Measurement] = {}
        for m in extra:
            key = (m.metric, m.period)
            if key in latest:
                continue
            seen = fill.get(key)
            if seen is None or m.recorded_at >= seen.recorded_at:
                fill[key] = m
        for key, m in (latest | fill).items():
            self._direct[key] = None if m.not_applicable else m.value
            self._sources[key] = m.source

    # ---- values ----------------------------------------------------------------------------
    def value(self, metric_id: str, period: str) -> Result:
        """The metric's value in a period, or None with the reason there is none."""
        if metric_id not in self.metrics:
            return Result(None, f"unknown metric {metric_id}")
        return self._period(period)[metric_id]

    def not_applicable(self, metric_id: str, period: str) -> bool:
        self.value(metric_id, period)
        return (metric_id, self._pid(period)) in self._not_applicable

    def source(self, metric_id: str, period: str) -> str | None:
        """Where a directly recorded value came from (manual, import, leads); None if derived."""
        return self._sources.get((metric_id, self._pid(period)))

    def measured_in(self, period: str) -> set[str]:
        """The metrics with a value recorded, imported or derived from the leads in `period` or
        any period within it."""
        months = set(months_of(self._pid(period), self.fy_start))
        return {mid for (mid, p) in self._direct if mid in self.metrics
                and set(months_of(p, self.fy_start)) <= months}

    def periods_with_data(self) -> list[str]:
        return sorted({p for (mid, p) in self._direct if mid in self.metrics}, key=sort_key)

    def latest_period_with_data(self) -> str | None:
        """The latest period with data; a year only when nothing finer has any, since a year's
        one recording (a yearly figure) would otherwise outrank the months of that year so far."""
        periods = self.periods_with_data()
        finer = [p for p in periods if self._parse(p).kind != "year"]
        pool = finer or periods
        return max(pool, key=lambda p: sort_key(p, self.fy_start)) if pool else None

    def _parse(self, period: str) -> Period:
        parsed = self._periods.get(period)
        if parsed is None:
            try:
                parsed = parse_period(period)
            except ValueError as exc:
                raise AlignError(str(exc)) from None
            self._periods[period] = parsed
        return parsed

    def _pid(self, period: str) -> str:
        return self._parse(period).id

    def _children(self, period: str) -> list[str]:
        p = self._parse(period)
        if p.kind == "quarter":
            return months_of(p, self.fy_start)
        months = months_of(p, self.fy_start)
        return [quarter_of(months[i], self.fy_start) for i in (0, 3, 6, 9)]

    def _period(self, period: str) -> dict[str, Result]:
        cached = self._results.get(period)
        if cached is not None:
            return cached
        pid = self._pid(period)
        if pid != period:
            results = self._period(pid)
            self._results[period] = results
            return results
        is_month = self._parse(pid).kind == "month"
        children = [] if is_month else [self._period(c) for c in self._children(pid)]
        child_ids = [] if is_month else self._children(pid)
        results: dict[str, Result] = {}
        for mid in self._order:
            metric = self.metrics.get(mid)
            if metric is None:
                continue
            key = (mid, pid)
            if key in self._direct:
                value = self._direct[key]
                if value is None:
                    self._not_applicable.add(key)
                    results[mid] = Result(None, f"not applicable in {pid}")
                else:
                    results[mid] = Result(float(value))
            elif mid in self._broken:
                results[mid] = Result(None, self._broken[mid])
            elif mid in self._trees:
                results[mid] = self._evaluate(mid, pid, results)
            elif is_month:
                results[mid] = Result(None, f"nothing recorded for {mid} in {pid}")
            else:
                results[mid] = self._roll_up(metric, pid, [c[mid] for c in children], child_ids)
        self._results[pid] = results
        return results

    def _roll_up(self, metric: Metric, period: str, parts: list[Result],
                 part_ids: list[str]) -> Result:
        values = [r.value for r in parts if r.value is not None]
        if not values:
            if all((metric.id, p) in self._not_applicable for p in part_ids):
                self._not_applicable.add((metric.id, period))
                return Result(None, f"not applicable in {period}")
            return Result(None, f"nothing recorded for {metric.id} in {period}")
        if metric.aggregation == "avg":
            return Result(sum(values) / len(values))
        if metric.aggregation == "last":
            return Result(values[-1])
        return Result(sum(values))

    def _evaluate(self, mid: str, period: str, results: dict[str, Result]) -> Result:
        tree = self._trees[mid]
        inputs = {ref: results[ref].value if ref in results else None
                  for ref in self._inputs[mid]}
        missing = sorted(ref for ref, v in inputs.items() if v is None)
        if missing:
            unknown = [r for r in missing if r not in self.metrics]
            na = [r for r in missing if (r, period) in self._not_applicable]
            empty = [r for r in missing if r not in unknown and r not in na]
            parts = []
            if empty:
                parts.append(f"no value for {', '.join(empty)} in {period}")
            if na:
                parts.append(f"{', '.join(na)} not applicable in {period}")
            if unknown:
                parts.append(f"{', '.join(unknown)} not a metric")
            return Result(None, "; ".join(parts))
        return formula_lang.evaluate(tree, inputs)

    def trend(self, metric_id: str, period: str, n: int) -> list[float | None]:
        """Values of the `n` periods of the same kind ending at `period`, oldest first."""
        pid = self._pid(period)
        # before 1900 there are no periods: those steps are gaps, not errors
        return [self.value(metric_id, p).value if is_period(p) else None
                for p in (shift(pid, step) for step in range(1 - n, 1))]

    def trend_periods(self, period: str, n: int) -> list[str]:
        pid = self._pid(period)
        return [p for p in (shift(pid, step) for step in range(1 - n, 1)) if is_period(p)]

    def explain(self, metric_id: str, period: str) -> str:
        """How the value came about, in one line (`ROI = (120,000 − 40,000) / 40,000 = 2.00`)."""
        metric = self.metrics.get(metric_id)
        if metric is None:
            return f"{metric_id}: unknown metric"
        pid = self._pid(period)
        result = self.value(metric_id, pid)
        shown = (format_value(result.value, metric.unit) if result.value is not None
                 else f"no value ({result.reason})")
        if (metric_id, pid) in self._direct:
            source = self._sources.get((metric_id, pid), "manual")
            how = "recorded" if source == "manual" else f"from {source}"
            if result.value is None:
                return f"{metric.name}: {result.reason} ({how})"
            return f"{metric.name} = {shown} ({how} for {pid})"
        if metric_id in self._trees and metric_id not in self._broken:
            results = self._period(pid)
            values: dict[str, float | str | None] = {}
            for ref in self._inputs[metric_id]:
                value = results[ref].value if ref in results else None
                ref_metric = self.metrics.get(ref)
                percent = ref_metric is not None and ref_metric.unit == "percent"
                # as the planner reads and types it: a percent input as a percent
                values[ref] = formula_lang.percent_text(value) if (
                    percent and value is not None) else value
            filled = formula_lang.render(self._trees[metric_id], values)
            return f"{metric.name} = {filled} = {shown}"
        if result.value is None or self._parse(pid).kind == "month":
            return f"{metric.name} = {shown}"
        parts = self._children(pid)
        have = [p for p in parts if self.value(metric_id, p).value is not None]
        label = {"sum": "sum", "avg": "mean", "last": "last"}.get(metric.aggregation, "sum")
        span = ", ".join(have) if len(have) < len(parts) else f"{parts[0]} to {parts[-1]}"
        return f"{metric.name} = {shown} ({label} of {span})"

    # ---- targets and status ----------------------------------------------------------------
    def target(self, metric_id: str, period: str) -> float | None:
        """The target set for the period; for a quarter or year without one, the combination of
        its parts' targets by the metric's aggregation when every part has one."""
        metric = self.metrics.get(metric_id)
        if metric is None:
            return None
        pid = self._pid(period)
        if pid in metric.targets:
            return float(metric.targets[pid])
        if self._parse(pid).kind == "month" or metric.aggregation == "formula":
            return None
        key = (metric_id, pid)
        if key not in self._derived_targets:
            parts = [self.target(metric_id, p) for p in self._children(pid)]
            known = [t for t in parts if t is not None]
            if len(known) != len(parts):
                combined = None
            elif metric.aggregation == "avg":
                combined = sum(known) / len(known)
            elif metric.aggregation == "last":
                combined = known[-1]
            else:
                combined = sum(known)
            self._derived_targets[key] = combined
        return self._derived_targets[key]

    def elapsed(self, period: str) -> float:
        """Share of the period passed on `today` (0 before it starts, 1 once it has ended)."""
        share = self._elapsed.get(period)
        if share is None:
            share = elapsed_share(self._pid(period), self.today, self.fy_start)
            self._elapsed[period] = share
        return share

    def expected(self, metric_id: str, period: str, target: float) -> float:
        """What the target calls for by `today`: a summed metric accrues through the period, a
        rate or average is due as it is."""
        metric = self.metrics.get(metric_id)
        share = self.elapsed(period)
        if metric is not None and metric.aggregation == "sum" and share < 1:
            return target * share
        return target

    def status(self, metric_id: str, period: str) -> Status | None:
        """Green/amber/red against the period's target, paced while the period runs."""
        key = (metric_id, period)
        if key not in self._statuses:
            target = self.target(metric_id, period)
            self._statuses[key] = (None if target is None else self._paced_status(
                metric_id, period, self.value(metric_id, period).value, target))
        return self._statuses[key]

    def _paced_status(self, metric_id: str, period: str, actual: float | None,
                      target: float) -> Status | None:
        metric = self.metrics.get(metric_id)
        if actual is None or metric is None:
            return None
        share = self.elapsed(period)
        result = grade(actual, self.expected(metric_id, period, target), metric.direction,
                       metric.amber_tolerance)
        if result == "red" and share < EARLY_SHARE:
            return "amber"
        return result

    # ---- key results and objectives --------------------------------------------------------
    def key_result_progress(self, kr: KeyResult, period: str) -> KeyResultProgress:
        metric = self.metrics.get(kr.metric)
        result = self.value(kr.metric, period)
        actual = result.value
        progress: float | None = None
        reason = result.reason if actual is None else ""
        if metric is None:
            reason = f"unknown metric {kr.metric}"
        elif actual is not None:
            if kr.target == kr.baseline:
                reason = "target equals baseline, so progress cannot be measured"
            elif metric.direction == "decrease":
                progress = (kr.baseline - actual) / (kr.baseline - kr.target)
            else:
                progress = (actual - kr.baseline) / (kr.target - kr.baseline)
        status = self._paced_status(kr.metric, period, actual, kr.target)
        return KeyResultProgress(metric=kr.metric, baseline=kr.baseline, actual=actual,
                                 target=kr.target, progress=progress, status=status,
                                 reason=reason, weight=kr.weight)

    def objective_progress(self, objective: Objective) -> ObjectiveProgress:
        krs = [self.key_result_progress(kr, objective.period) for kr in objective.key_results]
        status = worst_status(kr.status for kr in krs)
        if not krs:
            return ObjectiveProgress(objective.id, objective.period, None, None, [],
                                     "no key results")
        measured = [kr for kr in krs if kr.progress is not None]
        if not measured:
            return ObjectiveProgress(objective.id, objective.period, None, status, krs,
                                     "no key result has a value yet")
        weight = sum(kr.weight for kr in measured)
        mean = sum(kr.weight * min(max(kr.progress or 0.0, 0.0), 1.0) for kr in measured) / weight
        reason = ("" if len(measured) == len(krs)
                  else f"{len(measured)} of {len(krs)} key results have a value")
        return ObjectiveProgress(objective.id, objective.period, min(max(mean, 0.0), 1.0), status,
                                 krs, reason)


def engine_for(store: PlanStore, *, today: dt.date | None = None) -> KpiEngine:
    """An engine over the store's plan plus what the leads dataset says (source `leads`)."""
    from model.leads_metrics import leads_measurements, role_problems

    plan = store.load_plan(with_reviews=False)  # the engine reads no review
    known = {m.id for m in plan.metrics}
    derived = [m for m in leads_measurements(store.conn, plan.leads,
                                             fy_start=plan.settings.fiscal_year_start)
               if m.metric in known]
    return KpiEngine(plan, extra_measurements=derived, today=today,
                     warnings=role_problems(store.conn, plan.leads))
