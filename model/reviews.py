"""Review mode without the screen: the agenda ordered by attention, the review record that the
meeting leaves behind, its storage, and the Markdown minutes.

Decisions the screen, the command line and the minutes rely on:

- Attention comes first, in this order: red (a metric or key result red against its target, or an
  objective the room rated low confidence), declining (worse than the period before, by the
  metric's direction, by more than 2 %; a summed metric in a running period is compared pro rata), stale (no value
  for the period, or none for its last month that has fully passed), then the rest (amber before
  green before no status). Within a group, titles sort alphabetically.
- The agenda covers the active objectives whose period overlaps the reviewed one, and every metric
  that has a value or a target in the period or measures one of those objectives; metrics with
  neither are left out (the count is reported, not hidden).
- A review stores a snapshot of what the room saw (values, targets, statuses, signals, open
  decisions) next to what it did (notes, decisions, status changes), so the minutes of an old
  meeting read the same after the numbers move on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from model.errors import AlignError
from model.kpi import STATUS_RANK, KpiEngine, Status, format_value
from model.periods import is_period, months_of, parse_period, period_of_date, shift, sort_key
from model.schema import (
    Attention,
    Decision,
    ItemKind,
    Note,
    Objective,
    RecordedDecision,
    RecordedMeasurement,
    RecordedNote,
    Review,
    ReviewedItem,
    StatusChange,
)

if TYPE_CHECKING:
    from model.store import PlanStore

ATTENTION_RANK: dict[str, int] = {"red": 0, "declining": 1, "stale": 2, "rest": 3}
DECLINE_THRESHOLD = 0.02
"""A change smaller than this share of the previous value is noise, not a decline."""
REST_STATUS_RANK: dict[str | None, int] = {"amber": 0, "green": 1, None: 2, "red": 0}


# ---- the agenda ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgendaItem:
    """One thing the room looks at: a metric, or an active objective with its key results."""

    kind: ItemKind
    id: str
    title: str
    attention: Attention
    reasons: tuple[str, ...]
    status: Status | None
    actual: float | None = None
    target: float | None = None
    unit: str = "count"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def share_of_target(self) -> float | None:
        return share_of_target(self.actual, self.target)


def share_of_target(actual: float | None, target: float | None) -> float | None:
    if actual is None or target is None or target == 0:
        return None
    return actual / target


def _comparable(engine: KpiEngine, metric_id: str, period: str) -> float | None:
    """The period's value, pro rata for a summed metric while the period runs, so a quarter in
    progress is not 'declining' merely because it has not ended."""
    value = engine.value(metric_id, period).value
    metric = engine.metrics[metric_id]
    share = engine.elapsed(period)
    if value is not None and metric.aggregation == "sum" and 0 < share < 1:
        return value / share
    return value


def is_declining(engine: KpiEngine, metric_id: str, period: str) -> bool:
    """Worse than the period before, by the metric's direction."""
    metric = engine.metrics.get(metric_id)
    if metric is None:
        return False
    now = _comparable(engine, metric_id, period)
    earlier = shift(parse_period(period).id, -1)
    if not is_period(earlier):
        return False
    before = engine.value(metric_id, earlier).value
    if now is None or before is None:
        return False
    margin = abs(before) * DECLINE_THRESHOLD
    if metric.direction == "increase":
        return now < before - margin
    return now > before + margin


def last_full_month(engine: KpiEngine, period: str) -> str | None:
    """The period's last month that has fully passed on the engine's `today`, if any."""
    months = months_of(period, engine.fy_start)
    current = period_of_date(engine.today, "month")
    passed = [m for m in months if sort_key(m) < sort_key(current)]
    return passed[-1] if passed else None


def stale_reason(engine: KpiEngine, metric_id: str, period: str) -> str | None:
    """Why a metric's figures are out of date for the period, or None when they are not."""
    if engine.elapsed(period) == 0 or engine.not_applicable(metric_id, period):
        return None
    reference = last_full_month(engine, period)
    if reference is None:
        return None
    if engine.value(metric_id, period).value is None:
        return f"nothing recorded for {period}"
    if engine.source(metric_id, period) is not None:
        return None
    metric = engine.metrics[metric_id]
    if metric.formula:
        for ref in sorted(metric.inputs() & engine.metrics.keys()):
            if (why := stale_reason(engine, ref, period)) is not None:
                return f"{ref}: {why}"
        return None
    months = [m for m in months_of(period, engine.fy_start) if sort_key(m) <= sort_key(reference)]
    latest = next((m for m in reversed(months)
                   if engine.value(metric_id, m).value is not None
                   or engine.not_applicable(metric_id, m)), None)
    if latest == reference:
        return None
    return f"no value for {reference} (last: {latest})" if latest else f"no value for {reference}"


