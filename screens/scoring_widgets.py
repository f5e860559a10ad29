"""What the lead scoring screen draws: the models list and rules table with their own keys, and
the grade matrix, backtest and comparison as Rich renderables of `model.backtest` results (the
same figures `align score --json` prints)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList

from model.scoring import ENGAGEMENT_BANDS, FIT_BANDS
from screens.scoring_forms import describe_condition
from screens.tables import RowTable


class ModelList(OptionList):
    """The plan's scoring models; its keys act on the highlighted model."""

    BINDINGS = [
        Binding("n", "screen.new_model", "New model", id="scoring_models.new"),
        # the footer has `b` for it already, from anywhere on the screen
        Binding("e,enter", "screen.edit_model", "Bands & MQL", key_display="e", show=False,
                id="scoring_models.edit"),
        Binding("r", "screen.rename_model", "Rename", id="scoring_models.rename"),
        Binding("y", "screen.duplicate_model", "Duplicate", id="scoring_models.duplicate"),
        Binding("d,delete", "screen.delete_model", "Delete model", key_display="d",
                id="scoring_models.delete"),
    ]


class RuleTable(RowTable):
    """The selected model's rules, edited in place."""

    BINDINGS = [
        Binding("n", "screen.new_rule", "New rule", id="scoring_rules.new"),
        Binding("e,enter", "screen.edit_rule", "Edit rule", key_display="e",
                id="scoring_rules.edit"),
        Binding("space", "screen.toggle_rule", "On/off", id="scoring_rules.toggle"),
        Binding("y", "screen.duplicate_rule", "Duplicate rule", id="scoring_rules.duplicate"),
        Binding("d,delete", "screen.delete_rule", "Delete rule", key_display="d",
                id="scoring_rules.delete"),
    ]


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def conditions_text(rule: Any) -> str:
    return " and ".join(describe_condition(c) for c in rule.when)


def grade_matrix(model: Any, result: Any, *, compact: bool = False) -> Table:
    """Fit bands down, engagement bands across; each cell's lead count and conversion rate, MQL
    cells marked ★."""
    table = Table(title=None if compact else "Grade matrix · leads (conversion)",
                  title_justify="left", title_style="bold", padding=(0, 1), show_lines=False,
                  header_style="bold")
    table.add_column("fit" if compact else "fit \\ eng", no_wrap=True)
    eng_min = model.engagement_bands
    for band in ENGAGEMENT_BANDS:
        label = f"{band} ≥{eng_min[band]}" if band in eng_min else f"{band} <{eng_min['3']}"
        table.add_column(band if compact else label, justify="right", no_wrap=True)
    fit_min = model.fit_bands
    for fit in FIT_BANDS:
        label = f"{fit} ≥{fit_min[fit]}" if fit in fit_min else f"{fit} <{fit_min['C']}"
        if compact:
            label = fit
        cells: list[Text] = []
        for eng in ENGAGEMENT_BANDS:
            c = result.cell(fit + eng)
            mql = (fit + eng) in model.mql_cells
            text = Text(f"{'★' if mql else ' '}{c.leads:,}",
                        style="bold green" if mql else ("dim" if not c.leads else ""))
            if result.outcome_mapped:
                text.append(f" {pct(c.rate, 0) if c.decided else '–':>4}",
                            style="green" if mql else "cyan")
            cells.append(text)
        table.add_row(Text(label, style="bold"), *cells)
    if not compact:
        caption = "★ MQL cells"
        if model.mql_min_total is not None:
            caption += f"; a lead with a total of {model.mql_min_total:g} or more is MQL too"
        table.caption = caption
        table.caption_justify = "left"
        table.caption_style = "dim"
    return table


class Facts:
    """Short facts joined by `sep` on as few lines as the width allows, a line breaking only
    between facts (never `base rate` from its figure), unless one fact alone is wider."""

    def __init__(self, facts: list[Text], sep: str = " · ") -> None:
        self.facts = facts
        self.sep = sep

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        line = Text()
        for fact in self.facts:
            if line and line.cell_len + len(self.sep) + fact.cell_len > width:
                yield line
                line = Text()
            if line:
                line.append(self.sep, style="dim")
            line.append_text(fact)
        if line:
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [fact.cell_len for fact in self.facts] or [0]
        return Measurement(max(widths), sum(widths) + len(self.sep) * (len(widths) - 1))


