"""The shipped story: complete, clean, cited, original, and every ending reachable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from game.engine import Game, check_story
from game.engine.explore import explore
from game.engine.yamlread import YamlList, YamlMap, read_yaml_file
from game.paths import assets_dir, scenes_dir
from tests.conftest import ROOT

SOURCES = ROOT.parent / "shared" / "sources"
COUNTERFACTUAL = re.compile(r"did not happen|never happened|not what happened|counterfactual", re.I)


def test_check_passes_with_no_warning():
    _, problems = check_story([scenes_dir()], assets=assets_dir())
    assert [str(p) for p in problems] == []


def test_size_of_the_story(shipped_story):
    story = shipped_story
    assert len(story.chapters) >= 6
    assert len(story.scenes) >= 45
    kinds = [scene.ending.kind for scene in story.endings.values()]
    assert len(kinds) >= 5 and kinds.count("historical") == 1
    assert len(story.codex) >= 30
    assert {e.group for e in story.codex.values()} == {
        "person",
        "place",
        "organisation",
        "ship",
        "term",
    }
    assert len(story.paragraphs) == 27


def test_every_chapter_has_three_decisions_and_reflection(shipped_story):
    for chapter in shipped_story.chapters.values():
        scenes = [s for s in shipped_story.scenes.values() if s.chapter == chapter.id]
        decisions = [
            s for s in scenes if len(s.choices) >= 2 and len({c.effects for c in s.choices}) >= 2
        ]
        assert len(decisions) >= 3, chapter.id
        assert 1 <= len(chapter.reflection) <= 2, chapter.id


def test_scenes_are_short_and_cited(shipped_story):
    for scene in shipped_story.scenes.values():
        words = len(shipped_story.plain(scene.text).split())
        assert words <= 260, f"{scene.id}: {words} words"
        assert scene.sources
        for choice in scene.choices:
            assert choice.sources and choice.note.strip()


def test_history_is_itself_a_playable_path(shipped_story):
    game = Game(shipped_story, seed=1)
    for _ in range(200):
        if game.ended:
            break
        faithful = [c for c in game.frame.choices if c.available and c.history == "faithful"]
        assert faithful, f"no faithful choice open in {game.scene.id}"
        game.choose(faithful[0].id)
    assert game.ended and game.frame.ending.kind == "historical"


def test_every_ending_and_scene_is_reachable(shipped_story):
    found = explore(shipped_story)
    assert found.complete
    assert found.stuck == set()
    assert found.endings == set(shipped_story.endings)
    assert found.scenes == set(shipped_story.scenes)


def test_counterfactual_endings_say_so(shipped_story):
    for scene in shipped_story.endings.values():
        if scene.ending.kind != "historical":
            assert COUNTERFACTUAL.search(scene.ending.epilogue), scene.id


def _words(text: str) -> list[str]:
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )
    return re.findall(r"[a-z0-9']+", text.lower())


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, YamlMap | dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, YamlList | list):
        return [s for v in value for s in _strings(v)]
    return []


def test_prose_is_original():
    originals = sorted(SOURCES.glob("*.txt")) if SOURCES.is_dir() else []
    if not originals:
        pytest.skip(f"the source article is not at {SOURCES} (../shared/sources beside the repo)")
    source = _words("\n".join(p.read_text(encoding="utf-8") for p in originals))
    grams = {tuple(source[i : i + 12]) for i in range(len(source) - 11)}
    copied = []
    files = sorted(Path(scenes_dir()).rglob("*.yaml")) + sorted(Path(assets_dir()).rglob("*.yaml"))
    for path in files:
        value, _ = read_yaml_file(path)
        for text in _strings(value):
            words = _words(text)
            for i in range(len(words) - 11):
                if tuple(words[i : i + 12]) in grams:
                    copied.append(f"{path.name}: {' '.join(words[i : i + 12])}")
                    break
    assert copied == []


def test_spelling_is_consistent():
    """One transliteration everywhere: the article's older spellings appear only as codex aliases."""
    older = [
        "Kerenski",
        "Podvoiski",
        "Chudnovski",
        "Tchudnovski",
        "Lashevitch",
        "Mistislavski",
        "Abramovitch",
        "Antonov-Ovseenko",
        "Flerovski",
        "Zabiika",
        "Narodni Dom",
    ]
    for path in sorted(Path(scenes_dir()).rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for name in older:
            assert name not in text, f"{path.name} spells {name}"
