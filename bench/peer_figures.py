"""The peers of the bench: the shipped story converted to ink and played by inkjs, beside ours.

    .venv/bin/python bench/peer_figures.py --runs 2000     # the part alone, as JSON

`make bench` runs `peers` in a fresh process: it installs inkjs into bench/peers/
(`npm ci`, from bench/peers/package-lock.json, once: node_modules stays there), converts
the shipped story to ink (bench/peers/to_ink.py), and then, turn about, plays N random
playthroughs with our `autoplay` and N with inkjs (bench/peers/ink_run.js), each timed in
its play loop only; the per-choice times are the figure. The same run checks that the
ink is the same story: the same scenes, choices (with the same conditions) and endings,
read back from the compiled ink; the same open choices, step by step, on paths our engine
played (`replay`); and the same ending frequencies under random play, each within
`SIGMAS` standard errors of ours.

Without Node or npm, or when the install fails, the part says why and the bench shows a
"-" row: a missing peer never fails the bench. ChoiceScript's randomtest is the other
peer the issue names; it is on no registry and its licence does not allow bundling it,
so it is left out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
ROOT = BENCH.parent
INK_RUN = PEERS / "ink_run.js"
#: Each ending's frequency (and the stuck and looping runs') must be this many standard
#: errors of the difference from ours at most: a chance of about 1 in 15,000 per ending that
#: two runs of the same story differ this much, with 20 or so categories, about 1 in 800
#: per check, and the check is deterministic for fixed seeds (so never flaky either way).
SIGMAS = 4.0
#: Ours must be at least this many times faster per choice than inkjs (issue 19).
BUDGET = 5.0
#: Paths our engine plays that inkjs replays step by step, comparing the open choices.
REPLAY_RUNS = 300
SEED = 1
CHOICESCRIPT = "not run: ChoiceScript is on no registry and its licence does not allow bundling it"

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


class PeerUnavailable(RuntimeError):
    """The peer cannot be had here (no Node or npm, or the install failed): a note, not a failure."""


# ---------------------------------------------------------------- installing inkjs


def _locked_version() -> str | None:
    try:
        lock = json.loads((PEERS / "package-lock.json").read_text(encoding="utf-8"))
        return str(lock["packages"]["node_modules/inkjs"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _installed_version() -> str | None:
    try:
        manifest = PEERS / "node_modules" / "inkjs" / "package.json"
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One `npm ci` at a time (a test and the bench may want it at once)."""
    import fcntl
    import hashlib

    tag = hashlib.sha256(str(PEERS).encode()).hexdigest()[:12]
    lock = Path(tempfile.gettempdir()) / f"petrograd-bench-peers-{tag}.lock"
    with open(lock, "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_inkjs(timeout: float = 600.0) -> str:
    """Node's path, once inkjs (the locked version) is installed in bench/peers/node_modules;
    raises PeerUnavailable saying why it cannot be."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        raise PeerUnavailable(f"{missing} not found on PATH")
    wanted = _locked_version()
    if wanted is None:
        raise PeerUnavailable("bench/peers/package-lock.json names no inkjs version")
    with _install_lock():
        if _installed_version() == wanted:
            return node
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=PEERS,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PeerUnavailable(f"npm ci in bench/peers failed: {exc}") from exc
        if done.returncode != 0 or _installed_version() != wanted:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PeerUnavailable(f"npm ci in bench/peers failed: {last[0][:200]}")
    return node


# ---------------------------------------------------------------- running the peer


def run_ink(
    node: str,
    ink_file: Path,
    starts: tuple[str, ...],
    runs: int,
    *,
    seed: int = SEED,
    max_steps: int,
    warmup: int = 0,
    repeats: int = 1,
    replay: Path | None = None,
    structure: bool = True,
) -> dict[str, Any]:
    """Run ink_run.js on an ink file; its JSON report (see ink_run.js)."""
    command = [
        node,
        str(INK_RUN),
        str(ink_file),
        "--starts",
        ",".join(starts),
        "--runs",
        str(runs),
        "--seed",
        str(seed),
        "--max-steps",
        str(max_steps),
        "--warmup",
        str(warmup),
        "--repeats",
        str(repeats),
    ]
    if replay is not None:
        command += ["--replay", str(replay)]
    if not structure:
        command.append("--no-structure")
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PEERS)
    lines = done.stdout.strip().splitlines()
    try:
        report: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        report = {}
    if done.returncode != 0 or "error" in report or not report:
        why = report.get("error") or (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"ink_run.js failed (exit status {done.returncode}): {why[:300]}")
    return report


def step_cap(story: Any) -> int:
    """Autoplay's step cap for the story (a playthrough this long is reported as looping)."""
    from game.tools import autoplay

    cap = getattr(autoplay, "step_cap", None)
    if callable(cap):
        return int(cap(story))
    return int(getattr(autoplay, "MAX_STEPS", 1_000))


def replay_paths(story: Any, runs: int, seed: int, max_steps: int) -> dict[str, Any]:
    """Random paths our engine plays, from each start in turn, with the choices open at
    each step (in the story's order) and how each ended: what ink_run.js --replay checks."""
    from peers.to_ink import start_knot

    from game.engine import Game

    paths = []
    for index in range(runs):
        start = story.starts[index % len(story.starts)]
        game = Game(story, seed=seed + index, start=start)
        pick = random.Random(seed + index)
        steps: list[dict[str, Any]] = []
        end: dict[str, Any] = {"loop": True}
        while len(steps) < max_steps:
            if game.scene.ending is not None:
                end = {"ending": game.scene.ending.id}
                break
            open_ids = [choice.id for choice in game.open_choices()]
            if not open_ids:
                end = {"stuck": True}
                break
            take = pick.choice(open_ids)
            steps.append({"open": open_ids, "take": take})
            game.choose(take)
        paths.append({"start": start_knot(start), "steps": steps, "end": end})
    return {"runs": paths}


# ---------------------------------------------------------------- the checks


def expected_structure(story: Any) -> dict[str, dict[str, Any]]:
    """What the compiled ink should hold for each scene's knot (as ink_run.js reports it)."""
    from peers.to_ink import knot_name

    return {
        knot_name(scene.id): {
            "title": " ".join(scene.title.split()) or None,
            "ending": scene.ending.id if scene.ending is not None else None,
            "choices": [
                {
                    "text": choice.id,
                    "target": knot_name(choice.target),
                    "conditional": choice.condition is not None,
                    "sticky": True,
                }
                for choice in scene.choices
            ],
        }
        for scene in story.scenes.values()
    }


def structure_problems(story: Any, found: Mapping[str, Any], starts: tuple[str, ...]) -> list[str]:
    """How the compiled ink's knots differ from the story's scenes, choices and endings."""
    expected = expected_structure(story)
    problems = []
    for knot, want in expected.items():
        got = found.get(knot)
        if got is None:
            problems.append(f"no knot {knot}")
            continue
        for key in ("title", "ending", "choices"):
            if got.get(key) != want[key]:
                problems.append(f"{knot}: {key} is {got.get(key)!r}, expected {want[key]!r}")
    for knot in found:
        if knot not in expected and knot not in starts:
            problems.append(f"the ink has a knot {knot} that is no scene")
    for knot in starts:
        if knot not in found or found[knot].get("choices"):
            problems.append(f"the start knot {knot} is missing or has choices")
    return problems


def frequency_problems(
    ours: Mapping[str, int],
    theirs: Mapping[str, int],
    runs_ours: int,
    runs_theirs: int,
    sigmas: float = SIGMAS,
) -> list[str]:
    """Where two samples of outcomes (ending id, or 'stuck'/'loop' -> runs) differ by more
    than `sigmas` standard errors of the difference of two proportions (pooled)."""
    problems = []
    for outcome in sorted(set(ours) | set(theirs)):
        a, b = ours.get(outcome, 0), theirs.get(outcome, 0)
        pa, pb = a / runs_ours, b / runs_theirs
        pooled = (a + b) / (runs_ours + runs_theirs)
        error = math.sqrt(pooled * (1 - pooled) * (1 / runs_ours + 1 / runs_theirs))
        if error == 0:
            if a != b:  # all or nothing on one side only
                problems.append(f"{outcome}: {a}/{runs_ours} ours, {b}/{runs_theirs} ink")
            continue
        if abs(pa - pb) > sigmas * error:
            problems.append(
                f"{outcome}: {100 * pa:.2f}% ours, {100 * pb:.2f}% ink "
                f"({abs(pa - pb) / error:.1f} standard errors apart)"
            )
    return problems


def outcomes(endings: Mapping[str, int], failures: Mapping[str, int]) -> dict[str, int]:
    """Ending counts with the runs that did not end, as one table of outcomes."""
    found = {key: value for key, value in endings.items() if value}
    for kind, count in failures.items():
        if count:
            found[f"({kind})"] = found.get(f"({kind})", 0) + count
    return found


# ---------------------------------------------------------------- the part


def peers(runs: int, repeats: int) -> dict[str, Any]:
    """The part `make bench` runs: per-choice times of ours and inkjs, turn about, and
    the check that the ink is the same story. A peer that cannot be had is a note."""
    try:
        node = ensure_inkjs()
    except PeerUnavailable as exc:
        return {"status": "skipped", "note": str(exc)}
    from collections import Counter

    from peers.to_ink import InkConversionError, convert

    from game.engine import load_story
    from game.paths import assets_dir, scenes_dir
    from game.tools.autoplay import autoplay

    story = load_story([scenes_dir()], assets=assets_dir())
    try:
        ink = convert(story)
    except InkConversionError as exc:
        return {"status": "failed", "note": str(exc)}
    cap = step_cap(story)
    result: dict[str, Any] = {"status": "ok", "runs": runs, "seed": SEED, "max_steps": cap}
    with tempfile.TemporaryDirectory(prefix="petrograd-peers-") as work:
        ink_file = Path(work) / "story.ink"
        ink_file.write_text(ink.text, encoding="utf-8")
        paths_file = Path(work) / "paths.json"
        paths_file.write_text(
            json.dumps(replay_paths(story, min(REPLAY_RUNS, runs), SEED, cap)), encoding="utf-8"
        )
        autoplay(story, min(runs, 500), seed=SEED + 1_000_003, max_steps=cap)  # warm up
        ours_times, ink_times = [], []
        first_ours: Any = None
        first_ink: dict[str, Any] = {}
        try:
            for repeat in range(max(1, repeats)):
                report = autoplay(story, runs, seed=SEED, max_steps=cap)
                ours_times.append(report.seconds / max(1, report.steps))
                done = run_ink(
                    node,
                    ink_file,
                    ink.starts,
                    runs,
                    max_steps=cap,
                    warmup=min(runs, 500),
                    replay=paths_file if repeat == 0 else None,
                    structure=repeat == 0,
                )
                ink_times.append(done["seconds"][0] / max(1, done["choices"]))
                if repeat == 0:
                    first_ours, first_ink = report, done
        except RuntimeError as exc:
            return {"status": "failed", "note": str(exc)}
    failures = Counter(failure.kind for failure in first_ours.failures)
    ours_outcomes = outcomes(dict(first_ours.endings), failures)
    ink_outcomes = outcomes(first_ink["endings"], first_ink["failures"])
    replayed = first_ink["replay"]
    result.update(
        inkjs=first_ink["inkjs"],
        node=first_ink["node"],
        compile_seconds=first_ink["compile_seconds"],
        ours_per_choice=ours_times,
        ink_per_choice=ink_times,
        ours_choices=first_ours.steps,
        ink_choices=first_ink["choices"],
        ours_outcomes=ours_outcomes,
        ink_outcomes=ink_outcomes,
        scenes=len(story.scenes),
        choices=sum(len(scene.choices) for scene in story.scenes.values()),
        endings=len(story.endings),
        structure_problems=structure_problems(story, first_ink["structure"], ink.starts),
        replay_runs=replayed["runs"],
        replay_steps=replayed["steps"],
        replay_problems=[
            f"path {m['run']}, step {m['step']}: {m['what']}" for m in replayed["mismatches"]
        ],
        frequency_problems=frequency_problems(ours_outcomes, ink_outcomes, runs, runs),
    )
    return result


def part(runs: int, repeats: int) -> dict[str, Any]:
    """`peers` in a fresh process (as the bench runs every group of figures); a crash of
    the part is a failed check, never a crash of the bench."""
    command = [sys.executable, str(Path(__file__).resolve()), "--runs", str(runs)]
    done = subprocess.run(
        [*command, "--repeats", str(repeats)], capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": "failed", "note": f"the peers part failed: {why[:300]}"}
    return result


Cells = tuple[str, str, str, str, str, bool | None]


def _short(text: object, width: int = 60) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= width else words[: width - 3] + "..."


def problems_of(result: Mapping[str, Any]) -> list[str]:
    """Every way the ink was found not to be the same story."""
    return [
        *result.get("structure_problems", ()),
        *result.get("replay_problems", ()),
        *(f"frequency of {p}" for p in result.get("frequency_problems", ())),
    ]


def rows(result: Mapping[str, Any]) -> list[Cells]:
    """The bench's rows for the part's result: (figure, measured, baseline, ratio, budget,
    met), met None for a row without a budget."""
    table: list[Cells] = []
    if result.get("status") == "skipped":
        table.append(
            (f"inkjs peer skipped: {_short(result.get('note'))}", "-", "-", "-", "-", None)
        )
    elif result.get("status") != "ok":
        table.append((f"inkjs peer: {_short(result.get('note'))}", "FAIL", "-", "-", "same", False))
    else:
        ours = statistics.median(result["ours_per_choice"])
        ink = statistics.median(result["ink_per_choice"])
        table.append(
            ("  reference: autoplay per choice (ours)", f"{ours * 1e6:.2f} us", "-", "-", "-", None)
        )
        ratio = ink / ours
        table.append(
            (
                f"ink per choice / ours (inkjs {result['inkjs']}, the story as ink)",
                f"{ink * 1e6:.2f} us",
                f"{ours * 1e6:.2f} us",
                f"{ratio:.2f}x",
                f">= {BUDGET:.1f}x",
                ratio >= BUDGET,
            )
        )
        problems = problems_of(result)
        table.append(
            (
                "the ink is our story: structure, steps, endings",
                "same" if not problems else f"FAIL ({len(problems)})",
                "-",
                "-",
                "same",
                not problems,
            )
        )
    table.append(("ChoiceScript randomtest: not bundled (licence)", "-", "-", "-", "-", None))
    return table


def notes(result: Mapping[str, Any]) -> list[str]:
    """What the bench says about the part as it runs (the table holds the figures)."""
    if result.get("status") != "ok":
        return [f"peers: {result.get('status')}: {result.get('note')}"]
    said = [
        f"peers: inkjs {result['inkjs']} on node {result['node']}, compiled in "
        f"{result['compile_seconds']:.2f} s; {result['runs']:,} runs each, seed {result['seed']}; "
        f"{result['scenes']} scenes, {result['choices']} choices, {result['endings']} endings; "
        f"{result['replay_steps']:,} steps of {result['replay_runs']} paths replayed",
        "peers: ending frequencies (ours, ink): "
        + ", ".join(
            f"{key} {result['ours_outcomes'].get(key, 0)}/{result['ink_outcomes'].get(key, 0)}"
            for key in sorted(set(result["ours_outcomes"]) | set(result["ink_outcomes"]))
        ),
    ]
    problems = problems_of(result)
    said += [f"peers: not the same story: {problem}" for problem in problems[:10]]
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the bench's ink peer, as JSON")
    parser.add_argument("--runs", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(peers(args.runs, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
