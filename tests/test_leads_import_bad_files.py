"""A corpus of bad CSV files: each is refused with a message that says what and where, and the
dataset imported before stays exactly as it was."""

from __future__ import annotations

import pytest

import model.leads as leads_module
from model.errors import AlignError
from model.leads import import_leads_csv, lead_columns
from model.schema import LeadsRoles
from model.store import PlanStore
from tests.leads_helpers import leads_rows, write_csv

GOOD = "id,amount,created\na,1,2025-01-01\nb,2,2025-01-02\n"


@pytest.fixture
def store(tmp_path):
    s = PlanStore.open(tmp_path / "plan.db")
    import_leads_csv(s, write_csv(tmp_path, GOOD, "good.csv"),
                     roles=LeadsRoles(id="id", created="created"))
    yield s
    s.close()


def snapshot(store):
    return (leads_rows(store), [(c.name, c.type) for c in lead_columns(store)],
            store.leads_roles())


def refused(store, tmp_path, content, *, roles=None, replace=True, date_format=None):
    before = snapshot(store)
    path = write_csv(tmp_path, content, "bad.csv")
    with pytest.raises(AlignError) as info:
        import_leads_csv(store, path, roles=roles or LeadsRoles(), replace=replace,
                         date_format=date_format)
    assert snapshot(store) == before
    return str(info.value)


def test_empty_file(store, tmp_path):
    assert "bad.csv is empty" in refused(store, tmp_path, b"")


def test_blank_lines_only(store, tmp_path):
    assert "is empty" in refused(store, tmp_path, b"\n\n  \n")


def test_header_only(store, tmp_path):
    assert "has a header but no rows" in refused(store, tmp_path, "id,amount\n")


def test_ragged_row(store, tmp_path):
    message = refused(store, tmp_path, "id,amount\na,1\nb,2,3\n")
    assert "row 2" in message and "3 fields where the header has 2" in message


def test_short_row(store, tmp_path):
    assert "row 1" in refused(store, tmp_path, "id,amount\na\n")


def test_utf16(store, tmp_path):
    assert "UTF-16" in refused(store, tmp_path, "id,amount\na,1\n".encode("utf-16"))


def test_utf16_without_bom(store, tmp_path):
    assert "UTF-16" in refused(store, tmp_path, "id,amount\na,1\n".encode("utf-16-le"))


def test_neither_utf8_nor_latin1(store, tmp_path):
    message = refused(store, tmp_path, b"id,name\n1,\x81\x8d\x90\n")
    assert "neither UTF-8 nor Latin-1" in message


def test_not_utf8_late_in_the_file_and_not_latin1_early(store, tmp_path, monkeypatch):
    """The first block is UTF-8 (`Á` is C3 81), a later one is not; read as Windows-1252, the
    first block's 0x81 is undefined: the file is refused, not half-decoded."""
    monkeypatch.setattr(leads_module, "_BLOCK", 16)
    content = "a,b\nx\u00c1,1\n".encode() + b"y,2\n" * 10 + b"z\xff,3\n"
    assert "neither UTF-8 nor Latin-1" in refused(store, tmp_path, content)


