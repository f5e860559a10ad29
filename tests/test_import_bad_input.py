"""Every bad file a user can feed `align import`: exit 1, a message naming the place, and a plan
that is exactly as it was."""

import pytest
from click.testing import CliRunner

from model.exchange import plan_to_toml
from model.reviews import latest_review, save_review
from model.store import PlanStore
from tests.factories import meeting_review, small_plan
from tui.cli import main

GOOD = plan_to_toml(small_plan())


def _swap(old: str, new: str, count: int = 1) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new, count).encode()


REVIEW = """
[[reviews]]
id = "review-2026-q1-2026-04-02"
period = "2026-Q1"
date = 2026-04-02
started_at = 2026-04-02 09:00:00

  [[reviews.items]]
  kind = "metric"
  id = "leads"
  title = "Leads"
  attention = "red"
  share = 0.87
"""


def _review(old: str, new: str) -> bytes:
    assert old in REVIEW
    return (GOOD + REVIEW.replace(old, new)).encode()


CORPUS = {
    "syntax error": (GOOD.replace("[[metrics]]", "[[metrics]", 1).encode(), "line "),
    "unclosed string": (_swap('name = "Sales"', 'name = "Sales'), "line "),
    "wrong type": (_swap("target = 0.11", 'target = "abc"'),
                   "objectives[1].key_results[0].target: expected a number, got 'abc'"),
    "bool for number": (_swap("baseline = 0.08", "baseline = true"),
                        "objectives[1].key_results[0].baseline"),
    "missing required key": (_swap('title = "Grow profitably"\n', ""),
                             "objectives[0].title: required, but missing"),
    "unknown reference": (_swap('owner = "finance"', 'owner = "legal"'),
                          "objectives[0].owner: unknown department 'legal'"),
    "unknown metric": (_swap('metric = "lead_to_customer"', 'metric = "nps"'),
                       "objectives[1].key_results[0].metric: unknown metric 'nps'"),
    "duplicate ids": (_swap('id = "sales"', 'id = "marketing"'), "duplicate id 'marketing'"),
    "bad period": (_swap('period = "2026-Q1"', 'period = "2026-Q7"'), "objectives[0].period"),
    "bad enum": (_swap('state = "active"', 'state = "paused"'), "objectives[0].state: 'paused'"),
    "formula syntax": (_swap("(revenue - marketing_cost) / marketing_cost", "(revenue - marketing_cost"),
                       "formula"),
    "formula cycle": (_swap("(marketing_cost + sales_cost) / new_customers",
                             "(marketing_cost + sales_cost) / ltv_cac"), "cac → ltv_cac → cac"),
    "newer version": (_swap("version = 1", "version = 2"), "newer Align"),
    "not a plan": (b'title = "my notes"\n', "not an Align plan file"),
    "empty file": (b"", "empty"),
    "whitespace only": (b"  \n\n", "empty"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "non-UTF-8": (GOOD.replace("Acme FY26", "Acme FY26 caf\u00e9").encode("latin-1"), "not UTF-8"),
    "huge number": (_swap("target = 0.11", "target = 1e400"), "objectives[1].key_results[0].target"),
    "huge integer": (_swap("target = 0.11", "target = 99999999999999999999999999"),
                     "objectives[1].key_results[0].target"),
    "nan": (_swap("target = 0.11", "target = nan"), "objectives[1].key_results[0].target"),
    "entities not a table array": (b'format = "align-plan"\nversion = 1\nobjectives = "all"\n',
                                   "objectives: expected an array of tables"),
    "entity not a table": (b'format = "align-plan"\nversion = 1\ndepartments = [1, 2]\n',
                           "departments[0]: expected a table"),
    "bad condition": (_swap('op = "eq", value = "SaaS"', 'op = "gt", value = "SaaS"'),
                      "scoring_models[0].rules[0].when[0]"),
    "bad fiscal start": (_swap("fiscal_year_start = 1", "fiscal_year_start = 13"), "fiscal_year_start"),
    "condition value beyond any float": (
        _swap('op = "eq", value = "SaaS"', 'op = "gt", value = 1' + "0" * 400),
        "scoring_models[0].rules[0].when[0]: operator gt needs a number"),
    "band beyond any score": (_swap("A = 60", "A = 1" + "0" * 30),
                              "scoring_models[0].fit_bands.A"),
    "MQL total beyond any score": (_swap("engagement_cap = 100", "engagement_cap = 100\n"
                                         "mql_min_total = -1" + "0" * 30),
                                   "scoring_models[0].mql_min_total"),
    # A value's TOML type says what was meant: text where a number or true/false belongs is
    # refused, not read as one (as a form's text box is).
    "points as text": (_swap("points = 15", 'points = "15"'),
                       "scoring_models[0].rules[0].points: expected a whole number, got '15'"),
    "points as a float": (_swap("points = 15", "points = 15.0"),
                          "scoring_models[0].rules[0].points: expected a whole number, got 15.0"),
    "flag as text": (_swap("enabled = true", 'enabled = "off"'),
                     "scoring_models[0].rules[0].enabled: expected true or false, got 'off'"),
    "flag as a number": (_swap("knockout = false", "knockout = 1"),
                         "scoring_models[0].rules[0].knockout: expected true or false, got 1"),
    "nan in a list": (_swap('op = "eq", value = "SaaS"', 'op = "in", value = [nan, 5]'),
                      "operator in needs text or finite numbers, got nan"),
    "date as a number": (_swap('op = "within_last_days", value = 30',
                               'op = "after", value = 20251001'),
                         "operator after needs a date such as 2026-03-31, got 20251001"),
    "week date": (_swap('op = "within_last_days", value = 30', 'op = "before", value = "2025-W05-3"'),
                  "operator before needs a date such as 2026-03-31, got '2025-W05-3'"),
    "date and time": (_swap('op = "within_last_days", value = 30',
                            'op = "before", value = 2025-10-01T10:00:00'),
                      "scoring_models[0].rules[2].when[0].value: expected text, a number, a date"),
    "repeated rule id": (_swap('id = "students"', 'id = "saas"'),
                         "scoring_models[0].rules[1].id: rule id 'saas' is already used by "
                         "rules[0] of this model"),
    "list item with a line break": (_swap('  "Head of Ops",', '  "Head of\\nOps",'),
                                    "personas[0].titles: each item is one line"),
    # a field named like a type (`date`) keeps its name in the location
    "note date as text": (_swap("date = 2026-02-10", 'date = "10/02/2026"'),
                          "notes[0].date: expected a date such as 2026-03-31, got '10/02/2026'"),
    "note date not in the calendar": (_swap("date = 2026-02-10", 'date = "2026-02-31"'),
                                      "notes[0].date: '2026-02-31' is not a day of the calendar"),
    "decision date missing": (_swap("date = 2026-02-17\n", ""),
                              "decisions[0].date: required, but missing"),
    "tolerance as a flag": (_swap("amber_tolerance = 0.1", "amber_tolerance = true"),
                            "metrics[0].amber_tolerance: expected a number, got true"),
    "tolerance as text": (_swap("amber_tolerance = 0.1", 'amber_tolerance = "0.2"'),
                          "metrics[0].amber_tolerance: expected a number, got '0.2'"),
    "target as text": (_swap("target = 0.11", 'target = "0.11"'),
                       "objectives[1].key_results[0].target: expected a number, got '0.11'"),
    "two recordings without a time": (
        GOOD.encode() + b'\n[[measurements]]\nmetric = "revenue"\nperiod = "2026-01"\n'
        b'value = 100.0\n\n[[measurements]]\nmetric = "revenue"\nperiod = "2026-01"\n'
        b'value = 120.0\n',
        "a second recording of revenue for 2026-01 without recorded_at (the first is "
        "measurements["),
    # a key name is quoted with its control characters escaped: it cannot drive the terminal
    "terminal codes in a key": (_swap("[metrics.targets]\n",
                                      '[metrics.targets]\n"\\u001b]0;x\\u0007" = 1.0\n'),
                                "targets.'\\x1b]0;x\\x07': '\\x1b]0;x\\x07' is not a period"),
    # a review is checked as any entity, at its place in the file
    "review period": (_review('period = "2026-Q1"', 'period = "2026-Q5"'),
                      "reviews[0].period: '2026-Q5' is not a period"),
    "review without a date": (_review("date = 2026-04-02\n", ""),
                              "reviews[0].date: required, but missing"),
    "review item attention": (_review('attention = "red"', 'attention = "hot"'),
                              "reviews[0].items[0].attention: 'hot' is not one of"),
    "review share as text": (_review("share = 0.87", 'share = "87%"'),
                             "reviews[0].items[0].share: expected a number, got '87%'"),
    "review start as text": (_review("started_at = 2026-04-02 09:00:00", 'started_at = "nine"'),
                             "reviews[0].started_at: 'nine' is not a date and time"),
    "review id twice": ((GOOD + REVIEW + REVIEW).encode(),
                        "reviews[1]: duplicate id 'review-2026-q1-2026-04-02' (first at reviews[0])"),
    "git conflict left in": (_swap('name = "Acme FY26"\n', '<<<<<<< ours\nname = "Acme"\n=======\n'
                                   'name = "Acme FY26"\n>>>>>>> theirs\n'),
                             "line 3: the file still holds a git conflict marker (<<<<<<<)"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_bad_file_exit_1_names_the_place_and_changes_nothing(tmp_path, case):
    content, expected = CORPUS[case]
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
    before = _dump(db)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    for extra in ([], ["--replace"], ["--dry-run"]):
        result = CliRunner().invoke(main, ["import", str(bad), str(db), *extra])
        assert result.exit_code == 1, (case, extra, result.output)
        first = result.stderr.splitlines()[0]
        assert first.startswith("error: ") and str(bad) in first
        assert expected in result.stderr, result.stderr
        assert "Traceback" not in result.output
        assert _dump(db) == before


def test_a_bad_review_leaves_the_plans_reviews_as_they_were(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
        save_review(s, meeting_review())
    before = _dump(db)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(_review('attention = "red"', 'attention = "hot"'))
    for extra in ([], ["--replace"]):
        result = CliRunner().invoke(main, ["import", str(bad), str(db), *extra])
        assert result.exit_code == 1 and "reviews[0].items[0].attention" in result.stderr
        assert _dump(db) == before
    with PlanStore.open(db) as s:
        assert latest_review(s) == meeting_review()


def _dump(db):
    with PlanStore.open(db) as s:
        return plan_to_toml(s.load_plan()), sorted(
            (r["name"], r["sql"]) for r in s.db.query("SELECT name, sql FROM sqlite_master"))


def test_missing_file_and_folder(tmp_path):
    db = tmp_path / "plan.db"
    result = CliRunner().invoke(main, ["import", str(tmp_path / "nope.toml"), str(db)])
    assert result.exit_code == 1 and "no such file" in result.stderr
    assert not db.exists()
    result = CliRunner().invoke(main, ["import", str(tmp_path), str(db)])
    assert result.exit_code in (1, 2)


def test_failed_import_into_a_new_file_leaves_no_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(CORPUS["unknown reference"][0])
    db = tmp_path / "new.db"
    result = CliRunner().invoke(main, ["import", str(bad), str(db)])
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == [bad]


def test_an_unknown_key_with_terminal_codes_is_printed_escaped(tmp_path):
    db = tmp_path / "plan.db"
    with PlanStore.open(db) as s:
        s.apply_plan(small_plan(), replace=True)
    odd = tmp_path / "odd.toml"
    odd.write_text('"\\u001b[2J\\u001b[31mX" = 1\n' + GOOD)
    result = CliRunner().invoke(main, ["import", "--dry-run", str(odd), str(db)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr
    assert "'\\x1b[2J\\x1b[31mX': unknown key, ignored" in result.stderr
