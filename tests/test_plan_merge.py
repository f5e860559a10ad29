"""Plan files merged by entity: edits to different things combine, though git's line merge
would stop at them; a field both sides changed differently is marked as git marks conflicts."""

import datetime as dt
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from model.errors import AlignError
from model.exchange import parse_plan_text, plan_to_toml
from model.plan_merge import merge_plan_texts
from model.schema import Condition, KeyResult, Measurement, Persona, Plan, ReviewedItem, Rule
from tests.factories import meeting_review, small_plan
from tui.cli import main

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def edited(change) -> str:
    plan = small_plan().model_copy(deep=True)
    change(plan)
    return plan_to_toml(plan)


def merged(ours_change, theirs_change):
    base = plan_to_toml(small_plan())
    return merge_plan_texts(base, edited(ours_change), edited(theirs_change))


def plan_of(text: str) -> Plan:
    return parse_plan_text(text).plan


def by_id(items, key):
    return next(item for item in items if item.id == key)


def add_persona(persona_id, **fields):
    return lambda plan: plan.personas.append(Persona(id=persona_id, name=persona_id.title(),
                                                     **fields))


def add_rule(rule_id):
    def change(plan):
        plan.scoring_models[0].rules.append(
            Rule(id=rule_id, dimension="fit", points=5,
                 when=[Condition(field="industry", op="eq", value=rule_id)]))
    return change


def set_title(title):
    def change(plan):
        by_id(plan.objectives, "company-growth").title = title
    return change


def git_line_merge(tmp_path, base, ours, theirs) -> int:
    for label, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp_path / f"{label}.toml").write_text(text)
    return subprocess.run(["git", "merge-file", "-p", tmp_path / "ours.toml",
                           tmp_path / "base.toml", tmp_path / "theirs.toml"],
                          capture_output=True).returncode


@needs_git
def test_two_new_personas_in_the_same_place_merge_where_git_lines_conflict(tmp_path):
    ours, theirs = edited(add_persona("zoe-a")), edited(add_persona("zoe-b", tagline="Busy"))
    assert git_line_merge(tmp_path, plan_to_toml(small_plan()), ours, theirs) > 0
    result = merge_plan_texts(plan_to_toml(small_plan()), ours, theirs)
    assert result.clean
    personas = plan_of(result.text).personas
    assert [p.id for p in personas] == ["ops-olivia", "zoe-a", "zoe-b"]
    assert by_id(personas, "zoe-b").tagline == "Busy"
    assert result.text == plan_to_toml(plan_of(result.text))  # as Align writes it


def test_rules_added_to_one_model_on_both_sides_all_land_in_order():
    result = merged(add_rule("ours-rule"), add_rule("theirs-rule"))
    assert result.clean
    rules = [r.id for r in plan_of(result.text).scoring_models[0].rules]
    assert rules == ["saas", "students", "recent", "ours-rule", "theirs-rule"]


def test_a_rule_reordered_on_one_side_keeps_that_order_with_the_other_sides_addition():
    def reorder(plan):
        plan.scoring_models[0].rules.reverse()
    result = merged(add_rule("new-rule"), reorder)
    assert result.clean
    rules = [r.id for r in plan_of(result.text).scoring_models[0].rules]
    assert rules == ["recent", "new-rule", "students", "saas"]


def test_targets_for_different_periods_of_one_metric_combine():
    def target(period, value):
        def change(plan):
            by_id(plan.metrics, "revenue").targets[period] = value
        return change
    result = merged(target("2026-Q3", 1.0), target("2026-Q4", 2.0))
    assert result.clean
    targets = by_id(plan_of(result.text).metrics, "revenue").targets
    assert targets["2026-Q3"] == 1.0 and targets["2026-Q4"] == 2.0


def test_measurements_recorded_on_both_sides_are_all_kept():
    def record(period, value):
        return lambda plan: plan.measurements.append(Measurement(
            metric="revenue", period=period, value=value, recorded_at="2026-05-01T09:00:00"))
    result = merged(record("2026-04", 1.0), record("2026-05", 2.0))
    assert result.clean
    periods = {m.period for m in plan_of(result.text).measurements if m.metric == "revenue"}
    assert {"2026-04", "2026-05"} <= periods


