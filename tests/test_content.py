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
#: The four viewpoints the second edition promises.
VIEWPOINTS = ("messenger", "sailor", "palace", "delegate")
COUNTERFACTUAL = re.compile(r"did not happen|never happened|not what happened|counterfactual", re.I)


def test_check_passes_with_no_warning():
    _, problems = check_story([scenes_dir()], assets=assets_dir())
    assert [str(p) for p in problems] == []


def test_size_of_the_story(shipped_story):
    """The second edition's floor: 140 scenes, 35,000 words, 12 endings, 80 codex entries."""
    story = shipped_story
    assert len(story.chapters) >= 16
    assert len(story.scenes) >= 140
    words = sum(len(story.plain(scene.text).split()) for scene in story.scenes.values())
    assert words >= 35_000
    assert len(story.endings) >= 12
    assert len(story.codex) >= 80
    assert {e.group for e in story.codex.values()} == {
        "person",
        "place",
        "organisation",
        "ship",
        "term",
    }
    assert len(story.paragraphs) == 27


def test_every_chapter_has_three_decisions_and_reflection(shipped_story):
    """A decision leads somewhere else or changes something else depending on the option."""
    for chapter in shipped_story.chapters.values():
        scenes = [s for s in shipped_story.scenes.values() if s.chapter == chapter.id]
        decisions = [
            s
            for s in scenes
            if len({(c.target, c.all_effects) for c in s.choices}) >= 2
        ]
        assert len(decisions) >= 3, chapter.id
        assert 2 <= len(chapter.reflection) <= 3, chapter.id


def test_scenes_are_short_and_cited(shipped_story):
    for scene in shipped_story.scenes.values():
        words = len(shipped_story.plain(scene.text).split())
        assert words <= 260, f"{scene.id}: {words} words"
        assert scene.sources
        for choice in scene.choices:
            assert choice.sources
            assert choice.history == "own" or choice.note.strip(), (scene.id, choice.id)


@pytest.mark.parametrize("viewpoint", VIEWPOINTS)
def test_history_is_itself_a_playable_path(shipped_story, viewpoint):
    """From each viewpoint's start, the faithful choices (and, where history is silent, the
    player's own) lead to a historical ending."""
    game = Game(shipped_story, seed=1, start=shipped_story.viewpoints[viewpoint].start)
    for _ in range(200):
        if game.ended:
            break
        open_now = [c for c in game.frame.choices if c.available]
        faithful = [c for c in open_now if c.history == "faithful"] or [
            c for c in open_now if c.history == "own"
        ]
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


# ---------------------------------------------------------------- the second edition's promises


def test_four_viewpoints_each_with_its_own_endings(shipped_story):
    story = shipped_story
    assert tuple(story.viewpoints) == VIEWPOINTS
    for viewpoint in VIEWPOINTS:
        kinds = [
            s.ending.kind
            for s in story.endings.values()
            if story.viewpoint_of(s.id).id == viewpoint
        ]
        assert "historical" in kinds and len(kinds) >= 3, viewpoint
        assert any(kind != "historical" for kind in kinds), viewpoint
        chapters = [c for c in story.chapters.values() if c.viewpoint == viewpoint]
        assert sorted(c.number for c in chapters) == list(range(1, len(chapters) + 1))


def _graded_decisions(story, viewpoint):
    for scene in story.scenes.values():
        if story.viewpoint_of(scene.id).id != viewpoint:
            continue
        graded = [c for c in scene.choices if c.history != "own"]
        kinds = {c.history for c in graded}
        if "faithful" in kinds and "divergent" in kinds:
            yield scene


@pytest.mark.parametrize("viewpoint", VIEWPOINTS)
def test_the_faithful_option_is_not_always_first(shipped_story, viewpoint):
    """No answer key: of the decisions between faithful and divergent options, at most half
    list a faithful one first."""
    decisions = list(_graded_decisions(shipped_story, viewpoint))
    first = [s.id for s in decisions if s.choices[0].history == "faithful"]
    assert decisions and len(first) * 2 <= len(decisions), first


