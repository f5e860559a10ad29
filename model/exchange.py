"""TOML exchange: the whole plan (lead rows excluded) as a reviewable, mergeable text file.

Layout is fixed rather than left to the writer's line-length heuristics, so the same plan always
gives the same bytes and an edit changes only the lines of the entity it touches: every entity
is its own `[[kind]]` block, lists put one item per line, maps are sub-tables with one key per
line, and only rule conditions are inline tables (one condition per line).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import os
import re
import stat
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import tomli_w
from pydantic import BaseModel, ValidationError

from model.errors import AlignError, shown_key
from model.open_plans import refuse_open_plan
from model.schema import (
    ENTITY_KINDS,
    FROM_FILE,
    ISO_DATE_RE,
    REVIEW_LISTS,
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
    entity_key,
    reference_errors,
)
from model.store import KIND_LABELS, PlanStore, format_validation_error, later_than

FORMAT = "align-plan"
VERSION = 1
"""Raised only for a change an older Align would misread. Added kinds and keys (`[[reviews]]`)
keep it: files without them stay valid, and an older Align reports them as unknown keys."""
MAX_FILE_BYTES = 64 * 1024 * 1024
STALE_TEMP_SECONDS = 600

ENTITY_MODELS: dict[str, type[BaseModel]] = {
    "departments": Department, "objectives": Objective, "metrics": Metric,
    "measurements": Measurement, "personas": Persona, "notes": Note, "decisions": Decision,
    "scoring_models": ScoringModel, "reviews": Review,
}
# Nested lists of models, for reporting unknown keys at their full location.
_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Objective: {"key_results": KeyResult},
    ScoringModel: {"rules": Rule},
    Rule: {"when": Condition},
    Persona: {"match": Condition},
    Review: REVIEW_LISTS,
}
_TOP_LEVEL = {"format", "version", "name", "fiscal_year_start", "leads", *ENTITY_KINDS}


# ---- export --------------------------------------------------------------------------------
# Text that tomli-w writes as it is, between quotes (a tab it keeps too, but it is rare).
_PLAIN_TEXT = re.compile(r'[^"\\\x00-\x1f\x7f]*')


def _value(value: Any) -> str:
    """One TOML value, formatted as tomli-w formats it; the plain text and numbers that make
    up most of a plan directly, since a round trip through tomli-w per value dominated export."""
    if isinstance(value, str):
        if _PLAIN_TEXT.fullmatch(value):
            return f'"{value}"'
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, (int, float)):
        return str(value)
    return tomli_w.dumps({"v": value}, indent=2)[4:].rstrip("\n")


def _inline(table: dict[str, Any]) -> str:
    parts = []
    for key, value in table.items():
        if isinstance(value, list):
            text = "[" + ", ".join(_value(v) for v in value) + "]"
        else:
            text = _value(value)
        parts.append(f"{_key(key)} = {text}")
    return "{ " + ", ".join(parts) + " }"


@functools.lru_cache(maxsize=4096)
def _key(key: str) -> str:
    return tomli_w.dumps({key: 0}).split(" = ")[0]


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _lines(table: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in table.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n".join(f"  {_inline(v)}" for v in value)
            lines.append(f"{_key(key)} = [\n{items},\n]")
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    return lines


# Keys whose empty value differs from what their absence means (a missing `mql_cells` is the
# default cells): written even when empty.
_WRITTEN_EMPTY = frozenset({"mql_cells"})


def _block(path: str, entity: dict[str, Any], nested: dict[str, str], *,
           every_key: bool = False) -> list[str]:
    """`[[path]]` with plain keys first, then maps as sub-tables and nested entity lists.
    Empty values are left out, unless `every_key`: the entity then holds just what is to be
    written (`_without_defaults`), empty text included."""
    plain = {k: v for k, v in entity.items()
             if (every_key or not _is_empty(v) or k in _WRITTEN_EMPTY)
             and not isinstance(v, dict) and k not in nested}
    out = [f"[[{path}]]", *_lines(plain)]
    for key, value in entity.items():
        if isinstance(value, dict) and value:
            out += ["", f"[{path}.{key}]", *_lines(value)]
    for key, child_path in nested.items():
        for child in entity.get(key) or []:
            child_lines = "\n".join(_block(child_path, child, {}, every_key=every_key)).split("\n")
            out += [""] + ["  " + line if line else line for line in child_lines]
    return out


def _without_defaults(record: BaseModel) -> dict[str, Any]:
    """A record's fields that differ from their defaults, nested records likewise. For a review,
    whose text may be empty where its default is not (`actual = ""` against "—"), so leaving out
    what is empty, as other kinds do, would not give back what was written."""
    out: dict[str, Any] = {}
    for name, info in type(record).model_fields.items():
        value = getattr(record, name)
        if info.default_factory is list and value == []:
            continue
        if info.default_factory is None and not info.is_required() and value == info.default:
            continue  # a default made anew for each record (a start time) is always written
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            value = [_without_defaults(v) for v in value]
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


_REVIEW_STAMPS = ("started_at", "ended_at")


def _entity_dict(kind: str, entity: BaseModel) -> dict[str, Any]:
    if kind == "reviews":
        data = _without_defaults(entity)
        for stamp in _REVIEW_STAMPS:
            if stamp in data:
                data[stamp] = dt.datetime.fromisoformat(data[stamp])
        return data
    data = entity.model_dump(mode="python")
    if kind == "objectives":
        for kr in data["key_results"]:
            if kr["weight"] == 1.0:
                del kr["weight"]
    if kind == "measurements":
        data["recorded_at"] = dt.datetime.fromisoformat(data["recorded_at"])
        if data["value"] is None:
            del data["value"]
    if kind == "scoring_models":
        for rule in data["rules"]:
            rule["when"] = [{k: v for k, v in c.items() if v is not None} for c in rule["when"]]
    if kind == "personas":
        data["match"] = [{k: v for k, v in c.items() if v is not None} for c in data["match"]]
    return data


def _sorted_entities(plan: Plan, kind: str) -> list[BaseModel]:
    return sorted(getattr(plan, kind), key=lambda e: entity_key(kind, e))


def plan_to_toml(plan: Plan) -> str:
    """The canonical text of a plan: entities sorted by id, measurements by metric and period."""
    return "\n\n".join(text for _, text in plan_chunks(plan)) + "\n"


def plan_chunks(plan: Plan) -> list[tuple[tuple[Any, ...], str]]:
    """The canonical text in blocks, in file order, each with a key that sorts in that order:
    the head, then each entity by kind and id, then the leads roles."""
    head = {"format": FORMAT, "version": VERSION, "name": plan.settings.name,
            "fiscal_year_start": plan.settings.fiscal_year_start}
    chunks: list[tuple[tuple[Any, ...], str]] = [((0,), "\n".join(_lines(head)))]
    for rank, kind in enumerate(ENTITY_KINDS, start=1):
        nested = {"objectives": {"key_results": "objectives.key_results"},
                  "scoring_models": {"rules": "scoring_models.rules"},
                  "reviews": {key: f"reviews.{key}" for key in REVIEW_LISTS}}.get(kind, {})
        for entity in _sorted_entities(plan, kind):
            chunks.append(((rank, entity_key(kind, entity)), "\n".join(_block(
                kind, _entity_dict(kind, entity), nested, every_key=kind == "reviews"))))
    if plan.leads is not None:
        roles = {k: v for k, v in plan.leads.model_dump().items() if not _is_empty(v)}
        chunks.append(((len(ENTITY_KINDS) + 1,), "\n".join(["[leads]", *_lines(roles)])))
    return chunks


def export_toml(store: PlanStore) -> str:
    return plan_to_toml(store.load_plan())


def write_atomic(path: str | Path, text: str, *, plan: Path | None = None,
                 kind: str = "text", errors: str = "strict") -> Path:
    """Write a file so that a crash leaves either the old file or the new one, never half
    (`atomic_file`, which says what `plan` and `kind` are for)."""
    with atomic_file(path, plan=plan, kind=kind, errors=errors) as fh:
        fh.write(text)
    return Path(path)


@contextmanager
def atomic_file(path: str | Path, *, newline: str = "\n", plan: Path | None = None,
                kind: str = "text", errors: str = "strict") -> Iterator[TextIO]:
    """A text file (UTF-8) to write `path` through: a temp file beside it, renamed over it once
    the block ends without error, so a crash leaves either the old file or the new one.
    `errors="surrogateescape"` writes back bytes that were read that way.
    Never over the `plan`, its journal files or any other SQLite database
    (`check_export_target`; `kind` names the file meant, for the message)."""
    _refuse_blank_name(path)  # before Path(""), which is the current folder
    path = Path(path)
    folder = check_file_target(path, plan, kind=kind)
    if written_in_place(path):
        # /dev/null, /dev/stdout, a terminal or a pipe: written to as it is. Replacing it with
        # a file would swap a device or the system's link for a plain file (as root) or fail.
        with path.open("w", encoding="utf-8", newline=newline, errors=errors) as fh:
            yield fh
        return
    if path.is_symlink():
        # the file the link points to is replaced, beside it; the link stays a link
        path = path.resolve()
        folder = check_file_target(path, plan, kind=kind)
    for stale in folder.glob(f".{path.name}.*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_TEMP_SECONDS:
                stale.unlink()  # left by a write that was killed, not one still running
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline, errors=errors) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def written_in_place(path: Path) -> bool:
    """Whether `path` is written to as it is rather than replaced: a device or a pipe, or a
    name under /dev or /proc (/dev/stdout leads through /proc to whatever standard output is,
    a plain file when it is redirected)."""
    if is_special_file(path):
        return True
    named = os.path.abspath(path)
    if named.startswith(("/dev/", "/proc/")):
        return True
    try:
        return path.is_symlink() and os.path.abspath(
            os.path.join(os.path.dirname(named), os.readlink(path))).startswith(("/dev/",
                                                                                 "/proc/"))
    except OSError:
        return False


def is_special_file(path: Path) -> bool:
    """Whether `path` is there but neither a plain file nor a folder: a device such as
    /dev/null or a terminal, or a pipe (after any links)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _refuse_blank_name(path: str | Path) -> None:
    """A name that is empty or only spaces names no file (`Path("")` would be the folder `.`)."""
    if isinstance(path, str) and not path.strip():
        raise AlignError(f"give a file name ({path!r} is none)")


