"""Pilot tests of the KPI review area: the table, detail, filters, measurements and targets."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, DataTable, Input, Static

from model.schema import Measurement
from screens.kpi_forms import MeasurementForm, TargetForm
from screens.kpi_review import KpiReviewScreen
from tests.conftest import TODAY, open_plan, text_of
from tests.kpi_review_plans import PERIOD, review_plan
from tui.app import build_app


@pytest.fixture
def review_store(tmp_path):
    store = open_plan(tmp_path / "p.db", review_plan())
    yield store
    store.close()


async def open_kpis(app, pilot, period: str = PERIOD) -> KpiReviewScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.set_period(period)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, KpiReviewScreen)
    return app.screen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def row_of(screen: KpiReviewScreen, metric: str) -> list[str]:
    table = screen.query_one("#kpi-table", DataTable)
    return [str(cell) for cell in table.get_row(metric)]


async def select(screen: KpiReviewScreen, pilot, metric: str) -> None:
    table = screen.query_one("#kpi-table", DataTable)
    table.move_cursor(row=table.get_row_index(metric))
    await pilot.pause()
    assert screen.selected_metric == metric


def history(store, metric: str, period: str) -> list[tuple]:
    return [(r["value"], r["not_applicable"], r["note"]) for r in store.db.query(
        "SELECT value, not_applicable, note FROM measurements WHERE metric = ? AND period = ? "
        "ORDER BY recorded_at, id", [metric, period])]


async def test_table_shows_actual_target_variance_status_and_owners(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        leads = row_of(screen, "leads")
        assert leads[0] == "▲ red"
        assert leads[1:5] == ["Leads", "390", "450", "−60 (−13%)"]
        assert leads[6] == "marketing"
        roi = row_of(screen, "roi")
        assert roi[0] == "● green" and roi[2] == "2.30" and roi[3] == "2.00"
        assert row_of(screen, "churn")[0] == "○ —"  # no target, no status
        assert row_of(screen, "new_customers")[5] == "······█▁"  # 45, then 37
        assert row_of(screen, "revenue")[5] == "·······▄"  # one value: mid-height
        summary = text_of(screen.query_one("#kpi-review-summary"))
        assert "KPI review · 2026-Q1" in summary and "4 with a target" in summary
        signals = text_of(screen.query_one("#kpi-signals"))
        assert "Realignment signals" in signals and "Leads is red" in signals


async def test_home_and_end_go_to_the_first_and_last_kpi(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        table = screen.query_one("#kpi-table", DataTable)
        table.focus()
        await pilot.press("end")
        assert table.row_count > 2 and table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_detail_shows_formula_links_and_notes(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "roi")
        detail = text_of(screen.query_one("#kpi-detail-body", Static))
        assert "Marketing ROI = (330,000 − 100,000) / 100,000 = 2.30" in detail
        assert "Split brand spend out of marketing_cost" in detail
        assert "Finance tags brand spend" in detail
        await select(screen, pilot, "leads")
        detail = text_of(screen.query_one("#kpi-detail-body", Static))
        assert "Turn SMB demand into closed revenue" in detail and "▲ red" in detail
        chart = screen.query_one("#kpi-chart")
        assert chart.display


async def test_filter_by_department_and_text(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        table = screen.query_one("#kpi-table", DataTable)
        everything = table.row_count
        await pilot.press("o")  # first department: customer-service
        await pilot.pause()
        keys = [r.value for r in table.rows]
        assert keys and all("customer-service" in screen.data.engine.metrics[k].departments
                            for k in keys)
        summary = text_of(screen.query_one("#kpi-review-summary"))
        # said first, so a narrow shared screen does not cut it off
        assert summary.startswith("KPI review · 2026-Q1 · filter: owner customer-service")
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == everything
        await pilot.press("slash", *"financ")
        await pilot.pause()
        keys = [r.value for r in table.rows]
        assert "roi" in keys and "leads" not in keys
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert table.row_count == everything


async def test_measurement_is_recorded_as_a_new_history_row(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MeasurementForm)
        assert form.query_one("#f-value", Input).value == "390"
        form.query_one("#f-period", Input).value = "2026-03"
        form.query_one("#f-value", Input).value = "1,200"
        form.query_one("#f-note", Input).value = "webinar week"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, KpiReviewScreen)
        assert history(review_store, "leads", "2026-03") == [(140.0, 0, ""),
                                                             (1200.0, 0, "webinar week")]
        assert row_of(screen, "leads")[2] == "1,450"  # the screen recomputed
        assert row_of(screen, "leads")[0] == "● green"


async def test_invalid_measurement_is_refused_and_marked(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        before = review_store.db["measurements"].count
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MeasurementForm)
        form.query_one("#f-value", Input).value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#f-value", Input).has_class("-invalid")
        assert "'lots' is not a number" in text_of(form.query_one("#e-value", Static))
        form.query_one("#f-value", Input).value = "12"
        form.query_one("#f-period", Input).value = "2026-Q5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "not a period" in text_of(form.query_one("#e-period", Static))
        form.query_one("#f-period", Input).value = PERIOD
        form.query_one("#f-value", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "tick not applicable" in text_of(form.query_one("#e-value", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert review_store.db["measurements"].count == before


async def test_not_applicable_measurement(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "revenue")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period", Input).value = "2026-02"
        form.query_one("#f-not_applicable", Checkbox).value = True
        await pilot.pause()
        assert form.query_one("#f-value", Input).disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert history(review_store, "revenue", "2026-02")[-1] == (None, 1, "")
        assert row_of(screen, "revenue")[2] == "220,000"  # the month no longer counts


async def test_a_decimal_comma_is_refused_rather_than_read_as_thousands(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        before = review_store.db["measurements"].count
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-value", Input).value = "1,5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        message = text_of(form.query_one("#e-value", Static))
        assert "'1,5'" in message and "decimals take a point" in message
        assert review_store.db["measurements"].count == before
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        target_form = app.screen
        assert isinstance(target_form, TargetForm)
        target_form.query_one("#f-targets", Input).value = "4,50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is target_form
        assert "decimals take a point" in text_of(target_form.query_one("#e-targets", Static))
        assert review_store.metric("leads").targets == {PERIOD: 450.0}


async def test_unticking_not_applicable_brings_the_typed_value_back(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        value, box = form.query_one("#f-value", Input), form.query_one("#f-not_applicable", Checkbox)
        value.value = "412"
        box.value = True
        await pilot.pause()
        assert value.value == "" and value.disabled
        box.value = False
        await pilot.pause()
        assert value.value == "412" and not value.disabled


async def test_the_now_hint_and_the_offered_value_follow_the_period_typed(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "revenue")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        hint = form.query_one("#measurement-now", Static)
        value = form.query_one("#f-value", Input)
        assert "now 330,000 in 2026-Q1" in text_of(hint) and value.value == "330000"
        form.query_one("#f-period", Input).value = "2026-02"
        await pilot.pause()
        assert "now 110,000 in 2026-02" in text_of(hint) and value.value == "110000"
        form.query_one("#f-period", Input).value = "2026-1"
        await pilot.pause()
        assert "type a period such as" in text_of(hint) and value.value == "110000"
        value.value = "95000"  # typed by hand: a new period no longer replaces it
        form.query_one("#f-period", Input).value = "2026-03"
        await pilot.pause()
        assert "now 120,000 in 2026-03" in text_of(hint) and value.value == "95000"


async def test_a_value_turning_red_needs_a_note(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "revenue")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-value", Input).value = "100000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "turns the status red" in text_of(form.query_one("#e-note", Static))
        assert history(review_store, "revenue", PERIOD) == []
        form.query_one("#f-note", Input).value = "two invoices moved to April"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert history(review_store, "revenue", PERIOD) == [
            (100000.0, 0, "two invoices moved to April")]
        assert row_of(screen, "revenue")[0] == "▲ red"


async def test_a_value_turning_its_own_period_red_needs_a_note(review_store):
    revenue = review_store.metric("revenue")
    revenue.targets = revenue.targets | {"2026-Q2": 200000.0}  # April's 120,000 is on pace
    review_store.save_metric(revenue)
    review_store.record_measurement(Measurement(metric="revenue", period="2026-04",
                                                value=120000, recorded_at="2026-05-02T09:00:00"))
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)  # reviewing 2026-Q1
        await select(screen, pilot, "revenue")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period", Input).value = "2026-04"
        await pilot.pause()
        form.query_one("#f-value", Input).value = "10000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "turns the status red" in text_of(form.query_one("#e-note", Static))
        assert history(review_store, "revenue", "2026-04") == [(120000.0, 0, "")]


async def test_set_target_with_validation(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "churn")
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        form.query_one("#f-targets", Input).value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#f-targets", Input).has_class("-invalid")
        form.query_one("#f-targets", Input).value = "3.5"
        form.query_one("#f-period", Input).value = "2026-13"  # marked at the period
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#f-period", Input).has_class("-invalid")
        assert not form.query_one("#f-targets", Input).has_class("-invalid")
        assert "2026-13" in text_of(form.query_one("#e-period"))
        form.query_one("#f-period", Input).value = PERIOD
        form.query_one("#f-targets", Input).value = "3.5"  # percent metrics are typed in %
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert review_store.metric("churn").targets == {PERIOD: 0.035}
        assert row_of(screen, "churn")[3] == "3.5 %"
        assert row_of(screen, "churn")[0] == "▲ red"  # 4.0 % against 3.5 %, lower is better
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#f-targets", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert review_store.metric("churn").targets == {}


async def test_a_form_saved_as_it_opened_keeps_the_number_exactly(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "revenue")
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#f-targets", Input).value = "4391234"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one("#f-targets", Input).value == "4391234"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert review_store.metric("revenue").targets[PERIOD] == 4391234.0
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-value", Input).value = "1234567.891"
        form.query_one("#f-period", Input).value = "2026-03"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        # the quarter's total as it is, not 1.44457e+06, which saving would have stored
        assert app.screen.query_one("#f-value", Input).value == "1444567.891"


async def test_note_and_decision_on_a_metric(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Webinar leads arrive late")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        notes = [n for n in review_store.notes() if n.metric == "leads"]
        assert [n.text for n in notes] == ["Webinar leads arrive late"]
        assert notes[0].objective is None and notes[0].date == TODAY
        assert "Webinar leads arrive late" in text_of(screen.query_one("#kpi-detail-body"))


async def test_empty_state_says_how_to_get_data_in(empty_store):
    app = build_app(empty_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot, "2026-Q2")
        empty = screen.query_one("#kpi-empty", Static)
        assert empty.display and not screen.query_one("#kpi-table").display
        text = text_of(empty)
        assert "No measurements or targets for 2026-Q2" in text
        assert "align leads import" in text and "records a measurement" in text


async def test_in_an_empty_period_the_filter_picks_the_metric_m_records(empty_store):
    app = build_app(empty_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot, "2026-Q2")
        await pilot.press("/", *"revenue", "enter")
        await settle(app, pilot)
        assert screen.selected_metric == "revenue"
        assert "Selected: Revenue (revenue)" in text_of(screen.query_one("#kpi-empty", Static))
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MeasurementForm) and form.metric.id == "revenue"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("/", *"zzz", "enter")
        await settle(app, pilot)
        assert screen.selected_metric is None
        assert "no metric matches the filter" in text_of(screen.query_one("#kpi-empty", Static))
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is screen


async def test_summary_counts_measurements_in_the_fiscal_period(review_store):
    review_store.save_settings(review_store.settings().model_copy(update={"fiscal_year_start": 4}))
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        # fiscal 2026-Q1 starts in April: of its recordings only the two for the quarter
        # itself are in it, not January to March (8 metrics with a calendar year)
        assert "2 with measurements in 2026-Q1" in text_of(
            screen.query_one("#kpi-review-summary"))


async def test_in_memory_plan_is_computed_without_a_worker():
    from model.store import PlanStore

    store = PlanStore.memory()
    store.apply_plan(review_plan(), replace=False)
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.set_period(PERIOD)
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        assert screen.data is not None and screen.data.period == PERIOD
        assert not [w for w in app.workers if w.group == "kpi-review"]


async def test_worker_computes_off_the_ui_thread(review_store, monkeypatch):
    import threading

    import screens.kpi_review as kpi_review

    release = threading.Event()
    threads: list[int] = []
    real = kpi_review.compute_review

    def slow_compute(store, period, today):
        threads.append(threading.get_ident())
        assert release.wait(10)
        return real(store, period, today)

    monkeypatch.setattr(kpi_review, "compute_review", slow_compute)
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.set_period(PERIOD)
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        assert screen.data is None
        assert "computing" in text_of(screen.query_one("#kpi-review-summary"))
        assert screen.query_one("#kpi-table").loading
        await pilot.press("o")  # the UI still answers keys while the worker waits
        await pilot.pause()
        assert screen.department == "customer-service"
        release.set()
        await settle(app, pilot)
        assert screen.data is not None and not screen.query_one("#kpi-table").loading
        assert threads and threads[0] != threading.get_ident()
        keys = [r.value for r in screen.query_one("#kpi-table", DataTable).rows]
        assert "churn" in keys and "roi" not in keys  # the filter chosen meanwhile holds


def test_every_binding_has_an_id_and_shows_in_help(review_store):
    from textual.binding import Binding

    from screens.kpi_forms import MeasurementForm, TargetForm
    from screens.review_mode import ReviewModeScreen, ReviewSummaryScreen
    from screens.what_if import WhatIfScreen
    from tui.app import help_sections

    app = build_app(review_store, today=TODAY)
    described = {d for _, rows in help_sections(app) for _, d in rows}
    global_keys = {"1", "2", "3", "4", "left_square_bracket", "right_square_bracket",
                   "question_mark", "q", "ctrl+e", "ctrl+o", "ctrl+p"}
    for cls in (KpiReviewScreen, ReviewModeScreen, ReviewSummaryScreen, WhatIfScreen,
                MeasurementForm, TargetForm):
        for binding in Binding.make_bindings(cls.BINDINGS):
            assert binding.id, (cls.__name__, binding.key)
            assert binding.description in described, (cls.__name__, binding.key)
            if cls in (KpiReviewScreen, ReviewModeScreen) and binding.id != "review.stay":
                # review.stay holds the period and area keys on purpose, until the review ends
                assert binding.key not in global_keys, (cls.__name__, binding.key)


async def test_sort_puts_red_first(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        table = screen.query_one("#kpi-table", DataTable)
        await pilot.press("s")
        await pilot.pause()
        keys = [r.value for r in table.rows]
        assert keys[0] == "leads"  # the only red metric
        assert keys[1:4] == ["roi", "new_customers", "revenue"]  # greens by name
        await pilot.press("s")
        await pilot.pause()
        assert [r.value for r in table.rows][0] == "avg_lifespan_periods"


async def test_on_an_80_column_terminal_every_column_stays_on_screen(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        table = screen.query_one("#kpi-table", DataTable)
        await pilot.pause()
        assert sum(c.get_render_width(table) for c in table.columns.values()) \
            <= table.scrollable_content_region.width
        row = row_of(screen, "revenue")
        assert row[0] in ("●", "◐", "▲", "○") and row[-1] == "F,S"
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        row = row_of(screen, "revenue")
        assert row[-1] == "finance, sales" and " " in row[0]


async def test_saving_the_measurement_form_as_it_opened_records_nothing(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "revenue")
        before = review_store.db["measurements"].count
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one("#f-value", Input).value == "330000"  # the sum of months
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, KpiReviewScreen)
        assert review_store.db["measurements"].count == before
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one("#f-note", Input).value = "the ledger's quarter total"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert history(review_store, "revenue", PERIOD) == [
            (330000.0, 0, "the ledger's quarter total")]


async def test_keys_wait_while_another_periods_figures_are_on_screen(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        compute = screen.compute_in_background
        screen.compute_in_background = lambda *args: None  # a computation that takes its time
        app.period = "2026-Q2"  # the screen still shows 2026-Q1's figures
        await pilot.pause()
        await pilot.press("m")
        assert not isinstance(app.screen, MeasurementForm)
        assert any("2026-Q2 are still being computed" in n.message for n in app._notifications)
        screen.compute_in_background = compute
        screen.reload()
        await settle(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MeasurementForm) and app.screen.period == "2026-Q2"


async def test_periods_before_1900_are_gaps_in_the_trend(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_kpis(app, pilot, period="1900-Q1")
        await settle(app, pilot)
        screen = app.screen
        assert screen.data is not None and screen.data.period == "1900-Q1"
        assert not screen.error


async def test_a_leads_role_the_leads_lack_is_said_once_and_the_rest_shows(tmp_path):
    import shutil
    from pathlib import Path

    from model.schema import LeadsRoles
    from model.store import PlanStore

    path = tmp_path / "plan.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "sample.db", path)
    store = PlanStore.open(path)
    roles = store.leads_roles()
    store.save_leads_roles(LeadsRoles(**{**roles.model_dump(), "outcome": "stage"}))
    app = build_app(store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot, "2026-Q2")
        assert screen.error == "" and screen.data is not None
        assert row_of(screen, "revenue")[1] not in ("", "—")
        warned = [n for n in app._notifications if n.severity == "warning"]
        assert len(warned) == 1
        assert warned[0].title == "Some KPIs are not counted from the leads"
        assert "role outcome names 'stage'" in warned[0].message
        screen.reload()  # the same figures again: said once
        await settle(app, pilot)
        assert len([n for n in app._notifications if n.severity == "warning"]) == 1
    store.close()


async def test_c_marks_a_metric_decision_done(review_store):
    from screens.note_form import DecisionsDialog

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "roi")
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, DecisionsDialog)
        await pilot.press("d", "escape")
        await settle(app, pilot)
        assert review_store.get("decisions", "d-roi").state == "done"
        assert app.screen is screen


async def test_u_withdraws_a_recording_pinned_on_the_period(review_store):
    """A value recorded for the quarter itself (the form's default period) pinned it: later
    month corrections were ignored and nothing took it back. u withdraws the latest recording
    of the period shown, after asking; the months count again."""
    from screens.dialogs import ConfirmDialog

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await select(screen, pilot, "leads")
        rolled_up = row_of(screen, "leads")[2]
        await pilot.press("u")
        await pilot.pause()
        assert app.screen is screen  # nothing recorded for the quarter itself
        assert any("Nothing is recorded for Leads" in n.message for n in app._notifications)
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#f-period", Input).value == PERIOD
        form.query_one("#f-value", Input).value = "999"
        form.query_one("#f-note", Input).value = "typo"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert row_of(screen, "leads")[2] == "999"
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "999 — typo" in " ".join(app.screen.lines)
        await pilot.press("n")
        await pilot.pause()
        assert history(review_store, "leads", PERIOD) == [(999.0, 0, "typo")]
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert history(review_store, "leads", PERIOD) == []
        assert row_of(screen, "leads")[2] == rolled_up


async def test_signals_a_line_each_and_g_lists_them_whole_and_selects_the_metric(review_store):
    """Signals wrapped under the detail and were cut off after two and a half: nothing showed
    the rest, and nothing scrolled to them."""
    from model.signals import Signal
    from screens.signals_dialog import SignalsDialog

    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        panel = text_of(screen.query_one("#kpi-signals")).strip().splitlines()
        assert panel[0] == "Realignment signals (3)  1 shown · g lists all"
        assert len(panel) == 2 and panel[1].startswith("▲ high   Churn rate is red")
        await pilot.press("slash")
        await pilot.press(*"leads")
        await pilot.press("enter")
        await pilot.pause()
        assert "churn" not in {r["metric"] for r in screen._visible_rows()}
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SignalsDialog)
        assert [s.subjects[-1] for s in dialog.signals] == ["churn", "lead_to_customer", "leads"]
        await pilot.press("enter")  # churn, hidden by the filter
        await pilot.pause()
        assert app.screen is screen
        assert screen.filter_text == "" and screen.selected_metric == "churn"
        table = screen.query_one("#kpi-table", DataTable)
        assert table.cursor_row == table.get_row_index("churn")
        assert "Churn rate" in text_of(screen.query_one("#kpi-detail-body"))
        # a signal about an objective alone says where to look
        screen.data.signals.append(Signal("joint_one_department", "low", ("company-growth",),
                                          "The joint objective is measured by one department."))
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.selected_metric == "churn"
        assert any("objective company-growth" in str(n.message) for n in app._notifications)


async def test_all_signals_show_when_the_terminal_has_room(review_store):
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        panel = text_of(screen.query_one("#kpi-signals")).strip().splitlines()
        assert panel[0] == "Realignment signals (3)  g lists them in full"
        assert len(panel) == 4 and all(len(line) <= 118 for line in panel)


async def test_the_summary_counts_fit_the_width_in_whole_phrases(review_store):
    """At 80 columns the counts are said in fewer words, never cut mid-phrase."""
    app = build_app(review_store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        summary = screen.query_one("#kpi-review-summary", Static)
        line = text_of(summary).strip()
        assert "with a target" in line or "targeted" in line
        assert len(line) <= summary.content_region.width
        await pilot.resize_terminal(140, 40)
        await settle(app, pilot)
        assert "by formula) · " in text_of(summary) and "with a target" in text_of(summary)
