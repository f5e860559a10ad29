"""The first rows of a CSV file as the leads import will read them (same delimiter sniffing,
encodings and header naming), for the import form's preview and role pickers."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from model.errors import AlignError
from model.leads import _column_names, _Reader, _sniff


@dataclass
class CsvPreview:
    columns: list[str]
    rows: list[list[str]]
    warnings: list[str] = field(default_factory=list)


def preview_csv(path: str | Path, rows: int = 5) -> CsvPreview:
    """Header and up to `rows` rows, read from the start of the file only."""
    path = Path(path)
    _, delimiter = _sniff(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with _Reader(path, encoding, delimiter) as reader:
                names, warnings = _column_names(reader.header())
                first: list[list[str]] = []
                for chunk in islice(reader.chunks(rows), 1):
                    first = [row for row in chunk if any(cell.strip() for cell in row)]
                return CsvPreview(names, first, warnings)
        except UnicodeDecodeError:
            continue
    raise AlignError(f"{path.name} is neither UTF-8 nor Latin-1 text; save it as UTF-8 CSV and "
                     "import again")
