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
made for every new game): the game fires a choice's event itself (below).

A choice costs what a state change costs: while the machine has no queue and no
callbacks but the choice's own (none machine-wide, on the choice's transition or on
the two scenes it joins), `ChoiceEvent.take` takes the one transition for the model's
scene: it checks the condition once on the runner's variables, applies the effects
and sets the scene, with no `EventData` and no callback dispatch. Whether it may is
worked out once per change to the machine (`MachineHooks.generation`: every callback
list counts its changes there), not at every choice. As soon as any other callback is
registered, or the machine is queued, the event runs `transitions`' full order again.
The game looks each choice up in `StoryMachine.moves` (scene id -> choice id ->
`Move`) and takes it with `ChoiceEvent.take`, falling back to `trigger`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, NamedTuple, cast

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


def _before(apply: Callable[[dict[str, Value]], None]) -> Callable[[EventData], None]:
    def before(event: EventData) -> None:
        apply(cast(Runner, event.model).variables)

    return before


class MachineHooks:
    """What a machine would run besides a choice's own condition and effects, and where
    it keeps the model's scene: the fields `transitions.Machine` keeps as `_queued`,
    `_prepare_event`, ..., `model_attribute` and `states`. A StoryMachine keeps them here,
    behind properties of those names (a Machine's own attributes cost several times a
    plain one's: its class defines `__getattr__`).

    `generation` counts the changes to anything that decides whether a choice may be
    taken by the fast path: these fields, every callback list of the machine, of its
    scenes and of its transitions (each a `Watched` list that counts its changes here),
    the transitions of each event, the scenes. `ChoiceEvent.take` works out once per
    generation whether it may take its choice directly."""

    __slots__ = (
        "generation",
        "queued",
        "prepare_event",
        "before_state_change",
        "after_state_change",
        "finalize_event",
        "on_exception",
        "on_final",
        "model_attribute",
        "states",
    )

    def __init__(self) -> None:
        self.generation = 0
        self.queued = False
        self.prepare_event: list[Any] = Watched(self)
        self.before_state_change: list[Any] = Watched(self)
        self.after_state_change: list[Any] = Watched(self)
        self.finalize_event: list[Any] = Watched(self)
        self.on_exception: list[Any] = Watched(self)
        self.on_final: list[Any] = Watched(self)
        self.model_attribute = SCENE_ATTRIBUTE
        self.states: dict[str, State] = {}

    def changed(self) -> None:
        self.generation += 1

    def plain(self) -> bool:
        """No queue, no machine-wide callback, the scene kept where `take` sets it."""
        return not (
            self.queued
            or self.prepare_event
            or self.before_state_change
            or self.after_state_change
            or self.finalize_event
            or self.on_exception
            or self.on_final
        ) and (self.model_attribute == SCENE_ATTRIBUTE)


class Watched(list[Any]):
    """A callback list that counts every change to it in its machine's `hooks`."""

    __slots__ = ("hooks",)

    def __init__(self, hooks: MachineHooks, items: Any = ()) -> None:
        super().__init__(items)
        self.hooks = hooks

    def append(self, item: Any) -> None:
        super().append(item)
        self.hooks.changed()

    def extend(self, items: Any) -> None:
        super().extend(items)
        self.hooks.changed()

    def insert(self, index: Any, item: Any) -> None:
        super().insert(index, item)
        self.hooks.changed()

    def remove(self, item: Any) -> None:
        super().remove(item)
        self.hooks.changed()

    def pop(self, index: Any = -1) -> Any:
        self.hooks.changed()
        return super().pop(index)

    def clear(self) -> None:
        super().clear()
        self.hooks.changed()

    def __setitem__(self, index: Any, item: Any) -> None:
        super().__setitem__(index, item)
        self.hooks.changed()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self.hooks.changed()

    def __iadd__(self, items: Any) -> Watched:  # type: ignore[misc]
        super().__iadd__(items)
        self.hooks.changed()
        return self

    def __imul__(self, times: Any) -> Watched:  # type: ignore[misc]
        super().__imul__(times)
        self.hooks.changed()
        return self


