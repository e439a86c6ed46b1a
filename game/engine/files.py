"""Reading a file that a stranger may have put in its place.

A path can name a symbolic link, a named pipe (which blocks whoever opens it), a
device (`/dev/zero` never ends), a socket, a folder, or a sparse file that claims
to be enormous. `read_regular` opens without blocking, checks what it opened (not
what the name said a moment before), refuses anything but a regular file, and
never reads more than its limit, so no file can hang the game or fill its memory.
Where the file should be the game's own (saves, the profile, cache entries),
`follow=False` refuses a symbolic link instead of reading what it points at.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows


class NotAFile(OSError):
    """Refused: the path is not a regular file of a readable size. `strerror` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)

    def __str__(self) -> str:
        return self.strerror or ""


def kind(mode: int) -> str:
    """What a file of this mode is, in words, for a message."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


def too_large(size: int, limit: int) -> str:
    return f"it is too large ({size_words(size)}; the limit is {size_words(limit)})"


def read_regular(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises FileNotFoundError when nothing is there, NotAFile (an OSError whose
    `strerror` is a reason for a person) for anything that is not a regular file or
    is over `limit`, and OSError for what the system refuses."""
    if not follow and not _NOFOLLOW and os.path.islink(path):  # pragma: no cover - Windows
        raise NotAFile("it is a symbolic link, not a file of the game's own")
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | (0 if follow else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise NotAFile("it is a symbolic link, not a file of the game's own") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"it is {kind(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise NotAFile(too_large(info.st_size, limit))
        chunks = []
        left = limit + 1  # it may have grown since
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise NotAFile(too_large(len(data), limit))
        return data
    finally:
        os.close(fd)


def regular_mode(path: Path | str) -> int | None:
    """The permission bits of the regular file at `path` itself (links not followed), or None
    when there is none (nothing, or something else)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


#: What a name or outside text may not hold when printed: control characters (C0, C1,
#: DEL), line and paragraph separators, the bidirectional controls (which reorder what
#: follows them on screen), and lone surrogates (bytes that were not UTF-8). Everything
#: else prints as itself: spaces of every script, joiners, any letter.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def shown(name: Path | str) -> str:
    """A file name (or any text from outside) as it may be printed: the characters of
    UNSAFE (escape sequences, bidirectional overrides, bytes that were not UTF-8) are
    written as escapes such as `\\x1b`, so printing it can neither drive a terminal,
    disguise what it says, nor fail."""
    text = os.fspath(name)
    return UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"
