"""The scene format's single definition: what keys each part of a story file has.

The loader validates every file against these shapes (collecting all problems
with their places), and the JSON Schema for editors is generated from them, so
the documentation, the editor and the game never disagree.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from game.engine.problems import Mark, Problem
from game.engine.yamlread import YamlList, YamlMap

FORMAT_VERSION = 1

#: Ids and names are at most 100 characters, versions at most six numbers of nine digits:
#: far beyond any story, and what a record (game/engine/record.py) accepts, so that every
#: save and hand-in a story can make can be read back.
ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,99}"
NAME_PATTERN = r"[a-z][a-z0-9_]{0,99}"
VERSION_PATTERN = r"[0-9]{1,9}(\.[0-9]{1,9}){0,5}"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: A paragraph id: an id like any other (the article's are `eve-1` ... `congress-8`; a
#: story's own sources file may name its paragraphs as it likes).
PARAGRAPH_PATTERN = ID_PATTERN

# ---------------------------------------------------------------- kinds of value


class Kind:
    """A kind of value a key may hold."""

    what = "a value"

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        """Yield what is wrong with `value` (nothing when it fits)."""
        raise NotImplementedError

    def fits(self, value: Any) -> bool:
        """Whether `value` has no problem at all: the same verdict as `problems`, without
        making one. Checking a 10,000-scene story, this fast path is taken for nearly
        every value; `problems` walks only what does not fit, to say where and why."""
        return not any(True for _ in self.problems(value, Mark("")))

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON Schema of this kind. With `defs`, named shapes are put there once
        and referred to with `$ref`."""
        raise NotImplementedError

    def accepts(self, value: Any) -> bool:
        """Whether the value is of the right Python type (for choosing among kinds)."""
        raise NotImplementedError


def _wrong(value: Any, mark: Mark, what: str, hint: str = "") -> Problem:
    if isinstance(value, bool):
        got = f"{str(value).lower()} (true/false)"
    elif isinstance(value, int):
        got = f"the number {value}"
    elif value is None:
        got = "nothing"
    elif isinstance(value, YamlMap | dict):
        got = "a mapping"
    elif isinstance(value, YamlList | list):
        got = "a list"
    else:
        got = repr(value) if len(str(value)) < 40 else "text"
    return Problem(
        mark, "wrong-type", f"expected {what}, found {got}" + (f"; {hint}" if hint else "")
    )


@dataclass(frozen=True)
class Text(Kind):
    """Text; optionally matching a pattern, optionally one of a few words."""

    pattern: str | None = None
    words: tuple[str, ...] = ()
    what: str = "text"
    hint: str = ""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def fits(self, value: Any) -> bool:
        if not isinstance(value, str) or not value.strip():
            return False
        if self.words:
            return value in self.words
        return self.pattern is None or self._compiled.fullmatch(value) is not None

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if isinstance(value, bool | int) and not self.words:
            # An unquoted true, no, 1917 ...: YAML typed it; quoted, it is text.
            yield _wrong(value, mark, self.what, self.hint or "write it in quotes")
            return
        if not isinstance(value, str):
            yield _wrong(value, mark, self.what, self.hint)
            return
        if not value.strip():
            yield Problem(mark, "empty-value", f"expected {self.what}, found empty text")
        elif self.words and value not in self.words:
            yield Problem(
                mark,
                "wrong-value",
                f"expected one of {', '.join(self.words)}; found '{value}'",
            )
        elif self.pattern and not self._compiled.fullmatch(value):
            yield Problem(
                mark,
                "wrong-value",
                f"'{value}' is not {self.what}" + (f"; {self.hint}" if self.hint else ""),
            )

    @cached_property
    def _compiled(self) -> re.Pattern[str]:
        """The pattern, compiled once (it is checked for every id in a story)."""
        return re.compile(self.pattern or "")

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "minLength": 1}
        if self.words:
            out["enum"] = list(self.words)
        elif self.pattern:
            out["pattern"] = f"^{self.pattern}$"
        return out


