"""Period ids: years `2026`, quarters `2026-Q1`, months `2026-03`.

Months are calendar months. Quarters and years are fiscal: fiscal year Y starts in the plan's
fiscal-year start month of calendar year Y (January by default, which makes them calendar
quarters and years).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: PeriodKind
    index: int  # 1 for a year, 1..4 for a quarter, 1..12 for a month

    @property
    def id(self) -> str:
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}-{self.index:02d}"

    def __str__(self) -> str:
        return self.id


def parse_period(text: str) -> Period:
    """Parse a period id or raise ValueError with a message that says what is accepted."""
    if not isinstance(text, str):
        raise ValueError(f"expected a period id such as 2026-Q1, got {text!r}")
    value = text.strip()
    if m := _YEAR.match(value):
        year = int(m.group(1))
        kind, index = "year", 1
    elif m := _QUARTER.match(value):
        year, kind, index = int(m.group(1)), "quarter", int(m.group(2))
    elif m := _MONTH.match(value):
        year, kind, index = int(m.group(1)), "month", int(m.group(2))
        if not 1 <= index <= 12:
            raise ValueError(f"{text!r} is not a month: use 01 to 12, as in 2026-03")
    else:
        raise ValueError(
            f"{text!r} is not a period: use a year (2026), a quarter (2026-Q1) or a month (2026-03)"
        )
    if not 1900 <= year <= 2999:
        raise ValueError(f"{text!r}: year must be between 1900 and 2999")
    return Period(year, kind, index)  # type: ignore[arg-type]


def parse_as_of(text: str, today: dt.date) -> dt.date | None:
    """An as-of date as a user types it, in the app or on the command line: ISO `YYYY-MM-DD`,
    or `today`; None when it is neither."""
    text = text.strip()
    if text.lower() == "today":
        return today
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None  # (fromisoformat also reads 20260331 and week dates such as 2026-W13-2)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def is_period(text: str) -> bool:
    try:
        parse_period(text)
    except ValueError:
        return False
    return True


def _month_serial(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _from_serial(serial: int) -> tuple[int, int]:
    return serial // 12, serial % 12 + 1


def months_of(period: str | Period, fy_start: int = 1) -> list[str]:
    """Calendar month ids that make up a period, in order."""
    p = parse_period(period) if isinstance(period, str) else period
    if p.kind == "month":
        return [p.id]
    first = _month_serial(p.year, fy_start)
    if p.kind == "quarter":
        first += 3 * (p.index - 1)
        count = 3
    else:
        count = 12
    out = []
    for serial in range(first, first + count):
        y, m = _from_serial(serial)
        out.append(f"{y:04d}-{m:02d}")
    return out


def quarter_of(month: str, fy_start: int = 1) -> str:
    p = parse_period(month)
    if p.kind != "month":
        raise ValueError(f"{month!r} is not a month")
    offset = _month_serial(p.year, p.index) - _month_serial(p.year, fy_start)
    fy = p.year + (offset // 12)
    q = (offset % 12) // 3 + 1
    return f"{fy:04d}-Q{q}"


def year_of(period: str, fy_start: int = 1) -> str:
    p = parse_period(period)
    if p.kind == "year":
        return p.id
    if p.kind == "quarter":
        return f"{p.year:04d}"
    return quarter_of(p.id, fy_start)[:4]


def contains(outer: str, inner: str, fy_start: int = 1) -> bool:
    """Whether period `inner` lies within period `outer` (a period contains itself)."""
    return set(months_of(inner, fy_start)) <= set(months_of(outer, fy_start))


def shift(period: str, steps: int) -> str:
    """The period `steps` periods of the same kind after (or before, if negative) `period`."""
    p = parse_period(period)
    if p.kind == "year":
        return f"{p.year + steps:04d}"
    if p.kind == "quarter":
        serial = p.year * 4 + (p.index - 1) + steps
        return f"{serial // 4:04d}-Q{serial % 4 + 1}"
    y, m = _from_serial(_month_serial(p.year, p.index) + steps)
    return f"{y:04d}-{m:02d}"


def next_period(period: str) -> str:
    return shift(period, 1)


def previous_period(period: str) -> str:
    return shift(period, -1)


def bounds(period: str, fy_start: int = 1) -> tuple[dt.date, dt.date]:
    """First and last calendar day of a period."""
    months = months_of(period, fy_start)
    y0, m0 = (int(x) for x in months[0].split("-"))
    y1, m1 = (int(x) for x in months[-1].split("-"))
    first = dt.date(y0, m0, 1)
    ny, nm = _from_serial(_month_serial(y1, m1) + 1)
    last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
    return first, last


def period_of_date(day: dt.date, kind: PeriodKind = "month", fy_start: int = 1) -> str:
    month = f"{day.year:04d}-{day.month:02d}"
    if kind == "month":
        return month
    if kind == "quarter":
        return quarter_of(month, fy_start)
    return quarter_of(month, fy_start)[:4]


def elapsed_share(period: str, today: dt.date, fy_start: int = 1) -> float:
    """Share of the period that has passed on `today` (0 before it starts, 1 after it ends)."""
    first, last = bounds(period, fy_start)
    if today < first:
        return 0.0
    if today > last:
        return 1.0
    total = (last - first).days + 1
    return ((today - first).days + 1) / total


def sort_key(period: str, fy_start: int = 1) -> tuple[int, int, int]:
    """Chronological by end: a quarter comes right after its last month, a year after its Q4."""
    p = parse_period(period)
    months = months_of(p, fy_start)
    y, m = (int(x) for x in months[-1].split("-"))
    size = {"month": 0, "quarter": 1, "year": 2}[p.kind]
    return (y * 12 + m, size, 0)
