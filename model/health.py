"""Alignment health flags (DESIGN §5): the gaps a planning meeting should talk about.

Pure functions over plan entities, so the Objectives screen and `align check` report the same
flags. A metric counts as used when a key result measures it or when it feeds, through formulas,
a metric a key result measures: `visits` is in use when an objective targets `conversion_rate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from model.schema import Department, Metric, Objective

FlagKind = Literal[
    "objective_without_key_results",
    "joint_objective_one_department",
    "department_without_objective",
    "metric_unused",
    "key_result_backwards",
]


@dataclass(frozen=True)
class HealthFlag:
    kind: FlagKind
    subject: str
    """The id of the objective, department or metric the flag is about."""
    message: str


def objectives_without_key_results(objectives: Iterable[Objective]) -> list[HealthFlag]:
    return [HealthFlag("objective_without_key_results", o.id,
                       f"objective {o.id} has no key results, so its progress cannot be measured")
            for o in objectives if not o.key_results]


def joint_objectives_measured_by_one_department(
        objectives: Iterable[Objective], metrics: Sequence[Metric]) -> list[HealthFlag]:
    """A joint objective whose key results only measure one of its departments' work is joint
    in name only. Key results on metrics without departments say nothing either way."""
    owners = {m.id: set(m.departments) for m in metrics}
    flags = []
    for o in objectives:
        if len(o.departments) < 2 or not o.key_results:
            continue
        covered: set[str] = set()
        known = False
        for kr in o.key_results:
            depts = owners.get(kr.metric, set())
            if depts:
                known = True
                covered |= depts & set(o.departments)
        if known and len(covered) <= 1:
            who = next(iter(covered)) if covered else "none of its departments"
            flags.append(HealthFlag(
                "joint_objective_one_department", o.id,
                f"joint objective {o.id} ({', '.join(o.departments)}): every key result "
                f"belongs to {who}"))
    return flags


def key_results_backwards(objectives: Iterable[Objective],
                          metrics: Sequence[Metric]) -> list[HealthFlag]:
    """Key results whose target is a step back in their metric's better direction (a revenue
    target under its baseline): met by getting worse, they show green while the metric falls.
    The key result form refuses them; a plan file can still carry one."""
    direction = {m.id: m.direction for m in metrics}
    flags = []
    for o in objectives:
        for kr in o.key_results:
            up = direction.get(kr.metric)
            if up is None or (kr.target >= kr.baseline if up == "increase"
                              else kr.target <= kr.baseline):
                continue
            better = "higher" if up == "increase" else "lower"
            flags.append(HealthFlag(
                "key_result_backwards", o.id,
                f"objective {o.id}: the key result on {kr.metric} aims "
                f"{'below' if better == 'higher' else 'above'} its baseline, though {better} "
                "is better"))
    return flags


def departments_without_objective(objectives: Iterable[Objective],
                                  departments: Iterable[Department]) -> list[HealthFlag]:
    involved = {d for o in objectives for d in (*o.departments, o.owner)}
    return [HealthFlag("department_without_objective", d.id,
                       f"department {d.id} owns or contributes to no objective")
            for d in departments if d.id not in involved]


def metrics_used(objectives: Iterable[Objective], metrics: Sequence[Metric]) -> set[str]:
    """Metrics that key results measure, plus every formula input they depend on."""
    by_id = {m.id: m for m in metrics}
    pending = [kr.metric for o in objectives for kr in o.key_results]
    used: set[str] = set()
    while pending:
        metric_id = pending.pop()
        if metric_id in used:
            continue
        used.add(metric_id)
        metric = by_id.get(metric_id)
        if metric is not None and metric.formula:
            pending.extend(metric.inputs())
    return used


def unused_metrics(objectives: Iterable[Objective], metrics: Sequence[Metric]) -> list[HealthFlag]:
    used = metrics_used(list(objectives), metrics)
    return [HealthFlag("metric_unused", m.id, f"metric {m.id} is used by no objective")
            for m in metrics if m.id not in used]


def health_flags(objectives: Sequence[Objective], departments: Sequence[Department],
                 metrics: Sequence[Metric]) -> list[HealthFlag]:
    """Every flag for one set of objectives (usually one period's), in a stable order."""
    return (objectives_without_key_results(objectives)
            + key_results_backwards(objectives, metrics)
            + joint_objectives_measured_by_one_department(objectives, metrics)
            + departments_without_objective(objectives, departments)
            + unused_metrics(objectives, metrics))
