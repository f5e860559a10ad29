"""Recompute every KPI for 24 periods × 200 metrics (DESIGN §8: ≤ 0.2 s).

Run: python bench/bench_kpis.py. Not part of the test suite. The plan mixes summed, averaged and
last-value inputs with formulas of formulas, a recording history (latest wins), not-applicable
months and targets; the timing covers building the engine from the plan snapshot and asking each
metric's value, target and status in each of the 24 months.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.kpi import KpiEngine  # noqa: E402
from model.periods import shift  # noqa: E402
from model.schema import Measurement, Metric, Plan  # noqa: E402

BOUND_SECONDS = 0.2
N_METRICS = 200
N_INPUTS = 120
N_PERIODS = 24
FIRST = "2025-01"


def build_plan(seed: int = 7) -> tuple[Plan, list[str]]:
    rng = random.Random(seed)
    months = [shift(FIRST, i) for i in range(N_PERIODS)]
    metrics: list[Metric] = []
    for i in range(N_INPUTS):
        aggregation = ("sum", "sum", "avg", "last")[i % 4]
        metrics.append(Metric(
            id=f"in_{i:03d}", name=f"Input {i}", aggregation=aggregation,
            direction="increase" if i % 3 else "decrease",
            targets={m: rng.uniform(50, 150) for m in months[::2]}))
    ids = [m.id for m in metrics]
    shapes = ("{a} / {b}", "({a} - {b}) / {b}", "({a} + {b}) / {c}", "{a} * {b} * {c}",
              "{a} / ({a} + {b})", "max({a}, {b}) - min({b}, {c})")
    for j in range(N_METRICS - N_INPUTS):
        a, b, c = rng.sample(ids, 3)
        metrics.append(Metric(
            id=f"kpi_{j:03d}", name=f"KPI {j}", aggregation="formula", unit="ratio",
            formula=shapes[j % len(shapes)].format(a=a, b=b, c=c),
            targets={m: rng.uniform(0.5, 2) for m in months[::3]}))
        ids.append(metrics[-1].id)
    measurements: list[Measurement] = []
    for metric in metrics[:N_INPUTS]:
        for k, month in enumerate(months):
            if rng.random() < 0.02:
                measurements.append(Measurement(metric=metric.id, period=month,
                                                not_applicable=True,
                                                recorded_at="2026-01-02T00:00:00"))
                continue
            measurements.append(Measurement(metric=metric.id, period=month,
                                            value=rng.uniform(0, 200),
                                            recorded_at="2026-01-01T00:00:00"))
            if k % 5 == 0:
                measurements.append(Measurement(metric=metric.id, period=month,
                                                value=rng.uniform(0, 200),
                                                recorded_at="2026-02-01T00:00:00"))
    return Plan(metrics=metrics, measurements=measurements), months


def recompute(plan: Plan, months: list[str]) -> int:
    engine = KpiEngine(plan, today=dt.date(2026, 6, 1))
    answered = 0
    for month in months:
        for metric in plan.metrics:
            engine.value(metric.id, month)
            engine.target(metric.id, month)
            engine.status(metric.id, month)
            answered += 1
    return answered


def main() -> None:
    plan, months = build_plan()
    assert len(plan.metrics) == N_METRICS
    assert recompute(plan, months) == N_METRICS * N_PERIODS
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        recompute(plan, months)
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    print(f"recompute {N_METRICS} metrics x {N_PERIODS} periods "
          f"({len(plan.measurements)} measurements): {seconds:.4f} s (median of {len(runs)})")
    print(f"ratio={seconds / BOUND_SECONDS:.3f} bound=1.0")


if __name__ == "__main__":
    main()
