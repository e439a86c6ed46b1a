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


def _spawn_first_frame(
    args: list[str], env: dict[str, str]
) -> tuple[float, float, float, float, str]:
    """Run bench/firstframe.py ARGS in a new process on a pseudo-terminal; returns
    (seconds from spawn to its first frame, seconds from spawn to exit, its peak
    resident memory to the first frame in MiB, its CPU seconds to the first frame,
    what it painted). Both times are read on CLOCK_MONOTONIC, which the child shares
    (`time.monotonic()`)."""
    leader, follower = pty.openpty()
    started = time.monotonic()
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
    seconds = time.monotonic() - started
    watchdog.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    os.close(leader)
    assert child.stderr is not None
    child.stderr.close()
    text = b"".join(said).decode(errors="replace").strip()
    last = text.splitlines()[-1].split() if text else []
    if child.returncode != 0 or len(last) != 5 or last[0] != "painted":
        raise RuntimeError(f"firstframe.py {' '.join(args)} failed ({child.returncode}): {text}")
    return float(last[3]) - started, seconds, int(last[2]) / 1024, float(last[4]), last[1]


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
    """`petrograd play --continue` to its first frame (a scene) vs the bare app to its first,
    both with the collector held until then (bench/firstframe.py); also each to its exit."""
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
        "game_seconds": [run[0] for run in game],
        "bare_seconds": [run[0] for run in bare],
        "game_exit_seconds": [run[1] for run in game],
        "bare_exit_seconds": [run[1] for run in bare],
        "game_mib": [run[2] for run in game],
        "bare_mib": [run[2] for run in bare],
        "game_cpu_seconds": [run[3] for run in game],
        "bare_cpu_seconds": [run[3] for run in bare],
    }


# ---------------------------------------------------------------- choice latency


class _PaintClock:
    """Notes when each frame is handed to the driver: Textual's `App._display`, the one
    place every screen update goes through, outside a batch of updates (in a terminal,
    where it is written out; headless, where writing is skipped). Mixed into both apps
    alike."""

    paints: list[float]

    def _display(self, screen: Any, renderable: Any) -> None:
        if renderable is not None and not self._batch_count:  # type: ignore[attr-defined]
            self.paints.append(time.perf_counter())
        super()._display(screen, renderable)  # type: ignore[misc]


def _quiet(app: Any) -> bool:
    """Nothing is waiting to be laid out or painted (no frame is still due)."""
    screen = app.screen
    if screen._layout_required or screen._repaint_required or screen._dirty_widgets:
        return False
    return not any(w._layout_required or w._repaint_required for w in screen.walk_children())


async def _press_and_wait(pilot: Any, app: Any, key: str) -> tuple[float, int]:
    """Press `key`; returns the latency, from the press to the first frame painted after
    it, and how many frames were painted until the app was idle again.

    Pilot's `press` returns once the app has handled the key and what it sent on, so
    its own duration is not the latency; the paints noted meanwhile are. Both apps
    handle the key in one go (the game takes the choice, saves, and updates every
    widget of the scene before returning), so the first frame painted after the press
    is the one that shows the next scene. Then each `pause` handles what is pending
    and runs the screen's update (Pilot's way), until no widget asks for a frame: a
    plain Textual screen paints a second time there (game/tui/onepaint.py says why).
    """
    app.paints.clear()
    started = time.perf_counter()
    await pilot.press(key)
    if not app.paints:
        raise RuntimeError(f"pressing {key!r} painted nothing")
    latency = app.paints[0] - started
    for _ in range(20):
        await pilot.pause()
        if _quiet(app):
            await pilot.pause()
            if _quiet(app):
                return latency, len(app.paints)
    raise RuntimeError(f"the app never settled after {key!r}")


async def _game_latencies(presses: int) -> list[tuple[float, int]]:
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
                before = len(game.record.steps)
                taken = await _press_and_wait(pilot, app, str(number))
                if app.session.game is None or len(app.session.game.record.steps) == before:
                    raise RuntimeError("the key press did not take the choice")
                if app.session.game.ended:  # to the ending screen: not a scene's frame
                    taken = (taken[0], -1)
                out.append(taken)
    finally:
        startup.release(freeze=False)  # in case no frame was painted
        shutil.rmtree(folder, ignore_errors=True)
    return out


async def _bare_latencies(presses: int, laid_out: bool = False) -> list[tuple[float, int]]:
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
    """Key press to the next scene painted, and the frames painted per press, vs the
    laid-out reference app swapping everything and the bare app swapping its text; in
    rounds taken turn about."""
    game: list[tuple[float, int]] = []
    bare: list[tuple[float, int]] = []
    laid_out: list[tuple[float, int]] = []
    per_round = max(1, presses // rounds)
    for _ in range(rounds):
        game += asyncio.run(_game_latencies(per_round))
        laid_out += asyncio.run(_bare_latencies(per_round, laid_out=True))
        bare += asyncio.run(_bare_latencies(per_round))
    return {
        "game_seconds": [s for s, _ in game],
        "laid_out_seconds": [s for s, _ in laid_out],
        "bare_seconds": [s for s, _ in bare],
        "game_paints": [n for _, n in game if n >= 0],
        "laid_out_paints": [n for _, n in laid_out],
        "bare_paints": [n for _, n in bare],
    }
