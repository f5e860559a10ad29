"""Plan exchange findings: sets merged by member in the merge driver, a merge import that keeps
the plan's own rules in place, and hand-edited files whose mistakes are said, not absorbed."""

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from model.errors import AlignError
from model.exchange import export_toml, import_plan, parse_plan_text, plan_to_toml
from model.plan_merge import merge_plan_texts
from model.schema import (
    ENTITY_KINDS,
    FROM_FILE,
    PERSONA_LIST_FIELDS,
    SET_FIELDS,
    Condition,
    LeadsRoles,
    Metric,
    Objective,
    Persona,
    Plan,
    Rule,
)
from model.store import PlanStore
from tests.factories import small_plan
from tui.cli import main

HEAD = 'format = "align-plan"\nversion = 1\n'


def by_id(items, key):
    return next(item for item in items if item.id == key)


def plan_of(text: str) -> Plan:
    return parse_plan_text(text).plan


# ---- the merge driver merges sets by member (finding 3) ----------------------------------------
def base_plan() -> Plan:
    plan = small_plan()
    plan.personas += [Persona(id="cfo-carl", name="CFO Carl"),
                      Persona(id="dev-dana", name="Developer Dana")]
    return plan


def edited(change) -> str:
    plan = base_plan().model_copy(deep=True)
    change(plan)
    return plan_to_toml(plan)


def set_members(kind, key, name, *, add=(), remove=()):
    def change(plan):
        entity = by_id(getattr(plan, kind), key)
        members = [m for m in getattr(entity, name) if m not in remove] + list(add)
        setattr(entity, name, sorted(set(members)))  # as validation leaves it
    return change


def merged(ours_change, theirs_change):
    return merge_plan_texts(plan_to_toml(base_plan()), edited(ours_change), edited(theirs_change))


# One case per set field of the schema, (kind, field): (entity, ours adds, theirs adds, result).
# Both sides' members sort into one place, where a merge by position would conflict.
SET_CASES = {
    ("objectives", "departments"): ("grow-smb-pipeline", "finance", "customer-service",
                                    ["customer-service", "finance", "marketing", "sales"]),
    ("objectives", "personas"): ("grow-smb-pipeline", "dev-dana", "cfo-carl",
                                 ["cfo-carl", "dev-dana", "ops-olivia"]),
    ("metrics", "departments"): ("revenue", "product", "marketing",
                                 ["finance", "marketing", "product", "sales"]),
    ("scoring_models", "mql_cells"): ("b2b", "A4", "A3", ["A1", "A2", "A3", "A4", "B1"]),
}


def test_every_set_field_of_the_schema_has_a_merge_case():
    assert set(SET_CASES) == {(kind, name) for kind, names in SET_FIELDS.items()
                              for name in names}
    assert set(SET_FIELDS) <= set(ENTITY_KINDS)


@pytest.mark.parametrize(("kind", "name"), list(SET_CASES))
def test_members_added_to_a_set_on_both_sides_all_land_sorted(kind, name):
    key, ours_adds, theirs_adds, expected = SET_CASES[(kind, name)]
    result = merged(set_members(kind, key, name, add=[ours_adds]),
                    set_members(kind, key, name, add=[theirs_adds]))
    assert result.clean, (result.conflicts, result.errors)
    assert "<<<<<<<" not in result.text
    assert getattr(by_id(getattr(plan_of(result.text), kind), key), name) == expected
    assert result.text == plan_to_toml(plan_of(result.text))  # as export writes it


@pytest.mark.parametrize(("kind", "name"), list(SET_CASES))
def test_each_sides_reading_of_a_set_merge_is_the_same(kind, name):
    key, ours_adds, theirs_adds, _ = SET_CASES[(kind, name)]
    ours = set_members(kind, key, name, add=[ours_adds])
    theirs = set_members(kind, key, name, add=[theirs_adds])
    assert merged(ours, theirs).text == merged(theirs, ours).text


