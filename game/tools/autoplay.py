"""Autoplay: many random playthroughs, headless, through the engine's public API.

The equivalent of ChoiceScript's randomtest. One `Game` is reused for every run
(`Game.restart(seed)`), choices are read with `Game.open_choices()` and taken with
`Game.choose()`; no frame is asked for during a run. Run `i` uses the seed
`seed + i` and draws its choices from the game's own `random`, so any playthrough
is reproduced by `petrograd autoplay --runs 1 --seed <its seed>`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from game.engine import Game, Scene, Story
from game.engine.explore import linked_scenes

Strategy = Literal["random", "faithful", "divergent"]
STRATEGIES: tuple[Strategy, ...] = ("random", "faithful", "divergent")

#: A playthrough longer than this is reported as looping.
MAX_STEPS = 1_000


@dataclass(frozen=True, slots=True)
class Failure:
    """A playthrough that did not reach an ending."""

    seed: int
    #: stuck (no choice open), loop (no ending within the step limit) or error (an exception).
    kind: Literal["stuck", "loop", "error"]
    scene: str
    message: str
    #: The choices taken, as 'scene:choice', to see how it got there.
    path: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "kind": self.kind,
            "scene": self.scene,
            "message": self.message,
            "path": list(self.path),
        }


@dataclass
class Report:
    """What a batch of playthroughs saw."""

    story: Story
    runs: int
    seed: int
    strategy: Strategy
    seconds: float = 0.0
    steps: int = 0
    #: scene id -> how many times it was entered (the start scene once per run).
    scenes: Counter[str] = field(default_factory=Counter)
    #: (scene id, choice id) -> how many times it was taken.
    choices: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: ending id -> how many runs ended there.
    endings: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    #: The scenes these playthroughs can reach, conditions aside (from a viewpoint's start,
    #: its part of the story); None: the whole story.
    scope: frozenset[str] | None = None
    #: Where every playthrough began (None: the story's start).
    start: str | None = None

    # ------------------------------------------------------------ derived

    @property
    def scenes_in_scope(self) -> dict[str, Scene]:
        """The story's scenes, or those of `scope`, in story order."""
        scenes = self.story.scenes
        if self.scope is None:
            return dict(scenes)
        return {sid: scene for sid, scene in scenes.items() if sid in self.scope}

    @property
    def endings_in_scope(self) -> dict[str, Scene]:
        """Ending id -> scene, for the endings in scope."""
        return {s.ending.id: s for s in self.scenes_in_scope.values() if s.ending is not None}

    @property
    def rate(self) -> float:
        """Playthroughs per second."""
        return self.runs / self.seconds if self.seconds > 0 else float("inf")

    def all_choices(self) -> list[tuple[str, str]]:
        return [(s.id, c.id) for s in self.scenes_in_scope.values() for c in s.choices]

    def unvisited_scenes(self) -> list[str]:
        return [sid for sid in self.scenes_in_scope if sid not in self.scenes]

    def untaken_choices(self) -> list[tuple[str, str]]:
        return [key for key in self.all_choices() if key not in self.choices]

    def unreached_endings(self) -> list[str]:
        return [eid for eid in self.endings_in_scope if eid not in self.endings]

    @property
    def scene_coverage(self) -> float:
        total = len(self.scenes_in_scope)
        return 100.0 * len(self.scenes) / total if total else 100.0

    @property
    def choice_coverage(self) -> float:
        total = len(self.all_choices())
        return 100.0 * len(self.choices) / total if total else 100.0

    def as_json(self) -> dict[str, Any]:
        story = self.story
        return {
            "story": {"id": story.id, "version": story.version, "hash": story.content_hash},
            "runs": self.runs,
            "seed": self.seed,
            "seeds": [self.seed, self.seed + self.runs - 1] if self.runs else [],
            "strategy": self.strategy,
            "seconds": round(self.seconds, 4),
            "rate": round(self.rate, 1) if self.seconds > 0 else None,
            "steps": self.steps,
            "scenes": {
                "total": len(self.scenes_in_scope),
                "visited": len(self.scenes),
                "coverage": round(self.scene_coverage, 2),
                "counts": {sid: self.scenes.get(sid, 0) for sid in self.scenes_in_scope},
                "never": self.unvisited_scenes(),
            },
            "choices": {
                "total": len(self.all_choices()),
                "taken": len(self.choices),
                "coverage": round(self.choice_coverage, 2),
                "counts": {f"{s}:{c}": self.choices.get((s, c), 0) for s, c in self.all_choices()},
                "never": [f"{s}:{c}" for s, c in self.untaken_choices()],
            },
            "endings": {eid: self.endings.get(eid, 0) for eid in self.endings_in_scope},
            "failures": [f.as_json() for f in self.failures],
            "ok": not self.failures,
        }


def _pool(choices: list[Any], strategy: Strategy) -> list[Any]:
    """The choices a strategy picks among: its own kind when there is one open, else the
    player's own (ungraded) ones, else any."""
    if strategy == "random":
        return choices
    preferred = [c for c in choices if c.history == strategy]
    return preferred or [c for c in choices if c.history == "own"] or choices


def _quiet_clock() -> str:
    return ""


