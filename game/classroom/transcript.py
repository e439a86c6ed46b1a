"""Readable transcripts of a handed-in record, as Markdown and as one printable HTML file.

`read_handin_facts` gathers what a record says, looked up in the story (scene titles,
dates, choice labels, notes, cited paragraphs, the ending's epilogue) and, where the
path replays, worded as the student read it: labels, epilogue and any text that
depended on earlier choices come from the engine's replay. It also works out what a
teacher asks first: which steps were real decisions (more than one way open), the
time the student was active, and the words they passed. The two renderers only lay
it out, each beginning with the same summary. Every piece of text from the record is
escaped where it is written, and ids the story no longer has are shown as they are,
never a crash.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from game.classroom.handin import EarlierAttempt, Verification, clean_name, read_attempts
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
from game.engine.record import read_time
from game.engine.text import count_words

#: How each kind of choice is named in a transcript: in words, never by colour alone.
HISTORY_WORDS = {
    history: (wording.history_tag(history), wording.history_meaning(history))
    for history in HISTORIES
}
#: How a step is shown where only one choice was open: no decision, so no verdict.
ALONE_WORDS = "the only way open: not a decision"
#: A gap between two moments of a record (the start, each choice, each answer, the
#: finish) counts as at most this much active time: longer, the student was away (a
#: break, the end of a lesson, the night between two sittings).
ACTIVE_GAP_CAP = dt.timedelta(minutes=10)
#: Faster than this, in words a minute, a playthrough is noted as too fast to have been
#: read (a fast adult reader manages about 300; skimming, 600 and more).
FAST_WORDS_PER_MINUTE = 600
#: A playthrough of fewer words than this is never noted as too fast (too little to tell).
FAST_MIN_WORDS = 300
#: How the time taken is counted, in words for the report and the transcript.
TIME_RULE = (
    "Minutes are active time: from the start to the finish through every choice and "
    f"answer, each gap counted up to {ACTIVE_GAP_CAP.seconds // 60} minutes (a longer gap is "
    "a break, or the night between two sittings, and counts as "
    f"{ACTIVE_GAP_CAP.seconds // 60})."
)


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
    def decision(self) -> bool:
        """A real decision: more than one choice was open. Where the path replays, as the
        engine says (`PathEntry.alone`); past that, when the scene has two choices or more."""
        if self.read is not None:
            return not self.read.alone
        return self.scene is not None and len(self.scene.choices) >= 2

    @property
    def words(self) -> int:
        """The words of the scene's text as the student read it (past where the path
        replays, the words read whatever the state)."""
        if self.read is not None:
            return sum(count_words(plain_passage(p)) for p in self.read.text)
        return self.scene.body.words() if self.scene is not None else 0

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
    #: Which attempt this is (1 unless the student started again), and the earlier ones.
    attempt: int = 1
    earlier_attempts: tuple[EarlierAttempt, ...] = ()
    #: Active time in seconds (see TIME_RULE); None when the record's times cannot be read.
    active_seconds: int | None = None
    #: Gaps longer than ACTIVE_GAP_CAP (breaks, or the time between two sittings).
    breaks: int = 0

    @property
    def decisions(self) -> tuple[StepFacts, ...]:
        """The steps that were real decisions (more than one way open)."""
        return tuple(step for step in self.steps if step.decision)

    def _count(self, history: str) -> int:
        return sum(1 for step in self.decisions if step.history == history)

    @property
    def faithful(self) -> int:
        """Real decisions that follow history."""
        return self._count("faithful")

    @property
    def divergent(self) -> int:
        return self._count("divergent")

    @property
    def own(self) -> int:
        """Real decisions of the student's own (history is silent; not graded)."""
        return self._count("own")

    @property
    def judged(self) -> int:
        """Real decisions the story can say are faithful or divergent (the player's own are
        not graded, and a step with one way open is no decision: neither counts)."""
        return self.faithful + self.divergent

    @property
    def faithful_percent(self) -> int | None:
        """The share of the student's graded decisions that follow history (None: none)."""
        return percent(self.faithful, self.judged) if self.judged else None

    @property
    def words_read(self) -> int:
        """The words of every scene the student passed, as they read them."""
        return sum(step.words for step in self.steps)

    @property
    def minutes(self) -> int | None:
        """Active minutes, rounded (None: the times cannot be read)."""
        return None if self.active_seconds is None else (self.active_seconds + 30) // 60

    @property
    def too_fast(self) -> bool:
        """More words passed than anyone reads in the active time (a note, not a flag)."""
        seconds, words = self.active_seconds, self.words_read
        if seconds is None or words < FAST_MIN_WORDS:
            return False
        return words * 60 > FAST_WORDS_PER_MINUTE * seconds

    @property
    def fast_note(self) -> str:
        """'read 9,000 words in 14 seconds' when too fast, else ''."""
        if not self.too_fast:
            return ""
        return f"read {self.words_read:,} words in {duration(self.active_seconds or 0)}"


