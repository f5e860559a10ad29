"""Type-ahead: keys that arrive together — a fast typist, keys typed while the app was busy,
keys pasted into tmux — reach the form or filter box the first of them opened, in order, and
never run the bindings of the list underneath."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Tree

import tui.typeahead as typeahead
from screens.lead_scoring import LeadScoringScreen
from screens.objective_form import ObjectiveForm
from screens.persona_form import PersonaForm
from tests.conftest import TODAY, text_of
from tests.lead_scoring_helpers import leads_settled, sample_copy
from tui.app import build_app

CHARS = {"slash": "/", "space": " "}


async def burst(pilot, *keys: str) -> None:
    """Every key queued before the first is handled, then until all of them are."""
    app = pilot.app
    for key in keys:
        app.post_message(events.Key(key, CHARS.get(key, key if len(key) == 1 else None)))
    await keys_handled(pilot)


async def keys_handled(pilot, timeout: float = 10.0) -> None:
    waited = 0.0
    await pilot.pause()
    while not pilot.app.keys_settled or any(w.is_running for w in pilot.app.workers):
        assert waited < timeout, "the keys were never handled"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()


def letters(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


async def test_a_form_gets_the_keys_typed_right_after_the_one_that_opened_it(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        before = plan_store.db.execute("SELECT count(*) FROM objectives").fetchone()[0]
        await burst(pilot, "n", *letters("Hire an EMEA rep"))
        assert isinstance(app.screen, ObjectiveForm)
        assert app.screen.query_one("#f-title", Input).value == "Hire an EMEA rep"
        # and after the form closes, the next form gets its keys too
        await burst(pilot, "escape", "n", *letters("Second"))
        assert isinstance(app.screen, ObjectiveForm)
        assert app.screen.query_one("#f-title", Input).value == "Second"
        assert plan_store.db.execute("SELECT count(*) FROM objectives").fetchone()[0] == before


async def test_a_filter_box_gets_the_keys_typed_right_after_slash(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        app.set_period("2026-Q1")
        await keys_handled(pilot)
        tree = app.screen.query_one("#objectives-tree", Tree)
        assert "sort: title" in str(tree.border_title)
        await burst(pilot, "slash", *"books")
        box = app.screen.query_one("#objectives-filter", Input)
        assert box.value == "books" and box.has_focus
        assert [node.data for node in tree.root.children] == ["clean-books"]
        # `s` went into the box, not to the tree's sort binding
        assert "sort: title" in str(tree.border_title)


async def test_keys_reach_a_screen_shown_by_a_key_in_the_same_burst(tmp_path):
    store = sample_copy(tmp_path)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        await burst(pilot, "2", "l", "slash", *"won")
        screen = app.screen
        assert isinstance(screen, LeadScoringScreen)
        assert screen.query_one("#leads-filter", Input).value == "won"
        await leads_settled(pilot)
        assert "filter “won”" in text_of(screen.query_one("#leads-status"))

        await burst(pilot, "escape", "3", "n", *letters("Ops Olivia"))
        assert isinstance(app.screen, PersonaForm)
        assert app.screen.query_one("#f-name", Input).value == "Ops Olivia"


def _state(app) -> tuple:
    """What a user sees: the screen, the field with focus and what it holds, the objective
    under the cursor."""
    focused = app.focused
    screen = app.screen
    return (type(screen).__name__, focused.id if focused else None,
            getattr(focused, "value", None), getattr(screen, "selected_id", None))


async def _after(tmp_path, name: str, keys: list[str], *, burst_them: bool) -> tuple:
    store = sample_copy(tmp_path, name)
    app = build_app(store, today=TODAY)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await keys_handled(pilot)
            if burst_them:
                await burst(pilot, *keys)
            else:
                for key in keys:
                    await pilot.press(key)
                    await keys_handled(pilot)
            return _state(app)
    finally:
        store.close()


@pytest.mark.parametrize("keys", [
    ["slash", "r", "enter", "down", "e"],  # enter hands focus back to the tree: down moves it
    ["slash", *"cac", "enter", "e"],  # e edits the objective the filter left
    ["n", *"Hi", "escape", "down", "e"],  # the form closes before down reaches the tree
])
async def test_a_burst_does_what_the_same_keys_typed_slowly_do(tmp_path, keys):
    slowly = await _after(tmp_path, "slow.db", keys, burst_them=False)
    at_once = await _after(tmp_path, "burst.db", keys, burst_them=True)
    assert at_once == slowly
    assert slowly[0] in ("ObjectiveForm", "ObjectivesScreen")


async def test_a_click_stays_behind_the_keys_typed_before_it(tmp_path):
    """`/ab` then a click on a tree row: the keys land in the filter box and the click comes
    after them, as they were made; it never opens the row's form for `ab` to overwrite."""
    store = sample_copy(tmp_path)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        tree = app.screen.query_one("#objectives-tree", Tree)
        x, y = tree.region.x + 4, tree.region.y + 2
        for key in ("slash", "a", "b"):
            app.post_message(events.Key(key, CHARS.get(key, key)))
        where = {"widget": None, "x": x, "y": y, "delta_x": 0, "delta_y": 0, "button": 1,
                 "shift": False, "meta": False, "ctrl": False, "screen_x": x, "screen_y": y}
        app.post_message(events.MouseDown(**where))
        app.post_message(events.MouseUp(**where))
        await keys_handled(pilot)
        assert not isinstance(app.screen, ObjectiveForm)
        assert app.screen.query_one("#objectives-filter", Input).value == "ab"
    store.close()


async def test_keys_held_too_long_go_on_together(plan_store):
    """One deadline for everything held: once it has passed, the held keys go on at once,
    not each after waiting a deadline of its own behind a screen that never settles."""
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        app._screens_due.add(app.screen)  # as if the screen were still settling
        for key in ("n", "a", "b", "c"):
            app.post_message(events.Key(key, key))
        await pilot.pause()
        assert len(app._held) == 4
        app._held_since -= typeahead.HOLD_LIMIT  # as if they had waited the deadline
        await app._release()
        assert not app._held
        app._screens_due.clear()
        await keys_handled(pilot)
        assert isinstance(app.screen, ObjectiveForm)


async def test_a_held_key_goes_on_when_the_screen_never_settles(plan_store, monkeypatch):
    """What a key waits for is bounded: behind a screen that never marks itself settled, it
    waits HOLD_LIMIT, not for ever."""
    monkeypatch.setattr(typeahead, "HOLD_LIMIT", 1.0)
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys_handled(pilot)
        app._screens_due.add(app.screen)  # as if the screen were still settling
        app.post_message(events.Key("n", "n"))
        await pilot.pause()
        assert not isinstance(app.screen, ObjectiveForm) and len(app._held) == 1
        waited = 0.0
        while app._held:
            assert waited < 5, "the held key never went on"
            await pilot.pause(0.05)
            waited += 0.05
        app._screens_due.clear()
        await keys_handled(pilot)
        assert isinstance(app.screen, ObjectiveForm)
