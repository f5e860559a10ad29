"""Backtest a scoring model against known outcomes, computed in SQL.

Which leads count (DESIGN §6): a lead is *won* or *lost* only once its result is known. With a
closed-date role mapped, a lead without a closed date is *open*, whatever its outcome column says;
without one, a lead with a blank outcome is open. Open leads count in the lead totals (`leads`)
of every cell and band, but never in `decided`, `won`, conversion rate, lift, share of wins, AUC,
MQL precision/recall or rule evidence rates: those use decided leads only (won + lost).

- rate = won / decided; base rate = all won / all decided; lift = rate / base rate;
  share of wins = won / all won.
- AUC of the total score against won/lost, ties counted as half: one pass over the score totals
  in order (the scan groups leads by score, so this is O(distinct scores), never O(n²)).
- MQL precision = won MQLs / decided MQLs; recall = won MQLs / all won.
- Figures with a zero denominator are None (JSON null). Without an outcome role every
  conversion figure is None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from model.errors import AlignError
from model.leads import column_types, is_won, lead_status
from model.schema import LeadsRoles, ScoringModel
from model.scoring import (
    CELLS,
    ENGAGEMENT_BANDS,
    FIT_BANDS,
    CompiledModel,
    LeadScore,
    bands_for,
    compile_for_store,
    usable_rules,
)


@dataclass
class GroupStats:
    """One grade cell (`A1`) or band (`A`, `1`)."""

    key: str
    leads: int = 0
    decided: int = 0
    won: int = 0
    rate: float | None = None
    lift: float | None = None
    share_of_wins: float | None = None


@dataclass
class MqlStats:
    leads: int = 0
    decided: int = 0
    won: int = 0
    precision: float | None = None
    recall: float | None = None


@dataclass
class RuleEvidence:
    rule: str
    name: str
    dimension: str
    points: int
    enabled: bool
    knockout: bool
    leads: int = 0
    decided: int = 0
    won: int = 0
    rate: float | None = None
    lift: float | None = None


@dataclass
class ScoreBucket:
    total: int
    leads: int = 0
    decided: int = 0
    won: int = 0


@dataclass
class Backtest:
    model: str
    as_of: str
    outcome_mapped: bool
    leads: int = 0
    open: int = 0
    decided: int = 0
    won: int = 0
    base_rate: float | None = None
    auc: float | None = None
    cells: list[GroupStats] = field(default_factory=list)
    fit_bands: list[GroupStats] = field(default_factory=list)
    engagement_bands: list[GroupStats] = field(default_factory=list)
    mql: MqlStats = field(default_factory=MqlStats)
    rules: list[RuleEvidence] = field(default_factory=list)
    scores: list[ScoreBucket] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def cell(self, key: str) -> GroupStats:
        return next(c for c in self.cells if c.key == key)


@dataclass
class ModelComparison:
    """Two models over the same leads and as-of date; deltas are b − a (None if either is)."""

    a: Backtest
    b: Backtest
    auc_delta: float | None
    mql_delta: int
    precision_delta: float | None
    recall_delta: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(num: int | float, den: int | float) -> float | None:
    return num / den if den else None


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _status_columns(roles: LeadsRoles | None, types: dict[str, str]) -> dict[str, str]:
    extra = {}
    if roles and roles.outcome and roles.outcome in types:
        extra["_o"] = roles.outcome
        if roles.closed and roles.closed in types:
            extra["_c"] = roles.closed
    return extra


def _status_of(roles: LeadsRoles | None, mapped: bool, cache: dict[Any, str | None],
               outcome: Any, has_closed: bool) -> str | None:
    if not mapped:
        return None
    key = (outcome, has_closed)
    if key not in cache:
        cache[key] = lead_status(outcome, has_closed, roles)
    return cache[key]


def backtest(store: Any, model: ScoringModel, *, as_of: dt.date,
             rule_evidence: bool = True) -> Backtest:
    """Grade matrix, bands, score distribution, AUC, MQL precision/recall and (optionally) rule
    evidence: one grouped scan for the scores, one for the rule evidence."""
    types = column_types(store)
    roles = store.leads_roles()
    extra = _status_columns(roles, types)
    mapped = "_o" in extra
    compiled = compile_for_store(store, model, as_of=as_of, extra=extra)
    groups = _score_groups(store, model, compiled, extra)
    result = Backtest(model=model.id, as_of=as_of.isoformat(), outcome_mapped=mapped)
    cells = {c: GroupStats(c) for c in CELLS}
    fits = {b: GroupStats(b) for b in FIT_BANDS}
    engs = {b: GroupStats(b) for b in ENGAGEMENT_BANDS}
    totals: dict[int, ScoreBucket] = {}
    statuses: dict[Any, str | None] = {}
    scores: dict[tuple[int, int, bool], LeadScore] = {}
    outcomes: set[Any] = set()
    for fit_raw, engagement_raw, knocked, has_closed, outcome_value, n in groups:
        outcomes.add(outcome_value)
        score = scores.get((fit_raw, engagement_raw, knocked))
        if score is None:
            score = scores[(fit_raw, engagement_raw, knocked)] = bands_for(
                model, min(model.fit_cap, fit_raw), min(model.engagement_cap, engagement_raw),
                knocked)
        status = _status_of(roles, mapped, statuses, outcome_value, has_closed)
        decided = n if status in ("won", "lost") else 0
        won = n if status == "won" else 0
        bucket = totals.setdefault(score.total, ScoreBucket(score.total))
        for stats in (cells[score.cell], fits[score.fit_band], engs[score.engagement_band],
                      bucket, result):
            stats.leads += n
            stats.decided += decided
            stats.won += won
        if score.mql:
            result.mql.leads += n
            result.mql.decided += decided
            result.mql.won += won
        if mapped and status == "open":
            result.open += n
    result.base_rate = _ratio(result.won, result.decided) if mapped else None
    for stats in (*cells.values(), *fits.values(), *engs.values()):
        _finish(stats, result, mapped)
    result.cells = list(cells.values())
    result.fit_bands = list(fits.values())
    result.engagement_bands = list(engs.values())
    result.scores = [totals[t] for t in sorted(totals)]
    if mapped:
        result.auc = _auc(result.scores)
        result.mql.precision = _ratio(result.mql.won, result.mql.decided)
        result.mql.recall = _ratio(result.mql.won, result.won)
    else:
        for bucket in result.scores:
            bucket.decided = bucket.won = 0
    if rule_evidence:
        won = sorted(o for o in outcomes if o is not None and is_won(o, roles))
        result.rules = _rule_evidence(store, model, as_of, extra, won, result)
    return result


def _finish(stats: GroupStats, total: Backtest, mapped: bool) -> None:
    if not mapped:
        stats.decided = stats.won = 0
        return
    stats.rate = _ratio(stats.won, stats.decided)
    stats.lift = _ratio(stats.rate, total.base_rate) if stats.rate is not None else None
    stats.share_of_wins = _ratio(stats.won, total.won)


def _auc(buckets: list[ScoreBucket]) -> float | None:
    """P(score of a won lead > score of a lost one), ties as half, from score-ordered buckets."""
    won = sum(b.won for b in buckets)
    lost = sum(b.decided - b.won for b in buckets)
    if not won or not lost:
        return None
    lost_below = 0
    pairs = 0.0
    for bucket in buckets:
        bucket_lost = bucket.decided - bucket.won
        pairs += bucket.won * (lost_below + 0.5 * bucket_lost)
        lost_below += bucket_lost
    return pairs / (won * lost)


def _score_groups(store: Any, model: ScoringModel, compiled: CompiledModel,
                  extra: dict[str, str]) -> list[tuple[int, int, bool, bool, Any, int]]:
    """Lead counts per (fit_raw, engagement_raw, knocked, has closed date, outcome).

    SQLite groups by sorting, and sorting a million rows costs more than scoring them; an upsert
    into a small indexed temp table aggregates in one pass instead. The four numbers are packed
    into one integer key so the index stays small.
    """
    bound = sum(abs(r.points) for r in model.rules) + 1
    span = 2 * bound + 1
    outcome = "_o" if "_o" in extra else "NULL"
    closed = "_c IS NOT NULL" if "_c" in extra else "0"
    params = {**compiled.params, "_bound": bound, "_span": span}
    key = (f"((fit_raw + :_bound) * :_span + (engagement_raw + :_bound)) * 4 "
           f"+ knocked * 2 + ({closed})")
    conn = store.db.conn
    conn.execute("DROP TABLE IF EXISTS temp.align_score_groups")
    conn.execute("CREATE TEMP TABLE align_score_groups (k INTEGER NOT NULL, o, n INTEGER NOT NULL, "
                 "UNIQUE (k, o))")
    try:
        conn.execute(
            f"INSERT INTO temp.align_score_groups (k, o, n) SELECT {key}, {outcome}, 1 "
            f"FROM ({compiled.base_sql}) WHERE 1 "
            f"ON CONFLICT (k, o) DO UPDATE SET n = n + 1", params)
        rows = conn.execute("SELECT k, o, n FROM temp.align_score_groups").fetchall()
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.align_score_groups")
    groups = []
    for packed, outcome_value, n in rows:
        pair, flags = divmod(packed, 4)
        fit, engagement = divmod(pair, span)
        groups.append((fit - bound, engagement - bound, bool(flags & 2), bool(flags & 1),
                       outcome_value, n))
    return groups


def _rule_evidence(store: Any, model: ScoringModel, as_of: dt.date, extra: dict[str, str],
                   won_values: list[Any], total: Backtest) -> list[RuleEvidence]:
    """Leads each rule matches, split by status, in one ungrouped scan: the won values are the
    exact stored outcome spellings the score scan found, so SQL and `is_won` agree."""
    types = column_types(store)
    rules = usable_rules(model, types, as_of)
    evidence = [RuleEvidence(r.id, r.name, r.dimension, r.points, r.enabled, r.knockout)
                for r in rules]
    if not rules:
        return evidence
    compiled = compile_for_store(store, model, as_of=as_of, extra=extra, flag_rules=rules,
                                 flags_only=True)
    params = dict(compiled.params)
    mapped = "_o" in extra
    if mapped:
        open_expr = "_c IS NULL" if "_c" in extra else "_o IS NULL"
        names = []
        for i, value in enumerate(won_values):
            params[f"_won{i}"] = value
            names.append(f":_won{i}")
        won_expr = f"_o IN ({', '.join(names)})" if names else "0"
        status = f"CASE WHEN {open_expr} THEN 0 WHEN {won_expr} THEN 2 ELSE 1 END"
    else:
        status = "0"
    sums = ", ".join(f"sum(r{i}), sum(r{i} * (st > 0)), sum(r{i} * (st = 2))"
                     for i in range(len(rules)))
    sql = (f"SELECT {sums} FROM (SELECT *, {status} AS st FROM ({compiled.base_sql}) "
           f"LIMIT -1 OFFSET 0)")
    row = store.db.conn.execute(sql, params).fetchone()
    for i, item in enumerate(evidence):
        item.leads, item.decided, item.won = (int(v or 0) for v in row[3 * i:3 * i + 3])
        if mapped:
            item.rate = _ratio(item.won, item.decided)
            item.lift = _ratio(item.rate, total.base_rate) if item.rate is not None else None
        else:
            item.decided = item.won = 0
    return evidence


def compare_models(store: Any, a: ScoringModel, b: ScoringModel, *,
                   as_of: dt.date) -> ModelComparison:
    if a.id == b.id and a == b:
        raise AlignError("pick two different models to compare")
    left = backtest(store, a, as_of=as_of)
    right = backtest(store, b, as_of=as_of)
    return ModelComparison(
        a=left, b=right, auc_delta=_delta(left.auc, right.auc),
        mql_delta=right.mql.leads - left.mql.leads,
        precision_delta=_delta(left.mql.precision, right.mql.precision),
        recall_delta=_delta(left.mql.recall, right.mql.recall))
