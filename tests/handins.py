"""Making handed-in records for tests: play a path through the engine, answer, seal.

`hand_in` plays as a student would: at each scene it takes the choice `picks` names,
else `default_choice`: the first open faithful choice, else the first open choice of the
player's own (`history: own`), else the first open one (so with no picks it walks the
path of history, as `faithful_state` does); it types a "why?" where the assignment asks
for one and answers the reflection questions the game puts.
"""

from __future__ import annotations

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


def play(
    story: Story,
    start: str | None,
    picks: Mapping[str, str] | None = None,
    *,
    stop: int | None = None,
    why: Callable[[str, str], str | None] = lambda scene, choice: None,
    answer: Callable[[str, str], str] = lambda chapter, question: "An answer.",
    reflect: Callable[[str], bool] = lambda chapter: True,
) -> tuple[Game, list[Answer]]:
    """Play until an ending (or `stop` choices); returns the game and the answers given."""
    game = Game(story, seed=7, start=start, clock=ticking_clock(1))
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
                            "2026-11-27T10:00:00Z",
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
) -> dict:
    """A sealed hand-in for `student` under `assignment` (why and answers as the game asks)."""
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
    )
    return seal(
        game.record,
        story,
        student=student,
        assignment=assignment,
        answers=answers,
        started_at="2026-11-27T09:00:00Z",
        finished_at="2026-11-27T10:05:00Z",
    )


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
