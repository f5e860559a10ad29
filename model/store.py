"""The plan store: one SQLite file through sqlite-utils, and the repository API that the screens
and the command line share. Every multi-row change runs in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from model import migrations as mig
from model import open_plans
from model.errors import AlignError, PlanWriteError, shown_key
from model.schema import (
    ENTITY_KINDS,
    PERSONA_LIST_FIELDS,
    Condition,
    Decision,
    Department,
    KeyResult,
    LeadsRoles,
    Measurement,
    Metric,
    Note,
    Objective,
    Persona,
    Plan,
    PlanSettings,
    Review,
    Rule,
    ScoringModel,
    default_plan_name,
    entity_key,
    now_timestamp,
    reference_errors,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

PLAN_FORMAT = "align-plan"
BUSY_TIMEOUT_MS = 5000
UI_BUSY_TIMEOUT_MS = 100
"""The app's screens write on their own thread: a plan another program is writing to is said to
be busy after this long, rather than freezing the screen for the whole `BUSY_TIMEOUT_MS`."""

KIND_LABELS = {
    "departments": ("department", "departments"),
    "objectives": ("objective", "objectives"),
    "metrics": ("metric", "metrics"),
    "measurements": ("measurement", "measurements"),
    "personas": ("persona", "personas"),
    "notes": ("note", "notes"),
    "decisions": ("decision", "decisions"),
    "scoring_models": ("scoring model", "scoring models"),
    "reviews": ("review", "reviews"),
}


def format_validation_error(exc: ValidationError, prefix: str = "") -> list[str]:
    """One `location: message` line per pydantic error, in the TOML location style."""
    lines: list[str] = []
    union_seen: set[str] = set()
    for err in exc.errors():
        parts = list(err["loc"])
        # A union field (a condition's value) reports one error per branch; say it once.
        # A branch's tag follows the field's name; a field named like a tag (a note's `date`)
        # follows an index or starts the location.
        branch = next((i for i, part in enumerate(parts)
                       if i and isinstance(parts[i - 1], str) and isinstance(part, str)
                       and part.split("[")[0] in _UNION_BRANCHES), None)
        if branch is not None:
            key = repr(parts[:branch])
            if key in union_seen:
                continue
            union_seen.add(key)
            err = {**err, "loc": tuple(parts[:branch]), "type": "union_value",
                   "msg": "expected text, a number, a date, true/false or a list of them"}
        loc = prefix
        for part in err["loc"]:
            if part == "[key]":  # a mapping's key is wrong: the location ends at the key
                continue
            if isinstance(part, int):
                loc += f"[{part}]"
            else:
                loc += ("." if loc else "") + shown_key(part)
        lines.append(f"{loc}: {_friendly(err)}" if loc else _friendly(err))
    return lines


_UNION_BRANCHES = {"str", "float", "int", "bool", "date", "list"}


def _friendly(err: Any) -> str:
    """Pydantic's message, reworded for a planner reading a TOML file or a form."""
    kind, given, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        whole = "whole " if kind.startswith("int") else ""
        return f"expected a {whole}number, got {given!r}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required, but missing"
    if kind == "string_too_short" or (kind == "too_short" and isinstance(given, str)):
        return "must not be empty"
    if kind == "string_too_long" or (kind == "too_long" and isinstance(given, str)):
        return f"too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "string_type":
        return f"expected text, got {given!r}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {given!r}"
    if kind == "list_type":
        return f"expected a list, got {given!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a table, got {given!r}"
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return f"expected a date such as 2026-03-31, got {given!r}"
    if kind == "literal_error":
        return f"{given!r} is not one of {ctx.get('expected')}"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg.replace("Input should be", "must be")


def later_than(stamp: str) -> str:
    """The next stamp after `stamp`: a new recording never replaces one made in the same second."""
    return (dt.datetime.fromisoformat(stamp) + dt.timedelta(seconds=1)).isoformat()


def _now() -> str:
    return now_timestamp()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _unjson(value: str | None, default: Any) -> Any:
    if value is None or value == "":
        return default
    return json.loads(value)


def _read_only_uri(path: Path) -> str:
    """A read-only SQLite URI; the path is escaped, so names with `#`, `?` or `%` work."""
    return path.resolve().as_uri() + "?mode=ro"


def _probe_uri(path: Path) -> str:
    """A URI to look inside a file that may not be ours without leaving a trace. Reading a
    WAL-mode database, even read-only, creates its `-wal` and `-shm` files, which a read-only
    connection cannot remove again; with no journal beside the file, all its content is in the
    file itself, so it is read as immutable (no locks, no side files). With a journal present
    (someone has it open, or a write was cut short) it is read the usual way."""
    uri = _read_only_uri(path)
    real = path.resolve()  # SQLite keeps the journal beside the file a link points to
    if not any(_exists(real.with_name(real.name + suffix)) for suffix in ("-wal", "-journal")):
        uri += "&immutable=1"
    return uri


def read_only_reason(path: Path) -> str | None:
    """Why Align may not write the plan at `path`, or None when it may: SQLite changes the file
    and creates its journal beside it, so both the file and its folder must be writable."""
    real = path.resolve()
    if not os.access(real, os.W_OK):
        return f"{path} is read-only"
    if not os.access(real.parent, os.W_OK):
        return f"{path} is in a folder Align cannot write to ({real.parent})"
    return None


