"""Pilot tests of review mode: walking the agenda, recording, the note rule and the summary."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static, TextArea

from model.reviews import latest_review, render_minutes
from screens.dialogs import InputDialog
from screens.kpi_forms import RequiredNoteForm
from screens.kpi_review import KpiReviewScreen
from screens.note_form import DecisionForm
from screens.review_mode import ReviewModeScreen, ReviewSummaryScreen
from tests.conftest import TODAY, text_of
from tests.test_kpi_review import open_kpis, review_store, settle  # noqa: F401 - fixture
from tui.app import build_app


async def open_review(app, pilot) -> ReviewModeScreen:
    await open_kpis(app, pilot)
    await pilot.press("r")
    await pilot.pause()
    assert isinstance(app.screen, ReviewModeScreen)
    return app.screen


def body(screen) -> str:
    return text_of(screen.query_one("#review-item-body", Static))


async def go_to(screen, pilot, item_id: str) -> None:
    while screen.item.id != item_id:
        await pilot.press("n")
    await pilot.pause()


async def test_walks_the_agenda_by_attention(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        assert [i.id for i in screen.items[:3]] == ["leads", "faster-onboarding",
                                                    "grow-smb-pipeline"]
        progress = text_of(screen.query_one("#review-progress"))
        assert "item 1 of" in progress and "▲ RED" in progress
        first = body(screen)
        assert "Leads" in first and "390" in first and "[87% of target]" in first
        assert "Why it is here: red against its target" in first
        await pilot.press("n", "right")
        await pilot.pause()
        assert screen.item.id == "grow-smb-pipeline"
        text = body(screen)
        assert "Lead-to-customer rate" in text and "86%" in text
        assert "Add a budget question to the form" in text  # open decision
        assert "Sales says SMB leads lack budget" in text  # unanswered feedback
        await pilot.press("p", "left", "left")
        await pilot.pause()
        assert screen.index == 0
        await go_to(screen, pilot, "roi")
        text = body(screen)
        assert "Last meeting's notes (2026-04-10)" in text
        assert "Split brand spend out of marketing_cost" in text
        assert "ROI counts brand spend too" not in text  # an older meeting
        assert "Finance tags brand spend" in text
        keys = text_of(screen.query_one("#review-keys"))
        for key in ("a x d v", "h m l", "w", "c", "f"):
            assert key in keys


async def test_period_and_area_keys_wait_for_the_review_to_finish(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        period = app.period
        await pilot.press("right_square_bracket", "left_square_bracket", "1", "2")
        await pilot.pause()
        assert app.screen is screen and app.period == period
        assert any("f finishes it" in str(n.message) for n in app._notifications)


async def test_missed_cannot_be_saved_without_a_note(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        await go_to(screen, pilot, "grow-smb-pipeline")
        await pilot.press("x")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequiredNoteForm)
        assert "A note is required" in str(form.query_one(".dialog-title").content)
        await pilot.press("ctrl+s")  # empty: refused
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape")  # cancelling cancels the change
        await pilot.pause()
        assert app.screen is screen
        assert review_store.objective("grow-smb-pipeline").state == "active"
        assert not [n for n in review_store.notes() if n.date == TODAY]
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"Budget freeze")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review_store.objective("grow-smb-pipeline").state == "missed"
        notes = [n for n in review_store.notes() if n.date == TODAY]
        assert [(n.objective, n.text) for n in notes] == [("grow-smb-pipeline", "Budget freeze")]
        saved = latest_review(review_store)
        assert [(c.field, c.before, c.after, c.note) for c in saved.changes] == [
            ("state", "active", "missed", "Budget freeze")]
        assert "state: active → missed" in body(screen)


async def test_low_confidence_needs_a_note_others_do_not(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        await go_to(screen, pilot, "faster-onboarding")
        await pilot.press("h")
        await pilot.pause()
        assert review_store.objective("faster-onboarding").confidence == "high"
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, RequiredNoteForm)
        await pilot.press(*"Onboarding team halved")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert review_store.objective("faster-onboarding").confidence == "low"
        await pilot.press("a")
        await pilot.pause()
        assert review_store.objective("faster-onboarding").state == "achieved"
        await go_to(screen, pilot, "roi")
        await pilot.press("a")  # a metric has no state
        await pilot.pause()
        assert isinstance(app.screen, ReviewModeScreen)
        changes = latest_review(review_store).changes
        assert [(c.field, c.after) for c in changes] == [
            ("confidence", "high"), ("confidence", "low"), ("state", "achieved")]


async def test_decision_saved_with_owner_and_due(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        assert screen.item.id == "leads"
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DecisionForm)
        form.query_one("#f-text", TextArea).text = "Run a second webinar"
        form.query_one("#f-owner", Select).value = "sales"
        form.query_one("#f-due", Input).value = "2026-06-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        decisions = [d for d in review_store.decisions() if d.date == TODAY]
        assert [(d.metric, d.objective, d.text, d.owner, d.due.isoformat(), d.state)
                for d in decisions] == [("leads", None, "Run a second webinar", "sales",
                                         "2026-06-01", "open")]
        assert "decision: Run a second webinar — sales, due 2026-06-01" in body(screen)
        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#f-text", TextArea).text = "No owner yet"
        app.screen.query_one("#f-owner", Select).clear()
        app.screen.query_one("#f-due", Input).value = "June"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DecisionForm)  # refused: no owner, bad date
        await pilot.press("escape")
        await pilot.pause()
        assert len([d for d in review_store.decisions() if d.date == TODAY]) == 1


async def test_summary_is_saved_and_minutes_exported(review_store, tmp_path):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*"Webinar leads arrive late")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("n", "n")
        await pilot.press("f")
        await pilot.pause()
        summary = app.screen
        assert isinstance(summary, ReviewSummaryScreen)
        text = text_of(summary.query_one("#review-summary-body"))
        assert "3 items reviewed · 1 note · 0 decisions · 0 status changes" in text
        saved = latest_review(review_store, "2026-Q1")
        assert saved is not None and saved.ended_at is not None
        assert [i.id for i in saved.items] == ["leads", "faster-onboarding",
                                               "grow-smb-pipeline"]
        assert [n.text for n in saved.notes] == ["Webinar leads arrive late"]
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        assert dialog.query_one("#input-value", Input).value.endswith(
            "minutes-2026-q1-2026-05-15.md")
        target = tmp_path / "minutes.md"
        dialog.query_one("#input-value", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == render_minutes(saved, "Acme FY26")
        assert "- **Leads**: Webinar leads arrive late" in target.read_text(encoding="utf-8")
        await pilot.press("x")  # the plan's WAL file is not somewhere minutes may go
        await pilot.pause()
        wal = Path(f"{review_store.path}-wal")
        before = wal.read_bytes() if wal.exists() else None
        app.screen.query_one("#input-value", Input).value = str(wal)
        await pilot.press("enter")
        await pilot.pause()
        # refused in the dialog, before a replace warning could offer to write over it
        assert isinstance(app.screen, InputDialog)
        assert "wal file" in text_of(app.screen.query_one("#input-error"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog)
        assert (wal.read_bytes() if wal.exists() else None) == before
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, KpiReviewScreen)
        assert review_store.db["reviews"].count == 1
        assert screen.saved


async def test_leaving_before_reviewing_anything_saves_no_review(review_store):  # noqa: F811
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, KpiReviewScreen)
        assert review_store.db["reviews"].count == 0
        assert any("no review was saved" in n.message for n in app._notifications)


async def test_a_value_entered_moves_every_item_built_on_it(review_store):  # noqa: F811
    """Entering a value on one metric recomputes the objectives measured by it (and the
    formulas using it), not only the item on screen: one item used to show the old status
    beside the new figures, and the minutes kept it."""
    from model.reviews import fresh_item

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        dependants = [i for i in screen.items if i.kind == "objective" and any(
            kr.metric == "leads" for kr in review_store.objective(i.id).key_results)]
        assert dependants
        before = {i.key: i for i in dependants}
        await go_to(screen, pilot, "leads")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period", Input).value = "2026-03"
        form.query_one("#f-value", Input).value = "1,200"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert "value for 2026-03: 1,200" in body(screen)
        assert "values 1" in text_of(screen.query_one("#review-progress"))
        for item in screen.items:
            assert item == fresh_item(screen.engine, item, screen.period), item.key
        assert any(i.actual != before[i.key].actual
                   for i in screen.items if i.key in before)
        await go_to(screen, pilot, dependants[0].id)
        fresh = next(i for i in screen.items if i.key == dependants[0].key)
        assert f"progress {fresh.actual:.0%}" in body(screen)


async def test_an_objective_deleted_during_the_meeting_is_said_not_a_crash(review_store):  # noqa: F811
    """Another Align deletes an objective on the agenda: stepping to it after a write (which
    recomputes the agenda) stopped the app; now the item says so and its keys do nothing."""
    from model.store import PlanStore

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        with PlanStore.open(review_store.path) as other:
            other.delete("objectives", "grow-smb-pipeline")
        await pilot.press("w")  # a note on the first item: a write
        await pilot.pause()
        app.screen.query_one("#f-text", TextArea).text = "Webinar leads arrive late"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        await go_to(screen, pilot, "grow-smb-pipeline")
        assert "was deleted from the plan after the review began" in body(screen)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is screen
        assert any("grow-smb-pipeline was deleted" in str(n.message)
                   for n in app._notifications)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ReviewSummaryScreen)


async def test_the_palette_cannot_leave_the_meeting_and_quit_asks(review_store):  # noqa: F811
    """The palette's area, period and import commands would leave the review without f; q
    in the middle of a meeting asks, and saves it as finished before quitting."""
    from tui.app import AlignCommands

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        names = [name for name, _, _ in AlignCommands(screen).commands()]
        assert not [n for n in names if n.startswith(("Go to", "Switch period", "Import"))]
        assert "Export plan…" in names
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("n", "n")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is not screen  # the question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and app.is_running
        assert latest_review(review_store) is None or latest_review(review_store).ended_at is None
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        saved = latest_review(review_store)
        assert saved is not None and saved.ended_at is not None
        assert [i.id for i in saved.items] == [i.id for i in screen.items[:3]]
    assert app.return_code == 0


async def test_after_the_meeting_the_palette_goes_everywhere_again(review_store):  # noqa: F811
    from tui.app import AlignCommands

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert app.meeting is None
        names = [name for name, _, _ in AlignCommands(app.screen).commands()]
        assert "Go to Objectives" in names and "Import plan…" in names


async def test_c_closes_an_open_decision_in_the_meeting_and_it_is_not_carried(review_store):  # noqa: F811
    """Open decisions could not be closed anywhere: review mode listed them overdue and every
    meeting's minutes carried them forward for good."""
    from screens.note_form import DecisionsDialog

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        await go_to(screen, pilot, "grow-smb-pipeline")
        assert "Open decisions (1)" in body(screen)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, DecisionsDialog)
        await pilot.press("d")
        await pilot.pause()
        assert review_store.get("decisions", "d1").state == "done"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert "Open decisions (0)" in body(screen)
        await pilot.press("f")
        await settle(app, pilot)
        saved = latest_review(review_store)
        assert "d1" not in [d.id for d in saved.carried_decisions]
        assert "d-roi" in [d.id for d in saved.carried_decisions]
        assert "Add a budget question" not in render_minutes(saved, "Acme FY26")


