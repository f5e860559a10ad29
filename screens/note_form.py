"""Record a note or a decision on an objective in seconds, during the meeting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from model.errors import AlignError
from model.schema import Decision, Note
from screens.footer import AlignFooter
from screens.form_support import (
    ID_LENGTH,
    FormScreen,
    field_errors,
    form_buttons,
    show_field_errors,
    slugify,
    unique_id,
)
from screens.objective_form import _field

if TYPE_CHECKING:
    from model.store import PlanStore

def attached_id(subject: str, date: str, text: str, fallback: str, taken: set[str]) -> str:
    """`subject-date-first-words` for a note or decision: the words keep two teammates' notes
    of one day apart, where subject and date alone gave both the same id, and merging one's
    exported plan into the other's replaced a note with the other."""
    slug = slugify(f"{subject}-{date}-{text}", fallback)
    if len(slug) == ID_LENGTH and "-" in slug:
        slug = slug.rsplit("-", 1)[0]  # a word cut short at the length limit goes
    return unique_id(slug, taken)


NOTE_FIELDS = ("text", "date", "kind", "from_department", "to_department")
DECISION_FIELDS = ("text", "date", "owner", "due", "state", "answers")


def _select_value(select: Select) -> Any:
    return None if select.value is Select.NULL else select.value


class _AttachedForm(FormScreen[str | None]):
    """Shared by notes and decisions: attached to one objective, dated the meeting day."""

    FIELDS: tuple[str, ...] = ()
    KIND = ""

    def __init__(self, store: PlanStore, objective: str, today: dt.date) -> None:
        super().__init__()
        self.store = store
        self.objective = objective
        self.today = today

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error"):
            note.display = False
        self.query_one("#f-text", TextArea).focus()

    def new_id(self, date: str, text: str) -> str:
        taken = {item.id for item in self.store.list(self.KIND)}
        return attached_id(self.objective, date, text, self.KIND[:-1], taken)

    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    def write(self, entity: Any) -> None:
        raise NotImplementedError

    def problems(self, data: dict[str, Any]) -> dict[str, str]:
        """What is wrong with fields the schema checks only together, said at the field."""
        return {}

    def action_save(self) -> None:
        data = self.data()
        model = Note if self.KIND == "notes" else Decision
        if problems := self.problems(data):
            show_field_errors(self, problems, self.FIELDS)
            return
        try:
            entity = model.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            for name in errors:
                if name and data.get(name) in ("", None):
                    errors[name] = "required"
            show_field_errors(self, errors, self.FIELDS)
            return
        due = getattr(entity, "due", None)
        if due is not None and due < entity.date:
            show_field_errors(self, {"due": f"before the decision's date ({entity.date})"},
                              self.FIELDS)
            return
        try:
            self.write(entity)
        except AlignError as exc:
            show_field_errors(self, {"": str(exc)}, self.FIELDS)
            return
        self.dismiss(entity.id)



class NoteForm(_AttachedForm):
    KIND = "notes"
    FIELDS = NOTE_FIELDS
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note_form.save"),
        Binding("escape", "cancel", "Cancel", id="note_form.cancel"),
    ]

    def compose(self) -> ComposeResult:
        departments = [(Text(d.name), d.id) for d in self.store.departments()]
        with Vertical(classes="dialog", id="note-form"):
            yield Label(f"Note on {self.objective}", classes="dialog-title")
            with VerticalScroll(classes="form-body-fit"):
                yield _field("Text", "text", TextArea(id="f-text", soft_wrap=True,
                                                      tab_behavior="focus"))
                with Horizontal(classes="field-row"):
                    yield _field("Date", "date", Input(self.today.isoformat(), id="f-date"))
                    yield _field("Kind", "kind", Select(
                        [("note", "note"), ("feedback between departments", "feedback")],
                        id="f-kind", value="note", allow_blank=False))
                with Horizontal(classes="field-row"):
                    yield _field("Feedback from", "from_department", Select(
                        departments, id="f-from_department", prompt="department"))
                    yield _field("Feedback to", "to_department", Select(
                        departments, id="f-to_department", prompt="department"))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def data(self) -> dict[str, Any]:
        date = self.query_one("#f-date", Input).value.strip()
        kind = _select_value(self.query_one("#f-kind", Select)) or "note"
        return {
            "id": self.new_id(date, self.query_one("#f-text", TextArea).text),
            "objective": self.objective,
            "date": date,
            "text": self.query_one("#f-text", TextArea).text,
            "kind": kind,
            "from_department": _select_value(self.query_one("#f-from_department", Select))
            if kind == "feedback" else None,
            "to_department": _select_value(self.query_one("#f-to_department", Select))
            if kind == "feedback" else None,
        }

    def problems(self, data: dict[str, Any]) -> dict[str, str]:
        if data["kind"] != "feedback":
            return {}
        out = {}
        if not data["from_department"]:
            out["from_department"] = "pick the department the feedback comes from"
        if not data["to_department"]:
            out["to_department"] = "pick the department it goes to"
        elif data["to_department"] == data["from_department"]:
            # refused where it is typed; plans that already hold such feedback still open
            out["to_department"] = "feedback goes to another department than its own"
        return out

    def write(self, entity: Any) -> None:
        self.store.save_note(entity)


