"""The leads browser: every lead by score, highest first, drawn one visible line at a time.

A million leads stay instant because nothing is measured or fetched that is not on screen:
`render_line` asks a page cache (pages of `PAGE_ROWS` ranks, LRU) for its row, a missing page is
one primary-key range read of the ranked table (`model.lead_ranking`), and rendered lines are
cached too. The ranked table lives on a connection the browser owns, handed over by the worker
that built it. A filter or another order reads the same way from a view table of ranks built on
that connection; while a worker builds one, the browser lends it the source and shows nothing.
While the leads are ranked again (another rule, model or as-of date: a new connection), the old
ranking stays on screen, dimmed, and can be browsed; the new one replaces it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from model.lead_ranking import ranked_page

if TYPE_CHECKING:
    from textual.visual import VisualType

PAGE_ROWS = 100
RANK_MIN = 4  # the rank column fits the largest rank (`1,000,000`), and its name


COMPACT_BELOW = 64  # a narrower browser leaves out fit and engagement: the cell and the why
# panel give them, and the lead's columns get the room


def score_header(rank_width: int, compact: bool = False) -> str:
    parts = "" if compact else f" {'fit':>4} {'eng':>4}"
    return f"{'rank':>{rank_width}}  {'total':>5}{parts} {'cell':<4} {'mql':<3}"


@dataclass
class RankedSource:
    """A built ranked table: the connection that holds it, what it ranks and what to show.
    `count` is the leads shown: all `total` of them, or those of the view table when `view`
    (built for `view_key`, the filter text and the order's label)."""

    conn: sqlite3.Connection
    count: int
    model_id: str
    as_of: str
    columns: list[str]
    types: dict[str, str]
    total: int = 0
    view: bool = False
    view_key: tuple[str, str] = ("", "score")
    failed: tuple[tuple[str, str], str] | None = None  # a view that could not be built, and why
    shown: Any = None  # the `LeadView` the view table was built for; None: the ranking itself
    kept: tuple[int, int | None] | None = None  # a lead's `_row`, and its index here (None: out)

    def __post_init__(self) -> None:
        self.total = self.total or self.count

    def page(self, index: int) -> list[tuple[Any, ...]]:
        return ranked_page(self.conn, index * PAGE_ROWS + 1, PAGE_ROWS, self.columns, self.types,
                           view=self.view)

    def close(self) -> None:
        self.conn.close()


# A column's width in cells. The first column (the lead's id, when one is mapped) fits its longest
# value up to ID_MAX, a number column its longest up to COLUMN_MAX; another fits nine in ten of its
# values up to COLUMN_MAX, the rest cut with `…`, so one long value does not push the columns
# after it off screen.
COLUMN_MIN, COLUMN_MAX, ID_MAX = 4, 24, 32


def _shown(value: Any, kind: str | None = None) -> str:
    """A stored value as the leads browser and the why panel show it: a yes/no column's 1 and 0
    as the words the filter takes."""
    if value is None:
        return "–"
    if kind == "boolean" and value in (0, 1):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return str(value).replace("\n", " ")


def _cell_text(value: Any, width: int, right: bool = False, kind: str | None = None) -> str:
    text = _shown(value, kind)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text:>{width}}" if right else f"{text:<{width}}"


