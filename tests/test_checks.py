"""Deeper checks: the static condition check, `check --exhaustive`, and `check --stats`."""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from game.engine import Game, load_story
from game.engine.explore import live_variables as explore_live_variables
from game.engine.machine import effect_steps
from game.engine.ranges import Interval, bounds, never_true
from game.paths import assets_dir
from game.tools.exhaustive import _apply, check_exhaustive, live_variables
from game.tools.stats import reading_time, story_stats
from tests.conftest import CHAPTER_YAML, STORY_YAML


def warnings_of(folder) -> list[str]:
    story = load_story([folder], assets=assets_dir())
    return [str(p) for p in never_true(story)]


def place_of(text: str, needle: str) -> tuple[int, int]:
    """Line and column (from 1) where `needle` first appears in `text`."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


# ---------------------------------------------------------------- the static check


def test_a_condition_past_the_declared_range_is_reported_where_it_is(make_story):
    chapter = CHAPTER_YAML.replace("if: n >= 3", "if: n > 5")
    found = warnings_of(make_story({"one.yaml": chapter}))
    line, column = place_of(chapter, "n > 5")
    assert len(found) == 1
    assert f"one.yaml:{line}:{column}: condition-never-true: " in found[0]
    assert "'n > 5' of choice 'locked' in scene 'a' can never hold" in found[0]
    assert "'n' can only be 1..5" in found[0]


def test_the_effects_bound_the_values_too(make_story):
    below_start = CHAPTER_YAML.replace("if: n >= 3", "if: n < 1")  # n starts at 1 and only grows
    assert [
        "'n' can only be 1..5" in w for w in warnings_of(make_story({"one.yaml": below_start}))
    ] == [True]
    never_set = CHAPTER_YAML.replace("effects: [n += 10, flag = true]", "effects: [n += 10]")
    found = warnings_of(make_story({"one.yaml": never_set}))
    assert len(found) == 1 and "'flag' is always false" in found[0] and "'hidden'" in found[0]


def test_a_choice_taken_once_adds_once_but_a_cycle_without_limit(make_story):
    once = CHAPTER_YAML.replace("effects: [n += 10, flag = true]", "effects: [n += 1, flag = true]")
    found = warnings_of(make_story({"one.yaml": once}))  # 1 + 1 = 2, so n >= 3 never holds
    assert len(found) == 1 and "'n >= 3'" in found[0] and "1..2" in found[0]
    looping = once.replace(
        "goto: b\n        sources: [eve-1]\n        history: faithful",
        "goto: a\n        sources: [eve-1]\n        history: faithful",
    )
    assert warnings_of(make_story({"one.yaml": looping})) == []  # 'up' can be taken again and again


def test_the_shipped_story_has_no_impossible_condition_and_bounds_are_sound(shipped_story):
    assert list(never_true(shipped_story)) == []
    limits = bounds(shipped_story)
    game = Game(shipped_story, seed=1, clock=lambda: "")
    rng = random.Random(5)
    for _ in range(300):
        game.restart(rng.randrange(10**6))
        while not game.ended:
            game.choose(rng.choice(game.open_choices()).id)
            for name, value in game.variables.items():
                allowed = limits[name]
                if isinstance(allowed, Interval):
                    assert allowed.low <= value <= allowed.high, (name, value, allowed)
                else:
                    assert value in allowed, (name, value, allowed)


def test_plain_check_prints_the_static_warning(petrograd_command, make_story):
    folder = make_story({"one.yaml": CHAPTER_YAML.replace("if: n >= 3", "if: n > 5")})
    result = subprocess.run(
        [*petrograd_command, "check", str(folder)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert ": condition-never-true: " in result.stdout and "one.yaml:" in result.stdout
    assert "0 errors and 1 warning" in result.stderr


# ---------------------------------------------------------------- check --exhaustive

#: p and q both add 1 to n, so n is 2 at m: 'x' (n >= 3) is possible on paper but never open;
#: after q the flag is unset, so m is stuck; q also pushes k (0..3) past its max.
MAZE_STORY = (
    STORY_YAML
    + """\
  k:
    type: int
    initial: 2
    min: 0
    max: 3
