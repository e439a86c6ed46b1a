"""An assignment's session: the student's name, answers, "why?" and the hand-in, wrapped
around the player's PlaySession.

The play session keeps the game, the saves and the profile and writes them; this
keeps what an assignment adds, puts it in the saves beside the record (as the
play session's Companion) and renders the hand-in (the record, sealed, with its
Markdown and HTML transcripts).
"""

from __future__ import annotations

import datetime as dt
import errno
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.atomic import WriteFailed, write_atomic, write_json
from game.classroom.assignment import Assignment
from game.classroom.handin import (
    Answer,
    Verification,
    clean_name,
    earlier_problem,
    handin_stem,
    safe_file_stem,
    seal,
    student_folder_name,
    verify,
)
from game.engine import Chapter, ChoiceUnavailable, Game
from game.engine.files import read_regular
from game.engine.record import clean_lines, clean_text, read_time, text_problem
from game.saves import Loaded, SaveError
from game.session import PlaySession, Rules

try:
    import fcntl
except ImportError:  # Windows: no lock; two windows under one name are not stopped
    fcntl = None  # type: ignore[assignment]

#: A returning student's code: letters and digits that cannot be mistaken for each other.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_FILE = "code.txt"
PLAYING_LOCK = ".playing.lock"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def words_in(text: str) -> int:
    """How many words an answer has (what a minimum length counts)."""
    return sum(1 for word in text.split() if any(ch.isalnum() for ch in word))


