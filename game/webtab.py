"""One browser tab's game (`petrograd play --web`, started by `petrograd serve`): the
limits it is held to, its private folder, and clearing the folders whose game has ended.

A tab without an assignment keeps its saves in a folder of its own: `tab-XXXX` under
`DATA/web/` when `--data-dir` was given, else in the system's temporary folder. The
game removes its folder when it ends (quitting, the tab closing, SIGTERM or SIGHUP:
the full-screen game ends normally on those). A game killed outright cannot, so:

- while its game runs, a tab's folder holds `OWNER_LOCK`, a file the game keeps
  locked (`flock`); the kernel releases the lock when the process ends, however it
  ends;
- a game whose server has gone (killed outright) ends itself, normally;
- `sweep_tab_folders` removes the tab folders whose lock nobody holds. The server
  runs it at start (what a killed server's games left), after each tab's game has
  ended, and at shutdown. A folder whose game is running is never touched, even one
  of another server sharing the folder, nor a `tab-*` folder without the lock file
  (not one of ours, or one from a version before the lock).

The server's own folder of status files (game/webstatus.py), `petrograd-status-XXXX`
beside the tab folders, is made and locked the same way by the server's process
(`open_status_folder`), so a killed server's is swept too.

Only the standard library is imported here: every tab's game imports this module.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: the game still removes its folder at exit; no sweeping
    fcntl = None  # type: ignore[assignment]

#: The terminal a browser may ask for: wider, taller, smaller sizes are clamped to these
#: (game/webserve.py). At 20,000 x 20,000 a game reached 2 GiB in 15 s.
MIN_WIDTH, MAX_WIDTH = 10, 500
MIN_HEIGHT, MAX_HEIGHT = 5, 200
#: What one tab's game takes (bench/serve_capacity.py measures it), and how many games
#: `petrograd serve` runs at once unless told otherwise (--max-games).
MIB_PER_GAME = 50
DEFAULT_MAX_GAMES = 40

PREFIX = "tab-"
#: The server's folder of its tabs' status files (game/webstatus.py).
STATUS_PREFIX = "petrograd-status-"
#: Inside each tab folder: locked by the tab's game for as long as it runs.
OWNER_LOCK = ".petrograd-tab.lock"


def tabs_parent(data: Path | None) -> Path:
    """Where tab folders go: `data/web` when `--data-dir` was given, else the system's
    temporary folder."""
    return data / "web" if data is not None else Path(tempfile.gettempdir())


def open_tab_folder(data: Path | None) -> Path:
    """Make this process's tab folder, locked until the process ends and removed at exit."""
    return _open_locked_folder(data, PREFIX)


def open_status_folder(data: Path | None) -> Path:
    """Make the server's folder of status files (beside the tab folders, private to this
    user), locked until the server's process ends and removed at exit."""
    return _open_locked_folder(data, STATUS_PREFIX)


def _open_locked_folder(data: Path | None, prefix: str) -> Path:
    parent = tabs_parent(data)
    if data is not None:
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    lock = _hold_lock(folder)
    atexit.register(_remove, folder, lock)
    return folder


def end_with_the_server() -> None:
    """SIGTERM this game when the process that started it (the server) is gone.

    A server killed outright cannot end its games, and a game reading from the browser
    does not end when its input does: it would run on, holding its folder, forever.
    The game ends normally on SIGTERM (game/tui/app.py), so its folder is removed."""
    if not hasattr(os, "getppid") or not hasattr(signal, "SIGTERM"):
        return
    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="end-with-the-server", daemon=True).start()


def _hold_lock(folder: Path) -> int | None:
    """Lock `folder`'s owner file for as long as this process lives (None without flock).

    The file is locked under another name, then renamed: a sweep never sees the lock
    file unlocked while its game is starting."""
    if fcntl is None:
        return None
    fresh = folder / (OWNER_LOCK + ".new")
    fd = os.open(fresh, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)  # not inherited
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.replace(fresh, folder / OWNER_LOCK)
    return fd


def _remove(folder: Path, lock: int | None) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    if lock is not None:
        os.close(lock)


def sweep_tab_folders(parent: Path) -> int:
    """Remove the tab folders (and servers' status folders) under `parent` whose process has
    ended; how many were removed."""
    if fcntl is None:
        return 0
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith((PREFIX, STATUS_PREFIX))]
    except OSError:
        return 0
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = 0
    for folder in candidates:
        try:
            if folder.is_symlink() or not folder.is_dir():
                continue
            if uid is not None and folder.stat().st_uid != uid:
                continue  # the system's temporary folder is shared with other users
            fd = os.open(folder / OWNER_LOCK, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue  # no lock file: not a tab folder of ours
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its game is running
            shutil.rmtree(folder, ignore_errors=True)
            removed += not folder.exists()
        finally:
            os.close(fd)
    return removed
