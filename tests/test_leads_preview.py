"""The import form's look at a CSV before importing it: first rows, each column's values, and
the guesses made from them."""

from __future__ import annotations

import pytest

from model.errors import AlignError
from model.leads import import_leads_csv, lead_count
from model.leads_preview import MAX_VALUES, preview_csv, sampled_role_problem, suggest_won_values
from model.schema import LeadsRoles
from screens.scoring_import import guess_role, normal_name


@pytest.mark.parametrize("values, won", [
    (["Closed Won", "Closed Lost", "Open"], ["Closed Won"]),
    (["yes", "no", "Yes"], ["yes", "Yes"]),
    (["1", "0"], ["1"]),
    (["TRUE", "FALSE"], ["TRUE"]),
    (["customer", "lead", "subscriber"], ["customer"]),
    (["Won - renewal", "not won", "Lost", "closed-won", "Never won"], ["Won - renewal",
                                                                      "closed-won"]),
    (["Closed - Converted", "Closed - Not Converted", "Open"], ["Closed - Converted"]),
    (["Closed/Won", "Closed/Lost"], ["Closed/Won"]),
    (["1", "2", "3", "4", "5", "6"], []),  # a numbered stage is no yes/no column
    (["A", "B"], []),
])
def test_won_values_are_suggested_from_the_words_crms_use(values, won):
    assert suggest_won_values(values) == won


@pytest.mark.parametrize("name, normal", [
    ("Lead ID", "lead_id"), ("lead-id", "lead_id"), ("  Created  Date ", "created_date"),
    ("Deal - Deal ID", "deal_deal_id"), ("Étape", "étape"), ("__x__", "x"),
    ("CreatedDate", "created_date"), ("IsWon", "is_won"), ("dealstage", "dealstage"),
])
def test_names_are_compared_folded_with_one_underscore_between_words(name, normal):
    assert normal_name(name) == normal


def test_a_role_keeps_the_previous_import_s_column_else_takes_a_crm_name():
    columns = ["Record ID", "Create Date", "Lifecycle Stage", "Amount"]
    assert guess_role("id", columns, None) == "Record ID"
    assert guess_role("id", ["id", "Lead Id"], None) == "Lead Id"  # lead_id comes first
    assert guess_role("created", columns, None) == "Create Date"
    assert guess_role("outcome", columns, None) == "Lifecycle Stage"
    assert guess_role("closed", columns, None) is None


def test_each_column_s_values_are_sampled_beyond_the_rows_shown(tmp_path):
    path = tmp_path / "crm.csv"
    lines = ["id,stage,note"] + [f"L{i}, {['Open', 'Closed Won'][i % 2]} ,{'x' if i > 50 else ''}"
                                 for i in range(200)]
    path.write_text("\n".join(lines) + "\n")
    preview = preview_csv(path)
    assert len(preview.rows) == 5
    assert preview.values["stage"] == ["Open", "Closed Won"]
    assert preview.values["note"] == ["x"]
    assert len(preview.values["id"]) == MAX_VALUES and preview.more == {"id"}


def test_a_latin1_value_past_the_rows_shown_reads_the_whole_preview_as_latin1(tmp_path):
    path = tmp_path / "crm.csv"
    note = "n" * 100
    rows = [f"L{i},Open,{note}" for i in range(400)] + [f"L400,Gew\xe4hlt,{note}"]
    path.write_bytes(("id,stage,note\n" + "\n".join(rows) + "\n").encode("latin-1"))
    preview = preview_csv(path)
    assert preview.values["stage"] == ["Open", "Gew\u00e4hlt"]


def test_a_stray_latin1_byte_in_a_utf8_file_garbles_nothing_else_in_the_preview(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes("id,stage\nL1,Gewählt\n".encode() + b"L2,Gew\xe4hlt\n")
    assert preview_csv(path).values["stage"] == ["Gew\u00e4hlt"]


def test_hubspot_contacts_map_the_lifecycle_stage_and_no_company_revenue():
    columns = ["Record ID", "Create Date", "Lead Status", "Lifecycle Stage", "Annual Revenue"]
    assert guess_role("outcome", columns, None) == "Lifecycle Stage"
    assert guess_role("amount", columns, None) is None  # the company's revenue, not a deal's


def test_a_closed_checkbox_is_not_taken_for_the_closed_date():
    columns = ["Opportunity ID", "Closed", "Won", "Close Date", "Amount"]
    values = {"Closed": ["0", "1"], "Won": ["0", "1"], "Close Date": ["3/31/2025"],
              "Amount": ["$1,200.00"]}
    assert guess_role("closed", columns, None, values) == "Close Date"
    assert guess_role("id", columns, None, values) == "Opportunity ID"
    assert guess_role("outcome", columns, None, values) == "Won"
    assert guess_role("amount", columns, None, {"Amount": ["n/a", "tbd"]}) is None


@pytest.mark.parametrize("values, wanted, date_format, said, certain", [
    (["2025-01-31", "n/a", "31/12/2025"], "date", None, None, None),
    (["03/04/2025", "05/06/2025"], "date", None, "could be day/month or month/day", False),
    (["03/04/2025", "05/06/2025"], "date", "%d/%m/%Y", None, None),
    (["03/04/2025", "next week"], "date", None, "'c' holds 'next week', which is not a date",
     True),
    (["2025-01-31", "31.01.25"], "date", "%d/%m/%Y",
     "'c' holds '31.01.25', which does not read as %d/%m/%Y", True),
    (["1", "2"], "date", None, "'c' holds '1', which is not a date", True),
    (["$1,200", "-", "3.5k"], "number", None, "'c' holds '3.5k', which is not a number", True),
    (["$1,200", "N/A"], "number", None, None, None),
    ([], "date", None, None, None),
])
def test_a_roles_sampled_values_tell_what_the_import_will_say(values, wanted, date_format, said,
                                                              certain):
    problem = sampled_role_problem("c", values, wanted, date_format)
    if said is None:
        assert problem is None
    else:
        assert problem is not None and said in problem.message and problem.certain is certain


def test_what_the_sample_calls_certain_the_import_refuses(tmp_path, empty_store):
    """The sample's verdict and the import's agree: a created column holding `next week`."""
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,created\na,2025-01-01\nb,next week\n")
    problem = sampled_role_problem("created", preview_csv(path).values["created"], "date")
    assert problem is not None and problem.certain
    with pytest.raises(AlignError, match="holds text values, not dates: row 2 has 'next week'"):
        import_leads_csv(empty_store, path, roles=LeadsRoles(id="lead_id", created="created"))
    assert lead_count(empty_store) == 0
