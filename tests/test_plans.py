"""Playthrough test plans: every shipped plan passes, and a mismatch names the plan's line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from game.paths import assets_dir, scenes_dir
from game.tools.plans import StoryCache, plan_files, run_plan
from tests.conftest import MINI, ROOT

PLANS = ROOT / "tests" / "plans"
SHIPPED_PLANS = plan_files([PLANS])


@pytest.fixture(scope="module")
def cache():
    return StoryCache(assets_dir())


def run(path: Path, cache: StoryCache):
    return run_plan(path, cache, default_story=scenes_dir())


@pytest.mark.parametrize("path", SHIPPED_PLANS, ids=lambda p: p.name)
def test_shipped_plan_passes(path, cache):
    result = run(path, cache)
    assert result.ok, "\n".join(str(p) for p in result.problems)
    assert result.choices > 0


def test_plans_cover_the_historical_path_and_every_ending(cache, shipped_story):
    reached = {}
    for path in SHIPPED_PLANS:
        result = run(path, cache)
        reached.setdefault(result.ending, path.name)
    assert set(shipped_story.endings) <= set(reached)
    assert reached["history"] == "messenger-history.yaml"
    assert shipped_story.endings["history"].ending.kind == "historical"
    for viewpoint in shipped_story.viewpoints:  # each viewpoint's path of history has a plan
        assert (PLANS / f"{viewpoint}-history.yaml").is_file(), viewpoint


def write_plan(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


MINI_PLAN = f"""\
plan: The mini story
story: {MINI}
steps:
  - expect:
      scene: stairs
      variables: {{garrison: 3, warned: false}}
      available: [refuse]
      unavailable: [march]
  - choose: refuse
    expect:
      ending: quiet
      ended: true
      variables: {{garrison: 5}}
