"""The leads dataset's date: recorded by each import, and the day scores count back from unless
another is asked for, on the command line, in Lead scoring and on persona cards alike."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from model.backtest import backtest
from model.leads import LEADS_DAY_KEY, default_as_of, import_leads_csv, leads_day
from model.persona_match import persona_leads
from model.schema import Condition, LeadsRoles
from screens.personas import PersonasScreen
from tests.conftest import text_of
from tests.lead_scoring_helpers import MODEL_ID, open_scoring, sample_copy, settle
from tests.leads_helpers import load
from tui.app import build_app
from tui.cli import main

SAMPLE_DAY = dt.date(2026, 6, 30)  # the sample's leads were imported "on" its review day
LATER = SAMPLE_DAY + dt.timedelta(days=150)  # a today long after: every sample lead is old
CSV = "id,created\na,2026-01-05\nb,2026-02-10\n"


def test_each_import_records_its_day_and_an_append_moves_it(empty_store, tmp_path):
    assert leads_day(empty_store.conn) is None
    assert default_as_of(empty_store, LATER) == LATER  # no leads: today
    load(empty_store, tmp_path, CSV, id="id", created="created")
    assert leads_day(empty_store.conn) == dt.date.today()
    path = tmp_path / "more.csv"
    path.write_text("id,created\nc,2026-03-01\n")
    import_leads_csv(empty_store, path, roles=LeadsRoles(id="id", created="created"),
                     replace=False, day=dt.date(2026, 3, 2))
    assert leads_day(empty_store.conn) == dt.date(2026, 3, 2)
    assert default_as_of(empty_store, LATER) == dt.date(2026, 3, 2)


def test_a_refused_import_leaves_the_day_as_it_was(empty_store, tmp_path):
    load(empty_store, tmp_path, CSV, id="id", created="created")
    before = leads_day(empty_store.conn)
    path = tmp_path / "bad.csv"
    path.write_text("id,created\nz,next week\n")
    try:
        import_leads_csv(empty_store, path, roles=LeadsRoles(id="id", created="created"),
                         day=dt.date(2020, 1, 1))
    except Exception:  # noqa: BLE001 - the refusal itself is tested with the import
        pass
    assert leads_day(empty_store.conn) == before


def test_a_dataset_without_a_recorded_day_scores_as_of_today(tmp_path):
    """Plans imported before the day was recorded, or a record no date can be read from."""
    store = sample_copy(tmp_path)
    with store.transaction():
        store.conn.execute("UPDATE align_meta SET value = 'soon' WHERE key = ?", [LEADS_DAY_KEY])
    assert leads_day(store.conn) is None and default_as_of(store, LATER) == LATER
    with store.transaction():
        store.conn.execute("DELETE FROM align_meta WHERE key = ?", [LEADS_DAY_KEY])
    assert default_as_of(store, LATER) == LATER


def test_align_score_counts_back_from_the_leads_day_unless_told(tmp_path):
    store = sample_copy(tmp_path)
    db = str(store.path)
    store.close()

    def scored(*args: str) -> dict:
        result = CliRunner().invoke(main, ["score", db, "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    default = scored()
    assert default["as_of"] == SAMPLE_DAY.isoformat()
    assert default == scored("--as-of", SAMPLE_DAY.isoformat())
    today = scored("--as-of", "today")
    assert today["as_of"] == dt.date.today().isoformat()
    # The sample's recency rule matches leads at its own date and none months later.
    recent = [r for r in default["rules"] if r["rule"] == "eng-recent-activity"]
    assert recent and recent[0]["leads"] > 0
    assert next(r for r in today["rules"] if r["rule"] == "eng-recent-activity")["leads"] == 0


async def test_lead_scoring_scores_as_of_the_leads_day_and_a_goes_to_today_and_back(tmp_path):
    store = sample_copy(tmp_path)
    model = store.scoring_model(MODEL_ID)
    async with build_app(store, today=LATER).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        assert screen.analysis.as_of == SAMPLE_DAY
        assert screen.analysis.result.to_dict() == backtest(store, model,
                                                             as_of=SAMPLE_DAY).to_dict()
        status = screen.query_one("#scoring-status-text")
        assert f"as of {SAMPLE_DAY.isoformat()} (the leads' date)" in text_of(status)

        await pilot.press("a")
        field = pilot.app.screen.query_one("#input-value")
        assert field.value == SAMPLE_DAY.isoformat()
        field.value = "today"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.analysis.as_of == LATER and screen.as_of == LATER
        assert f"as of {LATER.isoformat()} ·" in text_of(status)
        assert "the leads' date" not in text_of(status)

        await pilot.press("a")
        pilot.app.screen.query_one("#input-value").value = SAMPLE_DAY.isoformat()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.as_of is None and screen.analysis.as_of == SAMPLE_DAY


async def test_persona_cards_count_back_from_the_leads_day(tmp_path):
    store = sample_copy(tmp_path)
    olivia = store.persona("ops-olivia")
    recent = Condition(field="last_activity", op="within_last_days", value=30)
    olivia = olivia.model_copy(update={"match": [*olivia.match, recent]})
    store.save_persona(olivia)
    expected = persona_leads(store, olivia, as_of=SAMPLE_DAY)
    assert expected.leads > 0 and persona_leads(store, olivia, as_of=LATER).leads == 0
    async with build_app(store, today=LATER).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PersonasScreen)
        screen.selected_id = olivia.id
        screen._draw_card()
        await pilot.pause()
        card = text_of(screen.query_one("#persona-card-body"))
    assert f"{expected.leads:,} leads match" in card
    assert f"· as of {SAMPLE_DAY.isoformat()}" in card
