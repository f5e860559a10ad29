"""How the Lead scoring screen lays out its figures: the backtest beside the grade matrix or
below it, headline facts that wrap between facts, whole-number axes on the histogram."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from screens.lead_scoring import count_ticks, score_ticks
from screens.scoring_widgets import Facts
from tests.conftest import text_of
from tests.lead_scoring_helpers import app_on, open_scoring, sample_copy, settle


def _lines(renderable, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_facts_break_between_facts_never_inside_one():
    facts = Facts([Text("2,000 leads"), Text("base rate 19.3%"), Text("662 open")])
    assert _lines(facts, 80) == ["2,000 leads · base rate 19.3% · 662 open"]
    assert _lines(facts, 30) == ["2,000 leads · base rate 19.3%", "662 open"]
    assert _lines(facts, 16) == ["2,000 leads", "base rate 19.3%", "662 open"]
    # a fact wider than the line wraps on its own line, as text does
    assert _lines(Facts([Text("a"), Text("long fact here")]), 8) == ["a", "long", "fact", "here"]


def test_count_ticks_are_whole_numbers_in_steps_of_one_two_or_five():
    assert count_ticks(0) == [0, 1]
    assert count_ticks(5) == [0, 1, 2, 3, 4, 5]
    assert count_ticks(7) == [0, 2, 4, 6, 8]
    assert count_ticks(23) == [0, 5, 10, 15, 20, 25]
    assert count_ticks(269) == [0, 100, 200, 300]
    assert count_ticks(1_000_000) == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    for top in range(0, 3000, 7):
        ticks = count_ticks(top)
        step = ticks[1]
        assert 2 <= len(ticks) <= 6 and ticks[-1] >= top > ticks[-1] - step or top == 0
        assert str(step).strip("0") in ("1", "2", "5")


def test_score_ticks_cover_negative_totals_in_even_steps():
    """The histogram's score axis: every label a multiple of one step, negatives included."""
    assert score_ticks(-40, 115, 10) == [-40, -20, 0, 20, 40, 60, 80, 100]
    assert score_ticks(-3, 4) == [-3, -2, -1, 0, 1, 2, 3, 4]
    assert score_ticks(5, 5) == [5]
    for low in range(-300, 50, 13):
        for high in range(max(low, 0), 400, 37):
            ticks = score_ticks(low, high, 8)
            step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
            assert 1 <= len(ticks) <= 8 and low <= ticks[0] < low + step
            assert ticks[-1] <= high < ticks[-1] + step
            assert all(t % step == 0 for t in ticks) and str(step).strip("0") in ("1", "2", "5")


async def test_the_backtest_goes_below_the_matrix_when_the_screen_is_narrow(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        screen = await open_scoring(pilot)
        await settle(pilot)
        row = screen.query_one("#scoring-matrix-row")
        matrix, summary = screen.query_one("#scoring-matrix"), screen.query_one("#scoring-backtest")
        assert row.has_class("stacked")
        assert summary.region.y > matrix.region.y and summary.region.x == matrix.region.x
        assert "2,000 leads · 1,338 decided" in text_of(summary)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert not row.has_class("stacked")
        assert summary.region.y == matrix.region.y and summary.region.x > matrix.region.right - 1
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        assert row.has_class("stacked")


async def test_the_histogram_has_its_legend_above_the_plot(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await pilot.press("h")
        await settle(pilot)
        legend = text_of(screen.query_one("#scoring-histogram-legend"))
        assert "▇▇ leads" in legend and "▇▇ won" in legend
        plot = screen.query_one("#scoring-histogram-plot")
        assert legend and screen.query_one("#scoring-histogram-legend").region.bottom <= \
            plot.region.y


async def test_won_bars_are_drawn_only_where_some_won(tmp_path):
    """A won bar of height 0 drawn over a leads bar blanked the leads bar's foot, so a score
    without wins seemed to float above the axis."""
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await pilot.press("h")
        await settle(pilot)
        calls = []
        plt = screen._plot.plt
        drawn = plt.bar
        plt.bar = lambda x, y, **kw: (calls.append((list(x), list(y))), drawn(x, y, **kw))[1]
        screen._draw_histogram(screen.analysis)
        buckets = screen.analysis.result.scores
        assert any(b.won == 0 for b in buckets)  # the sample has scores nobody won at
        (leads_x, _), (won_x, won_y) = calls
        assert leads_x == [b.total for b in buckets]
        assert won_x == [b.total for b in buckets if b.won] and all(won_y)
