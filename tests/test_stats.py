"""`check --stats`: words per ending and per viewpoint, and the shortest and longest
playthroughs (the longest never revisiting a scene, loops or not)."""

from __future__ import annotations

import json
import subprocess

from game.engine import load_story
from game.paths import assets_dir
from game.tools.stats import format_text, story_stats
from tests.conftest import STORY_YAML


def scene(sid: str, text: str, goes: list[str], epilogue: str | None = None) -> str:
    out = [
        f"  - id: {sid}",
        f"    title: {sid.upper()}",
        "    date: 1917-10-25",
        "    time: evening",
        "    place: Here",
        "    sources: [eve-1]",
        f"    text: {text}",
    ]
    if epilogue is not None:
        out += [
            "    ending:",
            f"      id: end-{sid}",
            f"      title: End {sid}",
            "      kind: historical",
            f"      epilogue: {epilogue}",
        ]
    else:
        out.append("    choices:")
        for target in goes:
            out += [
                f"      - id: to-{target}",
                f"        label: To {target}",
                f"        goto: {target}",
                "        sources: [eve-1]",
                "        history: faithful",
                "        note: It happened.",
            ]
    return "\n".join(out) + "\n"


#: a -> b, c; b <-> c (a loop); b -> e1, c -> e2. Words: a 3, b 2, c 5, e1 1+2, e2 1+2.
LOOPED = (
    "chapter:\n  id: one\n  number: 1\n  title: One\nscenes:\n"
    + scene("a", "alpha beta gamma", ["b", "c"])
    + scene("b", "delta epsilon", ["c", "e1"])
    + scene("c", "one two three four five", ["b", "e2"])
    + scene("e1", "end", [], epilogue="bye now")
    + scene("e2", "fin", [], epilogue="so long")
)


def looped_story(make_story):
    folder = make_story(
        {
            "story.yaml": STORY_YAML.split("variables:")[0],
            "one.yaml": LOOPED,
        },
        base=False,
    )
    return load_story([folder], assets=assets_dir())


def test_shortest_and_longest_playthroughs_over_a_graph_with_a_loop(make_story):
    stats = story_stats(looped_story(make_story))
    runs = stats.playthroughs
    assert runs.fewest_scenes.scenes == ("a", "b", "e1") and runs.fewest_scenes.words == 8
    assert runs.fewest_words.scenes == ("a", "b", "e1")
    # the loop b <-> c is taken once, never round again: four scenes at most
    assert runs.most_scenes.scenes == ("a", "c", "b", "e1") and runs.most_scenes.words == 13
    assert runs.most_words.words == 13 and len(runs.most_words.scenes) == 4
    assert runs.complete
    endings = {e.id: e for e in stats.endings}
    assert endings["end-e1"].words == 3  # its text and its epilogue
    assert (endings["end-e1"].fewest.words, endings["end-e1"].most.words) == (8, 13)
    assert endings["end-e2"].fewest.scenes == ("a", "c", "e2")
    assert endings["end-e2"].most.scenes == ("a", "b", "c", "e2")
    assert stats.viewpoints == []  # a story of one viewpoint has no per-viewpoint lines
    text = format_text(looped_story(make_story), stats)
    assert "longest never revisit a scene" in text
    assert "most scenes:   4 scenes, 13 words (a -> e1)" in text
    assert "end-e2" in text and "viewpoints" not in text


def test_words_and_playthroughs_per_viewpoint_of_the_shipped_story(shipped_story):
    stats = story_stats(shipped_story)
    assert [v.id for v in stats.viewpoints] == list(shipped_story.viewpoints)
    assert sum(v.words for v in stats.viewpoints) == stats.words  # every chapter has one
    for viewpoint in stats.viewpoints:
        start = shipped_story.viewpoints[viewpoint.id].start
        runs = viewpoint.playthroughs
        assert runs.fewest_scenes.scenes[0] == start and runs.most_words.scenes[0] == start
        assert len(runs.fewest_scenes.scenes) <= len(runs.most_scenes.scenes)
        assert runs.fewest_words.words <= runs.most_words.words
        assert shipped_story.scenes[runs.most_scenes.scenes[-1]].ending is not None
    assert len(stats.endings) == len(shipped_story.endings)
    for ending in stats.endings:
        assert ending.fewest.words <= ending.most.words and ending.fewest.scenes[-1] == ending.scene


def test_check_stats_prints_and_writes_them(make_story, petrograd_command, clean_env):
    folder = make_story(
        {"story.yaml": STORY_YAML.split("variables:")[0], "one.yaml": LOOPED}, base=False
    )
    text = subprocess.run(
        [*petrograd_command, "check", "--stats", str(folder)],
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=60,
    )
    assert "fewest words:  3 scenes, 8 words (a -> e1)" in text.stdout, text.stdout + text.stderr
    done = subprocess.run(
        [*petrograd_command, "check", "--stats", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=60,
    )
    data = json.loads(done.stdout)
    found = json.dumps(data)
    assert '"most_scenes": {"scenes": 4, "words": 13, "path": ["a", "c", "b", "e1"]}' in found
