"""The key result form types values in the metric's unit, as the KPI forms do (a percent metric
in percent), and refuses a target that is a step back in the metric's better direction."""

from __future__ import annotations

from textual.widgets import Input, Select

from screens.objective_form import KeyResultForm, KeyResultTable, ObjectiveForm
from tests.conftest import TODAY, text_of
from tests.test_objectives import open_q1, settle
from tui.app import build_app


def _errors(form: KeyResultForm) -> dict[str, str]:
    return {name: text_of(form.query_one(f"#e-{name}")).strip()
            for name in ("metric", "baseline", "target", "weight")
            if form.query_one(f"#e-{name}").display}


async def _key_result_form(app, pilot, key: str) -> tuple[ObjectiveForm, KeyResultForm]:
    """The form of the first key result of faster-onboarding (churn, 5 % → 3 %): `e` edits it,
    `n` adds one."""
    await open_q1(app, pilot)
    await pilot.press("down", "down", "e")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, ObjectiveForm) and form.original.id == "faster-onboarding"
    form.query_one(KeyResultTable).focus()
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, KeyResultForm)
    return form, app.screen


async def test_a_percent_key_result_is_typed_in_percent(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form, kr_form = await _key_result_form(app, pilot, "e")
        assert kr_form.query_one("#f-baseline", Input).value == "5"
        assert kr_form.query_one("#f-target", Input).value == "3"
        assert "typed in percent: 8.5 means 8.5 %" in text_of(kr_form.query_one("#kr-unit-hint"))
        kr_form.query_one("#f-baseline", Input).value = "8%"
        kr_form.query_one("#f-target", Input).value = "5.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        row = [str(cell) for cell in form.query_one(KeyResultTable).get_row_at(0)]
        assert row[1:3] == ["8.0 %", "5.5 %"]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    kr = plan_store.objective("faster-onboarding").key_results[0]
    assert (kr.metric, kr.baseline, kr.target) == ("churn", 0.08, 0.055)


async def test_a_target_that_is_a_step_back_is_refused_at_the_target(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        _, kr_form = await _key_result_form(app, pilot, "e")
        kr_form.query_one("#f-target", Input).value = "7"  # churn is better lower: 5 % → 7 %
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is kr_form
        assert _errors(kr_form) == {"target": "Churn rate is better lower: a target above the "
                                              "baseline (5.0 %) is a step back"}
        await pilot.press("escape", "escape")
        await settle(app, pilot)
    assert plan_store.objective("faster-onboarding").key_results[0].target == 0.03


async def test_a_new_key_result_reads_thousands_and_says_what_is_wrong(plan_store):
    app = build_app(plan_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        form, kr_form = await _key_result_form(app, pilot, "n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _errors(kr_form) == {"metric": "pick a metric", "baseline": "required",
                                    "target": "required"}
        kr_form.query_one("#f-metric", Select).value = "revenue"
        kr_form.query_one("#f-baseline", Input).value = "1,000,000"
        kr_form.query_one("#f-target", Input).value = "1,5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "only separates thousands" in _errors(kr_form)["target"]
        kr_form.query_one("#f-target", Input).value = "12%"  # revenue is no percent metric
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _errors(kr_form)["target"] == "'12%' is not a number"
        kr_form.query_one("#f-target", Input).value = "1 250 000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    kr = plan_store.objective("faster-onboarding").key_results[-1]
    assert (kr.metric, kr.baseline, kr.target) == ("revenue", 1_000_000, 1_250_000)
