"""What the four area screens have in common: the store, the current period and refreshes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from screens.messages import ALL_KINDS

if TYPE_CHECKING:
    from model.store import PlanStore


def neighbour(shown: list[str], gone: str) -> str | None:
    """The item to select once `gone` is deleted from a list shown in the order `shown`: the
    next one on, else the one before, so a run of deletes stays where it was."""
    if gone not in shown:
        return None
    at = shown.index(gone)
    rest = shown[at + 1:] or shown[:at][-1:]
    return rest[0] if rest else None


class AreaScreen(Screen[None]):
    """An area is refreshed only when it is shown, so a change in one area never makes the
    others recompute behind the user's back."""

    KINDS: ClassVar[frozenset[str]] = frozenset()
    """The plan kinds this area shows; a `PlanChanged` of another kind leaves it alone."""

    AREA: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self._stale = False

    @property
    def store(self) -> PlanStore:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def period(self) -> str:
        return self.app.period  # type: ignore[attr-defined]

    def shows(self, kind: str) -> bool:
        return kind == ALL_KINDS or kind == "period" or kind in self.KINDS

    def plan_changed(self, kind: str) -> None:
        """Called by the app for every change; reloads now if visible, else on resume."""
        if not self.shows(kind):
            return
        if self.is_mounted and self.app.screen_stack and self in self.app.screen_stack:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        """Read the plan again and redraw."""


class AreaBar(Static):
    """The four areas with their keys and the current period, so a shared screen always
    shows where the meeting is."""

    def __init__(self, area: str) -> None:
        super().__init__(id="area-bar", markup=False)
        self.area = area

    def on_mount(self) -> None:
        self.watch(self.app, "period", self._show, init=True)

    def on_resize(self) -> None:
        self._show(self.app.period)  # type: ignore[attr-defined]

    def _show(self, period: str) -> None:
        text = Text()
        narrow = 0 < self.size.width < 100
        for mode, key, label in AREA_TABS:
            if narrow:
                label = SHORT_LABELS.get(mode, label)
            style = "bold reverse" if mode == self.area else "dim"
            text.append(f" {key} ", style="bold" if mode == self.area else "")
            text.append(f"{label} ", style=style)
            text.append("  ")
        text.append(" " if narrow else "   period ", style="dim")
        text.append("[ ◂ ", style="dim")
        text.append(period, style="bold")
        text.append(" ▸ ]", style="dim")
        self.update(text)


AREA_TABS: tuple[tuple[str, str, str], ...] = (
    ("objectives", "1", "Objectives"),
    ("lead_scoring", "2", "Lead scoring"),
    ("personas", "3", "Personas"),
    ("kpi_review", "4", "KPI review"),
)

SHORT_LABELS = {"lead_scoring": "Leads", "kpi_review": "KPIs"}
