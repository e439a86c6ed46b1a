"""docs/authoring.md is a tutorial that works: every command in it is run here, in order.

The page's fenced ```sh blocks are run line by line in a scratch folder holding a
copy of examples/; the YAML blocks marked with an HTML comment are applied to the
files first, as the tutorial tells the reader to:

    <!-- doc-test: insert into FILE before "LINE" -->   (or: after "LINE")
    <!-- doc-test: append to FILE -->
    <!-- doc-test: write FILE -->
    <!-- doc-test: output -->   (a ```text block the last command must print)

A command expected to fail says so in a comment: `# exit status 1`.

What the page shows a command printing after an edit the reader is *not* asked to make
(a mistyped id, say) is checked too, in a scratch copy of the folder, which is then thrown
away:

    <!-- doc-test: output of `COMMAND` (exit status 1) after `OLD` -> `NEW` at FILE:LINE -->

(the exit status and the edit are optional; OLD must be on that line of FILE, so the
line numbers the page quotes are checked with it). Every ```text block is an output
one or the other way, so no printed line on the page goes unchecked; each line it
shows must be printed, in that order (the output may hold more lines: a summary, say).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "authoring.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
DIRECTIVE = re.compile(r"<!-- doc-test: (.+?) -->\s*$")
EXIT = re.compile(r"#\s*exit status (\d+)")
SCRATCH = re.compile(
    r"output of `(?P<command>[^`]+)`(?: \(exit status (?P<status>\d+)\))?"
    r"(?: after `(?P<old>[^`]*)` -> `(?P<new>[^`]*)` at (?P<file>[^:\s]+):(?P<line>\d+))?"
)


@dataclass
class Block:
    language: str
    text: str
    directive: str | None
    line: int


def blocks(markdown: str) -> list[Block]:
    out = []
    for match in FENCE.finditer(markdown):
        before = markdown[: match.start()].rstrip("\n").splitlines()
        last = before[-1] if before else ""
        found = DIRECTIVE.search(last)
        out.append(
            Block(
                match.group(1),
                match.group(2),
                found.group(1) if found else None,
                markdown.count("\n", 0, match.start()) + 1,
            )
        )
    return out


def apply(directive: str, text: str, where: Path, line: int) -> None:
    if match := re.fullmatch(r'insert into (\S+) (before|after) "(.*)"', directive):
        path, side, anchor = where / match.group(1), match.group(2), match.group(3)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        hits = [i for i, existing in enumerate(lines) if existing.rstrip("\n") == anchor]
        assert len(hits) == 1, f"docs line {line}: '{anchor}' is in {path.name} {len(hits)} times"
        at = hits[0] + (1 if side == "after" else 0)
        lines[at:at] = [text]
        path.write_text("".join(lines), encoding="utf-8")
    elif match := re.fullmatch(r"append to (\S+)", directive):
        path = where / match.group(1)
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    elif match := re.fullmatch(r"write (\S+)", directive):
        path = where / match.group(1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    else:
        raise AssertionError(f"docs line {line}: unknown doc-test directive '{directive}'")


def printed_in_order(block: Block, output: str) -> None:
    """Each line the block shows is (part of) a line of `output`, in the block's order.
    The reader runs the commands in the repository's folder, where the shipped story's
    files are named from there (scenes/...); here they run in a copy of examples/."""
    printed = output.replace(f"{ROOT}{os.sep}", "").splitlines()
    at = 0
    for wanted in block.text.strip().splitlines():
        found = next((i for i in range(at, len(printed)) if wanted in printed[i]), None)
        assert found is not None, (
            f"docs line {block.line}: not printed (in this order):\n{wanted}\n"
            f"--- what was printed:\n{output}"
        )
        at = found + 1


def run_command(command: str, where: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def scratch_output(block: Block, where: Path, env: dict[str, str]) -> str:
    """Run an `output of` block's command in a scratch copy of `where`, after its edit."""
    found = SCRATCH.fullmatch(block.directive or "")
    assert found, f"docs line {block.line}: unknown doc-test directive '{block.directive}'"
    scratch = where.parent / f"scratch-{block.line}"
    shutil.copytree(where, scratch, symlinks=True)
    try:
        if found["file"]:
            path = scratch / found["file"]
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            number = int(found["line"])
            assert number <= len(lines) and lines[number - 1].count(found["old"]) == 1, (
                f"docs line {block.line}: `{found['old']}` is not on line {number} of "
                f"{found['file']}: {lines[number - 1] if number <= len(lines) else '(no line)'}"
            )
            lines[number - 1] = lines[number - 1].replace(found["old"], found["new"])
            path.write_text("".join(lines), encoding="utf-8")
        result = run_command(found["command"], scratch, env)
    finally:
        shutil.rmtree(scratch)
    want = int(found["status"] or 0)
    where_ = f"docs/authoring.md:{block.line}: {found['command']}"
    assert result.returncode == want, f"{where_}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr, where_
    return result.stdout + result.stderr


