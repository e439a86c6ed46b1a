"""`petrograd lsp`: the language server, over stdin and stdout, for editors.

It publishes `check`'s problems as you type and completes, explains and follows the
names in story files (game/lsp/). pygls is imported only when the server starts, so
the other commands never load it.
"""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lsp = commands.add_parser(
        "lsp",
        help="run the language server for editors (over stdin and stdout)",
        description="Run the language server for story files: check's problems as you type, "
        "completion of scene ids, variables, codex terms and paragraph ids, hover and "
        "go-to-definition. An editor starts it; docs/authoring.md says how. It speaks the "
        "Language Server Protocol over stdin and stdout until the editor stops it.",
    )
    lsp.add_argument(
        "--stdio",
        action="store_true",
        help="talk over stdin and stdout (the default and only way; accepted because "
        "some editors add it)",
    )


def run(args: argparse.Namespace) -> int:
    from game.lsp.server import main

    return main()
