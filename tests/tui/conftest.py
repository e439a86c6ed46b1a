"""Fixtures for the TUI tests: apps on the small example story and on the shipped one."""

from __future__ import annotations

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
