"""The `align` command line. Kept free of Textual imports so `--help`, export and import start fast."""

from __future__ import annotations

import datetime as dt
import errno
import gc
import io
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

import click

from model.errors import AlignError, PlanWriteError, is_damage, printable

# Start-up imports create a few hundred thousand long-lived objects; with the default threshold
# (700) the collector runs about a hundred young collections over them before the first screen.
# A larger first threshold keeps collecting all the same, less often, for the whole session.
gc.set_threshold(20_000, 20, 10)

DEFAULT_DB = "plan.db"

PATH = click.Path(readable=False)
"""A file argument: whether it can be read is Align's to say, as bad input (exit status 1)."""


# Subcommands that live in their own modules, imported only when asked for, so that opening the
# workbench does not pay for the engines behind them.
LAZY_COMMANDS = {
    "kpis": "tui.cli_kpis",
    "leads": "tui.cli_leads",
    "score": "tui.cli_leads",
}


class AlignGroup(click.Group):
    """`align [DB]` opens the workbench; `align COMMAND …` runs a command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            import importlib

            importlib.import_module(LAZY_COMMANDS[cmd_name])  # its decorators register it
        return self.commands.get(cmd_name)

    def misspelled_command(self, ctx: click.Context, word: str) -> bool:
        """Whether the first word, not a command, is one misspelled (`align exprot plan.db`)
        rather than the plan: no such file, no suffix, no folder in it, and close to a
        command's name as click judges it. `./chek` or `-- chek` names a plan all the same."""
        import difflib

        if os.path.lexists(word) or Path(word).suffix or os.sep in word or (
                os.altsep and os.altsep in word):
            return False
        return bool(difflib.get_close_matches(word, self.list_commands(ctx)))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args[:1] == ["--"] and len(args) > 1:  # `align -- -odd-name.db`
            ctx.meta["align_db"] = args[1]
            if len(args) > 2:
                raise click.UsageError(f"unexpected argument {args[2]!r} after the plan file", ctx)
            return super().parse_args(ctx, [])
        if args and not args[0].startswith("-") and args[0] not in self.list_commands(ctx):
            if self.misspelled_command(ctx, args[0]):
                raise click.exceptions.NoSuchCommand(
                    args[0], possibilities=self.list_commands(ctx), ctx=ctx)
            ctx.meta["align_db"] = args[0]
            args = args[1:]
            if args and not all(a.startswith("-") for a in args):
                raise click.UsageError(f"unexpected argument {args[0]!r} after the plan file", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """Runs the command; a plan file damaged inside, or a standard output that cannot be
        written, ends it with one `error:` line instead of a traceback."""
        try:
            result = super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            plan = ctx.meta.get("align_plan", "the plan")
            fail(f"{plan} is damaged ({exc}): restore it from a backup or a teammate's "
                 "exported TOML")
        except BrokenPipeError:
            drop_stdout()
            sys.exit(1)
        except OSError as exc:
            if exc.filename is not None and exc.strerror:
                # a path the system refuses (a name too long, a file where a folder should
                # be): the path and the system's reason, as for any other bad input
                fail(f"{exc.filename}: {exc.strerror}")
            if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT):
                raise
            drop_stdout()
            fail(f"standard output: cannot write ({exc.strerror})")
        except RuntimeError as exc:
            if not str(exc).startswith("Symlink loop"):
                raise
            where = str(exc).removeprefix("Symlink loop from ").strip("'")
            fail(f"{where}: the link leads round in a loop")
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except BrokenPipeError:
            drop_stdout()
            sys.exit(1)
        except OSError as exc:
            drop_stdout()
            fail(f"standard output: cannot write ({exc.strerror})")
        return result


def fail(message: str | AlignError) -> None:
    """Bad input: one `error: …` line on stderr (details indented below it), exit status 1."""
    if isinstance(message, AlignError):
        details = message.details
        first = message.message
        if details:
            more = f" (and {len(details) - 1} more below)" if len(details) > 1 else ""
            first = f"{first}: {details[0]}{more}"
        click.echo(printable(f"error: {first}"), err=True)
        for line in details[1:]:
            click.echo(printable(f"  {line}"), err=True)
    else:
        click.echo(printable(f"error: {message}"), err=True)
    sys.exit(1)


