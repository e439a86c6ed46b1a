"""A story of its own in the plain player and the engine's Frame: a story that grades no
choice speaks of no history (no verdict, no tags, a plain path heading), its endings make
no claim about what happened, and a story without a codex lists no codex command."""

from __future__ import annotations

from io import StringIO

import pytest

from game.engine import Game, load_story, wording
from game.engine import game as engine_game
from game.paths import assets_dir
from game.plain import play_plain
from game.session import PlaySession
from tests.tui.stories import lighthouse_story


def play(story, tmp_path, text: str) -> str:
    out = StringIO()
    session = PlaySession(story, tmp_path / "data", seed=1)
    assert play_plain(session, stdin=StringIO(text), stdout=out, width=80) == 0
    return out.getvalue()


def test_no_verdict_after_a_choice_in_a_story_that_grades_none(tmp_path):
    out = play(lighthouse_story(tmp_path / "l"), tmp_path, "2\n")  # wait: one of two
    assert "Your last choice was" not in out and "history" not in out.lower()


def test_a_note_on_a_choice_of_a_story_that_grades_none_is_shown_plainly(tmp_path):
    folder = tmp_path / "noted"
    lighthouse_story(folder)
    chapter = (folder / "tower.yaml").read_text()
    (folder / "tower.yaml").write_text(
        chapter.replace(
            "        goto: shore\n", "        goto: shore\n        note: The sail comes closer.\n"
        )
    )
    story = load_story([folder], assets=assets_dir())
    out = play(story, tmp_path, "2\n")
    assert "\nThe sail comes closer.\n" in out and "Your last choice" not in out


def test_the_history_and_the_path_of_a_story_that_grades_none(tmp_path):
    out = play(lighthouse_story(tmp_path / "l"), tmp_path, "2\nhistory\n1\n")
    assert "[your own]" not in out and "(sources: )" not in out
    assert "Your path:\n  1. The Shore: Wait on the shore a little longer\n" in out
    assert wording.PATH_HEADING not in out
    assert "\nThe historical ending.\n" in out and "this is what happened" not in out


def test_a_graded_story_of_its_own_keeps_its_verdicts(tmp_path):
    out = play(lighthouse_story(tmp_path / "g", graded=True), tmp_path, "2\n1\n")
    assert "Your last choice was your own (history is silent about it" in out
    assert "Your path and history:" in out
    assert "[faithful]" in out and "[your own]" in out
    assert "this is what happened" not in out  # it does not cite the article


def test_the_plain_help_lists_the_codex_only_when_there_is_one(tmp_path, small_story):
    out = play(lighthouse_story(tmp_path / "l"), tmp_path, "help\n")
    commands = out[out.index("Other commands:") :]
    assert "codex" not in commands and "history" in commands
    out = play(small_story, tmp_path / "small", "help\n")
    assert "  codex " in out[out.index("Other commands:") :]


def test_the_frame_says_what_the_story_is(tmp_path, small_story):
    frame = Game(small_story, seed=1).frame
    assert (frame.graded, frame.cites_article, frame.has_codex) == (True, True, True)
    frame = Game(lighthouse_story(tmp_path / "l"), seed=1).frame
    assert (frame.graded, frame.cites_article, frame.has_codex) == (False, False, False)
    assert Game(lighthouse_story(tmp_path / "g", graded=True), seed=1).frame.graded


def test_whether_a_story_grades_is_worked_out_once_per_game(tmp_path, monkeypatch):
    calls = []
    real = engine_game.story_grades

    def counted(story):
        calls.append(story.id)
        return real(story)

    monkeypatch.setattr(engine_game, "story_grades", counted)
    game = Game(lighthouse_story(tmp_path / "l"), seed=1)
    for _ in range(2):  # it may wait twice
        assert game.frame.graded is False
        game.choose_number(2)  # wait on the shore: a new frame each time
    game.undo()
    assert game.frame.graded is False and calls == ["lighthouse"]


@pytest.mark.parametrize("kind", ["historical", "alternate", "defeat"])
def test_the_ending_kinds_of_a_story_of_its_own_claim_nothing(kind):
    line = wording.ending_kind_line(kind, factual=False)
    assert "happen" not in line and line.endswith(".")
    assert wording.ending_kind_line(kind) == wording.ENDING_KIND_LINES[kind]


def test_an_ending_of_a_story_that_cites_the_article_says_what_happened(small_story):
    game = Game(small_story, seed=1)
    game.choose("up")
    assert game.frame.ending_kind == "The historical ending: this is what happened."
    assert wording.path_heading(True) == wording.PATH_HEADING
    assert wording.path_heading(False) == "Your path"
