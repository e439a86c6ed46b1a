"""The engine: conditions, effects, clamping, endings, undo, the record and replay."""

from __future__ import annotations

import json

import pytest

from game.engine import (
    ChoiceUnavailable,
    Game,
    Record,
    RecordError,
    format_dates,
    julian_to_gregorian,
    load_story,
    replay,
)
from game.paths import assets_dir
from tests.conftest import CHAPTER_YAML


def fixed_clock():
    return "2026-01-01T00:00:00Z"


def test_start_frame(small_story):
    game = Game(small_story, seed=1)
    frame = game.frame
    assert frame.scene.id == "a"
    assert [(c.id, c.available, c.reason) for c in frame.choices] == [
        ("up", True, None),
        ("locked", False, "Not yet."),
    ]  # 'hidden' has no reason, so it is not shown while closed
    assert [(v.label, v.shown) for v in frame.variables] == [("Number", "1 / 5")]
    assert not frame.ended


def test_disabled_choice_cannot_be_taken(small_story):
    game = Game(small_story, seed=1)
    with pytest.raises(ChoiceUnavailable, match="Not yet"):
        game.choose("locked")
    with pytest.raises(ChoiceUnavailable):
        game.choose("hidden")
    with pytest.raises(ChoiceUnavailable):
        game.choose("no-such-choice")
    assert game.scene.id == "a" and game.record.steps == ()


def test_effects_apply_and_clamp(small_story):
    game = Game(small_story, seed=1)
    game.choose("up")
    frame = game.frame
    assert game.variables == {"n": 5, "flag": True}  # 1 + 10 clamped to max 5
    assert frame.ended and frame.ending.id == "done"
    assert frame.reflection and frame.reflection[0].questions == ("Why?",)


def test_conditions_follow_variables(make_story):
    chapter = CHAPTER_YAML.replace("effects: [n += 10, flag = true]", "effects: [n += 2]").replace(
        "goto: b\n        sources: [eve-1]", "goto: a\n        sources: [eve-1]"
    )
    story = load_story([make_story({"one.yaml": chapter})], assets=assets_dir())
    game = Game(story, seed=1)
    assert not game.frame.choices[1].available
    game.choose("up")  # n = 3, back to a
    assert game.frame.choices[1].available
    game.choose("locked")
    assert game.ended


def test_undo_replays_back_to_the_start(make_story):
    chapter = CHAPTER_YAML.replace(
        "goto: b\n        sources: [eve-1]", "goto: a\n        sources: [eve-1]"
    ).replace("effects: [n += 10, flag = true]", "effects: [n += 1]")
    story = load_story([make_story({"one.yaml": chapter})], assets=assets_dir())
    game = Game(story, seed=7)
    for _ in range(3):
        game.choose("up")
    assert game.variables["n"] == 4
    game.undo()
    assert game.variables["n"] == 3 and len(game.record.steps) == 2
    game.undo()
    game.undo()
    assert game.variables == story.initial_state() and not game.can_undo
    with pytest.raises(ChoiceUnavailable):
        game.undo()


def test_record_round_trips_and_replays(small_story):
    game = Game(small_story, seed=42, clock=fixed_clock)
    game.choose("up")
    record = Record.loads(game.record.dumps())
    assert record == game.record
    data = json.loads(game.record.dumps())
    assert data["format"] == "petrograd-record" and data["version"] == 1
    assert data["story"] == {
        "id": "test-story",
        "version": "1.0.0",
        "hash": small_story.content_hash,
    }
    assert data["steps"] == [{"scene": "a", "choice": "up", "at": "2026-01-01T00:00:00Z"}]
    again = replay(small_story, record)
    assert again.complete
    assert again.game.variables == game.variables
    assert again.game.scene.id == game.scene.id
    assert again.game.seed == 42


def test_replay_stops_where_the_story_changed(small_story):
    record = Record.from_json(
        {
            "format": "petrograd-record",
            "version": 1,
            "story": {"id": "test-story", "version": "0.9", "hash": "sha256:old"},
            "seed": 3,
            "start": "a",
            "steps": [{"scene": "a", "choice": "renamed", "at": ""}],
        }
    )
    result = replay(small_story, record)
    assert not result.complete and result.applied == 0
    assert "step 1 of 1" in result.problem and "renamed" in result.problem
    assert result.game.scene.id == "a"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "expected a JSON object"),
        ({"format": "other"}, "not a playthrough record"),
        ({"format": "petrograd-record", "version": 99}, "newer version"),
        ({"format": "petrograd-record", "version": 1}, "which story"),
        (
            {
                "format": "petrograd-record",
                "version": 1,
                "story": {"id": "a", "version": "1", "hash": "h"},
                "seed": 1,
                "start": "a",
                "steps": [{"scene": 1}],
            },
            "step 1",
        ),
    ],
)
def test_bad_records_are_refused_with_reasons(data, fragment):
    with pytest.raises(RecordError, match=fragment):
        Record.from_json(data)
    with pytest.raises(RecordError, match="not valid JSON"):
        Record.loads("{not json")


def test_dates_are_shown_both_ways():
    import datetime as dt

    assert julian_to_gregorian(dt.date(1917, 10, 25)) == dt.date(1917, 11, 7)
    assert format_dates(dt.date(1917, 10, 25)) == "25 October 1917 (7 November N.S.)"
    assert format_dates(dt.date(1917, 12, 25)) == "25 December 1917 (7 January 1918 N.S.)"


def test_scene_ids_that_clash_with_machine_names_still_work(make_story):
    from tests.conftest import STORY_YAML

    story_yaml = STORY_YAML.replace("start: a", "start: state")
    chapter = (
        CHAPTER_YAML.replace("- id: a\n", "- id: state\n")
        .replace("goto: b", "goto: trigger")
        .replace("- id: b\n", "- id: trigger\n")
    )
    story = load_story(
        [make_story({"story.yaml": story_yaml, "one.yaml": chapter})], assets=assets_dir()
    )
    game = Game(story, seed=1)
    assert game.scene.id == "state"
    game.choose("up")
    assert game.scene.id == "trigger" and game.ended


def test_games_share_one_machine_without_interfering(small_story):
    first, second = Game(small_story, seed=1), Game(small_story, seed=2)
    first.choose("up")
    assert second.scene.id == "a" and second.variables["n"] == 1
    first.close()
    second.close()


def test_explore_merges_states_that_differ_only_in_dead_variables(make_story):
    from game.engine.explore import explore, live_variables
    from tests.conftest import STORY_YAML

    # 'n' is read by a condition in scene a; once in b (an ending) nothing is read.
    story = load_story([make_story({"story.yaml": STORY_YAML})], assets=assets_dir())
    live = live_variables(story)
    assert live["a"] == {"n", "flag"} and live["b"] == frozenset()
    found = explore(story)
    assert found.complete and found.endings == {"done"} and found.stuck == set()
    assert ("a", "locked") not in found.choices  # n never reaches 3 before leaving a
