"""`petrograd coverage`: what the test plans and autoplay runs have seen of a story.

A `Coverage` is given every game at its start and after each choice (`observe`); it
notes the scene reached, the choice that led there, and how each conditional passage
the player would read came out: each `{condition? shown | otherwise}` of a scene's
text, its choices' labels and reasons, an ending's epilogue, and a chapter's reflection
questions, each way counted on its own (the passage was seen "shown" when its
condition held, "otherwise" when it did not; a part inside a branch not taken is not
met). `report()` sums it per chapter, with the list of what was never seen, each at
its file:line:column so an author can jump to it. Headless, like the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from game.engine import Game, Mark, Story
from game.engine.files import shown
from game.engine.model import Scene
from game.engine.text import Template

#: A conditional passage, one way: (where it is: "scene id" or "chapter:id", template
#: number, offset of its '{', True = its condition held).
Passage = tuple[str, int, int, bool]


@dataclass(frozen=True, slots=True)
class Unseen:
    """Something no playthrough reached: a scene, a choice, or one way of a passage."""

    kind: str  # "scene", "choice" or "passage"
    chapter: str
    what: str
    mark: Mark

    def __str__(self) -> str:
        verb = "never taken" if self.kind == "choice" else "never seen"  # a choice may show
        return f"{self.mark}: {self.kind} {verb}: {shown(self.what)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "chapter": self.chapter,
            "what": self.what,
            "file": self.mark.path,
            "line": self.mark.line,
            "column": self.mark.column,
        }


@dataclass(frozen=True, slots=True)
class Tally:
    seen: int
    all: int

    @property
    def percent(self) -> float:
        return 100.0 * self.seen / self.all if self.all else 100.0

    def as_json(self) -> dict[str, Any]:
        return {"seen": self.seen, "all": self.all, "percent": round(self.percent, 1)}


@dataclass(frozen=True, slots=True)
class ChapterCoverage:
    id: str
    number: int
    title: str
    scenes: Tally
    choices: Tally
    passages: Tally


@dataclass
class CoverageReport:
    """Per-chapter totals, the story's, and what was never seen (in file order)."""

    chapters: list[ChapterCoverage] = field(default_factory=list)
    unseen: list[Unseen] = field(default_factory=list)
    #: How many games were observed: plans played, autoplay runs.
    plans: int = 0
    runs: int = 0

    def total(self, what: str) -> Tally:
        tallies = [getattr(c, what) for c in self.chapters]
        return Tally(sum(t.seen for t in tallies), sum(t.all for t in tallies))

    def as_json(self) -> dict[str, Any]:
        return {
            "plans": self.plans,
            "autoplay_runs": self.runs,
            "total": {what: self.total(what).as_json() for what in KINDS},
            "chapters": [
                {
                    "id": c.id,
                    "number": c.number,
                    "title": c.title,
                    **{what: getattr(c, what).as_json() for what in KINDS},
                }
                for c in self.chapters
            ],
            "unseen": [u.as_json() for u in self.unseen],
        }


KINDS = ("scenes", "choices", "passages")


