"""The lead scoring engine: a scoring model compiles to one parameterised SQL query over `leads`.

Semantics (DESIGN §3 and §7), shared by the SQL compiler and the plain Python reference evaluator
below, which tests hold against each other:

- A missing value (blank or a placeholder at import, so NULL in `leads`) matches only `is_empty`;
  every other operator, negative ones included (`neq`, `not_in`, `not_contains`), needs a value.
- Text operators compare trimmed values ignoring the case of ASCII letters (SQLite's NOCASE and
  LIKE fold ASCII only, and the reference folds exactly the same way).
- A condition's field names a column of the dataset, or one whose name differs only in case
  (`model.leads.dataset_column`).
- Which operators apply depends on the column's type; a condition on a missing column, an
  operator the column's type does not have, or a value that does not fit the type is an error
  naming the rule and the field. Disabled rules are skipped, so they may mention absent columns.
- Date operators are relative to the as-of date: `within_last_days N` is as_of − N ≤ date ≤ as_of,
  `more_than_days_ago N` is date < as_of − N.
- fit / engagement = min(cap, sum of matching enabled rules' points) (no floor); a matching
  knockout rule forces fit band D and bars MQL, but its points still count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from model.errors import AlignError
from model.leads import (
    LEADS_TABLE,
    ROW_COLUMN,
    column_types,
    dataset_column,
    parse_number,
    quote_identifier,
)
from model.schema import BOOLEAN_OPS, DATE_OPS, NUMBER_OPS, TEXT_OPS, Condition, Rule, ScoringModel

FIT_BANDS = ("A", "B", "C", "D")
ENGAGEMENT_BANDS = ("1", "2", "3", "4")
CELLS = tuple(f + e for f in FIT_BANDS for e in ENGAGEMENT_BANDS)

_ANY_TYPE_OPS = ("is_empty", "is_not_empty")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "text": TEXT_OPS,
    "number": NUMBER_OPS + ("in", "not_in") + _ANY_TYPE_OPS,
    "date": DATE_OPS + ("eq", "neq", "in", "not_in") + _ANY_TYPE_OPS,
    "boolean": BOOLEAN_OPS + ("eq", "neq") + _ANY_TYPE_OPS,
}

_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


def fold(text: str) -> str:
    """Case folding exactly as SQLite's NOCASE and LIKE do it: ASCII letters only."""
    return text.translate(_ASCII_FOLD)


@dataclass
class LeadScore:
    fit: int
    engagement: int
    total: int
    fit_band: str
    engagement_band: str
    cell: str
    knocked_out: bool
    mql: bool


# ---- condition values, checked and normalised once for both evaluators ----------------------

def _where(rule: Rule, cond: Condition) -> str:
    return f"rule {rule.id!r}, field {cond.field!r}"


