"""`align kpis`: the KPI review table for one period, as text or as JSON (docs/kpis-json.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from model.errors import AlignError
from model.kpi import KpiEngine, engine_for, format_value
from model.periods import parse_period
from model.signals import realignment_signals
from tui.cli import (
    PATH,
    as_of_value,
    echo_document,
    fail,
    json_document,
    main,
    need_stdout,
    open_store,
    refuse_blank_file,
    say,
    shown,
)

JSON_FORMAT = "align-kpis"
JSON_VERSION = 1
ARROWS = {"up": "↑", "down": "↓", "flat": "→", None: " "}


def _trend(current: float | None, previous: float | None) -> str | None:
    if current is None or previous is None:
        return None
    if current > previous:
        return "up"
    return "down" if current < previous else "flat"


def review_rows(engine: KpiEngine, period: str) -> list[dict[str, Any]]:
    """One row per metric, sorted by id: the shape documented in docs/kpis-json.md."""
    rows = []
    for metric in sorted(engine.plan.metrics, key=lambda m: m.id):
        result = engine.value(metric.id, period)
        previous = engine.trend(metric.id, period, 2)[0]
        target = engine.target(metric.id, period)
        actual = result.value
        variance = actual - target if actual is not None and target is not None else None
        share = variance / abs(target) if variance is not None and target else None
        rows.append({
            "metric": metric.id,
            "name": metric.name,
            "unit": metric.unit,
            "direction": metric.direction,
            "departments": list(metric.departments),
            "actual": actual,
            "target": target,
            "variance": variance,
            "variance_share": share,
            "status": engine.status(metric.id, period),
            "previous": previous,
            "trend": _trend(actual, previous),
            "not_applicable": engine.not_applicable(metric.id, period),
            "reason": None if actual is not None else result.reason,
            "explain": engine.explain(metric.id, period),
        })
    return rows


def _variance_text(row: dict[str, Any]) -> str:
    variance = row["variance"]
    if variance is None:
        return "—"
    sign = "+" if variance >= 0 else "−"
    if row["unit"] == "percent":
        return f"{sign}{abs(variance) * 100:,.1f} pt"
    text = sign + format_value(abs(variance), row["unit"])
    if row["variance_share"] is not None:
        text += f" ({sign}{abs(row['variance_share']):.0%})"
    return text


def _table(rows: list[dict[str, Any]]) -> list[str]:
    header = ("metric", "actual", "target", "variance", "status", "trend", "owners")
    cells = [header]
    for row in rows:
        actual = ("n/a" if row["not_applicable"]
                  else format_value(row["actual"], row["unit"]))
        cells.append((shown(row["name"]), actual, format_value(row["target"], row["unit"]),
                      _variance_text(row), row["status"] or "—", ARROWS[row["trend"]],
                      shown(", ".join(row["departments"]))))
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    right = {1, 2, 3}
    lines = []
    for c in cells:
        parts = [c[i].rjust(widths[i]) if i in right else c[i].ljust(widths[i])
                 for i in range(len(header))]
        lines.append("  ".join(parts).rstrip())
    return lines


@main.command("kpis")
@click.argument("db", type=PATH)
@click.option("--period", "period", metavar="P",
              help="Period to review: 2026, 2026-Q1 or 2026-03 (default: the latest with data).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Date the pace of a running period is judged on (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Stable JSON output (docs/kpis-json.md).")
@click.option("--minutes", "minutes", metavar="FILE",
              help="Write the Markdown minutes of the latest review meeting (of --period, if "
                   "given) to FILE, or to stdout with -, instead of the table "
                   "(docs/review-mode.md).")
def kpis(db: str, period: str | None, as_of: str | None, as_json: bool,
         minutes: str | None) -> None:
    """KPI review table for a period: actual, target, variance, status, trend, owners."""
    today = None if as_of is None else as_of_value(as_of)
    if period is not None:
        try:
            period = parse_period(period).id
        except ValueError as exc:
            fail(f"--period: {exc}")
    refuse_blank_file("--minutes", minutes)
    if minutes is None or minutes == "-":
        need_stdout()
    if minutes is not None:
        if as_json or as_of is not None:
            fail(f"--minutes writes the minutes instead of the table; leave out "
                 f"{'--json' if as_json else '--as-of'}")
        write_minutes(db, period, minutes)
        return
    store = open_store(db, read_only=True)
    on_terminal = sys.stderr.isatty()
    if on_terminal:
        click.echo("computing KPIs (and counting the leads dataset)…", err=True, nl=False)
    try:
        with store:
            engine = engine_for(store, today=today)
    except AlignError as exc:
        if on_terminal:
            click.echo("\r\x1b[K", err=True, nl=False)
        fail(str(exc))
    if on_terminal:
        click.echo("\r\x1b[K", err=True, nl=False)
    for warning in engine.warnings:
        say(f"warning: {warning}", err=True)
    if period is None:
        period = engine.latest_period_with_data()
        if period is None:
            fail("the plan has no measurements yet; choose a period with --period")
    assert period is not None
    rows = review_rows(engine, period)
    signals = realignment_signals(engine, period)
    if as_json:
        echo_document(json_document({
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "period": period,
            "as_of": engine.today.isoformat(),
            "elapsed": round(engine.elapsed(period), 4),
            "kpis": rows,
            "signals": [{"kind": s.kind, "severity": s.severity, "subjects": list(s.subjects),
                         "message": s.message} for s in signals],
        }))
        return
    elapsed = engine.elapsed(period)
    pace = "" if elapsed >= 1 else f", {elapsed:.0%} of the period elapsed"
    say(f"KPI review {period} (as of {engine.today.isoformat()}{pace})")
    say()
    for line in _table(sorted(rows, key=lambda r: r["name"].casefold())):
        say(line)
    if signals:
        say()
        say("Realignment signals")
        for s in signals:
            say(f"  [{s.severity}] {s.message}")


def write_minutes(db: str, period: str | None, target: str) -> None:
    """The minutes of the latest saved review: atomically to a file, or to stdout for `-`."""
    from model.exchange import write_atomic
    from model.reviews import latest_review, render_minutes

    store = open_store(db, read_only=True)
    with store:
        review = latest_review(store, period)
        name = store.settings().name
    if review is None:
        where = f" for {period}" if period else ""
        fail(f"the plan has no review{where} yet; run one with r on the KPI review screen")
    assert review is not None
    text = render_minutes(review, name)
    if target == "-":
        echo_document(text)
        return
    try:
        path = write_atomic(target, text, plan=Path(db), kind=".md")
    except AlignError as exc:
        fail(exc)
    except BrokenPipeError:
        raise  # a pipe whose reader is gone (/dev/stdout): as for standard output
    except OSError as exc:
        fail(f"{target}: cannot write ({exc.strerror})")
    say(f"wrote the minutes of {review.id} to {path}", err=True)
