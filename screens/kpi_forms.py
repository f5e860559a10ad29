"""Forms of the KPI review: record or correct a measurement, set a target, and notes and decisions
attached to a metric. All validate through the pydantic schema and save through the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from model.errors import AlignError
from model.kpi import format_value
from model.schema import Measurement, Metric, now_timestamp
from screens.form_support import (
    FormScreen,
    field_errors,
    form_buttons,
    number_text,
    show_field_errors,
)
from screens.note_form import DecisionForm, NoteForm
from screens.objective_form import _field

if TYPE_CHECKING:
    from model.store import PlanStore

MEASUREMENT_FIELDS = ("period", "value", "not_applicable", "note")
TARGET_FIELDS = ("period", "targets")


def number_input(text: str, unit: str) -> Any:
    """What a planner typed, as the schema stores it: percent metrics are typed in percent
    (8.5 means 8.5 %) and held as fractions; thousands separators are allowed. Text that is not
    a number is passed on as it is, so the schema's own message explains it."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    percent = unit == "percent" or cleaned.endswith("%")
    cleaned = cleaned.rstrip("%")
    try:
        value = float(cleaned)
    except ValueError:
        return text.strip()
    return value / 100 if percent else value


def typed_value(value: float | None, unit: str, most_digits: int = 17) -> str:
    """A stored value as a planner would type it back, exactly (`number_text`)."""
    if value is None:
        return ""
    return number_text(value, 100.0 if unit == "percent" else 1.0, most_digits)


def unit_hint(unit: str) -> str:
    return {"percent": "in %, e.g. 8.5", "currency": "amount", "ratio": "e.g. 2.5",
            "days": "days", "score": "score"}.get(unit, "number")


class MeasurementForm(FormScreen[Measurement | None]):
    """Records a new row in the metric's history; the latest one for a period is its value, so a
    correction never overwrites what was recorded before."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="measurement_form.save"),
        Binding("escape", "cancel", "Cancel", id="measurement_form.cancel"),
    ]

    def __init__(self, store: PlanStore, metric: Metric, period: str, *,
                 current: float | None = None,
                 turns_red: Callable[[Measurement], bool] | None = None) -> None:
        super().__init__()
        self.store = store
        self.metric = metric
        self.period = period
        self.current = current
        self.turns_red = turns_red

    def compose(self) -> ComposeResult:
        m = self.metric
        with Vertical(classes="dialog", id="measurement-form"):
            yield Label(f"Measurement: {m.name} ({m.id})", classes="dialog-title")
            now = format_value(self.current, m.unit)
            hint = "computed by its formula; a recorded value replaces it" if m.formula else ""
            yield Static(f"now {now} in {self.period}" + (f" · {hint}" if hint else ""),
                         classes="field-hint")
            with Horizontal(classes="field-row"):
                yield _field("Period", "period", Input(self.period, id="f-period",
                                                       placeholder="2026-03"))
                yield _field("Value", "value", Input(typed_value(self.current, m.unit),
                                                     id="f-value", placeholder=unit_hint(m.unit)),
                             hint=unit_hint(m.unit))
            yield _field("", "not_applicable", Checkbox("Not applicable in this period",
                                                        id="f-not_applicable"))
            yield _field("Note", "note", Input("", id="f-note",
                                               placeholder="source, or why it was corrected"))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self.query_one("#f-value", Input).focus()

    @on(Checkbox.Changed, "#f-not_applicable")
    def clear_value_when_not_applicable(self, event: Checkbox.Changed) -> None:
        box = self.query_one("#f-value", Input)
        if event.value:
            box.value = ""
        box.disabled = event.value

    def data(self) -> dict[str, Any]:
        na = self.query_one("#f-not_applicable", Checkbox).value
        text = self.query_one("#f-value", Input).value
        return {
            "metric": self.metric.id,
            "period": self.query_one("#f-period", Input).value.strip(),
            "value": None if na or not text.strip() else number_input(text, self.metric.unit),
            "not_applicable": na,
            "note": self.query_one("#f-note", Input).value,
            "source": "manual",
            "recorded_at": now_timestamp(),
        }

    def action_save(self) -> None:
        data = self.data()
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
            yield Label(f"Target: {m.name} ({m.id})", classes="dialog-title")
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
        period = self.query_one("#f-period", Input).value.strip()
        text = self.query_one("#f-targets", Input).value
        targets: dict[Any, Any] = dict(self.metric.targets)
        if text.strip():
            targets[period] = number_input(text, self.metric.unit)
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
    from model.periods import parse_period

    return parse_period(text).id


class MetricNoteForm(NoteForm):
    """The shared note form, attached to a metric instead of an objective."""

    def data(self) -> dict[str, Any]:
        data = super().data()
        data["metric"] = data.pop("objective")
        return data


class MetricDecisionForm(DecisionForm):
    """The shared decision form, attached to a metric instead of an objective."""

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
            f"A note is required: {self.reason}. Escape cancels the change.")