def test_a_member_removed_on_one_side_and_kept_on_the_other_is_removed():
    result = merged(set_members("objectives", "grow-smb-pipeline", "departments",
                                remove=["sales"]),
                    set_members("objectives", "grow-smb-pipeline", "departments",
                                add=["finance"]))
    assert result.clean, result.conflicts
    objective = by_id(plan_of(result.text).objectives, "grow-smb-pipeline")
    assert objective.departments == ["finance", "marketing"]


def test_a_set_emptied_on_one_side_loses_its_key_and_merges_with_the_others_addition():
    """Export leaves an empty list out, so the emptying side has no key at all."""
    emptied = set_members("objectives", "grow-smb-pipeline", "personas", remove=["ops-olivia"])
    assert "personas" not in edited(emptied).split('id = "grow-smb-pipeline"')[1].split("[[")[0]
    added = set_members("objectives", "grow-smb-pipeline", "personas", add=["cfo-carl"])
    for ours, theirs in ((emptied, added), (added, emptied)):
        result = merged(ours, theirs)
        assert result.clean, (result.conflicts, result.errors)
        objective = by_id(plan_of(result.text).objectives, "grow-smb-pipeline")
        assert objective.personas == ["cfo-carl"]


def test_removals_and_additions_on_both_sides_of_mql_cells_combine():
    result = merged(set_members("scoring_models", "b2b", "mql_cells", add=["C1"],
                                remove=["A2"]),
                    set_members("scoring_models", "b2b", "mql_cells", add=["A3"],
                                remove=["A2", "B1"]))
    assert result.clean, result.conflicts
    assert by_id(plan_of(result.text).scoring_models, "b2b").mql_cells == ["A1", "A3", "C1"]


def test_an_objective_added_on_both_sides_with_different_departments_takes_both():
    def add(department):
        def change(plan):
            plan.objectives.append(Objective(id="joint", title="Joint", period="2026-Q1",
                                             owner="marketing", departments=[department]))
        return change

    result = merged(add("sales"), add("finance"))
    assert result.clean, result.conflicts
    assert by_id(plan_of(result.text).objectives, "joint").departments == [
        "finance", "marketing", "sales"]


def test_an_ordered_list_still_merges_by_position():
    """Only sets merge by member: a persona's pain points added at one place on both sides
    still conflict, since their order means something."""
    def add_pain(text):
        return lambda plan: by_id(plan.personas, "ops-olivia").pain_points.append(text)

    result = merged(add_pain("Ours"), add_pain("Theirs"))
    assert result.conflicts == [
        "personas 'ops-olivia' pain_points: changed differently on both sides"]


def test_merge_file_adds_both_sides_departments_without_a_conflict(tmp_path):
    paths = []
    for label, text in (
            ("ours", edited(set_members("objectives", "grow-smb-pipeline", "departments",
                                        add=["finance"]))),
            ("base", plan_to_toml(base_plan())),
            ("theirs", edited(set_members("objectives", "grow-smb-pipeline", "departments",
                                          add=["customer-service"])))):
        path = tmp_path / f"{label}.toml"
        path.write_text(text)
        paths.append(path)
    result = CliRunner().invoke(main, ["merge-file", *map(str, paths)])
    assert result.exit_code == 0, result.output
    objective = by_id(plan_of(paths[0].read_text()).objectives, "grow-smb-pipeline")
    assert objective.departments == ["customer-service", "finance", "marketing", "sales"]


# ---- a merge import keeps the plan's own rules in place (finding 4) ----------------------------
@pytest.fixture
def store(tmp_path):
    s = PlanStore.open(tmp_path / "plan.db")
    s.apply_plan(small_plan(), replace=True)
    yield s
    s.close()


