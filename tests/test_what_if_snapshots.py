"""Snapshots of the what-if dialog on customer acquisition cost, marketing cost typed as 600,000:
at 80×24, where the change list gives up the status words for the names and scrolls, and at
120×40. Size, cursor blink, `today` and the plan's file name are pinned."""

from __future__ import annotations

from tests.conftest import TODAY
from tests.snapshot_support import SIZE, steady
from tests.test_what_if_narrow import NARROW, cac_store, what_if_on_cac  # noqa: F401
from tui.app import build_app


async def _what_if_on_cac(pilot) -> None:
    await what_if_on_cac(pilot.app, pilot)
    await steady(pilot)


def test_what_if_on_an_80_column_terminal(snap_compare, cac_store):  # noqa: F811
    app = build_app(cac_store, today=TODAY)
    assert snap_compare(app, terminal_size=NARROW, run_before=_what_if_on_cac)


def test_what_if_changes(snap_compare, cac_store):  # noqa: F811
    app = build_app(cac_store, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_what_if_on_cac)