def connect_to_read(path: Path, **kwargs: Any) -> sqlite3.Connection:
    """A connection for reading the plan at `path`: the usual one, or, for a plan Align may not
    write, a read-only one, which sees what others write to the plan meanwhile. Except for a WAL
    plan nobody has open (no `-wal` beside it): SQLite would create the `-wal` and `-shm` files
    to read it and leave them, the `-shm` with the plan's own permissions, which can stop the
    plan's owner from saving; such a plan is read as it is, unchanging."""
    kwargs.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
    if not read_only_reason(path):
        return sqlite3.connect(str(path), **kwargs)
    real = path.resolve()
    if _wal_header(real) and not _exists(real.with_name(real.name + "-wal")):
        return sqlite3.connect(_read_only_uri(path) + "&immutable=1", uri=True, **kwargs)
    conn = sqlite3.connect(_read_only_uri(path), uri=True, **kwargs)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:  # a WAL plan whose -shm cannot be made here
        conn.close()
    return sqlite3.connect(_probe_uri(path), uri=True, **kwargs)


def _wal_header(path: Path) -> bool:
    """Whether the plan file says it is in WAL mode (header bytes 18 and 19). Read as a plain
    file, which is safe here: only for a plan this process reads, never writes."""
    try:
        with path.open("rb") as fh:
            fh.seek(18)
            return fh.read(2) == b"\x02\x02"
    except OSError:
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for a journal beside it: there is none
        return False


