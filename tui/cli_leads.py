"""`align leads import` and `align score`: the leads dataset and the scoring backtest from the
command line. Model modules are imported inside the commands so `align --help` stays fast."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from model.errors import AlignError
from tui.cli import (
    as_of_value,
    drop_stdout,
    echo_document,
    fail,
    json_document,
    main,
    need_stdout,
    open_store,
    refuse_blank_file,
    say,
    shown,
    write_all,
)

SCORE_JSON_FORMAT = "align-score"
SCORE_JSON_VERSION = 1


class _Progress:
    """A progress bar on stderr, shown only on a terminal and only once the work has taken more
    than a second (so quick imports and pipes stay quiet). The total may grow on the way (an
    import that must read its file a second time); the bar then rescales."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = time.monotonic()
        self.bar: Any = None
        self.done = 0
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0 or done >= total:
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        if total != self.bar.length:
            self.bar.length = total
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _parse_outcome(value: str | None) -> tuple[str | None, list[str]]:
    if value is None:
        return None, []
    if not value.strip():  # --outcome "": no outcome column, not even the previous import's
        return "", []
    column, sep, won = value.partition("=")
    if not sep or not column.strip() or not won.strip():
        fail(f"--outcome: {value!r} is not COLUMN=WON1,WON2 (for example converted=1,yes)")
    return column.strip(), [v.strip() for v in won.split(",") if v.strip()]


def _kept_options(given: dict[str, str | None], date_format: str | None,
                  roles: dict[str, Any]) -> list[tuple[str, str]]:
    """The roles (and date format) taken from the previous import: each role's name, and the
    option that would give it."""
    kept = []
    for role, column in given.items():
        if column is None and roles[role]:
            value = roles[role]
            if role == "outcome":
                value = f"{value}={','.join(roles['won_values'])}"
            kept.append((role, f"--{role} {value}"))
    if date_format is None and roles["date_format"]:
        kept.append(("date_format", f"--date-format {roles['date_format']}"))
    return kept


def _kept_note(kept: list[tuple[str, str]], error: str | None = None) -> str:
    """What was kept from the previous import; for an `error`, only what it is about (the
    role it names; the date format, for an error about dates), or nothing."""
    if error is not None:
        kept = [(role, option) for role, option in kept
                if f"the {role} column" in error
                or (role == "date_format" and "date" in error)]
    if not kept:
        return ""
    return (f"kept from the previous import: {' '.join(option for _, option in kept)} "
            "(give one \"\" to import without it)")


@click.group("leads")
def leads() -> None:
    """Import and inspect the leads dataset used by lead scoring."""


@leads.command("import")
@click.argument("csv_path", metavar="CSV")
@click.argument("db")
@click.option("--id", "id_column", metavar="COL", help="Column holding the lead id.")
@click.option("--outcome", metavar="COL=V1,V2",
              help="Outcome column and the values that mean won (compared trimmed, any case).")
@click.option("--created", metavar="COL", help="Column holding the created date.")
@click.option("--closed", metavar="COL", help="Column holding the closed date (blank = open).")
@click.option("--amount", metavar="COL", help="Column holding the deal amount.")
@click.option("--date-format", metavar="FMT",
              help="strptime pattern for dates that are not ISO, e.g. %d/%m/%Y (\"\" to "
                   "guess the order, dropping the previous import's pattern).")
@click.option("--replace", is_flag=True,
              help="Replace the existing dataset (default: append to it; the first import "
                   "always creates it).")
