"""Pausing Python's cyclic garbage collector while a command builds or checks a story.

The engine never touches the collector (it is process-wide state); the command line
does, here, on its own start path: `petrograd check`, `graph`, `autoplay` and the rest
load and analyse inside `gc_paused()`.

Loading a story makes hundreds of thousands of objects that all live on (values,
places in the file, scenes, choices, the machine's states and transitions). The
cyclic collector is triggered by allocations and walks every object still alive,
so while a large story is being built it walks the same objects again and again:
for 10,000 scenes that was most of the machine's build time and a third of the
load. None of those objects form cycles that need collecting, so the collector is
paused for the build and resumed (not run) afterwards; any cycle made meanwhile is
collected later as usual.

Resumed as it was, the collector would then walk the whole story three times in
the next moments (promoting it from the youngest generation to the oldest, one
generation at a time). Everything made while paused is long-lived, so it is put in
the oldest generation at once (`gc.freeze()` then `gc.unfreeze()`: two list splices).
That is skipped when objects are already frozen (the game freezes what start-up
made: game/startup.py), since `gc.unfreeze()` would thaw those too.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (nested use is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()  # every tracked object to the permanent generation,
                gc.unfreeze()  # and from there to the oldest
            gc.enable()
