"""Export and import of a large plan (DESIGN.md §8): 500 objectives, 200 metrics, 5,000
measurements, 50 personas, 10 models × 30 rules; each must take at most 1 s. Also git's merge
driver on two edits of that plan, which the design does not bound.

Run: python bench/bench_exchange.py        Prints `ratio=<seconds / bound> bound=1.0` per step.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.catalog import default_departments  # noqa: E402
from model.exchange import export_toml, import_plan, parse_plan_text, plan_to_toml  # noqa: E402
from model.plan_merge import merge_plan_texts  # noqa: E402
from model.schema import (  # noqa: E402
    Condition,
    KeyResult,
    Measurement,
    Metric,
    Objective,
    Persona,
    Plan,
    PlanSettings,
    Rule,
    ScoringModel,
)
from model.store import PlanStore  # noqa: E402

BOUND_SECONDS = 1.0


def large_plan(seed: int = 7) -> Plan:
    rnd = random.Random(seed)
    depts = [d.id for d in default_departments()]
    metrics = []
    for i in range(200):
        if i >= 150:
            a, b = rnd.sample(range(150), 2)
            metrics.append(Metric(id=f"m{i:03d}", name=f"Derived {i}", unit="ratio",
                                  aggregation="formula", formula=f"m{a:03d} / m{b:03d}",
                                  departments=rnd.sample(depts, 2),
                                  targets={"2026-Q1": 1.5, "2026-Q2": 1.6}))
        else:
            metrics.append(Metric(id=f"m{i:03d}", name=f"Input {i}", unit="count",
                                  departments=[rnd.choice(depts)],
                                  targets={f"2026-Q{q}": float(rnd.randint(100, 1000)) for q in (1, 2)}))
    months = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    measurements = []
    for i in range(5000):
        metric = f"m{i % 150:03d}"
        month = months[(i // 150) % 24]
        measurements.append(Measurement(metric=metric, period=month, value=float(rnd.randint(1, 10_000)),
                                        recorded_at=f"2026-06-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"))
    personas = [Persona(id=f"persona-{i:02d}", name=f"Persona {i}", tagline="A buyer",
                        goals=[f"Goal {j}" for j in range(4)], pain_points=[f"Pain {j}" for j in range(4)],
                        quotes=['"We need one view."'],
                        match=[Condition(field="industry", op="eq", value=f"industry-{i}")])
                for i in range(50)]
    objectives = []
    for i in range(500):
        owner = rnd.choice(depts)
        objectives.append(Objective(
            id=f"objective-{i:03d}", title=f"Objective number {i}", why="Because it matters.",
            period=f"2026-Q{1 + i % 2}", owner=owner, departments=rnd.sample(depts, 2),
            parent=f"objective-{i // 10:03d}" if i >= 10 else None, state="active",
            personas=[f"persona-{i % 50:02d}"],
            key_results=[KeyResult(metric=f"m{rnd.randrange(200):03d}", baseline=10.0, target=20.0 + k)
                         for k in range(3)]))
    models = []
    for mi in range(10):
        rules = []
        for r in range(30):
            rules.append(Rule(id=f"rule-{r:02d}", name=f"Rule {r}", dimension="fit" if r % 2 else "engagement",
                              points=rnd.randint(-10, 25), rationale="Seen in won deals.",
                              when=[Condition(field="employees", op="between", value=[10, 500]),
                                    Condition(field="country", op="in", value=["US", "CA", "GB"])]))
        models.append(ScoringModel(id=f"model-{mi}", name=f"Model {mi}", rules=rules))
    return Plan(settings=PlanSettings(name="Large plan"), departments=default_departments(),
                metrics=metrics, measurements=measurements, personas=personas,
                objectives=objectives, scoring_models=models)


def two_edits(plan: Plan) -> tuple[str, str, str]:
    """The plan and two teammates' edits of it: each adds a persona and changes an entity."""
    ours, theirs = plan.model_copy(deep=True), plan.model_copy(deep=True)
    ours.personas.append(Persona(id="zz-ours", name="Ours"))
    ours.objectives[3].title = "Changed by ours"
    theirs.personas.append(Persona(id="zz-theirs", name="Theirs"))
    theirs.metrics[5].name = "Changed by theirs"
    return plan_to_toml(plan), plan_to_toml(ours), plan_to_toml(theirs)


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    plan = large_plan()
    text = plan_to_toml(plan)
    with tempfile.TemporaryDirectory() as tmp:
        source = PlanStore.open(Path(tmp) / "large.db")
        import_plan(source, parse_plan_text(text))
        export_seconds = timed(lambda: export_toml(source))
        assert export_toml(source) == text
        source.close()
        counter = iter(range(100))

        def import_into_empty() -> None:
            store = PlanStore.open(Path(tmp) / f"empty-{next(counter)}.db")
            import_plan(store, parse_plan_text(text))
            store.close()

        import_seconds = timed(import_into_empty)
    sides = two_edits(plan)
    assert merge_plan_texts(*sides).clean
    merge_seconds = timed(lambda: merge_plan_texts(*sides), repeat=3)
    print(f"plan: {len(text) // 1024} KiB of TOML")
    print(f"export: {export_seconds:.3f} s  ratio={export_seconds / BOUND_SECONDS:.3f} bound=1.0")
    print(f"import into an empty plan: {import_seconds:.3f} s  ratio={import_seconds / BOUND_SECONDS:.3f} bound=1.0")
    # No bound in the design for git's merge driver; it reads three files and writes one, so it
    # is set against three imports' time.
    print(f"merge by entity (align merge-file): {merge_seconds:.3f} s  "
          f"ratio={merge_seconds / (3 * BOUND_SECONDS):.3f} bound=3.0 s")


if __name__ == "__main__":
    main()
