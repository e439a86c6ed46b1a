"""The parse cache's figures (issue #14): loading a story of many files from a warm cache,
and the first load that fills the cache, each against loading the same story without a
cache, the samples taken turn about in one process (as `petrograd play` loads: inside
`gc_paused()`).

    .venv/bin/python bench/cache_figures.py 600 5000      # prints the figures as JSON

Stories are generated with one scene per file (bench/generate.py), so the number of files,
which is what the cache's cost follows, is the number of scenes plus one. Before issue #14
the cache was trimmed (a listing and a stat of every entry) on every entry stored, and kept
200 entries, so a story of more files missed on every start: 601 files took 1.71 s warm
against 0.27 s without a cache, 5,001 files 8.7 s against 3.0 s.
"""

from __future__ import annotations

import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def many_files(folder: Path, scenes: int) -> Path:
    """A generated story of `scenes` scenes, one to a file (written unless already there)."""
    sys.path.insert(0, str(BENCH))
    import generate

    if not (folder / "story.yaml").exists():
        per_file = generate.PER_FILE
        generate.PER_FILE = 1
        try:
            generate.generate(folder, scenes)
        finally:
            generate.PER_FILE = per_file
    return folder


def cache_load(folders: list[Path], repeats: int) -> dict[str, Any]:
    """Seconds to load each story without a cache ("plain"), from a warm cache ("warm":
    every file stored, as on the second and later starts) and into an empty one ("cold": the
    first start, which parses and stores every file), in rounds, turn about."""
    from game.engine import load_story
    from game.engine.parsecache import ParseCache
    from game.gcpause import gc_paused
    from game.paths import assets_dir

    work = Path(tempfile.mkdtemp(prefix="petrograd-cache-bench-"))

    def load(folder: Path, cache: Path | None) -> float:
        started = time.perf_counter()
        with gc_paused():
            load_story([folder], assets=assets_dir(), cache=ParseCache(cache) if cache else None)
        seconds = time.perf_counter() - started
        gc.collect()  # untimed: no sample pays for another's garbage
        return seconds

    out: dict[str, dict[str, list[float]]] = {"plain": {}, "warm": {}, "cold": {}}
    try:
        warm = {folder: work / f"warm-{index}" for index, folder in enumerate(folders)}
        for folder in folders:
            load(folder, warm[folder])  # fills it (and warms up the process)
            load(folder, None)
            for kind in out:
                out[kind][str(folder)] = []
        for round_ in range(repeats):
            for folder in folders:
                out["plain"][str(folder)].append(load(folder, None))
                out["warm"][str(folder)].append(load(folder, warm[folder]))
                cold = work / f"cold-{round_}"
                out["cold"][str(folder)].append(load(folder, cold))
                shutil.rmtree(cold, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    files = {str(folder): len(list(folder.glob("*.yaml"))) for folder in folders}
    return {
        "plain_seconds": out["plain"],
        "warm_seconds": out["warm"],
        "cold_seconds": out["cold"],
        "files": files,
    }


def main(argv: list[str]) -> int:
    import statistics

    sizes = [int(arg) for arg in argv] or [600, 5_000]
    work = Path(tempfile.mkdtemp(prefix="petrograd-cache-stories-"))
    try:
        folders = [many_files(work / f"story-{size}", size) for size in sizes]
        figures = cache_load(folders, repeats=3)
        for folder in folders:
            key = str(folder)
            plain = statistics.median(figures["plain_seconds"][key])
            warm = statistics.median(figures["warm_seconds"][key])
            cold = statistics.median(figures["cold_seconds"][key])
            sys.stderr.write(
                f"{figures['files'][key]:,} files: without the cache {plain:.2f} s, "
                f"warm {warm:.2f} s ({warm / plain:.2f}x), "
                f"filling it {cold:.2f} s ({cold / plain:.2f}x)\n"
            )
        print(json.dumps(figures))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
