"""A persona's lead count and conversion, from its match criteria compiled by the scoring
engine, and the figures on its card."""

from __future__ import annotations

import pytest

from model.errors import AlignError
from model.persona_match import persona_leads, personas_leads
from model.schema import Condition, Persona
from screens.personas import PersonasScreen
from tests.conftest import TODAY, text_of
from tests.lead_scoring_helpers import app_on, sample_copy, settle
from tests.leads_helpers import AS_OF, load

CSV = ("id,title,employees,closed,outcome\n"
       "1,VP Operations,120,2025-01-10,won\n"
       "2,vp operations ,80,2025-01-11,lost\n"
       "3,Head of Operations,5000,2025-01-12,won\n"
       "4,Operations lead,,2025-01-13,WON\n"
       "5,VP Operations,300,,won\n"
       "6,CFO,200,2025-01-14,won\n")


def _persona(*conditions: dict) -> Persona:
    return Persona(id="ops", name="Ops", match=[Condition(**c) for c in conditions])


def test_count_and_conversion_follow_the_engine(empty_store, tmp_path):
    load(empty_store, tmp_path, CSV, id="id", outcome="outcome", won_values=["won"],
         closed="closed")
    ops = _persona({"field": "title", "op": "contains", "value": "operations"},
                   {"field": "employees", "op": "between", "value": [50, 1000]})
    counted = persona_leads(empty_store, ops, as_of=AS_OF)
    # rows 1, 2 and 5 match (case and padding ignored; 3 is too big, 4 has no size);
    # row 5 has no closed date, so it is open: 1 won of 2 decided
    assert (counted.leads, counted.decided, counted.won) == (3, 2, 1)
    assert counted.rate == 0.5


def test_without_outcome_role_there_is_no_rate(empty_store, tmp_path):
    load(empty_store, tmp_path, CSV, id="id")
    counted = persona_leads(empty_store, _persona(
        {"field": "title", "op": "starts_with", "value": "VP"}), as_of=AS_OF)
    assert counted.leads == 3 and counted.rate is None and not counted.outcome_mapped


def test_no_criteria_no_figures_and_unknown_column_is_named(empty_store, tmp_path):
    load(empty_store, tmp_path, CSV, id="id")
    assert persona_leads(empty_store, Persona(id="x", name="X"), as_of=AS_OF) is None
    with pytest.raises(AlignError, match="^criterion on field 'industry': no such column"):
        persona_leads(empty_store, _persona({"field": "industry", "op": "eq", "value": "SaaS"}),
                      as_of=AS_OF)


async def test_card_shows_lead_count_and_conversion(tmp_path):
    store = sample_copy(tmp_path)
    olivia = store.persona("ops-olivia")
    expected = persona_leads(store, olivia, as_of=TODAY)
    card = await _card_of(store, "ops-olivia")
    assert f"{expected.leads:,} leads match" in card
    assert f"conversion {expected.rate * 100:.1f}%" in card
    assert expected.leads > 0


def test_every_persona_is_counted_in_one_read(empty_store, tmp_path):
    """Several personas at once give what each gives alone; one whose criteria name a missing
    column gets the engine's message and does not stop the others."""
    load(empty_store, tmp_path, CSV, id="id", outcome="outcome", won_values=["won"],
         closed="closed")
    ops = _persona({"field": "title", "op": "contains", "value": "operations"},
                   {"field": "employees", "op": "between", "value": [50, 1000]})
    vp = Persona(id="vp", name="VP", match=[Condition(field="title", op="starts_with",
                                                      value="vp")])
    big = Persona(id="big", name="Big", match=[Condition(field="employees", op="gt",
                                                         value=250)])
    bad = Persona(id="bad", name="Bad", match=[Condition(field="industry", op="eq",
                                                         value="SaaS")])
    none = Persona(id="none", name="None")
    figures = personas_leads(empty_store, [ops, vp, bad, big, none], as_of=AS_OF)
    assert set(figures) == {"ops", "vp", "big", "bad"}
    assert "'industry'" in figures["bad"]
    for persona in (ops, vp, big):
        alone = persona_leads(empty_store, persona, as_of=AS_OF)
        got = figures[persona.id]
        assert (got.leads, got.decided, got.won) == (alone.leads, alone.decided, alone.won)
    assert (figures["vp"].leads, figures["vp"].decided, figures["vp"].won) == (3, 2, 1)
    assert (figures["big"].leads, figures["big"].decided, figures["big"].won) == (2, 1, 1)