def _fact(label: str, figure: str, *, after: bool = False) -> Text:
    """`label figure` (or `figure label`), the figure in bold."""
    parts = [(figure, "bold"), (f" {label}", "")] if after else [(f"{label} ", "dim"),
                                                                    (figure, "bold")]
    return Text.assemble(*parts)


def backtest_summary(result: Any) -> Group:
    """Headline figures, then conversion by fit and engagement band."""
    facts = [_fact("leads", f"{result.leads:,}", after=True)]
    if result.outcome_mapped:
        facts += [_fact("decided", f"{result.decided:,}", after=True),
                  _fact("won", f"{result.won:,}", after=True),
                  _fact("base rate", pct(result.base_rate)),
                  _fact("open", f"{result.open:,}", after=True)]
    else:
        facts.append(Text("no outcome column mapped: conversion figures need one "
                          "(i to re-import)", style="yellow"))
    head = Facts(facts)
    mql = result.mql
    line = Facts([_fact("AUC", num(result.auc, 3)), _fact("MQL", f"{mql.leads:,}"),
                  _fact("precision", pct(mql.precision)), _fact("recall", pct(mql.recall))],
                 sep="   ")
    table = Table(padding=(0, 1), header_style="bold", show_edge=False, box=None)
    # conv is won of decided (open leads have no outcome yet), so decided stands beside it
    for name, justify in (("band", "left"), ("leads", "right"), ("decided", "right"),
                          ("won", "right"), ("conv", "right"), ("lift", "right"),
                          ("wins", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for group in (result.fit_bands, result.engagement_bands):
        for b in group:
            table.add_row(f"{'fit' if b.key in FIT_BANDS else 'eng'} {b.key}", f"{b.leads:,}",
                          f"{b.decided:,}", f"{b.won:,}", pct(b.rate), num(b.lift),
                          pct(b.share_of_wins))
    return Group(head, line, Text(""), table)


def comparison_view(a: Any, b: Any, comparison: Any) -> Group:
    """Two models over the same leads: headline figures with b − a, and both grade matrices."""
    left, right = comparison.a, comparison.b
    table = Table(title=Text(f"{a.name} vs {b.name} · as of {left.as_of}"), title_justify="left",
                  title_style="bold", padding=(0, 2), header_style="bold")
    table.add_column("")
    table.add_column(a.id, justify="right")
    table.add_column(b.id, justify="right")
    table.add_column("Δ (right − left)", justify="right")

    def delta(value: float | None, percent: bool) -> Text:
        if value is None:
            return Text("–", style="dim")
        text = f"{value * 100:+.1f} pts" if percent else f"{value:+.3f}"
        return Text(text, style="green" if value > 0 else ("red" if value < 0 else ""))

    table.add_row("AUC", num(left.auc, 3), num(right.auc, 3), delta(comparison.auc_delta, False))
    table.add_row("MQL leads", f"{left.mql.leads:,}", f"{right.mql.leads:,}",
                  Text(f"{comparison.mql_delta:+,}"))
    table.add_row("MQL precision", pct(left.mql.precision), pct(right.mql.precision),
                  delta(comparison.precision_delta, True))
    table.add_row("MQL recall", pct(left.mql.recall), pct(right.mql.recall),
                  delta(comparison.recall_delta, True))
    table.add_row("Enabled rules", str(sum(r.enabled for r in a.rules)),
                  str(sum(r.enabled for r in b.rules)), "")
    matrices = Table.grid(padding=(0, 3))
    matrices.add_column()
    matrices.add_column()
    matrices.add_row(Text(a.name, style="bold"), Text(b.name, style="bold"))
    matrices.add_row(grade_matrix(a, left, compact=True), grade_matrix(b, right, compact=True))
    return Group(table, Text(""), matrices)
