"""`make bench`: every figure of the performance budget, each against a baseline measured in
the same run, printed as one table.

    .venv/bin/python bench/run.py            # the full run (about two minutes)
    .venv/bin/python bench/run.py --quick    # or BENCH_QUICK=1: smaller, fewer repeats

The machines this runs on are shared and noisy, so an absolute time says little from
one run to the next; a ratio to a baseline measured in the same run, turn about
with the figure, says more. Each figure is the median of its repeats. Every group
of figures runs in a fresh process (started from this small one), so no figure
pays for memory or collector work left behind by another.

The full run exits 1 when a budget is not met. The quick run (smaller stories, fewer
repeats: CI runs it so the bench cannot rot) always exits 0 unless the bench itself
fails: its ratios are too noisy to judge by.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    """How much each figure is repeated, and the sizes of the generated stories."""

    cold_starts: int
    key_presses: int
    playthroughs: int
    step_repeats: int
    load_repeats: int
    sizes: tuple[int, int, int]
    generated_repeats: tuple[int, int, int]
    autoplay_runs: int
    autoplay_repeats: int
    check_repeats: int
    cache_files: tuple[int, ...]
    cache_repeats: int


FULL = Settings(
    cold_starts=15,
    key_presses=60,
    playthroughs=300,
    step_repeats=9,
    load_repeats=15,
    sizes=(100, 1_000, 10_000),
    generated_repeats=(9, 5, 3),
    autoplay_runs=10_000,
    autoplay_repeats=3,
    check_repeats=3,
    cache_files=(600, 5_000),
    cache_repeats=3,
)
QUICK = Settings(
    cold_starts=3,
    key_presses=12,
    playthroughs=50,
    step_repeats=3,
    load_repeats=3,
    sizes=(50, 200, 1_000),
    generated_repeats=(2, 2, 2),
    autoplay_runs=2_000,
    autoplay_repeats=1,
    check_repeats=1,
    cache_files=(100, 600),
    cache_repeats=1,
)

LEGEND = """\
Baselines: cold start and memory, a bare Textual app (header, text pane, footer) started the
same way, to its first frame, with the collector held until then as the game holds it
(bench/firstframe.py; the game runs `petrograd play --continue` from a save, so its first
frame is a scene; references: the CPU time to that frame, steadier on a busy machine, and
the old figure, to the exit); latency, the bare app laid out like the scene screen (a side
panel and three choices) swapping them all on a key press (both in-process with Pilot:
bench/bare_app.py; the reference below it, no budget, is the bare app swapping its text);
paints per choice, the frames the game paints after a choice until it is idle (baseline: the
laid-out app's, plain Textual: game/tui/onepaint.py);
engine step, the plain-Python floor: the same playthroughs on the story compiled to plain
tuples (condition, effects from machine.effect_steps, target), with no machine, record or
clock (the reference below it: a bare `transitions` trigger on a machine with the same states
and transitions); autoplay per choice (in-process), the random-play floor: the same tuples,
the same runs drawn by one reseeded random.Random, counting endings; loading,
`yaml.CSafeLoader` parsing the same files.
Generated stories: bench/generate.py (3 choices a scene, conditions and effects on half).
autoplay and check run as `petrograd` processes. The parse cache (bench/cache_figures.py):
stories of one scene a file, loaded from a warm cache and into an empty one, against the
same story loaded without a cache.
Peers (bench/peer_figures.py): the shipped story converted to ink, titles only
(bench/peers/to_ink.py), played by inkjs from npm (bench/peers/ink_run.js) and by our
autoplay, the same number of random runs, turn about; time per choice in the play loop
only. The match row: the same scenes, choices and endings in the compiled ink, the same
open choices step by step on paths our engine played, the same ending frequencies (each
within 4 standard errors). ChoiceScript is not bundled: it is on no registry and its
licence does not allow it, so its randomtest is not run.
The reader (bench/reader_figures.py): the safe YAML reader on the widest file it accepts
(a key and a value a row, just under its limit of values) and refusing an alias bomb,
against yaml.load with yaml.CSafeLoader on the same text.
Web capacity (bench/web_capacity.py): students on loopback, each its own cookies and
keep-alive connection, with scripts off (the costlier case): a choice is POST /choose + GET
/play, timed to the page's last byte,
every 3 +- 1 s, against `petrograd serve` in its own process; N = 100, 200, 400... for 15 s
each, held while p95 < 100 ms with nothing failed; memory per student, the server's RSS
over its idle RSS; the baseline, the terminal serving (bench/serve_capacity.py: a browser
tab a student on this machine, held while its p90 key-to-step < 100 ms). The machine's
load average is shown: other work on it takes the server's CPU."""

#: The time for the largest generated story may be this much over linear growth
#: from the middle one (10,000 scenes at most 12x the time of 1,000).
LINEAR_SLACK = 1.2


# ---------------------------------------------------------------- running one group


def _part(name: str, **options: Any) -> dict[str, Any]:
    """Run one group of figures in a fresh process; returns its samples."""
    command = [sys.executable, str(BENCH / "run.py"), "--part", name]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: the part '{name}' failed:\n{done.stderr}{done.stdout}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run_part(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    import engine_figures
    import ui_figures

    if args.part == "cold":
        return ui_figures.cold_start(args.repeats)
    if args.part == "latency":
        return ui_figures.choice_latency(args.repeats)
    if args.part == "step":
        return engine_figures.engine_step(args.playthroughs, args.repeats)
    if args.part == "load":
        return engine_figures.load_shipped(args.repeats)
    if args.part == "generated":
        folders = [Path(folder) for folder in args.folder.split(os.pathsep)]
        repeats = [int(n) for n in args.counts.split(",")]
        return engine_figures.load_generated(folders, repeats)
    if args.part == "autoplay":
        return engine_figures.autoplay_rate(args.runs, args.repeats)
    if args.part == "check":
        return engine_figures.check_command(Path(args.folder), args.repeats)
    if args.part == "scale":
        import scale_figures

        folders = [Path(folder) for folder in args.folder.split(os.pathsep)]
        scenes = [int(n) for n in args.counts.split(",")]
        return scale_figures.scale(folders, scenes, args.repeats)
    if args.part == "cache":
        import cache_figures

        folders = [Path(folder) for folder in args.folder.split(os.pathsep)]
        return cache_figures.cache_load(folders, args.repeats)
    raise SystemExit(f"bench: no part '{args.part}'")


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    baseline: str
    ratio: str
    budget: str
    #: None for a reference figure, which has no budget.
    met: bool | None


def _ratio_row(
    figure: str,
    game: list[float],
    bare: list[float],
    budget: float,
    unit: str,
    scale: float,
    digits: int = 1,
) -> Row:
    measured, baseline = statistics.median(game), statistics.median(bare)
    ratio = measured / baseline
    return Row(
        figure,
        f"{measured * scale:,.{digits}f} {unit}",
        f"{baseline * scale:,.{digits}f} {unit}",
        f"{ratio:.2f}x",
        f"<= {budget:.1f}x",
        ratio <= budget,
    )


def _table(rows: list[Row]) -> str:
    head = Row("figure", "measured", "baseline", "ratio", "budget", True)
    widths = [
        max(len(getattr(row, field)) for row in [head, *rows])
        for field in ("figure", "measured", "baseline", "ratio", "budget")
    ]

    def line(row: Row, result: str) -> str:
        cells = [row.figure, row.measured, row.baseline, row.ratio, row.budget]
        text = [cells[0].ljust(widths[0])]
        text += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([*text, result])

    out = [line(head, "result"), "  ".join("-" * w for w in [*widths, 6])]
    out += [line(row, {True: "PASS", False: "FAIL", None: "-"}[row.met]) for row in rows]
    return "\n".join(out)


def _generate(folder: Path, scenes: int) -> None:
    sys.path.insert(0, str(BENCH))
    import generate

    generate.generate(folder, scenes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Petrograd 1917's benchmarks (issue 8)")
    parser.add_argument("--quick", action="store_true", help="smaller and fewer (or BENCH_QUICK=1)")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--playthroughs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--counts", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        print(json.dumps(_run_part(args)))
        return 0
    # Every process below runs as an installed game does, from compiled bytecode: with
    # PYTHONDONTWRITEBYTECODE set (some shells set it), the game's own modules would be
    # compiled from source in every process, while Textual's come compiled from pip. Each
    # figure that starts processes starts one untimed first, which writes the bytecode.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    settings = QUICK if quick else FULL
    started = time.perf_counter()

    def say(what: str) -> None:
        sys.stderr.write(f"bench: {what} ({time.perf_counter() - started:.0f} s)\n")
        sys.stderr.flush()

    rows: list[Row] = []
    say("cold start and memory")
    cold = _part("cold", repeats=settings.cold_starts)
    rows.append(
        _ratio_row(
            "cold start to the first scene painted",
            cold["game_seconds"],
            cold["bare_seconds"],
            1.2,
            "ms",
            1e3,
            0,
        )
    )
    rows.append(
        _ratio_row(
            "peak memory to that frame", cold["game_mib"], cold["bare_mib"], 1.2, "MiB", 1
        )
    )
    for figure, key, unit, scale in (
        ("  reference: CPU time to that frame", "cpu_seconds", "ms", 1e3),
        ("  reference: cold start to the first frame, then exit", "exit_seconds", "ms", 1e3),
    ):
        reference = _ratio_row(
            figure, cold[f"game_{key}"], cold[f"bare_{key}"], 1.0, unit, scale, 0
        )
        rows.append(dataclasses.replace(reference, budget="-", met=None))
    say("choice latency")
    latency = _part("latency", repeats=settings.key_presses)
    rows.append(
        _ratio_row(
            "choice latency: key press to next scene painted",
            latency["game_seconds"],
            latency["laid_out_seconds"],
            1.1,
            "ms",
            1e3,
        )
    )
    reference = _ratio_row(
        "  reference: the same against the bare app",
        latency["game_seconds"],
        latency["bare_seconds"],
        1.0,
        "ms",
        1e3,
    )
    rows.append(dataclasses.replace(reference, budget="-", met=None))
    most = max(latency["game_paints"], default=0)
    rows.append(
        Row(
            "paints per choice (the most after one choice)",
            f"{most}",
            f"{max(latency['laid_out_paints'], default=0)}",
            "-",
            "<= 1",
            most <= 1,
        )
    )
    say("engine step")
    step = _part("step", repeats=settings.step_repeats, playthroughs=settings.playthroughs)
    rows.append(
        _ratio_row(
            "engine step: Game.choose() vs the plain-Python floor",
            step["game_seconds"],
            step["floor_seconds"],
            3.0,
            "us",
            1e6,
            2,
        )
    )
    bare_step = _ratio_row(
        "  reference: a bare transitions trigger vs the floor",
        step["bare_seconds"],
        step["floor_seconds"],
        3.0,
        "us",
        1e6,
        2,
    )
    rows.append(dataclasses.replace(bare_step, budget="-", met=None))
    say("loading the shipped story")
    load = _part("load", repeats=settings.load_repeats)
    rows.append(
        _ratio_row(
            "load + validate + build, shipped story",
            load["game_seconds"],
            load["bare_seconds"],
            3.0,
            "ms",
            1e3,
        )
    )
    work = Path(tempfile.mkdtemp(prefix="petrograd-bench-"))
    try:
        folders = []
        for size in settings.sizes:
            say(f"writing a generated story of {size:,} scenes")
            folders.append(work / f"story-{size}")
            _generate(folders[-1], size)
        say("loading the generated stories, in rounds")
        generated = _part(
            "generated",
            folder=os.pathsep.join(str(folder) for folder in folders),
            counts=",".join(str(n) for n in settings.generated_repeats),
        )
        medians = []
        for size, folder in zip(settings.sizes, folders, strict=True):
            game = generated["game_seconds"][str(folder)]
            medians.append(statistics.median(game))
            rows.append(
                _ratio_row(
                    f"load + check + build, {size:,} scenes",
                    game,
                    generated["bare_seconds"][str(folder)],
                    3.0,
                    "ms",
                    1e3,
                    0,
                )
            )
        small, middle, large = settings.sizes
        growth = medians[2] / medians[1]
        allowed = LINEAR_SLACK * large / middle
        rows.append(
            Row(
                f"growth: {large:,} vs {middle:,} scenes",
                f"{growth:.1f}x",
                f"{middle:,}: {medians[1] * 1e3:,.0f} ms",
                "-",
                f"<= {allowed:.0f}x",
                growth <= allowed,
            )
        )
        say(f"petrograd autoplay --runs {settings.autoplay_runs:,}")
        autoplay = _part("autoplay", runs=settings.autoplay_runs, repeats=settings.autoplay_repeats)
        rate = statistics.median(autoplay["rates"])
        rows.append(
            Row(
                f"autoplay --runs {settings.autoplay_runs:,}, shipped story",
                f"{rate:,.0f} /s",
                "-",
                "-",
                ">= 2,000 /s",
                rate >= 2_000,
            )
        )
        rows.append(
            _ratio_row(
                "autoplay per choice vs the random-play floor",
                autoplay["autoplay_seconds"],
                autoplay["floor_seconds"],
                1.5,
                "us",
                1e6,
                2,
            )
        )
        # peers (helper B): the shipped story as ink, played by inkjs beside our autoplay,
        # turn about in a fresh process (bench/peer_figures.py); a peer that cannot be had
        # (no Node or npm, or the install fails) is a "-" row saying why, never a failure.
        sys.path.insert(0, str(BENCH))
        import peer_figures

        say(f"the ink peer: inkjs and autoplay, {settings.autoplay_runs:,} runs each")
        peer = peer_figures.part(settings.autoplay_runs, settings.autoplay_repeats)
        for note in peer_figures.notes(peer):
            say(note)
        rows.extend(Row(*row) for row in peer_figures.rows(peer))
        # end of peers (helper B)
        # the reader (helper E): the safe YAML reader on hostile input (the widest file it
        # accepts, an alias bomb) beside yaml.CSafeLoader on the same text, turn about, in a
        # fresh process (bench/reader_figures.py); the tests count its work, never time it.
        sys.path.insert(0, str(BENCH))
        import reader_figures

        say("the reader on hostile input, beside yaml.CSafeLoader")
        reader = reader_figures.part(3 if quick else 9)
        rows.extend(Row(*row) for row in reader_figures.rows(reader))
        # end of the reader (helper E)
        # web capacity (issue #20): the web pages under N simulated students, each server a
        # process of its own, ramped until choice-to-page's p95 passes 100 ms
        # (bench/web_capacity.py), beside the terminal serving (bench/serve_capacity.py,
        # browsers on this machine) measured in this run; the quick run: 10 students, 3 s.
        import web_capacity

        say("web capacity: the web pages under load" + (" (one small step)" if quick else ""))
        web = web_capacity.part(quick, say)
        rows.extend(Row(*row) for row in web_capacity.rows(web))
        # end of web capacity (issue #20)
        say(f"petrograd check on {large:,} scenes")
        check = _part("check", folder=work / f"story-{large}", repeats=settings.check_repeats)
        seconds = statistics.median(check["seconds"])
        rows.append(
            Row(
                f"check, {large:,} scenes (every check)",
                f"{seconds:.2f} s",
                "-",
                "-",
                "< 3 s",
                seconds < 3.0,
            )
        )
        # check at scale (issue #19): ten times the scenes, at most 11 times the time, and
        # at most 6 KiB of peak memory a scene (the quick run: 1,000 and 10,000 scenes)
        scale_sizes = (1_000, 10_000) if quick else (10_000, 100_000)
        scale_folders = [work / f"story-{size}" for size in scale_sizes]
        for size, folder in zip(scale_sizes, scale_folders, strict=True):
            if not folder.exists():
                say(f"writing a generated story of {size:,} scenes")
                _generate(folder, size)
        say(f"petrograd check on {scale_sizes[0]:,} and {scale_sizes[1]:,} scenes, in rounds")
        scaled = _part(
            "scale",
            folder=os.pathsep.join(str(folder) for folder in scale_folders),
            counts=",".join(str(size) for size in scale_sizes),
            repeats=1 if quick else 2,
        )
        few, many = (str(folder) for folder in scale_folders)
        rows.append(
            _ratio_row(
                f"check, {scale_sizes[1]:,} scenes (vs {scale_sizes[0]:,})",
                scaled["seconds"][many],
                scaled["seconds"][few],
                1.1 * scale_sizes[1] / scale_sizes[0],
                "s",
                1,
                2,
            )
        )
        peak_many = statistics.median(scaled["peak_kib"][many])
        peak_few = statistics.median(scaled["peak_kib"][few])
        per_scene = peak_many / scale_sizes[1]
        rows.append(
            Row(
                f"check memory per scene, {scale_sizes[1]:,} scenes (peak / scenes)",
                f"{per_scene:.2f} KiB",
                f"peak {peak_many / 1024:,.0f} MiB; bare python {scaled['bare_kib'] / 1024:.0f} MiB",
                "-",
                "<= 6 KiB",
                per_scene <= 6.0,
            )
        )
        growth_per_scene = (peak_many - peak_few) / (scale_sizes[1] - scale_sizes[0])
        rows.append(
            Row(
                f"  growth per scene, {scale_sizes[0]:,} to {scale_sizes[1]:,} scenes",
                f"{growth_per_scene:.2f} KiB",
                f"{scale_sizes[0]:,}: {peak_few / 1024:,.0f} MiB",
                "-",
                "<= 6 KiB",
                growth_per_scene <= 6.0,
            )
        )
        sys.path.insert(0, str(BENCH))
        import cache_figures

        say("the parse cache on stories of many files")
        many = [cache_figures.many_files(work / f"files-{n}", n) for n in settings.cache_files]
        cache = _part(
            "cache",
            folder=os.pathsep.join(str(folder) for folder in many),
            repeats=settings.cache_repeats,
        )
        for folder in many:
            key, files = str(folder), cache["files"][str(folder)]
            plain = cache["plain_seconds"][key]
            rows.append(
                _ratio_row(
                    f"play's load from a warm parse cache, {files:,} files",
                    cache["warm_seconds"][key],
                    plain,
                    1.0,
                    "ms",
                    1e3,
                    0,
                )
            )
            rows.append(
                _ratio_row(
                    f"first load, filling the parse cache, {files:,} files",
                    cache["cold_seconds"][key],
                    plain,
                    3.5,
                    "ms",
                    1e3,
                    0,
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say("done")
    title = "Petrograd 1917 benchmarks: medians; every baseline measured in this run"
    if quick:
        title += " (QUICK: smaller stories, fewer repeats; not for judging the budgets)"
    print(title)
    print(_table(rows))
    print(LEGEND)
    failed = [row for row in rows if row.met is False]
    if quick or not failed:
        return 0
    print(f"{len(failed)} budget(s) not met")
    return 1


if __name__ == "__main__":
    sys.exit(main())
