"""The bench's ink peer (bench/peers/): the converter to ink, and inkjs playing the converted
story as our engine plays it (structure, step-by-step open choices, ending frequencies).

The converter's tests read the ink it writes; the inkjs tests need Node and npm (CI has
them) and skip, saying why, where they cannot be had. The first such test runs `npm ci`
in bench/peers/ once (a few seconds; node_modules is kept there). Nothing here is timed.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from game.engine import load_story
from game.paths import assets_dir
from game.tools.autoplay import autoplay
from tests.conftest import STORY_YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import peer_figures  # noqa: E402  (bench/peer_figures.py, a plain script)
from peers.to_ink import (  # noqa: E402
    InkConversionError,
    convert,
    ink_text,
    knot_name,
    scene_of,
    start_knot,
    state_key,
    variable_name,
)

SCENE = """\
  - id: {id}
    title: {title}
    date: 1917-10-25
    time: night
    place: Here
    sources: [eve-1]
    text: Text.
"""

CHOICE = """\
      - id: {id}
        label: {id}
        goto: {goto}
        sources: [eve-1]
        history: faithful
        note: Yes.
"""

ENDING = """\
    ending:
      id: {id}
      title: Done
      kind: historical
      epilogue: That is all.
"""


def chapter(*scenes: str) -> dict[str, str]:
    return {
        "one.yaml": "chapter:\n  id: one\n  number: 1\n  title: One\nscenes:\n" + "".join(scenes)
    }


def scene(scene_id: str, *choices: str, title: str = "A", ending: str | None = None) -> str:
    text = SCENE.format(id=scene_id, title=title)
    if ending is not None:
        return text + ENDING.format(id=ending)
    return text + "    choices:\n" + "".join(choices)


def choice(choice_id: str, goto: str, *extra: str) -> str:
    return CHOICE.format(id=choice_id, goto=goto) + "".join(f"        {line}\n" for line in extra)


#: Memory of every kind, an if/then/else group, min/max and a minus, a way to get stuck.
MEMORY = chapter(
    scene(
        "a",
        choice(
            "again",
            "a",
            "effects:",
            "  - n += 1",
            "  - if: visits(a) >= 3",
            "    then: [flag = true, n -= 2]",
            "    else: n += max(1, n - 4, -n)",
        ),
        choice("out", "b", "if: flag and chose(a.again) and (not visited(c) or visits(c) < 3)"),
        choice("aside", "c", "if: n < 2"),
        title='"The {Start} [of] it #1 -> // here"',
    ),
    scene("b", ending="done"),
    scene("c", choice("back", "a", "if: flag")),
)

#: A round whose way out opens at the 99th visit, which a visit count never passes.
CAPPED = chapter(
    scene("a", choice("round", "r"), choice("out", "b", "if: visits(a) == 99")),
    scene("r", choice("back", "a")),
    scene("b", ending="done"),
)


def load(make_story, files: dict[str, str]):
    return load_story([make_story(files)], assets=assets_dir())


# ---------------------------------------------------------------- names and text


def test_names_map_back_and_never_meet():
    assert knot_name("c1-smolny") == "S_c1_smolny" and scene_of("S_c1_smolny") == "c1-smolny"
    assert scene_of(knot_name("a--b-")) == "a--b-"
    assert start_knot("k1-anchor") == "B_k1_anchor"
    assert variable_name("time_lost") == "v_time_lost" and state_key("v_time_lost") == "time_lost"
    with pytest.raises(ValueError):
        scene_of("B_c1_smolny")


def test_text_is_escaped_for_ink():
    assert ink_text("Smolny, at  night") == "Smolny\\, at night"
    assert ink_text("{x} [y] | # // -> <> ~") == "\\{x\\} \\[y\\] \\| \\# \\/\\/ \\-\\> \\<\\> \\~"


# ---------------------------------------------------------------- the converter


def test_small_story_becomes_knots_choices_conditions_and_clamped_effects(small_story):
    ink = convert(small_story)
    text = ink.text
    assert "VAR v_n = 1" in text and "VAR v_flag = false" in text
    assert ink.starts == ("B_a",) and dict(ink.knots) == {"S_a": "a", "S_b": "b"}
    assert "=== B_a ===\n-> S_a" in text
    # one knot per scene, its title as its only text
    assert "=== S_a ===\nA\n" in text
    # `n += 10` on 0..5 can only go over the top: clamped there, and only there
    assert "+ [up]\n    ~ v_n = MIN((v_n + 10), 5)\n    ~ v_flag = true\n    -> S_b" in text
    assert "+ {(v_n >= 3)} [locked] -> S_b" in text
    assert "+ {v_flag} [hidden] -> S_b" in text
    # an ending: its title, its id as a tag, the end
    assert "=== S_b ===\nB #ending:done\n-> END" in text
    assert text.count("===") == 2 * 3  # B_a, S_a, S_b


def test_memory_is_read_counts_and_groups_read_their_condition_once(make_story):
    story = load(make_story, MEMORY)
    text = convert(story).text
    assert "\\{Start\\} \\[of\\] it \\#1 \\-\\> \\/\\/ here" in text
    # the memory is ink's read counts, but for the visits of a scene that a choice of its
    # own enters again (ink does not count that entry): a variable, written as the engine does
    assert re.findall(r"^VAR .*", text, re.M) == [
        "VAR v_n = 1",
        "VAR v_flag = false",
        "VAR VISITS_a = 1",
    ]
    assert (
        "+ {((v_flag and (S_a.c_again > 0)) and ((not (S_c > 0)) or (MIN(S_c, 99) < 3)))} "
        "[out] -> S_b" in text
    )
    # the chosen choice is labelled so that its read count exists
    assert "+ (c_again) [again]" in text
    body = text.split("+ (c_again) [again]\n", 1)[1].split("-> S_a", 1)[0]
    lines = [line.strip() for line in body.splitlines()]
    assert lines == [
        "~ v_n = MIN((v_n + 1), 5)",
        "~ temp g_0_1 = (VISITS_a >= 3)",
        "{ g_0_1:",
        "~ v_flag = true",
        "~ v_n = MAX((v_n - 2), 0)",
        "}",
        "{ not g_0_1:",
        "~ v_n = MIN((v_n + MAX(1, MAX((v_n - 4), (0 - v_n)))), 5)",
        "}",
        "~ VISITS_a = MIN((VISITS_a + 1), 99)",
        "",
    ]
    assert "+ {(v_n < 2)} [aside] -> S_c" in text
    assert "+ {v_flag} [back]\n    ~ VISITS_a = MIN((VISITS_a + 1), 99)\n    -> S_a" in text


def test_the_cap_on_visits_is_kept(make_story):
    text = convert(load(make_story, CAPPED)).text
    assert "+ {(MIN(S_a, 99) == 99)} [out] -> S_b" in text
    assert "+ [round] -> S_r" in text and "VISITS" not in text


def test_numbers_beyond_ink_are_refused(make_story):
    """Ink's whole numbers are 32 bits: a range wider than that, which a loop can fill, is
    refused (once through, `n += 1` only reaches 2, and that converts)."""
    wide = {
        "story.yaml": """\
            format: 1
            story:
              id: test-story
              title: Test
              version: 1.0.0
              start: a
            variables:
              n:
                type: int
                initial: 1
                min: 0
                max: 5000000000
            """,
        **chapter(
            scene("a", choice("up", "a", "effects: [n += 1]"), choice("out", "b")),
            scene("b", ending="done"),
        ),
    }
    with pytest.raises(InkConversionError, match="cannot convert to ink.*'n' may reach"):
        convert(load(make_story, wide))


def test_unbounded_arithmetic_is_refused(make_story):
    unbounded = {
        "story.yaml": """\
            format: 1
            story:
              id: test-story
              title: Test
              version: 1.0.0
              start: a
            variables:
              n:
                type: int
                initial: 1
            """,
        **chapter(
            scene("a", choice("double", "a", "effects: [n = n * 2]"), choice("out", "b")),
            scene("b", ending="done"),
        ),
    }
    with pytest.raises(InkConversionError) as caught:
        convert(load(make_story, unbounded))
    message = str(caught.value)
    assert "cannot convert to ink" in message and "give it a narrower min and max" in message


def test_the_command_says_why_it_refuses_without_a_traceback(make_story, capsys):
    from peers import to_ink

    folder = make_story(
        {
            "story.yaml": STORY_YAML.replace("    min: 0\n    max: 5\n", ""),
            **chapter(
                scene("a", choice("double", "a", "effects: [n = n * 2]"), choice("out", "b")),
                scene("b", ending="done"),
            ),
        }
    )
    assert to_ink.main([str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("to_ink: ") and "cannot convert to ink" in err
    assert "Traceback" not in err
    assert to_ink.main([str(make_story())]) == 0
    assert capsys.readouterr().out.startswith("// Test 1.0.0, titles only")


def test_the_shipped_story_converts_whole(shipped_story):
    ink = convert(shipped_story)
    text = ink.text
    assert set(ink.knots) == {knot_name(sid) for sid in shipped_story.scenes}
    assert ink.starts == tuple(start_knot(s) for s in shipped_story.starts)
    choices = sum(len(scene.choices) for scene in shipped_story.scenes.values())
    assert len(re.findall(r"^\+ ", text, re.M)) == choices
    assert text.count("-> END") == len(shipped_story.endings)
    for ending_id in shipped_story.endings:
        assert f"#ending:{ending_id}\n-> END" in text
    assert "(S_c8_tsarskoe.c_frighten > 0)" in text
    assert "+ (c_find_cadet) {(S_k5_truce > 0)} [find\\-cadet] -> S_k5_truce_end" in text
    assert "CHOSE" not in text and "VAR v_garrison = 3" in text


# ---------------------------------------------------------------- the checks, without ink


def test_frequency_check_tells_alike_from_unlike():
    ours = {"a": 500, "b": 300, "c": 200}
    assert peer_figures.frequency_problems(ours, {"a": 520, "b": 290, "c": 190}, 1000, 1000) == []
    found = peer_figures.frequency_problems(ours, {"a": 400, "b": 400, "c": 200}, 1000, 1000)
    assert [problem.split(":")[0] for problem in found] == ["a", "b"]
    # an outcome only one side ever saw, when the other had many runs
    assert peer_figures.frequency_problems({"a": 1000}, {"a": 970, "(stuck)": 30}, 1000, 1000)


def test_structure_check_finds_a_missing_choice(small_story):
    expected = peer_figures.expected_structure(small_story)
    found = json.loads(json.dumps({**expected, "B_a": {"choices": []}}))
    assert peer_figures.structure_problems(small_story, found, ("B_a",)) == []
    found["S_a"]["choices"].pop()
    found["S_c"] = {"title": "C", "ending": None, "choices": []}
    problems = peer_figures.structure_problems(small_story, found, ("B_a",))
    assert len(problems) == 2 and problems[0].startswith("S_a: choices")


# ---------------------------------------------------------------- inkjs


@pytest.fixture(scope="module")
def node() -> str:
    try:
        return peer_figures.ensure_inkjs()
    except peer_figures.PeerUnavailable as exc:
        pytest.skip(f"inkjs cannot be had here: {exc}")


def ink_of(story, tmp_path: Path, text: str | None = None) -> tuple[Path, tuple[str, ...]]:
    ink = convert(story)
    path = tmp_path / "story.ink"
    path.write_text(ink.text if text is None else text, encoding="utf-8")
    return path, ink.starts


def replayed(
    node: str,
    story,
    tmp_path: Path,
    paths: int,
    runs: int = 1,
    *,
    text: str | None = None,
    repeats: int = 1,
):
    """inkjs on the story as ink (or on `text`): `paths` of our engine's random paths
    replayed step by step, and `runs` random playthroughs of its own (`repeats` times)."""
    ink_file, starts = ink_of(story, tmp_path, text)
    cap = peer_figures.step_cap(story)
    played = tmp_path / "paths.json"
    played.write_text(json.dumps(peer_figures.replay_paths(story, paths, 1, cap)), encoding="utf-8")
    return peer_figures.run_ink(
        node, ink_file, starts, runs, max_steps=cap, replay=played, repeats=repeats
    )


def test_inkjs_plays_the_shipped_story_as_we_do(node, shipped_story, tmp_path):
    runs = 300
    done = replayed(node, shipped_story, tmp_path, 100, runs)
    starts = tuple(start_knot(s) for s in shipped_story.starts)
    assert peer_figures.structure_problems(shipped_story, done["structure"], starts) == []
    assert done["found"] == {
        "scenes": len(shipped_story.scenes),
        "choices": sum(len(scene.choices) for scene in shipped_story.scenes.values()),
        "endings": len(shipped_story.endings),
    }
    assert done["replay"]["mismatches"] == [] and done["replay"]["steps"] > 20 * 100
    ours = autoplay(shipped_story, runs, seed=1)
    mine = peer_figures.outcomes(
        dict(ours.endings), Counter(failure.kind for failure in ours.failures)
    )
    theirs = peer_figures.outcomes(done["endings"], done["failures"])
    assert sum(theirs.values()) == runs and set(theirs) <= set(shipped_story.endings)
    assert peer_figures.frequency_problems(mine, theirs, runs, runs) == []


def test_inkjs_keeps_memory_groups_and_getting_stuck_as_we_do(node, make_story, tmp_path):
    story = load(make_story, MEMORY)
    done = replayed(node, story, tmp_path, 60, 60, repeats=2)
    assert done["replay"]["mismatches"] == []
    assert done["failures"]["stuck"] > 0 and done["endings"]["done"] > 0
    assert done["repeats_agree"]  # the same seed, the same playthroughs


def test_inkjs_keeps_the_cap_on_visits(node, make_story, tmp_path):
    story = load(make_story, CAPPED)
    assert replayed(node, story, tmp_path, 4)["replay"]["mismatches"] == []
    # ink's own count, uncapped, would close the way out at the 100th visit: the check sees it
    text = convert(story).text.replace("MIN(S_a, 99)", "S_a")
    mismatches = replayed(node, story, tmp_path, 2, text=text)["replay"]["mismatches"]
    assert mismatches and mismatches[0]["what"] == "offers [round], expected [round, out]"


def test_a_wrong_conversion_is_caught_step_by_step(node, small_story, tmp_path):
    text = convert(small_story).text.replace("(v_n >= 3)", "(v_n >= 0)")
    mismatches = replayed(node, small_story, tmp_path, 5, text=text)["replay"]["mismatches"]
    assert mismatches and mismatches[0]["what"] == "offers [up, locked], expected [up]"


def test_an_ink_that_does_not_compile_is_an_error_not_a_crash(node, small_story, tmp_path):
    ink_file, starts = ink_of(small_story, tmp_path, "=== S_a ===\n+ {(} [x] -> S_b\n")
    with pytest.raises(RuntimeError, match="could not compile"):
        peer_figures.run_ink(node, ink_file, starts, 1, max_steps=10)