"""
)

MAZE = """\
chapter:
  id: one
  number: 1
  title: One
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: night
    place: Here
    sources: [eve-1]
    text: Start.
    choices:
      - {id: p, label: P, goto: m, sources: [eve-1], history: faithful, note: Yes., effects: [n += 1, flag = true]}
      - {id: q, label: Q, goto: m, sources: [eve-1], history: divergent, note: No., effects: [n += 1, k += 5]}
  - id: m
    title: M
    date: 1917-10-25
    time: night
    place: Here
    sources: [eve-1]
    text: Middle.
    choices:
      - {id: x, label: X, goto: secret, if: n >= 3, sources: [eve-1], history: divergent, note: No.}
      - {id: y, label: Y, goto: end, if: flag, sources: [eve-1], history: faithful, note: Yes.}
  - id: secret
    title: Secret
    date: 1917-10-25
    time: night
    place: Here
    sources: [eve-1]
    text: Hidden{k > 2?, and crowded}.
    choices:
      - {id: out, label: Out, goto: deeper, sources: [eve-1], history: faithful, note: Yes.}
  - id: deeper
    title: Deeper
    date: 1917-10-25
    time: night
    place: Here
    sources: [eve-1]
    text: Further in.
    choices:
      - {id: on, label: On, goto: end, sources: [eve-1], history: faithful, note: Yes.}
  - id: end
    title: End
    date: 1917-10-26
    time: night
    place: There
    sources: [eve-1]
    text: The end.
    ending: {id: done, title: Done, kind: historical, epilogue: That is all.}