def test_some_choices_are_the_players_own(shipped_story):
    for viewpoint in VIEWPOINTS:
        own = [
            c
            for s in shipped_story.scenes.values()
            if shipped_story.viewpoint_of(s.id).id == viewpoint
            for c in s.choices
            if c.history == "own"
        ]
        assert len(own) >= 5, viewpoint


def _reads(story, scene):
    """What a scene's conditional texts read: variables and memory keys."""
    from game.engine.expr import variables_in

    found = set()
    for _key, template, _choice in scene.templates():
        for alternative in template.alternatives():
            found |= variables_in(alternative.condition)
    return found


def test_every_chapter_remembers_two_earlier_decisions(shipped_story):
    """Each chapter after a viewpoint's first reads, in its prose, at least two things the
    player decided or did before it (choices taken, scenes reached, variables)."""
    story = shipped_story
    for chapter in story.chapters.values():
        if chapter.number == 1:
            continue
        earlier = {
            s.id
            for s in story.scenes.values()
            if story.chapters[s.chapter].viewpoint == chapter.viewpoint
            and story.chapters[s.chapter].number < chapter.number
        }
        echoes = set()
        for scene in story.scenes.values():
            if scene.chapter != chapter.id:
                continue
            for key in _reads(story, scene):
                if ":" in key:  # memory: seen:SCENE, visits:SCENE, chose:SCENE.CHOICE
                    if key.split(":", 1)[1].split(".")[0] in earlier:
                        echoes.add(key)
                else:
                    echoes.add(key)
        assert len(echoes) >= 2, (chapter.id, echoes)


def _night_of_the_25th(scene):
    from game.engine.clock import minutes

    clock = minutes(scene.time)
    day = scene.date.isoformat()
    return (day == "1917-10-25" and clock is not None and clock >= 21 * 60) or day > "1917-10-25"


@pytest.mark.parametrize("viewpoint", VIEWPOINTS)
def test_a_random_player_reaches_the_night_of_the_25th(shipped_story, viewpoint):
    """Counterfactuals run on instead of ending at once: more than half of random
    playthroughs reach the evening of 25 October, whatever the viewpoint."""
    import random

    start = shipped_story.viewpoints[viewpoint].start
    runs, reached = 300, 0
    for seed in range(runs):
        pick = random.Random(seed).choice
        game = Game(shipped_story, seed=seed, start=start)
        while not game.ended and not _night_of_the_25th(game.scene):
            game.choose(pick(game.open_choices()).id)
        reached += _night_of_the_25th(game.scene)
    assert reached * 2 > runs, f"{reached} of {runs}"


def test_the_days_of_the_rising_run_on_clock_hours(shipped_story):
    from game.engine.clock import minutes

    for scene in shipped_story.scenes.values():
        if "1917-10-24" <= scene.date.isoformat() <= "1917-10-26":
            assert minutes(scene.time) is not None, (scene.id, scene.time)


def test_every_ending_and_every_viewpoints_history_has_a_plan():
    import yaml

    plans = [yaml.safe_load(p.read_text()) for p in (ROOT / "tests" / "plans").glob("*.yaml")]
    reached = {
        step["expect"]["ending"]
        for plan in plans
        for step in plan["steps"]
        if isinstance(step.get("expect"), dict) and "ending" in step["expect"]
    }
    story = check_story([scenes_dir()], assets=assets_dir())[0]
    assert set(story.endings) <= reached, set(story.endings) - reached
    starts = {(plan.get("start") or {}).get("scene", story.start) for plan in plans}
    assert {v.start for v in story.viewpoints.values()} <= starts


def test_the_codex_says_where_serge_differs(shipped_story):
    page = shipped_story.codex["serge-and-the-record"]
    assert page.name == "Where Serge's account differs from the record"
    assert len(re.findall(r"^\d+\.", page.text, re.M)) >= 20
