"""Pilot tests of the workbench shell: areas, period, help, palette, export and import."""

from __future__ import annotations

import datetime as dt
import tomllib

from textual.binding import Binding
from textual.widgets import Input, Static

from model.exchange import write_export
from model.reviews import reviews, save_review
from screens.dialogs import ConfirmDialog, InputDialog
from screens.help import HelpScreen
from screens.import_dialog import ImportDialog
from screens.kpi_review import KpiReviewScreen
from screens.lead_scoring import LeadScoringScreen
from screens.objectives import ObjectivesScreen
from screens.personas import PersonasScreen
from tests.conftest import TODAY, open_plan, small_plan, text_of
from tests.factories import meeting_review
from tui.app import AlignApp, AlignCommands, build_app, default_period, help_sections


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_number_keys_switch_areas(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key, kind in (("2", LeadScoringScreen), ("3", PersonasScreen),
                          ("4", KpiReviewScreen), ("1", ObjectivesScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, kind)


async def test_header_shows_plan_file_and_period(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.title == "Acme FY26"
        assert app.sub_title == "p.db · 2026-Q2"
        await pilot.press("left_square_bracket")
        assert app.sub_title == "p.db · 2026-Q1"
        assert "2026-Q1" in text_of(app.screen.query_one("#area-bar", Static))


def test_default_period_is_latest_quarter_with_objectives(plan_store):
    assert default_period(plan_store, TODAY) == "2026-Q2"


def test_default_period_without_objectives_is_the_current_quarter(empty_store):
    assert default_period(empty_store, dt.date(2027, 8, 1)) == "2027-Q3"


async def test_period_change_reaches_areas_shown_later(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "left_square_bracket")
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
        await pilot.press("1")
        await pilot.pause()
        tree = app.screen.query_one("#objectives-tree")
        assert [n.data for n in tree.root.children] == ["clean-books", "grow-smb-pipeline"]


async def test_lead_scoring_without_leads_says_how_to_import(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        text = text_of(app.screen.query_one("#scoring-empty"))
        assert "No leads imported yet" in text
        assert "align leads import" in text


def test_every_binding_has_an_id_and_shows_in_help(plan_store):
    app = build_app(plan_store, today=TODAY)
    sections = help_sections(app)
    described = {description for _, rows in sections for _, description in rows}
    from screens.note_form import DecisionForm, NoteForm
    from screens.objective_form import KeyResultForm, KeyResultTable, ObjectiveForm
    from screens.persona_form import PersonaForm

    for cls in (AlignApp, ObjectivesScreen, PersonasScreen, LeadScoringScreen, KpiReviewScreen,
                ObjectiveForm, KeyResultForm, KeyResultTable, NoteForm, DecisionForm,
                PersonaForm, ConfirmDialog, InputDialog, ImportDialog, HelpScreen):
        for binding in Binding.make_bindings(cls.BINDINGS):
            assert binding.id, f"{cls.__name__} {binding.key} has no id"
            assert binding.description in described, (cls.__name__, binding.key)


async def test_help_screen_lists_keys_and_closes(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        for needed in ("Objectives", "Personas", "Forms", "^s", "Copy →", "Matrix"):
            assert needed in keys
        await pilot.press("1")  # area keys do nothing while a dialog is open
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ObjectivesScreen)


async def test_form_keys_do_not_reach_the_workbench(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("q", "2", "left_square_bracket")
        await pilot.pause()
        assert app.is_running
        assert app.period == "2026-Q2"
        assert app.screen.query_one("#f-title", Input).value == "q2["


async def test_palette_offers_areas_export_import_periods_and_theme(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        provider = AlignCommands(app.screen)
        names = [name for name, _, _ in provider.commands()]
        for wanted in ("Go to Personas", "Export plan…", "Import plan…", "Next period",
                       "Switch period to 2026-Q1", "Change theme"):
            assert wanted in names
        hits = [hit async for hit in provider.search("2025-q3")]
        assert hits[0].text == "Switch period to 2025-Q3"
        hits[0].command()
        await pilot.pause()
        assert app.period == "2025-Q3"
        goto = [hit async for hit in provider.search("go to personas")]
        goto[0].command()
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)


async def test_export_writes_the_chosen_file(plan_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        assert dialog.query_one(Input).value == "acme-fy26.toml"
        await pilot.press("enter")
        await settle(app, pilot)
        exported = tomllib.loads((tmp_path / "acme-fy26.toml").read_text())
        assert {o["id"] for o in exported["objectives"]} >= {"grow-smb-pipeline", "clean-books"}
        assert any("Exported" in n.message for n in app._notifications)


async def test_export_over_a_file_asks_for_a_second_enter(plan_store, tmp_path, monkeypatch):
    """A file already there is named first; enter again replaces it, escape keeps it."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "acme-fy26.toml"
    target.write_text("kept\n")
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog and target.read_text() == "kept\n"
        assert "acme-fy26.toml exists: enter again replaces it" in text_of(
            dialog.query_one("#input-error"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is not dialog
        assert tomllib.loads(target.read_text())["objectives"]


async def test_export_to_a_missing_folder_is_refused_inline(plan_store, tmp_path):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one(Input).value = str(tmp_path / "nope" / "x.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "does not exist" in text_of(dialog.query_one("#input-error"))


async def test_import_merge_shows_diff_and_asks_before_writing(plan_store, tmp_path):
    other = open_plan(tmp_path / "other.db", small_plan())
    o = other.objective("clean-books").model_copy(update={"title": "Close in two days"})
    other.save_objective(o)
    other.save_objective(o.model_copy(update={"id": "brand-new", "title": "Brand new"}))
    write_export(other, tmp_path / "other.toml")
    other.close()
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "other.toml")
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        diff = text_of(dialog.query_one("#import-diff"))
        assert "+ brand-new" in diff and "~ clean-books" in diff
        assert plan_store.objective("brand-new") is None  # nothing written yet
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert plan_store.objective("brand-new") is None
        # again, and this time confirm
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "other.toml")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("brand-new") is not None
        assert plan_store.objective("clean-books").title == "Close in two days"


async def test_import_replace_removes_what_the_file_lacks(plan_store, tmp_path):
    other = open_plan(tmp_path / "other.db", small_plan())
    other.delete("objectives", "next-quarter-bet")
    write_export(other, tmp_path / "other.toml")
    other.close()
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "other.toml")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert "- next-quarter-bet" in text_of(app.screen.query_one("#import-diff"))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("next-quarter-bet") is None
        assert app.screen.query_one("#objectives-empty").display  # Q2 is empty now


async def test_the_import_dialog_lists_the_review_meetings_it_adds_and_removes(plan_store,
                                                                            tmp_path):
    save_review(plan_store, meeting_review("review-old"))
    other = open_plan(tmp_path / "other.db", small_plan())
    save_review(other, meeting_review("review-new"))
    write_export(other, tmp_path / "other.toml")
    other.close()
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _preview(app, pilot, tmp_path / "other.toml")
        assert isinstance(app.screen, ImportDialog)
        merge = text_of(app.screen.query_one("#import-diff"))
        assert "reviews: 1 added, 0 changed, 0 removed" in merge and "+ review-new" in merge
        await pilot.press("r")
        await pilot.pause()
        replace = text_of(app.screen.query_one("#import-diff"))
        assert "reviews: 1 added, 0 changed, 1 removed" in replace and "- review-old" in replace
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert [r.id for r in reviews(plan_store)] == ["review-new"]


async def _preview(app, pilot, path) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_the_import_preview_is_the_import_it_runs(plan_store, tmp_path):
    """Warnings show before anything is written; a file whose links do not fit the plan is
    refused before Apply; a measurement without `recorded_at` already in is no change."""
    from model.exchange import export_toml

    text = export_toml(plan_store)
    warned = tmp_path / "warned.toml"
    warned.write_text(text.replace('id = "clean-books"\n', 'id = "clean-books"\ncolor = "red"\n'))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _preview(app, pilot, warned)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        shown = text_of(dialog.query_one("#import-diff"))
        assert "No differences." in shown and ".color: unknown key, ignored" in shown
        await pilot.press("escape")
        await settle(app, pilot)

        linked = tmp_path / "linked.toml"
        linked.write_text(text.replace('id = "clean-books"\n',
                                       'id = "clean-books"\nparent = "nope"\n'))
        await _preview(app, pilot, linked)
        assert isinstance(app.screen, ObjectivesScreen)  # refused before any dialog
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors[-1].title == "Import refused"
        assert "does not fit the plan" in errors[-1].message

        unstamped = tmp_path / "unstamped.toml"
        unstamped.write_text(text + '\n[[measurements]]\nmetric = "revenue"\n'
                             'period = "2026-05"\nvalue = 7.0\n')
        await _preview(app, pilot, unstamped)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        await _preview(app, pilot, unstamped)  # the same file again: nothing to add
        assert "No differences." in text_of(app.screen.query_one("#import-diff"))


def _retitled_copy(store, tmp_path):
    """The plan exported, with one objective's title changed: a teammate's file."""
    from model.exchange import export_toml

    text = export_toml(store)
    source = tmp_path / "teammate.toml"
    source.write_text(text.replace('title = "Close the books in three days"',
                                   'title = "Close in two days"'))
    assert source.read_text() != text
    return source


async def test_the_import_applies_the_file_it_showed_not_what_is_on_disk_now(plan_store,
                                                                              tmp_path):
    """Confirming read the file again: a file changed after the preview (a pull, an editor)
    was applied unseen, and in replace mode wiped what the new file lacked."""
    source = _retitled_copy(plan_store, tmp_path)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _preview(app, pilot, source)
        await pilot.press("r")
        await pilot.pause()
        shown = text_of(app.screen.query_one("#import-diff"))
        assert "~ clean-books" in shown and "removed" in shown
        await pilot.press("a")
        await pilot.pause()
        source.write_text('[plan]\nname = "Other"\n')  # replaced meanwhile: nearly empty
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("clean-books").title == "Close in two days"
        assert plan_store.objective("next-quarter-bet") is not None
        assert len(plan_store.load_plan().metrics) > 3


async def test_an_import_confirmed_on_a_plan_changed_since_writes_nothing(plan_store, tmp_path):
    source = _retitled_copy(plan_store, tmp_path)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _preview(app, pilot, source)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        # another Align adds an objective the file lacks: replace would now remove it too
        extra = plan_store.objective("clean-books").model_copy(
            update={"id": "added-meanwhile", "title": "Added meanwhile"})
        plan_store.save_objective(extra)
        await pilot.press("y")
        await settle(app, pilot)
        assert plan_store.objective("added-meanwhile") is not None
        assert plan_store.objective("clean-books").title == "Close the books in three days"
        errors = [n for n in app._notifications if n.severity == "error"]
        assert "the plan changed after the difference was shown" in errors[-1].message


async def test_a_mode_that_cannot_import_the_file_says_why_and_applies_nothing(plan_store,
                                                                             tmp_path):
    """The file links to a department only this plan has: merge fits, replace does not."""
    from model.exchange import export_toml
    from model.schema import Department

    plan_store.save_department(Department(id="legal", name="Legal"))
    o = plan_store.objective("clean-books")
    plan_store.save_objective(o.model_copy(update={"owner": "legal"}))
    path = tmp_path / "mine.toml"
    text = export_toml(plan_store)
    start = text.index('[[departments]]\nid = "legal"')
    path.write_text(text[:start] + text[text.index("[[departments]]", start + 1):])
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await _preview(app, pilot, path)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        await pilot.press("r")
        await pilot.pause()
        shown = text_of(dialog.query_one("#import-diff"))
        assert shown.startswith("This mode cannot import the file")
        assert "unknown department 'legal'" in shown
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is dialog  # nothing to confirm
        assert "legal" in {d.id for d in plan_store.departments()}


async def test_bad_import_file_becomes_a_notification(plan_store, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('format = "align-plan"\nversion = 1\n[[objectives]\n')
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "line" in errors[0].message
        assert errors[0].title == "Import refused"


def test_docs_keys_match_the_bindings(plan_store):
    from pathlib import Path

    from screens.help import keys_markdown

    documented = (Path(__file__).parent.parent / "docs" / "keys.md").read_text()
    assert documented == keys_markdown(help_sections(build_app(plan_store, today=TODAY)))
