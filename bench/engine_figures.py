"""The engine figures: a choice, loading a story, and the authoring commands on large stories.

Each function returns the samples of the figure and of its baseline, taken turn about
(figure, baseline, figure, baseline, ...) so that a burst of load from another
program on the machine falls on both alike.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: The `petrograd` command beside this Python (as installed by `make`), else `python -m game`.
_SCRIPT = Path(sys.executable).parent / "petrograd"
PETROGRAD = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "game"]


def _parse_files(files: list[Path]) -> None:
    """The parse baseline: read each file and build it with PyYAML's C loader, nothing else."""
    for path in files:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)  # noqa: S506 - the safe C loader


# ---------------------------------------------------------------- a choice


def _compiled(story: Any) -> tuple[dict[str, int], list[list[tuple[Any, Any, int]]]]:
    """The floor's story: per scene (by number), its choices as plain tuples (condition or
    None, the effects from `machine.effect_steps` or None, the target's number)."""
    from game.engine.machine import effect_steps

    number = {sid: n for n, sid in enumerate(story.scenes)}
    declared = story.state_variables
    scenes = [
        [
            (
                choice.test,
                effect_steps(choice, declared) if choice.actions else None,
                number[choice.target],
            )
            for choice in scene.choices
        ]
        for scene in story.scenes.values()
    ]
    return number, scenes


def engine_step(playthroughs: int, repeats: int) -> dict[str, Any]:
    """`Game.choose()` on the shipped story vs a bare `transitions` trigger on a machine
    with the same states and transitions (no conditions, no effects), and vs the plain
    Python floor: a loop over the story compiled to plain tuples (`_compiled`) that checks
    each condition and applies the effects, with no machine, no record and no clock, the
    physical limit of the language. All three play the same random playthroughs; taken
    turn about. Seconds per choice."""
    from transitions import Machine

    from game.engine import Game, load_story
    from game.engine.machine import trigger_name
    from game.paths import assets_dir, scenes_dir

    story = load_story([scenes_dir()], assets=assets_dir())
    game = Game(story, seed=1)  # with its real clock: each step is time-stamped
    paths: list[list[str]] = []
    for seed in range(playthroughs):
        game.restart(seed)
        path = []
        while not game.ended:
            choice = game.random.choice(game.open_choices())
            path.append(choice.id)
            game.choose(choice.id)
        paths.append(path)
    steps = sum(len(path) for path in paths)

    class Model:
        pass

    bare = Machine(
        model=None,
        states=list(story.scenes),
        initial=story.start,
        auto_transitions=False,
        model_attribute="scene_id",
    )
    for scene in story.scenes.values():
        for choice in scene.choices:
            bare.add_transition(trigger_name(scene.id, choice.id), scene.id, choice.target)
    model = Model()
    bare.add_model(model)
    triggers = []
    for path in paths:
        at, names = story.start, []
        for choice_id in path:
            names.append(trigger_name(at, choice_id))
            choice = story.scenes[at].choice(choice_id)
            assert choice is not None
            at = choice.target
        triggers.append(names)
    number, compiled = _compiled(story)
    indexes = []  # each path as the number of the choice taken in each scene
    for path in paths:
        at, taken = story.start, []
        for choice_id in path:
            ids = [choice.id for choice in story.scenes[at].choices]
            taken.append(ids.index(choice_id))
            at = story.scenes[at].choices[taken[-1]].target
        indexes.append(taken)
    first = number[story.start]
    game.restart(0)
    initial = game.state  # the state a new game begins in, memory included

    def time_game(batch: range) -> float:
        spent = 0.0
        for seed in batch:
            game.restart(seed)
            started = time.perf_counter()
            for choice_id in paths[seed]:
                game.choose(choice_id)
            spent += time.perf_counter() - started
        return spent

    def time_bare(batch: range) -> float:
        spent = 0.0
        for seed in batch:
            bare.set_state(story.start, model=model)
            started = time.perf_counter()
            for name in triggers[seed]:
                model.trigger(name)  # type: ignore[attr-defined]
            spent += time.perf_counter() - started
        return spent

    def time_floor(batch: range) -> float:
        spent = 0.0
        for seed in batch:
            variables, at = dict(initial), first
            started = time.perf_counter()
            for index in indexes[seed]:
                test, apply, target = compiled[at][index]
                if test is not None and not test(variables):
                    raise AssertionError("the floor took a closed choice")
                if apply is not None:
                    apply(variables)
                at = target
            spent += time.perf_counter() - started
        return spent

    everything = range(len(paths))
    time_game(everything), time_bare(everything), time_floor(everything)  # warm up
    # In batches of 50 playthroughs taken turn about, one sample a batch: a burst of
    # load from another program falls on all three alike.
    batches = [range(n, min(n + 50, len(paths))) for n in range(0, len(paths), 50)]
    # Untimed, before each: a collection, so that none pays for another's garbage (the
    # bare trigger makes much).
    game_times, bare_times, floor_times = [], [], []
    for _ in range(repeats):
        for batch in batches:
            count = sum(len(paths[seed]) for seed in batch)
            gc.collect()
            game_times.append(time_game(batch) / count)
            gc.collect()
            bare_times.append(time_bare(batch) / count)
            gc.collect()
            floor_times.append(time_floor(batch) / count)
    return {
        "game_seconds": game_times,
        "bare_seconds": bare_times,
        "floor_seconds": floor_times,
        "steps": steps,
    }