def _watch(hooks: MachineHooks, value: Any) -> Watched:
    hooks.changed()
    return value if isinstance(value, Watched) and value.hooks is hooks else Watched(hooks, value)


class SceneState(State):
    """A scene: `transitions`' State, entering and leaving without logging. Once in a
    StoryMachine (`watched_by`), its callback lists count their changes in the machine."""

    _WATCHED = frozenset({"on_enter", "on_exit"})
    watched_by: MachineHooks | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        hooks = self.watched_by
        if hooks is not None and name in self._WATCHED:
            value = _watch(hooks, value)
        super().__setattr__(name, value)

    def enter(self, event_data: EventData) -> None:
        if self.on_enter:
            event_data.machine.callbacks(self.on_enter, event_data)

    def exit(self, event_data: EventData) -> None:
        if self.on_exit:
            event_data.machine.callbacks(self.on_exit, event_data)


class ChoiceTransition(Transition):
    """A choice: `transitions`' Transition, executed in the same order without logging.

    `test` and `apply` are the choice's compiled condition and effects, the very
    functions its `conditions` and `before` callbacks call (`own_conditions` and
    `own_before` say how many of those lists' entries are the choice's own), so that
    the fast path (`ChoiceEvent.take`) can call them without an `EventData`. Once in a
    StoryMachine (`watched_by`), its callback lists count their changes in the machine."""

    _WATCHED = frozenset(
        {
            "prepare",
            "conditions",
            "before",
            "after",
            "dest",
            "source",
            "test",
            "apply",
            "own_conditions",
            "own_before",
        }
    )
    watched_by: MachineHooks | None = None
    test: Callable[[dict[str, Value]], Value] | None = None
    apply: Callable[[dict[str, Value]], None] | None = None
    own_conditions = 0
    own_before = 0

    def __setattr__(self, name: str, value: Any) -> None:
        hooks = self.watched_by
        if hooks is not None and name in self._WATCHED:
            if isinstance(value, list):
                value = _watch(hooks, value)
            else:
                hooks.changed()
        super().__setattr__(name, value)

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


#: What the fast path does for an event: (source scene, condition, effects, target scene).
_Fast = tuple[
    str, Callable[[dict[str, Value]], Value] | None, Callable[[dict[str, Value]], None] | None, str
]


class ChoiceEvent(Event):
    """A choice's trigger: `transitions`' Event, fired directly when the machine has no queue,
    and by `take` (a state change and nothing else) when nothing else would run."""

    def __init__(self, name: str, machine: Machine) -> None:
        #: The machine's hooks (None for a machine that is not a StoryMachine: no fast path).
        self.hooks: MachineHooks | None = getattr(machine, "hooks", None)
        #: The fast path, as worked out for the hooks' `generation` `_seen` (None: none).
        self._fast: _Fast | None = None
        self._seen = -1
        super().__init__(name, machine)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "transitions" and getattr(self, "hooks", None) is not None:
            assert self.hooks is not None
            self.hooks.changed()  # remove_transition gives an event new transitions
        super().__setattr__(name, value)

    def _work_out(self, hooks: MachineHooks) -> _Fast | None:
        """Whether the choice may be taken directly: no queue and no callback but the
        choice's own, on the machine, on its one transition or on the two scenes."""
        self._seen = hooks.generation
        self._fast = None
        if not hooks.plain() or len(self.transitions) != 1:
            return None
        ((source, found),) = self.transitions.items()
        if len(found) != 1 or not isinstance(found[0], ChoiceTransition):
            return None
        transition = found[0]
        dest = transition.dest
        if (
            dest is None
            or transition.watched_by is not hooks
            or transition.prepare
            or transition.after
            or len(transition.conditions) != transition.own_conditions
            or len(transition.before) != transition.own_before
        ):
            return None
        states = hooks.states
        for state, hook in ((states.get(dest), "on_enter"), (states.get(source), "on_exit")):
            if not isinstance(state, SceneState) or state.watched_by is not hooks:
                return None
            if getattr(state, hook):
                return None
        self._fast = (source, transition.test, transition.apply, dest)
        return self._fast

    def take(self, model: Runner, checked: bool = False) -> bool | None:
        """Take the choice for `model` as the full order would when nothing but the choice's
        own condition and effects is registered: check the condition once (not at all when
        `checked`: the caller has just found it open in this very state), apply the
        effects, set the scene. Returns whether it was taken, or None when something else
        is registered (a machine callback or queue, another transition, a callback on the
        transition or its scenes) or the scene is not its source: then `trigger` does it
        all. Whether anything else is registered is worked out once per change to them.
        """
        hooks = self.hooks
        if hooks is None:
            return None
        fast = self._fast if self._seen == hooks.generation else self._work_out(hooks)
        if fast is None:
            return None
        source, test, apply, dest = fast
        if model.scene_id != source:
            return None
        variables = model.variables
        if not checked and test is not None and not test(variables):
            return False
        if apply is not None:
            apply(variables)
        model.scene_id = dest
        return True

    def add_transition(self, transition: Transition) -> None:
        super().add_transition(transition)
        if self.hooks is not None:
            self.hooks.changed()

    def trigger(self, model: Any, *args: Any, **kwargs: Any) -> bool:
        machine = self.machine
        if not args and not kwargs and isinstance(model, Runner):
            taken = self.take(model)
            if taken is not None:
                return taken
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