def add_review(review_id, **fields):
    return lambda plan: plan.reviews.append(meeting_review(review_id, **fields))


@needs_git
def test_reviews_added_on_both_sides_are_both_kept_where_git_lines_conflict(tmp_path):
    ours = edited(add_review("review-2026-q1-2026-04-02"))
    theirs = edited(add_review("review-2026-q1-2026-04-09", date=dt.date(2026, 4, 9)))
    assert git_line_merge(tmp_path, plan_to_toml(small_plan()), ours, theirs) > 0
    result = merge_plan_texts(plan_to_toml(small_plan()), ours, theirs)
    assert result.clean, (result.conflicts, result.errors)
    reviews = plan_of(result.text).reviews
    assert [r.id for r in reviews] == ["review-2026-q1-2026-04-02", "review-2026-q1-2026-04-09"]
    assert by_id(reviews, "review-2026-q1-2026-04-09").date == dt.date(2026, 4, 9)
    assert result.text == plan_to_toml(plan_of(result.text))


def test_a_review_changed_differently_on_both_sides_is_a_conflict_named_by_its_id():
    plan = small_plan()
    plan.reviews = [meeting_review("review-1")]
    ours, theirs = plan.model_copy(deep=True), plan.model_copy(deep=True)
    ours.reviews[0].signals = ["Churn is red"]
    theirs.reviews[0].signals = ["Leads are red"]
    result = merge_plan_texts(plan_to_toml(plan), plan_to_toml(ours), plan_to_toml(theirs))
    assert result.conflicts == ["reviews 'review-1' signals: changed differently on both sides"]


def test_items_of_a_review_that_share_an_id_are_all_kept_when_both_sides_change_them():
    """An objective and a metric may have one id: a review's items are then merged as plain
    items, never by id, which would keep one of the two."""
    twins = [ReviewedItem(kind="objective", id="growth", title="Grow", attention="red"),
             ReviewedItem(kind="metric", id="growth", title="Growth rate", attention="rest")]
    plan = small_plan()
    plan.reviews = [meeting_review("review-1", items=twins)]
    base = plan_to_toml(plan)
    ours, theirs = plan.model_copy(deep=True), plan.model_copy(deep=True)
    ours.reviews[0].items[0].actual = "40% progress"
    theirs.reviews[0].items.append(ReviewedItem(kind="metric", id="leads", title="Leads",
                                                attention="stale"))
    result = merge_plan_texts(base, plan_to_toml(ours), plan_to_toml(theirs))
    assert result.clean, (result.conflicts, result.errors)
    items = plan_of(result.text).reviews[0].items
    assert [(i.kind, i.id, i.actual) for i in items] == [
        ("objective", "growth", "40% progress"), ("metric", "growth", "—"),
        ("metric", "leads", "—")]


def test_the_same_edit_on_both_sides_is_no_conflict():
    result = merged(set_title("Grow"), set_title("Grow"))
    assert result.clean
    assert by_id(plan_of(result.text).objectives, "company-growth").title == "Grow"


def test_one_field_changed_differently_is_marked_at_that_line_only():
    result = merged(set_title("Grow A"), set_title("Grow B"))
    assert result.conflicts == ["objectives 'company-growth' title: changed differently on both sides"]
    assert '<<<<<<< ours\ntitle = "Grow A"\n=======\ntitle = "Grow B"\n>>>>>>> theirs\n' in result.text
    assert result.text.count("<<<<<<<") == 1
    resolved = result.text.replace('<<<<<<< ours\ntitle = "Grow A"\n=======\n', "").replace(
        ">>>>>>> theirs\n", "")
    assert by_id(plan_of(resolved).objectives, "company-growth").title == "Grow B"


def test_a_conflict_inside_a_rule_is_named_by_model_and_rule():
    def points(value):
        def change(plan):
            by_id(plan.scoring_models[0].rules, "saas").points = value
        return change
    result = merged(points(10), points(30))
    assert result.conflicts == [
        "scoring_models 'b2b' rules 'saas' points: changed differently on both sides"]


