"""The leads browser's filter and orders: each kind of term against hand-picked leads, errors
that name the term, and every order against the same leads sorted in Python."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import AlignError
from model.lead_filter import lead_view, sorts
from model.lead_ranking import build_view, lead_position, rank_leads, ranked_page
from model.leads import column_types, status_case
from model.store import PlanStore
from tests.leads_helpers import AS_OF, load, model, rule

LEADS = ("id,company,employees,created,active,stage\n"
         "L1,Acme Inc,500,2025-03-10,yes,Won\n"
         "L2,Macy's \\ Beta,,2025-02-01,no,Lost\n"
         "L3,acme labs,20,2024-12-31,,\n"
         "L4,Gamma,5000,,yes,Won\n"
         "L5,,50,2025-03-31,no,Lost\n")
SCORING = model(rule("big", "employees", "gt", 100, points=30),
                rule("tiny", "employees", "lt", 30, knockout=True),
                rule("recent", "created", "within_last_days", 60, points=20,
                     dimension="engagement"))
COLUMNS = ["id", "company", "employees", "created", "active", "stage"]


@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    store = PlanStore.memory()
    load(store, tmp_path_factory.mktemp("leads"), LEADS, id="id", outcome="stage",
         won_values=["Won"], created="created")
    count = rank_leads(store.db.conn, SCORING, column_types(store), as_of=AS_OF)
    yield store, count
    store.close()


def ids(store, text: str, sort_label: str = "score") -> list[str]:
    """The ids the view shows, in its order."""
    types = column_types(store)
    sort = next(s for s in sorts(store.leads_roles(), types) if s.label == sort_label)
    view = lead_view(text, sort, types, status_case(store, store.leads_roles(), types,
                                                    ("'open'", "'won'", "'lost'")))
    count = build_view(store.db.conn, view)
    rows = ranked_page(store.db.conn, 1, 100, ["id"], types, view=count is not None)
    assert count is None or count == len(rows)
    return [r[-1] for r in rows]


def by_score(store) -> list[tuple]:
    types = column_types(store)
    build_view(store.db.conn, None)
    return ranked_page(store.db.conn, 1, 100, COLUMNS, types)


@pytest.mark.parametrize(("text", "expected"), [
    ("acme", {"L1", "L3"}),
    ("ACME", {"L1", "L3"}),
    ("-acme", {"L2", "L4", "L5"}),  # a blank company does not contain acme
    ("company:acme", {"L1", "L3"}),
    ("Company:acme", {"L1", "L3"}),  # a column named ignoring case
    ("company=acme", set()),
    ('company="acme labs"', {"L3"}),
    ('"company=ACME LABS"', {"L3"}),
    ("company=", {"L5"}),
    ("company!=", {"L1", "L2", "L3", "L4"}),
    ("company!=\"macy's \\ beta\"", {"L1", "L3", "L4", "L5"}),
    ("-\"company=macy's \\ beta\"", {"L1", "L3", "L4", "L5"}),
    ("macy's", {"L2"}),  # an apostrophe is no quote
    ("company:\\", {"L2"}),  # nor is a backslash an escape
    ('"open"', set()),  # quoted: the text open, not the open leads (L3)
    ('"-acme"', set()),  # quoted: the text -acme, not a negation
    ('"" acme', {"L1", "L3"}),  # an empty term is no term
    ("employees>100", {"L1", "L4"}),
    ("employees>=500", {"L1", "L4"}),
    ("employees<=50", {"L3", "L5"}),
    ("employees:500", {"L1"}),
    ("employees=1,200", set()),
    ("employees!=500", {"L2", "L3", "L4", "L5"}),
    ("employees=", {"L2"}),
    ("created:2025-03", {"L1", "L5"}),
    ("created:2025", {"L1", "L2", "L5"}),
    ("created<2025-01-01", {"L3"}),
    ("created>=2025-03-10", {"L1", "L5"}),
    ("created=", {"L4"}),
    ("active:yes", {"L1", "L4"}),
    ("active=no", {"L2", "L5"}),
    ("-active:yes", {"L2", "L3", "L5"}),
    ("won", {"L1", "L4"}),
    ("lost", {"L2", "L5"}),
    ("open", {"L3"}),
    ("-won", {"L2", "L3", "L5"}),
    ("acme won", {"L1"}),
    ("acme -won", {"L3"}),
    ("10:30", set()),  # not a column term: searched as text
    ("", {"L1", "L2", "L3", "L4", "L5"}),
])
def test_each_kind_of_term_keeps_the_leads_it_names(ranked, text, expected):
    store, _ = ranked
    assert set(ids(store, text)) == expected


def test_score_terms_follow_the_ranked_scores(ranked):
    store, count = ranked
    rows = by_score(store)
    by_id = {r[8]: r for r in rows}  # SCORE_COLUMNS then COLUMNS: id is the 9th

    def where(test) -> set[str]:
        return {lead for lead, r in by_id.items() if test(r)}

    assert set(ids(store, "mql")) == where(lambda r: r[7] == 1)
    assert set(ids(store, "ko")) == where(lambda r: r[6] == 1) == {"L3"}
    assert set(ids(store, "-ko")) == where(lambda r: r[6] != 1)
    for cell in {r[5] for r in rows}:
        assert set(ids(store, f"cell:{cell.lower()}")) == where(lambda r, c=cell: r[5] == c)
        assert set(ids(store, f"cell:{cell[0]}")) == where(lambda r, c=cell: r[5][0] == c[0])
        assert set(ids(store, f"cell:{cell[1]}")) == where(lambda r, c=cell: r[5][1] == c[1])
    assert set(ids(store, "cell:A1,D4")) == where(lambda r: r[5] in ("A1", "D4"))
    assert len(ids(store, "")) == count


def test_the_view_keeps_the_order_of_the_scores(ranked):
    store, _ = ranked
    everyone = [r[8] for r in by_score(store)]
    kept = ids(store, "-L2")
    assert kept == [lead for lead in everyone if lead != "L2"]


@pytest.mark.parametrize(("label", "key"), [
    ("score, lowest first", lambda r: -r[0]),
    ("fit", lambda r: (-r[2], r[0])),
    ("engagement", lambda r: (-r[3], r[0])),
    ("newest", lambda r: (r[11] is None, "" if r[11] is None else
                          "".join(chr(255 - ord(c)) for c in r[11]), r[0])),
])
def test_every_order_is_the_ranked_leads_sorted(ranked, label, key):
    store, _ = ranked
    rows = by_score(store)
    assert ids(store, "", label) == [r[8] for r in sorted(rows, key=key)]


def test_only_the_ranking_itself_needs_no_view_table(ranked):
    store, _ = ranked
    types = column_types(store)
    by_rank, lowest = sorts(store.leads_roles(), types)[:2]
    assert build_view(store.db.conn, lead_view("  ", by_rank, types, None)) is None
    assert build_view(store.db.conn, lead_view("", lowest, types, None)) == 5
    assert [s.label for s in sorts(store.leads_roles(), types)] == [
        "score", "score, lowest first", "fit", "engagement", "newest"]


def test_a_lead_is_found_by_its_row_in_the_ranking_and_in_a_view(ranked):
    store, count = ranked
    conn = store.db.conn
    rows = by_score(store)
    assert [lead_position(conn, r[1]) for r in rows] == list(range(count))
    assert lead_position(conn, 999) is None
    shown = ids(store, "acme", "score, lowest first")  # builds the view table
    for r in rows:
        index = lead_position(conn, r[1], view=True)
        assert index == (shown.index(r[8]) if r[8] in shown else None)
    assert lead_position(conn, 999, view=True) is None


@pytest.mark.parametrize(("text", "message"), [
    ("cell:E5", "filter 'cell:E5': 'E5' is not a cell"),
    ("cell:", "give a cell after cell:"),
    ("emplyees>3", "filter 'emplyees>3': no column 'emplyees' in the leads; columns: id, company"),
    ('"acme', "a double quote is not closed"),
    ("company>a", "company holds text; use company:text"),
    ("employees>many", "'many' is not a number"),
    ("created:2025-3", "created holds dates"),
    ("created>2025-03", "compare created with a whole date"),
    ("active:maybe", "active holds true/false"),
    ("company:", "give a value after :"),
    ("created=2025-02-30", "created holds dates"),
    ("created:2025-13", "created holds dates"),
    ("created:\uff12\uff10\uff12\uff15", "created holds dates"),  # full-width digits
    ("acme\ud800", "cannot be searched"),
])
def test_a_bad_term_is_named_with_what_to_write(ranked, text, message):
    store, _ = ranked
    with pytest.raises(AlignError, match="^filter") as caught:
        ids(store, text)
    assert message in str(caught.value)


def test_outcome_terms_need_an_outcome_column(tmp_path):
    store = PlanStore.memory()
    load(store, tmp_path, "id,company\nL1,Acme\n", id="id")
    types = column_types(store)
    with pytest.raises(AlignError, match="no outcome column"):
        lead_view("won", sorts(None, types)[0], types, None)
    store.close()


WORDS = st.sampled_from(["acme", "-acme", "won", "-won", "mql", "-mql", "ko", "employees>100",
                         "-employees>100", "created:2025", "company=", "cell:A", "cell:4",
                         "active:yes", "stage:o"])


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, max_size=4))
def test_terms_together_keep_what_each_keeps(ranked, words):
    """All terms must hold: a filter keeps the leads every one of its terms keeps, alone."""
    store, _ = ranked
    expected = {lead for lead in ids(store, "")}
    for word in words:
        expected &= set(ids(store, word))
    assert set(ids(store, " ".join(words))) == expected


def test_a_word_is_looked_for_in_every_text_column_of_a_wide_export(tmp_path):
    """An export with hundreds of text columns: the search is one condition per column, which
    SQLite must accept however many there are."""
    store = PlanStore.memory()
    width = 700
    header = ",".join(f"t{i}" for i in range(width))
    rows = [",".join("x" for _ in range(width)), ",".join(
        "acme" if i == width - 1 else "x" for i in range(width))]
    load(store, tmp_path, header + "\n" + "\n".join(rows) + "\n")
    types = column_types(store)
    rank_leads(store.db.conn, model(), types, as_of=AS_OF)
    for text, expected in (("acme", [2]), ("-acme", [1]), (" ".join(["x"] * 300), [1, 2])):
        view = lead_view(text, sorts(None, types)[0], types, None)
        count = build_view(store.db.conn, view)
        rows_shown = ranked_page(store.db.conn, 1, 10, [], types, view=True)
        assert count == len(expected) and [r[1] for r in rows_shown] == expected
    store.close()


# ---- writing the view to CSV ------------------------------------------------------------------

def test_the_view_is_written_to_csv_in_its_order_and_reads_back(ranked, tmp_path):
    import csv

    from model.lead_ranking import EXPORT_HEADER, write_view_csv

    store, _ = ranked
    shown = ids(store, "-ko", "fit")  # builds the view the export reads
    out = tmp_path / "shown.csv"
    types = column_types(store)
    assert write_view_csv(store.db.conn, out, types, view=True) == len(shown) == 4
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert rows[0] == [*EXPORT_HEADER, *COLUMNS]
    assert [r[len(EXPORT_HEADER)] for r in rows[1:]] == shown
    by_id = {r[7]: r for r in rows[1:]}
    assert by_id["L1"][9] == "500" and by_id["L2"][9] == "" and by_id["L2"][8] == "Macy's \\ Beta"
    assert (by_id["L1"][11], by_id["L2"][11], by_id["L5"][11]) == ("yes", "no", "no")
    scores = {r[8]: r for r in by_score(store)}
    for lead, row in by_id.items():
        rank, _, fit, engagement, total, cell, knocked, mql = scores[lead][:8]
        assert row[:7] == [str(rank), str(fit), str(engagement), str(total), cell, str(mql),
                           str(knocked)]
    again = PlanStore.memory()  # the file is a leads export Align reads back as it was
    load(again, tmp_path, out.read_text(encoding="utf-8"), name="again.csv", id="id")
    assert column_types(again) == {**{h: "number" for h in EXPORT_HEADER}, "cell": "text",
                                   **column_types(store)}
    again.close()


def test_a_failed_write_leaves_the_old_file_and_no_temp(ranked, tmp_path, monkeypatch):
    import csv

    from model.lead_ranking import write_view_csv

    store, _ = ranked
    out = tmp_path / "shown.csv"
    out.write_text("before\n")
    real = csv.writer

    class Failing:
        def __init__(self, fh):
            self.inner, self.rows = real(fh), 0

        def writerow(self, row):
            self.rows += 1
            if self.rows == 3:
                raise OSError("disk full")
            self.inner.writerow(row)

    monkeypatch.setattr(csv, "writer", Failing)
    build_view(store.db.conn, None)
    with pytest.raises(OSError, match="disk full"):
        write_view_csv(store.db.conn, out, column_types(store), view=False)
    assert out.read_text() == "before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["shown.csv"]


def test_a_lead_column_named_like_a_score_keeps_its_name(tmp_path):
    """Leads with their own `Total` and `rank`: the export's score columns give way
    (`score_total`, `score_rank`), and the file reads back with every lead column as it was."""
    import csv

    from model.lead_ranking import write_view_csv

    store = PlanStore.memory()
    load(store, tmp_path, "id,Total,rank,score_rank\nA,5,x,1\nB,7,y,2\n", id="id")
    types = column_types(store)
    rank_leads(store.db.conn, model(rule("big", "Total", "gt", 6, points=10)), types,
               as_of=AS_OF)
    out = tmp_path / "out.csv"
    write_view_csv(store.db.conn, out, types, view=False)
    header, first, _ = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert header == ["score_score_rank", "fit", "engagement", "score_total", "cell", "mql",
                      "knocked_out", "id", "Total", "rank", "score_rank"]
    assert first[:4] == ["1", "10", "0", "10"] and first[7:] == ["B", "7", "y", "2"]
    again = PlanStore.memory()
    report = load(again, tmp_path, out.read_text(encoding="utf-8"), name="again.csv", id="id")
    assert not any("repeats" in w for w in report.warnings)
    assert list(column_types(again))[7:] == ["id", "Total", "rank", "score_rank"]
    store.close()
    again.close()
