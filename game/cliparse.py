"""The parser of the `petrograd` command line, and its messages (see game/cli.py)."""

from __future__ import annotations

import argparse
import difflib
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from game import __version__
from game.cli import COMMANDS, _command_of

_EPILOG = (
    "With no command, starts the game (the full-screen one in a terminal, else plain text), "
    "and every option of play works without the word: `petrograd --plain` is "
    "`petrograd play --plain`."
)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with two changes for people typing commands.

    No abbreviations: argparse would take `--stat` for `--stats`, and an option added
    later could make an abbreviation someone relies on ambiguous; instead a misspelt
    option is refused, naming the nearest one. And it remembers which options it has
    (argparse keeps no public list of them) to suggest them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.shown_options: list[str] = []  # filled by add_argument, which __init__ calls for -h
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.help is not argparse.SUPPRESS:
            self.shown_options.extend(o for o in action.option_strings if o.startswith("--"))
        return action

    def error(self, message: str) -> NoReturn:
        """Usage, then the mistake, then exit 2 (argparse's way), in plainer words."""
        found = re.fullmatch(r"(argument \S+: )invalid int value: '(.*)'", message)
        if found:
            message = f"{found[1]}'{found[2]}' is not a whole number"
        self.refuse(f"error: {message}")

    def refuse(self, *lines: str) -> NoReturn:
        """Usage, then `prog: line` for each line, then exit 2. The lines repeat what was
        typed, so they are made safe to print (as game/commands/common.py `err` does)."""
        from game.engine.files import shown

        self.print_usage(sys.stderr)
        self.exit(2, "".join(f"{self.prog}: {shown(line)}\n" for line in lines))


def _build(only: str | None = None) -> tuple[_Parser, dict[str, _Parser]]:
    """The command line's parser and its commands' ones; with `only`, just that command."""
    parser = _Parser(
        prog="petrograd",
        usage="%(prog)s [-h] [--version] [command] [options]",
        description="Petrograd 1917: a text adventure about the night the Soviets took power.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"petrograd {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command", prog="petrograd")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(commands)
    built: dict[str, _Parser] = dict(commands.choices)
    play = built.get("play")
    if play is not None:
        # `petrograd --plain --version` prints the version, as `petrograd --version` does
        play.add_argument(
            "--version",
            action="version",
            version=f"petrograd {__version__}",
            help=argparse.SUPPRESS,
        )
        listed = ", ".join(play.shown_options[1:])  # all but --help
        parser.epilog = (
            f"{_EPILOG} Its options: {listed} (petrograd play --help says what each does)."
        )
    return parser, built


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, knowing just that one command.

    Each command's options are added by its module, and some of those import the
    tools they describe (for defaults), so a parser that knows every command imports
    every module: `petrograd` on its own, which just plays, needs only `play`'s.
    """
    return _build(only)[0]


def _first_word(arguments: Sequence[str]) -> str | None:
    return next((a for a in arguments if not a.startswith("-")), None)


def _unknown_command(word: str) -> NoReturn:
    """Refuse a first word that is no command, under the top-level usage and the list of
    commands (known without importing any of their modules)."""
    parser, _ = _build(only="")
    near = ["--help"] if word == "help" else difflib.get_close_matches(word, COMMANDS, n=1)
    hint = f"; did you mean {near[0]}?" if near else " (petrograd --help says what each does)"
    parser.usage = f"{parser.usage}\n       commands: {', '.join(COMMANDS)}"
    parser.refuse(f"unknown command '{word}'{hint}")


def _unexpected(extras: list[str], parser: _Parser) -> NoReturn:
    """Refuse what the command's parser did not take: its unknown options, each with the
    nearest one it has (the words after them are probably their values), else the words."""
    negative = re.compile(r"-\d+$|-\d*\.\d+$")  # argparse takes these as words too
    options = [e for e in extras if e.startswith("-") and not negative.match(e)]
    if options:
        parts = []
        for option in options:
            near = difflib.get_close_matches(option.split("=")[0], parser.shown_options, n=1)
            parts.append(
                f"unknown option '{option}'" + (f"; did you mean {near[0]}?" if near else "")
            )
        parser.refuse(*parts)
    said = ", ".join(f"'{e}'" for e in extras)
    message = f"unexpected argument{'s' if len(extras) > 1 else ''} {said}"
    if extras[0] in COMMANDS:
        message += f"; a command comes first: petrograd {extras[0]} ..."
    parser.refuse(message)


def _parse(arguments: list[str]) -> argparse.Namespace:
    """The arguments, parsed; every mistake exits (SystemExit) having said what it is."""
    command = _command_of(arguments)
    word = _first_word(arguments)
    if command is None and word is not None:
        if not {"-h", "--help"} & set(arguments[: arguments.index(word)]):
            _unknown_command(word)
    parser, commands = _build(only=command)
    if command == "play" and arguments[:1] != ["play"]:
        arguments = ["play", *arguments]  # play's options without the word
    args, extras = parser.parse_known_args(arguments)
    if args.command is None:  # not expected: the help and the version have exited
        parser.refuse("say which command (petrograd --help lists them)")
    if extras:
        _unexpected(extras, commands[args.command])
    return args
