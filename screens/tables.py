"""Tables whose cursor picks rows."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    """A table of rows: `home` and `end` go to the first and last row, as they do in the lists,
    the tree and the leads browser (DataTable's own `home` and `end` scroll sideways)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False, id="rows.first"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="rows.last"),
    ]
