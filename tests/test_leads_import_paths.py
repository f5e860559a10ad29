"""Files without quotes are split with str.split instead of the csv module; both readers must
give the same dataset and the same errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import AlignError
from model.leads import lead_columns, split_rows
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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "a", "1", "\x01", " x", "2025-01-01"]),
                         min_size=1, max_size=4), min_size=1, max_size=6),
       st.integers(min_value=1, max_value=4))
def test_split_rows_finds_exactly_the_blocks_whose_lines_have_the_width(lines, width):
    """`split_rows` checks the width of every line without splitting the block into lines;
    it must refuse a block whenever some line has another field count (even when the total
    count of fields would fit), and give the naive split otherwise."""
    block = "\n".join(",".join(cells) for cells in lines)
    found = split_rows(block, ",", width, len(lines))
    if all(len(cells) == width for cells in lines):
        assert found == [cell for cells in lines for cell in cells]
    else:
        assert found is None


def test_a_ragged_line_is_found_when_the_total_field_count_fits(tmp_path):
    """One line a field short and the next a field long: the file's cell count is right, the
    rows are not."""
    s = PlanStore.memory()
    with pytest.raises(AlignError, match=r"row 2 \(not counting the header\): 1 fields"):
        load(s, tmp_path, "id,n\na,1\nb\nc,3,4\nd,5\n")