def test_removed_on_one_side_and_changed_on_the_other_is_a_conflict():
    def remove(plan):
        plan.personas.clear()

    def change(plan):
        plan.personas[0].tagline = "New tagline"
    result = merged(remove, change)
    assert result.conflicts == ["personas 'ops-olivia': removed on one side, changed on the other"]
    assert "<<<<<<< ours\n=======\n\n[[personas]]" in result.text


def test_removed_on_one_side_and_untouched_on_the_other_is_removed():
    def remove(plan):
        plan.measurements[:] = [m for m in plan.measurements if m.metric != "visits"]
    result = merged(remove, set_title("Grow"))
    assert result.clean
    assert [m for m in plan_of(result.text).measurements if m.metric == "visits"] == []
    assert by_id(plan_of(result.text).objectives, "company-growth").title == "Grow"


def test_a_link_to_what_the_other_side_removed_is_an_error_not_a_silent_merge():
    def drop_churn(plan):
        plan.metrics[:] = [m for m in plan.metrics if m.id != "churn"]
        plan.measurements[:] = [m for m in plan.measurements if m.metric != "churn"]

    def track_churn(plan):
        by_id(plan.objectives, "company-growth").key_results.append(
            KeyResult(metric="churn", baseline=0, target=100))
    result = merged(drop_churn, track_churn)
    assert not result.conflicts
    assert any("churn" in e for e in result.errors)


def test_edits_that_do_not_validate_together_are_a_conflict():
    def band(letter, value):
        def change(plan):
            plan.scoring_models[0].fit_bands[letter] = value
        return change
    # A above B either way alone; together B (50) is above A (45)
    result = merged(band("B", 50), band("A", 45))
    assert len(result.conflicts) == 1
    assert result.conflicts == ["scoring_models 'b2b': each side's edits are valid, but not together "
                                "(fit_bands minimums must not increase: A ≥ B ≥ C)"]
    assert "<<<<<<< ours" in result.text


def test_a_file_added_on_both_sides_merges_from_an_empty_base():
    ours, theirs = edited(add_persona("zoe-a")), edited(add_persona("zoe-b"))
    result = merge_plan_texts("", ours, theirs)
    assert result.clean
    assert {p.id for p in plan_of(result.text).personas} == {"ops-olivia", "zoe-a", "zoe-b"}


def test_settings_merge_by_field():
    def rename(plan):
        plan.settings.name = "Renamed"

    def fiscal(plan):
        plan.settings.fiscal_year_start = 4
    settings = plan_of(merged(rename, fiscal).text).settings
    assert (settings.name, settings.fiscal_year_start) == ("Renamed", 4)


def test_a_hand_shaped_side_is_refused_so_its_comments_are_not_dropped():
    base = plan_to_toml(small_plan())
    commented = "# reviewed on Monday\n" + edited(set_title("Grow"))
    with pytest.raises(AlignError, match="theirs is not laid out as Align writes plans"):
        merge_plan_texts(base, edited(add_persona("zoe")), commented)


def test_a_side_that_is_not_a_plan_is_refused():
    base = plan_to_toml(small_plan())
    with pytest.raises(AlignError, match="ours: not an Align plan file"):
        merge_plan_texts(base, '[project]\nname = "x"\n', base)


def kr_target(index, value):
    def change(plan):
        by_id(plan.objectives, "grow-smb-pipeline").key_results[index].target = value
    return change


def test_different_key_results_of_one_objective_combine():
    result = merged(kr_target(0, 0.12), kr_target(1, 650.0))
    assert result.clean, result.conflicts
    krs = by_id(plan_of(result.text).objectives, "grow-smb-pipeline").key_results
    assert [kr.target for kr in krs] == [0.12, 650.0]


