"""The engine's side of the spoiler setting (issue 16): which of history's notes are due
now (`Game.notes_due`), which steps of the path may show theirs (`Game.noted_path`), and
no verdict for a choice that was the only one open (`Verdict.alone`)."""

from __future__ import annotations

import pytest

from game.engine import NOTE_TIMINGS, Game, load_story
from game.paths import assets_dir

STORY = """\
format: 1
story: {id: notes, title: Notes, version: 1.0.0, start: a}
variables:
  key: {type: bool, initial: false}
"""

ONE = """\
chapter: {id: one, number: 1, title: One}
scenes:
  - id: a
    title: A
    date: 1917-10-24
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: The first.
    choices:
      - {id: up, label: Up, goto: b, sources: [eve-1], history: faithful, note: Up happened.}
      - {id: down, label: Down, goto: b, sources: [eve-2], history: divergent, note: Down did not.,
         effects: [key = true]}
  - id: b
    title: B
    date: 1917-10-24
    time: "22:00"
    place: Here
    sources: [eve-1]
    text: The second{key?, with the key}.
    choices:
      - {id: on, label: Go on, goto: c, sources: [eve-1], history: faithful, note: The next scene is C.}
      - {id: locked, label: Locked, goto: c, if: key, disabled: Not without the key.,
         sources: [eve-2], history: divergent, note: Nobody had the key.}
"""

TWO = """\
chapter: {id: two, number: 2, title: Two}
scenes:
  - id: c
    title: C
    date: 1917-10-25
    time: "01:00"
    place: There
    sources: [eve-1]
    text: The third.
    choices:
      - {id: end, label: End, goto: d, sources: [eve-1], history: faithful, note: It ended.}
      - {id: other, label: Other, goto: d, sources: [eve-2], history: own, note: ""}
  - id: d
    title: D
    date: 1917-10-25
    time: "05:00"
    place: There
    sources: [eve-1]
    text: The end.
    ending: {id: done, title: Done, kind: historical, epilogue: "It was so{key?.}"}
"""


@pytest.fixture
def story(make_story):
    files = {
        "story.yaml": STORY,
        "one.yaml": ONE,
        "two.yaml": TWO.replace('note: ""', "note: Yours."),
    }
    return load_story([make_story(files, base=False)], assets=assets_dir())


def test_after_each_choice_the_last_verdict(story):
    game = Game(story, seed=1)
    assert all(game.notes_due(t) == () for t in NOTE_TIMINGS)  # nothing chosen yet
    game.choose("down")
    (note,) = game.notes_due("choice")
    assert (note.label, note.history, note.note, note.alone) == (
        "Down",
        "divergent",
        "Down did not.",
        False,
    )
    assert game.notes_due("chapter") == () and game.notes_due("ending") == ()


def test_the_only_open_choice_gets_no_verdict(story):
    game = Game(story, seed=1)
    game.choose("up")  # no key: at B only "Go on" is open
    game.choose("on")
    assert game.frame.verdict.alone
    assert game.notes_due("choice") == ()
    path = dict((e.choice.id, shown) for e, shown in game.noted_path("choice"))
    assert path == {"up": True, "on": False}


def test_with_the_key_the_same_choice_is_a_decision(story):
    game = Game(story, seed=1)
    game.choose("down")  # the key: at B both are open
    game.choose("on")
    assert not game.frame.verdict.alone
    assert [n.label for n in game.notes_due("chapter")] == ["Down", "Go on"]  # chapter one ends


def test_at_the_end_of_a_chapter_its_notes_together(story):
    game = Game(story, seed=1)
    game.choose("down")
    assert game.notes_due("chapter") == ()  # still in chapter one
    assert [shown for _, shown in game.noted_path("chapter")] == [False]
    game.choose("on")
    notes = game.notes_due("chapter")
    assert [(n.scene_title, n.label) for n in notes] == [("A", "Down"), ("B", "Go on")]
    assert [shown for _, shown in game.noted_path("chapter")] == [True, True]
    assert [shown for _, shown in game.noted_path("ending")] == [False, False]


def test_at_the_ending_no_note_is_due_and_the_path_shows_them_all(story):
    game = Game(story, seed=1)
    for choice in ("down", "on", "other"):
        game.choose(choice)
    assert game.frame.ended
    assert all(game.notes_due(t) == () for t in NOTE_TIMINGS)
    for timing in NOTE_TIMINGS:
        assert [shown for _, shown in game.noted_path(timing)] == [True, True, True]
