"""A story of its own in the full-screen game: its own title and byline on the title screen,
in the quit question and the help; Victor Serge only for the story that cites him."""

from __future__ import annotations

from textual.widgets import Markdown, Static

from game.tui.screens.dialogs import HelpScreen, QuitScreen, help_text
from game.tui.screens.title import TitleScreen
from tests.tui.stories import lighthouse_story


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_a_story_of_its_own_has_its_own_title_byline_quit_and_help(make_app, tmp_path):
    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert shown(app.screen, "#game-title") == "THE LIGHTHOUSE"
        assert shown(app.screen, "#game-subtitle") == "A story of the Cornish coast, 1890"
        assert app.title == "The Lighthouse"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        help_shown = app.screen.query_one(Markdown).source
        assert help_shown.startswith("# How to play The Lighthouse\n")
        assert "Serge" not in help_shown and "1917" not in help_shown
        assert "the story's sources" in help_shown  # it has sources of its own
        await pilot.press("escape", "q")
        assert isinstance(app.screen, QuitScreen)
        assert shown(app.screen, "#quit-question") == "Quit The Lighthouse?"
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 0


async def test_the_shipped_story_keeps_its_byline_and_help(make_app, shipped_story):
    app = make_app(shipped_story)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown(app.screen, "#game-subtitle") == "A story of October 1917, after Victor Serge"
        await pilot.press("f1")
        help_shown = app.screen.query_one(Markdown).source
        assert "Victor Serge's account" in help_shown and "Old Style" in help_shown
        await pilot.press("escape", "q")
        assert shown(app.screen, "#quit-question") == "Quit Petrograd 1917?"


async def test_no_byline_no_line_for_it(make_app):
    app = make_app()  # the mini story has no byline
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#game-subtitle")
        assert "after Victor Serge" not in " ".join(
            str(w.render()) for w in app.screen.query(Static)
        )


async def test_a_title_is_never_markup(make_app, tmp_path):
    title = "The *Lamp* [b]Room[/b] [red](link) <i>a</i> &amp; _b_"
    app = make_app(lighthouse_story(tmp_path / "odd", title=title))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown(app.screen, "#game-title") == title.upper()
        await pilot.press("q")
        assert shown(app.screen, "#quit-question") == f"Quit {title}?"
        await pilot.press("n", "f1")
        await pilot.pause()
        heading = app.screen.query_one(Markdown).query_one("MarkdownH1")
        assert str(heading.render()) == f"How to play {title}"  # no emphasis, link or tag


def test_the_help_of_a_story_without_sources(tmp_path):
    story = lighthouse_story(tmp_path / "none", sources="none")
    assert story.citations == "none"
    text = help_text(story)
    assert text.startswith("# How to play The Lighthouse\n")
    assert "sources" not in text and "Serge" not in text and "Old Style" not in text
    assert "| Q or Ctrl+Q |" in text  # the keys are the same for every story
    assert "<!--" not in text  # the notes to whoever edits help.md are not shown


def test_the_help_of_the_shipped_story(shipped_story):
    text = help_text(shipped_story)
    assert "Victor Serge's account" in text and "Old Style" in text
    assert "the story's sources" not in text and "<!--" not in text
    assessed = help_text(shipped_story, assessed=True)
    assert "This assignment is assessed" in assessed.splitlines()[2]


def test_the_plain_player_shows_the_byline_too(tmp_path):
    from io import StringIO

    from game.plain import play_plain
    from game.session import PlaySession

    story = lighthouse_story(tmp_path / "plain")
    out = StringIO()
    session = PlaySession(story, tmp_path / "data", seed=1)
    assert play_plain(session, stdin=StringIO("1\n"), stdout=out, width=80) == 0
    assert out.getvalue().startswith("The Lighthouse\nA story of the Cornish coast, 1890\n\n")
    assert "Serge" not in out.getvalue()
