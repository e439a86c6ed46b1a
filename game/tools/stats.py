"""`petrograd check --stats`: how long the story is, how it branches, and what it cites.

Words per scene and per chapter with an estimated reading time, choices per scene,
faithful against divergent choices, the words in each branch of conditional text,
and how often each paragraph of the source article is cited (and which ones no
scene cites yet). A scene's words are those always read plus every branch of its
conditional text, so the count is what an author wrote; `branches` says how it splits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from game.engine.model import Story
from game.engine.text import branch_words

#: A reading speed for the estimate, in words per minute (an unhurried adult reader).
WORDS_PER_MINUTE = 200


def reading_time(words: int) -> str:
    """'2 min 30 s', '45 s'."""
    seconds = math.ceil(words * 60 / WORDS_PER_MINUTE)
    minutes, seconds = divmod(seconds, 60)
    if minutes and seconds:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes} min" if minutes else f"{seconds} s"


@dataclass(frozen=True, slots=True)
class Branch:
    """One `{condition? ... | ...}` of a scene's text, with the words of each part."""

    key: str
    condition: str
    line: int
    words_shown: int
    words_otherwise: int


@dataclass(frozen=True, slots=True)
class SceneStats:
    id: str
    chapter: str
    title: str
    words: int
    choices: int
    faithful: int
    divergent: int
    ending: bool
    #: Words read whatever the state (outside every conditional text).
    fixed_words: int = 0
    branches: tuple[Branch, ...] = ()
    #: The player's own choices (history is silent; not graded).
    own: int = 0


@dataclass(frozen=True, slots=True)
class ChapterStats:
    id: str
    number: int
    title: str
    scenes: int
    words: int
    choices: int


@dataclass(frozen=True, slots=True)
class Citations:
    """How often one paragraph of the source is cited."""

    paragraph: str
    section: str
    scenes: tuple[str, ...]
    choices: int


@dataclass
class Stats:
    scenes: list[SceneStats] = field(default_factory=list)
    chapters: list[ChapterStats] = field(default_factory=list)
    citations: list[Citations] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(s.words for s in self.scenes)

    @property
    def faithful(self) -> int:
        return sum(s.faithful for s in self.scenes)

    @property
    def divergent(self) -> int:
        return sum(s.divergent for s in self.scenes)

    @property
    def own(self) -> int:
        return sum(s.own for s in self.scenes)

    def uncited(self) -> list[str]:
        """Paragraphs that no scene cites (a choice may still cite them)."""
        return [c.paragraph for c in self.citations if not c.scenes]

    def as_json(self) -> dict[str, Any]:
        with_choices = [s for s in self.scenes if not s.ending]
        return {
            "words": self.words,
            "reading_minutes": round(self.words / WORDS_PER_MINUTE, 1),
            "words_per_minute": WORDS_PER_MINUTE,
            "scenes": [
                {
                    "id": s.id,
                    "chapter": s.chapter,
                    "words": s.words,
                    "reading_seconds": math.ceil(s.words * 60 / WORDS_PER_MINUTE),
                    "choices": s.choices,
                    "faithful": s.faithful,
                    "divergent": s.divergent,
                    "ending": s.ending,
                    "fixed_words": s.fixed_words,
                    "branches": [
                        {
                            "in": b.key,
                            "condition": b.condition,
                            "line": b.line,
                            "words_shown": b.words_shown,
                            "words_otherwise": b.words_otherwise,
                        }
                        for b in s.branches
                    ],
                }
                for s in self.scenes
            ],
            "chapters": [
                {
                    "id": c.id,
                    "number": c.number,
                    "title": c.title,
                    "scenes": c.scenes,
                    "words": c.words,
                    "reading_minutes": round(c.words / WORDS_PER_MINUTE, 1),
                    "choices": c.choices,
                }
                for c in self.chapters
            ],
            "choices": {
                "total": self.faithful + self.divergent,
                "faithful": self.faithful,
                "divergent": self.divergent,
                "per_scene": round(sum(s.choices for s in with_choices) / len(with_choices), 2)
                if with_choices
                else 0,
            },
            "citations": {
                c.paragraph: {"section": c.section, "scenes": list(c.scenes), "choices": c.choices}
                for c in self.citations
            },
            "uncited": self.uncited(),
        }


