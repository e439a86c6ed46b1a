"""The full-screen game with saves and folders a stranger made (issue 14): it starts, lists
what it cannot use as unreadable, and shows every message as plain text."""

from __future__ import annotations

import json

from textual.widgets import Button, OptionList

from game.engine import Game
from game.saves import SaveStore
from game.tui.screens.saves import LoadScreen
from game.tui.screens.title import TitleScreen


def _plant(data_dir, story, slot, **changes):
    store = SaveStore(data_dir / "saves")
    store.save(slot, Game(story, seed=1))
    path = data_dir / "saves" / f"{slot}.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


async def test_a_save_dated_beyond_any_calendar_does_not_stop_the_game(
    make_app, data_dir, mini_story
):
    _plant(data_dir, mini_story, "auto", saved_at="9999-12-31T23:59:59-14:00")
    _plant(data_dir, mini_story, "2", saved_at="2999-12-31T23:59:59Z")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        assert isinstance(app.screen, TitleScreen)
        assert not app.screen.query_one("#continue", Button).disabled  # slot 2 is readable
        app.action_load()
        await pilot.pause()
        assert isinstance(app.screen, LoadScreen)
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any(p.startswith("Autosave: unreadable (its time of saving") for p in prompts)
        assert any(p.startswith("Slot 2: ") and "unreadable" not in p for p in prompts)


async def test_notices_quoting_outside_text_are_never_markup(make_app, tmp_path, mini_story):
    from game.session import PlaySession
    from game.tui.app import PetrogradApp

    folder = tmp_path / "[" / "bad] [b]data"  # its path holds "[/bad] [b]data"
    folder.mkdir(parents=True)
    (folder / "saves").write_text("a file where the saves folder should be")
    app = PetrogradApp(PlaySession(mini_story, folder, seed=1))
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.press("enter", "1")  # a new game, a choice: its autosave fails
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(
            "[/bad] [b]data" in m and "should be a folder but is a file" in m for m in messages
        )
        app.notify("[/bad] closes nothing; [link=x]neither[/link]")
        await pilot.pause()
        assert list(app._notifications)[-1].message.startswith("[/bad] closes nothing")


async def test_a_save_titled_with_markup_is_plain_text_everywhere(make_app, data_dir, mini_story):
    """Found in review: the Continue button's tooltip was a string, read as markup."""
    from textual.visual import visualize
    from textual.widgets import Static

    _plant(data_dir, mini_story, "1", summary={"title": "[/bad] [link=x]", "chapter": "[b]"})
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        tooltip = app.screen.query_one("#continue", Button).tooltip
        shown = visualize(Static(), tooltip, markup=True)  # as Textual's tooltip shows it
        assert "[/bad] [link=x], saved" in str(shown)
        app.action_load()
        await pilot.pause()
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any("[/bad] [link=x]" in p for p in prompts)
