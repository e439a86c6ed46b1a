"""Walks the real state space of a story: every reachable (scene, variables) state.

Used by the content tests (every ending reachable) and by authoring tools. States
are memoised, and the walk stops at `limit` states, saying so.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from game.engine.expr import Value
from game.engine.machine import effect_steps
from game.engine.model import Choice, Story

StateKey = tuple[str, tuple[Value, ...]]


@dataclass
class Exploration:
    """What a walk found."""

    states: int = 0
    complete: bool = True
    scenes: set[str] = field(default_factory=set)
    endings: set[str] = field(default_factory=set)
    #: (scene id, choice id) of every choice taken on some reachable path.
    choices: set[tuple[str, str]] = field(default_factory=set)


def successors(
    story: Story, scene_id: str, variables: dict[str, Value]
) -> Iterator[tuple[Choice, dict[str, Value]]]:
    """Each choice that can be taken in this state, with the variables after it."""
    for choice in story.scenes[scene_id].choices:
        if choice.target not in story.scenes:
            continue
        if choice.test is not None and not choice.test(variables):
            continue
        after = dict(variables)
        effect_steps(choice, story.variables)(after)
        yield choice, after


def explore(story: Story, limit: int = 200_000) -> Exploration:
    """Breadth-first over every reachable state, up to `limit` states."""
    names = list(story.variables)
    start = story.initial_state()
    found = Exploration()
    seen: set[StateKey] = {(story.start, tuple(start[n] for n in names))}
    queue: deque[tuple[str, dict[str, Value]]] = deque([(story.start, start)])
    while queue:
        scene_id, variables = queue.popleft()
        found.scenes.add(scene_id)
        scene = story.scenes[scene_id]
        if scene.ending is not None:
            found.endings.add(scene.ending.id)
        for choice, after in successors(story, scene_id, variables):
            found.choices.add((scene_id, choice.id))
            key = (choice.target, tuple(after[n] for n in names))
            if key in seen:
                continue
            if len(seen) >= limit:
                found.complete = False
                continue
            seen.add(key)
            queue.append((choice.target, after))
    found.states = len(seen)
    return found