@dataclass(frozen=True)
class Number(Kind):
    """A whole number."""

    what: str = "a whole number"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def fits(self, value: Any) -> bool:
        return self.accepts(value)

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if not self.accepts(value):
            yield _wrong(value, mark, self.what)

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"type": "integer"}


@dataclass(frozen=True)
class Flag(Kind):
    """true or false."""

    what: str = "true or false"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def fits(self, value: Any) -> bool:
        return isinstance(value, bool)

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if not isinstance(value, bool):
            yield _wrong(value, mark, self.what, "write true or false")

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class ListOf(Kind):
    """A list of values of one kind, with at least `min_items`."""

    item: Kind
    min_items: int = 0
    what: str = "a list"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list)

    def fits(self, value: Any) -> bool:
        if not isinstance(value, YamlList) or len(value) < self.min_items:
            return False
        fits = self.item.fits
        return all(fits(item) for item in value)

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if not isinstance(value, YamlList):
            yield _wrong(value, mark, self.what)
            return
        if len(value) < self.min_items:
            yield Problem(
                mark, "empty-list", f"expected {self.what} with at least {self.min_items} item(s)"
            )
        for index, item in enumerate(value):
            yield from self.item.problems(item, value.item_mark(index))

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.json_schema(defs)}
        if self.min_items:
            out["minItems"] = self.min_items
        return out


@dataclass(frozen=True)
class OneOf(Kind):
    """One of several kinds, chosen by the value's type (text, number, list, mapping)."""

    options: tuple[Kind, ...]
    what: str = "a value"

    def accepts(self, value: Any) -> bool:
        return any(option.accepts(value) for option in self.options)

    def fits(self, value: Any) -> bool:
        for option in self.options:
            if option.accepts(value):
                return option.fits(value)
        return False

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        for option in self.options:
            if option.accepts(value):
                yield from option.problems(value, mark)
                return
        yield _wrong(value, mark, self.what)

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"oneOf": [option.json_schema(defs) for option in self.options]}


