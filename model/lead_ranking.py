"""Leads ranked by score, materialised once per model and as-of date, so a browser can show any
stretch of a million leads by rank with one primary-key range read.

The ranked table is a TEMP table on the caller's connection: `rank` is its INTEGER PRIMARY KEY,
given in insertion order, and the rows are inserted sorted by total (highest first), then file
order. Page reads join back to `leads` by `_row` for the columns shown.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

from model.errors import AlignError
from model.leads import LEADS_TABLE, ROW_COLUMN, quote_identifier
from model.schema import ScoringModel
from model.scoring import compile_model

RANKED_TABLE = "align_ranked_leads"
SCORE_COLUMNS = ("rank", "_row", "fit", "engagement", "total", "cell", "knocked", "mql")


def rank_leads(conn: sqlite3.Connection, model: ScoringModel, types: dict[str, str], *,
               as_of: dt.date) -> int:
    """(Re)build the ranked table on `conn`; returns the number of leads."""
    if not types:
        raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
    compiled = compile_model(model, types, as_of=as_of)
    conn.execute(f"DROP TABLE IF EXISTS temp.{RANKED_TABLE}")
    conn.execute(f"CREATE TEMP TABLE {RANKED_TABLE} (rank INTEGER PRIMARY KEY, _row INTEGER "
                 f"NOT NULL, fit INTEGER, engagement INTEGER, total INTEGER, cell TEXT, "
                 f"knocked INTEGER, mql INTEGER)")
    conn.execute(f"INSERT INTO temp.{RANKED_TABLE} (_row, fit, engagement, total, cell, knocked, "
                 f"mql) SELECT _row, fit, engagement, total, cell, knocked, mql "
                 f"FROM ({compiled.sql}) ORDER BY total DESC, _row", compiled.params)
    return conn.execute(f"SELECT count(*) FROM temp.{RANKED_TABLE}").fetchone()[0]


def ranked_page(conn: sqlite3.Connection, first: int, count: int, columns: Sequence[str],
                types: dict[str, str]) -> list[tuple[Any, ...]]:
    """Ranks `first` … `first + count − 1` (1-based): the SCORE_COLUMNS, then `columns` of the
    lead. Columns are checked against the dataset and quoted."""
    for column in columns:
        if column not in types:
            raise AlignError(f"no column {column!r} in the leads dataset")
    picked = "".join(f", l.{quote_identifier(c)}" for c in columns)
    sql = (f"SELECT s.rank, s._row, s.fit, s.engagement, s.total, s.cell, s.knocked, s.mql"
           f"{picked} FROM temp.{RANKED_TABLE} AS s JOIN {LEADS_TABLE} AS l "
           f"ON l.{ROW_COLUMN} = s._row WHERE s.rank BETWEEN ? AND ? ORDER BY s.rank")
    return conn.execute(sql, (first, first + count - 1)).fetchall()
