"""Shows what an import would add, change and remove, and asks merge or replace."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from model.errors import AlignError


class ImportDialog(ModalScreen[str | None]):
    """Returns "merge" or "replace"; the caller confirms again before anything is written."""

    BINDINGS = [
        Binding("m", "show('merge')", "Merge view", id="import.merge"),
        Binding("r", "show('replace')", "Replace view", id="import.replace"),
        Binding("a", "apply", "Apply…", id="import.apply"),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    mode: reactive[str] = reactive("merge")

    def __init__(self, file_name: str, merge: Any, replace: Any) -> None:
        super().__init__()
        self.file_name = file_name
        self.diffs = {"merge": merge, "replace": replace}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(f"Import {self.file_name}", classes="dialog-title", markup=False)
            yield Static("", id="import-mode")
            with VerticalScroll(id="import-diff-scroll"):
                yield Static("", id="import-diff", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Merge (m)", id="import-merge")
                yield Button("Replace (r)", id="import-replace")
                yield Button("Apply… (a)", id="import-apply", variant="primary")
                yield Button("Cancel (esc)", id="import-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-apply", Button).focus()

    def watch_mode(self, mode: str) -> None:
        explain = {
            "merge": "Merge: add and update what the file has; keep everything it does not mention.",
            "replace": "Replace: make the plan equal to the file; what it does not have is removed.",
        }[mode]
        self.query_one("#import-mode", Static).update(explain)
        diff = self.diffs[mode]
        if isinstance(diff, AlignError):
            lines = [f"This mode cannot import the file: {diff.message}", *diff.details]
        elif diff.is_empty:
            lines = ["No differences.", *diff.report_lines()[1:]]
        else:
            lines = diff.report_lines()
        self.query_one("#import-diff", Static).update("\n".join(lines))
        for name in ("merge", "replace"):
            self.query_one(f"#import-{name}", Button).variant = (
                "warning" if name == mode else "default")

    def action_show(self, mode: str) -> None:
        self.mode = mode

    def action_apply(self) -> None:
        diff = self.diffs[self.mode]
        if isinstance(diff, AlignError):
            self.app.notify(f"{self.mode.capitalize()} cannot import this file: {diff.message}",
                            severity="warning")
            return
        self.dismiss(self.mode)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#import-merge")
    def show_merge(self) -> None:
        self.mode = "merge"

    @on(Button.Pressed, "#import-replace")
    def show_replace(self) -> None:
        self.mode = "replace"

    @on(Button.Pressed, "#import-apply")
    def apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#import-cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)
