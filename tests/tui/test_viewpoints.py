"""Choosing whom to play: the title screen's viewpoint picker, and what follows from it."""

from __future__ import annotations

from textual.widgets import Button

from game.tui.screens.endings import EndingsScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.viewpoints import ViewpointScreen


async def test_new_game_asks_whom_to_play_and_starts_there(shipped_story, make_app):
    app = make_app(shipped_story, viewpoint=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # New game
        assert isinstance(app.screen, ViewpointScreen)
        names = [str(b.label) for b in app.screen.query(".viewpoint-button").results(Button)]
        assert names == [f"{n}. {v.name}" for n, v in enumerate(shipped_story.viewpoints.values(), 1)]
        await pilot.press("down", "down", "enter")  # the third: inside the palace
        assert isinstance(app.screen, SceneScreen)
        palace = shipped_story.viewpoints["palace"]
        assert app.session.game.scene.id == palace.start
        assert app.session.game.record.start == palace.start


async def test_escape_goes_back_to_the_title_without_a_game(shipped_story, make_app):
    app = make_app(shipped_story, viewpoint=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, ViewpointScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ViewpointScreen | SceneScreen)
        assert app.session.game is None


async def test_the_side_panel_shows_only_the_viewpoints_own_gauges(shipped_story, make_app):
    app = make_app(shipped_story, viewpoint="sailor")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        shown = {v.name for v in app.session.game.frame.variables}
        assert shown and all(name.startswith("sailor_") for name in shown)


async def test_the_endings_gallery_groups_by_viewpoint(shipped_story, make_app):
    app = make_app(shipped_story)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.run_action("app.endings")
        await pilot.pause()
        assert isinstance(app.screen, EndingsScreen)
        text = str(app.screen.query_one("#endings-list").render())
        positions = [text.index(v.name + ":") for v in shipped_story.viewpoints.values()]
        assert positions == sorted(positions)
