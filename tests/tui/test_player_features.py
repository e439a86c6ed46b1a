"""Pilot tests of the player features: saves, Continue, undo, history, codex, endings, settings, reveal."""

from __future__ import annotations

import json

from textual.widgets import Button, Input, OptionList, Select, Static, Switch

from game.tui.screens.codex import MET, CodexScreen
from game.tui.screens.dialogs import ConfirmScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.endings import EndingsScreen
from game.tui.screens.history import HistoryScreen
from game.tui.screens.saves import LoadScreen, SaveScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.settings import SettingsScreen
from game.tui.screens.title import TitleScreen
from tests.tui.conftest import showing, until


def text_of(widget) -> str:
    return str(widget.render())


async def test_continue_is_greyed_until_a_save_exists_then_resumes(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#continue", Button).disabled
        await pilot.press("enter", "1", "1")
        scene_id = app.session.game.scene.id
    again = make_app(shipped_story)
    async with again.run_test(size=(80, 24)) as pilot:
        assert not again.screen.query_one("#continue", Button).disabled
        assert "Scenes seen: 3 of" in text_of(again.screen.query_one("#progress", Static))
        await pilot.click("#continue")
        assert isinstance(again.screen, SceneScreen)
        assert again.session.game.scene.id == scene_id


async def test_continue_on_the_command_line_opens_straight_on_the_scene(make_app, shipped_story):
    """`petrograd play --continue`: the saved scene is the first screen (no title is built,
    which keeps start-up short); the title is still there to go back to."""
    app = make_app(shipped_story, resume=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, TitleScreen)  # nothing saved yet: the title, and a notice
        assert [n.message for n in app._notifications] == ["There is no saved game yet."]
        await pilot.press("enter", "1")
        scene_id = app.session.game.scene.id
    again = make_app(shipped_story, resume=True)
    async with again.run_test(size=(80, 24)) as pilot:
        assert isinstance(again.screen, SceneScreen)
        assert not any(isinstance(s, TitleScreen) for s in again.screen_stack)
        assert again.session.game.scene.id == scene_id
        again.action_title_screen()
        await pilot.pause()
        assert isinstance(again.screen, TitleScreen)
        assert not again.screen.query_one("#continue", Button).disabled


async def test_save_screen_and_load_screen(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter", "1")
        saved_at = app.session.game.scene.id
        await pilot.press("s")
        assert isinstance(app.screen, SaveScreen)
        slots = app.screen.query_one("#slot-list", OptionList)
        assert slots.option_count == 9  # the autosave is not offered for saving
        await pilot.press("down", "down", "enter")  # slot 3
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("1")
        assert app.session.game.scene.id != saved_at
        await pilot.press("l")
        assert isinstance(app.screen, LoadScreen)
        listing = app.screen.query_one("#slot-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts[0].startswith("Autosave: ") and "Slot 3: " in prompts[3]
        assert "saved " in prompts[3] and "October 1917" in prompts[3]
        assert listing.get_option_at_index(1).disabled  # slot 1 is empty
        await pilot.press("down", "down", "down", "enter")
        assert isinstance(app.screen, ConfirmScreen)  # over a game in progress: asked first
        await pilot.press("y")
        assert app.session.game.scene.id == saved_at


async def test_undo_with_backspace_back_to_the_start(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1", "1", "1")
        assert len(app.session.game.record.steps) == 3
        await pilot.press("backspace", "ctrl+z", "backspace")
        assert not app.session.game.record.steps
        assert app.session.game.scene.id == shipped_story.start
        await pilot.press("backspace")  # nothing to undo: stays, says so
        assert isinstance(app.screen, SceneScreen)


async def test_undo_from_an_ending(mini_app):
    async with mini_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1")
        assert isinstance(mini_app.screen, EndingScreen)
        await pilot.press("backspace")
        assert isinstance(mini_app.screen, SceneScreen)
        assert mini_app.session.game.scene.id == "stairs"


async def test_history_screen(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1", "1", "2", "h")  # two of the messenger's own, one faithful
        assert isinstance(app.screen, HistoryScreen)
        text = "\n".join(text_of(w) for w in app.screen.query(".history-scene, .history-choice"))
        assert text.startswith("1. ") and "3. " in text and "Now: " in text
        assert text.count("YOUR OWN ·") == 2 and text.count("FAITHFUL ·") == 1
        await pilot.press("escape")
        assert isinstance(app.screen, SceneScreen)


async def test_codex_search_and_met_marks(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "c")
        assert isinstance(app.screen, CodexScreen)
        codex = app.screen.query_one("#codex-list", OptionList)
        everything = codex.option_count
        met = [str(codex.get_option_at_index(i).prompt) for i in range(everything)]
        assert any(p.startswith(MET) for p in met)  # the first scene's terms
        await pilot.press(*"aurora")
        assert codex.option_count < everything
        names = [str(codex.get_option_at_index(i).prompt) for i in range(codex.option_count)]
        assert any("Aurora" in n for n in names)
        assert "Aurora" in text_of(app.screen.query_one("#codex-text", Static))
        app.screen.query_one("#codex-search", Input).value = "zzzz-nothing"
        await pilot.pause()
        assert codex.option_count == 0


async def test_endings_gallery_marks_reached_and_locked(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1", "e")
        assert isinstance(app.screen, EndingsScreen)
        text = text_of(app.screen.query_one("#endings-list", Static))
        assert "✓ The Order Stays Unsigned" in text
        assert "Locked: an alternate ending" in text


async def test_settings_are_saved_and_used(make_app, data_dir):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#settings")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#theme", Select).value = "petrograd-contrast"
        app.screen.query_one("#reveal", Switch).value = True
        app.screen.query_one("#show-panel", Switch).value = False
        await pilot.pause()
        assert app.theme == "petrograd-contrast"
    saved = json.loads((data_dir / "settings.json").read_text())
    assert saved == {
        "theme": "petrograd-contrast",
        "reveal": True,
        "reveal_speed": "normal",
        "show_panel": False,
        "spoilers": "choice",
    }
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        assert again.theme == "petrograd-contrast"
        await pilot.press("enter")
        assert again.screen.has_class("-panel-hidden")


async def test_text_reveal_can_be_skipped_and_is_instant_on_a_second_visit(make_app):
    app = make_app()
    app.session.profile.settings.reveal = True
    app.session.profile.settings.reveal_speed = "slow"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert screen.revealing and screen.shown < len(screen.full_text)
        await pilot.press("space")
        assert not screen.revealing and screen.shown == len(screen.full_text)
    again = make_app()
    again.session.profile.settings.reveal = True
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert not again.screen.revealing  # seen before: shown at once


async def test_title_offers_every_way_in(mini_app):
    async with mini_app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        assert isinstance(mini_app.screen, TitleScreen)
        ids = [b.id for b in mini_app.screen.query(Button)]
        assert ids == [
            "new-game",
            "continue",
            "load",
            "endings",
            "codex",
            "settings",
            "help",
            "quit",
        ]


async def test_a_choice_is_on_screen_while_its_autosave_is_still_being_written(
    make_app, data_dir, monkeypatch
):
    """The writes (fsynced autosave, profile) run in a worker: the game shows the choice
    without waiting for them, and a choice that ends the game is written all the same."""
    import threading

    from game.saves import SaveStore

    release = threading.Event()
    write = SaveStore.write

    def slow_write(prepared) -> None:
        assert release.wait(30), "the test never let the write go on"
        write(prepared)

    monkeypatch.setattr(SaveStore, "write", staticmethod(slow_write))
    app = make_app()
    autosave = data_dir / "saves" / "auto.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1")  # the mini story's first choice ends it
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)  # shown while the write is held
        assert not autosave.exists()
        release.set()
        await app.workers.wait_for_complete()
        assert len(json.loads(autosave.read_text())["record"]["steps"]) == 1


async def test_keys_typed_before_the_screen_catches_up_still_find_the_save(make_app):
    """A choice and the next key in one burst (the writes wait for the frame): the title
    screen and the endings gallery still see the game just saved and the ending reached."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: showing(app, SceneScreen), "the first scene")
        for key in ("1", "t"):  # the mini story's first choice ends it; T: the title
            app.post_message(events.Key(key, key))
        await until(pilot, lambda: showing(app, TitleScreen), "the title screen")
        assert not app.screen.query_one("#continue", Button).disabled
        assert "Endings reached: 1 of" in text_of(app.screen.query_one("#progress", Static))
        await pilot.press("enter")  # a new game
        await until(pilot, lambda: showing(app, SceneScreen), "the new game's scene")
        for key in ("1", "e"):  # to its ending again; E: the endings gallery
            app.post_message(events.Key(key, key))
        await until(pilot, lambda: showing(app, EndingsScreen), "the endings gallery")
        assert "1 of" in " ".join(text_of(w) for w in app.screen.query(Static))


async def test_a_failed_write_is_shown_once_even_on_a_new_game(make_app, monkeypatch):
    from game.atomic import WriteFailed
    from game.profile import Profile

    def full_disk(self, stories=None) -> None:
        raise WriteFailed(28, "No space left on device")

    monkeypatch.setattr(Profile, "write", full_disk)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # a new game: the first scene is news to the profile
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and "could not be recorded" in messages[0]
        assert isinstance(app.screen, SceneScreen)
