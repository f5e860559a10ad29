"""Personas: who the plan is for, every field group on one card, and where each is used."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from model.errors import AlignError
from model.leads import leads_text
from model.schema import PERSONA_LIST_FIELDS, Objective, Persona
from screens.area import AreaBar, AreaScreen, neighbour
from screens.dialogs import ConfirmDialog
from screens.footer import AlignFooter
from screens.form_support import copy_name, unique_id
from screens.messages import PlanChanged
from screens.persona_form import PERSONA_GROUPS, label_of
from screens.scoring_forms import value_text

RELATIVE_OPS = ("within_last_days", "more_than_days_ago")  # they count back from a day

if TYPE_CHECKING:
    from model.persona_match import PersonaLeads


class PersonaLeadsCounted(Message):
    """Lead count and conversion per persona with match criteria (or why they could not be
    counted), keyed by persona id."""

    def __init__(self, token: int, figures: dict[str, PersonaLeads | str]) -> None:
        super().__init__()
        self.token = token
        self.figures = figures


SORTS = ("name", "last validated", "leads")


class PersonasScreen(AreaScreen):
    AREA = "personas"
    AUTO_FOCUS = "#personas-list"
    KINDS: ClassVar[frozenset[str]] = frozenset({"personas", "objectives", "leads"})
    BINDINGS = [
        Binding("n", "new", "New", id="personas.new"),
        Binding("e", "edit", "Edit", id="personas.edit"),
        Binding("enter", "edit", "Edit", show=False, id="personas.edit_enter"),
        Binding("d", "delete", "Delete", id="personas.delete"),
        Binding("y", "duplicate", "Duplicate", id="personas.duplicate"),
        Binding("slash", "filter", "Filter", key_display="/", id="personas.filter"),
        Binding("s", "sort", "Sort", id="personas.sort"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="personas.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.personas: list[Persona] = []
        self.objectives: list[Objective] = []
        self.selected_id: str | None = None
        self.filter_text = ""
        self.sort = SORTS[0]
        self.lead_figures: dict[str, PersonaLeads | str] = {}
        self._leads_token = 0
        self._has_leads = False  # known once the personas are read
        self.as_of: dt.date | None = None  # what relative criteria count back from, once read
        self._card_shown: str | None = None  # the persona whose card was drawn last

    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        with Horizontal(id="personas-body"):
            with Vertical(id="personas-side"):
                box = Input(placeholder="filter · enter keeps · esc clears", id="personas-filter")
                box.display = False
                yield box
                yield OptionList(id="personas-list")
                yield Static("", id="personas-empty")
            with VerticalScroll(id="persona-card"):
                yield Static("", id="persona-card-body")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        self.reload()

    def reload(self) -> None:
        self.personas = self.store.personas()
        self.objectives = self.store.objectives()
        self._draw()
        self._count_persona_leads()

    def _count_persona_leads(self) -> None:
        from model.leads import default_as_of, has_leads

        self._leads_token += 1
        self.lead_figures = {}
        matched = [p for p in self.personas if p.match]
        self._has_leads = has_leads(self.store)
        # As Lead scoring counts back: from the leads' own date.
        self.as_of = default_as_of(self.store, self.app.today)  # type: ignore[attr-defined]
        if matched and self._has_leads and self.store.path is not None:
            self.count_in_background(self._leads_token, Path(self.store.path), matched,
                                     self.as_of)

    @work(thread=True, exclusive=True, exit_on_error=False, group="persona-leads")
    def count_in_background(self, token: int, path: Path, personas: list[Persona],
                            as_of: dt.date) -> None:
        """One scan of the leads for every persona: a moment on a big dataset, so off the UI
        thread."""
        from model.persona_match import personas_leads
        from model.store import PlanStore

        try:
            with PlanStore.open(path, create=False) as store:
                figures = personas_leads(store, personas, as_of=as_of)
        except Exception as exc:  # noqa: BLE001 - said on the card, never left "counting…"
            message = str(exc) if isinstance(exc, AlignError) else f"{type(exc).__name__}: {exc}"
            figures = {p.id: f"could not be counted ({message})" for p in personas}
        self.post_message(PersonaLeadsCounted(token, figures))

    @on(PersonaLeadsCounted)
    def show_persona_leads(self, message: PersonaLeadsCounted) -> None:
        if message.token == self._leads_token:
            self.lead_figures = message.figures
            if self.sort == "leads":
                self._draw()
            else:
                self._draw_card()

    def _visible(self) -> list[Persona]:
        needle = self.filter_text.strip().lower()
        out = []
        for p in self.personas:
            hay = [p.id, p.name, p.tagline, p.role, p.industry, p.seniority, *p.titles]
            if not needle or any(needle in part.lower() for part in hay):
                out.append(p)
        return sorted(out, key=self._sort_key)

    def _sort_key(self, p: Persona) -> tuple:
        """name; last validated (never first, then the oldest: the cards due a check); leads
        (most matching leads first, personas without criteria last)."""
        name = (p.name.lower(), p.id)
        if self.sort == "last validated":
            return (p.last_validated is not None, p.last_validated or dt.date.min, *name)
        if self.sort == "leads":
            figures = self.lead_figures.get(p.id)
            count = figures.leads if p.match and not isinstance(figures, str | None) else -1
            return (-count, *name)
        return name

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._draw()

    def _draw(self) -> None:
        visible = self._visible()
        options = self.query_one("#personas-list", OptionList)
        options.clear_options()
        for p in visible:
            label = Text(p.name, style="bold")
            if p.tagline:
                label.append(f"\n{p.tagline}", style="dim")
            options.add_option(Option(label, id=p.id))
        shown = (f"{len(visible)} of {len(self.personas)}" if self.filter_text
                 else f"{len(self.personas)}")
        options.border_title = Text(f"Personas · {shown}" + (
            f" · filter “{self.filter_text}”" if self.filter_text else "")
            + (f" · sort: {self.sort}" if self.sort != SORTS[0] else ""))
        empty = self.query_one("#personas-empty", Static)
        if not self.personas:
            empty.update(Text.assemble(("No personas yet.\n", "bold"),
                                       "Press n to describe who the plan is for, or ctrl+o to "
                                       "import a plan file that has them."))
        elif not visible:
            empty.update(Text(f"No persona matches “{self.filter_text}”. Press escape to clear."))
        empty.display = not visible
        options.display = bool(visible)
        ids = [p.id for p in visible]
        if self.selected_id not in ids:
            self.selected_id = ids[0] if ids else None
        if self.selected_id is not None:
            options.highlighted = ids.index(self.selected_id)
        self._draw_card()

    def _draw_card(self) -> None:
        body = self.query_one("#persona-card-body", Static)
        p = next((x for x in self.personas if x.id == self.selected_id), None)
        if self.selected_id != self._card_shown:  # another persona's card opens at its top
            self._card_shown = self.selected_id
            self.query_one("#persona-card", VerticalScroll).scroll_home(animate=False)
        if p is None:
            body.update(Text("Select a persona to see its card.", style="dim"))
            return
        body.update(self._card(p))

    def _card(self, p: Persona) -> Group:
        parts: list = [Text.assemble((p.name, "bold"), (f"   {p.id}", "dim"))]
        for group, names in PERSONA_GROUPS:
            section = Text(group, style="bold underline")
            for name in names:
                value = getattr(p, name)
                section.append(f"\n{label_of(name)}: ", style="bold")
                if name in PERSONA_LIST_FIELDS:
                    if not value:
                        section.append("—", style="dim")
                    for item in value:
                        section.append(f"\n  • {item}")
                elif name == "last_validated":
                    section.append(value.isoformat() if value else "never",
                                   style="" if value else "dim")
                else:
                    section.append(value or "—", style="" if value else "dim")
            parts.append(section)
        match = Text("Match criteria", style="bold underline")
        if p.match:
            for c in p.match:
                value = "" if c.value is None else f" {value_text(c.value)}"
                match.append(f"\n  • {c.field} {c.op}{value}")
            match.append_text(self._lead_line(p))
        else:
            match.append("\n  none: leads are not assigned to this persona", style="dim")
        parts.append(match)
        used = [o for o in self.objectives if p.id in o.personas]
        refs = Text(f"Referenced by {len(used)} objective{'s' * (len(used) != 1)}",
                    style="bold underline")
        for o in sorted(used, key=lambda o: (o.period, o.id)):
            refs.append(f"\n  • {o.title} ", style="")
            refs.append(f"({o.id}, {o.period})", style="dim")
        parts.append(refs)
        return Group(*[item for part in parts for item in (part, Text(""))])

    def _lead_line(self, p: Persona) -> Text:
        figures = self.lead_figures.get(p.id)
        if figures is None:
            if not self._has_leads:
                return Text("\n  leads: none imported yet; import them in Lead scoring "
                            "(2, then i) to see how many match", style="dim")
            return Text("\n  counting the leads that match…", style="dim")
        if isinstance(figures, str):
            return Text(f"\n  leads: {figures}", style="yellow")
        line = Text("\n  ")
        line.append(f"{leads_text(figures.leads)} match" if figures.leads != 1
                    else "1 lead matches", style="bold")
        if figures.rate is not None:
            line.append(f" · conversion {figures.rate * 100:.1f}% ({figures.won:,} won of "
                        f"{figures.decided:,} decided)")
        if any(c.op in RELATIVE_OPS for c in p.match):
            # "in the last 30 days" counts back from a day: say which
            day = self.as_of or self.app.today  # type: ignore[attr-defined]
            line.append(f" · as of {day.isoformat()}", style="dim")
        return line

    @on(OptionList.OptionHighlighted, "#personas-list")
    def show_highlighted_persona(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id != self.selected_id:
            self.selected_id = event.option.id
            self._draw_card()

    @on(OptionList.OptionSelected, "#personas-list")
    def edit_selected_persona(self, event: OptionList.OptionSelected) -> None:
        self.selected_id = event.option.id
        self.action_edit()

    # ---- filter ----------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#personas-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#personas-filter")
    def filter_personas(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._draw()

    @on(Input.Submitted, "#personas-filter")
    def keep_filter(self) -> None:
        self.query_one("#personas-list").focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#personas-filter", Input)
        if not box.display and not self.filter_text:
            return
        box.value = ""
        self.filter_text = ""
        box.display = False
        self._draw()
        self.query_one("#personas-list").focus()

    # ---- writes ----------------------------------------------------------------------------
    def _selected(self) -> Persona | None:
        """The selected persona as the plan holds it now, or None, said: nothing selected, or
        deleted by another Align since the list was drawn (then the list is redrawn)."""
        p = next((x for x in self.personas if x.id == self.selected_id), None)
        if p is None:
            self.notify("No persona selected.", severity="warning")
            return None
        stored = self.store.persona(p.id)
        if stored is None:  # deleted by another Align since the list was drawn
            self.notify(f"Persona {p.id} was deleted elsewhere; the list is redrawn.",
                        severity="warning")
            self.reload()
        return stored

    def _saved(self, persona_id: str | None) -> None:
        if persona_id:
            self.selected_id = persona_id
            self.post_message(PlanChanged("personas"))

    def action_new(self) -> None:
        from screens.persona_form import PersonaForm

        self.app.push_screen(PersonaForm(self.store, today=self.app.today),  # type: ignore[attr-defined]
                             self._saved)

    def action_edit(self) -> None:
        from screens.persona_form import PersonaForm

        if (p := self._selected()) is not None:
            self.app.push_screen(PersonaForm(self.store, p,
                                             today=self.app.today),  # type: ignore[attr-defined]
                                 self._saved)

    def action_duplicate(self) -> None:
        if (p := self._selected()) is None:
            return
        taken = {x.id for x in self.personas}
        new_id = unique_id(f"{p.id}-copy", taken)
        name = copy_name(p.name, [x.name for x in self.personas])
        copy = p.model_copy(update={"id": new_id, "name": name})
        try:
            self.store.save_persona(copy)
        except AlignError as exc:
            self.notify(str(exc), title="Cannot duplicate", severity="error")
            return
        self.notify(f"Duplicated as {new_id}; e edits it.", title="Duplicated")
        self._saved(new_id)

    def action_delete(self) -> None:
        if (p := self._selected()) is None:
            return
        impact = self.store.delete_impact("personas", p.id)
        if not impact.allowed:
            self.notify("; ".join(impact.blocked_by), title=f"Cannot delete {p.id}",
                        severity="error")
            return
        lines = [f"also removes {what}" for what in impact.removes] or ["no objective links to it"]

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            shown = [v.id for v in self._visible()]
            try:
                self.store.delete("personas", p.id)
            except AlignError as exc:
                self.notify(str(exc), severity="error")
                return
            # The next card on, else the one before: a run of deletes stays where it was.
            self.selected_id = neighbour(shown, p.id)
            self.notify(f"Deleted persona {p.id}.")
            self.post_message(PlanChanged("personas"))

        self.app.push_screen(ConfirmDialog(f"Delete persona “{p.name}” ({p.id})?", lines,
                                           confirm_label="Delete"), confirmed)
