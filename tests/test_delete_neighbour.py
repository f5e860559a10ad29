"""After a delete the selection moves to the next row on (else the one before), not back to the
first: deleting several items in a row stays where the user was."""

from __future__ import annotations

from model.schema import Persona
from screens.area import neighbour
from tests.conftest import TODAY, text_of
from tests.lead_scoring_helpers import sample_copy
from tests.test_objectives import settle
from tests.test_personas import open_personas
from tui.app import build_app


def test_the_neighbour_is_the_next_item_else_the_one_before():
    assert neighbour(["a", "b", "c"], "b") == "c"
    assert neighbour(["a", "b", "c"], "c") == "b"
    assert neighbour(["a"], "a") is None
    assert neighbour(["a", "b"], "x") is None


async def _delete(app, pilot) -> None:
    await pilot.press("d")
    await pilot.pause()
    await pilot.press("y")
    await settle(app, pilot)


async def test_deleting_objectives_keeps_the_place_in_the_tree(tmp_path):
    store = sample_copy(tmp_path)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        screen = app.screen
        shown = list(screen._tree_nodes)
        await pilot.press("end", "up", "up")
        await settle(app, pilot)
        gone = screen.selected_id
        assert gone == shown[-3]
        await _delete(app, pilot)
        assert store.objective(gone) is None
        assert screen.selected_id == shown[-2]
        assert screen.query_one("#objectives-tree").cursor_node.data == shown[-2]
        await pilot.press("end")
        await settle(app, pilot)
        await _delete(app, pilot)  # the last: the one before
        assert screen.selected_id == shown[-2]


async def test_deleting_a_persona_selects_the_next_card(plan_store):
    plan_store.save_persona(Persona(id="zed", name="Zed the zealot"))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_personas(app, pilot)
        assert [p.id for p in screen._visible()] == ["founder-fred", "ops-olivia", "zed"]
        await pilot.press("down")
        assert screen.selected_id == "ops-olivia"
        await _delete(app, pilot)
        assert screen.selected_id == "zed"
        assert "Zed the zealot" in text_of(screen.query_one("#persona-card-body"))
