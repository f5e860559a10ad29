"""Numbers as planners type them into forms: thousands separated by commas, spaces or
underscores, a percent sign, and never a guess where the text could mean two numbers."""

from __future__ import annotations

import re

_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def typed_number(text: str, *, percent: bool = False) -> float:
    """The number typed in `text`; `percent` (or a trailing `%`) means it was typed in percent
    and is returned as a fraction (8.5 → 0.085). A comma is read only as a thousands separator
    between groups of three digits: `1,5` is refused rather than read as fifteen (or as one and
    a half, which is what a planner used to decimal commas means). Raises ValueError with a
    message that names the text."""
    shown = text.strip()
    cleaned = shown.replace("_", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith("%"):
        percent = True
        cleaned = cleaned[:-1]
    try:
        value = float(cleaned.replace(",", ""))
    except ValueError:
        raise ValueError(f"{shown!r} is not a number") from None
    if "," in cleaned and not _THOUSANDS.fullmatch(cleaned):
        raise ValueError(f"{shown!r}: a comma only separates thousands (1,250.5);"
                         " decimals take a point (1.5)")
    return value / 100 if percent else value
