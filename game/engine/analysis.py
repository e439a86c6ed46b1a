"""Checks over the assembled story: links, citations, reachability and dead ends.

Every check is linear in scenes plus choices, so a story of thousands of scenes
is checked in a moment.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from game.engine import clock
from game.engine.model import LINK, Choice, Scene, Story
from game.engine.problems import Mark, Problem, did_you_mean


def analyse(story: Story, *, warnings: bool = True) -> list[Problem]:
    """Every cross-reference and structural problem of a story.

    Without `warnings`, the checks that only ever warn are left out (numbering, unread
    effects, time going back): loading a story to play reports errors only."""
    found = [*_links(story), *_graph(story), *_endings(story)]
    if warnings:
        from game.engine import effects  # the liveness analysis: not needed to play

        found += [*_chapter_numbers(story), *effects.unread(story), *clock.problems(story)]
    return found


def _chapter_numbers(story: Story) -> Iterator[Problem]:
    """Each viewpoint's chapters are numbered once each."""
    numbers: dict[tuple[str, int], str] = {}
    for chapter in story.chapters.values():
        key = (chapter.viewpoint, chapter.number)
        if key in numbers and chapter.number:
            whose = f" of the viewpoint '{chapter.viewpoint}'" if chapter.viewpoint else ""
            yield Problem(
                chapter.mark,
                "duplicate-number",
                f"the chapters '{numbers[key]}' and '{chapter.id}'{whose} are both number "
                f"{chapter.number}; number each viewpoint's chapters 1, 2, 3 ...",
                "warning",
            )
        numbers.setdefault(key, chapter.id)


def _links(story: Story) -> Iterator[Problem]:
    for scene in story.scenes.values():
        yield from _citations(story, f"scene '{scene.id}'", scene.sources, scene)
        for choice in scene.choices:
            if choice.target not in story.scenes:
                yield Problem(
                    choice.marks.get("goto", choice.mark),
                    "unknown-target",
                    f"choice '{choice.id}' goes to '{choice.target}', which is not a scene"
                    + _target_hint(story, choice.target),
                )
            yield from _citations(story, f"choice '{choice.id}'", choice.sources, choice)


def _target_hint(story: Story, target: str) -> str:
    """An ending's id where a scene's is wanted (as a Twine or ink writer may), or the
    nearest scene id, or the scenes when there are few."""
    for scene in story.scenes.values():
        if scene.ending is not None and scene.ending.id == target:
            return (
                f"; '{target}' is the id of the ending of scene '{scene.id}': goto names the scene"
            )
    return did_you_mean(target, story.scenes, "scenes")


def _citations(
    story: Story, who: str, cited: tuple[str, ...], where: Scene | Choice
) -> Iterator[Problem]:
    """Each paragraph a scene or choice cites is one of the story's sources."""
    if not cited:
        return
    mark = where.marks.get("sources", where.mark)
    if story.citations == "none":
        yield Problem(
            mark,
            "unknown-citation",
            f"{who} cites {', '.join(cited)}, but the story says 'sources: none'; remove the "
            "citation, or give the story a sources file",
        )
        return
    known = story.paragraphs
    if not known:
        return  # no sources file could be read: its own problem says why
    source = "assets/sources.yaml" if story.citations == "article" else "the story's sources file"
    for ref in cited:
        if ref not in known:
            yield Problem(
                where.source_marks.get(ref, mark),
                "unknown-citation",
                f"{who} cites '{ref}', which is not a paragraph of the source"
                + (did_you_mean(ref, known) or f" (see {source})"),
            )


#: A text that may link the codex: (what says it: "scene 'x'", the text, where it starts).
LinkedText = tuple[str, str, Mark]


def codex_links(
    story: Story, texts: Iterable[LinkedText], locate: Callable[[Mark, str, int], Mark]
) -> Iterator[Problem]:
    """Every [[link]] of a scene's text or an ending's epilogue names a codex entry;
    `locate` finds the place of a character of a text in its file (folded, quoted and
    block texts alike)."""
    for who, text, start in texts:
        for match in LINK.finditer(text):
            shown, ref = match.group(1).strip(), match.group(2)
            term = ref.strip() if ref else story.codex_names.get(shown.lower())
            if term is None or term not in story.codex:
                wanted = ref.strip() if ref else shown
                yield Problem(
                    locate(start, text, match.start()),
                    "unknown-codex-term",
                    f"{who} links {match.group(0)}, but no codex entry is "
                    + (f"named '{wanted}'" if not ref else f"'{wanted}'")
                    + _codex_hint(story, wanted, by_id=bool(ref)),
                )


def _codex_hint(story: Story, wanted: str, *, by_id: bool) -> str:
    """Did you mean another entry (by id after '|', else by name)? Else where to add it."""
    near = (
        did_you_mean(wanted, story.codex)
        if by_id
        else did_you_mean(wanted.lower(), story.codex_names)
    )
    if near:
        return near
    where = "assets/codex.yaml" if story.citations == "article" else "a codex file"
    return f"; add it to {where} or fix the link"


def _graph(story: Story) -> Iterator[Problem]:
    scenes = story.scenes
    starts = [start for start in story.starts if start in scenes]
    if not starts:
        return
    reached = set(starts)
    queue = deque(starts)
    incoming: dict[str, list[str]] = {sid: [] for sid in scenes}
    for scene in scenes.values():
        for choice in scene.choices:
            if choice.target in incoming:
                incoming[choice.target].append(scene.id)
    while queue:
        scene = scenes[queue.popleft()]
        for choice in scene.choices:
            if choice.target in scenes and choice.target not in reached:
                reached.add(choice.target)
                queue.append(choice.target)
    # scenes from which some ending can be reached (walk backwards from every ending)
    can_end = {sid for sid, s in scenes.items() if s.ending is not None}
    queue = deque(can_end)
    while queue:
        for source in incoming[queue.popleft()]:
            if source not in can_end:
                can_end.add(source)
                queue.append(source)
    for scene in scenes.values():
        if scene.ending is None and not scene.choices:
            yield Problem(
                scene.mark,
                "dead-end",
                f"scene '{scene.id}' has no choices and is not an ending; add a choice or an 'ending:'",
            )
        if scene.id not in reached:
            code = "unreachable-ending" if scene.ending else "unreachable-scene"
            what = "ending" if scene.ending else "scene"
            yield Problem(
                scene.mark,
                code,
                f"no path from {_starts_named(story)} reaches the {what} '{scene.id}'",
                "warning",
            )
        elif scene.id not in can_end and scene.choices:
            yield Problem(
                scene.mark,
                "no-way-out",
                f"from scene '{scene.id}' no path leads to any ending",
                "warning",
            )


def _starts_named(story: Story) -> str:
    if len(story.starts) == 1:
        return f"the start scene '{story.start}'"
    return "any viewpoint's start (" + ", ".join(f"'{s}'" for s in story.starts) + ")"


def _endings(story: Story) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for scene in story.scenes.values():
        if scene.ending is None:
            continue
        if scene.ending.id in seen:
            yield Problem(
                scene.mark,
                "duplicate-id",
                f"the ending id '{scene.ending.id}' is used by scenes '{seen[scene.ending.id]}' "
                f"({story.scenes[seen[scene.ending.id]].mark}) and '{scene.id}'",
            )
        seen.setdefault(scene.ending.id, scene.id)
    if story.scenes and not seen:
        yield Problem(
            Mark(next(iter(story.scenes.values())).mark.path),
            "no-endings",
            "the story has no ending; mark at least one scene with 'ending:'",
        )
