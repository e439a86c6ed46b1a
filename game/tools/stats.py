"""`petrograd check --stats`: how long the story is, how it branches, and what it cites.

Words per scene and per chapter with an estimated reading time, choices per scene,
faithful against divergent choices, the words in each branch of conditional text,
and how often each paragraph of the source article is cited (and which ones no
scene cites yet). A scene's words are those always read plus every branch of its
conditional text, so the count is what an author wrote; `branches` says how it splits.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
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


@dataclass(frozen=True, slots=True)
class Playthrough:
    """A path through the scene graph from a start to an ending: its scenes, in order,
    and their words (each scene's words as written, an ending's epilogue included)."""

    scenes: tuple[str, ...]
    words: int

    def as_json(self) -> dict[str, Any]:
        return {"scenes": len(self.scenes), "words": self.words, "path": list(self.scenes)}


@dataclass(frozen=True, slots=True)
class Extremes:
    """The shortest and longest playthroughs, in scenes and in words. The longest are
    the longest without revisiting a scene (a loop could otherwise go on for ever)."""

    fewest_scenes: Playthrough | None = None
    most_scenes: Playthrough | None = None
    fewest_words: Playthrough | None = None
    most_words: Playthrough | None = None
    #: False when the search for the longest gave up in a large tangle of loops (then
    #: the longest are the longest found, and may not be the longest there are).
    complete: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "fewest_scenes": self.fewest_scenes.as_json() if self.fewest_scenes else None,
            "most_scenes": self.most_scenes.as_json() if self.most_scenes else None,
            "fewest_words": self.fewest_words.as_json() if self.fewest_words else None,
            "most_words": self.most_words.as_json() if self.most_words else None,
            "complete": self.complete,
        }


@dataclass(frozen=True, slots=True)
class EndingStats:
    """One ending: its scene's own words (text and epilogue), and the playthroughs that
    end there with the fewest and the most words (the most without revisiting a scene)."""

    id: str
    scene: str
    title: str
    words: int
    fewest: Playthrough | None
    most: Playthrough | None


@dataclass(frozen=True, slots=True)
class ViewpointStats:
    """One viewpoint: the words of its chapters' scenes, and its playthroughs from its start."""

    id: str
    name: str
    scenes: int
    words: int
    playthroughs: Extremes


@dataclass
class Stats:
    scenes: list[SceneStats] = field(default_factory=list)
    chapters: list[ChapterStats] = field(default_factory=list)
    citations: list[Citations] = field(default_factory=list)
    endings: list[EndingStats] = field(default_factory=list)
    viewpoints: list[ViewpointStats] = field(default_factory=list)
    #: From any of the story's starts to any ending.
    playthroughs: Extremes = field(default_factory=Extremes)

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
            "playthroughs": self.playthroughs.as_json(),
            "endings": [
                {
                    "id": e.id,
                    "scene": e.scene,
                    "title": e.title,
                    "words": e.words,
                    "fewest_words": e.fewest.as_json() if e.fewest else None,
                    "most_words": e.most.as_json() if e.most else None,
                }
                for e in self.endings
            ],
            "viewpoints": [
                {
                    "id": v.id,
                    "name": v.name,
                    "scenes": v.scenes,
                    "words": v.words,
                    "playthroughs": v.playthroughs.as_json(),
                }
                for v in self.viewpoints
            ],
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
    _add_paths(story, stats)
    return stats


# ---------------------------------------------------------------- playthroughs

#: How many steps the search for the longest playthrough takes inside one tangle of
#: loops before it gives up (a story's loops are small; this bounds a pathological one).
SEARCH_BUDGET = 200_000


