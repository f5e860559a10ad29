"""The leads dataset: importing a CRM export (CSV) into the `leads` table, and reading it back by
column role.

Storage contract (the scoring engine, the KPI engine and the screens read it):
table `leads` with `_row INTEGER PRIMARY KEY` (file order) and one column per CSV header; number
columns hold REAL, date columns ISO `YYYY-MM-DD` TEXT, boolean columns INTEGER 0/1, text columns
trimmed TEXT; blanks and placeholder values are NULL. `leads_columns(name, position, type)` lists
the columns; the roles live in `leads_roles`.

The import infers every column's type from the whole file, all in one transaction, so a bad
file leaves the previous dataset as it was. Rows are written while the file is read, under the
types its rows have shown so far; when a later row changes a column's type (a number column
with a word in row 90,000) those rows are rolled back and a second pass writes them all again
under the final types. Columns whose values are already clean are converted by SQLite itself
inside the INSERT, so the common case costs little more than parsing the CSV; only messy columns
(padding, `$1,200`, `03/04/25`) go through Python, once per distinct value.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import functools
import gc
import io
import json
import math
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any

from model.errors import AlignError
from model.open_plans import refuse_open_plan
from model.schema import LeadsRoles, date_format_problem, now_timestamp

LEADS_TABLE = "leads"
ROW_COLUMN = "_row"
COLUMN_TYPES = ("text", "number", "date", "boolean")
PLACEHOLDERS = ("n/a", "-", "null", "none", "?", "unknown")
def leads_text(n: int) -> str:
    """`1 lead`, `2,000 leads`."""
    return f"{n:,} lead" if n == 1 else f"{n:,} leads"


TRUE_WORDS = ("true", "yes", "y", "1")
FALSE_WORDS = ("false", "no", "n", "0")
MAX_COLUMNS = 1900
CHUNK_ROWS = 20_000
SQLITE_MAX_PARAMS = 30_000
# align_meta key of the outcome column's distinct values, recorded at import.
OUTCOME_VALUES_KEY = "leads_outcome_values"
# align_meta key of the leads dataset's date (`leads_day`).
LEADS_DAY_KEY = "leads_day"
MAX_RECORDED_OUTCOMES = 10_000

_SQL_TYPE = {"text": "TEXT", "number": "REAL", "date": "TEXT", "boolean": "INTEGER"}
_PLACEHOLDER_SET = frozenset(PLACEHOLDERS)
_BOOLEAN_WORDS = {**{w: 1 for w in TRUE_WORDS}, **{w: 0 for w in FALSE_WORDS}}

ProgressFn = Callable[[int, int], None]


@dataclass
class LeadColumn:
    name: str
    position: int
    type: str


@dataclass
class ImportReport:
    """What an import did, for the command line and the import screen."""

    path: str
    rows: int
    total_rows: int
    replaced: bool
    encoding: str
    columns: list[LeadColumn]
    created: bool = False  # the plan had no leads: this import created the dataset
    duplicate_ids: int = 0
    duplicate_examples: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def duplicates_text(self) -> str:
        """`3 rows repeat an id`; after an append the count is of the whole dataset (an
        appended row may repeat an old one), and says so."""
        n = self.duplicate_ids
        text = f"{n:,} {'row repeats' if n == 1 else 'rows repeat'} an id"
        if not (self.replaced or self.created):
            text += " in the plan's leads, old and appended"
        return text


# ---- reading the dataset -------------------------------------------------------------------

def quote_identifier(name: str) -> str:
    """Quote a column name for SQL; callers have already checked it is a known column."""
    return '"' + name.replace('"', '""') + '"'


def dataset_column(name: str, types: dict[str, str]) -> str | None:
    """The dataset column `name` stands for: itself, else the column whose name differs only in
    case (the import keeps names unique ignoring case, so there is at most one). Rules, persona
    criteria and filters so carry over a re-export that writes `Industry` for `industry`."""
    if name in types:
        return name
    folded = [column for column in types if column.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def lead_columns(store: Any) -> list[LeadColumn]:
    """The dataset's columns in file order, for the field picker and the scoring compiler."""
    return [LeadColumn(r[0], r[1], r[2]) for r in store.conn.execute(
        "SELECT name, position, type FROM leads_columns ORDER BY position")]


def column_types(store: Any) -> dict[str, str]:
    return {c.name: c.type for c in lead_columns(store)}


def has_leads(store: Any) -> bool:
    return store.db[LEADS_TABLE].exists() and bool(lead_columns(store))


def lead_count(store: Any) -> int:
    if not store.db[LEADS_TABLE].exists():
        return 0
    return store.conn.execute(f"SELECT count(*) FROM {LEADS_TABLE}").fetchone()[0]


def fold_outcome(value: Any) -> str:
    return str(value).strip().casefold()


def won_set(roles: LeadsRoles | None) -> frozenset[str]:
    return frozenset(fold_outcome(v) for v in (roles.won_values if roles else []))


def is_won(outcome: Any, roles: LeadsRoles | None) -> bool:
    """A lead is won when its trimmed, case-folded outcome is one of the won values."""
    if outcome is None or roles is None:
        return False
    return fold_outcome(outcome) in won_set(roles)


def lead_status(outcome: Any, has_closed_date: bool, roles: LeadsRoles | None) -> str | None:
    """'won', 'lost' or 'open' as DESIGN §6 defines them; None when no outcome role is mapped.

    With a closed role mapped, a lead without a closed date is open whatever its outcome says,
    and one with a closed date is won when its outcome is a won value, lost otherwise (a blank
    outcome included). Without one, a lead with a blank outcome is open (its result is not known
    yet). `status_case` is the same rule in SQL.
    """
    if roles is None or not roles.outcome:
        return None
    if roles.closed:
        if not has_closed_date:
            return "open"
    elif outcome is None or str(outcome).strip() == "":
        return "open"
    return "won" if is_won(outcome, roles) else "lost"


@dataclass
class RoleQuery:
    """SQL over `leads` selecting the role columns under fixed names, for the KPI engine:
    `_row, id, created, closed, amount, status` (status 'won' | 'lost' | 'open', NULL without an
    outcome role; a role that is not mapped gives NULL). Wrap it: `SELECT … FROM (<sql>)`."""

    sql: str
    params: dict[str, Any]


def status_case(store: Any, roles: LeadsRoles | None, types: dict[str, str],
                labels: tuple[str, str, str]) -> tuple[str, dict[str, Any]] | None:
    """A SQL `CASE` giving each lead's status (DESIGN §6) as one of `labels` (SQL literals for
    open, won, lost), with its parameters; None without an outcome role."""
    terms = status_terms(store, roles, types)
    if terms is None:
        return None
    open_expr, won_expr, params = terms
    open_label, won_label, lost_label = labels
    return (f"CASE WHEN {open_expr} THEN {open_label} WHEN {won_expr} THEN {won_label} "
            f"ELSE {lost_label} END"), params


def status_terms(store: Any, roles: LeadsRoles | None, types: dict[str, str],
                 ) -> tuple[str, str, dict[str, Any]] | None:
    """The SQL conditions of `status_case`: open, then won (tested only when not open), and
    their parameters; None without an outcome role. Which stored outcome values are won is
    settled once per distinct value, by `is_won`."""
    if not (roles and roles.outcome and roles.outcome in types):
        return None
    outcome = quote_identifier(roles.outcome)
    wanted = won_set(roles)
    won = [v for v in outcome_values(store.conn, roles.outcome) if fold_outcome(v) in wanted]
    params = {f"won{i}": v for i, v in enumerate(won)}
    won_expr = f"{outcome} IN ({', '.join(':' + name for name in params)})" if won else "0"
    open_expr = f"{outcome} IS NULL"
    if roles.closed and roles.closed in types:
        open_expr = f"{quote_identifier(roles.closed)} IS NULL"
    return open_expr, won_expr, params


def outcome_values(conn: Any, column: str) -> list[Any]:
    """The distinct values stored in the outcome column `column`: as the last import recorded
    them (`record_outcome_values`), or read from the leads when it recorded none for it."""
    row = conn.execute("SELECT value FROM align_meta WHERE key = ?", [OUTCOME_VALUES_KEY]).fetchone()
    if row is not None:
        recorded = json.loads(row[0])
        if recorded.get("column") == column:
            return list(recorded["values"])
    return _distinct_values(conn, column, None)


def record_outcome_values(conn: Any, roles: LeadsRoles | None) -> None:
    """Record the outcome column's distinct values, so a backtest need not read every lead to
    find which stored values are won. Called inside the import's transaction, after the rows are
    written; an outcome column with very many distinct values is not recorded."""
    conn.execute("DELETE FROM align_meta WHERE key = ?", [OUTCOME_VALUES_KEY])
    if not roles or not roles.outcome:
        return
    values = _distinct_values(conn, roles.outcome, MAX_RECORDED_OUTCOMES + 1)
    if len(values) > MAX_RECORDED_OUTCOMES:
        return
    now = now_timestamp()
    conn.execute("INSERT INTO align_meta (key, value, created_at, updated_at) VALUES (?, ?, ?, ?)",
                 [OUTCOME_VALUES_KEY, json.dumps({"column": roles.outcome, "values": values}),
                  now, now])


