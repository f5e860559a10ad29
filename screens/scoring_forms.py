"""Forms of the lead scoring area: a rule with its conditions, a model's bands, caps and MQL
cells, and the pick of a model to compare with. Everything validates through the pydantic schema,
and conditions also through the scoring engine against the dataset's column types, so a form can
never save a rule that `align score` would refuse."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from model.errors import AlignError
from model.leads import dataset_column, parse_number
from model.numbers import typed_number
from model.schema import ALL_OPS, CELL_RE, NO_VALUE_OPS, Condition, Department, Rule, ScoringModel
from model.scoring import OPS_BY_TYPE, compile_model
from screens.footer import AlignFooter
from screens.form_support import (
    FormScreen,
    field_errors,
    form_buttons,
    friendly_message,
    revalidate,
    show_field_errors,
    slugify,
    unique_id,
)

RULE_FIELDS = ("name", "dimension", "points", "owner", "rationale", "when")
MODEL_FIELDS = ("name", "fit_cap", "engagement_cap", "fit_a", "fit_b", "fit_c", "eng_1", "eng_2",
                "eng_3", "mql_cells", "mql_min_total")
VALUE_HINTS = {
    "in": "a, b, c", "not_in": "a, b, c", "between": "low, high",
    "within_last_days": "days", "more_than_days_ago": "days",
    "before": "2026-03-31", "after": "2026-03-31",
}


def _field(label: str, name: str, widget: Any, hint: str = "") -> Vertical:
    parts = [Label(label + (f"  [dim]{hint}[/]" if hint else ""), classes="field-label"), widget,
             Static("", id=f"e-{name}", classes="field-error")]
    return Vertical(*parts, classes="field")


def operators_for(column_type: str | None) -> tuple[str, ...]:
    """The operators the engine accepts on a column of this type (all, if the column is not in
    the dataset, so an old rule can still be opened)."""
    return OPS_BY_TYPE.get(column_type or "", ALL_OPS)


def _split_values(text: str, column_type: str | None) -> list[str]:
    """Values separated by commas. In a number column's list separated by commas with spaces,
    a comma with none is a thousands separator (`1,000, 2,500` is two numbers), unless the
    value it leaves is not a number (`1, 2,3` is three)."""
    spaced = r"\s+,\s*|,\s+"  # a comma with a space on either side
    if column_type != "number" or not re.search(spaced, text):
        return text.split(",")
    items = []
    for part in re.split(spaced, text):
        try:
            typed_number(part, percent_sign=False)
            items.append(part)
        except ValueError:
            items.extend(part.split(","))
    return items


def _typed(item: str, column_type: str | None) -> Any:
    """A number column's value as a number (`1,000` is 1000; `$1,200` too, as the import reads
    an amount); any other value as typed."""
    if column_type != "number":
        return item
    try:
        number = typed_number(item, percent_sign=False)  # a lead's 50 is not 50 %
    except ValueError:
        read = parse_number(item)  # a currency sign, as CRMs export amounts
        if read is None:
            return item
        number = read
    # nan, inf, 1e400 and the like: no lead's number (the engine's bound); refused as text.
    if not math.isfinite(number) or abs(number) > 1e300:
        return item
    return int(number) if number == int(number) else number


def condition_value(op: str, text: str, column_type: str | None) -> Any:
    """The typed-in value as the schema takes it: lists for `between`, `in` and `not_in`,
    numbers for a number column, no value for the operators that take none."""
    text = text.strip()
    if op in NO_VALUE_OPS:
        return None
    if op == "between":
        parts = (re.split(r"\band\b|\.\.", text) if re.search(r"\band\b|\.\.", text)
                 else _split_values(text, column_type))
        return [_typed(part.strip(), column_type) for part in parts if part.strip()]
    if op in ("in", "not_in"):
        if '"' in text:
            # a value holding a comma in double quotes (`"Acme, Inc", SaaS`)
            try:
                items = next(csv.reader([text], skipinitialspace=True), [])
            except csv.Error:  # a value longer than the csv module takes: read by commas alone
                items = text.split(",")
        else:
            items = _split_values(text, column_type)
        return [_typed(item.strip(), column_type) for item in items if item.strip()]
    if column_type == "number" and op in ("eq", "neq", "gt", "gte", "lt", "lte"):
        return _typed(text, column_type)
    return text


def value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_list_item(str(v)) for v in value)
    return str(value)


def _list_item(text: str) -> str:
    """One value of a list as `condition_value` reads it back: quoted if it holds a comma or a
    quote, or starts or ends with a space."""
    if "," in text or '"' in text or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def describe_condition(cond: Condition) -> str:
    value = value_text(cond.value)
    return f"{cond.field} {cond.op}" + (f" {value}" if value else "")


class ConditionRow(Vertical):
    """One condition: field picker, operator picker fitted to the field's type, value."""

    DEFAULT_CSS = """
    ConditionRow { height: auto; }
    ConditionRow > Horizontal { height: auto; }
    ConditionRow .cond-field { width: 2fr; }
    ConditionRow .cond-op { width: 2fr; }
    ConditionRow .cond-value { width: 3fr; }
    ConditionRow .cond-remove { width: 5; min-width: 5; }
    """

    def __init__(self, types: dict[str, str], condition: Condition | None = None) -> None:
        super().__init__(classes="condition-row")
        self.types = types
        self.condition = condition
        self._shown: tuple[str | None, str, str] | None = None

    def compose(self) -> ComposeResult:
        c = self.condition
        fields = list(self.types)
        # A field named in another case stands for the dataset's column (`dataset_column`).
        field = (dataset_column(c.field, self.types) or c.field) if c else None
        if field is not None and field not in self.types:
            fields.append(field)
        field_value = field if field is not None else Select.NULL
        # What the row shows at first: while it still shows that, the condition's value is
        # kept as it was (a number, values the text box would read otherwise).
        self._shown = (field, c.op, value_text(c.value)) if c else None
        with Horizontal():
            yield Select([(self._field_label(f), f) for f in fields], value=field_value,
                         prompt="field", classes="cond-field")
            yield Select(self._op_choices(field), prompt="operator", classes="cond-op",
                         value=c.op if c and field is not None else Select.NULL)
            yield Input(value_text(c.value) if c else "", placeholder="value",
                        classes="cond-value")
            yield Button("✕", classes="cond-remove", tooltip="remove this condition")
        yield Static("", classes="field-error cond-error")

    def _field_label(self, name: str) -> Text:
        kind = self.types.get(name)
        return Text(f"{name} ({kind})" if kind else f"{name} (not in dataset)")

    def on_mount(self) -> None:
        self.query_one(".cond-error").display = False
        self._fit_value_input()

    @property
    def field_name(self) -> str | None:
        value = self.query_one(".cond-field", Select).value
        return None if value is Select.NULL else str(value)

    @property
    def op(self) -> str | None:
        value = self.query_one(".cond-op", Select).value
        return None if value is Select.NULL else str(value)

    def _op_choices(self, field: str | None) -> list[tuple[str, str]]:
        """The operators that fit the field's column; and, on the condition's own field, its
        operator even when the column no longer fits it (its type changed with a new import),
        so that saving says why rather than asking to pick one."""
        if field is None:
            return []
        ops = operators_for(self.types.get(field))
        choices = [(op, op) for op in ops]
        c = self.condition
        if c is not None and self._shown is not None and field == self._shown[0] \
                and c.op not in ops:
            choices.append((f"{c.op} (not for this column)", c.op))
        return choices

    @on(Select.Changed, ".cond-field")
    def fit_operators_to_field(self, event: Select.Changed) -> None:
        event.stop()
        choices = self._op_choices(self.field_name)
        select = self.query_one(".cond-op", Select)
        current = self.op
        select.set_options(choices)
        if current in [op for _, op in choices]:
            select.value = current
        self._fit_value_input()
        self.post_message(Select.Changed(select, select.value))

    @on(Select.Changed, ".cond-op")
    def _op_changed(self) -> None:
        self._fit_value_input()

    def _fit_value_input(self) -> None:
        box = self.query_one(".cond-value", Input)
        op = self.op
        box.disabled = op in NO_VALUE_OPS
        kind = self.types.get(self.field_name or "")
        hint = VALUE_HINTS.get(op or "", "true / false" if kind == "boolean" else
                               ("number" if kind == "number" else "value"))
        box.placeholder = "(no value)" if op in NO_VALUE_OPS else hint

    def data(self) -> dict[str, Any]:
        text = self.query_one(".cond-value", Input).value
        field = self.field_name or ""
        op = self.op or ""
        c = self.condition
        if c is not None and (field, op, text) == self._shown:
            # the field as the dataset spells it now, as the row shows it
            return {"field": field, "op": c.op, "value": c.value}
        return {"field": field, "op": op,
                "value": condition_value(op, text, self.types.get(field)) if op else text}

    def show_error(self, message: str) -> None:
        note = self.query_one(".cond-error", Static)
        note.update(Text(message))  # quotes what was typed: not markup
        note.display = bool(message)
        for widget in self.query(".cond-field, .cond-op, .cond-value"):
            widget.set_class(bool(message), "-invalid")

    @on(Button.Pressed, ".cond-remove")
    def remove_me(self, event: Button.Pressed) -> None:
        event.stop()
        self.screen.remove_condition(self)  # type: ignore[attr-defined]


