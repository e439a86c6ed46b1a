"""Autoplay: many random playthroughs, headless.

The equivalent of ChoiceScript's randomtest. Run `i` uses the seed `seed + i`: its
choices are drawn, among the open ones, by a `random.Random` seeded with it (one
generator, reseeded for each run), so any playthrough is reproduced by
`petrograd autoplay --runs 1 --seed <its seed>`.

The runs are played on the story's compiled table (`game.engine.table`), which
tests/test_table.py proves plays exactly the playthroughs a `Game` plays: the same
seed gives the same scenes, choices, variables and ending, and the same report. With
`observe` (coverage watches each game) or `use_table=False`, they are played through
the engine's public API instead: one `Game` per start, reused for every run
(`Game.restart(seed)`), choices read with `Game.open_choices()` and taken with
`Game.choose()`, no frame asked for.

Counts are kept by scene and choice number and made into the report's counters at the
end; a run's path is not kept at all: the few runs that fail are played again, with
their seed, to find it.

A playthrough with no ending after `step_cap(story)` choices (1,000, or 4 per scene of
a larger story) is reported as a loop.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from game.engine import Game, Scene, Story
from game.engine.explore import linked_scenes
from game.engine.table import Row, StoryTable

Strategy = Literal["random", "faithful", "divergent"]
STRATEGIES: tuple[Strategy, ...] = ("random", "faithful", "divergent")

#: The fewest choices a playthrough may take before it is reported as looping.
MAX_STEPS = 1_000
#: ... and for a larger story, this many per scene (a playthrough that passes no scene
#: twice takes fewer choices than the story has scenes).
STEPS_PER_SCENE = 4


def step_cap(story: Story) -> int:
    """How many choices a playthrough of `story` may take before it is reported as
    looping: 1,000, or 4 per scene for a story of more than 250 scenes."""
    return max(MAX_STEPS, STEPS_PER_SCENE * len(story.scenes))


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
    #: The step cap: a playthrough with no ending after this many choices is a loop.
    max_steps: int = MAX_STEPS

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
            "max_steps": self.max_steps,
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


def _pool(choices: Sequence[Any], strategy: Strategy) -> Sequence[Any]:
    """The choices a strategy picks among: its own kind when there is one open, else the
    player's own (ungraded) ones, else any."""
    if strategy == "random":
        return choices
    preferred = [c for c in choices if c.history == strategy]
    return preferred or [c for c in choices if c.history == "own"] or choices


def _row_pool(table: StoryTable, rows: Sequence[Row], strategy: Strategy) -> Sequence[Row]:
    """`_pool` on the table's rows: the same choices, in the same order."""
    choices = table.choices
    preferred = [r for r in rows if choices[r.number].history == strategy]
    return preferred or [r for r in rows if choices[r.number].history == "own"] or rows


def _quiet_clock() -> str:
    return ""


def autoplay(
    story: Story,
    runs: int,
    seed: int = 1,
    strategy: Strategy = "random",
    *,
    max_steps: int | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 250,
    start: str | None = None,
    observe: Callable[[Game], object] | None = None,
    use_table: bool = True,
) -> Report:
    """Play `runs` playthroughs with seeds `seed`, `seed + 1`, ..., from `start` (a
    viewpoint's), or else from each of the story's starts in turn (run i from the i-th,
    round the viewpoints); `progress(done)` is called every `every` runs and at the end;
    `observe(game)`, if given, at each run's start and after each choice. A run with no
    ending after `max_steps` choices (default `step_cap(story)`) is a loop.

    The runs are played on the story's table unless `observe` is given or `use_table`
    is False: then through `Game`s. Both give the same report (but its `seconds`)."""
    report = Report(
        story,
        runs,
        seed,
        strategy,
        scope=frozenset(linked_scenes(story, start)) if start else None,
        start=start,
        max_steps=max_steps if max_steps is not None else step_cap(story),
    )
    firsts = (start,) if start else story.starts
    if observe is None and use_table:
        _play_table(report, StoryTable(story), firsts, progress, every)
    else:
        _play_games(report, firsts, progress, every, observe)
    if progress is not None:
        progress(runs)
    return report


def _play_games(
    report: Report,
    firsts: Sequence[str],
    progress: Callable[[int], None] | None,
    every: int,
    observe: Callable[[Game], object] | None,
) -> None:
    story, seed, strategy, max_steps = report.story, report.seed, report.strategy, report.max_steps
    scene_counts = report.scenes
    choice_counts = report.choices
    ending_counts = report.endings
    # No clock: a record's times are unused. One game for each start, reused run after run.
    games = [Game(story, seed=seed, start=first, clock=_quiet_clock) for first in firsts]
    steps_total = 0
    started = time.perf_counter()
    try:
        for index in range(report.runs):
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
                    open_choices: Sequence[Any] = game.open_choices()
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
                    assert scene.ending is not None
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


