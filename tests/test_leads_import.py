"""Importing real-world CRM exports: types from the whole file, messy values, roles, append."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model.leads as leads_module
from model.errors import AlignError
from model.leads import (
    _Column,
    has_leads,
    import_leads_csv,
    is_won,
    lead_columns,
    lead_status,
    parse_number,
    plain_numbers,
    read_csv_header,
    sql_number_form,
)
from model.schema import LeadsRoles
from model.store import PlanStore
from tests.leads_helpers import leads_rows, load, write_csv


@pytest.fixture
def store():
    s = PlanStore.memory()
    yield s
    s.close()


def types(store):
    return {c.name: c.type for c in lead_columns(store)}


def test_types_and_storage_follow_the_contract(store, tmp_path):
    report = load(store, tmp_path,
                  "id,company,employees,signup,active\n"
                  "a1,Acme,\"1,200\",2025-03-01,yes\n"
                  "a2, Beta ,42,2025-01-15,no\n"
                  "a3,,,,\n")
    assert report.rows == 3 and report.total_rows == 3 and report.replaced
    assert types(store) == {"id": "text", "company": "text", "employees": "number",
                            "signup": "date", "active": "boolean"}
    rows = leads_rows(store)
    assert [r["_row"] for r in rows] == [1, 2, 3]
    assert rows[0] == {"_row": 1, "id": "a1", "company": "Acme", "employees": 1200.0,
                       "signup": "2025-03-01", "active": 1}
    assert rows[1]["company"] == "Beta" and rows[1]["active"] == 0
    assert rows[2] == {"_row": 3, "id": "a3", "company": None, "employees": None,
                       "signup": None, "active": None}
    declared = {c.name: c.type for c in store.db["leads"].columns}
    assert declared["employees"] == "REAL" and declared["active"] == "INTEGER"
    assert store.db.execute("SELECT typeof(employees) FROM leads WHERE _row = 2").fetchone()[0] \
        == "real"


def test_placeholders_read_as_blank_in_every_type(store, tmp_path):
    report = load(store, tmp_path,
                  "name,amount,day,flag\n"
                  "x,10,2025-01-01,true\n"
                  "N/A,-,null,none\n"
                  "?,unknown, n/a ,NULL\n"
                  "y,20,2025-01-02,false\n")
    assert types(store) == {"name": "text", "amount": "number", "day": "date", "flag": "boolean"}
    rows = leads_rows(store)
    for row in rows[1:3]:
        assert (row["name"], row["amount"], row["day"], row["flag"]) == (None, None, None, None)
    assert any("placeholder" in w for w in report.warnings)


@pytest.mark.parametrize("raw, value", [
    ("1,200", 1200.0), (" 42 ", 42.0), ("$1,200.50", 1200.5), ("-3.5", -3.5), ("1e3", 1000.0),
    ("€ 7", 7.0), ("-$5", -5.0), (".5", 0.5),
])
def test_numbers_stored_as_text_are_numbers(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["1,2", "12,34,5", "1.2.3", "abc", "--1", "nan", "inf", "1_000",
                                 "", "$", "12%"])
def test_things_that_are_not_numbers(raw):
    assert parse_number(raw) is None


def test_messy_number_column_is_converted(store, tmp_path):
    load(store, tmp_path, 'n\n"1,200"\n" 42 "\n"$1,200.50"\n\n-\n7\n')
    assert types(store) == {"n": "number"}
    assert [r["n"] for r in leads_rows(store)] == [1200.0, 42.0, 1200.5, None, 7.0]


def test_digits_of_other_scripts_are_the_numbers_and_dates_they_write(store, tmp_path):
    """Arabic-Indic digits read as numbers and dates (as Python reads them); SQLite's own
    conversion knows only ASCII digits, so these values must not be left to it."""
    load(store, tmp_path, "n,d\n\u0663,\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0665\n"
                          "4,2024-02-01\n")
    assert types(store) == {"n": "number", "d": "date"}
    assert [(r["n"], r["d"]) for r in leads_rows(store)] == [(3.0, "2024-01-05"),
                                                             (4.0, "2024-02-01")]


def test_numbers_are_stored_as_the_nearest_float_to_what_is_written(store, tmp_path):
    """SQLite's own text-to-number reading is sometimes a unit off in the last place; these
    values are among those it reads so."""
    written = ["95328.600864", "8095554.057149", "4706.50", "0.1", "123456789.123456789"]
    load(store, tmp_path, "n\n" + "\n".join(written) + "\n")
    assert [r["n"] for r in leads_rows(store)] == [float(w) for w in written]
    # The same places throughout: converted inside the INSERT, and still exact.
    load(store, tmp_path, "n\n95328.600864\n8095554.057149\n")
    assert [r["n"] for r in leads_rows(store)] == [95328.600864, 8095554.057149]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9).flatmap(lambda places: st.lists(
    st.builds(lambda whole, frac: f"{whole}.{frac:0{places}d}",
              st.integers(0, 10 ** (15 - places) - 1), st.integers(0, 10 ** places - 1)),
    min_size=1, max_size=30)))
def test_decimals_with_the_same_places_are_stored_as_python_reads_them(tmp_path_factory, written):
    """A column whose decimals all have the same places is converted by SQLite inside the
    INSERT (`sql_number_form`): each stored value is still the float of what is written."""
    store = PlanStore.memory()
    load(store, tmp_path_factory.mktemp("places"), "n\n" + "\n".join(written) + "\n")
    assert [r["n"] for r in leads_rows(store)] == [float(w) for w in written]
    store.close()


def test_a_placeholder_ignores_ascii_case_only(store, tmp_path):
    """`unKnown` with a Kelvin sign is not `unknown`: it is kept as written, in a text column
    as in a number column (which it makes text)."""
    load(store, tmp_path, "t,n\nUNKNOWN,N/A\nun\u212anown,un\u212anown\n x,5\n")
    assert types(store) == {"t": "text", "n": "text"}
    assert [(r["t"], r["n"]) for r in leads_rows(store)] == [
        (None, None), ("un\u212anown", "un\u212anown"), ("x", "5")]


def test_a_blank_line_read_apart_from_its_line_feed_is_skipped(store, tmp_path, monkeypatch):
    """With CRLF line ends, a read of the file can end between a blank line's \\r and \\n."""
    monkeypatch.setattr(leads_module, "_TEXT_BLOCK", 5)
    load(store, tmp_path, "c0,c1\r\n,x\r\n\r\n")
    assert [(r["c0"], r["c1"]) for r in leads_rows(store)] == [(None, "x")]


