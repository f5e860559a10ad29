"""The in-app leads import: pick a CSV, see its first rows, map the column roles, replace or
append. The form only collects and checks; the lead scoring screen runs the import in a worker,
and the import itself refuses a bad file before writing anything."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from model.errors import AlignError
from model.leads import leads_text, name_key, parse_number, spelled_as
from model.leads_preview import (
    CsvPreview,
    SampleProblem,
    different_won_words,
    preview_csv,
    sampled_role_problem,
    suggest_won_values,
)
from model.schema import LeadsRoles, date_format_problem
from screens.footer import AlignFooter
from screens.form_support import FormScreen, field_errors, show_field_errors

ROLE_FIELDS = ("id", "outcome", "created", "closed", "amount")
IMPORT_FIELDS = ("path", *ROLE_FIELDS, "won_values", "date_format")
# Column names as CRMs export them, normalised (`normal_name`): Salesforce, HubSpot,
# Pipedrive, Mautic and the plain ones, in order of preference.
GUESSES = {
    "id": ("lead_id", "id", "record_id", "contact_id", "deal_id", "opportunity_id", "lead",
           "deal_deal_id"),
    "outcome": ("converted", "outcome", "won", "is_won", "deal_stage", "dealstage",
                "lifecycle_stage", "lifecyclestage", "stage", "status", "result", "deal_status",
                "lead_status"),
    "created": ("created", "created_at", "created_date", "create_date", "createdate",
                "date_created", "date_added", "deal_created", "created_on"),
    "closed": ("closed", "closed_at", "close_date", "closedate", "closed_date", "date_closed",
               "deal_closed_on", "closed_on", "won_time", "converted_date"),
    "amount": ("amount", "deal_amount", "value", "deal_value", "opportunity_amount", "revenue"),
}
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def normal_name(name: str) -> str:
    """A column name compared for guessing: words folded, one `_` between them (`Lead ID`,
    `lead-id` and `LeadId` all read `lead_id`)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return "_".join(re.findall(r"[^\W_]+", spaced.casefold()))


def _fits(role: str, values: list[str]) -> bool:
    """Whether a column's sampled values suit the role: dates for the dates, numbers for the
    amount (a blank sample suits any)."""
    if not values or role in ("id", "outcome"):
        return True
    if role == "amount":
        return any(parse_number(v) is not None for v in values)
    return any(_DATE_LIKE.search(v) for v in values)


def pasted_path(text: str) -> Path:
    """The file a typed path names: as typed when that exists, else read as a shell word, as a
    terminal pastes a file dragged into it (`'/tmp/my leads.csv'`, `/tmp/my\\ leads.csv`)."""
    text = text.strip()
    typed = Path(text).expanduser()
    if typed.exists():
        return typed
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote
        return typed
    if len(words) == 1 and (unquoted := Path(words[0]).expanduser()).exists():
        return unquoted
    return typed


def _same_file(path: Path) -> Path:
    """A path to compare with another: `./a.csv` and `a.csv` are one file."""
    return Path(os.path.abspath(path))


@dataclass
class LeadsImportRequest:
    path: Path
    roles: LeadsRoles
    replace: bool


def guess_role(role: str, columns: list[str], previous: LeadsRoles | None,
               values: dict[str, list[str]] | None = None) -> str | None:
    """The previous import's column for the role if the file still has it, else a column named
    as CRMs usually name it whose `values` (sampled, by column) suit the role: a `Closed`
    checkbox is not the closed date."""
    kept = getattr(previous, role) if previous is not None else None
    if kept is not None and (spelled := spelled_as(kept, columns)) is not None:
        return spelled  # as this file spells it, if only its case differs
    normal: dict[str, str] = {}
    for column in columns:
        normal.setdefault(normal_name(column), column)
    sampled = values or {}
    return next((normal[g] for g in GUESSES[role]
                 if g in normal and _fits(role, sampled.get(normal[g], []))), None)


