"""The leads browser: ranked by score from the first page to the last, only visible lines
drawn, and the why panel showing each rule's part in the highlighted lead's score."""

from __future__ import annotations

from model.lead_ranking import rank_leads, ranked_page
from model.leads import column_types
from model.scoring import explain_lead, score_leads
from screens.leads_browser import PAGE_ROWS, LeadsBrowser
from tests.conftest import TODAY, text_of
from tests.lead_scoring_helpers import MODEL_ID, app_on, open_scoring, sample_copy, settle


def _line(browser: LeadsBrowser, y: int) -> str:
    return "".join(segment.text for segment in browser.render_line(y))


def _expected_order(store) -> list[tuple[int, int]]:
    model = store.scoring_model(MODEL_ID)
    scored = [(lead.score.total, lead.row) for lead in score_leads(store, model, as_of=TODAY)]
    return sorted(scored, key=lambda pair: (-pair[0], pair[1]))


async def test_first_page_is_the_highest_scores(tmp_path):
    store = sample_copy(tmp_path)
    order = _expected_order(store)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await pilot.press("l")
        await settle(pilot)
        browser = screen.query_one(LeadsBrowser)
        assert browser.has_focus and browser.count == 2000
        assert browser.virtual_size.height == 2000
        lead_id = store.db.execute("SELECT lead_id FROM leads WHERE _row = ?",
                                   [order[0][1]]).fetchone()[0]
        first = _line(browser, 0)
        assert first.split()[:2] == ["1", str(order[0][0])]
        assert lead_id in first
        assert "rank" in text_of(screen.query_one("#leads-header"))
        assert list(browser._pages.keys()) == [0]  # nothing beyond the first page was read
        why = text_of(screen.query_one("#why-body"))
        assert lead_id in why and "rank 1" in why


async def test_jump_to_the_end_and_why_panel(tmp_path):
    store = sample_copy(tmp_path)
    order = _expected_order(store)
    model = store.scoring_model(MODEL_ID)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await pilot.press("l")
        await settle(pilot)
        browser = screen.query_one(LeadsBrowser)
        await pilot.press("end")
        await settle(pilot)
        await pilot.pause(0.1)
        assert browser.cursor == 1999
        height = browser.scrollable_content_region.height
        assert browser.scroll_offset.y == 2000 - height
        last = _line(browser, height - 1)
        assert last.split()[:2] == ["2,000", str(order[-1][0])]
        assert set(browser._pages.keys()) <= {0, 1999 // PAGE_ROWS, (2000 - height) // PAGE_ROWS}

        explanation = explain_lead(store, model, order[-1][1], as_of=TODAY)
        why = text_of(screen.query_one("#why-body"))
        assert f"total {explanation.score.total} = fit {explanation.score.fit}" in why
        assert "rank 2,000" in why
        for part in explanation.rules:
            line = next(x for x in why.splitlines() if x.strip().startswith(part.rule))
            if part.matched and part.enabled:
                assert f"{part.points:+d}" in line
            else:
                assert line.rstrip().endswith("·") or line.rstrip().endswith("off")

        await pilot.press("home")
        await pilot.pause()
        assert browser.cursor == 0 and browser.scroll_offset.y == 0
        await pilot.press("down", "down", "pagedown")
        await pilot.pause()
        assert browser.cursor == 2 + height - 1


async def test_ranked_table_holds_every_lead_in_score_order(tmp_path):
    store = sample_copy(tmp_path)
    model = store.scoring_model(MODEL_ID)
    types = column_types(store)
    count = rank_leads(store.db.conn, model, types, as_of=TODAY)
    rows = ranked_page(store.db.conn, 1, count, ["lead_id"], types)
    assert [r[0] for r in rows] == list(range(1, count + 1))
    assert [(r[4], r[1]) for r in rows] == _expected_order(store)
    assert ranked_page(store.db.conn, count + 1, 10, [], types) == []


async def test_an_edit_reranks_the_browser(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await pilot.press("l")
        await settle(pilot)
        browser = screen.query_one(LeadsBrowser)
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")  # the first rule off
        await settle(pilot)
        assert browser.count == 2000
        order = _expected_order(store)
        assert _line(browser, 0).split()[:2] == ["1", str(order[0][0])]
        assert not store.scoring_model(MODEL_ID).rules[0].enabled
