"""Import of a 1,000,000-row, 10-column CRM export against the sqlite3 command line's `.import`
of the same file. Bound (DESIGN §8): ratio ≤ 1.5. For scale it also times the least a Python
import can do (split the cells and insert them as text, no types, no checks).

Run: python bench/bench_leads_import.py [ROWS]. The CSV is generated once under bench/data/.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.leads import import_leads_csv  # noqa: E402
from model.schema import LeadsRoles  # noqa: E402
from model.store import PlanStore  # noqa: E402

DATA = ROOT / "bench" / "data"
BOUND = 1.5
HEADER = ["lead_id", "created", "closed", "industry", "country", "employees", "amount", "source",
          "converted", "email_opens"]
ROLES = LeadsRoles(id="lead_id", outcome="converted", won_values=["1"], created="created",
                   closed="closed", amount="amount")


def generate_csv(rows: int) -> Path:
    """A CRM-like export: ids, ISO dates with 40 % of closed dates blank, a few blank employee
    counts, categorical text, amounts with cents, a 0/1 outcome. Deterministic."""
    path = DATA / f"leads_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    industries = ["SaaS", "Retail", "Manufacturing", "Finance", "Healthcare", "Education"]
    countries = ["US", "DE", "FR", "GB", "NL", "ES", "CA"]
    sources = ["web", "referral", "event", "ads", "partner"]
    start = dt.date(2024, 1, 1)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            created = start + dt.timedelta(days=rnd.randrange(700))
            closed = (created + dt.timedelta(days=rnd.randrange(90))).isoformat() \
                if rnd.random() < 0.6 else ""
            writer.writerow([
                f"L{i:07d}", created.isoformat(), closed, rnd.choice(industries),
                rnd.choice(countries), rnd.randrange(1, 5000) if rnd.random() < 0.95 else "",
                f"{rnd.random() * 50000:.2f}", rnd.choice(sources),
                "1" if rnd.random() < 0.2 else "0", rnd.randrange(40)])
    tmp.replace(path)
    return path


def sqlite3_cli() -> str:
    found = shutil.which("sqlite3")
    if not found:
        sys.exit("the sqlite3 command line is needed (Debian: apt-get install sqlite3)")
    return found


def time_cli_import(cli: str, path: Path) -> float:
    db = DATA / "cli_import.db"
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([cli, str(db), ".mode csv", f".import {path} leads"], check=True)
    elapsed = time.perf_counter() - start
    db.unlink(missing_ok=True)
    return elapsed


def time_bare_insert(path: Path) -> float:
    """What any import written in Python on the sqlite3 module pays before checking a single
    value: read the file, split it into cells and insert them as text, 100 rows a statement
    (str.split rather than the csv module: the fastest way for this file, which has no quotes).
    Not an importer (no types, no checks, no messy data); a floor for the ratio."""
    db = DATA / "bare_insert.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    width = len(HEADER)
    rows_per = 100
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(f"CREATE TABLE leads ({', '.join(f'c{i} TEXT' for i in range(width))})")
    one = "(" + ", ".join("?" * width) + ")"
    many = f"INSERT INTO leads VALUES {', '.join([one] * rows_per)}"
    single = f"INSERT INTO leads VALUES {one}"
    with path.open(encoding="utf-8", newline="") as fh:
        fh.readline()
        rest = ""
        while block := fh.read(4 << 20):
            block = rest + block
            cut = block.rfind("\n")
            block, rest = block[:cut], block[cut + 1:]
            cells = block.replace("\n", ",").split(",")
            step = width * rows_per
            full = len(cells) // step * step
            conn.executemany(many, (cells[i:i + step] for i in range(0, full, step)))
            conn.executemany(single, (cells[i:i + width] for i in range(full, len(cells), width)))
        if rest.strip():
            conn.execute(single, rest.split(","))
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] > 0
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed


def time_align_import(path: Path) -> tuple[float, int]:
    db = DATA / "align_import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = PlanStore.open(db)
    start = time.perf_counter()
    report = import_leads_csv(store, path, roles=ROLES)
    elapsed = time.perf_counter() - start
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed, report.rows


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = generate_csv(rows)
    cli = sqlite3_cli()
    size = path.stat().st_size / 1e6
    cli_times, align_times, bare_times = [], [], []
    for _ in range(2):
        cli_times.append(time_cli_import(cli, path))
        elapsed, imported = time_align_import(path)
        assert imported == rows
        align_times.append(elapsed)
        bare_times.append(time_bare_insert(path))
    cli_best, align_best, bare_best = min(cli_times), min(align_times), min(bare_times)
    print(f"file: {rows:,} rows x {len(HEADER)} columns, {size:.0f} MB")
    print(f"sqlite3 .import: {cli_best:.2f} s (best of {len(cli_times)}); "
          f"align leads import: {align_best:.2f} s (best of {len(align_times)})")
    print(f"for scale, cells split and inserted as text from Python with no checks at all: "
          f"{bare_best:.2f} s, {bare_best / cli_best:.2f} x .import")
    print(f"ratio={align_best / cli_best:.2f} bound={BOUND}")


if __name__ == "__main__":
    main()
