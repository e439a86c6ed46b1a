"""The UI figures: cold start and peak memory (one process each), and choice latency (Pilot).

Each function returns the samples of the game and of its baseline, taken turn about
(game, baseline, game, baseline, ...) so that a burst of load from another program
on the machine falls on both alike.
"""

from __future__ import annotations

import asyncio
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

#: The terminal size of every UI figure, in cells.
SIZE = (100, 30)


# ---------------------------------------------------------------- cold start and memory


def _spawn_first_frame(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run bench/firstframe.py ARGS in a new process on a pseudo-terminal; returns
    (seconds from spawn to exit, its peak resident memory in MiB, what it painted)."""
    leader, follower = pty.openpty()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(BENCH / "firstframe.py"), *args],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        close_fds=True,
    )
    os.close(follower)
    said: list[bytes] = []

    def drain_terminal() -> None:  # so that a child writing to its terminal never blocks
        while True:
            try:
                if not os.read(leader, 65536):
                    return
            except OSError:  # every end of the terminal closed: the child is gone
                return

    def read_errors() -> None:
        assert child.stderr is not None
        said.append(child.stderr.read())

    readers = [threading.Thread(target=f, daemon=True) for f in (drain_terminal, read_errors)]
    for reader in readers:
        reader.start()
    watchdog = threading.Timer(120, child.kill)  # a hung child fails the bench, not hangs it
    watchdog.start()
    _, status = os.waitpid(child.pid, 0)  # blocking: returns the moment the child ends
    seconds = time.perf_counter() - started
    watchdog.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    os.close(leader)
    assert child.stderr is not None
    child.stderr.close()
    text = b"".join(said).decode(errors="replace").strip()
    last = text.splitlines()[-1].split() if text else []
    if child.returncode != 0 or len(last) != 3 or last[0] != "painted":
        raise RuntimeError(f"firstframe.py {' '.join(args)} failed ({child.returncode}): {text}")
    return seconds, int(last[2]) / 1024, last[1]


def _data_with_a_save(folder: Path) -> None:
    """A player's data folder holding a save at the story's first scene, so that
    `petrograd play --continue` opens straight on a scene."""
    from game.engine import load_story
    from game.paths import assets_dir, scenes_dir
    from game.session import PlaySession

    session = PlaySession(load_story([scenes_dir()], assets=assets_dir()), folder, seed=1)
    session.new_game()
    session.save("1")


def cold_start(repeats: int) -> dict[str, Any]:
    """`petrograd play --continue` to its first frame (a scene) vs the bare app to its first."""
    folder = Path(tempfile.mkdtemp(prefix="petrograd-bench-"))
    try:
        _data_with_a_save(folder)
        env = dict(
            os.environ,
            TERM="xterm-256color",
            PETROGRAD_DATA_DIR=str(folder),
            PETROGRAD_CACHE_DIR=str(folder / "cache"),
        )
        env.pop("TEXTUAL_DRIVER", None)
        game_args = ["petrograd", "SceneScreen", "play", "--continue"]
        # one untimed run each first: the files are then in the page cache for every run,
        # and the game's parsed story files in its own cache, as for every start of the
        # game after its first (game/engine/parsecache.py)
        _spawn_first_frame(game_args, env)
        _spawn_first_frame(["bare"], env)
        game, bare = [], []
        for _ in range(repeats):
            game.append(_spawn_first_frame(game_args, env))
            bare.append(_spawn_first_frame(["bare"], env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "game_seconds": [s for s, _, _ in game],
        "bare_seconds": [s for s, _, _ in bare],
        "game_mib": [m for _, m, _ in game],
        "bare_mib": [m for _, m, _ in bare],
    }


# ---------------------------------------------------------------- choice latency


class _PaintClock:
    """Notes when each frame is handed to the driver: Textual's `App._display`, the one
    place every screen update goes through (in a terminal, where it is written out;
    headless, where writing is skipped). Mixed into both apps alike."""

    paints: list[float]

    def _display(self, screen: Any, renderable: Any) -> None:
        if renderable is not None:
            self.paints.append(time.perf_counter())
        super()._display(screen, renderable)  # type: ignore[misc]


async def _press_and_wait(pilot: Any, app: Any, key: str) -> float:
    """Press `key`; the latency is from the press to the first frame painted after it.

    Pilot's `press` returns only once the app has been idle for a while (it sleeps in
    steps of 20 ms to see that), so its own duration is not the latency; the paints
    noted meanwhile are. Both apps handle the key in one go (the game takes the
    choice, saves, and updates every widget of the scene before returning), so the
    first frame painted after the press is the one that shows the next scene. (Textual
    may paint again a few frames later, once the widgets have taken their new sizes.)
    """
    app.paints.clear()
    started = time.perf_counter()
    await pilot.press(key)
    if not app.paints:
        raise RuntimeError(f"pressing {key!r} painted nothing")
    return app.paints[0] - started


async def _game_latencies(presses: int) -> list[float]:
    from game import startup
    from game.engine import load_story
    from game.paths import assets_dir, scenes_dir
    from game.session import PlaySession
    from game.tui.app import PetrogradApp

    class TimedGame(_PaintClock, PetrogradApp):  # type: ignore[misc]
        paints: list[float] = []

    # As `petrograd` does: the collector is held while the game starts and released
    # (freezing what start-up made) once its first frame is painted (game/startup.py).
    startup.hold()
    story = load_story([scenes_dir()], assets=assets_dir())
    folder = Path(tempfile.mkdtemp(prefix="petrograd-bench-"))
    out = []
    try:
        # The first viewpoint, as `petrograd play --viewpoint messenger`: not asked.
        app = TimedGame(PlaySession(story, folder, seed=1), viewpoint=next(iter(story.viewpoints), None))
        app.paints = []
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # New game (it has the focus)
            await pilot.pause()
            while len(out) < presses:
                game = app.session.game
                assert game is not None
                if game.ended:
                    app.action_new_game()
                    await pilot.pause()
                    continue
                number = next(v.number for v in game.frame.choices if v.available)
                before = game.record.steps
                out.append(await _press_and_wait(pilot, app, str(number)))
                if app.session.game is None or app.session.game.record.steps == before:
                    raise RuntimeError("the key press did not take the choice")
    finally:
        startup.release(freeze=False)  # in case no frame was painted
        shutil.rmtree(folder, ignore_errors=True)
    return out


async def _bare_latencies(presses: int, laid_out: bool = False) -> list[float]:
    from bare_app import BareApp, LaidOutApp

    class TimedBare(_PaintClock, BareApp):
        paints: list[float] = []

    class TimedLaidOut(_PaintClock, LaidOutApp):
        paints: list[float] = []

    app = TimedLaidOut() if laid_out else TimedBare()
    app.paints = []
    out = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(presses):
            page = app.page
            out.append(await _press_and_wait(pilot, app, "n"))
            if app.page == page:
                raise RuntimeError("the key press did not swap the page")
    return out


def choice_latency(presses: int, rounds: int = 4) -> dict[str, Any]:
    """Key press to the next scene painted, vs the bare app swapping its text, and the
    laid-out reference app swapping everything; in rounds taken turn about."""
    game: list[float] = []
    bare: list[float] = []
    laid_out: list[float] = []
    per_round = max(1, presses // rounds)
    for _ in range(rounds):
        game += asyncio.run(_game_latencies(per_round))
        bare += asyncio.run(_bare_latencies(per_round))
        laid_out += asyncio.run(_bare_latencies(per_round, laid_out=True))
    return {"game_seconds": game, "bare_seconds": bare, "laid_out_seconds": laid_out}
