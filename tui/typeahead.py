"""Type-ahead: keys typed faster than the screen changes they start still reach their target.

Textual hands each key to whatever has focus when the key is taken from the app's queue. A key
that opens a form or a filter box gives focus a moment later (`Widget.focus` defers to a
callback queued behind keys already waiting; a new screen focuses its first field once it has
mounted). Keys typed in that moment — a fast typist, keys pasted into tmux, keys pressed while
the app was busy — went to the list underneath, where a letter may run a binding.

`TypeAhead` holds such keys, in order, until the work the previous key started is done: the
key has travelled up the DOM and so have the messages its binding posted (`_trail`), every
callback queued with the app's `call_later` has run, and every screen just shown has processed
what it was sent. Then it hands them on as if they had just been typed. A click made while keys
are held waits behind them. What is held goes on after `HOLD_LIMIT` whatever happens, so a key
is never lost to a screen that does not settle.

Not waited for: workers and timers. Keys typed while a list is still being filled by a worker
act on the list as it is when they arrive.
"""

from __future__ import annotations

import inspect
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen

HOLD_LIMIT = 1.0  # seconds keys wait at most for the screen to settle

_TYPED = (events.Key, events.Paste)
# Presses, releases and wheel turns; moves are never held (they only change what is hovered).
_CLICKS = (events.MouseDown, events.MouseUp, events.MouseScrollDown, events.MouseScrollUp)


class _ReleaseKeys(Message):
    """Something the held keys waited for is done: hand on those that can go."""


def _gone(node: MessagePump) -> bool:
    return node._closing or node._closed


class TypeAhead(App[Any]):
    """An app whose keys wait, in order, for the screen changes earlier keys started."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: deque[events.Event] = deque()
        self._held_since = 0.0
        self._callbacks_due = 0  # callbacks queued with call_later that have not run yet
        self._trails: dict[int, MessagePump] = {}  # keys handed on: where each one's trail is
        self._trail_count = 0
        self._screens_due: set[Screen[Any]] = set()  # screens just shown, not yet settled
        self._hold_timer: Any = None

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_shown, immediate=True)

    @property
    def keys_settled(self) -> bool:
        """True when no key waits and nothing a key waits for is under way."""
        return not self._held and not self._busy()

    def _busy(self) -> bool:
        """Whether a callback, a key's trail or a screen just shown is still under way; a
        trail or screen whose node has closed is under way no more (what was queued on it is
        never run)."""
        if self._trails:
            self._trails = {k: node for k, node in self._trails.items() if not _gone(node)}
        if self._screens_due:
            self._screens_due = {screen for screen in self._screens_due if not _gone(screen)}
        return self._callbacks_due > 0 or bool(self._trails) or bool(self._screens_due)

    # ---- what keys wait for ------------------------------------------------------------------
    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        self._callbacks_due += 1

        async def counted() -> None:
            try:
                result = callback(*args, **kwargs)
                if inspect.isawaitable(result):
                    await result
            finally:
                self._callbacks_due -= 1
                self._wake()

        if super().call_later(counted):
            return True
        self._callbacks_due -= 1
        return False

    def _screen_shown(self, screen: Screen[Any]) -> None:
        """A screen was pushed, popped to or switched to: it settles once it has handled what
        it was sent with the change (its mount and resume), which a callback queued on it marks.
        The callback queues itself once more: a mode switch announces the screen before it
        sends the resume, where the screen takes focus."""
        self._screens_due.add(screen)

        def settled() -> None:
            self._screens_due.discard(screen)
            self._wake()

        def behind_resume() -> None:
            if not screen.call_later(settled):
                settled()

        if not screen.call_later(behind_resume):
            self._screens_due.discard(screen)

    def _trail(self, node: MessagePump, passes: int = 2) -> None:
        """Follows a key handed to `node` up the DOM: a callback queued on each node behind the
        key runs once that node has handled it (and passed it to its parent), then moves to the
        parent; the pass ends at the app, where the bindings of the screen and the app run. A
        binding often posts a message to the focused widget (an Input's enter posts Submitted,
        whose handler moves focus), so a second pass follows that message up the same way.
        Last, when the key's handlers left work for after the screen's next refresh (a list
        placing its cursor once redrawn), the trail waits for that refresh too."""
        self._trail_count += 1
        trail = self._trail_count

        def finish() -> None:
            self._trails.pop(trail, None)
            self._wake()

        def done() -> None:
            if not _gone(node):
                if passes > 1:
                    self._trail(node, passes - 1)
                    finish()
                    return
                screen = self.screen
                if screen._callbacks:  # left for after the next refresh
                    self._trails[trail] = screen
                    if screen.call_after_refresh(finish):
                        return
            finish()

        def follow(at: MessagePump) -> None:
            self._trails[trail] = at
            if at is self:
                if not App.call_later(self, done):
                    done()
            elif not at.call_later(step, at):
                done()

        def step(at: MessagePump) -> None:
            parent = at._parent
            follow(parent if isinstance(parent, MessagePump) else self)

        follow(node)

    def _wake(self) -> None:
        if self._held and not self._busy():
            self.post_message(_ReleaseKeys())

    # ---- holding and handing on --------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _TYPED) and not event.is_forwarded:
            if self._held or self._busy():
                self._hold(event)
                return
            await self._hand_on(event)
            return
        if isinstance(event, _CLICKS) and not event.is_forwarded and self._held:
            self._hold(event)  # a click stays behind the keys typed before it
            return
        await super().on_event(event)

    def _hold(self, event: events.Event) -> None:
        if not self._held:
            self._held_since = time.monotonic()
            self._arm()
        self._held.append(event)

    async def _hand_on(self, event: events.Event) -> None:
        """What Textual does with the event (a key goes to the priority bindings, else to the
        focused widget or the screen; a click to the screen), followed up the DOM until its
        work is done."""
        target = self.screen if isinstance(event, _CLICKS) else self.focused or self.screen
        await super().on_event(event)
        self._trail(target)

    @on(_ReleaseKeys)
    async def _release_keys(self) -> None:
        await self._release()

    def _arm(self) -> None:
        """Makes sure held keys go on by `HOLD_LIMIT` whatever happens."""
        if self._hold_timer is None:
            self._hold_timer = self.set_timer(HOLD_LIMIT, self._release_overdue)

    async def _release_overdue(self) -> None:
        self._hold_timer = None
        if not self._held:
            return
        waited = time.monotonic() - self._held_since
        if waited < HOLD_LIMIT:
            self._hold_timer = self.set_timer(HOLD_LIMIT - waited, self._release_overdue)
            return
        await self._release()

    async def _release(self) -> None:
        """Hands on held keys while nothing is under way; a key that starts something makes
        the keys after it wait again. Keys that have waited `HOLD_LIMIT` go on all together:
        one deadline for what is held, not one per key."""
        while self._held:
            if self._busy():
                if time.monotonic() - self._held_since < HOLD_LIMIT:
                    self._arm()
                    return
                await self._hand_on(self._held.popleft())
                continue
            await self._hand_on(self._held.popleft())
            self._held_since = time.monotonic()  # the next key waits for what this one started
