"""The Align workbench: four areas as modes, the current period, export and import.

The app receives an opened store (only the command line opens a real path) and is built by
`build_app`, which the tests reuse.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import ModalScreen, Screen

from model.errors import AlignError
from model.periods import is_period, parse_period, period_of_date, shift, sort_key
from model.store import BUSY_TIMEOUT_MS, UI_BUSY_TIMEOUT_MS, PlanStore
from screens.area import AreaScreen
from screens.messages import ALL_KINDS, PlanChanged
from screens.objectives import ObjectivesScreen
from tui.typeahead import TypeAhead

AREAS: tuple[tuple[str, str, str], ...] = (
    ("objectives", "1", "Objectives"),
    ("lead_scoring", "2", "Lead scoring"),
    ("personas", "3", "Personas"),
    ("kpi_review", "4", "KPI review"),
)

# Actions that belong to the workbench, not to a dialog: refused while a dialog is open so a
# key typed into a form never switches area or period underneath it.
GLOBAL_ACTIONS = frozenset({"area", "step_period", "export", "import_plan", "help", "quit"})


def _lazy_area(module: str, name: str) -> Callable[[], Screen]:
    """An area whose module is imported the first time it is shown, so start-up pays only for
    the first screen."""

    def make() -> Screen:
        import importlib

        return getattr(importlib.import_module(module), name)()

    return make


def default_period(store: PlanStore, today: dt.date) -> str:
    """The latest quarter that has objectives, else the quarter `today` falls in."""
    quarters = [p for p in {o.period for o in store.objectives()}
                if parse_period(p).kind == "quarter"]
    if quarters:
        return max(quarters, key=sort_key)
    return period_of_date(today, "quarter", store.settings().fiscal_year_start)


def export_file_name(plan_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", plan_name.lower()).strip("-")
    return f"{slug or 'plan'}.toml"


@dataclass
class ExportDone(Message):
    path: Path


@dataclass
class ImportPreviewed(Message):
    path: Path
    plan: object  # the file as read: what is shown is what is applied
    merge: object
    replace: object


@dataclass
class ImportDone(Message):
    path: Path
    diff: object
    replace: bool


@dataclass
class ExchangeFailed(Message):
    what: str
    error: str


class AlignCommands(Provider):
    """Command palette: jump to an area, export, import, switch period, change theme."""

    def commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: AlignApp = self.app  # type: ignore[assignment]
        out: list[tuple[str, str, Callable[[], object]]] = []
        # A review meeting holds its period and area until f finishes it (as its keys do).
        meeting = app.meeting is not None
        if not meeting:
            for mode, key, label in AREAS:
                out.append((f"Go to {label}", f"Show the {label} area (key {key})",
                            lambda mode=mode: app.action_area(mode)))
        out.append(("Export plan…", "Write the whole plan to a TOML file (ctrl+e)", app.action_export))
        if not meeting:
            out.append(("Import plan…", "Merge or replace from a TOML file (ctrl+o)",
                        app.action_import_plan))
            out.append(("Previous period", f"Show {shift(app.period, -1)} ([)",
                        lambda: app.action_step_period(-1)))
            out.append(("Next period", f"Show {shift(app.period, 1)} (])",
                        lambda: app.action_step_period(1)))
            for period in app.switchable_periods():
                out.append((f"Switch period to {period}", "Show this period in every area",
                            lambda period=period: app.set_period(period)))
        out.append(("Change theme", "Pick a colour theme", app.action_change_theme))
        out.append(("Keys", "Every key, by area (?)", app.action_help))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app: AlignApp = self.app  # type: ignore[assignment]
        typed = query.strip().upper()
        try:
            period = parse_period(typed).id
        except ValueError:
            period = None
        exact = f"Switch period to {period}" if period else None
        if exact and app.meeting is None:  # a period typed in full goes first, before the periods it is a prefix of
            best = max((matcher.match(name) for name, _, _ in self.commands()), default=1.0)
            yield Hit(max(best, 1.0) * 2, exact, lambda: app.set_period(period), text=exact,
                      help="Show this period in every area")
        for name, help_text, callback in self.commands():
            if name == exact:
                continue
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)


TEXTUAL_NOTICES = ("Do you want to quit?", "Screenshot")
"""Titles of the notices Textual itself writes in markup; Align's own never use them."""


