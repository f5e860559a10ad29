"""Leads ranked by score, materialised once per model and as-of date, so a browser can show any
stretch of a million leads by rank with one primary-key range read.

The ranked table is a TEMP table on the caller's connection: `rank` is its INTEGER PRIMARY KEY,
given in insertion order, and the rows are inserted sorted by total (highest first), then file
order. Page reads join back to `leads` by `_row` for the columns shown.

A filter or another order (`model.lead_filter`) is a second TEMP table of ranks, `pos` its
INTEGER PRIMARY KEY, so a page of the view is again one primary-key range read.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from model.errors import AlignError
from model.exchange import atomic_file
from model.lead_filter import LeadView
from model.leads import LEADS_TABLE, ROW_COLUMN, quote_identifier
from model.scan_key import scan_threads
from model.schema import ScoringModel
from model.scoring import compile_model
from model.store import connect_to_read

RANKED_TABLE = "align_ranked_leads"
VIEW_TABLE = "align_leads_view"
SCORE_COLUMNS = ("rank", "_row", "fit", "engagement", "total", "cell", "knocked", "mql")
EXPORT_HEADER = ("rank", "fit", "engagement", "total", "cell", "mql", "knocked_out")


def rank_leads(conn: sqlite3.Connection, model: ScoringModel, types: dict[str, str], *,
               as_of: dt.date) -> int:
    """(Re)build the ranked table on `conn`; returns the number of leads."""
    if not types:
        raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
    compiled = compile_model(model, types, as_of=as_of)
    # SQLite's sorter may merge on helper threads: the ranking's ORDER BY, and the views' later.
    conn.execute(f"PRAGMA threads = {scan_threads()}")
    conn.execute(f"DROP TABLE IF EXISTS temp.{RANKED_TABLE}")
    conn.execute(f"CREATE TEMP TABLE {RANKED_TABLE} (rank INTEGER PRIMARY KEY, _row INTEGER "
                 f"NOT NULL, fit INTEGER, engagement INTEGER, total INTEGER, cell TEXT, "
                 f"knocked INTEGER, mql INTEGER)")
    conn.execute(f"INSERT INTO temp.{RANKED_TABLE} (_row, fit, engagement, total, cell, knocked, "
                 f"mql) SELECT _row, fit, engagement, total, cell, knocked, mql "
                 f"FROM ({compiled.sql}) ORDER BY total DESC, _row", compiled.params)
    return conn.execute(f"SELECT count(*) FROM temp.{RANKED_TABLE}").fetchone()[0]


def build_view(conn: sqlite3.Connection, view: LeadView | None) -> int | None:
    """(Re)build the view table over the ranked table on `conn` for `view`, or drop it when
    `view` is the ranking itself (None, no filter, by score); returns the leads in the view,
    or None when there is no view table."""
    conn.execute(f"DROP TABLE IF EXISTS temp.{VIEW_TABLE}")
    if view is None or view.everything:
        return None
    conn.execute(f"CREATE TEMP TABLE {VIEW_TABLE} (pos INTEGER PRIMARY KEY, "
                 f"rank INTEGER NOT NULL)")
    join = (f" JOIN {LEADS_TABLE} AS l ON l.{ROW_COLUMN} = s._row" if view.join else "")
    where = f" WHERE {view.where}" if view.where else ""
    conn.execute(f"INSERT INTO temp.{VIEW_TABLE} (rank) SELECT s.rank "
                 f"FROM temp.{RANKED_TABLE} AS s{join}{where} ORDER BY {view.sort.order}",
                 view.params)
    return conn.execute(f"SELECT count(*) FROM temp.{VIEW_TABLE}").fetchone()[0]


def lead_position(conn: sqlite3.Connection, row: int, *, view: bool = False) -> int | None:
    """Where the lead whose `_row` is `row` stands (0-based) in the ranking, or with `view` in
    the view table; None when it is not there (a filter leaves it out). One scan of the ranked
    table (tens of milliseconds on a million leads), and of the view table with `view`."""
    found = conn.execute(f"SELECT rank FROM temp.{RANKED_TABLE} WHERE _row = ?",
                         (row,)).fetchone()
    if found is None:
        return None
    if view:
        found = conn.execute(f"SELECT pos FROM temp.{VIEW_TABLE} WHERE rank = ?",
                             (found[0],)).fetchone()
        if found is None:
            return None
    return int(found[0]) - 1


def ranked_page(conn: sqlite3.Connection, first: int, count: int, columns: Sequence[str],
                types: dict[str, str], *, view: bool = False) -> list[tuple[Any, ...]]:
    """Ranks `first` … `first + count − 1` (1-based), or with `view` positions of the view
    table: the SCORE_COLUMNS, then `columns` of the lead. Columns are checked against the
    dataset and quoted."""
    for column in columns:
        if column not in types:
            raise AlignError(f"no column {column!r} in the leads dataset")
    picked = "".join(f", l.{quote_identifier(c)}" for c in columns)
    scores = (f"SELECT s.rank, s._row, s.fit, s.engagement, s.total, s.cell, s.knocked, s.mql"
              f"{picked}")
    lead = f"JOIN {LEADS_TABLE} AS l ON l.{ROW_COLUMN} = s._row"
    if view:
        sql = (f"{scores} FROM temp.{VIEW_TABLE} AS v JOIN temp.{RANKED_TABLE} AS s "
               f"ON s.rank = v.rank {lead} WHERE v.pos BETWEEN ? AND ? ORDER BY v.pos")
    else:
        sql = (f"{scores} FROM temp.{RANKED_TABLE} AS s {lead} "
               f"WHERE s.rank BETWEEN ? AND ? ORDER BY s.rank")
    return conn.execute(sql, (first, first + count - 1)).fetchall()


def _plain(value: Any) -> Any:
    """A stored value as a CSV cell: whole numbers stored as REAL without their `.0`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _yes_no(value: Any) -> Any:
    """A true/false column's stored 1/0 as the import reads a boolean back."""
    return None if value is None else ("yes" if value else "no")


