"""The backtest's scan key: which rule conditions a lead meets, as one small integer per lead.

Every condition looks at one column, and a column's conditions split its values into a few
regions (missing, below a threshold, equal to a listed value, between two thresholds, …) in which
each condition is true throughout or false throughout. So for each column the compiler emits one
`CASE` naming the lead's region (a *digit*), and the digits of all columns make the lead's key, a
mixed-radix integer. SQLite then evaluates one `CASE` per column rather than one per condition,
and which conditions a key stands for is worked out once per distinct key, not once per lead.

Text operators built on `LIKE` (contains, starts with, …) do not split a column by comparisons
with constants; each gets a two-valued digit of its own.

The truth of a condition in a region mirrors the SQL predicate `model.scoring` compiles for it
(missing matches only `is_empty`; text compares ignoring ASCII case), and the test suite holds
the backtest built on these keys against the plain Python reference evaluator.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.leads import quote_identifier
from model.scoring import Check, SqlParams, fold, predicate_sql

_LIKE_OPS = ("contains", "not_contains", "starts_with", "ends_with")
# A key chunk is a sum of digit × stride and must stay below 2**63, SQLite's largest integer.
_CHUNK_LIMIT = 1 << 62
BATCH_ROWS = 1 << 17
MIN_BATCH_ROWS = 1 << 13  # the smallest batch at the end of a shared scan
MAX_THREADS = 4
PROGRESS_STEPS = 100_000  # SQLite VM instructions between a helper's checks for a stop


@dataclass(frozen=True)
class Digit:
    """An integer SQL expression in [0, len(payloads)), and what each of its values stands for
    (condition bits, or a lead status). `scaled`, when given, renders the same expression with
    every value multiplied by a stride: the key then adds the digit's CASE as it is, saving
    SQLite a multiplication per lead."""

    sql: str
    payloads: tuple[Any, ...]
    scaled: Callable[[int], str] | None = None

    def times(self, stride: int) -> str:
        if stride == 1:
            return self.sql
        if self.scaled is not None:
            return self.scaled(stride)
        return f"({self.sql}) * {stride}"


@dataclass
class ScanKey:
    """`sql` gives each lead's key: an integer, or for keys wider than one SQLite integer their
    chunks joined by '.'. `decode` turns a key's text back into one payload per digit, in the
    order the digits were given."""

    sql: str
    params: dict[str, Any]
    digits: list[Digit]
    chunks: list[list[tuple[int, Digit]]] = field(default_factory=list)

    def decode(self, key: str) -> list[Any]:
        payloads = []
        for text, chunk in zip(key.split("."), self.chunks, strict=True):
            number = int(text)
            for stride, digit in chunk:
                payloads.append(digit.payloads[number // stride % len(digit.payloads)])
        return payloads


def assemble(digits: Sequence[Digit], params: dict[str, Any]) -> ScanKey:
    """Lay the digits out in chunks of at most 62 bits each. Digits with a single value carry
    no information but keep their place in `decode`'s output."""
    chunks: list[list[tuple[int, Digit]]] = [[]]
    stride = 1
    for digit in digits:
        radix = len(digit.payloads)
        if stride * radix > _CHUNK_LIMIT:
            chunks.append([])
            stride = 1
        chunks[-1].append((stride, digit))
        stride *= radix
    parts = []
    for chunk in chunks:
        terms = [digit.times(stride) for stride, digit in chunk if len(digit.payloads) > 1]
        parts.append(" + ".join(terms) if terms else "0")
    sql = parts[0] if len(parts) == 1 else " || '.' || ".join(f"({p})" for p in parts)
    return ScanKey(sql, params, list(digits), chunks)