def test_different_items_of_a_persona_list_combine():
    def first_pain(plan):
        plan.personas[0].pain_points[0] = "Reporting by hand"

    def add_pain(plan):
        plan.personas[0].pain_points.append("Slow quotes")
    result = merged(first_pain, add_pain)
    assert result.clean, result.conflicts
    assert plan_of(result.text).personas[0].pain_points == [
        "Reporting by hand", "No single view of the funnel", "Slow quotes"]


def test_one_key_result_changed_differently_conflicts_and_each_reading_keeps_the_rest():
    def ours(plan):
        kr_target(0, 0.12)(plan)
        plan.personas[0].pain_points.append("Slow quotes")  # elsewhere: kept either way
        by_id(plan.objectives, "grow-smb-pipeline").key_results.append(
            KeyResult(metric="win_rate", baseline=0.2, target=0.3))
    result = merged(ours, kr_target(0, 0.13))
    assert result.conflicts == [
        "objectives 'grow-smb-pipeline' key_results: changed differently on both sides"]
    take_theirs = "".join(
        part.split("=======\n")[1] if part.startswith("<<<<<<<") else part
        for part in _split_conflicts(result.text))
    krs = by_id(plan_of(take_theirs).objectives, "grow-smb-pipeline").key_results
    assert [kr.target for kr in krs] == [0.13, 700, 0.3]  # ours' added key result is kept
    assert "Slow quotes" in plan_of(take_theirs).personas[0].pain_points


def _split_conflicts(text):
    """The text in pieces: plain stretches, and each conflict from its <<<<<<< to its >>>>>>>
    line (the markers dropped from the theirs part)."""
    pieces, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            pieces.append("".join(current))
            current = [line]
        elif line.startswith(">>>>>>>"):
            pieces.append("".join(current))
            current = []
        else:
            current.append(line)
    pieces.append("".join(current))
    return pieces


def test_a_broken_link_is_said_with_conflicts_when_no_side_mends_it():
    def drop_churn(plan):
        plan.metrics[:] = [m for m in plan.metrics if m.id != "churn"]
        plan.measurements[:] = [m for m in plan.measurements if m.metric != "churn"]
        plan.settings.name = "Ours"

    def track_churn(plan):
        by_id(plan.objectives, "company-growth").key_results.append(
            KeyResult(metric="churn", baseline=0, target=100))
        plan.settings.name = "Theirs"
    result = merged(drop_churn, track_churn)
    assert result.conflicts == ["plan name: changed differently on both sides"]
    assert result.errors == ["objectives[0].key_results[1].metric: unknown metric 'churn'"]


def test_a_broken_link_names_its_place_in_the_merged_file():
    def drop_churn(plan):
        plan.metrics[:] = [m for m in plan.metrics if m.id != "churn"]
        plan.measurements[:] = [m for m in plan.measurements if m.metric != "churn"]
        plan.objectives.reverse()  # the file sorts them back: places are the file's

    def track_churn(plan):
        by_id(plan.objectives, "grow-smb-pipeline").key_results.append(
            KeyResult(metric="churn", baseline=0, target=100))
    result = merged(drop_churn, track_churn)
    assert result.errors == ["objectives[1].key_results[2].metric: unknown metric 'churn'"]
    assert [o.id for o in plan_of(result.text).objectives][1] == "grow-smb-pipeline"


def test_a_side_holding_one_id_twice_is_refused_rather_than_collapsed():
    twice = plan_to_toml(small_plan()).replace(
        "[[personas]]", '[[personas]]\nid = "ops-olivia"\nname = "Copy"\n\n[[personas]]', 1)
    assert twice.count('id = "ops-olivia"') == 2
    with pytest.raises(AlignError, match="ours: personas 'ops-olivia' is in the file twice"):
        merge_plan_texts(plan_to_toml(small_plan()), twice, edited(set_title("Grow")))


def test_a_base_with_conflict_markers_from_a_criss_cross_history_is_said_so():
    base = plan_to_toml(small_plan()).replace(
        'name = "Acme FY26"\n', '<<<<<<< ours\nname = "A"\n=======\nname = "B"\n>>>>>>> theirs\n')
    with pytest.raises(AlignError, match="base holds conflict markers: .*criss-cross"):
        merge_plan_texts(base, edited(set_title("A")), edited(set_title("B")))


