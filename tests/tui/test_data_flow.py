"""Where the TUI and the session meet (issue 16): one key press is one engine call and one
write, made in a worker off the event loop; every public PlaySession method writes at its
one flush point; the screens reach the app through a typed accessor; the scene and ending
screens do not import each other."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from game.engine import Game
from game.saves import SaveStore
from game.session import PlaySession
from game.tui.screens.scene import SceneScreen
from tests.conftest import ROOT


async def test_one_key_press_is_one_engine_call_and_one_write(make_app, monkeypatch):
    app = make_app()
    calls: list[str] = []
    writes: list[Path] = []
    choose, write = Game.choose, SaveStore.write
    monkeypatch.setattr(
        Game, "choose", lambda self, *a, **k: (calls.append(a[0]), choose(self, *a, **k))[1]
    )
    monkeypatch.setattr(
        SaveStore,
        "write",
        staticmethod(lambda prepared: (writes.append(prepared.path), write(prepared))[1]),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert (calls, writes) == ([], [])  # a new game writes no autosave
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert calls == ["refuse"]
    assert [p.name for p in writes] == ["auto.json"]


async def test_the_autosave_is_written_in_a_worker_thread(make_app, monkeypatch):
    import threading

    app = make_app()
    threads = []
    write = SaveStore.write
    monkeypatch.setattr(
        SaveStore,
        "write",
        staticmethod(
            lambda prepared: (threads.append(threading.current_thread()), write(prepared))[1]
        ),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "1")
        await app.workers.wait_for_complete()
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_every_public_session_method_is_a_command():
    """A method that is not a command would read or change the game without the writes
    that belong to it (the first edition's 13 calls to remember)."""
    not_commands = {"flush", "take_problem", "progress_by_viewpoint"}  # write, or read memory
    for name, member in inspect.getmembers(PlaySession, inspect.isfunction):
        if name.startswith("_") or name in not_commands:
            continue
        assert getattr(member, "is_command", False), f"PlaySession.{name} is not a @command"


def test_a_write_waiting_for_the_front_end_is_made_before_the_next_command(mini_story, tmp_path):
    later = []
    session = PlaySession(mini_story, tmp_path)
    session.write_soon = later.append
    session.new_game()
    session.choose("refuse")
    autosave = tmp_path / "saves" / "auto.json"
    assert not autosave.exists()
    session.saves()  # the next command first writes what is waiting, then reads
    assert autosave.exists()


def test_the_scene_and_ending_screens_do_not_import_each_other():
    for module, other in (
        ("game.tui.screens.scene", "game.tui.screens.ending"),
        ("game.tui.screens.ending", "game.tui.screens.scene"),
    ):
        code = (
            f"import sys, {module}; print({other!r} in sys.modules, 'game.tui.app' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.split()
        assert out == ["False", "False"], f"{module} imports {other} or the app"


def test_screens_reach_the_app_through_the_typed_accessor():
    tui = ROOT / "game" / "tui"
    for path in tui.rglob("*.py"):
        text = path.read_text()
        assert "type: ignore[attr-defined]" not in text, path
        assert "self.app.session" not in text, path


async def test_the_screen_draws_itself_from_its_frame(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, SceneScreen) and screen.frame is app.session.game.frame
        await pilot.press("1")
        await pilot.pause()
        # the ending: the app shows its screen; the scene's frame is the one it last drew
        assert app.session.game.ended
