"""The `petrograd` command line: a thin dispatcher over game/commands/*.

Each command's module is imported only when needed, and the headless ones never
import Textual, so `petrograd --version` and `petrograd check` start fast. This module
imports nothing at all (`petrograd --version` prints from here); the parser and its
messages are in game/cliparse.py, imported once a command is to be run.

`play` is the command when none is named, and its options work without the word:
`petrograd --data-dir DIR` is `petrograd play --data-dir DIR`. A mistake in the
command line says what was probably meant (`petrograd plya`: did you mean play?),
under the usage of the command in question, and exits with status 2 as argparse does.
"""

from __future__ import annotations

import sys

from game import __version__

TYPE_CHECKING = False  # not `typing`'s: that would be an import
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

#: Subcommands, in the order `--help` lists them: name -> module under game.commands.
COMMANDS = {
    "play": "game.commands.play",
    "serve": "game.commands.serve",
    "check": "game.commands.check",
    "graph": "game.commands.graph",
    "autoplay": "game.commands.autoplay",
    "test-plan": "game.commands.plans",
    "coverage": "game.commands.coverage",
    "schema": "game.commands.schema",
    "report": "game.commands.report",
    "lsp": "game.commands.lsp",
}


def _command_of(arguments: Sequence[str]) -> str | None:
    """The command the arguments name; None for the top-level help (`-h` before any
    command: it needs every command's parser) and when the first word is no command.

    `play` when there is no word at all, or when the arguments begin with an option
    that is not petrograd's own (-h, --help, --version): those are play's options
    without the word (`petrograd --data-dir DIR`, whose DIR is not a command)."""
    for argument in arguments:
        if argument in ("-h", "--help"):
            return None
        if argument == "--version":
            continue
        if argument.startswith("-"):
            return "play"
        return argument if argument in COMMANDS else None
    return "play"


def __getattr__(name: str) -> Any:
    """The parser's parts (`_parser`, `_build`, ...), from game/cliparse.py when first asked."""
    if name.startswith("_") and not name.startswith("__"):
        from game import cliparse

        try:
            return getattr(cliparse, name)
        except AttributeError:
            pass
    raise AttributeError(f"module 'game.cli' has no attribute '{name}'")


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] in (["--version"], ["-V"]):  # the fast path: no parser, no imports
        print(f"petrograd {__version__}")
        return 0
    from game import startup

    startup.hold()  # released once the game is on screen, or at once for other commands
    try:
        import importlib

        from game.cliparse import _parse

        try:
            args = _parse(arguments)
        except SystemExit as exc:  # --help, --version, or a mistake already reported
            return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
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
