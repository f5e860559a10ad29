"""What-if: type other values for a metric's inputs and watch the KPIs, key results and objectives
that depend on them move. Nothing is saved; escape puts everything back as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from model.kpi import format_value
from model.what_if import compare, inputs_of, parse_overrides
from screens.footer import AlignFooter
from screens.kpi_forms import typed_value
from screens.kpi_widgets import status_mark

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from model.kpi import KpiEngine
    from model.what_if import Change, PlanSnapshot

KIND_LABEL = {"metric": "KPI", "key_result": "key result", "objective": "objective"}
KIND_SHORT = {"metric": "KPI", "key_result": "KR", "objective": "obj"}
NAME_ROOM = 20
"""The fewest columns a name gets before the change list gives up the status words for room."""
FLOAT_DIGITS = 15
"""Significant digits a float keeps through decimal and back: the digits beyond are the noise of
binary sums (0.1 + 0.2 = 0.30000000000000004)."""


@dataclass(frozen=True)
class ChangeTable:
    """The changes, laid out for the width they are drawn at: with the kind and the status words
    where a name keeps `NAME_ROOM` columns beside them, else with short kinds and the status
    shapes beside the figures, so the name of what changed always shows and figures stay whole."""

    changes: Sequence[Change]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def table(self, width: int) -> Table:
        wide = width - self._wide_figures_width() >= NAME_ROOM
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                      expand=True)
        table.add_column("what", no_wrap=True)
        table.add_column("", ratio=1, min_width=NAME_ROOM // 2)
        if wide:
            table.add_column("before", justify="right", no_wrap=True)
            table.add_column("", no_wrap=True)
            table.add_column("→ after", justify="right", no_wrap=True)
            table.add_column("", no_wrap=True)
            for c in self.changes:
                table.add_row(KIND_LABEL[c.kind], Text(c.label), c.before,
                              status_mark(c.before_status), f"→ {c.after}",
                              status_mark(c.after_status))
            return table
        table.add_column("before", justify="right", no_wrap=True)
        table.add_column("→ after", justify="right", no_wrap=True)
        for c in self.changes:
            table.add_row(KIND_SHORT[c.kind], Text(c.label),
                          Text.assemble(f"{c.before} ", _status_shape(c.before_status)),
                          Text.assemble(f"→ {c.after} ", _status_shape(c.after_status)))
        return table

    def _wide_figures_width(self) -> int:
        """Columns the wide layout gives all but the name: the widest cell of each, and one
        column of padding either side of every column, the name's too."""
        columns = [["what", *(KIND_LABEL[c.kind] for c in self.changes)],
                   ["before", *(c.before for c in self.changes)],
                   [status_mark(c.before_status).plain for c in self.changes],
                   ["→ after", *(f"→ {c.after}" for c in self.changes)],
                   [status_mark(c.after_status).plain for c in self.changes]]
        return sum(max(map(cell_len, column)) + 2 for column in columns) + 2


def _status_shape(status: str | None) -> Text:
    """A status mark without its word: the shapes differ without colour too."""
    return status_mark(status)[:1]


class WhatIfScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "discard", "Discard what-if", id="what_if.discard"),
        Binding("ctrl+r", "reset", "Reset inputs", id="what_if.reset"),
    ]
    # under 30 rows the inputs lose their borders, so the change list keeps room to show in
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (30, "-tall")]

    def __init__(self, snapshot: PlanSnapshot, engine: KpiEngine, metric_id: str,
                 period: str) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.engine = engine
        self.metric_id = metric_id
        self.period = period
        self.inputs = inputs_of(engine, metric_id)
        self.changes: list[Change] = []
        self.overrides: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        metric = self.engine.metrics[self.metric_id]
        with Vertical(classes="dialog dialog-wide", id="what-if"):
            yield Label(f"What-if: {metric.name} in {self.period} — nothing is saved",
                        classes="dialog-title", markup=False)
            yield Static(self.engine.explain(self.metric_id, self.period), id="what-if-explain",
                         classes="field-hint", markup=False)
            for mid in self.inputs:
                m = self.engine.metrics[mid]
                now = self.engine.value(mid, self.period).value
                with Horizontal(classes="what-if-row"):
                    yield Label(f"{m.name} ({mid})", classes="what-if-name", markup=False)
                    yield Label(f"now {format_value(now, m.unit)}", classes="what-if-now")
                    yield Input(self.start[mid], id=f"wi-{mid}",
                                placeholder="in %" if m.unit == "percent" else "value",
                                classes="what-if-input")
            yield Static("", id="what-if-error", classes="form-error")
            with VerticalScroll(id="what-if-scroll"):
                yield Static("", id="what-if-changes")
            yield Static("type other values · tab, then ↑ ↓ scroll the changes · esc undoes all",
                         classes="dialog-hint")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self._recompute()
        if self.inputs:
            self.query_one(f"#wi-{self.inputs[0]}", Input).focus()

    @on(Input.Changed, ".what-if-input")
    def recompute_dependants(self) -> None:
        self._recompute()

    @cached_property
    def start(self) -> dict[str, str]:
        """Each input's starting text: its value now, exactly as a planner would type it (percent
        in %), without the float noise past `FLOAT_DIGITS`."""
        return {mid: typed_value(self.engine.value(mid, self.period).value,
                                 self.engine.metrics[mid].unit, most_digits=FLOAT_DIGITS)
                for mid in self.inputs}

    @cached_property
    def _percent(self) -> frozenset[str]:
        return frozenset(mid for mid in self.inputs if self.engine.metrics[mid].unit == "percent")

    @cached_property
    def _start_values(self) -> dict[str, float]:
        """What the starting texts read as: an input that reads as it started is no change,
        however it is written (4390437, 4,390,437) and whatever noise its value carried."""
        return parse_overrides(self.start, self._percent)[0]

    def _recompute(self) -> None:
        typed = {mid: self.query_one(f"#wi-{mid}", Input).value for mid in self.inputs}
        values, errors = parse_overrides(typed, self._percent)
        for mid in self.inputs:
            self.query_one(f"#wi-{mid}", Input).set_class(mid in errors, "-invalid")
        error = self.query_one("#what-if-error", Static)
        error.update("; ".join(f"{mid}: {msg}" for mid, msg in errors.items()))
        error.display = bool(errors)
        changed = {mid: v for mid, v in values.items()
                   if v != self._start_values.get(mid)
                   and v != self.engine.value(mid, self.period).value}
        self.overrides = changed
        if changed:
            after = self.snapshot.engine(changed, self.period)
            self.changes = compare(self.engine, after, self.period)
        else:
            self.changes = []
        self.query_one("#what-if-changes", Static).update(self._table())

    def _table(self) -> ChangeTable | Text:
        if not self.inputs:
            return Text("This metric has no inputs to change.", style="dim")
        if not self.changes:
            return Text("No change yet: type another value above.", style="dim")
        return ChangeTable(self.changes)

    def action_reset(self) -> None:
        for mid in self.inputs:
            self.query_one(f"#wi-{mid}", Input).value = self.start[mid]
        self._recompute()

    def action_discard(self) -> None:
        if self.overrides:
            self.notify("What-if discarded; nothing was saved.", timeout=3)
        self.dismiss(None)
