"""KPI review (placeholder until the review area lands): what it will hold, how to get data in,
and what the plan has for the current period."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.area import AreaBar, AreaScreen


class KpiReviewScreen(AreaScreen):
    AREA = "kpi_review"
    KINDS: ClassVar[frozenset[str]] = frozenset({"metrics", "measurements", "leads"})
    BINDINGS: ClassVar[list] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        with VerticalScroll(id="kpi-review-body"):
            yield Static("", id="kpi-review-summary")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        self.reload()

    def reload(self) -> None:
        from model.periods import contains

        period = self.period
        metrics = self.store.metrics()
        targeted = sum(1 for m in metrics if period in m.targets)
        recorded = {m.metric for m in self.store.measurements() if contains(period, m.period)}
        formulas = sum(1 for m in metrics if m.formula)
        text = Text(f"KPI review · {period}\n\n", style="bold")
        text.append("In this plan: ", style="bold")
        text.append(f"{len(metrics)} metrics ({formulas} computed by formula); "
                    f"{targeted} with a target for {period}; "
                    f"{len(recorded)} with measurements in {period}.\n")
        text.append("\nThis area will show each metric's actual, target, variance and status "
                    "for the period, trends, the formula with its inputs filled in, realignment "
                    "signals, and review mode for the meeting.\n\n")
        text.append("Get data in from the command line:\n", style="bold")
        text.append("  align kpis PLAN.db --period " + period + "\n", style="cyan")
        text.append("  align leads import leads.csv PLAN.db   (leads, customers, deals per month)\n",
                    style="cyan")
        text.append("or import a plan file with measurements (ctrl+o).", style="dim")
        self.query_one("#kpi-review-summary", Static).update(text)
