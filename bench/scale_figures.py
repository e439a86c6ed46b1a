"""`petrograd check` at scale (issue #19): the seconds and the peak memory of the command,
run as a process on generated stories of two sizes (10,000 and 100,000 scenes in the full
bench), so that its growth can be judged: at most 11 times the time for 10 times the
scenes, and at most 6 KiB of peak memory a scene.

    .venv/bin/python bench/scale_figures.py 10000 100000     # prints the figures as JSON

Each sample is one `petrograd check DIR` process, the sizes taken turn about in rounds
(so a slower spell of this shared machine falls on both alike); its peak memory is the
child's peak resident set, `ru_maxrss`. A child started straight from Python is counted
from the resident set of the Python that started it (Linux carries the parent's high-water
mark over a vfork and exec), so where GNU time is installed the child is started through
it (`/usr/bin/time -f %M`, itself a small C program) and its figure is taken; else the
child's own `ru_maxrss` from `os.wait4`. The bare interpreter's peak (`python -c pass`) is
measured the same way, to show how much of a small story's figure is the interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: The `petrograd` command beside this Python (as installed by `make`), else `python -m game`.
_SCRIPT = Path(sys.executable).parent / "petrograd"
PETROGRAD = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "game"]


def _peak_kib(rusage: Any) -> int:
    """`ru_maxrss` in KiB (it is in bytes on macOS, in KiB on Linux and the BSDs)."""
    return int(rusage.ru_maxrss // 1024 if sys.platform == "darwin" else rusage.ru_maxrss)


def _gnu_time() -> str | None:
    """GNU time's path, when it is installed (it takes `-f` and `-o`)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    done = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True)
    return path if done.returncode == 0 else None


GNU_TIME = _gnu_time()


def run_once(command: list[str]) -> tuple[float, int, int, str]:
    """Run `command` as a child: its seconds from start to exit, its peak resident set in
    KiB, its exit status and what it wrote (stdout and stderr, from a file: no pipe to
    fill while it runs)."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak_file:
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak_file.name, *command] if GNU_TIME else command
        started = time.perf_counter()
        child = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, rusage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        peak = _peak_kib(rusage)
        if GNU_TIME:
            lines = peak_file.read().split()
            peak = int(lines[-1]) if lines and lines[-1].isdigit() else peak
    return seconds, peak, child.returncode, text


def scale(folders: list[Path], scenes: list[int], repeats: int) -> dict[str, Any]:
    """`petrograd check` on each story, `repeats` rounds: seconds and peak KiB per sample,
    by folder; and the bare interpreter's peak KiB."""
    untimed = [*PETROGRAD, "check", str(ROOT / "examples" / "mini-story")]
    subprocess.run(untimed, capture_output=True, cwd=ROOT)  # writes the bytecode
    seconds: dict[str, list[float]] = {str(folder): [] for folder in folders}
    peaks: dict[str, list[int]] = {str(folder): [] for folder in folders}
    for _ in range(repeats):
        for folder in folders:
            took, peak, code, text = run_once([*PETROGRAD, "check", str(folder)])
            if code != 0 or "no problems" not in text:
                raise RuntimeError(f"petrograd check {folder} failed: {text[-500:]}")
            seconds[str(folder)].append(took)
            peaks[str(folder)].append(peak)
    bare = [run_once([sys.executable, "-c", "pass"])[1] for _ in range(3)]
    return {
        "scenes": {str(folder): n for folder, n in zip(folders, scenes, strict=True)},
        "seconds": seconds,
        "peak_kib": peaks,
        "bare_kib": min(bare),
    }


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(BENCH))
    import generate

    sizes = [int(n) for n in (argv if argv is not None else sys.argv[1:])] or [10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="petrograd-scale-") as work:
        folders = []
        for size in sizes:
            folders.append(Path(work) / f"story-{size}")
            generate.generate(folders[-1], size)
        print(json.dumps(scale(folders, sizes, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
