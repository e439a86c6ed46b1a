"""One request's play: a player's PlaySession (and ClassroomSession) over the database.

The web front end keeps no game in the process. Each request opens a transaction,
locks the player's row, replays their autosave (about a millisecond for a whole
game), does what was asked through the same PlaySession and ClassroomSession the
terminal game drives, and commits: the autosave, what the player has seen, the
teacher's line and a hand-in are written together or not at all. So any process
may answer any request, and a server killed mid-choice loses at most that choice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from game.classroom.assignment import Assignment
from game.classroom.handin import safe_file_stem
from game.classroom.session import ClassroomSession
from game.engine import Story
from game.engine.record import read_time
from game.profile import Profile, Settings, _stories_from
from game.saves import AUTO, Loaded, PreparedSave, SaveError, SaveStore, _shape_problem
from game.session import PlaySession
from game.web.store import PlayerRow, Tx

#: Where the messages of the saves say a set-aside save is kept.
DATABASE = Path("the game's database")
#: The largest save text read back (a whole game's record is a few tens of KiB).
SAVE_LIMIT = 4 * 1024 * 1024


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class DbSaveStore(SaveStore):
    """A player's save slots, kept in the database (the same JSON as the save files)."""

    def __init__(self, tx: Tx, player: str) -> None:
        super().__init__(DATABASE)
        self.tx = tx
        self.player = player

    def set_aside(self, slot: str) -> Path | None:
        self.path(slot)  # a slot that does not exist is refused as the files refuse it
        label = self.tx.save_set_aside(self.player, slot, now())
        return DATABASE / label if label else None

    def set_aside_files(self, slot: str) -> list[Path]:
        return [DATABASE / f"{slot}-{n}" for n in range(self.tx.set_aside_count(self.player, slot))]

    def clear_temps(self) -> int:
        return 0

    @staticmethod
    def write(prepared: PreparedSave) -> None:  # pragma: no cover - replaced per instance
        raise NotImplementedError

    def _read(self, slot: str) -> tuple[dict[str, Any] | None, str | None, bool]:
        self.path(slot)
        text = self.tx.save_get(self.player, slot)
        if text is None:
            return None, None, False
        if len(text) > SAVE_LIMIT:
            return None, "it is too large to be a save", False
        try:
            data = json.loads(text)
        except ValueError:
            return None, "it is not readable JSON", False
        problem = _shape_problem(data)
        return (data, None, False) if problem is None else (None, problem, False)


def _write_into(store: DbSaveStore) -> None:
    """Give the store a `write` that writes into its transaction (SaveStore.write is static)."""

    def write(prepared: PreparedSave) -> None:
        store.tx.save_put(store.player, prepared.data["slot"], _dumps(prepared.data), now())

    store.write = write  # type: ignore[method-assign]


class DbProfile(Profile):
    """What the game remembers of a player (scenes seen, endings, settings), kept on their row."""

    def __init__(self, tx: Tx, row: PlayerRow) -> None:
        self.tx = tx
        self.player = row.id
        self._row = row
        super().__init__(DATABASE)

    def _load(self) -> None:
        try:
            stories = json.loads(self._row.profile or "{}")
        except ValueError:
            stories, self.problem = {}, "what you had seen was unreadable; starting afresh"
        self._stories = _stories_from({"format": "petrograd-profile", "stories": stories})
        try:
            settings = json.loads(self._row.settings or "{}")
        except ValueError:
            settings = {}
        self.settings = Settings.from_json(settings)

    def write(self, stories: dict[str, dict[str, set[str]]] | None = None) -> None:
        stories = self.snapshot() if stories is None else stories
        self.tx.update_player(
            self.player,
            seen_at=now(),
            profile=_dumps(
                {
                    sid: {"seen": sorted(p["seen"]), "endings": sorted(p["endings"])}
                    for sid, p in sorted(stories.items())
                }
            ),
        )

    def save_settings(self) -> None:
        self.tx.update_player(
            self.player, seen_at=now(), settings=_dumps(dataclasses.asdict(self.settings))
        )