def _overlaps(a: str, b: str, fy_start: int) -> bool:
    return bool(set(months_of(a, fy_start)) & set(months_of(b, fy_start)))


def agenda_objectives(engine: KpiEngine, period: str) -> list[Objective]:
    return [o for o in engine.plan.objectives
            if o.state == "active" and _overlaps(o.period, period, engine.fy_start)]


def metric_item(engine: KpiEngine, metric_id: str, period: str) -> AgendaItem:
    metric = engine.metrics[metric_id]
    status = engine.status(metric_id, period)
    reasons: list[str] = []
    declining = is_declining(engine, metric_id, period)
    stale = stale_reason(engine, metric_id, period)
    if status == "red":
        reasons.append("red against its target")
    if declining:
        reasons.append("declining: worse than " + shift(parse_period(period).id, -1))
    if stale:
        reasons.append("stale: " + stale)
    attention: Attention = ("red" if status == "red" else "declining" if declining
                            else "stale" if stale else "rest")
    return AgendaItem("metric", metric_id, metric.name, attention, tuple(reasons), status,
                      engine.value(metric_id, period).value, engine.target(metric_id, period),
                      metric.unit)


def objective_item(engine: KpiEngine, objective: Objective, period: str) -> AgendaItem:
    progress = engine.objective_progress(objective)
    reasons: list[str] = []
    red = [kr.metric for kr in progress.key_results if kr.status == "red"]
    if red:
        reasons.append("red key results: " + ", ".join(red))
    if objective.confidence == "low":
        reasons.append("confidence low")
    declining = [kr.metric for kr in objective.key_results
                 if is_declining(engine, kr.metric, objective.period)]
    if declining:
        reasons.append("declining: " + ", ".join(declining))
    stale = [kr.metric for kr in objective.key_results
             if kr.metric in engine.metrics and stale_reason(engine, kr.metric, objective.period)]
    if stale:
        reasons.append("stale: " + ", ".join(stale))
    # The status is the worst key result's (DESIGN §6), as on the Objectives screen; low
    # confidence puts the objective first on the agenda all the same.
    status = progress.status
    attention: Attention = ("red" if status == "red" or objective.confidence == "low"
                            else "declining" if declining else "stale" if stale else "rest")
    return AgendaItem("objective", objective.id, objective.title, attention, tuple(reasons),
                      status, progress.progress, 1.0 if progress.progress is not None else None,
                      "percent")


def fresh_item(engine: KpiEngine, item: AgendaItem, period: str) -> AgendaItem | None:
    """The item computed again from `engine` (after a write), or None when the plan no longer
    holds its objective or metric."""
    if item.kind == "metric":
        return metric_item(engine, item.id, period) if item.id in engine.metrics else None
    objective = next((o for o in engine.plan.objectives if o.id == item.id), None)
    return objective_item(engine, objective, period) if objective is not None else None


def review_agenda(engine: KpiEngine, period: str) -> tuple[list[AgendaItem], int]:
    """The agenda ordered by attention, and how many metrics were left out (no value, no target,
    not measuring an objective on the agenda)."""
    objectives = agenda_objectives(engine, period)
    measured = {kr.metric for o in objectives for kr in o.key_results}
    items = [objective_item(engine, o, period) for o in objectives]
    left_out = 0
    for metric in engine.plan.metrics:
        has_data = (engine.value(metric.id, period).value is not None
                    or engine.target(metric.id, period) is not None
                    or engine.not_applicable(metric.id, period))
        if has_data or metric.id in measured:
            items.append(metric_item(engine, metric.id, period))
        else:
            left_out += 1
    return sorted(items, key=attention_key), left_out