def autoplay(
    story: Story,
    runs: int,
    seed: int = 1,
    strategy: Strategy = "random",
    *,
    max_steps: int = MAX_STEPS,
    progress: Callable[[int], None] | None = None,
    every: int = 250,
    start: str | None = None,
    observe: Callable[[Game], object] | None = None,
) -> Report:
    """Play `runs` playthroughs with seeds `seed`, `seed + 1`, ..., from `start` (a
    viewpoint's), or else from each of the story's starts in turn (run i from the i-th,
    round the viewpoints); `progress(done)` is called every `every` runs and at the end;
    `observe(game)`, if given, at each run's start and after each choice."""
    report = Report(
        story, runs, seed, strategy, scope=frozenset(linked_scenes(story, start)) if start else None, start=start
    )
    scene_counts = report.scenes
    choice_counts = report.choices
    ending_counts = report.endings
    # No clock: a record's times are unused. One game for each start, reused run after run.
    games = [
        Game(story, seed=seed, start=first, clock=_quiet_clock)
        for first in ((start,) if start else story.starts)
    ]
    steps_total = 0
    started = time.perf_counter()
    try:
        for index in range(runs):
            run_seed = seed + index
            game = games[index % len(games)]
            game.restart(run_seed)
            pick = game.random.choice
            scene = game.scene
            scene_counts[scene.id] += 1
            if observe is not None:
                observe(game)
            steps = 0
            try:
                while scene.ending is None:
                    open_choices = game.open_choices()
                    if not open_choices:
                        report.failures.append(
                            _failure(game, run_seed, "stuck", "no choice can be taken here")
                        )
                        break
                    if strategy != "random":
                        open_choices = _pool(open_choices, strategy)
                    choice = open_choices[0] if len(open_choices) == 1 else pick(open_choices)
                    game.choose(choice.id)
                    if observe is not None:
                        observe(game)
                    choice_counts[scene.id, choice.id] += 1
                    scene = game.scene
                    scene_counts[scene.id] += 1
                    steps += 1
                    if steps >= max_steps:
                        report.failures.append(
                            _failure(game, run_seed, "loop", f"no ending after {steps} choices")
                        )
                        break
                else:
                    ending_counts[scene.ending.id] += 1
            except Exception as exc:  # any engine error is a finding, with its seed
                report.failures.append(
                    _failure(game, run_seed, "error", f"{type(exc).__name__}: {exc}")
                )
            steps_total += steps
            if progress is not None and (index + 1) % every == 0:
                progress(index + 1)
    finally:
        for game in games:
            game.close()
    report.seconds = time.perf_counter() - started
    report.steps = steps_total
    if progress is not None:
        progress(runs)
    return report


def _failure(
    game: Game, seed: int, kind: Literal["stuck", "loop", "error"], message: str
) -> Failure:
    try:
        where = game.scene.id
        path = tuple(f"{step.scene}:{step.choice}" for step in game.record.steps)
    except Exception:  # the game may be broken; report what we can
        where, path = "?", ()
    return Failure(seed, kind, where, message, path)


# ---------------------------------------------------------------- text report


def _where(story: Story, scene_id: str, choice_id: str | None = None) -> str:
    scene = story.scenes[scene_id]
    if choice_id is None:
        return str(scene.mark)
    choice = scene.choice(choice_id)
    return str(choice.mark) if choice is not None else str(scene.mark)


def format_text(report: Report) -> str:
    """The report for people."""
    story = report.story
    out = []
    last = report.seed + report.runs - 1
    out.append(
        f"autoplay: {report.runs:,} playthrough(s) of '{story.title}' {story.version}, "
        f"strategy {report.strategy}, seeds {report.seed}..{last}"
        + (f", from the scene '{report.start}'" if report.start else "")
    )
    per_run = report.steps / report.runs if report.runs else 0.0
    rate = f"{report.rate:,.0f} playthroughs/s" if report.seconds > 0 else "instant"
    out.append(
        f"time: {report.seconds:.2f} s ({rate}; {per_run:.1f} choices per playthrough on average)"
    )
    out.append(
        f"scenes visited: {len(report.scenes)}/{len(report.scenes_in_scope)} "
        f"({report.scene_coverage:.1f}%)"
    )
    total_choices = len(report.all_choices())
    out.append(
        f"choices taken: {len(report.choices)}/{total_choices} ({report.choice_coverage:.1f}%)"
    )
    out.append("endings:")
    width = max((len(e) for e in report.endings_in_scope), default=0)
    for ending_id, scene in report.endings_in_scope.items():
        count = report.endings.get(ending_id, 0)
        share = 100.0 * count / report.runs if report.runs else 0.0
        assert scene.ending is not None
        out.append(
            f"  {ending_id:<{width}}  {count:>8,}  {share:5.1f}%  "
            f"({scene.ending.kind}) {scene.ending.title}"
        )
    never = report.unvisited_scenes()
    if never:
        out.append(f"scenes never visited ({len(never)}):")
        out.extend(f"  {_where(story, sid)}: {sid}: {story.scenes[sid].title}" for sid in never)
    untaken = report.untaken_choices()
    if untaken:
        out.append(f"choices never taken ({len(untaken)}):")
        out.extend(f"  {_where(story, s, c)}: {s}:{c}" for s, c in untaken)
    if report.failures:
        out.append(f"playthroughs that did not end ({len(report.failures)}):")
        for failure in report.failures[:20]:
            out.append(
                f"  seed {failure.seed}: {failure.kind} in scene '{failure.scene}': "
                f"{failure.message}; reproduce with: petrograd autoplay --runs 1 "
                f"--seed {failure.seed} --strategy {report.strategy}"
            )
        if len(report.failures) > 20:
            out.append(f"  ... and {len(report.failures) - 20} more (--format json lists all)")
    else:
        out.append("every playthrough reached an ending")
    return "\n".join(out) + "\n"
