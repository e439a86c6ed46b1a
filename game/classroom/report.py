"""Class reports: read a folder of handed-in records, verify each, and write what the class did.

Reading is safe by construction: only `*.json` files, only regular files, at most
`MAX_RECORD_BYTES` each, parsed with `json` (data, never code). Each record is
verified by replaying it through the engine (`handin.verify`); only verified
records count in the class figures, one per student (the latest: a student who
handed in early and again later counts once), and flagged or unreadable ones are
listed with their reasons. Records made for different assignments are never mixed:
without an assignment file they are reported assignment by assignment.

The report is a `ClassReport` value, laid out as HTML (one printable file, a summary
page first, tables that sort with a click), Markdown (text bar charts) and three CSV
files: one row per record (`report.csv`), the choice each student made at each
decision (`report-grid.csv`), and every answer, long form (`report-answers.csv`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from game.classroom.assignment import Assignment
from game.classroom.handin import Verification, student_key, verify
from game.classroom.markup import (
    code_safe,
    csv_cell,
    esc,
    esc_paragraphs,
    html_page,
    md,
    md_quote,
    one_line,
    percent,
    when,
)
from game.classroom.transcript import (
    ACTIVE_GAP_CAP,
    FAST_WORDS_PER_MINUTE,
    HISTORY_WORDS,
    TIME_RULE,
    HandInFacts,
    StepFacts,
    minutes_text,
    read_handin_facts,
)
from game.engine import Choice, Ending, Scene, Story
from game.engine.files import NotAFile, read_regular
from game.engine.record import read_time

MAX_RECORD_BYTES = 4 * 1024 * 1024
REPORT_FILES = (
    "report.html",
    "report.csv",
    "report-grid.csv",
    "report-answers.csv",
    "report.md",
)
CSV_COLUMNS = (
    "file",
    "student",
    "status",
    "reason",
    "finished",
    "ending",
    "faithful %",
    "steps",
    "viewpoint",
    "assignment",
    "counted",
    "attempt",
    "decisions",
    "minutes",
    "words read",
    "note",
)
#: The grid's first columns; one column per decision follows, named "N. scene title".
GRID_COLUMNS = ("student", "file", "assignment", "attempt")
ANSWER_COLUMNS = (
    "file",
    "student",
    "status",
    "counted",
    "assignment",
    "kind",
    "step",
    "where",
    "question or choice",
    "answer",
    "same answer as",
)
BAR_WIDTH = 20
#: Answers of fewer words than this are never noted as identical ("yes", "I agree").
SAME_ANSWER_WORDS = 4
#: How long a choice's label or a scene's title may be in the grid before it is cut.
GRID_LABEL = 32
GRID_TITLE = 24
#: The mark of a divergent choice in the grid (with the word, never colour alone).
DIVERGENT_MARK = "✗"


# ---------------------------------------------------------------- reading


def read_record_file(path: Path) -> tuple[Any, str | None]:
    """Parse one file as JSON, safely: (data, None) or (None, why it cannot be read)."""
    try:
        raw = read_regular(path, MAX_RECORD_BYTES)  # never blocks on a pipe, never reads past
    except NotAFile as exc:
        reason = exc.strerror or ""
        if reason.startswith("it is too large"):
            return (
                None,
                f"it is too large to be a record (over {MAX_RECORD_BYTES // 1024 // 1024} MB)",
            )
        return None, reason
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "it is not text (not a JSON file, or damaged)"
    try:
        return json.loads(text), None
    except (ValueError, RecursionError):  # JSONDecodeError, and numbers too long to read
        return None, "it is not valid JSON (damaged, cut short, or another kind of file)"


def record_files(folder: Path) -> list[Path]:
    """The `*.json` files of a folder (any case), in name order; hidden files are skipped."""
    return sorted(
        (p for p in folder.iterdir() if p.name.lower().endswith(".json") and p.name[0] != "."),
        key=lambda p: p.name,
    )


def _verify(data: Any, story: Story, assignment: Assignment | None) -> Verification:
    """`handin.verify`, with a damaged record flagged rather than raised."""
    try:
        return verify(data, story, assignment)
    except (AttributeError, TypeError, KeyError, ValueError, RecursionError) as exc:
        reason = f"damaged: the record could not be checked ({type(exc).__name__})"
        return Verification(True, [reason], None, None, data if isinstance(data, dict) else None)


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class RecordEntry:
    """One file of the folder: its status, why, and (when readable) what it says."""

    file: str
    status: str
    reasons: tuple[str, ...]
    facts: HandInFacts | None = None
    #: For an earlier hand-in of a student: the file of their latest record, which counts.
    superseded_by: str | None = None

    @property
    def counted(self) -> bool:
        """Only verified records count in the class figures, and only a student's latest."""
        return self.status == "verified" and self.superseded_by is None

    @property
    def assignment_id(self) -> str | None:
        return self.facts.assignment_id if self.facts is not None else None


@dataclass(frozen=True)
class OptionCount:
    """An option as students saw it, and how many verified students took it.

    Choices with the same label and the same history are one option: a story offers
    variants of one option under different conditions (only one is ever open), and a
    teacher asks how many took it, not which variant the engine used.
    """

    label: str
    history: str
    choice_ids: tuple[str, ...]
    students: int


@dataclass(frozen=True)
class WhyAnswer:
    student: str
    choice_label: str
    why: str
    status: str


@dataclass(frozen=True)
class Decision:
    """A scene where counted students had two or more options open: how many chose each,
    and every "why?". A scene where nobody had a choice to make is listed only for the
    "why?" answers typed there (`options` empty)."""

    scene: Scene | None
    scene_id: str
    #: Counted students who decided here (more than one option open).
    passed: int
    options: tuple[OptionCount, ...]
    whys: tuple[WhyAnswer, ...] = ()
    #: Counted students who passed here with only one option open (not a decision).
    alone: int = 0

    @property
    def title(self) -> str:
        return self.scene.title if self.scene else self.scene_id


@dataclass(frozen=True)
class Question:
    """A reflection question with every student's answer to it."""

    chapter_title: str
    question: str
    answers: tuple[tuple[str, str, str], ...]  # (student, answer, status)


@dataclass(frozen=True)
class GridCell:
    """What one student chose at one decision."""

    label: str
    history: str | None
    #: The only option open to this student there (others had a choice).
    alone: bool = False

    @property
    def short(self) -> str:
        return shorten(self.label, GRID_LABEL)

    @property
    def divergent(self) -> bool:
        return self.history == "divergent"


@dataclass(frozen=True)
class Grid:
    """Who chose what: a row per counted student, a column per decision (story order)."""

    columns: tuple[Decision, ...]
    rows: tuple[tuple[RecordEntry, tuple[GridCell | None, ...]], ...]


@dataclass(frozen=True)
class SameAnswer:
    """One answer (a "why?" or a reflection answer) that several students gave word for
    word, once case, spacing and punctuation are set aside."""

    text: str
    #: (student, file, where it was given), one per student.
    given: tuple[tuple[str, str, str], ...]


