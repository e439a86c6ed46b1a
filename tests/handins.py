"""Making handed-in records for tests: play a path through the engine, answer, seal.

`hand_in` plays as a student would: at each scene it takes the choice `picks` names,
else `default_choice`: the first open faithful choice, else the first open choice of the
player's own (`history: own`), else the first open one (so with no picks it walks the
path of history, as `faithful_state` does); it types a "why?" where the assignment asks
for one and answers the reflection questions the game puts. The clocks make records
whose times are known in advance (a minute a choice, a second a choice, two sittings).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from game.classroom.assignment import Assignment
from game.classroom.handin import Answer, seal
from game.engine import Game, Story


def default_choice(open_choices: Sequence[Any]) -> Any:
    """Of the open choices (`Choice`s, or the frame's `ChoiceView`s), the one a student who
    is told nothing takes: the first faithful, else the first of their own, else the first."""
    return next(
        (c for c in open_choices if c.history == "faithful"),
        next((c for c in open_choices if c.history == "own"), open_choices[0]),
    )


def ticking_clock(start_minute: int = 0) -> Callable[[], str]:
    """A clock that moves on a minute each time it is read (records stay reproducible)."""
    minutes = itertools.count(start_minute)

    def now() -> str:
        minute = next(minutes)
        return f"2026-11-27T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"

    return now


def iso(moment: dt.datetime) -> str:
    """A time as the game writes it: '2026-11-27T09:00:00Z'."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def clock_every(start: str, seconds: float) -> Callable[[], str]:
    """A clock that starts `seconds` after `start` and moves on that much each time it is
    read (a second a choice: faster than anyone reads)."""
    begin = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    ticks = itertools.count(1)
    return lambda: iso(begin + dt.timedelta(seconds=seconds * next(ticks)))


def clock_of(times: Sequence[str]) -> Callable[[], str]:
    """A clock that reads `times` one after the other (two sittings, days apart)."""
    moments = iter(times)
    return lambda: next(moments)


def play(
    story: Story,
    start: str | None,
    picks: Mapping[str, str] | None = None,
    *,
    stop: int | None = None,
    why: Callable[[str, str], str | None] = lambda scene, choice: None,
    answer: Callable[[str, str], str] = lambda chapter, question: "An answer.",
    reflect: Callable[[str], bool] = lambda chapter: True,
    clock: Callable[[], str] | None = None,
) -> tuple[Game, list[Answer]]:
    """Play until an ending (or `stop` choices); returns the game and the answers given.

    With the default clock (a minute a choice from 09:01) every answer is given at 10:00;
    with another `clock`, at the time of the choice it follows."""
    game = Game(story, seed=7, start=start, clock=clock or ticking_clock(1))
    answers: list[Answer] = []
    picks = picks or {}
    while not game.ended and (stop is None or len(game.record.steps) < stop):
        scene = game.scene
        choice = picks.get(scene.id)
        if choice is None:
            choice = default_choice(game.open_choices()).id
        game.choose(choice, why=why(scene.id, choice))
        for due in game.frame.reflection:
            chapter = due.chapter
            if reflect(chapter.id):
                for question in due.questions:
                    answers.append(
                        Answer(
                            chapter.id,
                            question,
                            answer(chapter.id, question),
                            len(game.record.steps),
                            "2026-11-27T10:00:00Z" if clock is None else game.record.steps[-1].at,
                        )
                    )
    return game, answers


def hand_in(
    story: Story,
    assignment: Assignment,
    student: str,
    picks: Mapping[str, str] | None = None,
    *,
    stop: int | None = None,
    why_text: str | None = None,
    answer_text: str | None = None,
    clock: Callable[[], str] | None = None,
    started_at: str = "2026-11-27T09:00:00Z",
    finished_at: str = "2026-11-27T10:05:00Z",
    attempt: int = 1,
    earlier: Sequence[Mapping[str, Any]] = (),
) -> dict:
    """A sealed hand-in for `student` under `assignment` (why and answers as the game asks).

    `attempt` and `earlier` are sealed into it as a student who started again has them."""
    game, answers = play(
        story,
        assignment.start,
        picks,
        stop=stop,
        why=lambda scene, choice: (
            (why_text or f"{student} chose {choice}") if assignment.wants_why(scene) else None
        ),
        answer=lambda chapter, question: answer_text or f"{student} on {chapter}.",
        reflect=assignment.wants_reflection,
        clock=clock,
    )
    return seal(
        game.record,
        story,
        student=student,
        assignment=assignment,
        answers=answers,
        started_at=started_at,
        finished_at=finished_at,
        attempt=attempt,
        earlier=earlier,
    )


def earlier_attempt(
    number: int, started_at: str, ended_at: str, steps: int, ending: str | None = None
) -> dict[str, Any]:
    """An earlier attempt as a record keeps it."""
    return {
        "attempt": number,
        "started_at": started_at,
        "ended_at": ended_at,
        "steps": steps,
        "ending": ending,
    }


def due_step(story: Story, record, chapter: str) -> int:
    """The step after which `chapter`'s reflection questions are due along `record`'s path
    (the game asks them then, and only then)."""
    from game.engine import replay

    game = Game(story, seed=record.seed, start=record.start)
    for number, step in enumerate(replay(story, record).game.record.steps, 1):
        game.choose(step.choice, why=step.why)
        if any(due.chapter.id == chapter for due in game.frame.reflection):
            return number
    raise ValueError(f"the path never leaves the chapter '{chapter}'")
