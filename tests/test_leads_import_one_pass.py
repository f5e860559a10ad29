"""The import writes rows while it reads the file, under the types its rows have shown so far,
and writes them all again in a second pass when a later row changes a column's type. Whichever
way it goes, the dataset must be the one a two-pass import (types decided first, rows written
after) gives."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model.leads as leads_module
from model.errors import AlignError
from model.leads import import_leads_csv, lead_columns
from model.schema import LeadsRoles
from model.store import PlanStore
from tests.leads_helpers import leads_rows, write_csv

CELLS = ["", " ", "N/A", "-", "1", "007", "2.5", "-3e2", "$1,200", "1e400", "abc", " padded ",
         "2024-01-05", "2024-01-05 10:30", "05/05/2024", "13/04/2024", "04/13/2024", "03/04/2024",
         "yes", "No", "TRUE", "x,y", "two\nlines", "95328.600864", "0.10", "12.50", "un\u212anown"]


def _import(tmp_path, text: str, name: str, **kwargs):
    store = PlanStore.memory()
    path = write_csv(tmp_path, text, name)
    try:
        report = import_leads_csv(store, path, roles=LeadsRoles(**kwargs.pop("roles", {})),
                                  **kwargs)
    except AlignError as exc:
        return ("error", str(exc).replace(name, "FILE"))
    found = (leads_rows(store), [(c.name, c.type) for c in lead_columns(store)],
             report.rows, report.duplicate_ids, report.warnings)
    store.close()
    return found


def _two_passes(monkeypatch, tmp_path, text: str, **kwargs):
    """The same import with nothing written during the first pass."""
    with monkeypatch.context() as m:
        m.setattr(leads_module._Speculation, "write",
                  lambda self, columns, cells, count, first_row: self.abandon())
        return _import(tmp_path, text, "two.csv", **kwargs)


def _csv_line(cells: list[str]) -> str:
    return ",".join(f'"{c}"' if ("," in c or "\n" in c) else c for c in cells)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=3).flatmap(lambda width: st.lists(
    st.lists(st.sampled_from(CELLS), min_size=width, max_size=width), min_size=1, max_size=14)),
    st.integers(min_value=1, max_value=4), st.sampled_from([None, "%d.%m.%Y"]))
def test_one_pass_gives_the_two_pass_dataset(tmp_path_factory, rows, chunk, date_format):
    """Chunks of a few rows, so types and date orders change between chunks: the dataset, the
    column types, the counts and warnings (or the error) match the two-pass import's."""
    tmp_path = tmp_path_factory.mktemp("one_pass")
    width = len(rows[0])
    text = ",".join(f"c{i}" for i in range(width)) + "\n" + "\n".join(map(_csv_line, rows)) + "\n"
    with pytest.MonkeyPatch.context() as m:
        m.setattr(leads_module, "CHUNK_ROWS", chunk)
        m.setattr(leads_module, "_TEXT_BLOCK", 8 * chunk)
        one = _import(tmp_path, text, "one.csv", date_format=date_format)
        two = _two_passes(m, tmp_path, text, date_format=date_format)
    assert one == two


def test_a_clean_file_is_read_once(tmp_path, monkeypatch):
    def second_pass(*args, **kwargs):
        raise AssertionError("the file was read a second time")

    monkeypatch.setattr(leads_module, "_second_pass", second_pass)
    lines = ["id,amount,day,flag,name"] + [f"r{i},{i}.5,2025-01-{i % 28 + 1:02d},yes,n{i}"
                                           for i in range(50_000)]
    store = PlanStore.memory()
    report = import_leads_csv(store, write_csv(tmp_path, "\n".join(lines)),
                              roles=LeadsRoles(id="id"))
    assert report.rows == 50_000
    assert [(c.name, c.type) for c in lead_columns(store)] == [
        ("id", "text"), ("amount", "number"), ("day", "date"), ("flag", "boolean"),
        ("name", "text")]
    assert store.conn.execute("SELECT sum(amount), count(*) FROM leads").fetchone() == (
        sum(i + 0.5 for i in range(50_000)), 50_000)


