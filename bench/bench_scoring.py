"""Scoring 1,000,000 leads with a 12-rule model (score, grade matrix and AUC, i.e. the backtest
without rule evidence) against SQLite's own full scan with one predicate, and against the plain
Python reference evaluator. Bounds (DESIGN §8): ratio to the scan ≤ 5; speed-up over the
reference ≥ 10. The backtest shares its scan among the machine's cores; its one-thread time is
printed too, since the baseline scan runs on one.

The reference evaluator is timed on a sample of leads and scaled linearly to the whole dataset
(it is plain per-lead Python, so its time is linear in the lead count); the output says so.

Run: python bench/bench_scoring.py [ROWS]. Data is generated once under bench/data/.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_leads_import import DATA, ROLES, generate_csv  # noqa: E402

from model.backtest import backtest  # noqa: E402
from model.leads import (  # noqa: E402
    OUTCOME_VALUES_KEY,
    column_types,
    import_leads_csv,
    lead_count,
)
from model.scan_key import scan_threads  # noqa: E402
from model.schema import ScoringModel  # noqa: E402
from model.scoring import score_lead_reference  # noqa: E402
from model.store import PlanStore  # noqa: E402

SCAN_BOUND = 5.0
REFERENCE_BOUND = 10.0
AS_OF = dt.date(2025, 6, 1)
SAMPLE = 20_000


def twelve_rules() -> ScoringModel:
    def r(rule_id, dimension, points, field, op, value=None, knockout=False):
        return {"id": rule_id, "dimension": dimension, "points": points, "knockout": knockout,
                "when": [{"field": field, "op": op, "value": value}]}

    return ScoringModel.model_validate({"id": "bench", "name": "Bench", "rules": [
        r("saas", "fit", 20, "industry", "eq", "SaaS"),
        r("finance", "fit", 15, "industry", "in", ["Finance", "Healthcare"]),
        r("mid-size", "fit", 15, "employees", "between", [200, 2000]),
        r("large", "fit", 10, "employees", "gt", 2000),
        r("tiny", "fit", -10, "employees", "lt", 10),
        r("europe", "fit", 10, "country", "in", ["DE", "FR", "NL", "ES"]),
        r("no-size", "fit", -5, "employees", "is_empty"),
        r("education", "fit", 0, "industry", "eq", "Education", knockout=True),
        r("opens", "engagement", 20, "email_opens", "gte", 20),
        r("some-opens", "engagement", 10, "email_opens", "between", [5, 19]),
        r("recent", "engagement", 15, "created", "within_last_days", 90),
        r("referred", "engagement", 10, "source", "in", ["referral", "partner"]),
    ]})


def dataset(rows: int) -> PlanStore:
    DATA.mkdir(parents=True, exist_ok=True)
    db = DATA / f"scoring_{rows}.db"
    if db.exists():
        store = PlanStore.open(db)
        # A dataset imported before the import recorded the outcome values is imported again.
        if lead_count(store) == rows and store.conn.execute(
                "SELECT 1 FROM align_meta WHERE key = ?", [OUTCOME_VALUES_KEY]).fetchone():
            return store
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = PlanStore.open(db)
    import_leads_csv(store, generate_csv(rows), roles=ROLES)
    return store


ROUNDS = 9


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    store = dataset(rows)
    model = twelve_rules()
    conn = store.db.conn
    # A 70 ms scan swings by a third on a busy machine. Rounds time the scan and the score one
    # after the other, so a slow spell of the machine falls on both; the best of each is kept.
    scans, scores = [], []
    for _ in range(ROUNDS):
        scans.append(best_of(2, lambda: conn.execute(
            "SELECT count(*) FROM leads WHERE amount > ?", [25_000.0]).fetchone()))
        scores.append(best_of(1, lambda: backtest(store, model, as_of=AS_OF,
                                                  rule_evidence=False)))
    scan, score = min(scans), min(scores)
    one_thread = best_of(3, lambda: backtest(store, model, as_of=AS_OF, rule_evidence=False,
                                             threads=1))
    with_evidence = best_of(1, lambda: backtest(store, model, as_of=AS_OF))
    types = column_types(store)
    sample = [dict(zip([d[0] for d in cur.description], row, strict=True))
              for cur in [conn.execute("SELECT * FROM leads LIMIT ?", [SAMPLE])]
              for row in cur.fetchall()]
    start = time.perf_counter()
    for row in sample:
        score_lead_reference(model, row, as_of=AS_OF, types=types)
    reference_sample = time.perf_counter() - start
    reference = reference_sample * rows / len(sample)
    print(f"{rows:,} leads, {len(model.rules)} rules")
    print(f"full scan with one predicate: {scan:.3f} s; score + grade matrix + AUC: {score:.3f} s "
          f"(best of {ROUNDS} rounds); with rule evidence: {with_evidence:.3f} s")
    print(f"the scan shared among {scan_threads()} threads (the machine's cores, up to four); "
          f"on one thread: {one_thread:.3f} s, {one_thread / scan:.2f} x the scan")
    print(f"ratio={score / scan:.2f} bound={SCAN_BOUND}")
    print(f"reference evaluator: {reference_sample:.3f} s for a sample of {len(sample):,} leads, "
          f"scaled linearly to {rows:,}: {reference:.1f} s (time in Python only, reading rows "
          "not counted)")
    print(f"ratio={reference / score:.1f} bound={REFERENCE_BOUND} (speed-up, higher is better)")
    store.close()


if __name__ == "__main__":
    main()