def check_condition(data: dict[str, Any], types: dict[str, str],
                    as_of: dt.date) -> tuple[Condition | None, str]:
    """The condition, or the reason it is refused: the schema first, then the engine against the
    dataset's column types (which knows, say, that `abc` is not a number)."""
    if not data["field"]:
        return None, "pick a field"
    if not data["op"]:
        return None, "pick an operator"
    value = data.get("value")
    if data["op"] not in NO_VALUE_OPS and (value is None or value == "" or value == []):
        return None, f"{data['op']} needs a value (is_empty and is_not_empty take none)"
    try:
        cond = Condition.model_validate(data)
    except ValidationError as exc:
        return None, "; ".join(field_errors(exc).values())
    if types and cond.field in types:
        probe = ScoringModel(id="probe", name="probe", rules=[
            Rule(id="probe", dimension="fit", points=0, when=[cond])])
        try:
            compile_model(probe, types, as_of=as_of)
        except AlignError as exc:
            message = str(exc)
            prefix = f"rule 'probe', field {cond.field!r}: "
            return None, message[len(prefix):] if message.startswith(prefix) else message
    return cond, ""


def checked_conditions(rows: list[ConditionRow], types: dict[str, str],
                       as_of: dt.date) -> tuple[list[Condition], bool]:
    """The conditions the rows hold, each row showing what is wrong with it; and whether any
    row is wrong (its condition is then left out)."""
    conditions: list[Condition] = []
    bad = False
    for row in rows:
        cond, problem = check_condition(row.data(), types, as_of)
        row.show_error(problem)
        if cond is None:
            bad = True
        else:
            conditions.append(cond)
    return conditions, bad


