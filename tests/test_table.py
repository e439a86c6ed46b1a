"""The batch tools' table (game.engine.table) plays exactly the playthroughs the machine plays.

On the shipped story and on small random stories (conditions on variables and on memory,
effects with `if:` groups, loops, stuck scenes), the same seed gives the same scenes,
choices, variables and ending through a `Game` and through the table, and `autoplay`'s
report is the same with and without the table.
"""

from __future__ import annotations

import random
import sys
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from game.engine import Game, Story, load_story
from game.engine.table import StoryTable
from game.paths import assets_dir
from game.tools.autoplay import autoplay, format_text, step_cap
from tests.conftest import ROOT, write
from tests.fuzzing import examples

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py, a plain script)


def _through_game(game: Game, seed: int, max_steps: int) -> list[Any]:
    """One random playthrough through the engine, as autoplay plays it: every scene,
    choice and state on the way, and how it ended."""
    game.restart(seed)
    pick = random.Random(seed).choice
    seen: list[Any] = [(game.scene.id, game.state)]
    for _ in range(max_steps):
        if game.ended:
            return [*seen, ("ending", game.scene.ending.id)]
        options = game.open_choices()
        if not options:
            return [*seen, ("stuck", game.scene.id)]
        choice = options[0] if len(options) == 1 else pick(options)
        game.choose(choice.id)
        seen.append((choice.id, game.scene.id, game.state))
    return [*seen, ("cap", game.scene.id)]


def _through_table(table: StoryTable, start: str, seed: int, max_steps: int) -> list[Any]:
    """The same on the table."""
    at, state = table.start(start)
    pick = random.Random(seed).choice
    ids = table.scene_ids
    seen: list[Any] = [(ids[at], dict(state))]
    for _ in range(max_steps):
        if table.endings[at] is not None:
            return [*seen, ("ending", table.endings[at])]
        rows = table.open_rows(at, state)
        if not rows:
            return [*seen, ("stuck", ids[at])]
        row = rows[0] if len(rows) == 1 else pick(rows)
        at = table.take(row, state)
        seen.append((table.choice_keys[row.number][1], ids[at], dict(state)))
    return [*seen, ("cap", ids[at])]


def _same_playthroughs(story: Story, seeds: range, max_steps: int = 60) -> None:
    table = StoryTable(story)
    for start in story.starts:
        game = Game(story, seed=0, start=start, clock=lambda: "")
        for seed in seeds:
            assert _through_table(table, start, seed, max_steps) == _through_game(
                game, seed, max_steps
            ), (start, seed)


def _same_reports(story: Story, runs: int, max_steps: int | None = None) -> None:
    for strategy in ("random", "faithful", "divergent"):
        fast = autoplay(story, runs, seed=3, strategy=strategy, max_steps=max_steps)
        slow = autoplay(
            story, runs, seed=3, strategy=strategy, max_steps=max_steps, use_table=False
        )
        assert (fast.scenes, fast.choices, fast.endings) == (
            slow.scenes,
            slow.choices,
            slow.endings,
        )
        assert fast.failures == slow.failures and fast.steps == slow.steps
        one, two = fast.as_json(), slow.as_json()
        for report in (one, two):
            del report["seconds"], report["rate"]
        assert one == two
        assert _timeless(format_text(fast)) == _timeless(format_text(slow))


def _timeless(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("time: "))


# ---------------------------------------------------------------- the shipped story


def test_the_table_plays_the_shipped_story_as_the_machine_does(shipped_story):
    _same_playthroughs(shipped_story, range(40), max_steps=400)


def test_autoplay_reports_the_same_with_and_without_the_table(shipped_story):
    _same_reports(shipped_story, 150)
    start = shipped_story.viewpoints[next(iter(shipped_story.viewpoints))].start
    fast = autoplay(shipped_story, 60, seed=8, start=start)
    slow = autoplay(shipped_story, 60, seed=8, start=start, use_table=False)
    assert (fast.scenes, fast.choices, fast.endings) == (slow.scenes, slow.choices, slow.endings)


def test_the_table_reuses_the_compiled_conditions(shipped_story):
    table = StoryTable(shipped_story)
    rows = [row for scene in table.rows for row in scene]
    assert len(rows) == len(table.choices) == len(table.choice_keys)
    for row, choice in zip(rows, table.choices, strict=True):
        assert row.test is choice.test  # the one definition of "open"
        assert (row.apply is None) == (not choice.actions)


# ---------------------------------------------------------------- generated stories

STORY = """\
format: 1
story:
  id: random-story
  title: Random
  version: 1.0.0
  start: s0
variables:
  n:
    type: int
    initial: 2
    min: 0
    max: 6
    label: N
  flag:
    type: bool
    initial: false
"""