class AlignApp(TypeAhead):
    """Keyboard-driven planning workbench on one plan file."""

    CSS_PATH = "app.tcss"
    TITLE = "Align"
    MODES: ClassVar[dict[str, Callable[[], Screen]]] = {
        "objectives": ObjectivesScreen,
        "lead_scoring": _lazy_area("screens.lead_scoring", "LeadScoringScreen"),
        "personas": _lazy_area("screens.personas", "PersonasScreen"),
        "kpi_review": _lazy_area("screens.kpi_review", "KpiReviewScreen"),
    }
    DEFAULT_MODE = "objectives"
    COMMANDS = App.COMMANDS | {AlignCommands}
    BINDINGS = [
        Binding("1", "area('objectives')", "Objectives", show=False, id="app.area.objectives"),
        Binding("2", "area('lead_scoring')", "Lead scoring", show=False, id="app.area.lead_scoring"),
        Binding("3", "area('personas')", "Personas", show=False, id="app.area.personas"),
        Binding("4", "area('kpi_review')", "KPI review", show=False, id="app.area.kpi_review"),
        Binding("left_square_bracket", "step_period(-1)", "Previous period", key_display="[", show=False,
                id="app.period.previous"),
        Binding("right_square_bracket", "step_period(1)", "Next period", key_display="]", show=False,
                id="app.period.next"),
        Binding("ctrl+e", "export", "Export", priority=True, id="app.export"),
        Binding("ctrl+o", "import_plan", "Import", priority=True, id="app.import"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    period: var[str] = var("", init=False)

    def __init__(self, store: PlanStore, *, today: dt.date | None = None) -> None:
        super().__init__()
        self.store = store
        self.today = today or dt.date.today()
        self._areas: list[AreaScreen] = []
        # The review meeting under way (review mode sets it while it is open).
        self.meeting: Any = None
        self._plan_name = store.settings().name
        self.set_reactive(AlignApp.period, default_period(store, self.today))

    # ---- header and period -----------------------------------------------------------------
    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry names, titles and paths as they were typed: never markup, so a
        `[/]` in a title is shown, not read (every widget's `notify` comes here). Only Textual's
        own notices (the ctrl+c hint, a saved screenshot) are written in markup."""
        markup = title in TEXTUAL_NOTICES
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def file_label(self) -> str:
        if self.store.path is None:
            return "(in memory)"
        return self.store.path.name + (" (read-only)" if self.store.read_only else "")

    def on_mount(self) -> None:
        self._update_titles()
        if self.store.read_only:
            self.notify(f"{self.store.read_only}: you can look around, but changes cannot be "
                        "saved. To change the plan, copy it to a folder you can write to.",
                        title="Read-only plan", severity="warning", timeout=10)

    def _update_titles(self) -> None:
        self.title = self._plan_name
        self.sub_title = f"{self.file_label} · {self.period}"

    def watch_period(self) -> None:
        self._update_titles()
        self._tell_areas("period")

    def set_period(self, period: str) -> None:
        self.period = parse_period(period).id

    def switchable_periods(self) -> list[str]:
        periods = set(self.store.periods_in_use()) | {self.period}
        return sorted(periods, key=sort_key)

    def action_step_period(self, steps: int) -> None:
        target = shift(self.period, steps)
        if not is_period(target):
            self.notify(f"{self.period} is as far as plans go: years run from 1900 to 2999.",
                        severity="warning")
            return
        self.period = target

    # ---- areas -----------------------------------------------------------------------------
    def register_area(self, area: AreaScreen) -> None:
        if area not in self._areas:
            self._areas.append(area)

    def _tell_areas(self, kind: str) -> None:
        for area in self._areas:
            area.plan_changed(kind)

    @on(PlanChanged)
    def refresh_areas_showing_kind(self, message: PlanChanged) -> None:
        if message.kind in (ALL_KINDS, "settings"):
            self._plan_name = self.store.settings().name
            self._update_titles()
        self._tell_areas(message.kind)

    def action_area(self, mode: str) -> None:
        self.switch_mode(mode)

    @property
    def current_area(self) -> str:
        return self.current_mode

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GLOBAL_ACTIONS and isinstance(self.screen, ModalScreen):
            return False
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Keys", "Quit"):
                yield command
        yield SystemCommand("Quit", "Quit Align (q)", self.action_quit)

    async def action_quit(self) -> None:
        """Quits, unless an area's running work or a meeting under way would be lost: then
        it asks first."""
        if self.meeting is not None and self.meeting.ask_before_quit():
            return
        if not any(getattr(area, "ask_before_quit", lambda: False)() for area in self._areas):
            self.exit()

    def action_help(self) -> None:
        from screens.help import HelpScreen

        self.push_screen(HelpScreen(help_sections(self)))

    # ---- export ----------------------------------------------------------------------------
    def action_export(self) -> None:
        from screens.dialogs import InputDialog, file_target, replaces_a_file

        if self.store.path is None:
            self.notify("This plan has no file to export from.", severity="error")
            return
        self.push_screen(
            InputDialog("Export the whole plan to a TOML file",
                        export_file_name(self._plan_name), placeholder="plan.toml",
                        check=file_target(self.store.path, ".toml"),
                        warn=replaces_a_file),
            self._export_to)

    def _export_to(self, target: str | None) -> None:
        if target:
            self.notify(f"Exporting to {target}…", timeout=2)
            self.export_plan(Path(target).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="exchange")
    def export_plan(self, target: Path) -> None:
        """Runs off the UI thread on its own connection: a large plan takes a moment."""
        try:
            from model.exchange import write_export

            with PlanStore.open(self.store.path, create=False) as store:  # type: ignore[arg-type]
                written = write_export(store, target)
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never a traceback
            self.post_message(ExchangeFailed("Export failed", _describe(exc)))
            return
        self.post_message(ExportDone(Path(written)))

    @on(ExportDone)
    def show_export_result(self, message: ExportDone) -> None:
        counts = self.store.counts()
        self.notify(f"Exported {counts['objectives']} objectives, {counts['metrics']} metrics, "
                    f"{counts['personas']} personas to {message.path}", title="Export done")

    @on(ExchangeFailed)
    def show_exchange_error(self, message: ExchangeFailed) -> None:
        self._screen_writes_wait_briefly()
        self.notify(message.error, title=message.what, severity="error", timeout=10)

    def _screen_writes_wait_briefly(self) -> None:
        if self.store.path is not None and not self.store.read_only:
            self.store.set_busy_timeout(UI_BUSY_TIMEOUT_MS)

    # ---- import ----------------------------------------------------------------------------
    def action_import_plan(self) -> None:
        from screens.dialogs import InputDialog

        if self.meeting is not None:  # the figures would change under the room
            self.notify("A review is under way: f finishes it, then ctrl+o imports.",
                        severity="warning", timeout=4)
            return
        if self.store.path is None:
            self.notify("This plan has no file to import into.", severity="error")
            return
        if self.store.write_refusal:
            self.notify(self.store.write_refusal, title="Import refused", severity="warning")
            return
        self.push_screen(
            InputDialog("Import a plan from a TOML file", "", placeholder="teammate.toml",
                        check=_check_import_source),
            self._preview_import)

    def _preview_import(self, source: str | None) -> None:
        if source:
            self.notify(f"Reading {source}…", timeout=2)
            self.preview_import(Path(source).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="exchange")
    def preview_import(self, source: Path) -> None:
        """Each mode's difference as the import would make it (a dry run: the same checks, the
        same warnings), or why that mode cannot import the file."""
        from model.exchange import import_plan, read_plan_file

        diffs: dict[str, object] = {}
        try:
            plan = read_plan_file(source)
            with PlanStore.open(self.store.path, create=False) as store:  # type: ignore[arg-type]
                for mode in ("merge", "replace"):
                    try:
                        diffs[mode] = import_plan(store, plan, replace=mode == "replace",
                                                  dry_run=True)
                    except AlignError as exc:  # the other mode may still fit the plan
                        diffs[mode] = exc
        except Exception as exc:  # noqa: BLE001
            self.post_message(ExchangeFailed("Import refused", _describe(exc)))
            return
        if all(isinstance(d, AlignError) for d in diffs.values()):
            self.post_message(ExchangeFailed("Import refused", _describe(diffs["merge"])))
            return
        self.post_message(ImportPreviewed(source, plan, diffs["merge"], diffs["replace"]))

    @on(ImportPreviewed)
    def ask_how_to_import(self, message: ImportPreviewed) -> None:
        from screens.dialogs import ConfirmDialog
        from screens.import_dialog import ImportDialog

        def chosen(mode: str | None) -> None:
            if mode is None:
                self.notify("Import cancelled; nothing changed.")
                return
            replace = mode == "replace"
            diff = message.replace if replace else message.merge
            if diff.is_empty:  # type: ignore[attr-defined]
                self.notify("The plan already matches the file; nothing to import.")
                return
            self.push_screen(
                ConfirmDialog(f"{'Replace' if replace else 'Merge'} the plan with "
                              f"{message.path.name}?", diff.report_lines(),  # type: ignore[attr-defined]
                              confirm_label="Apply", danger=replace),
                lambda ok: self._apply_import(message.path, message.plan, replace, diff, ok))

        self.push_screen(ImportDialog(message.path.name, message.merge, message.replace), chosen)

    def _apply_import(self, source: Path, plan: object, replace: bool, diff: object,
                      confirmed: bool | None) -> None:
        if not confirmed:
            self.notify("Import cancelled; nothing changed.")
            return
        if self.store.write_refusal:  # the import writes through a store of its own
            self.notify(self.store.write_refusal, title="Import refused; nothing changed",
                        severity="warning")
            return
        # The import writes the plan on a connection of its own, for up to a second or so; a
        # change made on screen meanwhile waits for it rather than being called busy.
        self.store.set_busy_timeout(BUSY_TIMEOUT_MS)
        self.apply_import(source, plan, replace, diff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="exchange")
    def apply_import(self, source: Path, plan: object, replace: bool, shown: object) -> None:
        """Applies the file as it was read for the preview (not as it may be on disk now: a
        pull or an editor may have changed it since), and only if the import still makes the
        difference the user confirmed."""
        try:
            from model.exchange import import_plan

            with PlanStore.open(self.store.path, create=False) as store:  # type: ignore[arg-type]
                diff = import_plan(store, plan, replace=replace,  # type: ignore[arg-type]
                                   expected=shown)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            self.post_message(ExchangeFailed("Import failed; nothing changed", _describe(exc)))
            return
        self.post_message(ImportDone(source, diff, replace))

    @on(ImportDone)
    def show_import_result(self, message: ImportDone) -> None:
        self._screen_writes_wait_briefly()
        lines = message.diff.report_lines(limit=5)  # type: ignore[attr-defined]
        self.notify("\n".join(lines) or "nothing changed",
                    title=f"Imported {message.path.name} ({'replace' if message.replace else 'merge'})")
        self.post_message(PlanChanged(ALL_KINDS))


def _describe(exc: Exception) -> str:
    if isinstance(exc, AlignError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _check_import_source(text: str) -> str | None:
    path = Path(text).expanduser()
    if not path.exists():
        return f"no such file: {text}"
    if path.is_dir():
        return f"{text} is a folder; give a TOML file"
    return None


def help_sections(app: App) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every key by area, read from the bindings themselves so the list cannot go stale."""
    from screens.dialogs import ConfirmDialog, InputDialog
    from screens.help import HelpScreen
    from screens.import_dialog import ImportDialog
    from screens.kpi_review import KpiReviewScreen
    from screens.lead_scoring import LeadScoringScreen
    from screens.leads_browser import LeadsBrowser
    from screens.note_form import DecisionForm, DecisionsDialog, NoteForm
    from screens.objective_form import KeyResultForm, KeyResultTable, ObjectiveForm
    from screens.persona_form import PersonaForm
    from screens.personas import PersonasScreen
    from screens.review_mode import ReviewModeScreen, ReviewSummaryScreen
    from screens.scoring_forms import ModelPicker, ModelSettingsForm, RuleForm
    from screens.scoring_import import LeadsImportForm
    from screens.scoring_widgets import ModelList, RuleTable
    from screens.tables import RowTable
    from screens.what_if import WhatIfScreen

    sections: list[tuple[str, Iterable[type]]] = [
        ("Everywhere", [AlignApp]),
        ("Objectives", [ObjectivesScreen]),
        ("Personas", [PersonasScreen]),
        ("Lead scoring", [LeadScoringScreen]),
        ("Scoring models list", [ModelList]),
        ("Scoring rules table", [RuleTable]),
        ("Leads browser", [LeadsBrowser]),
        ("KPI review", [KpiReviewScreen]),
        ("Review mode", [ReviewModeScreen, ReviewSummaryScreen]),
        ("What-if", [WhatIfScreen]),
        ("Forms", [ObjectiveForm, KeyResultForm, NoteForm, DecisionForm, PersonaForm, RuleForm,
                   ModelSettingsForm, LeadsImportForm]),
        ("Key results, in the objective form", [KeyResultTable]),
        ("Tables: rules, rule evidence, KPI review, objectives matrix, key results",
         [RowTable]),
        ("Dialogs", [ConfirmDialog, InputDialog, ImportDialog, ModelPicker, DecisionsDialog,
                     HelpScreen]),
    ]
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for title, classes in sections:
        rows: list[tuple[str, str]] = []
        if title == "Everywhere":
            rows.append((app.get_key_display(Binding(App.COMMAND_PALETTE_BINDING, "")),
                         "Command palette: jump, export, import, period, theme"))
        for cls in classes:
            for binding in Binding.make_bindings(getattr(cls, "BINDINGS", [])):
                row = (app.get_key_display(binding), binding.description or binding.action)
                if row not in rows:
                    rows.append(row)
        if rows:
            out.append((title, rows))
    return out


def build_app(store: PlanStore, *, today: dt.date | None = None) -> AlignApp:
    """The one way to make the app, shared by the command line and the tests."""
    global _imports_frozen
    if not _imports_frozen:
        # What start-up imported (Textual, pydantic, the screens) lives as long as the process.
        # Moving it out of the collector's reach spares every full collection from walking it:
        # the first one, during start-up, otherwise takes about 20 ms. Once per process, so
        # apps built later (tests build many) never pin an earlier app's garbage.
        gc.freeze()
        _imports_frozen = True
    if store.path is not None and not store.read_only:
        store.set_busy_timeout(UI_BUSY_TIMEOUT_MS)
    return AlignApp(store, today=today)


_imports_frozen = False


def run_app(store: PlanStore) -> int:
    """Runs the workbench; its exit status: not 0 when the app stopped on an error (Textual has
    printed the traceback by then), so a script or a shell sees the failure."""
    app = build_app(store)
    app.run()
    return app.return_code or 0
