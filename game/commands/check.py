"""`petrograd check`: every problem in the scene files, one line each, or JSON for tools."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from game.commands.common import err


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = commands.add_parser("check", help="check scene files and report every problem")
    check.add_argument(
        "folders",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="a story folder (with story.yaml) or a folder of extra scenes to check "
        "with the shipped story; default: the shipped story",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    from game.engine import check_story
    from game.paths import assets_dir, scenes_dir

    folders: list[Path] = args.folders
    groups: list[list[Path]] = []
    packs = [f for f in folders if not (f / "story.yaml").exists()]
    groups.extend([f] for f in folders if (f / "story.yaml").exists())
    if packs or not folders:
        groups.insert(0, [scenes_dir(), *packs])
    problems = []
    stories = []
    for group in groups:
        story, found = check_story(group, assets=assets_dir())
        problems.extend(found)
        stories.append(story)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if args.format == "json":
        out = {
            "ok": not problems,
            "errors": errors,
            "warnings": warnings,
            "problems": [p.as_json() for p in problems],
            "stories": [
                {
                    "id": s.id,
                    "version": s.version,
                    "scenes": len(s.scenes),
                    "endings": len(s.endings),
                    "hash": s.content_hash,
                }
                for s in stories
                if s is not None
            ],
        }
        print(json.dumps(out, indent=2))
    else:
        for problem in problems:
            print(problem)
        if problems:
            err(f"{errors} error(s), {warnings} warning(s)")
        else:
            for s in stories:
                if s is not None:
                    print(
                        f"ok: '{s.title}' {s.version}: {len(s.scenes)} scenes, "
                        f"{len(s.endings)} endings, {len(s.chapters)} chapter(s), no problems"
                    )
    return 1 if problems else 0
