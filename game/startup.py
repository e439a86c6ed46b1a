"""The garbage collector while `petrograd` starts, and after.

Starting the game makes a few hundred thousand objects that live as long as the
process: modules, classes and functions, the story, the screen's widgets. Python's
cyclic collector is triggered by allocations and walks every object still alive,
so during start-up it walks the same long-lived objects again and again, and at
exit it walks them all once more. Almost none of them ever need collecting: the
garbage that start-up leaves (about 3,000 objects, well under a megabyte) stays
frozen with the rest, a fixed cost paid once.

So `petrograd` holds the collector from its first line (`hold`) until start-up is
over (`release`: for the full-screen game, once its first frame is painted). Then
everything alive is moved to the permanent generation (`gc.freeze()`), which later
collections skip, and the collector resumes: cycles made while playing are
collected as usual, and a full collection walks only what play has made since.

Measured with `make bench` (cold start to the first scene painted, then exit):
this saves 60-80 ms, a third of it in the collection at exit. Tests and other
programs that import the game never call `hold`, so `release` does nothing there.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Pause the collector for start-up (by the `petrograd` command only)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release(*, freeze: bool = True) -> None:
    """Start-up is over: freeze what is alive and resume the collector (once; safe to repeat).

    `freeze=False` for the commands that run and end (check, autoplay, ...): they only
    needed the collector held while importing, and their own loading pauses it as it
    must (game/gcpause.py)."""
    global _held
    if _held:
        _held = False
        if freeze:
            gc.freeze()
        gc.enable()
