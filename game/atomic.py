"""Writing files so that a crash, a kill or a full disk never leaves a broken one.

Each write goes to a temporary file in the same folder, is flushed and fsynced,
then moved over the target with `os.replace` (atomic on POSIX and Windows). The
previous version is kept beside it as `NAME.bak`. Temporary files carry the
writer's process id, so a later start can clear the ones whose writer died.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import secrets
from pathlib import Path
from typing import Any

from game.engine.files import NotAFile, read_regular, regular_mode, shown

TEMP_MARK = ".tmp-"
MAX_JSON_BYTES = 4 * 1024 * 1024
#: A file larger than this is not one the game wrote: it is not kept as a backup.
MAX_BACKUP_BYTES = 2 * MAX_JSON_BYTES


class WriteFailed(OSError):
    """A file could not be written; the message says why, for a person. Nothing was lost."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()  # without OSError's "[Errno 28]" prefix


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, backup: bool = True) -> None:
    """Replace `path` with `data` all at once; keep the old version as `path.bak`.

    Only a regular file is kept as the backup, never what a link at `path` points to
    (nor a pipe or device put there), and the new file and the backup keep the old
    file's permissions: a private file stays private."""
    folder = path.parent
    temp = folder / f"{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        _make_folder(folder)
        mode = regular_mode(path)
        _write_new(temp, data, mode)
        if backup and mode is not None:
            try:
                old = read_regular(path, MAX_BACKUP_BYTES, follow=False)
            except (FileNotFoundError, NotAFile):
                old = None  # gone meanwhile, or too large to be ours: no backup of it
            if old is not None:
                keep = folder / f"{path.name}.bak{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
                _write_new(keep, old, mode)
                os.replace(keep, folder / f"{path.name}.bak")
        os.replace(temp, path)
        _fsync_dir(folder)
    except OSError as exc:
        for leftover in _own_temps(folder, path.name):
            try:
                leftover.unlink()
            except OSError:
                pass
        reason = exc.strerror or str(exc)
        if isinstance(exc, IsADirectoryError) or (os.path.isdir(path) and not path.is_symlink()):
            reason = f"{shown(path)} is a folder where the file should be; move or rename it"
        raise WriteFailed(exc.errno or 0, f"could not write {path.name}: {reason}") from None


def _write_new(temp: Path, data: bytes, mode: int | None) -> None:
    """A new file (never an existing one, never through a link) holding `data`, on disk."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666 if mode is None else mode)
    with os.fdopen(fd, "wb") as handle:
        if mode is not None:
            try:
                os.fchmod(handle.fileno(), mode)  # exactly the old file's, whatever the umask
            except (AttributeError, OSError):  # pragma: no cover - Windows
                pass
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _own_temps(folder: Path, name: str) -> list[Path]:
    try:
        return list(folder.glob(f"{glob.escape(name)}*{TEMP_MARK}{os.getpid()}-*"))
    except OSError:
        return []


def _make_folder(folder: Path) -> None:
    """Make `folder` and its parents; a part of it that is a file is named, with the fix."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for part in (folder, *folder.parents):
            if os.path.lexists(part) and not part.is_dir():
                raise OSError(
                    errno.ENOTDIR,
                    f"{shown(part)} should be a folder but is a file; "
                    "move or rename that file and try again",
                ) from None
        raise


def write_json(path: Path, value: Any, *, backup: bool = True) -> None:
    write_atomic(
        path, (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode(), backup=backup
    )


def read_json(
    path: Path, *, follow: bool = False, limit: int = MAX_JSON_BYTES
) -> tuple[Any, str | None]:
    """(value, None), or (None, a reason for a person) when the file cannot be used.

    The file must be a regular file of at most `limit` bytes; with `follow` False (the
    game's own files) a symbolic link is refused rather than followed."""
    try:
        data = read_regular(path, limit, follow=follow)
    except FileNotFoundError:
        return None, "the file does not exist"
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"
    try:
        return json.loads(data.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "it is not text (the file is damaged)"
    except (ValueError, RecursionError):  # JSONDecodeError, and numbers too long to read
        return None, "it is not valid JSON (the file is damaged or was cut short)"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def clear_stale_temps(folder: Path) -> int:
    """Remove temporary files left by writers that are no longer running; returns how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for temp in folder.glob(f"*{TEMP_MARK}*"):
        digits = temp.name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0]
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
            continue  # not a name this module makes (a process id has at most 9 digits here)
        if not _alive(int(digits)):
            try:
                temp.unlink()
                removed += 1
            except OSError:
                pass
    return removed
