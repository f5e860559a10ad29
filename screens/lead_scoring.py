"""Lead scoring: the plan's models and their rules, edited in place, and beside them what those
rules would have said about the leads already won and lost: grade matrix, histogram, backtest,
rule evidence, a leads browser with a why panel, and two models side by side.

Every figure is `model.backtest.backtest` for the selected model as of the screen's date (the
app's today until `a` sets another), so the screen and `align score --json --as-of` agree. The analysis runs in a thread worker with its own
connection after each edit; a newer edit makes an older run's result stale (tokens) and cancels
its SQL through the progress handler.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import (
    DataTable,
    Header,
    Input,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from model.errors import AlignError
from model.leads import dataset_column
from model.periods import parse_as_of
from model.store import connect_to_read
from screens.area import AreaBar, AreaScreen
from screens.dialogs import ConfirmDialog, InputDialog
from screens.footer import AlignFooter
from screens.form_support import copy_name, unique_id
from screens.leads_browser import LeadsBrowser, LeadsHeader, RankedSource, why_renderable
from screens.messages import PlanChanged
from screens.scoring_widgets import (
    ModelList,
    RuleTable,
    backtest_summary,
    comparison_view,
    conditions_text,
    grade_matrix,
    num,
    pct,
)
from screens.tables import RowTable

BACKTEST_WIDTH = 55  # the backtest's band table, with its padding
BROWSER_COLUMNS = 12  # the leads browser's columns; the why panel lists the same
HISTOGRAM_LEADS, HISTOGRAM_WON = "blue", "green"  # colour names plotext and Rich share


def count_ticks(top: int, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to `top` or just above, at most `most` of them, a step of 1, 2
    or 5 times a power of ten: an axis of lead counts shows no fractions."""
    top = max(top, 1)
    step, factors = 1, itertools.cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50, …
    while -(-top // step) + 1 > most:
        step = round(step * next(factors))
    return list(range(0, -(-top // step) * step + 1, step))


def score_ticks(low: int, high: int, most: int = 12) -> list[int]:
    """Ticks for the score axis: multiples of a step of 1, 2 or 5 times a power of ten from
    `low` to `high` (negative totals included), at most `most` of them. Left to itself, plotext
    labels some bars and not others, and none below −5."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while (high // step) - (-(-low // step)) + 1 > most:
        step = round(step * next(factors))
    first = -(-low // step) * step
    return list(range(first, high + 1, step))


if TYPE_CHECKING:
    from model.backtest import Backtest, ModelComparison
    from model.lead_filter import LeadView, Sort
    from model.leads import ImportReport
    from model.schema import Rule, ScoringModel
    from screens.scoring_import import LeadsImportRequest

PROGRESS_EVERY = 100_000
FILTER_PAUSE = 0.25  # seconds of no typing before the leads are filtered
"""SQLite VM instructions between progress checks (about a millisecond of work): cancels land
within a moment."""
PROGRESS_INTERVAL = 0.1
"""Seconds between progress bar updates from a running analysis."""
IMPORT_REFUSAL = ("Leads are being imported into this plan; save again when the import is "
                  "done.")
"""What a write is told while this screen's import holds the plan's write lock."""

EMPTY_LEADS = ("No leads imported yet.\n\n"
               "Press i to import a CRM export (CSV) here: pick the file, map the id, outcome "
               "and date columns, see the first rows, then import.\n"
               "Or from the command line:\n"
               "  align leads import leads.csv plan.db --id lead_id --outcome converted=1\n\n"
               "The grade matrix, backtest, rule evidence and leads browser then show how the "
               "rules would have scored those leads.")
EMPTY_MODELS = ("No scoring model yet.\n\n"
                "Press n to add one (its name, bands and MQL cells), then n again adds its "
                "rules; or ctrl+o imports a plan file that has models.")


# ---- messages from the workers ----------------------------------------------------------------

class AnalysisProgress(Message):
    def __init__(self, token: int, steps: int) -> None:
        super().__init__()
        self.token = token
        self.steps = steps


@dataclass
class Analysis:
    model: ScoringModel
    as_of: dt.date
    result: Backtest
    other: ScoringModel | None = None
    comparison: ModelComparison | None = None
    steps: int = 0
    compare_error: str = ""  # why `other` could not be compared: the model itself still scores


class AnalysisDone(Message):
    def __init__(self, token: int, analysis: Analysis) -> None:
        super().__init__()
        self.token = token
        self.analysis = analysis


class AnalysisFailed(Message):
    def __init__(self, token: int, error: str) -> None:
        super().__init__()
        self.token = token
        self.error = error


class LeadsRanked(Message):
    def __init__(self, token: int, source: RankedSource | None, error: str = "") -> None:
        super().__init__()
        self.token = token
        self.source = source
        self.error = error


class LeadsExported(Message):
    def __init__(self, path: Path, count: int, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.error = error


class LeadsImported(Message):
    def __init__(self, report: ImportReport | None, error: str = "") -> None:
        super().__init__()
        self.report = report
        self.error = error


class ImportProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class ImportAbandoned(Exception):
    """Raised inside a running import's transaction to roll it back: Align is quitting."""

    def __str__(self) -> str:
        return "the import was abandoned"


def describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, AlignError) else f"{type(exc).__name__}: {exc}"


def analyse(store: Any, model: ScoringModel, as_of: dt.date,
            other: ScoringModel | None) -> Analysis:
    from model.backtest import backtest, compare_models
    from model.leads import column_types
    from model.scoring import usable_rules

    if other is not None:
        try:
            usable_rules(other, column_types(store), as_of)
        except AlignError as exc:
            # The model compared with does not fit these leads: the selected one is still shown.
            return Analysis(model, as_of, backtest(store, model, as_of=as_of), other,
                            compare_error=f"{other.name} ({other.id}) cannot score these leads: "
                                          f"{exc}")
        comparison = compare_models(store, model, other, as_of=as_of)
        return Analysis(model, as_of, comparison.a, other, comparison)
    return Analysis(model, as_of, backtest(store, model, as_of=as_of))


def _view_key(view: LeadView | None) -> tuple[str, str]:
    return (view.text, view.sort.label) if view is not None else ("", "score")


def _leads_status(source: RankedSource) -> Text:
    """How many leads the browser shows, under which filter, in which order."""
    text, sort = source.view_key
    status = Text()
    if text:
        status.append(f"{source.count:,} of {source.total:,} leads", style="bold")
        status.append(f" · filter “{text}”")
    else:
        status.append(f"{source.total:,} leads", style="bold")
    return status.append(f" · by {sort}")


def browser_columns(model: ScoringModel, types: dict[str, str], roles: Any,
                    filtered: Sequence[str] = (), sort_column: str | None = None) -> list[str]:
    """The id column, the columns a filter names (`filtered`: why a lead passes it), the
    column the leads are sorted by, the outcome (won or lost beside each lead), then those the
    enabled rules read (what explains a rank). At most `BROWSER_COLUMNS`."""
    wanted: list[str] = []
    if roles and roles.id:
        wanted.append(roles.id)
    wanted += filtered
    if sort_column:
        wanted.append(sort_column)
    if roles and roles.outcome:
        wanted.append(roles.outcome)
    for rule in model.rules:
        if rule.enabled:
            wanted += [dataset_column(c.field, types) or c.field for c in rule.when]
    return [c for c in dict.fromkeys(wanted) if c in types][:BROWSER_COLUMNS]


def replaced(rules: list[Rule], rule_id: str, new: Rule) -> list[Rule]:
    """`rules` with the rule `rule_id` replaced by `new` in its place; appended when it is gone
    (another Align deleted it meanwhile), so the edit is not lost."""
    ids = [r.id for r in rules]
    if rule_id not in ids:
        return [*rules, new]
    return [new if r.id == rule_id else r for r in rules]


class LeadScoringScreen(AreaScreen):
    AREA = "lead_scoring"
    AUTO_FOCUS = "#scoring-rules"
    KINDS: ClassVar[frozenset[str]] = frozenset({"scoring_models", "leads", "departments"})
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("n", "new_rule", "New rule", id="scoring.new_rule"),
        Binding("e", "edit_rule", "Edit rule", id="scoring.edit_rule"),
        Binding("i", "import_leads", "Import leads", id="scoring.import"),
        Binding("b", "edit_model", "Bands & MQL", id="scoring.bands"),
        # the tabs' labels show these keys, so the footer keeps its room for the others
        Binding("c", "compare", "Compare", show=False, id="scoring.compare"),
        Binding("m", "show_tab('tab-matrix')", "Matrix", show=False, id="scoring.tab_matrix"),
        Binding("v", "show_tab('tab-evidence')", "Evidence", show=False,
                id="scoring.tab_evidence"),
        Binding("h", "show_tab('tab-histogram')", "Histogram", show=False,
                id="scoring.tab_histogram"),
        Binding("l", "show_tab('tab-leads')", "Leads", show=False, id="scoring.tab_leads"),
        Binding("a", "set_as_of", "As of", id="scoring.as_of"),
        Binding("slash", "filter_leads", "Filter leads", key_display="/", id="scoring.filter"),
        Binding("escape", "clear_leads_filter", "Clear filter", show=False,
                id="scoring.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.models: list[ScoringModel] = []
        self.selected_id: str | None = None
        self.compare_id: str | None = None
        self._cursor_to_rule: str | None = None  # the rule the next redraw puts the cursor on
        self.types: dict[str, str] = {}
        self.analysis: Analysis | None = None
        self.error = ""
        self.busy = False
        self._token = 0
        self._rank_token = 0
        self._ranked_key: tuple[Any, ...] | None = None
        self._expected_steps: int | None = None
        self._plot: Any = None
        self._why_timer: Any = None
        self._why_row: tuple[int, int | None] | None = None
        self.importing = False
        self._import_asked: LeadsImportRequest | None = None
        self._abandon_import = threading.Event()  # set: the running import rolls back
        self.quitting = False  # Align quits once the import it abandons has rolled back
        # The last import refused, and why: `i` shows its form again, as it was asked for.
        self._refused_import: tuple[LeadsImportRequest, str] | None = None
        self.as_of: dt.date | None = None  # None: the leads' date, else the app's today
        self.leads_day: dt.date | None = None  # the leads dataset's date (`leads_day`)
        self.leads_filter = ""
        self.leads_sort = 0  # an index into `model.lead_filter.sorts`
        self._viewing = False  # a worker holds the browser's source to build its view
        self._good_filter = ""  # the last filter text that read
        self._failed_view: tuple[str, str] | None = None  # a view SQLite could not build
        self._filter_timer: Any = None

    # ---- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        with Horizontal(id="scoring-top"):
            with Vertical(id="scoring-models-box"):
                yield ModelList(id="scoring-models")
                yield Static("", id="scoring-models-empty")
            with Vertical(id="scoring-rules-box"):
                yield RuleTable(id="scoring-rules", cursor_type="row", zebra_stripes=True)
                yield Static("", id="scoring-rules-empty")
        with Horizontal(id="scoring-status"):
            yield Static("", id="scoring-status-text")
            yield ProgressBar(id="scoring-progress", show_eta=False)
        yield Static("", id="scoring-empty")
        with TabbedContent(id="scoring-tabs"):
            with TabPane("Matrix & backtest (m)", id="tab-matrix"):
                with VerticalScroll(id="scoring-matrix-scroll"):
                    with Horizontal(id="scoring-matrix-row"):
                        yield Static("", id="scoring-matrix")
                        yield Static("", id="scoring-backtest")
            with TabPane("Rule evidence (v)", id="tab-evidence"):
                yield RowTable(id="scoring-evidence", cursor_type="row", zebra_stripes=True)
            with TabPane("Histogram (h)", id="tab-histogram"):
                yield Vertical(id="scoring-histogram")
            with TabPane("Leads (l)", id="tab-leads"):
                with Horizontal(id="scoring-leads-row"):
                    with Vertical(id="scoring-leads-box"):
                        yield Static("", id="leads-status")
                        yield LeadsHeader(id="leads-header")
                        yield LeadsBrowser(id="leads-browser")
                    with VerticalScroll(id="why-panel"):
                        yield Static("", id="why-body")
            with TabPane("Compare (c)", id="tab-compare"):
                with VerticalScroll(id="scoring-compare-box"):
                    yield Static("", id="scoring-compare")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        rules = self.query_one("#scoring-rules", RuleTable)
        for label, key in (("on", "on"), ("rule", "rule"), ("dim", "dim"), ("pts", "pts"),
                           ("conditions", "conditions"), ("matched", "matched"),
                           ("conv", "conv"), ("lift", "lift")):
            rules.add_column(label, key=key)
        evidence = self.query_one("#scoring-evidence", DataTable)
        for label in ("rule", "dim", "pts", "on", "KO", "matched", "decided", "won", "conv",
                      "lift", "owner", "rationale"):
            evidence.add_column(label, key=label)
        self.query_one("#scoring-progress").display = False
        self.watch(self.query_one(LeadsBrowser), "view_columns",
                   self.query_one("#leads-header", LeadsHeader).follow, init=False)
        self.reload()

    def _status_room(self) -> int:
        """The status text's width once this update is laid out: the screen's, less the
        progress bar's while one shows (the bar comes and goes with this same update)."""
        bar = self.query_one("#scoring-progress", ProgressBar)
        return self.app.size.width - 2 - (bar.outer_size.width or 34 if self.busy
                                          or self.importing else 0)

    def on_resize(self) -> None:
        self._stack_backtest()
        self._show_status()  # the figures fit the width: the model's name gives way

    def _stack_backtest(self) -> None:
        """The backtest beside the grade matrix where the screen is wide enough for both, else
        below it (an 80-column terminal), scrolling with it."""
        row = self.query_one("#scoring-matrix-row")
        matrix = self.query_one("#scoring-matrix", Static)
        if matrix.outer_size.width:
            row.set_class(self.size.width < matrix.outer_size.width + BACKTEST_WIDTH, "stacked")

    @property
    def as_of_date(self) -> dt.date:
        """The date the date operators count back from: the one `a` set, else the leads
        dataset's own date, else the app's today (`model.leads.default_as_of`)."""
        return self.as_of or self.leads_day or self.app.today  # type: ignore[attr-defined]

    @property
    def model(self) -> ScoringModel | None:
        return next((m for m in self.models if m.id == self.selected_id), None)

    # ---- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        from model.leads import column_types, has_leads, leads_day

        self.models = self.store.scoring_models()
        self.types = column_types(self.store) if has_leads(self.store) else {}
        self.leads_day = leads_day(self.store.conn) if self.types else None
        ids = [m.id for m in self.models]
        if self.selected_id not in ids:
            self.selected_id = ids[0] if ids else None
        if self.compare_id not in ids or self.compare_id == self.selected_id:
            self.compare_id = None
        self._draw_models()
        self._draw_rules()
        self._focus_a_visible_list()
        self._start_analysis()

    @on(events.ScreenResume)
    def _refocus_when_shown(self) -> None:
        self.call_after_refresh(self._focus_a_visible_list)

    def _focus_a_visible_list(self) -> None:
        """The rules table when there are rules to edit; else nothing, so the screen's n adds a
        model (none yet) or the first rule (the model has none)."""
        focused = self.focused
        if focused is not None and focused.display:
            return
        table = self.query_one("#scoring-rules")
        if table.display:
            table.focus()
        else:
            self.set_focus(None)

    def _start_analysis(self) -> None:
        self._token += 1
        model = self.model
        self.analysis = None
        self.error = ""
        self._ranked_key = None
        self._rank_token += 1  # a ranking or view under way is for the old model
        self._viewing = False
        browser = self.query_one(LeadsBrowser)
        if model is None or not self.types:
            browser.set_source(None)
        else:
            browser.mark_stale()  # shown until the new ranking replaces it
            self._show_ranking()
        if self._leads_shown():
            browser.await_leads()  # ranked once the analysis is done
        if model is None or not self.types:
            self.busy = False
            self._draw_analysis()
            return
        other = next((m for m in self.models if m.id == self.compare_id), None)
        path = self.store.path
        if path is None:
            try:
                self._analysed(analyse(self.store, model, self.as_of_date, other))
            except AlignError as exc:
                self._failed(str(exc))
            return
        self.busy = True
        self._draw_analysis()
        self.analyse_in_background(self._token, Path(path), model, self.as_of_date, other)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scoring-analysis")
    def analyse_in_background(self, token: int, path: Path, model: ScoringModel, as_of: dt.date,
                              other: ScoringModel | None) -> None:
        """The whole backtest of a million leads takes seconds: off the UI thread, on its own
        connection, abandoned as soon as a newer edit starts another run."""
        from model.store import PlanStore

        worker = get_current_worker()
        steps = 0
        shown = time.monotonic()

        def tick() -> int:
            # Every message is work for the UI thread, which then holds the GIL this thread
            # needs at each tick: a few updates a second are plenty for a progress bar.
            nonlocal steps, shown
            steps += 1
            now = time.monotonic()
            if now - shown >= PROGRESS_INTERVAL:
                shown = now
                self.post_message(AnalysisProgress(token, steps))
            return 1 if worker.is_cancelled else 0

        try:
            with PlanStore.open(path, create=False) as store:
                store.conn.set_progress_handler(tick, PROGRESS_EVERY)
                analysis = analyse(store, model, as_of, other)
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never a traceback
            if not worker.is_cancelled:
                self.post_message(AnalysisFailed(token, describe(exc)))
            return
        analysis.steps = steps
        self.post_message(AnalysisDone(token, analysis))

    @on(AnalysisProgress)
    def show_analysis_progress(self, message: AnalysisProgress) -> None:
        if message.token != self._token:
            return
        bar = self.query_one("#scoring-progress", ProgressBar)
        if self._expected_steps:
            bar.update(total=self._expected_steps,
                       progress=min(message.steps, self._expected_steps - 1))

    @on(AnalysisDone)
    def show_analysis(self, message: AnalysisDone) -> None:
        if message.token == self._token:
            self._expected_steps = max(1, message.analysis.steps)
            self._analysed(message.analysis)

    @on(AnalysisFailed)
    def show_analysis_failure(self, message: AnalysisFailed) -> None:
        if message.token == self._token:
            self._failed(message.error)

    def _analysed(self, analysis: Analysis) -> None:
        self.busy = False
        self.error = ""
        self.analysis = analysis
        self._draw_rules()
        self._draw_analysis()
        self._rank_if_shown()

    def _failed(self, error: str) -> None:
        self.busy = False
        self.error = error
        browser = self.query_one(LeadsBrowser)
        browser.discard_pending()  # no leads will be ranked
        if browser.source is not None:
            browser.set_source(None)  # the old ranking is not this model's
        self.query_one("#why-body", Static).update("")
        self.query_one("#leads-status", Static).update("")
        self.query_one("#leads-header", Static).update(
            Text("No ranking: the leads could not be scored. The matrix tab (m) says why.",
                 style="bold red"))
        self._draw_rules()  # without the figures of leads that are no longer there
        self._draw_analysis()

    # ---- drawing: models and rules ---------------------------------------------------------
    def _draw_models(self) -> None:
        options = self.query_one("#scoring-models", ModelList)
        options.clear_options()
        for m in self.models:
            label = Text(m.name, style="bold")
            enabled = sum(r.enabled for r in m.rules)
            label.append(f"\n{m.id} · {enabled}/{len(m.rules)} rules on", style="dim")
            options.add_option(label)
        options.border_title = f"Models · {len(self.models)}"
        ids = [m.id for m in self.models]
        if self.selected_id in ids:
            options.highlighted = ids.index(self.selected_id)
        empty = self.query_one("#scoring-models-empty", Static)
        empty.update(Text.assemble(("No models yet.\n", "bold"), "n adds one here."))
        empty.display = not self.models
        options.display = bool(self.models)

    def _draw_rules(self) -> None:
        table = self.query_one("#scoring-rules", RuleTable)
        model = self.model
        cursor = table.cursor_row
        table.clear()
        evidence = {}
        if self.analysis is not None and model is not None \
                and self.analysis.model.id == model.id:
            evidence = {e.rule: e for e in self.analysis.result.rules}
        rules = model.rules if model else []
        problems = self._rule_problems()
        for r in rules:
            ev = evidence.get(r.id)
            on_mark = Text("●", style="bold green") if r.enabled else Text("○", style="dim")
            if r.id in problems:  # does not fit the leads: see the analysis pane
                on_mark = Text.assemble(("!", "bold red"), on_mark)
            style = "" if r.enabled else "dim"
            points = Text(f"{r.points:+d}" + (" KO" if r.knockout else ""),
                          style="red" if r.points < 0 or r.knockout else style)
            table.add_row(on_mark, Text(r.name or r.id, style=style), Text(r.dimension[:3],
                          style="dim"), points, Text(conditions_text(r), style=style),
                          f"{ev.leads:,}" if ev else "", pct(ev.rate) if ev else "",
                          num(ev.lift) if ev else "", key=r.id)
        ids = [r.id for r in rules]
        if self._cursor_to_rule in ids:  # a rule just added or duplicated: what e and space act on
            table.move_cursor(row=ids.index(self._cursor_to_rule))
            self._cursor_to_rule = None
            table.focus()
        elif rules:
            table.move_cursor(row=min(max(cursor, 0), len(rules) - 1))
        title = f"Rules of {model.name}" if model else "Rules"
        table.border_title = Text(f"{title} · {len(rules)}")
        empty = self.query_one("#scoring-rules-empty", Static)
        if model is None:
            empty.update("No model yet: n adds one, then its rules are edited here.")
        else:
            empty.update(Text.assemble((f"{model.name} has no rules yet.\n", "bold"),
                                       "Press n here to add one: a dimension, points and "
                                       "conditions on the dataset's columns."))
        empty.display = not rules
        table.display = bool(rules)

    # ---- drawing: analysis -----------------------------------------------------------------
    def _show_status(self) -> None:
        text = Text()
        model = self.model
        bar = self.query_one("#scoring-progress", ProgressBar)
        if model is not None and self.types:
            day = Text(f" · as of {self.as_of_date.isoformat()}", style="dim")
            # Why it is not today, where the figures leave room for it.
            from_leads = self.as_of is None and self.leads_day not in (
                None, self.app.today)  # type: ignore[attr-defined]
            note = Text(" (the leads' date)", style="dim") if from_leads else Text()
            rest = Text()
            if self.compare_id:
                rest.append(f" · comparing with {self.compare_id}", style="dim")
            if self.busy:
                rest.append(" · scoring…", style="yellow")
            elif self.error:
                rest.append(" · cannot score this model", style="bold red")
            elif self.analysis is not None:
                r = self.analysis.result
                mql = f"MQL {r.mql.leads:,}"
                p, rc = pct(r.mql.precision), pct(r.mql.recall)
                ways = (  # the first that leaves the name its length, else 8 cells, else the last
                    f" · {r.leads:,} leads · AUC {num(r.auc, 3)} · {mql} (precision {p}, "
                    f"recall {rc})",
                    f" · {r.leads:,} leads · AUC {num(r.auc, 3)} · {mql} P {p} R {rc}",
                    f" · AUC {num(r.auc, 3)} · {mql} P {p} R {rc}")  # the matrix counts leads
                room = self._status_room() - day.cell_len - rest.cell_len
                if len(ways[-1]) + 8 + note.cell_len > room:
                    note = Text()
                room -= note.cell_len
                figures = next((w for w in ways if len(model.name) + len(w) <= room), None) or \
                    next((w for w in ways if len(w) + 8 <= room), ways[-1])
                rest.append(figures)
            rest = Text.assemble(day, note, rest)
            # the figures stay whole: a long model name gives way first
            name = Text(model.name, style="bold")
            name.truncate(max(4, self._status_room() - rest.cell_len), overflow="ellipsis")
            text.append_text(name)
            text.append_text(rest)
        if self.importing:
            text.append("  abandoning the import, then quitting…" if self.quitting
                        else "  importing leads…", style="yellow")
        self.query_one("#scoring-status-text", Static).update(text)
        if self.busy or self.importing:
            if not bar.display:
                bar.update(total=self._expected_steps if not self.importing else None,
                           progress=0)
            bar.display = True
        else:
            bar.display = False

    def _draw_analysis(self) -> None:
        self._show_status()
        empty = self.query_one("#scoring-empty", Static)
        tabs = self.query_one("#scoring-tabs", TabbedContent)
        message = ""
        if not self.types:
            message = EMPTY_LEADS
            if not self.models:
                message += "\n\n" + EMPTY_MODELS
        elif not self.models:
            message = EMPTY_MODELS
        empty.update(Text(message))
        empty.display = bool(message)
        tabs.display = not message
        if message:
            return
        model, analysis = self.model, self.analysis
        matrix = self.query_one("#scoring-matrix", Static)
        summary = self.query_one("#scoring-backtest", Static)
        if analysis is None:
            wait = Text(self.error or "scoring…", style="bold red" if self.error else "dim")
            matrix.update(Text("Cannot score this model.", style="bold red") if self.error
                          else wait)
            summary.update(self._failure_help() if self.error else "")
            self.query_one("#scoring-compare", Static).update(wait)
            self.query_one("#scoring-evidence", DataTable).clear()
            return
        assert model is not None
        matrix.update(grade_matrix(analysis.model, analysis.result))
        summary.update(backtest_summary(analysis.result))
        self.call_after_refresh(self._stack_backtest)
        self._draw_evidence(analysis)
        self._draw_histogram(analysis)
        self._draw_compare(analysis)

    def _rule_problems(self) -> dict[str, str]:
        from model.scoring import rule_problems

        model = self.model
        return rule_problems(model, self.types, self.as_of_date) \
            if model is not None and self.types else {}

    def _failure_help(self) -> Text:
        """The error, and what to do when rules do not fit the leads (say, after importing an
        export whose columns are named differently)."""
        text = Text(self.error, style="red")
        model = self.model
        problems = self._rule_problems()
        if model is not None and any(r.enabled for r in model.rules if r.id in problems):
            text.append("\n\nRules marked ", style="dim")
            text.append("!", style="bold red")
            text.append(" do not fit these leads: edit one (e) to pick a column the leads "
                        "have, or turn it off (space).", style="dim")
        return text

    def _draw_evidence(self, analysis: Analysis) -> None:
        table = self.query_one("#scoring-evidence", DataTable)
        table.clear()
        rules = {r.id: r for r in analysis.model.rules}
        for e in analysis.result.rules:
            rule = rules.get(e.rule)
            lift = Text(num(e.lift), style="green" if (e.lift or 0) > 1.2 else (
                "red" if e.lift is not None and e.lift < 0.8 else ""))
            table.add_row(e.rule, e.dimension[:3], f"{e.points:+d}", "on" if e.enabled else "off",
                          "KO" if e.knockout else "", f"{e.leads:,}", f"{e.decided:,}",
                          f"{e.won:,}", pct(e.rate), lift, rule.owner or "" if rule else "",
                          Text((rule.rationale if rule else "")[:60]), key=e.rule)

    def _draw_histogram(self, analysis: Analysis) -> None:
        from textual_plotext import PlotextPlot

        box = self.query_one("#scoring-histogram", Vertical)
        if self._plot is None:
            self._plot = PlotextPlot(id="scoring-histogram-plot")
            box.mount(Static("", id="scoring-histogram-legend"), self._plot)
        plt = self._plot.plt
        plt.clear_data()
        plt.clear_figure()
        buckets = analysis.result.scores
        won = analysis.result.outcome_mapped
        if buckets:
            totals = [b.total for b in buckets]
            plt.bar(totals, [b.leads for b in buckets], marker="hd", color=HISTOGRAM_LEADS)
            some = [b for b in buckets if b.won]
            if won and some:
                # drawn over the leads of the same score: the won part of each bar. Only where
                # some won: a bar of height 0 would blank the foot of the leads bar under it.
                plt.bar([b.total for b in some], [b.won for b in some], marker="hd",
                        color=HISTOGRAM_WON)
            ticks = count_ticks(max(b.leads for b in buckets))
            plt.yticks(ticks)
            plt.ylim(0, ticks[-1])
            # about one label per 8 columns of the plot
            width = self._plot.size.width or 80
            plt.xticks(score_ticks(min(totals), max(totals), max(3, width // 8)))
        # The legend above the plot: inside it, plotext draws it over the first bars.
        legend = Text.assemble(("▇▇", HISTOGRAM_LEADS), " leads")
        if won:
            legend.append_text(Text.assemble("   ", ("▇▇", HISTOGRAM_WON),
                                             " won (the part of each bar that converted)"))
        self.query_one("#scoring-histogram-legend", Static).update(legend)
        plt.title(f"Leads by total score · {analysis.model.name}")
        plt.xlabel("total score")
        self._plot.refresh()

    def _draw_compare(self, analysis: Analysis) -> None:
        box = self.query_one("#scoring-compare", Static)
        if analysis.compare_error:
            box.update(Text.assemble(
                (analysis.compare_error, "red"),
                ("\n\nc picks another model to compare with, or stops comparing. To fix the "
                 "other model, select it in the models list and edit the rules marked !.",
                 "dim")))
            return
        if analysis.comparison is None or analysis.other is None:
            box.update(Text("Press c to compare this model with another one side by side "
                            "(y in the models list duplicates it, to try a change safely).",
                            style="dim"))
            return
        box.update(comparison_view(analysis.model, analysis.other, analysis.comparison))

    # ---- leads browser ---------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#scoring-tabs")
    def rank_when_leads_shown(self) -> None:
        self._rank_if_shown()

    def _leads_shown(self) -> bool:
        return (self.query_one("#scoring-tabs", TabbedContent).active == "tab-leads"
                and self.model is not None and bool(self.types))

    def _rank_if_shown(self) -> None:
        model = self.model
        browser = self.query_one(LeadsBrowser)
        if not self._leads_shown() or model is None or self.error:
            browser.discard_pending()
            return
        key = (model.model_dump_json(), self.as_of_date, tuple(self.types.items()))
        if key == self._ranked_key:
            return
        self._ranked_key = key
        browser.await_leads()
        self._rank_token += 1
        view = self._wanted_view()
        columns = browser_columns(model, self.types, self.store.leads_roles(), view.columns,
                                  view.sort.column)
        self._show_ranking(then=view)
        path = self.store.path
        if path is None:
            browser.discard_pending()
            self.query_one("#leads-header", Static).update(
                Text("The leads browser needs a plan file.", style="dim"))
            return
        self.rank_in_background(self._rank_token, Path(path), model, dict(self.types),
                                self.as_of_date, columns, view)

    def _show_ranking(self, then: LeadView | None = None) -> None:
        """Says the leads are being ranked: above the old ranking while it stays on screen,
        with the filter and order asked for meanwhile (`then`), else in place of the leads."""
        header = self.query_one("#leads-header", Static)
        status = self.query_one("#leads-status", Static)
        source = self.query_one(LeadsBrowser).source
        if source is None:
            header.update(Text("ranking leads…", style="dim"))
            status.update("")
            return
        text = _leads_status(source).append(" · ranking again…", style="yellow")
        if then is not None and _view_key(then) != source.view_key:
            wanted, sort = _view_key(then)
            text.append(f" then filter “{wanted}”, by {sort}" if wanted else f" then by {sort}",
                        style="yellow")
        status.update(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scoring-rank")
    def rank_in_background(self, token: int, path: Path, model: ScoringModel,
                           types: dict[str, str], as_of: dt.date, columns: list[str],
                           view: LeadView) -> None:
        """Scores every lead once into a ranked table on a connection the browser then owns,
        and builds the view table of the filter and order in force."""
        from model.lead_ranking import lead_position, rank_leads

        worker = get_current_worker()
        conn = connect_to_read(path, check_same_thread=False, timeout=30)
        try:
            conn.set_progress_handler(lambda: 1 if worker.is_cancelled else 0, PROGRESS_EVERY)
            count = rank_leads(conn, model, types, as_of=as_of)
            source = RankedSource(conn, count, model.id, as_of.isoformat(), columns, types)
            self._build_view(source, view, columns)
            kept = self._why_row  # the lead the why panel explains, followed into the new ranking
            if kept is not None:
                source.kept = (kept[0], lead_position(conn, kept[0], view=source.view))
            conn.set_progress_handler(None, 0)
        except Exception as exc:  # noqa: BLE001
            conn.close()
            if not worker.is_cancelled:
                self.post_message(LeadsRanked(token, None, describe(exc)))
            return
        self.post_message(LeadsRanked(token, source))

    @staticmethod
    def _build_view(source: RankedSource, view: LeadView | None, columns: list[str]) -> None:
        """The view table of `view` on the source's connection, showing `columns`; a view
        SQLite cannot build leaves the leads by score, and the source says which view failed
        and why."""
        from model.lead_ranking import build_view

        source.failed = None
        try:
            shown = build_view(source.conn, view)
        except sqlite3.Error as exc:
            shown = build_view(source.conn, None)  # a cancelled worker's stop raises again
            source.failed = (_view_key(view), describe(exc))
            view = None
        source.view = shown is not None
        source.count = source.total if shown is None else shown
        source.view_key = _view_key(view)
        source.shown = view if shown is not None else None
        source.columns = columns

    @work(thread=True, exclusive=True, exit_on_error=False, group="scoring-view")
    def view_in_background(self, token: int, source: RankedSource, view: LeadView,
                           columns: list[str]) -> None:
        """Rebuilds the view table on the connection the browser lent; gives it back."""
        try:
            self._build_view(source, view, columns)
        except Exception as exc:  # noqa: BLE001
            source.close()
            self.post_message(LeadsRanked(token, None, describe(exc)))
            return
        self.post_message(LeadsRanked(token, source))

    @on(LeadsRanked)
    def show_ranked_leads(self, message: LeadsRanked) -> None:
        if message.token != self._rank_token:
            if message.source is not None:
                message.source.close()
            return
        self._viewing = False
        header = self.query_one("#leads-header", LeadsHeader)
        if message.source is None:
            self._ranked_key = None  # ranked again when the leads are next shown
            browser = self.query_one(LeadsBrowser)
            browser.discard_pending()
            if browser.source is not None:
                browser.set_source(None)  # an old ranking, left while this one was made
            self.query_one("#why-body", Static).update("")
            header.update(Text(message.error, style="bold red"))
            self.query_one("#leads-status", Static).update("")
            return
        failed = message.source.failed
        if failed is not None:
            self._failed_view = failed[0]
        browser = self.query_one(LeadsBrowser)
        browser.set_source(message.source, cursor=self._kept_index(message.source))
        if self._start_view():
            return  # the filter or order changed meanwhile
        if failed is not None:
            self._show_filter_error(f"filter: it could not run ({failed[1]})")
            self.notify(f"The filter could not run: {failed[1]}", severity="error")
        source = message.source
        header.show_columns(browser)
        self.query_one("#leads-status", Static).update(
            _leads_status(source).append(" · / filter · s sort", style="dim"))
        if source.count == 0:
            self.query_one("#why-body", Static).update("")
            self._why_row = None
            header.update(Text(f"No lead matches “{source.view_key[0]}”. Press escape to clear "
                               "the filter.", style="dim"))

    def _kept_index(self, source: RankedSource) -> int | None:
        """Where the lead under the cursor now stands in a new ranking (None: from the top).
        That lead is the one on the old ranking still on screen, else the one the why panel
        explains; looked up again should it differ from the one the ranking worker found."""
        from model.lead_ranking import lead_position

        kept, source.kept = source.kept, None
        if kept is None:
            return None
        browser = self.query_one(LeadsBrowser)
        shown = browser.row_at(browser.cursor) if browser.stale and browser.placed else None
        row = int(shown[1]) if shown is not None else (self._why_row or (None,))[0]
        if row is None:
            return None
        return kept[1] if kept[0] == row else lead_position(source.conn, row, view=source.view)

    # ---- filter and order of the leads browser ----------------------------------------------
    def _sorts(self) -> list[Sort]:
        from model.lead_filter import sorts

        return sorts(self.store.leads_roles(), self.types)

    def _wanted_view(self) -> LeadView:
        """The order in force with the filter being typed, compiled; while that does not read
        (its error shown under the filter box), with the last filter that did, if it still
        reads against the leads, else with none."""
        from model.lead_filter import lead_view, plan_status

        sorts = self._sorts()
        sort = sorts[self.leads_sort % len(sorts)]
        status = plan_status(self.store, self.types)
        try:
            view = lead_view(self.leads_filter, sort, self.types, status)
        except AlignError as exc:
            self._show_filter_error(str(exc))
            try:
                return lead_view(self._good_filter, sort, self.types, status)
            except AlignError:
                return lead_view("", sort, self.types, status)
        self._good_filter = self.leads_filter
        self._show_filter_error("")
        return view

    def _show_filter_error(self, error: str) -> None:
        for box in self.query("#leads-filter").results(Input):
            box.set_class(bool(error), "-invalid")
        for line in self.query("#leads-filter-error").results(Static):
            line.update(Text(error, style="bold red"))
            line.display = bool(error)

    def _start_view(self) -> bool:
        """Rebuilds the browser's view when it shows another filter or order than the one in
        force (and no build is under way); True when it started one."""
        browser = self.query_one(LeadsBrowser)
        source = browser.source
        if source is None or self._viewing:
            return False
        view = self._wanted_view()
        if _view_key(view) in (source.view_key, self._failed_view):
            return False
        if browser.stale:  # the ranking on its way is followed by this check again
            browser.supersede()
            self._show_ranking(then=view)
            return False
        self._viewing = True
        self.query_one("#leads-header", Static).update(Text("filtering leads…", style="dim"))
        model = self.model
        columns = (browser_columns(model, self.types, self.store.leads_roles(), view.columns,
                                   view.sort.column)
                   if model is not None else source.columns)
        self.view_in_background(self._rank_token, browser.lend_source(), view, columns)
        return True

    async def action_filter_leads(self) -> None:
        tabs = self.query_one("#scoring-tabs", TabbedContent)
        if not tabs.display:
            self.notify("No leads to filter yet: press i to import a CSV export of leads."
                        if not self.types else "The leads are ranked by a scoring model: "
                        "press n in the models list to add one.", severity="warning")
            return
        tabs.active = "tab-leads"
        if not self.query("#leads-filter"):
            box = Input(placeholder="text, column:value, employees>100, cell:A1, mql, won, -term "
                        "· enter keeps · esc clears", id="leads-filter")
            error = Static("", id="leads-filter-error")
            error.display = False
            # Mounted before it takes focus, so keys typed at once go into the box.
            await self.query_one("#scoring-leads-box").mount(box, error, before=1)
        box = self.query_one("#leads-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#leads-filter")
    def filter_leads(self, event: Input.Changed) -> None:
        self.leads_filter = event.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_PAUSE, self._filter_paused)

    def _filter_paused(self) -> None:
        self._filter_timer = None
        self._start_view()

    @property
    def leads_settled(self) -> bool:
        """True when the leads browser waits for nothing: no pause after typing a filter or
        moving the cursor is pending, no view is being built and the cursor is placed. The filter
        in the box is then in force (or its error shown) and the why panel explains the lead
        under the cursor."""
        return (self._filter_timer is None and self._why_timer is None and not self._viewing
                and self.query_one(LeadsBrowser).placed)

    @on(Input.Submitted, "#leads-filter")
    def keep_leads_filter(self) -> None:
        """⏎ puts the filter in force at once (keys typed next are for the leads it keeps)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_paused()
        self.query_one(LeadsBrowser).focus()

    def action_clear_leads_filter(self) -> None:
        box = next(self.query("#leads-filter").results(Input), None)
        if box is None or (not box.display and not self.leads_filter):
            return
        box.value = ""
        box.display = False
        self.leads_filter = ""
        self._show_filter_error("")
        self._start_view()
        self.query_one(LeadsBrowser).focus()

    def action_export_leads(self) -> None:
        from screens.dialogs import file_target, replaces_a_file

        browser = self.query_one(LeadsBrowser)
        source = browser.source
        model, path = self.model, self.store.path
        if path is None or model is None or source is None or browser.stale:
            # (the leads on screen, while ranked again, are not the model's: not what it writes)
            self.notify("The leads are not shown yet: wait for them, then press x.",
                        severity="warning")
            return
        plan = Path(path)
        name = f"{plan.stem}-{model.id}-leads.csv"
        # beside the plan, unless that folder is closed to Align (a read-only share)
        suggested = str(plan.with_name(name)) if os.access(plan.parent, os.W_OK) else name
        self.app.push_screen(InputDialog(
            f"Export the {source.count:,} leads shown, in their order, to a CSV file",
            suggested, placeholder="leads.csv",
            check=file_target(plan, ".csv"),
                        warn=replaces_a_file), self._export_leads_to)

    def _export_leads_to(self, target: str | None) -> None:
        from model.exchange import check_export_target

        if not target:
            return
        browser = self.query_one(LeadsBrowser)
        source = browser.source
        model, path = self.model, self.store.path
        if path is None or model is None or source is None or browser.stale:
            self.notify("The leads changed while the file was being chosen; press x again "
                        "once they show.", title="Leads not exported", severity="warning")
            return
        out = Path(target).expanduser()
        try:  # the write checks again; this says so before the leads are ranked once more
            check_export_target(out, Path(path), kind=".csv")
        except (AlignError, OSError) as exc:
            self.notify(describe(exc), title="Leads not exported", severity="error")
            return
        self.notify(f"Exporting {source.count:,} leads to {out}…", timeout=3)
        self.export_leads(Path(path), model, dict(self.types), self.as_of_date, source.shown, out)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scoring-export")
    def export_leads(self, path: Path, model: ScoringModel, types: dict[str, str],
                     as_of: dt.date, view: LeadView | None, out: Path) -> None:
        """Ranks the leads again on a connection of its own, so the browser stays in use, then
        writes the view it shows (`model.lead_ranking.export_ranked_leads`)."""
        from model.lead_ranking import export_ranked_leads

        try:
            count = export_ranked_leads(path, model, types, as_of=as_of, view=view, out=out)
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never a traceback
            self.post_message(LeadsExported(out, 0, describe(exc)))
            return
        self.post_message(LeadsExported(out, count))

    @on(LeadsExported)
    def show_leads_exported(self, message: LeadsExported) -> None:
        if message.error:
            self.notify(message.error, title="Leads not exported", severity="error", timeout=10)
        else:
            self.notify(f"Exported {message.count:,} leads to {message.path}",
                        title="Leads exported")

    def action_sort_leads(self) -> None:
        self.leads_sort = (self.leads_sort + 1) % len(self._sorts())
        self._start_view()

    @on(LeadsBrowser.Highlighted)
    def explain_highlighted_lead(self, message: LeadsBrowser.Highlighted) -> None:
        self._why_row = (message.row, message.rank)
        if self._why_timer is not None:
            self._why_timer.stop()
        self._why_timer = self.set_timer(0.05, self._draw_why)

    def _draw_why(self) -> None:
        from model.leads import LEADS_TABLE
        from model.scoring import explain_lead

        self._why_timer = None
        body = self.query_one("#why-body", Static)
        model = self.model
        if self._why_row is None or model is None or self.query_one(LeadsBrowser).source is None:
            body.update("")
            return
        row, rank = self._why_row
        try:
            explanation = explain_lead(self.store, model, row, as_of=self.as_of_date)
        except AlignError as exc:
            body.update(Text(str(exc), style="red"))
            return
        cur = self.store.conn.execute(f"SELECT * FROM {LEADS_TABLE} WHERE _row = ?", (row,))
        names = [d[0] for d in cur.description]
        found = cur.fetchone()
        lead = dict(zip(names, found, strict=True)) if found else {}
        roles = self.store.leads_roles()
        source = self.query_one(LeadsBrowser).source
        fields = source.columns if source is not None else browser_columns(model, self.types,
                                                                           roles)
        body.update(why_renderable(explanation, lead, fields, roles.id if roles else None, rank,
                                   self.types))

    # ---- tabs ------------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one("#scoring-tabs", TabbedContent)
        if not tabs.display:
            return
        tabs.active = tab
        if tab == "tab-leads":
            self.query_one(LeadsBrowser).focus()
        elif tab == "tab-evidence":
            self.query_one("#scoring-evidence").focus()
        elif isinstance(self.focused, LeadsBrowser | DataTable) and self.focused.id != "scoring-rules":
            self.query_one("#scoring-rules").focus()

    # ---- selection -------------------------------------------------------------------------
    @on(ModelList.OptionHighlighted, "#scoring-models")
    def select_highlighted_model(self, event: ModelList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.models):
            model_id = self.models[event.option_index].id
            if model_id != self.selected_id:
                self.selected_id = model_id
                if self.compare_id == model_id:
                    self.compare_id = None
                self._draw_rules()
                self._start_analysis()

    def _need_model(self) -> ScoringModel | None:
        model = self.model
        if model is None:
            self.notify("No scoring model yet: press n in the models list to add one.",
                        severity="warning")
        return model

    def _rule_at_cursor(self) -> Rule | None:
        model = self.model
        table = self.query_one("#scoring-rules", RuleTable)
        if model is None or not model.rules or not table.display:
            return None
        return model.rules[min(table.cursor_row, len(model.rules) - 1)]

    # ---- writes ----------------------------------------------------------------------------
    def _importing(self) -> bool:
        """Whether an import is running; then a form whose save would be refused is not
        opened, and the user is told why."""
        if self.importing:
            self.notify(IMPORT_REFUSAL, title="Import running", severity="warning")
        return self.importing

    def _save_model(self, model: ScoringModel, note: str = "") -> bool:
        from model.schema import ScoringModel as Schema

        try:
            checked = Schema.model_validate(model.model_dump())
            self.store.save_scoring_model(checked)
        except (AlignError, ValueError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return False
        self.selected_id = checked.id
        if note:
            self.notify(note, timeout=3)
        self.post_message(PlanChanged("scoring_models"))
        return True

    def _with_rules(self, model: ScoringModel, rules: list[Rule]) -> ScoringModel:
        return model.model_copy(update={"rules": rules})

    def _stored(self, model: ScoringModel) -> ScoringModel:
        """The model as the plan holds it now: another Align on the same file may have changed
        it since this screen read it, and a change made here is applied to that, not to what
        the screen read, so neither edit undoes the other."""
        return self.store.scoring_model(model.id) or model

    def _save_rules(self, model: ScoringModel, change: Callable[[list[Rule]], list[Rule]],
                    note: str) -> bool:
        stored = self._stored(model)
        return self._save_model(self._with_rules(stored, change(list(stored.rules))), note)

    def _departments(self) -> list[Any]:
        return self.store.departments()

    def action_new_rule(self) -> None:
        from screens.scoring_forms import RuleForm

        if self._importing():
            return
        if not self.models:
            self.action_new_model()
            return
        if (model := self._need_model()) is None:
            return

        def saved(rule: Rule | None) -> None:
            if rule is None:
                return
            self._cursor_to_rule = rule.id  # the redraw puts the cursor on it, last
            self._save_rules(model, lambda rules: [*rules, rule], f"Added rule {rule.id}.")

        self.app.push_screen(RuleForm(model, self.types, self._departments(), as_of=self.as_of_date),
                             saved)

    def action_edit_rule(self) -> None:
        from screens.scoring_forms import RuleForm

        if self._importing():
            return
        model = self.model
        rule = self._rule_at_cursor()
        if model is None or rule is None:
            self.action_new_rule()
            return
        def saved(new: Rule | None) -> None:
            if new is not None:
                self._save_rules(model, lambda rules: replaced(rules, rule.id, new),
                                 f"Saved rule {new.id}.")

        self.app.push_screen(RuleForm(model, self.types, self._departments(), rule=rule,
                                      as_of=self.as_of_date), saved)

    def action_toggle_rule(self) -> None:
        from model.scoring import usable_rules

        model = self.model
        rule = self._rule_at_cursor()
        if model is None or rule is None:
            return
        flipped = rule.model_copy(update={"enabled": not rule.enabled})
        if flipped.enabled and self.types:
            try:
                usable_rules(model.model_copy(update={"rules": [flipped]}), self.types,
                             self.as_of_date)
            except AlignError as exc:
                self.notify(f"{exc}. Edit the rule (e) to fix it first.",
                            title=f"Cannot enable {rule.id}", severity="error", timeout=8)
                return
        self._save_rules(  # on or off as asked, whatever another Align did to the rule since
            model, lambda rules: [r.model_copy(update={"enabled": flipped.enabled})
                                  if r.id == rule.id else r for r in rules],
            f"{rule.id} {'on' if flipped.enabled else 'off'}.")

    def action_duplicate_rule(self) -> None:
        model = self.model
        rule = self._rule_at_cursor()
        if model is None or rule is None:
            return
        stored = self._stored(model)
        new_id = unique_id(f"{rule.id}-copy", [r.id for r in stored.rules])
        name = copy_name(rule.name or rule.id, [r.name for r in stored.rules])
        copy = rule.model_copy(update={"id": new_id, "name": name, "enabled": False})
        ids = [r.id for r in stored.rules]
        index = ids.index(rule.id) + 1 if rule.id in ids else len(ids)
        self._cursor_to_rule = new_id
        self._save_rules(model, lambda rules: [*rules[:index], copy, *rules[index:]],
                         f"Duplicated as {new_id} (off); e edits, space turns it on.")

    def action_delete_rule(self) -> None:
        model = self.model
        rule = self._rule_at_cursor()
        if model is None or rule is None:
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._save_rules(model, lambda rules: [r for r in rules if r.id != rule.id],
                                 f"Deleted rule {rule.id}.")

        self.app.push_screen(ConfirmDialog(
            f"Delete rule “{rule.name or rule.id}” from {model.name}?",
            [f"{rule.dimension}, {rule.points:+d} points when {conditions_text(rule)}"],
            confirm_label="Delete"), confirmed)

    # ---- models ----------------------------------------------------------------------------
    def action_new_model(self) -> None:
        from screens.scoring_forms import ModelSettingsForm

        if self._importing():
            return

        def saved(model: ScoringModel | None) -> None:
            if model is not None:
                self._save_model(model, f"Added model {model.id}; n adds its first rule.")

        self.app.push_screen(ModelSettingsForm(None, [m.id for m in self.models]), saved)

    def action_edit_model(self) -> None:
        from screens.scoring_forms import ModelSettingsForm

        if self._importing():
            return
        if (model := self._need_model()) is None:
            return

        def saved(new: ScoringModel | None) -> None:
            if new is not None:  # the form sets bands, caps and MQL: the rules stay as stored
                self._save_model(new.model_copy(update={"rules": self._stored(model).rules}),
                                 f"Saved bands, caps and MQL of {new.id}.")

        self.app.push_screen(ModelSettingsForm(model, [m.id for m in self.models]), saved)

    def action_set_as_of(self) -> None:
        """Score as of another date: `within_last_days` and `more_than_days_ago` count back from
        it, so a backtest on last year's leads can be run as of the day they were scored."""
        today = self.app.today  # type: ignore[attr-defined]

        def chosen(text: str | None) -> None:
            if text is None:
                return
            day = parse_as_of(text, today)
            if day is not None and day != self.as_of_date:
                self.as_of = None if day == (self.leads_day or today) else day
                self.notify(f"Scoring as of {self.as_of_date.isoformat()}.")
                self._start_analysis()

        self.app.push_screen(InputDialog(
            "Score as of (YYYY-MM-DD, or today)", self.as_of_date.isoformat(),
            check=lambda t: None if parse_as_of(t, today) is not None
            else f"{t!r} is not a date such as 2026-03-31 (or today)"), chosen)

    def action_rename_model(self) -> None:
        if self._importing():
            return
        if (model := self._need_model()) is None:
            return

        def renamed(name: str | None) -> None:
            if name and name != model.name:
                self._save_model(self._stored(model).model_copy(update={"name": name}),
                                 f"Renamed to {name}.")

        self.app.push_screen(InputDialog(f"Rename {model.id}", model.name,
                                         check=lambda t: "at most 200 characters"
                                         if len(t) > 200 else None), renamed)

    def action_duplicate_model(self) -> None:
        if (model := self._need_model()) is None:
            return
        new_id = unique_id(f"{model.id}-copy", [m.id for m in self.models])
        name = copy_name(model.name, [m.name for m in self.models])
        copy = model.model_copy(update={"id": new_id, "name": name})
        self._save_model(copy, f"Duplicated as {new_id}: c compares the two side by side.")

    def action_delete_model(self) -> None:
        if (model := self._need_model()) is None:
            return
        impact = self.store.delete_impact("scoring_models", model.id)
        lines = [f"its {what} go with it" for what in impact.removes] or ["it has no rules"]

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            try:
                self.store.delete("scoring_models", model.id)
            except AlignError as exc:
                self.notify(str(exc), severity="error")
                return
            self.selected_id = None
            self.notify(f"Deleted model {model.id}.")
            self.post_message(PlanChanged("scoring_models"))

        self.app.push_screen(ConfirmDialog(f"Delete scoring model “{model.name}” ({model.id})?",
                                           lines, confirm_label="Delete"), confirmed)

    # ---- compare ---------------------------------------------------------------------------
    def action_compare(self) -> None:
        from screens.scoring_forms import ModelPicker

        if (model := self._need_model()) is None:
            return
        others = [m for m in self.models if m.id != model.id]
        if not others:
            self.notify("Only one model: y in the models list duplicates it, change the copy, "
                        "then c compares them.", severity="warning", timeout=6)
            return

        def picked(other: str | None) -> None:
            if other is None:
                return
            self.compare_id = other or None  # "" stops comparing
            self._start_analysis()
            if other:
                self.action_show_tab("tab-compare")
            else:
                self.notify(f"Stopped comparing: {model.name} is shown alone.")

        comparing = self.compare_id is not None
        if len(others) == 1 and not comparing:
            picked(others[0].id)
            return
        self.app.push_screen(ModelPicker(f"Compare {model.name} with…", others,
                                         stop=comparing, current=self.compare_id), picked)

    # ---- import ----------------------------------------------------------------------------
    def action_import_leads(self) -> None:
        from model.leads import column_types, has_leads, lead_count
        from screens.scoring_import import LeadsImportForm

        if self.importing:
            self.notify("An import is already running.", severity="warning")
            return
        if self.store.path is None:
            self.notify("This plan has no file to import into.", severity="error")
            return
        refused, self._refused_import = self._refused_import, None
        self.app.push_screen(LeadsImportForm(self.store.leads_roles(), has_leads(self.store),
                                             lead_count=lead_count(self.store),
                                             columns=list(column_types(self.store)),
                                             refused=refused), self._run_import)

    def _run_import(self, request: LeadsImportRequest | None) -> None:
        if request is None:
            return
        self.importing = True
        self.store.refuse_writes(IMPORT_REFUSAL)
        self._show_status()
        self._import_asked = request
        self._abandon_import = threading.Event()
        self.import_in_background(Path(self.store.path), request,  # type: ignore[arg-type]
                                  self._abandon_import)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scoring-import")
    def import_in_background(self, path: Path, request: LeadsImportRequest,
                             abandon: threading.Event) -> None:
        """The import checks the whole file before it writes, in one transaction: a bad file
        leaves the previous dataset as it was, and so does an import abandoned (`abandon` set,
        or the worker cancelled as the app exits) before it commits."""
        from model.leads import import_leads_csv
        from model.store import PlanStore

        worker = get_current_worker()

        def stopping() -> bool:
            return abandon.is_set() or worker.is_cancelled

        def progress(done: int, total: int) -> None:
            if stopping() and store.conn.in_transaction:
                raise ImportAbandoned
            self.post_message(ImportProgress(done, total))

        # Always answered, however the worker ends: the answer lifts the refusal of writes.
        outcome = LeadsImported(None, "the import stopped before it finished")
        try:
            with PlanStore.open(path, create=False) as store:
                # Between two progress reports too (the rows written, the roles saved): the
                # interrupted statement fails and the transaction rolls back.
                store.conn.set_progress_handler(lambda: 1 if stopping() else 0, PROGRESS_EVERY)
                report = import_leads_csv(store, request.path, roles=request.roles,
                                          replace=request.replace,
                                          date_format=request.roles.date_format,
                                          progress=progress,
                                          day=self.app.today)  # type: ignore[attr-defined]
            outcome = LeadsImported(report)
        except Exception as exc:  # noqa: BLE001
            outcome = LeadsImported(None, describe(exc))
        finally:
            self.post_message(outcome)

    @on(ImportProgress)
    def show_import_progress(self, message: ImportProgress) -> None:
        bar = self.query_one("#scoring-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, message.total), progress=message.done)

    def ask_before_quit(self) -> bool:
        """Whether quitting waits on this screen (`AlignApp.action_quit`): during an import it
        asks first, and if told to quit, abandons the import and quits once it has rolled
        back, rather than leave the terminal blank while the import commits anyway."""
        if not self.importing:
            return False
        if self.quitting:
            self.notify("Align quits once the import has rolled back.", timeout=4)
            return True

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if not self.importing:  # it ended while the question was open
                self.app.exit()
                return
            self.quitting = True
            self._abandon_import.set()
            self._show_status()
            self.notify("Abandoning the import: the plan keeps its previous leads. Align "
                        "quits in a moment.", title="Quitting", timeout=10)

        self.app.push_screen(ConfirmDialog(
            "A leads import is running; quit and abandon it?",
            ["The plan keeps the leads it had before the import.",
             "Align quits as soon as the import has rolled back (a moment)."],
            confirm_label="Quit"), answered)
        return True

    @on(LeadsImported)
    def show_import_result(self, message: LeadsImported) -> None:
        from model.leads import leads_text

        self.importing = False
        self.store.refuse_writes(None)
        if self.quitting:
            self.app.exit()
            return
        if message.report is None:
            self._show_status()
            if self._import_asked is not None:  # `i` opens the form again as it was
                self._refused_import = (self._import_asked, message.error)
            self.notify(message.error + "\nThe previous leads are unchanged. Press i to "
                        "correct the import.", title="Import refused", severity="error",
                        timeout=12)
            return
        self._refused_import = None
        r = message.report
        if r.replaced:
            # The leads shown and the one explained are gone; their row numbers are others'.
            self.query_one(LeadsBrowser).set_source(None)
            self._why_row = None
        action = ("created the dataset" if r.created else "replaced the dataset"
                  if r.replaced else "appended")
        lines = [f"{leads_text(r.rows)} from {Path(r.path).name} ({action}); "
                 f"{leads_text(r.total_rows)} in the plan"]
        if r.duplicate_ids:
            lines.append(r.duplicates_text())
        lines += r.warnings[:3]
        self.notify("\n".join(lines), title="Leads imported", timeout=8)
        self.post_message(PlanChanged("leads"))