def test_binary(store, tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "binary data" in refused(store, tmp_path, png)


def test_nul_bytes_late_in_the_file(store, tmp_path):
    content = b"id,amount\n" + b"a,1\n" * 20_000 + b"b,\x00\n"
    assert "binary data" in refused(store, tmp_path, content)


def test_unknown_role_column_names_it_and_lists_the_columns(store, tmp_path):
    message = refused(store, tmp_path, "id,amount\na,1\n", roles=LeadsRoles(id="lead_id"))
    assert "'lead_id'" in message and "id, amount" in message


def test_role_of_the_wrong_type(store, tmp_path):
    message = refused(store, tmp_path, "id,when\na,soon\n", roles=LeadsRoles(created="when"))
    assert "created column 'when' holds text values, not dates" in message


def test_outcome_without_won_values(store, tmp_path):
    message = refused(store, tmp_path, "id,won\na,1\n", roles=LeadsRoles(outcome="won"))
    assert "values that mean won" in message


def test_ambiguous_dates_ask_for_the_format(store, tmp_path):
    message = refused(store, tmp_path, "id,day\na,03/04/2025\nb,05/06/2025\n")
    assert "'day'" in message and "--date-format" in message and "03/04/2025" in message


def test_bad_date_format_pattern(store, tmp_path):
    message = refused(store, tmp_path, "id\na\n", date_format="dd-mm-yy")
    assert "strptime" in message


def test_append_with_other_columns(store, tmp_path):
    message = refused(store, tmp_path, "id,price\na,1\n", replace=False)
    assert "missing 'amount'" in message and "new 'price'" in message and "--replace" in message


def test_append_value_that_does_not_fit_the_column(store, tmp_path):
    message = refused(store, tmp_path, "id,amount,created\nc,3,2025-02-01\nd,lots,2025-02-02\n",
                      replace=False)
    assert "row 2, column 'amount'" in message and "'lots' is not a number" in message


def test_missing_file(store, tmp_path):
    before = snapshot(store)
    with pytest.raises(AlignError, match="no such file"):
        import_leads_csv(store, tmp_path / "nope.csv", roles=LeadsRoles())
    assert snapshot(store) == before


def test_failure_while_writing_rolls_everything_back(store, tmp_path, monkeypatch):
    def broken(roles):
        raise AlignError("disk full")

    monkeypatch.setattr(store, "save_leads_roles", broken)
    message = refused(store, tmp_path, "x,y\n1,2\n3,4\n")
    assert message == "disk full"
    assert store.db["leads"].exists()


def test_a_pipe_is_refused_with_what_to_do_instead(store, tmp_path):
    """A pipe (`cat leads.csv | align leads import /dev/stdin`) can be read once, and the import
    reads twice: it used to say the pipe was empty."""
    import os
    import threading

    before = snapshot(store)
    fifo = tmp_path / "leads.fifo"
    os.mkfifo(fifo)

    def feed() -> None:  # a writer, so that a reader that opens the pipe does not hang
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        os.write(fd, GOOD.encode())
        os.close(fd)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(AlignError, match=r"leads.fifo is a pipe or a device, not a file: the "
                                         r"import reads a CSV twice"):
        import_leads_csv(store, fifo, roles=LeadsRoles(id="id"))
    assert snapshot(store) == before


def test_won_values_no_lead_has_are_warned_of(tmp_path):
    """Imported, but said: with won = `1` and a column of yes/no, every lead counts lost."""
    s = PlanStore.open(tmp_path / "w.db")
    report = import_leads_csv(s, write_csv(tmp_path, "id,closed,won\na,2025-01-01,yes\n"
                                           "b,2025-01-02,no\n", "w.csv"),
                              roles=LeadsRoles(id="id", closed="closed", outcome="won",
                                               won_values=["1"]))
    assert report.warnings == [
        "no lead's 'won' is one of the won values (1), though yes reads as won: every decided "
        "lead counts as lost until the leads are imported again with those as the won values "
        "(--outcome won=yes)"]
    lost_only = import_leads_csv(s, write_csv(tmp_path, "id,closed,won\nc,2025-01-01,no\n",
                                              "l.csv"),
                                 roles=LeadsRoles(id="id", closed="closed", outcome="won",
                                                  won_values=["yes"]))
    assert lost_only.warnings == []  # a file of lost leads: the won values may well be right
    ok = import_leads_csv(s, write_csv(tmp_path, "id,closed,won\na,2025-01-01,YES\n", "o.csv"),
                          roles=LeadsRoles(id="id", closed="closed", outcome="won",
                                           won_values=["yes"]))
    assert ok.warnings == []
    s.close()


def test_two_digit_years_read_both_ways_ask_for_their_own_format(store, tmp_path):
    message = refused(store, tmp_path, "id,created\na,02/01/25\nb,03/04/25\n",
                      roles=LeadsRoles(id="id", created="created"))
    assert message.endswith("give the date format, %d/%m/%y or %m/%d/%y (--date-format, or "
                            "Date format in the app)")
    dotted = refused(store, tmp_path, "id,created\na,02.01.2025\n",
                     roles=LeadsRoles(id="id", created="created"))
    assert "give the date format, %d.%m.%Y or %m.%d.%Y" in dotted
