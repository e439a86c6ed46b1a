"""`Game.choose` on the machine's fast path: the same playthroughs as transitions' full
order, each condition evaluated once, callbacks registered on the machine (at any time)
still run in transitions' order, the state before a choice built only when asked for,
and the record's steps and times as before."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from game.engine import ChoiceUnavailable, Game, Step, load_story
from game.engine.machine import trigger_name
from game.engine.record import Record, read_time
from game.paths import assets_dir


def _play(story, seed: int) -> tuple[list[Any], Record]:
    """A random playthrough: the state and the frame's previous values at every step."""
    game = Game(story, seed=seed, clock=lambda: "2026-01-01T00:00:00Z")
    pick = random.Random(seed).choice
    seen = []
    while not game.ended:
        before = game.state
        choice = pick(game.open_choices())
        game.choose(choice.id)
        assert game._before == before  # rebuilt from what the choice changed
        frame = game.frame
        seen.append(
            (
                game.scene.id,
                game.state,
                [(v.name, v.value, v.previous) for v in frame.variables],
                frame.verdict,
            )
        )
    return seen, game.record


def test_the_fast_path_plays_as_the_full_order_does(shipped_story):
    story = shipped_story
    fast = [_play(story, seed) for seed in range(12)]
    noted: list[str] = []
    machine = story.machine
    machine.finalize_event = [lambda event: noted.append("final")]  # the full order now
    try:
        full = [_play(story, seed) for seed in range(12)]
    finally:
        machine.finalize_event = []
    assert fast == full
    assert len(noted) == sum(len(record.steps) for _, record in full)


def test_callbacks_registered_after_a_fast_choice_run_in_transitions_order(make_story):
    chapter = """\
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
            text: A.
            choices:
              - id: go
                label: Go
                goto: a
                if: n < 5
                sources: [eve-1]
                history: faithful
                note: Yes.
                effects: [n += 1]
              - id: end
                label: End
                goto: b
                sources: [eve-1]
                history: divergent
                note: No.
          - id: b
            title: B
            date: 1917-10-26
            time: night
            place: There
            sources: [eve-1]
            text: B.
            ending:
              id: done
              title: Done
              kind: historical
              epilogue: That is all.
        """
    story = load_story([make_story({"one.yaml": chapter})], assets=assets_dir())
    game = Game(story, seed=1, clock=lambda: "")
    game.choose("go")  # the fast path: nothing registered yet
    assert game.variables["n"] == 2
    seen: list[str] = []

    def note(name: str, result: bool | None = None):
        def callback(event) -> bool | None:
            seen.append(name)
            return result

        return callback

    machine = story.machine
    event = machine.events[trigger_name("a", "go")]
    transition = event.transitions["a"][0]
    # one more at a time: each, as soon as it is registered, runs
    for register, name in [
        (
            lambda: machine.prepare_event.append(note("machine prepare_event")),
            "machine prepare_event",
        ),
        (lambda: machine.before_state_change.append(note("machine before")), "machine before"),
        (lambda: machine.after_state_change.append(note("machine after")), "machine after"),
        (lambda: machine.finalize_event.append(note("machine finalize")), "machine finalize"),
        (lambda: transition.add_callback("prepare", note("prepare")), "prepare"),
        (lambda: transition.add_callback("before", note("before")), "before"),
        (lambda: transition.add_callback("after", note("after")), "after"),
        (lambda: machine.get_state("a").add_callback("exit", note("exit a")), "exit a"),
        (lambda: machine.get_state("a").add_callback("enter", note("enter a")), "enter a"),
    ]:
        register()
        seen.clear()
        game.restart(1)
        game.choose("go")
        assert name in seen, name
        assert game.variables["n"] == 2 and game.scene.id == "a"
    # all together, in transitions' order (as tests/test_performance.py checks against a
    # plain Machine), and the condition still decides
    seen.clear()
    game.restart(1)
    game.choose("go")
    assert seen == [
        "machine prepare_event",
        "prepare",
        "machine before",
        "before",
        "exit a",
        "enter a",
        "after",
        "machine after",
        "machine finalize",
    ]
    assert game._before["n"] == 1 and game.variables["n"] == 2
    for _ in range(3):
        game.choose("go")
    assert game.variables["n"] == 5
    with pytest.raises(ChoiceUnavailable):
        game.choose("go")  # n < 5 no longer holds
    # callbacks taken away again: back on the fast path
    for hooks in (machine.prepare_event, machine.before_state_change, machine.after_state_change):
        hooks.clear()
    machine.finalize_event = []
    transition.prepare.clear()
    del transition.before[1:]  # the choice's own effects stay
    transition.after.clear()
    machine.get_state("a").on_exit.clear()
    machine.get_state("a").on_enter.clear()
    seen.clear()
    game.restart(1)
    assert event.take(game._runner) is True and seen == []


