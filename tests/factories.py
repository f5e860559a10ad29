"""Small, readable plans for tests."""

from __future__ import annotations

import datetime as dt

from model.catalog import default_departments, default_metrics
from model.schema import (
    Condition,
    Decision,
    KeyResult,
    LeadsRoles,
    Measurement,
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
)


def small_plan() -> Plan:
    """Every kind of entity at least once, with the links between them."""
    metrics = default_metrics()
    for m in metrics:
        if m.id == "roi":
            m.targets = {"2026-Q1": 2.0, "2026-Q2": 2.5}
    return Plan(
        settings=PlanSettings(name="Acme FY26", fiscal_year_start=1),
        departments=default_departments(),
        metrics=metrics,
        objectives=[
            Objective(id="company-growth", title="Grow profitably", period="2026-Q1",
                      owner="finance", state="active",
                      key_results=[KeyResult(metric="revenue", baseline=100000, target=150000)]),
            Objective(id="grow-smb-pipeline", title="Turn SMB demand into closed revenue",
                      why="SMB deals close fastest.", period="2026-Q1", owner="marketing",
                      departments=["sales"], parent="company-growth", state="active",
                      confidence="medium", personas=["ops-olivia"],
                      key_results=[KeyResult(metric="lead_to_customer", baseline=0.08, target=0.11),
                                   KeyResult(metric="cac", baseline=900, target=700, weight=2)]),
        ],
        measurements=[
            Measurement(metric="revenue", period="2026-01", value=120000.0,
                        recorded_at="2026-02-01T09:00:00"),
            Measurement(metric="revenue", period="2026-01", value=121500.0, note="late invoices",
                        recorded_at="2026-02-03T10:30:00"),
            Measurement(metric="marketing_cost", period="2026-01", value=40000.0,
                        recorded_at="2026-02-01T09:00:00", source="import"),
            Measurement(metric="visits", period="2026-02", not_applicable=True,
                        recorded_at="2026-03-01T09:00:00"),
        ],
        personas=[
            Persona(id="ops-olivia", name="Operations Olivia", tagline="Wants one view of the funnel",
                    role="Head of Operations", titles=["VP Operations", "Head of Ops"],
                    pain_points=["Manual reporting", "No single view of the funnel"],
                    quotes=['"I spend Mondays on spreadsheets."'],
                    last_validated=dt.date(2026, 1, 15),
                    match=[Condition(field="title", op="contains", value="operations")]),
        ],
        notes=[
            Note(id="n-lead-quality", objective="grow-smb-pipeline", date=dt.date(2026, 2, 10),
                 text="Too many students in the MQLs", kind="feedback", from_department="sales",
                 to_department="marketing"),
        ],
        decisions=[
            Decision(id="d-student-knockout", objective="grow-smb-pipeline",
                     date=dt.date(2026, 2, 17), text="Add a knockout for .edu addresses",
                     owner="marketing", due=dt.date(2026, 3, 1), answers="n-lead-quality"),
        ],
        scoring_models=[
            ScoringModel(id="b2b", name="B2B default", rules=[
                Rule(id="saas", dimension="fit", points=15,
                     when=[Condition(field="industry", op="eq", value="SaaS")]),
                Rule(id="students", name="Students", dimension="fit", points=0, knockout=True,
                     when=[Condition(field="email", op="ends_with", value=".edu")],
                     rationale="Students never buy", owner="sales"),
                Rule(id="recent", dimension="engagement", points=20,
                     when=[Condition(field="last_activity", op="within_last_days", value=30),
                           Condition(field="page_views", op="between", value=[3, 50])]),
            ]),
        ],
        leads=LeadsRoles(id="lead_id", outcome="converted", won_values=["1", "yes"],
                         created="created", closed="closed", amount="amount"),
    )


def meeting_review(review_id: str = "review-2026-q1-2026-04-02", **fields) -> Review:
    """A review meeting as review mode saves it, of the small plan's 2026-Q1: something in each
    of its lists, and fields left at their defaults (no `ended_at`, an item without status)."""
    data = dict(
        id=review_id, period="2026-Q1", date=dt.date(2026, 4, 2), started_at="2026-04-02T09:00:00",
        items=[ReviewedItem(kind="objective", id="grow-smb-pipeline",
                            title="Turn SMB demand into closed revenue", attention="red",
                            reasons=["red key results: lead_to_customer"], status="red",
                            actual="40% progress", target="100%", share=0.4),
               ReviewedItem(kind="metric", id="visits", title="Website visits", attention="rest",
                            actual="")],
        notes=[RecordedNote(id="n-review", subject="grow-smb-pipeline",
                            text="SMB leads still lack a budget")],
        decisions=[RecordedDecision(id="d-review", subject="grow-smb-pipeline",
                                    text="Ask for the budget on the form", owner="marketing",
                                    due=dt.date(2026, 4, 30))],
        changes=[StatusChange(objective="grow-smb-pipeline",
                              title="Turn SMB demand into closed revenue", field="confidence",
                              before="medium", after="low", note="Budget question first")],
        measurements=[RecordedMeasurement(metric="revenue", title="Revenue", period="2026-03",
                                          value="130,000")],
        signals=["Lead-to-customer rate is red on the active objective"],
        carried_decisions=[RecordedDecision(id="d-student-knockout",
                                            subject="grow-smb-pipeline",
                                            text="Add a knockout for .edu addresses",
                                            owner="marketing", due=dt.date(2026, 3, 1))],
    )
    return Review(**{**data, **fields})
