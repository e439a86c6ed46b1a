"""`petrograd graph`: the scene graph as Mermaid (default) or Graphviz DOT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from game.commands.common import add_story_options, err, load_or_report


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    graph = commands.add_parser(
        "graph",
        help="write the scene graph (Mermaid or Graphviz DOT)",
        description="Write the scene graph: chapters as clusters (top to bottom), endings "
        "marked, divergent choices dashed, conditional choices labelled with their condition, "
        "the scenes and choices of scene packs in blue.",
    )
    graph.add_argument(
        "--format",
        choices=("mermaid", "dot"),
        default="mermaid",
        help="mermaid (default; GitHub and many editors draw it) or dot (Graphviz)",
    )
    graph.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="FILE",
        help="write to FILE instead of standard output",
    )
    graph.add_argument(
        "--chapter",
        default=None,
        metavar="ID",
        help="draw one chapter (and, as plain boxes, the scenes it leads to or comes from)",
    )
    graph.add_argument(
        "--pack",
        type=Path,
        default=None,
        metavar="DIR",
        help="draw only the scenes a scene pack adds or extends (the pack is loaded too)",
    )
    graph.add_argument(
        "--effects", action="store_true", help="label each choice with its effects as well"
    )
    add_story_options(graph)


def run(args: argparse.Namespace) -> int:
    from game.tools.graph import render, view

    if args.pack is not None and args.pack not in args.scenes:
        args.scenes = [*args.scenes, args.pack]
    story = load_or_report(args)
    if story is None:
        return 1
    try:
        shown = view(
            story, chapter=args.chapter, pack=args.pack, packs=args.scenes, effects=args.effects
        )
    except ValueError as exc:  # UnknownChapter too
        err(str(exc))
        return 1
    text = render(story, args.format, shown)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"{args.output}: cannot write the graph: {exc.strerror}; check the folder exists")
        return 1
    return 0