def scan_threads() -> int:
    """Threads for a scan: the cores this process may run on, up to four (SQLite runs without
    the GIL)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_THREADS, cores or 1))


def count_keys(conn: sqlite3.Connection, key: ScanKey, table: str, row_column: str, *,
               batch: int = BATCH_ROWS, path: Path | None = None,
               threads: int = 1) -> Counter[str]:
    """How many rows of `table` have each key.

    SQLite hands the keys of a batch of rows (a range of `row_column`, which is dense) over as
    one string, which Python splits and counts in C: far cheaper than fetching rows one by one,
    or having SQLite sort them for a GROUP BY. Each connection reads all its batches in one read
    transaction, so they see one state of the table.

    With the database's `path` and `threads` > 1, batches are shared out among read-only
    connections in helper threads as well as `conn`. `conn` keeps its progress handler (and so
    its caller's cancel); when any thread fails the others stop after their current batch. If
    some other connection commits while they scan, their states may differ, so the count is
    taken again on `conn` alone. A connection inside a transaction scans alone too, since other
    connections would not see what it has not committed.
    """
    if path is None or threads <= 1 or conn.in_transaction:
        return _count_alone(conn, key, table, row_column, batch)
    version = _data_version(conn)
    counts = _count_shared(conn, key, table, row_column, batch, path, threads)
    if _data_version(conn) != version:
        return _count_alone(conn, key, table, row_column, batch)
    return counts


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


class _Batches:
    """The batches of one scan, handed out to whichever thread asks next, and their counts.

    Batches shrink towards the end of the table (each at most a share of what is left), so
    the threads finish together rather than one waiting on another's last big batch."""

    def __init__(self, conn: sqlite3.Connection, key: ScanKey, table: str, row_column: str,
                 batch: int, threads: int = 1) -> None:
        # Two subqueries: SQLite answers a lone min() or max() of the key from the b-tree's
        # ends, but both in one query make it read the whole table.
        low, high = conn.execute(f"SELECT (SELECT min({row_column}) FROM {table}), "
                                 f"(SELECT max({row_column}) FROM {table})").fetchone()
        ranges = []
        start = low
        while low is not None and start <= high:
            size = batch
            if threads > 1:
                share = -(-(high - start + 1) // (2 * threads))
                size = min(batch, max(min(batch, MIN_BATCH_ROWS), share))
            ranges.append((start, start + size - 1))
            start += size
        self.ranges = iter(ranges)
        self.extra = max(0, len(ranges) - 1)  # batches beyond the first
        self.sql = (f"SELECT group_concat({key.sql}, ',') FROM {table} "
                    f"WHERE {row_column} BETWEEN :_low AND :_high")
        self.params = key.params
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def scan(self, db: sqlite3.Connection) -> None:
        began = not db.in_transaction
        if began:
            db.execute("BEGIN")
        try:
            while not self.stop.is_set():
                with self.lock:
                    span = next(self.ranges, None)
                if span is None:
                    return
                text = db.execute(self.sql, {**self.params, "_low": span[0],
                                             "_high": span[1]}).fetchone()[0]
                if text is not None:
                    found = Counter(text.split(","))
                    with self.lock:
                        self.counts.update(found)
        finally:
            if began:
                db.rollback()  # only read: nothing to keep


def _count_alone(conn: sqlite3.Connection, key: ScanKey, table: str, row_column: str,
                 batch: int) -> Counter[str]:
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        batches = _Batches(conn, key, table, row_column, batch)
        batches.scan(conn)
        return batches.counts
    finally:
        if began:
            conn.rollback()


def _count_shared(conn: sqlite3.Connection, key: ScanKey, table: str, row_column: str,
                  batch: int, path: Path, threads: int) -> Counter[str]:
    batches = _Batches(conn, key, table, row_column, batch, threads)
    helpers = min(threads - 1, batches.extra)
    failures: list[BaseException] = []
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"

    def help_scan() -> None:
        try:
            db = sqlite3.connect(uri, uri=True)
        except sqlite3.Error:
            return  # a helper that cannot open the file leaves its share to the others
        try:
            db.set_progress_handler(batches.stop.is_set, PROGRESS_STEPS)
            batches.scan(db)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            if not batches.stop.is_set():
                failures.append(exc)
                batches.stop.set()
        finally:
            db.close()

    workers = [threading.Thread(target=help_scan, daemon=True) for _ in range(helpers)]
    for worker in workers:
        worker.start()
    try:
        batches.scan(conn)
        for worker in workers:
            worker.join()
    except BaseException:
        batches.stop.set()
        for worker in workers:
            worker.join()
        raise
    if failures:
        raise failures[0]
    return batches.counts


# ---- one column's regions --------------------------------------------------------------------

class _Gap:
    """Any value strictly between two neighbouring thresholds (None: unbounded). Every constant a
    condition compares with is a threshold, so each comparison has one answer for the whole gap."""

    __slots__ = ("high", "low")

    def __init__(self, low: Any, high: Any) -> None:
        self.low, self.high = low, high

    def __lt__(self, other: Any) -> bool:
        return self.high is not None and other >= self.high

    __le__ = __lt__

    def __gt__(self, other: Any) -> bool:
        return self.low is not None and other <= self.low

    __ge__ = __gt__

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return id(self)


_OTHER = _Gap(None, None)  # a text value equal to none of the listed ones


def _holds(check: Check, value: Any) -> bool:
    """The truth of `check`'s SQL predicate for a value (None is missing): comparisons for
    number, date and boolean columns, NOCASE equality (on folded values) for text."""
    op, want = check.op, check.value
    if op == "is_empty":
        return value is None
    if op == "is_not_empty":
        return value is not None
    if value is None:
        return False
    if check.type == "text":
        want = frozenset(map(fold, want)) if op in ("in", "not_in") else fold(want)
    if op == "is_true":
        return value == 1
    if op == "is_false":
        return value == 0
    if op == "eq":
        return value == want
    if op == "neq":
        return value != want
    if op == "in":
        return any(value == w for w in want)
    if op == "not_in":
        return all(value != w for w in want)
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


def _thresholds(check: Check) -> Iterable[Any]:
    if check.op in ("is_empty", "is_not_empty"):
        return ()
    if check.op == "is_true":
        return (1,)
    if check.op == "is_false":
        return (0,)
    if check.op in ("in", "not_in", "between", "within_last_days", "more_than_days_ago"):
        return check.value
    return (check.value,)


class _Regions:
    """Regions of one column in order, each with the bits of the conditions true in it; regions
    with equal bits share a digit value."""

    def __init__(self, checks: Sequence[tuple[int, Check]]) -> None:
        self.checks = checks
        self.payloads: list[int] = []
        self.index: dict[int, int] = {}

    def digit_of(self, value: Any) -> int:
        bits = 0
        for bit, check in self.checks:
            if _holds(check, value):
                bits |= bit
        if bits not in self.index:
            self.index[bits] = len(self.payloads)
            self.payloads.append(bits)
        return self.index[bits]


def _ordered_digit(column: str, checks: Sequence[tuple[int, Check]], params: SqlParams) -> Digit:
    """Number, date and boolean columns: `CASE WHEN c < t1 … WHEN c <= t2 … ELSE … END`."""
    regions = _Regions(checks)
    missing = regions.digit_of(None)
    points = sorted({t for _, check in checks for t in _thresholds(check)})
    pieces: list[tuple[Any, int]] = []  # (threshold ending the piece, inclusive?) and digit
    for i, point in enumerate(points):
        pieces.append(((point, False), regions.digit_of(_Gap(points[i - 1] if i else None, point))))
        pieces.append(((point, True), regions.digit_of(point)))
    last = regions.digit_of(_Gap(points[-1] if points else None, None))
    whens: list[tuple[str, int]] = []  # (condition, digit), thresholds ascending
    for i, ((point, inclusive), digit) in enumerate(pieces):
        following = pieces[i + 1][1] if i + 1 < len(pieces) else last
        if digit != following:
            whens.append((f"{column} {'<=' if inclusive else '<'} {params.add(point)}", digit))
    # Last: a missing value fails every comparison, and most values never get that far.
    missing_when = [(f"{column} IS NULL", missing)] if missing != last else []

    def render(stride: int) -> str:
        return _search(whens, missing_when, last, stride)

    return Digit(render(1), tuple(regions.payloads), render)


def _search(whens: Sequence[tuple[str, int]], missing_when: list[tuple[str, int]],
            otherwise: int, stride: int) -> str:
    """`CASE WHEN c1 THEN d1 WHEN c2 THEN d2 … [WHEN missing] ELSE otherwise END` for conditions
    that only grow more true down the list (`x < 10`, `x < 200`, `x <= 2000`), asked as a binary
    search: a lead meets about log2(n) comparisons rather than up to n. If the middle condition
    holds, so does every later one, and the answer is it or one before it; if it does not (a
    missing value included), no condition before it holds either."""
    if len(whens) <= 2:
        cases = [*whens, *missing_when]
        if not cases:
            return str(otherwise * stride)
        text = " ".join(f"WHEN {condition} THEN {digit * stride}" for condition, digit in cases)
        return f"CASE {text} ELSE {otherwise * stride} END"
    middle = (len(whens) - 1) // 2
    condition, digit = whens[middle]
    below = _search(whens[:middle], [], digit, stride)
    above = _search(whens[middle + 1:], missing_when, otherwise, stride)
    return f"CASE WHEN {condition} THEN {below} ELSE {above} END"


def _text_digit(column: str, checks: Sequence[tuple[int, Check]], params: SqlParams) -> Digit:
    """Text equality operators: `CASE c COLLATE NOCASE WHEN 'v' THEN … ELSE … END`."""
    regions = _Regions(checks)
    missing = regions.digit_of(None)
    other = regions.digit_of(_OTHER)
    listed: dict[str, str] = {}
    for _, check in checks:
        for value in _thresholds(check):
            listed.setdefault(fold(value), value)
    whens: list[tuple[str, int]] = []  # (parameter, digit)
    for folded, value in listed.items():
        digit = regions.digit_of(folded)
        if digit != other:
            whens.append((params.add(value), digit))

    def render(stride: int) -> str:
        otherwise = str(other * stride)
        if missing != other:  # a missing value equals no listed one: told apart after them
            otherwise = (f"CASE WHEN {column} IS NULL THEN {missing * stride} "
                         f"ELSE {other * stride} END")
        if not whens:
            return otherwise
        cases = " ".join(f"WHEN {param} THEN {digit * stride}" for param, digit in whens)
        return f"CASE {column} COLLATE NOCASE {cases} ELSE {otherwise} END"

    return Digit(render(1), tuple(regions.payloads), render)


def condition_digits(checks: Sequence[Check], params: SqlParams) -> tuple[list[Digit], list[int]]:
    """Digits whose payloads are condition bits (bit i: `checks[i]` holds), and the bit of each
    check. Equal checks share a bit."""
    bits: dict[Check, int] = {}
    by_column: dict[str, list[tuple[int, Check]]] = {}
    like: list[tuple[int, Check]] = []
    for check in checks:
        if check in bits:
            continue
        bit = bits[check] = 1 << len(bits)
        if check.type == "text" and check.op in _LIKE_OPS:
            like.append((bit, check))
        else:
            by_column.setdefault(check.field, []).append((bit, check))
    digits = []
    for name, column_checks in by_column.items():
        build = _text_digit if column_checks[0][1].type == "text" else _ordered_digit
        digits.append(build(quote_identifier(name), column_checks, params))
    for bit, check in like:
        predicate = predicate_sql(check, params)
        digits.append(Digit(f"CASE WHEN {predicate} THEN 1 ELSE 0 END", (0, bit),
                            lambda stride, p=predicate: f"CASE WHEN {p} THEN {stride} ELSE 0 END"))
    return digits, [bits[check] for check in checks]
