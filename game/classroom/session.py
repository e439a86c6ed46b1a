"""An assignment's session: the student's name, answers, "why?" and the hand-in, wrapped
around the player's PlaySession.

The play session keeps the game, the saves and the profile and writes them; this
keeps what an assignment adds, puts it in the saves beside the record (as the
play session's Companion) and renders the hand-in (the record, sealed, with its
Markdown and HTML transcripts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from game.atomic import WriteFailed, write_atomic, write_json
from game.classroom.assignment import Assignment
from game.classroom.handin import Answer, clean_name, handin_stem, safe_file_stem, seal, verify
from game.engine import Chapter, ChoiceUnavailable
from game.engine.record import clean_text, read_time, text_problem
from game.session import PlaySession, Rules


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ClassroomSession:
    """One student playing one assignment. Play goes through `play`; what the assignment
    asks for (a reason before some choices, answers to questions) goes through this."""

    def __init__(self, play: PlaySession, assignment: Assignment, records_dir: Path) -> None:
        self.play = play
        self.assignment = assignment
        self.records_dir = records_dir
        self.student: str | None = None
        self.answers: list[Answer] = []
        self.started_at = ""
        #: The files written by the last hand-in.
        self.handed_in: list[Path] = []
        play.rules = Rules(start=assignment.start, assessed=assignment.assessment)
        play.companion = self

    @property
    def assessment(self) -> bool:
        """An assessed assignment: undo and loading earlier saves are off; decisions stand."""
        return self.assignment.assessment

    def sign_in(self, name: str) -> None:
        """Record the student's name (nothing else) and keep their saves apart from others'."""
        self.student = clean_name(name) or "Student"
        folder = self.play.data_dir / "assignments" / safe_file_stem(self.assignment.id)
        self.play.use_folder(folder / safe_file_stem(self.student) / "saves")

    # ------------------------------------------------------------ during play

    def needs_why(self) -> bool:
        """Whether the student must say why before taking a choice here."""
        game = self.play.game
        return game is not None and not game.ended and self.assignment.wants_why(game.scene.id)

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

    def answer(self, chapter: Chapter, question: str, text: str) -> None:
        game = self.play.game
        assert game is not None
        self.answers.append(Answer(chapter.id, question, clean_text(text), game.frame.step, _now()))
        self.play.changed()

    # ------------------------------------------------------------ the hand-in

    def hand_in(self) -> list[Path]:
        """Write NAME-DATE.json, .md and .html to the records folder; returns the paths.

        Raises WriteFailed with a reason when the folder cannot be written."""
        from game.classroom.transcript import render_html, render_markdown

        game = self.play.game
        assert game is not None
        story = self.play.story
        data = seal(
            game.record,
            story,
            student=self.student or "Student",
            assignment=self.assignment,
            answers=self.answers,
            started_at=self.started_at,
            finished_at=_now(),
        )
        checked = verify(data, story, self.assignment)
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
        return paths

    # ------------------------------------------------------------ as the play session's companion

    def session_info(self) -> dict[str, Any] | None:
        return {
            "assignment": self.assignment.id,
            "student": self.student,
            "started_at": self.started_at,
            "answers": [a.as_json() for a in self.answers],
        }

    def game_started(self) -> None:
        self.answers = []
        self.started_at = _now()
        self.handed_in = []

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
