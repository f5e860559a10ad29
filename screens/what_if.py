"""What-if: type other values for a metric's inputs and watch the KPIs, key results and objectives
that depend on them move. Nothing is saved; escape puts everything back as it was."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

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
from screens.kpi_forms import typed_value
from screens.kpi_widgets import status_mark

if TYPE_CHECKING:
    from model.kpi import KpiEngine
    from model.what_if import Change, PlanSnapshot

KIND_LABEL = {"metric": "KPI", "key_result": "key result", "objective": "objective"}


class WhatIfScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "discard", "Discard what-if", id="what_if.discard"),
        Binding("ctrl+r", "reset", "Reset inputs", id="what_if.reset"),
    ]

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
            yield Static("type other values · escape discards and puts everything back · "
                         "ctrl+r resets", classes="dialog-hint")

    def on_mount(self) -> None:
        self._recompute()
        if self.inputs:
            self.query_one(f"#wi-{self.inputs[0]}", Input).focus()

    @on(Input.Changed, ".what-if-input")
    def recompute_dependants(self) -> None:
        self._recompute()

    @cached_property
    def start(self) -> dict[str, str]:
        """Each input's starting text: its value now, in digits enough to read (an input left
        as it started is no change, so the rounding never shows as one)."""
        return {mid: typed_value(self.engine.value(mid, self.period).value,
                                 self.engine.metrics[mid].unit, most_digits=6)
                for mid in self.inputs}

    def _typed(self) -> dict[str, str]:
        """The inputs someone changed."""
        typed = {mid: self.query_one(f"#wi-{mid}", Input).value for mid in self.inputs}
        return {mid: text for mid, text in typed.items() if text.strip() != self.start[mid]}

    def _recompute(self) -> None:
        percent = frozenset(mid for mid in self.inputs
                            if self.engine.metrics[mid].unit == "percent")
        values, errors = parse_overrides(self._typed(), percent)
        for mid in self.inputs:
            self.query_one(f"#wi-{mid}", Input).set_class(mid in errors, "-invalid")
        error = self.query_one("#what-if-error", Static)
        error.update("; ".join(f"{mid}: {msg}" for mid, msg in errors.items()))
        error.display = bool(errors)
        changed = {mid: v for mid, v in values.items()
                   if self.engine.value(mid, self.period).value != v}
        self.overrides = changed
        if changed:
            after = self.snapshot.engine(changed, self.period)
            self.changes = compare(self.engine, after, self.period)
        else:
            self.changes = []
        self.query_one("#what-if-changes", Static).update(self._table())

    def _table(self) -> Table | Text:
        if not self.inputs:
            return Text("This metric has no inputs to change.", style="dim")
        if not self.changes:
            return Text("No change yet: type another value above.", style="dim")
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                      expand=True)
        table.add_column("what", no_wrap=True)
        table.add_column("", ratio=1)
        table.add_column("before", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True)
        table.add_column("→ after", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True)
        for c in self.changes:
            table.add_row(KIND_LABEL[c.kind], Text(c.label), c.before, status_mark(c.before_status),
                          f"→ {c.after}", status_mark(c.after_status))
        return table

    def action_reset(self) -> None:
        for mid in self.inputs:
            self.query_one(f"#wi-{mid}", Input).value = self.start[mid]
        self._recompute()

    def action_discard(self) -> None:
        if self.overrides:
            self.notify("What-if discarded; nothing was saved.", timeout=3)
        self.dismiss(None)
