"""Run the coverage-guided fuzz targets (fuzz/targets.py) under atheris, one at a time.

    python fuzz/run.py [--seconds N] [--summary FILE] [TARGET ...]   fuzz (all targets if none)
    python fuzz/run.py --replay TARGET FILE ...                      run inputs, no atheris needed
    python fuzz/run.py --minimize TARGET FILE                        shrink a crash, keep its bug

Each target runs for N seconds (libFuzzer's -max_total_time) in a child process,
with fuzz/corpus/TARGET/ as its seed corpus (read, never written) and
.fuzz-work/TARGET/ as its working corpus (new inputs go there, outside git; it grows
from run to run). A crash is written to fuzz/crashes/TARGET/crash-* (the
artifact_prefix), shrunk (--minimize), and its signature (the exception and the
innermost function of the game that raised it) noted; the child is then started
again for the time left, passing over that signature, so that one known bug does not
stop the search for others. Crashes already in fuzz/crashes/ are passed over too
while they still happen. Only the `game` package is instrumented for coverage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

WORK = ROOT / ".fuzz-work"
CORPUS = HERE / "corpus"
CRASHES = HERE / "crashes"
DICTS = HERE / "dicts"
JSON_TARGETS = ("save_reader", "record_reader", "verification")
#: libFuzzer's -max_len for each target (an input is cut to this).
MAX_LEN = {"expressions": 600}
DEFAULT_MAX_LEN = 32 * 1024
#: An input slower than this is reported as a hang (libFuzzer writes timeout-*).
TIMEOUT_SECONDS = 20
MINIMIZE_SECONDS = 120


def target_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def signature(exc: BaseException) -> str:
    """Names a bug: the exception's type and where in the game (or in the target's own
    checks, for a broken promise) it was raised. Tracebacks, not data, so two inputs
    that hit the same bug have the same signature."""
    frames = traceback.extract_tb(exc.__traceback__)
    game = [f for f in frames if f"{os.sep}game{os.sep}" in f.filename]
    if game:
        where = f"{Path(game[-1].filename).relative_to(ROOT)}:{game[-1].name}"
    else:
        own = [f for f in frames if f.filename == str(HERE / "targets.py") and f.name != "check"]
        place = own[-1] if own else frames[-1] if frames else None
        where = f"{Path(place.filename).name}:{place.lineno}" if place else "?"
    return f"{type(exc).__name__} in {where}"


def _signatures_file(target: str) -> Path:
    return WORK / target / "signatures.txt"


def _known(target: str) -> set[str]:
    path = _signatures_file(target)
    return set(path.read_text(encoding="utf-8").splitlines()) if path.exists() else set()


# ---------------------------------------------------------------- the child: one atheris run


def child(target: str, seconds: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["game"]):
        from fuzz import targets

        function = targets.TARGETS[target]
        for seed in sorted((CORPUS / target).iterdir()):  # imports done lazily, instrumented
            try:
                function(seed.read_bytes())
            except Exception:  # the fuzzer finds it again and reports it
                pass
    from fuzz.mutate import mutate_json

    known = _known(target)

    def one_input(data: bytes) -> None:
        try:
            function(data)
        except Exception as exc:
            found = signature(exc)
            if found in known:
                return
            with _signatures_file(target).open("a", encoding="utf-8") as out:
                out.write(found + "\n")
            print(f"== new crash signature: {found}", file=sys.stderr, flush=True)
            raise

    crashes = CRASHES / target
    crashes.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        f"-timeout={TIMEOUT_SECONDS}",
        f"-max_len={MAX_LEN.get(target, DEFAULT_MAX_LEN)}",
        f"-artifact_prefix={crashes}{os.sep}",
        "-print_final_stats=1",
        "-reload=0",
    ]
    if (DICTS / f"{target}.dict").exists():
        argv.append(f"-dict={DICTS / f'{target}.dict'}")
    argv += [str(WORK / target / "corpus"), str(CORPUS / target)]
    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        try:
            return mutate_json(data, max_size, seed, atheris.Mutate)
        except Exception:  # a fault of the mutator's own must not stop the fuzzing
            return atheris.Mutate(data, max_size)  # type: ignore[no-any-return]

    extra: dict[str, Callable[..., bytes]] = {}
    if target in JSON_TARGETS:
        extra["custom_mutator"] = mutator
    atheris.Setup(argv, one_input, **extra)
    atheris.Fuzz()


# ---------------------------------------------------------------- replay and minimize


def _run(target: str, data: bytes) -> str | None:
    from fuzz.targets import TARGETS

    try:
        TARGETS[target](data)
    except Exception as exc:
        return signature(exc)
    return None


def replay(target: str, files: list[Path]) -> int:
    from fuzz.targets import TARGETS

    failed = 0
    for path in files:
        try:
            TARGETS[target](path.read_bytes())
        except Exception as exc:
            failed += 1
            print(f"{path}: {signature(exc)}")
            traceback.print_exc()
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def _shrink_json(value: object, same: Callable[[object], bool], deadline: float) -> object:
    """Remove keys and list items, depth first, while the bug still happens."""
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        stack = [value]
        while stack and time.monotonic() < deadline:
            here = stack.pop()
            keys = list(here) if isinstance(here, dict) else (
                list(range(len(here) - 1, -1, -1)) if isinstance(here, list) else []
            )
            for key in keys:
                held = here[key]  # type: ignore[index]
                del here[key]  # type: ignore[attr-defined]
                if same(value):
                    changed = True
                    continue
                if isinstance(here, list):
                    here.insert(key, held)  # type: ignore[arg-type]
                else:
                    here[key] = held  # type: ignore[index]
                stack.append(held)
    return value


def minimize(target: str, data: bytes, seconds: float = MINIMIZE_SECONDS) -> bytes:
    """A smaller input with the same signature (JSON first by structure, then by bytes)."""
    wanted = _run(target, data)
    if wanted is None:
        return data
    deadline = time.monotonic() + seconds
    if target in JSON_TARGETS:
        try:
            value = json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict | list):

            def as_bytes(v: object) -> bytes:
                return json.dumps(v, ensure_ascii=False, indent=1).encode()

            value = _shrink_json(value, lambda v: _run(target, as_bytes(v)) == wanted, deadline)
            if _run(target, as_bytes(value)) == wanted:
                data = as_bytes(value)
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        at, cut = 0, False
        while at < len(data) and time.monotonic() < deadline:
            candidate = data[:at] + data[at + chunk :]
            if _run(target, candidate) == wanted:
                data, cut = candidate, True
            else:
                at += chunk
        if not cut:
            chunk //= 2
    return data


# ---------------------------------------------------------------- the parent


_STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", re.MULTILINE)
_EXECS = re.compile(r"stat::number_of_executed_units: (\d+)")


def _stats(log: str) -> dict[str, int | str]:
    status = _STATUS.findall(log)
    execs = [int(n) for n in _EXECS.findall(log)]
    out: dict[str, int | str] = {"execs": sum(execs) if execs else 0}
    if status:
        last = status[-1]
        out.update(cov=int(last[1]), ft=int(last[2]), corpus=int(last[3]), corpus_size=last[4])
        if not execs:
            out["execs"] = int(last[0])
    return out


def _new_artifacts(target: str, before: set[Path]) -> list[Path]:
    folder = CRASHES / target
    now = set(folder.iterdir()) if folder.is_dir() else set()
    return sorted(now - before)


def _seed_known(target: str) -> None:
    """Start the run's signatures with those of the crashes on file that still happen."""
    path = _signatures_file(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = CRASHES / target
    found = set()
    for crash in sorted(folder.iterdir()) if folder.is_dir() else []:
        if crash.is_file() and crash.name.startswith("crash-"):
            result = subprocess.run(
                [sys.executable, __file__, "--signature", target, str(crash)],
                capture_output=True,
                text=True,
                timeout=MINIMIZE_SECONDS,
                env=_child_env(),
            )
            if result.stdout.strip():
                found.add(result.stdout.strip())
    path.write_text("".join(f"{s}\n" for s in sorted(found)), encoding="utf-8")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    scratch = WORK / "tmp"
    env.setdefault("PETROGRAD_DATA_DIR", str(scratch / "data"))
    env["PETROGRAD_CACHE_DIR"] = ""  # no parse cache: nothing written beside the player's data
    env["PYTHONHASHSEED"] = "0"
    return env


def fuzz(target: str, seconds: int, summary: Path | None) -> dict[str, object]:
    (WORK / target / "corpus").mkdir(parents=True, exist_ok=True)
    _seed_known(target)
    log_path = WORK / target / "log.txt"
    started = time.monotonic()
    runs, crashes, logs = 0, [], []
    while (left := seconds - int(time.monotonic() - started)) >= 5:
        before = set((CRASHES / target).iterdir()) if (CRASHES / target).is_dir() else set()
        scratch = Path(tempfile.mkdtemp(prefix="petrograd-fuzz-", dir=_tmp_base()))
        env = _child_env()
        env["PETROGRAD_FUZZ_TMP"] = str(scratch)
        result = subprocess.run(
            [sys.executable, __file__, "--child", target, "--seconds", str(left)],
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
        )
        shutil.rmtree(scratch, ignore_errors=True)
        runs += 1
        logs.append(result.stderr)
        with log_path.open("a", encoding="utf-8") as out:
            out.write(result.stderr)
        new = _new_artifacts(target, before)
        for artifact in new:
            crashes.append(_handle(target, artifact, result.stderr))
        if result.returncode != 0 and not new:
            print(result.stderr[-3000:], file=sys.stderr)
            break  # the child failed without finding anything: do not spin
    stats = _stats("".join(logs))
    stats_line = ", ".join(f"{k} {v}" for k, v in stats.items())
    took = int(time.monotonic() - started)
    print(f"{target}: {took} s in {runs} run(s); {stats_line}; {len(crashes)} crash(es)")
    if summary is not None:
        with summary.open("a", encoding="utf-8") as out:
            out.write(f"\n## {target}: {took} s in {runs} run(s)\n\n{stats_line}\n")
            out.write(f"\nworking corpus: {len(list((WORK / target / 'corpus').iterdir()))} files\n")
            for crash in crashes:
                out.write(f"\n### {crash['file']}\n\n{crash['signature']}\n\n```\n")
                out.write(f"{crash['traceback']}\n```\n")
            if not crashes:
                out.write("\nno crashes\n")
    return {"target": target, "seconds": took, "runs": runs, **stats, "crashes": crashes}


def _tmp_base() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _handle(target: str, artifact: Path, log: str) -> dict[str, str]:
    """Shrink a new crash and describe it; timeouts and out-of-memory are kept as found."""
    tail = log[log.rfind("== new crash signature") :] if "== new crash signature" in log else log
    described = {"file": str(artifact.relative_to(ROOT)), "signature": "", "traceback": tail[-4000:]}
    if not artifact.name.startswith("crash-"):
        described["signature"] = artifact.name.split("-")[0]
        return described
    result = subprocess.run(
        [sys.executable, __file__, "--minimize", target, str(artifact)],
        capture_output=True,
        text=True,
        timeout=MINIMIZE_SECONDS * 2,
        env=_child_env(),
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode == 0 and len(lines) == 2:
        described["signature"], described["file"] = lines[0], lines[1]
    replayed = subprocess.run(
        [sys.executable, __file__, "--replay", target, str(ROOT / described["file"])],
        capture_output=True,
        text=True,
        env=_child_env(),
    )
    described["traceback"] = replayed.stderr[-4000:] or described["traceback"]
    return described


def _minimize_file(target: str, path: Path) -> int:
    path = path.resolve()
    data = path.read_bytes()
    wanted = _run(target, data)
    if wanted is None:
        print("it does not crash here", file=sys.stderr)
        return 1
    small = minimize(target, data)
    named = path.with_name(f"crash-{hashlib.sha1(small).hexdigest()}")
    named.write_bytes(small)
    if named != path:
        path.unlink()
    print(wanted)
    print(named.relative_to(ROOT))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="targets (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--summary", type=Path, help="append a Markdown summary to this file")
    parser.add_argument("--child", metavar="TARGET", help=argparse.SUPPRESS)
    parser.add_argument("--signature", metavar="TARGET", help=argparse.SUPPRESS)
    parser.add_argument("--replay", metavar="TARGET", help="run these inputs through TARGET")
    parser.add_argument("--minimize", metavar="TARGET", help="shrink this crash of TARGET")
    args = parser.parse_args(argv)
    if args.child:
        sys.argv = sys.argv[:1]
        child(args.child, args.seconds)
        return 0
    if args.signature:
        print(_run(args.signature, Path(args.targets[0]).read_bytes()) or "")
        return 0
    if args.replay:
        return replay(args.replay, [Path(p) for p in args.targets])
    if args.minimize:
        return _minimize_file(args.minimize, Path(args.targets[0]))
    names = args.targets or target_names()
    unknown = set(names) - set(target_names())
    if unknown:
        parser.error(f"no such target: {', '.join(sorted(unknown))}")
    results = [fuzz(name, args.seconds, args.summary) for name in names]
    found = sum(len(r["crashes"]) for r in results)  # type: ignore[arg-type]
    print(f"{len(results)} target(s), {found} new crash(es) in fuzz/crashes/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