class _Records:
    """What a set of records counts: the latest verified record of each student."""

    records: Any  # every readable record, by student name

    @property
    def counted(self) -> list[RecordEntry]:
        return [e for e in self.records if e.counted]

    @property
    def finished(self) -> list[RecordEntry]:
        """Counted records that reached an ending."""
        return [e for e in self.counted if e.facts is not None and e.facts.complete]

    @property
    def earlier(self) -> list[RecordEntry]:
        """Earlier hand-ins of students whose latest record counts instead."""
        return [e for e in self.records if e.superseded_by is not None]


@dataclass(frozen=True)
class AssignmentGroup(_Records):
    """The records made for one assignment (or for none), and what they show."""

    assignment_id: str | None
    title: str
    #: Every readable record of it, by student name (earlier hand-ins and flagged ones too).
    records: tuple[RecordEntry, ...]
    endings: tuple[tuple[Ending, int], ...] = ()
    decisions: tuple[Decision, ...] = ()
    questions: tuple[Question, ...] = ()
    grid: Grid = Grid((), ())

    @property
    def average_faithful(self) -> int | None:
        """The class average of the students' faithful shares, on real decisions."""
        shares = [
            e.facts.faithful_percent
            for e in self.counted
            if e.facts is not None and e.facts.faithful_percent is not None
        ]
        return (sum(shares) * 2 + len(shares)) // (2 * len(shares)) if shares else None

    @property
    def fast(self) -> list[RecordEntry]:
        """Counted records played faster than they could have been read."""
        return [e for e in self.counted if e.facts is not None and e.facts.too_fast]


@dataclass(frozen=True)
class ClassReport(_Records):
    """What a folder of records shows. Figures count verified records only, the latest of
    each student, assignment by assignment (`groups`: one, unless the records were made
    for several assignments and no assignment file was given)."""

    folder_name: str
    story: Story
    assignment: Assignment | None
    made_at: dt.datetime
    entries: tuple[RecordEntry, ...]
    groups: tuple[AssignmentGroup, ...] = ()
    #: Answers several students gave word for word.
    same_answers: tuple[SameAnswer, ...] = ()
    #: Assignment titles named by the records, when no assignment file was given.
    assignment_titles: tuple[str, ...] = ()

    @property
    def records(self) -> list[RecordEntry]:
        """Every readable record (verified or flagged), by student name."""
        readable = [e for e in self.entries if e.facts is not None]
        return sorted(readable, key=_by_student)

    def by_status(self, status: str) -> list[RecordEntry]:
        return [e for e in self.entries if e.status == status]

    @property
    def several(self) -> bool:
        """The records were made for more than one assignment (and none was given)."""
        return len(self.groups) > 1

    def _only(self) -> AssignmentGroup | None:
        return self.groups[0] if len(self.groups) == 1 else None

    @property
    def endings(self) -> tuple[tuple[Ending, int], ...]:
        """The class figures when there is one group (else each group has its own)."""
        only = self._only()
        return only.endings if only else ()

    @property
    def decisions(self) -> tuple[Decision, ...]:
        only = self._only()
        return only.decisions if only else ()

    @property
    def questions(self) -> tuple[Question, ...]:
        only = self._only()
        return only.questions if only else ()

    @property
    def grid(self) -> Grid:
        only = self._only()
        return only.grid if only else Grid((), ())

    @property
    def title(self) -> str:
        if self.assignment is not None:
            return self.assignment.title
        if len(self.assignment_titles) == 1:
            return self.assignment_titles[0]
        return self.story.title

    @property
    def average_faithful(self) -> int | None:
        only = self._only()
        return only.average_faithful if only else None


def _by_student(entry: RecordEntry) -> tuple[str, str]:
    return (entry.facts.student.casefold() if entry.facts else "", entry.file)


def build_report(
    folder: Path,
    story: Story,
    assignment: Assignment | None = None,
    *,
    made_at: dt.datetime | None = None,
) -> ClassReport:
    """Read and verify every record in `folder` (raises OSError only if the folder cannot be listed)."""
    entries = []
    for path in record_files(folder):
        data, problem = read_record_file(path)
        if problem is not None:
            entries.append(RecordEntry(path.name, "unreadable", (problem,)))
            continue
        found = _verify(data, story, assignment)
        if not found.readable:
            entries.append(RecordEntry(path.name, "unreadable", tuple(found.reasons)))
            continue
        facts = read_handin_facts(data, story, found)
        entries.append(RecordEntry(path.name, found.status, facts.reasons, facts))
    entries = _latest_of_each_student(entries, assignment)
    readable = sorted((e for e in entries if e.facts is not None), key=_by_student)
    titles = sorted({e.facts.assignment_title for e in readable if e.facts.assignment_title})  # type: ignore[union-attr]
    return ClassReport(
        folder_name=folder.resolve().name or str(folder),
        story=story,
        assignment=assignment,
        made_at=made_at or dt.datetime.now().astimezone(),
        entries=tuple(entries),
        groups=tuple(
            _group(story, key, title, records)
            for key, title, records in _by_assignment(readable, assignment)
        ),
        same_answers=_same_answers(readable),
        assignment_titles=tuple(titles),
    )


def _group_key(entry: RecordEntry, assignment: Assignment | None) -> str | None:
    """Which group a record is reported in: the given assignment's, else its own's."""
    return assignment.id if assignment is not None else entry.assignment_id


def _by_assignment(
    readable: list[RecordEntry], assignment: Assignment | None
) -> list[tuple[str | None, str, list[RecordEntry]]]:
    """(assignment id, title, records): one group with an assignment file, else one per
    assignment the records name (records made for none form a group of their own)."""
    groups: dict[str | None, list[RecordEntry]] = {}
    for entry in readable:
        groups.setdefault(_group_key(entry, assignment), []).append(entry)
    out = []
    for key, records in groups.items():
        if assignment is not None:
            title = assignment.title
        else:
            named = sorted({e.facts.assignment_title or "" for e in records if e.facts})
            title = named[0] if len(named) == 1 and named[0] else (key or "no assignment")
        out.append((key, title, records))
    return sorted(out, key=lambda g: (g[0] is None, g[1].casefold(), g[0] or ""))


def _latest_of_each_student(
    entries: list[RecordEntry], assignment: Assignment | None
) -> list[RecordEntry]:
    """Mark the earlier hand-ins: of the verified records of one student (their name,
    however typed) for one assignment, the latest counts, by finish time (then the
    attempt, then a finished record before an unfinished one, then the file name)."""
    mine: dict[tuple[str | None, str], list[RecordEntry]] = {}
    for entry in entries:
        if entry.status == "verified" and entry.facts is not None:
            key = (_group_key(entry, assignment), student_key(entry.facts.student))
            mine.setdefault(key, []).append(entry)
    later: dict[str, str] = {}
    for records in mine.values():
        if len(records) < 2:
            continue
        ordered = sorted(records, key=_recency)
        for entry in ordered[:-1]:
            later[entry.file] = ordered[-1].file
    return [replace(e, superseded_by=later[e.file]) if e.file in later else e for e in entries]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _recency(entry: RecordEntry) -> tuple[dt.datetime, int, bool, str]:
    facts = entry.facts
    assert facts is not None
    finished = read_time(facts.finished_at) or _EPOCH
    return (finished, facts.attempt, facts.complete, entry.file)