def attention_key(item: AgendaItem) -> tuple[int, int, str, str]:
    rank = ATTENTION_RANK[item.attention]
    second = REST_STATUS_RANK[item.status] if item.attention == "rest" else (
        -STATUS_RANK[item.status] if item.status else 0)
    return (rank, second, item.title.casefold(), item.key)


def last_meeting_notes(notes: list[Note], item: AgendaItem, before: dt.date) -> list[Note]:
    """The item's notes from the most recent date before `before` (the last meeting)."""
    mine = [n for n in notes if _attached_to(n, item) and n.date < before]
    if not mine:
        return []
    last = max(n.date for n in mine)
    return sorted((n for n in mine if n.date == last), key=lambda n: n.id)


def open_decisions(decisions: list[Decision], item: AgendaItem) -> list[Decision]:
    return sorted((d for d in decisions if _attached_to(d, item) and d.state == "open"),
                  key=lambda d: (d.due or dt.date.max, d.id))


def unanswered_feedback(notes: list[Note], decisions: list[Decision],
                        item: AgendaItem) -> list[Note]:
    answered = {d.answers for d in decisions if d.answers}
    return sorted((n for n in notes if _attached_to(n, item) and n.kind == "feedback"
                   and n.id not in answered), key=lambda n: (n.date, n.id))


def _attached_to(entity: Note | Decision, item: AgendaItem) -> bool:
    return (entity.objective if item.kind == "objective" else entity.metric) == item.id


# ---- the review record -----------------------------------------------------------------------
def reviewed_item(item: AgendaItem) -> ReviewedItem:
    if item.kind == "objective":
        actual = "—" if item.actual is None else f"{item.actual:.0%} progress"
        target = "—" if item.target is None else "100%"
    else:
        actual, target = format_value(item.actual, item.unit), format_value(item.target, item.unit)
    return ReviewedItem(kind=item.kind, id=item.id, title=item.title, attention=item.attention,
                        reasons=list(item.reasons), status=item.status, actual=actual,
                        target=target, share=item.share_of_target)


def new_review_id(store: PlanStore, period: str, date: dt.date) -> str:
    base = f"review-{period.lower()}-{date.isoformat()}"
    taken = {r["id"] for r in store.db.query("SELECT id FROM reviews WHERE id LIKE ?",
                                             [base + "%"])}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def start_review(store: PlanStore, engine: KpiEngine, period: str, date: dt.date) -> Review:
    """A new review record for `period`, with the signals and open decisions the room starts
    from; nothing is written until `save_review`."""
    from model.signals import realignment_signals

    pid = parse_period(period).id
    return Review(id=new_review_id(store, pid, date), period=pid, date=date,
                  signals=[s.message for s in realignment_signals(engine, pid)],
                  carried_decisions=carried_decisions(engine.plan.decisions))


def carried_decisions(decisions: list[Decision]) -> list[RecordedDecision]:
    """The open decisions a meeting carries forward, by due date."""
    return [RecordedDecision(id=d.id, subject=d.objective or d.metric or "", text=d.text,
                             owner=d.owner, due=d.due)
            for d in sorted(decisions, key=lambda d: (d.due or dt.date.max, d.id))
            if d.state == "open"]


def save_review(store: PlanStore, review: Review) -> None:
    """Insert or update the review (one row, the record as JSON)."""
    try:
        review = Review.model_validate(review.model_dump())
    except ValidationError as exc:
        raise AlignError(f"cannot save review {review.id}: {exc.errors()[0]['msg']}") from None
    store.save("reviews", review)


def reviews(store: PlanStore, period: str | None = None) -> list[Review]:
    """Saved reviews, newest first: by meeting date, then by when the meeting started, both of
    which travel with the review in a plan file, so a plan imported from one lists them alike."""
    found = store.reviews(parse_period(period).id if period is not None else None)
    return sorted(found, key=lambda r: (r.date, r.started_at, r.id), reverse=True)


def latest_review(store: PlanStore, period: str | None = None) -> Review | None:
    found = reviews(store, period)
    return found[0] if found else None


