"""The footer every screen shows: rebuilt only when what it shows changes, never after its screen
has closed; fitted to the terminal, keys that do not fit dropped from its end, `? Help` and
`q Quit` kept, and `…` saying that help lists the rest."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey, FooterLabel

from screens.footer import AlignFooter
from tests.lead_scoring_helpers import app_on, sample_copy, settle


class Keys(Screen):
    BINDINGS = [Binding("n", "new", "New", id="test.new"),
                Binding("d", "delete", "Delete", id="test.delete")]
    allow_delete = True

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield AlignFooter(show_command_palette=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return self.allow_delete or None  # None: shown, but disabled
        return True


class Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss", "Close", id="test.close")]

    def compose(self) -> ComposeResult:
        yield Static("dialog")
        yield AlignFooter(show_command_palette=False)


class FooterApp(App):
    def on_mount(self) -> None:
        self.push_screen(Keys())


def keys_of(screen: Screen) -> list[FooterKey]:
    return list(screen.query(FooterKey))


async def test_footer_shows_the_screens_keys_in_its_own_style():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = keys_of(app.screen)
        assert [k.description for k in keys] == ["New", "Delete"]
        assert not any(k.has_class("-compact") for k in keys)


async def test_unchanged_bindings_keep_the_keys_and_a_change_rebuilds_them():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        before = keys_of(screen)
        screen.refresh_bindings()
        await pilot.pause()
        assert keys_of(screen) == before  # the same widgets: nothing was rebuilt

        screen.allow_delete = False
        screen.refresh_bindings()
        await pilot.pause()
        after = keys_of(screen)
        assert after != before
        assert [k.has_class("-disabled") for k in after] == [False, True]


async def test_a_rebuild_due_after_its_screen_closed_is_dropped():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = Dialog()
        await app.push_screen(dialog)
        await pilot.pause()
        footer = dialog.query_one(AlignFooter)
        footer.bindings_changed(dialog)  # schedules a rebuild for the next refresh
        app.pop_screen()
        await pilot.pause()
        await footer._rebuild()  # what the scheduled call does once the dialog is gone
        await pilot.pause()
        assert isinstance(app.screen, Keys)
        assert [k.description for k in keys_of(app.screen)] == ["New", "Delete"]


def footer_items(app) -> list[str]:
    footer = app.screen.query_one(AlignFooter)
    items = []
    for widget in footer.children:
        if isinstance(widget, FooterKey):
            items.append(f"{widget.key_display} {widget.description}")
        elif isinstance(widget, FooterLabel):
            items.append(str(widget.render()))
    return items


async def footer_of_area(tmp_path, key: str, size: tuple[int, int]) -> list[str]:
    """The footer of an area of the sample plan at a terminal size."""
    app = app_on(sample_copy(tmp_path))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        return footer_items(app)


def footer_width(app) -> int:
    footer = app.screen.query_one(AlignFooter)
    return sum(w.outer_size.width for w in footer.children)


async def test_a_busy_screen_keeps_help_and_quit_and_says_there_is_more(tmp_path):
    app = app_on(sample_copy(tmp_path))
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        items = footer_items(app)
        assert items[-3:] == ["…", "? Help", "q Quit"]
        assert items[0] == "m Measurement"
        assert footer_width(app) <= 80
        await pilot.resize_terminal(200, 30)
        await settle(pilot)
        wide = footer_items(app)
        assert "…" not in wide
        assert wide[-4:] == ["^e Export", "^o Import", "? Help", "q Quit"]
        await pilot.resize_terminal(80, 30)
        await settle(pilot)
        assert footer_items(app) == items


async def test_a_footer_that_fits_is_left_whole(tmp_path):
    assert await footer_of_area(tmp_path, "3", (120, 40)) == [
        "n New", "e Edit", "d Delete", "y Duplicate", "/ Filter", "s Sort", "^e Export",
        "^o Import", "? Help", "q Quit"]


async def test_the_scoring_tabs_keys_are_on_the_tabs_not_the_footer(tmp_path):
    items = await footer_of_area(tmp_path, "2", (240, 50))
    assert "…" not in items
    assert not {"m Matrix", "v Evidence", "h Histogram", "l Leads", "c Compare"} & set(items)
    assert {"a As of", "/ Filter leads", "b Bands & MQL"} <= set(items)


async def test_the_models_list_does_not_repeat_bands_and_mql(tmp_path):
    from screens.scoring_widgets import ModelList

    app = app_on(sample_copy(tmp_path))
    async with app.run_test(size=(240, 50)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        app.screen.query_one(ModelList).focus()
        await settle(pilot)
        items = footer_items(app)
        assert "n New model" in items
        assert [i for i in items if i.endswith("Bands & MQL")] == ["b Bands & MQL"]
