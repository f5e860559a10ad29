"""The first rows of a CSV file as the leads import will read them (same delimiter sniffing,
encodings and header naming), for the import form's preview and role pickers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from model.errors import AlignError
from model.leads import (
    MIXED,
    _blank_kind,
    _Column,
    _column_names,
    _Reader,
    _sniff,
    fold_outcome,
    order_formats,
)

SAMPLE_ROWS = 1000  # rows looked at for each column's values
MAX_VALUES = 12  # distinct values kept per column
# Outcome values that say a lead was won, as CRMs write them: a yes of a yes/no column, or a
# stage naming the win (`Closed Won`, `Closed/Won`, `Closed - Converted`, `customer`).
_YES_NO = frozenset({"1", "0", "true", "false", "yes", "no", "y", "n"})
_YES = frozenset({"1", "true", "yes", "y"})
_WON_WORDS = frozenset({"won", "win", "converted", "customer", "closedwon"})
_NOT_WON = frozenset({"not", "no", "never", "lost", "unconverted"})


@dataclass
class CsvPreview:
    columns: list[str]
    rows: list[list[str]]
    warnings: list[str] = field(default_factory=list)
    # Per column, its distinct values (trimmed) in the first SAMPLE_ROWS rows that the import
    # does not read as blank (placeholders such as `N/A` left out), in the order met, at most
    # MAX_VALUES; `more` names the columns that had others besides.
    values: dict[str, list[str]] = field(default_factory=dict)
    more: set[str] = field(default_factory=set)


def preview_csv(path: str | Path, rows: int = 5) -> CsvPreview:
    """Header and up to `rows` rows, read from the start of the file only, and each column's
    values in the first SAMPLE_ROWS rows."""
    path = Path(path)
    _, delimiter = _sniff(path)
    # UTF-8, else each byte that is not UTF-8 read as Windows-1252: a Latin-1 file reads as
    # it would be imported, and so does a UTF-8 one with a stray Latin-1 byte.
    for encoding in ("utf-8-sig", MIXED):
        try:
            with _Reader(path, encoding, delimiter) as reader:
                names, warnings = _column_names(reader.header())
                first: list[list[str]] = []
                for chunk in islice(reader.chunks(rows), 1):
                    first = [row for row in chunk if any(cell.strip() for cell in row)]
                preview = CsvPreview(names, first, warnings)
                sample = list(first)
                for chunk in islice(reader.chunks(SAMPLE_ROWS - len(first)), 1):
                    sample.extend(chunk)
                _collect_values(preview, sample)
                return preview
        except UnicodeDecodeError:
            continue
    raise AlignError(f"{path.name} is neither UTF-8 nor Latin-1 text; save it as UTF-8 CSV and "
                     "import again")


def _collect_values(preview: CsvPreview, sample: list[list[str]]) -> None:
    for i, name in enumerate(preview.columns):
        seen: dict[str, None] = {}
        for row in sample:
            value = row[i].strip() if i < len(row) else ""
            # a placeholder (`-`, `N/A`) is a blank to the import: no value to pick as won
            if value and value not in seen and _blank_kind(value) is None:
                if len(seen) == MAX_VALUES:
                    preview.more.add(name)
                    break
                seen[value] = None
        preview.values[name] = list(seen)


def suggest_won_values(values: list[str]) -> list[str]:
    """The values among `values` (one column's) that read as a won outcome: the yes of a yes/no
    or 1/0 column, or a stage naming the win (`Closed Won`, `Closed - Converted`)."""
    folded = [v.casefold() for v in values]
    if folded and set(folded) <= _YES_NO:
        return [v for v, f in zip(values, folded, strict=True) if f in _YES]
    found = []
    for value, text in zip(values, folded, strict=True):
        words = set(re.findall(r"[^\W_]+", text))
        if words & _WON_WORDS and not words & _NOT_WON:
            found.append(value)
    return found


@dataclass(frozen=True)
class SampleProblem:
    """What the import will say of a role's column, judged on the preview's sampled values.
    `certain`: a sampled value cannot be read as the role needs, so the import refuses the
    column whatever the rest of the file holds; otherwise later rows may still settle it."""

    message: str
    certain: bool


def sampled_role_problem(name: str, values: list[str], wanted: str,
                         date_format: str | None = None) -> SampleProblem | None:
    """For a role that needs `wanted` values ("date" or "number") in column `name`, whose
    sampled distinct values are `values`: the import's own reading of them (`_Column`), so a
    refusal that is bound to come is said before anything is replaced."""
    column = _Column(name, 0, None, date_format if wanted == "date" else None)
    column.role_type = wanted
    column.scan(values, 1, True, True)
    if wanted not in column.kinds:
        value = column.rejected[wanted][1].strip()
        reads = f"does not read as {date_format}" if wanted == "date" and date_format else (
            f"is not a {wanted}")
        return SampleProblem(f"{name!r} holds {value!r}, which {reads}", True)
    if wanted == "date" and not (column.day_first_ok or column.month_first_ok):
        return SampleProblem(f"{name!r} holds dates such as {column.order_example!r} that read "
                             "neither as day/month nor as month/day", True)
    if column.needs_order and column.day_first_ok and column.month_first_ok:
        return SampleProblem(f"dates in {name!r} such as {column.order_example!r} could be "
                             "day/month or month/day; unless later rows settle it, give the "
                             f"date format ({order_formats(column.order_example)})", False)
    return None


def different_won_words(values: list[Any], won_values: list[str]) -> list[str]:
    """The values among an outcome column's `values` that read as won when none of
    `won_values` is among them (`yes` in a column of yes/no, for won values `1`), else none: the
    won values then match no lead, though the column says won in words of its own."""
    wanted = {fold_outcome(v) for v in won_values}
    texts = [str(v) for v in values]
    if any(fold_outcome(v) in wanted for v in texts):
        return []
    return suggest_won_values(texts)
