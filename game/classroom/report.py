"""Class reports: read a folder of handed-in records, verify each, and write what the class did.

Reading is safe by construction: only `*.json` files, only regular files, at most
`MAX_RECORD_BYTES` each, parsed with `json` (data, never code). Each record is
verified by replaying it through the engine (`handin.verify`); only verified
records count in the class figures, and flagged or unreadable ones are listed with
their reasons. The report is a `ClassReport` value, laid out three ways: HTML (one
printable file), Markdown (text bar charts) and CSV (one row per record).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.classroom.assignment import Assignment
from game.classroom.handin import Verification, verify
from game.classroom.markup import (
    code_safe,
    csv_cell,
    esc,
    esc_paragraphs,
    html_page,
    md,
    md_quote,
    percent,
    when,
)
from game.classroom.transcript import HISTORY_WORDS, HandInFacts, read_handin_facts
from game.engine import Choice, Ending, Scene, Story
from game.engine.files import NotAFile, read_regular

MAX_RECORD_BYTES = 4 * 1024 * 1024
REPORT_FILES = ("report.html", "report.csv", "report.md")
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
)
BAR_WIDTH = 20


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

    @property
    def counted(self) -> bool:
        """Only verified records count in the class figures."""
        return self.status == "verified"


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
    """A scene with two or more choices: how many verified students chose each, and every "why?"."""

    scene: Scene | None
    scene_id: str
    passed: int
    options: tuple[OptionCount, ...]
    whys: tuple[WhyAnswer, ...] = ()

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
class ClassReport:
    """What a folder of records shows. Figures count verified records only."""

    folder_name: str
    story: Story
    assignment: Assignment | None
    made_at: dt.datetime
    entries: tuple[RecordEntry, ...]
    endings: tuple[tuple[Ending, int], ...] = ()
    decisions: tuple[Decision, ...] = ()
    questions: tuple[Question, ...] = ()
    #: Assignment titles named by the records, when no assignment file was given.
    assignment_titles: tuple[str, ...] = ()

    @property
    def records(self) -> list[RecordEntry]:
        """Every readable record (verified or flagged), by student name."""
        readable = [e for e in self.entries if e.facts is not None]
        return sorted(readable, key=lambda e: (e.facts.student.casefold(), e.file))  # type: ignore[union-attr]

    def by_status(self, status: str) -> list[RecordEntry]:
        return [e for e in self.entries if e.status == status]

    @property
    def counted(self) -> list[RecordEntry]:
        return [e for e in self.records if e.counted]

    @property
    def finished(self) -> list[RecordEntry]:
        """Verified records that reached an ending."""
        return [e for e in self.counted if e.facts is not None and e.facts.complete]

    @property
    def title(self) -> str:
        if self.assignment is not None:
            return self.assignment.title
        if len(self.assignment_titles) == 1:
            return self.assignment_titles[0]
        return self.story.title

    @property
    def average_faithful(self) -> int | None:
        shares = [
            e.facts.faithful_percent
            for e in self.counted
            if e.facts is not None and e.facts.faithful_percent is not None
        ]
        return (sum(shares) * 2 + len(shares)) // (2 * len(shares)) if shares else None


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
    counted = [e.facts for e in entries if e.counted and e.facts is not None]
    readable = [e for e in entries if e.facts is not None]
    titles = sorted({e.facts.assignment_title for e in readable if e.facts.assignment_title})  # type: ignore[union-attr]
    return ClassReport(
        folder_name=folder.resolve().name or str(folder),
        story=story,
        assignment=assignment,
        made_at=made_at or dt.datetime.now().astimezone(),
        entries=tuple(entries),
        endings=_endings(story, counted),
        decisions=_decisions(story, counted, readable),
        questions=_questions(story, readable),
        assignment_titles=tuple(titles),
    )


def _endings(story: Story, counted: list[HandInFacts]) -> tuple[tuple[Ending, int], ...]:
    out = []
    for scene in story.endings.values():
        assert scene.ending is not None
        reached = sum(1 for f in counted if f.ending is not None and f.ending.id == scene.ending.id)
        out.append((scene.ending, reached))
    return tuple(out)


def _decisions(
    story: Story, counted: list[HandInFacts], readable: list[RecordEntry]
) -> tuple[Decision, ...]:
    passed: dict[str, set[int]] = {}
    chose: dict[tuple[str, str], set[int]] = {}
    for index, facts in enumerate(counted):
        for step in facts.steps:
            passed.setdefault(step.scene_id, set()).add(index)
            chose.setdefault((step.scene_id, step.choice_id), set()).add(index)
    whys: dict[str, list[WhyAnswer]] = {}
    for entry in readable:
        assert entry.facts is not None
        for step in entry.facts.steps:
            if step.why:
                whys.setdefault(step.scene_id, []).append(
                    WhyAnswer(entry.facts.student, step.choice_label, step.why, entry.status)
                )
    out = []
    for scene in story.scenes.values():
        is_decision = len(scene.choices) >= 2 and scene.id in passed
        if not is_decision and scene.id not in whys:
            continue
        options = _options(scene, chose) if is_decision else ()
        out.append(
            Decision(
                scene,
                scene.id,
                len(passed.get(scene.id, ())),
                options,
                tuple(sorted(whys.get(scene.id, []), key=lambda w: w.student.casefold())),
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


def _questions(story: Story, readable: list[RecordEntry]) -> tuple[Question, ...]:
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
    for entry in sorted(readable, key=lambda e: (e.facts.student.casefold(), e.file)):  # type: ignore[union-attr]
        assert entry.facts is not None
        for answer in entry.facts.answers:
            key = (answer.chapter_id, answer.question)
            order.setdefault(key, answer.chapter_title)
            answers.setdefault(key, []).append((entry.facts.student, answer.answer, entry.status))
    return tuple(
        Question(order[key], key[1], tuple(answers[key])) for key in order if key in answers
    )


# ---------------------------------------------------------------- shared wording

COUNTING_RULE = (
    "Only verified records are counted in the class figures (finished, endings, choices, "
    "the class average). Flagged records are shown, marked, but not counted; unreadable "
    "files are listed at the end."
)


def _summary_line(report: ClassReport) -> str:
    return (
        f"{len(report.entries)} file(s): {len(report.by_status('verified'))} verified, "
        f"{len(report.by_status('flagged'))} flagged, "
        f"{len(report.by_status('unreadable'))} unreadable"
    )


def _finished_line(report: ClassReport) -> str:
    return f"{len(report.finished)} of {len(report.counted)} verified record(s) finished"


def _ending_cell(facts: HandInFacts) -> str:
    if facts.ending is not None:
        return facts.ending.title
    if facts.stopped_at is not None:
        return f"not finished (at {facts.stopped_at.title})"
    return "not finished"


def _share(facts: HandInFacts) -> str:
    share = facts.faithful_percent
    return "" if share is None else f"{share}%"


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
    return f"{_summary_line(report)}\n{_finished_line(report)}\n"


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
        f"- **Records:** {md(_summary_line(report))}",
        f"- **Finished:** {md(_finished_line(report))}",
        "",
        f"> {md(COUNTING_RULE)}",
        "",
        "## Who handed in",
        "",
    ]
    if report.records:
        several = bool(report.story.viewpoints)
        out += [
            "| Student | Status |"
            + (" Viewpoint |" if several else "")
            + " Finished | Ending | Faithful | Steps |",
            "|---|---|" + ("---|" if several else "") + "---|---|---:|---:|",
        ]
        for entry in report.records:
            f = entry.facts
            assert f is not None
            played = f" {md(f.viewpoint or '?')} |" if several else ""
            out.append(
                f"| {md(f.student)} | {entry.status} |{played} {'yes' if f.complete else 'no'} "
                f"| {md(_ending_cell(f))} | {_share(f)} | {len(f.steps)} |"
            )
    else:
        out.append("No readable records were found.")
    out += ["", "## Endings reached", ""]
    finished = len(report.finished)
    out.append(f"{finished} verified record(s) reached an ending.")
    for name, endings in _endings_by_viewpoint(report):
        if name:
            out += ["", f"### {md(name)}"]
        out += ["", "```text"]
        for ending, count in endings:
            out.append(
                f"{_text_bar(count, finished)} {count:>3}  {code_safe(ending.title)} ({ending.kind})"
            )
        out += ["```"]
    out += [""]
    out += _md_decisions(report)
    out += _md_faithful(report)
    out += _md_questions(report)
    out += _md_verification(report)
    return "\n".join(out).rstrip() + "\n"


def _md_decisions(report: ClassReport) -> list[str]:
    out = ["## Decisions", ""]
    if not report.decisions:
        return [*out, "No verified student reached a decision.", ""]
    for decision in report.decisions:
        scene = decision.scene
        out.append(f"### {md(decision.title)}")
        out.append("")
        if scene is not None:
            out.append(f"*{md(scene.dates)}, {md(scene.time)}*")
            out.append("")
        if decision.options:
            out.append(f"{decision.passed} verified student(s) decided here.")
            out += ["", "```text"]
            for option in decision.options:
                word = HISTORY_WORDS[option.history][0].lower()
                out.append(
                    f"{_text_bar(option.students, decision.passed)} {option.students:>3} "
                    f"({percent(option.students, decision.passed):>3}%)  "
                    f"{code_safe(option.label)} [{word}]"
                )
            out += ["```", ""]
        if decision.whys:
            out += ["**Why?**", ""]
            for why in decision.whys:
                out.append(
                    f"- {_md_name(why.student, why.status)} chose "
                    f"“{md(why.choice_label)}”: {md(why.why)}"
                )
            out.append("")
    return out


def _md_faithful(report: ClassReport) -> list[str]:
    out = ["## How closely each student followed history", ""]
    out.append("The share of each student's choices that follow what really happened (faithful).")
    average = report.average_faithful
    if average is not None:
        out.append(f"Class average (verified records): {average}%.")
    out += ["", "| Student | Faithful choices | Share |", "|---|---:|---|"]
    for entry in report.records:
        f = entry.facts
        assert f is not None
        share = f.faithful_percent
        shown = f"`{_text_bar(share, 100)}` {share}%" if share is not None else "no choices"
        out.append(
            f"| {_md_name(f.student, entry.status)} | {f.faithful} of {f.judged} | {shown} |"
        )
    return [*out, ""]


def _md_questions(report: ClassReport) -> list[str]:
    out = ["## Reflection answers", ""]
    if not report.questions:
        return [*out, "No reflection answers were handed in.", ""]
    for question in report.questions:
        out += [f"### {md(question.chapter_title)}: {md(question.question)}", ""]
        for student, answer, status in question.answers:
            out += [_md_name(student, status), "", md_quote(answer), ""]
    return out


def _md_verification(report: ClassReport) -> list[str]:
    out = ["## Verification", "", "| File | Student | Status | Reason |", "|---|---|---|---|"]
    for entry in report.entries:
        student = entry.facts.student if entry.facts else ""
        reason = "; ".join(entry.reasons)
        out.append(f"| {md(entry.file)} | {md(student)} | {entry.status} | {md(reason)} |")
    return [*out, ""]


# ---------------------------------------------------------------- HTML


def _html_bar(part: int, whole: int, kind: str = "") -> str:
    width = percent(part, whole)
    return f'<span class="bar {kind}" style="width: {width * 0.7:.1f}%" aria-hidden="true"></span>'


def render_report_html(report: ClassReport) -> str:
    """The class report as one printable, self-contained HTML file (no scripts, nothing fetched)."""
    parts = [
        f"<header>\n<h1>Class report: {esc(report.title)}</h1>",
        '<dl class="facts">',
        f"<dt>Story</dt><dd>{esc(report.story.title)}, version {esc(report.story.version)}</dd>",
        f"<dt>Folder</dt><dd>{esc(report.folder_name)}</dd>",
        f"<dt>Made</dt><dd>{esc(when(report.made_at.isoformat()))}</dd>",
        f"<dt>Records</dt><dd>{esc(_summary_line(report))}</dd>",
        f"<dt>Finished</dt><dd>{esc(_finished_line(report))}</dd>",
        "</dl>",
        f'<p class="note">{esc(COUNTING_RULE)}</p>',
        "</header>\n<main>",
    ]
    parts += _html_who(report)
    parts += _html_endings(report)
    parts += _html_decisions(report)
    parts += _html_faithful(report)
    parts += _html_questions(report)
    parts += _html_verification(report)
    parts.append("</main>")
    parts.append(
        f"<footer>Made by petrograd report from {len(report.entries)} file(s). "
        "Verification replays each record through the story; see docs/teachers.md.</footer>"
    )
    return html_page(f"Class report: {report.title}", "\n".join(parts))


def _status(status: str) -> str:
    return f'<span class="status {esc(status)}">{esc(status)}</span>'


def _html_who(report: ClassReport) -> list[str]:
    out = ['<section id="who">', "<h2>Who handed in</h2>"]
    if not report.records:
        return [*out, "<p>No readable records were found.</p>", "</section>"]
    several = bool(report.story.viewpoints)
    out += [
        "<table>",
        "<thead><tr><th scope='col'>Student</th><th scope='col'>Status</th>"
        + ("<th scope='col'>Viewpoint</th>" if several else "")
        + "<th scope='col'>Finished</th><th scope='col'>Ending</th>"
        "<th scope='col'>Steps</th></tr></thead>",
        "<tbody>",
    ]
    for entry in report.records:
        f = entry.facts
        assert f is not None
        played = f"<td>{esc(f.viewpoint or '?')}</td>" if several else ""
        out.append(
            f"<tr><th scope='row'>{esc(f.student)}</th><td>{_status(entry.status)}</td>"
            f"{played}<td>{'yes' if f.complete else 'no'}</td><td>{esc(_ending_cell(f))}</td>"
            f"<td class='number'>{len(f.steps)}</td></tr>"
        )
    return [*out, "</tbody></table>", "</section>"]


def _html_endings(report: ClassReport) -> list[str]:
    finished = len(report.finished)
    out = ['<section id="endings">', "<h2>Endings reached</h2>"]
    for name, endings in _endings_by_viewpoint(report):
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


def _endings_by_viewpoint(report: ClassReport) -> list[tuple[str, list[tuple[Ending, int]]]]:
    """The endings under the name of the viewpoint they belong to, in the story's order of
    viewpoints (one group named "" in a story without viewpoints)."""
    story = report.story
    groups: dict[str, list[tuple[Ending, int]]] = {v.name: [] for v in story.viewpoints.values()}
    for ending, count in report.endings:
        scene = story.endings.get(ending.id)
        viewpoint = story.viewpoint_of(scene.id) if scene is not None else None
        groups.setdefault(viewpoint.name if viewpoint else "", []).append((ending, count))
    return [(name, endings) for name, endings in groups.items() if endings]


def _html_decisions(report: ClassReport) -> list[str]:
    out = ['<section id="decisions">', "<h2>Decisions</h2>"]
    if not report.decisions:
        return [*out, "<p>No verified student reached a decision.</p>", "</section>"]
    for decision in report.decisions:
        scene = decision.scene
        out.append(f"<h3>{esc(decision.title)}</h3>")
        if scene is not None:
            out.append(f'<p class="when">{esc(scene.dates)}, {esc(scene.time)}</p>')
        if decision.options:
            out += [
                "<table class='chart'>",
                f"<caption>What the {decision.passed} verified student(s) who reached "
                f"“{esc(decision.title)}” chose</caption>",
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
        if decision.whys:
            out.append("<h4>Why?</h4>\n<ul class='whys'>")
            for why in decision.whys:
                out.append(
                    f"<li><strong>{_html_name(why.student, why.status)}</strong> chose "
                    f"“{esc(why.choice_label)}”: {esc(why.why)}</li>"
                )
            out.append("</ul>")
    return [*out, "</section>"]


def _html_faithful(report: ClassReport) -> list[str]:
    out = [
        '<section id="history">',
        "<h2>How closely each student followed history</h2>",
        "<p>The share of each student's choices that follow what really happened (faithful).",
    ]
    average = report.average_faithful
    if average is not None:
        out[-1] += f" Class average (verified records): {average}%."
    out[-1] += "</p>"
    out += [
        "<table class='chart'>",
        "<caption>Faithful choices per student</caption>",
        "<thead><tr><th scope='col'>Student</th><th scope='col'>Faithful choices</th>"
        "</tr></thead><tbody>",
    ]
    for entry in report.records:
        f = entry.facts
        assert f is not None
        share = f.faithful_percent
        shown = (
            f"{_html_bar(share, 100, 'faithful')}{f.faithful} of {f.judged} ({share}%)"
            if share is not None
            else "no choices"
        )
        out.append(
            f"<tr><th scope='row'>{_html_name(f.student, entry.status)}</th>"
            f"<td class='chart'>{shown}</td></tr>"
        )
    return [*out, "</tbody></table>", "</section>"]


def _html_questions(report: ClassReport) -> list[str]:
    out = ['<section id="reflection">', "<h2>Reflection answers</h2>"]
    if not report.questions:
        return [*out, "<p>No reflection answers were handed in.</p>", "</section>"]
    for question in report.questions:
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


def _html_verification(report: ClassReport) -> list[str]:
    out = [
        '<section id="verification">',
        "<h2>Verification</h2>",
        "<table>",
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


def render_report_csv(report: ClassReport) -> str:
    """One row per file: file, student, status, reason, finished, ending, faithful %, steps.

    Every cell that a spreadsheet would read as a formula starts with an apostrophe.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in report.entries:
        f = entry.facts
        row: list[object] = [entry.file, f.student if f else "", entry.status]
        row.append("; ".join(entry.reasons))
        if f is None:
            row += ["", "", "", "", ""]
        else:
            share = f.faithful_percent
            row += [
                "yes" if f.complete else "no",
                f.ending.title if f.ending else "",
                "" if share is None else share,
                len(f.steps),
                f.viewpoint,
            ]
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


# ---------------------------------------------------------------- writing


def write_report(report: ClassReport, output: Path) -> tuple[list[Path], list[str]]:
    """Write report.html, report.csv and report.md into `output`: (written, problems)."""
    from game.atomic import WriteFailed, write_atomic

    contents = {
        "report.html": render_report_html(report).encode("utf-8"),
        # A byte-order mark, so spreadsheet programs read names in any alphabet correctly.
        "report.csv": render_report_csv(report).encode("utf-8-sig"),
        "report.md": render_report_markdown(report).encode("utf-8"),
    }
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