# What a terminal acts on rather than shows: control characters (C0 but for line breaks and
# tabs, DEL, C1) and the bidirectional controls that reorder the text around them.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Those of them that JSON leaves raw in a string.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """`text` for a line of a report: what a terminal would act on (an escape sequence from a
    plan's title or a CSV header) is escaped as `printable` escapes it (`\\x1b`), and nothing
    else, so that a joiner inside an emoji or a no-break space stays as written."""
    return _TERMINAL_CONTROLS.sub(lambda m: printable(m.group()), text)


def say(text: str = "", *, err: bool = False) -> None:
    """One line of a report (not of a document such as TOML or JSON), user text in it shown
    rather than acted on by the terminal."""
    click.echo(shown(text), err=err)


def json_document(data: object) -> str:
    """`data` as a JSON document: JSON escapes the C0 controls itself; DEL, C1 and the
    bidirectional controls, which it leaves raw, are escaped too (`\\u009b`), the same value
    to a parser."""
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def need_stdout() -> None:
    """For a command whose only output is its report on standard output: a closed one is an
    error, not a silent success."""
    if sys.stdout is None:
        fail("standard output is closed: the report has nowhere to go")


def refuse_blank_file(option: str, value: str | None) -> None:
    """An option's file given as "" (or spaces) names no file: said as such, not as the
    current folder that `Path("")` would make of it."""
    if value is not None and not value.strip():
        fail(f"{option}: give a file name ({value!r} is none)")


def drop_stdout() -> None:
    """What is left in standard output's buffer goes nowhere: a reader that has gone, or a
    full disk, must not make the exit print a second error."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def echo_document(text: str) -> None:
    """A document (TOML, JSON, Markdown) to standard output, encoded as UTF-8 whatever the
    terminal's encoding, so that `> file` holds what `-o file` would. A reader that stops early
    (`| head`) ends the command quietly with exit status 1, as any unfinished output; a write
    that fails is an error."""
    if sys.stdout is None:
        fail("standard output is closed; give a file with -o FILE")
    try:
        sys.stdout.flush()
        write_all(sys.stdout.buffer, text.encode("utf-8", "surrogateescape"))
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        drop_stdout()
        sys.exit(1)
    except OSError as exc:
        drop_stdout()
        fail(f"standard output: cannot write ({exc.strerror})")


def write_all(stream: io.RawIOBase | io.BufferedIOBase, data: bytes) -> None:
    """All of `data` to a binary stream. Unbuffered (`PYTHONUNBUFFERED`, `python -u`), standard
    output is the file itself, whose write may take only part of the bytes, as a pipe does when
    its reader stops early: the rest is written again, which then says why it cannot be (a
    broken pipe, a full disk). A write that takes nothing is taken for a reader gone."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:  # nothing taken (or would block): nothing more will be
            raise BrokenPipeError(errno.EPIPE, "standard output took no more")
        view = view[written:]


def as_of_value(value: str | None) -> dt.date:
    """--as-of as the app's as-of box reads it (an ISO day, or today); today when not given.
    Anything else is bad input (exit status 1), as every value Align reads itself."""
    from model.periods import parse_as_of

    today = dt.date.today()
    day = today if value is None else parse_as_of(value, today)
    if day is None:
        fail(f"--as-of: {value!r} is not a date such as 2026-03-31 (or today)")
    return day  # type: ignore[return-value]


def open_store(db: str, *, create: bool = False, read_only: bool = False, wal: bool = True):
    """The plan DB, or exit 1 saying what is wrong with it. `read_only`: for commands that only
    read it, which so leave the file as it is (`PlanStore.open`); `wal=False` for one whose
    write may yet be refused, which then leaves it as it was too."""
    from model.store import PlanStore

    if not str(db).strip():
        fail("DB is empty: give the plan file's name")
    if (ctx := click.get_current_context(silent=True)) is not None:
        ctx.meta["align_plan"] = db  # named if SQLite later finds the file damaged
    try:
        return PlanStore.open(Path(db), create=create, read_only=read_only, wal=wal)
    except AlignError as exc:
        fail(exc)


@contextmanager
def undone_if_failed(path: Path) -> Iterator[None]:
    """A new plan made at `path` is taken back if what follows fails: a file Align created is
    removed, an empty file the user had is left empty again, and a link stays a link (only
    the file it names is taken back). The store must be closed by then."""
    linked = path.is_symlink()
    real = path.resolve()
    real_existed = real.exists()
    try:
        yield
    except BaseException:
        # Best effort: the error being raised is what the user must see, not one of these.
        with suppress(OSError):
            for side in ("-wal", "-shm", "-journal"):
                Path(f"{real}{side}").unlink(missing_ok=True)
        with suppress(OSError):
            if real_existed:
                if real.is_file() and real.stat().st_size:  # only a plain file, emptied again
                    with open(real, "r+b") as fh:
                        fh.truncate(0)
            else:
                real.unlink(missing_ok=True)
                if not linked:
                    path.unlink(missing_ok=True)
        raise


@click.group(cls=AlignGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="align", prog_name="align")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Align: joint objectives, lead scoring, personas and KPIs, from the keyboard.

    Run `align [DB]` to open the workbench on DB (default ./plan.db, created if missing).
    """
    for stream in (sys.stdout, sys.stderr):  # a terminal in Latin-1 shows "?" for "—"
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    if ctx.invoked_subcommand is not None:
        return
    db = ctx.meta.get("align_db", DEFAULT_DB)
    store = open_store(db, create=True)
    from tui.app import run_app

    if status := run_app(store):
        ctx.exit(status)


