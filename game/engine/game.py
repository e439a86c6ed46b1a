"""The facade every front end uses: a Game shows a Frame, takes a choice, keeps the record.

The host pulls: read `game.frame` (the scene, its choices with availability, the
visible variables), then call `game.choose(choice_id)`. Everything a TUI, the plain
player or a tool needs is here; none of them touch the machine or the model.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from game.engine.expr import Value
from game.engine.machine import Runner, StoryMachine, build_machine, trigger_name
from game.engine.model import Chapter, Choice, Ending, History, Scene, Story
from game.engine.record import Record, Step


class ChoiceUnavailable(ValueError):
    """The choice does not exist here or its condition does not hold."""


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """A choice as the player sees it now."""

    number: int
    id: str
    label: str
    available: bool
    reason: str | None
    history: History
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VariableView:
    name: str
    label: str
    value: Value
    shown: str


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything a front end draws for the current moment."""

    scene: Scene
    chapter: Chapter
    choices: tuple[ChoiceView, ...]
    variables: tuple[VariableView, ...]
    step: int
    #: Questions due now: those of a chapter just left, and at an ending, of the last chapter.
    reflection: tuple[tuple[Chapter, tuple[str, ...]], ...] = ()

    @property
    def ending(self) -> Ending | None:
        return self.scene.ending

    @property
    def ended(self) -> bool:
        return self.scene.ending is not None


@dataclass(frozen=True, slots=True)
class PathEntry:
    """A step of the path with what it meant: for histories and transcripts."""

    scene: Scene
    choice: Choice
    at: str


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_machines: dict[int, tuple[Story, StoryMachine]] = {}


def machine_for(story: Story) -> StoryMachine:
    """The story's machine, built once per story object."""
    cached = _machines.get(id(story))
    if cached is None or cached[0] is not story:
        cached = (story, build_machine(story))
        _machines[id(story)] = cached
    return cached[1]


class Game:
    """One playthrough of a story."""

    def __init__(
        self,
        story: Story,
        *,
        seed: int | None = None,
        start: str | None = None,
        clock: Callable[[], str] = _utc_now,
    ) -> None:
        """A new playthrough from the story's start, or from `start` (a scene id) if given.

        Starting later in the story, the variables are those the path of history
        (every faithful choice) brings to that scene, so the scene reads as it should.
        """
        if start is not None and start not in story.scenes:
            raise ChoiceUnavailable(f"there is no scene '{start}' to start from")
        initial = None
        if start is not None and start != story.start:
            initial = faithful_state(story, start)
        start = start or story.start
        self.story = story
        #: The scene this playthrough began from (the story's start unless an assignment says).
        self.start = start
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.random = random.Random(self.seed)
        self._clock = clock
        self._machine = machine_for(story)
        self._events = self._machine.events
        self._runner = Runner({**story.initial_state(), **(initial or {})})
        self._machine.add_model(self._runner, initial=start)
        # The record is kept as its fields without steps plus a list of steps, and made
        # into a (frozen) Record only when read: a choice appends, it does not copy.
        self._blank = Record(
            story.id, story.version, story.content_hash, self.seed, start, initial=initial
        )
        self._steps: list[Step] = []
        self._record: Record | None = self._blank
        self._previous: Scene | None = None
        self._frame: Frame | None = None

    # ------------------------------------------------------------ reading

    @property
    def frame(self) -> Frame:
        """What to draw now; built on first use after each change, so tools that never draw don't pay."""
        if self._frame is None:
            self._frame = self._make_frame(previous=self._previous)
        return self._frame

    @property
    def scene(self) -> Scene:
        return self.story.scenes[self._runner.scene_id]

    @property
    def variables(self) -> dict[str, Value]:
        """A copy of every variable, hidden ones included."""
        return dict(self._runner.variables)

    @property
    def record(self) -> Record:
        if self._record is None:
            self._record = replace(self._blank, steps=tuple(self._steps))
        return self._record

    @property
    def ended(self) -> bool:
        return self.scene.ending is not None

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def path(self) -> list[PathEntry]:
        """The choices made so far, with their scenes (for history and the ending screen)."""
        out = []
        for step in self._steps:
            scene = self.story.scenes[step.scene]
            choice = scene.choice(step.choice)
            assert choice is not None
            out.append(PathEntry(scene, choice, step.at))
        return out

    def is_open(self, choice: Choice) -> bool:
        return choice.test is None or bool(choice.test(self._runner.variables))

    # ------------------------------------------------------------ acting

    def choose(self, choice_id: str, *, why: str | None = None) -> None:
        """Take a choice of the current scene; raises ChoiceUnavailable if it cannot be taken.

        `why` keeps the player's reason with the step (assignments ask for one). The host
        then reads `frame` (built only when read, so headless tools don't pay for it).
        """
        scene = self.story.scenes[self._runner.scene_id]
        choice = scene.choice(choice_id)
        if choice is None:
            raise ChoiceUnavailable(f"scene '{scene.id}' has no choice '{choice_id}'")
        event = self._events.get(trigger_name(scene.id, choice_id))
        # The machine checks the condition (pure, so nothing has changed when it fails).
        if event is None or not event.trigger(self._runner):
            raise ChoiceUnavailable(
                choice.disabled_reason or f"'{choice.label}' cannot be taken now"
            )
        self._steps.append(Step(scene.id, choice_id, self._clock(), why))
        self._record = None
        self._previous, self._frame = scene, None

    def choose_number(self, number: int) -> None:
        """Take the choice shown with this number (1-based)."""
        for view in self.frame.choices:
            if view.number == number:
                self.choose(view.id)
                return
        raise ChoiceUnavailable(f"there is no choice {number}")

    def undo(self) -> Frame:
        """Go back one choice by replaying the record without its last step."""
        if not self._steps:
            raise ChoiceUnavailable("there is nothing to undo")
        shorter = self.record.without_last()
        self._restore(shorter)
        return self.frame

    def restart(self, seed: int | None = None) -> None:
        """Start this playthrough again from the beginning, with a new seed (default: a random one).

        Cheap, so autoplay can restart thousands of times a second: the machine is reused
        and no frame is built (read `frame` for the start scene's).
        """
        new_seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self._restore(
            Record(
                self.story.id,
                self.story.version,
                self.story.content_hash,
                new_seed,
                self.start,
                initial=self._blank.initial,
            )
        )

    def open_choices(self) -> list[Choice]:
        """The choices of the current scene that can be taken now (for tools; no Frame built)."""
        variables = self._runner.variables
        return [c for c in self.scene.choices if c.test is None or c.test(variables)]

    def close(self) -> None:
        """Detach from the shared machine (long-running hosts make many games)."""
        if self._runner in self._machine.models:
            self._machine.remove_model(self._runner)

    # ------------------------------------------------------------ replay

    def _restore(self, record: Record) -> int:
        """Reset to the start and replay `record`; returns how many steps applied."""
        variables = self.story.initial_state()
        for name, value in (record.initial or {}).items():
            if name in variables and isinstance(value, bool) == isinstance(variables[name], bool):
                variables[name] = self.story.variables[name].clamp(value)
        self._runner.variables = variables
        self.start = record.start if record.start in self.story.scenes else self.story.start
        self._machine.set_state(self.start, model=self._runner)
        self._blank = Record(
            self.story.id,
            self.story.version,
            self.story.content_hash,
            record.seed,
            self._runner.scene_id,
            (),
            record.extra,
            record.initial,
        )
        self._steps = []
        self._record = None
        self.seed = record.seed
        self.random = random.Random(self.seed)
        applied = 0
        previous = None
        for step in record.steps:
            scene = self.scene
            if step.scene != scene.id:
                break
            choice = scene.choice(step.choice)
            if choice is None or not self.is_open(choice):
                break
            self._events[trigger_name(scene.id, choice.id)].trigger(self._runner)
            self._steps.append(step)
            previous = scene
            applied += 1
        self._previous, self._frame = previous, None
        return applied

    # ------------------------------------------------------------ frames

    def _make_frame(self, previous: Scene | None) -> Frame:
        scene = self.scene
        story = self.story
        chapter = story.chapters[scene.chapter]
        views = []
        number = 0
        variables = self._runner.variables
        for choice in scene.choices:
            open_ = choice.test is None or bool(choice.test(variables))
            if not open_ and choice.disabled_reason is None:
                continue
            number += 1
            views.append(
                ChoiceView(
                    number,
                    choice.id,
                    choice.label,
                    open_,
                    None if open_ else choice.disabled_reason,
                    choice.history,
                    choice.note,
                    choice.sources,
                )
            )
        shown = tuple(
            VariableView(
                var.name, var.label, variables[var.name], _show(variables[var.name], var.maximum)
            )
            for var in story.variables.values()
            if var.label is not None
        )
        due: list[tuple[Chapter, tuple[str, ...]]] = []
        if previous is not None and previous.chapter != scene.chapter:
            left = story.chapters[previous.chapter]
            if left.reflection:
                due.append((left, left.reflection))
        if (
            scene.ending is not None
            and chapter.reflection
            and all(c.id != chapter.id for c, _ in due)
        ):
            due.append((chapter, chapter.reflection))
        return Frame(scene, chapter, tuple(views), shown, len(self._steps), tuple(due))