class WebClassroom(ClassroomSession):
    """An assignment's part for a student of the web front end: their name is on their
    row (signed in by the page), and a hand-in goes into the database."""

    def __init__(
        self, play: PlaySession, assignment: Assignment, tx: Tx, row: PlayerRow,
        records: Path | None = None,
    ) -> None:
        super().__init__(play, assignment, records or DATABASE, shared=True)
        self.tx = tx
        self.row = row
        self.records = records
        self.student = row.name

    def hand_in(self) -> list[Path]:
        from game.classroom.transcript import render_html, render_markdown

        story = self.play.story
        data, checked = self.sealed()
        finished = data["extra"]["finished_at"]
        moment = read_time(finished) or dt.datetime.now(dt.UTC)
        base = f"{safe_file_stem(self.student or 'Student')}-{moment:%Y-%m-%d}"
        used = self.tx.stems(self.assignment.id)
        folder = self.records
        stem, n = base, 1
        while stem in used or (
            folder is not None
            and any((folder / f"{stem}{ext}").exists() for ext in (".json", ".md", ".html"))
        ):
            n += 1
            stem = f"{base}-{n}"
        markdown = render_markdown(data, story, checked)
        html = render_html(data, story, checked)
        self.tx.add_handin(
            player=self.row.id,
            klass=self.assignment.id,
            student=self.student or "Student",
            stem=stem,
            at=finished,
            json=_dumps(data),
            md=markdown,
            html=html,
        )
        self.handed_in = [DATABASE / f"{stem}.json"]
        if self.records is not None:  # the files too, where the server was asked for them
            from game.atomic import WriteFailed, write_atomic, write_json

            paths = [self.records / f"{stem}{ext}" for ext in (".json", ".md", ".html")]
            try:
                write_json(paths[0], data, backup=False)
                write_atomic(paths[1], markdown.encode(), backup=False)
                write_atomic(paths[2], html.encode(), backup=False)
            except WriteFailed as exc:  # the record is in the database; the server says so
                sys.stderr.write(
                    f"petrograd serve: {stem} is handed in (in the database), but it could "
                    f"not be written to {self.records}: {exc}\n"
                )
        self.handed_in_at = data["extra"]["finished_at"]
        self.handed_in_mark = self._mark()
        self.play.changed()
        return self.handed_in


class Visit:
    """One player within one transaction: their session, their game loaded from the autosave."""

    def __init__(
        self,
        story: Story,
        tx: Tx,
        row: PlayerRow,
        assignment: Assignment | None = None,
        records: Path | None = None,
    ) -> None:
        self.story = story
        self.tx = tx
        self.row = row
        self.saves = DbSaveStore(tx, row.id)
        _write_into(self.saves)
        self.profile = DbProfile(tx, row)
        self.play = PlaySession(story, DATABASE, store=self.saves, profile=self.profile)
        self.classroom = (
            WebClassroom(self.play, assignment, tx, row, records) if assignment else None
        )
        #: For the player: a save's trouble found while loading, or None.
        self.notice: str | None = None

    def resume(self, *, acting: bool = True) -> Loaded | None:
        """The player's current game (their autosave) loaded; None when they have none yet.

        An autosave that will not load is set aside (kept, never written over) only by a
        request that acts (a form): a page that is only read says so and changes nothing,
        so the player is told on every page until they begin again."""
        has_autosave = self.tx.save_get(self.row.id, AUTO) is not None
        if not acting and has_autosave:
            try:
                resumed = self.play.load(AUTO)
            except SaveError as exc:
                self.notice = (
                    f"Your saved game could not be read ({exc}). It is kept when you begin a "
                    "new game."
                )
                return None
            self.notice = resumed.notice
            return resumed
        if self.classroom is not None:
            # The autosave is written after every change, so it is the game, whatever the
            # clocks say of the slots; only without one (or one that will not load) does the
            # assignment's own start look further (and count an attempt lost, if one was).
            if has_autosave:
                try:
                    resumed = self.play.load(AUTO)
                except SaveError:
                    pass
                else:
                    self.notice = resumed.notice
                    return resumed
            begun = self.classroom.begin()
            self.notice = self.classroom.notice
            return begun
        loaded: Loaded | None = None
        try:
            loaded = self.play.load(AUTO) if has_autosave else None
        except SaveError as exc:
            kept = self.play.set_aside_unreadable_autosave() or self.saves.set_aside(AUTO)
            where = f"; it is kept as {kept.name} in {kept.parent}" if kept else ""
            self.notice = f"Your saved game could not be read ({exc}){where}. Begin a new game below."
            return None
        if loaded is not None:
            self.notice = loaded.notice  # the story changed since: where the player now is
        return loaded

    def finish(self) -> None:
        """Keep the teacher's line for this player (where they are, how far)."""
        game = self.play.game
        if game is None:
            self.tx.update_player(self.row.id, seen_at=now())
            return
        frame = game.frame
        self.tx.update_player(
            self.row.id,
            seen_at=now(),
            scene=frame.scene.id,
            place=f"{frame.chapter_heading}: {frame.scene.title}",
            steps=len(game.record.steps),
            ended=frame.ended,
        )