def _group(
    story: Story, key: str | None, title: str, records: list[RecordEntry]
) -> AssignmentGroup:
    counted = [e for e in records if e.counted]
    shown = [e for e in records if e.superseded_by is None]  # their whys and answers
    decisions = _decisions(story, [e.facts for e in counted if e.facts], shown)
    return AssignmentGroup(
        assignment_id=key,
        title=title,
        records=tuple(records),
        endings=_endings(story, [e.facts for e in counted if e.facts]),
        decisions=decisions,
        questions=_questions(story, shown),
        grid=_grid(counted, decisions),
    )


def _endings(story: Story, counted: list[HandInFacts]) -> tuple[tuple[Ending, int], ...]:
    out = []
    for scene in story.endings.values():
        assert scene.ending is not None
        reached = sum(1 for f in counted if f.ending is not None and f.ending.id == scene.ending.id)
        out.append((scene.ending, reached))
    return tuple(out)


def _decisions(
    story: Story, counted: list[HandInFacts], shown: list[RecordEntry]
) -> tuple[Decision, ...]:
    decided: dict[str, set[int]] = {}
    alone: dict[str, set[int]] = {}
    chose: dict[tuple[str, str], set[int]] = {}
    for index, facts in enumerate(counted):
        for step in facts.steps:
            if step.decision:
                decided.setdefault(step.scene_id, set()).add(index)
                chose.setdefault((step.scene_id, step.choice_id), set()).add(index)
            else:
                alone.setdefault(step.scene_id, set()).add(index)
    whys: dict[str, list[WhyAnswer]] = {}
    for entry in shown:
        assert entry.facts is not None
        for step in entry.facts.steps:
            if step.why:
                whys.setdefault(step.scene_id, []).append(
                    WhyAnswer(entry.facts.student, step.choice_label, step.why, entry.status)
                )
    out = []
    for scene in story.scenes.values():
        is_decision = scene.id in decided
        if not is_decision and scene.id not in whys:
            continue
        out.append(
            Decision(
                scene,
                scene.id,
                len(decided.get(scene.id, ())),
                _options(scene, chose) if is_decision else (),
                tuple(sorted(whys.get(scene.id, []), key=lambda w: w.student.casefold())),
                len(alone.get(scene.id, set()) - decided.get(scene.id, set())),
            )
        )
    for scene_id, answers in whys.items():  # "why?" answers at scenes this story does not have
        if scene_id not in story.scenes:
            out.append(Decision(None, scene_id, 0, (), tuple(answers)))
    return tuple(out)


def _options(scene: Scene, chose: dict[tuple[str, str], set[int]]) -> tuple[OptionCount, ...]:
    groups: dict[tuple[str, str], list[Choice]] = {}
    for choice in scene.choices:
        groups.setdefault((choice.label_text.outline(), choice.history), []).append(choice)
    out = []
    for (label, history), choices in groups.items():
        students: set[int] = set()
        for choice in choices:
            students |= chose.get((scene.id, choice.id), set())
        out.append(OptionCount(label, history, tuple(c.id for c in choices), len(students)))
    return tuple(out)


def _grid(counted: list[RecordEntry], decisions: tuple[Decision, ...]) -> Grid:
    columns = tuple(d for d in decisions if d.options)
    place = {d.scene_id: n for n, d in enumerate(columns)}
    rows = []
    for entry in counted:
        assert entry.facts is not None
        cells: list[list[StepFacts]] = [[] for _ in columns]
        for step in entry.facts.steps:
            if step.scene_id in place:
                cells[place[step.scene_id]].append(step)
        rows.append((entry, tuple(_cell(steps) for steps in cells)))
    return Grid(columns, tuple(rows))


def _cell(steps: list[StepFacts]) -> GridCell | None:
    """The choice made at a scene (several, joined, if the path came back to it)."""
    if not steps:
        return None
    histories = {step.history for step in steps}
    history = "divergent" if "divergent" in histories else steps[-1].history
    label = " / ".join(dict.fromkeys(step.choice_label for step in steps))
    return GridCell(label, history, alone=not any(step.decision for step in steps))


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word to at most `limit` characters, with '…' when cut."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _questions(story: Story, shown: list[RecordEntry]) -> tuple[Question, ...]:
    # In the story's order: each question under every way it can read (a question that
    # depends on the student's choices is stored as the student read it).
    order: dict[tuple[str, str], str] = {}
    for chapter in story.chapters.values():
        readings = (
            [sorted(" ".join(text.split()) for text in q.renderings()) for q in chapter.questions]
            if len(chapter.questions) == len(chapter.reflection)
            else [[q] for q in chapter.reflection]
        )
        for texts in readings:
            for question in texts:
                order[(chapter.id, question)] = chapter.title
    answers: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for entry in sorted(shown, key=_by_student):
        assert entry.facts is not None
        for answer in entry.facts.answers:
            key = (answer.chapter_id, answer.question)
            order.setdefault(key, answer.chapter_title)
            answers.setdefault(key, []).append((entry.facts.student, answer.answer, entry.status))
    return tuple(
        Question(order[key], key[1], tuple(answers[key])) for key in order if key in answers
    )


_NOT_WORD = re.compile(r"[^\w\s]+")


