"""Shared fixtures: small hand-written stories, the shipped story, paths."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from game.engine import Story, check_story, load_story
from game.paths import assets_dir, scenes_dir

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "examples" / "mini-story"

STORY_YAML = """\
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
    max: 5
    label: Number
  flag:
    type: bool
    initial: false
"""

CHAPTER_YAML = """\
chapter:
  id: one
  number: 1
  title: One
  reflection: [Why?]
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: |
      Text of [[Smolny]].
    choices:
      - id: up
        label: Up
        goto: b
        sources: [eve-1]
        history: faithful
        note: It happened.
        effects: [n += 10, flag = true]
      - id: locked
        label: Locked
        goto: b
        if: n >= 3
        disabled: Not yet.
        sources: [eve-2]
        history: divergent
        note: It did not happen.
      - id: hidden
        label: Hidden
        goto: b
        if: flag
        sources: [eve-2]
        history: divergent
        note: It did not happen.
  - id: b
    title: B
    date: 1917-10-26
    time: night
    place: There
    sources: [eve-2]
    text: The end.
    ending:
      id: done
      title: Done
      kind: historical
      # The epilogue reads what `up` sets, so its effects are not unread (check warns).
      epilogue: "That is all{flag or n != 3?, for now}."
"""


#: A chapter file of one more scene for the test story (`chapter: one` joins its chapter).
EXTRA = """\
chapter: one
scenes:
  - id: {id}
    title: Extra
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: More.
    choices:
      - id: on
        label: On
        goto: b
        sources: [eve-1]
        history: faithful
        note: It happened.
"""


# The suite runs on every core (`make test`: pytest-xdist, `-n auto --dist loadgroup`).
# Each worker has its own session: `shipped_story` and the other session and module
# fixtures are built once a worker, every test's files are under its own tmp_path, and
# every port is a free one the kernel picks. The modules below build something costly
# once for all their tests (a wheel, a language server, a class's reports): each runs
# whole on one worker rather than building it twice.
WHOLE_MODULES = {
    "test_wheel.py",
    "test_lsp.py",
    "test_save_safety.py",
    "test_class_report.py",
    "test_report.py",
    "test_transcript.py",
    "test_plans.py",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (with --dist loadgroup)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in WHOLE_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


# Hypothesis: never a deadline (a property test must not fail for being slow on a busy
# machine); the number of examples is each test's own (tests/fuzzing.py: `examples`, and
# PETROGRAD_FUZZ_EXAMPLES for `make fuzz-properties`).
settings.register_profile("petrograd", deadline=None, print_blob=True)
settings.load_profile("petrograd")


class Stuck(BaseException):
    """Not an OSError (TimeoutError is one, and the code under test may catch those)."""


@contextlib.contextmanager
def no_hang(seconds: int = 60, what: str = "something waited on a pipe or read without end"):
    """Fail (never wait for ever) if the block is stuck, e.g. opening a named pipe. Nothing
    is timed: a block that finishes at all passes."""

    def stuck(signum, frame):
        raise Stuck(f"stuck: {what}")

    before = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write story files (dedented) into a folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test (and every subprocess it starts) keeps saves and the parse cache in its own
    folder, never the user's."""
    folder = tmp_path_factory.mktemp("petrograd-data")
    monkeypatch.setenv("PETROGRAD_DATA_DIR", str(folder))
    monkeypatch.setenv("PETROGRAD_CACHE_DIR", str(folder / "cache"))
    return folder


@pytest.fixture
def make_story(tmp_path: Path):
    """Write a story folder from {file name: text}; the defaults make a valid two-scene story."""

    def make(files: dict[str, str] | None = None, *, base: bool = True) -> Path:
        content = {"story.yaml": STORY_YAML, "one.yaml": CHAPTER_YAML} if base else {}
        content.update(files or {})
        return write(tmp_path / "story", content)

    return make


@pytest.fixture
def problems_of():
    """Check a folder with the shipped assets; return the problems as strings."""

    def run(folder: Path) -> list[str]:
        _, problems = check_story([folder], assets=assets_dir())
        return [str(p) for p in problems]

    return run


@pytest.fixture
def small_story(make_story) -> Story:
    return load_story([make_story()], assets=assets_dir())


@pytest.fixture(scope="session")
def shipped_story() -> Story:
    return load_story([scenes_dir()], assets=assets_dir())


@pytest.fixture(scope="session")
def petrograd_command() -> list[str]:
    """How to run the installed command in a subprocess."""
    exe = Path(sys.executable).parent / "petrograd"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "game"]


@pytest.fixture
def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def classroom_session(story, data_dir, assignment, *, records_dir=None, seed=None):
    """A student's session: a PlaySession wrapped in a ClassroomSession (`.play` is the game)."""
    from game.classroom.session import ClassroomSession
    from game.session import PlaySession

    play = PlaySession(story, data_dir, seed=seed)
    return ClassroomSession(play, assignment, records_dir or data_dir / "records")
