"""Walks the real state space of a story: every reachable (scene, variables) state.

Used by the content tests (every ending reachable) and by authoring tools. States
are memoised, and the walk stops at `limit` states, saying so.

Two states that differ only in variables no later condition can ever read are the
same state for every question asked here, so before the walk a liveness analysis
(as a compiler does for registers) finds, per scene, the variables whose values
still matter; the others are forgotten. This keeps the walk small even when a
story has many counters.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from game.engine.expr import Value, variables_in
from game.engine.machine import effect_steps
from game.engine.model import Choice, Scene, Story

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
    #: Scenes (not endings) reached in some state where no choice can be taken.
    stuck: set[str] = field(default_factory=set)
    #: With `texts`: (scene id, template number in `Scene.templates()`, alternative's offset,
    #: how its condition came out) for every conditional text met in a reachable state.
    texts: set[tuple[str, int, int, bool]] = field(default_factory=set)
    #: (scene id, choice id, variable) for each variable an author's effect of the choice
    #: sets, where the walk knows its value before the choice (it still matters there) ...
    effects_seen: set[tuple[str, str, str]] = field(default_factory=set)
    #: ... and those of them whose value the choice changed in some reachable state.
    effects_changed: set[tuple[str, str, str]] = field(default_factory=set)


def linked_scenes(story: Story, start: str) -> set[str]:
    """The scenes some path from `start` leads to, conditions aside."""
    linked = {start}
    todo = [start]
    while todo:
        for choice in story.scenes[todo.pop()].choices:
            if choice.target in story.scenes and choice.target not in linked:
                linked.add(choice.target)
                todo.append(choice.target)
    return linked


def starting_states(story: Story) -> Iterator[tuple[str, dict[str, Value]]]:
    """Where a new game begins, with its state: the story's start and each viewpoint's."""
    for start in story.starts:
        if start in story.scenes:
            yield start, story.initial_state(start)


def successors(
    story: Story, scene_id: str, variables: dict[str, Value]
) -> Iterator[tuple[Choice, dict[str, Value]]]:
    """Each choice that can be taken in this state, with the variables after it."""
    declared = story.state_variables
    for choice in story.scenes[scene_id].choices:
        if choice.target not in story.scenes or not choice.is_open(variables):
            continue
        after = dict(variables)
        effect_steps(choice, declared)(after)
        yield choice, after


def _live_through(choice: Choice, after: AbstractSet[str], observed: str | None) -> set[str]:
    """The variables that matter before `choice`, given those that matter after it.

    With `observed`, each effect on that variable also reads it (and what its
    expression reads), so its value is known exactly wherever such an effect runs.
    """
    live = set(after)
    for effect in reversed(choice.all_effects):
        needed = effect.target in live
        watched = effect.target == observed
        if not (needed or watched):
            continue  # a value nobody reads later
        if needed and effect.op == "=" and effect.guard is None:
            live.discard(effect.target)
        live |= variables_in(effect.value)
        if effect.op != "=" or effect.guard is not None:
            live.add(effect.target)  # read by '+=', or kept when the guard fails
        if effect.guard is not None:
            live |= variables_in(effect.guard)
    if choice.condition is not None:
        live |= variables_in(choice.condition)
    return live


def text_reads(scene: Scene) -> set[str]:
    """The state keys the scene's texts read (its text, labels, reasons and epilogue)."""
    found: set[str] = set()
    for _key, template, _choice in scene.templates():
        for alternative in template.alternatives():
            found |= variables_in(alternative.condition)
    return found