class Coverage:
    """Collects what the games it is shown have seen of one story."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.scenes: set[str] = set()
        self.choices: set[tuple[str, str]] = set()
        self.passages: set[Passage] = set()

    def observe(self, game: Game) -> None:
        """Note where `game` is now (call it at the start and after each choice)."""
        story = self.story
        scene = story.scenes.get(game.scene.id)
        if scene is None:
            return
        state = game.state
        self.scenes.add(scene.id)
        steps = game.record.steps
        previous = None
        if steps:
            last = steps[-1]
            self.choices.add((last.scene, last.choice))
            previous = story.scenes.get(last.scene)
        for number, (key, template, choice) in enumerate(scene.templates()):
            if not template.conditional:
                continue
            if (
                choice is not None
            ):  # as a Frame shows it: a label while shown, a reason while closed
                open_ = choice.is_open(state)
                if (key == "disabled" and open_) or (
                    key == "label" and not open_ and choice.reason_text is None
                ):
                    continue
            self._note(scene.id, number, template, state)
        due = []
        if previous is not None and previous.chapter != scene.chapter:
            due.append(previous.chapter)
        if scene.ending is not None and scene.chapter not in due:
            due.append(scene.chapter)
        for chapter_id in due:
            chapter = story.chapters[chapter_id]
            for number, question in enumerate(chapter.questions):
                if question.conditional:
                    self._note(f"chapter:{chapter_id}", number, question, state)

    def _note(self, where: str, number: int, template: Template, state: dict[str, Any]) -> None:
        found: set[tuple[int, bool]] = set()
        template.observe(state, found)
        self.passages |= {(where, number, offset, holds) for offset, holds in found}

    def report(self, *, plans: int = 0, runs: int = 0) -> CoverageReport:
        """Sum what was seen, chapter by chapter (in the order `check --stats` lists them)."""
        story = self.story
        out = CoverageReport(plans=plans, runs=runs)
        order = list(story.viewpoints)
        chapters = sorted(
            story.chapters.values(),
            key=lambda c: (
                order.index(c.viewpoint) if c.viewpoint in order else -1,
                c.number,
                c.id,
            ),
        )
        for chapter in chapters:
            scenes = [s for s in story.scenes.values() if s.chapter == chapter.id]
            counts = {what: [0, 0] for what in KINDS}
            for scene in scenes:
                self._count_scene(scene, counts, out.unseen)
            self._count_questions(chapter.id, counts, out.unseen)
            whose = story.viewpoints.get(chapter.viewpoint)
            out.chapters.append(
                ChapterCoverage(
                    chapter.id,
                    chapter.number,
                    f"{whose.id}: {chapter.title}" if whose else chapter.title,
                    *(Tally(*counts[what]) for what in KINDS),
                )
            )
        out.unseen.sort(key=lambda u: (u.mark.path, u.mark.line, u.mark.column))
        return out

    def _count_scene(
        self, scene: Scene, counts: dict[str, list[int]], unseen: list[Unseen]
    ) -> None:
        seen = scene.id in self.scenes
        counts["scenes"][1] += 1
        counts["scenes"][0] += seen
        if not seen:
            unseen.append(Unseen("scene", scene.chapter, scene.id, scene.mark))
        for choice in scene.choices:
            taken = (scene.id, choice.id) in self.choices
            counts["choices"][1] += 1
            counts["choices"][0] += taken
            if not taken:
                unseen.append(
                    Unseen("choice", scene.chapter, f"{scene.id}.{choice.id}", choice.mark)
                )
        for number, (key, template, _choice) in enumerate(scene.templates()):
            self._count_template(scene.id, scene.chapter, key, number, template, counts, unseen)

    def _count_questions(
        self, chapter_id: str, counts: dict[str, list[int]], unseen: list[Unseen]
    ) -> None:
        chapter = self.story.chapters[chapter_id]
        for number, question in enumerate(chapter.questions):
            self._count_template(
                f"chapter:{chapter_id}", chapter_id, "reflection", number, question, counts, unseen
            )

    def _count_template(
        self,
        where: str,
        chapter: str,
        key: str,
        number: int,
        template: Template,
        counts: dict[str, list[int]],
        unseen: list[Unseen],
    ) -> None:
        for alternative in template.alternatives():
            for holds in (True, False):
                seen = (where, number, alternative.offset, holds) in self.passages
                counts["passages"][1] += 1
                counts["passages"][0] += seen
                if not seen:
                    way = "shown" if holds else "otherwise"
                    unseen.append(
                        Unseen(
                            "passage",
                            chapter,
                            f"{where} {key}: {{{alternative.source}? ...}} {way}",
                            template.place(alternative),
                        )
                    )


def _percent(tally: Tally) -> str:
    return f"{tally.seen:>4}/{tally.all:<4} {tally.percent:5.1f}%"


def format_text(story: Story, report: CoverageReport) -> str:
    """The report for people: a table per chapter, then what was never seen."""
    out = [
        f"coverage: '{shown(story.title)}' {shown(story.version)}, over {report.plans} test plan(s) and "
        f"{report.runs} autoplay run(s)",
        "(a passage is one way of a {condition? shown | otherwise}: each way counts once)",
        "",
    ]
    width = max((len(c.title) for c in report.chapters), default=7)
    width = max(width, 7)
    head = f"  {'chapter':<{width + 4}} {'scenes':>16} {'choices':>16} {'passages':>16}"
    out.append(head)
    for c in report.chapters:
        out.append(
            f"  {c.number:>2}. {shown(c.title):<{width}} {_percent(c.scenes):>16} "
            f"{_percent(c.choices):>16} {_percent(c.passages):>16}"
        )
    out.append(
        f"  {'total':<{width + 4}} {_percent(report.total('scenes')):>16} "
        f"{_percent(report.total('choices')):>16} {_percent(report.total('passages')):>16}"
    )
    out.append("")
    if report.unseen:
        out.append(f"never seen ({len(report.unseen)}):")
        out.extend(f"  {u}" for u in report.unseen)
    else:
        out.append("every scene, choice and conditional passage was seen")
    return "\n".join(out) + "\n"
