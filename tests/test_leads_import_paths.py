"""Files without quotes are split with str.split instead of the csv module; both readers must
give the same dataset and the same errors."""

from __future__ import annotations

import pytest

from model.errors import AlignError
from model.leads import lead_columns
from model.store import PlanStore
from tests.leads_helpers import leads_rows, load

PLAIN = "id,amount,day,flag,name\na,1,2025-01-01,yes,x\nb,,2025-01-02,no,-\nc,3,,,z\n"


def dataset(text, tmp_path, name="leads.csv"):
    s = PlanStore.memory()
    load(s, tmp_path, text, name=name)
    return leads_rows(s), [(c.name, c.type) for c in lead_columns(s)]


def quoted(text):
    """The same table with one harmless quoted cell, which sends it through the csv module."""
    return text.replace("\na,", '\n"a",', 1)


@pytest.mark.parametrize("text", [
    PLAIN,
    PLAIN.replace("\n", "\r\n"),
    PLAIN.rstrip("\n"),
    PLAIN.replace("\nb,", "\n\n\nb,") + "\n\n",
    PLAIN.replace(",", ";"),
])
def test_both_readers_agree(tmp_path, text):
    fast = dataset(text, tmp_path, "fast.csv")
    slow = dataset(quoted(text), tmp_path, "slow.csv")
    assert fast == slow
    assert [r["id"] for r in fast[0]] == ["a", "b", "c"]
    assert fast[0][1]["name"] is None


def test_lone_carriage_returns_end_lines(tmp_path):
    rows, _ = dataset(PLAIN.replace("\n", "\r"), tmp_path)
    assert [r["id"] for r in rows] == ["a", "b", "c"]


def test_ragged_row_far_into_a_big_file_names_its_row(tmp_path):
    lines = ["id,n"] + [f"r{i},{i}" for i in range(500_000)]
    lines[450_001] = "oops"
    s = PlanStore.memory()
    with pytest.raises(AlignError, match=r"row 450,001 \(not counting the header\): 1 fields"):
        load(s, tmp_path, "\n".join(lines) + "\n")


def test_big_file_keeps_every_row_in_order(tmp_path):
    lines = ["id,n"] + [f"r{i},{i}" for i in range(500_000)]
    s = PlanStore.memory()
    report = load(s, tmp_path, "\n".join(lines))
    assert report.rows == 500_000
    last = s.db.execute("SELECT _row, id, n FROM leads ORDER BY _row DESC LIMIT 1").fetchone()
    assert last == (500_000, "r499999", 499_999.0)
