"""The playthrough's memory: which scenes were reached, how often, and which choices taken.

`visited(scene)`, `visits(scene)` and `chose(scene.choice)` read the memory. It is
kept in the state beside the declared variables, as hidden variables under keys no
author can write (`seen:c1-smolny`, `visits:c1-smolny`, `chose:c1-smolny.report`:
whether a scene was reached is kept apart from how often, so that a story asking only
the first never tells states apart by the second), and written by
each choice as effects of its own, applied after the author's. So everything that
reasons about variables (the machine, the state walk and its liveness analysis, the
static range check) understands memory without a line of its own, and a record
replays to the same memory as it does to the same variables.

Only what some condition or text reads is kept: a story that never asks costs
nothing, and the state walk never tells apart states the story cannot tell apart.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from game.engine.expr import (
    MAX_VISITS,
    Bool,
    Chose,
    Effect,
    Num,
    State,
    Value,
    chose_key,
    memory_key,
    seen_key,
    visits_key,
)
from game.engine.model import Action, Scene, Variable


def _always_true(state: State) -> Value:
    return True


def _one(state: State) -> Value:
    return 1


def remember(builder: Any, scenes: dict[str, Scene], start: str) -> dict[str, Variable]:
    """Check every memory predicate the builder noted against `scenes` (problems go to the
    builder) and give each choice the memory effects that are read; returns the memory's
    hidden variables. `scenes` is changed in place."""
    tracked: set[str] = set()
    for node, mark in builder.memory_refs:
        scene = scenes.get(node.scene)
        if scene is None:
            close = difflib.get_close_matches(node.scene, list(scenes), n=1, cutoff=0.7)
            builder.problem(
                mark,
                "unknown-scene",
                f"there is no scene '{node.scene}'"
                + (f"; did you mean '{close[0]}'?" if close else ""),
            )
            continue
        if isinstance(node, Chose) and scene.choice(node.choice) is None:
            ids = [c.id for c in scene.choices]
            close = difflib.get_close_matches(node.choice, ids, n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; its choices are {', '.join(ids)}"
                if ids
                else "; it has no choices"
            )
            builder.problem(
                mark,
                "unknown-choice",
                f"the scene '{node.scene}' has no choice '{node.choice}'{hint}",
            )
            continue
        tracked.add(memory_key(node))
    if not tracked:
        return {}
    memory: dict[str, Variable] = {}
    for key in sorted(tracked):
        if key.startswith("visits:"):
            initial = 1 if key == visits_key(start) else 0
            memory[key] = Variable(key, "int", initial, 0, MAX_VISITS)
        else:
            memory[key] = Variable(key, "bool", key == seen_key(start))
    for scene_id, scene in list(scenes.items()):
        changed = False
        choices = []
        for choice in scene.choices:
            effects: list[Effect] = []
            actions: list[Action] = []
            taken = chose_key(scene_id, choice.id)
            if taken in tracked:
                effects.append(Effect(taken, "=", Bool(True)))
                actions.append((taken, "=", _always_true, None, -1, True))
            arrived = visits_key(choice.target)
            if arrived in tracked:
                effects.append(Effect(arrived, "+=", Num(1)))
                actions.append((arrived, "+=", _one, None, -1, True))
            reached = seen_key(choice.target)
            if reached in tracked:
                effects.append(Effect(reached, "=", Bool(True)))
                actions.append((reached, "=", _always_true, None, -1, True))
            if effects:
                changed = True
                choice = replace(choice, memory=tuple(effects), actions=(*choice.actions, *actions))
            choices.append(choice)
        if changed:
            scenes[scene_id] = replace(scene, choices=tuple(choices))
    return memory