def test_each_condition_is_evaluated_once_per_state(make_story):
    from tests.conftest import CHAPTER_YAML

    chapter = CHAPTER_YAML.replace(
        "goto: b\n        sources: [eve-1]", "goto: a\n        sources: [eve-1]", 1
    )
    story = load_story([make_story({"one.yaml": chapter})], assets=assets_dir())
    calls: list[str] = []
    for choice in story.scenes["a"].choices:
        if choice.test is not None:
            real = choice.test

            def counted(state, real=real, name=choice.id):
                calls.append(name)
                return real(state)

            object.__setattr__(choice, "test", counted)  # before the machine is built
    game = Game(story, seed=1, clock=lambda: "")
    frame = game.frame  # every condition, once
    assert sorted(calls) == ["hidden", "locked"]
    game.open_choices()
    game.open_choices()
    assert len(calls) == 2  # worked out once for this state
    calls.clear()
    game.choose("up")  # found open in this state: not evaluated again
    assert calls == []
    assert frame.scene.id == "a"
    game.choose("up")  # 'up' has no condition
    assert calls == []
    game.choose("hidden")  # not worked out in this state: the machine checks it, once
    assert calls == ["hidden"] and game.scene.id == "b"


def test_steps_keep_their_api(small_story):
    game = Game(small_story, seed=3)  # the real clock
    game.choose("up")
    step = game.record.steps[0]
    assert isinstance(step, Step) and step == Step("a", "up", step.at)
    assert read_time(step.at) is not None and step.at.endswith("Z") and "." not in step.at
    assert step.as_json() == {"scene": "a", "choice": "up", "at": step.at}
    assert Step("a", "up", "t", "because").as_json()["why"] == "because"
    assert [f.name for f in dataclasses.fields(Step)] == ["scene", "choice", "at", "why"]
    assert dataclasses.replace(step, why="x").why == "x"
    again = Record.loads(game.record.dumps())
    assert again == game.record and again.steps[0] == step
    assert game.record is game.record  # made once, until the next choice


def test_a_removed_choice_can_no_longer_be_taken(small_story):
    game = Game(small_story, seed=1, clock=lambda: "")
    small_story.machine.remove_transition(trigger_name("a", "up"))
    with pytest.raises(ChoiceUnavailable):
        game.choose("up")
    assert game.scene.id == "a" and game.record.steps == ()


def test_a_choice_closed_in_the_cache_is_still_offered_to_the_machine(small_story):
    """With another transition on a choice's trigger (transitions tries them in order),
    whether the choice is taken must not depend on whether the frame was read first."""
    small_story.machine.add_transition(trigger_name("a", "locked"), "a", "b")  # no condition
    for read_first in (False, True):
        game = Game(small_story, seed=1, clock=lambda: "")
        if read_first:
            assert not next(v for v in game.frame.choices if v.id == "locked").available
        game.choose("locked")
        assert game.scene.id == "b"


_LOOP = """\
chapter:
  id: one
  number: 1
  title: One
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: Round.
    choices:
      - id: more
        label: "{n > 1? Again | First}"
        goto: a
        sources: [eve-1]
        history: faithful
        note: It happened.
        effects: [n += 1]
      - id: stop
        label: Stop
        goto: b
        sources: [eve-1]
        history: faithful
        note: It happened.
  - id: b
    title: B
    date: 1917-10-26
    time: night
    place: There
    sources: [eve-2]
    text: The end.
    ending:
      id: done
      title: Done
      kind: historical
      epilogue: "That is all{flag or n != 3?, for now}."
"""


def test_a_replay_stopped_by_the_machine_shows_the_last_step_it_applied(make_story):
    """A replay that the machine stops (a condition registered on the transition) keeps
    the state before the last step applied, not before the step refused."""
    from transitions.core import Condition

    from game.engine import replay

    story = load_story([make_story({"one.yaml": _LOOP})], assets=assets_dir())
    allow = [True]
    transition = story.machine.events[trigger_name("a", "more")].transitions["a"][0]
    # n starts at 1: refuses the second round only, once `allow` is cleared
    transition.conditions.append(
        Condition(lambda event: allow[0] or event.model.variables["n"] < 2)
    )
    game = Game(story, seed=1, clock=lambda: "")
    game.choose("more")
    game.choose("more")
    allow[0] = False
    replayed = replay(story, game.record)
    assert (replayed.applied, replayed.total) == (1, 2)
    frame = replayed.game.frame
    assert [(v.name, v.value, v.previous) for v in frame.variables if v.name == "n"] == [
        ("n", 2, 1)
    ]
    assert frame.verdict is not None and frame.verdict.label == "First"
