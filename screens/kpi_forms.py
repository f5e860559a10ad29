"""Forms of the KPI review: record or correct a measurement, set a target, and notes and decisions
attached to a metric. All validate through the pydantic schema and save through the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Static

from model.errors import AlignError
from model.kpi import format_value
from model.numbers import typed_number
from model.periods import parse_period
from model.schema import Measurement, Metric, now_timestamp
from screens.form_support import (
    FormScreen,
    field_errors,
    form_buttons,
    number_text,
    show_field_errors,
    unit_hint,
)
from screens.note_form import DecisionForm, NoteForm
from screens.objective_form import _field

if TYPE_CHECKING:
    from model.store import PlanStore

MEASUREMENT_FIELDS = ("period", "value", "not_applicable", "note")
TARGET_FIELDS = ("period", "targets")


def number_input(text: str, unit: str) -> float:
    """What a planner typed, as the schema stores it: percent metrics are typed in percent
    (8.5 means 8.5 %) and held as fractions. Raises ValueError saying what is wrong with text
    that is not a number, or could be read as two (`typed_number`)."""
    return typed_number(text, percent=unit == "percent")


def typed_value(value: float | None, unit: str, most_digits: int = 17) -> str:
    """A stored value as a planner would type it back, exactly (`number_text`)."""
    if value is None:
        return ""
    return number_text(value, 100.0 if unit == "percent" else 1.0, most_digits)


class MeasurementForm(FormScreen[Measurement | None]):
    """Records a new row in the metric's history; the latest one for a period is its value, so a
    correction never overwrites what was recorded before. `value_at` gives the metric's value in
    a period: the hint above the fields follows the period typed, and so does the value field
    while nobody has typed in it."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="measurement_form.save"),
        Binding("escape", "cancel", "Cancel", id="measurement_form.cancel"),
    ]

    def __init__(self, store: PlanStore, metric: Metric, period: str, *,
                 value_at: Callable[[str], float | None] | None = None,
                 turns_red: Callable[[Measurement], bool] | None = None) -> None:
        super().__init__()
        self.store = store
        self.metric = metric
        self.period = period
        self.value_at = value_at or (lambda _period: None)
        self.turns_red = turns_red
        self._offered = typed_value(self.value_at(period), metric.unit)
        self._set_aside = ""

    def compose(self) -> ComposeResult:
        m = self.metric
        with Vertical(classes="dialog", id="measurement-form"):
            yield Label(f"Measurement: {m.name} ({m.id})", classes="dialog-title", markup=False)
            yield Static(self._now_hint(self.period), id="measurement-now", classes="field-hint")
            with VerticalScroll(classes="form-body-fit"):
                with Horizontal(classes="field-row"):
                    yield _field("Period", "period", Input(self.period, id="f-period",
                                                           placeholder="2026-03"))
                    yield _field("Value", "value", Input(self._offered, id="f-value",
                                                         placeholder=unit_hint(m.unit)),
                                 hint=unit_hint(m.unit))
                yield _field("", "not_applicable", Checkbox("Not applicable in this period",
                                                            id="f-not_applicable"))
                yield _field("Note", "note", Input("", id="f-note",
                                                   placeholder="source, or why it was corrected"))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()

    def _now_hint(self, text: str) -> str:
        try:
            period = parse_period(text.upper()).id
        except ValueError:
            return "now: type a period such as 2026-03, 2026-Q1 or 2026"
        now = format_value(self.value_at(period), self.metric.unit)
        formula = " · computed by its formula; a recorded value replaces it" \
            if self.metric.formula else ""
        return f"now {now} in {period}{formula}"

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self.query_one("#f-value", Input).focus()

    @on(Input.Changed, "#f-period")
    def follow_period(self, event: Input.Changed) -> None:
        self.query_one("#measurement-now", Static).update(self._now_hint(event.value))
        try:
            period = parse_period(event.value.upper()).id
        except ValueError:
            return
        box = self.query_one("#f-value", Input)
        if not box.disabled and box.value == self._offered:
            self._offered = typed_value(self.value_at(period), self.metric.unit)
            box.value = self._offered

    @on(Checkbox.Changed, "#f-not_applicable")
    def clear_value_when_not_applicable(self, event: Checkbox.Changed) -> None:
        """Ticking sets the typed value aside; unticking brings it back."""
        box = self.query_one("#f-value", Input)
        if event.value:
            self._set_aside, box.value = box.value, ""
        else:
            box.value = self._set_aside
        box.disabled = event.value

    def action_save(self) -> None:
        na = self.query_one("#f-not_applicable", Checkbox).value
        text = self.query_one("#f-value", Input).value
        if not na and text == self._offered and self._offered \
                and not self.query_one("#f-note", Input).value.strip():
            # The value as the plan has it already: recording it would only pin a sum of
            # months or a formula's result to this period for good.
            self.notify("Nothing recorded: that is the value the plan already has (with a note, "
                        "it is recorded all the same).")
            self.dismiss(None)
            return
        try:
            value = None if na or not text.strip() else number_input(text, self.metric.unit)
        except ValueError as exc:
            show_field_errors(self, {"value": str(exc)}, MEASUREMENT_FIELDS)
            return
        data = {
            "metric": self.metric.id,
            "period": self.query_one("#f-period", Input).value.strip().upper(),
            "value": value,
            "not_applicable": na,
            "note": self.query_one("#f-note", Input).value,
            "source": "manual",
            "recorded_at": now_timestamp(),
        }
        try:
            measurement = Measurement.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            general = errors.pop("", None)
            if general and "needs a value" in general:
                errors["value"] = "enter a value, or tick not applicable"
            elif general:
                errors[""] = general
            show_field_errors(self, errors, MEASUREMENT_FIELDS)
            return
        if self.turns_red is not None and not measurement.note and self.turns_red(measurement):
            show_field_errors(self, {"note": "this value turns the status red: say why in a note"},
                              MEASUREMENT_FIELDS)
            return
        try:
            self.store.record_measurement(measurement)
        except AlignError as exc:
            show_field_errors(self, {"": str(exc)}, MEASUREMENT_FIELDS)
            return
        self.dismiss(measurement)


