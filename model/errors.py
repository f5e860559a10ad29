"""The one exception type for problems a user can cause."""


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
