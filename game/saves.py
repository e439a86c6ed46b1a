"""Save slots: each save is the playthrough record plus a short summary, written atomically.

Loading replays the record through the engine, so a save made with an older
version of the story loads as far as its path is still valid and says where the
story changed. A damaged file is reported as unreadable with its reason and
never stops the other slots from loading.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from game.atomic import clear_stale_temps, read_json, write_json
from game.engine import (
    Game,
    Record,
    RecordError,
    Story,
    origin_problem,
    replay,
    starting_variables,
)
from game.engine.record import clean_text, read_time

SAVE_FORMAT = "petrograd-save"
SAVE_VERSION = 1
AUTO = "auto"
SLOTS = tuple(str(n) for n in range(1, 10))
ALL_SLOTS = (AUTO, *SLOTS)


class SaveError(ValueError):
    """A save that cannot be loaded; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class SaveInfo:
    """One slot as a save or load screen lists it."""

    slot: str
    ok: bool
    reason: str | None = None
    scene_title: str = ""
    chapter: str = ""
    story_date: str = ""
    saved_at: str = ""
    ended: bool = False
    from_backup: bool = False

    @property
    def label(self) -> str:
        return "Autosave" if self.slot == AUTO else f"Slot {self.slot}"

    @property
    def saved_local(self) -> str:
        """The real time of saving, in the player's local time."""
        moment = read_time(self.saved_at)
        if moment is None:
            return ""
        try:
            return moment.astimezone().strftime("%Y-%m-%d %H:%M")
        except (OverflowError, OSError, ValueError):  # a local time the platform cannot show
            return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Loaded:
    """A loaded game, and a notice for the player when the story has changed since."""

    game: Game
    notice: str | None
    #: What the session kept beside the record (an assignment's student and answers).
    session: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PreparedSave:
    """A save taken from a game, ready to be written to its file."""

    path: Path
    data: dict[str, Any]
    info: SaveInfo


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(value: Any) -> str:
    """Text from a save's summary, as it may be shown: one short line, without control
    characters or bidirectional controls (it is shown as it is, before the save is loaded)."""
    return clean_text(value, SUMMARY_LIMIT) if isinstance(value, str) else ""