def without_rule(text: str, rule_id: str) -> str:
    start = text.index(f'  [[scoring_models.rules]]\n  id = "{rule_id}"')
    end = text.find("  [[scoring_models.rules]]", start + 1)
    if end == -1:  # the model's last rule: up to the next block (rules are indented)
        end = text.index("\n\n[", start) + 2
    return text[:start] + text[end:]


def rule_ids(store) -> list[str]:
    return [r.id for r in store.scoring_model("b2b").rules]


@pytest.mark.parametrize("rule_id", ["saas", "students", "recent"])
def test_an_older_file_without_a_plan_rule_changes_nothing(store, monkeypatch, rule_id):
    before = export_toml(store)
    older = without_rule(before, rule_id)  # a teammate's file from before the rule was added
    assert rule_id not in [r.id for r in plan_of(older).scoring_models[0].rules]
    diff = import_plan(store, parse_plan_text(older), dry_run=True)
    assert diff.is_empty, diff.summary_lines()
    assert diff.summary_lines() == ["no changes: the plan already matches the file"]

    def no_write(*args, **kwargs):
        raise AssertionError("the import wrote to the plan")

    monkeypatch.setattr(store, "apply_plan", no_write)
    assert import_plan(store, parse_plan_text(older)).is_empty
    assert rule_ids(store) == ["saas", "students", "recent"]
    assert export_toml(store) == before


def test_import_of_an_older_file_says_there_is_nothing_to_change(store, tmp_path):
    before = export_toml(store)
    file = tmp_path / "older.toml"
    file.write_text(without_rule(before, "students"), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(file), str(store.path)])
    assert result.exit_code == 0, result.output
    assert "no changes: the plan already matches the file" in result.output
    assert "rules order" not in result.output
    assert export_toml(store) == before


def test_a_plan_rule_stays_after_the_rule_it_follows_when_the_file_adds_one_there(store):
    text = without_rule(export_toml(store), "students")
    new = ('  [[scoring_models.rules]]\n  id = "new-rule"\n  dimension = "fit"\n  when = [\n'
           '    { field = "industry", op = "eq", value = "Retail" },\n  ]\n  points = 5\n\n')
    at = text.index('  [[scoring_models.rules]]\n  id = "recent"')
    text = text[:at] + new + text[at:]
    assert [r.id for r in plan_of(text).scoring_models[0].rules] == ["saas", "new-rule", "recent"]
    diff = import_plan(store, parse_plan_text(text))
    assert diff.kinds["scoring_models"].changed == [("b2b", ["rules +new-rule"])]
    # the file's new rule where the file has it, the plan's own after the rule it follows
    assert rule_ids(store) == ["saas", "new-rule", "students", "recent"]


def test_plan_rules_in_a_row_keep_their_order_and_place(store):
    model = store.scoring_model("b2b")
    local = [Rule(id=rule_id, dimension="fit", points=1,
                  when=[Condition(field="industry", op="eq", value=rule_id)])
             for rule_id in ("local-a", "local-b")]
    store.save_scoring_model(model.model_copy(update={
        "rules": [model.rules[0], *local, *model.rules[1:]]}))
    before = export_toml(store)
    older = without_rule(without_rule(before, "local-a"), "local-b")
    assert import_plan(store, parse_plan_text(older)).is_empty
    assert rule_ids(store) == ["saas", "local-a", "local-b", "students", "recent"]
    assert export_toml(store) == before


def test_a_file_that_reorders_rules_still_reorders_them_with_plan_rules_in_place(store):
    text = export_toml(store)
    saas = text[text.index('  [[scoring_models.rules]]\n  id = "saas"'):
                text.index('  [[scoring_models.rules]]\n  id = "students"')]
    reordered = without_rule(without_rule(text, "students"), "saas")
    at = reordered.index("\n\n[", reordered.index('  id = "recent"')) + 2
    reordered = reordered[:at] + saas + reordered[at:]
    assert [r.id for r in plan_of(reordered).scoring_models[0].rules] == ["recent", "saas"]
    diff = import_plan(store, parse_plan_text(reordered))
    assert diff.kinds["scoring_models"].changed == [("b2b", ["rules order"])]
    assert rule_ids(store) == ["recent", "saas", "students"]


