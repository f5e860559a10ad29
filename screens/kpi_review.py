"""KPI review: every metric of the period against its target, the selected metric's detail and
chart, realignment signals, measurements and targets from the keyboard, and the doors to review
mode (`r`) and what-if (`w`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static

from model.errors import AlignError
from model.periods import contains
from screens.area import AreaBar, AreaScreen
from screens.footer import AlignFooter
from screens.kpi_widgets import sparkline, status_mark, value_text, variance_text
from screens.messages import PlanChanged
from screens.objectives import initials
from screens.tables import RowTable

if TYPE_CHECKING:
    from model.kpi import KpiEngine
    from model.schema import Measurement, Metric
    from model.signals import Signal
    from model.store import PlanStore
    from model.what_if import PlanSnapshot

TREND_PERIODS = 8
CHART_PERIODS = 8
SIGNAL_LINES = 5  # under the detail; a line each, `g` shows them whole
SIGNAL_LINES_SHORT = 1


@dataclass
class KpiReviewData:
    """One computation of the period's review, made off the UI thread when the plan has a file."""

    period: str
    snapshot: PlanSnapshot
    engine: KpiEngine
    rows: list[dict[str, Any]] = field(default_factory=list)
    trends: dict[str, list[float | None]] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)


def compute_review(store: PlanStore, period: str, today: dt.date) -> KpiReviewData:
    from model.signals import realignment_signals
    from model.what_if import snapshot_of
    from tui.cli_kpis import review_rows

    snapshot = snapshot_of(store, today)
    engine = snapshot.engine()
    rows = review_rows(engine, period)
    trends = {r["metric"]: engine.trend(r["metric"], period, TREND_PERIODS) for r in rows}
    return KpiReviewData(period, snapshot, engine, rows, trends,
                         realignment_signals(engine, period))


class ReviewComputed(Message):
    def __init__(self, token: int, data: KpiReviewData) -> None:
        super().__init__()
        self.token = token
        self.data = data


class ReviewFailed(Message):
    def __init__(self, token: int, error: str) -> None:
        super().__init__()
        self.token = token
        self.error = error


NARROW = 110
"""Below this many columns the metrics table writes names shorter and owners as initials."""


