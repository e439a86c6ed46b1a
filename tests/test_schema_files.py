"""Editor support: the JSON Schemas in schema/ are generated from the format's definition in
code, kept in sync, valid, agree with the loader, and every scene file points to them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from game.commands.schema import schema_text
from game.engine import schema
from game.engine.yamlread import read_yaml_file, read_yaml_text
from game.tools import plans
from tests.conftest import ROOT

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")

SCHEMAS = {
    "scene-file": ROOT / "schema" / "scene-file.schema.json",
    "test-plan": ROOT / "schema" / "test-plan.schema.json",
}
MODELINE = "# yaml-language-server: $schema="
SCENE_FILES = sorted((ROOT / "scenes").glob("*.yaml")) + sorted(
    p for pack in ("mini-story", "side-scenes") for p in (ROOT / "examples" / pack).rglob("*.yaml")
)
PLAN_FILES = sorted((ROOT / "tests" / "plans").glob("*.yaml"))


@pytest.mark.parametrize("kind", SCHEMAS)
def test_schema_files_are_in_sync_with_the_code(kind):
    assert SCHEMAS[kind].read_text(encoding="utf-8") == schema_text(kind), (
        f"run: petrograd schema --kind {kind} --output {SCHEMAS[kind].relative_to(ROOT)}"
    )


def test_schema_command_writes_and_checks(petrograd_command, tmp_path):
    out = tmp_path / "s.json"
    wrote = subprocess.run(
        [*petrograd_command, "schema", "--output", str(out)], capture_output=True, text=True
    )
    assert wrote.returncode == 0 and out.read_text() == SCHEMAS["scene-file"].read_text()
    ok = subprocess.run(
        [*petrograd_command, "schema", "--check", "--output", str(SCHEMAS["scene-file"])],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    out.write_text(out.read_text().replace("the scene's paragraphs", "stale"))
    stale = subprocess.run(
        [*petrograd_command, "schema", "--check", "--output", str(out)],
        capture_output=True,
        text=True,
    )
    assert stale.returncode == 1 and "out of date" in stale.stderr


@pytest.mark.parametrize("kind", SCHEMAS)
def test_schemas_are_valid_draft_7(kind):
    data = json.loads(SCHEMAS[kind].read_text())
    assert data["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(data)


def validator(kind: str):
    return jsonschema.Draft7Validator(json.loads(SCHEMAS[kind].read_text()))


@pytest.mark.parametrize("path", SCENE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_scene_file_points_to_the_schema_and_passes_it(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), f"{path}: line 1 must be the yaml-language-server line"
    target = (path.parent / first.removeprefix(MODELINE)).resolve()
    assert target == SCHEMAS["scene-file"].resolve()
    data, problems = read_yaml_file(path)
    assert problems == []
    errors = [e.message for e in validator("scene-file").iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_every_plan_points_to_the_plan_schema_and_passes_it(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    target = (path.parent / first.removeprefix(MODELINE)).resolve()
    assert first.startswith(MODELINE) and target == SCHEMAS["test-plan"].resolve()
    data, _ = read_yaml_file(path)
    assert [e.message for e in validator("test-plan").iter_errors(data)] == []


CHAPTER = (ROOT / "examples" / "mini-story" / "01-smolny.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        ("    title: The Stairs\n", "    titel: The Stairs\n"),  # unknown key
        ("    place: Smolny Institute\n", ""),  # missing key
        ("history: faithful", "history: yes"),  # not one of the words
        ("  - id: refusal", "  - id: Refusal"),  # not an id
        (
            "        sources: [eve-1]\n        history: faithful",
            "        sources: []\n        history: faithful",
        ),
        ("  number: 1", "  number: one"),  # wrong type
        ("chapter:\n  id: smolny", "chapter:\n  id: smolny\n  colour: red"),
        ("scenes:\n", "extends:\n  - scene: x\n    choices: []\nscenes:\n"),
    ],
)
def test_the_schema_and_the_loader_reject_the_same_mistakes(change):
    old, new = change
    assert old in CHAPTER
    broken, _ = read_yaml_text(CHAPTER.replace(old, new, 1), "01-smolny.yaml")
    loader = list(schema.CHAPTER_FILE.problems(broken, broken.mark))
    editor = list(validator("scene-file").iter_errors(broken))
    assert loader and editor, (loader, editor)
    intact, _ = read_yaml_text(CHAPTER, "01-smolny.yaml")
    assert list(schema.CHAPTER_FILE.problems(intact, intact.mark)) == []
    assert list(validator("scene-file").iter_errors(intact)) == []


def test_the_plan_schema_and_the_plan_shape_agree():
    plan, _ = read_yaml_text("plan: x\nsteps:\n  - chose: a\n", "p.yaml")
    assert list(plans.PLAN.problems(plan, plan.mark))
    assert list(validator("test-plan").iter_errors(plan))


def test_the_file_kind_is_told_by_its_top_level_key():
    story, _ = read_yaml_file(ROOT / "scenes" / "story.yaml")
    errors = list(validator("scene-file").iter_errors({**story, "scenes": []}))
    assert errors  # a story file may not carry a chapter's keys
    assert set(json.loads(SCHEMAS["scene-file"].read_text())["definitions"]) >= {
        "story-yaml",
        "chapter-file",
        "codex-file",
        "scene",
        "choice",
        "extension",
    }


def test_generated_from_the_single_definition():
    data = json.loads(schema_text("scene-file"))
    choice = data["definitions"]["choice"]
    assert list(choice["properties"]) == [key.name for key in schema.CHOICE.keys]
    assert choice["required"] == [key.name for key in schema.CHOICE.keys if key.required]
    assert choice["properties"]["history"]["enum"] == ["faithful", "divergent", "own"]
    assert Path(SCHEMAS["scene-file"]).stat().st_size > 1000


# ---------------------------------------------------------------- next to a story of its own

OWN_STORY = """\
format: 1
story:
  id: lighthouse
  title: The Lighthouse
  version: 1.0.0
  start: shore
  sources: none
