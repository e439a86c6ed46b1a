"""Readable transcripts of a handed-in record, as Markdown and as one printable HTML file.

`read_handin_facts` gathers what a record says, looked up in the story (scene titles,
dates, choice labels, notes, cited paragraphs, the ending's epilogue) and, where the
path replays, worded as the student read it: labels, epilogue and any text that
depended on earlier choices come from the engine's replay. The two renderers only lay
it out. Every piece of text from the record is escaped where it
is written, and ids the story no longer has are shown as they are, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from game.classroom.handin import Verification, clean_name
from game.classroom.markup import (
    esc,
    esc_paragraphs,
    html_page,
    md,
    md_quote,
    one_line,
    percent,
    printable,
    when,
)
from game.engine import Choice, Ending, PathEntry, Scene, Story, paragraphs, plain_passage, wording
from game.engine.model import HISTORIES

#: How each kind of choice is named in a transcript: in words, never by colour alone.
HISTORY_WORDS = {
    history: (wording.history_tag(history), wording.history_meaning(history))
    for history in HISTORIES
}


@dataclass(frozen=True, slots=True)
class StepFacts:
    """One choice of the record, with the story's scene and choice when it still has them."""

    number: int
    scene_id: str
    choice_id: str
    at: str
    why: str | None
    scene: Scene | None
    choice: Choice | None
    #: The step as the student read it, where the path replays (else None).
    read: PathEntry | None = None

    @property
    def scene_title(self) -> str:
        return self.scene.title if self.scene else self.scene_id

    @property
    def choice_label(self) -> str:
        if self.read is not None:
            return self.read.label
        # A step past where the path replays: the label both ways, '(this | that)'.
        return self.choice.label_text.outline() if self.choice else self.choice_id

    @property
    def text_read(self) -> list[str]:
        """The scene's text as the student read it, when it depended on earlier choices
        (so differs between students); empty otherwise."""
        if self.read is None or not self.read.scene.body.conditional:
            return []
        return [plain_passage(passage) for passage in self.read.text]

    @property
    def history(self) -> str | None:
        """'faithful', 'divergent', 'own', or None when the story has no such choice."""
        return self.choice.history if self.choice else None


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    """A reflection answer, with its chapter's title when the story has that chapter."""

    chapter_id: str
    chapter_title: str
    question: str
    answer: str
    after_step: int | None


@dataclass(frozen=True)
class HandInFacts:
    """What one handed-in record says, in the story's terms."""

    student: str
    assignment_id: str | None
    assignment_title: str | None
    started_at: str
    finished_at: str
    story_id: str
    story_version: str
    steps: tuple[StepFacts, ...]
    answers: tuple[AnswerFacts, ...]
    complete: bool
    #: The ending reached: where the replayed path leads when it could be replayed,
    #: else the one the record names (looked up in the story when it has it).
    ending: Ending | None
    #: For an unfinished playthrough, the scene it stopped at (when known).
    stopped_at: Scene | None
    status: str
    reasons: tuple[str, ...]
    #: The ending's epilogue as the student read it (paragraphs), where the path replays.
    epilogue: tuple[str, ...] = ()
    #: The viewpoint the student played, by its name ("" in a story without viewpoints, or
    #: when the record's start is not a scene of the story).
    viewpoint: str = ""

    @property
    def faithful(self) -> int:
        return sum(1 for step in self.steps if step.history == "faithful")

    @property
    def judged(self) -> int:
        """Choices the story can say are faithful or divergent (the player's own are not
        graded, so they count for neither)."""
        return sum(1 for step in self.steps if step.history in ("faithful", "divergent"))

    @property
    def faithful_percent(self) -> int | None:
        """The share of the student's choices that follow history (None: no choices)."""
        return percent(self.faithful, self.judged) if self.judged else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _steps(data: Mapping[str, Any], story: Story, read: list[PathEntry]) -> tuple[StepFacts, ...]:
    raw = data.get("steps")
    out = []
    for number, step in enumerate(raw if isinstance(raw, list) else [], 1):
        if not isinstance(step, dict):
            continue
        scene_id, choice_id = _text(step.get("scene")), _text(step.get("choice"))
        if scene_id is None or choice_id is None:
            continue
        scene = story.scenes.get(scene_id)
        why = _text(step.get("why"))
        out.append(
            StepFacts(
                number,
                scene_id,
                choice_id,
                _text(step.get("at")) or "",
                why if why and why.strip() else None,
                scene,
                scene.choice(choice_id) if scene else None,
                read[number - 1] if number <= len(read) else None,
            )
        )
    return tuple(out)


