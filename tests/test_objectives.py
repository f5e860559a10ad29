"""Pilot tests of the Objectives area: assertions on database rows and widget state."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList, Static, TextArea, Tree

from screens.dialogs import ConfirmDialog
from screens.note_form import DecisionForm, NoteForm
from screens.objective_form import KeyResultForm, KeyResultTable, ObjectiveForm
from screens.objectives import ObjectivesScreen
from tests.conftest import TODAY, text_of
from tests.test_objectives_findings import notifications
from tui.app import build_app


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def tree_ids(app) -> list[str]:
    tree = app.screen.query_one("#objectives-tree", Tree)
    out = []

    def walk(node):
        for child in node.children:
            out.append(child.data)
            walk(child)

    walk(tree.root)
    return out


async def open_q1(app, pilot) -> None:
    await settle(app, pilot)
    app.set_period("2026-Q1")
    await settle(app, pilot)  # progress comes from a worker


async def test_tree_shows_the_period_with_children_under_parents(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        tree = app.screen.query_one("#objectives-tree", Tree)
        roots = [n.data for n in tree.root.children]
        assert roots == ["clean-books", "grow-smb-pipeline"]
        parent = tree.root.children[1]
        assert [c.data for c in parent.children] == ["faster-onboarding"]
        assert "⇄ S" in str(parent.label)  # joint with sales
        assert "next-quarter-bet" not in tree_ids(app)


async def test_detail_shows_key_results_personas_notes_and_decisions(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.selected_id == "grow-smb-pipeline"
        detail = text_of(app.screen.query_one("#objective-detail-body", Static))
        assert "Lead-to-customer rate" in detail
        assert "8.0 %" in detail and "11.0 %" in detail  # baseline → … → target
        assert "Operations Olivia" in detail
        assert "Sales says SMB leads lack budget" in detail
        assert "Add a budget question" in detail


async def test_create_objective_through_the_form(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        await pilot.press(*"Cut churn in half")
        assert text_of(form.query_one("#id-preview", Static)).strip() == "id: cut-churn-in-half"
        form.query_one("#f-owner", Select).value = "customer-service"
        form.query_one("#f-departments", SelectionList).select("product")
        form.query_one("#f-personas", SelectionList).select("founder-fred")
        form.query_one("#f-confidence", Select).value = "high"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        saved = plan_store.objective("cut-churn-in-half")
        assert saved is not None
        assert saved.period == "2026-Q1"
        assert saved.departments == ["customer-service", "product"]
        assert saved.personas == ["founder-fred"]
        assert saved.confidence == "high"
        assert "cut-churn-in-half" in tree_ids(app)
        assert app.screen.selected_id == "cut-churn-in-half"


async def test_same_title_gets_a_unique_id(plan_store):
    """Another period's objective may share a title (a quarter's objective carried on)."""
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Close the books in three days")
        app.screen.query_one("#f-owner", Select).value = "finance"
        app.screen.query_one("#f-period", Input).value = "2026-Q2"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert plan_store.objective("close-the-books-in-three-days").period == "2026-Q2"
        assert plan_store.objective("clean-books").title == "Close the books in three days"


async def test_a_title_another_objective_of_the_period_has_is_refused(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        await pilot.press(*"close the books in three days ")
        form.query_one("#f-owner", Select).value = "finance"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert text_of(form.query_one("#e-title")).strip() == (
            "objective clean-books of 2026-Q1 has this title already: give this one a title of "
            "its own")
        await pilot.press("escape")
        await settle(app, pilot)
    assert plan_store.objective("close-the-books-in-three-days") is None


async def test_invalid_form_is_refused_and_marked(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        before = plan_store.counts()["objectives"]
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period", Input).value = "2026-Q5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open
        assert form.query_one("#f-title").has_class("-invalid")
        assert form.query_one("#f-owner").has_class("-invalid")
        assert form.query_one("#f-period").has_class("-invalid")
        assert "required" in text_of(form.query_one("#e-title", Static))
        assert "2026-Q5" in text_of(form.query_one("#e-period", Static))
        assert plan_store.counts()["objectives"] == before
        # fixing the fields clears the marks as you type, then saving works
        form.query_one("#f-title", Input).value = "Valid now"
        form.query_one("#f-period", Input).value = "2026-Q1"
        form.query_one("#f-owner", Select).value = "sales"
        await pilot.pause()
        assert not form.query_one("#f-title").has_class("-invalid")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert plan_store.objective("valid-now") is not None


async def test_escape_cancels_without_saving(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Never saved")
        app.screen.query_one("#f-owner", Select).value = "sales"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        assert plan_store.objective("never-saved") is None


async def test_edit_objective_and_add_a_key_result(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("e")  # clean-books is first
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ObjectiveForm)
        assert form.query_one("#f-title", Input).value == "Close the books in three days"
        form.query_one("#f-why", TextArea).text = "Finance needs numbers sooner."
        form.query_one("#f-state", Select).value = "active"
        form.query_one(KeyResultTable).focus()
        await pilot.press("n")
        await pilot.pause()
        kr_form = app.screen
        assert isinstance(kr_form, KeyResultForm)
        kr_form.query_one("#f-metric", Select).value = "revenue"
        kr_form.query_one("#f-baseline", Input).value = "100000"
        kr_form.query_one("#f-target", Input).value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is kr_form
        assert kr_form.query_one("#f-target").has_class("-invalid")
        kr_form.query_one("#f-target", Input).value = "150000"
        kr_form.query_one("#f-weight", Input).value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one(KeyResultTable).row_count == 2
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = plan_store.objective("clean-books")
        assert saved.why == "Finance needs numbers sooner."
        assert saved.state == "active"
        assert [(k.metric, k.target, k.weight) for k in saved.key_results] == [
            ("sales_cost", 80, 1), ("revenue", 150000, 2)]


async def test_remove_key_result_in_form(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        form.query_one(KeyResultTable).focus()
        await pilot.press("d")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert [k.metric for k in plan_store.objective("grow-smb-pipeline").key_results] == ["leads"]


async def test_parent_cannot_be_a_descendant(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        parent = app.screen.query_one("#f-parent", Select)
        values = [value for _, value in parent._options]
        assert "faster-onboarding" not in values
        assert "grow-smb-pipeline" not in values
        assert "clean-books" in values


async def test_delete_cancelled_keeps_and_confirmed_removes(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        said = text_of(dialog.query_one("#confirm-lines", Static))
        assert "2 key results" in said and "1 note" in said and "1 decision" in said
        assert "faster-onboarding" in said  # child becomes top-level
        await pilot.press("n")
        await settle(app, pilot)
        assert plan_store.objective("grow-smb-pipeline") is not None
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("grow-smb-pipeline") is None
        assert plan_store.notes() == []
        assert plan_store.objective("faster-onboarding").parent is None
        assert "grow-smb-pipeline" not in tree_ids(app)


async def test_filter_by_text_and_department(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("slash", *"books")
        await pilot.pause()
        assert tree_ids(app) == ["clean-books"]
        app.screen.query_one("#objectives-filter", Input).value = "customer-service"
        await pilot.pause()
        # a match keeps its parent for context
        assert tree_ids(app) == ["grow-smb-pipeline", "faster-onboarding"]
        app.screen.query_one("#objectives-filter", Input).value = "nothing like this"
        await pilot.pause()
        assert tree_ids(app) == []
        assert app.screen.query_one("#objectives-empty").display
        await pilot.press("escape")
        await pilot.pause()
        assert len(tree_ids(app)) == 3
        assert not app.screen.query_one("#objectives-filter").display


async def test_duplicate_to_next_period_copies_key_results_not_notes(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "y")
        await settle(app, pilot)
        copy = plan_store.objective("grow-smb-pipeline-2026-q2")
        assert copy is not None
        assert copy.period == "2026-Q2"
        assert copy.state == "draft"
        assert [k.metric for k in copy.key_results] == ["lead_to_customer", "leads"]
        assert copy.personas == ["ops-olivia"]
        assert [n.objective for n in plan_store.notes()] == ["grow-smb-pipeline"]
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.period == "2026-Q2"
        assert "grow-smb-pipeline-2026-q2" in tree_ids(app)
        # duplicating the copy again does not stack period suffixes
        app.screen.selected_id = "grow-smb-pipeline-2026-q2"
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("grow-smb-pipeline-2026-q3") is not None


async def test_period_switch_refreshes_the_tree(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.period == "2026-Q2"  # latest quarter with objectives
        assert tree_ids(app) == ["next-quarter-bet"]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.period == "2026-Q1"
        assert len(tree_ids(app)) == 3
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert tree_ids(app) == []
        empty = text_of(app.screen.query_one("#objectives-empty", Static))
        assert "No objectives in 2025-Q4" in empty


async def test_add_note_and_decision(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteForm)
        await pilot.press(*"Pipeline is thin in EMEA")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        notes = [n for n in plan_store.notes() if n.text == "Pipeline is thin in EMEA"]
        assert len(notes) == 1 and notes[0].date == TODAY
        assert notes[0].objective == "grow-smb-pipeline"
        # the text's first words keep a teammate's note of the same day from taking its id
        assert notes[0].id == f"grow-smb-pipeline-{TODAY.isoformat()}-pipeline-is-thin-in-emea"
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DecisionForm)
        assert form.query_one("#f-owner", Select).value == "marketing"
        await pilot.press(*"Hire an EMEA rep")
        form.query_one("#f-due", Input).value = "not a date"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-due").has_class("-invalid")
        form.query_one("#f-due", Input).value = "2020-01-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-due").has_class("-invalid")
        assert "before the decision's date" in text_of(form.query_one("#e-due", Static))
        form.query_one("#f-due", Input).value = "2026-06-30"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        decisions = [d for d in plan_store.decisions() if d.text == "Hire an EMEA rep"]
        assert decisions and str(decisions[0].due) == "2026-06-30"
        assert decisions[0].id == f"grow-smb-pipeline-{TODAY.isoformat()}-hire-an-emea-rep"
        detail = text_of(app.screen.query_one("#objective-detail-body", Static))
        assert "Hire an EMEA rep" in detail and "Pipeline is thin in EMEA" in detail


async def test_note_and_decision_forms_keep_their_buttons_on_an_80_by_24_terminal(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_q1(app, pilot)
        for key, form_type in (("a", NoteForm), ("c", DecisionForm)):
            await pilot.press("down", key)
            await pilot.pause()
            form = app.screen
            assert isinstance(form, form_type)
            for button in ("#form-save", "#form-cancel"):
                region = form.query_one(button).region
                shown, _ = form.get_widget_at(region.x + 2, region.y + 1)
                assert shown is form.query_one(button), (key, button, region)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("up")


async def test_matrix_marks_owner_and_contributors(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        table = app.screen.query_one("#objectives-matrix")
        assert table.display and app.screen.query_one("#objectives-switcher").current == \
            "objectives-matrix-view"
        row = table.get_row("grow-smb-pipeline")
        columns = [c.key.value for c in table.columns.values()]
        cells = dict(zip(columns, (str(c) for c in row), strict=True))
        assert cells["marketing"] == "● owner"
        assert cells["sales"] == "○ joins"
        assert cells["finance"] == ""
        flags = text_of(app.screen.query_one("#objectives-flags", Static))
        assert "department product owns or contributes to no objective" in flags
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one("#objectives-switcher").current == "objectives-tree-view"


async def test_health_line_reports_flags(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # 2026-Q2: one objective without key results
        health = text_of(app.screen.query_one("#objectives-health", Static))
        assert "1 without key results" in health
        assert "metrics unused" in health


async def test_sort_cycles(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.sort == "progress"
        roots = [n.data for n in app.screen.query_one("#objectives-tree", Tree).root.children]
        assert roots == ["grow-smb-pipeline", "clean-books"]  # no progress sorts last


def row_labels(app) -> dict[str, str]:
    tree = app.screen.query_one("#objectives-tree", Tree)
    out: dict[str, str] = {}

    def walk(node):
        for child in node.children:
            out[child.data] = str(child.label)
            walk(child)

    walk(tree.root)
    return out


async def test_objectives_show_before_progress_is_computed(plan_store, monkeypatch):
    import threading

    import model.kpi

    release = threading.Event()
    threads: list[int] = []
    real = model.kpi.engine_for

    def slow_engine(store, *, today=None):
        threads.append(threading.get_ident())
        assert release.wait(10)
        return real(store, today=today)

    monkeypatch.setattr(model.kpi, "engine_for", slow_engine)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.set_period("2026-Q1")
        await pilot.pause()
        screen = app.screen
        rows = row_labels(app)
        assert list(rows) == ["clean-books", "grow-smb-pipeline", "faster-onboarding"]
        assert "…" in rows["grow-smb-pipeline"] and "%" not in rows["grow-smb-pipeline"]
        assert "computing" in text_of(screen.query_one("#objectives-health", Static))
        await pilot.press("down")  # the screen answers keys while the engine works
        await pilot.pause()
        assert screen.selected_id == "grow-smb-pipeline"
        detail = text_of(screen.query_one("#objective-detail-body", Static))
        assert "Progress … computing" in detail
        assert "8.0 % → … → 11.0 %" in detail  # no actual made up meanwhile
        release.set()
        await settle(app, pilot)
        assert threads and threading.get_ident() not in threads
        rows = row_labels(app)
        assert "55% ● red" in rows["grow-smb-pipeline"] and "…" not in rows["grow-smb-pipeline"]
        assert "50% ● red" in rows["faster-onboarding"]
        assert "computing" not in text_of(screen.query_one("#objectives-health", Static))
        assert screen.selected_id == "grow-smb-pipeline"
        detail = text_of(screen.query_one("#objective-detail-body", Static))
        assert "8.0 % → 9.5 % → 11.0 %" in detail and "300 → 390 → 450" in detail


async def test_a_result_for_an_earlier_reload_is_ignored(plan_store):
    from screens.objectives import ProgressComputed

    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        screen = app.screen
        screen.post_message(ProgressComputed(screen._generation - 1, {}, "stale"))
        await pilot.pause()
        assert "55%" in row_labels(app)["grow-smb-pipeline"]
        assert "stale" not in text_of(screen.query_one("#objectives-health", Static))


async def test_a_failing_engine_shows_its_message(plan_store, monkeypatch):
    import model.kpi
    from model.errors import AlignError

    def failing(*args, **kwargs):
        raise AlignError("the leads dataset cannot be read")

    monkeypatch.setattr(model.kpi, "engine_for", failing)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        health = text_of(app.screen.query_one("#objectives-health", Static))
        assert "progress unavailable: the leads dataset cannot be read" in health
        assert len(row_labels(app)) == 3  # the objectives still show, without progress
        assert "…" not in row_labels(app)["grow-smb-pipeline"]
        assert app.is_running


async def test_a_leads_role_the_leads_lack_leaves_progress_shown(plan_store, tmp_path):
    """A role naming a column the leads lack leaves out only what it feeds (the KPI review and
    `align check` say so): the objectives keep their progress."""
    from model.schema import LeadsRoles
    from tests.leads_helpers import load

    load(plan_store, tmp_path, "id,created\n1,2026-01-05\n", id="id", created="created")
    plan_store.save_leads_roles(LeadsRoles(id="id", created="opened_on"))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        health = text_of(app.screen.query_one("#objectives-health", Static))
        assert "progress unavailable" not in health
        assert app.screen.view.progress


async def test_an_in_memory_plan_computes_progress_without_a_worker(monkeypatch):
    from model.store import PlanStore
    from tests.conftest import small_plan

    started: list[tuple] = []
    monkeypatch.setattr(ObjectivesScreen, "compute_progress_in_background",
                        lambda self, *args: started.append(args))
    store = PlanStore.memory()
    store.apply_plan(small_plan(), replace=False)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.set_period("2026-Q1")
        await pilot.pause()
        assert "55% ● red" in row_labels(app)["grow-smb-pipeline"]
        assert started == []


def test_an_id_made_from_a_name_keeps_its_letters_without_accents():
    from screens.form_support import slugify

    assert slugify("Ünïcødé Ülla", "persona") == "unicode-ulla"
    assert slugify("Café Crème · Straße", "x") == "cafe-creme-strasse"
    assert slugify("日本", "persona") == "persona"  # nothing in a–z: the fallback


def test_a_copy_of_a_copy_counts_on_from_the_original_name():
    from screens.form_support import copy_name

    assert copy_name("Olivia", ["Olivia"]) == "Olivia (copy)"
    assert copy_name("Olivia", ["Olivia", "Olivia (copy)"]) == "Olivia (copy 2)"
    assert copy_name("Olivia (copy)", ["Olivia", "Olivia (copy)"]) == "Olivia (copy 2)"
    assert copy_name("Olivia (copy 2)", ["Olivia (copy)", "Olivia (copy 2)"]) == \
        "Olivia (copy 3)"


async def test_a_decision_can_answer_a_feedback_note_of_its_objective(plan_store):
    from model.schema import Note

    plan_store.save_note(Note(id="n-late-handover", objective="grow-smb-pipeline",
                              date=TODAY, text="Leads reach sales two days late",
                              kind="feedback", from_department="sales",
                              to_department="marketing"))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DecisionForm)
        answers = form.query_one("#f-answers", Select)
        labels = [(str(label), value) for label, value in answers._options
                  if value != Select.NULL]
        assert [value for _, value in labels] == ["n1", "n-late-handover"]  # oldest first
        assert labels[1][0] == f"{TODAY} sales → marketing: Leads reach sales two days late"
        assert answers.value == Select.NULL  # answering is chosen, never assumed
        await pilot.press(*"Route leads hourly")
        answers.value = "n1"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        decision = next(d for d in plan_store.decisions() if d.text == "Route leads hourly")
        assert decision.answers == "n1"
        await pilot.press("c")
        await pilot.pause()
        labels = [(str(label), value) for label, value in
                  app.screen.query_one("#f-answers", Select)._options if value != Select.NULL]
        # the feedback a decision answers now comes last, said so
        assert [value for _, value in labels] == ["n-late-handover", "n1"]
        assert labels[1][0].endswith("(answered)") and not labels[0][0].endswith("(answered)")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("up", "c")  # an objective without feedback: nothing to pick
        await pilot.pause()
        assert app.screen.query_one("#f-answers", Select).disabled


async def test_keys_in_the_matrix_act_on_its_highlighted_row(plan_store):
    """d, e, y, a and c in the matrix act on the row it highlights, not on the objective
    selected in the tree behind it; its totals row is no objective."""
    from screens.dialogs import ConfirmDialog
    from screens.objective_form import ObjectiveForm

    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        tree_choice = app.screen.selected_id
        await pilot.press("m")
        await pilot.pause()
        table = app.screen.query_one("#objectives-matrix")
        keys = [row.key.value for row in table.ordered_rows]
        target = next(k for k in keys if k not in (tree_choice, "__totals__"))
        await pilot.press(*["down"] * keys.index(target))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert f"({target})" in app.screen.title_text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ObjectiveForm) and app.screen.original.id == target
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert "No objective selected." in notifications(app)


async def test_a_decision_is_edited_closed_and_opened_again(plan_store):
    """C lists the objective's decisions: enter edits one (same id), d marks it done, o opens
    it again; the KPI review offers the same for a metric's decisions."""
    from screens.note_form import DecisionsDialog

    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        app.screen.selected_id = "grow-smb-pipeline"
        await pilot.press("C")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionsDialog)
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DecisionForm)
        assert form.query_one("#f-text", TextArea).text == "Add a budget question to the form"
        assert form.query_one("#f-due", Input).value == "2026-04-15"
        form.query_one("#f-text", TextArea).text = "Add a budget question to both forms"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert [(d.id, d.text, d.state) for d in plan_store.decisions()] == [
            ("d1", "Add a budget question to both forms", "open")]
        await pilot.press("d")
        await pilot.pause()
        assert plan_store.get("decisions", "d1").state == "done"
        await pilot.press("o")
        await pilot.pause()
        assert plan_store.get("decisions", "d1").state == "open"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ObjectivesScreen)


async def test_the_matrix_keeps_the_titles_while_departments_scroll_at_80_columns(tmp_path):
    from textual.widgets import DataTable

    from tests.lead_scoring_helpers import sample_copy

    app = build_app(sample_copy(tmp_path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        table = app.screen.query_one("#objectives-matrix", DataTable)
        assert table.fixed_columns == 1
        titles = [str(table.get_cell_at((row, 0))) for row in range(table.row_count - 1)]
        assert "Grow revenue 6 % quarter on q…" in titles
        assert max(map(len, titles)) <= 30
        await pilot.press("right", "right", "right", "right")
        await pilot.pause()
        assert table.scroll_x > 0
        assert "Grow revenue 6 % quarter on q…" in "\n".join(
            table.render_line(y).text for y in range(table.size.height))
