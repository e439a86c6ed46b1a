"""The `petrograd` command line: a thin dispatcher over game/commands/*.

Each command's module is imported only when needed, and the headless ones never
import Textual, so `petrograd --version` and `petrograd check` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from game import __version__, startup

#: Subcommands, in the order `--help` lists them: name -> module under game.commands.
COMMANDS = {
    "play": "game.commands.play",
    "serve": "game.commands.serve",
    "check": "game.commands.check",
    "graph": "game.commands.graph",
    "autoplay": "game.commands.autoplay",
    "test-plan": "game.commands.plans",
    "schema": "game.commands.schema",
    "report": "game.commands.report",
}


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, knowing just that one command.

    Each command's options are added by its module, and some of those import the
    tools they describe (for defaults), so a parser that knows every command imports
    every module: `petrograd` on its own, which just plays, needs only `play`'s.
    """
    parser = argparse.ArgumentParser(
        prog="petrograd",
        description="Petrograd 1917: a text adventure about the night the Soviets took power.",
        epilog="With no command, starts the game (the full-screen one in a terminal, else plain text).",
    )
    parser.add_argument("--version", action="version", version=f"petrograd {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(commands)
    return parser


def _command_of(arguments: Sequence[str]) -> str | None:
    """The command the arguments name (`play` when none), or None when every command's
    parser is needed: for the top-level help, or to say that a command is unknown."""
    for argument in arguments:
        if argument in ("-h", "--help"):
            return None
        if not argument.startswith("-"):
            return argument if argument in COMMANDS else None
    return "play"


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments in (["--version"], ["-V"]):  # the fast path: no parser, no imports
        print(f"petrograd {__version__}")
        return 0
    startup.hold()  # released once the game is on screen, or at once for other commands
    try:
        parser = _parser(only=_command_of(arguments))
        args = parser.parse_args(arguments)
        if args.command is None:
            args = parser.parse_args(["play", *arguments])
        if args.command != "play":
            startup.release(freeze=False)
        return int(importlib.import_module(COMMANDS[args.command]).run(args))
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        return 0
    finally:
        startup.release(freeze=False)
