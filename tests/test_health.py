from model.catalog import default_departments, default_metrics
from model.health import (
    departments_without_objective,
    health_flags,
    joint_objectives_measured_by_one_department,
    metrics_used,
    objectives_without_key_results,
    unused_metrics,
)
from model.schema import KeyResult, Metric, Objective

METRICS = default_metrics()


def objective(id: str, owner: str = "marketing", departments=(), krs=()) -> Objective:
    return Objective(id=id, title=id, period="2026-Q1", owner=owner, departments=list(departments),
                     key_results=[KeyResult(metric=m, baseline=1, target=2) for m in krs])


def test_objective_without_key_results_is_flagged_and_one_with_is_not():
    flags = objectives_without_key_results([objective("a"), objective("b", krs=["leads"])])
    assert [f.subject for f in flags] == ["a"]
    assert "no key results" in flags[0].message


def test_joint_objective_whose_key_results_all_belong_to_one_department():
    only_marketing = objective("j", departments=["sales"], krs=["leads", "visits"])
    flags = joint_objectives_measured_by_one_department([only_marketing], METRICS)
    assert [f.subject for f in flags] == ["j"]
    assert "marketing" in flags[0].message


def test_joint_objective_measured_by_both_departments_is_fine():
    both = objective("j", departments=["sales"], krs=["leads", "deals_won"])
    assert joint_objectives_measured_by_one_department([both], METRICS) == []


def test_shared_metric_counts_for_both_departments():
    shared = objective("j", departments=["sales"], krs=["lead_to_customer"])  # marketing + sales
    assert joint_objectives_measured_by_one_department([shared], METRICS) == []


def test_single_department_objective_is_never_joint_flagged():
    assert joint_objectives_measured_by_one_department([objective("s", krs=["leads"])], METRICS) == []


def test_key_results_on_metrics_without_departments_say_nothing():
    bare = [Metric(id="nps", name="NPS")]
    o = objective("j", departments=["sales"], krs=["nps"])
    assert joint_objectives_measured_by_one_department([o], bare) == []


def test_department_counts_when_owner_or_contributor():
    objs = [objective("a", owner="marketing", departments=["sales"])]
    flagged = [f.subject for f in departments_without_objective(objs, default_departments())]
    assert flagged == ["product", "customer-service", "finance"]


def test_formula_inputs_of_a_used_metric_are_used():
    used = metrics_used([objective("a", krs=["ltv_cac"])], METRICS)
    assert {"ltv_cac", "clv", "cac", "marketing_cost", "sales_cost", "new_customers",
            "avg_revenue_per_customer", "gross_margin", "avg_lifespan_periods"} <= used
    assert "visits" not in used


def test_unused_metrics_are_the_rest():
    flags = unused_metrics([objective("a", krs=["conversion_rate"])], METRICS)
    subjects = {f.subject for f in flags}
    assert "visits" not in subjects and "purchases" not in subjects
    assert "roi" in subjects
    assert len(subjects) == len(METRICS) - 3


def test_health_flags_orders_by_kind():
    objs = [objective("empty"), objective("j", departments=["sales"], krs=["leads"])]
    kinds = [f.kind for f in health_flags(objs, default_departments(), METRICS)]
    assert kinds.index("objective_without_key_results") < kinds.index("joint_objective_one_department")
    assert kinds.index("joint_objective_one_department") < kinds.index("department_without_objective")
    assert kinds[-1] == "metric_unused"


def test_no_objectives_flags_every_department_and_metric():
    flags = health_flags([], default_departments(), METRICS)
    assert sum(f.kind == "department_without_objective" for f in flags) == 5
    assert sum(f.kind == "metric_unused" for f in flags) == len(METRICS)


def test_a_key_result_aiming_the_wrong_way_is_flagged():
    """A revenue target under its baseline, or a churn target above it, is met by getting
    worse: flagged, as the key result form refuses it."""
    from model.health import key_results_backwards

    fine = Objective(id="ok", title="ok", period="2026-Q1", owner="finance", key_results=[
        KeyResult(metric="revenue", baseline=100, target=120),
        KeyResult(metric="churn", baseline=0.05, target=0.03)])
    backwards = Objective(id="back", title="back", period="2026-Q1", owner="finance",
                          key_results=[KeyResult(metric="revenue", baseline=100, target=90),
                                       KeyResult(metric="churn", baseline=0.05, target=0.07)])
    flags = key_results_backwards([fine, backwards], METRICS)
    assert [f.message for f in flags] == [
        "objective back: the key result on revenue aims below its baseline, though higher is "
        "better",
        "objective back: the key result on churn aims above its baseline, though lower is "
        "better"]
    assert {f.kind for f in health_flags([backwards], [], METRICS)} >= {"key_result_backwards"}
