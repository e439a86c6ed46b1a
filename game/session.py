"""A player's session: the game, autosaved after every change, with their saves and memory.

The TUI and the plain player both drive a Session, so saving, loading, undo,
assignments and what the game remembers work the same in both. Nothing here
raises on a disk problem during play: the failure is kept in `save_problem` for
the front end to show, and the game goes on.

The autosave and the profile are written after every change: at once, or, when
the front end sets `write_soon` (the full-screen game does), as soon as it has
shown the change, so that a choice is on screen before its writes begin. Every
other method writes what is pending first, and so does the front end as it exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.atomic import WriteFailed, clear_stale_temps
from game.engine import Chapter, ChoiceUnavailable, Game, Story, Viewpoint
from game.engine.record import clean_text, read_time, text_problem
from game.profile import Profile
from game.saves import AUTO, Loaded, SaveError, SaveInfo, SaveStore

if TYPE_CHECKING:
    from game.classroom.assignment import Assignment
    from game.classroom.handin import Answer


class Locked(ChoiceUnavailable):
    """Refused by an assessed assignment (undo, loading an earlier save)."""


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class ViewpointProgress:
    """How much of one viewpoint's story this player has seen."""

    viewpoint: Viewpoint
    seen: int
    scenes: int
    reached: int
    endings: int