def _answers(extra: Mapping[str, Any], story: Story) -> tuple[AnswerFacts, ...]:
    raw = extra.get("answers")
    out = []
    for answer in raw if isinstance(raw, list) else []:
        if not isinstance(answer, dict):
            continue
        question, text = _text(answer.get("question")), _text(answer.get("answer"))
        if question is None or text is None:
            continue
        chapter_id = _text(answer.get("chapter")) or ""
        chapter = story.chapters.get(chapter_id)
        after = answer.get("after_step")
        out.append(
            AnswerFacts(
                chapter_id,
                chapter.title if chapter else chapter_id,
                question,
                text,
                after if isinstance(after, int) and not isinstance(after, bool) else None,
            )
        )
    return tuple(out)


def _claimed_ending(extra: Mapping[str, Any], story: Story) -> Ending | None:
    claimed = extra.get("ending")
    if not isinstance(claimed, dict):
        return None
    ending_id = _text(claimed.get("id")) or ""
    scene = story.endings.get(ending_id)
    if scene is not None and scene.ending is not None:
        return scene.ending
    title = _text(claimed.get("title")) or ending_id
    kind = _text(claimed.get("kind")) or "unknown"
    return Ending(ending_id, title, kind, "")  # type: ignore[arg-type]


def read_handin_facts(data: Any, story: Story, verification: Verification) -> HandInFacts:
    """Gather what a handed-in record says, in the story's terms; never raises on odd data."""
    data = data if isinstance(data, dict) else {}
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    about = data.get("story") if isinstance(data.get("story"), dict) else {}
    assignment = extra.get("assignment") if isinstance(extra.get("assignment"), dict) else {}
    replayed = verification.replayed
    stopped_at = None
    read: list[PathEntry] = replayed.game.path() if replayed is not None else []
    epilogue: tuple[str, ...] = ()
    if replayed is not None and replayed.complete:
        frame = replayed.game.frame
        ending, complete = frame.ending, frame.ended
        stopped_at = None if complete else frame.scene
        epilogue = tuple(frame.plain_epilogue())
    else:
        ending = _claimed_ending(extra, story)
        complete = extra.get("complete") is True and ending is not None
        if ending is not None and ending.epilogue:
            epilogue = tuple(paragraphs(story.plain(ending.epilogue_text.outline())))
    name = clean_name(printable(_text(extra.get("student")) or ""))
    start = _text(data.get("start")) or ""
    played = story.viewpoint_of(start) if start in story.scenes else None
    return HandInFacts(
        student=name or "(no name)",
        assignment_id=_text(assignment.get("id")),
        assignment_title=_text(assignment.get("title")),
        started_at=_text(extra.get("started_at")) or "",
        finished_at=_text(extra.get("finished_at")) or "",
        story_id=_text(about.get("id")) or "unknown",
        story_version=_text(about.get("version")) or "unknown",
        steps=_steps(data, story, read),
        answers=_answers(extra, story),
        complete=complete,
        ending=ending if complete else None,
        stopped_at=stopped_at,
        status=verification.status,
        reasons=tuple(one_line(r) for r in verification.reasons),
        epilogue=epilogue if complete else (),
        viewpoint=played.name if played is not None else "",
    )


# ---------------------------------------------------------------- shared wording

STATUS_WORDS = {
    "verified": "VERIFIED: the record is intact and its path is possible in this story",
    "flagged": "FLAGGED: something in this record is wrong (see below)",
    "unreadable": "UNREADABLE: this is not a handed-in record",
}


def _finished_label(facts: HandInFacts) -> str:
    return "Finished" if facts.complete else "Handed in (not finished)"


def _sources(step: StepFacts, story: Story) -> list[tuple[str, str | None]]:
    if step.read is not None:
        return [(c.id, c.summary) for c in step.read.citations]
    choice = step.choice
    if choice is None:
        return []
    return [
        (pid, story.paragraphs[pid].summary if pid in story.paragraphs else None)
        for pid in choice.sources
    ]