def leads_day(conn: Any) -> dt.date | None:
    """The leads dataset's date: the day of its last import (or append), as the data was then.
    None for a dataset imported before the day was recorded."""
    row = conn.execute("SELECT value FROM align_meta WHERE key = ?", [LEADS_DAY_KEY]).fetchone()
    try:
        return dt.date.fromisoformat(row[0]) if row is not None else None
    except (TypeError, ValueError):
        return None


def default_as_of(store: Any, today: dt.date) -> dt.date:
    """The date scores count back from unless one is asked for: the leads dataset's own date, so
    `within_last_days` means what it meant when the leads were exported, however long ago that
    was; today for a dataset without one."""
    return leads_day(store.conn) or today


def _record_day(conn: Any, day: dt.date) -> None:
    now = now_timestamp()
    conn.execute("INSERT INTO align_meta (key, value, created_at, updated_at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                 "updated_at = excluded.updated_at", [LEADS_DAY_KEY, day.isoformat(), now, now])


def _distinct_values(conn: Any, column: str, limit: int | None) -> list[Any]:
    ident = quote_identifier(column)
    sql = f"SELECT DISTINCT {ident} FROM {LEADS_TABLE} WHERE {ident} IS NOT NULL"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [r[0] for r in conn.execute(sql)]


def roles_query(store: Any) -> RoleQuery:
    roles = store.leads_roles()
    types = column_types(store)
    if not types:
        raise AlignError("no leads imported yet (use `align leads import CSV DB`)")

    def col(name: str | None) -> str:
        return quote_identifier(name) if name and name in types else "NULL"

    found = status_case(store, roles, types, ("'open'", "'won'", "'lost'"))
    status, params = found if found is not None else ("NULL", {})
    sql = (f"SELECT {ROW_COLUMN} AS _row, {col(roles.id if roles else None)} AS id, "
           f"{col(roles.created if roles else None)} AS created, "
           f"{col(roles.closed if roles else None)} AS closed, "
           f"{col(roles.amount if roles else None)} AS amount, {status} AS status "
           f"FROM {LEADS_TABLE}")
    return RoleQuery(sql, params)


# ---- value parsing (shared by inference and conversion) -------------------------------------

_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_NUMBER_CHARS = re.compile(r"[0-9.eE+\-]*")
_CURRENCY = "$€£¥"
_SEP_THEN_SPACE = re.compile(r"\x00\s")
_SPACE_CHARS = " \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f"  # the ASCII ones str.strip() removes
_SEP_PLACEHOLDERS = tuple(f"\x00{p}\x00" for p in PLACEHOLDERS)


def _holds_padding(text: str) -> bool:
    """Whether a value in `text` (values between NULs) starts or ends with whitespace."""
    if text.isascii() and not any(c in text for c in _SPACE_CHARS):
        return False
    return bool(_SEP_THEN_SPACE.search(text) or _SEP_THEN_SPACE.search(text[::-1]))


def _holds_placeholder(text: str, col: list[str], padded: bool) -> bool:
    """Whether a value of `col` (`text`: its values between NULs) is a placeholder: as written,
    or once trimmed when the column has `padded` values (as the import reads it). Lowering may
    turn other letters into ASCII ones; such a find is checked value by value."""
    lowered = text.lower()
    if not any(p in lowered for p in (PLACEHOLDERS if padded else _SEP_PLACEHOLDERS)):
        return False
    if padded:
        return any(_blank_kind(v.strip()) == _PLACEHOLDER for v in set(col))
    return any(_blank_kind(v) == _PLACEHOLDER for v in set(col))

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
# ASCII digits only: SQLite stores a value matching this as it is, and compares it as text.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME)
_AB_Y = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)

_BLANK = 0
_PLACEHOLDER = 1
_BAD = 2
_EMPTY = 10
_FITS = 11


def _blank_kind(text: str) -> int | None:
    """Blank, a placeholder (matched ignoring ASCII case only, as SQLite's `lower` does, so a
    value reads the same whichever side converts it), or None."""
    if not text:
        return _BLANK
    if text.isascii() and text.lower() in _PLACEHOLDER_SET:
        return _PLACEHOLDER
    return None


def parse_number(raw: str) -> float | None:
    """A number as CRM exports write it (`1,200`, ` 42 `, `$1,200.50`, `-3.5e2`), or None."""
    text = raw.strip()
    if not text:
        return None
    negative = False
    if text[0] in "+-":
        negative = text[0] == "-"
        text = text[1:].lstrip()
    if text[:1] and text[0] in _CURRENCY:
        text = text[1:].lstrip()
    if "," in text:
        if not _GROUPED_NUMBER.fullmatch(text):
            return None
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text) or text[0] in "+-":
        return None
    value = float(text)
    if not math.isfinite(value) or abs(value) > 1e300:
        return None
    return -value if negative else value


_TWO_DOTS = re.compile(r"\.[0-9]*+\.")


def plain_numbers(col: list[str], joined: str) -> bool:
    """Whether every value of `col` (`joined` is their concatenation) is blank or an unsigned
    ASCII number without an exponent (`42`, `4706.50`, `.5`) of at most 300 characters, so a
    number `parse_number` accepts as it is: checked over the whole column at once, without
    converting a value. False means only that the values must be looked at one by one."""
    return sql_number_form(col, joined) is not None or _plain_unsigned(col, joined)


def _plain_unsigned(col: list[str], joined: str) -> bool:
    """`plain_numbers` for a chunk `sql_number_form` has said no to."""
    if not _NUMBER_CHARS.fullmatch(joined) or any(sign in joined for sign in "eE+-"):
        return False
    if "." in joined and ("." in col or _TWO_DOTS.search("\x00".join(col))):
        return False
    return len(joined) <= 300 or max(map(len, col)) <= 300


_NINES = str.maketrans("0123456789", "9" * 10)
_MAX_EXACT_DIGITS = 15


def sql_number_form(col: list[str], joined: str) -> int | None:
    """How SQLite can convert every value of a number column's chunk to exactly the float
    Python's float() gives, or None when it cannot. `joined`: the values joined.

    0: whole numbers of at most 15 ASCII digits (blanks allowed), which CAST turns into floats
    without rounding. d > 0: every value not blank is such digits with a dot and exactly d
    decimals (`4706.50`, d = 2): its digits read as a whole number and divided by 10**d give
    one correctly rounded division of two exact floats, which is the float of the decimal, as
    Python reads it. SQLite's own reading of decimals is not always correctly rounded
    (`95328.600864` comes out a unit off in the last place), so it is never asked to. Checked
    over the whole chunk with string operations, not value by value."""
    if not joined.isascii():
        return None
    if not joined or joined.isdigit():
        if len(joined) <= _MAX_EXACT_DIGITS:
            return 0
        marked = "\x00".join(col).translate(_NINES)
        return None if "9" * (_MAX_EXACT_DIGITS + 1) in marked else 0
    if not joined.replace(".", "").isdigit():
        return None
    filled = len(col) - col.count("")
    if joined.count(".") != filled:
        return None
    # Digits as 9s, values between NULs: each value must read 9…9.9…9 with the same decimals.
    marked = ("\x00" + "\x00".join(col) + "\x00").translate(_NINES)
    dot = marked.index(".")
    places = marked.index("\x00", dot) - dot - 1
    if not 1 <= places < _MAX_EXACT_DIGITS or "\x00." in marked:
        return None
    if marked.count("." + "9" * places + "\x00") != filled:
        return None
    if "9" * (_MAX_EXACT_DIGITS + 1 - places) + "." in marked:
        return None
    return places


def plain_floats(col: list[str], placeholders: bool) -> list[float | None]:
    """The numbers of a column whose values are all plain numbers as written, blanks or (with
    `placeholders`) placeholder words; those two read as None. Python's float() is correctly
    rounded, where SQLite's text-to-number conversion can be one unit off in the last place."""
    if placeholders:
        return [float(v) if v and not (v.isascii() and v.lower() in _PLACEHOLDER_SET) else None
                for v in col]
    if "" in col:
        return [float(v) if v else None for v in col]
    return list(map(float, col))


def order_formats(example: str) -> str:
    """The two date formats that read a date such as `example` (`03/04/25`) one way and the
    other, with its separator and year width: `%d/%m/%y or %m/%d/%y`."""
    match = _AB_Y.match(example.strip())
    sep, year = (match.group(2), "%y" if len(match.group(4)) == 2 else "%Y") if match else (
        "/", "%Y")
    return f"%d{sep}%m{sep}{year} or %m{sep}%d{sep}{year}"


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    short = int(text)
    return 2000 + short if short < 69 else 1900 + short


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# ---- pass 1: type inference -----------------------------------------------------------------