def test_leads_roles_added_on_one_side_of_a_file_added_on_both_are_taken():
    def no_leads(plan):
        plan.leads = None
    result = merge_plan_texts("", edited(no_leads), edited(lambda plan: None))
    assert result.clean, result.conflicts
    assert plan_of(result.text).leads == small_plan().leads


def test_windows_line_ends_merge_and_stay():
    base, ours, theirs = (text.replace("\n", "\r\n") for text in (
        plan_to_toml(small_plan()), edited(add_persona("zoe-a")), edited(add_persona("zoe-b"))))
    result = merge_plan_texts(base, ours, theirs)
    assert result.clean
    assert "\n" not in result.text.replace("\r\n", "")
    assert {p.id for p in plan_of(result.text.replace("\r\n", "\n")).personas} >= {"zoe-a", "zoe-b"}


CRLF, LF = "\r\n", "\n"


def set_points(rule_id, points):
    def change(plan):
        by_id(plan.scoring_models[0].rules, rule_id).points = points
    return change


@pytest.mark.parametrize(("base_end", "ours_end", "theirs_end", "result_end"), [
    (LF, LF, CRLF, CRLF),  # theirs converted the file to Windows line ends: so is the result
    (CRLF, LF, LF, LF),  # both converted it back
    (LF, CRLF, LF, CRLF),  # ours converted it
    (CRLF, CRLF, CRLF, CRLF),  # neither did
    (CRLF, CRLF, LF, LF),  # theirs converted it back
    (CRLF, LF, CRLF, LF),  # ours did
    (LF, CRLF, CRLF, CRLF),  # both converted it
])
def test_line_ends_changed_on_a_side_merge_by_entity_and_the_change_is_kept(
        base_end, ours_end, theirs_end, result_end):
    base = plan_to_toml(small_plan()).replace(LF, base_end)
    ours = edited(set_points("recent", 25)).replace(LF, ours_end)
    theirs = edited(set_title("Grow")).replace(LF, theirs_end)
    result = merge_plan_texts(base, ours, theirs)
    assert result.clean, result.conflicts
    both = edited(lambda plan: (set_points("recent", 25)(plan), set_title("Grow")(plan)))
    assert result.text == both.replace(LF, result_end)


def test_a_conflict_in_a_file_only_theirs_gave_windows_line_ends_is_marked_with_them():
    result = merge_plan_texts(plan_to_toml(small_plan()), edited(set_title("A")),
                              edited(set_title("B")).replace(LF, CRLF))
    assert result.conflicts
    assert '\r\n<<<<<<< ours\r\ntitle = "A"\r\n=======\r\ntitle = "B"\r\n>>>>>>> theirs\r\n' in (
        result.text)
    assert LF not in result.text.replace(CRLF, "")


@pytest.mark.parametrize("ours_end", [LF, CRLF])
def test_a_side_that_mixes_line_ends_is_left_to_the_text_merge(ours_end):
    lines = edited(set_title("B")).replace(LF, CRLF).split(CRLF)
    mixed = CRLF.join(lines[:3]) + LF + CRLF.join(lines[3:])  # one line of the rest's ends
    with pytest.raises(AlignError, match="theirs is not laid out as Align writes plans"):
        merge_plan_texts(plan_to_toml(small_plan()).replace(LF, ours_end),
                         edited(set_title("A")).replace(LF, ours_end), mixed)


# ---- the command, as git runs it ---------------------------------------------------------------
def write_sides(tmp_path, base, ours, theirs):
    paths = []
    for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
        path = tmp_path / f"{label}.toml"
        path.write_text(text)
        paths.append(path)
    return paths


def run(*args):
    return CliRunner().invoke(main, ["merge-file", *map(str, args)])


def test_merge_file_writes_the_merge_into_ours(tmp_path):
    ours, base, theirs = write_sides(tmp_path, plan_to_toml(small_plan()),
                                     edited(add_persona("zoe-a")), edited(add_persona("zoe-b")))
    result = run(ours, base, theirs)
    assert result.exit_code == 0, result.output
    assert {p.id for p in plan_of(ours.read_text()).personas} >= {"zoe-a", "zoe-b"}
    assert theirs.read_text() == edited(add_persona("zoe-b"))


