"""`petrograd coverage`: which scenes, choices and conditional passages the test plans
and an autoplay run have seen, per chapter, and where each thing never seen is."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from game.commands.common import add_story_options, err, load_or_report, run_count

if TYPE_CHECKING:
    from game.engine import Game


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    coverage = commands.add_parser(
        "coverage",
        help="what the test plans and autoplay have seen: scenes, choices, conditional text",
        description="Play every test plan and N autoplay runs, and report, per chapter, how "
        "many scenes, choices and conditional passages (each way of a {condition? ... | ...}) "
        "were seen, then each one never seen at its file:line:column. For the shipped story "
        "the plans are tests/plans/ unless --plans is given.",
    )
    add_story_options(coverage)
    coverage.add_argument(
        "--plans",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a test plan, or a folder of them (repeatable)",
    )
    coverage.add_argument(
        "--autoplay",
        type=run_count(0),
        default=200,
        metavar="N",
        help="random playthroughs to add (default 200; 0 for the plans alone)",
    )
    coverage.add_argument(
        "--seed", type=int, default=1, metavar="S", help="seed of the first run (default 1)"
    )
    coverage.add_argument("--format", choices=("text", "json"), default="text")


def default_plans(args: argparse.Namespace) -> list[Path]:
    """--plans as given; else, for the shipped story, the project's tests/plans/ (when it
    is there: an installed game has none)."""
    if args.plans or args.story is not None:
        return list(args.plans)
    from game.paths import scenes_dir

    shipped = scenes_dir().parent / "tests" / "plans"
    return [shipped] if shipped.is_dir() else []


def run(args: argparse.Namespace) -> int:
    story = load_or_report(args)
    if story is None:
        return 1
    from game.commands.common import story_folders
    from game.engine.files import shown
    from game.engine.loader import display_path
    from game.paths import assets_dir
    from game.tools.autoplay import autoplay
    from game.tools.coverage import Coverage, format_text
    from game.tools.plans import StoryCache, find_plans, run_plan

    coverage = Coverage(story)
    failed: list[str] = []
    played = 0
    other: list[str] = []
    paths, odd = find_plans(default_plans(args))
    failed.extend(str(problem) for problem in odd)
    cache = StoryCache(assets_dir())
    folders = story_folders(args.story, args.scenes)
    for path in paths:
        if not os.path.lexists(path):
            failed.append(f"{display_path(path)}: no such plan file or folder")
            continue
        elsewhere: list[bool] = []  # the plan played another story (a pack, say)

        def observe(game: Game, elsewhere: list[bool] = elsewhere) -> None:
            if game.story.content_hash == story.content_hash:
                coverage.observe(game)
            else:
                elsewhere.append(True)

        result = run_plan(
            path, cache, default_story=folders[0], default_packs=folders[1:], observe=observe
        )
        if not result.ok:
            failed.extend(str(problem) for problem in result.problems)
        elif elsewhere:
            other.append(result.path)
        else:
            played += 1
    if args.autoplay:
        autoplay(story, args.autoplay, args.seed, observe=coverage.observe)
    report = coverage.report(plans=played, runs=args.autoplay)
    if args.format == "json":
        data = report.as_json()
        data["failed_plans"] = failed
        data["plans_of_another_story"] = other
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(format_text(story, report))
        for path_shown in other:
            err(f"{path_shown}: the plan plays another story (other scenes), so it is not counted")
        for line in failed:
            sys.stderr.write(f"{shown(line)}\n")
    if failed:
        err(f"{len(failed)} problem(s) in the test plans (run 'petrograd test-plan')")
        return 1
    return 0