@dataclass(frozen=True)
class Key:
    """One key of a mapping."""

    name: str
    kind: Kind
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Shape(Kind):
    """A mapping with known keys."""

    name: str
    keys: tuple[Key, ...]
    doc: str = ""
    what: str = field(default="a mapping")

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)

    def key(self, name: str) -> Key | None:
        for key in self.keys:
            if key.name == name:
                return key
        return None

    def fits(self, value: Any) -> bool:
        if not isinstance(value, YamlMap):
            return False
        kinds = self._kinds
        for name, item in value.items():
            kind = kinds.get(name)
            if kind is None or not kind.fits(item):
                return False
        return self._required <= value.keys()

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if self.fits(value):
            return
        if not isinstance(value, YamlMap):
            yield _wrong(value, mark, f"a mapping ({self.name})")
            return
        known = self._known
        meant: set[str] = set()  # keys a misspelt key stands for: not also reported missing
        unknown = [name for name in value if name not in known]
        missing = [k.name for k in self.keys if k.required and k.name not in value]
        for name in unknown:
            close = _closest(name, known)
            if close is None and len(unknown) == 1 and len(missing) == 1:
                close = missing[0]  # `target:` where `goto:` is missing: one mistake
            if close:
                meant.add(close)
            hint = (
                f"; did you mean '{close}'?"
                if close
                else f"; the keys of {self.name} are {', '.join(sorted(known))}"
            )
            yield Problem(
                value.key_mark(name),
                "unknown-key",
                f"unknown key '{name}' in {self.name}{hint}",
            )
        for key in self.keys:
            if key.name in value:
                yield from key.kind.problems(value[key.name], value.value_mark(key.name))
            elif key.required and key.name not in meant:
                yield Problem(
                    value.mark, "missing-key", f"{self.name} needs the key '{key.name}' ({key.doc})"
                )

    @cached_property
    def _known(self) -> set[str]:
        return {key.name for key in self.keys}

    @cached_property
    def _kinds(self) -> dict[str, Kind]:
        return {key.name: key.kind for key in self.keys}

    @cached_property
    def _required(self) -> frozenset[str]:
        return frozenset(key.name for key in self.keys if key.required)

    @property
    def slug(self) -> str:
        """The shape's name as a JSON Schema definition name: 'chapter file' -> 'chapter-file'."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        if defs is not None and self.slug in defs:
            return {"$ref": f"#/definitions/{self.slug}"}
        if defs is not None:
            defs[self.slug] = {}  # taken before the keys, so a shape may contain itself
        out: dict[str, Any] = {
            "type": "object",
            "title": self.name,
            "description": self.doc,
            "properties": {
                key.name: {**key.kind.json_schema(defs), "description": key.doc}
                for key in self.keys
            },
            "required": [key.name for key in self.keys if key.required],
            "additionalProperties": False,
        }
        if defs is None:
            return out
        defs[self.slug] = out
        return {"$ref": f"#/definitions/{self.slug}"}


@dataclass(frozen=True)
class MapOf(Kind):
    """A mapping whose keys are names chosen by the author (such as variables)."""

    value: Kind
    key_pattern: str
    key_what: str
    what: str = "a mapping"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)

    def fits(self, value: Any) -> bool:
        if not isinstance(value, YamlMap):
            return False
        return all(
            re.fullmatch(self.key_pattern, name) and self.value.fits(item)
            for name, item in value.items()
        )

    def problems(self, value: Any, mark: Mark) -> Iterator[Problem]:
        if not isinstance(value, YamlMap):
            yield _wrong(value, mark, self.what)
            return
        for name, item in value.items():
            if not re.fullmatch(self.key_pattern, name):
                yield Problem(
                    value.key_mark(name), "wrong-value", f"'{name}' is not {self.key_what}"
                )
            yield from self.value.problems(item, value.value_mark(name))

    def json_schema(self, defs: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "type": "object",
            "propertyNames": {"pattern": f"^{self.key_pattern}$"},
            "additionalProperties": self.value.json_schema(defs),
        }


def _closest(name: str, known: set[str]) -> str | None:
    import difflib

    if name.lower() in known:  # `Goto:`: keys are written in lower case
        return name.lower()
    found = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.7)
    return found[0] if found else None


# ---------------------------------------------------------------- the format

ID = Text(
    pattern=ID_PATTERN,
    what="an id (lower-case letters, digits and hyphens, at most 100 of them)",
)
PARAGRAPH = Text(pattern=PARAGRAPH_PATTERN, what="a paragraph id such as eve-1")
SOURCES = ListOf(PARAGRAPH, min_items=1, what="a list of paragraph ids such as [eve-1, eve-2]")
EFFECT = Text(what="an effect such as 'garrison += 1'")
SOME_EFFECTS = OneOf((EFFECT, ListOf(EFFECT)), what="an effect or a list of effects")
GUARDED_EFFECTS = Shape(
    "effect group",
    (
        Key(
            "if",
            Text(what="a condition such as 'chose(c1-smolny.report)'"),
            doc="the effects under 'then' apply only when this holds (read once, before them)",
        ),
        Key("then", SOME_EFFECTS, doc="the effects when the condition holds"),
        Key("else", SOME_EFFECTS, required=False, doc="the effects when it does not"),
    ),
    doc="Effects that apply only when a condition holds, such as "
    "{if: chose(c1-smolny.report), then: garrison += 1}.",
)
EFFECTS = OneOf(
    (EFFECT, ListOf(OneOf((EFFECT, GUARDED_EFFECTS), what="an effect or an 'if:' group"))),
    what="an effect or a list of effects",
)
#: Said of every text that may depend on the state.
CONDITIONAL = "; may vary with the state: {condition? this | that} (see docs/authoring.md)"

VARIABLE = Shape(
    "variable",
    (
        Key("type", Text(words=("int", "bool")), doc="int (a whole number) or bool (true/false)"),
        Key(
            "initial",
            OneOf((Number(), Flag()), what="a number or true/false"),
            doc="the value at the start",
        ),
        Key("min", Number(), required=False, doc="the smallest value an int may take"),
        Key("max", Number(), required=False, doc="the largest value an int may take"),
        Key(
            "label",
            Text(),
            required=False,
            doc="shown to the player; without it the variable is hidden",
        ),
        Key("about", Text(), required=False, doc="a sentence for authors and teachers"),
    ),
    doc="A variable the story's conditions and effects use.",
)

VIEWPOINT = Shape(
    "viewpoint",
    (
        Key("id", ID, doc="the viewpoint's id, named by its chapters' 'viewpoint:'"),
        Key("name", Text(), doc="who the player is, as the title screen lists it"),
        Key("start", ID, doc="the id of the viewpoint's first scene"),
        Key("about", Text(), doc="one or two sentences for the title screen"),
    ),
    doc="A character the story can be played as.",
)

STORY_META = Shape(
    "story",
    (
        Key("id", ID, doc="the story's id"),
        Key("title", Text(), doc="the story's title"),
        Key(
            "version",
            Text(
                pattern=VERSION_PATTERN,
                what="a version such as 1.0.0 (at most six numbers)",
                hint="write it in quotes if needed",
            ),
            doc="the story's version",
        ),
        Key(
            "start",
            ID,
            doc="the id of the first scene (of the first viewpoint, if there are several)",
        ),
        Key("intro", Text(), required=False, doc="a paragraph for the title screen"),
        Key(
            "byline",
            Text(),
            required=False,
            doc="a line shown under the title, such as 'A story of October 1917, after Victor "
            "Serge'",
        ),
        Key(
            "sources",
            Text(words=("none",)),
            required=False,
            doc="'none' for a story that cites no source; then scenes and choices need no "
            "'sources', 'history' or 'note' (without it, a story cites Victor Serge's article, "
            "or its own sources file)",
        ),
        Key(
            "calendar",
            Text(words=("old-style", "new-style")),
            required=False,
            doc="old-style: scene dates are Old Style (Julian) and shown with the New Style "
            "beside them; new-style: shown as written. Default: old-style for a story citing "
            "Victor Serge's article, new-style for a story of its own",
        ),
        Key(
            "viewpoints",
            ListOf(VIEWPOINT, min_items=1, what="a list of viewpoints"),
            required=False,
            doc="the characters the story can be played as, each with its own start; "
            "the first is the default",
        ),
    ),
    doc="The story's metadata.",
)

STORY_FILE = Shape(
    "story.yaml",
    (
        Key("format", Number(), doc=f"the format version: {FORMAT_VERSION}"),
        Key("story", STORY_META, doc="the story's metadata"),
        Key(
            "variables",
            MapOf(
                VARIABLE,
                NAME_PATTERN,
                "a variable name (lower case, digits, _; at most 100 of them)",
            ),
            required=False,
            doc="the declared variables",
        ),
    ),
    doc="The story's metadata and variables.",
)

CHAPTER = Shape(
    "chapter",
    (
        Key("id", ID, doc="the chapter's id"),
        Key("number", Number(), doc="the chapter's place in its viewpoint's story (1, 2, ...)"),
        Key("title", Text(), doc="the chapter's title"),
        Key(
            "viewpoint",
            ID,
            required=False,
            doc="the id of the viewpoint the chapter belongs to (default: the story's first)",
        ),
        Key(
            "reflection",
            ListOf(Text()),
            required=False,
            doc="questions asked when the player leaves the chapter" + CONDITIONAL,
        ),
    ),
    doc="A chapter of the story.",
)

ENDING = Shape(
    "ending",
    (
        Key("id", ID, doc="the ending's id, unique among endings"),
        Key("title", Text(), doc="the ending's title"),
        Key(
            "kind",
            Text(words=("historical", "alternate", "defeat")),
            doc="historical, alternate or defeat",
        ),
        Key(
            "epilogue",
            Text(),
            doc="what came after; a counterfactual says what really happened" + CONDITIONAL,
        ),
    ),
    doc="Makes a scene an ending.",
)

CHOICE = Shape(
    "choice",
    (
        Key("id", ID, doc="unique within the scene"),
        Key("label", Text(hint="write it in quotes"), doc="what the player reads" + CONDITIONAL),
        Key("goto", ID, doc="the id of the next scene"),
        Key("sources", SOURCES, doc="paragraph ids of the article"),
        Key(
            "history",
            Text(words=("faithful", "divergent", "own")),
            doc="faithful (what happened), divergent (a counterfactual) or own (a personal "
            "choice history is silent about, not graded)",
        ),
        Key(
            "note",
            Text(),
            required=False,
            doc="one or two sentences: what really happened (needed unless history is own)",
        ),
        Key(
            "if",
            Text(what="a condition such as 'garrison >= 5'"),
            required=False,
            doc="the choice can be taken only when this holds; besides variables, it may ask "
            "visited(scene-id), visits(scene-id) or chose(scene-id.choice-id)",
        ),
        Key(
            "disabled",
            Text(),
            required=False,
            doc="with 'if': the reason shown beside the dimmed choice" + CONDITIONAL,
        ),
        Key(
            "effects",
            EFFECTS,
            required=False,
            doc="changes to variables, such as 'garrison += 1', or {if: ..., then: ...} groups",
        ),
    ),
    doc="A choice the player can make.",
)

SCENE = Shape(
    "scene",
    (
        Key("id", ID, doc="unique in the whole story"),
        Key("title", Text(), doc="a short title"),
        Key(
            "date",
            Text(pattern=DATE_PATTERN, what="a date as YYYY-MM-DD (Old Style)"),
            doc="Old Style date, YYYY-MM-DD",
        ),
        Key(
            "time",
            Text(hint="write it in quotes"),
            doc='time of day: a clock time such as "21:40" (needed on 24-26 October 1917) '
            "or words such as 'evening'",
        ),
        Key("place", Text(), doc="where the scene happens"),
        Key(
            "text",
            Text(),
            doc="the scene's paragraphs; [[Name]] links the codex" + CONDITIONAL,
        ),
        Key("sources", SOURCES, doc="paragraph ids of the article"),
        Key(
            "choices",
            ListOf(CHOICE, min_items=1, what="a list of choices"),
            required=False,
            doc="the choices; every scene but an ending has some",
        ),
        Key("ending", ENDING, required=False, doc="makes this scene an ending"),
    ),
    doc="One scene.",
)

EXTENSION = Shape(
    "extension",
    (
        Key("scene", ID, doc="the id of a scene defined elsewhere, such as in the shipped story"),
        Key(
            "choices",
            ListOf(CHOICE, min_items=1, what="a list of choices"),
            doc="the choices to add to that scene, after its own",
        ),
    ),
    doc="Choices a scene pack adds to a scene it does not own, so the pack can be entered "
    "without touching the shipped files.",
)

CHAPTER_FILE = Shape(
    "chapter file",
    (
        Key(
            "chapter",
            OneOf((CHAPTER, ID), what="a chapter (mapping) or the id of an existing chapter"),
            doc="the chapter these scenes belong to",
        ),
        Key("scenes", ListOf(SCENE, min_items=1, what="a list of scenes"), doc="the scenes"),
        Key(
            "extends",
            ListOf(EXTENSION, min_items=1, what="a list of extensions"),
            required=False,
            doc="choices to add to scenes defined elsewhere (for scene packs)",
        ),
    ),
    doc="One chapter and its scenes.",
)

CODEX_ENTRY = Shape(
    "codex entry",
    (
        Key("id", ID, doc="the entry's id"),
        Key("name", Text(), doc="the name shown and matched by [[Name]]"),
        Key(
            "group",
            Text(words=("person", "place", "organisation", "ship", "term")),
            doc="person, place, organisation, ship or term",
        ),
        Key("aliases", ListOf(Text()), required=False, doc="other names that link to this entry"),
        Key("text", Text(), doc="a few sentences in your own words"),
    ),
    doc="An entry of the codex.",
)

CODEX_FILE = Shape(
    "codex file",
    (Key("codex", ListOf(CODEX_ENTRY, min_items=1), doc="the entries"),),
    doc="Codex entries.",
)

PARAGRAPH_ENTRY = Shape(
    "paragraph",
    (
        Key("id", PARAGRAPH, doc="the paragraph's id"),
        Key("section", Text(), required=False, doc="the article's section"),
        Key("summary", Text(), doc="one line in your own words"),
    ),
)

SOURCES_FILE = Shape(
    "sources file",
    (
        Key(
            "sources",
            Shape(
                "sources",
                (
                    Key(
                        "article",
                        MapOf(Text(), NAME_PATTERN, "a field name"),
                        required=False,
                        doc="the source's details: author, title, published, note",
                    ),
                    Key("paragraphs", ListOf(PARAGRAPH_ENTRY, min_items=1), doc="the paragraphs"),
                ),
            ),
            doc="the index of the source's paragraphs",
        ),
    ),
    doc="The index of the source's paragraphs: Victor Serge's article (assets/sources.yaml), "
    "or a story's own sources file.",
)

#: Story files are told apart by their top-level key.
FILE_SHAPES: dict[str, Shape] = {
    "story": STORY_FILE,
    "chapter": CHAPTER_FILE,
    "codex": CODEX_FILE,
    "sources": SOURCES_FILE,
}

#: The keys a story of its own (with its own sources, or none) may leave out: (shape, key).
#: The shipped story, which cites Victor Serge's article, needs every one of them.
RELAXED_KEYS = frozenset(
    {("scene", "sources"), ("choice", "id"), ("choice", "sources"), ("choice", "history")}
)


def _relax(kind: Kind, done: dict[int, Kind]) -> Kind:
    """The same kind with RELAXED_KEYS not required, in it and every kind inside it."""
    if id(kind) in done:
        return done[id(kind)]
    if isinstance(kind, Shape):
        keys = tuple(
            Key(
                key.name,
                _relax(key.kind, done),
                key.required and (kind.name, key.name) not in RELAXED_KEYS,
                key.doc,
            )
            for key in kind.keys
        )
        out: Kind = Shape(kind.name, keys, kind.doc, kind.what)
    elif isinstance(kind, ListOf):
        out = dataclasses.replace(kind, item=_relax(kind.item, done))
    elif isinstance(kind, OneOf):
        out = dataclasses.replace(kind, options=tuple(_relax(o, done) for o in kind.options))
    else:
        out = kind
    done[id(kind)] = out
    return out


def _relaxed_shapes() -> dict[str, Shape]:
    done: dict[int, Kind] = {}
    out = {}
    for name, shape in FILE_SHAPES.items():
        relaxed = _relax(shape, done)
        assert isinstance(relaxed, Shape)
        out[name] = relaxed
    return out


#: The shapes of a story of its own's files (immutable, like FILE_SHAPES).
RELAXED_FILE_SHAPES: dict[str, Shape] = _relaxed_shapes()


def scene_shape(relaxed: bool = False) -> Shape:
    """The shape of one scene (of a story of its own, when `relaxed`)."""
    chapter_file = file_shapes(relaxed)["chapter"]
    scenes = chapter_file.key("scenes")
    assert scenes is not None and isinstance(scenes.kind, ListOf)
    assert isinstance(scenes.kind.item, Shape)
    return scenes.kind.item


def file_shapes(relaxed: bool = False) -> dict[str, Shape]:
    """The shapes of the story files: the shipped story's, or (`relaxed`) those of a story
    of its own, in which RELAXED_KEYS are not required."""
    return RELAXED_FILE_SHAPES if relaxed else FILE_SHAPES


def json_schema(relaxed: bool = False) -> dict[str, Any]:
    """The JSON Schema of a story file (any of the three kinds), for editors.

    Draft 7, the newest the YAML language server (VS Code, Neovim) reads. The file's
    kind is told by its top-level key, as the loader does, so an editor checks a
    chapter file against the chapter file's shape only and its messages stay precise.
    """
    shapes = file_shapes(relaxed)
    defs: dict[str, Any] = {}
    refs = {key: shape.json_schema(defs) for key, shape in shapes.items()}
    choose: dict[str, Any] = {"anyOf": list(refs.values())}
    for key in reversed(shapes):
        choose = {"if": {"required": [key]}, "then": refs[key], "else": choose}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Petrograd 1917 story file",
        "description": "A story.yaml, a chapter file, or a codex file (see docs/authoring.md). "
        "Generated from game/engine/schema.py by 'petrograd schema'; do not edit by hand.",
        "type": "object",
        **choose,
        "definitions": defs,
    }