def duration(seconds: int) -> str:
    """'14 seconds', '1 minute', '23 minutes', '2 hours 5 minutes'."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 30) // 60
    hours, minutes = divmod(minutes, 60)
    said = f"{minutes} minute{'s' if minutes != 1 else ''}"
    if not hours:
        return said
    return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {said}" if minutes else "")


def minutes_text(facts: HandInFacts) -> str:
    """The active time for a table: '23', 'under 1', '' when unknown."""
    if facts.active_seconds is None:
        return ""
    if facts.active_seconds < 30:
        return "under 1"
    return str(facts.minutes)


def active_time(moments: list[Any]) -> tuple[int | None, int]:
    """(active seconds, breaks) over the times of a record, in time order, each gap
    counted up to ACTIVE_GAP_CAP; (None, 0) when the start or the finish is not a time."""
    if read_time(moments[0]) is None or read_time(moments[-1]) is None:
        return None, 0
    times = sorted(t for t in map(read_time, moments) if t is not None)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    active = sum((min(gap, ACTIVE_GAP_CAP) for gap in gaps), dt.timedelta())
    return int(active.total_seconds()), sum(1 for gap in gaps if gap > ACTIVE_GAP_CAP)


def decisions_line(facts: HandInFacts) -> str:
    """'7 decisions: 5 faithful, 2 divergent, 3 the student's own (not graded)'."""
    total = len(facts.decisions)
    parts = [f"{facts.faithful} faithful", f"{facts.divergent} divergent"]
    if facts.own:
        parts.append(f"{facts.own} the student's own (not graded)")
    other = total - facts.faithful - facts.divergent - facts.own
    if other:
        parts.append(f"{other} at choices the story no longer has")
    line = f"{total} decision{'s' if total != 1 else ''}" + (
        ": " + ", ".join(parts) if total else ""
    )
    alone = len(facts.steps) - total
    if alone:
        line += f"; {alone} step{'s' if alone != 1 else ''} with only one way open"
    return line


def attempt_line(facts: HandInFacts) -> str:
    """'Attempt 2 (after 1 earlier attempt)' or 'Attempt 1'."""
    earlier = facts.attempt - 1
    if not earlier:
        return "Attempt 1"
    return f"Attempt {facts.attempt} (after {earlier} earlier attempt{'s' if earlier != 1 else ''})"


