"""Viewpoints, ungraded choices, the story's clock and the checks for effects that change
nothing: on small inline stories, then through the commands."""

from __future__ import annotations

import subprocess

import pytest

from game.classroom.assignment import load_assignment
from game.engine import Game, StoryError, check_story, load_story, origin_problem, wording
from game.paths import assets_dir
from game.tools.autoplay import autoplay
from game.tools.exhaustive import check_exhaustive

TWO = """\
format: 1
story:
  id: two
  title: Two Sides
  version: 1.0.0
  start: a
  viewpoints:
    - {id: red, name: The red side, start: a, about: One side of it.}
    - {id: white, name: The white side, start: w, about: The other side.}
variables:
  flag: {type: bool, initial: false}
  n: {type: int, initial: 0, min: 0, max: 5, label: Count}
  m: {type: int, initial: 0, min: 0, max: 5, label: Other count}
"""

RED = """\
chapter:
  id: red-1
  number: 1
  title: Red
  viewpoint: red
  reflection: ["{flag? You raised the flag. | You kept it furled.} Why?"]
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: Start.
    choices:
      - {id: raise, label: Raise it, goto: b, sources: [eve-1], history: own, effects: [flag = true, n += 1]}
      - {id: keep, label: Keep it, goto: b, sources: [eve-1], history: faithful, note: So it was.}
  - id: b
    title: B
    date: 1917-10-25
    time: "22:00"
    place: Here
    sources: [eve-1]
    text: "Later{flag? , the flag up}."
    choices:
      - {id: go, label: Go, goto: end, sources: [eve-1], history: divergent, note: It did not happen., effects: n += 1}
  - id: end
    title: End
    date: 1917-10-26
    time: "01:00"
    place: Here
    sources: [eve-1]
    text: "The end{n > 1?, twice}."
    ending: {id: red-end, title: Red end, kind: historical, epilogue: That is all.}
"""

WHITE = """\
chapter:
  id: white-1
  number: 1
  title: White
  viewpoint: white
scenes:
  - id: w
    title: W
    date: 1917-10-25
    time: "21:00"
    place: There
    sources: [eve-1]
    text: White.
    choices:
      - {id: go, label: Go, goto: w-end, sources: [eve-1], history: faithful, note: Yes., effects: m += 1}
  - id: w-end
    title: W end
    date: 1917-10-25
    time: "23:00"
    place: There
    sources: [eve-1]
    text: "Done{m > 0?, once}."
    ending: {id: white-end, title: White end, kind: historical, epilogue: That is all.}
"""


@pytest.fixture
def two_sides(make_story):
    return make_story({"story.yaml": TWO, "red.yaml": RED, "white.yaml": WHITE}, base=False)


def codes(folder, *, exhaustive=False):
    story, problems = check_story([folder], assets=assets_dir())
    found = [p.code for p in problems]
    if exhaustive:
        found += [p.code for p in check_exhaustive(story).problems()]
    return found


def test_a_story_of_two_viewpoints_is_clean_and_each_start_is_a_start(two_sides):
    assert codes(two_sides, exhaustive=True) == []
    story = load_story([two_sides], assets=assets_dir())
    assert story.starts == ("a", "w")
    assert story.viewpoint_of("w-end").id == "white" and story.origin_of("b") == "a"
    white = Game(story, seed=1, start="w")
    assert white.record.initial is None  # a viewpoint's start is a new game, like the story's
    assert origin_problem(story, white.record) is None
    elsewhere = Game(story, seed=1, start="b")
    assert "starts at 'a' or 'w'" in origin_problem(story, elsewhere.record)


def test_the_side_panel_shows_only_what_the_viewpoint_uses(two_sides):
    story = load_story([two_sides], assets=assets_dir())
    assert [v.name for v in Game(story, seed=1).frame.variables] == ["n"]
    assert [v.name for v in Game(story, seed=1, start="w").frame.variables] == ["m"]


def test_an_own_choice_is_not_graded_and_needs_no_note(two_sides):
    story = load_story([two_sides], assets=assets_dir())
    game = Game(story, seed=1)
    game.choose("raise")
    verdict = game.frame.verdict
    assert verdict.history == "own" and verdict.note == ""
    assert "not graded" in verdict.heading
    assert wording.history_tag("own") == "YOUR OWN"


def test_a_graded_choice_without_a_note_is_an_error(make_story):
    folder = make_story(
        {"story.yaml": TWO, "red.yaml": RED.replace(", note: So it was.", ""), "white.yaml": WHITE},
        base=False,
    )
    assert "missing-note" in codes(folder)


def test_reflection_questions_fit_the_path(two_sides):
    story = load_story([two_sides], assets=assets_dir())
    raised = Game(story, seed=1)
    raised.choose("raise")
    raised.choose("go")
    kept = Game(story, seed=1)
    kept.choose("keep")
    kept.choose("go")
    assert raised.frame.reflection[0].questions == ("You raised the flag. Why?",)
    assert kept.frame.reflection[0].questions == ("You kept it furled. Why?",)
    assert story.chapters["red-1"].all_questions() == {
        "You raised the flag. Why?",
        "You kept it furled. Why?",
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("white.yaml", "viewpoint: white", "viewpoint: whte"), "unknown-viewpoint"),
        (("story.yaml", "start: w,", "start: a,"), "shared-start"),
        (("story.yaml", "start: w,", "start: w-end,"), "start-at-ending"),
        (("story.yaml", "start: w,", "start: b,"), "start-in-other-viewpoint"),
        (("story.yaml", "  start: a\n", "  start: w-end\n"), "start-not-viewpoint"),
        (("story.yaml", "start: w,", "start: nowhere,"), "unknown-scene"),
        (("white.yaml", "viewpoint: white", "viewpoint: red"), "duplicate-number"),
        (("red.yaml", 'time: "22:00"', 'time: "20:00"'), "time-backwards"),
        (("red.yaml", "date: 1917-10-26", "date: 1917-10-24"), "time-backwards"),
    ],
)
def test_viewpoint_and_clock_mistakes_are_reported(make_story, change, code):
    files = {"story.yaml": TWO, "red.yaml": RED, "white.yaml": WHITE}
    name, old, new = change
    assert old in files[name]
    files[name] = files[name].replace(old, new, 1)
    found = codes(make_story(files, base=False))
    assert code in found, found


