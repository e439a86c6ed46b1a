"""The record a student hands in: the playthrough record, sealed by a hash chain, and its checking.

The chain begins with a header: the story, the start, the student, the assignment,
the start time, and which attempt this is with a summary of each earlier one (a
student who started again), so a retry cannot pass for a first try. Each step's hash
covers the one before it, the step itself, its "why?" answer and any reflection
answers given after it; a final seal covers the ending. Editing any
of it by hand breaks the chain at that point. (The chain needs no secret, so it shows
careless edits; a determined forger could recompute it, which is why verification
also replays the whole path through the story: an impossible path is always caught.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.classroom.assignment import Assignment
from game.engine import (
    ChoiceUnavailable,
    Game,
    Record,
    RecordError,
    Replay,
    Story,
    origin_problem,
    replay,
)
from game.engine.record import clean_text, read_time

HANDIN_KIND = "handin"
NAME_LIMIT = 60
_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A reflection answer: to `question` of `chapter`, given after step `after_step`."""

    chapter: str
    question: str
    answer: str
    after_step: int
    at: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "chapter": self.chapter,
            "question": self.question,
            "answer": self.answer,
            "after_step": self.after_step,
            "at": self.at,
        }


def student_key(name: str) -> str:
    """One student however their name was typed: case, spacing and Unicode form aside
    ("Ivan Petrov", "ivan  petrov" and "Ｉｖａｎ Ｐｅｔｒｏｖ" are one student)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def student_folder_name(name: str) -> str:
    """The name of a student's own folder: readable, safe in any file system, and one for
    each `student_key` (a short hash of the key tells apart names that a safe file name
    would make alike, such as "Ivan.Petrov" and "Ivan Petrov")."""
    key = student_key(name)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    return f"{safe_file_stem(key)[:40].strip('-._')}-{digest}"


def clean_name(name: str) -> str:
    """A student's name as given, trimmed to one short line (it is shown, never used as a path)."""
    return clean_text(name, NAME_LIMIT)


def safe_file_stem(name: str) -> str:
    """A file-name-safe form of a name: '../../x' becomes 'x', nothing can leave the folder."""
    stem = _UNSAFE.sub("-", name).strip("-._")[:40].strip("-._")
    if not stem or stem.lower() in _RESERVED:
        stem = f"student-{stem}" if stem else "student"
    return stem


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _link(previous: str, value: Any) -> str:
    return "sha256:" + hashlib.sha256(previous.encode() + b"\n" + _canonical(value)).hexdigest()


#: What the header covers of the attempts, when the record has them (a record made before
#: attempts were numbered has neither, and its chain is read as it was made).
_ATTEMPT_KEYS = ("attempt", "earlier_attempts")


def _header(data: dict[str, Any]) -> dict[str, Any]:
    extra = data.get("extra", {})
    header = {
        "story": data.get("story"),
        "seed": data.get("seed"),
        "start": data.get("start"),
        "initial": data.get("initial"),
        "student": extra.get("student"),
        "assignment": extra.get("assignment"),
        "started_at": extra.get("started_at"),
    }
    for key in _ATTEMPT_KEYS:
        if key in extra:
            header[key] = extra[key]
    return header


def _entry(step: dict[str, Any], answers: list[dict[str, Any]]) -> dict[str, Any]:
    content = {k: v for k, v in step.items() if k != "hash"}
    return {"step": content, "answers": answers}


def _closing(extra: dict[str, Any], answers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ending": extra.get("ending"),
        "complete": extra.get("complete"),
        "finished_at": extra.get("finished_at"),
        "answers": answers,
    }


def _answers_by_step(answers: list[Any]) -> dict[Any, list[dict[str, Any]]]:
    """The answers grouped by the step they follow, in their order (one pass over them)."""
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for answer in answers:
        if isinstance(answer, dict):
            step = answer.get("after_step")
            if isinstance(step, int) and not isinstance(step, bool):
                grouped.setdefault(step, []).append(answer)
    return grouped


