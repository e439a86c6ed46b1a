"""Compiles a Story into a `transitions` state machine: one state per scene, one transition per choice.

The machine is built once per story and shared by every playthrough (each is a
`Runner` model added to it). Conditions and effects are passed as callables made
from the parsed expressions, never as strings: `transitions` would import a
string it cannot find on the model as a dotted path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from transitions import Machine

from game.engine.expr import Value
from game.engine.model import Choice, Story, Variable

#: The model attribute that holds the current scene id.
SCENE_ATTRIBUTE = "scene_id"


class Runner:
    """One playthrough's place in the machine: the scene (set by transitions) and the variables."""

    scene_id: str

    def __init__(self, variables: dict[str, Value]) -> None:
        self.variables = variables


def trigger_name(scene_id: str, choice_id: str) -> str:
    """The trigger of a choice; the colon keeps it apart from any Python or transitions name."""
    return f"{scene_id}:{choice_id}"


def _condition(choice: Choice) -> Callable[[object], bool]:
    test = choice.test
    assert test is not None

    def condition(event: object) -> bool:
        return bool(test(event.model.variables))  # type: ignore[attr-defined]

    return condition


def effect_steps(
    choice: Choice, declared: Mapping[str, Variable]
) -> Callable[[dict[str, Value]], None]:
    """A function that applies a choice's effects, in order, clamped to each variable's range.

    The machine runs it as the transition's `before` callback; the explorer in
    `explore.py` runs the very same function, so the two can never disagree.
    """
    steps = [(target, op, compute, declared[target]) for target, op, compute in choice.actions]

    def apply(variables: dict[str, Value]) -> None:
        for target, op, compute, variable in steps:
            value = compute(variables)
            if op == "+=":
                value = variables[target] + value
            elif op == "-=":
                value = variables[target] - value
            variables[target] = variable.clamp(value)

    return apply


def _effects(choice: Choice, declared: Mapping[str, Variable]) -> Callable[[object], None]:
    apply = effect_steps(choice, declared)

    def before(event: object) -> None:
        apply(event.model.variables)  # type: ignore[attr-defined]

    return before


def build_machine(story: Story) -> Machine:
    """One Machine for the story. Models are added per playthrough with `add_model`."""
    machine = Machine(
        model=None,
        states=list(story.scenes),
        initial=story.start,
        auto_transitions=False,  # the default adds a to_<scene> trigger per pair: quadratic
        send_event=True,
        model_attribute=SCENE_ATTRIBUTE,
    )
    for scene in story.scenes.values():
        for choice in scene.choices:
            if choice.target not in story.scenes:
                continue
            machine.add_transition(
                trigger=trigger_name(scene.id, choice.id),
                source=scene.id,
                dest=choice.target,
                conditions=[_condition(choice)] if choice.test is not None else None,
                before=[_effects(choice, story.variables)] if choice.actions else None,
            )
    return machine