class _Column:
    """What the first pass learns about one column, and how the second pass converts it."""

    def __init__(self, name: str, position: int, fixed: str | None, date_format: str | None):
        self.name = name
        self.position = position
        self.fixed = fixed
        self.date_format = date_format
        self.kinds = {"number", "date", "boolean"} if fixed is None else {fixed} - {"text"}
        self.padded = False
        self.placeholder = False
        self.has_value = False
        self.decorated = False
        self.iso_only = True
        self.day_first_ok = True
        self.month_first_ok = True
        self.needs_order = False
        self.order_example = ""
        self.type = fixed or "text"
        # The type a role asks of the column (a date for created/closed, a number for amount):
        # what a column with no values at all takes, as a batch of open leads has no closed date.
        self.role_type: str | None = None
        # The first value (and its row) that ruled each type out, for messages.
        self.rejected: dict[str, tuple[int, str]] = {}
        self.order: str | None = None
        self._number_cache: dict[str, int | float] = {}
        self._date_cache: dict[str, Any] = {}
        self._bool_cache: dict[str, int] = {}
        self.convert_cache: dict[str, Any] = {}
        # (first row, `sql_number_form`) of the chunk the first pass scanned last, for its INSERT.
        self.chunk_form: tuple[int, int | None] = (0, None)

    # -- pass 1
    def needs_scan(self, hints: _Hints) -> bool:
        return bool(self.kinds) or (hints.padded and not self.padded) or (
            hints.placeholder and not self.placeholder)

    def scan(self, col: list[str], first_row: int, padded: bool, placeholder: bool) -> None:
        """`padded` / `placeholder`: whether the chunk as a whole has any, so clean chunks skip
        the per-column checks."""
        padded = padded and not self.padded
        placeholder = placeholder and not self.placeholder
        if padded or placeholder:
            text = "\x00" + "\x00".join(col) + "\x00"  # every value between NULs
            self.padded = self.padded or (padded and _holds_padding(text))
            self.placeholder = self.placeholder or (
                placeholder and _holds_placeholder(text, col, self.padded))
        if "number" in self.kinds:
            self._scan_numbers(col, first_row)
        if "date" in self.kinds:
            self._scan(col, first_row, self._date_cache, self._classify_date, "date")
        if "boolean" in self.kinds:
            self._scan(col, first_row, self._bool_cache, self._classify_boolean, "boolean")

    def _reject(self, kind: str, value: str, row: int) -> None:
        if self.fixed:
            what = {"number": "a number", "date": "a date", "boolean": "true/false"}[kind]
            raise AlignError(f"row {row:,}, column {self.name!r}: {value!r} is not {what}, "
                             f"but the existing dataset holds {kind}s in this column")
        self.rejected.setdefault(kind, (row, value))
        self.kinds.discard(kind)

    def _scan_numbers(self, col: list[str], first_row: int) -> None:
        joined = "".join(col)
        form = sql_number_form(col, joined)
        self.chunk_form = (first_row, form)
        if form is not None or _plain_unsigned(col, joined):
            self.has_value = self.has_value or bool(joined)
            return
        if _NUMBER_CHARS.fullmatch(joined):
            try:
                values = list(map(float, filter(None, col)))
            except ValueError:
                values = None
            if values is not None and (not values or max(map(abs, values)) <= 1e300):
                self.has_value = self.has_value or bool(values)
                return
        self._scan(col, first_row, self._number_cache, self._classify_number, "number")

    def _scan(self, col: list[str], first_row: int, cache: dict[str, Any],
              classify: Callable[[str], Any], kind: str) -> None:
        fresh = set(col).difference(cache)
        bad = None
        for value in fresh:
            verdict = classify(value)
            if len(cache) < 500_000:
                cache[value] = verdict
            if verdict == _BAD:
                bad = value
                break
        if bad is not None:
            bad = next(v for v in col if cache.get(v, _BAD) == _BAD and classify(v) == _BAD)
            self._reject(kind, bad, first_row + col.index(bad))

    def _classify_number(self, raw: str) -> int:
        text = raw.strip()
        blank = _blank_kind(text)
        if blank is not None:
            self.placeholder = self.placeholder or blank == _PLACEHOLDER
            return _EMPTY
        if parse_number(text) is None:
            return _BAD
        self.has_value = True
        if text != raw or not text.isascii() or not _PLAIN_NUMBER.fullmatch(text):
            self.decorated = True  # SQLite's CAST reads ASCII digits only: Python converts
        return _FITS

    def _classify_boolean(self, raw: str) -> int:
        text = raw.strip()
        blank = _blank_kind(text)
        if blank is not None:
            return _EMPTY
        if text.lower() not in _BOOLEAN_WORDS:
            return _BAD
        self.has_value = True
        return _FITS

    def _classify_date(self, raw: str) -> int:
        text = raw.strip()
        if _blank_kind(text) is not None:
            return _EMPTY
        if self.date_format:
            try:
                dt.datetime.strptime(text, self.date_format)
                self.has_value = True
                self.iso_only = False
                return _FITS
            except ValueError:
                pass
        match = _YMD.fullmatch(text)
        if match:
            y, _, m, d = match.groups()
            if _make_date(int(y), int(m), int(d)) is None:
                return _BAD
            self.has_value = True
            if not (text == raw and _ISO_DATE.fullmatch(text)):
                self.iso_only = False
            return _FITS
        if self.date_format:  # given a format, a date that does not follow it is not guessed
            return _BAD
        match = _AB_Y.fullmatch(text)
        if not match:
            return _BAD
        a, _, b, y = match.groups()
        year, first, second = _year(y), int(a), int(b)
        day_first = _make_date(year, second, first) is not None
        month_first = _make_date(year, first, second) is not None
        if not day_first and not month_first:
            return _BAD
        self.has_value = True
        self.iso_only = False
        self.day_first_ok = self.day_first_ok and day_first
        self.month_first_ok = self.month_first_ok and month_first
        if first != second:
            self.needs_order = True
            self.order_example = min(self.order_example or text, text)
        return _FITS

    def _kind(self) -> str:
        """The column's type as far as the file has been seen."""
        if self.fixed:
            return self.fixed
        if not self.has_value:
            # No value fits a type: blank throughout takes the role's, anything else is text.
            return "text" if self.rejected else (self.role_type or "text")
        if "number" in self.kinds:
            return "number"
        if "date" in self.kinds and (self.day_first_ok or self.month_first_ok):
            return "date"
        if "boolean" in self.kinds:
            return "boolean"
        return "text"

    def tentative(self) -> tuple[str, str | None] | None:
        """The type `decide` would pick if the file ended here, and the date order conversion
        depends on (None while no date so far needs one); None while the dates seen so far read
        both ways or neither, so they cannot be converted yet."""
        kind = self._kind()
        if kind != "date" or not self.needs_order:
            return kind, None
        if self.day_first_ok == self.month_first_ok:
            return None
        return kind, "dm" if self.day_first_ok else "md"

    def decide(self) -> None:
        """Pick the column's type once the whole file has been seen."""
        self.convert_cache.clear()  # values converted under a tentative type
        self.type = self._kind()
        if self.type == "date":
            if not self.day_first_ok and not self.month_first_ok:
                raise AlignError(f"column {self.name!r}: dates such as {self.order_example!r} "
                                 "read neither as day/month nor as month/day")
            if self.needs_order and self.day_first_ok and self.month_first_ok:
                raise AlignError(
                    f"column {self.name!r}: dates such as {self.order_example!r} could be "
                    "day/month or month/day and nothing in the column decides it; give the date "
                    f"format, {order_formats(self.order_example)} (--date-format, or Date format "
                    "in the app)")
            self.order = "dm" if self.day_first_ok else "md"

    # -- pass 2
    @property
    def fast(self) -> bool:
        """True when SQLite can convert the raw text inside the INSERT."""
        if self.padded:
            return False
        if self.type == "number":
            return not self.decorated
        if self.type == "date":
            return self.iso_only
        return True

    def number_form(self, col: list[str], first_row: int | None) -> int | None:
        """`sql_number_form` of a chunk of this number column, as the first pass found it when
        it scanned the chunk starting at `first_row`."""
        if first_row is not None and self.chunk_form[0] == first_row:
            return self.chunk_form[1]
        return sql_number_form(col, "".join(col))

    def sql_expression(self, param: str, form: int | None) -> str:
        """The SQL that converts this column's raw text `param`; `form`: a number chunk's
        `sql_number_form`."""
        if not self.fast:
            return param
        if self.type == "boolean":
            whens = " ".join(f"WHEN '{w}' THEN {v}" for w, v in _BOOLEAN_WORDS.items())
            return f"CASE lower({param}) {whens} END"
        value = f"nullif({param}, '')"
        if self.type == "number" and form:
            # Digits as a whole number (exact, at most 15), one division by an exact power of 10.
            value = f"replace({value}, '.', '') / 1{'0' * form}.0"
        # Whole numbers (form 0) are left to the REAL column's affinity, which reads them exactly.
        if self.placeholder:
            # WHENs, not IN (…): SQLite builds a lookup table for an IN list at each place it
            # is written, every time the statement runs; that took longer than the insert.
            whens = " ".join(f"WHEN '{p}' THEN NULL" for p in PLACEHOLDERS)
            value = f"CASE lower({param}) {whens} ELSE {value} END"
        return value

    def convert(self, raw: str) -> Any:
        text = raw.strip()
        if _blank_kind(text) is not None:
            return None
        if self.type == "text":
            return text
        if self.type == "number":
            return parse_number(text)
        if self.type == "boolean":
            return _BOOLEAN_WORDS.get(text.lower())
        return self._convert_date(text)

    def _convert_date(self, text: str) -> str | None:
        if self.date_format:
            try:
                return dt.datetime.strptime(text, self.date_format).date().isoformat()
            except ValueError:
                pass
        match = _YMD.fullmatch(text)
        if match:
            y, _, m, d = match.groups()
            day = _make_date(int(y), int(m), int(d))
            return day.isoformat() if day else None
        match = _AB_Y.fullmatch(text) if not self.date_format else None
        if not match:
            return None
        a, _, b, y = match.groups()
        first, second = int(a), int(b)
        if self.order == "dm":
            first, second = second, first
        day = _make_date(_year(y), first, second)
        return day.isoformat() if day else None

    def convert_column(self, col: list[str]) -> list[Any]:
        cache = self.convert_cache
        missing = set(col).difference(cache)
        if len(cache) + len(missing) > 1_000_000:
            cache.clear()
            missing = set(col)
        convert = self.convert
        for value in missing:
            cache[value] = convert(value)
        return list(map(cache.__getitem__, col))


