"""The seed plan behind sample.db: its shape, its determinism, and that the committed file is
current."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sqlite3
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from model.catalog import default_departments, default_metrics
from model.errors import AlignError
from model.migrations import latest_version
from model.periods import months_of
from model.schema import (
    ENTITY_KINDS,
    PERSONA_LIST_FIELDS,
    Persona,
    Plan,
    entity_key,
    reference_errors,
)
from model.seed import (
    AS_OF,
    LEADS_COLUMNS,
    LEADS_ROLES,
    PLAN_QUARTERS,
    build_sample_db,
    build_seed_plan,
    generate_seed_leads,
    main,
    seed_months,
    write_seed_leads_csv,
)
from model.store import PlanStore

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DB = REPO / "sample.db"
MAIN_KPIS = ("revenue", "leads", "new_customers", "win_rate", "lead_to_customer", "cac",
             "ltv_cac", "csat", "churn", "visits")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_seed_plan()


@pytest.fixture(scope="module")
def leads() -> list[dict[str, str]]:
    return generate_seed_leads()


def _latest(plan: Plan) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], tuple[str, float | None]] = {}
    for m in plan.measurements:
        key = (m.metric, m.period)
        if key not in out or m.recorded_at > out[key][0]:
            out[key] = (m.recorded_at, m.value)
    return {k: v for k, (_, v) in out.items()}


# ---- the plan --------------------------------------------------------------------------------
def test_seed_plan_is_valid_and_has_no_broken_links(plan: Plan) -> None:
    assert reference_errors(plan) == []
    again = Plan.model_validate(plan.model_dump(mode="json"))
    assert again.model_dump(mode="json") == plan.model_dump(mode="json")


def test_seed_has_default_departments_and_whole_catalog_with_targets(plan: Plan) -> None:
    assert [d.id for d in plan.departments] == [d.id for d in default_departments()]
    catalog = {m.id: m for m in default_metrics()}
    assert {m.id for m in plan.metrics} == set(catalog)
    for metric in plan.metrics:
        expected = catalog[metric.id]
        assert (metric.formula, metric.unit, metric.direction) == (
            expected.formula, expected.unit, expected.direction)
    targets = {m.id: m.targets for m in plan.metrics}
    for kpi in MAIN_KPIS:
        assert set(PLAN_QUARTERS) <= set(targets[kpi]), kpi
    percent = [m for m in plan.metrics if m.unit == "percent"]
    assert all(0 < t < 1 for m in percent for t in m.targets.values())


def test_objectives_form_a_joint_aligned_tree_over_two_quarters(plan: Plan) -> None:
    objectives = {o.id: o for o in plan.objectives}
    assert 8 <= len(objectives) <= 12
    assert {o.period for o in objectives.values()} == set(PLAN_QUARTERS)
    assert any(o.joint for o in objectives.values())
    children: dict[str, list[str]] = defaultdict(list)
    for o in objectives.values():
        if o.parent:
            assert objectives[o.parent].period == o.period
            children[o.parent].append(o.id)
    assert any(len(kids) >= 2 for kids in children.values())
    top = [p for p in children if objectives[p].parent is None]
    assert top and len(objectives[top[0]].departments) == 5  # a company objective
    states = [o.state for o in objectives.values()]
    assert states.count("active") > len(states) / 2
    assert states.count("draft") == 1
    assert states.count("achieved") == 1
    confidences = [o.confidence for o in objectives.values()]
    assert any(confidences) and None in confidences
    assert any(o.personas for o in objectives.values())
    metrics = {m.id: m for m in plan.metrics}
    for o in objectives.values():
        assert o.key_results, o.id
        for kr in o.key_results:
            assert kr.metric in metrics
            if metrics[kr.metric].unit == "percent":
                assert 0 < kr.baseline < 1 and 0 < kr.target < 1


def test_every_persona_field_group_is_filled(plan: Plan) -> None:
    assert len(plan.personas) == 4
    for persona in plan.personas:
        for name in Persona.model_fields:
            if name == "match":
                continue
            value = getattr(persona, name)
            assert value, f"{persona.id}.{name} is empty"
            if name in PERSONA_LIST_FIELDS:
                assert all(item.strip() for item in value)
    matching = [p for p in plan.personas if p.match]
    assert len(matching) == 2
    assert {c.field for p in matching for c in p.match} <= set(LEADS_COLUMNS)


def test_scoring_model_has_explained_fit_and_engagement_rules(plan: Plan) -> None:
    assert len(plan.scoring_models) == 1
    rules = plan.scoring_models[0].rules
    assert 10 <= len(rules) <= 14
    assert {r.dimension for r in rules} == {"fit", "engagement"}
    assert sum(r.knockout for r in rules) >= 1
    assert all(r.rationale and r.owner for r in rules)
    fields = {c.field for r in rules for c in r.when}
    assert fields <= set(LEADS_COLUMNS)
    assert {"industry", "employees", "title", "country", "page_views", "email_clicks",
            "demo_requested", "last_activity"} <= fields
    assert any(c.op == "within_last_days" for r in rules for c in r.when)


def test_history_covers_six_quarters_of_months(plan: Plan) -> None:
    months = seed_months()
    assert months[0] == "2025-01" and months[-1] == "2026-06" and len(months) == 18
    periods = {m.period for m in plan.measurements}
    assert periods == set(months)
    stamps = [dt.datetime.fromisoformat(m.recorded_at) for m in plan.measurements]
    assert max(stamps).date() <= AS_OF + dt.timedelta(days=31)


def test_history_has_a_metric_declining_for_three_months(plan: Plan) -> None:
    latest = _latest(plan)
    increasing = [m.id for m in plan.metrics if m.direction == "increase" and not m.formula]
    declining = []
    for metric in increasing:
        series = [latest.get((metric, month)) for month in seed_months()[-4:]]
        if None not in series and all(b < a for a, b in zip(series, series[1:], strict=False)):
            declining.append(metric)
    assert declining


def test_history_has_a_missing_month_and_a_not_applicable_one(plan: Plan) -> None:
    months = set(seed_months())
    by_metric: dict[str, set[str]] = defaultdict(set)
    for m in plan.measurements:
        by_metric[m.metric].add(m.period)
    gaps = {metric: months - seen for metric, seen in by_metric.items() if months - seen}
    assert len(gaps) == 1 and all(len(missing) == 1 for missing in gaps.values())
    assert any(m.not_applicable and m.value is None for m in plan.measurements)


def test_history_has_a_corrected_measurement_where_the_later_wins(plan: Plan) -> None:
    recordings: dict[tuple[str, str], list] = defaultdict(list)
    for m in plan.measurements:
        recordings[(m.metric, m.period)].append(m)
    corrected = {k: v for k, v in recordings.items() if len(v) > 1}
    assert len(corrected) == 1
    (key, history), = corrected.items()
    first, later = sorted(history, key=lambda m: m.recorded_at)
    assert first.value != later.value
    assert _latest(plan)[key] == later.value


def test_a_kpi_is_red_against_its_target(plan: Plan) -> None:
    latest = _latest(plan)
    quarter = PLAN_QUARTERS[-1]
    months = months_of(quarter)
    csat = next(m for m in plan.metrics if m.id == "csat")
    satisfied = sum(latest[("satisfied_responses", m)] for m in months)
    responses = sum(latest[("responses", m)] for m in months)
    target = csat.targets[quarter]
    assert satisfied / responses < target * (1 - csat.amber_tolerance)


def test_feedback_from_sales_on_lead_quality_answered_and_unanswered(plan: Plan) -> None:
    answered = {d.answers for d in plan.decisions if d.answers}
    feedback = [n for n in plan.notes if n.kind == "feedback"]
    sales_to_marketing = [n for n in feedback
                          if (n.from_department, n.to_department) == ("sales", "marketing")]
    assert any(n.id not in answered for n in sales_to_marketing)
    assert any(n.id in answered for n in feedback)
    assert any(n.metric for n in plan.notes) and any(n.objective for n in plan.notes)
    assert any(d.metric for d in plan.decisions) and any(d.objective for d in plan.decisions)


def test_two_builds_are_equal_and_the_seed_matters() -> None:
    assert build_seed_plan().model_dump(mode="json") == build_seed_plan().model_dump(mode="json")
    assert generate_seed_leads(300, seed=7) == generate_seed_leads(300, seed=7)
    assert generate_seed_leads(300, seed=7) != generate_seed_leads(300, seed=8)


# ---- the leads -------------------------------------------------------------------------------
def test_leads_csv_is_messy_but_its_roles_are_clean(tmp_path: Path) -> None:
    path = write_seed_leads_csv(tmp_path / "leads.csv", n=2000)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == LEADS_COLUMNS
        rows = list(reader)
    assert len(rows) == 2000
    assert len({r["lead_id"] for r in rows}) == 2000
    assert any(r["employees"] == "" for r in rows)
    assert any(r["employees"].strip() in ("N/A", "n/a", "unknown", "-") for r in rows)
    assert any(r["employees"] != r["employees"].strip() for r in rows)
    assert any(r["industry"] and r["industry"] != r["industry"].strip().title()
               and r["industry"].strip().lower() == "software" for r in rows)
    created = [dt.date.fromisoformat(r["created"]) for r in rows]
    assert min(created) >= dt.date(2025, 1, 1) and max(created) <= AS_OF
    assert {d.strftime("%Y-%m") for d in created} == set(seed_months())
    for r in rows:
        assert (r["closed"] == "") == (r["converted"] == "")
        if r["closed"]:
            assert dt.date.fromisoformat(r["created"]) <= dt.date.fromisoformat(r["closed"]) <= AS_OF
    closed = [r for r in rows if r["closed"]]
    won = [r for r in closed if r["converted"] in LEADS_ROLES.won_values]
    assert len(closed) > len(rows) / 2
    assert 0.08 < len(won) / len(closed) < 0.4
    assert sum(1 for r in won if r["amount"]) > 0.9 * len(won)


def _matches(condition, row: dict[str, str]) -> bool:
    """Just enough of the condition language for the seed model, as a backtest sanity check."""
    raw = row.get(condition.field, "").strip()
    op, value = condition.op, condition.value
    if op in ("in", "eq", "starts_with", "ends_with", "contains"):
        text = raw.lower()
        if op == "in":
            return text in {v.lower() for v in value}
        return {"eq": text == str(value).lower(),
                "starts_with": text.startswith(str(value).lower()),
                "ends_with": text.endswith(str(value).lower()),
                "contains": str(value).lower() in text}[op]
    if op == "is_true":
        return raw.lower() in ("1", "true", "yes")
    if op in ("within_last_days", "more_than_days_ago"):
        if not raw:
            return False
        age = (AS_OF - dt.date.fromisoformat(raw)).days
        return age <= value if op == "within_last_days" else age > value
    try:
        number = float(raw)
    except ValueError:
        return False
    if op == "between":
        return value[0] <= number <= value[1]
    return {"gt": number > value, "gte": number >= value, "lt": number < value,
            "lte": number <= value}[op]


def test_outcomes_follow_the_scoring_signals(plan: Plan, leads: list[dict[str, str]]) -> None:
    model = plan.scoring_models[0]
    closed = [r for r in leads if r["closed"]]
    won = [r for r in closed if r["converted"] == "1"]
    mql_total = mql_won = knocked_won = 0
    for row in closed:
        fit = engagement = 0
        knocked = False
        for rule in model.rules:
            if all(_matches(c, row) for c in rule.when):
                if rule.dimension == "fit":
                    fit += rule.points
                else:
                    engagement += rule.points
                knocked = knocked or rule.knockout
        band = next((b for b, low in model.fit_bands.items() if fit >= low), "D")
        level = next((e for e, low in model.engagement_bands.items() if engagement >= low), "4")
        if knocked:
            knocked_won += row["converted"] == "1"
        elif band + level in model.mql_cells:
            mql_total += 1
            mql_won += row["converted"] == "1"
    base = len(won) / len(closed)
    assert knocked_won == 0
    assert mql_total >= 50
    assert mql_won / mql_total > 2 * base


# ---- sample.db ---------------------------------------------------------------------------------
def _snapshot(path: Path) -> dict:
    with PlanStore.open(path, create=False) as store:
        try:
            from model.exchange import export_toml
        except ImportError:
            plan_text = store.load_plan().model_dump(mode="json")
        else:
            plan_text = export_toml(store)
        has_leads = store.db["leads"].exists()
        return {
            "plan": plan_text,
            "roles": store.leads_roles(),
            "leads": list(store.db.query("SELECT * FROM leads ORDER BY rowid")) if has_leads else None,
            "columns": list(store.db.query("SELECT name, position, type FROM leads_columns "
                                           "ORDER BY position")),
        }


@pytest.fixture(scope="module")
def fresh_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_db(tmp_path_factory.mktemp("fresh") / "sample.db")


def _sorted_dump(plan: Plan) -> dict:
    data = plan.model_dump(mode="json")
    for kind in ENTITY_KINDS:
        pairs = sorted(zip(getattr(plan, kind), data[kind], strict=True),
                       key=lambda pair, kind=kind: entity_key(kind, pair[0]))
        data[kind] = [dumped for _, dumped in pairs]
    return data


def test_fresh_build_holds_the_plan_and_the_leads(fresh_sample: Path, plan: Plan) -> None:
    with PlanStore.open(fresh_sample, create=False) as store:
        assert _sorted_dump(store.load_plan()) == _sorted_dump(plan)
        assert store.leads_roles() == LEADS_ROLES
        assert store.db["leads"].count == 2000
    assert not [p for p in fresh_sample.parent.iterdir() if p.name.endswith(".tmp")]


def _as_generated(tmp_path: Path) -> Path:
    """The sample.db the script generated: the working file while it is untouched, else (a user
    opened it in the workbench, which switches it to WAL and may add their edits) the copy git
    holds, so trying the demo never breaks the test suite."""
    header = SAMPLE_DB.read_bytes()[:20]
    copy = tmp_path / "committed.db"
    if header[18:20] == b"\x01\x01":
        shutil.copyfile(SAMPLE_DB, copy)
        return copy
    done = subprocess.run(["git", "-C", str(REPO), "show", "HEAD:sample.db"], capture_output=True)
    if done.returncode != 0:
        pytest.skip("sample.db was opened in place and git has no committed copy to compare")
    copy.write_bytes(done.stdout)
    return copy


def test_committed_sample_db_is_current(tmp_path: Path, fresh_sample: Path) -> None:
    assert SAMPLE_DB.exists(), "sample.db is missing: run python -m model.seed sample.db"
    committed = _as_generated(tmp_path)
    assert _snapshot(committed) == _snapshot(fresh_sample), (
        "sample.db is out of date: run python -m model.seed sample.db")


def test_committed_sample_db_is_self_contained(tmp_path: Path) -> None:
    header = _as_generated(tmp_path).read_bytes()[:20]
    assert header[:16] == b"SQLite format 3\x00"
    assert header[18:20] == b"\x01\x01", (
        "sample.db was committed in WAL mode: run python -m model.seed sample.db")


def test_committed_sample_db_has_the_latest_schema(tmp_path: Path) -> None:
    copy = _as_generated(tmp_path)
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        version = conn.execute(
            "SELECT value FROM align_meta WHERE key = 'schema_version'").fetchone()[0]
    finally:
        conn.close()
    assert int(version) == latest_version(), (
        "sample.db predates the latest migration: run python -m model.seed sample.db")


def test_build_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "nowhere" / "sample.db"
    with pytest.raises(AlignError, match="does not exist"):
        build_sample_db(target)
    assert main([str(target)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_build_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    target.write_bytes(b"not a plan")
    Path(f"{target}-wal").write_bytes(b"stale")
    assert main([str(target)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]
    with PlanStore.open(target, create=False) as store:
        assert store.settings().name == "Northwind Analytics FY26"
