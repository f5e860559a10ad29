"""A plan for the KPI review tests: the small plan plus targets, revenue and cost, so every status,
a formula with its inputs, and each kind of attention appear in 2026-Q1 (reviewed on TODAY)."""

from __future__ import annotations

import datetime as dt

from model.schema import Decision, Measurement, Note, Plan
from tests.conftest import small_plan

PERIOD = "2026-Q1"


def _m(metric: str, period: str, value: float) -> Measurement:
    return Measurement(metric=metric, period=period, value=value,
                       recorded_at="2026-04-02T09:00:00")


def review_plan() -> Plan:
    plan = small_plan()
    targets = {"leads": 450.0, "new_customers": 36.0, "roi": 2.0, "revenue": 300000.0}
    for metric in plan.metrics:
        if metric.id in targets:
            metric.targets = {PERIOD: targets[metric.id]}
    plan.measurements += [
        _m("revenue", "2026-01", 100000), _m("revenue", "2026-02", 110000),
        _m("revenue", "2026-03", 120000),
        _m("marketing_cost", "2026-01", 30000), _m("marketing_cost", "2026-02", 30000),
        _m("marketing_cost", "2026-03", 40000),
        _m("new_customers", "2025-Q4", 45),
        # visits stop in January: stale for a review of the quarter
        _m("visits", "2026-01", 5000), _m("purchases", "2026-01", 50),
    ]
    plan.notes += [
        Note(id="n-roi-old", metric="roi", date=dt.date(2026, 2, 20),
             text="ROI counts brand spend too"),
        Note(id="n-roi-last", metric="roi", date=dt.date(2026, 4, 10),
             text="Split brand spend out of marketing_cost"),
    ]
    plan.decisions += [
        Decision(id="d-roi", metric="roi", date=dt.date(2026, 4, 10),
                 text="Finance tags brand spend", owner="finance", due=dt.date(2026, 5, 1)),
    ]
    return plan