def _check_is_plan_file(path: Path, _recovered: bool = False) -> bool:
    """True if `path` holds an Align plan, False if it is empty or new; raises if it is neither."""
    if not path.exists():
        return False
    if path.is_dir():
        raise AlignError(f"{path} is a folder, not a plan file")
    size = path.stat().st_size
    if size == 0:
        return False
    if not os.access(path, os.R_OK):
        raise AlignError(f"{path} cannot be read: no permission (its owner can share a copy, or "
                         "an export)")
    # Only SQLite opens the file, never Python: closing any descriptor of a file drops every
    # POSIX lock this process holds on it, SQLite's included, and another program could then
    # take the plan's WAL from under a connection still writing to it. SQLite shares its locks
    # among its own connections to one file.
    try:
        conn = sqlite3.connect(_probe_uri(path), uri=True)
        try:
            objects = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            marks = conn.execute("PRAGMA user_version").fetchone()[0] or conn.execute(
                "PRAGMA application_id").fetchone()[0]
            if not objects and not marks:
                return False
            if "align_meta" not in objects:
                raise AlignError(
                    f"{path} is a SQLite database but not an Align plan; it was left untouched")
            meta = dict(conn.execute("SELECT key, value FROM align_meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise AlignError(f"{path} is locked by another program; try again when it is done") from None
        if "not a database" in str(exc):
            raise AlignError(f"{path} is not an Align plan: it is not a SQLite database") from None
        journal = path.resolve().with_name(path.resolve().name + "-journal")
        if "readonly" in str(exc) and _exists(journal) and not _recovered:
            # A write cut short left its journal: reading through a read-only connection cannot
            # roll it back, as any connection that may write does on first read.
            if reason := read_only_reason(path):
                raise AlignError(f"{path} holds a change cut short (its {journal.name} is beside "
                                 f"it) and {reason.removeprefix(f'{path} ')}: someone who can "
                                 "write the plan must open it once, which undoes that change"
                                 ) from None
            recover = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                recover.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as again:
                raise AlignError(f"{path} cannot be read as a SQLite database ({again})") from None
            finally:
                recover.close()
            return _check_is_plan_file(path, _recovered=True)
        raise AlignError(f"{path} cannot be read as a SQLite database ({exc})") from None
    if meta.get("format") != PLAN_FORMAT:
        raise AlignError(f"{path} is a SQLite database but not an Align plan; it was left untouched")
    version = int(meta.get("schema_version", "0"))
    if version > mig.latest_version():
        raise AlignError(
            f"{path} was saved by a newer version of Align (plan schema {version}; this version "
            f"reads up to {mig.latest_version()}). Upgrade Align to open it; the file was left untouched")
    return True


@dataclass
class DeleteImpact:
    """What goes with a deletion, or why it cannot happen."""

    removes: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blocked_by


class PlanStore:
    """One opened plan. Not thread-safe: a worker thread opens its own store on the same path."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        # held while the connection is open: nothing in this process may read the file plainly
        self._held = open_plans.hold(path) if path is not None else None
        self._db: Database | None = None
        self._refusal: str | None = None
        self.read_only: str | None = None  # set when the plan is open only to be read

    @property
    def db(self) -> Database:
        """The plan through sqlite-utils, for writes and table helpers. Built on first use, so
        opening a plan and reading it (all that start-up does) never imports sqlite-utils."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def _query(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, as sqlite-utils' `query` gives them, straight from the connection."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def _has_table(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 [name]).fetchone() is not None

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, name: str | None = None,
             read_only: bool = False, wal: bool = True) -> PlanStore:
        """The plan at `path`, created if missing (with `create`), migrated to this version
        (after a backup) and switched to WAL. A plan Align may not write is opened to be read
        (`_open_to_read`), its writes refused saying why. With `read_only` a plan is always
        opened that way, for commands that only read and so leave the file as it is; only a
        plan from an older version is still upgraded first. `wal=False` keeps the file's
        journal mode: a command whose write may yet be refused leaves the file as it was."""
        path = Path(path)
        existing = _check_is_plan_file(path)
        if not existing and not create:
            raise AlignError(f"{path}: no such plan (create one with `align init {path}`)")
        if not existing and (refusal := cls.creation_refusal(path)) is not None:
            raise AlignError(refusal)
        reason = read_only_reason(path) if existing else None
        if existing and (read_only or reason):
            if not cls.would_migrate(path):
                return cls._open_to_read(path, reason)
            if reason:
                raise AlignError(f"{reason}, and the plan is from an older version of Align, "
                                 "which must upgrade it before reading it: copy it to a folder "
                                 "you can write to and open the copy")
        if existing:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            if mig.pending(conn):
                backup = path.with_name(f"{path.name}.v{cls._version_of(path)}.bak")
                try:
                    target = sqlite3.connect(str(backup))
                    with target:
                        conn.backup(target)
                    target.close()
                except sqlite3.Error as exc:
                    conn.close()
                    raise AlignError(f"{path}: cannot write the backup {backup.name} before "
                                     f"upgrading the plan ({exc}); the plan was left as it was") from None
        else:
            try:
                conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            except sqlite3.Error as exc:
                raise AlignError(f"{path}: cannot create the plan ({exc})") from None
        return cls._ready(conn, path, name=name, wal=wal)

    @staticmethod
    def creation_refusal(path: Path) -> str | None:
        """Why no plan can be made at `path` (no such folder, one Align cannot write to, an
        empty file it cannot write), or None: said before anything is read or written, by
        `open` and by a dry run, which makes its plan in memory."""
        folder = path.parent
        if not folder.exists():
            return f"{path}: folder {folder} does not exist"
        if not folder.is_dir():
            return f"{path}: {folder} is a file, not a folder"
        if not os.access(folder, os.W_OK):
            return f"{path}: cannot create the plan in {folder}, a folder Align cannot write to"
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path} is an empty file Align cannot write to: cannot make a plan of it"
        return None

    @classmethod
    def _open_to_read(cls, path: Path, reason: str | None) -> PlanStore:
        """The plan at `path` (at this version's schema) for reading, the file left exactly as
        it is: no switch to WAL, every write refused. A plan Align may not write (`reason`) is
        read through a read-only connection, so it opens from a read-only folder or share."""
        conn = None
        try:
            conn = connect_to_read(path)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise AlignError(f"{path}: cannot read the plan ({exc})") from None
        store = cls(conn, path)
        try:
            store._configure(wal=False)
        except BaseException:
            store.close()
            raise
        store.read_only = reason or f"{path} is open read-only"
        return store

    @classmethod
    def snapshot(cls, path: str | Path) -> PlanStore:
        """The plan at `path` copied into memory and brought to this version's schema, the file
        left as it is: for looking without writing (a dry run), even at an older plan, which
        `open` would back up and migrate in place."""
        path = Path(path)
        if not _check_is_plan_file(path):
            raise AlignError(f"{path}: no such plan (create one with `align init {path}`)")
        conn = sqlite3.connect(":memory:")
        try:
            source = sqlite3.connect(_probe_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                source.backup(conn)
            finally:
                source.close()
        except sqlite3.Error as exc:
            conn.close()
            raise AlignError(f"{path}: cannot read the plan ({exc})") from None
        return cls._ready(conn, None)

    @staticmethod
    def would_migrate(path: str | Path) -> bool:
        """Whether `open` would migrate the plan at `path` (a plan from an older version)."""
        path = Path(path)
        if not _check_is_plan_file(path):
            return False
        conn = sqlite3.connect(_probe_uri(path), uri=True)
        try:
            return bool(mig.pending(conn))
        except sqlite3.Error as exc:
            raise AlignError(f"{path}: cannot read the plan ({exc})") from None
        finally:
            conn.close()

    @classmethod
    def _ready(cls, conn: sqlite3.Connection, path: Path | None, *,
               name: str | None = None, wal: bool = True) -> PlanStore:
        """A store on `conn`, configured (WAL for a file, unless not `wal`) and at this
        version's schema."""
        store = cls(conn, path)
        try:
            store._configure(wal=wal and path is not None)
            store._migrate(name=name)
        except BaseException:
            store.close()  # its connection, and its hold on the file (`open_plans`)
            raise
        return store

    @staticmethod
    def _version_of(path: Path) -> int:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            row = conn.execute("SELECT value FROM align_meta WHERE key='schema_version'").fetchone()
            return int(row[0]) if row else 0
        finally:
            conn.close()

    @classmethod
    def memory(cls, name: str | None = None) -> PlanStore:
        return cls._ready(sqlite3.connect(":memory:"), None, name=name)

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another program's write to end before it is refused as
        busy; the app's own connection waits briefly, as its screen waits with it."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")

    def _configure(self, *, wal: bool) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if wal:
            # Switching to WAL can report "locked" at once, without waiting, while another
            # instance is creating or switching the same file; retry within the busy timeout.
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            while True:
                try:
                    if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        self.conn.execute("PRAGMA journal_mode = wal")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc):
                        raise AlignError(f"{self.path}: cannot write the plan ({exc})") from None
                    if time.monotonic() > deadline:
                        raise AlignError(
                            f"{self.path}: the plan is locked by another program ({exc})") from None
                    time.sleep(0.02)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def _migrate(self, name: str | None) -> None:
        """Create or upgrade the schema. Everything happens under one write lock, re-checked
        inside it, so two instances opening a new file at once cannot both create it, and no one
        ever sees a half-created plan."""
        if not mig.pending(self.conn) and self._meta().get("schema_version") == str(
                mig.latest_version()):
            return
        try:
            with self.transaction():
                fresh = not self._has_table("align_meta")
                mig.apply(self.db)
                now = _now()
                self.conn.execute(
                    "INSERT INTO align_meta (key, value, created_at, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    ["schema_version", str(mig.latest_version()), now, now])
                if fresh:
                    self.conn.execute(
                        "INSERT INTO align_meta (key, value, created_at, updated_at) VALUES (?, ?, ?, ?)",
                        ["format", PLAN_FORMAT, now, now])
                    self.conn.execute(
                        "INSERT INTO plan (id, name, fiscal_year_start, created_at, updated_at) "
                        "VALUES (1, ?, 1, ?, ?)",
                        [name or default_plan_name(self.path), now, now])
        except AlignError as exc:
            raise AlignError(f"{self.path}: cannot set up the plan: {exc}") from None

    def _meta(self) -> dict[str, str]:
        if not self._has_table("align_meta"):
            return {}
        return {r["key"]: r["value"] for r in self._query("SELECT key, value FROM align_meta")}

    def close(self) -> None:
        self.conn.close()
        if self._held is not None:
            open_plans.release(self._held)
            self._held = None

    def __enter__(self) -> PlanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, holding the write lock from its start so that what it reads
        is what it overwrites (another instance waits, or is told the plan is busy). Foreign keys
        are checked at commit, so rows may arrive in any order. Nested use joins the outer one."""
        conn = self.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        if self.write_refusal:
            raise AlignError(self.write_refusal)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _friendly_sqlite_error(exc) from None
        try:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError):
                raise _friendly_sqlite_error(exc) from None
            raise

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: all that is read inside it is one state of the plan, whoever
        writes meanwhile. Takes no write lock, so it works on a plan open only to be read.
        Nested use joins the outer transaction."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # only read: nothing to keep

    def refuse_writes(self, reason: str | None) -> None:
        """While `reason` is set, every write through this store is refused at once with it as
        the message. For a long write on another connection of the same app (a leads import in
        a worker holds the plan's write lock for seconds): waiting for the lock would freeze
        the screen, and failing after the wait would blame another program."""
        self._refusal = reason

    @property
    def write_refusal(self) -> str | None:
        """Why writes are refused just now (`refuse_writes`), for work that writes to the same
        plan through a connection of its own; None when they are not. A plan open only to be
        read refuses them all the time."""
        if self.read_only:
            return f"{self.read_only}: nothing was saved"
        return self._refusal

    # ---- settings ------------------------------------------------------------------------
    def settings(self) -> PlanSettings:
        row = next(self._query("SELECT name, fiscal_year_start FROM plan WHERE id = 1"))
        return PlanSettings.model_construct(name=row["name"],
                                            fiscal_year_start=row["fiscal_year_start"])

    def save_settings(self, settings: PlanSettings) -> None:
        with self.transaction():
            self._write_settings(settings)

    def _write_settings(self, settings: PlanSettings) -> None:
        self.conn.execute("UPDATE plan SET name = ?, fiscal_year_start = ?, updated_at = ? WHERE id = 1",
                        [settings.name, settings.fiscal_year_start, _now()])

    # ---- reading ---------------------------------------------------------------------------
    def departments(self) -> list[Department]:
        return [Department.model_construct(**r)
                for r in self._query("SELECT id, name FROM departments ORDER BY id")]

    def metrics(self) -> list[Metric]:
        depts = self._grouped("SELECT metric AS k, department AS v FROM metric_departments ORDER BY 1, 2")
        targets: dict[str, dict[str, float]] = {}
        for r in self._query("SELECT metric, period, target FROM metric_targets ORDER BY metric, period"):
            targets.setdefault(r["metric"], {})[r["period"]] = r["target"]
        out = []
        for r in self._query("SELECT * FROM metrics ORDER BY id"):
            out.append(Metric.model_construct(
                id=r["id"], name=r["name"], description=r["description"] or "", unit=r["unit"],
                direction=r["direction"], aggregation=r["aggregation"], formula=r["formula"],
                departments=depts.get(r["id"], []), targets=targets.get(r["id"], {}),
                amber_tolerance=r["amber_tolerance"]))
        return out

    def objectives(self, period: str | None = None) -> list[Objective]:
        depts = self._grouped("SELECT objective AS k, department AS v FROM objective_departments ORDER BY 1, 2")
        personas = self._grouped("SELECT objective AS k, persona AS v FROM objective_personas ORDER BY 1, 2")
        krs: dict[str, list[KeyResult]] = {}
        for r in self._query("SELECT * FROM key_results ORDER BY objective, position"):
            krs.setdefault(r["objective"], []).append(KeyResult.model_construct(
                metric=r["metric"], baseline=r["baseline"], target=r["target"], weight=r["weight"]))
        sql, params = "SELECT * FROM objectives", []
        if period is not None:
            sql += " WHERE period = ?"
            params.append(period)
        out = []
        for r in self._query(sql + " ORDER BY id", params):
            out.append(Objective.model_construct(
                id=r["id"], title=r["title"], why=r["why"] or "", period=r["period"], owner=r["owner"],
                departments=depts.get(r["id"], [r["owner"]]), parent=r["parent"], state=r["state"],
                confidence=r["confidence"], personas=personas.get(r["id"], []),
                key_results=krs.get(r["id"], [])))
        return out

    def measurements(self, metric: str | None = None, period: str | None = None) -> list[Measurement]:
        """The full history, oldest recording first within each metric and period."""
        where, params = [], []
        if metric is not None:
            where.append("metric = ?")
            params.append(metric)
        if period is not None:
            where.append("period = ?")
            params.append(period)
        sql = "SELECT metric, period, value, not_applicable, note, source, recorded_at FROM measurements"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY metric, period, recorded_at, id"
        return [Measurement.model_construct(
            metric=r["metric"], period=r["period"], value=r["value"],
            not_applicable=bool(r["not_applicable"]), note=r["note"] or "", source=r["source"],
            recorded_at=r["recorded_at"]) for r in self._query(sql, params)]

    def personas(self) -> list[Persona]:
        out = []
        for r in self._query("SELECT * FROM personas ORDER BY id"):
            data = {k: (r[k] or "") for k in Persona.model_fields
                    if k not in PERSONA_LIST_FIELDS and k not in ("match", "last_validated")}
            for k in PERSONA_LIST_FIELDS:
                data[k] = _unjson(r[k], [])
            data["last_validated"] = (dt.date.fromisoformat(r["last_validated"])
                                      if r["last_validated"] else None)
            data["match"] = [Condition.model_construct(**c) for c in _unjson(r["match"], [])]
            out.append(Persona.model_construct(**data))
        return out

    def notes(self) -> list[Note]:
        return [Note.model_construct(
            id=r["id"], objective=r["objective"], metric=r["metric"],
            date=dt.date.fromisoformat(r["date"]), text=r["text"], kind=r["kind"],
            from_department=r["from_department"], to_department=r["to_department"])
            for r in self._query("SELECT * FROM notes ORDER BY id")]

    def decisions(self) -> list[Decision]:
        return [Decision.model_construct(
            id=r["id"], objective=r["objective"], metric=r["metric"],
            date=dt.date.fromisoformat(r["date"]), text=r["text"], owner=r["owner"],
            due=dt.date.fromisoformat(r["due"]) if r["due"] else None, state=r["state"],
            answers=r["answers"]) for r in self._query("SELECT * FROM decisions ORDER BY id")]

    def scoring_models(self) -> list[ScoringModel]:
        rules: dict[str, list[Rule]] = {}
        for r in self._query("SELECT * FROM rules ORDER BY model, position, id"):
            rules.setdefault(r["model"], []).append(Rule.model_construct(
                id=r["id"], name=r["name"] or "", dimension=r["dimension"],
                when=[Condition.model_construct(**c) for c in json.loads(r["conditions"])],
                points=r["points"], knockout=bool(r["knockout"]), enabled=bool(r["enabled"]),
                rationale=r["rationale"] or "", owner=r["owner"]))
        return [ScoringModel.model_construct(
            id=r["id"], name=r["name"], fit_cap=r["fit_cap"], engagement_cap=r["engagement_cap"],
            fit_bands=json.loads(r["fit_bands"]), engagement_bands=json.loads(r["engagement_bands"]),
            mql_cells=json.loads(r["mql_cells"]), mql_min_total=r["mql_min_total"],
            rules=rules.get(r["id"], [])) for r in self._query("SELECT * FROM scoring_models ORDER BY id")]

    def reviews(self, period: str | None = None) -> list[Review]:
        """The saved review meetings, by id (`model.reviews.reviews` lists them newest first).
        Each is one JSON record, validated as it is read, since it nests lists of records."""
        sql, params = "SELECT summary FROM reviews", []
        if period is not None:
            sql += " WHERE period = ?"
            params.append(period)
        return [Review.model_validate_json(r["summary"])
                for r in self._query(sql + " ORDER BY id", params)]

    def leads_roles(self) -> LeadsRoles | None:
        rows = list(self._query("SELECT * FROM leads_roles WHERE id = 1"))
        if not rows:
            return None
        r = rows[0]
        return LeadsRoles.model_construct(id=r["id_column"], outcome=r["outcome"],
                          won_values=_unjson(r["won_values"], []), created=r["created"],
                          closed=r["closed"], amount=r["amount"], date_format=r["date_format"])

    def _grouped(self, sql: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._query(sql):
            out.setdefault(r["k"], []).append(r["v"])
        return out

    def get(self, kind: str, key: Any) -> Any | None:
        for entity in self.list(kind):
            if entity_key(kind, entity) == key:
                return entity
        return None

    def list(self, kind: str) -> list[Any]:
        if kind not in ENTITY_KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return getattr(self, kind)()

    def objective(self, objective_id: str) -> Objective | None:
        return self.get("objectives", objective_id)

    def metric(self, metric_id: str) -> Metric | None:
        return self.get("metrics", metric_id)

    def persona(self, persona_id: str) -> Persona | None:
        return self.get("personas", persona_id)

    def scoring_model(self, model_id: str) -> ScoringModel | None:
        return self.get("scoring_models", model_id)

    def load_plan(self, *, with_measurements: bool = True, with_reviews: bool = True) -> Plan:
        """The whole plan; saves of other kinds skip the measurement history and the reviews,
        which no link check needs and which are most of a large plan."""
        measurements = self.measurements() if with_measurements else []
        return Plan.model_construct(
            settings=self.settings(), departments=self.departments(), objectives=self.objectives(),
            metrics=self.metrics(), measurements=measurements, personas=self.personas(),
            notes=self.notes(), decisions=self.decisions(), scoring_models=self.scoring_models(),
            reviews=self.reviews() if with_reviews else [], leads=self.leads_roles())

    def counts(self) -> dict[str, int]:
        return {kind: self.conn.execute(f"SELECT count(*) FROM {_TABLES[kind]}").fetchone()[0]
                for kind in ENTITY_KINDS}

    def periods_in_use(self) -> list[str]:
        """Every period that objectives, targets or measurements mention."""
        from model.periods import sort_key
        rows = self._query(
            "SELECT period FROM objectives UNION SELECT period FROM metric_targets "
            "UNION SELECT period FROM measurements")
        fy_start = self.settings().fiscal_year_start
        return sorted({r["period"] for r in rows}, key=lambda p: sort_key(p, fy_start))

    # ---- writing single entities -----------------------------------------------------------
    def save(self, kind: str, entity: BaseModel) -> None:
        """Validate an entity against the rest of the plan, then write it (insert or update)."""
        entity = type(entity).model_validate(entity.model_dump())
        with self.transaction():
            self._save_checked(kind, entity)

    def _save_checked(self, kind: str, entity: BaseModel) -> None:
        plan = self.load_plan(with_measurements=kind == "measurements",
                              with_reviews=kind == "reviews")
        items = list(getattr(plan, kind))
        key = entity_key(kind, entity)
        index = next((i for i, e in enumerate(items) if entity_key(kind, e) == key), None)
        if index is None:
            items.append(entity)
            index = len(items) - 1
        else:
            items[index] = entity
        setattr(plan, kind, items)
        prefix = f"{kind}[{index}]"
        errors = [e[len(prefix) + 1:].lstrip(".: ") if e.startswith(prefix) else e
                  for e in reference_errors(plan)]
        if errors:
            label = KIND_LABELS[kind][0]
            raise AlignError(f"cannot save {label} {_label(key)}: " + "; ".join(errors))
        self._write(kind, entity)

    def save_department(self, d: Department) -> None:
        self.save("departments", d)

    def save_objective(self, o: Objective) -> None:
        self.save("objectives", o)

    def save_metric(self, m: Metric) -> None:
        self.save("metrics", m)

    def save_persona(self, p: Persona) -> None:
        self.save("personas", p)

    def save_note(self, n: Note) -> None:
        self.save("notes", n)

    def save_decision(self, d: Decision) -> None:
        self.save("decisions", d)

    def save_scoring_model(self, m: ScoringModel) -> None:
        self.save("scoring_models", m)

    def record_measurement(self, m: Measurement) -> None:
        """Add a recording to a metric's history; the latest one for a period is its value."""
        m = Measurement.model_validate(m.model_dump())
        with self.transaction():
            if self.metric(m.metric) is None:
                raise AlignError(f"cannot record a measurement: unknown metric {m.metric!r}")
            row = next(self._query(
                "SELECT max(recorded_at) AS last FROM measurements WHERE metric = ? AND period = ?",
                [m.metric, m.period]))
            if row["last"] is not None and m.recorded_at <= row["last"]:
                m = m.model_copy(update={"recorded_at": later_than(row["last"])})
            self._write("measurements", m)

    def save_leads_roles(self, roles: LeadsRoles | None) -> None:
        with self.transaction():
            self._write_leads_roles(roles)

    def _write(self, kind: str, entity: Any) -> None:
        getattr(self, f"_write_{kind}")(entity)

    def _stamped_upsert(self, table: str, pk: str | tuple[str, ...], row: dict[str, Any]) -> None:
        now = _now()
        keys = (pk,) if isinstance(pk, str) else pk
        cols = list(row) + ["created_at", "updated_at"]
        updates = ", ".join(f"{c} = excluded.{c}" for c in list(row) + ["updated_at"] if c not in keys)
        sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
               f"ON CONFLICT({', '.join(keys)}) DO UPDATE SET {updates}")
        self.conn.execute(sql, list(row.values()) + [now, now])

    def _replace_children(self, table: str, parent_col: str, parent_id: str,
                          rows: list[dict[str, Any]]) -> None:
        self.conn.execute(f"DELETE FROM {table} WHERE {parent_col} = ?", [parent_id])
        now = _now()
        for row in rows:
            cols = [parent_col] + list(row) + ["created_at", "updated_at"]
            self.conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [parent_id] + list(row.values()) + [now, now])

    def _write_departments(self, d: Department) -> None:
        self._stamped_upsert("departments", "id", {"id": d.id, "name": d.name})

    def _write_objectives(self, o: Objective) -> None:
        self._stamped_upsert("objectives", "id", {
            "id": o.id, "title": o.title, "why": o.why, "period": o.period, "owner": o.owner,
            "parent": o.parent, "state": o.state, "confidence": o.confidence})
        self._replace_children("objective_departments", "objective", o.id,
                               [{"department": d} for d in o.departments])
        self._replace_children("objective_personas", "objective", o.id,
                               [{"persona": p} for p in o.personas])
        self._replace_children("key_results", "objective", o.id, [
            {"position": i, "metric": kr.metric, "baseline": kr.baseline, "target": kr.target,
             "weight": kr.weight} for i, kr in enumerate(o.key_results)])

    def _write_metrics(self, m: Metric) -> None:
        self._stamped_upsert("metrics", "id", {
            "id": m.id, "name": m.name, "description": m.description, "unit": m.unit,
            "direction": m.direction, "aggregation": m.aggregation, "formula": m.formula,
            "amber_tolerance": m.amber_tolerance})
        self._replace_children("metric_departments", "metric", m.id,
                               [{"department": d} for d in m.departments])
        self._replace_children("metric_targets", "metric", m.id,
                               [{"period": p, "target": t} for p, t in m.targets.items()])

    def _write_measurements(self, m: Measurement) -> None:
        self._stamped_upsert("measurements", ("metric", "period", "recorded_at"), {
            "metric": m.metric, "period": m.period, "value": m.value,
            "not_applicable": int(m.not_applicable), "note": m.note, "source": m.source,
            "recorded_at": m.recorded_at})

    def _write_personas(self, p: Persona) -> None:
        row: dict[str, Any] = {}
        for name in Persona.model_fields:
            value = getattr(p, name)
            if name in PERSONA_LIST_FIELDS:
                value = _json(list(value))
            elif name == "match":
                value = _json([c.model_dump(mode="json") for c in value])
            elif name == "last_validated":
                value = value.isoformat() if value else None
            row[name] = value
        self._stamped_upsert("personas", "id", row)

    def _write_notes(self, n: Note) -> None:
        self._stamped_upsert("notes", "id", {
            "id": n.id, "objective": n.objective, "metric": n.metric, "date": n.date.isoformat(),
            "text": n.text, "kind": n.kind, "from_department": n.from_department,
            "to_department": n.to_department})

    def _write_decisions(self, d: Decision) -> None:
        self._stamped_upsert("decisions", "id", {
            "id": d.id, "objective": d.objective, "metric": d.metric, "date": d.date.isoformat(),
            "text": d.text, "owner": d.owner, "due": d.due.isoformat() if d.due else None,
            "state": d.state, "answers": d.answers})

    def _write_scoring_models(self, m: ScoringModel) -> None:
        self._stamped_upsert("scoring_models", "id", {
            "id": m.id, "name": m.name, "fit_cap": m.fit_cap, "engagement_cap": m.engagement_cap,
            "fit_bands": _json(m.fit_bands), "engagement_bands": _json(m.engagement_bands),
            "mql_cells": _json(m.mql_cells), "mql_min_total": m.mql_min_total})
        self._replace_children("rules", "model", m.id, [
            {"id": r.id, "position": i, "name": r.name, "dimension": r.dimension,
             "conditions": _json([c.model_dump(mode="json") for c in r.when]),
             "points": r.points, "knockout": int(r.knockout), "enabled": int(r.enabled),
             "rationale": r.rationale, "owner": r.owner} for i, r in enumerate(m.rules)])

    def _write_reviews(self, r: Review) -> None:
        self._stamped_upsert("reviews", "id", {
            "id": r.id, "period": r.period, "date": r.date.isoformat(),
            "summary": _json(r.model_dump(mode="json"))})

    def _write_leads_roles(self, roles: LeadsRoles | None) -> None:
        if roles is None:
            self.conn.execute("DELETE FROM leads_roles")
            return
        self._stamped_upsert("leads_roles", "id", {
            "id": 1, "id_column": roles.id, "outcome": roles.outcome,
            "won_values": _json(roles.won_values), "created": roles.created, "closed": roles.closed,
            "amount": roles.amount, "date_format": roles.date_format})

    # ---- deleting --------------------------------------------------------------------------
    def delete_impact(self, kind: str, key: Any) -> DeleteImpact:
        """What a deletion takes with it, or what stops it, in words for the confirmation."""
        impact = DeleteImpact()
        q = lambda sql, *p: [r for r in self._query(sql, list(p))]  # noqa: E731
        if kind == "departments":
            for table, col, what in (("objectives", "owner", "owns objectives"),
                                     ("objective_departments", "department", "contributes to objectives"),
                                     ("metric_departments", "department", "owns metrics"),
                                     ("decisions", "owner", "owns decisions"),
                                     ("rules", "owner", "owns scoring rules")):
                rows = q(f"SELECT count(*) AS n FROM {table} WHERE {col} = ?", key)
                if rows[0]["n"]:
                    impact.blocked_by.append(f"{key} {what} ({rows[0]['n']})")
            rows = q("SELECT count(*) AS n FROM notes WHERE from_department = ? OR to_department = ?", key, key)
            if rows[0]["n"]:
                impact.blocked_by.append(f"{key} is named in feedback notes ({rows[0]['n']})")
        elif kind == "objectives":
            n = q("SELECT count(*) AS n FROM key_results WHERE objective = ?", key)[0]["n"]
            if n:
                impact.removes.append(f"{n} key result{'s' * (n != 1)}")
            for table, label in (("notes", "note"), ("decisions", "decision")):
                n = q(f"SELECT count(*) AS n FROM {table} WHERE objective = ?", key)[0]["n"]
                if n:
                    impact.removes.append(f"{n} {label}{'s' * (n != 1)}")
            kids = [r["id"] for r in q("SELECT id FROM objectives WHERE parent = ? ORDER BY id", key)]
            if kids:
                impact.removes.append("the parent link of " + ", ".join(kids) + " (they become top-level)")
        elif kind == "metrics":
            users = [r["objective"] for r in q(
                "SELECT DISTINCT objective FROM key_results WHERE metric = ? ORDER BY 1", key)]
            if users:
                impact.blocked_by.append("key results of " + ", ".join(users) + " measure it")
            dependants = [m.id for m in self.metrics() if key in m.inputs()]
            if dependants:
                impact.blocked_by.append("the formula of " + ", ".join(dependants) + " uses it")
            for table, label in (("measurements", "measurement"), ("notes", "note"), ("decisions", "decision")):
                n = q(f"SELECT count(*) AS n FROM {table} WHERE metric = ?", key)[0]["n"]
                if n:
                    impact.removes.append(f"{n} {label}{'s' * (n != 1)}")
        elif kind == "personas":
            users = [r["objective"] for r in q(
                "SELECT objective FROM objective_personas WHERE persona = ? ORDER BY 1", key)]
            if users:
                impact.removes.append("its link from objectives " + ", ".join(users))
        elif kind == "notes":
            n = q("SELECT count(*) AS n FROM decisions WHERE answers = ?", key)[0]["n"]
            if n:
                impact.removes.append(f"the answer link of {n} decision{'s' * (n != 1)}")
        elif kind == "scoring_models":
            n = q("SELECT count(*) AS n FROM rules WHERE model = ?", key)[0]["n"]
            if n:
                impact.removes.append(f"{n} rule{'s' * (n != 1)}")
        return impact

    def delete(self, kind: str, key: Any) -> DeleteImpact:
        with self.transaction():
            if self.get(kind, key) is None:
                raise AlignError(f"no {KIND_LABELS[kind][0]} {_label(key)}")
            impact = self.delete_impact(kind, key)
            if not impact.allowed:
                raise AlignError(f"cannot delete {KIND_LABELS[kind][0]} {_label(key)}: "
                                 + "; ".join(impact.blocked_by))
            self._delete(kind, key)
        return impact

    def _delete(self, kind: str, key: Any) -> None:
        if kind == "measurements":
            self.conn.execute("DELETE FROM measurements WHERE metric = ? AND period = ? AND recorded_at = ?",
                            list(key))
        else:
            self.conn.execute(f"DELETE FROM {_TABLES[kind]} WHERE id = ?", [key])

    # ---- whole-plan writes (import) --------------------------------------------------------
    def apply_plan(self, new: Plan, *, replace: bool) -> None:
        """Make the plan equal to `new` (replace) or upsert `new` into it (merge), in one
        transaction, writing only what differs."""
        with self.transaction():
            current = self.load_plan()
            if new.settings != current.settings:
                self._write_settings(new.settings)
            if replace or new.leads is not None:
                if new.leads != current.leads:
                    self._write_leads_roles(new.leads)
            gone: dict[str, set[Any]] = {}
            for kind in ENTITY_KINDS:
                old = {entity_key(kind, e): e for e in getattr(current, kind)}
                fresh = {entity_key(kind, e): e for e in getattr(new, kind)}
                for key, entity in fresh.items():
                    if old.get(key) != entity:
                        self._write(kind, entity)
                gone[kind] = old.keys() - fresh.keys() if replace else set()
            # Deletes last, dependants first: a delete's cascade (a note going with its
            # objective, a decision's `answers` cleared with the note) then reaches only rows
            # that go too, never one the file keeps and was compared before the delete.
            for kind in reversed(ENTITY_KINDS):
                for key in gone[kind]:
                    self._delete(kind, key)
            problems = list(self._query("PRAGMA foreign_key_check"))
            if problems:
                raise AlignError("the plan would have broken links: " + ", ".join(
                    f"{p['table']} → {p['parent']}" for p in problems[:5]))


_TABLES = {
    "departments": "departments", "objectives": "objectives", "metrics": "metrics",
    "measurements": "measurements", "personas": "personas", "notes": "notes",
    "decisions": "decisions", "scoring_models": "scoring_models", "reviews": "reviews",
}


def _friendly_sqlite_error(exc: sqlite3.Error) -> PlanWriteError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return PlanWriteError("the plan is busy: another Align is writing to it; try again in a moment")
    if "full" in text:
        return PlanWriteError("the disk is full; nothing was saved")
    if "readonly" in text or "read-only" in text:
        return PlanWriteError("the plan file is read-only; nothing was saved")
    if "FOREIGN KEY" in text:
        return PlanWriteError("the change would leave a broken link in the plan; nothing was saved")
    return PlanWriteError(f"the plan could not be saved ({text}); nothing was changed")


def _label(key: Any) -> str:
    return "/".join(key) if isinstance(key, tuple) else repr(key)