class LeadsImportForm(FormScreen[LeadsImportRequest | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Import", priority=True, id="leads_import.run"),
        Binding("escape", "cancel", "Cancel", id="leads_import.cancel"),
    ]

    def __init__(self, previous: LeadsRoles | None, has_leads: bool, path: str = "", *,
                 lead_count: int = 0, columns: list[str] | None = None,
                 refused: tuple[LeadsImportRequest, str] | None = None) -> None:
        """`previous`: the roles of the last import, for guesses. `columns`: the dataset's, to
        offer Append only for a file that has them. `refused`: an import that failed and why,
        to show again as it was asked for (its roles exactly, its path, its mode) with the
        reason, so that only what was wrong needs changing. Another file chosen then is a new
        file: it gets the last import's roles, and the mode that suits it."""
        super().__init__()
        self.last_roles = previous
        self.refused = refused[0] if refused else None
        self.previous = refused[0].roles if refused else previous  # for the file previewed
        self.exact_roles = refused is not None
        self.has_leads = has_leads
        self.lead_count = lead_count
        self.initial_path = str(refused[0].path) if refused else path
        # Appending is the command line's default too, for a file with the dataset's columns;
        # any other file can only replace them (which asks first). A mode chosen for a file
        # stays with that file (None: before any file is previewed).
        self.replace = refused[0].replace if refused else not has_leads
        self.modes_chosen: dict[Path | None, bool] = (
            {_same_file(refused[0].path): refused[0].replace} if refused else {})
        self.mode_suggested = 0  # changes the form made itself, whose messages are to come
        self.dataset_columns = {name_key(c) for c in columns or []}
        self.refusal = refused[1] if refused else ""
        self.previewed: Path | None = None  # the file the preview was last asked for
        self.preview: CsvPreview | None = None
        self.preview_error = ""
        self.appendable = False  # the file previewed has the dataset's columns
        self.suggested_won = ""  # the won values last filled in for the user, not typed
        self.kept_won = ""  # the won values last filled in from the roles, as if typed

    def compose(self) -> ComposeResult:
        p = self.previous
        with Vertical(classes="dialog form-dialog", id="leads-import-form"):
            yield Label("Import leads from a CSV file", classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                yield Vertical(
                    Label("CSV file  [dim]enter shows the first rows[/]", classes="field-label"),
                    Input(self.initial_path, id="f-path", placeholder="crm-export.csv"),
                    Static("", id="e-path", classes="field-error"), classes="field")
                yield Static("", id="import-preview")
                with Horizontal(classes="field-row"):
                    for role, label in (("id", "Lead id"), ("outcome", "Outcome"),
                                        ("created", "Created date")):
                        yield self._role_field(role, label)
                with Horizontal(classes="field-row"):
                    for role, label in (("closed", "Closed date"), ("amount", "Amount")):
                        yield self._role_field(role, label)
                    yield Vertical(
                        Label("Date format  [dim]blank = ISO[/]", classes="field-label"),
                        Input(p.date_format or "" if p else "", id="f-date_format",
                              placeholder="e.g. %d/%m/%Y"),
                        Static("", id="e-date_format", classes="field-error"), classes="field")
                yield Static("", id="date-hint", classes="field-hint")
                yield Vertical(
                    Label("Outcome values that mean won  [dim]comma-separated, any case[/]",
                          classes="field-label"),
                    Input("", id="f-won_values", placeholder="e.g. yes, Closed Won"),
                    Static("", id="e-won_values", classes="field-error"),
                    Static("", id="outcome-values", classes="field-hint"), classes="field")
                with RadioSet(id="f-mode"):
                    yield RadioButton("Replace the leads dataset", value=self.replace,
                                      id="mode-replace")
                    yield RadioButton("Append to it (same columns)", value=not self.replace,
                                      id="mode-append", disabled=not self.has_leads)
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import (ctrl+s)", id="form-save", variant="primary")
                yield Button("Cancel (esc)", id="form-cancel")
        yield AlignFooter(show_command_palette=False)

    def _role_field(self, role: str, label: str) -> Vertical:
        return Vertical(Label(label, classes="field-label"),
                        Select([], id=f"f-{role}", prompt="none"),
                        Static("", id=f"e-{role}", classes="field-error"), classes="field")

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        for note in self.query(".field-error, #outcome-values, #date-hint"):
            note.display = False
        self.query_one("#import-preview", Static).update(Text(
            "Type the path of a CRM export and press enter to see its first rows.", style="dim"))
        if self.initial_path:
            self.load_preview()
        if self.refusal:  # after the preview, whose checks clear the form's message
            error = self.query_one("#form-error", Static)
            error.update(Text(f"Import refused: {self.refusal}"))
            error.display = True
        self.query_one("#f-path", Input).focus()

    # ---- preview ---------------------------------------------------------------------------
    def _typed_path(self) -> Path | None:
        text = self.query_one("#f-path", Input).value.strip()
        return pasted_path(text) if text else None

    @on(Input.Submitted, "#f-path")
    def load_preview(self) -> None:
        path = self._typed_path()
        self.preview = None
        self.preview_error = ""
        if path is None:
            self.preview_error = "give the path of a CSV file"
        else:
            try:
                self.preview = preview_csv(path)
            except AlignError as exc:
                self.preview_error = str(exc)
        show_field_errors(self, {"path": self.preview_error} if self.preview_error else {},
                          ("path",))
        self._choose_file(None if path is None else _same_file(path))
        self._draw_preview()
        self._fill_roles()
        self._show_date_hint()
        self._suggest_mode()

    def _choose_file(self, path: Path | None) -> None:
        """The roles to start from for this file: the refused import's exactly, for its own
        file; for any other, the last import's roles and guesses."""
        if self.previewed is None and None in self.modes_chosen and path is not None:
            self.modes_chosen.setdefault(path, self.modes_chosen.pop(None))
        self.previewed = path
        self.exact_roles, self.previous = False, self.last_roles
        if self.refused is not None and path == _same_file(self.refused.path):
            self.exact_roles, self.previous = True, self.refused.roles
        # The import appends to a file whose names match but for case (`_first_pass`).
        self.appendable = (self.has_leads and self.preview is not None and {
            name_key(c) for c in self.preview.columns} == self.dataset_columns)

    def _suggest_mode(self) -> None:
        if not self.has_leads or self.preview is None:
            return
        replace = self.modes_chosen.get(self.previewed, not self.appendable)
        button = self.query_one("#mode-replace" if replace else "#mode-append", RadioButton)
        self.replace = replace
        if not button.value:
            self.mode_suggested += 1
            button.value = True

    @on(RadioSet.Changed, "#f-mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        if self.mode_suggested:  # the form's own suggestion, not the user's choice
            self.mode_suggested -= 1
            return
        self.replace = event.pressed.id == "mode-replace"
        self.modes_chosen[self.previewed] = self.replace

    def _draw_preview(self) -> None:
        box = self.query_one("#import-preview", Static)
        if self.preview is None:
            box.update(Text("No preview.", style="dim"))
            return
        table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
        for name in self.preview.columns:  # a CSV's names and cells are text, never markup
            # a floor for each column: on a narrow screen the first columns (the id, often)
            # stay readable and the last ones go past the edge, instead of every one squeezed
            table.add_column(Text(name), no_wrap=True, max_width=16, overflow="ellipsis",
                             min_width=min(len(name), 10))
        for row in self.preview.rows:
            table.add_row(*[Text(row[i] if i < len(row) else "") for i in
                            range(len(self.preview.columns))])
        box.update(table)

    def _fill_roles(self) -> None:
        columns = self.preview.columns if self.preview else []
        for role in ROLE_FIELDS:
            select = self.query_one(f"#f-{role}", Select)
            select.set_options([(Text(c), c) for c in columns])
            if self.exact_roles:  # as asked for, none included, where the file still fits
                guess = getattr(self.previous, role, None)
                guess = spelled_as(guess, columns) if guess is not None else None
            else:
                guess = guess_role(role, columns, self.previous,
                                   self.preview.values if self.preview else None)
            if guess is not None:
                select.value = guess
        won = self.query_one("#f-won_values", Input)
        if self.kept_won and won.value == self.kept_won:
            won.value = self.kept_won = ""  # another file's roles: not typed for this one
        p = self.previous
        outcome = spelled_as(p.outcome, columns) if p is not None and p.outcome else None
        if p is not None and outcome is not None and not won.value.strip() and self._won_in_file(
                p.won_values, outcome):
            won.value = self.kept_won = ", ".join(p.won_values)  # the user's own, as if typed
            self.suggested_won = ""
        self._show_outcome_values()

    def _won_in_file(self, won_values: list[str], column: str) -> bool:
        """Whether the last import's won values still suit this file: yes unless the outcome
        column's first values say won in other words (`yes` where the last file said `1`), in
        which case the suggestion replaces them; a kept value no lead has would count every
        lead lost. A file of lost leads only keeps them."""
        values = self.preview.values.get(column, []) if self.preview else []
        return not different_won_words(values, won_values)

    @on(Select.Changed, "#f-outcome")
    def _show_outcome_values(self) -> None:
        """Under the won values: the outcome column's values in the file's first rows; and, while
        the field is empty or holds what was suggested, the ones that read as won."""
        hint = self.query_one("#outcome-values", Static)
        outcome = self._role("outcome")
        won = self.query_one("#f-won_values", Input)
        if self.preview is None or outcome is None:
            hint.update("")
            hint.display = False
            if self.suggested_won and won.value == self.suggested_won:
                won.value = self.suggested_won = ""  # no outcome: no values of ours for it
            return
        values = self.preview.values.get(outcome, [])
        more = ", …" if outcome in self.preview.more else ""
        hint.update(Text(f"{outcome} holds: {', '.join(values)}{more}" if values
                         else f"{outcome} is blank in the first rows", style="dim"))
        hint.display = True
        if not won.value.strip() or won.value == self.suggested_won:
            won.value = self.suggested_won = ", ".join(suggest_won_values(values))

    _ROLE_NEEDS = (("created", "date"), ("closed", "date"), ("amount", "number"))

    def _sample_problems(self) -> dict[str, SampleProblem]:
        """Per role, what the import will say of its column going by the file's first rows."""
        if self.preview is None:
            return {}
        typed = self.query_one("#f-date_format", Input).value.strip()
        date_format = typed if typed and date_format_problem(typed) is None else None
        problems = {}
        for role, wanted in self._ROLE_NEEDS:
            column = self._role(role)
            if column is not None and (problem := sampled_role_problem(
                    column, self.preview.values.get(column, []), wanted, date_format)):
                problems[role] = problem
        return problems

    @on(Select.Changed, "#f-created, #f-closed, #f-amount")
    @on(Input.Changed, "#f-date_format")
    def _show_date_hint(self) -> None:
        """Under the date format: the roles' columns the first rows already show will not import
        as they are, or whose dates could be read two ways. A refusal said at the date format
        goes once the format is mended."""
        error = self.query_one("#e-date_format", Static)
        typed = self.query_one("#f-date_format", Input).value.strip()
        if error.display and not (typed and date_format_problem(typed)):
            error.display = False
            self.query_one("#f-date_format", Input).remove_class("-invalid")
        hint = self.query_one("#date-hint", Static)
        problems = self._sample_problems()
        lines = [f"In the first rows, {p.message}." for p in problems.values()]
        hint.update(Text("\n".join(lines), style="dim"))
        hint.display = bool(lines)

    # ---- validation ------------------------------------------------------------------------
    def _role(self, role: str) -> str | None:
        value = self.query_one(f"#f-{role}", Select).value
        return None if value is Select.NULL else str(value)

    def validate_form(self) -> LeadsImportRequest | None:
        path = self._typed_path()
        if self.preview is None or path is None or _same_file(path) != self.previewed:
            # A path typed but not previewed: its first rows and roles are seen before it
            # imports, never another file's.
            self.load_preview()
            if self.preview is not None and path is not None:
                error = self.query_one("#form-error", Static)
                error.update(Text(f"These are the first rows of {path.name}: check the roles "
                                  "and the mode, then press ctrl+s to import."))
                error.display = True
            return None
        won = [v.strip() for v in self.query_one("#f-won_values", Input).value.split(",")
               if v.strip()]
        data: dict[str, Any] = {role: self._role(role) for role in ROLE_FIELDS}
        data["won_values"] = won
        data["date_format"] = self.query_one("#f-date_format", Input).value.strip() or None
        errors: dict[str, str] = {}
        if data["date_format"] and (problem := date_format_problem(data["date_format"])):
            errors["date_format"] = problem
        # Refusals the first rows already show are said here, before a replace is confirmed.
        errors.update({role: f"the import would refuse it: {problem.message}"
                       for role, problem in self._sample_problems().items() if problem.certain})
        if data["outcome"] and not won:
            errors["won_values"] = "say which outcome values mean won"
        if won and not data["outcome"]:
            errors["outcome"] = "pick the outcome column the won values are in"
        try:
            roles = LeadsRoles.model_validate(data)
        except ValidationError as exc:
            errors.update(field_errors(exc))
            roles = None
        show_field_errors(self, errors, IMPORT_FIELDS)
        if errors or roles is None:
            return None
        replace = self.query_one("#mode-replace", RadioButton).value or not self.has_leads
        return LeadsImportRequest(path, roles, replace)

    def action_save(self) -> None:
        request = self.validate_form()
        if request is None:
            return
        if not (request.replace and self.has_leads):
            self.dismiss(request)
            return
        from screens.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(request)

        one = self.lead_count == 1
        count = leads_text(self.lead_count) if self.lead_count else "the leads"
        lines = [f"The {count} now in the plan {'is' if one else 'are'} removed and the rows of "
                 f"{request.path.name} take {'its' if one else 'their'} place, if the whole "
                 "file imports.",
                 "Models and rules stay; rules on columns the file lacks will need fixing."]
        if self.appendable:  # otherwise the file cannot be appended: no use suggesting it
            lines.append("To add the rows instead, choose Append.")
        self.app.push_screen(ConfirmDialog(
            f"Replace {count} in the plan with {request.path.name}?", lines,
            confirm_label="Replace"), answered)
