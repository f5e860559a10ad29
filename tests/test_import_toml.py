import pytest
from click.testing import CliRunner

from model.check import integrity_problems
from model.errors import AlignError
from model.exchange import export_toml, import_file, import_plan, parse_plan_text, plan_to_toml
from model.reviews import save_review
from model.schema import Department, Plan, ReviewedItem, StatusChange
from model.store import PlanStore
from tests.factories import meeting_review, small_plan
from tui.cli import main


@pytest.fixture
def store(tmp_path):
    s = PlanStore.open(tmp_path / "plan.db")
    s.apply_plan(small_plan(), replace=True)
    yield s
    s.close()


def test_round_trip_into_an_empty_plan_is_byte_identical(tmp_path):
    text = plan_to_toml(small_plan())
    with PlanStore.open(tmp_path / "empty.db") as s:
        import_plan(s, parse_plan_text(text))
        assert export_toml(s) == text


def test_merge_upserts_and_keeps_what_the_file_does_not_mention(store):
    text = plan_to_toml(small_plan()).replace('title = "Grow profitably"', 'title = "Grow, profitably"')
    head, _, _ = text.partition("[[departments]]")
    partial = head + '[[departments]]\nid = "legal"\nname = "Legal"\n'
    diff = import_plan(store, parse_plan_text(partial))
    assert diff.kinds["departments"].added == ["legal"]
    assert diff.kinds["objectives"].is_empty
    assert store.objective("company-growth") is not None
    diff = import_plan(store, parse_plan_text(text))
    assert diff.kinds["objectives"].changed == [("company-growth", ["title"])]
    assert diff.kinds["departments"].removed == []
    assert store.objective("company-growth").title == "Grow, profitably"
    assert {d.id for d in store.departments()} >= {"legal", "sales"}


def test_replace_makes_the_plan_equal_to_the_file(store):
    store.save_department(Department(id="legal", name="Legal"))
    text = plan_to_toml(small_plan())
    diff = import_plan(store, parse_plan_text(text), replace=True)
    assert diff.kinds["departments"].removed == ["legal"]
    assert export_toml(store) == text


def test_dry_run_writes_nothing(store):
    before = export_toml(store)
    text = before.replace('name = "Sales"', 'name = "Sales & Partnerships"')
    diff = import_plan(store, parse_plan_text(text), dry_run=True)
    assert diff.kinds["departments"].changed == [("sales", ["name"])]
    assert "departments: 0 added, 1 changed, 0 removed" in diff.summary_lines()
    assert export_toml(store) == before


def test_nothing_to_do_says_so(store):
    diff = import_plan(store, parse_plan_text(export_toml(store)))
    assert diff.is_empty and diff.summary_lines() == ["no changes: the plan already matches the file"]


def test_unknown_keys_are_reported(store):
    text = plan_to_toml(small_plan()).replace('id = "company-growth"\n', 'id = "company-growth"\ncolour = "red"\n')
    text = text.replace("fiscal_year_start = 1\n", "fiscal_year_start = 1\nowner_email = \"x\"\n")
    diff = import_plan(store, parse_plan_text(text))
    assert "objectives[0].colour: unknown key, ignored" in diff.warnings
    assert "owner_email: unknown key, ignored" in diff.warnings


def test_reference_errors_use_file_locations(store):
    text = plan_to_toml(small_plan()).replace('owner = "marketing"\n', 'owner = "legal"\n', 1)
    with pytest.raises(AlignError) as exc:
        import_plan(store, parse_plan_text(text))
    assert "objectives[1].owner: unknown department 'legal'" in exc.value.details


def test_import_file_prefixes_the_path(tmp_path, store):
    path = tmp_path / "bad.toml"
    path.write_text('format = "align-plan"\nversion = 1\n[[objectives]]\nid = "x"\n')
    with pytest.raises(AlignError) as exc:
        import_file(store, path)
    assert str(path) in exc.value.message
    assert "objectives[0].title: required, but missing" in exc.value.details


def test_a_date_written_as_a_toml_date_is_read_as_that_date(store):
    text = plan_to_toml(small_plan()).replace(
        '{ field = "last_activity", op = "within_last_days", value = 30 }',
        '{ field = "last_activity", op = "after", value = 2025-10-01 }')
    import_plan(store, parse_plan_text(text))
    rule = next(r for r in store.scoring_model("b2b").rules if r.id == "recent")
    assert (rule.when[0].op, rule.when[0].value) == ("after", "2025-10-01")
    assert '{ field = "last_activity", op = "after", value = "2025-10-01" }' in export_toml(store)


def _with_rule(store, rule) -> None:
    model = store.scoring_model("b2b")
    store.save_scoring_model(model.model_copy(update={"rules": [*model.rules, rule]}))


