"""Create and edit an objective and its key results; validated by the pydantic schema, saved
through the store, so a form can never write what a TOML import would refuse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from model.kpi import format_value
from model.numbers import typed_number
from model.schema import KeyResult, Metric, Objective
from screens.footer import AlignFooter
from screens.form_support import (
    EntityForm,
    field_errors,
    form_buttons,
    named_already,
    number_text,
    revalidate,
    show_field_errors,
    slugify,
    unique_id,
    unit_hint,
)
from screens.tables import RowTable

if TYPE_CHECKING:
    from model.store import PlanStore

OBJECTIVE_FIELDS = ("title", "why", "period", "owner", "departments", "parent", "state",
                    "confidence", "personas", "key_results")
STATES = ("draft", "active", "achieved", "missed", "dropped")
CONFIDENCES = ("high", "medium", "low")


def _field(label: str, name: str, widget: Any, hint: str = "") -> Vertical:
    """A labelled field with room for its error message under it."""
    parts = [Label(label + (f"  [dim]{hint}[/]" if hint else ""), classes="field-label"), widget,
             Static("", id=f"e-{name}", classes="field-error")]
    return Vertical(*parts, classes="field")


def _number_text(value: float) -> str:
    return number_text(value)


class KeyResultTable(RowTable):
    """The key results inside the objective form, edited with their own keys."""

    BINDINGS = [
        Binding("n", "add", "Add key result", id="key_results.add"),
        Binding("e,enter", "edit", "Edit key result", key_display="e", id="key_results.edit"),
        Binding("d,delete", "remove", "Remove key result", key_display="d",
                id="key_results.remove"),
    ]

    def action_add(self) -> None:
        self.screen.add_key_result()  # type: ignore[attr-defined]

    def action_edit(self) -> None:
        self.screen.edit_key_result(self.cursor_row)  # type: ignore[attr-defined]

    def action_remove(self) -> None:
        self.screen.remove_key_result(self.cursor_row)  # type: ignore[attr-defined]


class ObjectiveForm(EntityForm):
    """Returns the saved objective's id, or None when cancelled."""

    FIELDS = OBJECTIVE_FIELDS
    KIND = "objectives"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, store: PlanStore, *, objective: Objective | None = None,
                 period: str = "", parent: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.original = objective
        self.period = objective.period if objective else period
        self.parent_hint = parent
        self.key_results: list[KeyResult] = list(objective.key_results) if objective else []
        self.tried = False
        self.metrics = {m.id: m for m in store.metrics()}

    # ---- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        o = self.original
        departments = self.store.departments()
        personas = self.store.personas()
        others = [x for x in self.store.objectives() if o is None or x.id not in self._descendants(o.id)]
        with Vertical(classes="dialog form-dialog", id="objective-form"):
            yield Label(f"Edit objective {o.id}" if o else "New objective", classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                yield _field("Title", "title", Input(o.title if o else "", id="f-title",
                                                     placeholder="Turn SMB demand into revenue"))
                yield Static("", id="id-preview", classes="field-hint")
                yield _field("Why", "why", TextArea(o.why if o else "", id="f-why",
                                                    soft_wrap=True, tab_behavior="focus"))
                with Horizontal(classes="field-row"):
                    yield _field("Period", "period", Input(self.period, id="f-period",
                                                           placeholder="2026-Q1"))
                    yield _field("Owner", "owner", Select(
                        [(Text(d.name), d.id) for d in departments], id="f-owner",
                        value=o.owner if o else Select.NULL, prompt="department"))
                    yield _field("State", "state", Select(
                        [(s, s) for s in STATES], id="f-state", allow_blank=False,
                        value=o.state if o else "draft"))
                    yield _field("Confidence", "confidence", Select(
                        [(c, c) for c in CONFIDENCES], id="f-confidence",
                        value=o.confidence if o and o.confidence else Select.NULL,
                        prompt="not set"))
                yield _field("Parent objective", "parent", Select(
                    [(Text(f"{x.title} ({x.period})"), x.id) for x in others], id="f-parent",
                    value=(o.parent if o and o.parent else self.parent_hint) or Select.NULL,
                    prompt="none (top level)"))
                yield _field("Key results", "key_results", KeyResultTable(
                    id="f-key_results", cursor_type="row", zebra_stripes=True),
                    "n add · e edit · d remove")
                with Horizontal(classes="field-row"):
                    yield _field("Contributing departments", "departments", SelectionList(
                        *[(Text(d.name), d.id, bool(o and d.id in o.departments))
                          for d in departments],
                        id="f-departments"), "space toggles")
                    yield _field("Personas", "personas", SelectionList(
                        *[(Text(p.name), p.id, bool(o and p.id in o.personas))
                          for p in personas],
                        id="f-personas"), "space toggles")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(KeyResultTable)
        table.add_columns("metric", "baseline", "target", "weight")
        self._fill_key_results()
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self._preview_id()
        self.query_one("#f-title", Input).focus()

    def _descendants(self, root: str) -> set[str]:
        children: dict[str, list[str]] = {}
        for x in self.store.objectives():
            if x.parent:
                children.setdefault(x.parent, []).append(x.id)
        out, pending = set(), [root]
        while pending:
            node = pending.pop()
            if node not in out:
                out.add(node)
                pending.extend(children.get(node, []))
        return out

    def _fill_key_results(self, cursor: int | None = None) -> None:
        table = self.query_one(KeyResultTable)
        table.clear()
        for kr in self.key_results:
            metric = self.metrics.get(kr.metric)
            unit = metric.unit if metric else "number"  # as the objective's detail shows them
            table.add_row(Text(metric.name if metric else kr.metric),
                          format_value(kr.baseline, unit), format_value(kr.target, unit),
                          _number_text(kr.weight))
        if cursor is not None and self.key_results:
            table.move_cursor(row=min(cursor, len(self.key_results) - 1))

    # ---- id and validation -----------------------------------------------------------------
    def new_id(self) -> str:
        if self.original is not None:
            return self.original.id
        title = self.query_one("#f-title", Input).value
        taken = {o.id for o in self.store.objectives()}
        return unique_id(slugify(title, "objective"), taken)

    @on(Input.Changed, "#f-title")
    def _preview_id(self) -> None:
        if self.original is None:
            self.query_one("#id-preview", Static).update(f"id: {self.new_id()}")
        else:
            self.query_one("#id-preview", Static).update(f"id: {self.original.id} (fixed)")

    def form_data(self) -> dict[str, Any]:
        def value(selector: str) -> Any:
            raw = self.query_one(selector, Select).value
            return None if raw is Select.NULL else raw

        return {
            "id": self.new_id(),
            "title": self.query_one("#f-title", Input).value,
            "why": self.query_one("#f-why", TextArea).text,
            "period": self.query_one("#f-period", Input).value.strip().upper(),
            "owner": value("#f-owner") or "",
            "departments": list(self.query_one("#f-departments", SelectionList).selected),
            "parent": value("#f-parent"),
            "state": value("#f-state") or "draft",
            "confidence": value("#f-confidence"),
            "personas": list(self.query_one("#f-personas", SelectionList).selected),
            "key_results": [kr.model_dump() for kr in self.key_results],
        }

    def validate_form(self) -> Objective | None:
        try:
            objective = Objective.model_validate(self.form_data())
        except ValidationError as exc:
            errors = field_errors(exc)
            if "owner" in errors and not self.form_data()["owner"]:
                errors["owner"] = "pick the owning department"
            show_field_errors(self, errors, OBJECTIVE_FIELDS)
            return None
        mine = self.original.id if self.original else None
        same = named_already(objective.title, ((o.id, o.title) for o in self.store.objectives()
                                               if o.period == objective.period and o.id != mine))
        errors = {} if same is None else {"title": (
            f"objective {same} of {objective.period} has this title already: give this one a "
            "title of its own")}
        show_field_errors(self, errors, OBJECTIVE_FIELDS)
        return objective if same is None else None

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    def revalidate_after_failed_save(self) -> None:
        if self.tried:
            revalidate(self)

    # ---- key results -----------------------------------------------------------------------
    def add_key_result(self) -> None:
        self.app.push_screen(KeyResultForm(list(self.metrics.values())), self._key_result_added)

    def _key_result_added(self, kr: KeyResult | None) -> None:
        if kr is not None:
            self.key_results.append(kr)
            self._fill_key_results(cursor=len(self.key_results) - 1)
            self.revalidate_after_failed_save()

    def edit_key_result(self, row: int) -> None:
        if not 0 <= row < len(self.key_results):
            self.add_key_result()
            return

        def edited(kr: KeyResult | None) -> None:
            if kr is not None:
                self.key_results[row] = kr
                self._fill_key_results(cursor=row)

        self.app.push_screen(KeyResultForm(list(self.metrics.values()), self.key_results[row]),
                             edited)

    def remove_key_result(self, row: int) -> None:
        if 0 <= row < len(self.key_results):
            del self.key_results[row]
            self._fill_key_results(cursor=row)


class KeyResultForm(ModalScreen[KeyResult | None]):
    """One key result: which metric, from where to where, and how much it counts. Baseline and
    target are typed in the metric's unit, as in the KPI forms: a percent metric in percent (8.5
    means 8.5 %), and a target must be a step in the metric's better direction."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="key_result_form.save"),
        Binding("escape", "cancel", "Cancel", id="key_result_form.cancel"),
    ]

    def __init__(self, metrics: list[Metric], key_result: KeyResult | None = None) -> None:
        super().__init__()
        self.metrics = metrics
        self.by_id = {m.id: m for m in metrics}
        self.original = key_result

    def compose(self) -> ComposeResult:
        kr = self.original
        metric = self.by_id.get(kr.metric) if kr else None
        scale = 100.0 if metric is not None and metric.unit == "percent" else 1.0
        with Vertical(classes="dialog", id="key-result-form"):
            yield Label("Edit key result" if kr else "New key result", classes="dialog-title")
            yield _field("Metric", "metric", Select(
                [(Text(f"{m.name} ({m.id}, {m.direction})"), m.id) for m in self.metrics],
                id="f-metric", value=kr.metric if kr else Select.NULL, prompt="pick a metric"))
            with Horizontal(classes="field-row"):
                yield _field("Baseline", "baseline", Input(
                    number_text(kr.baseline, scale) if kr else "", id="f-baseline"))
                yield _field("Target", "target", Input(
                    number_text(kr.target, scale) if kr else "", id="f-target"))
                yield _field("Weight", "weight", Input(
                    _number_text(kr.weight) if kr else "1", id="f-weight"))
            yield Static("", id="kr-unit-hint", classes="field-hint")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="kr-save", variant="primary")
                yield Button("Cancel (esc)", id="kr-cancel")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self._show_unit()
        self.query_one("#f-metric", Select).focus()

    def _metric(self) -> Metric | None:
        value = self.query_one("#f-metric", Select).value
        return None if value is Select.NULL else self.by_id.get(str(value))

    @on(Select.Changed, "#f-metric")
    def _show_unit(self) -> None:
        """How the picked metric's values are typed, and which way is better."""
        metric = self._metric()
        hint = self.query_one("#kr-unit-hint", Static)
        for name in ("baseline", "target"):
            self.query_one(f"#f-{name}", Input).placeholder = (
                unit_hint(metric.unit) if metric else "")
        if metric is None:
            hint.update("Pick the metric first: its unit says how to type the values.")
            return
        typed = "in percent: 8.5 means 8.5 %" if metric.unit == "percent" else (
            f"as {unit_hint(metric.unit)}")
        better = "higher" if metric.direction == "increase" else "lower"
        hint.update(Text(f"{metric.name} is typed {typed}; {better} is better, so the target "
                         f"is {'above' if better == 'higher' else 'below'} the baseline."))

    def action_save(self) -> None:
        metric = self._metric()
        errors: dict[str, str] = {}
        numbers: dict[str, float] = {}
        for name in ("baseline", "target", "weight"):
            text = self.query_one(f"#f-{name}", Input).value.strip()
            if name == "weight" and not text:
                text = "1"
            if not text:
                errors[name] = "required"
                continue
            percent = metric is not None and metric.unit == "percent" and name != "weight"
            try:
                numbers[name] = typed_number(text, percent=percent, percent_sign=percent)
            except ValueError as exc:
                errors[name] = str(exc)
        if metric is None:
            errors["metric"] = "pick a metric"
        data = {"metric": metric.id if metric else "", **numbers}
        kr = None
        if not errors:
            try:
                kr = KeyResult.model_validate(data)
            except ValidationError as exc:
                errors.update(field_errors(exc))
        if kr is not None and metric is not None:
            up = metric.direction == "increase"
            if kr.target < kr.baseline if up else kr.target > kr.baseline:
                errors["target"] = (
                    f"{metric.name} is better {'higher' if up else 'lower'}: a target "
                    f"{'below' if up else 'above'} the baseline "
                    f"({format_value(kr.baseline, metric.unit)}) is a step back")
        show_field_errors(self, errors, ("metric", "baseline", "target", "weight"))
        if errors or kr is None:
            return
        self.dismiss(kr)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#kr-save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#kr-cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)
