"""The `petrograd` command line. Headless commands never import Textual; the TUI loads lazily."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from game import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="petrograd",
        description="Petrograd 1917: a text adventure about the night the Soviets took power.",
        epilog="With no command, starts the game (the full-screen one in a terminal, else plain text).",
    )
    parser.add_argument("--version", action="version", version=f"petrograd {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command")

    play = commands.add_parser("play", help="play the story")
    play.add_argument(
        "--plain",
        action="store_true",
        help="plain text: numbered choices, one number per line (screen readers, scripts)",
    )
    _story_options(play)
    play.add_argument(
        "--seed", type=int, default=None, help="seed for anything random (for replays)"
    )

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
    return parser


def _story_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--story",
        type=Path,
        default=None,
        metavar="DIR",
        help="play another story folder instead of the shipped one",
    )
    parser.add_argument(
        "--scenes",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="add a folder of extra scenes (repeatable)",
    )


def _story_folders(story: Path | None, packs: Sequence[Path]) -> list[Path]:
    from game.paths import scenes_dir

    return [story if story is not None else scenes_dir(), *packs]


def _err(message: str) -> None:
    sys.stderr.write(f"petrograd: {message}\n")


def _load(story_dir: Path | None, packs: Sequence[Path]):  # type: ignore[no-untyped-def]
    """Load the story for play, or print its errors and return None."""
    from game.engine import StoryError, load_story
    from game.paths import assets_dir

    try:
        return load_story(_story_folders(story_dir, packs), assets=assets_dir())
    except StoryError as exc:
        _err("the story cannot be loaded:")
        for problem in exc.problems[:20]:
            sys.stderr.write(f"  {problem}\n")
        if len(exc.problems) > 20:
            sys.stderr.write(f"  ... and {len(exc.problems) - 20} more (run 'petrograd check')\n")
        return None


def cmd_play(args: argparse.Namespace) -> int:
    story = _load(args.story, args.scenes)
    if story is None:
        return 1
    if args.plain or not _can_draw():
        from game.plain import play_plain

        if not args.plain and sys.stdout.isatty():
            _err("this terminal cannot show the full-screen game; playing in plain text")
        return play_plain(story, seed=args.seed)
    from game.tui.app import run_app

    return run_app(story, seed=args.seed)


def _can_draw() -> bool:
    """Whether the full-screen game can run here (a real, capable terminal and the TUI)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    if os.environ.get("TERM", "") in ("", "dumb"):
        return False
    from importlib.util import find_spec

    return find_spec("textual") is not None


def cmd_check(args: argparse.Namespace) -> int:
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
            _err(f"{errors} error(s), {warnings} warning(s)")
        else:
            for s in stories:
                if s is not None:
                    print(
                        f"ok: '{s.title}' {s.version}: {len(s.scenes)} scenes, "
                        f"{len(s.endings)} endings, {len(s.chapters)} chapter(s), no problems"
                    )
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command is None:
            args = parser.parse_args(["play", *(argv or [])])
        return cmd_play(args)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        return 0
