"""Create and edit a persona; list fields take one item per line, as planners write them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from model.schema import PERSONA_LIST_FIELDS, Condition, Persona
from screens.footer import AlignFooter
from screens.form_support import (
    EntityForm,
    field_errors,
    form_buttons,
    named_already,
    revalidate,
    show_field_errors,
    slugify,
    unique_id,
)
from screens.objective_form import _field
from screens.scoring_forms import ConditionRow, checked_conditions

if TYPE_CHECKING:
    from model.store import PlanStore

# Field groups as DESIGN §3 lists them; the card shows the same groups.
PERSONA_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Who", ("tagline", "role", "titles", "seniority", "company_size", "industry", "demographics")),
    ("What they want", ("goals", "pain_points", "buying_triggers", "decision_criteria",
                        "objections")),
    ("How to reach them", ("channels", "content_formats")),
    ("Their words and ours", ("quotes", "key_messages")),
    ("Plays", ("plays_marketing", "plays_sales", "plays_product")),
    ("Evidence", ("research_basis", "last_validated")),
)
LABELS = {
    "company_size": "Company size", "pain_points": "Pain points",
    "buying_triggers": "Buying triggers", "decision_criteria": "Decision criteria",
    "content_formats": "Content formats", "key_messages": "Key messages",
    "plays_marketing": "Marketing plays", "plays_sales": "Sales plays",
    "plays_product": "Product plays", "research_basis": "Research basis",
    "last_validated": "Last validated", "role": "Role", "titles": "Titles",
}
PERSONA_FIELDS = ("name",) + tuple(f for _, group in PERSONA_GROUPS for f in group)


def label_of(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class PersonaForm(EntityForm):
    """Returns the saved persona's id, or None when cancelled."""

    FIELDS = PERSONA_FIELDS
    KIND = "personas"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="persona_form.save"),
        Binding("ctrl+n", "add_condition", "Add match criterion", priority=True,
                id="persona_form.add_condition"),
        Binding("escape", "cancel", "Cancel", id="persona_form.cancel"),
    ]

    def __init__(self, store: PlanStore, persona: Persona | None = None, *,
                 today: dt.date | None = None) -> None:
        from model.leads import column_types

        super().__init__()
        self.store = store
        self.original = persona
        self.tried = False
        self.types = column_types(store)  # the leads' columns, which criteria pick from
        self.today = today or dt.date.today()

    def compose(self) -> ComposeResult:
        p = self.original
        with Vertical(classes="dialog form-dialog", id="persona-form"):
            yield Label(f"Edit persona {p.id}" if p else "New persona", classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                yield _field("Name", "name", Input(p.name if p else "", id="f-name",
                                                   placeholder="Operations Olivia"))
                yield Static("", id="id-preview", classes="field-hint")
                for group, names in PERSONA_GROUPS:
                    yield Label(group, classes="form-group-title")
                    for name in names:
                        yield self._widget_for(name, p)
                yield Label("Match criteria", classes="form-group-title")
                yield Label("[dim]leads that meet all of them are this persona's · ctrl+n adds · "
                            "✕ removes · none: no leads are assigned[/]", classes="field-hint")
                with Vertical(id="f-match"):
                    for cond in (p.match if p else []):
                        yield ConditionRow(self.types, cond)
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def _widget_for(self, name: str, p: Persona | None) -> Vertical:
        value = getattr(p, name) if p else None
        if name in PERSONA_LIST_FIELDS:
            area = TextArea("\n".join(value or []), id=f"f-{name}", soft_wrap=True,
                            tab_behavior="focus", classes="list-field")
            return _field(label_of(name), name, area, "one per line")
        if name == "last_validated":
            return _field(label_of(name), name, Input(value.isoformat() if value else "",
                                                      id=f"f-{name}", placeholder="2026-03-31"))
        return _field(label_of(name), name, Input(value or "", id=f"f-{name}"))

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self._preview_id()
        self.query_one("#f-name", Input).focus()

    def new_id(self) -> str:
        if self.original is not None:
            return self.original.id
        name = self.query_one("#f-name", Input).value
        return unique_id(slugify(name, "persona"), {p.id for p in self.store.personas()})

    @on(Input.Changed, "#f-name")
    def _preview_id(self) -> None:
        suffix = " (fixed)" if self.original else ""
        self.query_one("#id-preview", Static).update(f"id: {self.new_id()}{suffix}")

    def form_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.new_id(),
                                "name": self.query_one("#f-name", Input).value}
        for name in PERSONA_FIELDS[1:]:
            if name in PERSONA_LIST_FIELDS:
                data[name] = self.query_one(f"#f-{name}", TextArea).text
            else:
                data[name] = self.query_one(f"#f-{name}", Input).value.strip()
        data["last_validated"] = data["last_validated"] or None
        data["match"] = [row.data() for row in self.query(ConditionRow)]  # as the rows hold them
        return data

    def _criteria(self) -> list[Condition] | None:
        """The match criteria as the rows show them, each row saying what is wrong with it;
        None when one is."""
        criteria, bad = checked_conditions(list(self.query(ConditionRow)), self.types,
                                           self.today)
        return None if bad else criteria

    def validate_form(self) -> Persona | None:
        data = self.form_data()
        criteria = self._criteria()
        data["match"] = [c.model_dump() for c in criteria or []]
        # The criteria end the form: one that needs fixing is said beside Save too.
        general = {} if criteria is not None else {
            "": "a match criterion needs fixing: see Match criteria, at the end of the form"}
        try:
            persona = Persona.model_validate(data)
        except ValidationError as exc:
            show_field_errors(self, {**general, **field_errors(exc)}, PERSONA_FIELDS)
            return None
        mine = self.original.id if self.original else None
        same = named_already(persona.name, ((p.id, p.name) for p in self.store.personas()
                                            if p.id != mine))
        if same is not None:
            general["name"] = f"persona {same} is already called “{persona.name}”: give this one "\
                "a name of its own"
        if persona.last_validated is not None and persona.last_validated > self.today:
            general["last_validated"] = (
                f"{persona.last_validated.isoformat()} is after today "
                f"({self.today.isoformat()}): a persona is validated on a day that has come")
        show_field_errors(self, general, PERSONA_FIELDS)
        return None if general else persona  # a criterion to fix is in `general` too

    async def action_add_condition(self) -> None:
        row = ConditionRow(self.types)
        await self.query_one("#f-match").mount(row)
        row.query_one(".cond-field").focus()
        self.call_after_refresh(row.scroll_visible, animate=False)

    def remove_condition(self, row: ConditionRow) -> None:
        row.remove()
        if self.tried:
            self.call_after_refresh(revalidate, self)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def revalidate_after_failed_save(self) -> None:
        if self.tried:
            revalidate(self)


def validated_text(day: dt.date | None) -> str:
    return day.isoformat() if day else "never"
