"""What every snapshot pins: the terminal size, `today` (the fixtures pass TODAY), finished
work and still cursors."""

from __future__ import annotations

from textual.widgets import Input, TextArea

SIZE = (120, 40)


async def settle(pilot, rounds: int = 1) -> None:
    """Lets workers finish and the screen repaint, `rounds` times over."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def stop_blinking(pilot) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


async def steady(pilot) -> None:
    """Waits for work, then stops every cursor from blinking."""
    await settle(pilot)
    stop_blinking(pilot)
    await pilot.pause()