class RuleForm(FormScreen[Rule | None]):
    """A rule of `model`: returns the validated rule (not yet saved), or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="rule_form.save"),
        Binding("ctrl+n", "add_condition", "Add condition", priority=True,
                id="rule_form.add_condition"),
        Binding("escape", "cancel", "Cancel", id="rule_form.cancel"),
    ]

    def __init__(self, model: ScoringModel, types: dict[str, str], departments: list[Department],
                 *, rule: Rule | None = None, as_of: dt.date) -> None:
        super().__init__()
        self.model = model
        self.types = types
        self.departments = departments
        self.original = rule
        self.as_of = as_of
        self.tried = False

    def compose(self) -> ComposeResult:
        r = self.original
        with Vertical(classes="dialog form-dialog", id="rule-form"):
            yield Label(f"Edit rule {r.id} of {self.model.name}" if r else
                        f"New rule in {self.model.name}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="form-body"):
                yield _field("Name", "name", Input(r.name if r else "", id="f-name",
                                                   placeholder="VP or director title"))
                yield Static("", id="id-preview", classes="field-hint")
                with Horizontal(classes="field-row"):
                    yield _field("Dimension", "dimension", Select(
                        [("fit", "fit"), ("engagement", "engagement")], id="f-dimension",
                        allow_blank=False, value=r.dimension if r else "fit"))
                    yield _field("Points", "points", Input(str(r.points) if r else "",
                                                           id="f-points", placeholder="15"))
                    yield _field("Owner department", "owner", Select(
                        [(Text(d.name), d.id) for d in self.departments], id="f-owner",
                        value=r.owner if r and r.owner else Select.NULL, prompt="none"))
                with Horizontal(classes="field-row"):
                    yield Checkbox("Enabled", r.enabled if r else True, id="f-enabled")
                    yield Checkbox("Knockout (never an MQL, fit band D)",
                                   r.knockout if r else False, id="f-knockout")
                yield _field("Rationale", "rationale", Input(r.rationale if r else "",
                                                             id="f-rationale",
                                                             placeholder="why this predicts a sale"))
                yield Label("Conditions  [dim]all must hold · ctrl+n adds · ✕ removes · "
                            "fields are the dataset's columns[/]", classes="field-label")
                with Vertical(id="f-when"):
                    for cond in (r.when if r else [None]):
                        yield ConditionRow(self.types, cond)
                yield Static("", id="e-when", classes="field-error")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self._preview_id()
        if not self.types:
            self._general("No leads imported yet: conditions pick from the dataset's columns, "
                          "so import leads first (i on the lead scoring screen).")
        self.query_one("#f-name", Input).focus()

    def _general(self, message: str) -> None:
        note = self.query_one("#form-error", Static)
        note.update(Text(message))
        note.display = bool(message)

    # ---- id --------------------------------------------------------------------------------
    def new_id(self) -> str:
        if self.original is not None:
            return self.original.id
        name = self.query_one("#f-name", Input).value
        return unique_id(slugify(name, "rule"), [r.id for r in self.model.rules])

    @on(Input.Changed, "#f-name")
    def _preview_id(self) -> None:
        fixed = " (fixed)" if self.original else ""
        self.query_one("#id-preview", Static).update(f"id: {self.new_id()}{fixed}")

    # ---- conditions ------------------------------------------------------------------------
    async def action_add_condition(self) -> None:
        row = ConditionRow(self.types)
        await self.query_one("#f-when").mount(row)
        row.query_one(".cond-field").focus()

    def remove_condition(self, row: ConditionRow) -> None:
        row.remove()
        if self.tried:
            self.call_after_refresh(revalidate, self)

    # ---- validation ------------------------------------------------------------------------
    def form_data(self) -> dict[str, Any]:
        owner = self.query_one("#f-owner", Select).value
        return {
            "id": self.new_id(),
            "name": self.query_one("#f-name", Input).value,
            "dimension": self.query_one("#f-dimension", Select).value,
            "points": self.query_one("#f-points", Input).value.strip(),
            "owner": None if owner is Select.NULL else owner,
            "knockout": self.query_one("#f-knockout", Checkbox).value,
            "enabled": self.query_one("#f-enabled", Checkbox).value,
            "rationale": self.query_one("#f-rationale", Input).value,
        }

    def validate_form(self) -> Rule | None:
        data = self.form_data()
        rows = list(self.query(ConditionRow))
        conditions, bad = checked_conditions(rows, self.types, self.as_of)
        if data.get("enabled") and self.types:
            # an enabled rule on a column the leads do not have could not be scored at all
            for row in rows:
                field = row.field_name
                if field and field not in self.types and not row.query_one(".cond-error").display:
                    row.show_error(f"{field} is not in the leads dataset: pick another field, "
                                   "or turn the rule off")
                    bad = True
        data["when"] = [c.model_dump() for c in conditions]
        errors: dict[str, str] = {}
        try:
            rule = Rule.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            rule = None
        if not rows:
            errors["when"] = "add at least one condition (ctrl+n)"
        elif bad:
            errors.pop("when", None)
        if "points" in errors and not data["points"]:
            errors["points"] = "give the points (negative for a penalty)"
        show_field_errors(self, errors, RULE_FIELDS)
        if bad or errors or rule is None:
            return None
        return rule

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def revalidate_after_failed_save(self) -> None:
        if self.tried:
            revalidate(self)

    def action_save(self) -> None:
        self.tried = True
        rule = self.validate_form()
        if rule is not None:
            self.dismiss(rule)


class ModelSettingsForm(FormScreen[ScoringModel | None]):
    """A model's name, caps, band minimums and MQL definition; a new model when `model` is None.
    Rules are kept as they are."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="model_form.save"),
        Binding("escape", "cancel", "Cancel", id="model_form.cancel"),
    ]

    def __init__(self, model: ScoringModel | None, taken: list[str]) -> None:
        super().__init__()
        self.original = model
        self.taken = taken
        self.tried = False

    def compose(self) -> ComposeResult:
        m = self.original or ScoringModel(id="new", name="New model")
        with Vertical(classes="dialog dialog-wide", id="model-form"):
            yield Label(f"Bands, caps and MQL of {m.name}" if self.original else
                        "New scoring model", classes="dialog-title", markup=False)
            with VerticalScroll(classes="form-body-fit"):
                yield _field("Name", "name", Input(m.name if self.original else "", id="f-name",
                                                   placeholder="B2B inbound FY26"))
                yield Static("", id="id-preview", classes="field-hint")
                with Horizontal(classes="field-row"):
                    yield _field("Fit cap", "fit_cap", Input(str(m.fit_cap), id="f-fit_cap"))
                    yield _field("Engagement cap", "engagement_cap",
                                 Input(str(m.engagement_cap), id="f-engagement_cap"))
                with Horizontal(classes="field-row"):
                    for band in ("A", "B", "C"):
                        yield _field(f"Fit {band} from", f"fit_{band.lower()}",
                                     Input(str(m.fit_bands[band]), id=f"f-fit_{band.lower()}"))
                with Horizontal(classes="field-row"):
                    for band in ("1", "2", "3"):
                        yield _field(f"Engagement {band} from", f"eng_{band}",
                                     Input(str(m.engagement_bands[band]), id=f"f-eng_{band}"))
                with Horizontal(classes="field-row"):
                    yield _field("MQL cells", "mql_cells", Input(", ".join(m.mql_cells),
                                                                 id="f-mql_cells"), "A1 … D4")
                    yield _field("or total at least", "mql_min_total", Input(
                        "" if m.mql_min_total is None else str(m.mql_min_total),
                        id="f-mql_min_total", placeholder="none"))
                yield Static("Below C is fit band D; below 3 is engagement band 4. A knocked-out "
                             "lead is never an MQL.", classes="field-hint")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self._preview_id()
        self.query_one("#f-name", Input).focus()

    def new_id(self) -> str:
        if self.original is not None:
            return self.original.id
        return unique_id(slugify(self.query_one("#f-name", Input).value, "model"), self.taken)

    @on(Input.Changed, "#f-name")
    def _preview_id(self) -> None:
        fixed = " (fixed)" if self.original else ""
        self.query_one("#id-preview", Static).update(f"id: {self.new_id()}{fixed}")

    def _value(self, name: str) -> str:
        return self.query_one(f"#f-{name}", Input).value.strip()

    def validate_form(self) -> ScoringModel | None:
        base = self.original.model_dump() if self.original else {"rules": []}
        cells = [c for c in re.split(r"[\s,;]+", self._value("mql_cells")) if c]
        data = {**base, "id": self.new_id(), "name": self._value("name"),
                "fit_cap": self._value("fit_cap"), "engagement_cap": self._value("engagement_cap"),
                "fit_bands": {b: self._value(f"fit_{b.lower()}") for b in "ABC"},
                "engagement_bands": {b: self._value(f"eng_{b}") for b in "123"},
                "mql_cells": cells, "mql_min_total": self._value("mql_min_total") or None}
        checked = self._order_and_cells(cells)
        try:
            model = ScoringModel.model_validate(data)
        except ValidationError as exc:
            errors: dict[str, str] = dict(checked)
            for err in exc.errors():
                if not err["loc"] and checked:
                    continue  # the model's own check of what `checked` says on the fields
                loc = [str(p) for p in err["loc"]]
                text = friendly_message(err)
                if loc[:1] == ["fit_bands"] and len(loc) > 1:
                    errors.setdefault(f"fit_{loc[1].lower()}", text)
                elif loc[:1] == ["engagement_bands"] and len(loc) > 1:
                    errors.setdefault(f"eng_{loc[1]}", text)
                else:
                    errors.setdefault(loc[0] if loc else "", text)
            show_field_errors(self, errors, MODEL_FIELDS)
            return None
        show_field_errors(self, checked, MODEL_FIELDS)
        return None if checked else model

    def _order_and_cells(self, cells: list[str]) -> dict[str, str]:
        """What the model checks across fields, said on the field to change, by its label:
        band minimums in order (A ≥ B ≥ C, 1 ≥ 2 ≥ 3), caps that let a lead reach the top band,
        and MQL cells that exist."""
        errors: dict[str, str] = {}
        for prefix, label, bands in (("fit_", "Fit", "abc"), ("eng_", "Engagement", "123")):
            try:
                values = [float(self._value(f"{prefix}{b}")) for b in bands]
            except ValueError:
                continue  # a value that is not a number: said on its own field
            for i in (1, 2):
                if values[i] > values[i - 1]:
                    errors[f"{prefix}{bands[i]}"] = (
                        f"above {label} {bands[i - 1].upper()} ({values[i - 1]:g})")
                    break
            cap_field = "fit_cap" if prefix == "fit_" else "engagement_cap"
            try:
                cap = float(self._value(cap_field))
            except ValueError:
                continue
            if cap < values[0]:  # the top band, and MQL cells in it, could never be reached
                errors[cap_field] = (f"below {label} {bands[0].upper()} from ({values[0]:g}): "
                                     f"no lead could reach band {bands[0].upper()}")
        odd = [c for c in cells if not CELL_RE.fullmatch(c.upper())]
        if odd:
            errors["mql_cells"] = (f"{', '.join(repr(c) for c in odd)}: not a grade cell; "
                                   "cells are A1 … D4 (fit band, engagement band)")
        return errors

    @on(Input.Changed)
    def revalidate_after_failed_save(self) -> None:
        if self.tried:
            revalidate(self)

    def action_save(self) -> None:
        self.tried = True
        model = self.validate_form()
        if model is not None:
            self.dismiss(model)


class ModelPicker(ModalScreen[str | None]):
    """Pick one model (to compare the selected one with). With `stop`, a first option stops
    comparing: it dismisses with ""."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="model_picker.cancel")]

    def __init__(self, title: str, models: list[ScoringModel], *, stop: bool = False,
                 current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.models = models
        self.stop = stop
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("Stop comparing", style="italic"), id="")] if self.stop else []
        for m in self.models:
            label = Text(f"{m.name} ({m.id}) · {len(m.rules)} rules")
            if m.id == self.current:
                label.append(" · compared now", style="dim")
            options.append(Option(label, id=m.id))
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*options, id="model-picker")
            yield Static("enter picks · escape cancels", classes="dialog-hint")

    @on(OptionList.OptionSelected, "#model-picker")
    def pick_model(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
