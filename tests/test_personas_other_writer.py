"""The persona form while another Align (or an import) changes the same persona: a save writes
the fields changed in the form onto the persona as the plan holds it then."""

from __future__ import annotations

import json

from textual.widgets import Input, TextArea

from model.schema import Condition
from model.store import PlanStore
from screens.persona_form import PersonaForm
from screens.personas import PersonasScreen
from tests.conftest import TODAY
from tests.test_objectives_findings import notifications
from tests.test_objectives_other_writer import another_align
from tests.test_personas import open_personas
from tui.app import build_app


def change_elsewhere(store: PlanStore, **update) -> None:
    with another_align(store) as other:
        other.save_persona(other.persona("ops-olivia").model_copy(update=update))


def row(store: PlanStore) -> dict:
    return next(iter(store.db.query("SELECT * FROM personas WHERE id = 'ops-olivia'")))


async def edit_olivia(app, pilot) -> PersonaForm:
    await open_personas(app, pilot)
    await pilot.press("down", "e")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, PersonaForm) and form.original.id == "ops-olivia"
    return form


async def save(app, pilot) -> None:
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_fields_changed_elsewhere_stay_when_the_form_saves_another(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_olivia(app, pilot)
        change_elsewhere(plan_store, role="Chief operating officer",
                         goals=["One view of the funnel", "Fewer tools"],
                         match=[Condition(field="title", op="contains", value="COO")])
        form.query_one("#f-tagline", Input).value = "Wants one view of everything"
        await save(app, pilot)
        assert isinstance(app.screen, PersonasScreen)
        saved = row(plan_store)
        assert saved["tagline"] == "Wants one view of everything"
        assert saved["role"] == "Chief operating officer"
        assert json.loads(saved["goals"]) == ["One view of the funnel", "Fewer tools"]
        assert json.loads(saved["match"]) == [{"field": "title", "op": "contains", "value": "COO"}]


async def test_a_field_changed_in_both_places_takes_the_forms_value(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_olivia(app, pilot)
        change_elsewhere(plan_store, titles=["COO", "Head of Ops"], tagline="Counts everything")
        form.query_one("#f-titles", TextArea).text = "COO\nVP Operations\nOps director"
        await save(app, pilot)
        saved = row(plan_store)
        assert json.loads(saved["titles"]) == ["COO", "VP Operations", "Ops director"]
        assert saved["tagline"] == "Counts everything"


async def test_an_unchanged_save_keeps_what_another_align_wrote(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await edit_olivia(app, pilot)
        change_elsewhere(plan_store, tagline="Counts everything")
        written = row(plan_store)
        await save(app, pilot)
        assert isinstance(app.screen, PersonasScreen)
        assert row(plan_store) == written


async def test_a_persona_deleted_elsewhere_is_saved_back_and_the_user_told(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_olivia(app, pilot)
        with another_align(plan_store) as other:
            other.delete("personas", "ops-olivia")
        form.query_one("#f-tagline", Input).value = "Wants one view of everything"
        await save(app, pilot)
        assert isinstance(app.screen, PersonasScreen)
        saved = row(plan_store)
        assert (saved["name"], saved["tagline"]) == ("Operations Olivia",
                                                     "Wants one view of everything")
        assert any("ops-olivia was deleted elsewhere" in m and "saved it back" in m
                   for m in notifications(app))


async def test_e_on_a_persona_deleted_elsewhere_says_so_instead_of_a_new_form(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_personas(app, pilot)
        with another_align(plan_store) as other:
            other.delete("personas", "ops-olivia")
        await pilot.press("down", "e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
        assert any("ops-olivia was deleted elsewhere" in m for m in notifications(app))


async def test_y_on_a_persona_deleted_elsewhere_makes_no_copy(plan_store):
    """y copied the persona as the list held it, so one deleted elsewhere came back as a copy."""
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_personas(app, pilot)
        with another_align(plan_store) as other:
            other.delete("personas", "ops-olivia")
        await pilot.press("down", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("ops-olivia was deleted elsewhere" in m for m in notifications(app))
        assert not [p for p in plan_store.personas() if p.id.startswith("ops-olivia")]
