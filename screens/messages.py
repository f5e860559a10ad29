"""Messages that carry plan changes from the screen that wrote to the views that show them."""

from __future__ import annotations

from textual.message import Message

ALL_KINDS = "*"


class PlanChanged(Message):
    """Posted after a write; the app hands it to every area that shows `kind` (or all, for `*`)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
