"""What stands at a place in a story file: completions, hovers and definitions.

Pure: worked out from a file's text and the loaded Story alone, with no editor or
protocol in sight (game/lsp/server.py speaks the protocol). Places count from 0, lines
and characters (code points) alike, as the protocol does before its own encoding.

The text may be half-typed and not parse as YAML at all, so the place is read from the
lines around it: the key whose value holds the place (`goto:`, `if:`, `sources:`, the
`text: |` above a block, the `effects:` above a list item), and within text, whether the
place is inside `[[...]]` or inside the condition of a `{condition? ...}`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from game.engine.expr import FUNCTIONS, KEYWORDS, MEMORY
from game.engine.files import shown
from game.engine.model import Story
from game.engine.problems import Mark

Kind = Literal[
    "scene", "variable", "function", "keyword", "codex", "paragraph", "chapter", "choice"
]

#: Keys whose value is a scene id (`scene:` is an `extends:` item's; `start:` story.yaml's).
SCENE_KEYS = frozenset({"goto", "scene", "start"})
#: Keys whose value is a condition.
CONDITION_KEYS = frozenset({"if"})
#: Keys whose value is an effect or a list of them.
EFFECT_KEYS = frozenset({"effects", "then", "else"})
#: Keys whose value is a list of paragraph ids.
SOURCE_KEYS = frozenset({"sources"})
#: Keys whose value is an id of something else, never text.
ID_KEYS = SCENE_KEYS | {"chapter", "viewpoint", "id", "history", "kind", "group", "date"}

#: What each memory predicate means, for completion and hover.
PREDICATES = {
    "visited": "visited(scene-id): true once the playthrough has reached the scene",
    "visits": "visits(scene-id): how many times the playthrough has reached the scene (up to 99)",
    "chose": "chose(scene-id.choice-id): whether the playthrough ever took that choice",
}

_KEY_LINE = re.compile(r"^(\s*)((?:-\s+)*)([A-Za-z_][\w-]*)[ \t]*:(?=\s|$)[ \t]*(.*)$")
_BLOCK = re.compile(r"^[|>][-+0-9]*\s*(#.*)?$")
_WORD = re.compile(r"[A-Za-z0-9_.-]")
_PREFIX = re.compile(r"[A-Za-z0-9_-]*$")
_PREDICATE_ARG = re.compile(r"\b(visited|visits|chose)\(\s*([A-Za-z0-9_.-]*)$")
_PREDICATE_BEFORE = re.compile(r"\b(visited|visits|chose)\(\s*$")
#: How far up a key is looked for (a scene's text is never this long).
_LOOK_UP = 400


@dataclass(frozen=True, slots=True)
class Completion:
    """One thing that may be written at the place."""

    label: str
    kind: Kind
    detail: str = ""
    #: What is written (the label when None): `visited(` for the predicate `visited`.
    insert: str | None = None


@dataclass(frozen=True, slots=True)
class Completions:
    """What may be written at a place: the items replace the text from `start` (the
    character where the word being typed begins) to the place."""

    start: int
    items: tuple[Completion, ...]


@dataclass(frozen=True, slots=True)
class Hover:
    """What the thing at a place is, in Markdown, over the characters `start`..`end`."""

    markdown: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Where:
    """The key whose value holds a place, and that value's text up to the place (for a
    block, every line of it so far). `key` is "" where no key is found."""

    key: str
    value: str


# ---------------------------------------------------------------- reading the place


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _owner(lines: Sequence[str], line: int) -> tuple[int, re.Match[str]] | None:
    """The nearest line above `line` that holds a key the line's text belongs to: one
    indented less, or a `key:` with nothing after it at the same indent when the line is
    a list item (`sources:` then `- eve-1` beneath, as YAML allows)."""
    text = lines[line]
    indent = _indent(text)
    item = text.lstrip(" ").startswith("-")
    for number in range(line - 1, max(-1, line - _LOOK_UP), -1):
        above = lines[number]
        if not above.strip() or above.lstrip().startswith("#"):
            continue
        depth = _indent(above)
        if depth < indent or (item and depth == indent and not above.lstrip().startswith("-")):
            found = _KEY_LINE.match(above)
            if found is None:
                if depth < indent:
                    return None
                continue
            return number, found
    return None


def _key_depth(found: re.Match[str]) -> int:
    """Where a key line's key begins (after its indent and any list dashes)."""
    return len(found.group(1)) + len(found.group(2))


