"""`petrograd autoplay`: random playthroughs, coverage, endings, failures with their seeds, speed."""

from __future__ import annotations

import io
import json
import subprocess

import pytest

from game.commands.autoplay import ProgressBar
from game.engine import Game, load_story
from game.paths import assets_dir
from game.tools.autoplay import autoplay, format_text
from tests.conftest import MINI, STORY_YAML

#: a -> (left | right) -> gate; the gate opens only if 'left' set the flag: half the runs stick.
STUCK = {
    "one.yaml": """\
        chapter:
          id: one
          number: 1
          title: One
        scenes:
          - id: a
            title: A
            date: 1917-10-25
            time: night
            place: Here
            sources: [eve-1]
            text: Start.
            choices:
              - id: left
                label: Left
                goto: gate
                sources: [eve-1]
                history: faithful
                note: Yes.
                effects: [flag = true]
              - id: right
                label: Right
                goto: gate
                sources: [eve-1]
                history: divergent
                note: No.
          - id: gate
            title: Gate
            date: 1917-10-25
            time: night
            place: Here
            sources: [eve-1]
            text: A gate.
            choices:
              - id: through
                label: Through
                goto: end
                if: flag
                disabled: Locked.
                sources: [eve-1]
                history: faithful
                note: Yes.
          - id: end
            title: End
            date: 1917-10-26
            time: night
            place: There
            sources: [eve-1]
            text: The end.
            ending:
              id: done
              title: Done
              kind: historical
              epilogue: That is all.
        """
}

#: a <-> b forever: the ending's condition never holds.
LOOP = {
    "one.yaml": STUCK["one.yaml"]
    .replace(
        "goto: gate\n                sources: [eve-1]\n                history: divergent",
        "goto: a\n                sources: [eve-1]\n                history: divergent",
    )
    .replace("effects: [flag = true]", "effects: [n += 1]")
    .replace("if: flag", "if: n > 99")
    .replace(
        "              - id: through",
        "              - id: back\n                label: Back\n                goto: a\n                sources: [eve-1]\n                history: faithful\n                note: Yes.\n              - id: through",
    ),
    "story.yaml": STORY_YAML.replace("    max: 5\n", "    max: 500\n"),
}


@pytest.fixture
def mini():
    return load_story([MINI], assets=assets_dir())


def test_counts_add_up_and_cover_the_mini_story(mini):
    report = autoplay(mini, 200, seed=7)
    assert report.runs == 200 and not report.failures
    assert sum(report.endings.values()) == 200
    assert report.scenes["stairs"] == 200  # entered once per run
    assert report.choices["stairs", "refuse"] == 200  # 'march' is never open (garrison 3 < 5)
    assert report.untaken_choices() == [("stairs", "march")]
    assert report.unvisited_scenes() == ["too-soon"]
    assert report.unreached_endings() == ["too-soon"]
    assert report.scene_coverage == pytest.approx(200 / 3)
    assert report.choice_coverage == 50.0
    text = format_text(report)
    assert "scenes visited: 2/3 (66.7%)" in text and "choices taken: 1/2 (50.0%)" in text
    assert "01-smolny.yaml:" in text and "stairs:march" in text


def test_the_same_seed_plays_the_same_runs(shipped_story):
    one = autoplay(shipped_story, 150, seed=42)
    two = autoplay(shipped_story, 150, seed=42)
    other = autoplay(shipped_story, 150, seed=43)
    assert one.choices == two.choices and one.endings == two.endings
    assert one.choices != other.choices


def test_a_stuck_playthrough_is_reported_with_a_seed_that_reproduces_it(make_story):
    story = load_story([make_story(STUCK)], assets=assets_dir())
    report = autoplay(story, 60, seed=100)
    assert 0 < len(report.failures) < 60
    assert sum(report.endings.values()) + len(report.failures) == 60
    failure = report.failures[0]
    assert failure.kind == "stuck" and failure.scene == "gate"
    assert failure.path == ("a:right",)
    again = autoplay(story, 1, seed=failure.seed)
    assert again.failures == [failure]
    text = format_text(report)
    assert f"--seed {failure.seed} --strategy random" in text
    assert all(f.kind == "stuck" for f in report.failures)


def test_a_playthrough_without_end_is_reported_as_a_loop(make_story):
    story = load_story([make_story(LOOP)], assets=assets_dir())
    report = autoplay(story, 3, seed=1, max_steps=40)
    assert [f.kind for f in report.failures] == ["loop"] * 3
    assert "no ending after 40 choices" in report.failures[0].message
    assert len(report.failures[0].path) == 40


def test_an_engine_error_is_caught_with_its_seed(shipped_story, monkeypatch):
    real = Game.choose

    def broken(self, choice_id):
        if self.scene.id == "c1-postponed":  # the messenger's second scene
            raise RuntimeError("boom")
        return real(self, choice_id)

    monkeypatch.setattr(Game, "choose", broken)
    report = autoplay(shipped_story, 5, seed=9, start="c1-smolny", use_table=False)
    assert [f.kind for f in report.failures] == ["error"] * 5
    assert [f.seed for f in report.failures] == [9, 10, 11, 12, 13]
    assert report.failures[0].message == "RuntimeError: boom"
    assert len(report.failures[0].path) == 1
    assert report.failures[0].path[0] in ("c1-smolny:liaison", "c1-smolny:home-first")