def test_a_word_late_in_a_number_column_makes_it_text_as_written(tmp_path, monkeypatch):
    """Rows 1–29,999 look like numbers (the first chunk says number); row 30,000 does not. The
    rows written as numbers are written again, as the text the file holds."""
    passes = []
    second_pass = leads_module._second_pass
    monkeypatch.setattr(leads_module, "_second_pass",
                        lambda *a, **k: passes.append(2) or second_pass(*a, **k))
    lines = ["id,code"] + [f"r{i},{i:05d}" for i in range(1, 30_000)] + ["r30000,A-77"]
    store = PlanStore.memory()
    seen = []
    import_leads_csv(store, write_csv(tmp_path, "\n".join(lines)), roles=LeadsRoles(id="id"),
                     progress=lambda d, t: seen.append((d, t)))
    assert passes == [2]
    assert dict((c.name, c.type) for c in lead_columns(store))["code"] == "text"
    rows = store.conn.execute("SELECT code FROM leads ORDER BY _row").fetchall()
    assert rows[0] == ("00001",) and rows[-1] == ("A-77",) and len(rows) == 30_000
    assert seen[-1][0] == seen[-1][1] and all(d <= t for d, t in seen)


def test_a_bad_row_late_in_the_file_leaves_the_previous_dataset(tmp_path):
    store = PlanStore.memory()
    import_leads_csv(store, write_csv(tmp_path, "id,n\nold,1\n", "old.csv"),
                     roles=LeadsRoles(id="id"))
    lines = ["id,n"] + [f"r{i},{i}" for i in range(30_000)] + ["r30000,1,2"]
    with pytest.raises(AlignError, match="row 30,001"):
        import_leads_csv(store, write_csv(tmp_path, "\n".join(lines)), roles=LeadsRoles(id="id"))
    assert leads_rows(store) == [{"_row": 1, "id": "old", "n": 1.0}]
    assert store.conn.in_transaction is False


HINT_CELLS = ["", "x", "5", "-", "-5", "a-b", "?", "N/A", "nULL", "none", "Unknown", "un\u212anown",
              " x", "x ", "\tx", "x\t", "\u00a0x", "x\u3000", "\x0bx", "1 2", "2024-01-05", "é",
              "x\n", "\nnull", "a, b"]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=3).flatmap(lambda width: st.lists(
    st.lists(st.sampled_from(HINT_CELLS), min_size=width, max_size=width), min_size=1,
    max_size=12)), st.integers(min_value=1, max_value=3), st.booleans(),
    st.sampled_from(["none", "all", "some"]), st.sampled_from([",", "\t"]))
def test_hints_only_spare_checks_never_change_the_dataset(tmp_path_factory, rows, block,
                                                          crlf, quoting, delimiter):
    """What the byte pass and each block's own look rule out (padding, placeholders), and the
    quick per-column looks, only skip checks: the dataset is the one an import that checks
    every cell gives, whether the file has no quotes, quotes every field or quotes only the
    fields that need it."""
    tmp_path = tmp_path_factory.mktemp("hints")
    width = len(rows[0])
    end = "\r\n" if crlf else "\n"
    d = delimiter
    if quoting == "all":
        lines = [d.join(f'"{c}"' for c in row) for row in rows]
    elif quoting == "some":
        lines = [d.join(f'"{c}"' if d in c or "\n" in c else c for c in row) for row in rows]
    else:
        lines = [d.join(c.replace("\n", "").replace(d, "") for c in row) for row in rows]
    text = d.join(f"c{i}" for i in range(width)) + end + end.join(lines) + end
    byte_hints = leads_module._byte_hints
    with pytest.MonkeyPatch.context() as m:
        m.setattr(leads_module, "_TEXT_BLOCK", 6 * block)
        m.setattr(leads_module, "CHUNK_ROWS", block)
        hinted = _import(tmp_path, text, "hinted.csv")
        m.setattr(leads_module, "_byte_hints", lambda path, delimiter: leads_module.dataclasses.replace(
            byte_hints(path, delimiter), padded=True, placeholder=True))
        m.setattr(leads_module, "_block_hints", lambda hints, text, delimiter: hints)
        m.setattr(leads_module, "_holds_padding", lambda text: bool(
            leads_module._SEP_THEN_SPACE.search(text)
            or leads_module._SEP_THEN_SPACE.search(text[::-1])))
        m.setattr(leads_module, "_holds_placeholder", lambda text, col, padded: any(
            leads_module._blank_kind(v.strip() if padded else v) == leads_module._PLACEHOLDER
            for v in col))
        checked = _import(tmp_path, text, "checked.csv")
    assert hinted == checked