def _as_number(value: Any) -> float | None:
    """The same numbers the import accepts (`parse_number`): finite, at most 1e300 across."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            return None
        return number if math.isfinite(number) and abs(number) <= 1e300 else None
    if isinstance(value, str):
        return parse_number(value)
    return None


def _as_date(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        return None


def _as_boolean(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value == int(value) and abs(value) < 2**53:
        value = int(value)
    return str(value).strip()


_CONVERTERS = {"number": (_as_number, "a number"), "date": (_as_date, "a date such as 2026-03-31"),
               "boolean": (_as_boolean, "true or false"), "text": (_as_text, "text")}


@dataclass(frozen=True)
class Check:
    """One condition, resolved against the dataset: column type and normalised value(s)."""

    field: str
    type: str
    op: str
    value: Any


def _resolve(rule: Rule, cond: Condition, types: dict[str, str], as_of: dt.date) -> Check:
    column = dataset_column(cond.field, types)
    if column is None:
        available = ", ".join(types) if types else "none (no leads imported)"
        raise AlignError(f"{_where(rule, cond)}: no such column in the leads dataset; "
                         f"columns: {available}")
    col_type = types[column]
    op = cond.op
    if op not in OPS_BY_TYPE[col_type]:
        raise AlignError(f"{_where(rule, cond)}: operator {op} does not apply to a {col_type} "
                         f"column (use one of {', '.join(OPS_BY_TYPE[col_type])})")
    value = cond.value
    convert, wanted = _CONVERTERS[col_type]

    def one(item: Any) -> Any:
        if item is None or isinstance(item, list):
            raise AlignError(f"{_where(rule, cond)}: operator {op} needs {wanted}")
        out = convert(item)
        if out is None:
            raise AlignError(f"{_where(rule, cond)}: {item!r} is not {wanted}, but the column "
                             f"holds {col_type} values")
        return out

    if op in ("is_empty", "is_not_empty", "is_true", "is_false"):
        return Check(column, col_type, op, None)
    if op in ("in", "not_in"):
        items = value if isinstance(value, list) else [value]
        if not items:
            raise AlignError(f"{_where(rule, cond)}: operator {op} needs a list of values")
        return Check(column, col_type, op, tuple(one(v) for v in items))
    if op == "between":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise AlignError(f"{_where(rule, cond)}: operator between needs [low, high]")
        low, high = one(value[0]), one(value[1])
        return Check(column, col_type, op, (low, high))
    if op in ("within_last_days", "more_than_days_ago"):
        days = _as_number(value)
        if days is None or days < 0 or days != int(days):
            raise AlignError(f"{_where(rule, cond)}: operator {op} needs a whole number of days")
        try:
            cut = (as_of - dt.timedelta(days=int(days))).isoformat()
        except OverflowError:  # before year 1, where no stored date is: every date is after it
            cut = dt.date.min.isoformat()
        return Check(column, col_type, op, (cut, as_of.isoformat()))
    if op in ("before", "after"):
        day = _as_date(value)
        if day is None:
            raise AlignError(f"{_where(rule, cond)}: operator {op} needs a date such as 2026-03-31")
        return Check(column, col_type, op, day)
    return Check(column, col_type, op, one(value))


def resolve_rules(rules: Sequence[Rule], types: dict[str, str],
                  as_of: dt.date) -> list[list[Check]]:
    return [[_resolve(rule, cond, types, as_of) for cond in rule.when] for rule in rules]


# ---- the SQL compiler -----------------------------------------------------------------------

def _like_pattern(text: str, prefix: str, suffix: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return prefix + escaped + suffix


class SqlParams:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return ":" + name


def predicate_sql(check: Check, params: SqlParams) -> str:
    c = quote_identifier(check.field)
    op, value, text = check.op, check.value, check.type == "text"
    if op == "is_empty":
        return f"{c} IS NULL"
    if op == "is_not_empty":
        return f"{c} IS NOT NULL"
    if op == "is_true":
        return f"{c} = 1"
    if op == "is_false":
        return f"{c} = 0"
    nocase = " COLLATE NOCASE" if text else ""
    if op in ("eq", "neq"):
        return f"{c} {'=' if op == 'eq' else '<>'} {params.add(value)}{nocase}"
    if op in ("in", "not_in"):
        names = ", ".join(params.add(v) for v in value)
        return f"{c}{nocase} {'IN' if op == 'in' else 'NOT IN'} ({names})"
    if op in ("contains", "not_contains", "starts_with", "ends_with"):
        prefix = "" if op == "starts_with" else "%"
        suffix = "" if op == "ends_with" else "%"
        negate = "NOT " if op == "not_contains" else ""
        return f"{c} {negate}LIKE {params.add(_like_pattern(value, prefix, suffix))} ESCAPE '\\'"
    comparisons = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "before": "<", "after": ">"}
    if op in comparisons:
        return f"{c} {comparisons[op]} {params.add(value)}"
    if op == "between":
        return f"{c} BETWEEN {params.add(value[0])} AND {params.add(value[1])}"
    if op == "within_last_days":
        return f"{c} BETWEEN {params.add(value[0])} AND {params.add(value[1])}"
    if op == "more_than_days_ago":
        return f"{c} < {params.add(value[0])}"
    raise AssertionError(op)


@dataclass
class CompiledModel:
    """The scoring query. `sql` yields one row per lead: `_row`, the extra columns asked for, one
    0/1 flag `r<i>` per rule in `flag_rules`, fit_raw, engagement_raw (uncapped sums), knocked,
    fit, engagement, total, fit_band, engagement_band, cell and mql: what the leads browser, the
    CSV export and the why panel read per lead. The backtest and persona matching count leads
    by `model.scan_key` instead. Named parameters are in `params`."""

    sql: str
    params: dict[str, Any]
    flag_rules: list[Rule]


def compile_model(model: ScoringModel, types: dict[str, str], *, as_of: dt.date,
                  flag_rules: Sequence[Rule] | None = None,
                  extra: dict[str, str] | None = None, one_row: bool = False) -> CompiledModel:
    """Compile `model` against a dataset whose columns have `types`.

    `flag_rules` get a 0/1 flag column each, so the why panel reads the very predicates that
    score. `extra` maps output names to expressions over checked, quoted columns
    (`{"_id": "lead_id"}` passes a column through). `one_row` adds `WHERE _row = :_row`.
    Each sub-score is one sum of CASEs over the row, and the bands are computed one level up
    from a co-routine (`LIMIT -1 OFFSET 0` stops SQLite from inlining, and so re-evaluating, the
    sums into every band test).
    """
    enabled = [r for r in model.rules if r.enabled]
    flagged = list(flag_rules or [])
    checks = resolve_rules(enabled, types, as_of)
    flag_checks = resolve_rules(flagged, types, as_of)
    params = SqlParams()
    select = [f"{ROW_COLUMN} AS _row"]
    for alias, column in (extra or {}).items():
        if column not in types:
            raise AlignError(f"no column {column!r} in the leads dataset")
        select.append(f"{quote_identifier(column)} AS {alias}")

    def predicate(rule_checks: list[Check]) -> str:
        return " AND ".join(f"({predicate_sql(ch, params)})" for ch in rule_checks)

    for i, rule_checks in enumerate(flag_checks):
        select.append(f"CASE WHEN {predicate(rule_checks)} THEN 1 ELSE 0 END AS r{i}")
    for dimension in ("fit", "engagement"):
        terms = [f"CASE WHEN {predicate(ch)} THEN {params.add(rule.points)} ELSE 0 END"
                 for rule, ch in zip(enabled, checks, strict=True) if rule.dimension == dimension]
        select.append(f"{' + '.join(terms) if terms else '0'} AS {dimension}_raw")
    knocks = [predicate(ch) for rule, ch in zip(enabled, checks, strict=True) if rule.knockout]
    knocked = ("CASE WHEN " + " OR ".join(f"({k})" for k in knocks) + " THEN 1 ELSE 0 END"
               if knocks else "0")
    select.append(f"{knocked} AS knocked")
    where = f" WHERE {ROW_COLUMN} = :_row" if one_row else ""
    base = f"SELECT {', '.join(select)} FROM {LEADS_TABLE}{where}"
    capped = (f"SELECT *, min({params.add(model.fit_cap)}, fit_raw) AS fit, "
              f"min({params.add(model.engagement_cap)}, engagement_raw) AS engagement "
              f"FROM ({base} LIMIT -1 OFFSET 0)")
    fit_whens = " ".join(f"WHEN fit >= {params.add(model.fit_bands[b])} THEN '{b}'"
                         for b in FIT_BANDS[:3])
    eng_whens = " ".join(f"WHEN engagement >= {params.add(model.engagement_bands[b])} THEN '{b}'"
                         for b in ENGAGEMENT_BANDS[:3])
    banded = (f"SELECT *, fit + engagement AS total, "
              f"CASE WHEN knocked THEN 'D' {fit_whens} ELSE 'D' END AS fit_band, "
              f"CASE {eng_whens} ELSE '4' END AS engagement_band "
              f"FROM ({capped} LIMIT -1 OFFSET 0)")
    mql_terms = []
    if model.mql_cells:
        mql_terms.append(f"fit_band || engagement_band IN "
                         f"({', '.join(params.add(c) for c in model.mql_cells)})")
    if model.mql_min_total is not None:
        mql_terms.append(f"total >= {params.add(model.mql_min_total)}")
    mql = f"(NOT knocked AND ({' OR '.join(mql_terms)}))" if mql_terms else "0"
    sql = (f"SELECT *, fit_band || engagement_band AS cell, {mql} AS mql "
           f"FROM ({banded} LIMIT -1 OFFSET 0)")
    return CompiledModel(sql, params.values, flagged)


def rule_problems(model: ScoringModel, types: dict[str, str], as_of: dt.date) -> dict[str, str]:
    """Why each rule that does not compile against the dataset does not (a column it names is
    missing, an operator or a value does not fit the column's type), by rule id; enabled or
    not."""
    problems = {}
    for rule in model.rules:
        try:
            resolve_rules([rule], types, as_of)
        except AlignError as exc:
            problems[rule.id] = str(exc)
    return problems


def usable_rules(model: ScoringModel, types: dict[str, str], as_of: dt.date) -> list[Rule]:
    """Every rule that compiles against the dataset. An enabled rule that does not is an error;
    a disabled one is left out (it may name a column this dataset lacks)."""
    usable = []
    for rule in model.rules:
        try:
            resolve_rules([rule], types, as_of)
        except AlignError:
            if rule.enabled:
                raise
            continue
        usable.append(rule)
    return usable


def bands_for(model: ScoringModel, fit: int, engagement: int, knocked: bool) -> LeadScore:
    """Bands, cell and MQL from the sub-scores: the one place both evaluators agree on."""
    fit_band = "D"
    if not knocked:
        fit_band = next((b for b in FIT_BANDS[:3] if fit >= model.fit_bands[b]), "D")
    engagement_band = next((b for b in ENGAGEMENT_BANDS[:3]
                            if engagement >= model.engagement_bands[b]), "4")
    cell = fit_band + engagement_band
    total = fit + engagement
    mql = not knocked and (cell in model.mql_cells or (
        model.mql_min_total is not None and total >= model.mql_min_total))
    return LeadScore(fit, engagement, total, fit_band, engagement_band, cell, knocked, mql)


def compile_for_store(store: Any, model: ScoringModel, *, as_of: dt.date,
                      **kwargs: Any) -> CompiledModel:
    types = column_types(store)
    if not types or not store.db[LEADS_TABLE].exists():
        raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
    return compile_model(model, types, as_of=as_of, **kwargs)


@dataclass
class ScoredLead:
    row: int
    id: Any
    score: LeadScore


def score_leads(store: Any, model: ScoringModel, *, as_of: dt.date) -> Iterator[ScoredLead]:
    """Every lead's score in file order (id is the id role's value, or None)."""
    roles = store.leads_roles()
    id_column = roles.id if roles and roles.id else None
    compiled = compile_for_store(store, model, as_of=as_of,
                                 extra={"_id": id_column} if id_column else None)
    sql = (f"SELECT _row, {'_id' if id_column else 'NULL'}, fit, engagement, total, fit_band, "
           f"engagement_band, cell, knocked, mql FROM ({compiled.sql})")
    for r in store.conn.execute(sql, compiled.params):
        yield ScoredLead(r[0], r[1], LeadScore(int(r[2]), int(r[3]), int(r[4]), r[5], r[6],
                                               r[7], bool(r[8]), bool(r[9])))


def materialize_scores(store: Any, model: ScoringModel, *, as_of: dt.date,
                       table: str = "lead_scores") -> int:
    """Write every lead's score to a TEMP table indexed by total, so a leads browser can page
    through a million leads sorted by score without re-scoring. Returns the row count."""
    if not table.isidentifier():
        raise AlignError(f"{table!r} is not a usable table name")
    compiled = compile_for_store(store, model, as_of=as_of)
    name = quote_identifier(table)
    conn = store.conn
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(f"CREATE TEMP TABLE {name} AS SELECT _row, fit, engagement, total, fit_band, "
                 f"engagement_band, cell, knocked, mql FROM ({compiled.sql})", compiled.params)
    conn.execute(f"CREATE INDEX temp.{quote_identifier(table + '_total')} "
                 f"ON {name} (total DESC, _row)")
    return conn.execute(f"SELECT count(*) FROM temp.{name}").fetchone()[0]


# ---- the why panel --------------------------------------------------------------------------

@dataclass
class RuleContribution:
    rule: str
    name: str
    dimension: str
    enabled: bool
    knockout: bool
    matched: bool
    points: int


@dataclass
class LeadExplanation:
    """Each rule's part in one lead's score. `points` is what the rule added (0 when it did not
    match or is disabled); `fit_uncapped` shows what the cap cut off."""

    row: int
    score: LeadScore
    fit_uncapped: int
    engagement_uncapped: int
    rules: list[RuleContribution]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def explain_lead(store: Any, model: ScoringModel, row: int, *, as_of: dt.date) -> LeadExplanation:
    usable = usable_rules(model, column_types(store), as_of)
    compiled = compile_for_store(store, model, as_of=as_of, flag_rules=usable, one_row=True)
    cur = store.conn.execute(f"SELECT * FROM ({compiled.sql})", {**compiled.params, "_row": row})
    names = [d[0] for d in cur.description]
    found = cur.fetchone()
    if found is None:
        raise AlignError(f"no lead at row {row}")
    values = dict(zip(names, found, strict=True))
    flags = {rule.id: bool(values[f"r{i}"]) for i, rule in enumerate(compiled.flag_rules)}
    contributions = []
    for rule in model.rules:
        matched = flags.get(rule.id, False)
        points = rule.points if matched and rule.enabled else 0
        contributions.append(RuleContribution(rule.id, rule.name, rule.dimension, rule.enabled,
                                              rule.knockout, matched, points))
    score = LeadScore(int(values["fit"]), int(values["engagement"]), int(values["total"]),
                      values["fit_band"], values["engagement_band"], values["cell"],
                      bool(values["knocked"]), bool(values["mql"]))
    return LeadExplanation(row, score, int(values["fit_raw"]), int(values["engagement_raw"]),
                           contributions)


# ---- the reference evaluator ----------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _matches(check: Check, value: Any) -> bool:
    op = check.op
    if op == "is_empty":
        return _missing(value)
    if op == "is_not_empty":
        return not _missing(value)
    if _missing(value):
        return False
    kind, want = check.type, check.value
    if kind == "text":
        text = fold(str(value).strip())
        if op == "eq":
            return text == fold(want)
        if op == "neq":
            return text != fold(want)
        if op == "in":
            return text in {fold(w) for w in want}
        if op == "not_in":
            return text not in {fold(w) for w in want}
        if op == "contains":
            return fold(want) in text
        if op == "not_contains":
            return fold(want) not in text
        if op == "starts_with":
            return text.startswith(fold(want))
        if op == "ends_with":
            return text.endswith(fold(want))
    if kind == "boolean":
        flag = int(value)
        return {"is_true": flag == 1, "is_false": flag == 0, "eq": flag == want,
                "neq": flag != want}[op]
    if op == "eq":
        return value == want
    if op == "neq":
        return value != want
    if op == "in":
        return value in want
    if op == "not_in":
        return value not in want
    if op in ("gt", "after"):
        return value > want
    if op == "gte":
        return value >= want
    if op in ("lt", "before"):
        return value < want
    if op == "lte":
        return value <= want
    if op in ("between", "within_last_days"):
        return want[0] <= value <= want[1]
    if op == "more_than_days_ago":
        return value < want[0]
    raise AssertionError(op)


def rule_matches_reference(model: ScoringModel, row: dict[str, Any], *, as_of: dt.date,
                           types: dict[str, str]) -> dict[str, bool]:
    """Whether each rule's conditions all hold for `row` (enabled or not), by the reference."""
    checks = resolve_rules(model.rules, types, as_of)
    return {rule.id: all(_matches(ch, row.get(ch.field)) for ch in rule_checks)
            for rule, rule_checks in zip(model.rules, checks, strict=True)}


def score_lead_reference(model: ScoringModel, row: dict[str, Any], *, as_of: dt.date,
                         types: dict[str, str]) -> LeadScore:
    """The same semantics as the SQL engine, in plain Python, one lead at a time: the yardstick
    for tests and benchmarks, never used to score a dataset."""
    enabled = [r for r in model.rules if r.enabled]
    checks = resolve_rules(enabled, types, as_of)
    sums = {"fit": 0, "engagement": 0}
    knocked = False
    for rule, rule_checks in zip(enabled, checks, strict=True):
        if all(_matches(ch, row.get(ch.field)) for ch in rule_checks):
            sums[rule.dimension] += rule.points
            knocked = knocked or rule.knockout
    return bands_for(model, min(model.fit_cap, sums["fit"]),
                     min(model.engagement_cap, sums["engagement"]), knocked)