# ---- reading the file -----------------------------------------------------------------------

def _sniff(path: Path) -> tuple[int, str]:
    refuse_open_plan(path, "a CSV export")  # before any read: see model.open_plans
    try:
        mode = path.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            # A pipe (`/dev/stdin`, `<(…)`) can be read once; the import reads twice.
            raise AlignError(f"{path} is a pipe or a device, not a file: the import reads a CSV "
                             "twice (types from the whole file first), so save it to a file and "
                             "import that")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(65536)
    except FileNotFoundError:
        raise AlignError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AlignError(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise AlignError(f"{path}: cannot read the file ({exc.strerror})") from None
    if not head.strip():
        raise AlignError(f"{path.name} is empty: expected a header line and at least one row")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            b"\x00" in head and (head[1::2].count(0) > len(head) // 4
                                 or head[0::2].count(0) > len(head) // 4)
            and head.count(0) < len(head) * 0.7):
        raise AlignError(f"{path.name} is UTF-16 text; save it as UTF-8 CSV and import again")
    if b"\x00" in head:
        raise AlignError(f"{path.name} is not a CSV file: it contains binary data (NUL bytes)")
    first_line = re.sub(rb'"[^"]*"', b"", head.split(b"\n", 1)[0])
    counts = {d: first_line.count(d.encode()) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    return size, delimiter if counts[delimiter] else ","


_UTF8_SPACE_LEADS = {
    b"\xc2": re.compile(rb"\xc2[\x85\xa0]"),
    b"\xe1": re.compile(rb"\xe1\x9a\x80"),
    b"\xe2": re.compile(rb"\xe2(?:\x80[\x80-\x8a\xa8\xa9\xaf]|\x81\x9f)"),
    b"\xe3": re.compile(rb"\xe3\x80\x80"),
}
_ODD_CONTROLS = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_BLOCK = 8 << 20


def _read_so_far(path: Path, length: int) -> tuple[bool, int, int]:
    """Of the first `length` bytes of the file, read as UTF-8 so far: whether they decode as
    Windows-1252 too, how many characters beyond ASCII they hold, and how many line feeds."""
    cp1252_ok, beyond, lines = True, 0, 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while length > 0:
            block = fh.read(min(_BLOCK, length))
            length -= len(block)
            lines += block.count(b"\n")
            if block.isascii():
                continue
            text = utf8.decode(block)
            beyond += len(text) - len(text.encode("ascii", "ignore"))
            if cp1252_ok:
                try:
                    block.decode("cp1252")
                except UnicodeDecodeError:
                    cp1252_ok = False
    return cp1252_ok, beyond, lines


@dataclass
class _Hints:
    """What a quick pass over the raw bytes rules out for the whole file. `padded` /
    `placeholder` False means no cell can have surrounding whitespace / be a placeholder, so the
    per-cell checks are skipped; True only means they must run. Whitespace a quoted field carries
    across a line break is caught per chunk instead (see `_first_pass`)."""

    encoding: str
    padded: bool
    placeholder: bool
    simple: bool = False
    # In a UTF-8 file (MIXED), the bytes that are not UTF-8, and the line of the first.
    odd_bytes: int = 0
    odd_line: int = 0


# A UTF-8 file with a few bytes that are not (a Latin-1 `é` pasted into one row): read as UTF-8,
# each such byte as the Windows-1252 character it would be. Reading it all as Latin-1 instead
# would garble every other accented letter in the file.
MIXED = "align-utf8-cp1252"
_FALLBACK = "align-cp1252-bytes"
_ESCAPED = re.compile("[\udc80-\udcff]")


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), exc.end


class _MixedDecoder(codecs.IncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self.utf8 = codecs.getincrementaldecoder("utf-8-sig")(_FALLBACK)

    def decode(self, data: bytes, final: bool = False) -> str:  # type: ignore[override]
        return self.utf8.decode(data, final)

    def reset(self) -> None:
        self.utf8.reset()

    def getstate(self) -> tuple[bytes, int]:
        return self.utf8.getstate()

    def setstate(self, state: tuple[bytes, int]) -> None:
        self.utf8.setstate(state)


def _mixed_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != MIXED.replace("-", "_"):
        return None
    return codecs.CodecInfo(name=MIXED, encode=codecs.utf_8_encode,
                            decode=lambda data, errors="strict": (
                                codecs.decode(data, "utf-8-sig", _FALLBACK), len(data)),
                            incrementaldecoder=_MixedDecoder)


codecs.register_error(_FALLBACK, _cp1252_bytes)
codecs.register(_mixed_codec)


def _byte_hints(path: Path, delimiter: str) -> _Hints:
    d = re.escape(delimiter.encode())
    edge_space = re.compile(rb"[ \t](?:[" + d + rb"\r\n\"]|(?<=[" + d + rb"\r\n\"][ \t]))")
    edge_dash = re.compile(rb"-(?:[" + d + rb"\r\n\"])(?<=[" + d + rb"\r\n\"]-.)", re.DOTALL)
    words = (b"n/a", b"null", b"none", b"unknown", b"?")
    # Read as UTF-8 until a byte is not; from there on, such bytes come out as lone surrogates,
    # counted against the characters UTF-8 does read beyond ASCII, to tell a Latin-1 file from
    # a UTF-8 one with a stray byte.
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
    odd = good = 0
    odd_line = 0
    cp1252_ok = True
    nbsp_seen = False  # in blocks looked at as UTF-8, should the file turn out not to be
    padded = placeholder = False
    simple = True
    tail = b""
    position = 0
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            final = not block
            if b"\x00" in block:
                raise AlignError(f"{path.name} is not a CSV file: it contains binary data "
                                 f"(NUL bytes near byte {position + block.index(0):,})")
            state = utf8.getstate()
            try:
                text = utf8.decode(block, final=final)
            except UnicodeDecodeError:
                # Earlier blocks, read as UTF-8 so far, must read as Windows-1252 too (where
                # 0xA0 is a space); how many characters they had beyond ASCII, and lines.
                cp1252_ok, good, lines = _read_so_far(path, position)
                padded = padded or nbsp_seen
                utf8 = codecs.getincrementaldecoder("utf-8")("surrogateescape")
                utf8.setstate(state)
                text = utf8.decode(block, final=final)
                first = _ESCAPED.search(text).start()  # type: ignore[union-attr]
                odd_line = lines + text.count("\n", 0, first) + 1
            if odd_line and not text.isascii():
                escaped = len(_ESCAPED.findall(text))
                good += len(text) - len(text.encode("ascii", "ignore")) - escaped
                odd += escaped
            if not odd_line:
                nbsp_seen = nbsp_seen or b"\xa0" in block
            if odd and cp1252_ok:
                try:
                    block.decode("cp1252")
                except UnicodeDecodeError:
                    cp1252_ok = False
            if final:
                break
            window = tail + block
            if not padded:
                # Single-byte searches are fast; the regex runs only where a space could pad.
                padded = (((b" " in window or b"\t" in window) and bool(edge_space.search(window)))
                          or any(c in window for c in _ODD_CONTROLS)
                          or (not window.isascii() and (
                              (odd and b"\xa0" in window)
                              or any(lead in window and pattern.search(window)
                                     for lead, pattern in _UTF8_SPACE_LEADS.items()))))
            # A carriage return not followed by a line feed: a line end of its own.
            lone_cr = b"\r" in window and window.count(b"\r") != window.count(b"\r\n")
            if simple:
                simple = b'"' not in block and not lone_cr
            if not placeholder:
                lowered = window.lower()
                placeholder = (any(w in lowered for w in words)
                               or ((delimiter.encode() + b"-" in window or b"\n-" in window
                                    or (lone_cr and b"\r-" in window)
                                    or (not simple and b'"-' in window))
                                   and bool(edge_dash.search(window))))
            tail = block[-4:]
            position += len(block)
    if tail[-1:] in (b" ", b"\t") or tail.endswith((b' "', b'\t"')):
        padded = True
    if tail.endswith((delimiter.encode() + b"-", b"\n-", b"\r-")):
        placeholder = True
    if tail.endswith(b"\r"):
        simple = False
    if odd and (good > odd or bom):  # a byte-order mark says UTF-8 as well as any letter
        # Padding checks throughout: a stray 0xA0 reads as a no-break space.
        return _Hints(MIXED, True, True, simple, odd, odd_line)
    if odd and not cp1252_ok:
        raise AlignError(f"{path.name} is neither UTF-8 nor Latin-1 text; save it as UTF-8 CSV "
                         "and import again")
    return _Hints("utf-8-sig" if not odd else "cp1252", padded, placeholder or padded, simple)


_TEXT_BLOCK = 4 << 20
_FIELD_LIMIT = 2**31 - 1
# Whitespace str.strip() removes, besides space, tab and line ends.
_ODD_SPACES = tuple(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \t\r\n")


@functools.lru_cache(maxsize=8)
def _block_patterns(delimiter: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    d = re.escape(delimiter)
    edge_space = re.compile(r"[ \t](?:[" + d + r"\n]|(?<=[" + d + r"\n][ \t]))")
    edge_dash = re.compile(r"-[" + d + r"\n](?<=[" + d + r"\n]-.)", re.DOTALL)
    return edge_space, edge_dash


def _block_hints(hints: _Hints, block: str, delimiter: str) -> _Hints:
    """`hints` as they hold for one block split directly (lines joined by \\n, quotes, if
    the file had them there, taken off): what the byte pass found somewhere in the file, looked
    for again in this block only. Like the byte pass, it may say yes where no cell is padded or
    a placeholder, never the reverse."""
    if not hints.padded and not hints.placeholder:
        return hints
    text = f"\n{block}\n"
    edge_space, edge_dash = _block_patterns(delimiter)
    padded = hints.padded and (
        ((" " in text or "\t" in text) and bool(edge_space.search(text)))
        or any(c in text for c in (_ODD_SPACES[:6] if text.isascii() else _ODD_SPACES)))
    lowered = text.lower()  # may turn other letters into ASCII ones: a yes to spare, no miss
    placeholder = padded or (hints.placeholder and (
        any(word in lowered for word in ("n/a", "null", "none", "unknown", "?"))
        or ((f"{delimiter}-" in text or "\n-" in text) and bool(edge_dash.search(text)))))
    return dataclasses.replace(hints, padded=padded, placeholder=placeholder)


_BLANK_LINES = re.compile(r"\n\n+")


@functools.lru_cache(maxsize=8)
def _empty_rows(delimiter: str) -> re.Pattern[str]:
    """Lines made only of delimiters: rows whose every field is empty."""
    return re.compile(f"^{re.escape(delimiter)}+$", re.MULTILINE)


def _ragged(path: Path, row: int, fields: int, width: int) -> AlignError:
    return AlignError(f"{path.name}, row {row:,} (not counting the header): "
                      f"{fields} fields where the header has {width}")


def _ragged_line(path: Path, rows: int, block: str, delimiter: str, width: int) -> AlignError:
    """The error for the first line of `block` without `width` fields (`rows` before it)."""
    lines = block.split("\n")
    bad = next(i for i, text in enumerate(lines) if len(text.split(delimiter)) != width)
    return _ragged(path, rows + bad + 1, len(lines[bad].split(delimiter)), width)


def _unquote(block: str, delimiter: str) -> str | None:
    """The lines of `block` (joined by \\n) without their quotes when every field of every
    line is quoted and holds no quote, delimiter or line break (`"a","","b"` reads a,,b), as the
    csv module reads them; else None. Checked by quoting the result again: it must give the
    block back exactly."""
    if len(block) < 2 or block[0] != '"' or block[-1] != '"':
        return None
    between = f'"{delimiter}"'
    text = block[1:-1].replace('"\n"', "\n").replace(between, delimiter)
    if '"' in text:
        return None
    again = text.replace(delimiter, between).replace("\n", '"\n"')
    return text if f'"{again}"' == block else None


_ROW_MARK = "\x01"
_FIELD_MARK = "\x02"


@functools.lru_cache(maxsize=8)
def _quoted_field(delimiter: str) -> re.Pattern[str]:
    # A whole quoted field: a quote at a field's start (the lookbehind comes after the quote so
    # that the search can hunt for the quote alone), doubled quotes inside, the closing quote
    # at the field's end. Possessive: `""` is always a quote inside, as the csv module reads it.
    d = re.escape(delimiter)
    return re.compile(r'"(?<![^' + d + r'\n]")((?:[^"]|"")*+)"(?![^' + d + r'\r\n])')


def _lift_quoted(block: str, delimiter: str) -> tuple[str, list[str]] | None:
    """`block` (lines joined by \\n) with each quoted field replaced by a mark cell, and the
    fields' values in order, as the csv module reads them; None unless every quote in the block
    belongs to a whole quoted field (a quote inside an unquoted field, text after a closing
    quote, a field left open) or when the block holds the mark character.

    Read from the left, the fields the pattern takes are the ones the csv module sees: each
    starts where a field starts, holds quotes only doubled, and ends where a field ends; once no
    quote is left outside them, nothing else in the block is quoted."""
    if _FIELD_MARK in block:
        return None
    pattern = _quoted_field(delimiter)
    lifted = pattern.sub(_FIELD_MARK, block)
    if '"' in lifted:
        return None
    found = pattern.findall(block)
    if not found:
        return lifted, []
    values = _FIELD_MARK.join(found)
    if '""' in values:
        values = values.replace('""', '"')
    return lifted, values.split(_FIELD_MARK)


def _put_back(cells: list[str], values: list[str]) -> None:
    """Put the fields `_lift_quoted` took out back in their mark cells, in order."""
    at = -1
    for value in values:
        at = cells.index(_FIELD_MARK, at + 1)
        cells[at] = value


def split_rows(block: str, delimiter: str, width: int, count: int) -> list[str] | None:
    """The cells of `count` lines without quotes, row-major, or None when some line does not
    have `width` fields. A mark cell between lines shows where each line ends: the lines all
    have `width` fields exactly when every mark sits where the row width puts it (the block
    must not hold the mark character itself). This avoids splitting the block into lines."""
    if _ROW_MARK not in block:
        cells = block.replace("\n", f"{delimiter}{_ROW_MARK}{delimiter}").split(delimiter)
        if len(cells) != count * (width + 1) - 1:
            return None
        if cells[width::width + 1].count(_ROW_MARK) != count - 1:
            return None
        del cells[width::width + 1]
        return cells
    lines = block.split("\n")
    if set(map(str.count, lines, repeat(delimiter))) != {width - 1}:
        return None
    return block.replace("\n", delimiter).split(delimiter)


def _plain_line_ends(block: str, raw: str) -> str:
    """`block` with CRLF line ends made \\n; `raw`: the block as read, with the \\n it was cut at,
    if any (the last line's \\r is then dropped too)."""
    if "\r" not in block:
        return block
    text = block.replace("\r\n", "\n")
    return text.removesuffix("\r") if raw.endswith("\n") else text


class _Reader:
    """A CSV reader over the file that knows its byte position, for progress."""

    def __init__(self, path: Path, encoding: str, delimiter: str) -> None:
        self.raw = path.open("rb")
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, newline="")
        # No cap on a field's length (the csv module's default is 128 KiB), as when the rows
        # are split by blocks: a long note in a CRM export is not an error.
        if csv.field_size_limit() < _FIELD_LIMIT:
            csv.field_size_limit(_FIELD_LIMIT)
        self.reader = csv.reader(self.text, delimiter=delimiter, strict=True)
        self.delimiter = delimiter
        self.path = path
        self.line_offset = 0  # lines read before `reader` took over, for its messages
        # Text read ahead when a quoted file's blocks stop being splittable (`flat_chunks`).
        self.pending: str | None = None
        self.pending_lines = 0

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.text.close()

    def header(self) -> list[str]:
        try:
            for row in self.reader:
                if row and any(cell.strip() for cell in row):
                    return row
        except csv.Error as exc:
            raise self._error(exc) from None
        raise AlignError(f"{self.path.name} is empty: expected a header line and at least one row")

    def flat_chunks(self, width: int,
                    hints: _Hints) -> Iterator[tuple[list[str], int, _Hints]]:
        """Rows as one flat list of cells per chunk (row-major), the row count, and the file's
        `hints` as they hold for the chunk: narrowed to the chunk's own text when it is split
        by blocks, so that one `N/A` costs checks in its chunk only; widened to padded when a
        quoted field read by the csv module spanned lines. Flat lists let columns be sliced (`cells[j::width]`) and
        parameters for many rows be taken in one slice, with no per-row Python work. Ragged
        rows are refused with their row number (data rows from 1)."""
        rows = 0
        # A file with quotes is split by blocks too while its blocks allow it (no quotes, or
        # every field quoted), and read by the csv module from the first block that does not.
        for cells, count, block, multiline in self._simple_blocks(width, rows,
                                                                  quoted=not hints.simple):
            rows += count
            found = _block_hints(hints, block, self.delimiter)
            yield cells, count, dataclasses.replace(found, padded=True) if multiline else found
        if self.pending is None:
            return
        self.line_offset = self.reader.line_num + self.pending_lines
        self.reader = csv.reader(chain(io.StringIO(self.pending, newline=""), self.text),
                                 delimiter=self.delimiter, strict=True)
        self.pending = None
        line = self.reader.line_num
        for chunk in self.chunks():
            if set(map(len, chunk)) != {width}:
                bad = next(i for i, row in enumerate(chunk) if len(row) != width)
                raise _ragged(self.path, rows + bad + 1, len(chunk[bad]), width)
            # More lines than rows: a quoted field spanned lines. An unclosed quote at the end
            # of the file can hold a line break without another line: the last row says so.
            multiline = self.reader.line_num - line != len(chunk) or any(
                "\n" in cell or "\r" in cell for cell in chunk[-1])
            line = self.reader.line_num
            rows += len(chunk)
            yield (list(chain.from_iterable(chunk)), len(chunk),
                   dataclasses.replace(hints, padded=True) if multiline else hints)

    def chunks(self, size: int | None = None) -> Iterator[list[list[str]]]:
        """Rows through the csv module, `size` (default `CHUNK_ROWS`) at a time, blank lines
        skipped."""
        size = size or CHUNK_ROWS
        rows = _rows_then_error(self.reader)
        while True:
            chunk = list(islice(rows, size))
            if not chunk:
                return
            if isinstance(chunk[-1], csv.Error):
                # The rows before the error first: a fault in them comes first in the file.
                if len(chunk) > 1:
                    yield chunk[:-1]
                raise self._error(chunk[-1]) from None
            yield chunk

    def _simple_blocks(self, width: int, rows: int, quoted: bool = False,
                       ) -> Iterator[tuple[list[str], int, str, bool]]:
        """A file without quotes and with plain line ends is split by str.split, which does in
        C what the csv module does cell by cell. Yields each block's cells, rows, text (with
        the values of its quoted fields, for `_block_hints`) and whether a quoted field in it
        spans lines.

        `quoted`: the file has quotes or lone carriage returns somewhere. Blocks without either
        are split all the same, and so are blocks whose every field is quoted (`_unquote`) and
        blocks whose quotes all make whole fields (`_lift_quoted`: their values are taken out
        before the split and put back after); at the first other block, its text and what was
        read after it are left in `pending` (with the lines read before it in `pending_lines`)
        for the csv module, and the blocks end."""
        delimiter = self.delimiter
        rest = ""
        lines = 0
        while True:
            block = self.text.read(_TEXT_BLOCK)
            if block:
                block = rest + block
                cut = block.rfind("\n")
                if cut < 0:
                    rest = block
                    continue
                block, rest = block[:cut], block[cut + 1:]
                raw = block + "\n"
            elif rest:
                block, rest = rest, ""
                raw = block
            else:
                return
            values: list[str] = []
            if quoted:
                text = _plain_line_ends(block, raw)
                if "\r" not in text and '"' in text:
                    if (unquoted := _unquote(text, delimiter)) is not None:
                        text = unquoted
                    # Taken out before the line ends are made plain: a line break inside a
                    # field is kept as it was, \r\n or \n. A block with an empty quoted field
                    # ("") goes to the csv module: a row of them is an empty row, to be told
                    # from a short one before the split.
                    elif ((lifted := _lift_quoted(block, delimiter)) is not None
                          and "" not in lifted[1]):
                        text, values = _plain_line_ends(lifted[0], raw), lifted[1]
                if "\r" in text or '"' in text:
                    # To a line's end: the csv module takes each piece it is given as lines.
                    self.pending, self.pending_lines = raw + rest + self.text.readline(), lines
                    return
                lines += raw.count("\n")
                block = text
            if "\r" in block:
                block = block.replace("\r\n", "\n").removesuffix("\r")
            # Rows with every field empty are skipped as blank lines are: spreadsheets write
            # them (",,,") for rows that once held something. Quoted, `""` is such a row too.
            if delimiter in block and f"\n{delimiter}" in f"\n{block}":
                block = _empty_rows(delimiter).sub("", block)
            if "\n\n" in block or block.startswith("\n") or block.endswith("\n"):
                block = _BLANK_LINES.sub("\n", block).strip("\n")
            if not block:  # blank lines only (or a blank line's \r, read apart from its \n)
                continue
            count = block.count("\n") + 1
            cells = split_rows(block, delimiter, width, count)
            if cells is None:
                raise _ragged_line(self.path, rows, block, delimiter, width)
            rows += count
            if not values:
                yield cells, count, block, False
                continue
            _put_back(cells, values)
            # Each value a line of its own for the hints, without the delimiters it holds
            # (`a, b` is not padded), unless the delimiter is itself whitespace (`\tx` is).
            spread = "\n".join(values)
            multiline = spread.count("\n") != len(values) - 1
            if not delimiter.isspace():
                spread = spread.replace(delimiter, "")
            yield cells, count, f"{block}\n{spread}", multiline

    def position(self) -> int:
        return self.raw.tell()

    def _error(self, exc: csv.Error) -> AlignError:
        line = self.line_offset + self.reader.line_num
        name = self.path.name
        if "NUL" in str(exc):
            return AlignError(f"{name} is not a CSV file: it contains binary data "
                              f"(NUL bytes near line {line:,})")
        if "unexpected end of data" in str(exc):
            start, row = _record_at(self.path, self.text.encoding, self.delimiter, line)
            text = row[-1].splitlines()[0] if row and row[-1].strip() else ""
            text = text[:40] + ("…" if len(text) > 40 else "")
            what = f"the quote before “{text}”" if text else "a quote opening a field"
            return AlignError(f"{name}, line {start:,}: {what} is never closed, so the field "
                              "would run to the end of the file; close it, or double a quote "
                              "meant as text (\"\")")
        if "expected after" in str(exc):
            with self.path.open(encoding=self.text.encoding, newline="") as fh:
                raw = next(islice(fh, line - 1, None), "")
            if re.search(f'"[ \t]+(?:{re.escape(self.delimiter)}|[\r\n]|$)', raw):
                return AlignError(f"{name}, line {line:,}: spaces follow a closing quote "
                                  f"(\"…\" {self.delimiter}); remove them, or put them inside "
                                  "the quotes")
            start, _ = _record_at(self.path, self.text.encoding, self.delimiter, line)
            opened = f" of a field opened on line {start:,}" if start < line else ""
            return AlignError(f"{name}, line {line:,}: text follows the closing quote{opened}; "
                              "a quote meant as text inside a quoted field must be doubled "
                              "(\"\")")
        return AlignError(f"{name}, line {line:,}: {exc}")


def _rows_then_error(reader: Iterator[list[str]]) -> Iterator[list[str] | csv.Error]:
    """The reader's rows, blank ones skipped, then the error that stopped it, if any, as the
    last item (the rows read before it would be lost if it were raised through `islice`)."""
    try:
        yield from filter(any, reader)  # no fields (a blank line), or every field empty
    except csv.Error as exc:
        yield exc


def _record_at(path: Path, encoding: str, delimiter: str, line: int) -> tuple[int, list[str]]:
    """The line where the row that takes in `line` starts, and its cells, as a lenient reading
    makes them (a quote left open runs on, text after a closing quote is kept). Read again only
    to word an error."""
    before = 0
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=False)
        for row in reader:
            if row and reader.line_num >= line:
                return before + 1, row
            before = reader.line_num
    return line, []


def _column_names(header: list[str]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(header, start=1):
        # One spelling for names that look alike: `é` saved as e + accent (NFD, as some macOS
        # tools write it) is the `é` a rule or another export names.
        name = unicodedata.normalize("NFC", raw.strip())
        reason = ""
        if not name:
            reason = "has no name"
        elif name.casefold() in seen or name.casefold() == ROW_COLUMN:
            reason = f"repeats the name {name!r}" if name.casefold() in seen else "is reserved"
        if reason:
            new = f"column_{i}"
            suffix = 2
            while new.casefold() in seen:
                new = f"column_{i}_{suffix}"
                suffix += 1
            warnings.append(f"header {i} {reason}; it is named {new!r}")
            name = new
        seen.add(name.casefold())
        names.append(name)
    return names, warnings


def read_csv_header(path: str | Path) -> list[str]:
    """The column names an import of `path` would create (blank and repeated headers renamed),
    for role pickers; reads only the start of the file."""
    path = Path(path)
    _, delimiter = _sniff(path)
    for encoding in ("utf-8-sig", MIXED):  # as the import reads it (`_byte_hints`)
        try:
            with _Reader(path, encoding, delimiter) as reader:
                return _column_names(reader.header())[0]
        except UnicodeDecodeError:
            continue
    raise AlignError(f"{path.name} is neither UTF-8 nor Latin-1 text; save it as UTF-8 CSV and "
                     "import again")


# ---- the import -----------------------------------------------------------------------------

ROLE_NAMES = ("id", "outcome", "created", "closed", "amount")


def name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def spelled_as(column: str, names: list[str]) -> str | None:
    """The name in `names` that is `column` but for case, or for how an accent is encoded
    (NFC or NFD); None when there is none. (Imported names differ by more than that.)"""
    key = name_key(column)
    return next((n for n in names if name_key(n) == key), None)


def _roles_spelled_as(roles: LeadsRoles, names: list[str]) -> LeadsRoles:
    """`roles` with each column named as the file (or dataset) spells it."""
    update = {role: spelled_as(column, names) or column
              for role in ROLE_NAMES if (column := getattr(roles, role)) is not None}
    return roles.model_copy(update=update)


def _check_role_names(roles: LeadsRoles, names: list[str]) -> None:
    for role in ROLE_NAMES:
        column = getattr(roles, role)
        if column is not None and column not in names:
            raise AlignError(f"the {role} column {column!r} is not in the file; "
                             f"its columns are: {', '.join(names)}")


_ROLE_TYPES = (("created", "date"), ("closed", "date"), ("amount", "number"))


def _check_roles(roles: LeadsRoles, columns: list[_Column],
                 date_format: str | None = None) -> None:
    types = {c.name: c.type for c in columns}
    _check_role_names(roles, list(types))
    for role in ("id", "outcome"):
        # A fresh import reads these columns as text; an append keeps the dataset's types,
        # and a column an earlier import, without the role, read as numbers or yes/no would
        # hold 1.0 for an id and 1 for "yes".
        column = getattr(roles, role)
        if column is not None and types[column] != "text":
            raise AlignError(f"the {role} column {column!r} holds {types[column]} values in the "
                             f"leads already imported, and the {role} role needs text (values "
                             "compared as written); import the file with Replace (--replace) "
                             "to read it as text, nothing was written")
    for role, wanted in _ROLE_TYPES:
        column = getattr(roles, role)
        if column is not None and types[column] != wanted:
            found = next(c for c in columns if c.name == column).rejected.get(wanted)
            example = ""
            if found is not None:
                row, value = found
                example = f": row {row:,} has {value.strip()!r}"
                if wanted == "date" and date_format:
                    example += f", which does not read as {date_format}"
            raise AlignError(f"the {role} column {column!r} holds {types[column]} values, "
                             f"not {wanted}s{example}")
    if roles.outcome and not [v for v in roles.won_values if v.strip()]:
        raise AlignError(f"the outcome column {roles.outcome!r} needs the values that mean won "
                         f"(for example {roles.outcome}=won,yes)")


def import_leads_csv(store: Any, path: str | Path, *, roles: LeadsRoles, replace: bool = True,
                     date_format: str | None = None,
                     progress: ProgressFn | None = None,
                     day: dt.date | None = None) -> ImportReport:
    """Import a CRM export into the plan's leads dataset, all or nothing.

    `replace=False` appends to the existing dataset (whose column names must match; its column
    types are kept and every value must fit them). Roles are checked against the file's columns
    and saved with the data. `progress(done, total)` counts bytes read over both passes. `day`:
    the dataset's date (`leads_day`), today unless given.
    """
    if store.write_refusal:
        raise AlignError(store.write_refusal)
    path = Path(path)
    size, delimiter = _sniff(path)
    held = lead_columns(store)
    created = not held
    existing = held if not replace else []
    if not replace and not existing:
        replace = True
    if date_format is not None and (problem := date_format_problem(date_format)) is not None:
        raise AlignError(problem)
    hints = _byte_hints(path, delimiter)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    try:
        with store.transaction():
            conn.execute("PRAGMA cache_size = -262144")
            speculation = _Speculation(conn, replace)
            scan = _first_pass(path, hints, delimiter, size, existing, roles, date_format,
                               progress, speculation)
            roles = scan.roles
            _check_roles(roles, scan.columns, date_format)
            passes = 1
            if not speculation.held(scan):
                passes = 2
                _second_pass(conn, path, scan, replace=replace, size=size, progress=progress)
            report = _finish(store, path, scan, roles=roles, replace=replace,
                             day=day or dt.date.today())
            report.created = created
        if progress:
            progress(passes * size, passes * size)
        return report
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old_cache)}")
        if gc_was_enabled:
            gc.enable()


@dataclass
class _Scan:
    encoding: str
    delimiter: str
    columns: list[_Column]
    rows: int
    warnings: list[str]
    duplicate_ids: int
    hints: _Hints
    roles: LeadsRoles  # as given, with column names spelled as the file spells them


def _first_pass(path: Path, hints: _Hints, delimiter: str, size: int,
                existing: list[LeadColumn], roles: LeadsRoles, date_format: str | None,
                progress: ProgressFn | None, speculation: _Speculation) -> _Scan:
    """Infer every column's type from the whole file, count repeated ids, and hand each chunk,
    once its values are checked, to `speculation` to be written."""
    encoding = hints.encoding
    with _Reader(path, encoding, delimiter) as reader:
        header = reader.header()
        if len(header) > MAX_COLUMNS:
            raise AlignError(f"{path.name} has {len(header):,} columns; at most {MAX_COLUMNS:,} "
                             "are supported")
        names, warnings = _column_names(header)
        fixed: dict[str, str] = {}
        if existing:
            # Names as the dataset spells them: a re-export may change their case, or write
            # an accent decomposed where an older import kept it so.
            spelled = {name_key(c.name): c.name for c in existing}
            names = [spelled.get(name_key(n), n) for n in names]
            fixed = {c.name: c.type for c in existing}
            missing = [c.name for c in existing if c.name not in names]
            extra = [n for n in names if n not in fixed]
            if missing or extra:
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(repr(n) for n in missing))
                if extra:
                    parts.append("new " + ", ".join(repr(n) for n in extra))
                raise AlignError(f"{path.name} does not match the leads already imported ("
                                 + "; ".join(parts) + "); replace the dataset to start over "
                                 "(--replace, or Replace in the app)")
        roles = _roles_spelled_as(roles, names)
        _check_role_names(roles, names)
        text_roles = {roles.id, roles.outcome} - {None}
        columns = [_Column(name, i, fixed.get(name) or ("text" if name in text_roles else None),
                           date_format) for i, name in enumerate(names)]
        for role, wanted in _ROLE_TYPES:
            for column in columns:
                if column.name == getattr(roles, role):
                    column.role_type = wanted
        width = len(names)
        rows = 0
        id_index = names.index(roles.id) if roles.id in names else None
        seen_ids: set[str] = set()
        duplicates = 0
        for cells, count, chunk in reader.flat_chunks(width, hints):
            for j, column in enumerate(columns):
                if column.needs_scan(chunk) or j == id_index:
                    col = cells[j::width]
                    column.scan(col, rows + 1, chunk.padded, chunk.placeholder)
                    if j == id_index:
                        duplicates += _count_duplicates(col, seen_ids)
            speculation.write(columns, cells, count, rows + 1)
            rows += count
            if progress:
                # One pass while the rows written hold, two when they must be written again.
                progress(reader.position(), size if speculation.active else 2 * size)
        if rows == 0:
            raise AlignError(f"{path.name} has a header but no rows")
        for column in columns:
            column.decide()
            if column.placeholder:
                warnings.append(f"column {column.name!r}: placeholder values such as 'N/A' or "
                                "'-' read as blank")
        if encoding == MIXED:
            some = ("a byte that is" if hints.odd_bytes == 1
                    else f"{hints.odd_bytes:,} bytes that are")
            warnings.append(f"{path.name} is UTF-8 but for {some} not (the first on line "
                            f"{hints.odd_line:,}), read as Latin-1 (Windows-1252)")
        elif encoding != "utf-8-sig":
            warnings.append(f"{path.name} is not UTF-8; it was read as Latin-1 (Windows-1252)")
        return _Scan(encoding, delimiter, columns, rows, warnings, duplicates, hints, roles)