@pytest.mark.parametrize("content, line", [(b'c0\r\n5\r\n\r\n"\r', 4), (b'c0\n5\n"\n', 3)])
def test_a_quote_left_open_at_the_end_is_refused(store, tmp_path, content, line):
    with pytest.raises(AlignError, match=f"leads.csv, line {line}: a quote opening a field is "
                                         "never closed"):
        load(store, tmp_path, content)
    assert not has_leads(store)


def test_a_quote_left_open_in_the_last_column_does_not_swallow_the_rows_after_it(store,
                                                                                tmp_path):
    """A stray quote in a free-text column that ends each line: the row count still matches,
    but the rest of the file would become one note. Refused with the line where it opens."""
    rows = ["id,stage,notes"] + [f"{i},won,ok" for i in range(1, 1001)]
    rows[3] = '3,lost,"Call back after Q3'
    load(store, tmp_path, "c0,c1\n1,2\n")
    with pytest.raises(AlignError) as caught:
        load(store, tmp_path, "\n".join(rows) + "\n")
    assert str(caught.value) == (
        "leads.csv, line 4: the quote before “Call back after Q3” is never closed, so the field "
        "would run to the end of the file; close it, or double a quote meant as text (\"\")")
    assert [(r["c0"], r["c1"]) for r in leads_rows(store)] == [(1.0, 2.0)]
    # Closed by another field's quote 497 rows later: the text after that quote gives it away.
    rows[500] = '500,won,"ok"'
    with pytest.raises(AlignError, match="leads.csv, line 501: text follows the closing quote "
                                         "of a field opened on line 4; a quote meant as text"):
        load(store, tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(AlignError, match=r"leads.csv, line 2: text follows the closing quote; "):
        load(store, tmp_path, 'a,b\n1,"abc"def\n')


@pytest.mark.parametrize("content", [
    b'"a","b"\n"1","' + b"x" * 140_000 + b'"\n',
    b"a,b\n1," + b"x" * 140_000 + b'\n"3","4 5, 6"\n',
    b'a,b\n"1 2, 3","' + b"x" * 140_000 + b'"\n'])
def test_a_field_longer_than_the_csv_modules_default_limit_is_imported(store, tmp_path,
                                                                        content):
    """Whether the rows are split by blocks or read by the csv module (whose default cap is
    128 KiB a field), a long note imports."""
    load(store, tmp_path, content)
    assert len(leads_rows(store)[0]["b"]) == 140_000


def test_a_dash_after_a_lone_carriage_return_is_a_placeholder(store, tmp_path):
    report = load(store, tmp_path, b"c\r2-5ye\rx\r-\r")
    assert [r["c"] for r in leads_rows(store)] == ["2-5ye", "x", None]
    assert any("placeholder" in w for w in report.warnings)


def test_leading_space_after_a_lone_carriage_return_is_trimmed(store, tmp_path):
    load(store, tmp_path, "flag,code\r yes,x\rno,y\r")
    assert types(store) == {"flag": "boolean", "code": "text"}
    assert [(r["flag"], r["code"]) for r in leads_rows(store)] == [(1, "x"), (0, "y")]


def test_type_comes_from_the_whole_file_not_the_first_rows(store, tmp_path):
    lines = ["code,score"] + [f"{i},{i}" for i in range(30_000)] + ["X-1,5"]
    load(store, tmp_path, "\n".join(lines) + "\n")
    assert types(store) == {"code": "text", "score": "number"}
    assert leads_rows(store)[-1]["code"] == "X-1"
    assert leads_rows(store)[0]["code"] == "0"


def test_dates_in_several_formats(store, tmp_path):
    load(store, tmp_path,
         "iso,dmy,mdy,stamp,short\n"
         "2025-03-04,25/12/2024,12/25/2024,2025-03-04T10:22:00Z,25-12-24\n"
         "2025-03-05,03/04/2025,03/04/2025,2025-03-05 08:00,03-04-25\n")
    assert set(types(store).values()) == {"date"}
    first, second = leads_rows(store)
    assert (first["dmy"], first["mdy"], first["stamp"], first["short"]) == \
        ("2024-12-25", "2024-12-25", "2025-03-04", "2024-12-25")
    assert (second["dmy"], second["mdy"], second["short"]) == \
        ("2025-04-03", "2025-03-04", "2025-04-03")


def test_date_format_decides_ambiguous_columns(store, tmp_path):
    load(store, tmp_path, "day\n03/04/2025\n01/02/2025\n", date_format="%m/%d/%Y")
    assert [r["day"] for r in leads_rows(store)] == ["2025-03-04", "2025-01-02"]


def test_with_a_date_format_a_date_that_does_not_follow_it_is_not_guessed(store, tmp_path):
    """12/25/2024 under %d/%m/%Y: not read month first beside the others read day first; the
    column is text, and as a role's column the message names the value. ISO dates still read."""
    load(store, tmp_path, "day,iso\n03/04/2025,2025-01-02\n12/25/2024,2025-01-03\n",
         date_format="%d/%m/%Y")
    assert types(store) == {"day": "text", "iso": "date"}
    assert [r["iso"] for r in leads_rows(store)] == ["2025-01-02", "2025-01-03"]
    with pytest.raises(AlignError) as caught:
        load(store, tmp_path, "day\n03/04/2025\n12/25/2024\n", date_format="%d/%m/%Y",
             created="day")
    assert str(caught.value) == ("the created column 'day' holds text values, not dates: row 2 "
                                 "has '12/25/2024', which does not read as %d/%m/%Y")


def test_a_role_column_with_no_values_takes_the_roles_type(store, tmp_path):
    """New leads are open: their closed dates, and often amounts, are all blank."""
    report = load(store, tmp_path, "id,closed,amount,note\n1,,,\n2, ,N/A,\n", closed="closed",
                  amount="amount")
    assert types(store) == {"id": "number", "closed": "date", "amount": "number",
                            "note": "text"}
    assert report.rows == 2
    # A value that fits no type is text all the same, and the message says which.
    with pytest.raises(AlignError, match=r"the amount column 'amount' holds text values, not "
                                         r"numbers: row 2 has 'TBD'$"):
        load(store, tmp_path, "id,amount\n1,\n2,TBD\n3,500\n", amount="amount")


def test_same_day_and_month_is_not_ambiguous(store, tmp_path):
    load(store, tmp_path, "day\n01/01/2025\n07/07/2024\n")
    assert [r["day"] for r in leads_rows(store)] == ["2025-01-01", "2024-07-07"]


def test_invalid_calendar_date_makes_the_column_text(store, tmp_path):
    load(store, tmp_path, "day\n2025-02-30\n2025-01-01\n")
    assert types(store) == {"day": "text"}


def test_bom_quoted_commas_and_newlines(store, tmp_path):
    text = '\ufeffid,note,amount\n1,"Hello, world",5\n2,"two\nlines",6\n'
    load(store, tmp_path, text)
    rows = leads_rows(store)
    assert list(rows[0]) == ["_row", "id", "note", "amount"]
    assert rows[0]["note"] == "Hello, world" and rows[1]["note"] == "two\nlines"


def test_latin1_fallback(store, tmp_path):
    path = write_csv(tmp_path, "name,city\nJosé,Köln\n", encoding="latin-1")
    report = import_leads_csv(store, path, roles=LeadsRoles())
    assert report.encoding == "latin-1"
    assert leads_rows(store)[0]["city"] == "Köln"
    assert any("UTF-8" in w for w in report.warnings)


def test_latin1_found_late_still_trims_earlier_no_break_spaces(store, tmp_path, monkeypatch):
    """The first block reads as UTF-8 (`à` is C3 A0), a later one does not; as Windows-1252
    the first block holds `Ã` and a no-break space, which is trimmed like any space."""
    monkeypatch.setattr(leads_module, "_BLOCK", 16)
    content = "a,b\nx\u00e0,1\n".encode() + b"y,2\n" * 10 + b"z\xff,3\n"
    report = import_leads_csv(store, write_csv(tmp_path, content), roles=LeadsRoles())
    assert report.encoding == "latin-1"
    assert leads_rows(store)[0]["a"] == "x\u00c3"


@pytest.mark.parametrize("block", [1 << 20, 64])
def test_a_stray_latin1_byte_in_a_utf8_file_is_read_alone_as_latin1(store, tmp_path,
                                                                    monkeypatch, block):
    """One Latin-1 `é` pasted into a UTF-8 export: that byte reads as Windows-1252 and every
    other accented letter stays as written, rather than all of them garbled; the warning names
    the line. Also when the byte comes in a later block than the UTF-8 letters."""
    monkeypatch.setattr(leads_module, "_BLOCK", block)
    rows = [f"{i},Café {i}".encode() for i in range(1, 40)]
    rows[29] = b"30,Caf\xe9 30"
    report = import_leads_csv(store, write_csv(tmp_path, b"id,name\n" + b"\n".join(rows)),
                              roles=LeadsRoles())
    assert [r["name"] for r in leads_rows(store)] == [f"Café {i}" for i in range(1, 40)]
    assert report.encoding == "utf-8"
    assert "leads.csv is UTF-8 but for a byte that is not (the first on line 31), read as " \
           "Latin-1 (Windows-1252)" in report.warnings


def test_semicolon_delimited_export(store, tmp_path):
    load(store, tmp_path, "id;amount\na;1\nb;2\n")
    assert types(store) == {"id": "text", "amount": "number"}


def test_blank_duplicate_and_reserved_headers_are_renamed(store, tmp_path):
    report = load(store, tmp_path, " id ,,Name,name,_row\n1,2,3,4,5\n")
    assert [c.name for c in lead_columns(store)] == ["id", "column_2", "Name", "column_4",
                                                      "column_5"]
    assert len(report.warnings) == 3
    assert read_csv_header(tmp_path / "leads.csv") == [c.name for c in lead_columns(store)]


def test_odd_header_names_are_quoted_not_injected(store, tmp_path):
    odd = 'a"; DROP TABLE leads; --'
    load(store, tmp_path, f'"{odd.replace(chr(34), chr(34) * 2)}",b\nx,1\n')
    assert leads_rows(store)[0][odd] == "x"


def test_roles_saved_and_id_outcome_kept_as_text(store, tmp_path):
    load(store, tmp_path, "lead,won,amount,created\n007,1,10,2025-01-01\n008,0,20,2025-01-02\n",
         id="lead", outcome="won", won_values=[" 1 "], created="created", amount="amount")
    assert types(store)["lead"] == "text" and types(store)["won"] == "text"
    assert [r["lead"] for r in leads_rows(store)] == ["007", "008"]
    roles = store.leads_roles()
    assert roles.id == "lead" and roles.won_values == ["1"] and roles.created == "created"


def test_duplicate_ids_are_reported_not_fatal(store, tmp_path):
    report = load(store, tmp_path, "id,x\na,1\nb,2\na,3\n,4\n,5\nb,6\na,7\n", id="id")
    assert report.rows == 7
    assert report.duplicate_ids == 3
    assert report.duplicate_examples == ["a", "b"]
    assert report.duplicates_text() == "3 rows repeat an id"


def test_duplicate_ids_across_chunks(store, tmp_path):
    lines = ["id"] + [f"L{i}" for i in range(25_000)] + ["L3"]
    report = load(store, tmp_path, "\n".join(lines) + "\n", id="id")
    assert report.duplicate_ids == 1 and report.duplicate_examples == ["L3"]
    assert report.duplicates_text() == "1 row repeats an id"  # not "1 rows"


def test_append_adds_rows_with_existing_types(store, tmp_path):
    load(store, tmp_path, "id,amount\na,1\nb,2\n", id="id")
    report = load(store, tmp_path, "amount,id\n3,c\n,a\n", name="more.csv", replace=False,
                  id="id")
    assert not report.replaced and report.rows == 2 and report.total_rows == 4
    assert [(r["id"], r["amount"]) for r in leads_rows(store)] == \
        [("a", 1.0), ("b", 2.0), ("c", 3.0), ("a", None)]
    assert report.duplicate_ids == 1 and report.duplicate_examples == ["a"]
    # the count is the dataset's, old rows included: an append of unique rows says so
    assert report.duplicates_text() == "1 row repeats an id in the plan's leads, old and appended"


def test_one_and_zero_are_booleans_beside_yes_and_no(store, tmp_path):
    load(store, tmp_path, "id,paying,seats\na,yes,1\nb,1,0\nc,0,2\nd,No,1\n", id="id")
    types = dict(store.db.execute("SELECT name, type FROM leads_columns").fetchall())
    assert types["paying"] == "boolean" and types["seats"] == "number"
    load(store, tmp_path, "id,paying,seats\ne,1,3\nf,0,4\n", name="more.csv", replace=False,
         id="id")
    assert [(r["id"], r["paying"]) for r in leads_rows(store)] == [
        ("a", 1), ("b", 1), ("c", 0), ("d", 0), ("e", 1), ("f", 0)]


def test_append_to_nothing_creates_the_dataset(store, tmp_path):
    report = load(store, tmp_path, "id\na\n", replace=False)
    assert report.replaced and report.rows == 1


def test_replace_drops_the_old_dataset(store, tmp_path):
    load(store, tmp_path, "a,b\n1,2\n")
    load(store, tmp_path, "c\nx\ny\n", name="other.csv")
    assert [c.name for c in lead_columns(store)] == ["c"]
    assert len(leads_rows(store)) == 2


def test_progress_is_reported_up_to_the_total(store, tmp_path):
    seen = []
    load_path = write_csv(tmp_path, "a\n" + "x\n" * 100)
    import_leads_csv(store, load_path, roles=LeadsRoles(), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(d <= t for d, t in seen)


def test_won_and_status_semantics():
    roles = LeadsRoles(outcome="o", won_values=[" Won ", "YES"], closed="c")
    assert is_won(" won", roles) and is_won("yes ", roles) and not is_won("lost", roles)
    assert not is_won(None, roles)
    assert lead_status("won", False, roles) == "open"
    assert lead_status("won", True, roles) == "won"
    assert lead_status("lost", True, roles) == "lost"
    # DESIGN §6: a deal with a closed date is won on a won value and lost otherwise
    assert lead_status(None, True, roles) == "lost"
    no_closed = LeadsRoles(outcome="o", won_values=["1"])
    assert lead_status(None, False, no_closed) == "open"
    assert lead_status("0", False, no_closed) == "lost"
    assert lead_status("1", False, LeadsRoles()) is None


def test_ss_casefold_outcome():
    roles = LeadsRoles(outcome="o", won_values=["STRASSE"])
    assert is_won("straße", roles)


def test_import_error_raises_align_error_type(store, tmp_path):
    with pytest.raises(AlignError):
        load(store, tmp_path, "")


@pytest.mark.parametrize("text, expected", [
    ("v\n x\n", "x"),
    ("v\nx \n", "x"),
    ("v\nx\t\n", "x"),
    ('v\n" x"\n', "x"),
    ('v\n"x\n"\n', "x"),
    ("v\n\u00a0x\n", "x"),
    ("v\nx\u3000\n", "x"),
    ("v\nx ", "x"),
    ('v\n"x "', "x"),
])
def test_padding_anywhere_is_trimmed(store, tmp_path, text, expected):
    load(store, tmp_path, text)
    assert leads_rows(store)[0]["v"] == expected


@pytest.mark.parametrize("text, expected", [
    ("v,w\nx,-", [("x", None)]),
    ("v,w\nx,q\nz,-", [("x", "q"), ("z", None)]),
    ("v,w\n-,q\n", [(None, "q")]),
    ('v,w\n"-",q\n', [(None, "q")]),
    ("v,w\nx,N/A\n", [("x", None)]),
])
def test_placeholder_anywhere_is_blank(store, tmp_path, text, expected):
    load(store, tmp_path, text)
    assert [(r["v"], r["w"]) for r in leads_rows(store)] == expected


def test_single_column_placeholder_lines(store, tmp_path):
    load(store, tmp_path, "v\n-\nq\n-")
    assert [r["v"] for r in leads_rows(store)] == [None, "q", None]


@given(st.lists(st.text(alphabet="0123456789.e+-\u0663 ", max_size=6), max_size=8))
def test_a_column_of_plain_numbers_is_one_parse_number_accepts(values):
    """The whole-column check may say yes only when each value, read alone, is a number as
    written (or blank)."""
    if plain_numbers(values, "".join(values)):
        for value in values:
            assert value == "" or parse_number(value) == float(value)


@pytest.mark.parametrize("values, plain", [
    (["42", "", "4706.50", ".5", "1.", "007"], True),
    ([""], True),
    (["1.2.3"], False), (["."], False), (["1", "."], False), (["-1"], False), (["1e5"], False),
    (["+2"], False), (["\u0663"], False), (["1" * 301], False), (["1" * 300], True),
    ([" 1"], False), (["1,200"], False),
])
def test_plain_numbers_examples(values, plain):
    assert plain_numbers(values, "".join(values)) is plain


def _sqlite_reads(values: list[str], form: int) -> list[Any]:
    """The values as the import's INSERT stores them into a REAL column."""
    column = _Column("v", 0, "number", None)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v REAL)")
    conn.executemany(f"INSERT INTO t (v) VALUES ({column.sql_expression('?', form)})",
                     [[v] for v in values])
    return [r[0] for r in conn.execute("SELECT v FROM t ORDER BY n")]


_number_texts = st.one_of(
    st.text(alphabet="0123456789", max_size=17),
    st.builds(lambda whole, places, digits: whole + "." + digits[:places].ljust(places, "0"),
              st.text(alphabet="0123456789", min_size=1, max_size=16), st.integers(1, 15),
              st.text(alphabet="0123456789", max_size=15)),
    st.sampled_from(["", ".5", "1.", "1.2.3", "12.50", "0.10", "-1", "1e5", "\u0663"]))


@given(st.lists(_number_texts, min_size=1, max_size=20))
def test_what_sqlite_is_trusted_to_read_it_reads_as_python_does(values):
    """The import leaves a chunk of numbers to SQLite only when it gives Python's floats, bit
    for bit: whole numbers, and decimals with the same number of places."""
    form = sql_number_form(values, "".join(values))
    if form is not None:
        read = _sqlite_reads(values, form)
        assert read == [float(v) if v else None for v in values]
        assert all(type(v) is float for v in read if v is not None)


@pytest.mark.parametrize("values, form", [
    (["1" * 15, "", "007"], 0), ([""], 0), (["4706.50", "", "0.10", "12.00"], 2),
    (["95328.600864"], 6), (["1" * 13 + ".50"], 2),
    (["1" * 16], None), (["1" * 14 + ".50"], None), (["4706.5", "4706.50"], None),
    (["1.2.3"], None), ([".5"], None), (["1."], None), (["1", "2.5"], None), (["-1"], None),
    (["1e5"], None), (["\u0663"], None), (["1.5", "2.5."], None), ([".", "1.5"], None),
])
def test_number_forms_left_to_sqlite(values, form):
    assert sql_number_form(values, "".join(values)) == form


def test_decimals_sqlite_can_misread_are_read_exactly():
    """SQLite's own reading of `95328.600864` can be a unit off in the last place; divided from
    its digits, it is the float Python reads."""
    assert _sqlite_reads(["95328.600864"], 6) == [95328.600864]


def placeholder_warned(report, column):
    return any(w.startswith(f"column {column!r}: placeholder") for w in report.warnings)


def test_a_padded_placeholder_in_a_text_column_is_reported(store, tmp_path, monkeypatch):
    """The first block makes `note` text; a later one holds ` n/a `, which reads as blank and
    so must be named in the warning, although it is not written exactly as a placeholder."""
    monkeypatch.setattr(leads_module, "_TEXT_BLOCK", 64)
    body = "".join(f"r{i},word{i}\n" for i in range(20)) + "r20, n/a \nr21,end\n"
    report = load(store, tmp_path, "id,note\n" + body)
    assert types(store)["note"] == "text"
    assert [r["note"] for r in leads_rows(store)][20] is None
    assert placeholder_warned(report, "note")


@pytest.mark.parametrize("values", [["abc", " n/a ", "def"], [" n/a ", "abc", "def"],
                                    ["abc", "def", " n/a "]])
def test_the_placeholder_warning_does_not_hang_on_the_order_of_values(store, tmp_path,
                                                                        values):
    """A value that makes a column text and a padded placeholder in the same block: the
    column is reported whichever the first pass looks at first."""
    report = load(store, tmp_path, "id,note\n" + "".join(
        f"r{i},{v}\n" for i, v in enumerate(values)))
    assert placeholder_warned(report, "note")
    assert not placeholder_warned(report, "id")


@pytest.mark.parametrize("text", [
    "id,n,t\n,,\n1,5,a\n,,\n,\n2,,b\n,,\n",  # split by blocks
    '"id","n","t"\n"","",""\n"1","5","a"\n""\n"2","","b"\n',  # every field quoted
    'id,n,t\n1,5,"a"\n"",,\n2,,b\n',  # an empty quoted field: read by the csv module
    'id,n,t\n1,5,a"\n,,\n2,,b\n',  # a quote inside a field: read by the csv module
])
def test_rows_with_every_field_empty_are_skipped_as_blank_lines(store, tmp_path, text):
    """Spreadsheets write ",,," for rows that once held something: no lead comes of them,
    however the file is read, and the row numbers in messages skip them as blank lines."""
    report = load(store, tmp_path, text)
    assert report.rows == 2
    assert [(r["id"], r["n"]) for r in leads_rows(store)] == [(1.0, 5.0), (2.0, None)]
    with pytest.raises(AlignError, match=r"row 3 \(not counting the header\): 2 fields"):
        load(store, tmp_path, text.rstrip("\n") + "\n,,\n3,x\n")


def test_a_line_of_delimiters_before_the_header_is_skipped(store, tmp_path):
    """A spreadsheet with an empty first row: the header is the first line with a name."""
    load(store, tmp_path, ",,\nid,n,t\n1,5,a\n")
    assert list(types(store)) == ["id", "n", "t"]


def test_an_append_reads_names_as_the_dataset_spells_them(store, tmp_path):
    """A re-export may change a header's case, or write an accent decomposed where the dataset
    has it composed (or, from an older import, the other way round): the rows go under the
    dataset's columns, and roles name them either way."""
    decomposed = "Soci\u0065\u0301t\u0065\u0301"
    load(store, tmp_path, f"id,{decomposed}\n1,a\n", id="id")  # the id role keeps ids text
    with store.transaction():  # as an older import left it: the name decomposed
        store.conn.execute(f'ALTER TABLE leads RENAME COLUMN "Société" TO "{decomposed}"')
        store.conn.execute("UPDATE leads_columns SET name = ? WHERE name = 'Société'",
                           (decomposed,))
    report = load(store, tmp_path, "ID,SOCIÉTÉ\n2,b\n", replace=False, id="id")
    assert report.total_rows == 2
    assert [(r["id"], r[decomposed]) for r in leads_rows(store)] == [("1", "a"), ("2", "b")]
    assert store.leads_roles().id == "id"
    load(store, tmp_path, f"id,{decomposed}\n3,c\n", id="ID", outcome="Société",
         won_values=["c"])
    assert (store.leads_roles().id, store.leads_roles().outcome) == ("id", "Société")


def test_spaces_after_a_closing_quote_are_named(store, tmp_path):
    with pytest.raises(AlignError, match=r'leads.csv, line 2: spaces follow a closing quote '
                                         r'\("…" ,\); remove them, or put them inside'):
        load(store, tmp_path, 'a,b\n"x" ,y\n1,2\n')


def test_a_bom_says_utf8_for_a_stray_byte_in_an_otherwise_ascii_file(store, tmp_path):
    report = import_leads_csv(store, write_csv(tmp_path, b"\xef\xbb\xbfid,name\nr1,caf\xe9\n"
                                                          b"r2,x\n"), roles=LeadsRoles(id="id"))
    assert report.encoding == "utf-8" and [c.name for c in report.columns] == ["id", "name"]
    assert [r["name"] for r in leads_rows(store)] == ["café", "x"]
    assert read_csv_header(write_csv(tmp_path, "id,montant_é\n".encode() + b"1,caf\xe9\n",
                                     "h.csv")) == ["id", "montant_é"]


def test_header_names_are_stored_composed(store, tmp_path):
    """Société written as e + combining accent (NFD) is the Société of a file written
    composed: an append of one onto the other matches, and rules name it one way."""
    decomposed = "Soci\u0065\u0301t\u0065\u0301"
    load(store, tmp_path, f"id,{decomposed}\n1,a\n")
    assert list(types(store)) == ["id", "Société"]
    load(store, tmp_path, "id,Société\n2,b\n", replace=False)
    assert [r["Société"] for r in leads_rows(store)] == ["a", "b"]
