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


def engine_step(playthroughs: int, repeats: int) -> dict[str, Any]:
    """`Game.choose()` on the shipped story vs a bare `transitions` trigger on a machine
    with the same states and transitions (no conditions, no effects), over the same
    random playthroughs. Seconds per choice."""
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

    def time_game() -> float:
        spent = 0.0
        for seed, path in enumerate(paths):
            game.restart(seed)
            started = time.perf_counter()
            for choice_id in path:
                game.choose(choice_id)
            spent += time.perf_counter() - started
        return spent / steps

    def time_bare() -> float:
        spent = 0.0
        for names in triggers:
            bare.set_state(story.start, model=model)
            started = time.perf_counter()
            for name in names:
                model.trigger(name)  # type: ignore[attr-defined]
            spent += time.perf_counter() - started
        return spent / steps

    time_game(), time_bare()  # warm up
    game_times, bare_times = [], []
    for _ in range(repeats):
        game_times.append(time_game())
        bare_times.append(time_bare())
    return {"game_seconds": game_times, "bare_seconds": bare_times, "steps": steps}


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
    reports them (the playthroughs only, not starting up and loading)."""
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
    return {"rates": rates}


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