@st.composite
def small_stories(draw: st.DrawFn) -> dict[str, str]:
    """A story of 2 to 6 scenes and one or two endings: choice 1 of scene i goes on to
    scene i+1 (so every scene is linked), the others anywhere (loops included), with
    conditions on the variables and on the memory, and effects, some in `if:` groups."""
    scenes = draw(st.integers(2, 6))
    endings = draw(st.integers(1, 2))
    ids = [f"s{i}" for i in range(scenes + endings)]
    choices = {i: draw(st.integers(1, 3)) for i in range(scenes)}
    numbers = st.integers(0, 4)
    condition = st.one_of(
        st.none(),
        numbers.map(lambda k: f"n >= {k}"),
        numbers.map(lambda k: f"n < {k}"),
        st.just("flag"),
        st.just("not flag"),
        st.integers(0, scenes - 1).flatmap(
            lambda s: st.sampled_from([f"visited(s{s})", f"visits(s{s}) < 3", f"not visited(s{s})"])
        ),
        st.integers(0, scenes - 1).flatmap(
            lambda s: st.integers(1, choices[s]).map(lambda c: f"chose(s{s}.c{c})")
        ),
    )
    effect = st.sampled_from(
        ["n += 1", "n += 3", "n -= 1", "n -= 2", "flag = true", "flag = false", "n = n * 2"]
    )
    lines = ["chapter:", "  id: one", "  number: 1", "  title: One", "scenes:"]
    for i, sid in enumerate(ids):
        lines += [
            f"  - id: {sid}",
            f"    title: Scene {i}",
            "    date: 1917-10-25",
            '    time: "21:00"',
            "    place: Here",
            "    sources: [eve-1]",
            "    text: Text {visited(s0)? again | first}.",
        ]
        if i >= scenes:
            lines += [
                "    ending:",
                f"      id: end-{i}",
                f"      title: End {i}",
                "      kind: historical",
                "      epilogue: The end {flag? with the flag | without it}.",
            ]
            continue
        lines.append("    choices:")
        for c in range(1, choices[i] + 1):
            target = i + 1 if c == 1 else draw(st.integers(0, len(ids) - 1))
            lines += [
                f"      - id: c{c}",
                f"        label: Choice {c}",
                f"        goto: {ids[target]}",
                "        sources: [eve-1]",
                f"        history: {draw(st.sampled_from(['faithful', 'divergent', 'own']))}",
                "        note: A note.",
            ]
            test = draw(condition)
            if test is not None:
                lines += [f"        if: {test}", "        disabled: Not now."]
            effects = draw(st.lists(effect, max_size=3))
            guarded = draw(st.one_of(st.none(), condition.filter(lambda t: t is not None)))
            if effects or guarded:
                lines.append("        effects:")
                lines += [f"          - {e}" for e in effects]
                if guarded:
                    then, otherwise = draw(effect), draw(effect)
                    lines += [
                        f"          - if: {guarded}",
                        f"            then: {then}",
                        f"            else: [{otherwise}]",
                    ]
    return {"story.yaml": STORY, "one.yaml": "\n".join(lines) + "\n"}


@examples(25)
@given(files=small_stories(), seed=st.integers(0, 10_000))
def test_the_table_plays_generated_stories_as_the_machine_does(tmp_path_factory, files, seed):
    folder = write(tmp_path_factory.mktemp("story"), files)
    story = load_story([folder], assets=assets_dir())
    _same_playthroughs(story, range(seed, seed + 8), max_steps=30)
    _same_reports(story, 20, max_steps=30)


def test_a_generated_story_with_viewpoints_and_memory_plays_the_same(shipped_story):
    """The shipped story's viewpoints start later in their part with the memory of the
    path of history: the table starts there in the same state as a new game."""
    table = StoryTable(shipped_story)
    for start in shipped_story.starts:
        _, state = table.start(start)
        assert state == Game(shipped_story, seed=1, start=start).state


def test_the_bench_generator_plays_the_same(tmp_path):
    generate.generate(tmp_path / "story", 60)
    story = load_story([tmp_path / "story"], assets=assets_dir())
    _same_playthroughs(story, range(10), max_steps=100)
    _same_reports(story, 30)


# ---------------------------------------------------------------- the step cap


def test_the_step_cap_grows_with_the_story(tmp_path):
    """A playthrough of a long story is not a loop: every run of a generated 2,000-scene
    story (about 1,000 choices each) reaches an ending, where a fixed cap of 1,000 choices
    would report some as loops."""
    generate.generate(tmp_path / "long", 2_000)
    story = load_story([tmp_path / "long"], assets=assets_dir())
    assert step_cap(story) == 8_000
    report = autoplay(story, 20, seed=1)
    assert report.max_steps == 8_000 and not report.failures
    assert report.steps / report.runs > 500
    capped = autoplay(story, 20, seed=1, max_steps=1_000)
    assert capped.failures and {f.kind for f in capped.failures} == {"loop"}
    text = format_text(report)
    assert "step cap: 8,000 choices" in text
    assert report.as_json()["max_steps"] == 8_000


def test_the_step_cap_has_a_floor_of_a_thousand(small_story):
    assert step_cap(small_story) == 1_000
    assert autoplay(small_story, 2).max_steps == 1_000


def test_a_run_that_fails_on_the_table_reports_its_path(make_story, monkeypatch):
    """A failing run's path is not kept while it plays: it is played again to find it."""
    from tests.test_autoplay import LOOP

    story = load_story([make_story(LOOP)], assets=assets_dir())
    fast = autoplay(story, 3, seed=1, max_steps=40)
    slow = autoplay(story, 3, seed=1, max_steps=40, use_table=False)
    assert fast.failures == slow.failures
    assert [len(f.path) for f in fast.failures] == [40] * 3


_DEAD_END = """\
chapter: one
scenes:
  - id: c
    title: C
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: Nothing to do.
"""


def test_a_scene_without_choices_is_stuck_on_the_table_too(make_story):
    """A dead end (which only check_story lets through) is 'stuck' on the table, as in a
    game, not an error from choosing among no choices."""
    from game.engine import check_story
    from tests.conftest import CHAPTER_YAML

    chapter = CHAPTER_YAML.replace("goto: b\n", "goto: c\n", 1)
    folder = make_story({"one.yaml": chapter, "two.yaml": _DEAD_END})
    story, _ = check_story([folder], assets=assets_dir())
    assert story is not None
    for use_table in (True, False):
        report = autoplay(story, 5, 1, use_table=use_table)
        assert {(f.kind, f.scene) for f in report.failures} == {("stuck", "c")}
