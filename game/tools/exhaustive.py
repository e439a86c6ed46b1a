"""`petrograd check --exhaustive`: the equivalent of ChoiceScript's quicktest, over the real
state space.

Three questions, each answered exactly for every reachable (scene, variables) state,
within a bound on the number of states:

- which choices are never open, on any reachable path (their condition never holds
  where their scene is reached), and which scenes can only be reached through them;
- which scenes can be reached in a state where no choice is open (stuck);
- which effects push a number past its declared `min` or `max` (the game clamps it,
  which is usually a sign that the numbers need another look);
- which conditional texts are never shown: a `{condition? ...}` whose condition is
  false in every reachable state where a reader meets it (or always true, so that its
  `| otherwise` part is never read).

The first two come from `game.engine.explore.explore`, whose walk forgets the
variables no later condition reads. That would make the third question wrong (a
forgotten variable is reset), so for it there is one more walk per ranged number:
the same liveness analysis, told that each effect on that number reads it, keeps
exactly the values needed to see the number when its effects run, and no others.
Each walk is the size of the condition walk times the values of one number, rather
than of the product of every variable's values.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from game.engine.explore import (
    Exploration,
    explore,
    linked_scenes,
    live_variables,
    starting_states,
)
from game.engine.expr import Value
from game.engine.model import TEXT_PLACES, Choice, Story
from game.engine.problems import Mark, Problem
from game.engine.text import Alternative, Template

DEFAULT_LIMIT = 200_000

StateKey = tuple[str, tuple[Value, ...]]


@dataclass(frozen=True, slots=True)
class Clamp:
    """An effect that would take a number past its declared range, with a path that shows it."""

    scene: str
    choice: str
    effect: str
    variable: str
    before: int
    wanted: int
    kept: int
    #: The choices from the start to the scene, as (scene id, choice id); the clamping choice last.
    path: tuple[tuple[str, str], ...]

    @property
    def edge(self) -> str:
        return "max" if self.wanted > self.kept else "min"


@dataclass
class Exhaustive:
    """The findings of `check_exhaustive`."""

    story: Story
    limit: int
    exploration: Exploration
    #: (scene id, choice id) of choices whose scene is reached but which are never open.
    never_open: list[tuple[str, str]] = field(default_factory=list)
    #: Scenes the graph links to but no reachable state reaches: scene id -> the choices into it
    #: (never open, or from scenes that are themselves never reached).
    only_through: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    clamps: list[Clamp] = field(default_factory=list)
    #: Conditional texts met in some reachable state but never shown one way:
    #: (scene id, key, template, alternative, the way never shown: True = its text).
    unshown: list[tuple[str, str, Template, Alternative, bool]] = field(default_factory=list)
    #: (scene id, choice id, variable): a choice whose effects on the variable never change
    #: its value in any reachable state where the choice is taken.
    no_change: list[tuple[str, str, str]] = field(default_factory=list)
    #: States visited by every walk together.
    states: int = 0
    complete: bool = True
    seconds: float = 0.0

    def problems(self) -> list[Problem]:
        """The findings that are mistakes, as warnings with file:line:col, in story order."""
        story = self.story
        out: list[Problem] = []
        for scene_id, choice_id in self.never_open:
            choice = story.scenes[scene_id].choice(choice_id)
            assert choice is not None
            out.append(
                Problem(
                    choice.marks.get("if", choice.mark),
                    "never-open",
                    f"the choice '{choice_id}' in scene '{scene_id}' is never open: its "
                    f"condition '{choice.condition_text}' is false in every reachable state of "
                    "that scene; loosen the condition or change the effects before it",
                    "warning",
                )
            )
        never = set(self.never_open)
        for scene_id, ways in self.only_through.items():
            scene = story.scenes[scene_id]
            closed = [f"'{s}:{c}'" for s, c in ways if (s, c) in never]
            behind = sorted({s for s, c in ways if (s, c) not in never})
            why = []
            if closed:
                why.append(f"through choices that are never open ({', '.join(closed)})")
            if behind:
                why.append(f"from scenes no playthrough reaches ({', '.join(behind)})")
            out.append(
                Problem(
                    scene.mark,
                    "only-through-closed-choices",
                    f"the scene '{scene_id}' can only be entered {' or '.join(why)}, so no "
                    "playthrough reaches it",
                    "warning",
                )
            )
        for scene_id, key, template, alternative, way in self.unshown:
            what = (
                "is false in every reachable state where it is read, so its text is never shown"
                if way
                else "holds in every reachable state where it is read, so the text after "
                "its '|' is never shown"
            )
            out.append(
                Problem(
                    template.place(alternative),
                    "text-never-shown",
                    f"in the {TEXT_PLACES[key]} in scene '{scene_id}', the condition "
                    f"'{alternative.source}' "
                    f"{what}",
                    "warning",
                )
            )
        for scene_id, choice_id, name in self.no_change:
            choice = story.scenes[scene_id].choice(choice_id)
            assert choice is not None
            shown = ", ".join(f"'{e}'" for e in choice.effects if e.target == name)
            out.append(
                Problem(
                    choice.marks.get("effects", choice.mark),
                    "no-change",
                    f"the choice '{choice_id}' in scene '{scene_id}' never changes '{name}': in "
                    f"every reachable state where it is taken, {shown} leaves '{name}' as it "
                    "was (already set, or at its range's edge); remove the effect or change "
                    "what comes before",
                    "warning",
                )
            )
        for scene_id in sorted(self.exploration.stuck, key=list(story.scenes).index):
            scene = story.scenes[scene_id]
            out.append(
                Problem(
                    scene.mark,
                    "stuck",
                    f"the scene '{scene_id}' can be reached in a state where none of its "
                    "choices is open, so the player is stuck; add a choice without a condition",
                    "warning",
                )
            )
        if not self.complete:
            out.append(
                Problem(
                    Mark(str(next(iter(story.scenes.values())).mark.path)),
                    "search-cut-short",
                    f"the search stopped at its limit of {self.limit:,} states per walk, so "
                    "these findings are incomplete; raise --limit to search further",
                    "warning",
                )
            )
        return out

    def notes(self) -> list[Problem]:
        """Effects the game clamps at a range's edge: often intended, so not counted as problems.

        Each note shows the last steps of one way there; `--format json` gives the whole path.
        """
        story = self.story
        out: list[Problem] = []
        for clamp in self.clamps:
            choice = story.scenes[clamp.scene].choice(clamp.choice)
            assert choice is not None
            variable = story.variables[clamp.variable]
            bound = variable.maximum if clamp.edge == "max" else variable.minimum
            steps = [f"{s}:{c}" for s, c in clamp.path]
            shown = " > ".join(steps[-3:])
            if len(steps) > 3:
                shown = "... > " + shown
            out.append(
                Problem(
                    choice.marks.get("effects", choice.mark),
                    "out-of-range",
                    f"the effect '{clamp.effect}' of choice '{clamp.choice}' in scene "
                    f"'{clamp.scene}' can take '{clamp.variable}' from {clamp.before} to "
                    f"{clamp.wanted}, past its {clamp.edge} {bound}, so it stays at {clamp.kept}; "
                    f"one way there takes {len(steps)} choice(s): {shown}",
                    "warning",
                )
            )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "limit": self.limit,
            "states": self.states,
            "seconds": round(self.seconds, 4),
            "never_open": [f"{s}:{c}" for s, c in self.never_open],
            "only_through": {
                sid: [f"{s}:{c}" for s, c in ways] for sid, ways in self.only_through.items()
            },
            "stuck": sorted(self.exploration.stuck),
            "no_change": [f"{s}:{c}:{v}" for s, c, v in self.no_change],
            "text_never_shown": [
                {
                    "scene": scene_id,
                    "in": key,
                    "condition": alternative.source,
                    "never": "shown" if way else "otherwise",
                }
                for scene_id, key, _template, alternative, way in self.unshown
            ],
            "out_of_range": [
                {
                    "scene": c.scene,
                    "choice": c.choice,
                    "effect": c.effect,
                    "variable": c.variable,
                    "before": c.before,
                    "wanted": c.wanted,
                    "kept": c.kept,
                    "path": [f"{s}:{ch}" for s, ch in c.path],
                }
                for c in self.clamps
            ],
        }


def _apply(
    story: Story, choice: Choice, variables: dict[str, Value], observed: str
) -> Iterator[tuple[str, int, int, int]]:
    """Apply a choice's effects in place, exactly as the machine does (`effect_steps`: an
    `if:` group's condition read once, memory last), yielding (effect text, before, wanted,
    kept) whenever `observed` is clamped."""
    declared = story.state_variables
    group_now, holds = -1, True
    for effect, (target, op, compute, guard, group, when) in zip(
        choice.all_effects, choice.actions, strict=True
    ):
        if guard is not None:
            if group != group_now:
                group_now, holds = group, bool(guard(variables))
            if holds != when:
                continue
        before = variables[target]
        value = compute(variables)
        if op == "+=":
            value = before + value
        elif op == "-=":
            value = before - value
        kept = declared[target].clamp(value)
        variables[target] = kept
        if target == observed and kept != value:
            yield str(effect), int(before), int(value), int(kept)


def _walk_ranges(
    story: Story, observed: str, limit: int, starts: set[str]
) -> tuple[list[Clamp], int, bool]:
    """Every way an effect clamps `observed`, one example path for each, walking from the
    `starts` whose part of the story has an effect on it (one viewpoint's number is never
    clamped in another's scenes)."""
    names = list(story.state_variables)
    initial = story.initial_state()
    live = live_variables(story, observed)

    def key_of(scene_id: str, variables: dict[str, Value]) -> StateKey:
        keep = live[scene_id]
        for name in names:
            if name not in keep:
                variables[name] = initial[name]
        return scene_id, tuple(variables[n] for n in names)

    parents: dict[StateKey, tuple[StateKey, str, str] | None] = {}
    queue: deque[tuple[StateKey, dict[str, Value]]] = deque()
    for origin, start in starting_states(story):
        if origin not in starts:
            continue
        first = key_of(origin, start)
        if first not in parents:
            parents[first] = None
            queue.append((first, start))
    found: dict[tuple[str, str, str, str], Clamp] = {}
    complete = True

    def path_to(key: StateKey) -> list[tuple[str, str]]:
        steps: list[tuple[str, str]] = []
        link = parents[key]
        while link is not None:
            key, scene_id, choice_id = link
            steps.append((scene_id, choice_id))
            link = parents[key]
        steps.reverse()
        return steps

    while queue:
        key, variables = queue.popleft()
        scene_id = key[0]
        for choice in story.scenes[scene_id].choices:
            if choice.target not in story.scenes or not choice.is_open(variables):
                continue
            after = dict(variables)
            for text, before, wanted, kept in _apply(story, choice, after, observed):
                direction = "max" if wanted > kept else "min"
                slot = (scene_id, choice.id, text, direction)
                if slot not in found:
                    path = (*path_to(key), (scene_id, choice.id))
                    found[slot] = Clamp(
                        scene_id, choice.id, text, observed, before, wanted, kept, path
                    )
            next_key = key_of(choice.target, after)
            if next_key in parents:
                continue
            if len(parents) >= limit:
                complete = False
                continue
            parents[next_key] = (key, scene_id, choice.id)
            queue.append((next_key, after))
    return list(found.values()), len(parents), complete


def check_exhaustive(story: Story, limit: int = DEFAULT_LIMIT) -> Exhaustive:
    """Walk every reachable state (up to `limit` per walk) and report what never happens."""
    started = time.perf_counter()
    exploration = explore(story, limit=limit, texts=True)
    report = Exhaustive(story, limit, exploration)
    report.states = exploration.states
    report.complete = exploration.complete
    seen_texts = exploration.texts
    for scene in story.scenes.values():
        if scene.id not in exploration.scenes:
            continue
        for choice in scene.choices:
            if (scene.id, choice.id) not in exploration.choices:
                report.never_open.append((scene.id, choice.id))
        for number, (key, template, _choice) in enumerate(scene.templates()):
            for alternative in template.alternatives():
                shown = (scene.id, number, alternative.offset, True) in seen_texts
                hidden = (scene.id, number, alternative.offset, False) in seen_texts
                if hidden and not shown:
                    report.unshown.append((scene.id, key, template, alternative, True))
                elif shown and not hidden and alternative.otherwise:
                    report.unshown.append((scene.id, key, template, alternative, False))
    order = {(s.id, c.id): i for i, (s, c) in enumerate(_all_choices(story))}
    report.no_change = sorted(
        exploration.effects_seen - exploration.effects_changed,
        key=lambda slot: (order[slot[0], slot[1]], slot[2]),
    )
    # Scenes the scene graph reaches (conditions aside) but no reachable state does: every way
    # in passes a choice that is never open. Scenes plain `check` finds unreachable are left out.
    linked = set().union(*(linked_scenes(story, origin) for origin, _ in starting_states(story)))
    for scene in story.scenes.values():
        for choice in scene.choices:
            target = choice.target
            if target in linked and target not in exploration.scenes and scene.id in linked:
                report.only_through.setdefault(target, []).append((scene.id, choice.id))
    ranged = [
        name
        for name, var in story.variables.items()
        if var.type == "int" and (var.minimum is not None or var.maximum is not None)
    ]
    targeted = {e.target for s in story.scenes.values() for c in s.choices for e in c.effects}
    # Which starts lead (conditions aside) to an effect on each variable.
    reaching: dict[str, set[str]] = {}
    for origin, _state in starting_states(story):
        for scene_id in linked_scenes(story, origin):
            for choice in story.scenes[scene_id].choices:
                for effect in choice.effects:
                    reaching.setdefault(effect.target, set()).add(origin)
    for name in ranged:
        if name not in targeted:
            continue
        clamps, states, complete = _walk_ranges(story, name, limit, reaching.get(name, set()))
        report.clamps.extend(clamps)
        report.states += states
        report.complete = report.complete and complete
    report.clamps.sort(key=lambda c: (order[c.scene, c.choice], c.variable, c.edge))
    report.seconds = time.perf_counter() - started
    return report


def _all_choices(story: Story) -> list[tuple[Any, Choice]]:
    return [(scene, choice) for scene in story.scenes.values() for choice in scene.choices]