class KpiReviewScreen(AreaScreen):
    AREA = "kpi_review"
    _narrow = False
    AUTO_FOCUS = "#kpi-table"
    KINDS: ClassVar[frozenset[str]] = frozenset({
        "metrics", "measurements", "leads", "objectives", "notes", "decisions", "settings",
        "reviews"})
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("m", "measure", "Measurement", id="kpi.measure"),
        Binding("enter", "measure", "Measurement", show=False, id="kpi.measure_enter"),
        Binding("t", "set_target", "Target", id="kpi.target"),
        Binding("u", "withdraw", "Withdraw recording", show=False, id="kpi.withdraw"),
        Binding("a", "add_note", "Note", id="kpi.note"),
        Binding("c", "add_decision", "Decide", id="kpi.decision"),
        Binding("C", "decisions", "Decisions", key_display="C", id="kpi.decisions"),
        Binding("g", "signals", "Signals", id="kpi.signals"),
        Binding("r", "review_mode", "Review mode", id="kpi.review_mode"),
        Binding("w", "what_if", "What-if", id="kpi.what_if"),
        Binding("slash", "filter", "Filter", key_display="/", id="kpi.filter"),
        Binding("o", "cycle_department", "Owner filter", id="kpi.department"),
        Binding("s", "sort", "Sort", id="kpi.sort"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="kpi.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: KpiReviewData | None = None
        self.selected_metric: str | None = None
        self.filter_text = ""
        self.department: str | None = None
        self.sort = "name"
        self.error = ""
        self._token = 0
        self._warned: tuple[str, ...] = ()  # the leads warnings last shown, not repeated
        self._chart: Any = None

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        yield Static("", id="kpi-review-summary")
        box = Input(placeholder="filter by metric or department · enter keeps · esc clears",
                    id="kpi-filter")
        box.display = False
        yield box
        yield RowTable(id="kpi-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="kpi-empty")
        with Horizontal(id="kpi-lower"):
            with VerticalScroll(id="kpi-detail"):
                yield Static("", id="kpi-detail-body")
            yield Vertical(id="kpi-chart-box")
        yield Static("", id="kpi-signals")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        table = self.query_one("#kpi-table", DataTable)
        for label, key in (("status", "status"), ("metric", "metric"), ("actual", "actual"),
                           ("target", "target"), ("variance", "variance"),
                           ("trend", "trend"), ("owners", "owners")):
            table.add_column(label, key=key)
        self.query_one("#kpi-empty").display = False
        self.reload()

    @property
    def today(self) -> dt.date:
        return self.app.today  # type: ignore[attr-defined]

    # ---- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        self._show_summary()
        self._token += 1
        path = self.store.path
        if path is None:
            try:
                data = compute_review(self.store, self.period, self.today)
            except AlignError as exc:
                self._show_error(str(exc))
                return
            self._show(data)
            return
        self.query_one("#kpi-table", DataTable).loading = True
        self.compute_in_background(self._token, Path(path), self.period, self.today)

    @work(thread=True, exclusive=True, exit_on_error=False, group="kpi-review")
    def compute_in_background(self, token: int, path: Path, period: str,
                              today: dt.date) -> None:
        """Counting a big leads table takes seconds; the worker has its own connection."""
        from model.store import PlanStore

        try:
            with PlanStore.open(path, create=False) as store:
                data = compute_review(store, period, today)
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never a traceback
            message = str(exc) if isinstance(exc, AlignError) else f"{type(exc).__name__}: {exc}"
            self.post_message(ReviewFailed(token, message))
            return
        self.post_message(ReviewComputed(token, data))

    @on(ReviewComputed)
    def show_computed_review(self, message: ReviewComputed) -> None:
        if message.token == self._token:
            self._show(message.data)

    @on(ReviewFailed)
    def show_review_failure(self, message: ReviewFailed) -> None:
        if message.token == self._token:
            self._show_error(message.error)

    def _show_error(self, error: str) -> None:
        self.error = error
        self.query_one("#kpi-table", DataTable).loading = False
        self.notify(error, title="KPIs could not be computed", severity="error", timeout=10)
        self._show_summary()

    def _show(self, data: KpiReviewData) -> None:
        self.error = ""
        self.data = data
        warnings = data.snapshot.warnings
        if warnings and warnings != self._warned:
            self.notify("\n".join(warnings), title="Some KPIs are not counted from the leads",
                        severity="warning", timeout=10)
        self._warned = warnings
        self.query_one("#kpi-table", DataTable).loading = False
        self._show_summary()
        self._draw_table()
        self._draw_detail()
        self._draw_signals()

    # ---- drawing -----------------------------------------------------------------------------
    def _show_summary(self) -> None:
        """Counts straight from the store, so the line is right even while the KPIs compute."""
        period = self.period
        db = self.store.db
        metrics = db["metrics"].count
        formulas = next(db.query("SELECT count(*) AS n FROM metrics WHERE formula IS NOT NULL"))["n"]
        fy_start = self.store.settings().fiscal_year_start
        recorded = {r["metric"] for r in db.query("SELECT DISTINCT metric, period FROM measurements")
                    if contains(period, r["period"], fy_start)}
        if self.data is not None and self.data.period == period:
            recorded |= self.data.engine.measured_in(period)  # and those the leads give
        targeted = next(db.query(
            "SELECT count(DISTINCT metric) AS n FROM metric_targets WHERE period = ?",
            [period]))["n"]
        text = Text(f"KPI review · {period}", style="bold")
        if self.department or self.filter_text:
            # first, so the room sees it however narrow the screen
            shown = " and ".join(x for x in (self.department and f"owner {self.department}",
                                             self.filter_text and f"“{self.filter_text}”") if x)
            text.append(f" · filter: {shown} (esc clears)", style="cyan")
        # the counts in as many words as the width leaves room for, never cut mid-phrase
        room = (self.size.width or self.app.size.width) - 2 - text.cell_len
        counts = next((c for c in (
            f"  {metrics} metrics ({formulas} by formula) · {len(recorded)} with measurements "
            f"in {period} · {targeted} with a target",
            f"  {metrics} metrics · {len(recorded)} measured · {targeted} with a target",
            f"  {metrics} metrics · {len(recorded)} measured · {targeted} targeted")
            if len(c) <= room), f"  {len(recorded)}/{metrics} measured · {targeted} targeted")
        text.append(counts)
        if self.data is None and not self.error:
            text.append("  · computing…", style="italic yellow")
        if self.data is not None:
            elapsed = self.data.engine.elapsed(period)
            if 0 < elapsed < 1:
                text.append(f" · {elapsed:.0%} of the period elapsed on {self.today.isoformat()}",
                            style="dim")
        self.query_one("#kpi-review-summary", Static).update(text)

    def _visible_rows(self) -> list[dict[str, Any]]:
        assert self.data is not None
        needle = self.filter_text.strip().casefold()
        out = []
        for row in self.data.rows:
            if self.department and self.department not in row["departments"]:
                continue
            hay = [row["metric"], row["name"], *row["departments"]]
            if needle and not any(needle in part.casefold() for part in hay):
                continue
            out.append(row)
        if self.sort == "status":
            rank = {"red": 0, "amber": 1, "green": 2}
            return sorted(out, key=lambda r: (rank.get(r["status"], 3), r["name"].casefold()))
        return sorted(out, key=lambda r: r["name"].casefold())

    def _has_data(self) -> bool:
        assert self.data is not None
        return any(r["actual"] is not None or r["target"] is not None or r["not_applicable"]
                   for r in self.data.rows)

    def on_resize(self) -> None:
        """Below `NARROW` columns the table shortens names and owners, so trend and owners
        stay on screen; crossing that width lays the rows out again."""
        if self.data is not None and (self.size.width < NARROW) != self._narrow:
            self._draw_table()
        self._draw_signals()  # a line each, cut to the width, as many as the height allows
        self._show_summary()  # its counts in as many words as the width has room for

    def _draw_table(self) -> None:
        table = self.query_one("#kpi-table", DataTable)
        empty = self.query_one("#kpi-empty", Static)
        table.clear()
        if self.data is None:
            return
        if not self.data.rows or not self._has_data():
            # m, t and w still act on a metric: the first the filter finds, named in the text
            rows = self._visible_rows()
            needle = self.filter_text.strip().casefold()
            exact = [r["metric"] for r in rows
                     if needle and needle in (r["metric"], r["name"].casefold())]
            ids = [r["metric"] for r in rows]
            if exact and self.selected_metric not in exact:
                self.selected_metric = exact[0]
            elif self.selected_metric not in ids:
                self.selected_metric = ids[0] if ids else None
            self._draw_empty(empty)
            table.display = False
            empty.display = True
            self.query_one("#kpi-lower").display = False
            return
        table.display = True
        empty.display = False
        self.query_one("#kpi-lower").display = True
        rows = self._visible_rows()
        self._narrow = self.size.width < NARROW
        name_width = 16 if self._narrow else 34
        for row in rows:
            unit = row["unit"]
            name = Text(row["name"])
            name.truncate(name_width, overflow="ellipsis")  # in cells: wide letters too
            owners = (",".join(initials(d.replace("-", " ")) for d in row["departments"])
                      if self._narrow else ", ".join(row["departments"]))
            status = status_mark(row["status"])
            if self._narrow:  # the shape alone: ● ◐ ▲ ○
                status = Text(status.plain.split()[0], style=status.style)
            table.add_row(
                status,
                name,
                Text(value_text(row["actual"], unit, row["not_applicable"]), justify="right"),
                Text(value_text(row["target"], unit), justify="right"),
                variance_text(row["actual"], row["target"], unit, row["direction"],
                              compact=self._narrow),
                sparkline(self.data.trends.get(row["metric"], [])),
                Text(owners, style="magenta"),
                key=row["metric"])
        table.border_title = (f"Metrics {self.data.period} · {len(rows)} of {len(self.data.rows)}"
                              if len(rows) != len(self.data.rows)
                              else f"Metrics {self.data.period} · {len(rows)}")
        if self.sort != "name":
            table.border_title += f" · sort: {self.sort}"
        ids = [r["metric"] for r in rows]
        if self.selected_metric not in ids:
            self.selected_metric = ids[0] if ids else None
        if self.selected_metric is not None:
            table.move_cursor(row=ids.index(self.selected_metric), animate=False)

    def _draw_empty(self, empty: Static) -> None:
        period = self.period
        text = Text()
        if self.data is not None and not self.data.rows:
            text.append("This plan has no metrics yet.\n\n", style="bold")
            text.append("Start from the default KPI catalog with ")
            text.append("align init PLAN.db", style="cyan")
            text.append(", or import a plan file that has metrics (ctrl+o).")
        else:
            text.append(f"No measurements or targets for {period}.\n\n", style="bold")
            text.append("Get data in:\n")
            text.append("  • here: ", style="")
            text.append("m", style="bold")
            text.append(" records a measurement and ")
            text.append("t", style="bold")
            text.append(" sets a target for the selected metric (press ")
            text.append("/", style="bold")
            text.append(" to find one);\n  • ")
            text.append("align leads import leads.csv PLAN.db", style="cyan")
            text.append(" fills leads, customers and deals per month;\n  • ctrl+o imports a plan "
                        "file with measurements;\n  • [ and ] step to a period that has data.")
            metric = (self.data.engine.metrics.get(self.selected_metric)
                      if self.data is not None and self.selected_metric else None)
            text.append("\n\nSelected: ", style="bold")
            if metric is not None:
                text.append(f"{metric.name} ({metric.id})", style="cyan")
                text.append("  · / finds another")
            else:
                text.append("no metric matches the filter (esc clears it)")
        empty.update(text)

    def _draw_signals(self) -> None:
        from screens.signals_dialog import signal_text, signals_heading

        box = self.query_one("#kpi-signals", Static)
        if self.data is None:
            box.update("")
            return
        signals = self.data.signals
        fits = SIGNAL_LINES_SHORT if self.has_class("-short") else SIGNAL_LINES
        shown = len(signals) if len(signals) <= fits else fits
        text = signals_heading(signals, shown)
        for s in signals[:shown]:
            line = signal_text(s)
            line.truncate(max(self.size.width - 2, 20), overflow="ellipsis")
            text.append("\n")
            text.append_text(line)
        box.update(text)

    def action_signals(self) -> None:
        """The period's signals in full; enter on one selects the metric it is about."""
        from screens.signals_dialog import SignalsDialog

        if self.data is None:
            self.notify("The KPIs are still being computed.", timeout=3)
            return

        def chosen(signal: Signal | None) -> None:
            if signal is None or self.data is None:
                return
            metric = next((m for m in reversed(signal.subjects) if m in self.data.engine.metrics),
                          None)
            if metric is None:
                self.notify(f"This signal is about objective {signal.subjects[0]}: "
                            "Objectives (1) shows it.", timeout=5)
                return
            self.select_metric(metric)

        self.app.push_screen(SignalsDialog(self.data.signals, self.data.period,
                                           "selects the metric it is about"), chosen)

    def _draw_detail(self) -> None:
        body = self.query_one("#kpi-detail-body", Static)
        data, mid = self.data, self.selected_metric
        if data is None or mid is None or mid not in data.engine.metrics:
            body.update(Text("No metric selected.", style="dim"))
            self._draw_chart()
            return
        body.update(self._detail_renderable(mid))
        self._draw_chart()

    def _detail_renderable(self, mid: str) -> Group:
        from model.kpi import format_value

        assert self.data is not None
        engine, period = self.data.engine, self.data.period
        metric = engine.metrics[mid]
        parts: list[Any] = []
        head = Text(metric.name, style="bold")
        head.append(f"  {mid} · {metric.unit} · "
                    f"{'higher' if metric.direction == 'increase' else 'lower'} is better · "
                    f"{metric.aggregation}", style="dim")
        parts.append(head)
        status = engine.status(mid, period)
        line = Text("Status ") + status_mark(status)
        line.append(f"   actual {value_text(engine.value(mid, period).value, metric.unit, engine.not_applicable(mid, period))}"
                    f" · target {format_value(engine.target(mid, period), metric.unit)}")
        parts.append(line)
        parts.append(Text(engine.explain(mid, period), style="cyan"))
        if metric.description:
            parts.append(Text(metric.description, style="italic dim"))
        links = Text("Objectives", style="bold")
        found = False
        for o in engine.plan.objectives:
            for kr in o.key_results:
                if kr.metric != mid:
                    continue
                found = True
                p = engine.key_result_progress(kr, o.period)
                links.append(f"\n  {o.title} ", style="")
                links.append(f"({o.period}, {o.state}) ", style="dim")
                links.append(f"{format_value(p.actual, metric.unit)} of "
                             f"{format_value(kr.target, metric.unit)}")
                links.append(" · " + ("—" if p.progress is None else f"{p.progress:.0%}") + " ")
                links.append_text(status_mark(p.status))
        if not found:
            links.append("  none measure it", style="dim")
        parts.append(links)
        notes = sorted((n for n in engine.plan.notes if n.metric == mid),
                       key=lambda n: (n.date, n.id), reverse=True)
        text = Text(f"Notes ({len(notes)})", style="bold")
        for n in notes[:5]:
            text.append(f"\n  {n.date.isoformat()} ", style="dim")
            if n.kind == "feedback":
                text.append(f"{n.from_department} → {n.to_department}: ", style="yellow")
            text.append(n.text)
        if not notes:
            text.append("  none — a adds one", style="dim")
        parts.append(text)
        decisions = [d for d in engine.plan.decisions if d.metric == mid and d.state == "open"]
        if decisions:
            dec = Text(f"Open decisions ({len(decisions)})", style="bold")
            for d in decisions:
                dec.append(f"\n  {d.text} — {d.owner}"
                           + (f", due {d.due.isoformat()}" if d.due else ""))
            parts.append(dec)
        history = [m for m in engine.plan.measurements if m.metric == mid and m.period == period]
        if history:
            hist = Text(f"Recorded for {period} ({len(history)})", style="bold")
            for m in history[-3:]:
                shown = "not applicable" if m.not_applicable else format_value(m.value, metric.unit)
                hist.append(f"\n  {m.recorded_at.replace('T', ' ')} {shown}")
                if m.note:
                    hist.append(f" — {m.note}", style="dim")
            parts.append(hist)
        return Group(*parts)

    def _draw_chart(self) -> None:
        """Actual against target over recent periods; plotext is imported only when drawn."""
        box = self.query_one("#kpi-chart-box", Vertical)
        data, mid = self.data, self.selected_metric
        if data is None or mid is None or mid not in data.engine.metrics:
            if self._chart is not None:
                self._chart.display = False
            return
        if self._chart is None:
            from textual_plotext import PlotextPlot

            self._chart = PlotextPlot(id="kpi-chart")
            box.mount(self._chart)
        self._chart.display = True
        engine = data.engine
        metric = engine.metrics[mid]
        periods = engine.trend_periods(data.period, CHART_PERIODS)
        scale = 100.0 if metric.unit == "percent" else 1.0
        actual = [engine.value(mid, p).value for p in periods]
        target = [engine.target(mid, p) for p in periods]
        plt = self._chart.plt
        plt.clear_data()
        plt.clear_figure()
        xs = list(range(1, len(periods) + 1))
        # Few labels, far apart: plotext drops overlapping ones in an order that varies by run.
        labelled = xs[::-3][::-1]
        plt.xticks(labelled, [periods[x - 1] for x in labelled])
        shown_a = [(x, v * scale) for x, v in zip(xs, actual, strict=True) if v is not None]
        shown_t = [(x, v * scale) for x, v in zip(xs, target, strict=True) if v is not None]
        if shown_a:
            plt.plot([x for x, _ in shown_a], [v for _, v in shown_a], label="actual",
                     marker="braille")
        if shown_t:
            plt.plot([x for x, _ in shown_t], [v for _, v in shown_t], label="target",
                     marker="braille")
        plt.title(f"{metric.name}" + (" (%)" if scale != 1 else ""))
        self._chart.refresh()

    # ---- selection ---------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#kpi-table")
    def show_highlighted_metric(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and key != self.selected_metric:
            self.selected_metric = key
            self._draw_detail()

    def select_metric(self, metric: str) -> None:
        """Put the cursor on `metric`, clearing a filter that hides it."""
        assert self.data is not None
        if metric not in {r["metric"] for r in self._visible_rows()}:
            self.notify("The filter hid it, so it is cleared.", timeout=3)
            self.action_clear_filter()
        self.selected_metric = metric
        self._draw_table()
        self._draw_detail()
        self.query_one("#kpi-table").focus()

    @on(DataTable.RowSelected, "#kpi-table")
    def measure_selected_metric(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.selected_metric = event.row_key.value
        self.action_measure()

    def _ready(self) -> bool:
        """Whether the figures shown are the period's: while another period's are still on
        screen (computing, or a computation that failed), keys that act on a period wait."""
        if self.data is not None and self.data.period == self.period:
            return True
        if self.error:
            self.notify(f"The KPIs of {self.period} could not be computed: {self.error}",
                        severity="warning")
        else:
            self.notify(f"The KPIs of {self.period} are still being computed.",
                        severity="warning")
        return False

    def _need_metric(self) -> Metric | None:
        if not self._ready():
            return None
        if self.selected_metric is None:
            self.notify("No metric matches the filter; esc clears it."
                        if self.filter_text or self.department else "No metric selected.",
                        severity="warning")
            return None
        return self.data.engine.metrics.get(self.selected_metric)

    # ---- filter ------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#kpi-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#kpi-filter")
    def filter_metrics(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._redraw_after_filter()

    @on(Input.Submitted, "#kpi-filter")
    def keep_filter(self) -> None:
        self.query_one("#kpi-table").focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#kpi-filter", Input)
        if not box.display and not self.filter_text and not self.department:
            return
        box.value = ""
        self.filter_text = ""
        self.department = None
        box.display = False
        self._redraw_after_filter()
        self.query_one("#kpi-table").focus()

    def action_cycle_department(self) -> None:
        ids = [d.id for d in self.store.departments()]
        if not ids:
            return
        if self.department not in ids:
            self.department = ids[0]
        else:
            i = ids.index(self.department) + 1
            self.department = ids[i] if i < len(ids) else None
        self._redraw_after_filter()

    def action_sort(self) -> None:
        """Name, or worst status first: red on top when the room wants the problems."""
        self.sort = "status" if self.sort == "name" else "name"
        self._redraw_after_filter()

    def _redraw_after_filter(self) -> None:
        self._show_summary()
        if self.data is not None:
            self._draw_table()
            self._draw_detail()

    # ---- writes ------------------------------------------------------------------------------
    def _turns_red(self, measurement: Measurement) -> bool:
        """Whether recording this would turn the metric (or a key result on it) red."""
        assert self.data is not None
        return turns_red(self.data.snapshot, self.data.engine, measurement, self.data.period)

    def action_measure(self) -> None:
        from screens.kpi_forms import MeasurementForm

        if (metric := self._need_metric()) is None:
            return
        assert self.data is not None
        engine = self.data.engine
        self.app.push_screen(
            MeasurementForm(self.store, metric, self.data.period,
                            value_at=lambda period: engine.value(metric.id, period).value,
                            turns_red=self._turns_red),
            self._measured)

    def _measured(self, measurement: Measurement | None) -> None:
        if measurement is not None:
            self.notify(f"Recorded {measurement.metric} for {measurement.period}.")
            self.post_message(PlanChanged("measurements"))

    def action_withdraw(self) -> None:
        """Take back the latest recording of the metric for the period shown (a typo, or a
        value pinned on a quarter whose months should count): the history keeps the others."""
        from model.kpi import format_value
        from screens.dialogs import ConfirmDialog

        if (metric := self._need_metric()) is None:
            return
        assert self.data is not None
        period = self.data.period
        history = self.store.measurements(metric.id, period)
        if not history:
            self.notify(f"Nothing is recorded for {metric.name} in {period} itself; u takes "
                        "back a recording of the period shown.", severity="warning")
            return
        last = max(history, key=lambda m: m.recorded_at)
        shown = "not applicable" if last.not_applicable else format_value(last.value, metric.unit)
        then = ("the recording before it counts again" if len(history) > 1 else
                "the period is computed again from its months or its formula's inputs")

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.delete("measurements", (last.metric, last.period, last.recorded_at))
            except AlignError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Withdrew the {period} recording of {metric.name} ({shown}).")
            self.post_message(PlanChanged("measurements"))

        self.app.push_screen(ConfirmDialog(
            f"Withdraw the latest {period} recording of {metric.name}?",
            [f"{last.recorded_at.replace('T', ' ')}: {shown}"
             + (f" — {last.note}" if last.note else ""), then],
            confirm_label="Withdraw", danger=True), confirmed)

    def action_set_target(self) -> None:
        from screens.kpi_forms import TargetForm

        if (metric := self._need_metric()) is None:
            return
        assert self.data is not None
        self.app.push_screen(TargetForm(self.store, metric, self.data.period), self._target_set)

    def _target_set(self, period: str | None) -> None:
        if period is not None:
            metric = self.store.metric(self.selected_metric) if self.selected_metric else None
            done = "saved" if metric is not None and period in metric.targets else "removed"
            self.notify(f"Target for {self.selected_metric} in {period} {done}.")
            self.post_message(PlanChanged("metrics"))

    def action_add_note(self) -> None:
        from screens.kpi_forms import MetricNoteForm

        if (metric := self._need_metric()) is not None:
            self.app.push_screen(MetricNoteForm(self.store, metric.id, self.today),
                                 lambda saved: saved and self.post_message(PlanChanged("notes")))

    def action_add_decision(self) -> None:
        from screens.kpi_forms import MetricDecisionForm

        if (metric := self._need_metric()) is not None:
            owner = metric.departments[0] if metric.departments else None
            self.app.push_screen(
                MetricDecisionForm(self.store, metric.id, self.today, owner=owner),
                lambda saved: saved and self.post_message(PlanChanged("decisions")))

    def action_decisions(self) -> None:
        from screens.note_form import DecisionsDialog

        if (metric := self._need_metric()) is not None:
            self.app.push_screen(
                DecisionsDialog(self.store, metric.id, self.today, metric=True),
                lambda changed: changed and self.post_message(PlanChanged("decisions")))

    def action_review_mode(self) -> None:
        from screens.review_mode import ReviewModeScreen

        if not self._ready():
            return
        if self.store.write_refusal:  # a review saves what the meeting decides, as it goes
            self.notify(self.store.write_refusal, title="Review mode needs a plan it can save to",
                        severity="warning")
            return
        self.app.push_screen(ReviewModeScreen(self.store, self.data.snapshot, self.data.period,
                                              self.today), self._review_done)

    def _review_done(self, review_id: str | None) -> None:
        self.post_message(PlanChanged("reviews" if review_id else "period"))

    def action_what_if(self) -> None:
        from screens.what_if import WhatIfScreen

        if (metric := self._need_metric()) is None:
            return
        assert self.data is not None
        self.app.push_screen(WhatIfScreen(self.data.snapshot, self.data.engine, metric.id,
                                          self.data.period))


def turns_red(snapshot: PlanSnapshot, engine: KpiEngine, measurement: Measurement,
              period: str) -> bool:
    """Whether a new recording would turn the metric, or a key result of an objective it
    measures, red when it was not red before: in the period reviewed, or in the measurement's
    own period, its quarter or its year when it lies outside the period reviewed."""
    from model.periods import parse_period, quarter_of, year_of
    from model.what_if import compare

    if measurement.value is None:
        return False
    recorded = measurement.period
    shown = [period, recorded, year_of(recorded, engine.fy_start)]
    if parse_period(recorded).kind == "month":
        shown.append(quarter_of(recorded, engine.fy_start))
    after = snapshot.engine({measurement.metric: measurement.value}, recorded)
    return any(c.after_status == "red" and c.before_status != "red"
               for one in dict.fromkeys(shown)
               for c in compare(engine, after, one) if c.kind in ("metric", "key_result"))
