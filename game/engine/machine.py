"""Compiles a Story into a `transitions` state machine: one state per scene, one transition per choice.

The machine is built once per story (`Story.machine`, kept with the story) and
shared by every playthrough: each is a `Runner` put in a state of it. The machine
keeps no list of its runners, so a playthrough that is dropped is gone, however
many a long-running host makes. Conditions and effects are passed as callables made
from the parsed expressions, never as strings: `transitions` would import a
string it cannot find on the model as a dotted path.

`StoryMachine` is a `transitions.Machine` configured for a game, where a choice is
taken in a few microseconds and autoplay takes millions: its states, transitions
and events are `transitions`' own classes less their per-step logging (about a
dozen logger calls per trigger) and less the calls for callback lists that are
empty; every callback list is still honoured in `transitions`' order. A model is
not given a bound method per trigger and per state (thousands for a large story,
made for every new game): the game fires a choice's event with
`machine.events[trigger].trigger(model)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from transitions import Machine
from transitions.core import Event, EventData, State, Transition, listify

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


def _condition(choice: Choice) -> Callable[[EventData], bool]:
    is_open = choice.is_open

    def condition(event: EventData) -> bool:
        return is_open(cast(Runner, event.model).variables)

    return condition


def effect_steps(
    choice: Choice, declared: Mapping[str, Variable]
) -> Callable[[dict[str, Value]], None]:
    """A function that applies a choice's effects (then its memory), in order, each clamped
    to its variable's range; an `if:` group's condition is read once, before its effects.

    The machine runs it as the transition's `before` callback; the explorer in
    `explore.py` runs the very same function, so the two can never disagree.
    `declared` is the story's `state_variables`.
    """
    steps = [
        (target, op, compute, guard, group, when, declared[target])
        for target, op, compute, guard, group, when in choice.actions
    ]

    def apply(variables: dict[str, Value]) -> None:
        group_now, holds = -1, True
        for target, op, compute, guard, group, when, variable in steps:
            if guard is not None:
                if group != group_now:
                    group_now, holds = group, bool(guard(variables))
                if holds != when:
                    continue
            value = compute(variables)
            if op == "+=":
                value = variables[target] + value
            elif op == "-=":
                value = variables[target] - value
            variables[target] = variable.clamp(value)

    return apply


def _effects(choice: Choice, declared: Mapping[str, Variable]) -> Callable[[EventData], None]:
    apply = effect_steps(choice, declared)

    def before(event: EventData) -> None:
        apply(cast(Runner, event.model).variables)

    return before


class SceneState(State):
    """A scene: `transitions`' State, entering and leaving without logging."""

    def enter(self, event_data: EventData) -> None:
        if self.on_enter:
            event_data.machine.callbacks(self.on_enter, event_data)

    def exit(self, event_data: EventData) -> None:
        if self.on_exit:
            event_data.machine.callbacks(self.on_exit, event_data)


class ChoiceTransition(Transition):
    """A choice: `transitions`' Transition, executed in the same order without logging."""

    def execute(self, event_data: EventData) -> bool:
        machine = event_data.machine
        if self.prepare:
            machine.callbacks(self.prepare, event_data)
        for condition in self.conditions:
            if not condition.check(event_data):
                return False
        if machine.before_state_change:
            machine.callbacks(machine.before_state_change, event_data)
        if self.before:
            machine.callbacks(self.before, event_data)
        if self.dest:  # None would be an internal transition (the story has none)
            states = machine.states
            states[self.source].exit(event_data)
            dest = states[self.dest]
            machine.set_state(dest, event_data.model)
            event_data.state = dest
            dest.enter(event_data)
            if dest.final:
                machine.callbacks(machine.on_final, event_data)
        if self.after:
            machine.callbacks(self.after, event_data)
        if machine.after_state_change:
            machine.callbacks(machine.after_state_change, event_data)
        return True


class ChoiceEvent(Event):
    """A choice's trigger: `transitions`' Event, fired directly when the machine has no queue."""

    def trigger(self, model: Any, *args: Any, **kwargs: Any) -> bool:
        machine = self.machine
        if machine.has_queue:
            return bool(super().trigger(model, *args, **kwargs))
        return bool(self._trigger(EventData(None, self, machine, model, args=args, kwargs=kwargs)))

    def _process(self, event_data: EventData) -> bool:
        machine = self.machine
        if machine.prepare_event:
            machine.callbacks(machine.prepare_event, event_data)
        for transition in self.transitions[event_data.state.name]:
            event_data.transition = transition
            if transition.execute(event_data):
                event_data.result = True
                break
        return bool(event_data.result)


class StoryMachine(Machine):
    """A `transitions` Machine for a story: no per-step logging, no methods bound on models."""

    state_cls = SceneState
    transition_cls = ChoiceTransition
    event_cls = ChoiceEvent

    def callbacks(self, funcs: Any, event_data: EventData) -> None:
        for func in funcs:
            self.callback(func, event_data)

    def add_model(self, model: Any, initial: Any = None) -> None:
        """Put playthroughs in `initial` (default: the start). Nothing is bound on them and
        the machine keeps no reference to them: a dropped playthrough is collected."""
        if initial is None:
            initial = self.initial
        for each in listify(model):
            self.set_state(initial, model=each)


def build_machine(story: Story) -> StoryMachine:
    """One machine for the story; playthroughs are put in it with `add_model`."""
    machine = StoryMachine(
        model=None,
        states=list(story.scenes),
        initial=story.start,
        auto_transitions=False,  # the default adds a to_<scene> trigger per pair: quadratic
        send_event=True,
        model_attribute=SCENE_ATTRIBUTE,
    )
    declared = story.state_variables
    for scene in story.scenes.values():
        for choice in scene.choices:
            if choice.target not in story.scenes:
                continue
            machine.add_transition(
                trigger=trigger_name(scene.id, choice.id),
                source=scene.id,
                dest=choice.target,
                conditions=[_condition(choice)] if choice.test is not None else None,
                before=[_effects(choice, declared)] if choice.actions else None,
            )
    return machine
