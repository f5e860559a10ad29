"""The one exception type for problems a user can cause, and how to tell a damaged file."""

import sqlite3


class AlignError(Exception):
    """A message fit to show to the user as is (CLI: `error: <message>`, TUI: a notification)."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  {line}" for line in self.details)


def shown_key(key: object) -> str:
    """A key name from a file as a location shows it: as written when printable, else quoted
    with its control characters escaped, so a key cannot drive the terminal it is printed on."""
    text = str(key)
    return text if text.isprintable() else repr(text)


def printable(text: str) -> str:
    """`text` with control characters other than line breaks and tabs escaped (`\\x1b`): what
    reaches a terminal from a message that quotes a file."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


class PlanWriteError(AlignError):
    """The plan file refused a write (busy, read-only, disk full): about the plan, not about
    what was being written into it."""


def is_damage(exc: BaseException) -> bool:
    """Whether SQLite refused because the file is damaged inside (not busy, not locked, not a
    constraint): nothing but a backup brings such a plan back."""
    return isinstance(exc, sqlite3.DatabaseError) and (
        getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        or "malformed" in str(exc))