def time_line(facts: HandInFacts) -> str:
    """'23 minutes of active time (1 break left out)'."""
    if facts.active_seconds is None:
        return "unknown (the record's times cannot be read)"
    line = f"{duration(facts.active_seconds)} of active time"
    if facts.breaks:
        line += f" ({facts.breaks} break{'s' if facts.breaks != 1 else ''} of over "
        line += f"{ACTIVE_GAP_CAP.seconds // 60} minutes left out)"
    return line


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
    steps = _steps(data, story, read)
    raw_answers = extra.get("answers")
    answers: list[Any] = raw_answers if isinstance(raw_answers, list) else []
    seconds, breaks = active_time(
        [
            extra.get("started_at"),
            *(step.at for step in steps),
            *(a.get("at") for a in answers if isinstance(a, dict)),
            extra.get("finished_at"),
        ]
    )
    attempt, earlier = read_attempts(extra)
    return HandInFacts(
        student=name or "(no name)",
        assignment_id=_text(assignment.get("id")),
        assignment_title=_text(assignment.get("title")),
        started_at=_text(extra.get("started_at")) or "",
        finished_at=_text(extra.get("finished_at")) or "",
        story_id=_text(about.get("id")) or "unknown",
        story_version=_text(about.get("version")) or "unknown",
        steps=steps,
        answers=_answers(extra, story),
        complete=complete,
        ending=ending if complete else None,
        stopped_at=stopped_at,
        status=verification.status,
        reasons=tuple(one_line(r) for r in verification.reasons),
        epilogue=epilogue if complete else (),
        viewpoint=played.name if played is not None else "",
        attempt=attempt,
        earlier_attempts=earlier,
        active_seconds=seconds,
        breaks=breaks,
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


def ending_line(facts: HandInFacts) -> str:
    """'Peace and Land (the historical ending)', or where an unfinished playthrough stopped."""
    if facts.ending is not None:
        return f"{facts.ending.title} ({_ending_kind(facts.ending)})"
    if facts.stopped_at is not None:
        return f"not finished (stopped at “{facts.stopped_at.title}”)"
    return "not finished"


def summary_facts(facts: HandInFacts, story: Story) -> list[tuple[str, str]]:
    """What a transcript says first, as (label, plain text) pairs."""
    return [
        ("Ending", ending_line(facts)),
        ("Time", time_line(facts)),
        ("Decisions", decisions_line(facts)),
        ("Attempt", attempt_line(facts)),
    ]


def earlier_lines(facts: HandInFacts, story: Story) -> list[str]:
    """One plain line per earlier attempt: when, how far, where it ended."""
    out = []
    for earlier in facts.earlier_attempts:
        scene = story.endings.get(earlier.ending) if earlier.ending else None
        ended = (
            f"reached “{scene.ending.title}”"
            if scene is not None and scene.ending is not None
            else f"reached the ending '{earlier.ending}'"
            if earlier.ending
            else "left before an ending"
        )
        out.append(
            f"Attempt {earlier.attempt}: {earlier.steps} choice(s), {when(earlier.started_at)} "
            f"to {when(earlier.ended_at)}, {ended}"
        )
    return out


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
    lines += ["", "## Summary", ""]
    lines += [f"- **{label}:** {md(text)}" for label, text in summary_facts(facts, story)]
    lines += [f"  - {md(text)}" for text in earlier_lines(facts, story)]
    lines += ["", "## The path", ""]
    if not facts.steps:
        lines += ["No choices were made.", ""]
    for step in facts.steps:
        lines += _md_step(step, story) if step.decision or step.scene is None else _md_alone(step)
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


def _md_alone(step: StepFacts) -> list[str]:
    """A step with one way open, on one line (with the text the student read, when it
    depended on earlier choices, and the "why?", when one was asked)."""
    lines = [
        f"**{step.number}. {md(step.scene_title)}** · **Choice:** {md(step.choice_label)} "
        f"· *{ALONE_WORDS}*",
        "",
    ]
    if step.text_read:
        lines += [md_quote("\n\n".join(step.text_read)), ""]
    if step.why:
        lines += [f"- **Why?** {md(step.why)}", ""]
    return lines


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
    parts += ["</header>", "<main>", '<section id="summary" class="summary">', "<h2>Summary</h2>"]
    parts.append('<dl class="facts">')
    parts += [
        f"<dt>{esc(label)}</dt><dd>{esc(text)}</dd>" for label, text in summary_facts(facts, story)
    ]
    parts.append("</dl>")
    earlier = earlier_lines(facts, story)
    if earlier:
        parts += ['<ul class="earlier">', *(f"<li>{esc(line)}</li>" for line in earlier), "</ul>"]
    parts += ["</section>", "<h2>The path</h2>"]
    if facts.steps:
        parts.append('<ol class="path">')
        parts += [
            _html_step(step, story) if step.decision or step.scene is None else _html_alone(step)
            for step in facts.steps
        ]
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
    return html_page(title, "\n".join(parts), css=TRANSCRIPT_CSS)


#: A transcript prints in a few pages: smaller type, narrow margins, steps run on.
TRANSCRIPT_CSS = """
ol.path > li.alone { padding: .3em 0; }
ol.path > li.alone p { margin: 0; }
.alone-note { color: #444; font-style: italic; }
@media print {
  @page { size: A4; margin: 12mm 14mm; }
  body { font-size: 9pt; line-height: 1.3; }
  h1 { font-size: 15pt; } h2 { font-size: 11.5pt; margin-top: .8em; }
  h3 { font-size: 9.5pt; margin: .1em 0; }
  p, ul, blockquote, dl.facts { margin-top: .1em; margin-bottom: .1em; }
  ol.path { columns: 2; column-gap: 7mm; }
  ol.path > li { padding: .25em 0; break-inside: auto; }
  ol.path h3 { break-after: avoid; }
  ol.path blockquote, .sources, .when { font-size: 8pt; }
  p.sources, ul.sources, ul.sources li { display: inline; padding: 0; }
  ul.sources li + li::before { content: "; "; }
  .debrief { padding: 0 .6em; }
}
"""


def _html_alone(step: StepFacts) -> str:
    """A step with one way open, on one line (with the text the student read, when it
    depended on earlier choices, and the "why?", when one was asked)."""
    out = [
        f'<li class="alone"><p><strong>{step.number}. {esc(step.scene_title)}</strong> · '
        f"<strong>Choice:</strong> {esc(step.choice_label)} · "
        f'<span class="alone-note">{esc(ALONE_WORDS)}</span></p>'
    ]
    if step.text_read:
        out.append(
            "<blockquote>" + "".join(f"<p>{esc(p)}</p>" for p in step.text_read) + "</blockquote>"
        )
    if step.why:
        out.append(f'<p class="why"><strong>Why?</strong> {esc(step.why)}</p>')
    out.append("</li>")
    return "".join(out)


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