def column_widths(columns: list[str], rows: list[tuple[Any, ...]],
                  types: dict[str, str] | None = None) -> list[int]:
    """Each column's width from its name and its values in `rows` (the first page: what shows
    first); a longer value further down is cut with `…`."""
    widths = []
    for i, name in enumerate(columns):
        at = i - len(columns)
        kind = (types or {}).get(name)
        lengths = sorted(len(_shown(row[at], kind)) for row in rows)
        if not lengths:
            values = 0
        elif i == 0 or kind == "number":  # an id, a number: whole, never cut
            values = lengths[-1]
        else:
            values = lengths[(len(lengths) - 1) * 9 // 10]
        widths.append(max(COLUMN_MIN, min(ID_MAX if i == 0 else COLUMN_MAX,
                                          max(len(name), values))))
    return widths


class LeadsHeader(Static):
    """The line above the leads browser: its column names, kept over their columns as the
    browser scrolls sideways (`follow`), or a message in their place (`update`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._browser: LeadsBrowser | None = None

    def show_columns(self, browser: LeadsBrowser) -> None:
        self._browser = browser
        self._draw()

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self._browser = None
        super().update(content, layout=layout)

    def follow(self) -> None:
        """The browser scrolled: the names move with its columns."""
        if self._browser is not None:
            self._draw()

    def _draw(self) -> None:
        browser = self._browser
        assert browser is not None
        text = Text(browser.header_text(browser.view_columns), style="bold")
        left, right = browser.hidden_columns()
        if left or right:  # the columns ← and → bring into view
            hint = " ".join(x for x in (left and f"←{left}", right and f"{right}→") if x)
            room = browser.scrollable_content_region.width - text.cell_len
            if room >= len(hint) + 1:
                text.append(" " * (room - len(hint)) + hint, style="dim")
        super().update(text)


class LeadsBrowser(ScrollView, can_focus=True):
    """Ranked leads with a cursor; the highlighted lead drives the why panel."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous lead", show=False, id="leads.up"),
        Binding("down", "move(1)", "Next lead", show=False, id="leads.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="leads.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="leads.page_down"),
        Binding("left", "column(-1)", "A column to the left", show=False, id="leads.left"),
        Binding("right", "column(1)", "A column to the right (when some are out of view)",
                show=False, id="leads.right"),
        Binding("home", "first", "First lead", id="leads.first"),
        Binding("end", "last", "Last lead", id="leads.last"),
        Binding("s", "screen.sort_leads", "Sort", id="leads.sort"),
        Binding("x", "screen.export_leads", "Export CSV", id="leads.export"),
    ]

    DEFAULT_CSS = """
    LeadsBrowser {
        height: 1fr;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    # The columns shown: the first (the lead's id) always, then whole columns from
    # `first_column`, as many as fit. `←` and `→` move `first_column` a column at a time.
    view_columns: reactive[tuple[int, ...]] = reactive((), always_update=True)

    class Highlighted(Message):
        """The cursor rests on the lead at `row` (its `_row`), rank `rank` (None while the
        ranking shown is being replaced, so its ranks are no longer the model's)."""

        def __init__(self, row: int, rank: int | None) -> None:
            super().__init__()
            self.row = row
            self.rank = rank

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: RankedSource | None = None
        self._pages: LRUCache[int, list[tuple[Any, ...]]] = LRUCache(maxsize=64)
        self._lines: LRUCache[tuple[int, bool, int, int], Strip] = LRUCache(maxsize=2000)
        self.widths: list[int] = []
        self.rank_width = RANK_MIN
        self.compact = False
        self.first_column = 1
        self._right: list[bool] = []  # number columns, aligned right
        self._kinds: list[str | None] = []  # each column's type
        # Moves asked for while leads are being ranked or filtered, made once they show, in
        # order (runs of one move kept as one): keys typed ahead act on the list they were
        # typed for. `_awaited`: a ranking or view is under way, so moves wait for it.
        self._pending: list[tuple[str, int]] = []
        self._awaited = False
        self._placing: RankedSource | None = None  # shown, its cursor set after layout
        self._line = 0  # the screen line the cursor was on when the last leads went away
        self.stale = False  # the leads shown are being ranked again
        self._superseded = False  # ... and moves are for another filter or order than theirs

    # ---- data ------------------------------------------------------------------------------
    def lend_source(self) -> RankedSource | None:
        """Hand the source to a worker (which gives it back through `set_source`): the browser
        shows no lead meanwhile and so never reads from the connection the worker uses."""
        self._note_line()
        source = self.source
        self.source = None
        self._awaited = True
        self.set_source(None)
        return source

    def mark_stale(self) -> None:
        """The leads shown are being ranked again: they stay, dimmed and without ranks for the
        why panel, and the cursor still moves on them until `set_source` brings the new
        ranking (where the caller follows the lead under the cursor)."""
        if self.source is None or self.stale:
            return
        self.stale = True
        self._lines.clear()
        self.refresh()
        row = self.row_at(self.cursor) if self._placing is None else None
        if row is not None:  # the why panel loses the rank that is no longer right
            self.post_message(self.Highlighted(int(row[1]), None))

    def supersede(self) -> None:
        """The leads being ranked again will show another filter or order than the old ranking
        on screen: moves wait for them, as they were typed for those."""
        if self.stale:
            self._superseded = True

    def await_leads(self) -> None:
        """Leads are being ranked for this browser: moves wait for them."""
        self._awaited = True

    def discard_pending(self) -> None:
        """No leads are coming (their ranking failed or will not run): forget the moves."""
        self._pending.clear()
        self._awaited = False

    def set_source(self, source: RankedSource | None, *, cursor: int | None = None) -> None:
        """Show `source` (None: no leads) from the top, or with the cursor on index `cursor`,
        on the screen line the cursor was on before (a lead followed through a new ranking).
        Moves asked for while the leads were awaited are then made. The cursor is placed once
        the new rows are laid out, when the horizontal scrollbar they may need is known."""
        self._note_line()
        old = self.source
        self.source = source
        self.stale = self._superseded = False
        self._placing = None
        self._pages.clear()
        self._lines.clear()
        if old is not None and old is not source:
            old.close()
        self.rank_width = max(RANK_MIN, len(f"{source.total:,}")) if source else RANK_MIN
        self.widths = (column_widths(source.columns, self._first_page(), source.types)
                       if source else [])
        self.first_column = 1
        self._right = [source.types.get(c) == "number" for c in source.columns] if source else []
        self._kinds = [source.types.get(c) for c in source.columns] if source else []
        self.virtual_size = Size(0, source.count if source else 0)  # sideways: by column
        self._fit_columns()
        self.scroll_to(0, 0, animate=False)
        if source is None or (cursor is None and not self._pending):
            self.cursor = 0
            if source is not None:
                self._awaited = False
        else:
            self.set_reactive(LeadsBrowser.cursor, 0)
            self._placing = source
            self.call_after_refresh(self._place, source, cursor)
        self.refresh()

    @property
    def placed(self) -> bool:
        """False while leads just shown wait for their layout to place the cursor."""
        return self._placing is None

    def _note_line(self) -> None:
        if self.source is not None and self._placing is None:
            self._line = self.cursor - self.scroll_offset.y

    def _place(self, source: RankedSource, cursor: int | None) -> None:
        if self._placing is not source:
            return  # other leads came, or these went to a worker, meanwhile
        self._placing = None
        self._awaited = False
        if cursor is not None:
            self.scroll_to(0, max(0, cursor - max(0, self._line)), animate=False, immediate=True,
                           force=True)
        self.cursor = cursor or 0
        pending, self._pending = self._pending, []
        for action, step in pending:
            getattr(self, f"action_{action}")(step)

    def watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar takes columns of its own: the columns that fit are counted again."""
        self._fit_columns()

    def on_resize(self) -> None:
        """A smaller window (or panel) keeps the highlighted lead in sight, and shows the
        columns that fit."""
        self._fit_columns()
        if self.count and self._placing is None:
            self.call_after_refresh(self._cursor_in_sight)

    def _cursor_in_sight(self) -> None:
        if self.count and self._placing is None:
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True,
                                  force=True)

    def _hold(self, action: str, step: int = 0) -> bool:
        """True, with the move kept for later, while leads are awaited or being placed."""
        shown = self.source is not None and not self._superseded
        if self._placing is None and (shown or not self._awaited):
            return False
        pending = self._pending
        if action in ("first", "last"):
            pending.clear()
        elif pending and pending[-1][0] == action:
            pending[-1] = (action, pending[-1][1] + step)
            return True
        pending.append((action, step))
        return True

    @property
    def count(self) -> int:
        return self.source.count if self.source else 0

    @property
    def line_width(self) -> int:
        """Every column's width, as if all were shown."""
        return (len(score_header(self.rank_width, self.compact)) + 2
                + sum(w + 1 for w in self.widths))

    def _fit_columns(self) -> None:
        """The columns the width shows, from `first_column`: only whole ones, so a value is
        never shown cut at the edge, except the first when it alone is too wide."""
        if not self.widths:
            self.view_columns = ()
            return
        room = self.scrollable_content_region.width or self.size.width
        self.compact = room < COMPACT_BELOW
        used = len(score_header(self.rank_width, self.compact)) + 2 + self.widths[0] + 1
        shown = [0]
        for i in range(self.first_column, len(self.widths)):
            used += self.widths[i] + 1
            if used - 1 > room:  # the space after the last column may fall off
                break
            shown.append(i)
        self.view_columns = tuple(shown)
        self._lines.clear()
        self.refresh()

    def hidden_columns(self) -> tuple[int, int]:
        """How many columns are out of view to the left and to the right."""
        if not self.widths:
            return 0, 0
        last = self.view_columns[-1] if len(self.view_columns) > 1 else self.first_column - 1
        return self.first_column - 1, len(self.widths) - 1 - last

    def action_column(self, step: int) -> None:
        left, right = self.hidden_columns()
        if (step > 0 and not right) or (step < 0 and not left):
            return
        self.first_column = max(1, min(self.first_column + step, len(self.widths) - 1))
        self._fit_columns()

    def header_text(self, columns: tuple[int, ...] | None = None) -> str:
        """The column names over the score's, for `columns` (indexes; all by default)."""
        if self.source is None:
            return ""
        shown = range(len(self.widths)) if columns is None else columns
        names = "".join(f"{_cell_text(self.source.columns[i], self.widths[i], self._right[i])} "
                        for i in shown)
        return f"{score_header(self.rank_width, self.compact)}  {names}"

    def _first_page(self) -> list[tuple[Any, ...]]:
        """The first page of leads (cached: it is the one shown first), none while stale."""
        if self.source is None or not self.source.count:
            return []
        self.row_at(0)
        return self._pages.get(0) or []

    def row_at(self, index: int) -> tuple[Any, ...] | None:
        """The ranked row at 0-based `index`, from the page cache (fetching the page)."""
        if self.source is None or not 0 <= index < self.source.count:
            return None
        page_index, offset = divmod(index, PAGE_ROWS)
        page = self._pages.get(page_index)
        if page is None:
            page = self.source.page(page_index)
            self._pages[page_index] = page
        return page[offset] if offset < len(page) else None

    # ---- drawing ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.count:
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (index, selected and self.has_focus, self.view_columns, width)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._render_row(index, selected, base, self.view_columns).crop_extend(
                0, width, base)
            self._lines[key] = strip
        return strip

    def _render_row(self, index: int, selected: bool, base: Style,
                    columns: tuple[int, ...] | None = None) -> Strip:
        """The lead at `index` with the values of `columns` (indexes; all by default)."""
        row = self.row_at(index)
        if row is None:
            return Strip.blank(self.line_width, base)
        rank, _, fit, engagement, total, cell, knocked, mql, *values = row
        mark = "MQL" if mql else ("KO " if knocked else "   ")
        parts = "" if self.compact else f" {fit:>4} {engagement:>4}"
        head = f"{rank:>{self.rank_width},}  {total:>5}{parts} {cell:<4} "
        shown = range(len(values)) if columns is None else columns
        rest = "  " + "".join(
            f"{_cell_text(values[i], self.widths[i], self._right[i], self._kinds[i])} "
            for i in shown)
        style = base + Style(dim=True) if self.stale else base
        if selected:
            style += Style(reverse=True, bold=self.has_focus)
        mark_style = style + Style(color="green", bold=True) if mql else (
            style + Style(color="red") if knocked else style)
        segments = [Segment(head, style), Segment(mark, mark_style), Segment(rest, style)]
        return Strip(segments)

    def refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_focus(self) -> None:
        self.refresh_row(self.cursor)

    def on_blur(self) -> None:
        self.refresh_row(self.cursor)

    # ---- cursor ----------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, max(0, self.count - 1)))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        if self.count:
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True,
                                  force=True)
            row = self.row_at(new)
            if row is not None:
                self.post_message(self.Highlighted(int(row[1]),
                                                   None if self.stale else int(row[0])))

    def action_move(self, step: int) -> None:
        if not self._hold("move", step):
            self.cursor += step

    def action_page(self, step: int) -> None:
        if not self._hold("page", step):
            self.cursor += step * max(1, self.scrollable_content_region.height - 1)

    def action_first(self, _: int = 0) -> None:
        if not self._hold("first"):
            self.cursor = 0

    def action_last(self, _: int = 0) -> None:
        if not self._hold("last"):
            self.cursor = self.count - 1

    def on_click(self, event: Any) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.cursor = self.scroll_offset.y + offset.y


