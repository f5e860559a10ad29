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


def check_file_target(text: str) -> str | None:
    """For an InputDialog asking where to write a file: what is wrong with `text`, or None."""
    path = Path(text).expanduser()
    if path.is_dir():
        return f"{text} is a folder; give a file name"
    if not path.parent.exists():
        return f"folder {path.parent} does not exist"
    return None


class InputDialog(ModalScreen[str | None]):
    """One line of text, e.g. a file name; `check` returns an error message or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

    def __init__(self, title: str, value: str = "", *, placeholder: str = "",
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.check = check

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
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
