"""`petrograd test-plan`: play YAML test plans and report the first mismatch of each."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from game.commands.common import add_story_options, err


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    plan = commands.add_parser(
        "test-plan",
        help="play test plans (YAML) and report the first mismatch of each",
        description="Play each test plan through the engine and check its expectations; "
        "a mismatch is reported as file:line:column of the plan. See docs/authoring.md.",
    )
    plan.add_argument(
        "plans", nargs="+", type=Path, metavar="FILE", help="plan files, or folders of them"
    )
    plan.add_argument("--format", choices=("text", "json"), default="text")
    add_story_options(plan)


def run(args: argparse.Namespace) -> int:
    from game.engine.files import shown
    from game.engine.loader import display_path
    from game.engine.problems import Mark, Problem
    from game.paths import assets_dir, scenes_dir
    from game.tools.plans import PlanResult, StoryCache, find_plans, run_plan

    cache = StoryCache(assets_dir())
    default_story = args.story if args.story is not None else scenes_dir()
    results = []
    paths, odd = find_plans(args.plans)
    for problem in odd:  # an odd name or tree in a folder of plans: a failed plan each
        results.append(PlanResult(problem.mark.path, problems=[problem]))
    for path in paths:
        if not os.path.lexists(path):
            where = display_path(path)
            results.append(
                PlanResult(
                    where,
                    problems=[Problem(Mark(where), "missing-file", "no such plan file or folder")],
                )
            )
            continue
        # anything else that is not a plain file (a named pipe, a device) is refused,
        # with its kind, when it is read
        results.append(
            run_plan(path, cache, default_story=default_story, default_packs=args.scenes)
        )
    if not results:
        err("no plan files found (plans are .yaml files)")
        return 1
    failed = [r for r in results if not r.ok]
    if args.format == "json":
        print(json.dumps({"ok": not failed, "plans": [r.as_json() for r in results]}, indent=2))
    else:
        for result in results:
            if result.ok:
                end = f", ending '{result.ending}'" if result.ending else ""
                print(
                    f"ok: {shown(result.path)}: {shown(result.name)} ({result.steps} steps, "
                    f"{result.choices} choices{end})"
                )
            else:
                for problem in result.problems:
                    print(problem)
        if failed:
            err(f"{len(failed)} of {len(results)} plan(s) failed")
        else:
            sys.stderr.write(f"{len(results)} plan(s) passed\n")
    return 1 if failed else 0
