"""Fixtures for the TUI tests: apps on the small example story and on the shipped one."""

from __future__ import annotations

import pytest

from game.engine import load_story
from game.paths import assets_dir
from game.tui.app import PetrogradApp
from tests.conftest import MINI


@pytest.fixture(scope="session")
def mini_story():
    return load_story([MINI], assets=assets_dir())


@pytest.fixture
def mini_app(mini_story) -> PetrogradApp:
    return PetrogradApp(mini_story, seed=1)
