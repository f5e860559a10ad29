import sqlite3

import pytest

from model.errors import AlignError
from model.exchange import plan_to_toml
from model.schema import Department, KeyResult, Measurement, Metric, Objective, Persona
from model.store import PlanStore
from tests.factories import small_plan


@pytest.fixture
def store(tmp_path):
    s = PlanStore.open(tmp_path / "plan.db")
    s.apply_plan(small_plan(), replace=True)
    yield s
    s.close()


def test_load_plan_returns_what_was_written(store):
    assert plan_to_toml(store.load_plan()) == plan_to_toml(small_plan())
    assert store.objective("grow-smb-pipeline") == next(
        o for o in small_plan().objectives if o.id == "grow-smb-pipeline")


def test_counts(store):
    counts = store.counts()
    assert counts["objectives"] == 2 and counts["departments"] == 5 and counts["scoring_models"] == 1


def test_pragmas(store):
    assert next(store.db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"
    assert next(store.db.query("PRAGMA foreign_keys"))["foreign_keys"] == 1
    assert next(store.db.query("PRAGMA busy_timeout"))["timeout"] >= 1000


def test_save_objective_inserts_then_updates_keeping_created_at(store):
    o = Objective(id="new-one", title="New", period="2026-Q2", owner="sales")
    store.save_objective(o)
    created = store.db["objectives"].get("new-one")["created_at"]
    store.save_objective(o.model_copy(update={"title": "Renamed", "key_results": [
        KeyResult(metric="revenue", baseline=1, target=2)]}))
    row = store.db["objectives"].get("new-one")
    assert row["title"] == "Renamed" and row["created_at"] == created
    assert store.objective("new-one").key_results[0].metric == "revenue"
    assert [o.id for o in store.objectives("2026-Q2")] == ["new-one"]


def test_save_refuses_broken_links_with_field_names(store):
    bad = Objective(id="bad", title="Bad", period="2026-Q1", owner="legal", personas=["nobody"],
                    key_results=[KeyResult(metric="nps", baseline=1, target=2)])
    with pytest.raises(AlignError) as exc:
        store.save_objective(bad)
    msg = str(exc.value)
    assert "owner: unknown department 'legal'" in msg
    assert "personas: unknown persona 'nobody'" in msg
    assert "key_results[0].metric: unknown metric 'nps'" in msg
    assert store.objective("bad") is None


def test_save_refuses_parent_loops_and_formula_cycles(store):
    parent = store.objective("company-growth")
    with pytest.raises(AlignError, match="loop"):
        store.save_objective(parent.model_copy(update={"parent": "grow-smb-pipeline"}))
    with pytest.raises(AlignError, match="loop"):
        store.save_metric(Metric(id="revenue", name="Revenue", aggregation="formula", formula="roi * 2"))
    assert store.metric("revenue").formula is None


def test_save_validates_the_entity_itself(store):
    o = store.objective("company-growth").model_copy(update={"period": "2026-Q9"})
    with pytest.raises(Exception, match="not a period"):
        store.save_objective(o)


def test_measurement_history_is_kept(store):
    store.record_measurement(Measurement(metric="revenue", period="2026-01", value=1.0,
                                         recorded_at="2026-05-01T00:00:00"))
    history = store.measurements(metric="revenue", period="2026-01")
    assert [m.value for m in history] == [120000.0, 121500.0, 1.0]
    with pytest.raises(AlignError, match="unknown metric"):
        store.record_measurement(Measurement(metric="nps", period="2026-01", value=1))


def test_delete_objective_says_what_goes_and_cascades(store):
    impact = store.delete_impact("objectives", "grow-smb-pipeline")
    assert impact.allowed
    assert "2 key results" in impact.removes and "1 note" in impact.removes and "1 decision" in impact.removes
    store.delete("objectives", "grow-smb-pipeline")
    assert store.db["key_results"].count_where("objective = ?", ["grow-smb-pipeline"]) == 0
    assert store.db["notes"].count == 0 and store.db["decisions"].count == 0


def test_delete_parent_unlinks_children(store):
    impact = store.delete_impact("objectives", "company-growth")
    assert any("grow-smb-pipeline" in r for r in impact.removes)
    store.delete("objectives", "company-growth")
    assert store.objective("grow-smb-pipeline").parent is None


def test_delete_is_refused_while_something_depends_on_it(store):
    with pytest.raises(AlignError, match="key results of grow-smb-pipeline"):
        store.delete("metrics", "cac")
    with pytest.raises(AlignError, match="formula of"):
        store.delete("metrics", "marketing_cost")
    with pytest.raises(AlignError, match="owns objectives"):
        store.delete("departments", "marketing")
    with pytest.raises(AlignError, match="no objective"):
        store.delete("objectives", "ghost")
    assert store.metric("cac") is not None


def test_delete_persona_unlinks_objectives(store):
    store.delete("personas", "ops-olivia")
    assert store.objective("grow-smb-pipeline").personas == []


def test_apply_plan_merge_keeps_unmentioned_and_replace_removes(store):
    plan = small_plan()
    plan.objectives = [plan.objectives[0].model_copy(update={"title": "Grow faster"})]
    plan.departments.append(Department(id="legal", name="Legal"))
    store.apply_plan(plan, replace=True)
    assert [o.id for o in store.objectives()] == ["company-growth"]
    assert store.objective("company-growth").title == "Grow faster"


def test_apply_plan_is_one_transaction(store, monkeypatch):
    before = store.load_plan().model_dump()
    plan = small_plan()
    plan.objectives[0].title = "Changed"
    plan.personas.append(Persona(id="zed", name="Zed"))
    calls = []
    original = store._write_personas

    def explode(p):
        calls.append(p.id)
        if p.id == "zed":
            raise RuntimeError("disk full")
        original(p)

    monkeypatch.setattr(store, "_write_personas", explode)
    with pytest.raises(RuntimeError):
        store.apply_plan(plan, replace=True)
    assert calls == ["zed"]
    assert store.load_plan().model_dump() == before


def test_periods_in_use(store):
    assert store.periods_in_use() == ["2026-01", "2026-02", "2026-Q1", "2026-Q2"]


def test_two_stores_on_one_file_both_work(tmp_path):
    path = tmp_path / "shared.db"
    a = PlanStore.open(path)
    b = PlanStore.open(path)
    a.save_department(Department(id="sales", name="Sales"))
    b.save_department(Department(id="finance", name="Finance"))
    assert {d.id for d in a.departments()} == {"sales", "finance"}
    a.close()
    b.close()


def test_writer_busy_elsewhere_waits_then_says_so(tmp_path, monkeypatch):
    import model.store as store_module

    path = tmp_path / "busy.db"
    PlanStore.open(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    s = PlanStore.open(path)
    with pytest.raises(AlignError, match="busy"):
        s.save_department(Department(id="sales", name="Sales"))
    holder.rollback()
    s.save_department(Department(id="sales", name="Sales"))
    assert s.departments()[0].id == "sales"
    holder.close()
    s.close()


def test_refused_writes_fail_at_once_with_the_reason_and_reads_go_on(store):
    store.refuse_writes("an import is running")
    with pytest.raises(AlignError, match="an import is running"):
        store.save("departments", Department(id="legal", name="Legal"))
    with pytest.raises(AlignError, match="an import is running"):
        store.delete("departments", "sales")
    assert store.conn.in_transaction is False
    assert store.get("departments", "legal") is None
    assert store.get("departments", "sales") is not None
    store.refuse_writes(None)
    store.save("departments", Department(id="legal", name="Legal"))
    assert store.get("departments", "legal") is not None