def answer_key(text: str) -> str:
    """An answer as compared for copies: case, spacing and punctuation set aside."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).replace("_", " ").split())


def _answers_of(entry: RecordEntry) -> Iterable[tuple[str, str, str, str, str]]:
    """(kind, step, where, question or choice, answer) for every answer of a record."""
    facts = entry.facts
    assert facts is not None
    for step in facts.steps:
        if step.why:
            yield "why", str(step.number), step.scene_title, step.choice_label, step.why
    for answer in facts.answers:
        after = "" if answer.after_step is None else str(answer.after_step)
        yield "reflection", after, answer.chapter_title, answer.question, answer.answer


def _same_answers(readable: list[RecordEntry]) -> tuple[SameAnswer, ...]:
    """Answers of at least SAME_ANSWER_WORDS words that two students or more gave alike
    (one student's answer repeated in their own later hand-in is no copy)."""
    found: dict[str, dict[str, tuple[str, str, str, str]]] = {}
    for entry in sorted(readable, key=lambda e: (e.superseded_by is not None, _by_student(e))):
        assert entry.facts is not None
        who = student_key(entry.facts.student)
        for kind, _step, where, question, text in _answers_of(entry):
            key = answer_key(text)
            if len(key.split()) < SAME_ANSWER_WORDS:
                continue
            said = f"“why?” at {where}" if kind == "why" else f"{where}: {shorten(question, 80)}"
            found.setdefault(key, {}).setdefault(who, (entry.facts.student, entry.file, said, text))
    out = []
    for students in found.values():
        if len(students) > 1:
            given = sorted(students.values(), key=lambda g: (g[0].casefold(), g[1]))
            out.append(SameAnswer(given[0][3], tuple(g[:3] for g in given)))
    return tuple(sorted(out, key=lambda s: (-len(s.given), s.given[0][0].casefold())))


# ---------------------------------------------------------------- shared wording

COUNTING_RULE = (
    "Only verified records are counted in the class figures (finished, endings, choices, "
    "the class average), and of a student who handed in more than once only the latest "
    "(by the time it was finished): the others are listed as earlier hand-ins. Flagged "
    "records are shown, marked, but not counted; unreadable files are listed at the end."
)
DECISION_RULE = (
    "A decision is a step where the student had more than one option open. A step with "
    "only one way open is no decision: it is not counted in the decisions, the grid or "
    "the faithful share."
)
SAME_RULE = (
    f"Answers of {SAME_ANSWER_WORDS} words or more that two or more students gave word for "
    "word, once case, spacing and punctuation are set aside. They may have worked "
    "together or copied, or the answer may be a phrase from the game: worth a look, not "
    "proof of anything."
)
GRID_RULE = (
    f"One row per counted student, one column per decision, in the story's order. "
    f"{DIVERGENT_MARK} marks a divergent choice (not what history did); “only way” marks "
    "a student who had just that one option open there; – means the student did not pass "
    "that scene. The same grid, with each choice in full, is in report-grid.csv."
)
FAST_RULE = (
    f"“Fast” notes a playthrough whose scenes come to more than {FAST_WORDS_PER_MINUTE} "
    "words a minute of active time: more than anyone reads. It is a note for you, not a "
    "verification failure."
)


def _summary_line(report: ClassReport) -> str:
    return (
        f"{len(report.entries)} file(s): {len(report.by_status('verified'))} verified, "
        f"{len(report.by_status('flagged'))} flagged, "
        f"{len(report.by_status('unreadable'))} unreadable"
    )


def _finished_line(group: ClassReport | AssignmentGroup) -> str:
    line = f"{len(group.finished)} of {len(group.counted)} verified record(s) finished"
    earlier = len(group.earlier)
    if earlier:
        line += (
            f" (one per student, the latest; {earlier} earlier hand-in(s) are listed, "
            "not counted twice)"
        )
    return line


def _assignments_line(report: ClassReport) -> str:
    """Says that the records were made for several assignments, and what to do."""
    named = ", ".join(
        f"{g.title} ({len(g.records)} record(s))"
        if g.assignment_id is not None
        else f"no assignment ({len(g.records)} record(s))"
        for g in report.groups
    )
    return (
        f"These records were made for {len(report.groups)} assignments: {named}; they are "
        "reported one assignment at a time below, never added together. Give "
        "--assignment FILE to report on one."
    )


def _endings_line(group: AssignmentGroup) -> str:
    reached = [f"{ending.title} {count}" for ending, count in group.endings if count]
    return ", ".join(reached) if reached else "none reached"


def _faithful_line(group: AssignmentGroup) -> str:
    average = group.average_faithful
    if average is None:
        return "no graded decisions yet"
    return f"class average {average}% of graded decisions faithful to history"


def _flag_lines(report: ClassReport) -> list[str]:
    out = []
    flagged = len(report.by_status("flagged"))
    if flagged:
        out.append(f"{flagged} flagged record(s), not counted (see Verification)")
    for group in report.groups:
        for entry in group.fast:
            assert entry.facts is not None
            out.append(f"fast: {entry.facts.student} {entry.facts.fast_note}")
    if report.same_answers:
        out.append(
            f"{len(report.same_answers)} answer(s) given word for word by several students "
            "(see Identical answers)"
        )
    return out or ["none"]


def summary_items(report: ClassReport) -> list[tuple[str, str]]:
    """What the report's first page says, as (label, plain text) pairs."""
    items = [("Records", _summary_line(report))]
    if report.several:
        items.append(("Assignments", _assignments_line(report)))
    counted, earlier = len(report.counted), len(report.earlier)
    items.append(
        (
            "Students",
            f"{counted} counted"
            + (f"; {earlier} earlier hand-in(s) not counted twice" if earlier else ""),
        )
    )
    for group in report.groups:
        suffix = f" ({group.title})" if report.several else ""
        items += [
            (f"Finished{suffix}", _finished_line(group)),
            (f"Endings{suffix}", _endings_line(group)),
            (f"Faithful{suffix}", _faithful_line(group)),
        ]
    if not report.groups:
        items.append(("Finished", _finished_line(report)))
    items += [("For a look", line) for line in _flag_lines(report)]
    return items


def _ending_cell(facts: HandInFacts) -> str:
    if facts.ending is not None:
        return facts.ending.title
    if facts.stopped_at is not None:
        return f"not finished (at {facts.stopped_at.title})"
    return "not finished"


def _share(facts: HandInFacts) -> str:
    share = facts.faithful_percent
    return "" if share is None else f"{share}%"


def _decisions_cell(facts: HandInFacts) -> str:
    return f"{len(facts.decisions)} of {len(facts.steps)}"


def _note(entry: RecordEntry) -> str:
    """What a teacher should know of a record beyond its figures."""
    facts = entry.facts
    notes = []
    if entry.superseded_by is not None:
        notes.append(f"earlier hand-in: {entry.superseded_by} counts instead")
    if facts is not None:
        if facts.too_fast:
            notes.append(f"fast: {facts.fast_note}")
        if facts.breaks:
            notes.append(
                f"{facts.breaks} break{'s' if facts.breaks != 1 else ''} of over "
                f"{ACTIVE_GAP_CAP.seconds // 60} minutes left out of the minutes"
            )
    return "; ".join(notes)


def _counted_cell(entry: RecordEntry) -> str:
    if entry.counted:
        return "yes"
    if entry.superseded_by is not None:
        return f"no: earlier hand-in (the latest is {entry.superseded_by})"
    return f"no: {entry.status}"


def _marker(status: str) -> str:
    """What follows a student's name where a flagged record is shown."""
    return "" if status == "verified" else f"({status}, not counted)"


def _md_name(student: str, status: str) -> str:
    marker = _marker(status)
    return f"**{md(student)}**" + (f" {md(marker)}" if marker else "")


def _html_name(student: str, status: str) -> str:
    marker = _marker(status)
    return esc(student) + (f' <span class="marker">{esc(marker)}</span>' if marker else "")


def summary_text(report: ClassReport) -> str:
    """The few lines `petrograd report` prints."""
    lines = [_summary_line(report)]
    if report.several:
        lines.append(_assignments_line(report))
        lines += [f"{group.title}: {_finished_line(group)}" for group in report.groups]
    else:
        lines.append(_finished_line(report))
    lines += [line for line in _flag_lines(report) if line != "none"]
    return "\n".join(lines) + "\n"


def _suffix(report: ClassReport, group: AssignmentGroup) -> str:
    """What follows each heading of a group's sections when there are several."""
    return f": {group.title}" if report.several else ""


def _where(grid: Grid) -> list[str]:
    """Each grid column's full heading."""
    return [f"{n}. {d.title}" for n, d in enumerate(grid.columns, 1)]


# ---------------------------------------------------------------- Markdown


def _text_bar(part: int, whole: int) -> str:
    filled = (BAR_WIDTH * part + whole // 2) // whole if whole else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def render_report_markdown(report: ClassReport) -> str:
    """The class report as Markdown, with text bar charts; student text is escaped."""
    out = [
        f"# Class report: {md(report.title)}",
        "",
        f"- **Story:** {md(report.story.title)}, version {md(report.story.version)}",
        f"- **Folder:** {md(report.folder_name)}",
        f"- **Made:** {md(when(report.made_at.isoformat()))}",
        "",
        "## Summary",
        "",
    ]
    out += [f"- **{md(label)}:** {md(text)}" for label, text in summary_items(report)]
    out += ["", f"> {md(COUNTING_RULE)}", ">", f"> {md(DECISION_RULE)}", ""]
    if not report.groups:
        out += ["## Who handed in", "", "No readable records were found.", ""]
    for group in report.groups:
        suffix = md(_suffix(report, group))
        out += _md_who(report, group, suffix)
        out += _md_endings(report, group, suffix)
        out += _md_decisions(group, suffix)
        out += _md_grid(group, suffix)
        out += _md_faithful(group, suffix)
        out += _md_questions(group, suffix)
    out += _md_same(report)
    out += _md_verification(report)
    return "\n".join(out).rstrip() + "\n"


def _md_who(report: ClassReport, group: AssignmentGroup, suffix: str) -> list[str]:
    out = [f"## Who handed in{suffix}", "", f"{md(TIME_RULE)} {md(FAST_RULE)}", ""]
    several = bool(report.story.viewpoints)
    out += [
        "| Student | Status |"
        + (" Viewpoint |" if several else "")
        + " Attempt | Finished | Ending | Faithful | Decisions | Minutes | Note |",
        "|---|---|" + ("---|" if several else "") + "---:|---|---|---:|---:|---:|---|",
    ]
    for entry in group.records:
        f = entry.facts
        assert f is not None
        played = f" {md(f.viewpoint or '?')} |" if several else ""
        status = entry.status + (", earlier hand-in" if entry.superseded_by else "")
        out.append(
            f"| {md(f.student)} | {status} |{played} {f.attempt} | "
            f"{'yes' if f.complete else 'no'} | {md(_ending_cell(f))} | {_share(f)} | "
            f"{_decisions_cell(f)} | {md(minutes_text(f))} | {md(_note(entry))} |"
        )
    return [*out, ""]


def _md_endings(report: ClassReport, group: AssignmentGroup, suffix: str) -> list[str]:
    out = [f"## Endings reached{suffix}", ""]
    finished = len(group.finished)
    out.append(f"{finished} verified record(s) reached an ending.")
    for name, endings in _endings_by_viewpoint(report.story, group):
        if name:
            out += ["", f"### {md(name)}"]
        out += ["", "```text"]
        for ending, count in endings:
            out.append(
                f"{_text_bar(count, finished)} {count:>3}  {code_safe(ending.title)} ({ending.kind})"
            )
        out += ["```"]
    return [*out, ""]


def _md_decisions(group: AssignmentGroup, suffix: str) -> list[str]:
    out = [f"## Decisions{suffix}", "", md(DECISION_RULE), ""]
    if not group.decisions:
        return [*out, "No verified student reached a decision.", ""]
    for decision in group.decisions:
        scene = decision.scene
        out.append(f"### {md(decision.title)}")
        out.append("")
        if scene is not None:
            out.append(f"*{md(scene.dates)}, {md(scene.time)}*")
            out.append("")
        if decision.options:
            line = f"{decision.passed} verified student(s) decided here."
            if decision.alone:
                line += f" {decision.alone} more passed with only one way open."
            out.append(line)
            out += ["", "```text"]
            for option in decision.options:
                word = HISTORY_WORDS[option.history][0].lower()
                out.append(
                    f"{_text_bar(option.students, decision.passed)} {option.students:>3} "
                    f"({percent(option.students, decision.passed):>3}%)  "
                    f"{code_safe(option.label)} [{word}]"
                )
            out += ["```", ""]
        elif scene is not None:
            out += [_not_a_decision(decision), ""]
        if decision.whys:
            out += ["**Why?**", ""]
            for why in decision.whys:
                out.append(
                    f"- {_md_name(why.student, why.status)} chose "
                    f"“{md(why.choice_label)}”: {md(why.why)}"
                )
            out.append("")
    return out


def _not_a_decision(decision: Decision) -> str:
    """Why a scene listed for its "why?" answers has no figures."""
    if decision.alone:
        return (
            f"The {decision.alone} counted student(s) who passed here had only one option "
            "open, so it is not counted as a decision; it is listed for the “why?” answers "
            "typed here."
        )
    return (
        "No counted student passed here (only flagged or earlier records did); it is listed "
        "for the “why?” answers typed here."
    )


def _md_grid(group: AssignmentGroup, suffix: str) -> list[str]:
    grid = group.grid
    out = [f"## Who chose what{suffix}", ""]
    if not grid.columns or not grid.rows:
        return [*out, "No verified student reached a decision.", ""]
    out += [md(GRID_RULE), ""]
    out += [f"{n}\\. {md(d.title)}  " for n, d in enumerate(grid.columns, 1)]
    out += [
        "",
        "| Student | " + " | ".join(str(n) for n in range(1, len(grid.columns) + 1)) + " |",
        "|---|" + "---|" * len(grid.columns),
    ]
    for entry, cells in grid.rows:
        assert entry.facts is not None
        shown = [_md_cell(cell) for cell in cells]
        out.append(f"| {md(entry.facts.student)} | " + " | ".join(shown) + " |")
    return [*out, ""]


def _md_cell(cell: GridCell | None) -> str:
    if cell is None:
        return "–"
    text = md(cell.short)
    if cell.alone:
        text = f"only way: {text}"
    return f"**{DIVERGENT_MARK} {text}**" if cell.divergent else text


def _md_faithful(group: AssignmentGroup, suffix: str) -> list[str]:
    out = [f"## How closely each student followed history{suffix}", ""]
    out.append(
        "The share of each student's graded decisions that follow what really happened "
        "(faithful); their own choices are not graded, and steps with one way open are not "
        "decisions."
    )
    average = group.average_faithful
    if average is not None:
        out.append(f"Class average (verified records): {average}%.")
    out += ["", "| Student | Faithful decisions | Share |", "|---|---:|---|"]
    for entry in group.records:
        f = entry.facts
        assert f is not None
        if entry.superseded_by is not None:
            continue
        share = f.faithful_percent
        shown = (
            f"`{_text_bar(share, 100)}` {share}%" if share is not None else "no graded decisions"
        )
        out.append(
            f"| {_md_name(f.student, entry.status)} | {f.faithful} of {f.judged} | {shown} |"
        )
    return [*out, ""]


def _md_questions(group: AssignmentGroup, suffix: str) -> list[str]:
    out = [f"## Reflection answers{suffix}", ""]
    if not group.questions:
        return [*out, "No reflection answers were handed in.", ""]
    for question in group.questions:
        out += [f"### {md(question.chapter_title)}: {md(question.question)}", ""]
        for student, answer, status in question.answers:
            out += [_md_name(student, status), "", md_quote(answer), ""]
    return out


def _md_same(report: ClassReport) -> list[str]:
    out = ["## Identical answers", "", md(SAME_RULE), ""]
    if not report.same_answers:
        return [*out, "No two students gave the same answer.", ""]
    for same in report.same_answers:
        out += [md_quote(same.text), ""]
        out += [
            f"- **{md(student)}** ({md(file)}): {md(where)}" for student, file, where in same.given
        ]
        out.append("")
    return out


def _md_verification(report: ClassReport) -> list[str]:
    out = ["## Verification", "", "| File | Student | Status | Reason |", "|---|---|---|---|"]
    for entry in report.entries:
        student = entry.facts.student if entry.facts else ""
        reason = "; ".join(entry.reasons)
        out.append(f"| {md(entry.file)} | {md(student)} | {entry.status} | {md(reason)} |")
    return [*out, ""]


# ---------------------------------------------------------------- HTML

#: Sorting a table by a click on its header. Optional: without scripts the page reads the
#: same, and its headers are plain text; with them, each header becomes a button.
SORT_SCRIPT = """
(function () {
  function key(cell) {
    var text = cell ? (cell.getAttribute("data-sort") || cell.textContent).trim() : "";
    var number = parseFloat(text.replace(/,/g, ""));
    return /^-?[0-9]/.test(text) && !isNaN(number) ? number : text.toLowerCase();
  }
  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? Array.prototype.slice.call(table.tHead.rows[0].cells) : [];
    heads.forEach(function (head, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (head.firstChild) button.appendChild(head.firstChild);
      head.appendChild(button);
      button.addEventListener("click", function () {
        var up = head.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var order = compare(key(a.cells[column]), key(b.cells[column]));
          return up ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""

REPORT_CSS = """
button.sort { font: inherit; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; text-align: left; text-decoration: underline dotted; }
button.sort:focus-visible { outline: 2px solid #1a4f8a; outline-offset: 2px; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; }
th[aria-sort="descending"] button.sort::after { content: " ▼"; }
.summary dl.facts { margin-bottom: 1em; }
.wide { overflow-x: auto; width: 96vw; margin-left: calc(50% - 48vw); }
table.grid { font-size: .8em; width: auto; }
table.grid td { min-width: 8em; }
table.grid th[scope="row"] { position: sticky; left: 0; background: #fff; }
table.grid td.divergent { background: #fbe9e4; font-weight: bold; }
table.grid td.alone, table.grid td.none { color: #555; }
.same blockquote { margin-bottom: .2em; }
@page grid { size: A4 landscape; margin: 10mm; }
@media print {
  #summary { break-after: page; }
  .wide { page: grid; }
  table.grid th[scope="row"] { position: static; }
  button.sort { text-decoration: none; }
  th[aria-sort] button.sort::after { content: ""; }
  .wide { overflow: visible; width: auto; margin-left: 0; }
  table.grid { font-size: 7pt; }
  table.grid td { min-width: 0; }
  table.grid td.divergent { background: none; }
}
"""


def _html_bar(part: int, whole: int, kind: str = "") -> str:
    width = percent(part, whole)
    return f'<span class="bar {kind}" style="width: {width * 0.7:.1f}%" aria-hidden="true"></span>'


def render_report_html(report: ClassReport) -> str:
    """The class report as one printable, self-contained HTML file: a summary page first,
    tables that sort by a click on a header (a small inline script, optional), nothing
    fetched."""
    parts = [
        f"<header>\n<h1>Class report: {esc(report.title)}</h1>",
        '<dl class="facts">',
        f"<dt>Story</dt><dd>{esc(report.story.title)}, version {esc(report.story.version)}</dd>",
        f"<dt>Folder</dt><dd>{esc(report.folder_name)}</dd>",
        f"<dt>Made</dt><dd>{esc(when(report.made_at.isoformat()))}</dd>",
        "</dl>",
        "</header>\n<main>",
        '<section id="summary" class="summary">',
        "<h2>Summary</h2>",
        '<dl class="facts">',
        *(f"<dt>{esc(label)}</dt><dd>{esc(text)}</dd>" for label, text in summary_items(report)),
        "</dl>",
        f'<p class="note">{esc(COUNTING_RULE)}</p>',
        f'<p class="note">{esc(DECISION_RULE)}</p>',
        "</section>",
    ]
    if not report.groups:
        parts += [
            '<section id="who">',
            "<h2>Who handed in</h2>",
            "<p>No readable records were found.</p>",
            "</section>",
        ]
    for number, group in enumerate(report.groups, 1):
        suffix = esc(_suffix(report, group))
        tag = f"-{number}" if report.several else ""
        parts += _html_who(report, group, suffix, tag)
        parts += _html_endings(report, group, suffix, tag)
        parts += _html_decisions(group, suffix, tag)
        parts += _html_grid(group, suffix, tag)
        parts += _html_faithful(group, suffix, tag)
        parts += _html_questions(group, suffix, tag)
    parts += _html_same(report)
    parts += _html_verification(report)
    parts.append("</main>")
    parts.append(
        f"<footer>Made by petrograd report from {len(report.entries)} file(s). "
        "Verification replays each record through the story; see docs/teachers.md.</footer>"
    )
    return html_page(
        f"Class report: {report.title}", "\n".join(parts), css=REPORT_CSS, script=SORT_SCRIPT
    )


def _status(status: str) -> str:
    return f'<span class="status {esc(status)}">{esc(status)}</span>'


def _col(*names: str) -> str:
    return "".join(f"<th scope='col'>{esc(name)}</th>" for name in names)


def _html_who(report: ClassReport, group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    out = [f'<section id="who{tag}">', f"<h2>Who handed in{suffix}</h2>"]
    out.append(f'<p class="note">{esc(TIME_RULE)} {esc(FAST_RULE)}</p>')
    several = bool(report.story.viewpoints)
    out += [
        "<table class='sortable'>",
        "<thead><tr>"
        + _col("Student", "Status")
        + (_col("Viewpoint") if several else "")
        + _col("Attempt", "Finished", "Ending", "Faithful", "Decisions", "Minutes", "Note")
        + "</tr></thead>",
        "<tbody>",
    ]
    for entry in group.records:
        f = entry.facts
        assert f is not None
        played = f"<td>{esc(f.viewpoint or '?')}</td>" if several else ""
        status = _status(entry.status)
        if entry.superseded_by is not None:
            status += " <span class='marker'>earlier hand-in, not counted</span>"
        seconds = "" if f.active_seconds is None else f" data-sort='{f.active_seconds}'"
        out.append(
            f"<tr><th scope='row'>{esc(f.student)}</th><td>{status}</td>{played}"
            f"<td class='number'>{f.attempt}</td>"
            f"<td>{'yes' if f.complete else 'no'}</td><td>{esc(_ending_cell(f))}</td>"
            f"<td class='number'>{esc(_share(f))}</td>"
            f"<td class='number'>{esc(_decisions_cell(f))}</td>"
            f"<td class='number'{seconds}>{esc(minutes_text(f))}</td>"
            f"<td>{esc(_note(entry))}</td></tr>"
        )
    return [*out, "</tbody></table>", "</section>"]


def _html_endings(report: ClassReport, group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    finished = len(group.finished)
    out = [f'<section id="endings{tag}">', f"<h2>Endings reached{suffix}</h2>"]
    for name, endings in _endings_by_viewpoint(report.story, group):
        whose = f" of the viewpoint {esc(name)}" if name else ""
        if name:
            out.append(f"<h3>{esc(name)}</h3>")
        out += [
            "<table class='chart'>",
            f"<caption>Endings{whose} reached by the {finished} verified record(s) that "
            "finished</caption>",
            "<thead><tr><th scope='col'>Ending</th><th scope='col'>Kind</th>"
            "<th scope='col'>Students</th></tr></thead><tbody>",
        ]
        for ending, count in endings:
            out.append(
                f"<tr><th scope='row'>{esc(ending.title)}</th><td>{esc(ending.kind)}</td>"
                f"<td class='chart'>{_html_bar(count, finished)}"
                f"{count} of {finished} ({percent(count, finished)}%)</td></tr>"
            )
        out.append("</tbody></table>")
    return [*out, "</section>"]


def _endings_by_viewpoint(
    story: Story, group: AssignmentGroup
) -> list[tuple[str, list[tuple[Ending, int]]]]:
    """The endings under the name of the viewpoint they belong to, in the story's order of
    viewpoints (one group named "" in a story without viewpoints)."""
    groups: dict[str, list[tuple[Ending, int]]] = {v.name: [] for v in story.viewpoints.values()}
    endings = story.endings
    for ending, count in group.endings:
        scene = endings.get(ending.id)
        viewpoint = story.viewpoint_of(scene.id) if scene is not None else None
        groups.setdefault(viewpoint.name if viewpoint else "", []).append((ending, count))
    return [(name, found) for name, found in groups.items() if found]


def _html_decisions(group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    out = [f'<section id="decisions{tag}">', f"<h2>Decisions{suffix}</h2>"]
    out.append(f"<p>{esc(DECISION_RULE)}</p>")
    if not group.decisions:
        return [*out, "<p>No verified student reached a decision.</p>", "</section>"]
    for decision in group.decisions:
        scene = decision.scene
        out.append(f"<h3>{esc(decision.title)}</h3>")
        if scene is not None:
            out.append(f'<p class="when">{esc(scene.dates)}, {esc(scene.time)}</p>')
        if decision.options:
            alone = (
                f" ({decision.alone} more passed with only one way open)" if decision.alone else ""
            )
            out += [
                "<table class='chart'>",
                f"<caption>What the {decision.passed} verified student(s) who decided at "
                f"“{esc(decision.title)}” chose{alone}</caption>",
                "<thead><tr><th scope='col'>Choice</th><th scope='col'>History</th>"
                "<th scope='col'>Students</th></tr></thead><tbody>",
            ]
            for option in decision.options:
                history = option.history
                out.append(
                    f"<tr><th scope='row'>{esc(option.label)}</th>"
                    f"<td><span class='history {history}'>{HISTORY_WORDS[history][0]}</span></td>"
                    f"<td class='chart'>{_html_bar(option.students, decision.passed, history)}"
                    f"{option.students} of {decision.passed} "
                    f"({percent(option.students, decision.passed)}%)</td></tr>"
                )
            out.append("</tbody></table>")
        elif scene is not None:
            out.append(f'<p class="note">{esc(_not_a_decision(decision))}</p>')
        if decision.whys:
            out.append("<h4>Why?</h4>\n<ul class='whys'>")
            for why in decision.whys:
                out.append(
                    f"<li><strong>{_html_name(why.student, why.status)}</strong> chose "
                    f"“{esc(why.choice_label)}”: {esc(why.why)}</li>"
                )
            out.append("</ul>")
    return [*out, "</section>"]


def _html_grid(group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    grid = group.grid
    out = [f'<section id="grid{tag}">', f"<h2>Who chose what{suffix}</h2>"]
    if not grid.columns or not grid.rows:
        return [*out, "<p>No verified student reached a decision.</p>", "</section>"]
    out.append(f'<p class="note">{esc(GRID_RULE)}</p>')
    heads = "".join(
        f"<th scope='col' title='{esc(full)}'>{n}. {esc(shorten(d.title, GRID_TITLE))}</th>"
        for n, (d, full) in enumerate(zip(grid.columns, _where(grid), strict=True), 1)
    )
    out += [
        "<div class='wide'><table class='grid sortable'>",
        f"<caption>The choice each counted student made at each decision{suffix}</caption>",
        f"<thead><tr><th scope='col'>Student</th>{heads}</tr></thead><tbody>",
    ]
    for entry, cells in grid.rows:
        assert entry.facts is not None
        shown = "".join(_html_cell(cell) for cell in cells)
        out.append(f"<tr><th scope='row'>{esc(entry.facts.student)}</th>{shown}</tr>")
    return [*out, "</tbody></table></div>", "</section>"]


def _html_cell(cell: GridCell | None) -> str:
    if cell is None:
        return "<td class='none'>–</td>"
    text = esc(cell.short)
    classes = [cell.history or "unknown"]
    if cell.alone:
        classes.append("alone")
        text = f"only way: {text}"
    if cell.divergent:
        text = f"<span class='mark'>{DIVERGENT_MARK}</span> {text}"
    return f"<td class='{' '.join(classes)}' title='{esc(cell.label)}'>{text}</td>"


def _html_faithful(group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    out = [
        f'<section id="history{tag}">',
        f"<h2>How closely each student followed history{suffix}</h2>",
        "<p>The share of each student's graded decisions that follow what really happened "
        "(faithful); their own choices are not graded, and steps with one way open are not "
        "decisions.",
    ]
    average = group.average_faithful
    if average is not None:
        out[-1] += f" Class average (verified records): {average}%."
    out[-1] += "</p>"
    out += [
        "<table class='chart sortable'>",
        "<caption>Faithful decisions per student</caption>",
        "<thead><tr><th scope='col'>Student</th><th scope='col'>Faithful decisions</th>"
        "</tr></thead><tbody>",
    ]
    for entry in group.records:
        f = entry.facts
        assert f is not None
        if entry.superseded_by is not None:
            continue
        share = f.faithful_percent
        shown = (
            f"{_html_bar(share, 100, 'faithful')}{f.faithful} of {f.judged} ({share}%)"
            if share is not None
            else "no graded decisions"
        )
        order = "" if share is None else f" data-sort='{share}'"
        out.append(
            f"<tr><th scope='row'>{_html_name(f.student, entry.status)}</th>"
            f"<td class='chart'{order}>{shown}</td></tr>"
        )
    return [*out, "</tbody></table>", "</section>"]


def _html_questions(group: AssignmentGroup, suffix: str, tag: str) -> list[str]:
    out = [f'<section id="reflection{tag}">', f"<h2>Reflection answers{suffix}</h2>"]
    if not group.questions:
        return [*out, "<p>No reflection answers were handed in.</p>", "</section>"]
    for question in group.questions:
        out += [
            "<table>",
            f"<caption>{esc(question.chapter_title)}: {esc(question.question)}</caption>",
            "<thead><tr><th scope='col'>Student</th><th scope='col'>Answer</th></tr></thead>",
            "<tbody>",
        ]
        for student, answer, status in question.answers:
            out.append(
                f"<tr><th scope='row'>{_html_name(student, status)}</th>"
                f"<td>{esc_paragraphs(answer) or '(no answer)'}</td></tr>"
            )
        out.append("</tbody></table>")
    return [*out, "</section>"]


def _html_same(report: ClassReport) -> list[str]:
    out = ['<section id="same" class="same">', "<h2>Identical answers</h2>"]
    out.append(f"<p>{esc(SAME_RULE)}</p>")
    if not report.same_answers:
        return [*out, "<p>No two students gave the same answer.</p>", "</section>"]
    for same in report.same_answers:
        out.append(f"<blockquote>{esc_paragraphs(same.text)}</blockquote>\n<ul>")
        out += [
            f"<li><strong>{esc(student)}</strong> ({esc(file)}): {esc(where)}</li>"
            for student, file, where in same.given
        ]
        out.append("</ul>")
    return [*out, "</section>"]


def _html_verification(report: ClassReport) -> list[str]:
    out = [
        '<section id="verification">',
        "<h2>Verification</h2>",
        "<table class='sortable'>",
        "<thead><tr><th scope='col'>File</th><th scope='col'>Student</th>"
        "<th scope='col'>Status</th><th scope='col'>Reason</th></tr></thead><tbody>",
    ]
    for entry in report.entries:
        student = entry.facts.student if entry.facts else ""
        reasons = "<br>".join(esc(r) for r in entry.reasons)
        out.append(
            f"<tr><td>{esc(entry.file)}</td><td>{esc(student)}</td>"
            f"<td>{_status(entry.status)}</td><td>{reasons}</td></tr>"
        )
    return [*out, "</tbody></table>", "</section>"]


# ---------------------------------------------------------------- CSV


def _csv(rows: Iterable[Sequence[object]]) -> str:
    """CSV text in which no cell can be read as a formula (see markup.csv_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def render_report_csv(report: ClassReport) -> str:
    """One row per file: CSV_COLUMNS (file, student, status, reason, finished, ending,
    faithful % of graded decisions, steps, viewpoint, assignment, counted, attempt,
    decisions, active minutes, words read, note).

    Every cell that a spreadsheet would read as a formula starts with an apostrophe.
    """
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for entry in report.entries:
        f = entry.facts
        row: list[object] = [entry.file, f.student if f else "", entry.status]
        row.append("; ".join(entry.reasons))
        if f is None:
            row += [""] * (len(CSV_COLUMNS) - len(row))
        else:
            share = f.faithful_percent
            row += [
                "yes" if f.complete else "no",
                f.ending.title if f.ending else "",
                "" if share is None else share,
                len(f.steps),
                f.viewpoint,
                f.assignment_id or "",
                _counted_cell(entry),
                f.attempt,
                len(f.decisions),
                minutes_text(f),
                f.words_read,
                _note(entry),
            ]
        rows.append(row)
    return _csv(rows)


def render_grid_csv(report: ClassReport) -> str:
    """Who chose what: one row per counted student, one column per decision ("N. scene
    title", in the story's order), each cell the choice in full; a divergent one ends
    '(divergent)', one that was the only way open begins '(only way)'; empty where the
    student did not pass."""
    order = {scene_id: n for n, scene_id in enumerate(report.story.scenes)}
    columns: dict[str, Decision] = {}
    for group in report.groups:
        for decision in group.grid.columns:
            columns.setdefault(decision.scene_id, decision)
    ids = sorted(columns, key=lambda s: order.get(s, len(order)))
    rows: list[list[object]] = [
        [*GRID_COLUMNS, *(f"{n}. {columns[s].title}" for n, s in enumerate(ids, 1))]
    ]
    for group in report.groups:
        place = {d.scene_id: n for n, d in enumerate(group.grid.columns)}
        for entry, cells in group.grid.rows:
            f = entry.facts
            assert f is not None
            row: list[object] = [f.student, entry.file, f.assignment_id or "", f.attempt]
            for scene_id in ids:
                cell = cells[place[scene_id]] if scene_id in place else None
                row.append(_csv_cell_text(cell))
            rows.append(row)
    return _csv(rows)


def _csv_cell_text(cell: GridCell | None) -> str:
    if cell is None:
        return ""
    text = ("(only way) " if cell.alone else "") + cell.label
    return f"{text} (divergent)" if cell.divergent else text


def render_answers_csv(report: ClassReport) -> str:
    """Every answer of every readable record, long form, one row per answer: ANSWER_COLUMNS
    (kind is "why" or "reflection"; "same answer as" names the other students who gave
    it word for word)."""
    alike: dict[str, list[str]] = {}
    for same in report.same_answers:
        alike[answer_key(same.text)] = [student for student, _, _ in same.given]
    rows: list[list[object]] = [list(ANSWER_COLUMNS)]
    for entry in report.entries:
        f = entry.facts
        if f is None:
            continue
        for kind, step, where, question, text in _answers_of(entry):
            others = [s for s in alike.get(answer_key(text), []) if s != f.student]
            rows.append(
                [
                    entry.file,
                    f.student,
                    entry.status,
                    _counted_cell(entry),
                    f.assignment_id or "",
                    kind,
                    step,
                    where,
                    question,
                    text,
                    "; ".join(others),
                ]
            )
    return _csv(rows)


# ---------------------------------------------------------------- writing


def write_report(report: ClassReport, output: Path) -> tuple[list[Path], list[str]]:
    """Write the REPORT_FILES into `output`: (written, problems)."""
    from game.atomic import WriteFailed, write_atomic

    # A byte-order mark on the CSV files, so spreadsheets read names in any alphabet.
    contents = {
        "report.html": render_report_html(report).encode("utf-8"),
        "report.csv": render_report_csv(report).encode("utf-8-sig"),
        "report-grid.csv": render_grid_csv(report).encode("utf-8-sig"),
        "report-answers.csv": render_answers_csv(report).encode("utf-8-sig"),
        "report.md": render_report_markdown(report).encode("utf-8"),
    }
    assert tuple(contents) == REPORT_FILES
    written, problems = [], []
    for name, data in contents.items():
        path = output / name
        try:
            write_atomic(path, data, backup=False)
        except WriteFailed as exc:
            problems.append(f"{output}: {exc.strerror or exc}")
            continue
        written.append(path)
    return written, problems
