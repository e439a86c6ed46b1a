"""Assignment files: what a teacher asks of a playthrough. YAML, read safely, checked with places."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from game.engine import Story
from game.engine.problems import Mark, Problem, StoryError, sort_problems
from game.engine.schema import ID, Flag, Key, ListOf, Number, OneOf, Shape, Text
from game.engine.yamlread import YamlMap, read_limited, read_yaml_bytes

#: The most a teacher may ask of a reflection answer, in words.
MIN_WORDS_LIMIT = 200

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
            "assessment",
            Flag(),
            required=False,
            doc="true: one attempt; undo and loading earlier saves are off",
        ),
        Key(
            "retries",
            Flag(),
            required=False,
            doc="with assessment: true lets a student start a numbered new attempt "
            "(every attempt is kept in the record); default false: starting again resumes",
        ),
        Key(
            "min_words",
            Number(),
            required=False,
            doc=f"the fewest words a reflection answer may have (1 to {MIN_WORDS_LIMIT})",
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
    #: In an assessment: whether a student may start a numbered new attempt.
    retries: bool = False
    #: The fewest words a reflection answer may have (0: any answer will do).
    min_words: int = 0

    @property
    def one_attempt(self) -> bool:
        """Whether starting again must resume the student's game (assessed, no retries)."""
        return self.assessment and not self.retries

    def wants_reflection(self, chapter_id: str) -> bool:
        return chapter_id in self.reflection_chapters

    def wants_why(self, scene_id: str) -> bool:
        return scene_id in self.why_scenes


def load_assignment(path: Path, story: Story) -> Assignment:
    """Read and check an assignment file; raises StoryError listing every problem with its place.

    Every problem is reported at once: a misspelt key and an unknown scene id come out
    together, each with its line and column."""
    data, problems = read_limited(path, str(path))  # read once: what is checked is what is hashed
    value = None
    if data is not None:
        value, problems = read_yaml_bytes(data, str(path))
        # only what stops the file being read: a warning on a scene file's text (a ' #'
        # in words) must not keep a class from its assignment
        problems = [p for p in problems if p.severity == "error"]
    if value is not None:
        problems += list(ASSIGNMENT_FILE.problems(value, getattr(value, "mark", Mark(str(path)))))
    raw = value.get("assignment") if isinstance(value, YamlMap) else None
    if not isinstance(raw, YamlMap):
        raise StoryError(
            problems or [Problem(Mark(str(path)), "wrong-type", "not an assignment file")]
        )
    fields = _Fields(raw)
    problems += fields.problems
    checked = _check_against(fields, story)
    problems += checked.problems
    if problems:
        raise StoryError(sort_problems(problems, causes_first=False))
    return Assignment(
        id=raw["id"],
        title=raw["title"],
        instructions=raw["instructions"].strip(),
        start=checked.start,
        reflection_chapters=frozenset(checked.chapters),
        why_scenes=frozenset(fields.why),
        assessment=raw.get("assessment", False) is True,
        hash="sha256:" + hashlib.sha256(data or b"").hexdigest(),
        viewpoint=checked.viewpoint,
        retries=raw.get("retries", False) is True,
        min_words=fields.min_words,
    )


class _Fields:
    """The values of an assignment that are of the right kind (those of the wrong kind are
    reported by the schema and left out here, so the rest can still be checked)."""

    def __init__(self, raw: YamlMap) -> None:
        self.raw = raw
        self.problems: list[Problem] = []
        self.start = _text_or_none(raw.get("start"))
        self.viewpoint = _text_or_none(raw.get("viewpoint"))
        reflection = raw.get("reflection", "all")
        self.reflection: str | list[str] = (
            reflection
            if reflection in ("all", "none")
            else [c for c in reflection if isinstance(c, str)]
            if isinstance(reflection, list)
            else "all"
        )
        why = raw.get("why", [])
        self.why = [s for s in why if isinstance(s, str)] if isinstance(why, list) else []
        words = raw.get("min_words", 0)
        self.min_words = words if type(words) is int and 0 <= words <= MIN_WORDS_LIMIT else 0
        if type(words) is int and not 0 <= words <= MIN_WORDS_LIMIT:
            self.problems.append(
                Problem(
                    raw.value_mark("min_words"),
                    "wrong-value",
                    f"min_words is {words}: give a number of words from 1 to {MIN_WORDS_LIMIT} "
                    "(or leave it out: any answer will do)",
                )
            )
        if raw.get("retries") is True and raw.get("assessment") is not True:
            self.problems.append(
                Problem(
                    raw.key_mark("retries"),
                    "wrong-value",
                    "retries only matters in an assessed assignment (without assessment a "
                    "student may start again anyway): add 'assessment: true' or leave it out",
                )
            )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


class _Checked:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.start: str | None = None
        self.viewpoint: str | None = None
        self.chapters: set[str] = set()


def _check_against(fields: _Fields, story: Story) -> _Checked:
    """What the assignment names, looked up in the story: its viewpoint, start, chapters
    and "why?" scenes."""
    out = _Checked()
    raw, problems = fields.raw, out.problems
    start, viewpoint = fields.start, fields.viewpoint
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
            Problem(
                raw.value_mark("start"),
                "unknown-scene",
                f"the story has no scene '{start}'{_did_you_mean(start, story.scenes)}",
            )
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
    out.start, out.viewpoint = start, viewpoint
    chapters = set(story.chapters)
    if fields.reflection == "all":
        out.chapters = chapters
    elif fields.reflection != "none":
        out.chapters = set(fields.reflection)
        for index, chapter in enumerate(raw["reflection"]):
            if isinstance(chapter, str) and chapter not in chapters:
                problems.append(
                    Problem(
                        raw["reflection"].item_mark(index),
                        "unknown-chapter",
                        f"the story has no chapter '{chapter}'{_did_you_mean(chapter, chapters)}"
                        f" (its chapters: {', '.join(sorted(chapters))})",
                    )
                )
    why = raw.get("why", [])
    for index, scene_id in enumerate(why if isinstance(why, list) else []):
        if not isinstance(scene_id, str):
            continue
        mark = raw["why"].item_mark(index)
        scene = story.scenes.get(scene_id)
        if scene is None:
            problems.append(
                Problem(
                    mark,
                    "unknown-scene",
                    f"the story has no scene '{scene_id}'{_did_you_mean(scene_id, story.scenes)}",
                )
            )
        elif scene.ending is not None:
            problems.append(
                Problem(
                    mark, "wrong-value", f"'{scene_id}' is an ending: it has no choice to explain"
                )
            )
        elif len(scene.choices) < 2:
            problems.append(
                Problem(
                    mark,
                    "wrong-value",
                    f"'{scene_id}' has only one option, so there is no decision to explain: "
                    "ask 'why?' at a scene with two or more choices (petrograd check --stats "
                    "lists each scene's choices)",
                )
            )
    return out


def _did_you_mean(name: str, known: object) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)  # type: ignore[call-overload]
    return f" (did you mean '{close[0]}'?)" if close else ""
