"""docs/authoring.md is a tutorial that works: every command in it is run here, in order.

The page's fenced ```sh blocks are run line by line in a scratch folder holding a
copy of examples/; the YAML blocks marked with an HTML comment are applied to the
files first, as the tutorial tells the reader to:

    <!-- doc-test: insert into FILE before "LINE" -->   (or: after "LINE")
    <!-- doc-test: append to FILE -->
    <!-- doc-test: write FILE -->
    <!-- doc-test: output -->   (a ```text block the last command must print)

A command expected to fail says so in a comment: `# exit status 1`.
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
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = dict(os.environ, PATH=f"{exe}{os.pathsep}{os.environ.get('PATH', '')}")
    env["PYTHONIOENCODING"] = "utf-8"
    ran = 0
    last_output = ""
    for block in blocks(DOC.read_text(encoding="utf-8")):
        if block.directive == "output":
            for wanted in block.text.strip().splitlines():
                assert wanted in last_output, f"docs line {block.line}: not printed:\n{wanted}"
            continue
        if block.directive is not None:
            apply(block.directive, block.text, tmp_path, block.line)
            continue
        if block.language != "sh":
            continue
        for offset, command in enumerate(block.text.splitlines(), start=1):
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            expected = EXIT.search(command)
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
            )
            where = f"docs/authoring.md:{block.line + offset}: {command}"
            want = int(expected.group(1)) if expected else 0
            assert result.returncode == want, f"{where}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stdout + result.stderr, where
            last_output = result.stdout + result.stderr
            ran += 1
    assert ran >= 15
    assert (tmp_path / "my-story.mmd").read_text().startswith("%%")
    assert "digraph" in (tmp_path / "my-story.dot").read_text()


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