class TargetForm(FormScreen[str | None]):
    """Sets (or, left blank, removes) a metric's target for one period; returns the period."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="target_form.save"),
        Binding("escape", "cancel", "Cancel", id="target_form.cancel"),
    ]

    def __init__(self, store: PlanStore, metric: Metric, period: str) -> None:
        super().__init__()
        self.store = store
        self.metric = metric
        self.period = period

    def compose(self) -> ComposeResult:
        m = self.metric
        current = m.targets.get(self.period)
        with Vertical(classes="dialog", id="target-form"):
            yield Label(f"Target: {m.name} ({m.id})", classes="dialog-title", markup=False)
            better = "higher" if m.direction == "increase" else "lower"
            yield Static(f"{better} is better · amber within {m.amber_tolerance:.0%} of the target"
                         " · leave blank to remove the target", classes="field-hint")
            with Horizontal(classes="field-row"):
                yield _field("Period", "period", Input(self.period, id="f-period",
                                                       placeholder="2026-Q1"))
                yield _field("Target", "targets", Input(typed_value(current, m.unit),
                                                        id="f-targets",
                                                        placeholder=unit_hint(m.unit)),
                             hint=unit_hint(m.unit))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self.query_one("#f-targets", Input).focus()

    def action_save(self) -> None:
        period = self.query_one("#f-period", Input).value.strip().upper()
        text = self.query_one("#f-targets", Input).value
        try:
            period = parse_period(period).id
        except ValueError as exc:  # said at the period, not under the target
            show_field_errors(self, {"period": str(exc) if period else "required"},
                              TARGET_FIELDS)
            return
        targets: dict[Any, Any] = dict(self.metric.targets)
        if text.strip():
            try:
                targets[period] = number_input(text, self.metric.unit)
            except ValueError as exc:
                show_field_errors(self, {"targets": str(exc)}, TARGET_FIELDS)
                return
        else:
            targets.pop(period, None)
        data = self.metric.model_dump()
        data["targets"] = targets
        try:
            metric = Metric.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            problem = errors.pop("targets", None) or errors.pop("", None)
            where = "period" if problem and "period" in problem else "targets"
            show_field_errors(self, {where: problem or "invalid"} | errors, TARGET_FIELDS)
            return
        try:
            self.store.save_metric(metric)
        except AlignError as exc:
            show_field_errors(self, {"": str(exc)}, TARGET_FIELDS)
            return
        self.dismiss(_period_id(period))



def _period_id(text: str) -> str:
    return parse_period(text).id


class MetricNoteForm(NoteForm):
    """The shared note form, attached to a metric instead of an objective."""

    def data(self) -> dict[str, Any]:
        data = super().data()
        data["metric"] = data.pop("objective")
        return data


class MetricDecisionForm(DecisionForm):
    """The shared decision form, attached to a metric instead of an objective."""

    SUBJECT = "metric"

    def data(self) -> dict[str, Any]:
        data = super().data()
        data["metric"] = data.pop("objective")
        return data


class RequiredNoteForm(NoteForm):
    """A note the change cannot go without: the title says why; cancelling cancels the change."""

    def __init__(self, store: PlanStore, objective: str, today: Any, reason: str) -> None:
        super().__init__(store, objective, today)
        self.reason = reason

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(".dialog-title", Label).update(
            Text(f"A note is required: {self.reason}. Escape cancels the change."))
