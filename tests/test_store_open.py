import sqlite3

import pytest

import model.migrations as mig
from model.errors import AlignError
from model.schema import Department
from model.store import PlanStore


def _bytes(path):
    return path.read_bytes()


def test_new_file_becomes_a_plan_named_after_it(tmp_path):
    with PlanStore.open(tmp_path / "acme.db") as s:
        assert s.settings().name == "acme"
        assert mig.applied_version(s.conn) == mig.latest_version()


def test_empty_file_becomes_a_plan(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with PlanStore.open(path) as s:
        assert s.departments() == []


def test_missing_file_without_create(tmp_path):
    with pytest.raises(AlignError, match="no such plan"):
        PlanStore.open(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


def test_missing_folder(tmp_path):
    with pytest.raises(AlignError, match="does not exist"):
        PlanStore.open(tmp_path / "no" / "plan.db")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(AlignError, match="folder"):
        PlanStore.open(tmp_path)


def test_text_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello, not a database")
    with pytest.raises(AlignError, match="not a SQLite database"):
        PlanStore.open(path)
    assert path.read_text() == "hello, not a database"


def _foreign_database(path, journal_mode: str | None = None):
    """A SQLite database some other program keeps: one table, one row."""
    conn = sqlite3.connect(path)
    if journal_mode:
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()
    return path


def test_unrelated_sqlite_database_is_refused_and_untouched(tmp_path):
    path = _foreign_database(tmp_path / "other.db")
    before = _bytes(path)
    with pytest.raises(AlignError, match="not an Align plan"):
        PlanStore.open(path)
    assert _bytes(path) == before
    assert not (tmp_path / "other.db-wal").exists()


def test_corrupt_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    before = _bytes(path)
    with pytest.raises(AlignError):
        PlanStore.open(path)
    assert _bytes(path) == before


def test_newer_plan_is_refused_and_untouched(tmp_path):
    path = tmp_path / "future.db"
    with PlanStore.open(path) as s:
        s.db.execute("UPDATE align_meta SET value = '99' WHERE key = 'schema_version'")
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _bytes(path)
    with pytest.raises(AlignError, match="newer version of Align"):
        PlanStore.open(path)
    assert _bytes(path) == before


def test_older_plan_is_backed_up_then_migrated(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with PlanStore.open(path) as s:
        s.save_department(Department(id="sales", name="Sales"))
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    current = mig.latest_version()

    def m_next(db):
        db.execute("ALTER TABLE departments ADD COLUMN colour TEXT")

    monkeypatch.setattr(mig, "STEPS", [*mig.STEPS, ("m_next_test_column", m_next)])
    with PlanStore.open(path) as s:
        assert "colour" in s.db["departments"].columns_dict
        assert s.departments()[0].id == "sales"
        assert next(s.db.query("SELECT value FROM align_meta WHERE key='schema_version'"))["value"] == str(current + 1)
    backup = tmp_path / f"old.db.v{current}.bak"
    assert backup.exists()
    conn = sqlite3.connect(backup)
    assert "colour" not in [r[1] for r in conn.execute("PRAGMA table_info(departments)")]
    conn.close()


def test_memory_store(tmp_path):
    s = PlanStore.memory(name="Scratch")
    assert s.settings().name == "Scratch" and s.path is None


def test_unrelated_wal_database_is_refused_without_side_files(tmp_path):
    # Reading a WAL-mode database creates its -wal and -shm files; a refused file keeps none.
    path = _foreign_database(tmp_path / "crm.sqlite", journal_mode="wal")
    before = _bytes(path)
    with pytest.raises(AlignError, match="not an Align plan; it was left untouched"):
        PlanStore.open(path)
    assert _bytes(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.sqlite"]


def test_plan_open_in_another_instance_is_recognised(tmp_path):
    # With another instance holding it open, the plan's content may sit in its -wal file.
    path = tmp_path / "plan.db"
    first = PlanStore.open(path, name="Shared")
    try:
        assert (tmp_path / "plan.db-wal").exists()
        with PlanStore.open(path) as second:
            assert second.conn.execute(
                "SELECT value FROM align_meta WHERE key = 'format'").fetchone() is not None
    finally:
        first.close()


def test_a_plan_reached_through_a_link_while_open_elsewhere(tmp_path):
    # The journal sits beside the file the link points to: the probe must look there.
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "plan.db"
    link.symlink_to(tmp_path / "real" / "plan.db")
    first = PlanStore.open(link, name="Linked")
    try:
        with PlanStore.open(link, create=False) as second:
            assert second.settings().name == "Linked"
    finally:
        first.close()


def test_a_foreign_database_with_a_very_long_name_is_refused(tmp_path):
    # No room for "-wal" after the name, nor for "-journal" while it is written.
    path = _foreign_database(tmp_path / ("x" * 251 + ".db"), journal_mode="memory")
    with pytest.raises(AlignError, match="not an Align plan"):
        PlanStore.open(path)


def test_opening_the_plan_again_in_this_process_keeps_its_locks(tmp_path):
    """A worker opening the plan must not drop the locks the app's own connection holds: with
    them gone, another program reading the plan and closing took itself for the last one,
    checkpointed and deleted the WAL, and the app's next edits went to the deleted file."""
    import subprocess
    import sys

    path = tmp_path / "plan.db"
    app = PlanStore.open(path, name="Shared")
    try:
        app.save_department(Department(id="sales", name="Sales"))
        with PlanStore.open(path, create=False) as worker:  # as the app's workers do
            assert worker.departments()[0].id == "sales"
        reader = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                  "c.execute('SELECT count(*) FROM sqlite_master').fetchone(); c.close()")
        subprocess.run([sys.executable, "-c", reader, str(path)], check=True)
        assert (tmp_path / "plan.db-wal").exists()  # still the app's, not deleted under it
        app.save_department(Department(id="ops", name="Ops"))
    finally:
        app.close()
    with PlanStore.open(path) as again:
        assert [d.id for d in again.departments()] == ["ops", "sales"]


def test_a_plan_open_here_is_never_read_as_a_plain_file(tmp_path):
    """Reading the open plan (or its WAL) as an import file would close a plain descriptor of
    it and drop this process's locks: refused before any read, saying what the file is."""
    from model.exchange import check_export_target, read_plan_file
    from model.leads import import_leads_csv, read_csv_header
    from model.schema import LeadsRoles

    path = tmp_path / "plan.db"
    store = PlanStore.open(path, name="Shared")
    wal = tmp_path / "plan.db-wal"
    try:
        assert wal.exists()
        with pytest.raises(AlignError, match="is the plan Align has open, not a TOML plan file"):
            read_plan_file(path)
        with pytest.raises(AlignError, match="is the plan Align has open, not a CSV export"):
            import_leads_csv(store, path, roles=LeadsRoles())
        with pytest.raises(AlignError, match="is the wal file SQLite keeps beside the plan"):
            read_csv_header(wal)
        link = tmp_path / "link.csv"
        link.symlink_to(path)
        with pytest.raises(AlignError, match="is the plan Align has open"):
            read_csv_header(link)
        other = PlanStore.open(tmp_path / "other.db")
        other.close()
        with pytest.raises(AlignError, match="is a SQLite database"):
            check_export_target(tmp_path / "other.db", path)
    finally:
        store.close()
    with pytest.raises(AlignError, match="this is a binary file, not a TOML plan"):
        read_plan_file(path)  # closed: read, and refused for what it holds


def test_a_plan_that_fails_to_open_is_not_held_open(tmp_path, monkeypatch):
    """A failure after the store is made (here, setting up the schema) closes it: the file is
    not left counted as open, which would refuse it later as an import file."""
    from model import open_plans
    from model.exchange import read_plan_file

    path = tmp_path / "plan.toml"

    def broken(db):
        raise AlignError("cannot set up")

    monkeypatch.setattr(mig, "STEPS", [*mig.STEPS, ("m_broken_test", broken)])
    with pytest.raises(AlignError):
        PlanStore.open(path)
    assert str(path.resolve()) not in open_plans._names  # other tests may hold their own
    path.write_text('format = "align-plan"\nversion = 1\nname = "x"\n')
    assert read_plan_file(path).plan.settings.name == "x"