"""


@pytest.fixture
def maze(make_story):
    return make_story({"story.yaml": MAZE_STORY, "one.yaml": MAZE}, base=False)


def test_exhaustive_findings(maze):
    story = load_story([maze], assets=assets_dir())
    assert list(never_true(story)) == []  # the static check cannot see any of it
    report = check_exhaustive(story)
    assert report.complete
    assert report.never_open == [("m", "x")]
    assert report.only_through == {"secret": [("m", "x")], "deeper": [("secret", "out")]}
    assert report.exploration.stuck == {"m"}
    assert [
        (c.scene, c.choice, c.variable, c.before, c.wanted, c.kept, c.path) for c in report.clamps
    ] == [("a", "q", "k", 2, 7, 3, (("a", "q"),))]
    codes = [p.code for p in report.problems()]
    assert codes == ["never-open", *["only-through-closed-choices"] * 2, "stuck"]
    texts = [str(p) for p in report.problems()]
    assert "'secret' can only be entered through choices that are never open ('m:x')" in texts[1]
    assert "'deeper' can only be entered from scenes no playthrough reaches (secret)" in texts[2]
    assert [n.code for n in report.notes()] == ["out-of-range"]
    assert (
        "from 2 to 7, past its max 3, so it stays at 3; one way there takes 1 choice(s): a:q"
        in str(report.notes()[0])
    )
    where = {p.code: p.mark for p in [*report.problems(), *report.notes()]}
    line, column = place_of(MAZE, "n >= 3")
    assert (where["never-open"].line, where["never-open"].column) == (line, column)
    assert where["out-of-range"].line == place_of(MAZE, "k += 5")[0]


def test_exhaustive_command_and_its_limit(petrograd_command, maze):
    full = subprocess.run(
        [*petrograd_command, "check", "--exhaustive", str(maze)], capture_output=True, text=True
    )
    assert full.returncode == 1
    for code in ("never-open", "only-through-closed-choices", "stuck", "out-of-range"):
        assert f": {code}: " in full.stdout
    assert "notes: 1 effect(s) can push a number past its range" in full.stdout
    assert "0 errors and 4 warnings" in full.stderr  # the note does not count
    assert "(every reachable state)" in full.stdout
    cut = subprocess.run(
        [
            *petrograd_command,
            "check",
            "--exhaustive",
            "--limit",
            "2",
            "--format",
            "json",
            str(maze),
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(cut.stdout)
    assert data["stories"][0]["exhaustive"]["complete"] is False
    assert any(p["code"] == "search-cut-short" for p in data["problems"])
    text = subprocess.run(
        [*petrograd_command, "check", "--exhaustive", "--limit", "2", str(maze)],
        capture_output=True,
        text=True,
    )
    assert "INCOMPLETE" in text.stdout and "search-cut-short" in text.stdout


def test_exhaustive_on_the_shipped_story(shipped_story):
    report = check_exhaustive(shipped_story)
    assert report.complete  # its speed is measured in bench/, never asserted here
    assert report.never_open == [] and report.only_through == {}
    assert report.exploration.stuck == set()
    assert report.problems() == []
    assert report.clamps  # the story leans on clamping; each finding shows a real path
    for clamp in report.clamps:  # from the start of the clamp's viewpoint
        game = Game(shipped_story, seed=1, start=clamp.path[0][0], clock=lambda: "")
        for scene_id, choice_id in clamp.path[:-1]:
            assert game.scene.id == scene_id
            game.choose(choice_id)
        assert game.scene.id == clamp.scene
        assert game.variables[clamp.variable] == clamp.before
        game.choose(clamp.choice)
        assert game.variables[clamp.variable] == clamp.kept


def test_liveness_matches_the_explorer_and_effects_match_the_machine(shipped_story):
    assert live_variables(shipped_story) == explore_live_variables(shipped_story)
    watched = live_variables(shipped_story, "trust")
    plain = live_variables(shipped_story)
    assert all(plain[s] <= watched[s] for s in plain) and watched != plain
    rng = random.Random(3)
    story = shipped_story
    for _ in range(200):
        state = {
            name: (rng.random() < 0.5)
            if var.type == "bool"
            else rng.randint(var.minimum or 0, var.maximum or 10)
            for name, var in story.state_variables.items()  # the memory too
        }
        for scene in story.scenes.values():
            for choice in scene.choices:
                mine, theirs = dict(state), dict(state)
                list(_apply(story, choice, mine, "garrison"))
                effect_steps(choice, story.state_variables)(theirs)
                assert mine == theirs


# ---------------------------------------------------------------- check --stats


def test_stats_of_the_small_story(small_story):
    stats = story_stats(small_story)
    by_id = {s.id: s for s in stats.scenes}
    assert (by_id["a"].words, by_id["a"].choices, by_id["a"].faithful, by_id["a"].divergent) == (
        3,
        3,
        1,
        2,
    )
    assert by_id["b"].ending and by_id["b"].words == 2
    assert [(c.id, c.scenes, c.words, c.choices) for c in stats.chapters] == [("one", 2, 5, 3)]
    cites = {c.paragraph: c for c in stats.citations}
    assert cites["eve-1"].scenes == ("a",) and cites["eve-1"].choices == 1
    assert cites["eve-2"].scenes == ("b",) and cites["eve-2"].choices == 2
    assert "eve-3" in stats.uncited() and "eve-1" not in stats.uncited()
    assert len(stats.uncited()) == len(small_story.paragraphs) - 2


def test_reading_time():
    assert reading_time(3) == "1 s"
    assert reading_time(200) == "1 min"
    assert reading_time(500) == "2 min 30 s"


def test_stats_command(petrograd_command, make_story):
    folder = make_story()
    text = subprocess.run(
        [*petrograd_command, "check", "--stats", str(folder)], capture_output=True, text=True
    )
    assert text.returncode == 0, text.stdout + text.stderr
    assert "2 scenes, 5 words" in text.stdout
    assert "3 (1 faithful, 2 divergent, 0 the player's own; 33% of the graded ones faithful)" in (
        text.stdout
    )
    assert "paragraphs no scene cites yet (25):" in text.stdout
    data = json.loads(
        subprocess.run(
            [*petrograd_command, "check", "--stats", "--format", "json", str(folder)],
            capture_output=True,
            text=True,
        ).stdout
    )
    stats = data["stories"][0]["stats"]
    assert stats["words"] == 5 and stats["choices"] == {
        "total": 3,
        "faithful": 1,
        "divergent": 2,
        "per_scene": 3.0,
    }
    assert stats["citations"]["eve-2"] == {
        "section": "On the Eve of Battle",
        "scenes": ["b"],
        "choices": 2,
    }


def test_stats_of_the_shipped_story(shipped_story):
    stats = story_stats(shipped_story)
    assert stats.words > 10_000 and len(stats.chapters) == len(shipped_story.chapters)
    assert sum(c.words for c in stats.chapters) == stats.words
    assert stats.faithful + stats.divergent + stats.own == sum(
        len(s.choices) for s in shipped_story.scenes.values()
    )
    assert stats.own == sum(
        c.history == "own" for s in shipped_story.scenes.values() for c in s.choices
    )