def test_a_merge_keeps_the_rules_the_file_does_not_mention(store):
    """Rules have ids: a merge upserts them like any entity, and the diff names them."""
    from model.schema import Condition, Rule

    text = export_toml(store).replace("points = 15", "points = 25")
    local = Rule(id="local-only", dimension="fit", points=5,
                 when=[Condition(field="industry", op="eq", value="Retail")])
    _with_rule(store, local)
    diff = import_plan(store, parse_plan_text(text), dry_run=True)
    assert diff.kinds["scoring_models"].changed == [("b2b", ["rules ~saas"])]
    diff = import_plan(store, parse_plan_text(text))
    rules = {r.id: r for r in store.scoring_model("b2b").rules}
    assert rules["local-only"] == local and rules["saas"].points == 25
    assert [r.id for r in store.scoring_model("b2b").rules] == [
        "saas", "students", "recent", "local-only"]
    # replace makes the plan equal to the file, and says which rule goes
    diff = import_plan(store, parse_plan_text(text), replace=True, dry_run=True)
    assert diff.kinds["scoring_models"].changed == [("b2b", ["rules -local-only"])]
    import_plan(store, parse_plan_text(text), replace=True)
    assert export_toml(store) == text


def test_a_model_the_file_changes_names_its_rules_in_the_diff(store):
    text = export_toml(store)
    start = text.index('  [[scoring_models.rules]]\n  id = "students"')
    end = text.index("  [[scoring_models.rules]]", start + 1)
    fewer = text[:start] + text[end:]  # without the rule `students`
    diff = import_plan(store, parse_plan_text(fewer.replace('name = "B2B default"',
                                                             'name = "B2B"')),
                       replace=True, dry_run=True)
    assert diff.kinds["scoring_models"].changed == [("b2b", ["name", "rules -students"])]


def test_leads_roles_naming_columns_the_leads_lack_are_taken_with_a_warning(tmp_path, store):
    from model.leads import import_leads_csv
    from model.schema import LeadsRoles

    csv_path = tmp_path / "leads.csv"
    csv_path.write_text("lead_id,converted,created\na,1,2026-01-05\nb,0,2026-02-01\n")
    import_leads_csv(store, csv_path, roles=LeadsRoles(id="lead_id", outcome="converted",
                                                       won_values=["1"], created="created"))
    text = export_toml(store).replace('outcome = "converted"', 'outcome = "won"')
    diff = import_plan(store, parse_plan_text(text))
    assert diff.leads_changed and store.leads_roles().outcome == "won"
    assert [w for w in diff.warnings if w.startswith("leads: ")] == [
        "leads: the leads column role outcome names 'won', which the leads dataset does not "
        "have, so deals won and lost, new customers, deal revenue are not counted from the "
        "leads; import the leads again with the role mapped (`align leads import CSV DB "
        "--outcome COLUMN=WON`, or i in Lead scoring)"]
    # the same roles again: nothing changes, nothing to warn of
    assert not [w for w in import_plan(store, parse_plan_text(text)).warnings
                if w.startswith("leads: ")]


def test_replace_keeps_a_link_a_removed_entity_held_before(store):
    """The file moves a note to another objective and drops the note's old objective; the
    decision answering the note is unchanged. It keeps its `answers`: the old objective's
    delete used to cascade to the note, and clear the link, after the decision was compared."""
    plan = store.load_plan()
    note = next(n for n in plan.notes if n.id == "n-lead-quality")
    decision = next(d for d in plan.decisions if d.answers == note.id)
    old = note.objective
    target = next(o.id for o in plan.objectives if o.id != old and o.parent != old)
    store.save_decision(decision.model_copy(update={"objective": target}))
    plan = store.load_plan()
    edited = plan.model_copy(update={
        "objectives": [o for o in plan.objectives if o.id != old],
        "notes": [n.model_copy(update={"objective": target}) if n.id == note.id else n
                  for n in plan.notes]})
    assert not any(o.parent == old for o in edited.objectives)
    text = plan_to_toml(edited)
    import_plan(store, parse_plan_text(text), replace=True)
    assert next(d for d in store.list("decisions") if d.id == decision.id).answers == note.id
    assert export_toml(store) == text


# ---- review meetings ---------------------------------------------------------------------------
def with_reviews(*reviews) -> Plan:
    plan = small_plan()
    plan.reviews = list(reviews)
    return plan


