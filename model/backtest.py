"""Backtest a scoring model against known outcomes: the rules are evaluated in SQL.

Which leads count (DESIGN §6): a lead is *won* or *lost* only once its result is known. With a
closed-date role mapped, a lead without a closed date is *open*, whatever its outcome column says;
without one, a lead with a blank outcome is open. Open leads count in the lead totals (`leads`)
of every cell and band, but never in `decided`, `won`, conversion rate, lift, share of wins, AUC,
MQL precision/recall or rule evidence rates: those use decided leads only (won + lost).

- rate = won / decided; base rate = all won / all decided; lift = rate / base rate;
  share of wins = won / all won.
- AUC of the total score against won/lost, ties counted as half: one pass over the score totals
  in order (the scan groups leads by score, so this is O(distinct scores), never O(n²)).

One scan does it all: each lead is reduced to a small key saying which rule conditions it meets
and its status (`model.scan_key`), and leads are counted per key. Which rules a key matches, and
so scores, bands, cells, MQL and every rule's evidence, follow from those few groups in Python,
by the rules' points, caps and knockouts.
- MQL precision = won MQLs / decided MQLs; recall = won MQLs / all won.
- Figures with a zero denominator are None (JSON null). Without an outcome role every
  conversion figure is None.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from model.errors import AlignError
from model.leads import LEADS_TABLE, ROW_COLUMN, column_types, status_terms
from model.scan_key import Digit, assemble, condition_digits, count_keys, scan_threads
from model.schema import Rule, ScoringModel
from model.scoring import (
    CELLS,
    ENGAGEMENT_BANDS,
    FIT_BANDS,
    LeadScore,
    SqlParams,
    bands_for,
    resolve_rules,
    usable_rules,
)

STATUSES = ("open", "won", "lost")  # the status digit's values 0, 1, 2


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


def backtest(store: Any, model: ScoringModel, *, as_of: dt.date, rule_evidence: bool = True,
             threads: int | None = None) -> Backtest:
    """Grade matrix, bands, score distribution, AUC, MQL precision/recall and (optionally) rule
    evidence, all from one scan of the leads, shared among `threads` (default: the machine's
    cores, up to four). Without rule evidence, disabled rules are not evaluated at all."""
    return backtest_models(store, [model], as_of=as_of, rule_evidence=rule_evidence,
                           threads=threads)[0]


def backtest_models(store: Any, models: Sequence[ScoringModel], *, as_of: dt.date,
                    rule_evidence: bool = True, threads: int | None = None) -> list[Backtest]:
    """`backtest` for several models over the same leads, from one scan: a column's conditions
    from every model share its one CASE, so two models cost about what one does."""
    types = column_types(store)
    rule_sets = []
    for model in models:
        rules = usable_rules(model, types, as_of)  # an enabled rule that does not fit is an error
        rule_sets.append(rules if rule_evidence else [r for r in rules if r.enabled])
    matches, mapped = count_matches(store, rule_sets, as_of=as_of, threads=threads)
    return [_backtest_of(model, rules, found, as_of, mapped, rule_evidence)
            for model, rules, found in zip(models, rule_sets, matches, strict=True)]


def count_matches(store: Any, rule_sets: Sequence[Sequence[Rule]], *, as_of: dt.date,
                  threads: int | None = None,
                  ) -> tuple[list[Counter[tuple[int, str | None]]], bool]:
    """For each set of rules, lead counts per (rules matched, status), from one scan of the
    leads: bit i of the mask is set when rule i of the set matches; status is 'open', 'won' or
    'lost', or None for every lead when no outcome role is mapped (then the flag is False).
    Every rule must fit the dataset (`usable_rules`, `resolve_rules`)."""
    types = column_types(store)
    if not types:
        raise AlignError("no leads imported yet (use `align leads import CSV DB`)")
    terms = status_terms(store, store.leads_roles(), types)
    status = None
    if terms is not None:
        open_expr, won_expr, params = terms

        def scaled(stride: int) -> str:  # STATUSES' indices, times the key's stride
            return (f"CASE WHEN {open_expr} THEN 0 WHEN {won_expr} THEN {stride} "
                    f"ELSE {2 * stride} END")

        status = Digit(scaled(1), STATUSES, scaled), params
    matches = _match_groups(store, rule_sets, as_of, types, status,
                            scan_threads() if threads is None else threads)
    return matches, status is not None


def _backtest_of(model: ScoringModel, rules: Sequence[Rule],
                 matches: Counter[tuple[int, str | None]], as_of: dt.date, mapped: bool,
                 rule_evidence: bool) -> Backtest:
    groups = _score_groups(model, rules, matches)
    result = Backtest(model=model.id, as_of=as_of.isoformat(), outcome_mapped=mapped)
    cells = {c: GroupStats(c) for c in CELLS}
    fits = {b: GroupStats(b) for b in FIT_BANDS}
    engs = {b: GroupStats(b) for b in ENGAGEMENT_BANDS}
    totals: dict[int, ScoreBucket] = {}
    scores: dict[tuple[int, int, bool], LeadScore] = {}
    for fit_raw, engagement_raw, knocked, status_of, n in groups:
        score = scores.get((fit_raw, engagement_raw, knocked))
        if score is None:
            score = scores[(fit_raw, engagement_raw, knocked)] = bands_for(
                model, min(model.fit_cap, fit_raw), min(model.engagement_cap, engagement_raw),
                knocked)
        decided = n if status_of in ("won", "lost") else 0
        won = n if status_of == "won" else 0
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
        if status_of != "won" and status_of != "lost":  # open, or no outcome role: unknown
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
        result.rules = _rule_evidence(rules, matches, mapped, result)
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


def _match_groups(store: Any, rule_sets: Sequence[Sequence[Rule]], as_of: dt.date,
                  types: dict[str, str], status: tuple[Digit, dict[str, Any]] | None,
                  threads: int) -> list[Counter[tuple[int, str | None]]]:
    """Per set of rules, lead counts per (rules matched, status): bit i of the mask is set when
    rule i of the set matches; status is None without an outcome role."""
    checks = [resolve_rules(rules, types, as_of) for rules in rule_sets]
    params = SqlParams()
    digits, bits = condition_digits(
        [c for set_checks in checks for rule_checks in set_checks for c in rule_checks], params)
    flat = iter(bits)
    needs = [[reduce(or_, (next(flat) for _ in rule_checks), 0) for rule_checks in set_checks]
             for set_checks in checks]
    conditions = len(digits)
    if status is not None:
        digits.append(status[0])
        params.values.update(status[1])
    key = assemble(digits, params.values)
    counts = count_keys(store.conn, key, LEADS_TABLE, ROW_COLUMN, path=store.path,
                        threads=threads)
    groups: list[Counter[tuple[int, str | None]]] = [Counter() for _ in rule_sets]
    for text, n in counts.items():
        payloads = key.decode(text)
        met = reduce(or_, payloads[:conditions], 0)
        status_of = payloads[conditions] if status is not None else None
        for set_needs, found in zip(needs, groups, strict=True):
            mask = sum(1 << i for i, need in enumerate(set_needs) if met & need == need)
            found[(mask, status_of)] += n
    return groups


def _score_groups(model: ScoringModel, rules: Sequence[Rule],
                  matches: Counter[tuple[int, str | None]],
                  ) -> list[tuple[int, int, bool, str | None, int]]:
    """Lead counts per (fit_raw, engagement_raw, knocked, status), from the match groups by the
    enabled rules' points and knockouts."""
    scoring = [(1 << i, r) for i, r in enumerate(rules) if r.enabled]
    groups: Counter[tuple[int, int, bool, str | None]] = Counter()
    for (mask, status), n in matches.items():
        sums = {"fit": 0, "engagement": 0}
        knocked = False
        for bit, rule in scoring:
            if mask & bit:
                sums[rule.dimension] += rule.points
                knocked = knocked or rule.knockout
        groups[(sums["fit"], sums["engagement"], knocked, status)] += n
    return [(*key, n) for key, n in groups.items()]


def _rule_evidence(rules: Sequence[Rule], matches: Counter[tuple[int, str | None]],
                   mapped: bool, total: Backtest) -> list[RuleEvidence]:
    """Leads each rule matches (enabled or not), split by status, from the same match groups
    that scored them."""
    evidence = [RuleEvidence(r.id, r.name, r.dimension, r.points, r.enabled, r.knockout)
                for r in rules]
    for (mask, status), n in matches.items():
        for i, item in enumerate(evidence):
            if mask >> i & 1:
                item.leads += n
                if status in ("won", "lost"):
                    item.decided += n
                    if status == "won":
                        item.won += n
    for item in evidence:
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
    left, right = backtest_models(store, [a, b], as_of=as_of)
    return ModelComparison(
        a=left, b=right, auc_delta=_delta(left.auc, right.auc),
        mql_delta=right.mql.leads - left.mql.leads,
        precision_delta=_delta(left.mql.precision, right.mql.precision),
        recall_delta=_delta(left.mql.recall, right.mql.recall))
