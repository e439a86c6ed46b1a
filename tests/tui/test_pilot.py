"""Pilot tests of the TUI: play to an ending by keys and by mouse, closed choices, resizing."""

from __future__ import annotations

from functools import partial

from textual.events import Resize
from textual.geometry import Size
from textual.widgets import Button

from game.tui.screens.codex import CodexScreen, TermScreen
from game.tui.screens.dialogs import HelpScreen, QuitScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.title import TitleScreen
from game.tui.widgets.choice_list import ChoiceList


async def test_title_screen_focuses_new_game(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(mini_app.screen, TitleScreen)
        assert mini_app.focused.id == "new-game"
        assert mini_app.screen.query_one("#continue", Button).disabled


async def test_play_historical_path_with_keys_only(shipped_story, make_app):
    app = make_app(shipped_story)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SceneScreen)
        for _ in range(200):
            if isinstance(app.screen, EndingScreen):
                break
            frame = app.session.game.frame
            open_now = [c for c in frame.choices if c.available]
            faithful = [c for c in open_now if c.history == "faithful"]
            view = (faithful or [c for c in open_now if c.history == "own"])[0]
            await pilot.press(str(view.number))
        assert isinstance(app.screen, EndingScreen)
        assert app.session.game.frame.ending.kind == "historical"
        text = " ".join(str(w.render()) for w in app.screen.query(".path-step"))
        assert "[FAITHFUL]" in text and "[DIVERGENT]" not in text


async def test_arrows_and_enter_choose(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.press("down", "up", "enter")  # the closed choice is skipped; back to 1
        assert isinstance(mini_app.screen, EndingScreen)


async def test_play_with_the_mouse_only(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#new-game")
        await pilot.pause()
        assert isinstance(mini_app.screen, SceneScreen)
        assert await pilot.click(ChoiceList, offset=(4, 1))  # option 1 (below the top border)
        await pilot.pause()
        assert isinstance(mini_app.screen, EndingScreen)


async def test_closed_choice_cannot_be_chosen(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.press("2")
        await pilot.click(ChoiceList, offset=(4, 2))
        await pilot.click(ChoiceList, offset=(4, 3))
        await pilot.pause()
        assert isinstance(mini_app.screen, SceneScreen)
        game = mini_app.session.game
        assert game.scene.id == "stairs" and not game.record.steps


async def test_resize_mid_scene(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        for size in [(40, 12), (30, 8), (1, 1), (200, 60), (45, 14), (80, 24)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            too_small = size[0] < 40 or size[1] < 12
            assert mini_app.has_class("-too-small") == too_small
            notice = mini_app.screen.query_one(".too-small-notice")
            assert notice.display == too_small
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert mini_app.screen.has_class("-narrow")
        await pilot.press("1")
        assert isinstance(mini_app.screen, EndingScreen)


async def test_help_codex_and_quit_confirmation(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(mini_app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("c")
        assert isinstance(mini_app.screen, CodexScreen)
        await pilot.press("escape")
        await pilot.press("q")
        assert isinstance(mini_app.screen, QuitScreen)
        await pilot.press("n")
        assert isinstance(mini_app.screen, TitleScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert mini_app.return_value == 0


async def test_clicking_a_codex_term_opens_its_entry(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.click("#scene-text", offset=(25, 0))  # "Smolny" in the first line
        await pilot.pause()
        assert isinstance(mini_app.screen, TermScreen)
        assert mini_app.screen.entry.id == "smolny"


async def test_themes_cycle_and_no_color_is_respected(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert app.theme == "petrograd-light"
        await pilot.press("f2")
        assert app.theme == "petrograd-contrast"
    monkeypatch.setenv("NO_COLOR", "1")
    plain = make_app()
    async with plain.run_test(size=(80, 24)):
        assert plain.no_color


async def test_new_game_from_the_ending(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1")
        assert isinstance(mini_app.screen, EndingScreen)
        await pilot.press("n", "y")  # asked first (tests/tui/test_prompts.py)
        assert isinstance(mini_app.screen, SceneScreen)
        game = mini_app.session.game
        assert game.scene.id == "stairs" and not game.record.steps


SIZES = [(1, 1), (10, 3), (20, 5), (40, 12), (80, 24), (200, 60)]


async def test_every_screen_at_every_size(make_app):
    """Title, scene and ending at each size from 1x1 to 200x60, and the notice below 40x12."""
    for width, height in SIZES:
        app = make_app()
        async with app.run_test(size=(width, height)) as pilot:
            too_small = width < 40 or height < 12
            for show in (None, app.action_new_game, partial(_play_to_the_end, app)):
                if show is not None:
                    show()
                await pilot.pause()
                assert app.has_class("-too-small") == too_small, (width, height)
                notice = app.screen.query_one(".too-small-notice")
                assert notice.display == too_small
                if too_small:
                    assert "too small" in str(notice.render())
            assert isinstance(app.screen, EndingScreen)


def _play_to_the_end(app) -> None:
    session = app.session
    while not session.game.ended:
        session.choose(session.game.open_choices()[0].id)
    app.show_scene()


async def test_a_storm_of_resizes(make_app):
    """Twenty resizes as fast as a window manager sends them, tiny ones among them, mid-scene."""
    import random

    rng = random.Random(20)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        sizes = [Size(rng.randint(1, 220), rng.randint(1, 70)) for _ in range(18)] + [Size(1, 1)]
        for size in sizes:  # queued all at once, as a burst of SIGWINCH would be
            app.post_message(Resize(size, size))
        await pilot.resize_terminal(81, 25)  # the twentieth, and settle
        assert not app.has_class("-too-small")
        await pilot.press("1")  # and the game still plays
        assert isinstance(app.screen, EndingScreen)


async def test_cyrillic_cjk_and_emoji_render(make_app):
    """The fixture story's text in four scripts and emoji, at a normal and at the smallest size."""
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.conftest import ROOT

    story = load_story([ROOT / "tests" / "fixtures" / "unicode-story"], assets=assets_dir())
    for size in ((80, 24), (40, 12)):
        app = make_app(story)
        async with app.run_test(size=size) as pilot:
            await pilot.press("enter")
            assert isinstance(app.screen, SceneScreen)
            text = str(app.screen.query_one("#scene-text").render())
            assert "Вся власть Советам" in text and "全部政权归苏维埃" in text and "🚩" in text
            header = str(app.screen.query_one("#scene-header").render())
            if size[0] >= 80:  # narrower, the header drops whole fields (the place first)
                assert "Смольный, Петроград 彼得格勒" in header
            await pilot.press("1", "1")
            assert isinstance(app.screen, EndingScreen)
            title = str(app.screen.query_one("#ending-title").render())
            assert "Новый день 新的一天 ☀️" in title
