"""Small dialogs the areas share: confirm, and ask for a line of text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from model.errors import AlignError
from screens.footer import AlignFooter


class ConfirmDialog(ModalScreen[bool]):
    """Asks before anything is destroyed or overwritten; says what goes with it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, title: str, lines: list[str] | None = None, *,
                 confirm_label: str = "Yes", danger: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines or [])
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.lines:
                yield Static("\n".join(f"• {line}" for line in self.lines), id="confirm-lines",
                             markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", id="confirm-yes",
                             variant="error" if self.danger else "primary")
                yield Button("No (n)", id="confirm-no")
        yield AlignFooter(show_command_palette=False)  # its own keys, not the screen's below

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#confirm-yes")
    def confirm_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def decline_pressed(self) -> None:
        self.dismiss(False)


def file_target(plan: Path | None, kind: str) -> Callable[[str], str | None]:
    """For an InputDialog asking where to write a `kind` file: what the write would refuse
    (a folder, a folder that does not exist, the plan or its journal files, a database, a
    read-only file), as a message, before the dialog closes."""
    from model.exchange import check_file_target

    def check(text: str) -> str | None:
        try:
            check_file_target(Path(text).expanduser(), plan, kind=kind)
        except AlignError as exc:
            return str(exc)
        return None

    return check


def replaces_a_file(text: str) -> str | None:
    """For an InputDialog asking where to write a file: a warning when a file is there."""
    path = Path(text).expanduser()
    if path.is_file():
        return f"{path.name} exists: enter again replaces it, or give another name"
    return None


class InputDialog(ModalScreen[str | None]):
    """One line of text, e.g. a file name; `check` returns an error message or None; `warn`
    a warning that a second enter on the same text goes past (a file to be replaced)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

    def __init__(self, title: str, value: str = "", *, placeholder: str = "",
                 check: Callable[[str], str | None] | None = None,
                 warn: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.warn = warn
        self.warned: str | None = None  # the text last warned about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="input-value")
            yield Static("", id="input-error", classes="field-error")
            yield Static("enter accepts · escape cancels", classes="dialog-hint")
        yield AlignFooter(show_command_palette=False)

    @on(Input.Submitted, "#input-value")
    def accept_value(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        problem = "enter a value" if not text else (self.check(text) if self.check else None)
        if problem:
            self.query_one("#input-value", Input).add_class("-invalid")
            self.query_one("#input-error", Static).update(Text(problem))
            return
        if self.warn is not None and text != self.warned and (warning := self.warn(text)):
            self.warned = text
            self.query_one("#input-value", Input).remove_class("-invalid")
            self.query_one("#input-error", Static).update(Text(warning, style="yellow"))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
