"""Stories of their own, in the engine: a story's own sources file or `sources: none`, the
keys such a story may leave out (and the shipped story may not), its own calendar."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.engine import Game, check_story, load_story
from game.paths import assets_dir, scenes_dir

STORY = """\
format: 1
story:
  id: lighthouse
  title: The Lighthouse
  byline: A story of the coast
  version: 1.0.0
  start: shore
{extra}variables:
  oil:
    type: int
    initial: 2
    min: 0
    max: 5
"""

CHAPTER = """\
chapter:
  id: night
  number: 1
  title: Night
scenes:
  - id: shore
    title: The Shore
    date: 1890-03-02
    time: dusk
    place: the shore
{cites}    text: The lamp is out. [[Smolny]] is far away.
    choices:
      - label: Climb the tower
        goto: tower
      - label: Wait below
        goto: shore
        if: visits(shore) < 3
  - id: tower
    title: The Tower
    date: 1890-03-02
    time: night
    place: the lamp room
    text: The lamp is lit.
    ending:
      id: lit
      title: Lit
      kind: historical
      epilogue: The ship comes home.
"""

SOURCES = """\
sources:
  article:
    author: A. Keeper
    title: The Keeper's Log
  paragraphs:
    - id: log-1
      summary: The lamp goes out in a storm.
    - id: log-2
      summary: A ship is saved.
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def codes(folder: Path) -> list[str]:
    _, problems = check_story([folder], assets=assets_dir())
    return [f"{Path(p.mark.path).name}:{p.mark.line}: {p.code}: {p.message}" for p in problems]


def test_a_story_that_cites_nothing_needs_no_sources_history_note_or_choice_id(tmp_path):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra="  sources: none\n"),
            "one.yaml": CHAPTER.format(cites="").replace(" [[Smolny]] is far away.", ""),
        },
    )
    story = load_story([folder], assets=assets_dir())
    assert story.citations == "none" and story.byline == "A story of the coast"
    shore = story.scenes["shore"]
    assert [c.id for c in shore.choices] == ["choice-1", "choice-2"]
    assert {c.history for c in shore.choices} == {"own"}  # not graded
    assert story.codex == {}  # the shipped codex is the shipped story's
    game = Game(story)
    assert game.frame.dates == "2 March 1890"  # today's calendar: no New Style beside
    game.choose("choice-1")
    assert game.frame.ended


def test_the_shipped_codex_is_not_a_story_of_its_owns(tmp_path):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra="  sources: none\n"),
            "one.yaml": CHAPTER.format(cites=""),
        },
    )
    found = codes(folder)
    assert found == [
        "one.yaml:11: unknown-codex-term: scene 'shore' links [[Smolny]], but no codex entry "
        "is named 'Smolny'; add it to a codex file or fix the link"
    ], found


def test_a_story_with_its_own_sources_file_cites_its_paragraphs(tmp_path):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra=""),
            "sources.yaml": SOURCES,
            "one.yaml": CHAPTER.format(cites="    sources: [log-1, eve-1]\n").replace(
                " [[Smolny]] is far away.", ""
            ),
        },
    )
    found = codes(folder)
    assert len(found) == 1 and "cites 'eve-1', which is not a paragraph of the source" in found[0]
    fixed = folder / "one.yaml"
    fixed.write_text(fixed.read_text().replace("log-1, eve-1", "log-1"))
    story = load_story([folder], assets=assets_dir())
    assert story.citations == "own" and sorted(story.paragraphs) == ["log-1", "log-2"]
    assert [c.summary for c in Game(story).frame.citations] == ["The lamp goes out in a storm."]


@pytest.mark.parametrize(
    ("extra", "files", "code"),
    [
        ("  sources: none\n", {"sources.yaml": SOURCES}, "sources-and-none"),
        ("", {"sources.yaml": SOURCES, "more.yaml": SOURCES}, "duplicate-sources"),
        ("  sources: none\n  calendar: julian\n", {}, "wrong-value"),
    ],
)
def test_what_a_story_cites_is_said_once(tmp_path, extra, files, code):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra=extra),
            "one.yaml": CHAPTER.format(cites="").replace(" [[Smolny]] is far away.", ""),
            **files,
        },
    )
    assert [line.split(": ")[1] for line in codes(folder)] == [code]


def test_citations_in_a_story_that_says_it_has_none_are_errors(tmp_path):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra="  sources: none\n"),
            "one.yaml": CHAPTER.format(cites="    sources: [eve-1]\n").replace(
                " [[Smolny]] is far away.", ""
            ),
        },
    )
    assert codes(folder) == [
        "one.yaml:11: unknown-citation: scene 'shore' cites eve-1, but the story says "
        "'sources: none'; remove the citation, or give the story a sources file"
    ]


def test_a_story_of_its_own_may_keep_the_old_calendar(tmp_path):
    folder = write(
        tmp_path / "s",
        {
            "story.yaml": STORY.format(extra="  sources: none\n  calendar: old-style\n"),
            "one.yaml": CHAPTER.format(cites="").replace(" [[Smolny]] is far away.", ""),
        },
    )
    frame = Game(load_story([folder], assets=assets_dir())).frame
    assert frame.dates == "2 March 1890 (14 March N.S.)"


def test_the_shipped_story_keeps_every_requirement(tmp_path):
    """A choice of the shipped story without its id, sources or history is an error, as
    before: only a story of its own may leave them out."""
    import shutil

    copy = tmp_path / "scenes"
    shutil.copytree(scenes_dir(), copy)
    first = sorted((copy / "messenger").glob("*.yaml"))[0]
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("      - id: "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("        "))
    keep = [
        line for line in lines[start:end] if line.startswith(("        label:", "        goto:"))
    ]
    first.write_text("".join(lines[:start] + ["      -" + keep[0][7:], *keep[1:]] + lines[end:]))
    missing = [line for line in codes(copy) if "missing-key" in line]
    assert any("needs the key 'id'" in line for line in missing), missing
    assert any("needs the key 'sources'" in line for line in missing), missing
    assert any("needs the key 'history'" in line for line in missing), missing


def test_a_pack_cannot_bring_a_sources_file(tmp_path):
    """A scene pack's sources file is one error at that file: it cannot make the shipped
    story cite something else (nor drop its codex)."""
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "side-scenes", pack)
    (pack / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    story, problems = check_story([scenes_dir(), pack], assets=assets_dir())
    assert [(Path(p.mark.path).name, p.code) for p in problems] == [
        ("sources.yaml", "sources-in-pack")
    ]
    assert story is not None and story.citations == "article" and "eve-1" in story.paragraphs