def live_variables(
    story: Story, observed: str | None = None, *, texts: bool = False
) -> dict[str, frozenset[str]]:
    """For each scene, the variables whose value can still matter from there (a fixpoint).

    With `texts`, what the scenes' conditional texts read matters too (for the walk that
    asks whether each text condition can hold)."""
    # Each scene's set is kept as a frozenset, equal ones once: most scenes of a large
    # story share theirs, and a set per scene was most of what the check held at its peak.
    shared: dict[frozenset[str], frozenset[str]] = {}
    empty: frozenset[str] = frozenset()

    def kept(names: AbstractSet[str]) -> frozenset[str]:
        frozen = frozenset(names)
        return shared.setdefault(frozen, frozen)

    reads: dict[str, frozenset[str]] = {}
    for sid, scene in story.scenes.items() if texts else ():
        found = text_reads(scene)
        if found:
            reads[sid] = kept(found)
    live: dict[str, frozenset[str]] = {
        scene_id: reads.get(scene_id, empty) for scene_id in story.scenes
    }
    incoming: dict[str, list[str]] = {scene_id: [] for scene_id in story.scenes}
    for scene in story.scenes.values():
        for choice in scene.choices:
            if choice.target in incoming:
                incoming[choice.target].append(scene.id)
    work = deque(story.scenes)
    queued = set(work)
    while work:
        scene_id = work.popleft()
        queued.discard(scene_id)
        now: set[str] = set(reads.get(scene_id, ()))
        for choice in story.scenes[scene_id].choices:
            now |= _live_through(choice, live.get(choice.target, empty), observed)
        if now != live[scene_id]:
            live[scene_id] = kept(now)
            for source in incoming[scene_id]:
                if source not in queued:
                    queued.add(source)
                    work.append(source)
    return live


# ---------------------------------------------------------------- the walks


def _observe_texts(
    scene: Scene, variables: dict[str, Value], found: set[tuple[str, int, int, bool]]
) -> None:
    """Note how each conditional text the player reads in this state comes out: a choice's
    label only while the choice is shown, its reason only while it is closed."""
    for number, (key, template, choice) in enumerate(scene.templates()):
        if not template.conditional:
            continue
        if choice is not None:
            open_ = choice.is_open(variables)
            if (key == "disabled" and open_) or (
                key == "label" and not open_ and choice.reason_text is None
            ):
                continue
        outcomes: set[tuple[int, bool]] = set()
        template.observe(variables, outcomes)
        found |= {(scene.id, number, offset, holds) for offset, holds in outcomes}


def explore(story: Story, limit: int = 200_000, *, texts: bool = False) -> Exploration:
    """Breadth-first over every reachable state, up to `limit` states.

    With `texts`, also note how each conditional text's conditions come out in every
    state reached (`Exploration.texts`); the walk then keeps what those texts read."""
    names = list(story.state_variables)
    live = live_variables(story, texts=texts)
    initial = story.initial_state()

    def key_of(scene_id: str, variables: dict[str, Value]) -> StateKey:
        keep = live[scene_id]
        for name in names:  # forget what no longer matters, so equal states meet
            if name not in keep:
                variables[name] = initial[name]
        return scene_id, tuple(variables[n] for n in names)

    found = Exploration()
    seen: set[StateKey] = set()
    queue: deque[tuple[str, dict[str, Value]]] = deque()
    for first, start in starting_states(story):
        key = key_of(first, start)
        if key not in seen:
            seen.add(key)
            queue.append((first, start))
    while queue:
        scene_id, variables = queue.popleft()
        found.scenes.add(scene_id)
        scene = story.scenes[scene_id]
        if scene.ending is not None:
            found.endings.add(scene.ending.id)
        if texts:
            _observe_texts(scene, variables, found.texts)
        moved = False
        known = live[scene_id]
        for choice, after in successors(story, scene_id, variables):
            moved = True
            found.choices.add((scene_id, choice.id))
            if texts:
                for effect in choice.effects:
                    if effect.target in known:
                        slot = (scene_id, choice.id, effect.target)
                        found.effects_seen.add(slot)
                        if after[effect.target] != variables[effect.target]:
                            found.effects_changed.add(slot)
            key = key_of(choice.target, after)
            if key in seen:
                continue
            if len(seen) >= limit:
                found.complete = False
                continue
            seen.add(key)
            queue.append((choice.target, after))
        if not moved and scene.ending is None:
            found.stuck.add(scene_id)
    found.states = len(seen)
    return found
