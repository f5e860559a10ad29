"""The key list, built from the bindings of every screen so it cannot go stale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HelpSections = list[tuple[str, list[tuple[str, str]]]]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", key_display="?", show=False,
                id="help.close_again"),
        Binding("q", "dismiss", "Close", show=False, id="help.close_q"),
    ]

    def __init__(self, sections: HelpSections) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(self._render_sections(), id="help-keys")
            yield Static("escape closes · ctrl+p opens the command palette", classes="dialog-hint")

    def _render_sections(self) -> Table:
        """Two columns of sections, so every key fits on one shared screen."""
        blocks = []
        for title, rows in self.sections:
            table = Table.grid(padding=(0, 1))
            table.add_column(style="bold", min_width=9, no_wrap=True)
            table.add_column()
            table.add_row(Text(title, style="bold underline"), "")
            for key, description in rows:
                table.add_row(key, description)
            blocks.append(table)
        half = (len(blocks) + 1) // 2
        left, right = blocks[:half], blocks[half:]
        grid = Table.grid(padding=(0, 4), expand=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(_stack(left), _stack(right))
        return grid

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def _stack(tables: list[Table]) -> Table:
    column = Table.grid(padding=(0, 0))
    column.add_column()
    for table in tables:
        column.add_row(table)
        column.add_row("")
    return column
