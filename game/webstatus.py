"""Where a browser tab's game has got to, for the teacher's page of `petrograd serve`.

`petrograd serve` gives each tab's game (`petrograd play --web`) the environment variable
`PETROGRAD_STATUS_FILE`: a file of its own in a folder the server owns. The game writes a
`TabStatus` there after each command (`write_status`); the server reads it
(`read_status`) for the teacher's page, and removes it when the tab's game has ended.

The file is small JSON, one object with the fields of `TabStatus`. It is written by the
game, which takes what students type (their name), so the server trusts none of it:
`read_status` reads at most `MAX_STATUS_BYTES`, checks the type of every field, and gives
None for anything else; the teacher's page escapes every value it shows.

Only the standard library is imported here: every tab's game imports this module.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

#: The environment variable that names a tab's status file (unset: the game writes none).
STATUS_FILE_VARIABLE = "PETROGRAD_STATUS_FILE"
#: A status file larger than this is not one a game wrote: it is not read.
MAX_STATUS_BYTES = 16 * 1024


@dataclass(frozen=True)
class TabStatus:
    """Where one tab's game is, as the teacher's page shows it."""

    student: str | None
    """The name the student gave (an assignment asks for it); None before, or without one."""
    assignment: str | None
    """The assignment's id; None when the server follows none."""
    viewpoint: str | None
    """Whom the student plays, as the game shows it; None before they have chosen."""
    chapter: str | None
    """The chapter's title as shown, e.g. "Ch. 3: A Fortress in the River"."""
    scene: str | None
    """The scene's title as shown."""
    step: int
    """How many choices the student has made in this playthrough."""
    started_at: str | None
    """When this playthrough began (ISO 8601); None on the title screen."""
    handed_in_at: str | None
    """When the student last handed in a record (ISO 8601); None if they have not."""
    finished: bool
    """Whether the playthrough has reached an ending."""
    updated_at: str
    """When the game wrote this (ISO 8601)."""


_OPTIONAL_TEXT = ("student", "assignment", "viewpoint", "chapter", "scene")
_OPTIONAL_TIME = ("started_at", "handed_in_at")


def now_iso() -> str:
    """The time now, as `TabStatus` keeps times: ISO 8601, in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def status_path_from_env() -> Path | None:
    """The status file this game should write (`PETROGRAD_STATUS_FILE`); None when unset."""
    value = os.environ.get(STATUS_FILE_VARIABLE, "")
    return Path(value) if value else None


def write_status(path: Path, status: TabStatus) -> None:
    """Replace the status file at `path` with `status`, all at once (a temporary file in the
    same folder, then `os.replace`). Never raises: a status that cannot be written (the
    server gone, its folder removed, a full disk) must not stop the game."""
    temp: str | None = None
    try:
        data = json.dumps(asdict(status), ensure_ascii=False).encode("utf-8")
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
        temp = None
    except Exception:  # whatever went wrong, the game goes on
        pass
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def read_status(path: Path) -> TabStatus | None:
    """The status in the file at `path`; None when there is none, or it is not a status a
    game wrote (too large, not JSON, a field missing or of the wrong type, a time that is
    not ISO 8601). Never raises."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_STATUS_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_STATUS_BYTES:
        return None
    try:
        found = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, dict):
        return None
    names = [f.name for f in fields(TabStatus)]
    if any(name not in found for name in names):
        return None
    for name in _OPTIONAL_TEXT:
        if not (found[name] is None or isinstance(found[name], str)):
            return None
    for name in _OPTIONAL_TIME:
        if not (found[name] is None or _is_time(found[name])):
            return None
    if not _is_time(found["updated_at"]):
        return None
    step = found["step"]
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        return None
    if not isinstance(found["finished"], bool):
        return None
    return TabStatus(**{name: found[name] for name in names})


def parse_time(text: str) -> datetime:
    """A time from a `TabStatus`, always with a timezone (one without is taken as local)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.astimezone()


def _is_time(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        parse_time(value)
    except (ValueError, OverflowError, OSError):
        return False
    return True
