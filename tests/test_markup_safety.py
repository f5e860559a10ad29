"""Text planners type is shown as typed: brackets in a title, a name, a note or a filter are
never read as Textual markup, which would hide them or stop the app (MarkupError)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from model.store import PlanStore
from tests.conftest import TODAY
from tui.app import build_app

HOSTILE = " [/] [b]x[/b] [red"
SAMPLE = Path(__file__).resolve().parents[1] / "sample.db"


def hostile(entity: BaseModel) -> BaseModel:
    """The entity with `HOSTILE` added to every text field that still validates with it (names,
    titles, notes; not ids or references, which refuse brackets anyway)."""
    data = entity.model_dump()
    for name, value in entity:
        if isinstance(value, BaseModel):
            data[name] = hostile(value).model_dump()
            continue
        if isinstance(value, list):
            if value and all(isinstance(v, BaseModel) for v in value):
                data[name] = [hostile(v).model_dump() for v in value]
            elif value and all(isinstance(v, str) for v in value):
                trial = {**data, name: [v + HOSTILE for v in value]}
                data = _if_valid(entity, data, trial)
            continue
        if isinstance(value, str) and name not in ("id", "period", "date", "recorded_at"):
            data = _if_valid(entity, data, {**data, name: value + HOSTILE})
    return type(entity).model_validate(data)


def _if_valid(entity: BaseModel, data: dict[str, Any], trial: dict[str, Any]) -> dict[str, Any]:
    try:
        type(entity).model_validate(trial)
    except ValidationError:
        return data
    return trial


@pytest.fixture
def hostile_store(tmp_path):
    db = tmp_path / "sample.db"
    shutil.copy(SAMPLE, db)
    store = PlanStore.open(db)
    plan = store.load_plan()
    changed = {kind: [hostile(e) for e in getattr(plan, kind)]
               for kind in ("departments", "metrics", "objectives", "personas", "notes",
                            "decisions", "scoring_models")}
    store.apply_plan(plan.model_copy(update={"settings": hostile(plan.settings), **changed}),
                     replace=True)
    assert HOSTILE in store.load_plan().objectives[0].title
    yield store
    store.close()


async def keys(app, pilot, *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_every_area_shows_hostile_text_without_reading_it_as_markup(hostile_store):
    app = build_app(hostile_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys(app, pilot, "1")
        for _ in range(3):
            await keys(app, pilot, "down")
            for form_key in ("e", "d", "a", "c"):
                await keys(app, pilot, form_key, "escape")
        await keys(app, pilot, "n", "escape", "m", "m")
        await keys(app, pilot, "slash", *"[/]", "enter", "escape")

        await keys(app, pilot, "3")
        for _ in range(2):
            await keys(app, pilot, "down", "e", "escape", "d", "escape")
        await keys(app, pilot, "n", "escape", "slash", *"[/]", "enter", "escape")

        await keys(app, pilot, "4")
        for _ in range(3):
            await keys(app, pilot, "down")
            for form_key in ("m", "t", "a", "c", "w"):
                await keys(app, pilot, form_key, "escape")
        await keys(app, pilot, "slash", *"[/]", "enter", "escape")
        await keys(app, pilot, "r")  # review mode: a state change asks for a note, titled
        for _ in range(4):
            await keys(app, pilot, "x", "escape", "n")
        await keys(app, pilot, "f", "escape")

        await keys(app, pilot, "2")
        for tab in ("m", "v", "h", "l"):
            await keys(app, pilot, tab)
        await keys(app, pilot, "e", "escape", "n", "escape", "b", "escape")
        await keys(app, pilot, "slash", *"[/]", "enter", "escape")
        await keys(app, pilot, "question_mark", "escape", "ctrl+e", "escape", "ctrl+o", "escape")
        assert app.is_running


async def test_a_crm_export_with_brackets_in_its_names_and_cells(tmp_path):
    from model.leads import import_leads_csv
    from model.schema import Condition, LeadsRoles, Persona, Rule, ScoringModel

    csv_path = tmp_path / "crm [b] export [red.csv"
    csv_path.write_text("id,[/]notes,[b]segment,employees,won\n"
                        + "".join(f"L{i},[/] call [red back,[b]SMB[/b],{i * 10},{i % 2}\n"
                                  for i in range(30)))
    store = PlanStore.open(tmp_path / "p.db")
    import_leads_csv(store, csv_path, roles=LeadsRoles(id="id", outcome="won", won_values=["1"]))
    store.save_scoring_model(ScoringModel(id="m", name="Model [/]", rules=[Rule(
        id="r", name="Segment [b]", dimension="fit", points=10,
        when=[Condition(field="[b]segment", op="eq", value="[b]SMB[/b]")], rationale="[/]")]))
    store.save_persona(Persona(id="p", name="P [/]", match=[
        Condition(field="[/]notes", op="contains", value="[red")]))
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await keys(app, pilot, "2")
        for tab in ("m", "v", "h", "l"):
            await keys(app, pilot, tab)
        await keys(app, pilot, "down", "down", "e", "escape", "n", "escape")
        await keys(app, pilot, "n")  # a rule whose value is refused quotes it in its message
        rule_form = app.screen
        row = rule_form.query_one(".condition-row")
        row.query_one(".cond-field").value = "employees"
        await keys(app, pilot)  # the operators follow the field
        row.query_one(".cond-op").value = "gt"
        row.query_one(".cond-value").value = "[/]"
        rule_form.query_one("#f-name").value = "Refused [/]"
        await keys(app, pilot, "ctrl+s")
        assert "'[/]'" in str(row.query_one(".cond-error").render())
        await keys(app, pilot, "escape")
        await keys(app, pilot, "slash", *"[/]", "enter", "escape")
        await keys(app, pilot, "i")
        app.screen.query_one("#f-path").value = str(csv_path)
        await keys(app, pilot, "enter", "escape")
        await keys(app, pilot, "3", "down", "e", "escape")
        assert app.is_running
    store.close()
