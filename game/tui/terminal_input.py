"""Whatever bytes the terminal sends: Textual reads the keyboard as strict UTF-8, so one
byte from a terminal set to Latin-1 (an é typed as 0xE9) ended the game with a traceback
(issue 14). Its POSIX driver is given a decoder that replaces what is not UTF-8 with
U+FFFD instead, so a name typed there reaches the game as 'Zo�' and play goes on.

Textual is pinned exactly (pyproject.toml); tests/tui/test_terminal.py types such a byte
into the real command, so a Textual that reads its input otherwise shows at once.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable
from typing import Any


def _replacing(encoding: str) -> Callable[..., Any]:
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def read_any_bytes() -> None:
    """Make the terminal driver decode with replacement (where there is such a driver)."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # pragma: no cover - Windows: the console gives text, not bytes
        return
    linux_driver.getincrementaldecoder = _replacing  # type: ignore[assignment]
