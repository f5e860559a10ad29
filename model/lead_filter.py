"""What the leads browser shows: a filter typed as a line of terms, and the order of the leads.

A filter is terms separated by spaces, all of which a lead must meet; double quotes keep spaces
inside one term (a term that starts inside them is not read as `mql`, `won`, `cell:` … or a
negation), and a leading `-` keeps the leads a term does not match (blanks included):

- `mql`, `ko` (knocked out), `won`, `lost`, `open` (the last three need an outcome column);
- `cell:A1` — a grade cell, a fit band (`cell:A`) or an engagement band (`cell:1`); several
  are given with commas (`cell:A1,A2,B1`);
- `column:value` — text contains the value, a number equals it, a date starts with it
  (`created:2025-03`); `column=value` equals, `column!=value` differs (blanks included, like
  `-column=value`), and `>`, `>=`, `<`, `<=` compare numbers and dates; `column=` keeps blank
  values and `column!=` the others;
- any other word: found in any text column.

Text compares ignoring the case of ASCII letters, as rules do. Column names are matched as rules
match them (`model.leads.dataset_column`): exactly, else ignoring case. `lead_view` compiles the
filter and an order (`sorts`) to the SQL that `model.lead_ranking.build_view` runs over the
ranked leads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from model.errors import AlignError
from model.leads import LEADS_TABLE, ROW_COLUMN, dataset_column, quote_identifier
from model.schema import LeadsRoles
from model.scoring import (
    ENGAGEMENT_BANDS,
    FIT_BANDS,
    Check,
    SqlParams,
    _as_boolean,
    _as_number,
    _like_pattern,
    predicate_sql,
)

FLAGS = {"mql": "s.mql = 1", "ko": "s.knocked = 1"}
STATUSES = ("won", "lost", "open")
# Longest first, so `>=` is not read as `>` followed by a value starting with `=`.
_OPERATORS = ("!=", ">=", "<=", ":", "=", ">", "<")
_DATE_PREFIX = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_NAME_START = re.compile(r"[^\W\d]", re.UNICODE)


@dataclass(frozen=True)
class Sort:
    """One order of the browser: its label and its SQL over `s` (ranked) and `l` (leads)."""

    label: str
    order: str
    column: str | None = None  # the lead column it reads, when not a score


def sorts(roles: LeadsRoles | None, types: dict[str, str]) -> list[Sort]:
    """The orders `s` steps through: by score first (the ranking itself), then the others."""
    found = [Sort("score", "s.rank"), Sort("score, lowest first", "s.rank DESC"),
             Sort("fit", "s.fit DESC, s.rank"), Sort("engagement", "s.engagement DESC, s.rank")]
    for role, label in (("created", "newest"), ("amount", "largest amount")):
        column = getattr(roles, role, None) if roles else None
        if column and column in types:
            found.append(Sort(label, f"l.{quote_identifier(column)} DESC NULLS LAST, s.rank",
                              column))
    return found


@dataclass(frozen=True)
class LeadView:
    """A filter and an order compiled for `build_view`: `where` is over `s`, the ranked
    leads; `join` says whether `order` reads `l`, the leads themselves."""

    text: str
    sort: Sort
    where: str
    params: dict[str, Any]
    columns: tuple[str, ...] = ()  # the dataset columns its column terms name, in order

    @property
    def everything(self) -> bool:
        """True when the view is the ranking itself: no filter, by score."""
        return not self.where and self.sort.order == "s.rank"

    @property
    def join(self) -> bool:
        return self.sort.column is not None


def _split_column_term(term: str, types: dict[str, str]) -> tuple[str, str, str] | None:
    """(column, operator, value) when `term` starts with a column name and an operator; the
    longest name that fits wins, so `deal size>5` reads the column `deal size`."""
    best: tuple[str, str, str] | None = None
    for at in range(1, len(term)):
        op = next((o for o in _OPERATORS if term.startswith(o, at)), None)
        if op is None:
            continue
        column = dataset_column(term[:at], types)
        if column is not None:
            best = (column, op, term[at + len(op):])
    return best


def _unknown_column(term: str, types: dict[str, str]) -> str | None:
    """The name before the first operator, when the term reads as `name<op>value` but names no
    column; None when it reads as plain text (`10:30`, `:)`)."""
    at = min((term.find(o) for o in _OPERATORS if o in term), default=-1)
    if at <= 0:
        return None
    name = term[:at]
    return name if _NAME_START.match(name) else None


def _cell_terms(term: str, spec: str) -> str:
    wanted = [s.strip().upper() for s in spec.split(",") if s.strip()]
    if not wanted:
        raise AlignError(f"filter {term!r}: give a cell after cell:, such as cell:A1")
    parts = []
    for cell in wanted:
        if len(cell) == 2 and cell[0] in FIT_BANDS and cell[1] in ENGAGEMENT_BANDS:
            parts.append(f"s.cell = '{cell}'")
        elif cell in FIT_BANDS:
            parts.append(f"substr(s.cell, 1, 1) = '{cell}'")
        elif cell in ENGAGEMENT_BANDS:
            parts.append(f"substr(s.cell, 2, 1) = '{cell}'")
        else:
            raise AlignError(f"filter {term!r}: {cell!r} is not a cell; a cell is A1 … D4, a fit "
                             "band A … D or an engagement band 1 … 4")
    return _joined(parts, "OR")


def _joined(parts: list[str], word: str) -> str:
    """`parts` joined by OR / AND as a balanced tree: SQLite refuses an expression more than
    1,000 deep, which a flat chain over a wide export's text columns would be."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({_joined(parts[:middle], word)} {word} {_joined(parts[middle:], word)})"


