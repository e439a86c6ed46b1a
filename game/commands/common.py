"""What several commands share: story folder options and loading with readable errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from game.engine import Story, StoryError, load_story
from game.engine.files import shown

if TYPE_CHECKING:
    from game.classroom.assignment import Assignment
from game.paths import assets_dir, cache_dir, scenes_dir

#: The most playthroughs one command plays (`autoplay --runs`, `coverage --autoplay`):
#: a million runs of the shipped story take some minutes; more is a typing slip.
MAX_RUNS = 1_000_000


def run_count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of playthroughs from `least` to MAX_RUNS, ASCII
    digits only (`1_000` and `1,000` are read as 1000)."""

    def count(text: str) -> int:
        digits = text.strip().replace("_", "").replace(",", "")
        if not digits.isascii() or not digits.isdigit():
            raise argparse.ArgumentTypeError(f"'{shown(text)}' is not a whole number")
        value = int(digits)
        if not least <= value <= MAX_RUNS:
            raise argparse.ArgumentTypeError(f"give a number from {least} to {MAX_RUNS:,}")
        return value

    return count


def add_story_options(parser: argparse.ArgumentParser) -> None:
    """--story DIR (another story) and --scenes DIR (repeatable extra scene folders)."""
    parser.add_argument(
        "--story",
        type=Path,
        default=None,
        metavar="DIR",
        help="use another story folder instead of the shipped one",
    )
    parser.add_argument(
        "--scenes",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="add a folder of extra scenes (repeatable)",
    )


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """--data-dir: where saves, settings and endings reached are kept."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep saves and settings here (default: $PETROGRAD_DATA_DIR, else your user data folder)",
    )


def story_folders(story: Path | None, packs: Sequence[Path]) -> list[Path]:
    return [story if story is not None else scenes_dir(), *packs]


def err(message: str) -> None:
    """One line to stderr. It may name files and folders, so it is made safe to print
    (`files.shown`: an escape sequence or a byte that is not UTF-8 in a name is written
    as `\\x1b`, never sent to the terminal)."""
    sys.stderr.write(f"petrograd: {shown(message)}\n")


def load_or_report(args: argparse.Namespace, *, cached: bool = False) -> Story | None:
    """Load the story named by --story/--scenes, or print its errors and return None.

    `cached`: keep parsed files in the cache folder and use them next time (for
    playing, where start-up time counts; see game/engine/parsecache.py)."""
    cache = None
    if cached and (folder := cache_dir()) is not None:
        from game.engine.parsecache import ParseCache

        cache = ParseCache(folder)
    from game.gcpause import gc_paused

    try:
        with gc_paused():
            return load_story(
                story_folders(args.story, args.scenes), assets=assets_dir(), cache=cache
            )
    except StoryError as exc:
        err("the story cannot be loaded:")
        for problem in exc.problems[:20]:
            sys.stderr.write(f"  {problem}\n")
        if len(exc.problems) > 20:
            sys.stderr.write(f"  ... and {len(exc.problems) - 20} more (run 'petrograd check')\n")
        return None


def assignment_or_report(path: Path | None, story: Story) -> tuple[bool, Assignment | None]:
    """Load --assignment FILE for the story: (True, it or None when not given), or print
    its problems and give (False, None)."""
    if path is None:
        return True, None
    from game.classroom.assignment import load_assignment

    try:
        return True, load_assignment(path, story)
    except StoryError as exc:
        err("the assignment file has problems:")
        for problem in exc.problems[:20]:
            sys.stderr.write(f"  {problem}\n")
        if len(exc.problems) > 20:
            sys.stderr.write(f"  ... and {len(exc.problems) - 20} more\n")
        return False, None


def add_viewpoint_option(parser: argparse.ArgumentParser, doing: str) -> None:
    """`--viewpoint ID`: whom to play, in a story of several viewpoints."""
    parser.add_argument(
        "--viewpoint",
        default=None,
        metavar="ID",
        help=f"{doing} as this viewpoint (see `petrograd check --stats` for their ids)",
    )


def viewpoint_or_report(story: Story, viewpoint: str | None) -> tuple[bool, str | None]:
    """(True, the viewpoint's id or None) when `viewpoint` is one of the story's; else
    (False, None), having said which ones it has."""
    if viewpoint is None or viewpoint in story.viewpoints:
        return True, viewpoint
    known = ", ".join(story.viewpoints) or "none: it has a single one"
    err(f"the story has no viewpoint '{shown(viewpoint)}' (its viewpoints: {known})")
    return False, None
