"""Assignment files: what a teacher asks of a playthrough. YAML, read safely, checked with places."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from game.engine import Story
from game.engine.problems import Mark, Problem, StoryError
from game.engine.schema import ID, Flag, Key, ListOf, OneOf, Shape, Text
from game.engine.yamlread import YamlMap, read_limited, read_yaml_bytes

ASSIGNMENT = Shape(
    "assignment",
    (
        Key("id", ID, doc="the assignment's id, written into every record"),
        Key("title", Text(), doc="shown on the title screen and in the report"),
        Key("instructions", Text(), doc="what the student should do; shown before they start"),
        Key(
            "viewpoint",
            ID,
            required=False,
            doc="whom the student plays, by viewpoint id (default: the story's first)",
        ),
        Key(
            "start",
            ID,
            required=False,
            doc="the scene to start from (default: the viewpoint's first, or the story's start)",
        ),
        Key(
            "reflection",
            OneOf(
                (Text(words=("all", "none")), ListOf(ID)),
                what="all, none, or a list of chapter ids",
            ),
            required=False,
            doc="whose chapter reflection questions the student must answer (default: all)",
        ),
        Key(
            "why",
            ListOf(ID),
            required=False,
            doc="scenes where the student types a one-line 'why?' before choosing",
        ),
        Key(
            "assessment", Flag(), required=False, doc="true: undo and loading earlier saves are off"
        ),
    ),
    doc="An assignment for a class.",
)
ASSIGNMENT_FILE = Shape("assignment file", (Key("assignment", ASSIGNMENT, doc="the assignment"),))


@dataclass(frozen=True)
class Assignment:
    """A teacher's assignment, checked against the story it is for."""

    id: str
    title: str
    instructions: str
    start: str | None
    reflection_chapters: frozenset[str]
    why_scenes: frozenset[str]
    assessment: bool
    #: sha256 of the file's bytes: a record names the exact assignment it was made under.
    hash: str
    #: The viewpoint the student plays (None: the story has none, or the file names none).
    viewpoint: str | None = None

    def wants_reflection(self, chapter_id: str) -> bool:
        return chapter_id in self.reflection_chapters

    def wants_why(self, scene_id: str) -> bool:
        return scene_id in self.why_scenes


def load_assignment(path: Path, story: Story) -> Assignment:
    """Read and check an assignment file; raises StoryError listing every problem with its place."""
    data, problems = read_limited(path, str(path))  # read once: what is checked is what is hashed
    value = None
    if data is not None:
        value, problems = read_yaml_bytes(data, str(path))
    if value is not None:
        problems += list(ASSIGNMENT_FILE.problems(value, getattr(value, "mark", Mark(str(path)))))
    if problems or not isinstance(value, YamlMap):
        raise StoryError(
            problems or [Problem(Mark(str(path)), "wrong-type", "not an assignment file")]
        )
    raw = value["assignment"]
    start = raw.get("start")
    viewpoint = raw.get("viewpoint")
    if viewpoint is not None and viewpoint not in story.viewpoints:
        known = ", ".join(story.viewpoints) or "none"
        problems.append(
            Problem(
                raw.value_mark("viewpoint"),
                "unknown-viewpoint",
                f"the story has no viewpoint '{viewpoint}' (its viewpoints: {known})",
            )
        )
        viewpoint = None
    if start is not None and start not in story.scenes:
        problems.append(
            Problem(raw.value_mark("start"), "unknown-scene", f"the story has no scene '{start}'")
        )
    elif start is not None and story.scenes[start].ending is not None:
        problems.append(
            Problem(
                raw.value_mark("start"),
                "wrong-value",
                f"'{start}' is an ending: a playthrough cannot start there; "
                "start at a scene with choices",
            )
        )
    elif start is not None and viewpoint is not None:
        own = story.viewpoint_of(start)
        if own is not None and own.id != viewpoint:
            problems.append(
                Problem(
                    raw.value_mark("start"),
                    "wrong-value",
                    f"'{start}' is a scene of the viewpoint '{own.id}', not of '{viewpoint}'; "
                    "start at one of its scenes, or leave 'start' out to begin at its first",
                )
            )
    if start is None and viewpoint is not None:
        start = story.viewpoints[viewpoint].start
    elif viewpoint is None and start is not None and start in story.scenes:
        found = story.viewpoint_of(start)
        viewpoint = found.id if found is not None else None
    chapters = set(story.chapters)
    reflection = raw.get("reflection", "all")
    if reflection == "all":
        wanted = chapters
    elif reflection == "none":
        wanted = set()
    else:
        wanted = set(reflection)
        for index, chapter in enumerate(reflection):
            if chapter not in chapters:
                problems.append(
                    Problem(
                        raw["reflection"].item_mark(index),
                        "unknown-chapter",
                        f"the story has no chapter '{chapter}' (its chapters: {', '.join(sorted(chapters))})",
                    )
                )
    why = raw.get("why", [])
    for index, scene in enumerate(why):
        if scene not in story.scenes:
            problems.append(
                Problem(
                    raw["why"].item_mark(index),
                    "unknown-scene",
                    f"the story has no scene '{scene}'",
                )
            )
        elif story.scenes[scene].ending is not None:
            problems.append(
                Problem(
                    raw["why"].item_mark(index),
                    "wrong-value",
                    f"'{scene}' is an ending: it has no choice to explain",
                )
            )
    if problems:
        raise StoryError(problems)
    return Assignment(
        id=raw["id"],
        title=raw["title"],
        instructions=raw["instructions"].strip(),
        start=start,
        reflection_chapters=frozenset(wanted),
        why_scenes=frozenset(why),
        assessment=raw.get("assessment", False) is True,
        hash="sha256:" + hashlib.sha256(data or b"").hexdigest(),
        viewpoint=viewpoint,
    )