def test_merge_file_conflicts_exit_1_with_the_place_named(tmp_path):
    paths = write_sides(tmp_path, plan_to_toml(small_plan()), edited(set_title("A")),
                        edited(set_title("B")))
    result = run(*paths)
    assert result.exit_code == 1
    assert "conflict: objectives 'company-growth' title: changed differently on both sides" in \
        result.stderr
    assert "<<<<<<< ours" in paths[0].read_text()


def test_merge_file_stdout_leaves_ours_as_it_was(tmp_path):
    text = edited(add_persona("zoe-a"))
    ours, base, theirs = write_sides(tmp_path, plan_to_toml(small_plan()), text,
                                     edited(add_persona("zoe-b")))
    result = run(ours, base, theirs, "-p")
    assert result.exit_code == 0
    assert "zoe-b" in result.stdout
    assert ours.read_text() == text


@needs_git
def test_merge_file_merges_other_files_as_text_through_git(tmp_path):
    ours, base, theirs = write_sides(tmp_path, 'a = 1\nb = 2\nc = 3\n', 'a = 10\nb = 2\nc = 3\n',
                                     'a = 1\nb = 2\nc = 30\n')
    result = run(ours, base, theirs)
    assert result.exit_code == 0, result.output
    assert "merging as text" in result.stderr
    assert ours.read_text() == 'a = 10\nb = 2\nc = 30\n'


@needs_git
def test_merge_file_text_conflicts_are_left_marked(tmp_path):
    ours, base, theirs = write_sides(tmp_path, 'a = 1\n', 'a = 2\n', 'a = 3\n')
    result = run(ours, base, theirs)
    assert result.exit_code == 1
    assert "conflict: 1 place(s) marked in the text" in result.stderr
    assert "<<<<<<< ours" in ours.read_text()


def test_merge_file_reports_a_missing_side(tmp_path):
    ours, base, _ = write_sides(tmp_path, "", "", "")
    result = run(ours, base, tmp_path / "gone.toml")
    assert result.exit_code == 1
    assert "theirs" in result.stderr and "cannot read the file" in result.stderr


@needs_git
def test_merge_file_text_merge_keeps_bytes_that_are_not_utf8(tmp_path):
    ours, base, theirs = (tmp_path / name for name in ("ours.toml", "base.toml", "theirs.toml"))
    ours.write_bytes(b"a = 2\nb = 1\nc = 1\n")
    base.write_bytes(b"a = 1\nb = 1\nc = 1\n")
    theirs.write_bytes(b"a = 1\nb = 1\nc = '\xe9t\xe9'\r\n")
    result = run(ours, base, theirs)
    assert result.exit_code == 0, result.output
    assert "theirs: line 3: the file is not UTF-8 text" in result.stderr
    assert ours.read_bytes() == b"a = 2\nb = 1\nc = '\xe9t\xe9'\r\n"


@needs_git
def test_merge_file_binary_files_are_refused_and_ours_is_left_alone(tmp_path):
    ours, base, theirs = (tmp_path / name for name in ("ours.toml", "base.toml", "theirs.toml"))
    for path, data in ((ours, b"a\x00b"), (base, b"a\x00"), (theirs, b"a\x00c")):
        path.write_bytes(data)
    result = run(ours, base, theirs)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: cannot merge the files as text either: Cannot merge binary files")
    assert ours.read_bytes() == b"a\x00b"


def test_merge_file_takes_gits_marker_size(tmp_path):
    paths = write_sides(tmp_path, plan_to_toml(small_plan()), edited(set_title("A")),
                        edited(set_title("B")))
    result = run(*paths, "--marker-size", "9")
    assert result.exit_code == 1
    text = paths[0].read_text()
    assert "<<<<<<<<< ours\n" in text and "\n=========\n" in text and ">>>>>>>>> theirs\n" in text
