"""Record a note or a decision on an objective in seconds, during the meeting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

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
                 owner: str | None = None, decision: Decision | None = None) -> None:
        super().__init__(store, objective, today)
        self.decision = decision  # edited, when given: its id, date and fields as they are
        self.owner = decision.owner if decision is not None else owner

    def feedback_options(self) -> list[tuple[Text, str]]:
        """The feedback notes on the same objective (or metric) a decision can answer: those
        no decision answers yet first, oldest first, then the answered ones, said so."""
        answered = {d.answers for d in self.store.list("decisions")
                    if d.answers and (self.decision is None or d.id != self.decision.id)}
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
        d = self.decision
        answers = d.answers if d is not None and d.answers in {v for _, v in feedback} \
            else Select.NULL
        title = f"Edit decision {d.id}" if d is not None else f"Decision on {self.objective}"
        with Vertical(classes="dialog", id="decision-form"):
            yield Label(title, classes="dialog-title", markup=False)
            with VerticalScroll(classes="form-body-fit"):
                yield _field("Decision", "text", TextArea(d.text if d else "", id="f-text",
                                                          soft_wrap=True, tab_behavior="focus"))
                with Horizontal(classes="field-row"):
                    yield _field("Date", "date", Input(
                        (d.date if d else self.today).isoformat(), id="f-date"))
                    yield _field("Owner", "owner", Select(departments, id="f-owner",
                                                          value=owner, prompt="department"))
                with Horizontal(classes="field-row"):
                    yield _field("Due", "due", Input(
                        d.due.isoformat() if d and d.due else "", id="f-due",
                        placeholder="2026-04-30"))
                    yield _field("State", "state", Select(
                        [("open", "open"), ("done", "done")], id="f-state",
                        value=d.state if d else "open", allow_blank=False))
                yield _field("Answers feedback", "answers", Select(
                    feedback, id="f-answers", disabled=not feedback, value=answers,
                    prompt="none" if feedback else "no feedback to answer here"))
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield from form_buttons()
        yield AlignFooter(show_command_palette=False)

    def data(self) -> dict[str, Any]:
        date = self.query_one("#f-date", Input).value.strip()
        return {
            "id": self.decision.id if self.decision is not None
            else self.new_id(date, self.query_one("#f-text", TextArea).text),
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


class DecisionsDialog(ModalScreen[bool]):
    """The decisions on one objective or metric, open ones first by due date: `d` marks the
    highlighted one done, `o` opens it again, enter edits it. Dismisses with whether any was
    changed."""

    BINDINGS = [
        Binding("d", "set_state('done')", "Mark done", id="decisions.done"),
        Binding("o", "set_state('open')", "Open again", id="decisions.open"),
        Binding("escape", "close", "Close", id="decisions.close"),
    ]

    def __init__(self, store: PlanStore, subject: str, today: dt.date, *,
                 metric: bool = False) -> None:
        super().__init__()
        self.store = store
        self.subject = subject
        self.today = today
        self.metric = metric
        self.changed = False

    def decisions(self) -> list[Decision]:
        field = "metric" if self.metric else "objective"
        mine = [d for d in self.store.decisions() if getattr(d, field) == self.subject]
        return sorted(mine, key=lambda d: (d.state != "open", d.due or dt.date.max, d.id))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="decisions-dialog"):
            yield Label(f"Decisions on {self.subject}", classes="dialog-title", markup=False)
            yield OptionList(id="decisions-list")
            yield Static("enter edits · d marks done · o opens again · escape closes",
                         classes="dialog-hint")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self, keep: str | None = None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        decisions = self.decisions()
        for d in decisions:
            label = Text("● open  " if d.state == "open" else "✓ done  ",
                         style="bold" if d.state == "open" else "dim")
            label.append(" ".join(d.text.split()))
            label.append(f" — {d.owner}" + (f", due {d.due.isoformat()}" if d.due else ""),
                         style="dim")
            if d.state == "open" and d.due and d.due < self.today:
                label.append("  overdue", style="bold red")
            options.add_option(Option(label, id=d.id))
        if not decisions:
            options.add_option(Option(Text("No decisions yet: c records one.", style="dim"),
                                      disabled=True))
        else:
            options.highlighted = next((i for i, d in enumerate(decisions) if d.id == keep), 0)

    def _highlighted(self) -> Decision | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        decision = self.store.get("decisions", option.id) if option.id else None
        if option.id and decision is None:
            self.notify(f"Decision {option.id} was deleted elsewhere.", severity="warning")
            self._fill()
        return decision

    def action_set_state(self, state: str) -> None:
        if (d := self._highlighted()) is None or d.state == state:
            return
        try:
            self.store.save_decision(d.model_copy(update={"state": state}))
        except AlignError as exc:
            self.notify(str(exc), severity="error")
            return
        self.changed = True
        self.notify(f"Decision {d.id}: {d.state} → {state}")
        self._fill(keep=d.id)

    @on(OptionList.OptionSelected, "#decisions-list")
    def edit_decision(self) -> None:
        if (d := self._highlighted()) is None:
            return
        form_class: type[DecisionForm] = DecisionForm
        if self.metric:
            from screens.kpi_forms import MetricDecisionForm

            form_class = MetricDecisionForm

        def saved(decision_id: str | None) -> None:
            if decision_id:
                self.changed = True
                self._fill(keep=decision_id)

        self.app.push_screen(form_class(self.store, self.subject, self.today, decision=d), saved)

    def action_close(self) -> None:
        self.dismiss(self.changed)