def _count_duplicates(ids: list[str], seen: set[str]) -> int:
    """Extra occurrences of ids in this chunk (repeated within it or seen in earlier chunks)."""
    before = len(seen)
    blank_known = "" in seen
    seen.update(ids)
    new = len(seen) - before - (1 if "" in seen and not blank_known else 0)
    return len(ids) - ids.count("") - new


class _Inserter:
    """Writes chunks of cells (row-major) to the leads table, each column converted in the
    INSERT by SQLite where its values allow (`_Column.fast`, and for numbers only the forms it
    converts exactly, `sql_number_form`), else in Python first; one statement per mix, prepared
    once."""

    def __init__(self, conn: Any, columns: list[_Column]) -> None:
        self.conn = conn
        self.columns = columns
        self.width = len(columns)
        self.per_statement = max(1, min(100, SQLITE_MAX_PARAMS // self.width))
        self.statements: dict[tuple[Any, ...], tuple[str, str]] = {}

    def create_table(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {LEADS_TABLE}")
        defs = ", ".join(f"{quote_identifier(c.name)} {_SQL_TYPE[c.type]}" for c in self.columns)
        self.conn.execute(
            f"CREATE TABLE {LEADS_TABLE} ({ROW_COLUMN} INTEGER PRIMARY KEY, {defs})")

    def insert(self, cells: list[Any], count: int, first_row: int | None = None) -> None:
        """Write a chunk; `first_row`: its first row's number in the file, when the first pass
        has just scanned it (its number columns' forms are known then)."""
        columns, width = self.columns, self.width
        in_sql: dict[_Column, int | None] = {}
        for j, column in enumerate(columns):
            if not column.fast:
                cells[j::width] = column.convert_column(cells[j::width])
                continue
            form = None
            if column.type == "number":
                col = cells[j::width]
                form = column.number_form(col, first_row)
                if form is None:
                    cells[j::width] = plain_floats(col, column.placeholder)
                    continue
            in_sql[column] = form
        mix = tuple((c.type, c.placeholder, in_sql[c]) if c in in_sql else None for c in columns)
        statements = self.statements.get(mix)
        if statements is None:
            statements = self.statements[mix] = (self._statement(self.per_statement, in_sql),
                                                 self._statement(1, in_sql))
        insert_many, insert_one = statements
        step = self.per_statement * width
        full = count // self.per_statement * step
        self.conn.executemany(insert_many, (cells[i:i + step] for i in range(0, full, step)))
        if full < len(cells):
            self.conn.executemany(insert_one, (cells[i:i + width]
                                               for i in range(full, len(cells), width)))

    def _statement(self, rows: int, in_sql: dict[_Column, int | None]) -> str:
        width = self.width
        col_list = ", ".join(quote_identifier(c.name) for c in self.columns)
        values = ", ".join(
            "(" + ", ".join(c.sql_expression(f"?{r * width + j + 1}", in_sql[c]) if c in in_sql
                            else f"?{r * width + j + 1}"
                            for j, c in enumerate(self.columns)) + ")" for r in range(rows))
        return f"INSERT INTO {LEADS_TABLE} ({col_list}) VALUES {values}"


class _Speculation:
    """Rows written during the first pass, under the types the file has shown so far, so that
    a file whose first rows already show every column's type is read once, not twice.

    Each chunk is converted with the types (and date orders) the columns have after it is
    checked; values met before are converted the same way whatever comes later, except when a
    column's type changes or an ambiguous date order is settled another way. Then what was
    written is rolled back (to a savepoint in the import's transaction) and the second pass
    writes every row under the final types, as a two-pass import always did."""

    SAVEPOINT = "leads_first_pass"

    def __init__(self, conn: Any, replace: bool) -> None:
        self.conn = conn
        self.replace = replace
        self.active = True
        self.plan: list[tuple[str, str | None]] | None = None
        self.inserter: _Inserter | None = None

    def write(self, columns: list[_Column], cells: list[Any], count: int,
              first_row: int) -> None:
        if not self.active:
            return
        plan = [column.tentative() for column in columns]
        if not self._fits(plan):
            self.abandon()
            return
        if self.inserter is None:
            self.conn.execute(f"SAVEPOINT {self.SAVEPOINT}")
            self.plan = plan  # type: ignore[assignment]
            self._apply(columns)
            self.inserter = _Inserter(self.conn, columns)
            if self.replace:
                self.inserter.create_table()
        else:
            self.plan = [new if old[1] is None else old  # an order, once used, stays
                         for old, new in zip(self.plan or [], plan, strict=True)]  # type: ignore[misc]
            self._apply(columns)
        self.inserter.insert(cells, count, first_row)

    def _fits(self, plan: list[tuple[str, str | None] | None]) -> bool:
        if any(item is None for item in plan):
            return False
        if self.plan is None:
            return True
        return all(new[0] == old[0] and (old[1] is None or new[1] == old[1])
                   for old, new in zip(self.plan, plan, strict=True))  # type: ignore[index]

    def _apply(self, columns: list[_Column]) -> None:
        for column, (kind, order) in zip(columns, self.plan or [], strict=True):
            column.type = kind
            if order is not None and column.order != order:
                column.order = order
                column.convert_cache.clear()

    def abandon(self) -> None:
        if self.active and self.inserter is not None:
            self.conn.execute(f"ROLLBACK TO {self.SAVEPOINT}")
            self.conn.execute(f"RELEASE {self.SAVEPOINT}")
        self.active = False
        self.inserter = None

    def held(self, scan: _Scan) -> bool:
        """Whether the rows written are the dataset under the final types (called once the
        columns are decided); if not, they are rolled back."""
        if not self.active or self.inserter is None:
            return False
        if all(column.type == kind and (order is None or column.order == order)
               for column, (kind, order) in zip(scan.columns, self.plan or [], strict=True)):
            self.conn.execute(f"RELEASE {self.SAVEPOINT}")
            self.inserter = None
            return True
        self.abandon()
        return False


def _second_pass(conn: Any, path: Path, scan: _Scan, *, replace: bool, size: int,
                 progress: ProgressFn | None) -> None:
    """Read the file again and write every row under the decided types."""
    inserter = _Inserter(conn, scan.columns)
    if replace:
        inserter.create_table()
    inserted = 0
    with _Reader(path, scan.encoding, scan.delimiter) as reader:
        reader.header()
        # Nothing is checked again: no need for each chunk's own hints.
        quiet = dataclasses.replace(scan.hints, padded=False, placeholder=False)
        for cells, count, _ in reader.flat_chunks(inserter.width, quiet):
            inserter.insert(cells, count)
            inserted += count
            if progress:
                progress(size + reader.position(), 2 * size)
    if inserted != scan.rows:
        raise AlignError(f"{path.name} changed while it was being imported")


def _finish(store: Any, path: Path, scan: _Scan, *, roles: LeadsRoles,
            replace: bool, day: dt.date) -> ImportReport:
    """Save the dataset's columns, roles and recorded outcome values, inside the import's
    transaction, once its rows are written."""
    columns = scan.columns
    roles = roles.model_copy(update={"won_values": [v.strip() for v in roles.won_values
                                                    if v.strip()]})
    conn = store.conn
    total = conn.execute(f"SELECT count(*) FROM {LEADS_TABLE}").fetchone()[0]
    now = now_timestamp()
    if replace:
        conn.execute("DELETE FROM leads_columns")
        conn.executemany(
            "INSERT INTO leads_columns (name, position, type, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(c.name, c.position, c.type, now, now) for c in columns])
    store.save_leads_roles(roles)
    record_outcome_values(conn, roles)
    _record_day(conn, day)
    duplicates, examples = scan.duplicate_ids, []
    if roles.id:
        duplicates, examples = _duplicate_ids(conn, roles.id, duplicates, replace)
    return ImportReport(
        path=str(path), rows=scan.rows, total_rows=total, replaced=replace,
        encoding="latin-1" if scan.encoding == "cp1252" else "utf-8",
        columns=[LeadColumn(c.name, c.position, c.type) for c in columns]
        if replace else lead_columns(store),
        duplicate_ids=duplicates, duplicate_examples=examples,
        warnings=[*scan.warnings, *_no_won_warning(conn, roles)])


def _no_won_warning(conn: Any, roles: LeadsRoles) -> list[str]:
    """Won values no lead has (`1` kept from the last import, for a file that says `yes`): every
    decided lead would count as lost, and the backtest show no conversions at all."""
    from model.leads_preview import different_won_words  # it reads files as this module does

    if not roles.outcome:
        return []
    values = outcome_values(conn, roles.outcome)
    if not (words := different_won_words(values, roles.won_values)):
        return []  # won values that match, or a column that says won no other way
    return [f"no lead's {roles.outcome!r} is one of the won values ({', '.join(roles.won_values)}"
            f"), though {', '.join(words)} reads as won: every decided lead counts as lost until "
            "the leads are imported again with those as the won values (--outcome "
            f"{roles.outcome}={','.join(words)})"]


def _duplicate_ids(conn: Any, id_column: str, counted: int,
                   replaced: bool) -> tuple[int, list[str]]:
    """How many rows repeat an id already used, and a few such ids. A fresh import counted them
    while reading; an append counts over the whole dataset, old rows included."""
    ident = quote_identifier(id_column)
    if not replaced:
        counted = conn.execute(f"SELECT count({ident}) - count(DISTINCT {ident}) "
                               f"FROM {LEADS_TABLE}").fetchone()[0]
    if not counted:
        return 0, []
    examples = [str(r[0]) for r in conn.execute(
        f"SELECT {ident} FROM {LEADS_TABLE} WHERE {ident} IS NOT NULL GROUP BY {ident} "
        f"HAVING count(*) > 1 ORDER BY min({ROW_COLUMN}) LIMIT 5")]
    return counted, examples
