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


# ---------------------------------------------------------------- a story that grades nothing


def footer_keys(screen) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [key.description for key in screen.query(FooterKey)]


def texts(screen) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static) if w.display)


async def new_game(app, pilot, *keys: str) -> None:
    """From the title screen: a new game, then these keys, one at a time."""
    await pilot.pause()
    await pilot.click("#new-game")
    await pilot.pause()
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


async def test_no_verdict_after_a_choice_in_a_story_that_grades_none(make_app, tmp_path):
    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "2")  # wait on the shore: one of two, the player's own
        assert app.session.game.frame.graded is False
        assert not app.screen.query_one("#last-choice", Static).display  # no YOUR OWN banner
        assert "YOUR OWN" not in texts(app.screen)


async def test_the_history_of_a_story_that_grades_none_has_no_tags(make_app, tmp_path):
    from game.tui.screens.history import HistoryScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "2", "h")
        assert isinstance(app.screen, HistoryScreen)
        shown_history = texts(app.screen)
        assert "You chose: Wait on the shore a little longer" in shown_history
        assert "YOUR OWN" not in shown_history and "not graded" not in shown_history


async def test_the_settings_of_a_story_that_grades_none_time_no_notes(make_app, tmp_path):
    from game.tui.screens.settings import SettingsScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "o")
        assert isinstance(app.screen, SettingsScreen)
        assert not app.screen.query("#spoilers")
        labels = " ".join(str(w.render()) for w in app.screen.query("Label"))
        assert "History's notes" not in labels and "Colours" in labels


