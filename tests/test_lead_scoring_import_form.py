"""The in-app leads import form between files: a refused import's roles and mode stay with its
file, a path typed but not previewed is previewed before anything is imported, quitting during
an import asks and abandons it, and pasted paths (quoted, backslash-escaped) are read."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

from textual.widgets import Input, RadioButton, Select

from model.leads import column_types, lead_count
from screens.dialogs import ConfirmDialog
from screens.scoring_import import LeadsImportForm
from tests.conftest import text_of
from tests.lead_scoring_helpers import app_on, open_scoring, sample_copy, settle

ROLES = ("id", "outcome", "created", "closed", "amount")


def _same_columns(store, path: Path, rows: int = 10) -> Path:
    """The dataset's first rows, as its own export writes them: a file that can be appended."""
    types = column_types(store)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(types))
        for row in store.db.query(f"SELECT * FROM leads ORDER BY _row LIMIT {rows}"):
            writer.writerow([("yes" if row[c] else "no") if kind == "boolean" else row[c]
                             for c, kind in types.items()])
    return path


async def _open_form(pilot, path: str | Path) -> LeadsImportForm:
    await pilot.press("i")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, LeadsImportForm)
    await _preview(pilot, form, path)
    return form


async def _preview(pilot, form: LeadsImportForm, path: str | Path) -> None:
    """Another path typed over the one in the form, and enter."""
    box = form.query_one("#f-path", Input)
    box.value = str(path)
    box.focus()
    await pilot.press("enter")
    await pilot.pause()


def _picked(form: LeadsImportForm) -> dict[str, object]:
    return {role: form.query_one(f"#f-{role}", Select).value for role in ROLES}


def _stored_picks(store) -> dict[str, object]:
    roles = store.leads_roles()
    return {role: getattr(roles, role) or Select.NULL for role in ROLES}


def _appends(form: LeadsImportForm) -> bool:
    append = form.query_one("#mode-append", RadioButton).value
    assert append != form.query_one("#mode-replace", RadioButton).value
    return append


async def test_a_file_chosen_after_a_refusal_gets_the_roles_and_the_mode_of_a_new_file(tmp_path):
    store = sample_copy(tmp_path)
    roles_before = store.leads_roles()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("lead_id,day,n\na,2025-01-01,1\nb,2025-01-02\n")
    same = _same_columns(store, tmp_path / "more.csv")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, ragged)
        assert not _appends(form)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert any("2 fields where the header has 3" in n.message
                   for n in pilot.app._notifications)
        await pilot.press("i")
        await pilot.pause()
        again = pilot.app.screen
        assert isinstance(again, LeadsImportForm)
        assert _picked(again)["created"] is Select.NULL  # the refused import, as it was asked
        await _preview(pilot, again, same)
        # Another file: the last import's roles and won values, and Append for its columns.
        assert _picked(again) == _stored_picks(store)
        assert again.query_one("#f-won_values", Input).value == "1"
        assert _appends(again)
        # Back to the refused file: its roles and mode as they were asked for.
        await _preview(pilot, again, ragged)
        assert _picked(again) == {"id": "lead_id", "outcome": Select.NULL,
                                  "created": Select.NULL, "closed": Select.NULL,
                                  "amount": Select.NULL}
        assert not _appends(again)
        await _preview(pilot, again, same)
        assert _appends(again)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not again and not isinstance(pilot.app.screen, ConfirmDialog)
    assert lead_count(store) == 2010
    assert store.leads_roles() == roles_before


