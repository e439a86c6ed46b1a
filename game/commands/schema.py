"""`petrograd schema`: the JSON Schema of scene files (or test plans), for editors.

The schema is generated from the format's single definition in code
(game/engine/schema.py; test plans: game/tools/plans.py) and kept in the repository
under schema/, where each scene file's first line points the YAML language server:

    # yaml-language-server: $schema=../schema/scene-file.schema.json

`petrograd schema -o my-story` writes it next to a story instead
(my-story/scene-file.schema.json), relaxed when the story has sources of its own or
none (then `sources`, `history` and `note` are not required), and prints the line to
put first in each of the story's files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from game.commands.common import err

KINDS = ("scene-file", "test-plan")
MODELINE = "# yaml-language-server: $schema="
#: A story file's kind is its top-level key, written at the start of a line.
_TOP_KEY = re.compile(r"^(story|sources)[ \t]*:", re.M)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schema = commands.add_parser(
        "schema",
        help="write the JSON Schema of scene files (or test plans) for editors",
        description="Write the JSON Schema of the scene format, generated from its definition "
        "in code. The repository keeps it in schema/scene-file.schema.json. Given a folder "
        "(one that exists, or a name ending in /), it writes KIND.schema.json into it: "
        "'petrograd schema -o my-story' puts the schema next to a story, relaxed when the "
        "story has sources of its own or 'sources: none', and prints the line to put first "
        "in each of its files.",
    )
    schema.add_argument(
        "--kind", choices=KINDS, default="scene-file", help="which schema (default scene-file)"
    )
    schema.add_argument(
        "--output",
        "-o",
        type=str,  # kept as given: a final / says it is a folder
        default=None,
        metavar="FILE",
        help="write to FILE, or into the folder FILE as KIND.schema.json",
    )
    schema.add_argument(
        "--check",
        action="store_true",
        help="with --output: do not write; exit 1 if FILE differs from the generated schema",
    )


def schema_text(kind: str, *, relaxed: bool = False) -> str:
    """The schema as the repository keeps it: indented JSON with a final newline.
    `relaxed`: for a story with sources of its own or none (scene files only)."""
    data: dict[str, Any]
    if kind == "test-plan":
        from game.tools.plans import json_schema as plan_schema

        data = plan_schema()
    else:
        from game.engine.schema import json_schema

        data = json_schema(relaxed=relaxed)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def cites_no_article(folder: Path) -> bool:
    """Whether the story in `folder` does without Victor Serge's article: it holds a
    sources file of its own (a file whose top-level key is `sources:`) or its story.yaml
    says `sources: none`. Files that cannot be read or parsed count for nothing here;
    `petrograd check` reports them."""
    from game.engine.loader import story_files
    from game.engine.yamlread import read_limited, read_yaml_bytes

    for path in story_files(folder):
        data, _ = read_limited(path, str(path))
        if data is None:
            continue
        keys = {m.group(1) for m in _TOP_KEY.finditer(data.decode("utf-8", "replace"))}
        if "sources" in keys:
            return True
        if "story" in keys:
            parsed, _ = read_yaml_bytes(data, str(path))
            story = parsed.get("story") if isinstance(parsed, dict) else None
            if isinstance(story, dict) and story.get("sources") == "none":
                return True
    return False


def _is_folder(output: Path, spelt: str) -> bool:
    return output.is_dir() or spelt.endswith(("/", os.sep))


def run(args: argparse.Namespace) -> int:
    from game.engine.files import shown

    output = Path(args.output) if args.output is not None else None
    folder: Path | None = None
    relaxed = False
    if output is not None and _is_folder(output, args.output):
        folder = output
        output = folder / f"{args.kind}.schema.json"
        relaxed = args.kind == "scene-file" and folder.is_dir() and cites_no_article(folder)
    text = schema_text(args.kind, relaxed=relaxed)
    if output is None:
        if args.check:
            err("--check needs --output FILE to compare with")
            return 2
        sys.stdout.write(text)
        return 0
    if args.check:
        try:
            current = output.read_text(encoding="utf-8")
        except OSError as exc:
            err(f"{output}: cannot read it: {exc.strerror}")
            return 1
        if current != text:
            err(
                f"{output} is out of date; run: petrograd schema --kind {args.kind} "
                f"--output {args.output}"
            )
            return 1
        return 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        err(f"{output}: cannot write the schema: {exc.strerror}")
        return 1
    if folder is not None:
        if args.kind == "test-plan":
            what = "the schema of test plans"
        elif relaxed:
            what = "for a story with sources of its own or none: scenes and choices need no "
            what += "'sources', 'history' or 'note'"
        else:
            what = "every scene and choice cites Victor Serge's article, as in the shipped story"
        print(f"wrote {shown(output)} ({what})")
        print(f"put this line first in each file of {shown(folder)}:")
        print(f"{MODELINE}{output.name}")
        print(f"(in a sub-folder, one ../ for each level: {MODELINE}../{output.name})")
    return 0
