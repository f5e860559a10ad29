"""The realignment signals of a period in full: the KPI review and review mode show a line each,
and `g` opens this list, where enter goes to what the highlighted signal is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.footer import AlignFooter

if TYPE_CHECKING:
    from model.signals import Signal

SEVERITY_MARK = {"high": ("▲ high", "bold red"), "medium": ("◐ medium", "bold yellow"),
                 "low": ("· low", "dim")}


def signal_text(signal: Signal) -> Text:
    """The severity in words and a shape, so it reads without colour, then the sentence."""
    label, style = SEVERITY_MARK[signal.severity]
    text = Text(f"{label:<9}", style=style)
    text.append(signal.message)
    return text


def signals_table(signals: list[Signal]) -> Table:
    """One signal a row, its sentence wrapping beside the severity."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for signal in signals:
        label, style = SEVERITY_MARK[signal.severity]
        table.add_row(Text(label, style=style), Text(signal.message))
    return table


def signals_heading(signals: list[Signal], shown: int) -> Text:
    """`Realignment signals (N)`, and the key to the whole list when not all of them fit."""
    text = Text(f"Realignment signals ({len(signals)})", style="bold")
    if not signals:
        text.append("  none for this period", style="dim")
    elif shown < len(signals):
        text.append(f"  {shown} shown · g lists all", style="dim")
    else:
        text.append("  g lists them in full", style="dim")
    return text


class SignalsDialog(ModalScreen["Signal | None"]):
    """Every signal of the period, wrapped in full. Dismisses with the one chosen by enter, or
    None when closed."""

    BINDINGS = [Binding("escape", "close", "Close", id="signals.close")]

    def __init__(self, signals: list[Signal], period: str, go_hint: str) -> None:
        super().__init__()
        self.signals = signals
        self.period = period
        self.go_hint = go_hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="signals-dialog"):
            yield Label(f"Realignment signals · {self.period} ({len(self.signals)})",
                        classes="dialog-title", markup=False)
            yield OptionList(id="signals-list")
            yield Static(f"enter {self.go_hint} · escape closes", classes="dialog-hint")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, signal in enumerate(self.signals):
            if i:
                options.add_option(None)  # a rule between sentences that wrap
            options.add_option(Option(signal_text(signal), id=str(i)))
        if not self.signals:
            options.add_option(Option(Text("No signals for this period.", style="dim"),
                                      disabled=True))
        else:
            options.highlighted = 0  # enter acts at once on the most severe
        options.focus()

    @on(OptionList.OptionSelected, "#signals-list")
    def choose(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.signals[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)
