"""The cold-start probe: run a Textual app headless until a first frame is painted, then exit.

    .venv/bin/python bench/firstframe.py petrograd SCREEN [ARGS...]   # `petrograd ARGS`
    .venv/bin/python bench/firstframe.py bare                         # bench/bare_app.py

Both apps are started and stopped the same way, so the bench can compare them:

- this script is the process; it holds Python's cyclic collector first (as
  `petrograd` does from its first line: game/startup.py), sets one hook, and then
  runs the app's own entry point (`game.cli.main`, as the `petrograd` command does;
  `bare_app.main`);
- the hook makes every `App.run()` headless (Textual's headless driver, 100 x 30
  cells) and exits the app once the first frame of the awaited screen has been
  painted: for the game, of the screen class SCREEN (its first scene is on a
  `SceneScreen`; a title screen may be composed before it), for the bare app, of its
  only screen. A frame is painted when Textual hands the screen's update to the
  driver (`App._display`, outside a batch of updates: in a terminal, where it is
  written out; headless, where the writing is skipped). Textual's own `Ready` event
  is no use here: it comes with the first layout of any screen, even one that is
  never shown;
- at that first frame it notes the time (`time.monotonic()`: CLOCK_MONOTONIC, the
  same clock in every process of the machine, so the bench subtracts the time it
  spawned this process) and the peak memory so far; then, for the bare app, it
  releases the collector as the game does once its first frame is painted
  (`startup.release()`: what start-up made is frozen out of the collector's way, so
  that the exit of both apps costs alike);
- it then writes `painted <screen class> <peak KiB at the first frame> <monotonic
  seconds at the first frame> <CPU seconds of the process to then>` to standard
  error and ends as the entry point returns. (The CPU time, user and system, is the
  steadier figure on a busy machine: other programs' load stretches the wall time.)

The bench times the process from spawn to the first frame (the honest start), and
from spawn to exit (a reference). The peak memory is the kernel's high-water mark
of the process's resident memory (`VmHWM` in /proc/self/status): unlike the child's
`ru_maxrss`, which also counts the memory of the bench process it was forked from
before it became Python, it is this program's own. Standard input and output should
be a terminal (the bench gives a pseudo-terminal), since `petrograd` plays plain
text without one.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from game import startup

startup.hold()  # before Textual is imported, as `petrograd` holds it before importing anything

from textual.app import App  # noqa: E402

SIZE = (100, 30)
#: The class name of the screen whose first frame ends the run.
awaited = ["Screen"]
#: (screen class, peak KiB, monotonic seconds, CPU seconds) at the first frame of the
#: awaited screen.
painted: list[tuple[str, int, float, float]] = []
#: Whether the app is the bare one (which has no collector release of its own).
bare_app = [False]


def _run_headless(self: App[Any], *args: Any, **kwargs: Any) -> Any:
    kwargs["headless"] = True
    kwargs["size"] = SIZE
    return _run(self, *args, **kwargs)


def _display(self: App[Any], screen: Any, renderable: Any) -> None:
    handed = renderable is not None and not self._batch_count
    _display_frame(self, screen, renderable)
    if handed and not painted and type(screen).__name__ == awaited[0]:
        at = time.monotonic()
        painted.append((type(screen).__name__, peak_kib(), at, time.process_time()))
        if bare_app[0]:
            startup.release()  # what the game does on its first frame (PetrogradApp.on_ready)
        self.exit()


_run = App.run
_display_frame = App._display
App.run = _run_headless  # type: ignore[method-assign]
App._display = _display  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    # a screen that is never painted must not keep the bench waiting
    give_up = threading.Timer(60, lambda: os._exit(4))
    give_up.daemon = True
    give_up.start()
    if argv[:1] == ["petrograd"] and len(argv) >= 2:
        from game.cli import main as petrograd

        awaited[0] = argv[1]
        petrograd(argv[2:])
    elif argv == ["bare"]:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bare_app import main as bare

        bare_app[0] = True
        bare([])
    else:
        sys.stderr.write("usage: firstframe.py petrograd SCREEN [ARGS...] | bare\n")
        return 2
    startup.release(freeze=False)  # in case no frame was painted
    if not painted:
        sys.stderr.write(f"no frame of a {awaited[0]} was painted\n")
        return 3
    screen, peak, at, cpu = painted[0]
    sys.stderr.write(f"painted {screen} {peak} {at!r} {cpu!r}\n")
    return 0


def peak_kib() -> int:
    """This process's peak resident memory so far, in KiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