def leads_import(csv_path: str, db: str, id_column: str | None, outcome: str | None,
                 created: str | None, closed: str | None, amount: str | None,
                 date_format: str | None, replace: bool) -> None:
    """Import the CRM export CSV into the plan DB.

    Column types are inferred from the whole file; roles not given on the command line are kept
    from the previous import when the file still has those columns (give a role "" to import
    without it). Nothing is written unless the whole file imports.
    """
    from model.leads import has_leads, import_leads_csv, leads_text, read_csv_header, spelled_as
    from model.schema import LeadsRoles

    outcome_column, won_values = _parse_outcome(outcome)
    # Not switched to WAL: a file the import refuses is left exactly as it was.
    store = open_store(db, wal=False)
    if store.write_refusal:  # before the CSV is looked at
        store.close()
        fail(store.write_refusal)
    progress = _Progress("importing leads")
    kept: list[tuple[str, str]] = []
    try:
        header = read_csv_header(Path(csv_path))
        previous = store.leads_roles() or LeadsRoles()
        given = {"id": id_column, "outcome": outcome_column, "created": created,
                 "closed": closed, "amount": amount}
        roles: dict[str, Any] = {}
        for role, column in given.items():
            if column is None and getattr(previous, role) is not None:
                column = spelled_as(getattr(previous, role), header)
            roles[role] = column or None  # "" asks for none
        roles["won_values"] = won_values if outcome_column else (
            previous.won_values if roles["outcome"] else [])
        roles["date_format"] = (date_format or None) if date_format is not None else (
            previous.date_format)
        kept = _kept_options(given, date_format, roles)
        existing = has_leads(store)
        report = import_leads_csv(store, csv_path, roles=LeadsRoles(**roles),
                                  replace=replace or not existing,
                                  date_format=roles["date_format"], progress=progress)
    except AlignError as exc:
        progress.close()
        note = _kept_note(kept, str(exc))
        fail(f"{exc}\n  {note}" if note else exc)
        return
    finally:
        progress.close()
        store.close()
    action = ("created the dataset" if report.created else "replaced the dataset"
              if report.replaced else "appended")
    if kept:
        say(_kept_note(kept))
    say(f"imported {leads_text(report.rows)} from {Path(csv_path).name} ({action}); "
        f"{leads_text(report.total_rows)} in the plan")
    say("columns: " + ", ".join(f"{c.name} ({c.type})" for c in report.columns))
    if report.duplicate_ids:
        examples = ", ".join(report.duplicate_examples)
        say(f"duplicate ids: {report.duplicates_text()} (for example {examples})")
    for warning in report.warnings:
        say(f"warning: {warning}")


def _pick_model(store: Any, model_id: str | None) -> Any:
    models = store.scoring_models()
    if not models:
        raise AlignError("the plan has no scoring models yet")
    if model_id is None:
        if len(models) > 1:
            raise AlignError("the plan has several scoring models; pick one with --model: "
                             + ", ".join(m.id for m in models))
        return models[0]
    for model in models:
        if model.id == model_id:
            return model
    raise AlignError(f"no scoring model {model_id!r}; models: "
                     + ", ".join(m.id for m in models))


def _notice_when_slow(conn: Any, message: str) -> Callable[[], None]:
    """One line on a terminal's stderr if a single long SQL statement passes a second."""
    if not sys.stderr.isatty():
        return lambda: None
    start = time.monotonic()
    noticed = False

    def handler() -> int:
        nonlocal noticed
        if not noticed and time.monotonic() - start > 1.0:
            noticed = True
            say(message, err=True)
        return 0

    conn.set_progress_handler(handler, 200_000)
    return lambda: conn.set_progress_handler(None, 0)


def write_scores_csv(store: Any, model: Any, as_of: dt.date, out: Path) -> int:
    """id, fit, engagement, total, cell, mql per lead, written through a temp file beside `out`
    (`atomic_file`), so a crash never leaves half a file."""
    from model.exchange import atomic_file
    from model.scoring import score_leads

    count = 0
    roles = store.leads_roles()
    by_id = bool(roles and roles.id)  # else the row number stands for the id
    with atomic_file(out, newline="", plan=store.path, kind=".csv") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "fit", "engagement", "total", "cell", "mql"])
        for lead in score_leads(store, model, as_of=as_of):
            s = lead.score
            # A lead without an id has a blank one: its row number could be another's id.
            ident = ("" if lead.id is None else lead.id) if by_id else lead.row
            writer.writerow([ident, s.fit, s.engagement, s.total, s.cell, int(s.mql)])
            count += 1
    return count


