"""Writing files so that a crash, a kill or a full disk never leaves a broken one.

Each write goes to a temporary file in the same folder, is flushed and fsynced,
then moved over the target with `os.replace` (atomic on POSIX and Windows). The
previous version is kept beside it as `NAME.bak`. Temporary files carry the
writer's process id, so a later start can clear the ones whose writer died.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

TEMP_MARK = ".tmp-"
MAX_JSON_BYTES = 4 * 1024 * 1024


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
    """Replace `path` with `data` all at once; keep the old version as `path.bak`."""
    folder = path.parent
    temp = folder / f"{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if backup and path.exists():
            keep = folder / f"{path.name}.bak{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
            shutil.copyfile(path, keep)
            os.replace(keep, folder / f"{path.name}.bak")
        os.replace(temp, path)
        _fsync_dir(folder)
    except OSError as exc:
        for leftover in folder.glob(f"{path.name}*{TEMP_MARK}{os.getpid()}-*"):
            try:
                leftover.unlink()
            except OSError:
                pass
        reason = exc.strerror or str(exc)
        raise WriteFailed(exc.errno or 0, f"could not write {path.name}: {reason}") from None


def write_json(path: Path, value: Any, *, backup: bool = True) -> None:
    write_atomic(
        path, (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode(), backup=backup
    )


def read_json(path: Path) -> tuple[Any, str | None]:
    """(value, None), or (None, a reason for a person) when the file cannot be used."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            return None, "the file is too large to be a save"
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "the file does not exist"
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror}"
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
    except (PermissionError, OSError):
        return True
    return True


def clear_stale_temps(folder: Path) -> int:
    """Remove temporary files left by writers that are no longer running; returns how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for temp in folder.glob(f"*{TEMP_MARK}*"):
        try:
            pid = int(temp.name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            try:
                temp.unlink()
                removed += 1
            except OSError:
                pass
    return removed