def story_stats(story: Story) -> Stats:
    """Count everything once."""
    stats = Stats()
    for scene in story.scenes.values():
        faithful = sum(1 for c in scene.choices if c.history == "faithful")
        own = sum(1 for c in scene.choices if c.history == "own")
        body = scene.body
        branches = []
        for key, template, _choice in scene.templates():
            for alternative in template.alternatives():
                shown, otherwise = branch_words(alternative)
                branches.append(
                    Branch(
                        key,
                        alternative.source,
                        template.place(alternative).line,
                        shown,
                        otherwise,
                    )
                )
        stats.scenes.append(
            SceneStats(
                scene.id,
                scene.chapter,
                scene.title,
                body.written_words(),
                len(scene.choices),
                faithful,
                len(scene.choices) - faithful - own,
                scene.ending is not None,
                body.words(),
                tuple(branches),
                own,
            )
        )
    order = list(story.viewpoints)
    for chapter in sorted(
        story.chapters.values(),
        key=lambda c: (order.index(c.viewpoint) if c.viewpoint in order else -1, c.number, c.id),
    ):
        mine = [s for s in stats.scenes if s.chapter == chapter.id]
        whose = story.viewpoints.get(chapter.viewpoint)
        stats.chapters.append(
            ChapterStats(
                chapter.id,
                chapter.number,
                f"{whose.id}: {chapter.title}" if whose else chapter.title,
                len(mine),
                sum(s.words for s in mine),
                sum(s.choices for s in mine),
            )
        )
    cited_by: dict[str, list[str]] = {}
    choice_cites: dict[str, int] = {}
    for scene in story.scenes.values():
        for ref in dict.fromkeys(scene.sources):
            cited_by.setdefault(ref, []).append(scene.id)
        for choice in scene.choices:
            for ref in dict.fromkeys(choice.sources):
                choice_cites[ref] = choice_cites.get(ref, 0) + 1
    for paragraph in story.paragraphs.values():
        stats.citations.append(
            Citations(
                paragraph.id,
                paragraph.section,
                tuple(cited_by.get(paragraph.id, ())),
                choice_cites.get(paragraph.id, 0),
            )
        )
    return stats


def format_text(story: Story, stats: Stats) -> str:
    """The statistics as a few tables for people."""
    out = [
        f"stats: '{story.title}' {story.version}: {len(stats.scenes)} scenes, "
        f"{stats.words:,} words, about {reading_time(stats.words)} to read every scene "
        f"(at {WORDS_PER_MINUTE} words a minute)"
    ]
    graded = stats.faithful + stats.divergent
    total = graded + stats.own
    share = 100.0 * stats.faithful / graded if graded else 0.0
    with_choices = [s for s in stats.scenes if not s.ending]
    per_scene = sum(s.choices for s in with_choices) / len(with_choices) if with_choices else 0
    out.append(
        f"choices: {total} ({stats.faithful} faithful, {stats.divergent} divergent, "
        f"{stats.own} the player's own; {share:.0f}% of the graded ones faithful), "
        f"{per_scene:.1f} per scene that is not an ending"
    )
    out.append("")
    out.append("chapters:")
    for chapter in stats.chapters:
        out.append(
            f"  {chapter.number:>2}. {chapter.title:<40} {chapter.scenes:>3} scenes "
            f"{chapter.words:>6,} words  {reading_time(chapter.words):>12}  "
            f"{chapter.choices:>3} choices"
        )
    out.append("")
    out.append("scenes:")
    width = max((len(s.id) for s in stats.scenes), default=0)
    for scene in stats.scenes:
        if scene.ending:
            branching = "ending"
        else:
            branching = (
                f"{scene.choices} choice(s): {scene.faithful} faithful, {scene.divergent} divergent"
                + (f", {scene.own} own" if scene.own else "")
            )
        out.append(
            f"  {scene.id:<{width}} {scene.words:>5} words {reading_time(scene.words):>10}  {branching}"
        )
    varied = [s for s in stats.scenes if s.branches]
    if varied:
        out.append("")
        out.append("conditional text (words when the condition holds / when it does not):")
        for scene in varied:
            out.append(f"  {scene.id}: {scene.fixed_words} words always read")
            for branch in scene.branches:
                out.append(
                    f"    line {branch.line:>4} {branch.key:<8} {branch.words_shown:>4} / "
                    f"{branch.words_otherwise:<4} {{{branch.condition}? ...}}"
                )
    out.append("")
    out.append("citations per paragraph of the source (scenes, choices):")
    for cite in stats.citations:
        out.append(
            f"  {cite.paragraph:<12} {len(cite.scenes):>3} {cite.choices:>4}  {cite.section}"
        )
    uncited = stats.uncited()
    if uncited:
        out.append(f"paragraphs no scene cites yet ({len(uncited)}): {', '.join(uncited)}")
    elif stats.citations:
        out.append("every paragraph of the source is cited by some scene")
    return "\n".join(out) + "\n"
