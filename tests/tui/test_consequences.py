"""Consequences you can see (issue 16): the verdict in words and a style of its own, "+2"
beside a gauge, the spoiler setting, notes in the history, codex terms from the keyboard,
unmet codex entries shown by name only, and the endings gallery's wording."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import OptionList, Static

from game.engine import wording
from game.tui.screens.codex import CodexScreen, TermScreen, TermsScreen
from game.tui.screens.endings import EndingsScreen
from game.tui.screens.history import HistoryScreen
from game.tui.screens.scene import SceneScreen
from tests.tui.stories import reader_story


@pytest.fixture
def reader(tmp_path):
    return reader_story(tmp_path / "reader")


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.mark.parametrize(
    ("key", "history", "tag"),
    [("1", "own", "YOUR OWN"), ("2", "faithful", "FAITHFUL"), ("3", "divergent", "DIVERGENT")],
)
async def test_the_verdict_is_in_words_and_in_a_style_of_its_own(
    make_app, reader, key, history, tag
):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", key)
        last = app.screen.query_one("#last-choice", Static)
        assert last.display and last.has_class(f"-{history}")
        assert str(last.render()).startswith(f"{tag} Your last choice was")
        others = {"own", "faithful", "divergent"} - {history}
        assert not any(last.has_class(f"-{other}") for other in others)
        borders = {last.styles.border_left}
    # each kind draws its border differently (not by colour alone)
    assert borders


async def test_the_three_kinds_have_three_border_styles(make_app, reader, data_dir):
    seen = set()
    for key in "123":
        shutil.rmtree(data_dir, ignore_errors=True)  # a new game each time, not Continue
        app = make_app(reader)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter", key)
            seen.add(app.screen.query_one("#last-choice", Static).styles.border_left[0])
    assert len(seen) == 3


async def test_a_gauge_shows_what_the_step_did_to_it(make_app, reader, data_dir):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "2")
        assert "5 / 10  +2" in shown(app.screen, "#variables")
        await pilot.press("1")  # the next step changes nothing: the +2 goes
        assert "+2" not in shown(app.screen, "#variables")
    shutil.rmtree(data_dir)
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "3")
        assert "2 / 10  −1" in shown(app.screen, "#variables")


async def test_with_the_panel_folded_the_change_is_said_with_the_verdict(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "2")
        assert "Changes: Trust of the soldiers +2." in shown(app.screen, "#last-choice")


async def test_notes_at_the_end_of_the_chapter(make_app, reader):
    app = make_app(reader)
    app.session.profile.settings.spoilers = "chapter"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "3")
        assert not app.screen.query_one("#last-choice", Static).display  # not yet
        await pilot.press("1")  # into chapter two: the notes on chapter one's choices
        text = shown(app.screen, "#last-choice")
        assert text.startswith(wording.CHAPTER_NOTES_HEADING)
        assert (
            "DIVERGENT The Long Corridor: Burn the papers in the stove. Nobody burned them." in text
        )
        assert "FAITHFUL The Stairs: Go up. Up they went." in text
        await pilot.press("1")  # the ending shows the whole path
        await pilot.pause()
        assert app.session.game.ended


async def test_notes_only_at_the_ending(make_app, reader):
    app = make_app(reader)
    app.session.profile.settings.spoilers = "ending"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "3", "1")
        assert not app.screen.query_one("#last-choice", Static).display
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(".history-choice"))
        assert "Nobody burned them" not in text and "DIVERGENT" not in text
        assert wording.NOTE_LATER in text


async def test_the_history_shows_the_notes_indented_with_plain_dates(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "3", "1", "h")
        assert isinstance(app.screen, HistoryScreen)
        scenes = [str(s.render()) for s in app.screen.query(".history-scene")]
        assert scenes[0] == "1. The Long Corridor · 24 October 1917 (6 November N.S.)"
        assert all("((" not in line and "))" not in line for line in scenes)
        first = app.screen.query(".history-choice").first()
        assert "DIVERGENT" in str(first.render()) and "Nobody burned them." in str(first.render())
        assert first.styles.padding.left == 3  # wrapped lines stay under the choice
        assert first.content_region.x > app.screen.query(".history-scene").first().content_region.x


async def test_codex_terms_open_from_the_keyboard(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "t")
        assert isinstance(app.screen, TermsScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TermScreen) and app.screen.entry.id == "mrc"
        await pilot.press("escape")
        assert isinstance(app.screen, SceneScreen)


async def test_codex_entries_not_met_show_only_their_name(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "c")
        screen = app.screen
        assert isinstance(screen, CodexScreen)
        story = app.session.story
        unmet = next(e for e in story.codex.values() if e.id not in screen.met)
        met = story.codex["smolny"]
        await pilot.press(*unmet.name.lower())
        await pilot.pause()
        text = shown(screen, "#codex-text")
        assert unmet.name in text and "Not met in the story yet" in text
        assert unmet.text.split()[0:6] != text.split()[0:6] or len(unmet.text) < 20
        # A word only in an unmet entry's text finds nothing: its text is not searched.
        screen.query_one("#codex-search").value = ""
        await pilot.pause()
        screen.query_one("#codex-search").value = met.name
        await pilot.pause()
        assert met.text.split()[0] in shown(screen, "#codex-text")


async def test_the_endings_gallery_names_a_locked_ending_plainly(make_app, reader):
    app = make_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "2", "1", "1")
        await pilot.pause()
        app.action_endings()
        await pilot.pause()
        assert isinstance(app.screen, EndingsScreen)
        text = shown(app.screen, "#endings-list")
        assert "✓ Morning Comes: the historical ending" in text
        assert "Locked: an alternate ending" in text
        assert "of the kind" not in text and "did not happen" not in text
