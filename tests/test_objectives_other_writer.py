"""The objective form while another Align (or an import) changes the same objective: a save
writes the fields changed in the form onto the objective as the plan holds it then, so what the
other one wrote to the other fields stays."""

from __future__ import annotations

from contextlib import contextmanager

from textual.widgets import Input, Select, SelectionList, Static, TextArea

from model.schema import Department, KeyResult
from model.store import PlanStore
from screens.objective_form import ObjectiveForm
from screens.objectives import ObjectivesScreen
from tests.conftest import TODAY, text_of
from tests.test_objectives_findings import notifications, open_q1, settle
from tui.app import build_app


@contextmanager
def another_align(store: PlanStore):
    """A second store on the same file, as another Align would open it."""
    other = PlanStore.open(store.path)
    try:
        yield other
    finally:
        other.close()


def change_elsewhere(store: PlanStore, objective_id: str = "clean-books", **update) -> None:
    with another_align(store) as other:
        other.save_objective(other.objective(objective_id).model_copy(update=update))


def row(store: PlanStore, objective_id: str = "clean-books") -> dict:
    return next(iter(store.db.query("SELECT * FROM objectives WHERE id = ?", [objective_id])))


def key_results(store: PlanStore, objective_id: str = "clean-books") -> list[tuple]:
    return [(r["metric"], r["baseline"], r["target"]) for r in store.db.query(
        "SELECT * FROM key_results WHERE objective = ? ORDER BY position", [objective_id])]


def departments(store: PlanStore, objective_id: str = "clean-books") -> list[str]:
    return [r["department"] for r in store.db.query(
        "SELECT department FROM objective_departments WHERE objective = ? ORDER BY 1",
        [objective_id])]


async def edit_clean_books(app, pilot) -> ObjectiveForm:
    await open_q1(app, pilot)
    await pilot.press("e")  # clean-books is first
    await pilot.pause()
    form = app.screen
    assert isinstance(form, ObjectiveForm)
    return form


async def save(app, pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_a_field_changed_elsewhere_stays_when_the_form_saves_another(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        change_elsewhere(plan_store, why="Audit asks for it.", confidence="high",
                         departments=["finance", "sales", "product"],
                         key_results=[KeyResult(metric="sales_cost", baseline=100, target=70)])
        form.query_one("#f-title", Input).value = "Close the books in two days"
        await save(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        saved = row(plan_store)
        assert saved["title"] == "Close the books in two days"
        assert (saved["why"], saved["confidence"]) == ("Audit asks for it.", "high")
        assert key_results(plan_store) == [("sales_cost", 100, 70)]
        assert departments(plan_store) == ["finance", "product", "sales"]


async def test_a_field_changed_in_both_places_takes_the_forms_value(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        change_elsewhere(plan_store, title="Close the books by day five", why="Audit asks.")
        form.query_one("#f-title", Input).value = "Close the books in two days"
        await save(app, pilot)
        saved = row(plan_store)
        assert (saved["title"], saved["why"]) == ("Close the books in two days", "Audit asks.")


async def test_a_list_changed_in_the_form_is_taken_whole(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        change_elsewhere(plan_store, why="Audit asks.", key_results=[
            KeyResult(metric="sales_cost", baseline=100, target=70),
            KeyResult(metric="revenue", baseline=1, target=2)])
        form.remove_key_result(0)
        form.query_one("#f-departments", SelectionList).deselect("sales")
        await save(app, pilot)
        assert key_results(plan_store) == []
        assert departments(plan_store) == ["finance"]
        assert row(plan_store)["why"] == "Audit asks."


async def test_a_new_owner_joins_the_departments_another_align_added(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        change_elsewhere(plan_store, departments=["finance", "sales", "product"])
        form.query_one("#f-owner", Select).value = "marketing"
        await save(app, pilot)
        assert row(plan_store)["owner"] == "marketing"
        assert departments(plan_store) == ["finance", "marketing", "product", "sales"]


async def test_an_unchanged_save_keeps_what_another_align_wrote(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await edit_clean_books(app, pilot)
        change_elsewhere(plan_store, why="Audit asks.")
        written = row(plan_store)
        await save(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        assert row(plan_store) == written


async def test_an_objective_deleted_elsewhere_is_saved_back_and_the_user_told(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        with another_align(plan_store) as other:
            other.delete("objectives", "clean-books")
        form.query_one("#f-why", TextArea).text = "Audit asks."
        await save(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        saved = row(plan_store)
        assert (saved["title"], saved["why"]) == ("Close the books in three days", "Audit asks.")
        assert key_results(plan_store) == [("sales_cost", 100, 80)]
        assert any("clean-books was deleted elsewhere" in m and "saved it back" in m
                   for m in notifications(app))


async def test_a_department_deleted_elsewhere_keeps_the_form_open_and_says_why(plan_store):
    plan_store.save_department(Department(id="legal", name="Legal"))
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await edit_clean_books(app, pilot)
        form.query_one("#f-departments", SelectionList).select("legal")
        form.query_one("#f-title", Input).value = "Close the books in two days"
        await pilot.pause()
        before = row(plan_store)
        with another_align(plan_store) as other:
            other.delete("departments", "legal")
        await save(app, pilot)
        assert app.screen is form
        assert "legal" in text_of(form.query_one("#form-error", Static))
        assert row(plan_store) == before


async def test_e_on_an_objective_deleted_elsewhere_says_so_instead_of_a_new_form(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_q1(app, pilot)
        with another_align(plan_store) as other:
            other.delete("objectives", "clean-books")
        await pilot.press("e")  # the tree still shows clean-books first
        await settle(app, pilot)
        assert isinstance(app.screen, ObjectivesScreen)
        assert any("clean-books was deleted elsewhere" in m for m in notifications(app))
        def ids(node):
            return [node.data, *(i for child in node.children for i in ids(child))]

        shown = ids(app.screen.query_one("#objectives-tree").root)
        assert "clean-books" not in shown and "grow-smb-pipeline" in shown


async def test_every_key_on_an_objective_deleted_elsewhere_says_so(plan_store):
    """y (copy to the next period) used to stop the app on an assertion; d, a and c offered a
    dialog for an objective the plan no longer holds."""
    for key in ("y", "d", "a", "c"):
        app = build_app(plan_store, today=TODAY)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_q1(app, pilot)
            await pilot.press("down")
            await pilot.pause()
            first = app.screen.selected_id
            assert first is not None, key
            kept = plan_store.objective(first)
            with another_align(plan_store) as other:
                other.delete("objectives", first)
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, ObjectivesScreen), key
            assert any(f"{first} was deleted elsewhere" in m for m in notifications(app)), key
            assert plan_store.objective(first) is None, key
            assert not [o for o in plan_store.objectives() if o.id.startswith(first)], key
        plan_store.save_objective(kept)  # for the next key
