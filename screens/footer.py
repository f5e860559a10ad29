"""The footer every screen shows: Textual's, rebuilt at most once per refresh.

Textual's footer rebuilds all its keys on every bindings-updated signal, and a screen sends
several in a row while it mounts and takes focus; each rebuild restyles every key. Coalescing the
signals that arrive before the next refresh gives the same footer with one rebuild.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not re-exported by textual.widgets


class AlignFooter(Footer):
    _rebuild_pending = False
    _composed: tuple | None = None

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
        if not self.is_attached:
            return  # its screen closed before the refresh came
        shown = self._shown()
        if shown == self._composed:
            return
        await self.recompose()

    def _shown(self) -> tuple:
        """What the footer would show: the keys, their labels and whether each is enabled."""
        return tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                     for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
                     if binding.show) + (self.compact, self.show_command_palette)

    def compose(self) -> ComposeResult:
        # A FooterKey starts compact and is then bound to the footer's (not compact) style, so
        # each key is restyled twice while mounting; starting it in the footer's style saves both.
        self._composed = self._shown() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