class _Graph:
    """The scene graph (each choice an edge, whatever its condition), with each scene's
    words, its tangles of loops (strongly connected components) and their order."""

    def __init__(self, story: Story, words: dict[str, int]) -> None:
        self.next = {
            sid: list(dict.fromkeys(c.target for c in scene.choices if c.target in story.scenes))
            for sid, scene in story.scenes.items()
        }
        self.words = words
        self.component, self.order = _components(self.next)

    def shortest(
        self, starts: Iterable[str], ends: set[str], weight: Callable[[str], int]
    ) -> dict[str, Playthrough]:
        """For each of `ends` reached, the playthrough there of least total weight (a
        Dijkstra over scenes: a breadth-first search when each weighs 1)."""
        best: dict[str, int] = {}
        before: dict[str, str | None] = {}
        queue: list[tuple[int, str]] = []
        for start in starts:
            if start in self.next and start not in best:
                best[start] = weight(start)
                before[start] = None
                heapq.heappush(queue, (best[start], start))
        while queue:
            cost, here = heapq.heappop(queue)
            if cost > best[here]:
                continue
            for there in self.next[here]:
                total = cost + weight(there)
                if there not in best or total < best[there]:
                    best[there], before[there] = total, here
                    heapq.heappush(queue, (total, there))
        out = {}
        for end in ends:
            if end in best:
                path: list[str] = []
                at: str | None = end
                while at is not None:
                    path.append(at)
                    at = before[at]
                out[end] = self._playthrough(path[::-1])
        return out

    def longest(
        self, starts: Iterable[str], ends: set[str], weight: Callable[[str], int]
    ) -> tuple[Playthrough | None, bool]:
        """The playthrough from one of `starts` to one of `ends` of most total weight that
        never visits a scene twice, and whether the search was complete.

        Over the tangles of loops in order (each a block no path re-enters once it has
        left it), the best way on from each scene is worked out once; only inside a
        tangle are the paths searched one by one, up to SEARCH_BUDGET steps."""
        best: dict[str, tuple[int, tuple[str, ...]] | None] = {}
        budget = [SEARCH_BUDGET]
        for block in self.order:  # sinks first: every way out of a block is known
            for scene in block:
                best[scene] = self._best_from(scene, ends, weight, best, budget)
        found = [best[s] for s in dict.fromkeys(starts) if best.get(s) is not None]
        top = max(found, key=lambda pair: (pair[0], pair[1]), default=None) if found else None
        return (self._playthrough(list(top[1])) if top else None), budget[0] > 0

    def _best_from(
        self,
        scene: str,
        ends: set[str],
        weight: Callable[[str], int],
        best: dict[str, tuple[int, tuple[str, ...]] | None],
        budget: list[int],
    ) -> tuple[int, tuple[str, ...]] | None:
        block = self.component[scene]
        top: tuple[int, tuple[str, ...]] | None = None

        def consider(candidate: tuple[int, tuple[str, ...]]) -> None:
            nonlocal top
            if top is None or candidate > top:
                top = candidate

        # Depth-first over the simple paths inside the block, leaving it at any step.
        stack: list[tuple[str, int, tuple[str, ...]]] = [(scene, weight(scene), (scene,))]
        while stack:
            here, cost, path = stack.pop()
            budget[0] -= 1
            if here in ends:
                consider((cost, path))
            for there in self.next[here]:
                if self.component[there] != block:
                    after = best.get(there)
                    if after is not None:
                        consider((cost + after[0], path + after[1]))
                elif there not in path and budget[0] > 0:
                    stack.append((there, cost + weight(there), path + (there,)))
        return top

    def _playthrough(self, path: list[str]) -> Playthrough:
        return Playthrough(tuple(path), sum(self.words[s] for s in path))

    def extremes(self, starts: Sequence[str], ends: set[str]) -> Extremes:
        def one(_scene: str) -> int:
            return 1

        def words(scene: str) -> int:
            return self.words[scene]

        def least(
            found: dict[str, Playthrough], key: Callable[[Playthrough], int]
        ) -> Playthrough | None:
            return min(found.values(), key=lambda p: (key(p), p.scenes), default=None)

        fewest_scenes = least(self.shortest(starts, ends, one), lambda p: len(p.scenes))
        fewest_words = least(self.shortest(starts, ends, words), lambda p: p.words)
        most_scenes, whole = self.longest(starts, ends, one)
        most_words, whole_words = self.longest(starts, ends, words)
        return Extremes(fewest_scenes, most_scenes, fewest_words, most_words, whole and whole_words)


