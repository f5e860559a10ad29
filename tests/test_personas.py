"""Pilot tests of the Personas area."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static, TextArea

from screens.dialogs import ConfirmDialog
from screens.persona_form import PersonaForm
from screens.personas import PersonasScreen
from tests.conftest import TODAY, text_of
from tui.app import build_app


async def open_personas(app, pilot) -> PersonasScreen:
    await app.workers.wait_for_complete()
    await pilot.press("3")
    await pilot.pause()
    assert isinstance(app.screen, PersonasScreen)
    return app.screen


async def new_persona_form(app, pilot):
    """The Personas area, and its form for a new persona."""
    await open_personas(app, pilot)
    await pilot.press("n")
    await pilot.pause()
    return app.screen


async def save(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


def listed(screen) -> list[str]:
    options = screen.query_one("#personas-list", OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_card_shows_every_group_and_referencing_objectives(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        assert listed(screen) == ["founder-fred", "ops-olivia"]
        await pilot.press("down")
        await pilot.pause()
        assert screen.selected_id == "ops-olivia"
        card = text_of(screen.query_one("#persona-card-body", Static))
        for heading in ("Who", "What they want", "How to reach them", "Their words and ours",
                        "Plays", "Evidence", "Match criteria"):
            assert heading in card
        assert "• COO" in card and "• Manual reporting" in card
        assert "2026-01-20" in card
        assert "Referenced by 1 objective" in card
        assert "grow-smb-pipeline" in card


async def test_create_persona_with_list_fields_one_per_line(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PersonaForm)
        await pilot.press(*"Sales Sam")
        form.query_one("#f-goals", TextArea).text = "Hit quota\n\n  Shorter cycles  \n"
        form.query_one("#f-last_validated", Input).value = "2026-02-01"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = plan_store.persona("sales-sam")
        assert saved is not None
        assert saved.goals == ["Hit quota", "Shorter cycles"]
        assert str(saved.last_validated) == "2026-02-01"
        assert "sales-sam" in listed(screen)
        assert screen.selected_id == "sales-sam"


async def test_invalid_persona_is_refused(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await new_persona_form(app, pilot)
        form.query_one("#f-last_validated", Input).value = "last spring"
        await save(pilot)
        assert app.screen is form
        assert form.query_one("#f-name").has_class("-invalid")
        assert form.query_one("#f-last_validated").has_class("-invalid")
        assert "date" in text_of(form.query_one("#e-last_validated", Static))
        assert len(plan_store.personas()) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)


async def test_a_pasted_control_character_is_refused_at_its_field(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await new_persona_form(app, pilot)
        form.query_one("#f-name", Input).value = "Ctrl\x01Char"
        await save(pilot)
        assert app.screen is form
        assert "holds a control character (U+0001) at character 5; remove it" in text_of(
            form.query_one("#e-name", Static))
        assert len(plan_store.personas()) == 2


async def test_a_name_another_persona_has_is_refused(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await new_persona_form(app, pilot)
        form.query_one("#f-name", Input).value = " operations OLIVIA"
        await save(pilot)
        assert app.screen is form
        assert text_of(form.query_one("#e-name", Static)).strip() == (
            "persona ops-olivia is already called “operations OLIVIA”: give this one a name of "
            "its own")
        assert len(plan_store.personas()) == 2
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")  # its own name is its own: an edit saved as it is goes through
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)


async def test_a_last_validated_day_still_to_come_is_refused(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await new_persona_form(app, pilot)
        form.query_one("#f-name", Input).value = "Partner Paula"
        form.query_one("#f-last_validated", Input).value = "2099-01-01"
        await save(pilot)
        assert app.screen is form
        assert text_of(form.query_one("#e-last_validated", Static)).strip() == (
            f"2099-01-01 is after today ({TODAY.isoformat()}): a persona is validated on a day "
            "that has come")
        form.query_one("#f-last_validated", Input).value = TODAY.isoformat()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
    assert plan_store.persona("partner-paula").last_validated == TODAY


async def test_edit_persona_keeps_id(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_personas(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#f-titles", TextArea).text == "COO\nVP Operations"
        form.query_one("#f-tagline", Input).value = "Wants one view of everything"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert plan_store.persona("ops-olivia").tagline == "Wants one view of everything"
        assert plan_store.persona("ops-olivia").titles == ["COO", "VP Operations"]


async def test_duplicate_persona(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        await pilot.press("down", "y")
        await pilot.pause()
        copy = plan_store.persona("ops-olivia-copy")
        assert copy is not None and copy.name == "Operations Olivia (copy)"
        assert copy.pain_points == ["Manual reporting"]
        assert screen.selected_id == "ops-olivia-copy"


async def test_delete_says_what_goes_and_can_be_cancelled(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        await pilot.press("down", "d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "grow-smb-pipeline" in text_of(dialog.query_one("#confirm-lines", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert plan_store.persona("ops-olivia") is not None
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert plan_store.persona("ops-olivia") is None
        assert plan_store.objective("grow-smb-pipeline").personas == []
        assert listed(screen) == ["founder-fred"]


async def test_filter_personas(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        await pilot.press("slash", *"coo")
        await pilot.pause()
        assert listed(screen) == ["ops-olivia"]
        await pilot.press("escape")
        await pilot.pause()
        assert listed(screen) == ["founder-fred", "ops-olivia"]


async def test_empty_state_says_how_to_start(empty_store):
    app = build_app(empty_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        assert "No personas yet" in text_of(screen.query_one("#personas-empty", Static))
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # nothing to edit: a warning, no form


async def test_card_shows_criteria_as_typed_and_each_card_opens_at_its_top(plan_store):
    from textual.containers import VerticalScroll

    from model.schema import Condition

    olivia = plan_store.persona("ops-olivia")
    plan_store.save_persona(olivia.model_copy(update={"match": [
        Condition(field="employees", op="between", value=[50, 1000]),
        Condition(field="country", op="in", value=["US", "Canada"])]}))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await open_personas(app, pilot)
        card = screen.query_one("#persona-card", VerticalScroll)
        card.scroll_end(animate=False)
        await pilot.pause()
        assert card.scroll_y > 0
        await pilot.press("down")
        await pilot.pause()
        assert screen.selected_id == "ops-olivia" and card.scroll_y == 0
        text = text_of(screen.query_one("#persona-card-body", Static))
        assert "• employees between 50, 1000" in text and "• country in US, Canada" in text
        assert "[" not in text


async def test_s_sorts_by_name_then_last_validated_then_leads(plan_store):
    import datetime as dt

    fred = plan_store.persona("founder-fred")
    olivia = plan_store.persona("ops-olivia")
    plan_store.save_persona(fred.model_copy(update={"last_validated": dt.date(2026, 4, 1)}))
    plan_store.save_persona(olivia.model_copy(update={"last_validated": dt.date(2025, 1, 1)}))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        assert listed(screen) == ["founder-fred", "ops-olivia"]
        await pilot.press("s")
        await pilot.pause()
        assert screen.sort == "last validated"
        assert listed(screen) == ["ops-olivia", "founder-fred"]  # the older check first
        assert "sort: last validated" in str(screen.query_one("#personas-list").border_title)
        await pilot.press("s")
        await pilot.pause()
        assert screen.sort == "leads"
        await pilot.press("s")
        await pilot.pause()
        assert screen.sort == "name" and listed(screen) == ["founder-fred", "ops-olivia"]
