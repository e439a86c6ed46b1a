"""`petrograd coverage`: the scenes, choices and conditional passages (each way) that
the test plans and autoplay runs saw, per chapter, and where each one never seen is."""

from __future__ import annotations

import json
import subprocess

from game.engine import Game, load_story
from game.paths import assets_dir
from game.tools.coverage import Coverage, format_text
from tests.conftest import CHAPTER_YAML

#: The reflection question depends on the state too.
REFLECTING = CHAPTER_YAML.replace("reflection: [Why?]", 'reflection: ["Why{flag?, then}?"]')

PLAN = """\
plan: up and away
steps:
  - choose: up
    expect:
      scene: b
"""


def test_what_one_game_saw_each_way_with_its_place(make_story):
    story = load_story([make_story({"one.yaml": REFLECTING})], assets=assets_dir())
    coverage = Coverage(story)
    game = Game(story, seed=1)
    coverage.observe(game)
    game.choose("up")  # n = 5 (kept in range), flag = true
    coverage.observe(game)
    report = coverage.report(plans=1)
    (chapter,) = report.chapters
    assert (chapter.scenes.seen, chapter.scenes.all) == (2, 2)
    assert (chapter.choices.seen, chapter.choices.all) == (1, 3)
    # the epilogue's {flag or n != 3? ...} and the reflection's {flag? ...}, each both ways
    assert (chapter.passages.seen, chapter.passages.all) == (2, 4)
    unseen = [str(u) for u in report.unseen]
    assert any(u.endswith("choice never taken: a.locked") and "one.yaml:" in u for u in unseen)
    assert any(
        "passage never seen: b epilogue: {flag or n != 3? ...} otherwise" in u for u in unseen
    )
    assert any("chapter:one reflection: {flag? ...} otherwise" in u for u in unseen)
    line = next(u for u in report.unseen if u.what == "a.hidden").mark.line
    assert line == story.scenes["a"].choice("hidden").mark.line > 0
    text = format_text(story, report)
    assert "2/2    100.0%" in text and "1/3     33.3%" in text and "never seen (4):" in text


def test_the_hidden_way_is_seen_only_when_a_game_takes_it(make_story):
    story = load_story([make_story({"one.yaml": REFLECTING})], assets=assets_dir())
    coverage = Coverage(story)
    game = Game(story, seed=1, variables={"n": 3})  # a test start: `locked` is open
    coverage.observe(game)
    game.choose("locked")
    coverage.observe(game)
    ways = {u.what for u in coverage.report().unseen}
    assert "b epilogue: {flag or n != 3? ...} shown" in ways  # n == 3 and no flag: not shown
    assert "b epilogue: {flag or n != 3? ...} otherwise" not in ways


def run(petrograd_command, clean_env, *options):
    return subprocess.run(
        [*petrograd_command, "coverage", *options],
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=60,
    )


def test_the_command_sums_plans_and_autoplay_as_text_and_json(
    make_story, tmp_path, petrograd_command, clean_env
):
    folder = make_story({"one.yaml": REFLECTING})
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "up.yaml").write_text(PLAN, encoding="utf-8")
    alone = run(
        petrograd_command,
        clean_env,
        "--story",
        str(folder),
        "--plans",
        str(plans),
        "--autoplay",
        "0",
    )
    assert alone.returncode == 0, alone.stderr
    assert "over 1 test plan(s) and 0 autoplay run(s)" in alone.stdout
    assert "choice never taken: a.locked" in alone.stdout
    both = run(
        petrograd_command,
        clean_env,
        "--story",
        str(folder),
        "--plans",
        str(plans),
        "--autoplay",
        "20",
        "--format",
        "json",
    )
    assert both.returncode == 0, both.stderr
    data = json.loads(both.stdout)
    assert data["plans"] == 1 and data["autoplay_runs"] == 20
    assert data["total"]["scenes"] == {"seen": 2, "all": 2, "percent": 100.0}
    assert data["total"]["choices"]["seen"] == 1  # at the start n = 1 and no flag: `up` only
    kinds = {(u["kind"], u["what"]) for u in data["unseen"]}
    assert ("choice", "a.hidden") in kinds
    assert all(u["file"].endswith("one.yaml") and u["line"] > 0 for u in data["unseen"])


def test_a_plan_that_fails_makes_it_exit_1(make_story, tmp_path, petrograd_command, clean_env):
    folder = make_story()
    plan = tmp_path / "bad.yaml"
    plan.write_text(PLAN.replace("choose: up", "choose: upp"), encoding="utf-8")
    done = run(
        petrograd_command,
        clean_env,
        "--story",
        str(folder),
        "--plans",
        str(plan),
        "--autoplay",
        "0",
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "bad.yaml:" in done.stderr and "upp" in done.stderr
    assert "coverage:" in done.stdout  # the report is still written
    missing = run(
        petrograd_command, clean_env, "--story", str(folder), "--plans", str(tmp_path / "no")
    )
    assert missing.returncode == 1 and "no such plan file or folder" in missing.stderr
