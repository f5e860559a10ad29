"""Three-way merge of plan files by entity, for git's merge driver.

Git merges text by lines, so two teammates who each add a persona whose id sorts into the same
place, or each add a rule to the same model, or each set a target for another period of one
metric, or each add a department to one joint objective, get a conflict although they touched
different things. Merged by id and by field (and lists that are sets by member) instead, such
edits combine; only a field both sides changed differently is a conflict. The result is the
canonical text `plan_to_toml` writes; where conflicts remain, the lines that differ between the
two sides' readings of the merge are marked the way git marks them.

Only files as Align writes them are merged this way: a hand-shaped file (comments, another
layout) would lose its shape, so it is left to git's line merge.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from model.errors import AlignError
from model.exchange import (
    CONFLICT_MARKER,
    ENTITY_MODELS,
    decode_plan_bytes,
    parse_plan_text,
    plan_chunks,
    plan_to_toml,
)
from model.schema import (
    ENTITY_KINDS,
    SET_FIELDS,
    LeadsRoles,
    Plan,
    PlanSettings,
    entity_key,
    reference_errors,
)

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""Absent on one side: an entity, a map key or a field the other side has."""

MARKER = 7


@dataclass
class PlanMerge:
    """The merged text; `conflicts` says where both sides changed one thing differently (the
    text then holds conflict markers), `errors` what does not hold together in a clean merge
    (a link to an entity the other side removed)."""

    text: str
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.errors


# ---- reading the three sides -------------------------------------------------------------------
def read_side(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AlignError(f"{label} ({path}): cannot read the file ({exc.strerror})") from None


def side_text(raw: bytes, label: str) -> str:
    """A side's text; empty for an empty file (git's base for a file added on both sides)."""
    return "" if not raw.strip() else decode_plan_bytes(raw, label)


def _parsed(text: str, label: str, *, canonical: bool) -> Plan | None:
    """The side's plan (None for an empty base: the file was added on both sides)."""
    if not text and not canonical:
        return None
    try:
        plan = parse_plan_text(text, label).plan
    except AlignError as exc:
        if exc.details:  # said for an import ("nothing was changed"): the first problem will do
            raise AlignError(f"{label} is not a valid plan ({exc.details[0]})") from None
        raise AlignError(exc.message.replace("Upgrade Align to import it",
                                             "Upgrade Align to merge it by entity")) from None
    if canonical and plan_to_toml(plan) != text:
        raise AlignError(f"{label} is not laid out as Align writes plans (edited by hand?); "
                         "merging it by entity would drop its comments and layout")
    return plan


# ---- merging values ----------------------------------------------------------------------------
# What the keys of a map are, for naming a conflict: entities by id, an entity's fields, or the
# keys of a field that is itself a map (a metric's targets by period).
ENTITIES, FIELDS, KEYS = "entities", "fields", "keys"
_INNER = {ENTITIES: FIELDS, FIELDS: KEYS, KEYS: KEYS}


def _step(key: Any, keys: str) -> str:
    if keys == FIELDS:
        return str(key)
    return repr("/".join(key) if isinstance(key, tuple) else key)


def _is_entity_list(value: Any) -> bool:
    """A list of records that each have an id, none twice (a review's items may name an
    objective and a metric of one id: merged by id, one of them would be lost)."""
    if not (isinstance(value, list) and value
            and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value)):
        return False
    return len({v["id"] for v in value}) == len(value)


CHANGED = "changed differently on both sides"
REMOVED = "removed on one side, changed on the other"


def _conflict(conflicts: list[str], path: tuple[str, ...], why: str) -> None:
    conflicts.append(f"{' '.join(path)}: {why}")


def _merge(base: Any, ours: Any, theirs: Any, path: tuple[str, ...], conflicts: list[str],
           keys: str = FIELDS) -> tuple[Any, Any]:
    """The merge as each side would settle its conflicts: equal unless `conflicts` grew.
    `keys`: what the keys are if the values are maps."""
    if ours == theirs:
        return ours, ours
    if ours == base:
        return theirs, theirs
    if theirs == base:
        return ours, ours
    if ours is MISSING or theirs is MISSING:
        _conflict(conflicts, path, REMOVED)
        return ours, theirs
    present = [v for v in (base, ours, theirs) if v is not MISSING]
    if all(isinstance(v, dict) for v in present):
        return _merge_maps(base, ours, theirs, path, conflicts, keys)
    if _is_set_field(path) and all(isinstance(v, list) for v in present):
        merged = _merge_sets(base, ours, theirs)
        return merged, merged
    if all(isinstance(v, list) for v in present):
        if all(_is_entity_list(v) or v == [] for v in present):
            return _merge_entity_lists(base, ours, theirs, path, conflicts)
        return _merge_items([] if base is MISSING else base, ours, theirs, path, conflicts)
    _conflict(conflicts, path, CHANGED)
    return ours, theirs