def _ending_kind(ending: Ending) -> str:
    return wording.ending_kind_name(ending.kind)


# ---------------------------------------------------------------- Markdown


def render_markdown(data: Any, story: Story, verification: Verification) -> str:
    """The transcript of one handed-in record as Markdown; student text is escaped."""
    facts = read_handin_facts(data, story, verification)
    lines = [f"# Transcript: {md(facts.student)}", ""]
    if facts.assignment_title:
        lines.append(f"- **Assignment:** {md(facts.assignment_title)}")
    lines += [
        f"- **Story:** {md(story.title)}, version {md(facts.story_version)}",
        f"- **Started:** {md(when(facts.started_at))}",
        f"- **{_finished_label(facts)}:** {md(when(facts.finished_at))}",
        f"- **Record:** {STATUS_WORDS[facts.status]}",
    ]
    lines += [f"  - {md(reason)}" for reason in facts.reasons]
    lines += ["", "## The path", ""]
    if not facts.steps:
        lines += ["No choices were made.", ""]
    for step in facts.steps:
        lines += _md_step(step, story)
    if facts.answers:
        lines += ["## Reflection", ""]
        for answer in facts.answers:
            lines += [
                f"**{md(answer.chapter_title)}: {md(answer.question)}**",
                "",
                md_quote(answer.answer),
                "",
            ]
    lines += _md_ending(facts, story)
    return "\n".join(lines).rstrip() + "\n"


def _md_step(step: StepFacts, story: Story) -> list[str]:
    scene = step.scene
    heading = f"### {step.number}. {md(step.scene_title)}"
    if scene is None:
        heading += " (a scene this version of the story does not have)"
    lines = [heading, ""]
    if scene is not None:
        lines += [f"*{md(scene.dates)}, {md(scene.time)}, {md(scene.place)}*", ""]
    if step.text_read:
        lines.append("*What the student read here (it depended on earlier choices):*")
        lines.append("")
        lines += [md_quote("\n\n".join(step.text_read)), ""]
    lines.append(f"- **Choice:** {md(step.choice_label)}")
    if step.choice is None:
        lines.append("- The story does not have this choice any more.")
    else:
        word, meaning = HISTORY_WORDS[step.choice.history]
        note = story.plain(step.choice.note).strip()
        lines.append(f"- **{word}** ({meaning})" + (f": {md(note)}" if note else ""))
        cited = _sources(step, story)
        if cited:
            lines.append("- **Sources:**")
            for pid, summary in cited:
                lines.append(f"  - {md(pid)}: {md(summary)}" if summary else f"  - {md(pid)}")
    if step.why:
        lines.append(f"- **Why?** {md(step.why)}")
    if step.at:
        lines.append(f"- *Chosen {md(when(step.at))}*")
    return [*lines, ""]


def _md_ending(facts: HandInFacts, story: Story) -> list[str]:
    if facts.ending is None:
        lines = ["## Not finished", ""]
        if facts.stopped_at is not None:
            lines.append(f"The playthrough stopped at “{md(facts.stopped_at.title)}”.")
        else:
            lines.append("The playthrough did not reach an ending.")
        return [*lines, ""]
    ending = facts.ending
    lines = [
        f"## The ending: {md(ending.title)}",
        "",
        f"*{md(_ending_kind(ending))}*",
        "",
    ]
    if facts.epilogue:
        lines += [f"### {wording.EPILOGUE_HEADING}", ""]
        for paragraph in facts.epilogue:
            lines += [md(paragraph, start=True), ""]
    return lines


# ---------------------------------------------------------------- HTML