def shown_at_width(widget) -> str:
    """What a Static shows at its own width on screen, as plain text."""
    import io

    from rich.console import Console

    console = Console(width=widget.size.width, record=True, file=io.StringIO(),
                      color_system=None)
    console.print(widget.content)
    return console.export_text()


async def test_key_result_figures_stay_whole_on_an_80_column_terminal(tmp_path):
    """At 80 columns the key results table cut its figures (`1,292,2…`, `[129% of targe…`):
    only the key result's name may give way now."""
    from model.schema import KeyResult
    from tests.conftest import open_plan
    from tests.kpi_review_plans import review_plan

    plan = review_plan()
    objective = next(o for o in plan.objectives if o.id == "grow-smb-pipeline")
    objective.key_results.append(KeyResult(metric="revenue", baseline=0, target=1_000_000))
    store = open_plan(tmp_path / "p.db", plan)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(app, pilot)
        await go_to(screen, pilot, "grow-smb-pipeline")
        shown = shown_at_width(screen.query_one("#review-item-body", Static))
        revenue = next(line for line in shown.splitlines() if "Revenue" in line).split()
        assert revenue[1:4] == ["330,000", "33%", "1,000,000"]
        assert "…" not in shown
        progress = text_of(screen.query_one("#review-progress"))
        assert "status changes 0" in progress  # the counts wrap, never cut
    store.close()


async def test_an_item_shows_the_signals_about_it_and_g_goes_to_a_signals_item(review_store):  # noqa: F811
    """The KPI review's realignment signals were nowhere in review mode."""
    from screens.signals_dialog import SignalsDialog

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(app, pilot)
        await go_to(screen, pilot, "grow-smb-pipeline")
        text = body(screen)
        assert "Realignment signals (2)" in text
        assert "Leads is red on the active objective" in text
        assert "Churn rate is red" not in text  # about another objective
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SignalsDialog)
        assert [s.subjects for s in dialog.signals][0] == ("faster-onboarding", "churn")
        await pilot.press("enter")  # the first: churn, red on faster-onboarding
        await pilot.pause()
        assert app.screen is screen
        assert screen.item.id == "faster-onboarding"  # its objective, on the agenda
        assert screen.item.key in screen.visited