# ---- a period given twice in a metric's targets (finding 5) ------------------------------------
TWICE = HEAD + ('[[metrics]]\nid = "revenue"\nname = "R"\n\n[metrics.targets]\n'
                '2026-Q1 = 1\n" 2026-Q1" = 2\n')


def test_a_period_given_twice_in_targets_is_refused_with_its_place():
    with pytest.raises(AlignError) as caught:
        parse_plan_text(TWICE, "dk.toml")
    assert caught.value.message == "dk.toml: the plan file is not valid; nothing was changed"
    assert caught.value.details == [
        'metrics[0].targets: the period 2026-Q1 is given twice ("2026-Q1" and " 2026-Q1")']


def test_keys_that_differ_by_a_tab_name_the_tab():
    text = HEAD + ('[[metrics]]\nid = "revenue"\nname = "R"\n\n[metrics.targets]\n'
                   '"\\t2026-03" = 1\n"2026-03 " = 2\n')
    with pytest.raises(AlignError) as caught:
        parse_plan_text(text)
    assert caught.value.details == [
        'metrics[0].targets: the period 2026-03 is given twice ("\\t2026-03" and "2026-03 ")']


def test_an_import_with_a_period_given_twice_changes_nothing(store, tmp_path):
    before = export_toml(store)
    file = tmp_path / "dk.toml"
    file.write_text(TWICE, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(file), str(store.path)])
    assert result.exit_code == 1
    assert "metrics[0].targets: the period 2026-Q1 is given twice" in result.output
    assert export_toml(store) == before


def test_a_period_written_with_spaces_once_is_still_read_as_that_period():
    plan = plan_of(HEAD + '[[metrics]]\nid = "revenue"\nname = "R"\n\n[metrics.targets]\n'
                          '" 2026-Q1" = 1\n2026-Q2 = 2\n')
    assert plan.metrics[0].targets == {"2026-Q1": 1.0, "2026-Q2": 2.0}


def test_a_form_that_gives_a_period_twice_is_refused_too():
    with pytest.raises(ValidationError, match="the period 2026-Q1 is given twice"):
        Metric.model_validate({"id": "revenue", "name": "R",
                               "targets": {"2026-Q1": 1, "2026-Q1 ": 2}})


# ---- hand-edited persona lists and leads roles (finding 6) -------------------------------------
@pytest.mark.parametrize("name", PERSONA_LIST_FIELDS)
def test_a_persona_list_given_as_text_in_a_file_is_refused(name):
    for value, shown in (('"Grow fast\\nSave time"', "'Grow fast\\nSave time'"),
                         ('"Grow"', "'Grow'")):
        text = HEAD + f'[[personas]]\nid = "p"\nname = "P"\n{name} = {value}\n'
        with pytest.raises(AlignError) as caught:
            parse_plan_text(text)
        assert caught.value.details == [f"personas[0].{name}: expected a list, got {shown}"]


def test_a_persona_list_as_a_list_in_a_file_is_read():
    plan = plan_of(HEAD + '[[personas]]\nid = "p"\nname = "P"\ngoals = ["Grow fast", "Save time"]\n')
    assert plan.personas[0].goals == ["Grow fast", "Save time"]


def test_the_persona_form_still_gives_its_lists_as_text_one_item_a_line():
    persona = Persona.model_validate({"id": "p", "name": "P", "goals": "Grow fast\n\nSave time\n"})
    assert persona.goals == ["Grow fast", "Save time"]
    with pytest.raises(ValidationError, match="expected a list"):
        Persona.model_validate({"id": "p", "name": "P", "goals": "Grow"}, context=FROM_FILE)