def render_html(data: Any, story: Story, verification: Verification) -> str:
    """The transcript of one handed-in record as one printable, self-contained HTML file."""
    facts = read_handin_facts(data, story, verification)
    parts = [f"<header>\n<h1>Transcript: {esc(facts.student)}</h1>", '<dl class="facts">']
    if facts.assignment_title:
        parts.append(f"<dt>Assignment</dt><dd>{esc(facts.assignment_title)}</dd>")
    parts += [
        f"<dt>Story</dt><dd>{esc(story.title)}, version {esc(facts.story_version)}</dd>",
        f"<dt>Started</dt><dd>{esc(when(facts.started_at))}</dd>",
        f"<dt>{esc(_finished_label(facts))}</dt><dd>{esc(when(facts.finished_at))}</dd>",
        f'<dt>Record</dt><dd><span class="status {esc(facts.status)}">'
        f"{esc(facts.status.upper())}</span> "
        f"{esc(STATUS_WORDS[facts.status].split(': ', 1)[1])}</dd>",
        "</dl>",
    ]
    if facts.reasons:
        parts.append('<ul class="reasons">')
        parts += [f"<li>{esc(reason)}</li>" for reason in facts.reasons]
        parts.append("</ul>")
    parts += ["</header>", "<main>", "<h2>The path</h2>"]
    if facts.steps:
        parts.append('<ol class="path">')
        parts += [_html_step(step, story) for step in facts.steps]
        parts.append("</ol>")
    else:
        parts.append("<p>No choices were made.</p>")
    if facts.answers:
        parts.append("<h2>Reflection</h2>")
        for answer in facts.answers:
            parts += [
                f"<h3>{esc(answer.chapter_title)}: {esc(answer.question)}</h3>",
                f"<blockquote>{esc_paragraphs(answer.answer) or '<p>(no answer)</p>'}</blockquote>",
            ]
    parts += [_html_ending(facts, story), "</main>"]
    title = f"Transcript: {facts.student}"
    if facts.assignment_title:
        title += f", {facts.assignment_title}"
    return html_page(title, "\n".join(parts))


def _html_step(step: StepFacts, story: Story) -> str:
    scene = step.scene
    out = [f"<li><h3>{step.number}. {esc(step.scene_title)}</h3>"]
    if scene is None:
        out.append("<p>(a scene this version of the story does not have)</p>")
    else:
        out.append(f'<p class="when">{esc(scene.dates)}, {esc(scene.time)}, {esc(scene.place)}</p>')
    if step.text_read:
        out.append(
            '<p class="read-note">What the student read here (it depended on earlier choices):</p>'
        )
        out.append(
            "<blockquote>" + "".join(f"<p>{esc(p)}</p>" for p in step.text_read) + "</blockquote>"
        )
    out.append(f"<p><strong>Choice:</strong> {esc(step.choice_label)}</p>")
    choice = step.choice
    if choice is None:
        out.append("<p>The story does not have this choice any more.</p>")
    else:
        word, meaning = HISTORY_WORDS[choice.history]
        note = story.plain(choice.note).strip()
        out.append(
            f'<p><span class="history {esc(choice.history)}">{word}</span> '
            f"({esc(meaning)})" + (f": {esc(note)}" if note else "") + "</p>"
        )
        cited = _sources(step, story)
        if cited:
            out.append('<p class="sources"><strong>Sources:</strong></p>\n<ul class="sources">')
            for pid, summary in cited:
                text = f"<strong>{esc(pid)}</strong>"
                out.append(f"<li>{text}: {esc(summary)}</li>" if summary else f"<li>{text}</li>")
            out.append("</ul>")
    if step.why:
        out.append(f'<p class="why"><strong>Why?</strong> {esc(step.why)}</p>')
    if step.at:
        out.append(f'<p class="when">Chosen {esc(when(step.at))}</p>')
    out.append("</li>")
    return "\n".join(out)


def _html_ending(facts: HandInFacts, story: Story) -> str:
    if facts.ending is None:
        where = (
            f"The playthrough stopped at “{esc(facts.stopped_at.title)}”."
            if facts.stopped_at is not None
            else "The playthrough did not reach an ending."
        )
        return f"<h2>Not finished</h2>\n<p>{where}</p>"
    ending = facts.ending
    out = [
        '<section class="debrief">',
        f"<h2>The ending: {esc(ending.title)}</h2>",
        f"<p><em>{esc(_ending_kind(ending))}</em></p>",
    ]
    if facts.epilogue:
        out.append(f"<h3>{esc(wording.EPILOGUE_HEADING)}</h3>")
        out += [f"<p>{esc(p)}</p>" for p in facts.epilogue]
    out.append("</section>")
    return "\n".join(out)