#: The longest title, chapter or date a save's summary shows.
SUMMARY_LIMIT = 200
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SaveStore:
    """The save slots in one folder (`DATA_DIR/saves`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, slot: str) -> Path:
        if slot not in ALL_SLOTS:
            raise SaveError(f"there is no slot '{slot}'; the slots are 1 to 9")
        return self.folder / f"{slot}.json"

    def set_aside(self, slot: str) -> Path | None:
        """Rename a slot's file (and its backup) out of the way, keeping it: for a save that
        will not load, before it is written over. Returns its new path (None if it failed)."""
        path = self.path(slot)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        kept, n = path.with_name(f"{slot}-unreadable-{stamp}.json"), 1
        while os.path.lexists(kept):  # never over an earlier one
            n += 1
            kept = path.with_name(f"{slot}-unreadable-{stamp}-{n}.json")
        try:
            os.replace(path, kept)
        except OSError:
            return None
        try:
            os.replace(path.with_name(path.name + ".bak"), kept.with_name(kept.name + ".bak"))
        except OSError:
            pass
        return kept

    def set_aside_files(self, slot: str) -> list[Path]:
        """The files `set_aside` kept of a slot, oldest first (their backups left out)."""
        try:
            return sorted(self.folder.glob(f"{slot}-unreadable-*.json"))
        except OSError:
            return []

    def clear_temps(self) -> int:
        """Remove temporary files a killed writer left behind."""
        return clear_stale_temps(self.folder)

    # ------------------------------------------------------------ writing

    def save(self, slot: str, game: Game, session: dict[str, Any] | None = None) -> SaveInfo:
        """Write the game to a slot. Raises atomic.WriteFailed (nothing lost) if the disk refuses."""
        prepared = self.prepare(slot, game, session)
        self.write(prepared)
        return prepared.info

    def prepare(self, slot: str, game: Game, session: dict[str, Any] | None = None) -> PreparedSave:
        """What `save` writes, taken from the game now: written later (by `write`, in another
        thread, say), it is the game as it was at this moment."""
        frame = game.frame
        summary = {
            "scene": frame.scene.id,
            "title": frame.scene.title,
            "chapter": f"Chapter {frame.chapter.number}: {frame.chapter.title}",
            "date": frame.scene.dates,
            "ended": frame.ended,
        }
        saved_at = _now()
        data = {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "slot": slot,
            "saved_at": saved_at,
            "summary": summary,
            "record": game.record.as_json(),
            **({"session": session} if session else {}),
        }
        info = SaveInfo(
            slot,
            True,
            None,
            frame.scene.title,
            summary["chapter"],
            frame.scene.dates,
            saved_at,
            frame.ended,
        )
        return PreparedSave(self.path(slot), data, info)

    @staticmethod
    def write(prepared: PreparedSave) -> None:
        """Write a prepared save (raises atomic.WriteFailed, nothing lost)."""
        write_json(prepared.path, prepared.data)

    # ------------------------------------------------------------ reading

    def _read(self, slot: str) -> tuple[dict[str, Any] | None, str | None, bool]:
        """The parsed save, or why not; falls back to the backup when the main file is damaged."""
        path = self.path(slot)
        if not path.exists() and not path.with_name(path.name + ".bak").exists():
            return None, None, False
        data, reason = read_json(path)
        problem = reason or _shape_problem(data)
        if problem is None:
            return data, None, False
        backup, backup_reason = read_json(path.with_name(path.name + ".bak"))
        if backup_reason is None and _shape_problem(backup) is None:
            return backup, None, True
        return None, problem, False

    def info(self, slot: str) -> SaveInfo | None:
        """What a slot holds; None when it is empty."""
        data, reason, from_backup = self._read(slot)
        if data is None:
            return None if reason is None else SaveInfo(slot, False, reason)
        summary = data["summary"]
        return SaveInfo(
            slot,
            True,
            None,
            _text(summary.get("title")),
            _text(summary.get("chapter")),
            _text(summary.get("date")),
            _text(data.get("saved_at")),
            summary.get("ended") is True,
            from_backup,
        )

    def list(self) -> list[SaveInfo | None]:
        """Every slot in order (autosave first); None for an empty slot."""
        return [self.info(slot) for slot in ALL_SLOTS]

    def latest(self) -> SaveInfo | None:
        """The most recently saved readable slot, for Continue."""
        readable = [info for info in self.list() if info is not None and info.ok]
        return max(readable, key=lambda info: read_time(info.saved_at) or _EPOCH, default=None)

    def load(self, slot: str, story: Story, start: str | None = None) -> Loaded:
        """Replay a slot's record onto the story. Raises SaveError with a reason.

        `start` is where the player's assignment starts, if it does not start at the
        story's start: a save must begin at one or the other, as a new game would."""
        data, reason, from_backup = self._read(slot)
        if data is None:
            raise SaveError(reason or f"slot {slot} is empty")
        try:
            record = Record.from_json(data["record"])
        except RecordError as exc:
            raise SaveError(f"the save is unreadable: {exc}") from None
        if record.story_id != story.id:
            raise SaveError(f"this save belongs to another story ('{record.story_id}')")
        same_story = record.story_hash == story.content_hash
        if not same_story and record.start in story.scenes:
            # Another version of the story: a new game there starts as this version says
            # (the path of history may have moved), so the save's path is replayed from
            # that, never from what the file says it started with; and the story's start
            # may have moved since, so any scene that is not an ending is a start.
            record = replace(record, initial=starting_variables(story, record.start))
        problem = _foreign_names(record, story) or origin_problem(
            story, record, start, moved=not same_story
        )
        if problem is not None:
            raise SaveError(f"the save is unreadable: {problem}")
        # A start that only another version had: the game goes on naming that version,
        # so that its saves are always read as that version's (and load again).
        moved = not same_story and record.start not in ((start,) if start else story.starts)
        result = replay(story, record, keep_version=moved)
        if not result.complete and same_story:
            # Made with this very story, yet its path cannot be walked: damaged or edited.
            raise SaveError(f"the save is unreadable: its path is not possible ({result.problem})")
        notices = []
        if from_backup:
            notices.append("The save was damaged, so its previous version was loaded instead.")
        if not result.complete:
            notices.append(
                f"This save was made with version {record.story_version} of the story, which has "
                f"changed since. It loads up to your choice {result.applied} of {result.total}; "
                f"{result.problem}."
            )
        elif record.story_hash != story.content_hash:
            notices.append(
                f"This save was made with version {record.story_version} of the story; "
                "the story has changed since, but your path through it is still there."
            )
        session = data.get("session")
        return Loaded(
            result.game, " ".join(notices) or None, session if isinstance(session, dict) else None
        )


def _foreign_names(record: Record, story: Story) -> str | None:
    """Why a record's starting variables cannot be this story's (a variable it lacks, of
    the wrong kind or out of range), or None; where it starts is `origin_problem`'s."""
    for name, value in (record.initial or {}).items():
        variable = story.variables.get(name)
        if variable is None:
            return f"it sets the variable '{name}', which this story does not have"
        if isinstance(value, bool) != (variable.type == "bool"):
            return f"its value of '{name}' is of the wrong kind"
        if variable.clamp(value) != value:
            return f"its value of '{name}' ({value}) is outside the variable's range"
    return None


def _shape_problem(data: Any) -> str | None:
    """Why parsed JSON is not a save we can read, or None if it is one."""
    if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
        return "it is not a Petrograd 1917 save"
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return "it has no format version"
    if version > SAVE_VERSION:
        return "it was made by a newer version of the game"
    if not isinstance(data.get("summary"), dict) or not isinstance(data.get("record"), dict):
        return "parts of it are missing (was it edited by hand?)"
    if read_time(data.get("saved_at")) is None:
        return "its time of saving is not a time this game writes (was it edited by hand?)"
    try:
        Record.from_json(data["record"])
    except RecordError as exc:
        return str(exc)
    return None
