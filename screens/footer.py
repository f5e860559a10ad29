"""The footer every screen shows: Textual's, rebuilt at most once per refresh.

Textual's footer rebuilds all its keys on every bindings-updated signal, and a screen sends
several in a row while it mounts and takes focus; each rebuild restyles every key. Coalescing the
signals that arrive before the next refresh gives the same footer with one rebuild.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class AlignFooter(Footer):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