def score_json(model: Any, result: Any, csv_path: str | None) -> dict[str, Any]:
    body = result.to_dict()
    body.pop("model")
    return {"format": SCORE_JSON_FORMAT, "version": SCORE_JSON_VERSION,
            "model": {"id": model.id, "name": model.name}, **body, "csv": csv_path}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_score_report(model: Any, result: Any) -> str:
    """The report `align score` prints; the plan's text in it (the model's name, rule ids) is
    `shown`, so that it lines up in the tables and cannot drive the terminal."""
    lines = [f"Model {shown(model.id)} ({shown(model.name)}) · as of {result.as_of} · "
             f"{result.leads:,} leads"]
    if result.outcome_mapped:
        lines.append(f"Outcome: {result.decided:,} decided ({result.won:,} won, base rate "
                     f"{_pct(result.base_rate)}) · {result.open:,} open")
    else:
        lines.append("Outcome: no outcome column mapped (import with --outcome COL=WON) — "
                     "conversion figures are not available")
    lines += ["", "Grade matrix: leads (conversion rate)",
              "      " + "".join(f"{b:>18}" for b in ("1", "2", "3", "4"))]
    for fit in ("A", "B", "C", "D"):
        cells = []
        for eng in ("1", "2", "3", "4"):
            c = result.cell(fit + eng)
            text = f"{c.leads:,}" + (f" ({_pct(c.rate)})" if result.outcome_mapped else "")
            cells.append(f"{text:>18}")
        lines.append(f"  {fit}   " + "".join(cells))
    header = f"  {'band':<6}{'leads':>12}{'decided':>12}{'won':>10}{'rate':>9}{'lift':>7}{'wins':>8}"
    for title, bands in (("By fit band", result.fit_bands),
                         ("By engagement band", result.engagement_bands)):
        lines += ["", title, header]
        for b in bands:
            lines.append(f"  {b.key:<6}{b.leads:>12,}{b.decided:>12,}{b.won:>10,}"
                         f"{_pct(b.rate):>9}{_num(b.lift):>7}{_pct(b.share_of_wins):>8}")
    mql = result.mql
    lines += ["", f"AUC {_num(result.auc, 3)} · MQL {mql.leads:,} leads · precision "
                  f"{_pct(mql.precision)} · recall {_pct(mql.recall)}"]
    if result.rules:
        lines += ["", "Rule evidence",
                  f"  {'rule':<24}{'dim':<12}{'points':>7}{'matched':>12}{'rate':>9}{'lift':>7}"]
        for r in result.rules:
            name = shown(r.rule) + ("" if r.enabled else " (off)") + (" ko" if r.knockout else "")
            lines.append(f"  {name:<24}{r.dimension:<12}{r.points:>7}{r.leads:>12,}"
                         f"{_pct(r.rate):>9}{_num(r.lift):>7}")
    return "\n".join(lines)


@click.command("score")
@click.argument("db")
@click.option("--model", "model_id", metavar="ID",
              help="Scoring model to use (needed when the plan has several).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Date that date rules count back from (default: the day the leads were "
                   "imported).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the backtest as JSON (see docs/score-json.md).")
@click.option("--csv", "csv_out", metavar="OUT",
              help="Also write id, fit, engagement, total, cell, mql per lead to OUT.")
def score(db: str, model_id: str | None, as_of: str | None, as_json: bool,
          csv_out: str | None) -> None:
    """Score the leads in DB: grade matrix and backtest against outcomes."""
    from model.backtest import backtest
    from model.leads import default_as_of, has_leads

    day = as_of_value(as_of)
    if csv_out is None:
        need_stdout()
    if csv_out is not None and csv_out.strip() in ("", "-"):
        fail(f"--csv: give a file name ({csv_out!r} is none); the report itself goes to "
             "standard output, and `align leads export` writes scores there as CSV")
    store = open_store(db, read_only=True)
    if as_of is None:
        day = default_as_of(store, day)
    try:
        model = _pick_model(store, model_id)
        if not has_leads(store):  # rather than a rule's column reported missing
            raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
        stop = _notice_when_slow(store.conn, "scoring leads…")
        try:
            result = backtest(store, model, as_of=day)
            if csv_out:
                write_scores_csv(store, model, day, Path(csv_out))
        finally:
            stop()
    except AlignError as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"{csv_out}: cannot write ({exc.strerror})")
        return
    finally:
        store.close()
    if as_json:
        echo_document(json_document(score_json(model, result, csv_out)))
    else:
        say(format_score_report(model, result))
        if csv_out:
            say(f"\nscores written to {csv_out}")


