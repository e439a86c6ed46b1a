"""`petrograd check`: every problem in the scene files, one line each, or JSON for tools.

Plain `check` loads and cross-checks the files and adds a static check of the
conditions against the values each variable can hold; `--exhaustive` walks every
reachable state as well; `--stats` adds counts of words, choices and citations.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from game.commands.common import err


def _limit(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the limit must be at least 1 state")
    return value


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from game.tools.exhaustive import DEFAULT_LIMIT

    check = commands.add_parser("check", help="check scene files and report every problem")
    check.add_argument(
        "folders",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="a story folder (with story.yaml) or a folder of extra scenes to check "
        "with the shipped story; default: the shipped story",
    )
    check.add_argument(
        "--story",
        type=Path,
        default=None,
        metavar="DIR",
        help="the story folder to check, as in every other command (the same as giving DIR "
        "without the option); folders given without it are then its scene packs",
    )
    check.add_argument(
        "--scenes",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of extra scenes (a scene pack) to check with the story (repeatable)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument(
        "--exhaustive",
        action="store_true",
        help="also walk every reachable state: choices never open, scenes reached only "
        "through them, stuck scenes, effects pushed past a variable's range",
    )
    check.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"with --exhaustive: stop each walk after N states (default {DEFAULT_LIMIT:,})",
    )
    check.add_argument(
        "--assignment",
        type=Path,
        default=None,
        metavar="FILE",
        help="check a teacher's assignment file against the story (without playing it)",
    )
    check.add_argument(
        "--stats",
        action="store_true",
        help="also count words, reading time, choices and citations",
    )


def _groups(folders: list[Path], packs: list[Path], story: Path | None = None) -> list[list[Path]]:
    """Which folders are checked together.

    A story folder (one with story.yaml) is checked on its own; a folder without one
    is a scene pack, checked with the shipped story (or with `--story`'s); `--scenes`
    packs join every group.
    """
    from game.paths import scenes_dir

    stories = [f for f in folders if (f / "story.yaml").exists()]
    loose = [f for f in folders if f not in stories]
    groups = [[story, *packs] for story in stories]
    if story is not None:
        groups.insert(0, [story, *loose, *packs])
    elif loose or not stories:
        groups.insert(0, [scenes_dir(), *loose, *packs])
    return groups


def run(args: argparse.Namespace) -> int:
    from game.engine import check_story
    from game.engine.problems import sort_problems
    from game.engine.ranges import never_true
    from game.gcpause import gc_paused
    from game.paths import assets_dir

    problems = []
    notes = []
    results: list[dict[str, Any]] = []
    for group in _groups(list(args.folders), list(args.scenes), args.story):
        with gc_paused():
            story, found = check_story(group, assets=assets_dir())
        problems.extend(found)
        if story is None:
            continue
        result: dict[str, Any] = {"story": story}
        if not any(p.severity == "error" for p in found):
            with gc_paused():
                problems.extend(never_true(story))
            if args.exhaustive:
                from game.tools.exhaustive import check_exhaustive

                report = check_exhaustive(story, args.limit)
                # what the static check already said at a place is not said again
                said = {(p.mark, p.code) for p in problems}
                problems.extend(p for p in report.problems() if (p.mark, p.code) not in said)
                notes.extend(report.notes())
                result["exhaustive"] = report
        elif args.exhaustive:
            err("the exhaustive check needs a story that loads; fix the errors first")
        if args.stats:
            from game.tools.stats import story_stats

            result["stats"] = story_stats(story)
        results.append(result)
    problems = sort_problems(problems)
    if args.assignment is not None:
        problems.extend(_assignment_problems(args.assignment, results))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if args.format == "json":
        _print_json(problems, notes, results, errors, warnings)
    else:
        _print_text(problems, notes, results, errors, warnings)
    return 1 if problems else 0


def _assignment_problems(path: Path, results: list[dict[str, Any]]) -> list[Any]:
    """Every problem of an assignment file, checked against the (first) story that loaded."""
    from game.classroom.assignment import load_assignment
    from game.engine import StoryError

    if not results:
        return []  # the story's own errors are reported; the assignment needs a story
    try:
        load_assignment(path, results[0]["story"])
    except StoryError as exc:
        return list(exc.problems)
    results[0]["assignment"] = path
    return []


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def summary(problems: list[Any]) -> str:
    """One line to end the report: how many errors and warnings, in how many files, and
    whether some checks wait for the first problems to be fixed."""
    from game.engine.problems import holds_back

    errors = sum(1 for p in problems if p.severity == "error")
    files = len({p.mark.path for p in problems})
    line = (
        f"{_count(errors, 'error')} and {_count(len(problems) - errors, 'warning')} "
        f"in {_count(files, 'file')}"
    )
    if any(holds_back(p) for p in problems):
        line += (
            "; fix it and check again: some checks wait until it is fixed"
            if len(problems) == 1
            else "; start with the first: the others may follow from it, and some checks "
            "wait until it is fixed"
        )
    return line


def _print_json(
    problems: list, notes: list, results: list[dict[str, Any]], errors: int, warnings: int
) -> None:
    stories = []
    for result in results:
        s = result["story"]
        entry: dict[str, Any] = {
            "id": s.id,
            "version": s.version,
            "scenes": len(s.scenes),
            "endings": len(s.endings),
            "hash": s.content_hash,
        }
        if "exhaustive" in result:
            entry["exhaustive"] = result["exhaustive"].as_json()
        if "stats" in result:
            entry["stats"] = result["stats"].as_json()
        stories.append(entry)
    out = {
        "ok": not problems,
        "errors": errors,
        "warnings": warnings,
        "summary": summary(problems) if problems else "no problems",
        "problems": [p.as_json() for p in problems],
        "notes": [{**n.as_json(), "severity": "note"} for n in notes],
        "stories": stories,
    }
    print(json.dumps(out, indent=2))


def _print_text(
    problems: list, notes: list, results: list[dict[str, Any]], errors: int, warnings: int
) -> None:
    from game.tools.stats import format_text as stats_text

    for result in results:
        if "stats" in result:
            sys.stdout.write(stats_text(result["story"], result["stats"]) + "\n")
    for problem in problems:
        print(problem)
    if notes:
        print(
            f"notes: {len(notes)} effect(s) can push a number past its range; the game keeps "
            "it at the edge (fine if intended; --format json gives each whole path):"
        )
        for note in notes:
            print(note)
    for result in results:
        report = result.get("exhaustive")
        if report is not None:
            state = (
                "every reachable state"
                if report.complete
                else f"stopped at the limit of {report.limit:,} states per walk: INCOMPLETE"
            )
            print(
                f"exhaustive: {report.states:,} states walked in {report.seconds:.2f} s ({state})"
            )
    if problems:
        sys.stdout.flush()  # the summary comes last, after every problem
        err(summary(problems))
        return
    for result in results:
        s = result["story"]
        print(
            f"ok: '{s.title}' {s.version}: {_count(len(s.scenes), 'scene')}, "
            f"{_count(len(s.endings), 'ending')}, {_count(len(s.chapters), 'chapter')}, "
            "no problems"
        )
        if "assignment" in result:
            print(f"ok: the assignment {result['assignment']} has no problems")
