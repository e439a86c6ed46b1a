"""Never losing progress by accident (issue 16): the title menu moves with the arrows and
puts Continue first when there is a save; a new game, a load, a save over a used slot and
N at an ending ask first, with Enter on the safe answer; Escape opens a menu in a scene;
Ctrl+C says how to quit."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from game.tui.screens.dialogs import ConfirmScreen, MenuScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.saves import LoadScreen, SaveScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.title import TitleScreen
from tests.tui.stories import reader_story


@pytest.fixture
def reader(tmp_path):
    return reader_story(tmp_path / "reader")


async def play_one(make_app, story, size=(100, 30)):
    """An app whose data folder holds an unfinished game (one choice made), then closed."""
    app = make_app(story)
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter", "2")
        await app.workers.wait_for_complete()
    return app


async def test_the_title_menu_moves_with_the_arrows_and_continue_comes_first(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.focused.id == "new-game"  # nothing to continue yet
        await pilot.press("down")
        assert app.focused.id != "new-game"
    await play_one(make_app, reader)
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, TitleScreen)
        assert app.focused.id == "continue"
        await pilot.press("down")
        assert app.focused.id == "load"
        await pilot.press("up", "up")
        assert app.focused.id == "new-game"
        focused = app.focused.styles.background
        other = app.screen.query_one("#continue", Button).styles.background
        assert focused != other  # the focused item looks different


async def test_a_new_game_over_a_saved_one_asks_and_enter_keeps_it(make_app, reader):
    await play_one(make_app, reader)
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#new-game", Button).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.focused.id == "confirm-no"
        await pilot.press("enter")  # the safe answer
        assert isinstance(app.screen, TitleScreen) and app.session.game is None
        await pilot.press("enter")  # New game again (the focus is back on it)
        await pilot.press("y")
        assert isinstance(app.screen, SceneScreen) and app.session.game.record.steps == ()


async def test_new_game_from_a_scene_asks_only_once_a_choice_is_made(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        app.action_new_game()  # nothing to lose yet: no question
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("2")
        app.action_new_game()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        assert len(app.session.game.record.steps) == 1


async def test_loading_over_a_game_in_progress_asks(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "2", "s", "enter")  # a choice, then save to slot 1
        await pilot.pause()
        assert app.session.saves()[1] is not None
        await pilot.press("1")  # one more choice: now at the room
        await pilot.press("l")
        assert isinstance(app.screen, LoadScreen)
        await pilot.press("down", "enter")  # slot 1
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # no: the game goes on where it was
        assert app.session.game.scene.id == "room"
        await pilot.press("l", "down", "enter", "y")
        await pilot.pause()
        assert app.session.game.scene.id == "stairs"


async def test_saving_over_a_used_slot_asks(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "2", "s", "enter")  # slot 1, empty: saved at once
        await pilot.pause()
        first = app.session.saves()[1]
        assert first is not None and first.scene_title == "The Stairs"
        await pilot.press("1", "s")
        assert isinstance(app.screen, SaveScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert "The Stairs" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("enter")  # no
        assert app.session.saves()[1].scene_title == "The Stairs"
        await pilot.press("s", "enter", "y")
        await pilot.pause()
        assert app.session.saves()[1].scene_title == "The Room"


async def test_n_at_an_ending_asks_first(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "2", "1", "1")
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)
        await pilot.press("n")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, EndingScreen)
        await pilot.press("n", "y")
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen) and app.session.game.scene.id == "hall"


async def test_escape_opens_a_menu_with_a_way_back_to_the_title(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "2", "escape")
        assert isinstance(app.screen, MenuScreen)
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Resume", "Save", "Load", "Settings", "Title screen", "Quit"]
        await pilot.press("escape")  # resume
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("escape", "enter")  # Resume has the focus
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("escape", "down", "down", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await app.workers.wait_for_complete()
        assert app.focused.id == "continue"  # and the game is there to continue
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen) and app.session.game.scene.id == "stairs"


async def test_the_menu_saves(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "2", "escape", "down", "enter")
        assert isinstance(app.screen, SaveScreen)


async def test_ctrl_c_says_how_to_quit(make_app, reader, monkeypatch):
    app = make_app(reader)
    said = []
    async with app.run_test(size=(100, 30)) as pilot:
        monkeypatch.setattr(app, "notify", lambda message, **_: said.append(message))
        await pilot.press("enter", "ctrl+c")
        assert isinstance(app.screen, SceneScreen)  # still playing
        assert said and "press Q" in said[-1]
