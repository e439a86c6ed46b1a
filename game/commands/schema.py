"""`petrograd schema`: the JSON Schema of scene files (or test plans), for editors.

The schema is generated from the format's single definition in code
(game/engine/schema.py; test plans: game/tools/plans.py) and kept in the repository
under schema/, where each scene file's first line points the YAML language server:

    # yaml-language-server: $schema=../schema/scene-file.schema.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from game.commands.common import err

KINDS = ("scene-file", "test-plan")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schema = commands.add_parser(
        "schema",
        help="write the JSON Schema of scene files (or test plans) for editors",
        description="Write the JSON Schema of the scene format, generated from its definition "
        "in code. The repository keeps it in schema/scene-file.schema.json.",
    )
    schema.add_argument(
        "--kind", choices=KINDS, default="scene-file", help="which schema (default scene-file)"
    )
    schema.add_argument(
        "--output", "-o", type=Path, default=None, metavar="FILE", help="write to FILE"
    )
    schema.add_argument(
        "--check",
        action="store_true",
        help="with --output: do not write; exit 1 if FILE differs from the generated schema",
    )


def schema_text(kind: str) -> str:
    """The schema as the repository keeps it: indented JSON with a final newline."""
    data: dict[str, Any]
    if kind == "test-plan":
        from game.tools.plans import json_schema as plan_schema

        data = plan_schema()
    else:
        from game.engine.schema import json_schema

        data = json_schema()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    text = schema_text(args.kind)
    if args.output is None:
        if args.check:
            err("--check needs --output FILE to compare with")
            return 2
        sys.stdout.write(text)
        return 0
    if args.check:
        try:
            current = args.output.read_text(encoding="utf-8")
        except OSError as exc:
            err(f"{args.output}: cannot read it: {exc.strerror}")
            return 1
        if current != text:
            err(
                f"{args.output} is out of date; run: petrograd schema --kind {args.kind} "
                f"--output {args.output}"
            )
            return 1
        return 0
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"{args.output}: cannot write the schema: {exc.strerror}")
        return 1
    return 0