async def test_the_settings_of_a_graded_story_time_its_notes(make_app, tmp_path):
    from game.tui.screens.settings import SettingsScreen

    app = make_app(lighthouse_story(tmp_path / "graded", graded=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.click("#settings")  # from the title screen, before any game
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query("#spoilers")


async def test_the_ending_of_a_story_that_grades_none_lists_a_plain_path(make_app, tmp_path):
    from game.tui.screens.ending import EndingScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "2", "1")  # wait, then climb: the ending
        assert isinstance(app.screen, EndingScreen)
        assert shown(app.screen, "#path-heading") == "Your path"
        steps = [str(w.render()) for w in app.screen.query(".path-step")]
        assert steps == [
            "1. The Shore: Wait on the shore a little longer",
            "2. The Shore: Climb the stairs to the lamp",
        ]  # no [YOUR OWN], and no "(sources: )" under a choice that cites nothing


async def test_an_ending_of_a_story_of_its_own_makes_no_claim(make_app, tmp_path):
    app = make_app(lighthouse_story(tmp_path / "lighthouse", sources="none"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "1")
        kind = shown(app.screen, "#ending-kind")
        assert kind == "The historical ending." and "happened" not in kind


async def test_a_graded_story_of_its_own_keeps_its_verdicts(make_app, tmp_path):
    """One graded choice is enough: the tags stay, a choice of the player's own keeps its
    own; still no claim that the ending happened."""
    from game.tui.screens.ending import EndingScreen

    app = make_app(lighthouse_story(tmp_path / "graded", graded=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "2")
        assert app.session.game.frame.graded is True
        assert "YOUR OWN" in shown(app.screen, "#last-choice")
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)
        assert shown(app.screen, "#path-heading") == "Your path and history"
        steps = [str(w.render()) for w in app.screen.query(".path-step")]
        assert steps == [
            "1. [YOUR OWN] The Shore: Wait on the shore a little longer",
            "2. [FAITHFUL] The Shore: Climb the stairs to the lamp\n"
            "The keeper did climb the tower that night.",
        ]
        assert shown(app.screen, "#ending-kind") == "The historical ending."


async def test_a_choice_with_sources_and_no_note_at_the_ending(make_app, tmp_path):
    app = make_app(lighthouse_story(tmp_path / "cited", cited_choice=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "1")
        steps = [str(w.render()) for w in app.screen.query(".path-step")]
        assert steps == ["1. The Shore: Climb the stairs to the lamp\n(sources: log-2)"]


async def test_the_shipped_ending_still_says_what_happened(make_app, tmp_path):
    """The reader story cites the article and grades its choices: the ending as before."""
    from tests.tui.stories import reader_story

    app = make_app(reader_story(tmp_path / "reader"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot, "2", "1", "1")  # run, up, stay: the historical ending
        assert shown(app.screen, "#ending-kind") == "The historical ending: this is what happened."
        assert shown(app.screen, "#path-heading") == "Your path and history"
        first = str(app.screen.query(".path-step").first().render())
        assert first == (
            "1. [FAITHFUL] The Long Corridor: Run up the stairs with the papers\n"
            "The papers did go up that night. (sources: eve-1)"
        )


# ---------------------------------------------------------------- no codex, no gauges


async def test_a_story_without_a_codex_offers_none_on_the_title_screen(make_app, tmp_path):
    from game.tui.screens.codex import CodexScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#codex")  # not in the title menu
        assert "Codex" not in footer_keys(app.screen)
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, CodexScreen)


async def test_a_story_without_a_codex_offers_none_in_a_scene(make_app, tmp_path):
    from game.tui.screens.codex import CodexScreen, TermsScreen
    from game.tui.screens.scene import SceneScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot)
        assert isinstance(app.screen, SceneScreen)
        keys = footer_keys(app.screen)
        assert "Codex" not in keys and "Terms" not in keys and "History" in keys
        panel = app.screen.query_one("#side-panel")
        assert not panel.query_one("#terms-heading").display  # no "In the codex (none)"
        assert not panel.query_one("#terms").display
        await pilot.press("t", "c")
        await pilot.pause()
        assert not isinstance(app.screen, (TermsScreen, CodexScreen))


async def test_the_codex_of_a_story_without_one_says_so(make_app, tmp_path):
    from game.tui.screens.codex import CodexScreen

    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot)
        scene = app.screen
        app.push_screen(CodexScreen(app.session))  # reached some other way: said plainly
        await pilot.pause()
        assert shown(app.screen, "#codex-text") == "This story has no codex."
        assert not app.screen.query("#codex-search")  # not a search that found nothing
        assert "0 of 0" not in texts(app.screen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is scene


async def test_no_labelled_variable_no_heading_for_them(make_app, tmp_path):
    app = make_app(lighthouse_story(tmp_path / "lighthouse"))
    async with app.run_test(size=(120, 40)) as pilot:
        await new_game(app, pilot)
        panel = app.screen.query_one("#side-panel")
        assert "Where things stand" not in texts(panel)
        assert "Sources" in texts(panel)  # it cites its own sources


async def test_a_story_with_a_codex_and_gauges_keeps_them(make_app, tmp_path):
    from tests.tui.stories import reader_story

    app = make_app(reader_story(tmp_path / "reader"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query("#codex") and "Codex" in footer_keys(app.screen)
        await new_game(app, pilot)
        keys = footer_keys(app.screen)
        assert "Codex" in keys and "Terms" in keys
        panel = texts(app.screen.query_one("#side-panel"))
        assert "Where things stand" in panel and "In the codex" in panel


# ---------------------------------------------------------------- the help


def test_the_help_follows_the_calendar_not_the_citations(tmp_path, make_story):
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.conftest import STORY_YAML

    plain = help_text(lighthouse_story(tmp_path / "new"))
    assert "## Dates" not in plain and "N.S." not in plain
    old = help_text(lighthouse_story(tmp_path / "old", calendar="old-style"))
    assert "## Dates" in old and "N.S." in old
    assert "Russia" not in old and "1917" not in old  # not the shipped story's calendar
    # a story that cites the article with its dates as written: no Old Style either
    folder = make_story(
        {"story.yaml": STORY_YAML.replace("  start: a\n", "  start: a\n  calendar: new-style\n")}
    )
    article_new = load_story([folder], assets=assets_dir())
    assert article_new.citations == "article"
    assert "## Dates" not in help_text(article_new)


def test_the_help_of_a_story_that_grades_nothing_and_has_no_codex(tmp_path):
    text = help_text(lighthouse_story(tmp_path / "l"))
    assert "FAITHFUL" not in text and "faithful" not in text and "history" not in text
    assert "| H | your path so far |" in text
    assert "| T |" not in text and "| C |" not in text and "codex" not in text
    assert "| O | settings: colours, text reveal, the side panel |" in text
    assert "<!--" not in text
    graded = help_text(lighthouse_story(tmp_path / "g", graded=True))
    assert "**faithful**" in graded and "what history says of each choice" in graded
    assert "| C |" not in graded  # still no codex


def test_the_shipped_help_keeps_every_part(shipped_story):
    text = help_text(shipped_story)
    for part in (
        "## Dates",
        "| T |",
        "| C |",
        "**FAITHFUL**",
        "what history says",
        "when history's notes are shown",
    ):
        assert part in text