"""


def only_problem(result) -> str:
    assert len(result.problems) == 1, result.problems
    return str(result.problems[0])


def test_a_passing_plan(tmp_path, cache):
    result = run(write_plan(tmp_path, MINI_PLAN), cache)
    assert result.ok and result.ending == "quiet" and (result.steps, result.choices) == (2, 1)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "scene: stairs",
            "scene: refusal",
            "refusal",
            "expected the scene 'refusal', but the game is in 'stairs'",
        ),
        (
            "garrison: 3,",
            "garrison: 4,",
            "4,",
            "expected garrison = 4, but it is 3 (in scene 'stairs')",
        ),
        (
            "available: [refuse]",
            "available: [march]",
            "march]",
            "expected the choice 'march' to be open, but its condition 'garrison >= 5' is false with garrison = 3",
        ),
        (
            "unavailable: [march]",
            "unavailable: [refuse]",
            "refuse]",
            "expected the choice 'refuse' to be closed, but it is open (it has no condition)",
        ),
        (
            "choose: refuse",
            "choose: march",
            "march\n",
            "the choice 'march' is not open in scene 'stairs' (its condition 'garrison >= 5' is false with garrison = 3); open: refuse",
        ),
        (
            "choose: refuse",
            "choose: refuze",
            "refuze",
            "the scene 'stairs' has no choice 'refuze'; did you mean 'refuse'?",
        ),
        (
            "ending: quiet",
            "ending: too-soon",
            "too-soon",
            "expected the ending 'too-soon', but the game ended at 'quiet'",
        ),
        (
            "ending: quiet",
            "ending: nowhere",
            "nowhere",
            "plan-unknown: the story has no ending 'nowhere'",
        ),
        (
            "garrison: 5}",
            "garrisn: 5}",
            "garrisn",
            "plan-unknown: the story has no variable 'garrisn'; did you mean 'garrison'?",
        ),
    ],
)
def test_the_first_mismatch_is_reported_at_its_place(tmp_path, cache, old, new, needle, message):
    text = MINI_PLAN.replace(old, new, 1)
    result = run(write_plan(tmp_path, text), cache)
    before = text[: text.index(needle, text.index(new))]
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    problem = only_problem(result)
    assert problem.startswith(f"{result.path}:{line}:{column}: "), (problem, line, column)
    assert message in problem


def test_steps_after_the_ending_and_empty_steps(tmp_path, cache):
    late = run(write_plan(tmp_path, MINI_PLAN + "  - choose: refuse\n"), cache)
    assert "cannot choose 'refuse': the game has ended at 'quiet'" in only_problem(late)
    empty = run(write_plan(tmp_path, MINI_PLAN + "  - {}\n", "empty.yaml"), cache)
    assert "plan-empty-step" in only_problem(empty)


def test_a_badly_written_plan_is_reported_like_a_scene_file(tmp_path, cache):
    result = run(
        write_plan(tmp_path, MINI_PLAN.replace("  - choose: refuse", "  - chose: refuse")), cache
    )
    problem = only_problem(result)
    assert ": unknown-key: unknown key 'chose' in step; did you mean 'choose'?" in problem
    assert problem.startswith(f"{result.path}:9:5: ")
    broken = run(write_plan(tmp_path, "plan: [unclosed\n", "broken.yaml"), cache)
    assert ": yaml-syntax: " in only_problem(broken)
    missing = run(
        write_plan(tmp_path, MINI_PLAN.replace(str(MINI), str(tmp_path / "nowhere")), "m.yaml"),
        cache,
    )
    assert "plan-story: no such folder" in only_problem(missing)


def test_a_plan_can_start_elsewhere_with_other_values(tmp_path, cache):
    plan = """\
    plan: Straight to the march
    start:
      scene: c6-square
      variables: {garrison: 9, trust: 4, fortress_won: true}
    steps:
      - expect:
          scene: c6-square
          variables: {garrison: 9, trust: 4, fortress_won: true, blood_tonight: 0}
    """
    assert run(write_plan(tmp_path, plan), cache).ok
    wrong = run(
        write_plan(
            tmp_path, plan.replace("garrison: 9, trust", "garrison: 99, trust"), "w.yaml"
        ),
        cache,
    )
    assert "99 is outside the range of 'garrison' (0..10)" in only_problem(wrong)
    typed = run(
        write_plan(
            tmp_path,
            plan.replace("fortress_won: true}\n    steps", "fortress_won: 1}\n    steps"),
            "t.yaml",
        ),
        cache,
    )
    assert "'fortress_won' holds true or false" in only_problem(typed)
    nowhere = run(
        write_plan(
            tmp_path,
            plan.replace("scene: c6-square\n", "scene: c6-squar\n", 1),
            "n.yaml",
        ),
        cache,
    )
    assert "did you mean 'c6-square'?" in only_problem(nowhere)


def test_the_command(petrograd_command, tmp_path):
    good = subprocess.run(
        [*petrograd_command, "test-plan", str(PLANS)], capture_output=True, text=True, cwd=ROOT
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("ok: ") == len(SHIPPED_PLANS)
    assert "ok: tests/plans/messenger-history.yaml: " in good.stdout
    bad_plan = write_plan(tmp_path, MINI_PLAN.replace("garrison: 3,", "garrison: 4,"))
    bad = subprocess.run(
        [*petrograd_command, "test-plan", str(PLANS / "messenger-history.yaml"), str(bad_plan)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "plan.yaml:6:29: plan-mismatch: expected garrison = 4, but it is 3" in bad.stdout
    assert "1 of 2 plan(s) failed" in bad.stderr and "Traceback" not in bad.stderr
    data = json.loads(
        subprocess.run(
            [
                *petrograd_command,
                "test-plan",
                "--format",
                "json",
                str(bad_plan),
                str(tmp_path / "absent.yaml"),
            ],
            capture_output=True,
            text=True,
        ).stdout
    )
    assert [p["ok"] for p in data["plans"]] == [False, False]
    assert data["plans"][1]["problems"][0]["code"] == "missing-file"


# ------------------------------------------------ folders and files a plan should not use


def plan_with(line: str) -> str:
    """The mini plan with `line` (a `story:` or `scenes:` line) in place of its story."""
    return MINI_PLAN.replace(f"story: {MINI}\n", f"{line}\n")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and links")
@pytest.mark.parametrize(
    "line, needle",
    [
        ("scenes: [/]", "/ is the root of the file system"),
        ("story: /", "/ is the root of the file system"),
        ("scenes: [.]", "holds this plan itself"),
        ("story: ..", "holds this plan itself"),
        ("scenes: [plan.yaml]", "is a file, not a folder"),
        ("scenes: [pipe]", "is a named pipe, not a folder"),
        ("scenes: [loop]", "a link that leads round in a loop"),
        ("scenes: [nowhere]", "no such folder: "),
    ],
)
def test_a_plan_cannot_use_the_root_its_own_folder_or_what_is_not_a_folder(
    tmp_path, line, needle
):
    """`scenes: [/]` used to walk the whole file system: each such folder is refused at
    its place in the plan, with how to fix it, and no story is loaded at all."""
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "loop").symlink_to("loop")
    text = plan_with(line)
    path = write_plan(tmp_path, text)
    fresh = StoryCache(assets_dir())
    result = run(path, fresh)
    problem = only_problem(result)
    value = line.split(": ", 1)[1].strip("[]")
    before = textwrap.dedent(text)[: textwrap.dedent(text).index(line)] + line[: line.index(value)]
    place = f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"
    assert problem.startswith(f"{result.path}:{place}: plan-story: "), (problem, place)
    assert needle in problem and "; " in problem  # what is wrong; then what to do
    assert fresh.stories == {}  # nothing was walked or loaded


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_a_plan_that_is_a_pipe_or_an_odd_name_is_one_line_of_the_command(
    petrograd_command, tmp_path
):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "good.yaml").write_text(plan_with(f"story: {MINI}"), encoding="utf-8")
    (plans / "x\x1b[2J.yaml").write_text(plan_with(f"story: {MINI}"), encoding="utf-8")
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    result = subprocess.run(
        [*petrograd_command, "test-plan", str(plans), str(pipe)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,  # a wait on the pipe fails here, never hangs the suite
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1 and b"Traceback" not in out and b"\x1b" not in out
    lines = out.decode().splitlines()
    assert [line for line in lines if ": bad-name: " in line] == [
        next(line for line in lines if line.startswith(f"{plans}/x\\x1b[2J.yaml: bad-name: "))
    ]
    assert len([line for line in lines if ": not-a-file: it is a named pipe" in line]) == 1
    assert any(line.startswith("ok: ") and "good.yaml" in line for line in lines)
    assert "2 of 3 plan(s) failed" in out.decode()