# ---- minutes ---------------------------------------------------------------------------------
STATUS_MARK = {"green": "● green", "amber": "◐ amber", "red": "▲ red", None: "—"}


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_minutes(review: Review, plan_name: str = "") -> str:
    """The meeting's minutes as Markdown, from the saved record alone."""
    c = review.counts()
    title = f"# KPI review {review.period}" + (f" — {plan_name}" if plan_name else "")
    lines = [title, "",
             f"Meeting of {review.date.isoformat()} · "
             + " · ".join([_plural(c["items"], "item") + " reviewed", _plural(c["notes"], "note"),
                           _plural(c["decisions"], "decision"),
                           _plural(c["changes"], "status change")]
                          + ([_plural(c["measurements"], "measurement") + " entered"]
                             if c["measurements"] else [])),
             ""]
    titles = {i.id: i.title for i in review.items}
    lines += ["## Status changes", ""]
    if review.changes:
        for ch in review.changes:
            line = (f"- **{_cell(ch.title)}**: {ch.field} {ch.before or '—'} → {ch.after or '—'}")
            if ch.note:
                line += f" — {_cell(ch.note)}"
            lines.append(line)
    else:
        lines.append("None.")
    lines += ["", "## Decisions", ""]
    if review.decisions:
        lines += ["| Decision | On | Owner | Due |", "|---|---|---|---|"]
        for d in review.decisions:
            lines.append(f"| {_cell(d.text)} | {_cell(titles.get(d.subject, d.subject))} | "
                         f"{_cell(d.owner)} | {d.due.isoformat() if d.due else '—'} |")
    else:
        lines.append("None.")
    lines += ["", "## Notes", ""]
    if review.notes:
        for n in review.notes:
            lines.append(f"- **{_cell(titles.get(n.subject, n.subject))}**: {_cell(n.text)}")
    else:
        lines.append("None.")
    if review.measurements:
        lines += ["", "## Measurements entered", ""]
        for m in review.measurements:
            lines.append(f"- **{_cell(m.title)}** {m.period}: {_cell(m.value)}"
                         + (f" — {_cell(m.note)}" if m.note else ""))
    lines += ["", "## Items reviewed", ""]
    if review.items:
        lines += ["| # | Item | Attention | Actual | Target | % of target | Status |",
                  "|---|---|---|---|---|---|---|"]
        for i, item in enumerate(review.items, 1):
            share = "—" if item.share is None else f"{item.share:.0%}"
            why = item.attention if not item.reasons else "; ".join(item.reasons)
            lines.append(f"| {i} | {_cell(item.title)} | {_cell(why)} | {_cell(item.actual)} | "
                         f"{_cell(item.target)} | {share} | {STATUS_MARK[item.status]} |")
    else:
        lines.append("None.")
    if review.signals:
        lines += ["", "## Realignment signals", ""]
        lines += [f"- {_cell(s)}" for s in review.signals]
    new_ids = {d.id for d in review.decisions}
    carried = [d for d in review.carried_decisions if d.id not in new_ids]
    if carried:
        lines += ["", "## Open decisions carried forward", ""]
        for d in carried:
            lines.append(f"- {_cell(d.text)} ({_cell(d.owner)}"
                         + (f", due {d.due.isoformat()}" if d.due else "") + ")")
    return "\n".join(lines) + "\n"


def minutes_file_name(review: Review) -> str:
    """`minutes-2026-q2-2026-11-23.md`; a later review of the same period that day keeps its
    number (`…-2.md`), so its minutes do not take the earlier meeting's name."""
    base = f"minutes-{review.period.lower()}-{review.date.isoformat()}"
    number = review.id.removeprefix(f"review-{review.period.lower()}-{review.date.isoformat()}")
    return f"{base}{number if re.fullmatch(r'-[0-9]+', number) else ''}.md"


__all__ = [
    "ATTENTION_RANK", "AgendaItem", "RecordedDecision", "RecordedMeasurement", "RecordedNote",
    "Review", "ReviewedItem", "StatusChange", "agenda_objectives", "attention_key", "carried_decisions", "fresh_item",
    "is_declining", "last_full_month", "last_meeting_notes", "latest_review", "metric_item",
    "minutes_file_name", "new_review_id", "objective_item", "open_decisions", "render_minutes",
    "review_agenda", "reviewed_item", "reviews", "save_review", "share_of_target", "stale_reason",
    "start_review", "unanswered_feedback",
]
