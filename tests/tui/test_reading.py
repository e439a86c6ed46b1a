"""Reading a scene (issue 16): the text scrolls from the keyboard whatever has the focus,
a marker shows when text is hidden below, the measure stays near 70 characters, the side
panel widens or folds away with the width, the header keeps to one line, and the text
reveal never turns a key into a choice."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Static

from game.tui.screens.scene import SceneScreen
from game.tui.widgets.choice_list import ChoiceList
from game.tui.widgets.header import SceneHeader, header_forms
from game.tui.widgets.side_panel import SidePanel
from tests.tui.stories import reader_story


@pytest.fixture
def reader(tmp_path):
    return reader_story(tmp_path / "reader")


async def start(pilot) -> SceneScreen:
    await pilot.press("enter")  # New game
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SceneScreen)
    return screen


def pane(screen) -> VerticalScroll:
    return screen.query_one("#scene-pane", VerticalScroll)


async def test_page_keys_scroll_the_text_while_the_choices_have_the_focus(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        choices = screen.query_one(ChoiceList)
        assert app.focused is choices and choices.highlighted == 0
        text = pane(screen)
        assert text.max_scroll_y > 0 and text.scroll_y == 0
        await pilot.press("pagedown")
        assert text.scroll_y > 0
        await pilot.press("end")
        assert text.scroll_y == text.max_scroll_y
        await pilot.press("pageup")
        assert 0 < text.scroll_y < text.max_scroll_y
        await pilot.press("home")
        assert text.scroll_y == 0
        assert choices.highlighted == 0 and app.focused is choices  # the choices did not move
        assert len(app.session.game.record.steps) == 0


async def test_arrow_keys_scroll_the_text_past_the_first_and_last_choice(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        choices, text = screen.query_one(ChoiceList), pane(screen)
        await pilot.press("down", "down")
        assert choices.highlighted == 2 and text.scroll_y == 0  # arrows move through choices
        await pilot.press("down")  # past the last: the text scrolls
        assert choices.highlighted == 2 and text.scroll_y > 0
        await pilot.press("up", "up")
        assert choices.highlighted == 0
        scrolled = text.scroll_y
        await pilot.press("up")  # past the first: back up the text
        assert choices.highlighted == 0 and text.scroll_y < scrolled


async def test_a_marker_shows_while_text_is_hidden_below(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        marker = screen.query_one("#more-below", Static)
        await pilot.pause()
        assert marker.display and "more below" in str(marker.render())
        await pilot.press("end")
        await pilot.pause()
        assert not marker.display
        await pilot.press("home")
        await pilot.pause()
        assert marker.display
        await pilot.press("1")  # the next scene is short: nothing hidden
        await pilot.pause()
        assert not screen.query_one("#more-below", Static).display


@pytest.mark.parametrize("size", [(120, 40), (160, 50)])
async def test_the_text_keeps_a_reading_measure_and_is_centred(make_app, reader, size):
    app = make_app(reader)
    async with app.run_test(size=size) as pilot:
        screen = await start(pilot)
        text = screen.query_one("#scene-text", Static)
        column = screen.query_one("#reading")
        assert 60 <= text.content_region.width <= 72
        left = text.region.x - column.region.x
        right = column.region.right - text.region.right
        assert abs(left - right) <= 3  # centred in the reading column


async def test_the_ending_keeps_the_same_measure(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("2", "1", "1")
        await pilot.pause()
        epilogue = app.screen.query_one("#epilogue", Static)
        assert epilogue.content_region.width <= 72


async def test_the_side_panel_widens_and_folds_away(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(99, 30)) as pilot:
        screen = await start(pilot)
        panel = screen.query_one(SidePanel)
        assert panel.region.width == 0  # folded away below 100 columns
        await pilot.press("v")
        await pilot.pause()
        assert panel.region.width > 0  # V brings it back
        await pilot.press("v")
        await pilot.pause()
        assert panel.region.width == 0
        assert app.session.profile.settings.show_panel  # folding is not a setting
    for width, expected in ((120, 30), (150, 40)):
        app = make_app(reader)
        async with app.run_test(size=(width, 40)) as pilot:
            screen = await start(pilot)
            assert screen.query_one(SidePanel).region.width == expected


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_the_header_keeps_to_one_line(make_app, reader, width):
    app = make_app(reader)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await start(pilot)
        header = screen.query_one(SceneHeader)
        assert header.region.height == 1
        shown = str(header.render())
        assert shown in header_forms(app.session.game.frame)  # a whole form, no field cut
        assert len(shown) <= width - 2
        if width == 80:
            assert "24 Oct (6 Nov N.S.)" in shown and "21:40" in shown


@pytest.mark.parametrize("key", ["2", "enter", "pagedown"])
async def test_a_key_during_the_reveal_finishes_the_text_and_is_not_a_choice(
    make_app, reader, key
):
    app = make_app(reader)
    app.session.profile.settings.reveal = True
    app.session.profile.settings.reveal_speed = "slow"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        assert screen.revealing
        assert screen.query_one(ChoiceList).disabled  # not yet: the text is not whole
        await pilot.press(key)
        assert not screen.revealing
        assert len(app.session.game.record.steps) == 0  # the key finished the text only
        assert "THE LAST LINE" in str(screen.query_one("#scene-text", Static).render())
        assert not screen.query_one(ChoiceList).disabled
        await pilot.press("2")
        assert len(app.session.game.record.steps) == 1