def test_an_error_on_the_table_is_caught_with_its_seed_and_path(shipped_story, monkeypatch):
    """On the table, an effect that raises is a finding like any engine error: its seed,
    its scene, and the path to it (found by playing the run again)."""
    from game.engine import table as table_module

    real = table_module.StoryTable.__init__

    def sabotaged(self, story):
        real(self, story)
        here = self.index["c1-postponed"]

        def boom(state):
            raise RuntimeError("boom")

        self.rows = tuple(
            tuple(row._replace(apply=boom) for row in rows) if n == here else rows
            for n, rows in enumerate(self.rows)
        )

    monkeypatch.setattr(table_module.StoryTable, "__init__", sabotaged)
    report = autoplay(shipped_story, 5, seed=9, start="c1-smolny")
    failed = [f for f in report.failures if f.kind == "error"]
    assert failed and all(f.scene == "c1-postponed" for f in failed)
    assert failed[0].message == "RuntimeError: boom"
    assert failed[0].path[-1].startswith("c1-smolny:")
    assert sum(report.endings.values()) + len(report.failures) == 5


def test_one_random_generator_is_reseeded_for_every_run(shipped_story, monkeypatch):
    import random

    from game.tools import autoplay as module

    made = []

    class Counted(random.Random):
        def __init__(self, *args):
            made.append(1)
            super().__init__(*args)

    monkeypatch.setattr(module.random, "Random", Counted)
    report = autoplay(shipped_story, 50, seed=4)
    assert made == [1] and report.runs == 50 and not report.failures


def test_strategies(shipped_story):
    faithful = autoplay(shipped_story, 100, seed=1, strategy="faithful", start="c1-smolny")
    assert dict(faithful.endings) == {"history": 100}
    everyone = autoplay(shipped_story, 100, seed=1, strategy="faithful")  # every viewpoint
    kinds = {shipped_story.endings[e].ending.kind for e in everyone.endings}
    assert kinds == {"historical"} and len(everyone.endings) >= 4
    divergent = autoplay(shipped_story, 100, seed=1, strategy="divergent", start="c1-smolny")
    assert "history" not in divergent.endings
    for scene_id, choice_id in divergent.choices:
        scene = shipped_story.scenes[scene_id]
        always_open = [x for x in scene.choices if x.history == "divergent" and x.test is None]
        if always_open:  # a divergent choice was always there to take, so it was taken
            assert scene.choice(choice_id).history == "divergent", (scene_id, choice_id)


def test_no_frame_is_built_per_choice(shipped_story, monkeypatch):
    built = []
    real = Game._make_frame

    def counting(self, previous):
        built.append(1)
        return real(self, previous)

    monkeypatch.setattr(Game, "_make_frame", counting)
    report = autoplay(shipped_story, 20, seed=1, use_table=False)
    assert report.steps > 200
    assert built == []  # neither Game.restart() nor the loop builds a frame


def test_two_thousand_playthroughs_cover_the_story(shipped_story):
    """The issue asks for 10,000 in well under a minute: that pace is a row of `make bench`
    (autoplay --runs 10,000, at least 2,000 a second), timed there, not here. Here: 2,000
    runs play without a failure and reach every scene and choice."""
    report = autoplay(shipped_story, 2_000, seed=1)
    assert not report.failures
    assert report.scene_coverage == 100.0 and report.choice_coverage == 100.0


def test_progress_bar_draws_and_clears():
    stream = io.StringIO()
    bar = ProgressBar(1000, stream=stream, width=10)
    bar(250)
    assert "[##--------] 250/1,000 playthroughs" in stream.getvalue()
    bar(1000)
    assert stream.getvalue().endswith("\r")


def test_command_json_and_exit_codes(petrograd_command, make_story):
    result = subprocess.run(
        [*petrograd_command, "autoplay", "--runs", "50", "--seed", "3", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when standard error is not a terminal
    data = json.loads(result.stdout)
    assert data["runs"] == 50 and data["seeds"] == [3, 52] and data["ok"] is True
    assert sum(data["endings"].values()) == 50
    assert data["scenes"]["visited"] == sum(1 for n in data["scenes"]["counts"].values() if n)
    assert set(data["choices"]["never"]) == {
        k for k, n in data["choices"]["counts"].items() if n == 0
    }
    stuck = make_story(STUCK)
    failed = subprocess.run(
        [*petrograd_command, "autoplay", "--runs", "20", "--story", str(stuck)],
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert "stuck in scene 'gate'" in failed.stdout and "reproduce with" in failed.stdout
    bad = subprocess.run(
        [*petrograd_command, "autoplay", "--runs", "0"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "give a number from 1 to 1,000,000" in bad.stderr