@main.command("init")
@click.argument("db", type=PATH)
@click.option("--sample", is_flag=True, help="Add the demo content (objectives, KPIs, personas, leads).")
@click.option("--name", default=None, help="Plan name (default: the file name).")
def init_command(db: str, sample: bool, name: str | None) -> None:
    """Create a new plan DB with the default departments and KPI catalog."""
    from pydantic import ValidationError

    from model.catalog import default_departments, default_metrics
    from model.schema import Plan, PlanSettings, default_plan_name
    from model.store import PlanStore, format_validation_error

    path = Path(db)
    if not db.strip():
        fail("DB is empty: give the new plan file's name")
    if name is not None:
        try:
            name = PlanSettings(name=name).name
        except ValidationError as exc:
            fail(f"--{format_validation_error(exc)[0]}")
    if path.is_dir():
        fail(f"{db} is a folder; give a file name for the new plan")
    if path.exists() and path.stat().st_size > 0:
        fail(f"{db} already exists; choose another file name or remove it first")
    with undone_if_failed(path):
        try:
            store = PlanStore.open(path, create=True, name=name)
        except AlignError as exc:
            fail(exc)
        with store:
            if sample:
                from model.seed import populate_seed_store

                populate_seed_store(store)
                if name:
                    store.save_settings(store.settings().model_copy(update={"name": name}))
            else:
                settings = PlanSettings(name=name or default_plan_name(path))
                store.apply_plan(Plan(settings=settings, departments=default_departments(),
                                      metrics=default_metrics()), replace=True)
            counts = store.counts()
    say(f"created {db}: {counts['departments']} departments, {counts['metrics']} metrics"
        + (f", {counts['objectives']} objectives, {counts['personas']} personas"
           if sample else ""))


@main.command("export")
@click.argument("db", type=PATH)
@click.option("-o", "--output", type=PATH, default=None,
              help="Write to FILE (atomically) instead of standard output (-).")
def export_command(db: str, output: str | None) -> None:
    """Export the whole plan DB as TOML."""
    from model.exchange import export_toml, write_atomic

    refuse_blank_file("-o", output)
    store = open_store(db, read_only=True)
    with store:
        text = export_toml(store)
    if output is None or output == "-":
        echo_document(text)
        return
    try:
        write_atomic(output, text, plan=Path(db), kind=".toml")  # refuses the plan, any database
    except AlignError as exc:
        fail(exc)
    except BrokenPipeError:
        raise  # -o /dev/stdout, its reader gone: as for standard output (`AlignGroup.invoke`)
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror})")
    say(f"exported {db} to {output}", err=True)