def _components(graph: dict[str, list[str]]) -> tuple[dict[str, int], list[list[str]]]:
    """Tarjan's strongly connected components, without recursion: each scene's block,
    and the blocks in reverse topological order (a block after every block it leads to)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    order: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph[node]
            if i < len(successors):
                work.append((node, i + 1))
                there = successors[i]
                if there not in index:
                    work.append((there, 0))
                elif there in on_stack:
                    low[node] = min(low[node], index[there])
                continue
            if work:  # back in the caller: pass the low link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                block = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = len(order)
                    block.append(member)
                    if member == node:
                        break
                order.append(block)
    return component, order


def _add_paths(story: Story, stats: Stats) -> None:
    """Words per ending and per viewpoint, and the shortest and longest playthroughs."""
    words = {s.id: s.words for s in stats.scenes}
    for scene in story.scenes.values():
        if scene.ending is not None:
            words[scene.id] += scene.ending.epilogue_text.written_words()
    graph = _Graph(story, words)
    ends = {sid for sid, scene in story.scenes.items() if scene.ending is not None}
    starts = list(story.starts)
    stats.playthroughs = graph.extremes(starts, ends)

    def weigh(scene: str) -> int:
        return words[scene]

    fewest = graph.shortest(starts, ends, weigh)
    for scene in sorted(
        ends, key=lambda sid: (story.scenes[sid].mark.path, story.scenes[sid].mark.line)
    ):
        ending = story.scenes[scene].ending
        assert ending is not None
        most, _ = graph.longest(starts, {scene}, weigh)
        stats.endings.append(
            EndingStats(ending.id, scene, ending.title, words[scene], fewest.get(scene), most)
        )
    for viewpoint in story.viewpoints.values():
        chapters = {c.id for c in story.chapters.values() if c.viewpoint == viewpoint.id}
        mine = [s for s in stats.scenes if s.chapter in chapters]
        stats.viewpoints.append(
            ViewpointStats(
                viewpoint.id,
                viewpoint.name,
                len(mine),
                sum(s.words for s in mine),
                graph.extremes([viewpoint.start], ends),
            )
        )


def _describe(playthrough: Playthrough | None) -> str:
    if playthrough is None:
        return "none"
    return (
        f"{len(playthrough.scenes)} scenes, {playthrough.words:,} words "
        f"({playthrough.scenes[0]} -> {playthrough.scenes[-1]})"
    )


def _extremes_lines(extremes: Extremes, indent: str) -> list[str]:
    lines = [
        f"{indent}fewest scenes: {_describe(extremes.fewest_scenes)}",
        f"{indent}most scenes:   {_describe(extremes.most_scenes)}",
        f"{indent}fewest words:  {_describe(extremes.fewest_words)}",
        f"{indent}most words:    {_describe(extremes.most_words)}",
    ]
    if not extremes.complete:
        lines.append(f"{indent}(the search for the longest stopped early: at least this long)")
    return lines


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
    graded_share = f"; {share:.0f}% of the graded ones faithful" if graded else ""
    out.append(
        f"choices: {total} ({stats.faithful} faithful, {stats.divergent} divergent, "
        f"{stats.own} the player's own{graded_share}), "
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
    if story.paragraphs:  # a story that cites no source has nothing to count here
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
    out.append("")
    out.append(
        "playthroughs, start to ending, over the scene graph (every choice, whatever its "
        "condition; words as written, every branch counted; the longest never revisit a scene):"
    )
    out.extend(_extremes_lines(stats.playthroughs, "  "))
    if stats.viewpoints:
        out.append("")
        out.append(
            "viewpoints (the words of their chapters' scenes; playthroughs from their start):"
        )
        for viewpoint in stats.viewpoints:
            out.append(
                f"  {viewpoint.id}: {viewpoint.scenes} scenes, {viewpoint.words:,} words, "
                f"about {reading_time(viewpoint.words)} to read every scene"
            )
            out.extend(_extremes_lines(viewpoint.playthroughs, "    "))
    if stats.endings:
        out.append("")
        out.append(
            "endings (the ending's own words, text and epilogue; then the words of the "
            "playthroughs to it with the fewest and the most words):"
        )
        width = max(len(e.id) for e in stats.endings)
        for ending in stats.endings:
            fewest = f"{ending.fewest.words:,}" if ending.fewest else "-"
            most = f"{ending.most.words:,}" if ending.most else "-"
            out.append(
                f"  {ending.id:<{width}} {ending.words:>5} own  {fewest:>7} fewest  "
                f"{most:>7} most words"
            )
    return "\n".join(out) + "\n"