def where(lines: Sequence[str], line: int, character: int) -> Where:
    """The key whose value holds the place, and the value's text before the place."""
    if not 0 <= line < len(lines):
        return Where("", "")
    text = lines[line]
    before = text[:character]
    owner = _owner(lines, line)
    if owner is not None:
        number, found = owner
        inline = found.group(4)
        block = bool(_BLOCK.match(inline))
        if block and _indent(text) > _key_depth(found):
            body = [lines[n] for n in range(number + 1, line)] + [before]
            return Where(found.group(3), "\n".join(body))
    own = _KEY_LINE.match(text)
    if own is not None and character >= own.end(3) + 1:
        value_start = own.start(4)
        return Where(own.group(3), text[value_start:character] if character > value_start else "")
    if owner is not None:
        number, found = owner
        # a list item, or a plain scalar or flow list going on from the line above;
        # of a list, only the item the place is in
        first = number + 1
        for above in range(line, number, -1):
            if lines[above].lstrip().startswith("-"):
                first = above
                break
        head = [found.group(4)] if first == number + 1 else []
        body = head + [lines[n] for n in range(first, line)] + [before]
        return Where(found.group(3), "\n".join(body))
    return Where("", before)


def _open_brace(text: str) -> int | None:
    """Where the innermost `{` not closed before the end of `text` stands, if any."""
    stack: list[int] = []
    for index, char in enumerate(text):
        if char == "{":
            stack.append(index)
        elif char == "}" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _open_link(text: str) -> int | None:
    """Where the text of a `[[` not closed before the end of `text` begins, if any."""
    start = text.rfind("[[")
    if start < 0 or "]]" in text[start:]:
        return None
    return start + 2


@dataclass(frozen=True, slots=True)
class _Context:
    """What is being written at a place: `what` is "scene", "condition", "effect",
    "codex", "paragraph", "chapter", "viewpoint" or "" (prose, or nothing known);
    `text` is the part of the value that matters (the condition so far, the link so far)."""

    what: str
    text: str


def _context(lines: Sequence[str], line: int, character: int) -> _Context:
    place = where(lines, line, character)
    key, value = place.key, place.value
    if key in SCENE_KEYS:
        return _Context("scene", value)
    if key in ("chapter", "viewpoint"):
        return _Context(key, value)
    if key in SOURCE_KEYS:
        return _Context("paragraph", value)
    if key in CONDITION_KEYS:
        return _Context("condition", value)
    if key in EFFECT_KEYS:
        return _Context("effect", value)
    if key in ID_KEYS:
        return _Context("", value)
    link = _open_link(value)
    if link is not None:
        return _Context("codex", value[link:])
    brace = _open_brace(value)
    if brace is not None and "?" not in value[brace:]:
        return _Context("condition", value[brace + 1 :])
    return _Context("", value)


# ---------------------------------------------------------------- completion


def _scene_items(story: Story) -> list[Completion]:
    return [
        Completion(scene.id, "scene", shown(f"{scene.title} ({scene.chapter})"))
        for scene in story.scenes.values()
    ]


def _variable_items(story: Story) -> list[Completion]:
    return [
        Completion(name, "variable", shown(_variable_line(story, name))) for name in story.variables
    ]


def _expression_items(story: Story, *, predicates: bool) -> list[Completion]:
    items = _variable_items(story)
    if predicates:
        items += [
            Completion(name, "function", PREDICATES[name], insert=f"{name}(") for name in MEMORY
        ]
    items += [
        Completion(name, "function", f"{name}(a, b)", insert=f"{name}(") for name in FUNCTIONS
    ]
    items += [Completion(word, "keyword") for word in KEYWORDS]
    return items


def _predicate_items(story: Story, predicate: str, argument: str) -> tuple[int, list[Completion]]:
    """Inside `visited(`, `visits(` or `chose(`: scene ids, or after `chose(scene.` that
    scene's choice ids. Returns how much of `argument` the items replace, and the items."""
    if predicate == "chose" and "." in argument:
        scene_id, _, typed = argument.partition(".")
        scene = story.scenes.get(scene_id)
        if scene is None:
            return len(typed), []
        items = [Completion(choice.id, "choice", shown(choice.label)) for choice in scene.choices]
        return len(typed), items
    return len(argument), _scene_items(story)


