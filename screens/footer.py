"""The footer every screen shows: Textual's, rebuilt at most once per refresh, and fitted to
the terminal's width.

Textual's footer rebuilds all its keys on every bindings-updated signal, and a screen sends
several in a row while it mounts and takes focus; each rebuild restyles every key. Coalescing the
signals that arrive before the next refresh gives the same footer with one rebuild.

Textual's footer cuts off what does not fit, and the keys at its end are `? Help` and `q Quit`:
on a busy screen at 80 or 120 columns they were the ones lost. Keys are dropped from the end
instead, before those two, with `…` saying that `?` lists the rest.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel  # not re-exported by textual.widgets

ALWAYS_SHOWN = frozenset({"help", "quit"})
"""The actions whose keys stay in the footer however narrow the terminal."""
MORE = "…"


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
                     if binding.show) + (self.compact, self.show_command_palette,
                                         self.app.size.width)

    def on_resize(self) -> None:
        if self._bindings_ready and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _width(self, key: FooterKey) -> int:
        """Columns a key takes: as FooterKey pads its parts (`" ^e Export "`)."""
        padding = 2 if self.compact else 3
        return len(key.key_display) + len(key.description) + padding

    def _fitted(self, widgets: list) -> list:
        room = self.app.size.width
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        used = sum(self._width(k) for k in keys)
        if used <= room or len(keys) != len(widgets):  # grouped keys: left as Textual lays them
            return widgets
        used += len(MORE) + 1
        kept = list(keys)
        for key in reversed(keys):
            if used <= room:
                break
            if key.action not in ALWAYS_SHOWN:
                kept.remove(key)
                used -= self._width(key)
        first_always = next((i for i, k in enumerate(kept) if k.action in ALWAYS_SHOWN),
                            len(kept))
        kept.insert(first_always, FooterLabel(MORE, classes="footer-more"))
        return kept

    def compose(self) -> ComposeResult:
        # A FooterKey starts compact and is then bound to the footer's (not compact) style, so
        # each key is restyled twice while mounting; starting it in the footer's style saves both.
        self._composed = self._shown() if self._bindings_ready else None
        for widget in self._fitted(list(super().compose())):
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
