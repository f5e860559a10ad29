"""Shared by the lead scoring screen tests: a private copy of sample.db, the app on it with a
pinned `today`, and waiting for the screen's workers the way a user waits for the figures."""

from __future__ import annotations

import shutil
from pathlib import Path

from model.seed import AS_OF
from model.store import PlanStore
from screens.lead_scoring import LeadScoringScreen
from screens.leads_browser import LeadsBrowser
from tests.conftest import TODAY
from tui.app import build_app

ROOT = Path(__file__).resolve().parents[1]
MODEL_ID = "northwind-b2b"
SAMPLE_DAY = AS_OF  # the sample leads' date, which scores count back from by default


def sample_copy(tmp_path: Path, name: str = "p.db") -> PlanStore:
    """sample.db copied first: the committed file is never opened for writing."""
    target = tmp_path / name
    shutil.copyfile(ROOT / "sample.db", target)
    return PlanStore.open(target)


def app_on(store: PlanStore):
    return build_app(store, today=TODAY)


async def settle(pilot) -> None:
    """Until no worker runs and no refresh is pending (a finished worker may start another)."""
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            break
    await pilot.pause()


async def open_scoring(pilot) -> LeadScoringScreen:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LeadScoringScreen)
    return screen


def rule_rows(store: PlanStore, model: str = MODEL_ID) -> dict[str, dict]:
    return {r["id"]: r for r in store.db.query(
        "SELECT * FROM rules WHERE model = ? ORDER BY position", [model])}


async def open_leads(pilot) -> tuple[LeadScoringScreen, LeadsBrowser]:
    """The Lead scoring screen on its Leads tab, the leads shown."""
    screen = await open_scoring(pilot)
    await pilot.press("l")
    await leads_settled(pilot)
    return screen, screen.query_one(LeadsBrowser)


async def leads_settled(pilot, timeout: float = 20.0) -> None:
    """Until the leads browser waits for nothing (`LeadScoringScreen.leads_settled`): the
    filter typed last in force or explained, the why panel on the lead under the cursor. Waits
    on the screen, not on the clock, so a slow machine waits longer rather than catching the
    browser between two filters."""
    screen = pilot.app.screen
    assert isinstance(screen, LeadScoringScreen)
    waited = 0.0
    while True:
        await settle(pilot)
        if screen.leads_settled and not any(w.is_running for w in pilot.app.workers):
            return
        assert waited < timeout, "the leads browser did not settle"
        await pilot.pause(0.05)
        waited += 0.05


async def paste_filter(pilot, text: str, *, opening: bool = True) -> None:
    """`text` into the leads filter at once, as a paste puts it (`/` first when `opening`;
    `/` selects what the box holds, so the paste replaces it), then until it is in force.
    Typed key by key on a slow machine, each prefix could be the filter in force for a
    moment, and a prefix that reads stays in force when the whole text does not."""
    from textual import events

    if opening:
        await pilot.press("slash")
    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()
    await leads_settled(pilot)
