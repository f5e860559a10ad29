"""Property: any valid plan exports, imports into an empty plan, and exports to the same bytes."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.exchange import export_toml, import_plan, parse_plan_text, plan_to_toml
from model.schema import (
    Condition,
    Decision,
    Department,
    KeyResult,
    LeadsRoles,
    Measurement,
    Metric,
    Note,
    Objective,
    Persona,
    Plan,
    PlanSettings,
    RecordedDecision,
    RecordedMeasurement,
    RecordedNote,
    Review,
    ReviewedItem,
    Rule,
    ScoringModel,
    StatusChange,
    reference_errors,
)
from model.store import PlanStore

slugs = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
metric_ids = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
line = text.map(str.strip).filter(bool)
name = line
numbers = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 6))
periods = st.builds(lambda y, q, m, k: [f"{y}", f"{y}-Q{q}", f"{y}-{m:02d}"][k],
                    st.integers(2020, 2030), st.integers(1, 4), st.integers(1, 12), st.integers(0, 2))
dates = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
stamps = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1)).map(lambda d: d.replace(microsecond=0))

conditions = st.one_of(
    st.builds(Condition, field=line, op=st.sampled_from(["eq", "neq", "contains", "starts_with"]), value=line),
    st.builds(Condition, field=line, op=st.sampled_from(["in", "not_in"]), value=st.lists(line, min_size=1, max_size=3)),
    st.builds(Condition, field=line, op=st.sampled_from(["gt", "lte"]), value=st.integers(-1000, 1000)),
    st.builds(lambda f, a, b: Condition(field=f, op="between", value=sorted([a, b])), line,
              st.integers(-100, 100), st.integers(-100, 100)),
    st.builds(Condition, field=line, op=st.sampled_from(["within_last_days", "more_than_days_ago"]),
              value=st.integers(0, 400)),
    st.builds(lambda f, d: Condition(field=f, op="before", value=d.isoformat()), line, dates),
    st.builds(Condition, field=line, op=st.sampled_from(["is_empty", "is_true"])),
)

# A review is a snapshot of what the room saw: its text is kept exactly (empty, padded, with
# control characters), and the ids it names need not be in the plan.
snapshot_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
snapshot_ids = st.one_of(slugs, snapshot_text)
recorded_decisions = st.builds(RecordedDecision, id=snapshot_ids, subject=snapshot_ids,
                               text=snapshot_text, owner=snapshot_ids, due=st.none() | dates)
review_records = {
    "items": st.builds(
        ReviewedItem, kind=st.sampled_from(["metric", "objective"]), id=slugs, title=snapshot_text,
        attention=st.sampled_from(["red", "declining", "stale", "rest"]),
        reasons=st.lists(snapshot_text, max_size=2),
        status=st.sampled_from([None, "green", "amber", "red"]), actual=snapshot_text,
        target=st.sampled_from(["—", "450", ""]), share=st.none() | st.floats(allow_nan=False)),
    "notes": st.builds(RecordedNote, id=snapshot_ids, subject=snapshot_ids, text=snapshot_text),
    "decisions": recorded_decisions,
    "changes": st.builds(StatusChange, objective=snapshot_ids, title=snapshot_text,
                         field=st.sampled_from(["state", "confidence"]),
                         before=st.none() | snapshot_text, after=st.none() | snapshot_text,
                         note=st.none() | snapshot_text),
    "measurements": st.builds(RecordedMeasurement, metric=snapshot_ids, title=snapshot_text,
                              period=snapshot_text, value=snapshot_text, note=snapshot_text),
    "carried_decisions": recorded_decisions,
}
reviews = st.builds(
    Review, id=slugs, period=periods, date=dates,
    started_at=stamps.map(lambda d: d.isoformat()), ended_at=st.none() | stamps,
    signals=st.lists(snapshot_text, max_size=2),
    **{key: st.lists(records, max_size=2) for key, records in review_records.items()})


@st.composite
def plans(draw):
    dept_ids = draw(st.lists(slugs, min_size=1, max_size=4, unique=True))
    departments = [Department(id=d, name=draw(name)) for d in dept_ids]
    metric_names = draw(st.lists(metric_ids, min_size=1, max_size=5, unique=True))
    metrics = []
    for i, mid in enumerate(metric_names):
        earlier = metric_names[:i]
        if earlier and draw(st.booleans()):
            formula = " / ".join(draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2)))
            metrics.append(Metric(id=mid, name=draw(name), aggregation="formula", formula=formula,
                                  unit="ratio", departments=draw(st.lists(st.sampled_from(dept_ids), max_size=2))))
        else:
            metrics.append(Metric(id=mid, name=draw(name), description=draw(text),
                                  unit=draw(st.sampled_from(["count", "currency", "percent", "days"])),
                                  direction=draw(st.sampled_from(["increase", "decrease"])),
                                  aggregation=draw(st.sampled_from(["sum", "avg", "last"])),
                                  targets=draw(st.dictionaries(periods, numbers, max_size=3)),
                                  amber_tolerance=draw(st.sampled_from([0.05, 0.1, 0.2]))))
    persona_ids = draw(st.lists(slugs, max_size=3, unique=True))
    personas = [Persona(id=p, name=draw(name), tagline=draw(text), goals=draw(st.lists(line, max_size=3)),
                        quotes=draw(st.lists(line, max_size=2)),
                        last_validated=draw(st.none() | dates),
                        match=draw(st.lists(conditions, max_size=2))) for p in persona_ids]
    objective_ids = draw(st.lists(slugs, max_size=5, unique=True))
    objectives = []
    for i, oid in enumerate(objective_ids):
        krs = []
        for _ in range(draw(st.integers(0, 2))):
            base = draw(numbers)
            krs.append(KeyResult(metric=draw(st.sampled_from(metric_names)), baseline=base,
                                 target=base + draw(st.floats(1, 1000).map(lambda x: round(x, 3))),
                                 weight=draw(st.sampled_from([1.0, 2.0, 0.5]))))
        objectives.append(Objective(
            id=oid, title=draw(name), why=draw(text), period=draw(periods),
            owner=draw(st.sampled_from(dept_ids)),
            departments=draw(st.lists(st.sampled_from(dept_ids), max_size=3)),
            parent=draw(st.none() | st.sampled_from(objective_ids[:i] or [None])),
            state=draw(st.sampled_from(["draft", "active", "achieved"])),
            confidence=draw(st.sampled_from([None, "high", "low"])),
            personas=draw(st.lists(st.sampled_from(persona_ids), max_size=2)) if persona_ids else [],
            key_results=krs))
    measurements = draw(st.lists(st.builds(
        lambda m, p, v, s, na: Measurement(metric=m, period=p, value=None if na else v, not_applicable=na,
                                           recorded_at=s, note="", source="manual"),
        st.sampled_from(metric_names), periods, numbers, stamps, st.booleans()), max_size=6,
        unique_by=lambda m: (m.metric, m.period, m.recorded_at)))
    notes, decisions = [], []
    if objective_ids:
        notes = [Note(id=f"n-{i}", objective=draw(st.sampled_from(objective_ids)), date=draw(dates),
                      text=draw(name)) for i in range(draw(st.integers(0, 2)))]
        decisions = [Decision(id=f"d-{i}", objective=draw(st.sampled_from(objective_ids)), date=draw(dates),
                              text=draw(name), owner=draw(st.sampled_from(dept_ids)), due=draw(st.none() | dates),
                              answers=draw(st.sampled_from([n.id for n in notes] or [None])))
                     for i in range(draw(st.integers(0, 2)))]
    models = []
    for mid in draw(st.lists(slugs, max_size=2, unique=True)):
        rule_ids = draw(st.lists(slugs, max_size=3, unique=True))
        rules = [Rule(id=r, name=draw(text), dimension=draw(st.sampled_from(["fit", "engagement"])),
                      when=draw(st.lists(conditions, min_size=1, max_size=2)),
                      points=draw(st.integers(-50, 50)), knockout=draw(st.booleans()),
                      enabled=draw(st.booleans()), owner=draw(st.none() | st.sampled_from(dept_ids)))
                 for r in rule_ids]
        cells = [f"{band}{level}" for band in "ABCD" for level in "1234"]
        models.append(ScoringModel(id=mid, name=draw(name), rules=rules,
                                   # none at all is a choice of its own, not the default cells
                                   mql_cells=draw(st.lists(st.sampled_from(cells), max_size=3)),
                                   mql_min_total=draw(st.none() | st.integers(0, 100))))
    leads = draw(st.none() | st.builds(LeadsRoles, id=line, outcome=line, won_values=st.lists(line, max_size=2)))
    plan = Plan(settings=PlanSettings(name=draw(name), fiscal_year_start=draw(st.integers(1, 12))),
                departments=departments, metrics=metrics, personas=personas, objectives=objectives,
                measurements=measurements, notes=notes, decisions=decisions, scoring_models=models,
                reviews=draw(st.lists(reviews, max_size=2, unique_by=lambda r: r.id)), leads=leads)
    assert reference_errors(plan) == []
    return plan


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_export_import_export_is_byte_identical(plan):
    text = plan_to_toml(plan)
    parsed = parse_plan_text(text)
    assert parsed.warnings == []
    store = PlanStore.memory()
    try:
        import_plan(store, parsed)
        again = export_toml(store)
    finally:
        store.close()
    assert again == text
    assert plan_to_toml(parse_plan_text(again).plan) == text


@given(st.one_of(st.text(), st.integers(), st.floats(), st.booleans()))
def test_a_value_is_written_exactly_as_tomli_w_writes_it(value):
    import tomli_w

    from model.exchange import _value

    assert _value(value) == tomli_w.dumps({"v": value}, indent=2)[4:].rstrip("\n")