def complete(story: Story, lines: Sequence[str], line: int, character: int) -> Completions:
    """What may be written at the place (nothing where the place holds no id or condition)."""
    if not 0 <= line < len(lines):
        return Completions(character, ())
    character = min(character, len(lines[line]))
    context = _context(lines, line, character)
    typed = _PREFIX.search(context.text)
    prefix = len(typed.group()) if typed else 0
    start = character - prefix
    items: list[Completion] = []
    if context.what == "scene":
        items = _scene_items(story)
    elif context.what == "chapter":
        items = [
            Completion(chapter.id, "chapter", shown(chapter.title))
            for chapter in story.chapters.values()
        ]
    elif context.what == "viewpoint":
        items = [
            Completion(view.id, "chapter", shown(view.name)) for view in story.viewpoints.values()
        ]
    elif context.what == "paragraph":
        words = re.findall(r"[A-Za-z0-9-]+", context.text)
        if words and context.text.endswith(words[-1]):
            words.pop()  # the id being typed may still be offered
        items = [
            Completion(par.id, "paragraph", shown(par.summary))
            for par in story.paragraphs.values()
            if par.id not in words  # `sources: [eve-1, ` does not offer eve-1 again
        ]
    elif context.what in ("condition", "effect"):
        argument = _PREDICATE_ARG.search(context.text)
        if argument is not None:
            replaced, items = _predicate_items(story, argument.group(1), argument.group(2))
            start = character - replaced
        else:
            items = _expression_items(story, predicates=True)
    elif context.what == "codex":
        shown_part, bar, ref = context.text.partition("|")
        if bar:
            start = character - len(ref)
            items = [
                Completion(entry.id, "codex", shown(entry.name)) for entry in story.codex.values()
            ]
        else:
            start = character - len(shown_part)
            items = [
                Completion(name, "codex", shown(f"{entry.group}: {entry.id}"))
                for entry in story.codex.values()
                for name in (entry.name, *entry.aliases)
            ]
    return Completions(start, tuple(items))


# ---------------------------------------------------------------- hover and definition


def _variable_line(story: Story, name: str) -> str:
    variable = story.variables[name]
    if variable.type == "int":
        low = "" if variable.minimum is None else str(variable.minimum)
        high = "" if variable.maximum is None else str(variable.maximum)
        span = f", range {low}..{high}" if low or high else ", no range"
    else:
        span = ""
    return f"{variable.type}{span}, initially {str(variable.initial).lower()}"


def _word_at(text: str, character: int) -> tuple[int, int]:
    """The word (letters, digits, `_`, `-`, `.`) around a character: where it begins, ends."""
    start = character
    while start > 0 and _WORD.match(text[start - 1]):
        start -= 1
    end = character
    while end < len(text) and _WORD.match(text[end]):
        end += 1
    return start, end


def _link_at(text: str, character: int) -> re.Match[str] | None:
    from game.engine.model import LINK

    for match in LINK.finditer(text):
        if match.start() <= character < match.end():
            return match
    return None


@dataclass(frozen=True, slots=True)
class _Thing:
    """The thing named at a place: what kind, its id (for a choice, `scene.choice`),
    and the characters it spans."""

    what: str
    id: str
    start: int
    end: int


def _thing_at(story: Story, lines: Sequence[str], line: int, character: int) -> _Thing | None:
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    link = _link_at(text, character)
    if link is not None:
        term = story.link_target(link.group(1), link.group(2))
        return _Thing("codex", term, link.start(), link.end()) if term is not None else None
    start, end = _word_at(text, character)
    word = text[start:end].strip(".")
    if not word:
        return None
    context = _context(lines, line, start)
    if context.what == "scene" and word in story.scenes:
        return _Thing("scene", word, start, end)
    if context.what == "chapter" and word in story.chapters:
        return _Thing("chapter", word, start, end)
    if context.what == "paragraph" and word in story.paragraphs:
        return _Thing("paragraph", word, start, end)
    if context.what in ("condition", "effect"):
        predicate = _PREDICATE_BEFORE.search(context.text)
        if predicate is not None:
            scene_id, dot, choice_id = word.partition(".")
            if dot and scene_id in story.scenes:
                if character > start + len(scene_id):
                    return _Thing("choice", word, start, end)
                return _Thing("scene", scene_id, start, start + len(scene_id))
            return _Thing("scene", word, start, end) if word in story.scenes else None
        if word in story.variables:
            return _Thing("variable", word, start, end)
        if word in MEMORY:
            return _Thing("predicate", word, start, end)
    return None


