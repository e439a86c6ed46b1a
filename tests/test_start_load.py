"""The game's start: loading a story to play finds no place it does not need (issue 19).

The places of conditional text (each alternative's '{', each memory predicate in a
condition) are found only when something reads them: a problem reported there, the
coverage report, the language server. A load of the shipped story, which has no problem,
locates nothing; the places read afterwards are still exact; and finding several
places of one text goes on from the last instead of reading the text again, with the
same answers as reading it from its start each time. `load_story` makes only the checks
that can give an error (it reports nothing else); `check_story` makes them all.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

from game.engine import analysis, check_story, load_story, loader
from game.engine.yamlread import read_yaml_bytes
from game.paths import assets_dir, scenes_dir
from tests.conftest import CHAPTER_YAML, ROOT


def _counting_locate(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = loader._Locator.locate

    def counted(self, mark, value, offset):
        calls.append(offset)
        return real(self, mark, value, offset)

    monkeypatch.setattr(loader._Locator, "locate", counted)
    return calls


def _templates(story):
    for scene in story.scenes.values():
        for _key, template, _choice in scene.templates():
            yield template


def test_the_shipped_story_loads_without_locating_anything(monkeypatch):
    calls = _counting_locate(monkeypatch)
    story = load_story([scenes_dir()], assets=assets_dir())
    assert calls == []
    alternatives = [(t, a) for t in _templates(story) for a in t.alternatives()]
    assert len(alternatives) > 100  # the shipped story has conditional text to place
    for template, alternative in alternatives:
        mark = template.place(alternative)
        line = Path(mark.path).read_text(encoding="utf-8").splitlines()[mark.line - 1]
        assert line[mark.column - 1] == "{", (mark, alternative.source)
        assert line[mark.column :].lstrip().startswith(alternative.source.split()[0])
    # each text read once: one locate call per alternative, none read twice
    assert len(calls) == len(alternatives)
    before = len(calls)
    for template, alternative in alternatives:
        template.place(alternative)
    assert len(calls) == before


FILE = b"""\
plain: one {a? two} three {b? four | five}
block: |
  First line {a? x}
    indented {b? y
  | z} last
  {c? end}
folded: >
  Folded text
  goes {a? on}
  and on {b? [[Link|id]] | off}.
quoted: "Quoted \\"text\\"
  folded {a? here}"
single: 'It''s {a? there}'
"""


def test_resuming_gives_the_places_found_from_the_start():
    value, problems = read_yaml_bytes(FILE, "f.yaml")
    assert problems == []
    sources = {"f.yaml": zlib.compress(FILE)}
    rng = random.Random(19)
    for key in ("plain", "block", "folded", "quoted", "single"):
        text, start = value[key], value.value_mark(key)
        offsets = list(range(len(text) + 2))  # past the end too: the fallback place
        expected = {o: loader._Locator(sources).locate(start, text, o) for o in offsets}
        ascending = loader._Locator(sources)
        assert {o: ascending.locate(start, text, o) for o in offsets} == expected
        shuffled = loader._Locator(sources)
        for _ in range(3):
            rng.shuffle(offsets)
            assert {o: shuffled.locate(start, text, o) for o in offsets} == expected
        # every character found where it stands in the file
        lines = FILE.decode().splitlines()
        for offset, char in enumerate(text):
            mark = expected[offset]
            if not char.isspace() and char != "'":
                assert lines[mark.line - 1][mark.column - 1] == char, (key, offset)


TEXT = """\
    text: |
      Text of [[Smolny]],
      and {visited(b)? again | not yet}: more
        {chose(a.up) and visited(nowhere)? and more}.
"""


def test_memory_predicates_in_text_are_reported_at_their_places(make_story):
    chapter = CHAPTER_YAML.replace("    text: |\n      Text of [[Smolny]].\n", TEXT)
    chapter = chapter.replace("label: Up", "label: Go {n > 1 and visits(elsewhere) > 1? back | up}")
    folder = make_story({"one.yaml": chapter})
    _, problems = check_story([folder], assets=assets_dir())
    lines = (folder / "one.yaml").read_text(encoding="utf-8").splitlines()
    found = {p.message.split("'")[1]: p.mark for p in problems if p.code == "unknown-scene"}
    assert set(found) == {"nowhere", "elsewhere"}
    for name, mark in found.items():
        assert mark.path == str(folder / "one.yaml")
        assert lines[mark.line - 1][mark.column - 1 :].startswith(name + ")")
    assert sorted((m.line, m.column) for m in found.values()) == [(16, 34), (19, 37)]


def test_loading_to_play_skips_only_what_can_only_warn(make_story):
    # nothing reads what `up` sets once it is taken: its effects are unread (warnings)
    chapter = CHAPTER_YAML.replace('"That is all{flag or n != 3?, for now}."', "That is all.")
    folder = make_story({"one.yaml": chapter})
    story, problems = check_story([folder], assets=assets_dir())
    assert story is not None
    assert "unread-effect" in {p.code for p in problems}
    assert load_story([folder], assets=assets_dir()).start == "a"
    assert "unread-effect" not in {p.code for p in analysis.analyse(story, warnings=False)}
    shipped, _ = check_story([scenes_dir()], assets=assets_dir())
    broken = CHAPTER_YAML.replace(
        "        goto: b\n        sources: [eve-1]",
        "        goto: nowhere\n        sources: [eve-1]",
    )
    wrong, _ = check_story([make_story({"one.yaml": broken})], assets=assets_dir())
    for each in (story, shipped, wrong):
        assert each is not None
        everything = analysis.analyse(each)
        fewer = analysis.analyse(each, warnings=False)
        assert set(fewer) <= set(everything)
        assert [p for p in fewer if p.severity == "error"] == [
            p for p in everything if p.severity == "error"
        ]
    assert any(p.severity == "error" for p in analysis.analyse(wrong, warnings=False))


def test_every_engine_dataclass_has_a_docstring():
    """Without one, `dataclass` works a docstring out of the class's signature at import
    (`inspect.signature`), which every start of the game pays for; and a reader wants one."""
    import ast

    missing = []
    for path in sorted((ROOT / "game" / "engine").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and ast.get_docstring(node) is None:
                if any("dataclass" in ast.unparse(d) for d in node.decorator_list):
                    missing.append(f"{path.name}:{node.lineno} {node.name}")
    assert not missing