def why_renderable(explanation: Any, lead: dict[str, Any], fields: list[str],
                   id_column: str | None, rank: int | None,
                   types: dict[str, str] | None = None) -> Group:
    """The why panel: the lead's score, each rule's part in it, and the values the rules read."""
    s = explanation.score
    title = Text()
    ident = lead.get(id_column) if id_column else None
    title.append(f"{ident if ident is not None else 'row ' + str(explanation.row)}", style="bold")
    if rank is not None:
        title.append(f"   rank {rank:,}", style="dim")
    summary = Text()
    summary.append(f"total {s.total}", style="bold")
    summary.append(f" = fit {s.fit} + engagement {s.engagement}   cell {s.cell}   ")
    summary.append("MQL" if s.mql else "not MQL", style="bold green" if s.mql else "dim")
    if s.knocked_out:
        summary.append("   knocked out", style="bold red")
    notes = []
    if explanation.fit_uncapped != s.fit:
        notes.append(f"fit capped from {explanation.fit_uncapped}")
    if explanation.engagement_uncapped != s.engagement:
        notes.append(f"engagement capped from {explanation.engagement_uncapped}")
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
    table.add_column("rule", ratio=1, no_wrap=True)
    table.add_column("dim", no_wrap=True)
    table.add_column("pts", justify="right", no_wrap=True)
    for r in explanation.rules:
        if not r.enabled:
            mark, style = "off", "dim"
        elif r.matched:
            mark, style = f"{r.points:+d}", "bold green" if r.points >= 0 else "bold red"
        else:
            mark, style = "·", "dim"
        label = r.rule + (" KO" if r.knockout and r.matched and r.enabled else "")
        table.add_row(Text(label, style="" if r.matched and r.enabled else "dim"),
                      Text("fit" if r.dimension == "fit" else "eng", style="dim"),
                      Text(mark, style=style))
    values = Text()
    for name in fields:
        value = lead.get(name)
        values.append(f"{name}: ", style="dim")
        values.append(_cell_text(value, 60, kind=(types or {}).get(name)).rstrip())
        values.append("\n")
    parts: list[Any] = [title, summary]
    if notes:
        parts.append(Text("; ".join(notes), style="yellow"))
    parts += [Text(""), table, Text(""), values]
    return Group(*parts)