"""
THREE_LINE_CHAPTER = """\
chapter:
  id: one
  number: 1
  title: One
scenes:
  - id: shore
    title: The Shore
    date: 1890-03-02
    time: dusk
    place: the shore
    text: The lamp is out.
    choices:
      - label: Climb the stairs
        goto: lamp
        if: visits(shore) < 2
  - id: lamp
    title: The Lamp
    date: 1890-03-02
    time: night
    place: the lamp room
    text: You light it.
    ending: {id: lit, title: Lit, kind: historical, epilogue: The ships came home.}
"""
OWN_SOURCES = """\
sources:
  article:
    author: A. Keeper
    title: The Keeper's Log
    published: "1891"
  paragraphs:
    - id: log-1
      summary: The lamp went out on the second of March.
"""


def schema_command(*argv: str) -> int:
    from game.cli import main

    return main(["schema", *argv])


def test_schema_into_a_folder_is_the_full_schema_beside_an_ordinary_story(make_story, capsys):
    folder = make_story()
    assert schema_command("-o", str(folder)) == 0
    written = folder / "scene-file.schema.json"
    assert written.read_text(encoding="utf-8") == schema_text("scene-file")
    out = capsys.readouterr().out
    assert "# yaml-language-server: $schema=scene-file.schema.json\n" in out
    assert "cites Victor Serge's article" in out and "need no" not in out


@pytest.mark.parametrize(
    "files",
    [
        {"story.yaml": OWN_STORY},
        {"story.yaml": OWN_STORY.replace("  sources: none\n", ""), "notes/log.yaml": OWN_SOURCES},
    ],  # the sources file may be anywhere in the folder: here in a sub-folder
    ids=["sources-none", "own-sources-file"],
)
def test_schema_beside_a_story_of_its_own_is_relaxed(make_story, capsys, files):
    folder = make_story({"one.yaml": THREE_LINE_CHAPTER}, base=False)
    for name, text in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    assert schema_command("--output", str(folder)) == 0
    written = folder / "scene-file.schema.json"
    assert written.read_text(encoding="utf-8") == schema_text("scene-file", relaxed=True)
    assert schema_text("scene-file", relaxed=True) != schema_text("scene-file")
    assert "need no 'sources', 'history' or 'note'" in capsys.readouterr().out
    chapter, _ = read_yaml_text(THREE_LINE_CHAPTER, "one.yaml")
    relaxed = jsonschema.Draft7Validator(json.loads(written.read_text()))
    assert list(relaxed.iter_errors(chapter)) == []  # a three-line choice, no sources
    assert list(validator("scene-file").iter_errors(chapter))  # the shipped rules refuse it
    # --check compares with the relaxed schema, the one that belongs there.
    assert schema_command("--check", "-o", str(folder)) == 0
    written.write_text(schema_text("scene-file"), encoding="utf-8")
    assert schema_command("--check", "-o", str(folder)) == 1
    assert "out of date" in capsys.readouterr().err


def test_a_name_ending_in_a_slash_is_a_new_folder(tmp_path, capsys):
    assert schema_command("-o", f"{tmp_path / 'new'}/") == 0
    assert (tmp_path / "new" / "scene-file.schema.json").read_text() == schema_text("scene-file")
    assert schema_command("--kind", "test-plan", "-o", str(tmp_path / "new")) == 0
    assert (tmp_path / "new" / "test-plan.schema.json").read_text() == schema_text("test-plan")
    assert "$schema=test-plan.schema.json" in capsys.readouterr().out
    # A name ending in .json is a file, whether or not it exists.
    assert schema_command("-o", str(tmp_path / "plain.json")) == 0
    assert (tmp_path / "plain.json").read_text() == schema_text("scene-file")
    assert capsys.readouterr().out == f"wrote {tmp_path / 'plain.json'}\n"


def test_a_new_name_without_json_is_a_folder_to_make(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert schema_command("-o", "my-new-story") == 0
    assert Path("my-new-story").is_dir()
    written = Path("my-new-story") / "scene-file.schema.json"
    assert written.read_text() == schema_text("scene-file")
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "made the folder my-new-story",
        f"wrote {written} (every scene and "
        "choice cites Victor Serge's article, as in the shipped story)",
    ]


@pytest.mark.parametrize("spelt", ["afile/", "afile"])
def test_a_file_where_a_folder_is_meant_is_refused(tmp_path, capsys, monkeypatch, spelt):
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("mine\n")
    assert schema_command("-o", spelt) == 2
    captured = capsys.readouterr()
    assert "afile is a file, not a folder" in captured.err and captured.out == ""
    assert Path("afile").read_text() == "mine\n"  # never overwritten


@pytest.mark.parametrize("spelt", ["", "  "])
def test_an_empty_output_is_refused(tmp_path, capsys, monkeypatch, spelt):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "story.yaml").write_text(OWN_STORY)
    assert schema_command("-o", spelt) == 2
    assert "--output needs a name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "story.yaml"]


def test_a_pack_with_a_sources_file_gets_the_full_schema(tmp_path, capsys):
    """A scene pack cannot bring sources (the loader refuses them: sources-in-pack), so a
    folder without story.yaml is never relaxed."""
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "one.yaml").write_text(THREE_LINE_CHAPTER)
    (pack / "log.yaml").write_text(OWN_SOURCES)
    assert schema_command("-o", str(pack)) == 0
    assert (pack / "scene-file.schema.json").read_text() == schema_text("scene-file")
    assert "need no" not in capsys.readouterr().out


@pytest.mark.parametrize("inner", ["sources-none", "own-sources-file"])
def test_a_story_in_a_sub_folder_does_not_relax_the_folder_above(tmp_path, capsys, inner):
    """Only the story's own files count: not those of another story in a sub-folder,
    nor a folder without story.yaml that merely holds one."""
    outer = tmp_path / "outer"
    story = outer / "inner"
    story.mkdir(parents=True)
    (story / "one.yaml").write_text(THREE_LINE_CHAPTER)
    if inner == "sources-none":
        (story / "story.yaml").write_text(OWN_STORY)
    else:
        (story / "story.yaml").write_text(OWN_STORY.replace("  sources: none\n", ""))
        (story / "log.yaml").write_text(OWN_SOURCES)
    assert schema_command("-o", str(outer)) == 0  # no story.yaml: not a story
    assert (outer / "scene-file.schema.json").read_text() == schema_text("scene-file")
    (outer / "story.yaml").write_text(OWN_STORY.replace("  sources: none\n", ""))
    assert schema_command("-o", str(outer)) == 0  # a story, but the sources are another's
    assert (outer / "scene-file.schema.json").read_text() == schema_text("scene-file")
    assert schema_command("-o", str(story)) == 0  # the inner story itself is relaxed
    assert (story / "scene-file.schema.json").read_text() == schema_text("scene-file", relaxed=True)


def test_the_plan_schema_beside_a_story_tells_a_line_for_a_plan_outside_it(make_story, capsys):
    folder = make_story()
    assert schema_command("--kind", "test-plan", "-o", str(folder)) == 0
    out = capsys.readouterr().out
    assert (folder / "test-plan.schema.json").read_text() == schema_text("test-plan")
    assert f"wrote {folder / 'test-plan.schema.json'} (the schema of test plans)" in out
    assert "each file of" not in out and "in a sub-folder" not in out
    assert "outside a story's folder" in out
    assert out.splitlines()[-1] == f"{MODELINE}../{folder.name}/test-plan.schema.json"


def test_a_folder_name_from_outside_is_printed_escaped(tmp_path, capsys):
    folder = tmp_path / "evil\x1b[31m"
    folder.mkdir()
    assert schema_command("-o", str(folder)) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\x1b[31m" in out