QUOTE_CELLS = ["", "x", "5", "a b", " x", "N/A", "2024-01-05", "a,b", 'say "hi"', "two\nlines",
               "cr\rhere", "crlf\r\nhere", '"', ",", "\n", 'x"', "é"]


def _csv_only(self, width, rows, quoted=False):
    """The reader with no block splitting: everything through the csv module."""
    self.pending, self.pending_lines = self.text.read(), 0
    return iter(())


def _split_and_whole(tmp_path, text: str, text_block: int, chunk: int):
    """The import with blocks of `text_block` characters and chunks of `chunk` rows, and the
    same import with every row read by the csv module."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(leads_module, "_TEXT_BLOCK", text_block)
        m.setattr(leads_module, "CHUNK_ROWS", chunk)
        split = _import(tmp_path, text, "split.csv")
        m.setattr(leads_module._Reader, "_simple_blocks", _csv_only)
        return split, _import(tmp_path, text, "whole.csv")


@settings(max_examples=250, deadline=None)
@given(st.integers(min_value=1, max_value=3).flatmap(lambda width: st.lists(
    st.lists(st.sampled_from(QUOTE_CELLS), min_size=width, max_size=width), min_size=1,
    max_size=10)), st.integers(min_value=1, max_value=4),
    st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]), st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([",", ";", "\t"]), st.booleans())
def test_quoted_files_split_by_blocks_read_as_the_csv_module_reads_them(
        tmp_path_factory, rows, block, quoting, end, delimiter, blank_line):
    """Blocks of a quoted file are split directly while they have no quotes or every field
    quoted; the dataset, types, warnings and errors (line numbers included) are the ones the csv
    module alone gives."""
    tmp_path = tmp_path_factory.mktemp("quoted")
    out = io.StringIO()
    writer = csv.writer(out, quoting=quoting, lineterminator=end, delimiter=delimiter)
    writer.writerow([f"c{i}" for i in range(len(rows[0]))])
    writer.writerows(rows[:1])
    if blank_line:
        out.write(end)
    writer.writerows(rows[1:])
    split, whole = _split_and_whole(tmp_path, out.getvalue(), 5 * block, block)
    assert split == whole


@pytest.mark.parametrize("block, text", [
    ('"a","","b"', "a,,b"), ('"a"\n"b"', "a\nb"), ('"a"', "a"), ('""', ""),
    ('","', None), ('""\n","\n""', None), ('"a,b"', None), ('"a""b"', None),
    ('"a",b', None), ('a,"b"', None), ('"a\nb"', None), ('"a"\n\n"b"', None), ('"', None),
])
def test_unquote_takes_only_blocks_whose_every_field_is_quoted(block, text):
    assert leads_module._unquote(block, ",") == text


@pytest.mark.parametrize("block, lifted, values", [
    ('a,"x,y",b', "a,\x02,b", ["x,y"]),
    ('"a""b",c\n1,""', "\x02,c\n1,\x02", ['a"b', ""]),
    ('"two\nlines",x', "\x02,x", ["two\nlines"]),
    ('x,""""', "x,\x02", ['"']),
    ('"a"\n"b"', "\x02\n\x02", ["a", "b"]),
    ('a,b"c', None, None),  # a quote inside an unquoted field
    ('"a"b,c', None, None),  # text after the closing quote
    (' "a",b', None, None),  # a space before the opening quote
    ('"abc""', None, None),  # left open: the doubled quote is a quote inside
    ('x,"abc', None, None),
    ('"a",\x02', None, None),  # the mark character itself
])
def test_lift_quoted_takes_only_quotes_that_make_whole_fields(block, lifted, values):
    found = leads_module._lift_quoted(block, ",")
    assert found == (None if lifted is None else (lifted, values))


