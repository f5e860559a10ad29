"""The plan files this process has open through SQLite, so that nothing here reads one of them,
or a journal file beside it, as a plain file.

Closing any descriptor of a file drops every POSIX lock the process holds on that file,
SQLite's included. Another program reading the plan could then take itself for its last user,
fold the WAL into the plan and delete it, while a connection here goes on writing to the deleted
file: those edits would be lost. SQLite shares its locks among its own connections to one file;
a plain `open()` elsewhere in the process does not. So a file to import (a TOML plan, a CSV
export) is checked against this list before it is opened.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from model.errors import AlignError

JOURNAL_SUFFIXES = ("-wal", "-shm", "-journal")

_lock = threading.Lock()
_files: Counter[tuple[int, int]] = Counter()  # (device, inode) of each plan held open
_names: Counter[str] = Counter()  # their resolved paths, for the journal files beside them


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def hold(path: Path) -> tuple[tuple[int, int] | None, str]:
    """Note that a connection to the plan at `path` is open; give the result to `release`."""
    key = (_identity(path), str(path.resolve()))
    with _lock:
        if key[0] is not None:
            _files[key[0]] += 1
        _names[key[1]] += 1
    return key


def release(key: tuple[tuple[int, int] | None, str]) -> None:
    identity, name = key
    with _lock:
        if identity is not None:
            _files[identity] -= 1
            if _files[identity] <= 0:
                del _files[identity]
        _names[name] -= 1
        if _names[name] <= 0:
            del _names[name]


def refuse_open_plan(path: Path, wanted: str) -> None:
    """Raise if `path` is a plan this process has open, or a journal file beside one: it is
    read as a plain file only by mistake (`wanted` names what was expected instead)."""
    identity = _identity(path)
    real = str(path.resolve())
    with _lock:
        plan = identity is not None and identity in _files or real in _names
        journal = next((s for s in JOURNAL_SUFFIXES
                        if real.endswith(s) and real[: -len(s)] in _names), None)
    if plan:
        raise AlignError(f"{path} is the plan Align has open, not {wanted}")
    if journal:
        raise AlignError(f"{path} is the {journal[1:]} file SQLite keeps beside the plan Align "
                         f"has open, not {wanted}")

