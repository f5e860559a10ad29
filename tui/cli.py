"""The `align` command line. Kept free of Textual imports so `--help`, export and import start fast."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from model.errors import AlignError

DEFAULT_DB = "plan.db"


class AlignGroup(click.Group):
    """`align [DB]` opens the workbench; `align COMMAND …` runs a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            ctx.meta["align_db"] = args[0]
            args = args[1:]
            if args and not all(a.startswith("-") for a in args):
                raise click.UsageError(f"unexpected argument {args[0]!r} after the plan file", ctx)
        return super().parse_args(ctx, args)


def fail(message: str) -> None:
    """Bad input: one `error: …` line on stderr and exit status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def open_store(db: str, *, create: bool = False):
    from model.store import PlanStore

    try:
        return PlanStore.open(Path(db), create=create)
    except AlignError as exc:
        fail(str(exc))


@click.group(cls=AlignGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="align", prog_name="align")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Align: joint objectives, lead scoring, personas and KPIs, from the keyboard.

    Run `align [DB]` to open the workbench on DB (default ./plan.db, created if missing).
    """
    if ctx.invoked_subcommand is not None:
        return
    db = ctx.meta.get("align_db", DEFAULT_DB)
    store = open_store(db, create=True)
    from tui.app import run_app

    run_app(store)


# registered commands: each area adds its commands here, one line each
