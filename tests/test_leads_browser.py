"""The leads browser: ranked by score from the first page to the last, only visible lines
drawn, and the why panel showing each rule's part in the highlighted lead's score."""

from __future__ import annotations

import sqlite3
import threading

from textual import events

from model.lead_ranking import rank_leads, ranked_page
from model.leads import column_types
from model.scoring import explain_lead, score_leads
from screens.dialogs import InputDialog
from screens.lead_scoring import LeadScoringScreen
from screens.leads_browser import PAGE_ROWS, LeadsBrowser
from tests.conftest import text_of
from tests.lead_scoring_helpers import (
    MODEL_ID,
    SAMPLE_DAY,
    app_on,
    leads_settled,
    open_leads,
    paste_filter,
    sample_copy,
    settle,
)


def _line(browser: LeadsBrowser, y: int) -> str:
    return "".join(segment.text for segment in browser.render_line(y))


def _expected_order(store) -> list[tuple[int, int]]:
    model = store.scoring_model(MODEL_ID)
    scored = [(lead.score.total, lead.row) for lead in score_leads(store, model, as_of=SAMPLE_DAY)]
    return sorted(scored, key=lambda pair: (-pair[0], pair[1]))


async def test_first_page_is_the_highest_scores(tmp_path):
    store = sample_copy(tmp_path)
    order = _expected_order(store)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
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
        screen, browser = await open_leads(pilot)
        await pilot.press("end")
        await leads_settled(pilot)
        assert browser.cursor == 1999
        height = browser.scrollable_content_region.height
        assert browser.scroll_offset.y == 2000 - height
        last = _line(browser, height - 1)
        assert last.split()[:2] == ["2,000", str(order[-1][0])]
        assert set(browser._pages.keys()) <= {0, 1999 // PAGE_ROWS, (2000 - height) // PAGE_ROWS}

        explanation = explain_lead(store, model, order[-1][1], as_of=SAMPLE_DAY)
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
    count = rank_leads(store.db.conn, model, types, as_of=SAMPLE_DAY)
    rows = ranked_page(store.db.conn, 1, count, ["lead_id"], types)
    assert [r[0] for r in rows] == list(range(1, count + 1))
    assert [(r[4], r[1]) for r in rows] == _expected_order(store)
    assert ranked_page(store.db.conn, count + 1, 10, [], types) == []


async def test_an_edit_reranks_the_browser(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")  # the first rule off
        await settle(pilot)
        assert browser.count == 2000
        order = _expected_order(store)
        assert _line(browser, 0).split()[:2] == ["1", str(order[0][0])]
        assert not store.scoring_model(MODEL_ID).rules[0].enabled


async def _a_page_down(pilot, browser: LeadsBrowser) -> tuple[int, int]:
    """The cursor a page and two leads down; its screen line and the lead's `_row`."""
    await pilot.press("pagedown", "down", "down")
    await leads_settled(pilot)
    return browser.cursor - browser.scroll_offset.y, browser.row_at(browser.cursor)[1]


async def test_an_edit_keeps_the_lead_under_the_cursor(tmp_path):
    """The lead the why panel explains stays selected through the new ranking, at its new
    rank, on the screen line it was on: an edit shows what it did to that lead."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        line, row = await _a_page_down(pilot, browser)
        before = browser.cursor
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")  # the first rule off: every lead is ranked again
        await leads_settled(pilot)
        after = [r for _, r in _expected_order(store)].index(row)
        assert after != before  # the lead moved, and the cursor went with it
        assert browser.cursor == after and browser.row_at(after)[1] == row
        assert browser.cursor - browser.scroll_offset.y == line
        lead_id = store.db.execute("SELECT lead_id FROM leads WHERE _row = ?", [row]).fetchone()[0]
        why = text_of(screen.query_one("#why-body"))
        assert lead_id in why and f"rank {after + 1:,}" in why


async def test_a_lead_an_edit_drops_from_the_filter_leaves_the_cursor_on_top(tmp_path):
    """Under a filter on the score (`mql`), a lead the edit takes out of the view cannot be
    followed: the cursor starts at the top of the new view."""
    store = sample_copy(tmp_path)
    model = store.scoring_model(MODEL_ID)
    off = model.model_copy(update={"rules": [model.rules[0].model_copy(update={"enabled": False}),
                                             *model.rules[1:]]})
    still = {lead.row for lead in score_leads(store, off, as_of=SAMPLE_DAY) if lead.score.mql}
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _filter(pilot, "mql")
        await pilot.press("enter")
        dropped = next(i for i in range(browser.count) if browser.row_at(i)[1] not in still)
        browser.cursor = dropped
        await leads_settled(pilot)
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await leads_settled(pilot)
        assert browser.count == len(still)
        assert browser.cursor == 0 and browser.scroll_offset.y == 0
        assert f"rank {browser.row_at(0)[0]:,}" in text_of(screen.query_one("#why-body"))


def _cursor_seen(browser: LeadsBrowser) -> bool:
    top = browser.scroll_offset.y
    return top <= browser.cursor < top + browser.scrollable_content_region.height


async def test_moves_typed_while_the_leads_are_ranked_are_made_once_they_show(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, browser = await open_leads(pilot)
        source = browser.lend_source()  # as while a worker ranks or filters
        await pilot.press("down", "down", "down", "up")
        assert browser.cursor == 0 and browser.count == 0
        assert browser._pending == [("move", 2)]  # a run of moves is kept as one
        browser.set_source(source)
        await pilot.pause()
        assert browser.cursor == 2

        # Without leads the browser has no horizontal scrollbar and one more line: the moves
        # are made once the leads' own layout is known, so the cursor is never under it.
        for keys, where in ((("end", "up"), 1998), (("pagedown", "pagedown"), None)):
            browser.cursor = 0
            source = browser.lend_source()
            await pilot.press(*keys)
            browser.set_source(source)
            await pilot.pause()
            assert where is None or browser.cursor == where
            assert browser.cursor > 0 and _cursor_seen(browser)

        source = browser.lend_source()
        await pilot.press("end")
        browser.discard_pending()  # the ranking failed: nothing is left to move later
        browser.set_source(source)
        await pilot.pause()
        assert browser.cursor == 0


async def test_a_move_made_before_the_leads_are_laid_out_stays_in_sight(tmp_path):
    """`end` handled in the same tick as the leads arrive lands in sight once they are laid
    out; columns move sideways whole, so no horizontal scrollbar takes a line."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, browser = await open_leads(pilot)
        source = browser.lend_source()
        await pilot.pause()
        browser.set_source(source)
        browser.action_last()
        await pilot.pause()
        assert not browser.show_horizontal_scrollbar
        assert browser.cursor == 1999 and _cursor_seen(browser)


async def test_end_typed_with_a_filter_lands_on_the_last_lead_it_keeps(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, browser = await open_leads(pilot)
        await pilot.press("slash", *"-zzzz", "enter", "end")  # every lead, in a view table
        await leads_settled(pilot)
        assert browser.source.view and browser.count == 2000
        assert browser.cursor == 1999 and _cursor_seen(browser)


async def test_a_lead_followed_to_the_last_screen_stays_in_sight(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await pilot.press("end")
        await leads_settled(pilot)
        row = browser.row_at(browser.cursor)[1]
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await leads_settled(pilot)
        assert browser.row_at(browser.cursor)[1] == row and _cursor_seen(browser)


async def test_a_smaller_window_keeps_the_highlighted_lead_in_sight(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, browser = await open_leads(pilot)
        await pilot.press("end")
        await leads_settled(pilot)
        assert _cursor_seen(browser)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert browser.cursor == browser.count - 1 and _cursor_seen(browser)


async def test_a_ranking_that_ends_a_view_build_keeps_the_screen_line(tmp_path):
    """Another order starts a view build (the leads go to a worker); a rule edit before it
    comes back ranks again: the lead is followed onto the line it was on."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        line, row = await _a_page_down(pilot, browser)
        screen.leads_sort = 1
        assert screen._start_view() and browser.source is None
        screen._start_analysis()
        await leads_settled(pilot)
        assert browser.row_at(browser.cursor)[1] == row
        assert browser.cursor - browser.scroll_offset.y == line


async def test_moves_typed_during_a_ranking_wait_for_the_filter_typed_too(tmp_path,
                                                                        monkeypatch):
    """`end` typed while the leads are ranked again, after a filter: the old ranking stays on
    screen, but `end` waits for the view of that filter, built once the ranking is back, and
    lands on its last lead, not on the old ranking's."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        ranked = _hold_rankings(screen, monkeypatch)  # until the keys are typed
        screen._start_analysis()  # as after a rule edit or another as-of date
        while screen._ranked_key is None:
            await pilot.pause(0.01)
        await pilot.press("slash")
        pilot.app.focused.post_message(events.Paste("won"))
        await pilot.pause()
        await pilot.press("enter", "end")
        assert browser.stale and browser._pending == [("last", 0)]
        assert "2,000 leads · by score · ranking again… then filter “won”, by score" in \
            text_of(screen.query_one("#leads-status"))
        ranked.set()
        await leads_settled(pilot)
        assert browser.source.view_key[0] == "won" and browser.count == _won(store)
        assert browser.cursor == browser.count - 1 and _cursor_seen(browser)


async def test_moves_made_when_no_leads_will_come_are_dropped(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        screen._start_analysis()
        screen._token += 1  # that analysis is superseded by one that fails
        screen._failed("the plan could not be read")
        await settle(pilot)
        browser.focus()
        await pilot.press("down", "down", "down")
        assert browser._pending == []
        screen._start_analysis()  # a later analysis ranks the leads again
        await leads_settled(pilot)
        assert browser.cursor == 0


def _hold_rankings(screen: LeadScoringScreen, monkeypatch) -> threading.Event:
    """Ranking workers wait, once the leads are ranked, until the event returned is set."""
    ranked = threading.Event()
    build = LeadScoringScreen._build_view

    def held_build(source, view, columns):
        ranked.wait(10)
        build(source, view, columns)

    monkeypatch.setattr(screen, "_build_view", held_build)
    return ranked


async def _edit_a_rule(pilot, screen: LeadScoringScreen) -> None:
    """The first rule turned off, as a user does, until its ranking is under way."""
    screen.query_one("#scoring-rules").focus()
    await pilot.press("space")
    while screen._ranked_key is None:
        await pilot.pause(0.01)


def _dim(browser: LeadsBrowser, y: int) -> bool:
    return all(segment.style.dim for segment in browser.render_line(y) if segment.text.strip())


async def _why_drawn(pilot, screen: LeadScoringScreen) -> str:
    while screen._why_timer is not None:
        await pilot.pause(0.01)
    return text_of(screen.query_one("#why-body"))


async def test_the_old_ranking_stays_while_the_leads_are_ranked_again(tmp_path, monkeypatch):
    """A rule edit does not blank the browser: the old ranking stays, dimmed, under a status
    that says it is being ranked again, and the cursor moves on it. The why panel explains the
    lead with the edited rules but drops the rank it no longer knows. The new ranking follows
    the lead the cursor moved to."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        old = browser.source
        assert not _dim(browser, 1)
        ranked = _hold_rankings(screen, monkeypatch)  # while the old ranking is looked at
        await _edit_a_rule(pilot, screen)
        assert browser.source is old and browser.stale and browser.count == 2000
        assert _dim(browser, 1)
        assert "2,000 leads · by score · ranking again" in text_of(screen.query_one("#leads-status"))
        browser.focus()
        await pilot.press("down", "down")
        assert browser.cursor == 2 and browser._pending == []
        row = browser.row_at(2)[1]
        lead_id = store.db.execute("SELECT lead_id FROM leads WHERE _row = ?", [row]).fetchone()[0]
        why = await _why_drawn(pilot, screen)
        assert lead_id in why and "rank " not in why
        ranked.set()
        await leads_settled(pilot)
        after = [r for _, r in _expected_order(store)].index(row)
        assert browser.source is not old and not browser.stale and not _dim(browser, 1)
        assert browser.cursor == after and browser.row_at(after)[1] == row
        assert "ranking again" not in text_of(screen.query_one("#leads-status"))
        assert f"rank {after + 1:,}" in await _why_drawn(pilot, screen)


async def test_a_model_that_cannot_score_leaves_no_old_ranking(tmp_path):
    """An edit after which the model cannot score (a rule on a column the leads lack) takes the
    old ranking away and says why, rather than leave it looking current."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        model = store.scoring_model(MODEL_ID)
        broken = model.rules[0].model_copy(update={"when": [
            model.rules[0].when[0].model_copy(update={"field": "no_such_column"})]})
        store.save_scoring_model(model.model_copy(update={"rules": [broken, *model.rules[1:]]}))
        screen.reload()
        await leads_settled(pilot)
        assert browser.source is None and not browser.stale
        assert "the leads could not be scored" in text_of(screen.query_one("#leads-header"))
        assert not text_of(screen.query_one("#leads-status")).strip()
        assert not text_of(screen.query_one("#why-body")).strip()


async def test_a_ranking_that_fails_leaves_no_old_ranking(tmp_path, monkeypatch):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)

        def failing(source, view, columns):
            raise sqlite3.OperationalError("database disk image is malformed")

        monkeypatch.setattr(screen, "_build_view", failing)
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")  # a rule edit, and the ranking after it fails
        await leads_settled(pilot)
        assert browser.source is None and not browser.stale
        assert "malformed" in text_of(screen.query_one("#leads-header"))
        assert not text_of(screen.query_one("#why-body")).strip()


async def test_an_edit_made_on_another_tab_keeps_the_cursor_line(tmp_path):
    """The old ranking kept while the Leads tab is hidden is not scrolled (it has no size
    then), so the new ranking still puts the lead on the screen line it was on."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        # mid-screen, deep enough that the lead, moved up by the edit, is not near the top
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "up", "up", "up")
        await leads_settled(pilot)
        line, row = browser.cursor - browser.scroll_offset.y, browser.row_at(browser.cursor)[1]
        await pilot.press("m")
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("l")
        await leads_settled(pilot)
        assert browser.row_at(browser.cursor)[1] == row
        assert browser.cursor - browser.scroll_offset.y == line


async def test_the_lead_followed_is_the_one_under_the_cursor(tmp_path, monkeypatch):
    """A move on the old ranking made as the new one arrives, before its highlight reaches the
    screen, is the lead followed, not the lead the why panel explained a moment before."""
    from screens.lead_scoring import LeadsRanked

    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        ranked = _hold_rankings(screen, monkeypatch)
        held: list[LeadsRanked] = []
        post = screen.post_message

        def keep_the_ranking(message):
            if isinstance(message, LeadsRanked):
                held.append(message)
                return True
            return post(message)

        await _edit_a_rule(pilot, screen)
        browser.focus()
        await pilot.press("down", "down")
        await _why_drawn(pilot, screen)
        monkeypatch.setattr(screen, "post_message", keep_the_ranking)
        ranked.set()
        while not held:
            await pilot.pause(0.01)
        post(held[0])  # the ranking reaches the screen before the highlight of the move
        browser.action_move(1)
        row = browser.row_at(browser.cursor)[1]
        await leads_settled(pilot)
        assert not browser.stale and browser.row_at(browser.cursor)[1] == row
        assert screen._why_row == (row, browser.cursor + 1)


async def test_no_export_of_the_old_ranking(tmp_path, monkeypatch):
    """`x` while the leads are ranked again waits for them: the export would write the new
    ranking, not the leads on screen."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        ranked = _hold_rankings(screen, monkeypatch)
        await _edit_a_rule(pilot, screen)
        browser.focus()
        await pilot.press("x")
        assert not isinstance(pilot.app.screen, InputDialog)
        assert any("not shown yet" in n.message for n in pilot.app._notifications)
        ranked.set()
        await leads_settled(pilot)
        await pilot.press("x")
        assert isinstance(pilot.app.screen, InputDialog)
        await pilot.press("escape")
        screen._export_leads_to(str(tmp_path / "leads.csv"))  # the dialog answered meanwhile
        ranked = _hold_rankings(screen, monkeypatch)
        await _edit_a_rule(pilot, screen)
        screen._export_leads_to(str(tmp_path / "later.csv"))
        await pilot.pause()
        assert any("changed while the file was being chosen" in n.message
                   for n in pilot.app._notifications)
        ranked.set()
        await leads_settled(pilot)
        assert (tmp_path / "leads.csv").exists() and not (tmp_path / "later.csv").exists()


# ---- filter and order ---------------------------------------------------------------------

def _won(store) -> int:
    return store.db.execute("SELECT count(*) FROM leads WHERE converted = '1'").fetchone()[0]


async def _filter(pilot, text: str) -> None:
    """`/`, the text pasted, then until it is in force."""
    await paste_filter(pilot, text)


async def _won_by_lowest_score(pilot) -> None:
    await _filter(pilot, "won")
    await pilot.press("enter", "s")
    await settle(pilot)


def _shown(browser: LeadsBrowser) -> list[tuple]:
    return [browser.row_at(i) for i in range(browser.count)]


async def test_a_filter_keeps_the_matching_leads_by_score(tmp_path):
    store = sample_copy(tmp_path)
    saas = store.db.execute("SELECT count(*) FROM leads WHERE industry LIKE '%saas%'").fetchone()[0]
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await pilot.press("slash", *"industry:SaaS")  # typed key by key
        await leads_settled(pilot)
        assert 0 < saas < 2000 and browser.count == saas
        rows = _shown(browser)
        ranks = [r[0] for r in rows]
        assert ranks == sorted(ranks) and len(set(ranks)) == saas
        industry = browser.source.columns.index("industry")
        assert all("saas" in r[8 + industry].lower() for r in rows)
        status = text_of(screen.query_one("#leads-status"))
        assert f"{saas:,} of 2,000 leads" in status and "filter “industry:SaaS”" in status
        assert "by score" in status
        why = text_of(screen.query_one("#why-body"))
        assert f"rank {ranks[0]:,}" in why  # the why panel follows the first lead shown

        await pilot.press("enter")
        assert browser.has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert browser.count == 2000 and browser.row_at(0)[0] == 1
        assert not screen.query_one("#leads-filter").display
        assert "2,000 leads · by score" in text_of(screen.query_one("#leads-status"))


async def test_a_bad_filter_is_explained_and_the_leads_stay(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _filter(pilot, "emplyees>5")
        error = screen.query_one("#leads-filter-error")
        assert error.display
        assert "filter 'emplyees>5': no column 'emplyees'" in text_of(error)
        assert screen.query_one("#leads-filter").has_class("-invalid")
        assert browser.count == 2000
        await pilot.press(*["backspace"] * len("emplyees>5"), *"employees>5")
        await leads_settled(pilot)
        assert not error.display and not screen.query_one("#leads-filter").has_class("-invalid")
        assert browser.count == store.db.execute(
            "SELECT count(*) FROM leads WHERE employees > 5").fetchone()[0]


async def test_a_filter_nothing_matches_says_so(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, _ = await open_leads(pilot)
        await _filter(pilot, "zzqx")
        assert screen.query_one(LeadsBrowser).count == 0
        assert "No lead matches “zzqx”" in text_of(screen.query_one("#leads-header"))
        assert "0 of 2,000 leads" in text_of(screen.query_one("#leads-status"))


async def test_s_steps_through_the_orders(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert "by score, lowest first" in text_of(screen.query_one("#leads-status"))
        assert [r[0] for r in _shown(browser)] == list(range(2000, 0, -1))
        await pilot.press("s")
        await settle(pilot)
        assert "by fit" in text_of(screen.query_one("#leads-status"))
        rows = _shown(browser)
        assert [(-r[2], r[0]) for r in rows] == sorted((-r[2], r[0]) for r in rows)
        for _ in range(10):
            await pilot.press("s")
            await settle(pilot)
            if "by score ·" in text_of(screen.query_one("#leads-status")):
                break
        assert browser.source is not None and not browser.source.view
        assert browser.row_at(0)[0] == 1


async def test_the_filter_and_order_outlast_a_rule_edit(tmp_path):
    store = sample_copy(tmp_path)
    won = _won(store)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _won_by_lowest_score(pilot)
        assert browser.count == won
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")  # the first rule off: every lead is ranked again
        await settle(pilot)
        assert browser.count == won
        assert [r[0] for r in _shown(browser)] == sorted((r[0] for r in _shown(browser)),
                                                         reverse=True)
        assert "by score, lowest first" in text_of(screen.query_one("#leads-status"))


async def test_a_filter_that_does_not_read_leaves_the_last_one_in_force(tmp_path):
    """While the filter box holds text that does not read, the last filter that did stays in
    force: through `s` and through the ranking a rule edit starts."""
    store = sample_copy(tmp_path)
    won = _won(store)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _filter(pilot, "won")
        await pilot.press("enter")
        await _filter(pilot, "won nosuch>1")  # `/` selects the text: typing replaces it
        assert screen.query_one("#leads-filter-error").display and browser.count == won
        await pilot.press("enter", "s")
        await settle(pilot)
        status = text_of(screen.query_one("#leads-status"))
        assert browser.count == won and "filter “won”" in status and "lowest first" in status
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await settle(pilot)
        status = text_of(screen.query_one("#leads-status"))
        assert browser.count == won and "filter “won”" in status and "lowest first" in status
        assert screen.query_one("#leads-filter-error").display


async def test_a_view_sqlite_cannot_build_shows_the_leads_by_score_and_why(tmp_path,
                                                                          monkeypatch):
    import sqlite3

    import model.lead_ranking as ranking

    built = ranking.build_view

    def refusing(conn, view):
        if view is not None and view.text == "acme":
            raise sqlite3.OperationalError("Expression tree is too large")
        return built(conn, view)

    monkeypatch.setattr(ranking, "build_view", refusing)
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _filter(pilot, "acme")
        assert browser.count == 2000 and browser.row_at(0)[0] == 1
        error = screen.query_one("#leads-filter-error")
        assert error.display and "Expression tree is too large" in text_of(error)
        assert "2,000 leads · by score" in text_of(screen.query_one("#leads-status"))
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"saas")
        await leads_settled(pilot)
        assert 0 < browser.count < 2000 and not error.display


async def test_the_columns_a_filter_names_are_shown(tmp_path):
    """Filtering on a column the rules do not read shows it, next to the id, in the leads and
    in the why panel, so that why a lead passes is on screen."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        assert "source" not in browser.source.columns
        await _filter(pilot, "Source:event")
        assert browser.source.columns[:2] == ["lead_id", "source"]
        assert "source" in text_of(screen.query_one("#leads-header"))
        assert browser.count == 167
        assert all(browser.row_at(i)[9] == "Events" for i in range(browser.count))
        assert "source: Events" in text_of(screen.query_one("#why-body"))
        await pilot.press("escape")
        await settle(pilot)
        assert "source" not in browser.source.columns


async def test_x_writes_the_leads_shown_to_csv(tmp_path):
    """`x` offers a file beside the plan and writes the leads the browser shows, in its order;
    the plan itself is refused as a target and left as it was."""
    import csv

    from screens.dialogs import InputDialog

    store = sample_copy(tmp_path)
    plan_bytes = (tmp_path / "p.db").read_bytes()
    won = _won(store)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        await _won_by_lowest_score(pilot)
        shown = [r[8] for r in _shown(browser)]
        await pilot.press("x")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, InputDialog)
        target = tmp_path / f"p-{MODEL_ID}-leads.csv"
        assert dialog.query_one("#input-value").value == str(target)
        assert f"{won:,} leads shown" in dialog.title_text
        await pilot.press("enter")
        await settle(pilot)
        rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
        lead_id = rows[0].index("lead_id")
        assert [r[lead_id] for r in rows[1:]] == shown and len(shown) == won
        assert [int(r[0]) for r in rows[1:]] == sorted((int(r[0]) for r in rows[1:]),
                                                       reverse=True)  # lowest score first

        await pilot.press("x")
        await pilot.pause()
        dialog = pilot.app.screen
        dialog.query_one("#input-value").value = str(tmp_path / "p.db")
        await pilot.press("enter")
        await settle(pilot)
        # refused in the dialog, before a replace warning could offer to write over it
        assert pilot.app.screen is dialog
        assert "is the plan itself; export to a .csv file" in text_of(
            dialog.query_one("#input-error"))
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is dialog
    assert (tmp_path / "p.db").read_bytes()[:16] == plan_bytes[:16] == b"SQLite format 3\x00"
    assert store.db.execute("SELECT count(*) FROM leads").fetchone()[0] == 2000


async def test_an_export_whose_leads_went_away_meanwhile_says_so(tmp_path):
    """The leads ranked again (a finished import, say) while the file was being chosen: ⏎ tells
    the user to press x again rather than doing nothing."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        _, browser = await open_leads(pilot)
        await pilot.press("x")
        await pilot.pause()
        browser.set_source(None)
        await pilot.press("enter")
        await settle(pilot)
        assert any("press x again" in n.message for n in pilot.app._notifications)
        assert not (tmp_path / f"p-{MODEL_ID}-leads.csv").exists()


def _columns_on_line(browser: LeadsBrowser, line: str) -> dict[str, str]:
    """Each shown column's name and the text under it on `line`, by the header's positions."""
    names = browser.header_text(browser.view_columns)
    out = {}
    for i in browser.view_columns:
        name = browser.source.columns[i]
        at = names.index(name) if not browser._right[i] else \
            names.index(name) + len(name) - browser.widths[i]
        out[name] = line[at:at + browser.widths[i]].strip()
    return out


async def test_left_and_right_move_a_whole_column_and_the_id_stays(tmp_path):
    """`→` moved the view one character a press (a hundred presses to the last column), the
    lead's id and score scrolled away with it, and a number cut at the edge showed blank."""
    from screens.leads_browser import _shown

    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        header = screen.query_one("#leads-header")
        columns = browser.source.columns
        assert columns[:2] == ["lead_id", "converted"]  # the outcome beside the id
        left, right = browser.hidden_columns()
        assert left == 0 and right > 0 and text_of(header).rstrip().endswith(f"{right}→")
        assert not browser.show_horizontal_scrollbar
        presses = 0
        while browser.hidden_columns()[1]:
            before = browser.view_columns
            await pilot.press("right")
            await pilot.pause()
            presses += 1
            assert browser.view_columns[0] == 0  # the id stays
            assert browser.view_columns[1] == before[1] + 1  # a column a press
            shown = text_of(header)
            assert shown.startswith(browser.header_text(browser.view_columns).rstrip())
            assert "lead_id" in shown and "rank" in shown
            assert presses < len(columns)
        assert browser.view_columns[-1] == len(columns) - 1
        await pilot.press("right")  # nothing further right
        await pilot.pause()
        assert browser.view_columns[-1] == len(columns) - 1
        assert browser.hidden_columns() == (presses, 0)
        names = browser.header_text(browser.view_columns)
        if browser.scrollable_content_region.width - len(names) > len(f"←{presses}"):
            assert text_of(header).rstrip().endswith(f"←{presses}")  # said where there is room
        # every value shown is whole: the line holds, under each name, the value itself
        for y in range(5):
            row = browser.row_at(y)
            on_line = _columns_on_line(browser, _line(browser, y))
            for i in browser.view_columns:
                assert on_line[columns[i]] == _shown(row[8 + i], browser._kinds[i])
        await pilot.press(*["left"] * (presses + 2))
        await pilot.pause()
        assert browser.view_columns[1] == 1 and browser.hidden_columns()[0] == 0
        # a message in the header's place stops it following the columns
        await paste_filter(pilot, "country:nowhere")
        await leads_settled(pilot)
        assert "No lead matches" in text_of(header)
        await pilot.press("right")
        assert "No lead matches" in text_of(header)


async def test_a_narrow_browser_keeps_the_id_whole_and_drops_fit_and_engagement(tmp_path):
    """At 80 columns the id was cut to seven characters: three leads read `NW-0002`."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        screen, browser = await open_leads(pilot)
        assert browser.compact
        names = text_of(screen.query_one("#leads-header"))
        assert names.split()[:5] == ["rank", "total", "cell", "mql", "lead_id"]
        ids = [browser.row_at(y)[8] for y in range(5)]
        for y, lead_id in enumerate(ids):
            assert _columns_on_line(browser, _line(browser, y))["lead_id"] == lead_id
        assert len(set(ids)) == 5
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert not browser.compact
        assert text_of(screen.query_one("#leads-header")).split()[2:4] == ["fit", "eng"]


def test_columns_are_as_wide_as_their_names_and_first_values():
    from screens.leads_browser import COLUMN_MAX, COLUMN_MIN, ID_MAX, column_widths

    head = (1, 7, 10, 5, 15, "B3", 0, 0)  # rank, row, fit, engagement, total, cell, ko, mql
    rows = [(*head, "ACCOUNT-2026-000000001", 12.5, None, "x" * 80, "Professional Services"),
            *[(*head, f"A-{i}", 1234567.0, None, "y", "SaaS") for i in range(9)]]
    assert column_widths(["id", "employees", "t", "notes", "industry"], rows) == [
        22,  # the id: its longest value
        len("1,234,567"), COLUMN_MIN,
        len("notes"), len("industry")]  # one long value in ten is cut
    rows[1:] = [rows[0]] * 9
    assert column_widths(["id", "n", "t", "notes", "industry"], rows)[3:] == [
        COLUMN_MAX, len("Professional Services")]
    assert column_widths(["x" * 50], [(*head, "y" * 60)]) == [ID_MAX]
    assert column_widths([], []) == []


async def test_long_ids_show_whole_and_only_whole_columns_show(tmp_path):
    from textual.geometry import Region

    from model.leads import import_leads_csv
    from model.schema import LeadsRoles

    store = sample_copy(tmp_path)
    csv_path = tmp_path / "export.csv"
    with csv_path.open("w") as fh:
        fh.write("Opportunity reference,Employees,Industry name,converted\n")
        for i in range(50):
            fh.write(f"OPP-2026-EMEA-{i:010d},{i * 1000},Software,{i % 2}\n")
    import_leads_csv(store, csv_path, roles=LeadsRoles(id="Opportunity reference",
                                                       outcome="converted", won_values=["1"]))
    # the sample's rules name its own columns: a model without rules ranks these leads
    store.save_scoring_model(store.scoring_model(MODEL_ID).model_copy(update={"rules": []}))
    async with app_on(store).run_test(size=(160, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        line = _line(browser, 0)
        ids = [f"OPP-2026-EMEA-{i:010d}" for i in range(50)]
        assert any(lead_id in line for lead_id in ids)  # the whole id, not cut
        assert "…" not in line
        header = screen.query_one("#leads-header")
        shown = "".join(s.text for strip in header.render_lines(Region(0, 0, *header.size))
                        for s in strip)
        assert header.size.height == 1
        await pilot.resize_terminal(100, 40)  # the last columns no longer fit
        await pilot.pause()
        shown = "".join(s.text for strip in header.render_lines(Region(0, 0, *header.size))
                        for s in strip)
        names = browser.header_text(browser.view_columns)
        assert browser.hidden_columns()[1] > 0
        assert shown.strip().startswith(names.strip())  # whole names over whole columns
        line = _line(browser, 0)
        assert any(lead_id in line for lead_id in ids) and "…" not in line


async def test_a_yes_no_column_shows_yes_and_no(tmp_path):
    from screens.leads_browser import _shown

    assert (_shown(1, "boolean"), _shown(0, "boolean"), _shown(1, "number")) == ("yes", "no", "1")
    store = sample_copy(tmp_path)
    assert column_types(store)["demo_requested"] == "boolean"
    async with app_on(store).run_test(size=(160, 40)) as pilot:
        screen, browser = await open_leads(pilot)
        assert "demo_requested" in browser.source.columns
        why = text_of(screen.query_one("#why-body"))
        line = next(x for x in why.splitlines() if x.startswith("demo_requested: "))
        assert line.split(": ")[1].strip() in ("yes", "no")
        from rich.style import Style

        whole = "".join(s.text for s in browser._render_row(0, False, Style()))  # not cropped
        start = browser.header_text().index("demo_requested")
        assert whole[start:].split()[0] in ("yes", "no")
