"""`petrograd play` (and plain `petrograd`): the full-screen game, or plain text."""

from __future__ import annotations

import argparse
import os
import sys

from game.commands.common import add_data_option, add_story_options, err, load_or_report


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    play = commands.add_parser("play", help="play the story")
    play.add_argument(
        "--plain",
        action="store_true",
        help="plain text: numbered choices, one number per line (screen readers, scripts)",
    )
    add_story_options(play)
    play.add_argument(
        "--seed", type=int, default=None, help="seed for anything random (for replays)"
    )
    play.add_argument(
        "--continue", dest="resume", action="store_true", help="continue the latest saved game"
    )
    add_data_option(play)


def can_draw() -> bool:
    """Whether the full-screen game can run here (a real, capable terminal and Textual)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    if os.environ.get("TERM", "") in ("", "dumb"):
        return False
    from importlib.util import find_spec

    return find_spec("textual") is not None


def run(args: argparse.Namespace) -> int:
    story = load_or_report(args)
    if story is None:
        return 1
    from game.paths import data_dir
    from game.session import Session

    session = Session(story, data_dir(args.data_dir), seed=args.seed)
    if args.plain or not can_draw():
        from game.plain import play_plain

        if not args.plain and sys.stdout.isatty():
            err("this terminal cannot show the full-screen game; playing in plain text")
        return play_plain(session, resume=args.resume)
    from game.tui.app import run_app

    return run_app(session, resume=args.resume)