def test_every_printed_line_on_the_page_is_checked():
    """A ```text block shows what a command prints: each is compared with the real output."""
    for block in blocks(DOC.read_text(encoding="utf-8")):
        if block.language == "text":
            assert block.directive == "output" or SCRATCH.fullmatch(block.directive or ""), (
                f"docs line {block.line}: a text block without <!-- doc-test: output --> or "
                "<!-- doc-test: output of `COMMAND` ... -->, so nothing checks it"
            )


def test_the_doc_has_commands_and_edits():
    found = blocks(DOC.read_text(encoding="utf-8"))
    commands = [b for b in found if b.language == "sh"]
    edits = [b for b in found if b.directive and b.language == "yaml"]
    assert len(commands) >= 8 and len(edits) >= 6
    text = "\n".join(b.text for b in commands)
    for command in (
        "check",
        "graph",
        "autoplay",
        "test-plan",
        "--exhaustive",
        "--stats",
        "play --dev",
    ):
        assert command in text


def test_every_command_in_the_tutorial_runs(tmp_path):
    exe = Path(sys.executable).parent
    if not (exe / "petrograd").exists():
        pytest.skip("the petrograd command is not installed beside this Python")
    work = tmp_path / "tutorial"  # the reader's folder; scratch copies go beside it
    shutil.copytree(ROOT / "examples", work / "examples")
    env = dict(os.environ, PATH=f"{exe}{os.pathsep}{os.environ.get('PATH', '')}")
    env["PYTHONIOENCODING"] = "utf-8"
    ran = 0
    last_output = ""
    for block in blocks(DOC.read_text(encoding="utf-8")):
        if block.directive == "output":
            printed_in_order(block, last_output)
            continue
        if block.directive is not None and block.directive.startswith("output of "):
            printed_in_order(block, scratch_output(block, work, env))
            continue
        if block.directive is not None:
            apply(block.directive, block.text, work, block.line)
            continue
        if block.language != "sh":
            continue
        for offset, command in enumerate(block.text.splitlines(), start=1):
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            expected = EXIT.search(command)
            result = run_command(command, work, env)
            where = f"docs/authoring.md:{block.line + offset}: {command}"
            want = int(expected.group(1)) if expected else 0
            assert result.returncode == want, f"{where}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stdout + result.stderr, where
            last_output = result.stdout + result.stderr
            ran += 1
    assert ran >= 15
    assert (work / "my-story.mmd").read_text().startswith("%%")
    assert "digraph" in (work / "my-story.dot").read_text()


def test_the_story_map_names_every_viewpoint_chapter_and_ending(shipped_story):
    """docs/story-map.md is redrawn with the story: it cannot silently fall behind it."""
    text = (ROOT / "docs" / "story-map.md").read_text(encoding="utf-8")
    for viewpoint in shipped_story.viewpoints.values():
        assert f"`{viewpoint.id}`" in text and f"`{viewpoint.start}`" in text, viewpoint.id
    for chapter in shipped_story.chapters:
        assert f"`{chapter}`" in text, chapter
    for ending in shipped_story.endings:
        assert f"`{ending}`" in text, ending
    for plan in re.findall(r"`(\w[\w-]*\.yaml)`", text):
        assert (ROOT / "tests" / "plans" / plan).is_file(), plan


#: The reference tables of docs/authoring.md, by their heading, and the shapes they describe.
KEY_TABLES = {
    "`story.yaml` keys": "STORY_FILE",
    "`story:` keys": "STORY_META",
    "Viewpoint keys": "VIEWPOINT",
    "Variable keys": "VARIABLE",
    "Chapter keys": "CHAPTER",
}
TABLE_ROW = re.compile(r"\| `([a-z_]+)` \| ([^|]*?) \|")


def key_table(markdown: str, heading: str) -> dict[str, str]:
    """The `| key | required | ...` rows under a `### heading`: {key: required}."""
    lines = markdown.splitlines()
    assert f"### {heading}" in lines, f"docs/authoring.md has no heading '### {heading}'"
    rows: dict[str, str] = {}
    for line in lines[lines.index(f"### {heading}") + 1 :]:
        if line.startswith("#"):
            break
        if found := TABLE_ROW.match(line):
            assert found.group(1) not in rows, f"{heading}: '{found.group(1)}' twice"
            rows[found.group(1)] = found.group(2)
    return rows


@pytest.mark.parametrize("heading", KEY_TABLES)
def test_the_key_tables_match_the_format(heading):
    """Every key of the format's definition is in its table, required exactly when the
    table says "yes", and the table has no key the format lacks: they cannot drift."""
    from game.engine import schema

    shape = getattr(schema, KEY_TABLES[heading])
    table = key_table(DOC.read_text(encoding="utf-8"), heading)
    assert table == {key.name: "yes" if key.required else "no" for key in shape.keys}
