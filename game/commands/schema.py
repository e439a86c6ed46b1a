"""`petrograd schema`: the JSON Schema of scene files (or test plans), for editors.

The schema is generated from the format's single definition in code
(game/engine/schema.py; test plans: game/tools/plans.py) and kept in the repository
under schema/, where each scene file's first line points the YAML language server:

    # yaml-language-server: $schema=../schema/scene-file.schema.json

`petrograd schema -o my-story` writes it next to a story instead
(my-story/scene-file.schema.json), relaxed when the story has sources of its own or
none (then `sources`, `history` and `note` are not required), and prints the line to
put first in each of the story's files. `--output` names a file when it ends in
`.json`, else a folder (made if it does not exist yet).
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
STORY_FILE = "story.yaml"
#: A sources file is told by its top-level key, written at the start of a line.
_SOURCES_KEY = re.compile(r"^sources[ \t]*:", re.M)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schema = commands.add_parser(
        "schema",
        help="write the JSON Schema of scene files (or test plans) for editors",
        description="Write the JSON Schema of the scene format, generated from its definition "
        "in code. The repository keeps it in schema/scene-file.schema.json. Without "
        "--output it is printed. 'petrograd schema -o my-story' writes "
        "my-story/scene-file.schema.json next to a story (relaxed when the story has "
        "sources of its own or 'sources: none') and prints the line to put first in each "
        "of its files.",
    )
    schema.add_argument(
        "--kind", choices=KINDS, default="scene-file", help="which schema (default scene-file)"
    )
    schema.add_argument(
        "--output",
        "-o",
        type=str,  # kept as given: a final / says it is a folder
        default=None,
        metavar="PATH",
        help="a name ending in .json is the file to write; any other name is a folder "
        "(made if it does not exist yet), into which KIND.schema.json is written",
    )
    schema.add_argument(
        "--check",
        action="store_true",
        help="with --output: do not write; exit 1 if the file differs from the generated schema",
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
    """Whether `folder` is a story that does without Victor Serge's article: it holds
    story.yaml, and that file's `story:` says `sources: none` or a file of the story
    (in `folder` or a sub-folder, but not under a sub-folder holding a story.yaml of its
    own) has the top-level key `sources:`. A scene pack (a folder without story.yaml)
    never does: its scenes cite the story's sources. Files that cannot be read or parsed
    count for nothing here; `petrograd check` reports them."""
    from game.engine.loader import story_files
    from game.engine.yamlread import read_limited, read_yaml_bytes

    story_yaml = folder / STORY_FILE
    if not story_yaml.is_file():
        return False
    data, _ = read_limited(story_yaml, str(story_yaml))
    if data is not None:
        parsed, _ = read_yaml_bytes(data, str(story_yaml))
        story = parsed.get("story") if isinstance(parsed, dict) else None
        if isinstance(story, dict) and story.get("sources") == "none":
            return True
    for path in story_files(folder):
        if _in_another_story(path, folder):
            continue
        data, _ = read_limited(path, str(path))
        if data is not None and _SOURCES_KEY.search(data.decode("utf-8", "replace")):
            return True
    return False


def _in_another_story(path: Path, folder: Path) -> bool:
    """Whether `path`, a file under `folder`, lies in a sub-folder holding a story.yaml
    (another story, not part of `folder`'s)."""
    try:
        parts = path.parent.relative_to(folder).parts
    except ValueError:
        return False
    return any(
        (folder.joinpath(*parts[:n]) / STORY_FILE).is_file() for n in range(1, len(parts) + 1)
    )


class _Refused(Exception):
    """--output names nothing that can be written; the message says what to give."""


def _target(spelt: str) -> tuple[Path, Path | None]:
    """The file --output names, and the folder it is written into when a folder was
    given (else None). A name ending in `.json` is a file; one ending in `/`, an existing
    folder or a name that does not exist yet is a folder."""
    if not spelt.strip():
        raise _Refused(
            "--output needs a name: a folder (such as my-story) or a file ending in .json"
        )
    path = Path(spelt)
    if spelt.endswith(("/", os.sep)):
        if path.exists() and not path.is_dir():
            raise _Refused(f"{spelt.rstrip('/' + os.sep)} is a file, not a folder")
        return path, path
    if path.is_dir():
        return path, path
    if spelt.lower().endswith(".json"):
        return path, None
    if path.exists() or path.is_symlink():
        raise _Refused(
            f"{spelt} is a file, not a folder, and its name does not end in .json; "
            "give a folder, or a file name ending in .json"
        )
    return path, path


def run(args: argparse.Namespace) -> int:
    from game.engine.files import shown

    if args.output is None:
        if args.check:
            err("--check needs --output FILE to compare with")
            return 2
        sys.stdout.write(schema_text(args.kind))
        return 0
    try:
        output, folder = _target(args.output)
    except _Refused as refused:
        err(str(refused))
        return 2
    new_folder = folder is not None and not folder.exists()
    if folder is not None:
        output = folder / f"{args.kind}.schema.json"
    relaxed = args.kind == "scene-file" and folder is not None and cites_no_article(folder)
    text = schema_text(args.kind, relaxed=relaxed)
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
    if new_folder and folder is not None:
        print(f"made the folder {shown(folder)}")
    if folder is None:
        print(f"wrote {shown(output)}")
    elif args.kind == "test-plan":
        _tell_plan_line(output, folder)
    else:
        _tell_scene_line(output, folder, relaxed=relaxed)
    return 0


def _tell_scene_line(output: Path, folder: Path, *, relaxed: bool) -> None:
    from game.engine.files import shown

    if relaxed:
        what = "for a story with sources of its own or none: scenes and choices need no "
        what += "'sources', 'history' or 'note'"
    else:
        what = "every scene and choice cites Victor Serge's article, as in the shipped story"
    print(f"wrote {shown(output)} ({what})")
    print(f"put this line first in each file of {shown(folder)}:")
    print(f"{MODELINE}{output.name}")
    print(f"(in a sub-folder, one ../ for each level: {MODELINE}../{output.name})")


def _tell_plan_line(output: Path, folder: Path) -> None:
    """Test plans live outside a story folder (the loader would read a plan there as a
    scene file), so the line is told for a plan beside the schema, or, when the folder is
    a story's, for a plan in a folder beside the story."""
    from game.engine.files import shown

    print(f"wrote {shown(output)} (the schema of test plans)")
    if (folder / STORY_FILE).is_file():
        name = folder.resolve().name
        print(
            f"test plans live outside a story's folder; put this line first in a plan in a "
            f"folder beside {shown(folder)} (such as plans/):"
        )
        print(f"{MODELINE}../{shown(name)}/{output.name}")
    else:
        print(f"put this line first in each test plan in {shown(folder)}:")
        print(f"{MODELINE}{output.name}")