def random_floor(story: Any, runs: int, seed: int) -> tuple[dict[int, int], int, float]:
    """The random-play floor, the limit for autoplay: `runs` playthroughs of the story
    compiled to plain tuples (`_compiled`), each choice drawn uniformly among the open ones
    by one `random.Random` reseeded for each run (as autoplay draws them: the only open
    one, or `choice`), from each start in turn, counting endings and nothing else.
    Returns (ending scene number -> runs, choices taken, seconds)."""
    import random

    from game.engine import Game

    number, compiled = _compiled(story)
    starts = [(number[first], Game(story, seed=1, start=first).state) for first in story.starts]
    ending = [scene.ending is not None for scene in story.scenes.values()]
    always = [all(test is None for test, _, _ in choices) for choices in compiled]
    endings: dict[int, int] = {}
    rng = random.Random()
    pick = rng.choice
    steps = 0
    started = time.perf_counter()
    for index in range(runs):
        rng.seed(seed + index)
        at, initial = starts[index % len(starts)]
        variables = dict(initial)
        while not ending[at]:
            choices = compiled[at]
            if not always[at]:
                choices = [c for c in choices if c[0] is None or c[0](variables)]
            _, apply, target = choices[0] if len(choices) == 1 else pick(choices)
            if apply is not None:
                apply(variables)
            at = target
            steps += 1
        endings[at] = endings.get(at, 0) + 1
    return endings, steps, time.perf_counter() - started


def autoplay_step(runs: int, repeats: int, chunk: int = 500) -> dict[str, Any]:
    """`autoplay()` in this process on the shipped story, seconds per choice, vs the
    random-play floor (`random_floor`) playing the same runs: `repeats` times `runs`
    runs, in batches of `chunk` taken turn about (a batch of autoplay, the same batch on
    the floor), one sample a batch. Both must end the same runs at the same endings."""
    from game.engine import load_story
    from game.paths import assets_dir, scenes_dir
    from game.tools.autoplay import autoplay

    story = load_story([scenes_dir()], assets=assets_dir())
    ids = list(story.scenes)
    report = autoplay(story, min(runs, 500), seed=1)  # warm up, and the same runs:
    endings, _, _ = random_floor(story, min(runs, 500), 1)
    same = {story.scenes[ids[n]].ending.id: c for n, c in endings.items()}  # type: ignore[union-attr]
    assert same == dict(report.endings), "the floor does not play autoplay's playthroughs"
    autoplay_times, floor_times = [], []
    size = max(1, min(chunk, runs))
    for _ in range(repeats):
        for first in range(1, runs + 1, size):
            report = autoplay(story, size, seed=first)
            assert not report.failures
            autoplay_times.append(report.seconds / report.steps)
            _, steps, seconds = random_floor(story, size, first)
            assert steps == report.steps
            floor_times.append(seconds / steps)
    return {"autoplay_seconds": autoplay_times, "floor_seconds": floor_times}


# ---------------------------------------------------------------- loading