#: How a run on the table ended: an ending (None), or a failure's kind and message.
_Outcome = tuple[Literal["stuck", "loop", "error"], str] | None


def _run(
    table: StoryTable,
    first: str,
    rng: random.Random,
    strategy: Strategy,
    max_steps: int,
    choice_counts: list[int],
    ending_counts: list[int],
    path: list[int] | None,
) -> tuple[_Outcome, int, int]:
    """One run on the table, `rng` seeded for it: counts the choices taken and the
    ending reached (the scenes entered are worked out from those at the end), and
    (`path`) notes the number of each choice taken. Returns how it ended, the scene it
    ended in and the choices it took, as `_play_games` would find them."""
    at, state = table.start(first)
    rows_of, always_open, endings = table.rows, table.always_open, table.endings
    pick = rng.choice
    pool = strategy != "random"
    steps = 0
    try:
        while True:
            if endings[at] is not None:
                ending_counts[at] += 1
                return None, at, steps
            rows: Sequence[Row] = rows_of[at]
            if not always_open[at]:
                # row[1] is the row's test (an index is cheaper than a named field)
                rows = [row for row in rows if row[1] is None or row[1](state)]
                if not rows:
                    return ("stuck", "no choice can be taken here"), at, steps
            if pool:
                rows = _row_pool(table, rows, strategy)
            row = rows[0] if len(rows) == 1 else pick(rows)
            number, _test, apply, target = row
            if target < 0:
                table.take(row, state)  # raises ChoiceUnavailable, as Game.choose does
            if apply is not None:
                apply(state)
            if path is not None:
                path.append(number)
            choice_counts[number] += 1
            at = target
            steps += 1
            if steps >= max_steps:
                return ("loop", f"no ending after {steps} choices"), at, steps
    except Exception as exc:  # any engine error is a finding, with its seed
        return ("error", f"{type(exc).__name__}: {exc}"), at, steps


def _play_table(
    report: Report,
    table: StoryTable,
    firsts: Sequence[str],
    progress: Callable[[int], None] | None,
    every: int,
) -> None:
    seed, strategy, max_steps = report.seed, report.strategy, report.max_steps
    scenes, choices = len(table.scene_ids), len(table.choice_keys)
    choice_counts, ending_counts = [0] * choices, [0] * scenes
    begun = dict.fromkeys(firsts, 0)  # runs begun at each start
    for first in firsts:
        table.start(first)  # the starting states, worked out before the clock starts
    rng = random.Random()
    steps_total = 0
    started = time.perf_counter()
    for index in range(report.runs):
        run_seed = seed + index
        first = firsts[index % len(firsts)]
        begun[first] += 1
        rng.seed(run_seed)
        outcome, at, steps = _run(
            table, first, rng, strategy, max_steps, choice_counts, ending_counts, None
        )
        steps_total += steps
        if outcome is not None:
            # Played again, the same seed takes the same path: now noted for the report.
            path: list[int] = []
            rng.seed(run_seed)
            _run(table, first, rng, strategy, max_steps, [0] * choices, [0] * scenes, path)
            keys = table.choice_keys
            report.failures.append(
                Failure(
                    run_seed,
                    outcome[0],
                    table.scene_ids[at],
                    outcome[1],
                    tuple(f"{keys[n][0]}:{keys[n][1]}" for n in path),
                )
            )
        if progress is not None and (index + 1) % every == 0:
            progress(index + 1)
    report.seconds = time.perf_counter() - started
    report.steps = steps_total
    # A scene is entered once for each run begun there and each choice taken into it.
    scene_counts = [0] * scenes
    for first, count in begun.items():
        scene_counts[table.index[first]] += count
    for rows in table.rows:
        for row in rows:
            if choice_counts[row.number] and row.target >= 0:
                scene_counts[row.target] += choice_counts[row.number]
    ids, keys = table.scene_ids, table.choice_keys
    report.scenes.update({ids[n]: c for n, c in enumerate(scene_counts) if c})
    report.choices.update({keys[n]: c for n, c in enumerate(choice_counts) if c})
    for n, count in enumerate(ending_counts):
        ending = table.endings[n]
        if count and ending is not None:
            report.endings[ending] += count


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
    out.append(
        f"step cap: {report.max_steps:,} choices (a playthrough with no ending by then is "
        "reported as a loop)"
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
