"""Realignment signals: what the KPI review should put in front of the room before anything else.

Each signal names its subjects by id and says in one sentence what is wrong, so it reads the same
in the review screen, the minutes and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model import formula as formula_lang
from model.kpi import EARLY_SHARE, KpiEngine, format_value
from model.periods import months_of

SignalKind = Literal["wrong_way", "red_key_result", "contradictory_targets", "joint_one_department"]
Severity = Literal["high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
WRONG_WAY_RUN = 3
LOOKBACK = 12


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    severity: Severity
    subjects: tuple[str, ...]
    message: str


def realignment_signals(engine: KpiEngine, period: str) -> list[Signal]:
    """Every signal for the review of `period`, most severe first."""
    signals = (wrong_way(engine, period) + red_key_results(engine, period)
               + contradictory_targets(engine, period)
               + joint_objectives_one_department(engine, period))
    return sorted(signals, key=lambda s: (SEVERITY_RANK[s.severity], s.kind, s.subjects))


def wrong_way(engine: KpiEngine, period: str, run: int = WRONG_WAY_RUN) -> list[Signal]:
    """Metrics that got worse in each of the last `run` (or more) periods up to `period`.

    A summed metric of a period still in progress has only its value to date, which would read
    as a fall against any whole period before it: it is compared at its pace (to date ÷ the
    share of the period passed), and not at all in the period's first fifth, too early to say.
    """
    out = []
    share = engine.elapsed(period)
    for metric in engine.plan.metrics:
        values = engine.trend(metric.id, period, LOOKBACK + 1)
        last = f"{format_value(values[-1], metric.unit)} in {period}" if values else ""
        if metric.aggregation == "sum" and share < 1 and values and values[-1] is not None:
            if share < EARLY_SHARE:  # judged on the whole periods before it
                values = values[:-1]
                prior = engine.trend_periods(period, 2)[:-1]
                last = (f"{format_value(values[-1], metric.unit)} in {prior[0]}"
                        if values and prior else "")
            else:
                paced = values[-1] / share
                last = (f"a pace of {format_value(paced, metric.unit)} in {period} "
                        f"({format_value(values[-1], metric.unit)} so far)")
                values = [*values[:-1], paced]
        streak = 0
        for before, after in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
            if before is None or after is None:
                break
            worse = after < before if metric.direction == "increase" else after > before
            if not worse:
                break
            streak += 1
        if streak >= run:
            first = values[-streak - 1]
            word = "fallen" if metric.direction == "increase" else "risen"
            out.append(Signal(
                "wrong_way", "medium", (metric.id,),
                f"{metric.name} has {word} for {streak} periods in a row, from "
                f"{format_value(first, metric.unit)} to {last}, and "
                f"{'more' if metric.direction == 'increase' else 'less'} is better."))
    return out


def _overlaps(a: str, b: str, fy_start: int) -> bool:
    return bool(set(months_of(a, fy_start)) & set(months_of(b, fy_start)))


def red_key_results(engine: KpiEngine, period: str) -> list[Signal]:
    """Key results in red on active objectives whose period overlaps the reviewed one."""
    out = []
    for objective in engine.plan.objectives:
        if objective.state != "active" or not _overlaps(objective.period, period, engine.fy_start):
            continue
        for kr in objective.key_results:
            progress = engine.key_result_progress(kr, objective.period)
            if progress.status != "red":
                continue
            metric = engine.metrics.get(kr.metric)
            unit = metric.unit if metric else "count"
            name = metric.name if metric else kr.metric
            out.append(Signal(
                "red_key_result", "high", (objective.id, kr.metric),
                f"{name} is red on the active objective “{objective.title}”: "
                f"{format_value(progress.actual, unit)} against a target of "
                f"{format_value(kr.target, unit)} for {objective.period}."))
    return out


def _departments(engine: KpiEngine, metric_ids: list[str]) -> list[str]:
    found: set[str] = set()
    for mid in metric_ids:
        metric = engine.metrics.get(mid)
        if metric:
            found.update(metric.departments)
    return sorted(found)


def _mismatch(implied: float, target: float, tolerance: float) -> bool:
    return abs(implied - target) > abs(target) * tolerance


def contradictory_targets(engine: KpiEngine, period: str) -> list[Signal]:
    """Targets set by different departments that cannot all be met at once.

    Two checks, each only when every target involved exists: the revenue funnel (leads ×
    lead-to-customer × deal size against revenue), and every formula metric's target against its
    formula evaluated at its inputs' targets (CAC, ROI, win rate …).
    """
    out = []
    t = lambda mid: engine.target(mid, period)  # noqa: E731
    revenue = engine.metrics.get("revenue")
    size_from = None
    if t("deal_revenue") is not None and t("deals_won"):
        size_from = (t("deal_revenue") / t("deals_won"), "average deal size",  # type: ignore[operator]
                     ["deal_revenue", "deals_won"])
    elif t("avg_revenue_per_customer") is not None:
        size_from = (t("avg_revenue_per_customer"), "average revenue per customer",
                     ["avg_revenue_per_customer"])
    leads_t, rate_t, revenue_t = t("leads"), t("lead_to_customer"), t("revenue")
    if (revenue is not None and size_from is not None and leads_t is not None
            and rate_t is not None and revenue_t is not None):
        size, size_label, size_ids = size_from
        implied = leads_t * rate_t * size  # type: ignore[operator]
        if _mismatch(implied, revenue_t, revenue.amber_tolerance):
            ids = ["leads", "lead_to_customer", *size_ids, "revenue"]
            gap = (implied - revenue_t) / revenue_t if revenue_t else 0.0
            verdict = (f"{abs(gap):.0%} short of" if implied < revenue_t
                       else f"{gap:.0%} above")
            out.append(Signal(
                "contradictory_targets", "medium" if implied < revenue_t else "low",
                tuple(ids),
                f"Targets for {period} do not add up: {format_value(leads_t)} leads × "
                f"{format_value(rate_t, 'percent')} lead-to-customer × "
                f"{format_value(size, 'currency')} {size_label} = "
                f"{format_value(implied, 'currency')}, {verdict} the revenue target of "
                f"{format_value(revenue_t, 'currency')} (departments: "
                f"{', '.join(_departments(engine, ids))})."))
    for metric in engine.plan.metrics:
        target = t(metric.id) if metric.formula else None
        if target is None or not metric.formula:
            continue
        try:
            tree = formula_lang.parse(metric.formula)
        except formula_lang.FormulaError:
            continue
        inputs = sorted(formula_lang.references(tree))
        values = {mid: t(mid) for mid in inputs}
        if any(v is None for v in values.values()):
            continue
        implied_result = formula_lang.evaluate(tree, values)
        if implied_result.value is None:
            continue
        implied = implied_result.value
        if not _mismatch(implied, target, metric.amber_tolerance):
            continue
        reaches = implied >= target if metric.direction == "increase" else implied <= target
        filled = formula_lang.render(tree, values)
        ids = [*inputs, metric.id]
        out.append(Signal(
            "contradictory_targets", "low" if reaches else "medium", tuple(ids),
            f"The {period} targets of {', '.join(inputs)} give {metric.name} "
            f"{filled} = {format_value(implied, metric.unit)}, but its own target is "
            f"{format_value(target, metric.unit)}"
            f"{'' if reaches else ', which they cannot reach'} (departments: "
            f"{', '.join(_departments(engine, ids))})."))
    return out


def joint_objectives_one_department(engine: KpiEngine,
                                    period: str | None = None) -> list[Signal]:
    """Joint objectives that only one of their departments' metrics measure: the others have
    signed up without a key result of their own. With `period`, only the objectives still open
    (draft or active) whose period overlaps it: one achieved, missed or dropped, or of another
    quarter, is nothing to realign in this review."""
    out = []
    for objective in engine.plan.objectives:
        if not objective.joint or not objective.key_results:
            continue
        if period is not None and (objective.state not in ("draft", "active") or not _overlaps(
                objective.period, period, engine.fy_start)):
            continue
        measured: set[str] = set()
        for kr in objective.key_results:
            metric = engine.metrics.get(kr.metric)
            if metric:
                measured.update(set(metric.departments) & set(objective.departments))
        if len(measured) > 1:
            continue
        others = [d for d in objective.departments if d not in measured]
        # "metrics of sales", not "sales's metrics": department ids are any word
        who = (f"metrics of {next(iter(measured))} only" if measured
               else "no metric of a contributing department")
        out.append(Signal(
            "joint_one_department", "low", (objective.id,),
            f"The joint objective “{objective.title}” is measured by {who}; "
            f"{', '.join(others)} {'has' if len(others) == 1 else 'have'} no key result of "
            f"{'its' if len(others) == 1 else 'their'} own."))
    return out
