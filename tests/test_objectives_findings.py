"""The objectives area at its edges: the last period plans go to, notes longer than a name,
dates typed as numbers, feedback without its departments, a year typed in the palette, a save
that changes nothing, a save into another period, and rows laid out after an empty period."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input, Select, Static, TextArea, Tree

from screens.note_form import NoteForm
from screens.objective_form import ObjectiveForm
from screens.objectives import ObjectivesScreen, joint_label
from tests.conftest import TODAY, text_of
from tui.app import AlignCommands, build_app


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def open_q1(app, pilot) -> None:
    await settle(app, pilot)
    app.set_period("2026-Q1")
    await settle(app, pilot)


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def test_joint_departments_are_counted_not_cut():
    assert joint_label([]) == ""
    assert joint_label(["M", "S"]) == "⇄ M,S"
    assert joint_label(["CS", "M", "P", "S"]) == "⇄ CS,M+2"
    assert joint_label(["ABCDEFGH", "X"]) == "⇄ 2"


async def test_the_period_keys_stop_at_the_last_period_plans_go_to(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.set_period("2999-Q4")
        await settle(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.period == "2999-Q4"
        assert any("years run from 1900 to 2999" in m for m in notifications(app))
        await pilot.press("4")  # the KPI review opens on it
        await settle(app, pilot)
        assert app.is_running


async def test_a_long_note_saves_and_a_date_typed_as_a_number_does_not(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NoteForm)
        long_text = "Pipeline review: " + "EMEA deals slipped a quarter again. " * 12
        form.query_one("#f-text", TextArea).text = long_text
        form.query_one("#f-date", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "expected a date such as 2026-03-31" in text_of(form.query_one("#e-date", Static))
        form.query_one("#f-date", Input).value = "2026-04-02"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert [n.text for n in plan_store.notes() if n.text.startswith("Pipeline review")] == [
            long_text.strip()]


async def test_feedback_says_which_department_it_misses(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        before = len(plan_store.notes())
        await pilot.press("down", "a")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-text", TextArea).text = "Leads arrive without a company size"
        form.query_one("#f-kind", Select).value = "feedback"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "comes from" in text_of(form.query_one("#e-from_department", Static))
        assert "goes to" in text_of(form.query_one("#e-to_department", Static))
        assert not form.query_one("#form-error").display
        form.query_one("#f-from_department", Select).value = "sales"
        form.query_one("#f-to_department", Select).value = "sales"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "another department" in text_of(form.query_one("#e-to_department", Static))
        form.query_one("#f-to_department", Select).value = "marketing"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert len(plan_store.notes()) == before + 1


async def test_a_year_typed_in_the_palette_is_the_first_hit(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        provider = AlignCommands(app.screen)
        hits = [hit async for hit in provider.search("2026")]
        best = max(hits, key=lambda hit: hit.score)
        assert best.text == "Switch period to 2026"
        best.command()
        await settle(app, pilot)
        assert app.period == "2026"


async def test_saving_an_objective_unchanged_writes_nothing(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        before = list(plan_store.db.query("SELECT * FROM objectives ORDER BY id"))
        children = list(plan_store.db.query("SELECT * FROM key_results ORDER BY rowid"))
        await pilot.press("down", "e")
        await pilot.pause()
        assert isinstance(app.screen, ObjectiveForm)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        assert list(plan_store.db.query("SELECT * FROM objectives ORDER BY id")) == before
        assert list(plan_store.db.query("SELECT * FROM key_results ORDER BY rowid")) == children


async def test_saving_into_another_period_says_where_it_went(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-title", Input).value = "Plan the autumn launch"
        form.query_one("#f-period", Input).value = "2026-q3"  # typed in lower case
        form.query_one("#f-owner", Select).value = "product"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = [o for o in plan_store.objectives() if o.title == "Plan the autumn launch"]
        assert [o.period for o in saved] == ["2026-Q3"]
        assert any("Saved in 2026-Q3" in m for m in notifications(app))


async def test_after_an_empty_period_the_tree_has_its_focus_and_width_back(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        tree = app.screen.query_one("#objectives-tree", Tree)
        width = tree.size.width
        await pilot.press("right_square_bracket", "right_square_bracket")  # 2026-Q3: empty
        await settle(app, pilot)
        assert not tree.display
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(app, pilot)
        assert tree.display and app.focused is tree
        assert app.screen._tree_width == width
        line = tree.root.children[0].label
        assert isinstance(line, Text) and line.cell_len >= width - 8


async def test_wide_letters_keep_the_row_to_the_tree_width(plan_store):
    objective = next(o for o in plan_store.objectives() if o.period == "2026-Q1" and not o.parent)
    plan_store.save_objective(objective.model_copy(update={"title": "🚀 日本 " * 20}))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        tree = app.screen.query_one("#objectives-tree", Tree)
        label = next(n.label for n in tree.root.children if n.data == objective.id)
        assert "…" in label.plain and label.plain.startswith("  🚀 日本")
        assert label.cell_len <= tree.size.width - 2


async def test_a_plan_another_program_is_writing_is_said_busy_without_freezing(plan_store):
    import sqlite3

    app = build_app(plan_store, today=TODAY)
    assert plan_store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        before = len(plan_store.objectives())
        holder = sqlite3.connect(plan_store.path, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("down", "y")
            await settle(app, pilot)
        finally:
            holder.rollback()
            holder.close()
        assert any("the plan is busy" in m for m in notifications(app))
        assert len(plan_store.objectives()) == before


async def test_moving_an_objective_to_another_period_says_so_and_an_unchanged_save_does_not(
        plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not any("Saved in" in m for m in notifications(app))
        await pilot.press("e")
        await pilot.pause()
        moved = app.screen.original.id
        app.screen.query_one("#f-period", Input).value = "2026-Q2"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert plan_store.objective(moved).period == "2026-Q2"
        assert any("Saved in 2026-Q2" in m for m in notifications(app))
