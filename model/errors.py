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


class PlanWriteError(AlignError):
    """The plan file refused a write (busy, read-only, disk full): about the plan, not about
    what was being written into it."""


def is_damage(exc: BaseException) -> bool:
    """Whether SQLite refused because the file is damaged inside (not busy, not locked, not a
    constraint): nothing but a backup brings such a plan back."""
    return isinstance(exc, sqlite3.DatabaseError) and (
        getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        or "malformed" in str(exc))
