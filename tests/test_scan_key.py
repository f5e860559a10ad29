"""The backtest's scan key: one CASE per column names the region a lead's value falls in, and the
decoded key says exactly which conditions hold — the same answer as the reference evaluator,
condition by condition, at and around every threshold."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from itertools import pairwise

import pytest

from model import scan_key
from model.leads import column_types
from model.scan_key import assemble, condition_digits, count_keys
from model.scoring import SqlParams, resolve_rules, rule_matches_reference
from model.store import PlanStore
from tests.leads_helpers import AS_OF, load, model, rule

DATA = ("n,t,d,b\n"
        "4,SaaS,2025-03-31,yes\n5,saas,2025-03-30,no\n5.5,SAAS Co,2025-01-01,true\n"
        "6,Retail,2024-12-31,false\n7,,2025-04-01,\n10,retail,,yes\n11,Ärzte,2025-03-01,no\n"
        ",x_y,2025-02-28,yes\n-3,100%,2023-01-01,\n")

NUMBER_RULES = [
    rule("eq", "n", "eq", 5), rule("neq", "n", "neq", 10), rule("gt", "n", "gt", 5),
    rule("gte", "n", "gte", 5), rule("lt", "n", "lt", 5), rule("lte", "n", "lte", 5),
    rule("between", "n", "between", [5, 10]), rule("point", "n", "between", [7, 7]),
    rule("in", "n", "in", [5, 7]), rule("not-in", "n", "not_in", [5, 7]),
    rule("empty", "n", "is_empty"), rule("filled", "n", "is_not_empty"),
]
TEXT_RULES = [
    rule("eq", "t", "eq", "saas"), rule("eq-upper", "t", "eq", "SAAS"),
    rule("neq", "t", "neq", "Retail"), rule("in", "t", "in", ["retail", "x_y"]),
    rule("not-in", "t", "not_in", ["SaaS", "ärzte"]), rule("umlaut", "t", "eq", "ÄRZTE"),
    rule("contains", "t", "contains", "aas"), rule("not-contains", "t", "not_contains", "_"),
    rule("starts", "t", "starts_with", "100%"), rule("ends", "t", "ends_with", "co"),
    rule("empty", "t", "is_empty"), rule("filled", "t", "is_not_empty"),
]
DATE_RULES = [
    rule("recent", "d", "within_last_days", 30), rule("old", "d", "more_than_days_ago", 30),
    rule("today", "d", "within_last_days", 0), rule("before", "d", "before", "2025-01-01"),
    rule("after", "d", "after", "2025-03-30"), rule("eq", "d", "eq", "2025-02-28"),
    rule("empty", "d", "is_empty"),
]
BOOLEAN_RULES = [
    rule("true", "b", "is_true"), rule("false", "b", "is_false"), rule("eq", "b", "eq", "yes"),
    rule("neq", "b", "neq", "no"), rule("empty", "b", "is_empty"),
    rule("filled", "b", "is_not_empty"),
]


@pytest.fixture
def store(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, DATA)
    yield s
    s.close()


def compiled(store, rules):
    """The model of one-condition `rules`, its column digits, each condition's bit, and the
    key they make."""
    m = model(*rules)
    params = SqlParams()
    checks = resolve_rules(m.rules, column_types(store), AS_OF)
    digits, bits = condition_digits([rule_checks[0] for rule_checks in checks], params)
    return m, digits, bits, assemble(digits, params.values)


def conditions_met(store, rules):
    """Per stored lead, which rules the decoded scan key says match, next to the reference."""
    types = column_types(store)
    m, _, bits, key = compiled(store, rules)
    cur = store.conn.execute(f"SELECT *, {key.sql} AS _key FROM leads", key.params)
    names = [d[0] for d in cur.description]
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        met = 0
        for payload in key.decode(str(row["_key"])):
            met |= payload
        got = {r.id: bool(met & bit) for r, bit in zip(m.rules, bits, strict=True)}
        yield row, got, rule_matches_reference(m, row, as_of=AS_OF, types=types)


@pytest.mark.parametrize("rules", [NUMBER_RULES, TEXT_RULES, DATE_RULES, BOOLEAN_RULES],
                         ids=["number", "text", "date", "boolean"])
def test_decoded_keys_agree_with_the_reference_at_every_threshold(store, rules):
    for row, got, expected in conditions_met(store, rules):
        assert got == expected, row


def test_a_column_gets_one_digit_with_only_the_regions_it_needs(store):
    _, digits, bits, _ = compiled(store, [
        rule("mid", "n", "between", [5, 10]), rule("big", "n", "gt", 10),
        rule("tiny", "n", "lt", 5), rule("none", "n", "is_empty")])
    assert len(digits) == 1
    # missing, below 5, 5..10, above 10: four regions, however many thresholds split them
    assert sorted(digits[0].payloads) == sorted([bits[3], bits[2], bits[0], bits[1]])


def test_equal_conditions_share_a_bit(store):
    _, _, bits, _ = compiled(store, [rule("a", "t", "eq", "SaaS"), rule("b", "t", "eq", "SaaS")])
    assert bits[0] == bits[1]


def test_keys_wider_than_one_sqlite_integer_are_split_and_decoded(store):
    """70 two-valued digits need 70 bits: the key comes in two chunks joined by '.'."""
    letters = [chr(c) for c in range(0x20, 0x7f) if chr(c) not in "%_\\"]
    rules = [rule(f"r{i}", "t", "contains", letters[i % len(letters)] * (1 + i // len(letters)))
             for i in range(70)]
    key = compiled(store, rules)[3]
    assert len(key.chunks) == 2
    per_lead = Counter(str(r[0]) for r in store.conn.execute(f"SELECT {key.sql} FROM leads",
                                                                 key.params))
    assert all(k.count(".") == 1 for k in per_lead)
    assert count_keys(store.conn, key, "leads", "_row", batch=2) == per_lead
    for row, got, expected in conditions_met(store, rules):
        assert got == expected, row


def test_counting_keys_in_batches_gives_the_same_counts(store):
    key = compiled(store, NUMBER_RULES)[3]
    whole = count_keys(store.conn, key, "leads", "_row")
    assert sum(whole.values()) == 9 and len(whole) > 3
    assert count_keys(store.conn, key, "leads", "_row", batch=1) == whole
    assert count_keys(store.conn, key, "leads", "_row", batch=4) == whole


def test_an_empty_leads_table_counts_nothing(tmp_path):
    s = PlanStore.memory()
    load(s, tmp_path, "n,t\n1,a\n")
    s.conn.execute("DELETE FROM leads")
    assert not count_keys(s.conn, compiled(s, [rule("a", "t", "eq", "a")])[3], "leads", "_row")
    s.close()


@pytest.fixture
def file_store(tmp_path):
    rows = "".join(f"{i % 13},{'SaaS' if i % 3 else 'retail'},2025-03-{1 + i % 28:02d},"
                   f"{'yes' if i % 2 else 'no'}\n" for i in range(500))
    s = PlanStore.open(tmp_path / "plan.db")
    load(s, tmp_path, "n,t,d,b\n" + rows)
    yield s
    s.close()


def number_key(store):
    return compiled(store, [*NUMBER_RULES, *(dict(r, id=f"d-{r['id']}") for r in DATE_RULES)])[3]


def test_helper_threads_count_the_same_as_one_connection(file_store):
    key = number_key(file_store)
    alone = count_keys(file_store.conn, key, "leads", "_row", batch=7)
    assert sum(alone.values()) == 500
    shared = count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                        threads=3)
    assert shared == alone


def test_batches_that_shrink_towards_the_end_still_count_every_row_once(file_store,
                                                                       monkeypatch):
    """Shared scans end with smaller and smaller batches (here from 60 rows down to 4)."""
    monkeypatch.setattr(scan_key, "MIN_BATCH_ROWS", 4)
    key = number_key(file_store)
    alone = count_keys(file_store.conn, key, "leads", "_row", batch=60)
    file_store.conn.execute("DELETE FROM leads WHERE _row % 17 = 0")  # gaps in the row ids
    file_store.conn.commit()
    thinned = count_keys(file_store.conn, key, "leads", "_row", batch=60)
    assert sum(thinned.values()) == 500 - 29 and sum(alone.values()) == 500
    spans = []
    real = scan_key._Batches.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        spans.extend(self.ranges)
        self.ranges = iter(spans)

    monkeypatch.setattr(scan_key._Batches, "__init__", spy)
    shared = count_keys(file_store.conn, key, "leads", "_row", batch=60, path=file_store.path,
                        threads=3)
    assert shared == thinned
    sizes = [high - low + 1 for low, high in spans]
    assert sizes[0] == 60 and sizes[-1] == 4 and sizes == sorted(sizes, reverse=True)
    assert all(b[0] == a[1] + 1 for a, b in pairwise(spans))


def test_a_cancelled_scan_raises_and_leaves_no_helper_behind(file_store, monkeypatch):
    """The caller's progress handler cancels the scan on its own connection: the call raises
    that error, and no helper thread outlives it. (Helpers open their connections a moment
    late here, so that they cannot take every batch of this small table first.)"""
    key = number_key(file_store)
    connect = sqlite3.connect

    def slow_connect(*args, **kwargs):
        time.sleep(0.05)
        return connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", slow_connect)
    before = threading.active_count()
    file_store.conn.set_progress_handler(lambda: 1, 50)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                   threads=3)
    file_store.conn.set_progress_handler(None, 0)
    assert threading.active_count() == before


def test_a_connection_inside_a_transaction_scans_alone(file_store):
    """Helpers would not see uncommitted rows: the scan stays on the caller's connection."""
    key = number_key(file_store)
    file_store.conn.execute("DELETE FROM leads WHERE _row > 100")
    assert file_store.conn.in_transaction
    counts = count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                        threads=3)
    assert sum(counts.values()) == 100
    file_store.conn.rollback()