def test_an_effect_nothing_reads_is_reported(make_story):
    # b reads n, the ending does not: 'n += 1' on the way into it is unread
    unread = RED.replace('text: "The end{n > 1?, twice}."', "text: The end.").replace(
        'text: "Later{flag? , the flag up}."', 'text: "Later{flag or n > 0? , the flag up}."'
    )
    files = {"story.yaml": TWO, "red.yaml": unread, "white.yaml": WHITE}
    found = codes(make_story(files, base=False))
    assert found == ["unread-effect"], found
    # and with nothing reading n at all, it is said once, of the variable
    files["red.yaml"] = unread.replace("flag or n > 0", "flag")
    _story, problems = check_story([make_story(files, base=False)], assets=assets_dir())
    assert [p.code for p in problems] == ["unread-variable"]
    assert "'n' is changed by 2 effects" in str(problems[0])
    assert "side panel is not reading it" in str(problems[0])


def test_an_effect_that_never_changes_anything_is_reported_by_the_exhaustive_check(make_story):
    # 'flag = true' again where flag is already true on every path that gets there
    again = RED.replace(
        "{id: go, label: Go, goto: end, sources: [eve-1], history: divergent, note: It did not happen., effects: n += 1}",
        "{id: go, label: Go, goto: end, if: flag, sources: [eve-1], history: divergent, note: No., effects: [n += 1, flag = true]}\n"
        "      - {id: stop, label: Stop, goto: end, sources: [eve-1], history: faithful, note: Yes.}",
    ).replace('text: "The end{n > 1?, twice}."', 'text: "The end{n > 1 and flag?, twice}."')
    found = codes(make_story({"story.yaml": TWO, "red.yaml": again, "white.yaml": WHITE}, base=False), exhaustive=True)
    assert found.count("no-change") == 1, found


def test_autoplay_plays_every_viewpoint_or_the_one_asked(two_sides):
    story = load_story([two_sides], assets=assets_dir())
    both = autoplay(story, 40, seed=1)
    assert both.endings["red-end"] == 20 and both.endings["white-end"] == 20
    white = autoplay(story, 10, seed=1, start="w")
    assert dict(white.endings) == {"white-end": 10}
    assert set(white.endings_in_scope) == {"white-end"} and white.scene_coverage == 100.0


def test_an_assignment_names_a_viewpoint(two_sides, tmp_path):
    story = load_story([two_sides], assets=assets_dir())
    path = tmp_path / "a.yaml"
    path.write_text(
        "assignment:\n  id: x\n  title: X\n  instructions: Play.\n  viewpoint: white\n",
        encoding="utf-8",
    )
    assignment = load_assignment(path, story)
    assert assignment.viewpoint == "white" and assignment.start == "w"
    path.write_text(path.read_text().replace("white", "blue"), encoding="utf-8")
    with pytest.raises(StoryError) as caught:
        load_assignment(path, story)
    assert "no viewpoint 'blue' (its viewpoints: red, white)" in str(caught.value)
    assert ":5:" in str(caught.value)  # the line of the key
    path.write_text(
        "assignment:\n  id: x\n  title: X\n  instructions: Play.\n  viewpoint: white\n  start: b\n",
        encoding="utf-8",
    )
    with pytest.raises(StoryError, match="a scene of the viewpoint 'red', not of 'white'"):
        load_assignment(path, story)


def test_the_plain_player_asks_whom_to_play(petrograd_command, two_sides, clean_env, tmp_path):
    env = {**clean_env, "PETROGRAD_DATA_DIR": str(tmp_path / "data")}
    played = subprocess.run(
        [*petrograd_command, "play", "--plain", "--story", str(two_sides)],
        input="3\n2\n1\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert played.returncode == 0, played.stderr
    out = played.stdout
    assert "Whom do you play?" in out and "1. The red side" in out and "2. The white side" in out
    assert "Please type a number from 1 to 2." in out  # '3' is not one of them
    assert out.index("Two Sides") < out.index("Whom do you play?")  # the title first
    assert "White." in out and "Done, once." in out and "Start." not in out
    chosen = subprocess.run(
        [*petrograd_command, "play", "--plain", "--story", str(two_sides), "--viewpoint", "white"],
        input="1\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "Whom do you play?" not in chosen.stdout and "Done, once." in chosen.stdout
    wrong = subprocess.run(
        [*petrograd_command, "play", "--plain", "--story", str(two_sides), "--viewpoint", "blue"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert wrong.returncode == 1
    assert "no viewpoint 'blue' (its viewpoints: red, white)" in wrong.stderr
    assert "Traceback" not in wrong.stderr