@pytest.mark.parametrize("role", ["id", "outcome", "created", "closed", "amount"])
@pytest.mark.parametrize("blank", ["", "  ", "\\t"])
def test_a_blank_leads_column_name_in_a_file_is_refused_with_its_key(role, blank):
    with pytest.raises(AlignError) as caught:
        parse_plan_text(HEAD + f'[leads]\n{role} = "{blank}"\n')
    assert caught.value.details == [
        f"leads.{role}: the column name is blank; name a column of the leads, or leave the key "
        f"out for no {role} column"]


def test_blank_leads_roles_in_an_import_change_nothing(store, tmp_path):
    before = export_toml(store)
    file = tmp_path / "c12.toml"
    file.write_text(HEAD + '[leads]\nid = ""\noutcome = "  "\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(file), str(store.path)])
    assert result.exit_code == 1
    assert "leads.id: the column name is blank" in result.output
    assert "leads.outcome: the column name is blank" in result.output
    assert export_toml(store) == before


def test_named_leads_roles_in_a_file_are_read_as_they_are():
    plan = plan_of(HEAD + '[leads]\nid = "Lead ID"\noutcome = "stage"\nwon_values = ["won"]\n')
    assert plan.leads == LeadsRoles(id="Lead ID", outcome="stage", won_values=["won"])


@pytest.mark.parametrize("date_format, problem", [
    ("", "the date format is blank; leave it out for ISO dates (2025-03-31)"),
    ("dd/mm/yyyy", "date format 'dd/mm/yyyy' is not a strptime pattern (for example %d/%m/%Y)"),
    ("%Q/%m", "date format '%Q/%m' is not a usable strptime pattern (for example %d/%m/%Y)"),
])
def test_a_leads_date_format_no_import_could_use_is_refused_in_a_file(date_format, problem):
    with pytest.raises(AlignError) as caught:
        parse_plan_text(HEAD + f'[leads]\ndate_format = "{date_format}"\n')
    assert caught.value.details == [f"leads.date_format: {problem}"]


def test_a_saved_blank_date_format_reads_as_none_and_a_usable_one_is_kept():
    assert LeadsRoles.model_validate({"date_format": " "}).date_format is None
    assert plan_of(HEAD + '[leads]\ndate_format = "%d.%m.%Y"\n').leads.date_format == "%d.%m.%Y"


@pytest.mark.parametrize("text, said", [
    ("Keep \\u001b]0;PWNED\\u0007 customers", "holds a control character (U+001B) at character 6"),
    ("Keep\\u0000", "holds a control character (U+0000) at character 5"),
    ("Keep\\u0085them", "holds a control character (U+0085) at character 5"),
    ("Two\\nlines", "holds a line break at character 4; a name is one line"),
])
def test_a_name_with_a_control_character_in_a_file_is_refused_with_its_place(text, said):
    """In a terminal a control character is a command (the window title, colours): a
    teammate's file cannot bring one in."""
    with pytest.raises(AlignError) as caught:
        parse_plan_text(HEAD + f'[[personas]]\nid = "p"\nname = "{text}"\n')
    assert caught.value.details == [f"personas[0].name: {said}; remove it"
                                    if "control" in said else f"personas[0].name: {said}"]


def test_text_keeps_its_line_breaks_and_tabs_and_any_printable_character():
    plan = plan_of(HEAD + '[[personas]]\nid = "p"\nname = "Zoë “the buyer” 🙂"\n'
                   'tagline = "first\\nsecond\\tthird"\ngoals = ["Grow — fast"]\n')
    persona = plan.personas[0]
    assert (persona.name, persona.tagline, persona.goals) == (
        "Zoë “the buyer” 🙂", "first\nsecond\tthird", ["Grow — fast"])
    with pytest.raises(AlignError, match=r"personas\[0\]\.goals\[0\]: holds a control character"):
        parse_plan_text(HEAD + '[[personas]]\nid = "p"\nname = "P"\ngoals = ["a\\u001bb"]\n')
