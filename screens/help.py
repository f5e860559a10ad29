"""The key list, built from the bindings of every screen so it cannot go stale."""

from __future__ import annotations

from rich.console import Group
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
        """Two columns balanced by line count, so every key fits on one shared screen."""
        blocks: list[tuple[int, Group]] = []
        for title, rows in self.sections:
            merged: dict[str, list[str]] = {}
            for key, description in rows:
                merged.setdefault(description, []).append(key)
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", min_width=7, no_wrap=True)
            table.add_column()
            for description, keys in merged.items():
                table.add_row(" ".join(keys), description)
            blocks.append((len(merged) + 2, Group(Text(title, style="bold underline"), table,
                                                  Text(""))))
        total = sum(size for size, _ in blocks)
        left: list[Group] = []
        right: list[Group] = []
        used = 0
        for size, block in blocks:
            if used + size / 2 <= total / 2 or not left:
                left.append(block)
                used += size
            else:
                right.append(block)
        grid = Table.grid(padding=(0, 4), expand=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Group(*left), Group(*right))
        return grid

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)



def keys_markdown(sections: HelpSections) -> str:
    """docs/keys.md, from the same bindings as the help screen; a test keeps the two equal.
    Regenerate with `python -m screens.help > docs/keys.md`."""
    lines = ["# Keys", "", "Generated from the bindings (`python -m screens.help > docs/keys.md`);",
             "press `?` in Align for the same list. The footer shows the keys that fit the "
             "terminal's width; when some do not, it ends with `…  ? Help  q Quit`.", "",
             "Keys may be typed ahead: keys typed while a form, a filter box or another area "
             "is still opening wait for it, in order, and land there (for example `n` and a "
             "title in one go), never on the list underneath.", ""]
    for title, rows in sections:
        lines += [f"## {title}", "", "| key | what it does |", "|---|---|"]
        merged: dict[str, list[str]] = {}
        for key, description in rows:
            merged.setdefault(description, []).append(key)
        for description, keys in merged.items():
            shown = " ".join(f"`{k}`" for k in keys).replace("|", "\\|")
            lines.append(f"| {shown} | {description} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    from model.store import PlanStore
    from tui.app import build_app, help_sections

    print(keys_markdown(help_sections(build_app(PlanStore.memory()))), end="")
