"""`petrograd serve`: the game in browsers, from one machine (textual-serve).

Every browser tab starts its own `petrograd play --web` process, so each tab is its
own game. Without an assignment a tab keeps its saves in a private temporary
folder, removed when the tab's game ends; with one, each student's saves are kept
under their name. Records are written to the server's records folder.

The limits (game/webserve.py): at most --max-games games at once (the tab over it
is told the game is full); a browser's terminal is kept within 10..500 columns and
5..200 rows, whatever size it asks for.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from game.commands.common import add_data_option, add_story_options, err
from game.webtab import (
    DEFAULT_MAX_GAMES,
    MAX_HEIGHT,
    MAX_WIDTH,
    MIB_PER_GAME,
    MIN_HEIGHT,
    MIN_WIDTH,
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = commands.add_parser(
        "serve",
        help="serve the game to web browsers (a class on one machine)",
        description=(
            "Serve the game to web browsers: each tab is its own game, a process of about "
            f"{MIB_PER_GAME} MiB. A browser's screen is kept within {MIN_WIDTH}..{MAX_WIDTH} "
            f"columns and {MIN_HEIGHT}..{MAX_HEIGHT} rows, whatever size it asks for."
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--public-url",
        default=None,
        help="the address students type, if not http://HOST:PORT (e.g. behind a proxy)",
    )
    serve.add_argument(
        "--assignment", type=Path, default=None, metavar="FILE", help="an assignment to follow"
    )
    serve.add_argument(
        "--records",
        type=Path,
        default=Path("petrograd-records"),
        metavar="DIR",
        help="where students' records are written (default: ./petrograd-records)",
    )
    serve.add_argument(
        "--max-games",
        type=_at_least_one,
        default=DEFAULT_MAX_GAMES,
        metavar="N",
        help=f"at most N games at once (default: {DEFAULT_MAX_GAMES}); each takes about "
        f"{MIB_PER_GAME} MiB of memory, so {DEFAULT_MAX_GAMES} take about "
        f"{DEFAULT_MAX_GAMES * MIB_PER_GAME / 1024:.0f} GiB. The tab over the limit is told the "
        "game is full; a game's place frees when its tab closes",
    )
    add_story_options(serve)
    add_data_option(serve)


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of games (1 or more)")
    return number


def play_command(args: argparse.Namespace) -> str:
    """The command each browser tab runs."""
    parts = [
        sys.executable,
        "-m",
        "game",
        "play",
        "--web",
        "--records",
        str(args.records.resolve()),
    ]
    if args.assignment is not None:
        parts += ["--assignment", str(args.assignment.resolve())]
    if args.story is not None:
        parts += ["--story", str(args.story.resolve())]
    for pack in args.scenes:
        parts += ["--scenes", str(pack.resolve())]
    if args.data_dir is not None:
        parts += ["--data-dir", str(args.data_dir.resolve())]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    from game.commands.common import load_or_report

    if load_or_report(args) is None:  # fail here, once, rather than in every tab
        return 1
    if args.assignment is not None:
        from game.classroom.assignment import load_assignment
        from game.commands.common import story_folders
        from game.engine import StoryError, load_story
        from game.paths import assets_dir

        try:
            load_assignment(
                args.assignment,
                load_story(story_folders(args.story, args.scenes), assets=assets_dir()),
            )
        except StoryError as exc:
            err("the assignment file has problems:")
            for problem in exc.problems:
                sys.stderr.write(f"  {problem}\n")
            return 1
    try:
        args.records.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err(f"cannot use the records folder {args.records}: {exc.strerror}")
        return 1
    try:
        from game.webserve import GameServer
    except ImportError:
        err("serving to browsers needs textual-serve: pip install textual-serve")
        return 1
    from game.webtab import tabs_parent

    server = GameServer(
        play_command(args),
        max_games=args.max_games,
        tabs_folder=tabs_parent(args.data_dir.resolve() if args.data_dir is not None else None),
        host=args.host,
        port=args.port,
        title="Petrograd 1917",
        public_url=args.public_url,
    )
    print(f"Serving Petrograd 1917 at {server.public_url} (Ctrl+C to stop)")
    print(f"Students' records go to {args.records.resolve()}")
    print(f"At most {args.max_games} games at once (--max-games)")
    sys.stdout.flush()
    server.serve()
    return 0
