"""Lead scoring (placeholder until the scoring area lands): what it will hold, how to get data
in, and what the plan already has."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.area import AreaBar, AreaScreen


class LeadScoringScreen(AreaScreen):
    AREA = "lead_scoring"
    KINDS: ClassVar[frozenset[str]] = frozenset({"scoring_models", "leads"})
    BINDINGS: ClassVar[list] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        with VerticalScroll(id="lead-scoring-body"):
            yield Static("", id="lead-scoring-summary")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        self.reload()

    def reload(self) -> None:
        from model.leads_metrics import LEADS_TABLE

        models = self.store.scoring_models()
        rules = sum(len(m.rules) for m in models)
        table = self.store.db[LEADS_TABLE]
        leads = table.count if table.exists() else 0
        text = Text("Lead scoring\n\n", style="bold")
        text.append("In this plan: ", style="bold")
        text.append(f"{len(models)} scoring model{'s' * (len(models) != 1)}, "
                    f"{rules} rule{'s' * (rules != 1)}, {leads:,} lead{'s' * (leads != 1)} imported.\n")
        for m in models:
            enabled = sum(1 for r in m.rules if r.enabled)
            text.append(f"  • {m.name} ({m.id}): {len(m.rules)} rules, {enabled} enabled, "
                        f"MQL cells {', '.join(m.mql_cells)}\n")
        text.append("\nThis area will show the models and their rules, the fit × engagement "
                    "grade matrix, the backtest against outcomes, per-rule evidence and a leads "
                    "browser sorted by score.\n\n", style="")
        text.append("Get data in from the command line:\n", style="bold")
        text.append("  align leads import leads.csv PLAN.db --id lead_id --outcome converted=1\n"
                    "  align score PLAN.db\n", style="cyan")
        text.append("or import a plan file with scoring models (ctrl+o).", style="dim")
        self.query_one("#lead-scoring-summary", Static).update(text)