@pytest.mark.parametrize("text, column, expected", [
    ('a\tb\n"\tx"\ty\n', "a", ["x"]),
    ('a\tb\nx\tx\n"\t-"\ty\n', "a", ["x", None]),
    ('n\tm\n1\tx\n"n/a\t"\ty\n', "n", [1.0, None]),
])
def test_a_quoted_value_padded_with_the_tab_delimiter_is_trimmed(tmp_path, text, column,
                                                                 expected):
    store = PlanStore.memory()
    import_leads_csv(store, write_csv(tmp_path, text), roles=LeadsRoles())
    assert [row[column] for row in leads_rows(store)] == expected


def test_a_file_quoting_only_some_fields_is_split_without_the_csv_module(tmp_path, monkeypatch):
    """As spreadsheets and most CRMs write CSV: quotes only where a value holds a comma, a
    quote or a line break."""
    def csv_module(*args, **kwargs):
        raise AssertionError("the csv module read the rows")

    monkeypatch.setattr(leads_module._Reader, "chunks", csv_module)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "company", "amount", "note"])
    notes = ["", "called twice", 'said "maybe"', "line one\nline two"]
    writer.writerows([f"r{i}", f"Acme {i}, Inc." if i % 3 else f"Solo {i}", f"{i}.25", notes[i % 4]]
                     for i in range(30_000))
    store = PlanStore.memory()
    report = import_leads_csv(store, write_csv(tmp_path, out.getvalue()),
                              roles=LeadsRoles(id="id"))
    assert report.rows == 30_000
    assert [(c.name, c.type) for c in lead_columns(store)] == [
        ("id", "text"), ("company", "text"), ("amount", "number"), ("note", "text")]
    rows = store.conn.execute("SELECT company, note FROM leads WHERE _row IN (3, 4, 5) "
                              "ORDER BY _row").fetchall()
    assert rows == [("Acme 2, Inc.", 'said "maybe"'), ("Solo 3", "line one\nline two"),
                    ("Acme 4, Inc.", None)]
    assert store.conn.execute("SELECT sum(amount) FROM leads").fetchone()[0] == sum(
        i + 0.25 for i in range(30_000))


def test_a_file_whose_every_field_is_quoted_is_split_without_the_csv_module(tmp_path,
                                                                           monkeypatch):
    def csv_module(*args, **kwargs):
        raise AssertionError("the csv module read the rows")

    monkeypatch.setattr(leads_module._Reader, "chunks", csv_module)
    lines = ['"id","amount","day"'] + [f'"r{i}","{i}.50","2025-01-{i % 28 + 1:02d}"'
                                       for i in range(30_000)]
    store = PlanStore.memory()
    report = import_leads_csv(store, write_csv(tmp_path, "\r\n".join(lines) + "\r\n"),
                              roles=LeadsRoles(id="id"))
    assert report.rows == 30_000
    assert [(c.name, c.type) for c in lead_columns(store)] == [
        ("id", "text"), ("amount", "number"), ("day", "date")]
    assert store.conn.execute("SELECT sum(amount) FROM leads").fetchone()[0] == sum(
        i + 0.5 for i in range(30_000))


FRAGMENTS = ["a", "5", "-", " ", '"', '""', ",", ";", "\n", "\r", "\r\n", 'x"y', "N/A", "é"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30), st.integers(min_value=1, max_value=6),
       st.sampled_from(['c0,c1\n', '"c0","c1"\r\n', "c0\n"]))
def test_hand_made_quoting_reads_as_the_csv_module_reads_it(tmp_path_factory, fragments, block,
                                                            header):
    """Quotes in odd places, lone carriage returns, unclosed quotes at the end: whatever the
    blocks make of it, the result is the csv module's."""
    tmp_path = tmp_path_factory.mktemp("hand")
    split, whole = _split_and_whole(tmp_path, header + "".join(fragments), 3 * block, block)
    assert split == whole
