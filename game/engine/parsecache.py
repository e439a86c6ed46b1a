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
from pathlib import Path
from typing import Any

from game.engine.yamlread import MAX_BYTES, from_plain, to_plain

#: The most entries one version keeps; past it the least recently used go.
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
    """Parsed story files under `folder` (created when first written)."""

    def __init__(self, folder: Path) -> None:
        self.root = Path(folder)
        self.folder = self.root / f"parsed-{_code_digest()}"

    def _entry(self, data: bytes) -> Path:
        return self.folder / f"{hashlib.sha256(data).hexdigest()}.json"

    def get(self, data: bytes, display: str) -> Any | None:
        """The value `data` parses to, its places in `display`; None when not stored."""
        entry = self._entry(data)
        try:
            with entry.open("rb") as handle:
                stored = handle.read(MAX_ENTRY_BYTES + 1)
            if len(stored) > MAX_ENTRY_BYTES:
                return None
            value = from_plain(json.loads(stored), display)
        except (OSError, ValueError, RecursionError):  # NotPlain and bad JSON are ValueErrors
            return None
        if value is None:
            return None
        try:
            os.utime(entry)  # recently used: kept longest when the cache is trimmed
        except OSError:
            pass
        return value

    def put(self, data: bytes, value: Any) -> None:
        """Store what `data` parsed to (with no problems); failing to is not an error."""
        try:
            text = json.dumps(to_plain(value), separators=(",", ":"))  # ASCII: any text fits
        except (TypeError, ValueError):
            return
        try:
            fresh = not self.folder.is_dir()
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="ascii") as out:
                    out.write(text)
                os.replace(temp, self._entry(data))
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
            if fresh:
                self._drop_other_versions()
            else:
                self._trim()
        except (OSError, ValueError):  # ValueError: UnicodeError and the like, never expected
            return

    def _drop_other_versions(self) -> None:
        for other in self.root.glob("parsed-*"):
            if other != self.folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def _trim(self) -> None:
        entries = list(self.folder.glob("*.json"))
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda path: path.stat().st_mtime)
        for old in entries[: len(entries) - MAX_ENTRIES]:
            old.unlink(missing_ok=True)
