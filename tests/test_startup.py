"""What the start of `petrograd` does, and does not do, on the way to its first output.

Each check runs in a process of its own (what a module imports is process-wide) and
counts things, never times them: `make bench` times the start (bench/firstframe.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_python(program: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_version_imports_nothing_but_what_prints_it():
    """`petrograd --version` (and -V) is game/cli.py alone: no parser, no command, no engine."""
    lines = _run_python(
        "import sys\n"
        "before = set(sys.modules)\n"
        "from game.cli import main\n"
        "main(['--version'])\n"
        "main(['-V'])\n"
        "print(' '.join(sorted(set(sys.modules) - before - {'__future__'})))\n"
    )
    assert lines[0] == lines[1] and lines[0].startswith("petrograd ")
    assert lines[-1].split() == ["game", "game.cli"]


def test_the_parser_is_still_there_for_everything_else():
    """The parser moved out of game/cli.py (game/cliparse.py); its parts are still found
    there, and any other command line builds it."""
    lines = _run_python(
        "import sys, contextlib, io\n"
        "from game import cli\n"
        "assert cli._parser is __import__('game.cliparse').cliparse._parser\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert cli.main(['--help']) == 0\n"
        "print('game.cliparse' in sys.modules, 'argparse' in sys.modules)\n"
    )
    assert lines[-1] == "True True"


def test_the_players_theme_is_taken_before_the_style_sheets_are_parsed(tmp_path):
    """Setting the theme once the app runs has Textual parse and apply every style sheet a
    second time before the first frame; the app takes it before the first parse instead,
    so no style sheet is parsed twice, and the theme is the player's from the first frame."""
    program = f"""
import asyncio, json
from pathlib import Path
from textual.css.stylesheet import Stylesheet
from game.engine import load_story
from game.paths import assets_dir
from game.session import PlaySession
from game.tui.app import PetrogradApp
from tests.conftest import MINI

reparsed = []
original = Stylesheet.reparse
def reparse(self):
    reparsed.append(1)
    original(self)
Stylesheet.reparse = reparse
data = Path({str(tmp_path)!r})
data.mkdir(exist_ok=True)
(data / "settings.json").write_text(json.dumps({{"theme": "petrograd-light"}}))
app = PetrogradApp(PlaySession(load_story([MINI], assets=assets_dir()), data, seed=1))

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(app.theme, app.current_theme.dark, sorted(app.classes), len(reparsed))
        app.theme = "petrograd-dark"  # a change while playing still restyles everything
        await pilot.pause()
        print(app.theme, app.current_theme.dark, sorted(app.classes), len(reparsed))

asyncio.run(main())
"""
    first, second = _run_python(program)[-2:]
    assert first == "petrograd-light False ['-light-mode', '-theme-petrograd-light'] 0"
    assert second == "petrograd-dark True ['-dark-mode', '-theme-petrograd-dark'] 1"