def test_reviews_round_trip_into_an_empty_plan_byte_identical(tmp_path):
    plan = with_reviews(meeting_review("review-b", ended_at="2026-04-02T10:30:00"),
                        meeting_review("review-a", items=[], signals=[]))
    text = plan_to_toml(plan)
    with PlanStore.open(tmp_path / "empty.db") as s:
        diff = import_plan(s, parse_plan_text(text))
        assert diff.kinds["reviews"].added == ["review-a", "review-b"]
        assert s.load_plan().reviews == sorted(plan.reviews, key=lambda r: r.id)
        assert export_toml(s) == text


def test_a_merge_adds_and_updates_reviews_by_id_and_keeps_those_the_file_lacks(store):
    save_review(store, meeting_review("review-kept"))
    save_review(store, meeting_review("review-updated"))
    text = plan_to_toml(with_reviews(meeting_review("review-updated", signals=["Churn is red"]),
                                     meeting_review("review-new")))
    diff = import_plan(store, parse_plan_text(text))
    assert diff.kinds["reviews"].added == ["review-new"]
    assert diff.kinds["reviews"].changed == [("review-updated", ["signals"])]
    assert diff.kinds["reviews"].removed == []
    assert [r.id for r in store.reviews()] == ["review-kept", "review-new", "review-updated"]
    assert store.get("reviews", "review-updated").signals == ["Churn is red"]
    assert import_plan(store, parse_plan_text(text)).is_empty


def test_replace_removes_the_reviews_the_file_lacks(store):
    save_review(store, meeting_review("review-old"))
    text = plan_to_toml(with_reviews(meeting_review("review-new")))
    diff = import_plan(store, parse_plan_text(text), replace=True)
    assert (diff.kinds["reviews"].added, diff.kinds["reviews"].removed) == (["review-new"],
                                                                            ["review-old"])
    assert [r["id"] for r in store.db.query("SELECT id FROM reviews")] == ["review-new"]
    assert export_toml(store) == text


def test_a_dry_run_names_the_reviews_it_would_change_and_writes_nothing(store):
    save_review(store, meeting_review("review-old"))
    save_review(store, meeting_review("review-moved"))
    text = plan_to_toml(with_reviews(meeting_review("review-new"),
                                     meeting_review("review-moved", period="2026-Q2")))
    before = export_toml(store)
    diff = import_plan(store, parse_plan_text(text), replace=True, dry_run=True)
    lines = diff.report_lines()  # as the in-app import shows it
    assert "reviews: 1 added, 1 changed, 1 removed" in lines
    assert {"  + review-new", "  ~ review-moved (period)", "  - review-old"} <= set(lines)
    assert export_toml(store) == before
    file = store.path.parent / "plan.toml"
    file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(file), str(store.path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "reviews: 1 added, 1 changed, 0 removed" in result.output
    assert "  + review-new" in result.output
    assert export_toml(store) == before


def test_the_ids_a_review_names_are_a_snapshot_not_links(store, tmp_path):
    """An objective deleted after the meeting, or never in this plan, leaves the review valid."""
    review = meeting_review(
        items=[ReviewedItem(kind="objective", id="long-gone", title="Gone", attention="rest")],
        changes=[StatusChange(objective="long-gone", title="Gone", field="state",
                              before="active", after="dropped")])
    import_plan(store, parse_plan_text(plan_to_toml(with_reviews(review))))
    store.delete("objectives", "grow-smb-pipeline")  # named by the review's other records
    assert integrity_problems(store) == []
    text = export_toml(store)
    with PlanStore.open(tmp_path / "other.db") as other:
        import_plan(other, parse_plan_text(text), replace=True)
        assert other.get("reviews", review.id) == review
        assert export_toml(other) == text


def test_a_review_written_without_a_start_time_started_on_its_day(store):
    text = ('format = "align-plan"\nversion = 1\n\n[[reviews]]\nid = "by-hand"\n'
            'period = "2026-Q1"\ndate = 2026-04-02\n')
    import_plan(store, parse_plan_text(text))
    assert store.get("reviews", "by-hand").started_at == "2026-04-02T00:00:00"
    assert import_plan(store, parse_plan_text(text)).is_empty  # not stamped anew each time


def test_unknown_keys_in_a_review_are_reported(store):
    text = plan_to_toml(with_reviews(meeting_review()))
    text = text.replace('  kind = "metric"\n', '  kind = "metric"\n  colour = "red"\n')
    text = text.replace('period = "2026-Q1"\ndate = 2026-04-02\n',
                        'period = "2026-Q1"\ndate = 2026-04-02\nroom = "Oak"\n')
    diff = import_plan(store, parse_plan_text(text))
    assert "reviews[0].items[1].colour: unknown key, ignored" in diff.warnings
    assert "reviews[0].room: unknown key, ignored" in diff.warnings
    assert diff.kinds["reviews"].added == ["review-2026-q1-2026-04-02"]