def _scene_markdown(story: Story, scene_id: str) -> str:
    scene = story.scenes[scene_id]
    chapter = story.chapters.get(scene.chapter)
    heading = f"**{scene.title}** (scene `{scene.id}`)"
    where_ = f"{scene.dates}, {scene.time}, {scene.place}"
    parts = [heading, where_]
    if chapter is not None:
        parts.append(f"Chapter {chapter.number}: {chapter.title}")
    if scene.ending is not None:
        parts.append(f"Ending `{scene.ending.id}` ({scene.ending.kind}): {scene.ending.title}")
    return "\n\n".join(parts)


def _markdown(story: Story, thing: _Thing) -> str | None:
    if thing.what == "scene":
        return _scene_markdown(story, thing.id)
    if thing.what == "choice":
        scene_id, _, choice_id = thing.id.partition(".")
        choice = story.scenes[scene_id].choice(choice_id)
        if choice is None:
            return None
        return (
            f"**{choice.label}** (choice `{thing.id}`, {choice.history}) leads to `{choice.target}`"
        )
    if thing.what == "chapter":
        chapter = story.chapters[thing.id]
        return f"**Chapter {chapter.number}: {chapter.title}** (`{chapter.id}`)"
    if thing.what == "paragraph":
        paragraph = story.paragraphs[thing.id]
        return f"**{paragraph.id}** ({paragraph.section})\n\n{paragraph.summary}"
    if thing.what == "variable":
        variable = story.variables[thing.id]
        parts = [f"**{variable.name}**: {_variable_line(story, variable.name)}"]
        if variable.label:
            parts.append(f"Shown as: {variable.label}")
        else:
            parts.append("Hidden from the player (no label)")
        if variable.about:
            parts.append(variable.about)
        return "\n\n".join(parts)
    if thing.what == "predicate":
        return PREDICATES[thing.id]
    if thing.what == "codex":
        entry = story.codex[thing.id]
        also = f"\n\nAlso: {', '.join(entry.aliases)}" if entry.aliases else ""
        return f"**{entry.name}** ({entry.group}, `{entry.id}`)\n\n{entry.text.strip()}{also}"
    return None


def hover(story: Story, lines: Sequence[str], line: int, character: int) -> Hover | None:
    """What the thing at the place is: a scene, a choice, a chapter, a paragraph (its
    summary), a variable (its type and range), a memory predicate, a codex entry."""
    thing = _thing_at(story, lines, line, character)
    if thing is None:
        return None
    text = _markdown(story, thing)
    if text is None:
        return None
    return Hover("\n".join(shown(part) for part in text.split("\n")), thing.start, thing.end)


def definition(story: Story, lines: Sequence[str], line: int, character: int) -> Mark | None:
    """Where the thing at the place is defined: a scene's id (from a `goto:`, an
    `extends:` item's `scene:`, a `start:` or a memory predicate), a choice's id, a
    chapter's, a variable's declaration, a codex entry's."""
    thing = _thing_at(story, lines, line, character)
    if thing is None:
        return None
    mark: Mark | None = None
    if thing.what == "scene":
        mark = story.scenes[thing.id].mark
    elif thing.what == "choice":
        scene_id, _, choice_id = thing.id.partition(".")
        choice = story.scenes[scene_id].choice(choice_id)
        mark = choice.marks.get("id", choice.mark) if choice is not None else None
    elif thing.what == "chapter":
        mark = story.chapters[thing.id].mark
    elif thing.what == "variable":
        mark = story.variables[thing.id].mark
    elif thing.what == "codex":
        mark = story.codex[thing.id].mark
    return mark if mark is not None and mark.path else None