#: The fields of an earlier attempt, as a record keeps it (and nothing else).
EARLIER_FIELDS = ("attempt", "started_at", "ended_at", "steps", "ending")


@dataclass(frozen=True, slots=True)
class EarlierAttempt:
    """An attempt the student started again from, as the hand-in remembers it."""

    attempt: int
    started_at: str
    ended_at: str
    #: The choices made in it.
    steps: int
    #: The id of the ending it reached (None: it was left before an ending).
    ending: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "steps": self.steps,
            "ending": self.ending,
        }


def _earlier_json(attempt: int, earlier: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The earlier attempts as the record keeps them; ValueError when they cannot be so."""
    if type(attempt) is not int or attempt < 1:
        raise ValueError(f"attempt must be a whole number from 1 (not {attempt!r})")
    if len(earlier) != attempt - 1:
        raise ValueError(
            f"attempt {attempt} needs {attempt - 1} earlier attempt(s), {len(earlier)} given"
        )
    out = [{key: entry.get(key) for key in EARLIER_FIELDS} for entry in earlier]
    for problem in (
        earlier_problem(number, entry, times=False) for number, entry in enumerate(out, 1)
    ):
        if problem is not None:
            raise ValueError(problem)
    return out


def seal(
    record: Record,
    story: Story,
    *,
    student: str,
    assignment: Assignment | None,
    answers: list[Answer],
    started_at: str,
    finished_at: str,
    attempt: int = 1,
    earlier: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The hand-in JSON: the record with the student, the assignment, answers and the chain.

    `attempt` numbers this attempt (1 unless the student started again); `earlier` holds
    one mapping per earlier attempt, in order, with the keys of `EARLIER_FIELDS`
    (`EarlierAttempt.as_json()` gives one). Both are covered by the chain's header.
    Raises ValueError when they do not fit together (attempt 3 needs two earlier ones)."""
    earlier_json = _earlier_json(attempt, earlier)
    game = replay(story, record).game
    ending = game.scene.ending
    data = record.as_json()
    answer_json = [a.as_json() for a in answers if a.after_step <= len(record.steps)]
    data["extra"] = {
        "kind": HANDIN_KIND,
        "student": clean_name(student),
        "assignment": (
            {"id": assignment.id, "title": assignment.title, "hash": assignment.hash}
            if assignment
            else None
        ),
        "started_at": started_at,
        "finished_at": finished_at,
        "attempt": attempt,
        "earlier_attempts": earlier_json,
        "complete": ending is not None,
        "ending": {"id": ending.id, "title": ending.title, "kind": ending.kind} if ending else None,
        "answers": answer_json,
    }
    after = _answers_by_step(answer_json)
    chain = _link("", _header(data))
    for number, step in enumerate(data["steps"], 1):
        chain = _link(chain, _entry(step, after.get(number, [])))
        step["hash"] = chain
    data["extra"]["seal"] = _link(
        chain, _closing(data["extra"], after.get(len(data["steps"]) + 1, []))
    )
    return data


@dataclass
class Verification:
    """What checking a handed-in record found. `verified` only when nothing is wrong."""

    readable: bool
    reasons: list[str] = field(default_factory=list)
    record: Record | None = None
    replayed: Replay | None = None
    data: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return self.readable and not self.reasons

    @property
    def status(self) -> str:
        if not self.readable:
            return "unreadable"
        return "verified" if self.verified else "flagged"


def verify(data: Any, story: Story, assignment: Assignment | None = None) -> Verification:
    """Check a hand-in: its chain, its story and assignment, where and how it began, its
    times, its answers, and that its path is possible and ends where it says.

    Every claim the record makes is compared with what the story and the assignment
    allow, so a record whose hashes were recomputed after an edit is still flagged
    unless what it says could really have been played."""
    try:
        record = Record.from_json(data)
    except RecordError as exc:
        return Verification(False, [str(exc)])
    extra = data.get("extra")
    if not isinstance(extra, dict) or extra.get("kind") != HANDIN_KIND:
        return Verification(False, ["not a handed-in record (it has no student or seal)"], record)
    found = Verification(True, [], record, None, data)
    reasons = found.reasons
    raw_answers = extra.get("answers")
    answers = raw_answers if isinstance(raw_answers, list) else []
    after = _answers_by_step(answers)
    chain = _link("", _header(data))
    for number, step in enumerate(data["steps"], 1):
        chain = _link(chain, _entry(step, after.get(number, [])))
        if step.get("hash") != chain:
            reasons.append(
                f"edited: step {number} does not match its hash (the record was changed by hand)"
            )
            break
    else:
        if extra.get("seal") != _link(
            chain, _closing(extra, after.get(len(data["steps"]) + 1, []))
        ):
            reasons.append(
                "edited: the ending or the answers were changed after the record was sealed"
            )
    if record.story_id != story.id:
        reasons.append(f"made with another story ('{record.story_id}')")
        return found
    if record.story_version != story.version or record.story_hash != story.content_hash:
        reasons.append(f"made with another version of the story ({record.story_version})")
    made_for = extra.get("assignment") if isinstance(extra.get("assignment"), dict) else None
    if assignment is not None:
        if made_for is None or made_for.get("id") != assignment.id:
            named = made_for.get("id") if made_for else None
            reasons.append(
                f"made for another assignment ('{named}')" if named else "made for no assignment"
            )
        elif made_for.get("hash") != assignment.hash:
            reasons.append("made for another version of the assignment file")
    start = assignment.start if assignment is not None else None
    origin = origin_problem(story, record, start)
    if origin is not None and assignment is None and made_for is not None:
        origin = (
            f"{origin}; it says it was made for the assignment '{made_for.get('id')}': "
            "check it with that assignment file (--assignment FILE)"
        )
    if origin is not None:
        reasons.append(f"impossible start: {origin}")
    reasons.extend(_claim_problems(extra, record, story, answers))
    if origin is not None:
        return found  # its path would be replayed from a start no game has
    result = replay(story, record)
    found.replayed = result
    if not result.complete:
        reasons.append(f"impossible path: {result.problem}")
    else:
        ending = result.game.scene.ending
        claimed = extra.get("ending")
        actual = {"id": ending.id, "title": ending.title, "kind": ending.kind} if ending else None
        if (claimed or None) != actual or extra.get("complete") is not (ending is not None):
            reasons.append("the ending it names is not where its path leads")
        if assignment is not None and made_for is not None and made_for.get("id") == assignment.id:
            reasons.extend(_asked_problems(record, story, assignment, answers, result.game))
        elif assignment is None and made_for is None:
            reasons.extend(_asked_problems(record, story, None, answers, result.game))
    return found


def _asked_problems(
    record: Record,
    story: Story,
    assignment: Assignment | None,
    answers: list[Any],
    game: Game,
) -> list[str]:
    """What the record says a student typed that the game never asked for: a "why?"
    only where the assignment asks one, and there always when more than one way was
    open (with only one, the game does not ask); reflection answers only to
    the questions of the chapters it asks about, after the step at which they were due
    (on leaving a chapter, or at an ending). Without an assignment, nothing is asked."""
    problems = []
    alone = [entry.alone for entry in game.path()]  # the record's path, replayed
    for number, step in enumerate(record.steps, 1):
        wanted = assignment is not None and assignment.wants_why(step.scene)
        if wanted and alone[number - 1]:
            continue  # one way open: the game does not ask (a record from before may say why)
        if wanted != (step.why is not None):
            problems.append(
                f"step {number} has a reason where the game asks for none"
                if step.why is not None
                else f"step {number} has no reason, though the assignment asks for one there"
            )
            break
    scenes = [step.scene for step in record.steps] + [game.scene.id]
    shown = _questions_shown(story, record)
    for number, answer in enumerate(answers, 1):
        if not isinstance(answer, dict):
            continue  # counted as damaged already
        chapter, question, after = (answer.get(k) for k in ("chapter", "question", "after_step"))
        if not (isinstance(after, int) and 1 <= after < len(scenes)):
            continue
        left, now = story.scenes.get(scenes[after - 1]), story.scenes.get(scenes[after])
        if left is None or now is None:
            continue
        due = {now.chapter} if now.ending is not None else set()
        if left.chapter != now.chapter:
            due.add(left.chapter)
        if chapter not in due or (assignment is None or not assignment.wants_reflection(chapter)):
            problems.append(
                f"answer {number} answers a question the game did not ask at that point"
            )
            break
        if (chapter, question) not in shown.get(after, set()):
            problems.append(
                f"answer {number} answers a question as this path never put it (a question "
                "that reads differently after other choices)"
            )
            break
    return problems


def _questions_shown(story: Story, record: Record) -> dict[int, set[tuple[str, Any]]]:
    """After each step of the record's (replayable) path, the reflection questions the
    game put, as (chapter id, question as the student read it)."""
    game = Game(story, seed=record.seed, start=record.start)
    shown: dict[int, set[tuple[str, Any]]] = {}
    for number, step in enumerate(record.steps, 1):
        try:
            game.choose(step.choice, why=step.why)
        except ChoiceUnavailable:
            break
        shown[number] = {
            (due.chapter.id, question)
            for due in game.frame.reflection
            for question in due.questions
        }
    return shown


#: How far a clock may step back between two times of one record: a computer's clock set
#: right mid-game, or moved by hours between two sittings (a time zone, a dual boot).
CLOCK_SLACK = dt.timedelta(days=1)
#: How far in the future a record's finish may be, by the clock of whoever checks it.
FUTURE_SLACK = dt.timedelta(days=1)


def _claim_problems(
    extra: dict[str, Any], record: Record, story: Story, answers: list[Any]
) -> list[str]:
    """What the record says of its student, times, attempts and answers that cannot be so."""
    problems = _attempt_problems(extra)
    student = extra.get("student")
    if not isinstance(student, str) or not student.strip() or len(student) > NAME_LIMIT:
        problems.append(f"its student's name is missing or longer than {NAME_LIMIT} characters")
    started, finished = read_time(extra.get("started_at")), read_time(extra.get("finished_at"))
    if started is None or finished is None:
        problems.append("its start or finish time is missing or not a time this game writes")
    else:
        times = [started, *(read_time(step.at) for step in record.steps if step.at), finished]
        if any(t is None for t in times):  # pragma: no cover - Record.from_json refuses these
            problems.append("a step's time is not a time")
        elif any(b < a - CLOCK_SLACK for a, b in itertools.pairwise(times)):  # type: ignore[operator]
            problems.append(
                "its times are out of order by more than a day (a step before the start, a "
                "step before the one it follows, or the finish before a step); a computer "
                "whose clock was changed during the game can cause this too"
            )
        if finished > dt.datetime.now(dt.UTC) + FUTURE_SLACK:
            problems.append(f"it says it was finished in the future ({extra.get('finished_at')})")
    questions = {chapter.id: chapter.all_questions() for chapter in story.chapters.values()}
    last = len(record.steps) + 1
    for number, answer in enumerate(answers, 1):
        fields = [answer.get(key) if isinstance(answer, dict) else None for key in _ANSWER_TEXT]
        step = answer.get("after_step") if isinstance(answer, dict) else None
        if not all(isinstance(f, str) for f in fields) or not (
            isinstance(step, int) and not isinstance(step, bool) and 0 <= step <= last
        ):
            problems.append(f"answer {number} is damaged")
        elif fields[1] not in questions.get(fields[0], set()):
            problems.append(f"answer {number} answers a question the story does not ask")
    return problems


_ANSWER_TEXT = ("chapter", "question", "answer")


def _whole(value: Any) -> bool:
    return type(value) is int


def earlier_problem(number: int, entry: Any, *, times: bool = True) -> str | None:
    """Why the `number`th earlier attempt is not one this game writes, or None. With
    `times` False its shape only: a clock set back between two attempts makes times no
    check would accept, and the record is still written (and flagged when verified)."""
    if not isinstance(entry, dict) or set(entry) != set(EARLIER_FIELDS):
        return f"earlier attempt {number} is damaged (not the fields a record keeps)"
    if not _whole(entry["attempt"]) or entry["attempt"] != number:
        return f"earlier attempt {number} is numbered {entry['attempt']!r}, not {number}"
    started, ended = read_time(entry["started_at"]), read_time(entry["ended_at"])
    if started is None or ended is None:
        return f"earlier attempt {number} has a start or end that is not a time this game writes"
    if times and ended < started - CLOCK_SLACK:
        return f"earlier attempt {number} ends more than a day before it starts"
    if not _whole(entry["steps"]) or entry["steps"] < 0:
        return f"earlier attempt {number} has a number of steps that is not a whole number"
    ending = entry["ending"]
    if ending is not None and not (isinstance(ending, str) and ending and len(ending) <= 200):
        return f"earlier attempt {number} names its ending by something that is not an id"
    return None


def _attempt_problems(extra: dict[str, Any]) -> list[str]:
    """What is wrong with the attempt number and the earlier attempts (a record without
    them is a first attempt, as every record was before attempts were numbered)."""
    attempt = extra.get("attempt", 1)
    earlier = extra.get("earlier_attempts", [])
    if not _whole(attempt) or attempt < 1:
        return [f"its attempt number ({attempt!r}) is not a whole number from 1"]
    if not isinstance(earlier, list):
        return ["its earlier attempts are damaged (not a list)"]
    if attempt != len(earlier) + 1:
        return [
            f"it says it is attempt {attempt} but lists {len(earlier)} earlier attempt(s) "
            f"(attempt {attempt} follows {attempt - 1})"
        ]
    for number, entry in enumerate(earlier, 1):
        problem = earlier_problem(number, entry)
        if problem is not None:
            return [problem]
    ends = [read_time(entry["ended_at"]) for entry in earlier]
    starts = [read_time(entry["started_at"]) for entry in earlier]
    this_start = read_time(extra.get("started_at"))
    order = [t for pair in zip(starts, ends, strict=True) for t in pair]
    if this_start is not None:
        order.append(this_start)
    if any(b < a - CLOCK_SLACK for a, b in itertools.pairwise(order)):  # type: ignore[operator]
        return [
            "its attempts are out of order by more than a day (an attempt that starts before "
            "the one before it ended)"
        ]
    return []


def read_attempts(extra: Any) -> tuple[int, tuple[EarlierAttempt, ...]]:
    """The attempt number and the earlier attempts a record names, read leniently: a
    record without them is attempt 1 with none; damaged entries are left out (verify
    says what is wrong with them)."""
    extra = extra if isinstance(extra, dict) else {}
    attempt = extra.get("attempt", 1)
    raw = extra.get("earlier_attempts", [])
    earlier = []
    for number, entry in enumerate(raw if isinstance(raw, list) else [], 1):
        if earlier_problem(number, entry) is None:
            earlier.append(EarlierAttempt(**{key: entry[key] for key in EARLIER_FIELDS}))
    return (attempt if _whole(attempt) and attempt >= 1 else 1), tuple(earlier)


def handin_stem(student: str, when: dt.datetime, folder: Path) -> str:
    """NAME-DATE, made unique in the folder (NAME-DATE-2, ...)."""
    base = f"{safe_file_stem(student)}-{when:%Y-%m-%d}"
    stem, n = base, 1
    while any((folder / f"{stem}{ext}").exists() for ext in (".json", ".md", ".html")):
        n += 1
        stem = f"{base}-{n}"
    return stem