class Move(NamedTuple):
    """A choice of a scene as the game takes it: the choice, its event (None when its
    target is not a scene of the story), the state keys its effects write (memory
    included), and `itemgetter(*targets)`, which reads their values before it is taken
    (one value for one target, else a tuple: see `old_values`; None without targets)."""

    choice: Choice
    event: ChoiceEvent | None
    targets: tuple[str, ...]
    keep: Callable[[Mapping[str, Value]], Any] | None


def old_values(targets: tuple[str, ...], kept: Any) -> dict[str, Value]:
    """The values a Move's `keep` read, by state key."""
    if len(targets) == 1:
        return {targets[0]: kept}
    return dict(zip(targets, kept, strict=True))


def _keeper(targets: tuple[str, ...]) -> Callable[[Mapping[str, Value]], Any] | None:
    return itemgetter(*targets) if targets else None


class StoryMachine(Machine):
    """A `transitions` Machine for a story: no per-step logging, no methods bound on models."""

    state_cls = SceneState
    transition_cls = ChoiceTransition
    event_cls = ChoiceEvent

    #: scene id -> choice id -> Move, for every choice of every scene (`build_machine`).
    moves: dict[str, dict[str, Move]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.moves = {}
        self.hooks = MachineHooks()
        super().__init__(*args, **kwargs)

    # Where transitions.Machine keeps these, a StoryMachine keeps them in `hooks`.
    @property
    def _queued(self) -> Any:
        return self.hooks.queued

    @_queued.setter
    def _queued(self, value: Any) -> None:
        self.hooks.queued = value
        self.hooks.changed()

    @property
    def _prepare_event(self) -> Any:
        return self.hooks.prepare_event

    @_prepare_event.setter
    def _prepare_event(self, value: Any) -> None:
        self.hooks.prepare_event = _watch(self.hooks, value)

    @property
    def _before_state_change(self) -> Any:
        return self.hooks.before_state_change

    @_before_state_change.setter
    def _before_state_change(self, value: Any) -> None:
        self.hooks.before_state_change = _watch(self.hooks, value)

    @property
    def _after_state_change(self) -> Any:
        return self.hooks.after_state_change

    @_after_state_change.setter
    def _after_state_change(self, value: Any) -> None:
        self.hooks.after_state_change = _watch(self.hooks, value)

    @property
    def _finalize_event(self) -> Any:
        return self.hooks.finalize_event

    @_finalize_event.setter
    def _finalize_event(self, value: Any) -> None:
        self.hooks.finalize_event = _watch(self.hooks, value)

    @property
    def _on_exception(self) -> Any:
        return self.hooks.on_exception

    @_on_exception.setter
    def _on_exception(self, value: Any) -> None:
        self.hooks.on_exception = _watch(self.hooks, value)

    @property
    def _on_final(self) -> Any:
        return self.hooks.on_final

    @_on_final.setter
    def _on_final(self, value: Any) -> None:
        self.hooks.on_final = _watch(self.hooks, value)

    @property
    def model_attribute(self) -> Any:
        return self.hooks.model_attribute

    @model_attribute.setter
    def model_attribute(self, value: Any) -> None:
        self.hooks.model_attribute = value
        self.hooks.changed()

    @property
    def states(self) -> Any:
        return self.hooks.states

    @states.setter
    def states(self, value: Any) -> None:
        self.hooks.states = value
        self.hooks.changed()

    def add_states(self, *args: Any, **kwargs: Any) -> None:
        """transitions' add_states; every scene's callback lists then count their changes."""
        super().add_states(*args, **kwargs)
        hooks = self.hooks
        for state in self.states.values():
            if isinstance(state, SceneState) and state.watched_by is not hooks:
                state.watched_by = hooks
                state.on_enter, state.on_exit = state.on_enter, state.on_exit
            elif not isinstance(state, SceneState):
                for name in ("on_enter", "on_exit"):
                    setattr(state, name, _watch(hooks, getattr(state, name)))
        hooks.changed()

    def add_transition(self, trigger: Any, *args: Any, **kwargs: Any) -> None:
        """transitions' add_transition; every callback list of the transitions it makes
        then counts its changes."""
        super().add_transition(trigger, *args, **kwargs)
        hooks = self.hooks
        for name in listify(trigger):
            event = self.events.get(name)
            if event is None:
                continue
            for source, transitions in list(event.transitions.items()):
                for transition in transitions:
                    if isinstance(transition, ChoiceTransition):
                        if transition.watched_by is not hooks:
                            transition.watched_by = hooks
                            for key in ("prepare", "conditions", "before", "after"):
                                setattr(transition, key, getattr(transition, key))
                    else:
                        for key in ("prepare", "conditions", "before", "after"):
                            setattr(transition, key, _watch(hooks, getattr(transition, key)))
                if not isinstance(transitions, Watched):
                    event.transitions[source] = Watched(hooks, transitions)
        hooks.changed()

    def remove_transition(self, trigger: Any, source: Any = "*", dest: Any = "*") -> None:
        """transitions' remove_transition; a choice whose event is gone can no longer be
        taken (as in a machine built without it)."""
        super().remove_transition(trigger, source, dest)
        if trigger not in self.events:
            for moves in self.moves.values():
                for choice_id, move in moves.items():
                    if move.event is not None and move.event.name == trigger:
                        moves[choice_id] = move._replace(event=None)
        self.hooks.changed()

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
        moves: dict[str, Move] = {}
        for choice in scene.choices:
            targets = tuple(dict.fromkeys(action[0] for action in choice.actions))
            if choice.target not in story.scenes:
                moves.setdefault(choice.id, Move(choice, None, targets, _keeper(targets)))
                continue
            trigger = trigger_name(scene.id, choice.id)
            apply = effect_steps(choice, declared) if choice.actions else None
            machine.add_transition(
                trigger=trigger,
                source=scene.id,
                dest=choice.target,
                conditions=[_condition(choice)] if choice.test is not None else None,
                before=[_before(apply)] if apply is not None else None,
            )
            event = cast(ChoiceEvent, machine.events[trigger])
            transition = cast(ChoiceTransition, event.transitions[scene.id][-1])
            transition.test, transition.apply = choice.test, apply
            transition.own_conditions = 1 if choice.test is not None else 0
            transition.own_before = 1 if apply is not None else 0
            moves.setdefault(choice.id, Move(choice, event, targets, _keeper(targets)))
        machine.moves[scene.id] = moves
    return machine