def load_shipped(repeats: int) -> dict[str, Any]:
    """Load, validate and build the shipped story (what `petrograd` does before it can
    show anything) vs parsing the same files with `yaml.CSafeLoader`."""
    from game.engine import load_story
    from game.engine.loader import story_files
    from game.engine.machine import build_machine
    from game.paths import assets_dir, scenes_dir

    files = [*story_files(scenes_dir()), assets_dir() / "codex.yaml", assets_dir() / "sources.yaml"]

    def load() -> float:
        started = time.perf_counter()
        build_machine(load_story([scenes_dir()], assets=assets_dir()))
        return time.perf_counter() - started

    def parse() -> float:
        started = time.perf_counter()
        _parse_files(files)
        return time.perf_counter() - started

    load(), parse()  # warm up
    loads, parses = [], []
    for _ in range(repeats):
        loads.append(load())
        gc.collect()  # untimed: neither side pays for the other's garbage
        parses.append(parse())
        gc.collect()
    return {"game_seconds": loads, "bare_seconds": parses}


def load_generated(folders: list[Path], repeats: list[int]) -> dict[str, Any]:
    """Load, check and build each generated story (the loader and its schema validation,
    the cross-checks and reachability analysis, the static range check and the machine)
    vs parsing the same files with `yaml.CSafeLoader`.

    The stories are taken in rounds, each round loading every story that still needs a
    sample, so that a slower spell of this shared machine falls on every size alike:
    the growth from one size to the next is a ratio of two of them.
    """
    from game.engine import check_story
    from game.engine.loader import story_files
    from game.engine.machine import build_machine
    from game.engine.ranges import never_true
    from game.paths import assets_dir

    def load(folder: Path) -> float:
        started = time.perf_counter()
        story, problems = check_story([folder], assets=assets_dir())
        assert story is not None and not problems, problems[:3]
        assert not list(never_true(story))
        build_machine(story)
        return time.perf_counter() - started

    def parse(files: list[Path]) -> float:
        started = time.perf_counter()
        _parse_files(files)
        return time.perf_counter() - started

    files = {folder: story_files(folder) for folder in folders}
    loads: dict[str, list[float]] = {str(folder): [] for folder in folders}
    parses: dict[str, list[float]] = {str(folder): [] for folder in folders}
    for round_ in range(max(repeats)):
        for folder, wanted in zip(folders, repeats, strict=True):
            if round_ >= wanted:
                continue
            loads[str(folder)].append(load(folder))
            gc.collect()  # untimed: neither side pays for the other's garbage
            parses[str(folder)].append(parse(files[folder]))
            gc.collect()
    return {"game_seconds": loads, "bare_seconds": parses}


# ---------------------------------------------------------------- the commands


def autoplay_rate(runs: int, repeats: int) -> dict[str, Any]:
    """`petrograd autoplay --runs N` on the shipped story: playthroughs a second, as it
    reports them (the playthroughs only, not starting up and loading); and `autoplay_step`
    in this process."""
    rates = []
    subprocess.run([*PETROGRAD, "autoplay", "--runs", "10"], capture_output=True, cwd=ROOT)
    for _ in range(repeats):
        done = subprocess.run(
            [*PETROGRAD, "autoplay", "--runs", str(runs), "--format", "json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"petrograd autoplay failed: {done.stderr or done.stdout[-500:]}")
        report = json.loads(done.stdout)
        assert report["runs"] == runs and report["ok"], report["failures"][:3]
        rates.append(float(report["rate"]))
    # and a choice of autoplay in this process against the random-play floor
    return {"rates": rates, **autoplay_step(runs, repeats)}


def check_command(folder: Path, repeats: int) -> dict[str, Any]:
    """`petrograd check DIR` on a generated story, as a process: seconds from start to exit."""
    times = []
    untimed = [*PETROGRAD, "check", str(ROOT / "examples" / "mini-story")]
    subprocess.run(untimed, capture_output=True, cwd=ROOT)  # writes the bytecode
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(
            [*PETROGRAD, "check", str(folder)], capture_output=True, text=True, cwd=ROOT
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or "no problems" not in done.stdout:
            raise RuntimeError(f"petrograd check failed: {done.stdout[-500:]} {done.stderr}")
    return {"seconds": times}
