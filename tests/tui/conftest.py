"""Fixtures for the TUI tests: apps on the small example story and on the shipped one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from game.engine import load_story
from game.paths import assets_dir
from game.session import PlaySession
from game.tui.app import PetrogradApp
from tests.conftest import MINI


@pytest.fixture(scope="session")
def mini_story():
    return load_story([MINI], assets=assets_dir())


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def make_app(data_dir, mini_story):
    """An app on a story (the mini story by default) with its own empty data folder. A new
    game of a story with viewpoints plays the first, unless `viewpoint=None` asks the player
    (tests/tui/test_viewpoints.py)."""

    def make(story=None, **kwargs) -> PetrogradApp:
        story = story or mini_story
        if story.viewpoints:
            kwargs.setdefault("viewpoint", next(iter(story.viewpoints)))
        return PetrogradApp(PlaySession(story, data_dir, seed=1), **kwargs)

    return make


@pytest.fixture
def mini_app(make_app) -> PetrogradApp:
    return make_app()


#: How long `until` lets the app run at most: only a hung test ever waits this long.
DEADLINE = 30.0


async def until(pilot, condition: Callable[[], object], what: str) -> None:
    """Let the app run until `condition()` holds (checked between pauses), failing only
    if it has not after DEADLINE seconds.

    `pilot.pause()` alone is no promise that the app has handled what it was sent: it
    waits for the messages queued when it was called, then for the process to look idle
    (Textual's wait_for_idle: little CPU time used over 20 ms), and a process that the
    scheduler is not running on a busy machine looks idle too. A key's work goes on
    through later messages (the key bubbling to the bindings, the next screen's mount),
    so a test waits for what the keys lead to."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await pilot.pause()


def showing(app, kind: type) -> bool:
    """Whether the app's current screen is a `kind` and has been mounted (composed)."""
    screen = app.screen
    return isinstance(screen, kind) and screen.is_mounted
