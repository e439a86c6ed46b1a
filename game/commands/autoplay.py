"""`petrograd autoplay`: many random playthroughs, with coverage, endings and failures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from game.commands.common import (
    add_story_options,
    add_viewpoint_option,
    load_or_report,
    run_count,
    viewpoint_or_report,
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from game.tools.autoplay import STRATEGIES

    autoplay = commands.add_parser(
        "autoplay",
        help="play many random playthroughs and report coverage, endings and failures",
        description="Play N playthroughs headless, picking among the open choices at random, "
        "and report the scenes and choices visited, the endings reached and any playthrough "
        "that got stuck or failed, with the seed that reproduces it. A playthrough with no "
        "ending after 1,000 choices, or 4 per scene in a story of more than 250 scenes, is "
        "reported as a loop.",
    )
    autoplay.add_argument(
        "--runs", type=run_count(1), default=1000, metavar="N", help="playthroughs (default 1000)"
    )
    autoplay.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="seed of the first playthrough; run i uses S+i (default 1)",
    )
    autoplay.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="random",
        help="random: any open choice; faithful/divergent: prefer that kind of choice",
    )
    autoplay.add_argument("--format", choices=("text", "json"), default="text")
    add_viewpoint_option(autoplay, "play")
    add_story_options(autoplay)


class ProgressBar:
    """A one-line progress bar on standard error (only used when it is a terminal)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        stream = stream if stream is not None else sys.stderr
        self.total, self.stream, self.width = total, stream, width

    def __call__(self, done: int) -> None:
        filled = self.width * done // self.total if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done:,}/{self.total:,} playthroughs")
        if done >= self.total:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from game.tools.autoplay import autoplay, format_text

    story = load_or_report(args)
    if story is None:
        return 1
    ok, viewpoint = viewpoint_or_report(story, args.viewpoint)
    if not ok:
        return 1
    start = story.viewpoints[viewpoint].start if viewpoint is not None else None
    progress = ProgressBar(args.runs) if sys.stderr.isatty() and args.runs >= 500 else None
    report = autoplay(
        story, args.runs, args.seed, args.strategy, progress=progress, start=start
    )
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
    else:
        sys.stdout.write(format_text(report))
    return 1 if report.failures else 0
