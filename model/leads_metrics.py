"""Monthly KPI inputs computed from the imported leads dataset (source `leads`).

A lead counts in the month of its created date; a lead with a closed date is a deal, won when its
outcome is one of the won values (trimmed, case-folded) and lost otherwise, and counts in the month
of its closed date; a lead without a closed date is open. Months between the first and the last
month the dataset covers get 0 for the counts (nothing happened then), but no sales cycle length
(a mean of nothing is not 0).

Sales cycle length is also given for quarters and years, as the mean over their deals: the mean of
monthly means would weigh a month with one deal like a month with fifty.

The counting runs in SQLite; only the per-month, per-outcome groups come back to Python, where
outcomes are folded the same way whatever their storage type (1.0 stored as REAL matches "1").
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from typing import Any

from model.periods import is_period, quarter_of, shift
from model.schema import LeadsRoles, Measurement, now_timestamp

LEADS_TABLE = "leads"
LEADS_METRICS = ("leads", "new_customers", "deals_won", "deals_lost", "deal_revenue",
                 "sales_cycle_length")
_ISO_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def fold_outcome(value: Any) -> str:
    """Outcome values as compared: trimmed, case-folded, whole numbers without a fraction."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    text = str(value).strip().casefold()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number == int(number):
        return str(int(number))
    return text


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(db: sqlite3.Connection) -> set[str] | None:
    rows = db.execute(f"PRAGMA table_info({_quote(LEADS_TABLE)})").fetchall()
    return {r[1] for r in rows} or None


ROLE_METRICS = {"created": "leads, sales cycle length",
                "closed": "deals won and lost, new customers, deal revenue, sales cycle length",
                "outcome": "deals won and lost, new customers, deal revenue",
                "amount": "deal revenue"}


def _checked(columns: set[str], role: str, name: str | None) -> str | None:
    """The role's column, quoted; None when the role is not mapped, or names a column the
    dataset lacks (`role_problems` says so): the metrics it feeds are then not counted, and the
    rest still are."""
    if name is None or not str(name).strip() or name not in columns:
        return None
    return _quote(name)


_ROLE_VALUE = {"outcome": "COLUMN=WON"}


def role_problems(db: sqlite3.Connection, roles: LeadsRoles | None) -> list[str]:
    """Each column role that names a column the leads dataset does not have (a plan file from a
    teammate whose CRM names its columns otherwise, say), and what is not counted for it."""
    columns = _columns(db) if roles is not None else None
    if roles is None or columns is None:
        return []
    out = []
    for role in ("id", "created", "closed", "outcome", "amount"):
        name = getattr(roles, role)
        if name is None or not str(name).strip() or name in columns:
            continue
        lost = (f"{ROLE_METRICS[role]} are not counted from the leads" if role in ROLE_METRICS
                else "the leads browser shows no lead id")
        out.append(f"the leads column role {role} names {name!r}, which the leads dataset does "
                   f"not have, so {lost}; import the leads again with the role mapped "
                   f"(`align leads import CSV DB --{role} {_ROLE_VALUE.get(role, 'COLUMN')}`, "
                   "or i in Lead scoring)")
    return out


def leads_measurements(db: sqlite3.Connection, roles: LeadsRoles | None, *, fy_start: int = 1,
                       recorded_at: str | None = None) -> list[Measurement]:
    """Per-month measurements of the leads-derived metrics; empty when there is nothing to count
    (no roles mapped, or the lead rows were not imported into this plan)."""
    if roles is None:
        return []
    columns = _columns(db)
    if columns is None:
        return []
    created = _checked(columns, "created", roles.created)
    closed = _checked(columns, "closed", roles.closed)
    outcome = _checked(columns, "outcome", roles.outcome)
    amount = _checked(columns, "amount", roles.amount)
    table = _quote(LEADS_TABLE)
    values: dict[str, dict[str, float]] = defaultdict(dict)
    cycles: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    months: set[str] = set()

    if created is not None:
        sql = (f"SELECT substr({created}, 1, 7) AS month, count(*) AS n FROM {table} "
               f"WHERE {created} GLOB ? GROUP BY month")
        for month, n in db.execute(sql, [_ISO_DATE]).fetchall():
            if is_period(month):
                values["leads"][month] = float(n)
                months.add(month)

    if closed is not None and outcome is not None:
        won = {fold_outcome(v) for v in roles.won_values}
        cycle = (f"julianday(substr({closed}, 1, 10)) - julianday(substr({created}, 1, 10))"
                 if created is not None else "NULL")
        cycle_ok = f"{created} GLOB ?" if created is not None else "0"
        money = f"total({amount})" if amount is not None else "0"
        sql = (f"SELECT substr({closed}, 1, 7) AS month, {outcome} AS outcome, count(*) AS n, "
               f"{money} AS amount, total(CASE WHEN {cycle_ok} THEN {cycle} END) AS days, "
               f"count(CASE WHEN {cycle_ok} THEN 1 END) AS timed "
               f"FROM {table} WHERE {closed} GLOB ? GROUP BY month, outcome")
        params = [_ISO_DATE, _ISO_DATE] if created is not None else []
        deals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
        for month, out, n, money_sum, days, timed in db.execute(sql, params + [_ISO_DATE]):
            if not is_period(month):
                continue
            months.add(month)
            row = deals[month]
            if fold_outcome(out) in won:
                row[0] += n
                row[2] += money_sum or 0.0
                row[3] += days or 0.0
                row[4] += timed
            else:
                row[1] += n
        for month, (n_won, n_lost, revenue, days, timed) in deals.items():
            values["new_customers"][month] = n_won
            values["deals_won"][month] = n_won
            values["deals_lost"][month] = n_lost
            if amount is not None:
                values["deal_revenue"][month] = revenue
            if created is not None and timed:
                values["sales_cycle_length"][month] = days / timed
                quarter = quarter_of(month, fy_start)
                for period in (quarter, quarter[:4]):
                    cycles[period][0] += days
                    cycles[period][1] += timed

    if not months:
        return []
    span = _month_span(min(months), max(months))
    stamp = recorded_at or now_timestamp()
    out: list[Measurement] = []
    for metric in LEADS_METRICS:
        if metric not in values and not _counted(metric, created, closed, outcome, amount):
            continue
        per_month = values.get(metric, {})
        for month in span:
            value = per_month.get(month)
            if value is None and metric == "sales_cycle_length":
                continue
            out.append(_measurement(metric, month, value or 0.0, stamp))
    for period, (days, timed) in sorted(cycles.items()):
        out.append(_measurement("sales_cycle_length", period, days / timed, stamp))
    return out


def _measurement(metric: str, period: str, value: float, stamp: str) -> Measurement:
    """A derived measurement, valid by construction: a known metric, a period that passed
    `is_period`, a finite count, sum or mean. Built without validation because this runs in the
    progress worker at start-up, where pydantic's first validation of a model (schema build and
    plugin discovery) would cost more than computing every figure."""
    return Measurement.model_construct(metric=metric, period=period, value=float(value),
                                       not_applicable=False, note="", source="leads",
                                       recorded_at=stamp)


def _counted(metric: str, created: str | None, closed: str | None, outcome: str | None,
             amount: str | None) -> bool:
    """Whether the mapped roles let the metric be counted at all (then a month without events is
    0, not missing)."""
    if metric == "leads":
        return created is not None
    if metric in ("new_customers", "deals_won", "deals_lost"):
        return closed is not None and outcome is not None
    if metric == "deal_revenue":
        return closed is not None and outcome is not None and amount is not None
    return False


def _month_span(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last:
        out.append(shift(out[-1], 1))
    return out