async def test_card_says_when_no_leads_are_imported_and_the_day_it_counts_back_from(tmp_path):
    store = sample_copy(tmp_path)
    olivia = store.persona("ops-olivia")
    recent = Condition(field="last_activity", op="within_last_days", value=30)
    store.save_persona(olivia.model_copy(update={"match": [*olivia.match, recent]}))
    # the leads' own date, the sample's review day (`model.leads.default_as_of`)
    assert "· as of 2026-06-30" in await _card_of(store, "ops-olivia")
    with store.transaction():
        store.conn.execute("DROP TABLE leads")
        store.conn.execute("DELETE FROM leads_columns")
    assert "leads: none imported yet; import them in Lead scoring (2, then i)" in \
        await _card_of(store, "ops-olivia")


async def _card_of(store, persona_id: str) -> str:
    """The persona's card as the Personas area shows it, its leads counted."""
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PersonasScreen)
        screen.selected_id = persona_id
        screen._draw_card()
        await pilot.pause()
        return text_of(screen.query_one("#persona-card-body"))


async def _edit_persona(pilot, persona_id: str):
    from screens.persona_form import PersonaForm

    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    screen.selected_id = persona_id
    screen.action_edit()
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, PersonaForm)
    return screen, form


async def test_match_criteria_are_added_edited_and_removed_in_the_persona_form(tmp_path):
    from textual.widgets import Input, Select

    from screens.scoring_forms import ConditionRow

    store = sample_copy(tmp_path)
    olivia = store.persona("ops-olivia")
    assert olivia.match  # the sample's criteria
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, form = await _edit_persona(pilot, "ops-olivia")
        rows = list(form.query(ConditionRow))
        assert len(rows) == len(olivia.match)
        await pilot.press("ctrl+n")
        await pilot.pause()
        new = list(form.query(ConditionRow))[-1]
        assert new.query_one(".cond-field").has_focus
        await pilot.pause(0.2)
        body = form.query_one(".form-body")  # scrolled to the new row, all of it in sight
        assert body.region.y <= new.region.y and new.region.bottom <= body.region.bottom
        new.query_one(".cond-field", Select).value = "employees"
        await pilot.pause()
        new.query_one(".cond-op", Select).value = "gte"
        await pilot.pause()
        new.query_one(".cond-value", Input).value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form  # refused, saying why on the row
        assert "needs a number, got 'lots'" in text_of(new.query_one(".cond-error"))
        new.query_one(".cond-value", Input).value = "200"
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = store.persona("ops-olivia")
        assert saved.match == [*olivia.match,
                               Condition(field="employees", op="gte", value=200)]
        assert saved.tagline == olivia.tagline
        expected = persona_leads(store, saved, as_of=TODAY)
        assert f"{expected.leads:,} leads match" in text_of(
            screen.query_one("#persona-card-body"))

        _, form = await _edit_persona(pilot, "ops-olivia")
        for row in list(form.query(ConditionRow)):
            form.remove_condition(row)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.persona("ops-olivia").match == []
        assert "none: leads are not assigned" in text_of(screen.query_one("#persona-card-body"))


async def test_a_criterion_the_leads_no_longer_fit_is_shown_and_saving_says_why(tmp_path):
    """`gt` on a column that is text now: the row keeps the operator, and saving names it
    rather than asking to pick one."""
    from textual.widgets import Select

    from screens.scoring_forms import ConditionRow

    store = sample_copy(tmp_path)
    olivia = store.persona("ops-olivia")
    unfit = Condition(field="country", op="gt", value=5)
    store.save_persona(olivia.model_copy(update={"match": [unfit]}))
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, form = await _edit_persona(pilot, "ops-olivia")
        row = form.query_one(ConditionRow)
        assert row.query_one(".cond-op", Select).value == "gt"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form
        assert "operator gt does not apply to a text column" in text_of(
            row.query_one(".cond-error"))
        assert "a match criterion needs fixing" in text_of(form.query_one("#form-error"))
    assert store.persona("ops-olivia").match == [unfit]


async def test_sorting_by_leads_puts_the_persona_with_most_leads_first(tmp_path):
    store = sample_copy(tmp_path)
    counts = {p.id: persona_leads(store, p, as_of=TODAY).leads
              for p in store.personas() if p.match}
    assert len(set(counts.values())) > 1
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("s", "s")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.sort == "leads"
        options = screen.query_one("#personas-list")
        order = [options.get_option_at_index(i).id for i in range(options.option_count)]
        matched = [pid for pid in order if pid in counts]
        assert [counts[pid] for pid in matched] == sorted(counts.values(), reverse=True)
        assert order[:len(matched)] == matched  # personas without criteria come last
