"""Ids and numbers the forms make from what a planner typed."""

import math

from hypothesis import given
from hypothesis import strategies as st

from screens.form_support import number_text
from screens.note_form import attached_id


def test_a_note_id_carries_the_first_words_and_stops_at_a_whole_word():
    assert attached_id("cut-churn", "2026-05-15", "Churn is up in SMB", "note", set()) == \
        "cut-churn-2026-05-15-churn-is-up-in-smb"
    long = attached_id("grow-smb-pipeline", "2026-05-15",
                       "Pipeline is thin in EMEA because the webinar moved", "note", set())
    assert len(long) <= 56
    assert long == "grow-smb-pipeline-2026-05-15-pipeline-is-thin-in-emea"
    assert attached_id("cut-churn", "2026-05-15", "   ", "note",
                       {"cut-churn-2026-05-15"}) == "cut-churn-2026-05-15-2"


def test_number_text_is_exact_and_has_no_exponent():
    assert number_text(4391234.0) == "4391234"
    assert number_text(1021999.0) == "1021999"
    assert number_text(0.085, 100.0) == "8.5"
    assert number_text(1e20) == "100000000000000000000"
    assert number_text(1e-7) == "0.0000001"
    assert number_text(-0.0) == "0"
    assert number_text(21193.333333333332) == "21193.333333333332"
    assert number_text(21193.333333333332, most_digits=6) == "21193.3"


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_number_text_reads_back_as_the_same_number(value):
    assert float(number_text(value)) == value
    # in percent, not every float is some typed number / 100; those read back as the nearest
    assert math.isclose(float(number_text(value, 100.0)) / 100, value, rel_tol=1e-15)


@given(st.decimals(min_value=-10_000, max_value=10_000, places=4, allow_nan=False,
                   allow_infinity=False))
def test_a_percent_typed_in_reads_back_as_stored(typed):
    stored = float(str(typed)) / 100  # as the forms store it
    assert float(number_text(stored, 100.0)) / 100 == stored


async def test_a_refused_save_brings_the_first_marked_field_into_view(plan_store):
    """The marked field could sit below the fold (a short terminal, focus at the form's foot):
    ctrl+s then seemed to do nothing. Typing after that keeps the focus where it is."""
    from textual.widgets import Input

    from screens.persona_form import PersonaForm
    from tests.conftest import TODAY
    from tests.test_personas import open_personas
    from tui.app import build_app

    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_personas(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PersonaForm)
        last = list(form.query("Input, TextArea"))[-1]
        last.focus()
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        name = form.query_one("#f-name", Input)
        assert app.focused is name
        for widget in (name, form.query_one("#e-name")):
            geometry = form.find_widget(widget)  # shown: some of it inside its clip
            assert geometry.region.intersection(geometry.clip).height > 0, widget
        last.focus()
        await pilot.press("x")  # typing elsewhere: marks update, the focus stays
        await pilot.pause()
        assert app.focused is last
