"""The in-app leads import: preview, role mapping, replace or append in a worker; a bad file is
reported and leaves the previous dataset exactly as it was."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, RadioButton, Select

from model.leads import column_types, lead_count
from screens.dialogs import ConfirmDialog
from screens.scoring_import import LeadsImportForm
from tests.conftest import text_of
from tests.lead_scoring_helpers import app_on, open_scoring, sample_copy, settle

GOOD = ("lead_id,company,industry,employees,created,closed,converted\n"
        "L1,Acme,SaaS,120,2025-01-05,2025-03-01,yes\n"
        "L2,Globex,Retail,15,2025-01-09,2025-02-11,no\n"
        "L3,Initech,SaaS,800,2025-02-01,,\n"
        "L4,Umbrella,Finance,5000,2025-02-03,2025-04-20,Yes\n")


async def _open_form(pilot, path: Path) -> LeadsImportForm:
    await pilot.press("i")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, LeadsImportForm)
    box = form.query_one("#f-path", Input)
    box.value = str(path)
    box.focus()
    await pilot.press("enter")
    await pilot.pause()
    return form


async def _replace(pilot, form: LeadsImportForm) -> ConfirmDialog:
    """Choose Replace and press ctrl+s: with leads in the plan, it asks first."""
    form.query_one("#mode-replace", RadioButton).value = True
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmDialog)
    return pilot.app.screen


async def _replace_and_import(pilot, form: LeadsImportForm) -> None:
    """Choose Replace, say yes when asked, and wait for the import to end."""
    await _replace(pilot, form)
    await pilot.press("y")
    await settle(pilot)


async def test_import_a_good_file_with_preview_and_roles(empty_store, tmp_path):
    csv_path = tmp_path / "crm.csv"
    csv_path.write_text(GOOD)
    async with app_on(empty_store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        assert "No leads imported yet" in text_of(screen.query_one("#scoring-empty"))
        form = await _open_form(pilot, csv_path)
        preview = text_of(form.query_one("#import-preview"))
        assert "lead_id" in preview and "Initech" in preview and "Umbrella" in preview
        assert form.query_one("#f-id", Select).value == "lead_id"
        assert form.query_one("#f-outcome", Select).value == "converted"
        assert form.query_one("#f-created", Select).value == "created"
        assert form.query_one("#f-closed", Select).value == "closed"
        assert form.query_one("#f-amount", Select).value is Select.NULL
        # The outcome column's values are listed, and those that read as won filled in.
        assert text_of(form.query_one("#outcome-values")).strip() == "converted holds: yes, no, Yes"
        assert form.query_one("#f-won_values", Input).value == "yes, Yes"
        form.query_one("#f-won_values", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form  # an outcome without won values is refused
        assert "mean won" in text_of(form.query_one("#e-won_values"))
        form.query_one("#f-won_values", Input).value = "yes"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert lead_count(empty_store) == 4
        assert column_types(empty_store)["employees"] == "number"
        roles = empty_store.leads_roles()
        assert (roles.id, roles.outcome, roles.won_values, roles.closed) == (
            "lead_id", "converted", ["yes"], "closed")
        assert "No scoring model yet" in text_of(screen.query_one("#scoring-empty"))


async def test_columns_named_as_crms_name_them_are_mapped(empty_store, tmp_path):
    csv_path = tmp_path / "salesforce.csv"
    csv_path.write_text("Lead ID,Company,Created Date,Close Date,Deal Stage,Lead Source,Amount\n"
                        "00Q1,Acme,2025-01-05,2025-03-01,Closed Won,Web,1200\n"
                        "00Q2,Globex,2025-01-09,2025-02-11,Closed Lost,Event,300\n"
                        "00Q3,Initech,2025-02-01,,Qualification,Web,\n")
    async with app_on(empty_store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, csv_path)
        picked = {role: form.query_one(f"#f-{role}", Select).value
                  for role in ("id", "outcome", "created", "closed", "amount")}
        assert picked == {"id": "Lead ID", "outcome": "Deal Stage", "created": "Created Date",
                          "closed": "Close Date", "amount": "Amount"}
        won = form.query_one("#f-won_values", Input)
        assert won.value == "Closed Won"
        # Another outcome column: a suggestion follows it, values typed by the user stay.
        form.query_one("#f-outcome", Select).value = "Lead Source"
        await pilot.pause()
        assert text_of(form.query_one("#outcome-values")).strip() == "Lead Source holds: Web, Event"
        assert won.value == ""
        won.value = "Event"
        form.query_one("#f-outcome", Select).value = "Deal Stage"
        await pilot.pause()
        assert won.value == "Event"
        won.value = "Closed Won"
        await pilot.press("ctrl+s")
        await settle(pilot)
    roles = empty_store.leads_roles()
    assert (roles.id, roles.outcome, roles.won_values, roles.created, roles.closed,
            roles.amount) == ("Lead ID", "Deal Stage", ["Closed Won"], "Created Date",
                              "Close Date", "Amount")
    assert lead_count(empty_store) == 3


async def test_the_previous_won_values_stay_and_a_suggestion_goes_with_its_outcome(
        empty_store, tmp_path):
    from model.leads import import_leads_csv
    from model.schema import LeadsRoles

    first = tmp_path / "first.csv"
    first.write_text("id,stage\na,Signed\nb,Lost\n")
    import_leads_csv(empty_store, first, roles=LeadsRoles(id="id", outcome="stage",
                                                          won_values=["Signed"]))
    second = tmp_path / "second.csv"
    second.write_text("id,stage,converted\nc,Signed,yes\nd,Open,no\n")
    async with app_on(empty_store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, second)
        won = form.query_one("#f-won_values", Input)
        outcome = form.query_one("#f-outcome", Select)
        assert (outcome.value, won.value) == ("stage", "Signed")  # kept, as if typed
        outcome.value = "converted"
        await pilot.pause()
        assert won.value == "Signed"
        won.value = ""
        outcome.value = "stage"
        await pilot.pause()
        outcome.value = "converted"
        await pilot.pause()
        assert won.value == "yes"  # suggested
        outcome.clear()
        await pilot.pause()
        assert won.value == ""  # no outcome, no suggestion left to block the save
        await _replace_and_import(pilot, form)
    assert empty_store.leads_roles().outcome is None


async def test_replace_asks_first_and_a_refused_import_comes_back_as_it_was_asked(tmp_path):
    """Replacing 2,000 leads asks first; a refused import is one key (i) from its form, filled
    in as it was, with the reason: only what was wrong needs changing."""
    store = sample_copy(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("lead_id,day\na,03/04/2025\nb,05/06/2025\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        form = await _open_form(pilot, bad)
        assert "03/04/2025" in text_of(form.query_one("#import-preview"))
        # A file without the dataset's columns can only replace it: Replace is offered.
        assert form.query_one("#mode-replace", RadioButton).value
        assert not form.query_one("#mode-append", RadioButton).value
        form.query_one("#f-created", Select).value = "day"
        asked = await _replace(pilot, form)
        assert asked.title_text == "Replace 2,000 leads in the plan with bad.csv?"
        await pilot.press("n")
        await pilot.pause()
        assert pilot.app.screen is form  # not replaced: back to the form, as it was
        assert lead_count(store) == 2000
        await _replace_and_import(pilot, form)
        assert pilot.app.screen is screen
        assert any("Import refused" in (n.title or "") and "'day'" in n.message
                   and "Press i" in n.message for n in pilot.app._notifications)
        assert not screen.importing
        assert screen.analysis is not None and screen.analysis.result.leads == 2000
        # i brings the refused import back as it was asked for, with the reason.
        await pilot.press("i")
        await pilot.pause()
        again = pilot.app.screen
        assert isinstance(again, LeadsImportForm)
        assert again.query_one("#f-path", Input).value == str(bad)
        assert "Import refused:" in text_of(again.query_one("#form-error"))
        assert "'day'" in text_of(again.query_one("#form-error"))
        assert again.query_one("#mode-replace", RadioButton).value
        assert again.query_one("#f-created", Select).value == "day"
        assert again.query_one("#f-outcome", Select).value is Select.NULL  # none, as asked
        again.query_one("#f-date_format", Input).value = "%d/%m/%Y"
        await _replace_and_import(pilot, again)
        assert lead_count(store) == 2  # corrected, it imports
        assert store.leads_roles().created == "day"
        assert [r["day"] for r in store.db.query("SELECT day FROM leads ORDER BY _row")] == [
            "2025-04-03", "2025-06-05"]
        await pilot.press("i")
        await pilot.pause()
        fresh = pilot.app.screen
        assert isinstance(fresh, LeadsImportForm) and not fresh.refusal
        assert fresh.query_one("#f-path", Input).value == ""
        await pilot.press("escape")
        await pilot.pause()
    assert lead_count(store) == 2


async def test_append_is_offered_for_a_file_with_the_datasets_columns(tmp_path):
    """As on the command line, a file with the dataset's columns appends by default; another
    file gets Replace. A mode the user picks for a file stays with that file."""
    import csv

    store = sample_copy(tmp_path)
    types = column_types(store)
    same = tmp_path / "more.csv"
    with same.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.upper() for c in types])  # names compared ignoring case
        for row in store.db.query("SELECT * FROM leads ORDER BY _row LIMIT 2"):
            writer.writerow([("yes" if row[c] else "no") if kind == "boolean" else row[c]
                             for c, kind in types.items()])
    other = tmp_path / "other.csv"
    other.write_text("lead_id,day\na,2025-01-01\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, same)
        assert form.query_one("#mode-append", RadioButton).value
        box = form.query_one("#f-path", Input)
        box.value = str(other)
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#mode-replace", RadioButton).value
        form.query_one("#mode-append", RadioButton).value = True  # the user's choice
        await pilot.pause()
        box.value = str(same)
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        box.value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert form.query_one("#mode-append", RadioButton).value
        await pilot.press("escape")
        await pilot.pause()
        # Offered, Append works: the names differ from the dataset's only in case.
        form = await _open_form(pilot, same)
        assert form.query_one("#mode-append", RadioButton).value
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert lead_count(store) == 2002


async def test_a_bad_file_leaves_the_leads_as_they_were(tmp_path):
    store = sample_copy(tmp_path)
    before_columns = column_types(store)
    before_roles = store.leads_roles()
    first_rows = list(store.db.query("SELECT * FROM leads ORDER BY _row LIMIT 3"))
    bad = tmp_path / "bad.csv"
    bad.write_text("lead_id,day\na,03/04/2025\nb,05/06/2025\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        form = await _open_form(pilot, bad)
        form.query_one("#f-created", Select).value = "day"
        await _replace_and_import(pilot, form)
        assert screen.analysis is not None and screen.analysis.result.leads == 2000
    assert lead_count(store) == 2000
    assert column_types(store) == before_columns
    assert store.leads_roles() == before_roles
    assert list(store.db.query("SELECT * FROM leads ORDER BY _row LIMIT 3")) == first_rows


async def test_a_missing_file_is_marked_in_the_form(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, tmp_path / "nope.csv")
        assert "no such file" in text_of(form.query_one("#e-path"))
        assert form.query_one("#f-path", Input).has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form
        await pilot.press("escape")
        await pilot.pause()
    assert lead_count(store) == 2000


async def test_append_adds_rows_to_the_dataset(empty_store, tmp_path):
    first = tmp_path / "jan.csv"
    first.write_text(GOOD)
    second = tmp_path / "feb.csv"
    second.write_text(GOOD.replace("L1,", "L5,").replace("L2,", "L6,").replace("L3,", "L7,")
                      .replace("L4,", "L8,"))
    async with app_on(empty_store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, first)
        form.query_one("#f-won_values", Input).value = "yes"
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = await _open_form(pilot, second)
        form.query_one("#f-won_values", Input).value = "yes"
        form.query_one("#mode-append", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert lead_count(empty_store) == 8


async def test_writes_wait_for_a_running_import_with_a_message_not_a_freeze(tmp_path,
                                                                          monkeypatch):
    """The import's worker holds the plan's write lock; an edit meanwhile is refused at once
    with the reason (not after the lock's timeout, blaming another program), forms that would
    be refused do not open, and editing works again once the import is done."""
    import threading

    import model.leads

    store = sample_copy(tmp_path)
    release = threading.Event()
    real_import = model.leads.import_leads_csv

    def held_import(*args, **kwargs):
        release.wait(10)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(model.leads, "import_leads_csv", held_import)
    csv_path = tmp_path / "crm.csv"
    csv_path.write_text(GOOD)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        model_before = store.scoring_models()[0]
        form = await _open_form(pilot, csv_path)
        form.query_one("#f-won_values", Input).value = "yes"
        await _replace(pilot, form)
        await pilot.press("y")
        await pilot.pause()
        assert screen.importing
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await pilot.pause()
        assert any("being imported" in n.message for n in pilot.app._notifications)
        assert store.scoring_models()[0] == model_before
        await pilot.press("n")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("ctrl+o")  # a plan import would write through its own connection
        await pilot.pause()
        assert pilot.app.screen is screen
        assert sum("being imported" in n.message for n in pilot.app._notifications) >= 3
        release.set()
        await settle(pilot)
        assert not screen.importing and lead_count(store) == 4
        screen.query_one("#scoring-rules").focus()
        await pilot.press("space")
        await settle(pilot)
        assert store.scoring_models()[0] != model_before


async def test_writes_are_allowed_again_however_the_import_worker_ends(tmp_path, monkeypatch):
    """Even a worker that fails while reporting its failure answers the screen, so the plan
    does not stay closed to edits until a restart."""
    import model.leads
    import screens.lead_scoring

    def failing_import(*args, **kwargs):
        raise ValueError("broken file")

    def failing_describe(exc):
        raise RuntimeError("could not describe the failure")

    monkeypatch.setattr(model.leads, "import_leads_csv", failing_import)
    monkeypatch.setattr(screens.lead_scoring, "describe", failing_describe)
    store = sample_copy(tmp_path)
    csv_path = tmp_path / "crm.csv"
    csv_path.write_text(GOOD)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        form = await _open_form(pilot, csv_path)
        form.query_one("#f-won_values", Input).value = "yes"
        await _replace_and_import(pilot, form)
        assert not screen.importing
        assert store.write_refusal is None
        assert any("stopped before it finished" in n.message
                   for n in pilot.app._notifications)
    assert lead_count(store) == 2000