class _Utf8Stream:
    """Standard output as the CSV writer's file: UTF-8 and the CSV's own line ends, as in a
    file written with -o, whatever the terminal's encoding."""

    def __init__(self, buffer: Any) -> None:
        self.buffer = buffer

    def write(self, text: str) -> int:
        write_all(self.buffer, text.encode("utf-8"))  # all of it: unbuffered, a write takes part
        return len(text)


# `--sort` names for the leads browser's orders (`model.lead_filter.sorts`, by label).
SORT_NAMES = {"score": "score", "lowest": "score, lowest first", "fit": "fit",
              "engagement": "engagement", "newest": "newest", "amount": "largest amount"}
_SORT_ROLES = {"newest": ("created", "--created"), "amount": ("amount", "--amount")}


@leads.command("export")
@click.argument("db")
@click.option("-o", "--output", "out", metavar="FILE",
              help="Write the CSV to FILE (default: standard output).")
@click.option("--model", "model_id", metavar="ID",
              help="Scoring model that ranks the leads (needed when the plan has several).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Date that date rules count back from (default: the day the leads were "
                   "imported).")
@click.option("--filter", "filter_text", metavar="TEXT", default="",
              help='Keep the leads that match, as the leads browser\'s filter does, e.g. '
                   '"mql open country:DE" (see docs/leads-browser.md).')
@click.option("--sort", "sort_name", type=click.Choice(list(SORT_NAMES)), default="score",
              show_default=True, help="Order of the leads.")
def leads_export(db: str, out: str | None, model_id: str | None, as_of: str | None,
                 filter_text: str, sort_name: str) -> None:
    """Write the leads of DB ranked by a scoring model as CSV: rank, fit, engagement, total,
    cell, mql and knocked_out, then every column of the lead, as `x` in the leads browser
    writes them. A call list, say: --filter "mql open" --sort newest."""
    from model.exchange import check_file_target
    from model.lead_filter import plan_view, sorts
    from model.lead_ranking import export_ranked_leads
    from model.leads import column_types, default_as_of

    day = as_of_value(as_of)
    refuse_blank_file("-o", out)
    if out == "-":
        out = None
    if out is None and sys.stdout is None:
        fail("standard output is closed; give a file with -o FILE")
        return
    store = open_store(db, read_only=True)
    if as_of is None:
        day = default_as_of(store, day)
    progress = _Progress("exporting leads")
    stream = None
    try:
        model = _pick_model(store, model_id)
        types = column_types(store)
        if not types:
            raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
        roles = store.leads_roles()
        label = SORT_NAMES[sort_name]
        sort = next((s for s in sorts(roles, types) if s.label == label), None)
        if sort is None:
            role, option = _SORT_ROLES[sort_name]
            raise AlignError(f"--sort {sort_name}: no column of the leads is mapped as {role}; "
                             f"import them with {option} COL")
        try:
            view = plan_view(store, types, filter_text, sort)
        except AlignError as exc:
            raise AlignError(f"--{exc}") from None
        if out is not None:
            check_file_target(out, store.path, kind=".csv")  # before the leads are ranked
        else:
            sys.stdout.flush()
            stream = _Utf8Stream(sys.stdout.buffer)
        count = export_ranked_leads(store.path, model, types, as_of=day, view=view,
                                    out=stream if out is None else Path(out),
                                    progress=progress if out is not None else None)
        if stream is not None:
            sys.stdout.buffer.flush()
    except AlignError as exc:
        progress.close()
        fail(str(exc))
        return
    except BrokenPipeError:  # the reader stopped early (`| head`): nothing more to say
        drop_stdout()
        sys.exit(1)
    except OSError as exc:
        progress.close()
        if out is None:
            drop_stdout()
        fail(f"{out or 'standard output'}: cannot write ({exc.strerror})")
        return
    except sqlite3.Error as exc:
        progress.close()
        fail(f"the leads could not be exported: {exc}")
        return
    finally:
        progress.close()
        store.close()
    if out is not None:
        kept = f", filter “{filter_text}”" if filter_text.strip() else ""
        say(f"exported {count:,} leads to {out} (model {model.id}{kept}, by {sort.label})",
            err=True)


main.add_command(leads)
main.add_command(score)