def _valid_date(value: str) -> bool:
    if len(value) == 4:
        return True
    if len(value) == 7:
        return 1 <= int(value[5:]) <= 12
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _column_check(term: str, column: str, op: str, raw: str, kind: str) -> Check:
    """The condition `column op raw` stands for; `!=` is given as `=`, which the caller
    negates, so that it keeps blank values as `-column=value` does."""
    value = raw.strip()
    if not value:
        if op == "=":
            return Check(column, kind, "is_empty", None)
        if op == "!=":
            return Check(column, kind, "is_not_empty", None)
        raise AlignError(f"filter {term!r}: give a value after {op} (`{column}=` keeps blank "
                         f"values, `{column}!=` the others)")
    compare = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
    if kind == "text":
        if op in compare:
            raise AlignError(f"filter {term!r}: {column} holds text; use {column}:text "
                             f"(contains) or {column}=text (equals)")
        return Check(column, kind, "contains" if op == ":" else "eq", value)
    if kind == "number":
        number = _as_number(value)
        if number is None:
            raise AlignError(f"filter {term!r}: {column} holds numbers; {value!r} is not a number")
        return Check(column, kind, compare.get(op, "eq"), number)
    if kind == "date":
        if not _DATE_PREFIX.fullmatch(value) or not _valid_date(value):
            raise AlignError(f"filter {term!r}: {column} holds dates; write 2025-03-31, or "
                             "2025-03 or 2025 after a colon")
        if op == ":":
            return Check(column, kind, "starts_with", value)
        if len(value) != 10:
            raise AlignError(f"filter {term!r}: compare {column} with a whole date such as "
                             "2025-03-31")
        return Check(column, kind, compare.get(op, "eq"), value)
    flag = _as_boolean(value)
    if flag is None or op in compare:
        raise AlignError(f"filter {term!r}: {column} holds true/false; write {column}:yes or "
                         f"{column}:no")
    return Check(column, kind, "eq", flag)


def _terms(text: str) -> list[tuple[str, bool]]:
    """The terms of `text`, split at spaces outside double quotes, the quotes taken out; each
    with whether it starts inside quotes (then it is never a word like `won` or a negation).
    Apostrophes and backslashes are ordinary characters (`o'brien`)."""
    terms: list[tuple[str, bool]] = []
    current: list[str] = []
    started = quoted = inside = False
    for char in text:
        if char == '"':
            if not started:
                started, quoted = True, True
            inside = not inside
        elif char.isspace() and not inside:
            if started and current:
                terms.append(("".join(current), quoted))
            current, started = [], False
        else:
            if not started:
                started, quoted = True, False
            current.append(char)
    if inside:
        raise AlignError("filter: a double quote is not closed")
    if started and current:
        terms.append(("".join(current), quoted))
    return terms


def plan_status(store: Any, types: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    """The status `lead_view` needs, for the plan's leads: their outcome read as the plan's
    roles say (None without an outcome column)."""
    from model.leads import status_case

    return status_case(store, store.leads_roles(), types, ("'open'", "'won'", "'lost'"))


def plan_view(store: Any, types: dict[str, str], text: str, sort: Sort) -> LeadView:
    """`lead_view` of the plan's leads (`plan_status`)."""
    return lead_view(text, sort, types, plan_status(store, types))


def lead_view(text: str, sort: Sort, types: dict[str, str],
              status: tuple[str, dict[str, Any]] | None) -> LeadView:
    """Compile the filter `text` and `sort`. `status` is the outcome's status CASE giving
    'open', 'won' or 'lost' (`model.leads.status_case`), or None without an outcome column."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AlignError("filter: the text holds a character that cannot be searched") from None
    params = SqlParams()
    scored: list[str] = []
    lead: list[str] = []
    status_params: dict[str, Any] = {}
    named: list[str] = []
    for raw, quoted in _terms(text):
        negate = not quoted and raw.startswith("-") and len(raw) > 1
        term = raw[1:] if negate else raw
        lowered = "" if quoted else term.lower()
        if lowered in FLAGS:
            where, target = FLAGS[lowered], scored
        elif lowered in STATUSES:
            if status is None:
                raise AlignError(f"filter {raw!r}: the leads have no outcome column; map one "
                                 "when importing them")
            case, status_params = status
            where, target = f"{case} = '{lowered}'", lead
        elif lowered.startswith("cell:"):
            where, target = _cell_terms(raw, term[5:]), scored
        elif (split := _split_column_term(term, types)) is not None:
            column, op, value = split
            check = _column_check(raw, column, op, value, types[column])
            named.append(column)
            where, target = predicate_sql(check, params), lead
            negate = negate != (op == "!=" and check.op == "eq")
        elif (name := _unknown_column(term, types)) is not None:
            raise AlignError(f"filter {raw!r}: no column {name!r} in the leads; columns: "
                             f"{', '.join(types)}")
        else:
            texts = [c for c, kind in types.items() if kind == "text"]
            if not texts:
                raise AlignError(f"filter {raw!r}: the leads have no text column to search; "
                                 "use column:value")
            pattern = params.add(_like_pattern(term, "%", "%"))
            where = _joined([f"{quote_identifier(c)} LIKE {pattern} ESCAPE '\\'" for c in texts],
                            "OR")
            target = lead
        target.append(f"({where}) IS NOT 1" if negate else f"({where})")
    clauses = list(scored)
    if lead:
        clauses.append(f"s._row IN (SELECT {ROW_COLUMN} FROM {LEADS_TABLE} "
                       f"WHERE {_joined(lead, 'AND')})")
    return LeadView(text.strip(), sort, _joined(clauses, "AND") if clauses else "",
                    {**params.values, **status_params}, tuple(dict.fromkeys(named)))