@main.command("import")
@click.argument("file", type=PATH)
@click.argument("db", type=PATH)
@click.option("--replace", is_flag=True, help="Make the plan equal to the file (default: merge).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_command(file: str, db: str, replace: bool, dry_run: bool) -> None:
    """Import a TOML plan FILE into DB: merge by id (default) or replace."""
    from model.exchange import import_plan, read_plan_file
    from model.store import PlanStore, read_only_reason

    if not db.strip():
        fail("DB is empty: give the plan file's name")
    if dry_run:
        need_stdout()  # the report is all a dry run makes
    path = Path(db)
    if not dry_run and path.is_file() and (reason := read_only_reason(path)):
        # before the file is read: whatever it holds, it cannot go in
        fail(f"{reason}: nothing was imported; try --dry-run to see what the import would "
             "change")
    is_new = not path.exists() or path.stat().st_size == 0
    if is_new and (refusal := PlanStore.creation_refusal(path)):
        fail(refusal)  # a dry run too, which makes its plan in memory: as the import would
    try:
        parsed = read_plan_file(file)
    except AlignError as exc:
        fail(exc)
    click.get_current_context().meta["align_plan"] = db
    try:
        with undone_if_failed(path) if is_new and not dry_run else nullcontext():
            try:
                if is_new and dry_run:
                    store = PlanStore.memory()
                elif dry_run and PlanStore.would_migrate(path):
                    store = PlanStore.snapshot(path)  # a dry run writes nothing, not even an upgrade
                else:
                    store = open_store(db, create=True, read_only=dry_run)
            except AlignError as exc:
                fail(exc)
            with store:
                diff = import_plan(store, parsed, replace=replace, dry_run=dry_run)
    except PlanWriteError as exc:
        fail(AlignError(f"{db}: {exc.message}", details=exc.details))
    except AlignError as exc:
        fail(AlignError(f"{file}: {exc.message}", details=exc.details))
    for warning in diff.warnings:
        click.echo(printable(f"warning: {file}: {warning}"), err=True)
    mode = "replace" if replace else "merge"
    head = (f"dry run ({mode}): nothing was written; the import would make these changes:"
            if dry_run else f"imported {file} into {db} ({mode}):")
    if sys.stdout is None:
        # the plan holds the import by now: that is what the exit status says
        click.echo(printable(f"note: imported {file} into {db}; standard output is closed, so "
                             "its summary was not printed"), err=True)
        return
    try:
        say("\n".join([head, *diff.summary_lines()]))
        sys.stdout.flush()
    except OSError as exc:
        drop_stdout()
        if dry_run:
            if isinstance(exc, BrokenPipeError):  # the reader stopped early: quietly
                sys.exit(1)
            fail(f"standard output: cannot write ({exc.strerror})")
        # the plan holds the import by now: that is what the exit status says
        say(f"note: imported {file} into {db}; its summary could not be printed "
            f"({exc.strerror})", err=True)


@main.command("check")
@click.argument("db", type=PATH)
@click.option("--period", default=None, metavar="P",
              help="Period for the realignment signals (default: the latest with data).")
def check_command(db: str, period: str | None) -> None:
    """Integrity and alignment health report for DB (exit 1 when the file has integrity problems)."""
    need_stdout()
    from model.check import check_plan
    from model.periods import parse_period

    if period is not None:
        try:
            period = parse_period(period).id
        except ValueError as exc:
            fail(f"--period: {exc}")
    store = open_store(db, read_only=True)
    try:
        with store:
            report = check_plan(store, period)
    except AlignError as exc:
        fail(exc)
    for line in report.lines():
        say(line)
    if report.has_errors:
        sys.exit(1)


@main.command("merge-file")
@click.argument("ours", type=PATH)
@click.argument("base", type=PATH)
@click.argument("theirs", type=PATH)
@click.option("-p", "--stdout", "to_stdout", is_flag=True,
              help="Print the merge instead of writing it into OURS.")
@click.option("--marker-size", type=click.IntRange(1, 1000), default=7, show_default=True,
              metavar="N", help="Length of the conflict markers (git's %L).")
def merge_file_command(ours: str, base: str, theirs: str, to_stdout: bool,
                       marker_size: int) -> None:
    """Merge two edits of one TOML plan by entity, as git's merge driver for plan files.

    Like `git merge-file`: the result goes into OURS; exit 0 when it merged cleanly, 1 when
    conflicts are left marked in it. Files that are not plans as Align writes them are merged
    by git, as text.
    """
    from model.exchange import write_atomic
    from model.plan_merge import merge_as_text, merge_plan_texts, read_side, side_text

    paths = {"ours": Path(ours), "base": Path(base), "theirs": Path(theirs)}
    try:
        raw = {label: read_side(path, label) for label, path in paths.items()}
        try:
            texts = {label: side_text(data, label) for label, data in raw.items()}
            merged = merge_plan_texts(texts["base"], texts["ours"], texts["theirs"],
                                      marker=marker_size)
        except AlignError as exc:
            say(f"note: not merged by entity: {exc}; merging as text", err=True)
            text, conflicts = merge_as_text(paths["ours"], paths["base"], paths["theirs"],
                                            marker=marker_size)
            problems = [f"conflict: {conflicts} place(s) marked in the text"] if conflicts else []
        else:
            text = merged.text
            broken = ("the merged plan does not hold together, whichever side each conflict "
                      "keeps" if merged.conflicts else "the merged plan does not hold together")
            problems = ([f"conflict: {message}" for message in merged.conflicts]
                        + [f"error: {broken}: {error}" for error in merged.errors])
        # a text merge keeps bytes that are not UTF-8 as they were
        if to_stdout:
            echo_document(text)
        else:
            write_atomic(paths["ours"], text, errors="surrogateescape")
    except AlignError as exc:
        fail(exc)
    except BrokenPipeError:
        raise  # OURS a pipe whose reader is gone: as for standard output (`AlignGroup.invoke`)
    except OSError as exc:
        fail(f"{ours}: cannot write ({exc.strerror})")
    for line in problems:
        say(line, err=True)
    if problems:
        sys.exit(1)


# registered commands: each area adds its module to LAZY_COMMANDS above
