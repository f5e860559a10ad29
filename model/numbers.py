"""Numbers as planners type them into forms: thousands separated by commas or spaces, a percent
sign, and never a guess where the text could mean two numbers."""

from __future__ import annotations

import re

_SEPARATORS = ",_ \u00a0"
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[,_ \u00a0]\d{3})+(?:\.\d*)?")


def typed_number(text: str, *, percent: bool = False, percent_sign: bool = True) -> float:
    """The number typed in `text`; `percent` (or, with `percent_sign`, a trailing `%`) means it
    was typed in percent and is returned as a fraction (8.5 → 0.085). A comma, space or
    underscore is read only as a thousands separator between groups of three digits: `1,5` and
    `1 5` are refused rather than read as fifteen (or as one and a half, which is what a planner
    used to decimal commas means). Raises ValueError with a message that names the text."""
    shown = text.strip()
    body = shown
    if percent_sign and body.endswith("%"):
        percent = True
        body = body[:-1].rstrip()
    if any(sep in body for sep in _SEPARATORS):
        plain = body
        for sep in _SEPARATORS:
            plain = plain.replace(sep, "")
        try:
            float(plain)
        except ValueError:
            raise ValueError(f"{shown!r} is not a number") from None
        if not _GROUPED.fullmatch(body):
            which = "a comma" if "," in body else "a space"
            example = "1,250.5" if "," in body else "1 250.5"
            raise ValueError(f"{shown!r}: {which} only separates thousands ({example});"
                             " decimals take a point (1.5)")
        body = plain
    try:
        value = float(body)
    except ValueError:
        raise ValueError(f"{shown!r} is not a number") from None
    return value / 100 if percent else value