async def test_a_mode_picked_for_one_file_does_not_carry_to_another(tmp_path):
    store = sample_copy(tmp_path)
    same = _same_columns(store, tmp_path / "more.csv")
    other = tmp_path / "other.csv"
    other.write_text("lead_id,day\na,2025-01-01\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, other)
        assert not _appends(form)
        form.query_one("#mode-append", RadioButton).value = True  # picked for other.csv
        await pilot.pause()
        await _preview(pilot, form, same)
        assert _appends(form)
        form.query_one("#mode-replace", RadioButton).value = True  # picked for more.csv
        await pilot.pause()
        await _preview(pilot, form, other)
        assert _appends(form)  # as picked for this file
        await _preview(pilot, form, same)
        assert not _appends(form)
        await pilot.press("escape")
        await pilot.pause()
    assert lead_count(store) == 2000


async def test_saving_a_path_not_yet_previewed_shows_its_preview_first(tmp_path):
    store = sample_copy(tmp_path)
    same = _same_columns(store, tmp_path / "more.csv")
    other = tmp_path / "other.csv"
    other.write_text("lead_id,day\nz1,2025-01-01\nz2,2025-01-02\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        form = await _open_form(pilot, same)
        assert _appends(form) and _picked(form) == _stored_picks(store)
        form.query_one("#f-path", Input).value = str(other)  # typed, enter not pressed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form  # nothing imported: other.csv's preview shown
        assert not screen.importing
        assert "z1" in text_of(form.query_one("#import-preview"))
        assert "other.csv" in text_of(form.query_one("#form-error"))
        assert not _appends(form)
        assert _picked(form)["id"] == "lead_id" and _picked(form)["created"] is Select.NULL
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)  # now it asks to replace
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert lead_count(store) == 2000


async def test_quitting_during_an_import_asks_and_abandons_it(tmp_path, monkeypatch):
    """The plan keeps its previous dataset: the import's transaction is rolled back, and the
    app waits for that, saying so, rather than leave a blank terminal."""
    import model.leads

    store = sample_copy(tmp_path)
    roles_before = store.leads_roles()
    reading = threading.Event()
    release = threading.Event()
    real_import = model.leads.import_leads_csv

    def slow_import(*args, progress, **kwargs):
        def held(done, total):
            reading.set()
            release.wait(10)
            progress(done, total)

        return real_import(*args, progress=held, **kwargs)

    monkeypatch.setattr(model.leads, "import_leads_csv", slow_import)
    other = tmp_path / "other.csv"
    other.write_text("lead_id,day\nz1,2025-01-01\nz2,2025-01-02\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        screen = await open_scoring(pilot)
        await _open_form(pilot, other)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.importing and reading.wait(10)
        await pilot.press("q")
        await pilot.pause()
        asked = pilot.app.screen
        assert isinstance(asked, ConfirmDialog)
        assert "import" in asked.title_text and "abandon" in asked.title_text
        await pilot.press("n")  # not now: the import goes on
        await pilot.pause()
        assert pilot.app.screen is screen and not pilot.app._exit
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not pilot.app._exit  # waits for the import to roll back
        assert "abandoning" in text_of(screen.query_one("#scoring-status-text"))
        release.set()
        for _ in range(200):
            if pilot.app._exit:
                break
            await pilot.pause(0.05)
        assert pilot.app._exit and not screen.importing
    assert lead_count(store) == 2000
    assert store.leads_roles() == roles_before


async def test_quitting_without_an_import_does_not_ask(tmp_path):
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert pilot.app._exit


async def test_replace_mentions_append_only_where_the_file_could_append(tmp_path):
    store = sample_copy(tmp_path)
    same = _same_columns(store, tmp_path / "more.csv")
    other = tmp_path / "other.csv"
    other.write_text("lead_id,day\na,2025-01-01\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, other)
        await pilot.press("ctrl+s")
        await pilot.pause()
        asked = pilot.app.screen
        assert isinstance(asked, ConfirmDialog)
        assert not any("Append" in line for line in asked.lines)
        await pilot.press("n")
        await pilot.pause()
        await _preview(pilot, form, same)
        form.query_one("#mode-replace", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        asked = pilot.app.screen
        assert isinstance(asked, ConfirmDialog)
        assert any("choose Append" in line for line in asked.lines)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert lead_count(store) == 2000


async def test_one_lead_is_one_lead(empty_store, tmp_path):
    from model.leads import import_leads_csv
    from model.schema import LeadsRoles

    first = tmp_path / "first.csv"
    first.write_text("lead_id,converted\nL1,yes\n")
    import_leads_csv(empty_store, first, roles=LeadsRoles(id="lead_id", outcome="converted",
                                                          won_values=["yes"]))
    second = tmp_path / "second.csv"
    second.write_text("lead_id,converted\nL2,no\n")
    async with app_on(empty_store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, second)
        form.query_one("#mode-replace", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        asked = pilot.app.screen
        assert isinstance(asked, ConfirmDialog)
        assert asked.title_text == "Replace 1 lead in the plan with second.csv?"
        await pilot.press("n")
        await pilot.pause()
        form.query_one("#mode-append", RadioButton).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any(n.message.startswith("1 lead from second.csv (appended); 2 leads in the plan")
                   for n in pilot.app._notifications)
    assert lead_count(empty_store) == 2


async def test_paths_pasted_with_quotes_or_escaped_spaces_are_read(tmp_path):
    store = sample_copy(tmp_path)
    spaced = _same_columns(store, tmp_path / "my leads.csv", rows=3)
    escaped = str(spaced).replace(" ", "\\ ")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, f"'{spaced}'")
        for typed in (f"'{spaced}'", f'"{spaced}"', escaped, f"  {escaped}  "):
            await _preview(pilot, form, typed)
            assert not form.query_one("#e-path").display, typed
            assert form.preview is not None and form.preview.columns == list(column_types(store))
            assert _appends(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not form
    assert lead_count(store) == 2003
    assert store.db.query("SELECT count(*) AS n FROM leads").__next__()["n"] == 2003


async def test_on_an_80_column_screen_the_preview_keeps_its_first_columns(tmp_path):
    import io

    from rich.console import Console

    names = ["Record ID", "Company Name", "Industry", "Employees", "Country", "Created Date",
             "Close Date", "Deal Stage", "Amount", "Email Opens", "Demo", "Source", "Title",
             "Phone", "City", "Notes"]
    path = tmp_path / "wide.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerow(["R-000123", "Acme Corp", "SaaS", "1200", "DE", "2025-02-01", "",
                         "Closed Won", "12000", "5", "yes", "web", "VP", "+49", "Berlin", "x"])
    store = sample_copy(tmp_path)
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, path)
        box = form.query_one("#import-preview")
        console = Console(width=box.content_region.width, file=io.StringIO(), record=True,
                          color_system=None)
        console.print(box.content)
        shown = console.export_text()
        assert "Record ID" in shown and "R-000123" in shown


def _errors(form: LeadsImportForm) -> dict[str, str]:
    shown = {}
    for field in ("path", *ROLES, "won_values", "date_format"):
        note = form.query_one(f"#e-{field}")
        if note.display:
            shown[field] = text_of(note)
    return shown


async def test_refusals_the_first_rows_show_come_before_the_replace_is_confirmed(tmp_path):
    """A created date that is no date in the first rows, and a date format strptime cannot use,
    are said at their fields; nothing asks to replace the leads, and none are replaced."""
    store = sample_copy(tmp_path)
    before = lead_count(store)
    export = tmp_path / "export.csv"
    export.write_text("lead_id,created,converted\na,2025-01-01,yes\nb,next week,no\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, export)
        assert form.query_one("#f-created", Select).value == "created"
        hint = form.query_one("#date-hint")
        assert hint.display and "'created' holds 'next week', which is not a date" in text_of(hint)
        form.query_one("#f-date_format", Input).value = "dd/mm/yyyy"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form is pilot.app.screen  # no replace asked for
        errors = _errors(form)
        assert "not a strptime pattern" in errors["date_format"]
        assert "the import would refuse it: 'created' holds 'next week'" in errors["created"]
        form.query_one("#f-date_format", Input).value = ""
        form.query_one("#f-created", Select).clear()  # no created role: the file imports
        await pilot.pause()
        assert not hint.display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
    assert lead_count(store) == before


async def test_dates_the_first_rows_leave_open_are_pointed_out_but_not_refused(tmp_path):
    """03/04 and 05/06 read both ways; a later row may settle it, so the import is asked for."""
    store = sample_copy(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text("lead_id,created,converted\na,03/04/2025,yes\nb,05/06/2025,no\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, export)
        hint = form.query_one("#date-hint")
        assert hint.display and "could be day/month or month/day" in text_of(hint)
        form.query_one("#f-date_format", Input).value = "%d/%m/%Y"
        await pilot.pause()
        assert not hint.display
        form.query_one("#f-date_format", Input).value = ""
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not _errors(form)
        assert isinstance(pilot.app.screen, ConfirmDialog)


async def test_won_values_the_new_file_never_has_give_way_to_the_suggestion(tmp_path):
    """The sample was imported with won = `1`; a file saying `yes`/`no` gets `yes` suggested,
    not the kept `1`, which no lead has (every lead would count lost)."""
    store = sample_copy(tmp_path)
    export = tmp_path / "yesno.csv"
    export.write_text("lead_id,created,closed,converted\nA,2025-01-01,2025-02-01,yes\n"
                      "B,2025-01-02,2025-02-03,no\nC,2025-01-03,,-\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, export)
        assert form.query_one("#f-outcome", Select).value == "converted"
        assert form.query_one("#f-won_values", Input).value == "yes"
        # `-` is a placeholder the import reads as blank: not offered as a value
        assert text_of(form.query_one("#outcome-values")).strip() == "converted holds: yes, no"


async def test_a_mended_date_format_clears_its_refusal_and_two_digit_years_get_their_format(
        tmp_path):
    store = sample_copy(tmp_path)
    export = tmp_path / "dates.csv"
    export.write_text("lead_id,created\nA,02/01/25\nB,03/04/25\n")
    async with app_on(store).run_test(size=(120, 40)) as pilot:
        await open_scoring(pilot)
        form = await _open_form(pilot, export)
        assert "give the date format (%d/%m/%y or %m/%d/%y)" in text_of(
            form.query_one("#date-hint"))
        box = form.query_one("#f-date_format", Input)
        box.value = "dd/mm/yy"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a strptime pattern" in _errors(form)["date_format"]
        box.value = "%d/%m/%y"
        await pilot.pause()
        assert "date_format" not in _errors(form) and not box.has_class("-invalid")
        assert not form.query_one("#date-hint").display
