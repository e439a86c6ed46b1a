"""`petrograd play` (and plain `petrograd`): the full-screen game, or plain text."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from game import startup
from game.commands.common import (
    add_data_option,
    add_story_options,
    add_viewpoint_option,
    assignment_or_report,
    err,
    load_or_report,
    viewpoint_or_report,
)

if TYPE_CHECKING:
    from game.classroom.session import ClassroomSession
    from game.engine import Story
    from game.session import PlaySession, Rules


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
    add_viewpoint_option(play, "start a new game")
    play.add_argument(
        "--assignment",
        type=Path,
        default=None,
        metavar="FILE",
        help="play a teacher's assignment (asks for your name; writes a record to hand in)",
    )
    play.add_argument(
        "--records",
        type=Path,
        default=None,
        metavar="DIR",
        help="where handed-in records are written (default: 'Petrograd 1917 records' in your Documents)",
    )
    play.add_argument(
        "--dev",
        action="store_true",
        help="for authors: reload the story whenever its files change, keeping your place",
    )
    play.add_argument(
        "--start",
        default=None,
        metavar="SCENE",
        help="with --dev: start a test game at this scene (on history's path to it)",
    )
    play.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --dev: start a test game with this variable set (repeatable)",
    )
    play.add_argument(
        "--web",
        action="store_true",
        help=argparse.SUPPRESS,  # used by `petrograd serve`: one browser tab, one private data folder
    )


def can_draw() -> bool:
    """Whether the full-screen game can run here (a real, capable terminal and Textual)."""
    if "web_driver" in os.environ.get("TEXTUAL_DRIVER", ""):
        return True  # served to a browser by `petrograd serve`
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    if os.environ.get("TERM", "") in ("", "dumb"):
        return False
    from importlib.util import find_spec

    return find_spec("textual") is not None


def run(args: argparse.Namespace) -> int:
    # No cache for --dev (the author's files change as they play) nor for an assignment
    # (the record must rest on the story's files themselves).
    story = load_or_report(args, cached=not args.dev and args.assignment is None)
    if story is None:
        return 1
    from game.paths import data_dir, records_dir
    from game.session import PlaySession

    ok, assignment = assignment_or_report(args.assignment, story)
    if not ok:
        return 1
    ok, viewpoint = viewpoint_or_report(story, args.viewpoint)
    if not ok:
        return 1
    folder = data_dir(args.data_dir)
    if args.web:
        # A browser tab's game ends when its server is gone, however the server ended.
        # Without an assignment, one tab is one player: a private folder, inside
        # --data-dir when one was given, removed when the game ends (game/webtab.py).
        from game.webtab import end_with_the_server, open_tab_folder

        end_with_the_server()
        if assignment is None:
            folder = open_tab_folder(folder if args.data_dir is not None else None)
    session = PlaySession(story, folder, seed=args.seed)
    if args.start is not None or args.settings:
        rules = dev_rules_or_report(story, args)
        if rules is None:
            return 2
        session.rules = rules
        # a test game keeps its saves and endings apart: the player's own are never touched
        session.use_folder(folder / "test-games")
    classroom = None
    if assignment is not None:
        from game.classroom.session import ClassroomSession

        # Served to browsers, many students share the server's data: a name needs its code.
        classroom = ClassroomSession(
            session, assignment, records_dir(args.records), shared=args.web
        )
    if args.web:
        follow_in_status_file(session, classroom)
    watch = None
    if args.dev:
        from game.commands.common import story_folders
        from game.devwatch import StoryWatch
        from game.paths import assets_dir

        watch = StoryWatch(story_folders(args.story, args.scenes), assets_dir())
    if args.plain or not can_draw():
        from game.plain import play_plain

        startup.release()
        if not args.plain and sys.stdout.isatty():
            err("this terminal cannot show the full-screen game; playing in plain text")
        return play_plain(
            session, classroom=classroom, resume=args.resume, watch=watch, viewpoint=viewpoint
        )
    from game.tui.app import run_app

    return run_app(
        session, classroom=classroom, resume=args.resume, watch=watch, viewpoint=viewpoint
    )


def dev_rules_or_report(story: Story, args: argparse.Namespace) -> Rules | None:
    """The rules of `--dev --start SCENE --set NAME=VALUE`: every new game a dev start
    there (see game/engine/game.py `Game`); None, having said why, when they are used
    without --dev (a usage error), with another way to begin, or name what the story lacks."""
    import difflib

    from game.engine.game import dev_setting
    from game.session import Rules

    usage = "usage: petrograd play --dev [--start SCENE] [--set NAME=VALUE ...]"
    if not args.dev:
        sys.stderr.write(f"{usage}\n")
        err("--start and --set begin an author's test game: use them with --dev")
        return None
    if args.start is not None and getattr(args, "viewpoint", None) is not None:
        sys.stderr.write(f"{usage}\n")
        err("--start names the scene to begin at; leave out --viewpoint (the scene says whose it is)")
        return None
    if args.resume or args.assignment is not None:
        sys.stderr.write(f"{usage}\n")
        err("--start and --set begin a new test game: not with --continue or --assignment")
        return None
    if args.start is not None and args.start not in story.scenes:
        near = difflib.get_close_matches(args.start, list(story.scenes), n=3)
        hint = f"did you mean {' or '.join(near)}?" if near else "petrograd graph lists them"
        err(f"the story has no scene '{args.start}' to start at ({hint})")
        return None
    values = {}
    for setting in args.settings:
        try:
            name, value = dev_setting(story, setting)
        except ValueError as exc:
            err(f"--set: {exc}")
            return None
        values[name] = value
    return Rules(start=args.start, variables=values)


def follow_in_status_file(session: PlaySession, classroom: ClassroomSession | None) -> None:
    """Served to a browser: after every command, write where the game has got to into the
    status file the server named (game/webstatus.py), for the teacher's page. A write
    that fails never stops the game; an unchanged status is not written again."""
    from game.webstatus import TabStatus, now_iso, status_path_from_env, write_status

    path = status_path_from_env()
    if path is None:
        return
    last: list[TabStatus | None] = [None]
    #: Without an assignment, when the game on screen began (for the page's minutes).
    began: dict[int, str] = {}

    def write() -> None:
        game = session.game
        if game is not None and id(game) not in began:
            began.clear()
            began[id(game)] = now_iso()
        viewpoint = session.story.viewpoint_of(game.scene.id) if game is not None else None
        frame = game.frame if game is not None else None
        status = TabStatus(
            student=classroom.student if classroom is not None else None,
            assignment=classroom.assignment.id if classroom is not None else None,
            viewpoint=viewpoint.name if viewpoint is not None else None,
            chapter=f"Ch. {frame.chapter.number}: {frame.chapter.title}" if frame else None,
            scene=frame.scene.title if frame else None,
            step=frame.step if frame else 0,
            started_at=(
                (classroom.started_at or None)
                if classroom is not None
                else began.get(id(game))
                if game is not None
                else None
            ),
            handed_in_at=(classroom.handed_in_at or None) if classroom is not None else None,
            finished=bool(frame and frame.ended),
            updated_at="",
        )
        if status != last[0]:
            last[0] = status
            write_status(path, dataclasses.replace(status, updated_at=now_iso()))

    session.observers.append(write)
    write()