def test_a_failing_helper_fails_the_scan(file_store, tmp_path, monkeypatch):
    """Counts with a batch missing are never returned: a helper's error reaches the caller."""
    key = number_key(file_store)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    real_connect = sqlite3.connect
    monkeypatch.setattr(scan_key.sqlite3, "connect", lambda *a, **k: real_connect(empty))
    # slow the caller's own batches down so that the helper surely gets some
    file_store.conn.set_progress_handler(lambda: time.sleep(0.0005) or 0, 200)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                   threads=2)


def test_helpers_that_cannot_open_the_plan_leave_the_work_to_the_caller(file_store,
                                                                        monkeypatch):
    key = number_key(file_store)
    alone = count_keys(file_store.conn, key, "leads", "_row", batch=7)

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(scan_key.sqlite3, "connect", refuse)
    assert count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                      threads=3) == alone


def test_a_commit_during_a_shared_scan_is_counted_again(file_store, monkeypatch):
    """Another connection deletes leads while the scan runs: threads may have read different
    states, so the count is taken again, and it is the count of the new state."""
    key = number_key(file_store)
    real_connect = sqlite3.connect

    def connect_after_a_write(*args, **kwargs):
        time.sleep(0.05)  # the caller's thread is reading its first batches by now
        writer = real_connect(file_store.path)
        writer.execute("DELETE FROM leads WHERE _row > 250")
        writer.commit()
        writer.close()
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(scan_key.sqlite3, "connect", connect_after_a_write)
    file_store.conn.set_progress_handler(lambda: time.sleep(0.0005) or 0, 200)
    counts = count_keys(file_store.conn, key, "leads", "_row", batch=7, path=file_store.path,
                        threads=2)
    file_store.conn.set_progress_handler(None, 0)
    assert sum(counts.values()) == 250


def test_a_scan_uses_the_cores_it_may_run_on_up_to_four(monkeypatch):
    if hasattr(scan_key.os, "sched_getaffinity"):
        monkeypatch.setattr(scan_key.os, "sched_getaffinity", lambda pid: set(range(64)))
    else:
        monkeypatch.setattr(scan_key.os, "cpu_count", lambda: 64)
    assert scan_key.scan_threads() == 4
    if hasattr(scan_key.os, "sched_getaffinity"):
        monkeypatch.setattr(scan_key.os, "sched_getaffinity", lambda pid: {0})
    else:
        monkeypatch.setattr(scan_key.os, "cpu_count", lambda: 1)
    assert scan_key.scan_threads() == 1