def faithful_state(story: Story, scene_id: str) -> dict[str, Value] | None:
    """The variables on arriving at `scene_id` along the path of history (first faithful open
    choice at each scene), or None if that path never passes it."""
    variables = story.initial_state()
    current = story.start
    from game.engine.explore import successors

    for _ in range(len(story.scenes) + 1):
        if current == scene_id:
            return variables
        step = next(
            (
                pair
                for pair in successors(story, current, variables)
                if pair[0].history == "faithful"
            ),
            None,
        )
        if step is None:
            return None
        choice, variables = step
        current = choice.target
    return None


def _show(value: Value, maximum: int | None) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value} / {maximum}" if maximum is not None else str(value)


@dataclass(frozen=True, slots=True)
class Replay:
    """The outcome of replaying a record: the game, and where it stopped if it did."""

    game: Game
    applied: int
    total: int
    problem: str | None

    @property
    def complete(self) -> bool:
        return self.problem is None


def replay(story: Story, record: Record) -> Replay:
    """Rebuild a game from a record, as far as the story allows; says where it stopped."""
    game = Game(story, seed=record.seed)
    problem = None
    if record.story_id != story.id:
        problem = f"the record belongs to the story '{record.story_id}', not '{story.id}'"
        return Replay(game, 0, len(record.steps), problem)
    applied = game._restore(record)
    if applied < len(record.steps):
        step = record.steps[applied]
        scene = story.scenes.get(step.scene)
        if scene is None:
            why = f"the scene '{step.scene}' no longer exists"
        elif game.scene.id != step.scene:
            why = f"the record expected scene '{step.scene}' but the story is at '{game.scene.id}'"
        elif scene.choice(step.choice) is None:
            why = f"the scene '{scene.title}' has no choice '{step.choice}' any more"
        else:
            why = f"the choice '{step.choice}' cannot be taken there now"
        problem = f"the story changed at step {applied + 1} of {len(record.steps)}: {why}"
    return Replay(game, applied, len(record.steps), problem)