def _is_set_field(path: tuple[str, ...]) -> bool:
    """Whether `path` (kind, entity, field) names a field of an entity that is a set."""
    return len(path) == 3 and path[2] in SET_FIELDS.get(path[0], ())


def _merge_sets(base: Any, ours: Any, theirs: Any) -> list[Any]:
    """A set (an objective's departments, a model's MQL cells) merged by member: what either
    side added joins, what either side removed goes, so two sides that each add a member do
    not collide as two insertions at one place of a list would. Sorted, as exports write it.
    A side without the key has the empty set (exports leave an empty list out)."""
    old, mine, other = (set() if v is MISSING else set(v) for v in (base, ours, theirs))
    return sorted((old & mine & other) | (mine - old) | (other - old))


def _changes(base: list[Any], side: list[Any]) -> list[tuple[int, int, list[Any]]]:
    """Where a side changed a list: (start, end) in the base and what stands there now."""
    matcher = difflib.SequenceMatcher(None, [repr(v) for v in base], [repr(v) for v in side],
                                      autojunk=False)
    return [(i1, i2, side[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes()
            if op != "equal"]


def _touch(a1: int, a2: int, b1: int, b2: int) -> bool:
    """Two changes of a list collide: they overlap, or one inserts inside or at an edge of the
    other (two insertions at one place included), so their order would be a guess."""
    if a1 == a2 or b1 == b2:
        return a1 <= b2 and b1 <= a2
    return max(a1, b1) < min(a2, b2)


def _merge_items(base: list[Any], ours: list[Any], theirs: list[Any], path: tuple[str, ...],
                 conflicts: list[str]) -> tuple[list[Any], list[Any]]:
    """Lists of plain items (key results, goals, a rule's conditions) merge item by item, as
    git merges the lines that hold them: changes to different items combine; changes that
    collide are a conflict, settled in each side's reading by that side's changes there."""
    changes = sorted([(i1, i2, items, 1) for i1, i2, items in _changes(base, ours)]
                     + [(i1, i2, items, 2) for i1, i2, items in _changes(base, theirs)],
                     key=lambda c: (c[0], c[1]))
    clusters: list[list[tuple[int, int, list[Any], int]]] = []
    for change in changes:
        last = clusters[-1] if clusters else None
        if last and _touch(min(c[0] for c in last), max(c[1] for c in last), *change[:2]):
            last.append(change)
        else:
            clusters.append([change])

    def settled(cluster: list[tuple[int, int, list[Any], int]], start: int, end: int,
                side: int) -> list[Any]:
        out, at = [], start
        for i1, i2, items, who in cluster:
            if who == side:
                out += base[at:i1] + items
                at = i2
        return out + base[at:end]

    out_ours: list[Any] = []
    out_theirs: list[Any] = []
    at = 0
    clashed = False
    for cluster in clusters:
        start, end = min(c[0] for c in cluster), max(c[1] for c in cluster)
        out_ours += base[at:start]
        out_theirs += base[at:start]
        sides = {who for *_, who in cluster}
        mine = settled(cluster, start, end, 1)
        other = settled(cluster, start, end, 2)
        if sides == {1}:
            other = mine
        elif sides == {2}:
            mine = other
        elif mine != other:
            clashed = True
        out_ours += mine
        out_theirs += other
        at = end
    out_ours += base[at:]
    out_theirs += base[at:]
    if clashed:
        _conflict(conflicts, path, CHANGED)
    return out_ours, out_theirs


def _merge_maps(base: Any, ours: Any, theirs: Any, path: tuple[str, ...], conflicts: list[str],
                keys: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    maps = [{} if v is MISSING else v for v in (base, ours, theirs)]
    order = list(maps[1]) + [k for k in maps[2] if k not in maps[1]]
    order += [k for k in maps[0] if k not in maps[1] and k not in maps[2]]
    out_ours: dict[Any, Any] = {}
    out_theirs: dict[Any, Any] = {}
    for key in order:
        a, b = _merge(*(m.get(key, MISSING) for m in maps), (*path, _step(key, keys)),
                      conflicts, _INNER[keys])
        if a is not MISSING:
            out_ours[key] = a
        if b is not MISSING:
            out_theirs[key] = b
    return out_ours, out_theirs


def _order(base: list[str], ours: list[str], theirs: list[str], kept: set[str]) -> list[str]:
    """Ours' order unless only theirs reordered; the other side's new ids follow the id they
    follow there, after what the first side added at that place."""
    def common(seq: list[str]) -> list[str]:
        return [i for i in seq if i in base]

    first, other = (theirs, ours) if common(ours) == [i for i in base if i in ours] and \
        common(theirs) != [i for i in base if i in theirs] else (ours, theirs)
    order = [i for i in first if i in kept]
    for j, rid in enumerate(other):
        if rid in order or rid not in kept:
            continue
        before = next((p for p in reversed(other[:j]) if p in order), None)
        at = 0 if before is None else order.index(before) + 1
        while at < len(order) and order[at] not in other:  # after the first side's own additions
            at += 1
        order.insert(at, rid)
    return order + [i for i in base if i in kept and i not in order]


def _merge_entity_lists(base: Any, ours: Any, theirs: Any, path: tuple[str, ...],
                        conflicts: list[str]) -> tuple[list[Any], list[Any]]:
    """Nested entities (a model's rules) merge by id, as top-level ones do."""
    lists = [[] if v is MISSING else v for v in (base, ours, theirs)]
    by_id = [{item["id"]: item for item in items} for items in lists]
    merged_ours, merged_theirs = _merge_maps(*by_id, path, conflicts, ENTITIES)
    ids = [[item["id"] for item in items] for items in lists]
    order_ours = _order(*ids, set(merged_ours))
    order_theirs = _order(*ids, set(merged_theirs))
    return ([merged_ours[i] for i in order_ours], [merged_theirs[i] for i in order_theirs])


# ---- building the result -----------------------------------------------------------------------
@dataclass
class _Side:
    """One side's plan, as maps for merging and as models, so that an entity the merge took
    whole from this side is not validated again."""

    tree: dict[str, Any]
    models: dict[int, BaseModel] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan | None, label: str) -> _Side:
        if plan is None:
            return cls({})
        side = cls({"settings": plan.settings.model_dump(mode="python")})
        if plan.leads is not None:
            side.tree["leads"] = plan.leads.model_dump(mode="python")
        for kind in ENTITY_KINDS:
            entities = side.tree[kind] = {}
            for entity in getattr(plan, kind):
                key = entity_key(kind, entity)
                if key in entities:  # merging by id would keep one of the two
                    raise AlignError(f"{label}: {kind} {_step(key, ENTITIES)} is in the file "
                                     "twice")
                dumped = entities[key] = entity.model_dump(mode="python")
                side.models[id(dumped)] = entity
        return side


def _build(tree: dict[str, Any], sides: list[_Side], fallback: _Side,
           unfit: list[str]) -> Plan:
    """A plan from merged maps; an entity whose merged fields do not validate together (a key
    result whose target became its baseline) is taken from `fallback` instead, and said."""
    data: dict[str, Any] = {}
    for kind in ENTITY_KINDS:
        model: type[BaseModel] = ENTITY_MODELS[kind]
        items = []
        for key, value in tree.get(kind, {}).items():
            taken = next((side.models[id(value)] for side in sides if id(value) in side.models),
                         None)
            if taken is not None:
                items.append(taken)
                continue
            try:
                items.append(model.model_validate(value))
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
                _conflict(unfit, (kind, _step(key, ENTITIES)),
                          f"each side's edits are valid, but not together ({problem})")
                alternative = fallback.tree.get(kind, {}).get(key, MISSING)
                if alternative is not MISSING:
                    items.append(fallback.models[id(alternative)])
        # in the file's order, so that a problem's place (`objectives[3]`) is its place there
        data[kind] = sorted(items, key=lambda e, kind=kind: entity_key(kind, e))
    settings = PlanSettings.model_validate(tree.get("settings") or {})
    leads = tree.get("leads", MISSING)
    return Plan.model_construct(settings=settings,
                                leads=None if leads is MISSING
                                else LeadsRoles.model_validate(leads), **data)


def _chunk_lines(chunks: list[tuple[tuple[Any, ...], str]]) -> dict[tuple[Any, ...], list[str]]:
    """Each block's lines, with the blank line before it, so that the blocks join into the text."""
    out = {}
    for i, (key, text) in enumerate(chunks):
        out[key] = ([] if i == 0 else [""]) + text.split("\n")
    return out


def _marked(ours: Plan, theirs: Plan, labels: tuple[str, str], marker: int) -> str:
    """Ours' text with git's conflict markers around each stretch where theirs differs. Blocks
    are matched by key, and only what lies between their first and last differing lines is
    compared line by line, so a conflict in a model of a thousand rules stays quick."""
    a, b = _chunk_lines(plan_chunks(ours)), _chunk_lines(plan_chunks(theirs))
    out: list[str] = []
    for key in sorted(a.keys() | b.keys()):
        left, right = a.get(key, []), b.get(key, [])
        if left == right:
            out += left
            continue
        head = 0
        while head < min(len(left), len(right)) and left[head] == right[head]:
            head += 1
        tail = 0
        while (tail < min(len(left), len(right)) - head
               and left[-1 - tail] == right[-1 - tail]):
            tail += 1
        out += left[:head]
        middle_left, middle_right = left[head:len(left) - tail], right[head:len(right) - tail]
        matcher = difflib.SequenceMatcher(None, middle_left, middle_right, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                out += middle_left[i1:i2]
            else:
                out += [f"{'<' * marker} {labels[0]}", *middle_left[i1:i2], "=" * marker,
                        *middle_right[j1:j2], f"{'>' * marker} {labels[1]}"]
        out += left[len(left) - tail:]
    return "\n".join(out) + "\n"


def _errors(plan: Plan) -> list[str]:
    try:
        return reference_errors(plan)
    except RecursionError:
        return ["the merged plan links objectives or metrics too deeply to check"]


def _line_ends(text: str) -> str | None:
    """`\\r\\n` for a file whose every line ends so, `\\n` for one with none, None for a mix
    (or an empty file)."""
    crlf = text.count("\r\n")
    if not crlf:
        return "\n" if "\n" in text else None
    return "\r\n" if crlf == text.count("\n") else None


def _merged_line_ends(base: str | None, ours: str | None, theirs: str | None) -> str:
    """The result's line ends, merged like a field: a side that changed them from the base's
    wins (theirs converted the file to Windows line ends: so is the result); else ours'."""
    if ours == base and theirs is not None:
        return theirs
    return ours or "\n"


def merge_plan_texts(base: str, ours: str, theirs: str, *,
                     labels: tuple[str, str, str] = ("base", "ours", "theirs"),
                     marker: int = MARKER) -> PlanMerge:
    """Merge two edits of one plan file by entity. Raises AlignError when a side is not a
    valid plan as Align writes it; the caller then merges the files as text. A side with
    Windows line ends is merged as the same file with `\\n` (a side that mixes both is not as
    Align writes plans); the result's line ends are `_merged_line_ends`."""
    ends = [_line_ends(text) for text in (base, ours, theirs)]
    line_end = _merged_line_ends(*ends)
    # the base is only read, so any `\r\n` in it goes; a side keeps a mix, and is refused
    base = base.replace("\r\n", "\n")
    ours, theirs = (text.replace("\r\n", "\n") if end == "\r\n" else text
                    for text, end in zip((ours, theirs), ends[1:], strict=True))
    if CONFLICT_MARKER.search(base):
        raise AlignError(f"{labels[0]} holds conflict markers: git built it by merging two "
                         "merge bases of a criss-cross history, and they conflicted")
    sides = [_Side.of(_parsed(text, label, canonical=i > 0), label)
             for i, (text, label) in enumerate(zip((base, ours, theirs), labels, strict=True))]
    conflicts: list[str] = []
    merged_ours, merged_theirs = {}, {}
    for key in ("settings", "leads", *ENTITY_KINDS):
        values = [side.tree.get(key, MISSING) for side in sides]
        if key in ENTITY_KINDS:
            values = [{} if v is MISSING else v for v in values]
        path = ("plan",) if key == "settings" else (key,)
        merged_ours[key], merged_theirs[key] = _merge(
            *values, path, conflicts, ENTITIES if key in ENTITY_KINDS else FIELDS)
    plan_ours = _build(merged_ours, sides, sides[1], conflicts)
    errors = _errors(plan_ours)
    if conflicts:
        plan_theirs = _build(merged_theirs, sides, sides[2], [])
        # what stays broken whichever side each conflict is settled for
        errors = [e for e in errors if e in set(_errors(plan_theirs))]
        text = _marked(plan_ours, plan_theirs, labels[1:], marker)
    else:
        text = plan_to_toml(plan_ours)
    if line_end != "\n":
        text = text.replace("\n", line_end)
    return PlanMerge(text, conflicts=conflicts, errors=errors)


def merge_as_text(ours: Path, base: Path, theirs: Path,
                  labels: tuple[str, str, str] = ("ours", "base", "theirs"),
                  marker: int = MARKER) -> tuple[str, int]:
    """Git's own line merge of the three files: the text and its number of conflicts."""
    git = shutil.which("git")
    if git is None:
        raise AlignError("git is not installed, and the files can only be merged as text")
    args = [git, "merge-file", "-p", f"--marker-size={marker}"]
    for label in labels:
        args += ["-L", label]
    result = subprocess.run([*args, str(ours), str(base), str(theirs)], capture_output=True)
    if result.returncode < 0 or result.returncode > 127:
        message = result.stderr.decode("utf-8", "replace").strip() or "git merge-file failed"
        message = message.removeprefix("error: ")
        raise AlignError(f"cannot merge the files as text either: {message}")
    return result.stdout.decode("utf-8", "surrogateescape"), result.returncode