def check_file_target(path: str | Path, plan: Path | None = None, *, kind: str = "text") -> Path:
    """What `atomic_file` refuses before it writes, so a long export can say so first: a folder
    as the file, a folder that does not exist, and `check_export_target`'s files. Returns the
    folder the file goes in."""
    _refuse_blank_name(path)
    path = Path(path)
    if path.is_dir():
        raise AlignError(f"{path} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AlignError(f"{path}: folder {folder} does not exist")
    check_export_target(path, plan, kind=kind)
    if not written_in_place(path) and not os.access(folder, os.W_OK):
        raise AlignError(f"{path}: cannot write in {folder} (no permission); give a file "
                         "in a folder you can write to")
    if path.exists() and not os.access(path, os.W_OK):
        raise AlignError(f"{path} is read-only: it was left as it is; give another file name")
    return folder


def _file_mode(path: Path) -> int:
    """Keep the mode of the file being replaced; a new file gets the usual umask mode rather than
    the private mode of a temp file, since plan files are meant to be shared."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


PLAN_SIDECARS = ("-wal", "-shm", "-journal")


def check_export_target(path: str | Path, db_path: Path | None = None, *,
                        kind: str = ".toml") -> None:
    """Refuse to write an export (a `kind` file) over the plan itself, the journal files SQLite
    keeps beside it (whether they exist now or not), or any other SQLite database."""
    path = Path(path)
    if db_path is not None:
        target = path.expanduser().resolve()
        for suffix in PLAN_SIDECARS:
            if target == Path(f"{Path(db_path).resolve()}{suffix}"):
                raise AlignError(f"{path} is the plan's {suffix[1:]} file, which SQLite keeps; "
                                 f"export to a {kind} file instead")
    if not path.exists() or path.is_dir():
        return
    if db_path is not None and db_path.exists() and os.path.samefile(path, db_path):
        raise AlignError(f"{path} is the plan itself; export to a {kind} file instead")
    if not path.is_file():
        return  # a device or a pipe, written to as it is (`atomic_file`), never read here
    refuse_open_plan(path, f"a {kind} file to write")  # before the read below
    with path.open("rb") as fh:
        if fh.read(16) == b"SQLite format 3\x00":
            raise AlignError(f"{path} is a SQLite database; export to a {kind} file instead "
                             "(it was left untouched)")


def write_export(store: PlanStore, path: str | Path) -> Path:
    check_export_target(path, store.path)  # before the plan is read
    return write_atomic(path, export_toml(store), plan=store.path, kind=".toml")


# ---- import --------------------------------------------------------------------------------
@dataclass
class ParsedPlan:
    """A validated plan file and what it said that this version does not know."""

    plan: Plan
    warnings: list[str] = field(default_factory=list)
    mentions_settings: set[str] = field(default_factory=set)
    mentions_leads: bool = False
    unstamped: set[int] = field(default_factory=set)
    """Measurements written without `recorded_at` (by hand, as in the design's example)."""


def _drop_unknown(data: Any, model: type[BaseModel], loc: str, warnings: list[str]) -> Any:
    if not isinstance(data, dict):
        return data
    known = set(model.model_fields)
    out = {}
    for key, value in data.items():
        if key not in known:
            warnings.append(f"{loc}.{shown_key(key)}: unknown key, ignored")
            continue
        child = _NESTED.get(model, {}).get(key)
        if child is not None and isinstance(value, list):
            value = [_drop_unknown(v, child, f"{loc}.{key}[{i}]", warnings)
                     for i, v in enumerate(value)]
        out[key] = value
    return out


def _is_day(value: Any) -> bool:
    """A day as a plan file may write one: a TOML date, or text such as "2026-03-31"."""
    if isinstance(value, str) and ISO_DATE_RE.fullmatch(value.strip()):
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            return False  # said at `date`, once
        return True
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def is_utf16(raw: bytes) -> bool:
    """Whether `raw` reads as UTF-16 text (with or without its byte-order mark, either byte
    order), as a Windows editor may save it: mostly ASCII, so every other byte is zero."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = raw[:65536]
    zeros = head.count(0)
    return (0 < zeros < len(head) * 0.7
            and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4)


def decode_plan_bytes(raw: bytes, source: str) -> str:
    if is_utf16(raw):  # before the test for blank: UTF-16's spaces are not blank bytes
        raise AlignError(f"{source} is UTF-16 text; save it as UTF-8")
    if not raw.strip():
        raise AlignError(f"{source}: the file is empty; expected an Align plan in TOML")
    if b"\x00" in raw:
        raise AlignError(f"{source}: this is a binary file, not a TOML plan")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise AlignError(f"{source}: line {line}: the file is not UTF-8 text "
                         f"(byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None


# git's markers are 7 characters long by default, longer where asked (`conflict-marker-size`) and
# in the bases it builds for criss-cross merges
CONFLICT_MARKER = re.compile(r"^(<{7,}|={7,}|>{7,}|\|{7,})(?: |$)", re.MULTILINE)


def parse_plan_text(text: str, source: str = "plan file") -> ParsedPlan:
    """Validate a whole plan file before anything is written; errors name the TOML location."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if marker := CONFLICT_MARKER.search(text):
            line = text.count("\n", 0, marker.start()) + 1
            raise AlignError(f"{source}: line {line}: the file still holds a git conflict "
                             f"marker ({marker.group(1)}); resolve the conflict, keeping "
                             "one side's lines, then import it") from None
        raise AlignError(f"{source}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise AlignError(f"{source}: the TOML nests arrays or tables too deeply to be a plan") from None
    fmt = doc.get("format")
    if fmt != FORMAT:
        what = "has no `format` key" if fmt is None else f"has format = {fmt!r}"
        raise AlignError(f'{source}: not an Align plan file: it {what} (expected format = "{FORMAT}")')
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise AlignError(f"{source}: version: expected a whole number such as {VERSION}, got {version!r}")
    if version > VERSION:
        raise AlignError(f"{source}: the file was written by a newer Align (plan version {version}); "
                         f"this version reads version {VERSION}. Upgrade Align to import it")
    warnings = [f"{shown_key(key)}: unknown key, ignored" for key in sorted(doc)
                if key not in _TOP_LEVEL]
    errors: list[str] = []
    settings_data = {k: doc[k] for k in ("name", "fiscal_year_start") if k in doc}
    settings = PlanSettings()
    try:
        settings = PlanSettings.model_validate(settings_data, context=FROM_FILE)
    except ValidationError as exc:
        errors += format_validation_error(exc)
    entities: dict[str, list[Any]] = {}
    unstamped: set[int] = set()
    unstamped_at: dict[tuple[str, str], int] = {}  # (metric, period): the first such index
    for kind in ENTITY_KINDS:
        raw = doc.get(kind, [])
        if not isinstance(raw, list):
            errors.append(f"{kind}: expected an array of tables ([[{kind}]]), got {type(raw).__name__}")
            continue
        model = ENTITY_MODELS[kind]
        items = []
        for i, item in enumerate(raw):
            loc = f"{kind}[{i}]"
            if not isinstance(item, dict):
                errors.append(f"{loc}: expected a table, got {item!r}")
                continue
            item = _drop_unknown(item, model, loc, warnings)
            if kind == "reviews" and "started_at" not in item and _is_day(item.get("date")):
                # a review written by hand: started on its day, not at each import's time
                item["started_at"] = item["date"]
            if kind == "scoring_models" and (repeated := _repeated_rule_id(item, loc)):
                errors.append(repeated)  # said at the rule; the model would say it at itself
                continue
            try:
                items.append(model.model_validate(item, context=FROM_FILE))
            except ValidationError as exc:
                errors += format_validation_error(exc, loc)
            else:
                if kind == "measurements" and "recorded_at" not in item:
                    m = items[-1]
                    first = unstamped_at.setdefault((m.metric, m.period), i)
                    if first != i:  # both would be stamped now: which is the later is unsaid
                        errors.append(
                            f"{loc}: a second recording of {m.metric} for {m.period} without "
                            f"recorded_at (the first is measurements[{first}]); give each one "
                            "its time, such as recorded_at = 2026-03-31 09:00:00")
                    unstamped.add(len(items) - 1)
        entities[kind] = items
    leads = None
    if "leads" in doc:
        raw_leads = doc["leads"]
        if not isinstance(raw_leads, dict):
            errors.append("leads: expected a table ([leads])")
        else:
            try:
                leads = LeadsRoles.model_validate(
                    _drop_unknown(raw_leads, LeadsRoles, "leads", warnings), context=FROM_FILE)
            except ValidationError as exc:
                errors += format_validation_error(exc, "leads")
    if errors:
        raise AlignError(f"{source}: the plan file is not valid; nothing was changed", details=errors)
    plan = Plan.model_construct(settings=settings, leads=leads, **entities)
    return ParsedPlan(plan=plan, warnings=warnings, mentions_settings=set(settings_data),
                      mentions_leads="leads" in doc, unstamped=unstamped)


def read_plan_file(path: str | Path) -> ParsedPlan:
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise AlignError(f"{source}: no such file")
    if path.is_dir():
        raise AlignError(f"{source} is a folder, not a plan file")
    refuse_open_plan(path, "a TOML plan file")  # before any read: see model.open_plans
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise AlignError(f"{source}: cannot read the file ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise AlignError(f"{source}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                         "that is not a plan file")
    return parse_plan_text(decode_plan_bytes(raw, source), source)


@dataclass
class KindDiff:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


@dataclass
class PlanDiff:
    """What an import adds, changes and removes, per kind, before anything is written."""

    replace: bool
    kinds: dict[str, KindDiff] = field(default_factory=dict)
    settings_changed: list[str] = field(default_factory=list)
    leads_changed: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return (not self.settings_changed and not self.leads_changed
                and all(k.is_empty for k in self.kinds.values()))

    def same_changes(self, other: PlanDiff) -> bool:
        """Whether `other` adds, changes and removes the same (its warnings aside)."""
        def changes(d: PlanDiff) -> tuple[Any, ...]:
            return (d.replace, d.settings_changed, d.leads_changed,
                    {k: v for k, v in d.kinds.items() if not v.is_empty})
        return changes(self) == changes(other)

    def counts(self) -> dict[str, dict[str, int]]:
        return {kind: {"added": len(d.added), "changed": len(d.changed), "removed": len(d.removed)}
                for kind, d in self.kinds.items()}

    def summary_lines(self, *, detail: bool = True, limit: int = 20) -> list[str]:
        lines = []
        if self.settings_changed:
            lines.append("plan settings: changed " + ", ".join(self.settings_changed))
        if self.leads_changed:
            lines.append("leads column roles: changed")
        for kind in ENTITY_KINDS:
            d = self.kinds.get(kind)
            if d is None or d.is_empty:
                continue
            plural = KIND_LABELS[kind][1]
            lines.append(f"{plural}: {len(d.added)} added, {len(d.changed)} changed, "
                         f"{len(d.removed)} removed")
            if detail:
                shown = ([f"  + {k}" for k in d.added]
                         + [f"  ~ {k} ({', '.join(fields)})" for k, fields in d.changed]
                         + [f"  - {k}" for k in d.removed])
                lines += shown[:limit]
                if len(shown) > limit:
                    lines.append(f"  … and {len(shown) - limit} more")
        if not lines:
            lines.append("no changes: the plan already matches the file")
        return lines

    def report_lines(self, *, limit: int = 20) -> list[str]:
        """The summary, then the warnings (keys ignored, rules that cannot score the leads), as
        the in-app import shows them before and after writing."""
        lines = self.summary_lines(limit=limit)
        lines += [f"warning: {w}" for w in self.warnings[:limit]]
        if len(self.warnings) > limit:
            lines.append(f"… and {len(self.warnings) - limit} more warnings")
        return lines


def _label_key(key: Any) -> str:
    return " ".join(key) if isinstance(key, tuple) else str(key)


def _changed_fields(old: BaseModel, new: BaseModel) -> list[str]:
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    fields = []
    for k in b:
        if a.get(k) == b.get(k):
            continue
        if k == "rules" and isinstance(old, ScoringModel):
            fields.append(_rules_change(old.rules, new.rules))  # type: ignore[attr-defined]
        else:
            fields.append(k)
    return fields


def _rules_change(old: list[Rule], new: list[Rule]) -> str:
    """`rules +a ~b -c`: which rules a scoring model gains, changes and loses (or `rules order`)."""
    before, after = {r.id: r for r in old}, {r.id: r for r in new}
    parts = ([f"+{i}" for i in after if i not in before]
             + [f"~{i}" for i in after if i in before and before[i] != after[i]]
             + [f"-{i}" for i in before if i not in after])
    return f"rules {' '.join(parts)}" if parts else "rules order"


def _merged_model(current: ScoringModel, new: ScoringModel) -> ScoringModel:
    """A scoring model merged by rule id: the file's model with its rules, and the rules only
    this plan has, so a merge keeps a rule the file does not mention as it keeps any entity.
    Each stays where it was: after the rule it follows in the plan (and after what the file
    added there, as the merge driver places a side's new rules), so a teammate's file from
    before a rule was added changes nothing, and the next export moves no block."""
    mentioned = {r.id for r in new.rules}
    if all(r.id in mentioned for r in current.rules):
        return new
    planned = {r.id for r in current.rules}
    rules = list(new.rules)
    previous: str | None = None
    for rule in current.rules:
        if rule.id not in mentioned:
            at = 0 if previous is None else next(
                i for i, r in enumerate(rules) if r.id == previous) + 1
            while at < len(rules) and rules[at].id not in planned:
                at += 1
            rules.insert(at, rule)
        previous = rule.id
    return new.model_copy(update={"rules": rules})


def _combined(current: Plan, parsed: ParsedPlan, replace: bool) -> Plan:
    """The plan as it would be after the import; file entities first, so error locations that
    the reference check reports are the file's own indexes."""
    new = parsed.plan
    if replace:
        return new
    data: dict[str, Any] = {}
    for kind in ENTITY_KINDS:
        fresh = list(getattr(new, kind))
        keys = {entity_key(kind, e) for e in fresh}
        data[kind] = fresh + [e for e in getattr(current, kind) if entity_key(kind, e) not in keys]
    models = {m.id: m for m in current.scoring_models}
    data["scoring_models"] = [_merged_model(models[m.id], m) if m.id in models else m
                              for m in data["scoring_models"]]
    settings = current.settings.model_copy(
        update={k: getattr(new.settings, k) for k in parsed.mentions_settings})
    leads = new.leads if parsed.mentions_leads else current.leads
    return Plan.model_construct(settings=settings, leads=leads, **data)


def diff_plans(current: Plan, target: Plan, *, replace: bool) -> PlanDiff:
    diff = PlanDiff(replace=replace)
    for name in PlanSettings.model_fields:
        if getattr(current.settings, name) != getattr(target.settings, name):
            diff.settings_changed.append(name)
    diff.leads_changed = current.leads != target.leads
    for kind in ENTITY_KINDS:
        old = {entity_key(kind, e): e for e in getattr(current, kind)}
        new = {entity_key(kind, e): e for e in getattr(target, kind)}
        d = KindDiff()
        for key in sorted(new):
            if key not in old:
                d.added.append(_label_key(key))
            elif old[key] != new[key]:
                fields = _changed_fields(old[key], new[key])
                if fields:
                    d.changed.append((_label_key(key), fields))
        d.removed = [_label_key(k) for k in sorted(old.keys() - new.keys())]
        diff.kinds[kind] = d
    return diff


def _repeated_rule_id(model: dict[str, Any], loc: str) -> str | None:
    """`…rules[j].id: …` for the first rule whose id an earlier rule of the model has."""
    rules = model.get("rules")
    if not isinstance(rules, list):
        return None
    first: dict[Any, int] = {}
    for j, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if isinstance(rule_id, str) and rule_id in first:
            return (f"{loc}.rules[{j}].id: rule id {rule_id!r} is already used by "
                    f"rules[{first[rule_id]}] of this model")
        if isinstance(rule_id, str):
            first[rule_id] = j
    return None


def scoring_warnings(store: PlanStore, parsed: ParsedPlan) -> list[str]:
    """The file's enabled rules that cannot score this plan's leads (a column they lack, an
    operator or a value that does not fit the column): the import takes them, as the leads may
    change, but `align score` refuses such a model until they are fixed."""
    from model.leads import column_types
    from model.scoring import rule_problems

    types = column_types(store)
    if not types:
        return []
    warnings = []
    for i, model in enumerate(parsed.plan.scoring_models):
        problems = rule_problems(model, types, dt.date.today())
        for j, rule in enumerate(model.rules):
            if rule.enabled and rule.id in problems:
                warnings.append(f"scoring_models[{i}].rules[{j}]: {problems[rule.id]}; the model "
                                "cannot score this plan's leads until the rule is fixed or off")
    return warnings


def leads_warnings(store: PlanStore, parsed: ParsedPlan, target: Plan) -> list[str]:
    """The file's leads column roles that name a column this plan's leads lack: taken, as the
    leads may be imported again, but the KPIs those roles feed are not counted until then."""
    from model.leads_metrics import role_problems

    if not parsed.mentions_leads or target.leads == store.leads_roles():
        return []
    return [f"leads: {problem}" for problem in role_problems(store.conn, target.leads)]


def import_plan(store: PlanStore, parsed: ParsedPlan, *, replace: bool = False,
                dry_run: bool = False, expected: PlanDiff | None = None) -> PlanDiff:
    """Check the file against the plan it lands in, then write it in one transaction (a dry
    run only reads, so it works on a plan open to be read). With `expected`, the difference a
    user was shown and confirmed, nothing is written unless the import makes that difference:
    the plan may have changed since."""
    with store.reading() if dry_run else store.transaction():
        current = store.load_plan()
        parsed = _settle_unstamped(current, parsed)
        target = _combined(current, parsed, replace)
        try:
            errors = reference_errors(target)
        except RecursionError:
            errors = ["the plan links objectives or metrics too deeply to check"]
        if errors:
            raise AlignError("the plan file does not fit the plan; nothing was changed",
                             details=errors)
        diff = diff_plans(current, target, replace=replace)
        diff.warnings = (list(parsed.warnings) + scoring_warnings(store, parsed)
                         + leads_warnings(store, parsed, target))
        if expected is not None and not diff.same_changes(expected):
            raise AlignError("the plan changed after the difference was shown, so the import "
                             "would no longer do what was confirmed; nothing was changed",
                             details=["import the file again to see the difference now"])
        if not dry_run and not diff.is_empty:
            store.apply_plan(target, replace=True)
    return diff


def _settle_unstamped(current: Plan, parsed: ParsedPlan) -> ParsedPlan:
    """A measurement without `recorded_at` that repeats the latest recording of its metric and
    period is that recording, so importing the same file twice adds nothing; otherwise it is a
    new recording, stamped now."""
    if not parsed.unstamped:
        return parsed
    latest: dict[tuple[str, str], Measurement] = {}
    for m in current.measurements:
        key = (m.metric, m.period)
        if key not in latest or m.recorded_at >= latest[key].recorded_at:
            latest[key] = m
    settled = list(parsed.plan.measurements)
    for i in parsed.unstamped:
        m = settled[i]
        last = latest.get((m.metric, m.period))
        if last is None:
            continue
        if (last.value, last.not_applicable, last.note, last.source) == (
                m.value, m.not_applicable, m.note, m.source):
            settled[i] = m.model_copy(update={"recorded_at": last.recorded_at})
        elif m.recorded_at <= last.recorded_at:
            settled[i] = m.model_copy(update={"recorded_at": later_than(last.recorded_at)})
    plan = parsed.plan.model_copy(update={"measurements": settled})
    return ParsedPlan(plan=plan, warnings=parsed.warnings, mentions_settings=parsed.mentions_settings,
                      mentions_leads=parsed.mentions_leads)


def import_file(store: PlanStore, path: str | Path, *, replace: bool = False,
                dry_run: bool = False,
                progress: Callable[[str], None] | None = None) -> PlanDiff:
    if progress:
        progress("reading")
    parsed = read_plan_file(path)
    if progress:
        progress("writing" if not dry_run else "comparing")
    try:
        return import_plan(store, parsed, replace=replace, dry_run=dry_run)
    except AlignError as exc:
        raise AlignError(f"{path}: {exc.message}", details=exc.details) from None