def new_code() -> str:
    """A short code for a student to write down: six characters, shown as 'K7P-4QX'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def _code_key(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class SignIn:
    """What came of a student typing their name (and, where names are shared, their code)."""

    ok: bool
    #: For the student: why they are not in yet, or (for a new student) their code's note.
    message: str = ""
    #: A new student's code, to show them once (only where names are shared).
    code: str | None = None
    #: A returning student: ask for their code, then sign in again with it.
    needs_code: bool = False


class ClassroomSession:
    """One student playing one assignment. Play goes through `play`; what the assignment
    asks for (a reason before some choices, answers to questions) goes through this."""

    def __init__(
        self,
        play: PlaySession,
        assignment: Assignment,
        records_dir: Path,
        *,
        shared: bool = False,
    ) -> None:
        self.play = play
        self.assignment = assignment
        self.records_dir = records_dir
        #: The data folder the students' own folders are made in (the play session moves
        #: into one at sign-in).
        self.base_dir = play.data_dir
        #: Many students share this machine's data (a served class): a returning student
        #: needs their code as well as their name.
        self.shared = shared
        self.student: str | None = None
        self.answers: list[Answer] = []
        self.started_at = ""
        #: This playthrough's attempt (1 for the first), and the attempts before it.
        self.attempt = 1
        self.earlier: list[dict[str, Any]] = []
        #: The files written by the last hand-in, and when (ISO time; "" before one).
        self.handed_in: list[Path] = []
        self.handed_in_at = ""
        #: What the last hand-in covered: (choices, answers); None before one.
        self.handed_in_mark: tuple[int, int] | None = None
        #: For the student, after `begin`: their save's trouble, or None.
        self.notice: str | None = None
        self._lock_fd: int | None = None
        play.rules = Rules(
            start=assignment.start,
            assessed=assignment.assessment,
            retries=not assignment.one_attempt,
        )
        play.companion = self

    @property
    def assessment(self) -> bool:
        """An assessed assignment: undo and loading earlier saves are off; decisions stand."""
        return self.assignment.assessment

    def sign_in(self, name: str, code: str | None = None) -> SignIn:
        """Take the student's name (the only personal thing recorded) and give them their own
        folder: saves, profile, and what they handed in are theirs alone.

        Only one game at a time plays under a name (a second is told so). Where names are
        shared (`shared`: a served class), a new name gets a code to write down, and a
        returning student needs it to get their game back."""
        student = clean_name(name) or "Student"
        assignment_folder = self.base_dir / "assignments" / safe_file_stem(self.assignment.id)
        folder = assignment_folder / student_folder_name(student)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return SignIn(False, f"Your folder cannot be made ({exc.strerror}); ask your teacher.")
        known = self._known_code(folder) if self.shared else None
        given = None
        if self.shared and known is not None:
            if code is None:
                return SignIn(
                    False,
                    f"Someone has played as {student} before. If it was you, type your code.",
                    needs_code=True,
                )
            if not hmac.compare_digest(_code_key(code).encode(), _code_key(known).encode()):
                return SignIn(
                    False,
                    "That code does not match this name. Check it (it is on the paper you "
                    "wrote it on), or type another name; your teacher can look it up on the "
                    "computer that serves the game.",
                    needs_code=True,
                )
        lock = self._hold(folder)
        if lock is False:
            return SignIn(
                False,
                f"Someone is playing as {student} in another window or tab right now. "
                "Close that one first, or type another name.",
            )
        if self.shared and known is None:
            given = new_code()
            try:
                write_atomic(folder / CODE_FILE, (given + "\n").encode(), backup=False)
            except WriteFailed as exc:
                self._release(lock)
                return SignIn(False, f"Your code could not be kept ({exc}); ask your teacher.")
        self._release(self._lock_fd)
        self._lock_fd = lock if isinstance(lock, int) and lock is not True else None
        self.student = student
        self.play.use_folder(folder)
        return SignIn(
            True,
            "Write your code down: you need it with your name to come back to your game."
            if given
            else "",
            code=given,
        )

    def begin(self) -> Loaded | None:
        """The student's own game back, when they have one (it is loaded); None when there
        is none to continue (the front end starts a new game, or shows its menu).

        A saved game that cannot be read is never written over: it is set aside for the
        teacher, the student is told (`notice`), and each one set aside counts as an
        earlier attempt, so the record says an attempt was lost."""
        self.notice = None
        try:
            loaded = self.play.continue_latest()
        except SaveError as exc:
            loaded, self.notice = None, str(exc)
        if loaded is None:
            kept = self.play.set_aside_unreadable_autosave()
            lost = self.play.lost_autosaves()
            if kept is not None and self.notice is None:
                self.notice = f"it is kept as {kept.name} in {kept.parent}"
            if lost:
                now = _now()
                self.earlier = [
                    {"attempt": n, "started_at": now, "ended_at": now, "steps": 0, "ending": None}
                    for n in range(1, len(lost) + 1)
                ]
                self.attempt = len(lost) + 1
                self.notice = (
                    f"Your saved game could not be read ({self.notice or 'it is damaged'}). "
                    f"You start again, at attempt {self.attempt}: your record tells your "
                    "teacher that an earlier attempt was lost, and the damaged file is kept."
                )
        elif loaded.notice:
            self.notice = loaded.notice
        return loaded

    @property
    def may_start_over(self) -> bool:
        """Whether the student may start a new game (an assessment played once allows one
        only while they have none)."""
        return self.play.may_start_over()

    @staticmethod
    def _known_code(folder: Path) -> str | None:
        """The code kept for a name (None: a name not used before, or its code file is
        unreadable, which the student's next start writes anew)."""
        try:
            text = read_regular(folder / CODE_FILE, 200).decode("ascii")
        except (OSError, UnicodeDecodeError):
            return None
        key = _code_key(text)
        return key if len(key) == CODE_LENGTH else None

    @staticmethod
    def _hold(folder: Path) -> int | bool:
        """Lock the student's folder for as long as this game runs: the fd; False when
        another game holds it; True where there is no locking."""
        if fcntl is None:
            return True
        try:
            fd = os.open(folder / PLAYING_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            return True  # a folder that cannot hold a lock: play on without one
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            # Held by another game; any other failure (a network drive without locks)
            # must not lock every student out: play on without the lock.
            return exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
        return fd

    @staticmethod
    def _release(lock: int | bool | None) -> None:
        if isinstance(lock, int) and not isinstance(lock, bool):
            os.close(lock)

    def sign_out(self) -> None:
        """Let go of the student's name (the process ending does the same)."""
        self._release(self._lock_fd)
        self._lock_fd = None

    # ------------------------------------------------------------ during play

    def needs_why(self) -> bool:
        """Whether the student must say why before taking a choice here: where the
        assignment asks, when there is a decision to explain (more than one way open)."""
        game = self.play.game
        return (
            game is not None
            and not game.ended
            and self.assignment.wants_why(game.scene.id)
            and sum(1 for view in game.frame.choices if view.available) > 1
        )

    def choose(self, choice_id: str, why: str | None = None) -> None:
        """Take a choice, with the reason the assignment may ask for (raises ChoiceUnavailable)."""
        if self.needs_why() and not (why and clean_text(why)):
            raise ChoiceUnavailable("this assignment asks you to say why before you choose")
        self.play.choose(choice_id, why)

    def pending_questions(self) -> list[tuple[Chapter, str]]:
        """Reflection questions the assignment requires that are due now and not yet answered."""
        game = self.play.game
        if game is None:
            return []
        step = game.frame.step
        answered = {(a.chapter, a.question) for a in self.answers if a.after_step == step}
        return [
            (due.chapter, question)
            for due in game.frame.reflection
            if self.assignment.wants_reflection(due.chapter.id)
            for question in due.questions
            if (due.chapter.id, question) not in answered
        ]

    def answer_problem(self, text: str) -> str | None:
        """Why an answer cannot be taken as it is (None: it can), for the student to see."""
        words = words_in(text)
        if words == 0:
            return "Please answer every question."
        wanted = self.assignment.min_words
        if words < wanted:
            return (
                f"Your teacher asks for at least {wanted} words in each answer; this has {words}."
            )
        return None

    def answer(self, chapter: Chapter, question: str, text: str) -> None:
        """Keep an answer (raises ValueError, with the reason, for one `answer_problem` refuses)."""
        game = self.play.game
        assert game is not None
        problem = self.answer_problem(text)
        if problem is not None:
            raise ValueError(problem)
        self.answers.append(
            Answer(chapter.id, question, clean_lines(text), game.frame.step, _now())
        )
        self.play.changed()

    # ------------------------------------------------------------ the hand-in

    def _mark(self) -> tuple[int, int]:
        game = self.play.game
        return (len(game.record.steps) if game is not None else 0, len(self.answers))

    @property
    def handed_in_already(self) -> bool:
        """Whether the last hand-in holds everything the student has done (reopening an
        ended game writes no second record)."""
        return self.handed_in_mark is not None and self.handed_in_mark == self._mark()

    def sealed(self) -> tuple[dict[str, Any], Verification]:
        """The record to hand in now, sealed, and what verifying it finds."""
        game = self.play.game
        assert game is not None
        data = seal(
            game.record,
            self.play.story,
            student=self.student or "Student",
            assignment=self.assignment,
            answers=self.answers,
            started_at=self.started_at,
            finished_at=_now(),
            attempt=self.attempt,
            earlier=self.earlier,
        )
        return data, verify(data, self.play.story, self.assignment)

    def hand_in(self) -> list[Path]:
        """Write NAME-DATE.json, .md and .html to the records folder; returns the paths.

        Raises WriteFailed with a reason when the folder cannot be written."""
        from game.classroom.transcript import render_html, render_markdown

        story = self.play.story
        data, checked = self.sealed()
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
        write_atomic(paths[1], render_markdown(data, story, checked).encode(), backup=False)
        write_atomic(paths[2], render_html(data, story, checked).encode(), backup=False)
        self.handed_in = paths
        self.handed_in_at = data["extra"]["finished_at"]
        self.handed_in_mark = self._mark()
        self.play.changed()  # the autosave keeps when it was handed in
        return paths

    # ------------------------------------------------------------ as the play session's companion

    def session_info(self) -> dict[str, Any] | None:
        return {
            "assignment": self.assignment.id,
            "student": self.student,
            "started_at": self.started_at,
            "answers": [a.as_json() for a in self.answers],
            "attempt": self.attempt,
            "earlier_attempts": self.earlier,
            "handed_in_at": self.handed_in_at,
            "handed_in_mark": list(self.handed_in_mark) if self.handed_in_mark else None,
        }

    def game_started(self, previous: Game | None) -> None:
        """A new game: the one it replaces, if a choice was made in it, becomes an earlier
        attempt (kept in the record), and this one is the next."""
        if previous is not None and previous.record.steps:
            ending = previous.scene.ending
            self.earlier.append(
                {
                    "attempt": self.attempt,
                    "started_at": self.started_at or _now(),
                    "ended_at": _now(),
                    "steps": len(previous.record.steps),
                    "ending": ending.id if ending is not None else None,
                }
            )
            self.attempt += 1
        self.answers = []
        self.started_at = _now()
        self.handed_in = []
        self.handed_in_at = ""
        self.handed_in_mark = None

    def step_undone(self, steps: int) -> None:
        # An answer given after a step that is taken back was given to a question that
        # is no longer asked there: it goes, and is asked again when it is due.
        self.answers = [a for a in self.answers if a.after_step <= steps]

    def game_loaded(self, info: dict[str, Any] | None) -> None:
        """Take the student's answers back from a save (a damaged answer is dropped)."""
        if not info or info.get("assignment") != self.assignment.id:
            return
        game = self.play.game
        assert game is not None
        started = info.get("started_at")
        self.started_at = started if read_time(started) is not None else _now()
        answers = []
        raw_answers = info.get("answers")
        for raw in raw_answers if isinstance(raw_answers, list) else []:
            if not isinstance(raw, dict):
                continue
            texts = [raw.get(key) for key in ("chapter", "question", "answer")]
            step, at = raw.get("after_step"), raw.get("at", "")
            if (
                all(text_problem(t) is None for t in texts)
                and type(step) is int
                and 0 <= step <= len(game.record.steps) + 1
            ):
                answers.append(Answer(*texts, step, at if read_time(at) is not None else ""))
        self.answers = answers
        attempt = info.get("attempt")
        earlier = _earlier_attempts(info.get("earlier_attempts"))
        if type(attempt) is int and attempt == len(earlier) + 1:
            self.attempt, self.earlier = attempt, earlier
        else:  # a save from before attempts were counted, or a damaged count
            self.attempt, self.earlier = 1, []
        handed = info.get("handed_in_at")
        self.handed_in_at = handed if read_time(handed) is not None else ""
        mark = info.get("handed_in_mark")
        self.handed_in_mark = (
            (mark[0], mark[1])
            if self.handed_in_at
            and isinstance(mark, list)
            and len(mark) == 2
            and all(type(n) is int for n in mark)
            else None
        )


def _earlier_attempts(raw: object) -> list[dict[str, Any]]:
    """The earlier attempts a save lists, each checked as a record would keep it (its
    shape; times a clock set back can make are kept as they are); [] when any is damaged
    (so the numbering stays whole)."""
    if not isinstance(raw, list):
        return []
    if any(earlier_problem(n, entry, times=False) for n, entry in enumerate(raw, 1)):
        return []
    return [dict(entry) for entry in raw]