def export_ranked_leads(path: Path, model: ScoringModel, types: dict[str, str], *,
                        as_of: dt.date, view: LeadView | None, out: str | Path | TextIO,
                        progress: Callable[[int, int], None] | None = None) -> int:
    """The leads of the plan at `path` ranked by `model`, kept and ordered by `view`, to CSV
    (`write_view_csv`), on a connection of its own: the export of the leads browser and of
    `align leads export`. `progress` gets the leads written and the leads to write."""
    conn = connect_to_read(path, check_same_thread=False, timeout=30)
    try:
        total = rank_leads(conn, model, types, as_of=as_of)
        shown = build_view(conn, view)
        count = total if shown is None else shown
        written = None if progress is None else (lambda done: progress(done, count))
        if progress is not None:
            progress(0, count)
        return write_view_csv(conn, out, types, view=shown is not None, plan=path,
                              progress=written)
    finally:
        conn.close()


def write_view_csv(conn: sqlite3.Connection, out: str | Path | TextIO, types: dict[str, str],
                   *, view: bool, plan: Path | None = None,
                   progress: Callable[[int], None] | None = None) -> int:
    """The leads the browser shows, in its order, to CSV at `out`: EXPORT_HEADER, then every
    column of the lead in the dataset's order, as the import would read them back. From the
    view table when `view`, else the whole ranking. Written through a temp file renamed over
    `out`, never over the `plan` or another SQLite file (or to `out` itself when it is an
    open text stream); returns the leads written. A score header that a lead column already
    uses, in any case, is written `score_<name>`, so the file reads back with every name as
    it was."""
    if not isinstance(out, (str, Path)):
        return _write_view_rows(conn, out, types, view=view, progress=progress)
    with atomic_file(out, newline="", plan=plan, kind=".csv") as fh:
        return _write_view_rows(conn, fh, types, view=view, progress=progress)


def _write_view_rows(conn: sqlite3.Connection, fh: TextIO, types: dict[str, str], *, view: bool,
                     progress: Callable[[int], None] | None) -> int:
    columns = list(types)
    cell = [_plain] * len(EXPORT_HEADER) + [_yes_no if types[c] == "boolean" else _plain
                                           for c in columns]
    picked = "".join(f", l.{quote_identifier(c)}" for c in columns)
    order = "v.pos" if view else "s.rank"
    source = (f"temp.{VIEW_TABLE} AS v JOIN temp.{RANKED_TABLE} AS s ON s.rank = v.rank"
              if view else f"temp.{RANKED_TABLE} AS s")
    sql = (f"SELECT s.rank, s.fit, s.engagement, s.total, s.cell, s.mql, s.knocked{picked} "
           f"FROM {source} JOIN {LEADS_TABLE} AS l ON l.{ROW_COLUMN} = s._row ORDER BY {order}")
    count = 0
    taken = {c.casefold() for c in columns}
    header = []
    for name in EXPORT_HEADER:
        while name.casefold() in taken:
            name = f"score_{name}"
        taken.add(name.casefold())
        header.append(name)
    writer = csv.writer(fh)
    writer.writerow([*header, *columns])
    for row in conn.execute(sql):
        writer.writerow([write(v) for write, v in zip(cell, row, strict=True)])
        count += 1
        if progress is not None and count % 50_000 == 0:
            progress(count)
    if progress is not None:
        progress(count)
    return count