class DecisionForm(_AttachedForm):
    KIND = "decisions"
    FIELDS = DECISION_FIELDS
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="decision_form.save"),
        Binding("escape", "cancel", "Cancel", id="decision_form.cancel"),
    ]

    SUBJECT = "objective"  # the field a note or decision names what it is attached to by

    def __init__(self, store: PlanStore, objective: str, today: dt.date,
                 owner: str | None = None) -> None:
        super().__init__(store, objective, today)
        self.owner = owner

    def feedback_options(self) -> list[tuple[Text, str]]:
        """The feedback notes on the same objective (or metric) a decision can answer: those
        no decision answers yet first, oldest first, then the answered ones, said so."""
        answered = {d.answers for d in self.store.list("decisions") if d.answers}
        notes = sorted((n for n in self.store.list("notes")
                        if n.kind == "feedback" and getattr(n, self.SUBJECT) == self.objective),
                       key=lambda n: (n.id in answered, n.date, n.id))
        options = []
        for n in notes:
            words = " ".join(n.text.split())
            label = Text(f"{n.date} {n.from_department} → {n.to_department}: "
                         f"{words[:48]}{'…' if len(words) > 48 else ''}")
            if n.id in answered:
                label.append(" (answered)", style="dim")
            options.append((label, n.id))
        return options

    def compose(self) -> ComposeResult:
        departments = [(Text(d.name), d.id) for d in self.store.departments()]
        owner = self.owner if self.owner in {d for _, d in departments} else Select.NULL
        feedback = self.feedback_options()
        with Vertical(classes="dialog", id="decision-form"):
            yield Label(f"Decision on {self.objective}", classes="dialog-title")
            with VerticalScroll(classes="form-body-fit"):
                yield _field("Decision", "text", TextArea(id="f-text", soft_wrap=True,
                                                          tab_behavior="focus"))
                with Horizontal(classes="field-row"):
                    yield _field("Date", "date", Input(self.today.isoformat(), id="f-date"))
                    yield _field("Owner", "owner", Select(departments, id="f-owner",
                                                          value=owner, prompt="department"))
                with Horizontal(classes="field-row"):
                    yield _field("Due", "due", Input("", id="f-due", placeholder="2026-04-30"))
                    yield _field("State", "state", Select(
                        [("open", "open"), ("done", "done")], id="f-state", value="open",
                        allow_blank=False))
                yield _field("Answers feedback", "answers", Select(
                    feedback, id="f-answers", disabled=not feedback,
                    prompt="none" if feedback else "no feedback to answer here"))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def data(self) -> dict[str, Any]:
        date = self.query_one("#f-date", Input).value.strip()
        return {
            "id": self.new_id(date, self.query_one("#f-text", TextArea).text),
            "objective": self.objective,
            "date": date,
            "text": self.query_one("#f-text", TextArea).text,
            "owner": _select_value(self.query_one("#f-owner", Select)) or "",
            "due": self.query_one("#f-due", Input).value.strip() or None,
            "state": _select_value(self.query_one("#f-state", Select)) or "open",
            "answers": _select_value(self.query_one("#f-answers", Select)),
        }

    def write(self, entity: Any) -> None:
        self.store.save_decision(entity)