class Session:
    """One player, one story, one data folder (and, in class, one assignment)."""

    def __init__(
        self,
        story: Story,
        data_dir: Path,
        *,
        seed: int | None = None,
        assignment: Assignment | None = None,
        records_dir: Path | None = None,
    ) -> None:
        self.story = story
        self.data_dir = data_dir
        self.seed = seed
        self.assignment = assignment
        self.records_dir = records_dir
        self.store = SaveStore(data_dir / "saves")
        self.profile = Profile(data_dir)
        self.store.clear_temps()
        clear_stale_temps(data_dir)  # profile.json and settings.json are written there
        self.game: Game | None = None
        #: The last autosave or profile write that failed, for the player to see; None when fine.
        self.save_problem: str | None = None
        #: Why the last autosave failed, while the game on screen is not the one on disk.
        self.unsaved: str | None = None
        #: Whether the current scene is one this player had never seen before reaching it now.
        self.first_visit = True
        self.student: str | None = None
        self.answers: list[Answer] = []
        self.started_at = ""
        #: The files written by the last hand-in.
        self.handed_in: list[Path] = []
        #: Set by a front end to write after a change "soon" rather than now: it is given
        #: `write_pending` to call (the full-screen game calls it once the change is painted).
        self.write_soon: Callable[[Callable[[], object]], object] | None = None
        self._unwritten = False
        self._profile_news = False
        self._problem_news = False

    # ------------------------------------------------------------ class

    @property
    def assessment(self) -> bool:
        """An assessed assignment: undo and loading earlier saves are off; decisions stand."""
        return self.assignment is not None and self.assignment.assessment

    def sign_in(self, name: str) -> None:
        """Record the student's name (nothing else) and keep their saves apart from others'."""
        self.write_pending()
        from game.classroom.handin import clean_name, safe_file_stem

        assert self.assignment is not None
        self.student = clean_name(name) or "Student"
        folder = self.data_dir / "assignments" / safe_file_stem(self.assignment.id)
        self.store = SaveStore(folder / safe_file_stem(self.student) / "saves")
        self.store.clear_temps()

    def needs_why(self) -> bool:
        """Whether the student must say why before taking a choice here."""
        game = self.game
        return bool(
            self.assignment
            and game is not None
            and not game.ended
            and self.assignment.wants_why(game.scene.id)
        )

    def pending_questions(self) -> list[tuple[Chapter, str]]:
        """Reflection questions the assignment requires that are due now and not yet answered."""
        if self.assignment is None or self.game is None:
            return []
        step = self.game.frame.step
        answered = {(a.chapter, a.question) for a in self.answers if a.after_step == step}
        return [
            (due.chapter, question)
            for due in self.game.frame.reflection
            if self.assignment.wants_reflection(due.chapter.id)
            for question in due.questions
            if (due.chapter.id, question) not in answered
        ]

    def answer(self, chapter: Chapter, question: str, text: str) -> None:
        self.write_pending()
        from game.classroom.handin import Answer

        assert self.game is not None
        self.answers.append(
            Answer(chapter.id, question, clean_text(text), self.game.frame.step, _now())
        )
        self._after_change()

    def hand_in(self) -> list[Path]:
        """Write NAME-DATE.json, .md and .html to the records folder; returns the paths.

        Raises WriteFailed with a reason when the folder cannot be written."""
        self.write_pending()
        from game.classroom.handin import handin_stem, seal, verify
        from game.classroom.transcript import render_html, render_markdown

        assert self.game is not None and self.records_dir is not None
        data = seal(
            self.game.record,
            self.story,
            student=self.student or "Student",
            assignment=self.assignment,
            answers=self.answers,
            started_at=self.started_at,
            finished_at=_now(),
        )
        checked = verify(data, self.story, self.assignment)
        from game.atomic import write_atomic, write_json

        folder = self.records_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteFailed(
                exc.errno or 0, f"cannot make the folder {folder}: {exc.strerror}"
            ) from None
        stem = handin_stem(self.student or "Student", dt.datetime.now(), folder)
        paths = [folder / f"{stem}.json", folder / f"{stem}.md", folder / f"{stem}.html"]
        write_json(paths[0], data, backup=False)
        write_atomic(paths[1], render_markdown(data, self.story, checked).encode(), backup=False)
        write_atomic(paths[2], render_html(data, self.story, checked).encode(), backup=False)
        self.handed_in = paths
        return paths

    def _session_info(self) -> dict[str, Any] | None:
        if self.assignment is None:
            return None
        return {
            "assignment": self.assignment.id,
            "student": self.student,
            "started_at": self.started_at,
            "answers": [a.as_json() for a in self.answers],
        }

    def _restore_session_info(self, info: dict[str, Any] | None) -> None:
        if self.assignment is None or not info or info.get("assignment") != self.assignment.id:
            return
        from game.classroom.handin import Answer

        assert self.game is not None
        started = info.get("started_at")
        self.started_at = started if read_time(started) is not None else _now()
        answers = []
        raw_answers = info.get("answers")
        for raw in raw_answers if isinstance(raw_answers, list) else []:
            if not isinstance(raw, dict):
                continue  # a damaged answer is dropped; the rest of the save still loads
            texts = [raw.get(key) for key in ("chapter", "question", "answer")]
            step, at = raw.get("after_step"), raw.get("at", "")
            if (
                all(text_problem(t) is None for t in texts)
                and type(step) is int
                and 0 <= step <= len(self.game.record.steps) + 1
            ):
                answers.append(Answer(*texts, step, at if read_time(at) is not None else ""))
        self.answers = answers

    def reload(self, story: Story) -> str | None:
        """Carry the current playthrough onto a new version of the story (live reload).

        Returns None when the whole path is still valid, else a message saying where
        the story changed and where the player now stands."""
        self.write_pending()
        from game.engine import replay

        self.story = story
        if self.game is None:
            return None
        result = replay(story, self.game.record)
        self.game.close()
        self.game = result.game
        if result.complete:
            return None
        return f"{result.problem[0].upper()}{result.problem[1:]}. You are back at: {self.game.scene.title}."

    # ------------------------------------------------------------ starting

    def new_game(self, viewpoint: str | None = None) -> Game:
        """A new game: as the assignment says, else as `viewpoint` (an id of the story's
        viewpoints; None: the story's first)."""
        self.write_pending()
        if self.game is not None:
            self.game.close()
        start = self.assignment.start if self.assignment else None
        chosen = self.story.viewpoints.get(viewpoint) if viewpoint is not None else None
        if start is None and chosen is not None:
            start = chosen.start
        self.game = Game(self.story, seed=self.seed, start=start)
        self.answers = []
        self.started_at = _now()
        self.handed_in = []
        self.first_visit = self._first_visit()
        self._note_scene()
        self._set_problems(self._write_profile())  # no autosave until the first choice
        return self.game

    def load(self, slot: str) -> Loaded:
        """Load a slot (raises SaveError with the reason); the current game is untouched on failure."""
        self.write_pending()
        if self.assessment and slot != AUTO:
            raise Locked(
                "loading an earlier save is off in this assessed assignment; your decisions stand"
            )
        start = self.assignment.start if self.assignment else None
        loaded = self.store.load(slot, self.story, start)
        if self.game is not None:
            self.game.close()
        self.game = loaded.game
        self._restore_session_info(loaded.session)
        self.first_visit = self._first_visit()
        if slot == AUTO and loaded.notice is None and not self.first_visit:
            return loaded  # the autosave already holds exactly this game: nothing to write
        self._after_change()  # the autosave follows the loaded game, so Continue resumes it
        return loaded

    def continue_latest(self) -> Loaded | None:
        """Load the most recent save that loads (in an assessment, only the autosave), or
        None when there is none to load. A save listed as readable can still fail to
        load (its story changed so that it cannot start, say): then the next most recent
        is tried, and the notice says so. Raises SaveError when none loads.

        An autosave that will not load is set aside first (renamed, not deleted), since
        the next choice would write over it: nothing the player had is lost."""
        self.write_pending()
        listed = [self.store.info(AUTO)] if self.assessment else self.store.list()
        readable = sorted(
            (info for info in listed if info is not None and info.ok),
            key=lambda info: read_time(info.saved_at) or _EPOCH,
            reverse=True,
        )
        failed: list[str] = []
        for info in readable:
            try:
                loaded = self.load(info.slot)
            except SaveError as exc:
                kept = self.store.set_aside(info.slot) if info.slot == AUTO else None
                failed.append(
                    f"{info.label} could not be loaded ({exc})"
                    + (f"; it is kept as {kept.name} in {kept.parent}" if kept else "")
                )
                continue
            if failed:
                notice = f"{'; '.join(failed)}. {info.label} was loaded instead."
                loaded = replace(loaded, notice=" ".join(filter(None, [notice, loaded.notice])))
            return loaded
        if failed:
            raise SaveError("; ".join(failed))
        return None

    def latest_save(self) -> SaveInfo | None:
        """The most recent readable save (what Continue loads), or None."""
        self.write_pending()
        return self.store.latest()

    def saves(self) -> list[SaveInfo | None]:
        """The autosave and slots 1-9 as listed for Load and Save (None: empty)."""
        self.write_pending()
        return self.store.list()

    # ------------------------------------------------------------ playing

    def choose(self, choice_id: str, why: str | None = None) -> None:
        """Take a choice (raises ChoiceUnavailable), then autosave and remember."""
        self.write_pending()
        assert self.game is not None
        if self.needs_why() and not (why and clean_text(why)):
            raise ChoiceUnavailable("this assignment asks you to say why before you choose")
        self.game.choose(choice_id, why=clean_text(why) if why else None)
        self._after_change()

    def undo(self) -> None:
        self.write_pending()
        assert self.game is not None
        if self.assessment:
            raise Locked("undo is off in this assessed assignment; your decisions stand")
        self.game.undo()
        # An answer given after a step that is taken back was given to a question that
        # is no longer asked there: it goes, and is asked again when it is due.
        steps = self.game.frame.step
        self.answers = [a for a in self.answers if a.after_step <= steps]
        self._after_change()

    def save(self, slot: str) -> SaveInfo:
        """Save to a slot; raises WriteFailed or SaveError with a reason for the player."""
        self.write_pending()
        assert self.game is not None
        return self.store.save(slot, self.game, self._session_info())

    @property
    def progress(self) -> tuple[int, int, int, int]:
        """(scenes seen, scenes in all, endings reached, endings in all)."""
        seen = self.profile.seen(self.story.id) & set(self.story.scenes)
        reached = self.profile.endings(self.story.id) & set(self.story.endings)
        return len(seen), len(self.story.scenes), len(reached), len(self.story.endings)

    def progress_by_viewpoint(self) -> list[ViewpointProgress]:
        """The same counts for each viewpoint's scenes and endings (empty without viewpoints)."""
        story = self.story
        if not story.viewpoints:
            return []
        seen = self.profile.seen(story.id)
        reached = self.profile.endings(story.id)
        out = []
        for viewpoint in story.viewpoints.values():
            scenes = {
                s.id
                for s in story.scenes.values()
                if story.viewpoint_of(s.id) is viewpoint
            }
            endings = {
                s.ending.id for s in story.scenes.values() if s.id in scenes and s.ending
            }
            out.append(
                ViewpointProgress(
                    viewpoint,
                    len(seen & scenes),
                    len(scenes),
                    len(reached & endings),
                    len(endings),
                )
            )
        return out

    def _after_change(self) -> None:
        assert self.game is not None
        self.first_visit = self._first_visit()
        self._note_scene()  # in memory at once; on disk with the autosave
        self._unwritten = True
        if self.write_soon is None:
            self.write_pending()
        else:
            self.write_soon(self.write_pending)

    def write_pending(self) -> bool:
        """Write the autosave and the profile if a change has not been written yet;
        True when something was (a failure is kept in `save_problem`)."""
        if not self._unwritten or self.game is None:
            return False
        self._unwritten = False
        problems = []
        try:
            self.store.save(AUTO, self.game, self._session_info())
            self.unsaved = None
        except (WriteFailed, SaveError) as exc:
            self.unsaved = str(exc)
            problems.append(
                f"The autosave failed ({exc}); your game goes on, and the previous save is kept."
            )
        problems.extend(self._write_profile())
        self._set_problems(problems)
        return True

    def take_problem(self) -> str | None:
        """The last write's failure if it has not been taken yet (to tell the player once)."""
        if not self._problem_news:
            return None
        self._problem_news = False
        return self.save_problem

    def _set_problems(self, problems: list[str]) -> None:
        self.save_problem = " ".join(problems) or None
        self._problem_news = self.save_problem is not None

    def _first_visit(self) -> bool:
        assert self.game is not None
        return self.game.scene.id not in self.profile.seen(self.story.id)

    def _note_scene(self) -> None:
        assert self.game is not None
        scene = self.game.scene
        ending = scene.ending.id if scene.ending else None
        if self.profile.note(self.story.id, scenes={scene.id}, ending=ending):
            self._profile_news = True

    def _write_profile(self) -> list[str]:
        if not self._profile_news:
            return []
        try:
            self.profile.write()
        except WriteFailed as exc:
            return [f"Your progress could not be recorded ({exc})."]  # tried again next time
        self._profile_news = False
        return []
