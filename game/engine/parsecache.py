"""A cache of parsed story files, so that starting the game need not parse YAML.

Parsing the shipped story's YAML, and importing PyYAML to do it, is most of what
loading the story costs a freshly started game (about 30 ms of its cold start). The
values a file parses to, with their places, are kept as JSON beside the player's
data, one file per story file:

- an entry's name is the SHA-256 of the story file's bytes, so any change to a
  file, however small, misses the cache and the file is parsed again;
- entries live in a folder named for this game's version and for the code that
  reads and stores them (a digest of yamlread.py and this file), so they are never
  trusted across versions, and any change to how files are read starts afresh;
- only files read without any problem are stored, and a stored entry is checked as
  the reader checks a file (yamlread.from_plain), so a damaged entry is a miss,
  never an error, and can give nothing a story file could not;
- the cache is only ever a shortcut: if its folder cannot be written, nothing is.

Only `petrograd play` uses it; `check` and the other tools always read the YAML.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from game.engine.files import read_regular
from game.engine.yamlread import MAX_BYTES, from_plain, to_plain

#: A temporary entry older than this was left by a writer that died: it is removed.
STALE_SECONDS = 3600
#: The most entries one version keeps of other loads' files: past it the least recently
#: used go. The files of the story being loaded are always kept, however many there are
#: (the loader reads at most loader.MAX_STORY_FILES of a folder), so a story of any size
#: is wholly cached after one start.
MAX_ENTRIES = 200
#: A stored entry larger than this is not read (a story file is at most MAX_BYTES).
MAX_ENTRY_BYTES = 20 * MAX_BYTES


def _code_digest() -> str:
    """Names the code that reads, stores and restores entries."""
    from game import __version__

    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in ("yamlread.py", "parsecache.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # pragma: no cover - a build without sources: the version alone
            pass
    return digest.hexdigest()[:16]


class ParseCache:
    """Parsed story files under `folder` (created when first written), for one load.

    What it costs grows with the story, never with the square of it: a start that finds
    every file stored reads one entry per file and lists nothing; the first entry stored
    in a load lists the folder once, and trimming it to MAX_ENTRIES (besides this load's
    own entries) then costs a constant per entry stored. Entries are read only if they
    are regular files of at most MAX_ENTRY_BYTES (`files.read_regular`, links not
    followed), so a named pipe, a link or a device put in the folder is a miss, never a
    wait. Make one for each load: the entries it has found or stored are all kept."""

    def __init__(self, folder: Path) -> None:
        self.root = Path(folder)
        self.folder = self.root / f"parsed-{_code_digest()}"
        #: Entries this load has found or stored: never trimmed.
        self._used: set[str] = set()
        #: Other loads' entries, listed when this load first stores one (None before):
        #: names newest first (the oldest is popped), and those still on disk and unused.
        self._others: list[str] | None = None
        self._left: set[str] = set()
        #: The folder could not be made or written in: left alone for the rest of the load.
        self._off = False
        #: The name of the last bytes asked for, which `put` is then given (one hash each).
        self._last: tuple[bytes, str] | None = None

    def _name(self, data: bytes) -> str:
        last = self._last
        if last is not None and last[0] is data:
            return last[1]
        name = f"{hashlib.sha256(data).hexdigest()}.json"
        self._last = (data, name)
        return name

    def get(self, data: bytes, display: str) -> Any | None:
        """The value `data` parses to, its places in `display`; None when not stored."""
        name = self._name(data)
        entry = self.folder / name
        try:
            stored = read_regular(entry, MAX_ENTRY_BYTES, follow=False)
            value = from_plain(json.loads(stored), display)
        except (OSError, ValueError, RecursionError):  # NotPlain and bad JSON are ValueErrors
            return None
        if value is None:
            return None
        self._use(name)
        try:  # recently used: kept longest when the cache is trimmed
            os.utime(entry, follow_symlinks=_TOUCH_FOLLOWS)
        except (OSError, NotImplementedError):
            pass
        return value

    def put(self, data: bytes, value: Any) -> None:
        """Store what `data` parsed to (with no problems); failing to is not an error."""
        if self._off:
            return
        try:
            text = json.dumps(to_plain(value), separators=(",", ":"))  # ASCII: any text fits
        except (TypeError, ValueError):
            return
        name = self._name(data)
        try:
            if self._others is None:
                self._start()
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        except (OSError, ValueError):  # no folder to write in: left alone for this load
            self._off = True
            return
        try:
            try:
                with os.fdopen(handle, "w", encoding="ascii") as out:
                    out.write(text)
                os.replace(temp, self.folder / name)  # over whatever was there, even a link
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except (OSError, ValueError):  # ValueError: UnicodeError and the like, never expected
            return  # a folder in the entry's place, a full disk: this entry is not stored
        self._use(name)
        self._trim()

    def _use(self, name: str) -> None:
        self._used.add(name)
        self._left.discard(name)

    def _start(self) -> None:
        """Before the first entry of a load is stored: make the folder (dropping other
        versions' when it is new) and list the entries other loads left, once."""
        fresh = not self.folder.is_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        if fresh:
            self._drop_other_versions()
        found: list[tuple[int, str]] = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") and name.endswith(".tmp"):
                    self._clear_stale(entry)
                    continue
                if not name.endswith(".json") or name in self._used:
                    continue
                try:
                    found.append((entry.stat(follow_symlinks=False).st_mtime_ns, name))
                except OSError:
                    continue
        found.sort(reverse=True)  # newest first: the oldest is popped first
        self._others = [name for _, name in found]
        self._left = set(self._others)

    def _clear_stale(self, entry: os.DirEntry[str]) -> None:
        """Remove a temporary file a killed writer left: one not touched for an hour (a
        live writer's is seconds old)."""
        try:
            if entry.stat(follow_symlinks=False).st_mtime < time.time() - STALE_SECONDS:
                os.unlink(entry.path)
        except OSError:
            pass

    def _drop_other_versions(self) -> None:
        for other in self.root.glob("parsed-*"):
            if other != self.folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def _trim(self) -> None:
        """Remove other loads' oldest entries while there are more than MAX_ENTRIES in all
        (this load's are kept); each entry is listed once and removed at most once."""
        others = self._others
        if others is None:
            return
        while others and len(self._left) + len(self._used) > MAX_ENTRIES:
            name = others.pop()
            if name not in self._left:
                continue  # used by this load since it was listed
            self._left.discard(name)
            try:
                os.unlink(self.folder / name)  # a link is removed, never followed
            except OSError:
                pass


#: False where os.utime can be told not to follow a link (a hit is a regular file, so it
#: never needs to; this only keeps a file swapped in since from being touched through one).
_TOUCH_FOLLOWS = os.utime not in os.supports_follow_symlinks
