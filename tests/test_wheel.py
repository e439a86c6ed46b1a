"""The game finds its scenes and assets when installed as a plain wheel, run from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("petrograd_1917-*.whl"))
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def run_installed(
    target: Path, cwd: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(target), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "game", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_wheel_holds_scenes_and_assets(installed: Path):
    data = installed / "game" / "_data"
    assert (data / "scenes" / "story.yaml").is_file()
    assert (data / "assets" / "sources.yaml").is_file()
    assert (data / "assets" / "codex.yaml").is_file()
    web = installed / "game" / "web"  # the served page and the teacher's (petrograd serve)
    for name in (
        "templates/app_index.html",
        "templates/teacher.html",
        "static/page.js",
        # the web pages (game/web/app.py)
        "templates/html/base.html",
        "templates/html/scene.html",
        "static/html/game.css",
        "static/html/game.js",
    ):
        assert (web / name).is_file(), name


def test_installed_game_runs_from_another_folder(installed: Path, tmp_path: Path):
    where = run_installed(installed, tmp_path, "--version")
    assert where.returncode == 0
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import game, game.paths; print(game.__file__); print(game.paths.scenes_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(installed)),
    )
    module_file, scenes = probe.stdout.split()
    assert module_file.startswith(str(installed)) and scenes.startswith(str(installed))
    played = run_installed(installed, tmp_path, "play", "--plain", stdin="1\n")
    assert played.returncode == 0, played.stderr
    assert "Chapter 1" in played.stdout
