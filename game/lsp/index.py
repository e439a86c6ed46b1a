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
#: Keys whose text may link the codex with [[...]] (elsewhere the brackets show as typed).
LINK_KEYS = frozenset({"text", "epilogue"})
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
#: How a word being completed goes on after the place: an id's characters; a name's in
#: an expression (where `-` and `.` are operators); a link's up to its `|` or `]]`.
_GOING_ON = re.compile(r"[A-Za-z0-9_-]+")
_NAME_ON = re.compile(r"[A-Za-z0-9_]+")
_SHOWN_ON = re.compile(r"([^\[\]|]*)(?:\||\]\])")
_REF_ON = re.compile(r"([^\[\]|]*)\]\]")
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
    """What may be written at a place: the items are inserted over the text from `start`
    (the character where the word being typed begins) to the place, or replace the
    whole word, from `start` to `end` (where the word goes on after the place; the
    place itself when it does not)."""

    start: int
    items: tuple[Completion, ...]
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Hover:
    """What the thing at a place is, in Markdown, over the characters `start`..`end`."""

    markdown: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Where:
    """The key whose value holds a place, and that value's text up to the place (for a
    block, every line of it so far; elsewhere without its YAML comments). `key` is ""
    where no key is found. `block` tells a `|` or `>` block (where `#` is text);
    `comment`, that the place is inside a YAML comment."""

    key: str
    value: str
    block: bool = False
    comment: bool = False


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


def comment_start(text: str) -> int | None:
    """Where a YAML comment begins in a line (a `#` at the start or after a space or
    tab, outside quotes), if it has one. Not for the lines of a `|` or `>` block."""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if quote == '"' and char == "\\":
                index += 1  # an escaped character, a quote among them
            elif char == quote:
                if quote == "'" and text[index + 1 : index + 2] == "'":
                    index += 1  # '' is a quote inside single quotes
                else:
                    quote = ""
        elif char in "'\"" and (index == 0 or text[index - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return index
        index += 1
    return None


def _uncommented(text: str) -> str:
    start = comment_start(text)
    return text if start is None else text[:start]


def where(lines: Sequence[str], line: int, character: int) -> Where:
    """The key whose value holds the place, and the value's text before the place."""
    if not 0 <= line < len(lines):
        return Where("", "")
    text = lines[line]
    before = text[:character]
    in_comment = comment_start(before) is not None
    owner = _owner(lines, line)
    if owner is not None:
        number, found = owner
        inline = found.group(4)
        block = bool(_BLOCK.match(inline))
        if block and _indent(text) > _key_depth(found):
            body = [lines[n] for n in range(number + 1, line)] + [before]
            return Where(found.group(3), "\n".join(body), block=True)
    own = _KEY_LINE.match(text)
    if own is not None and character >= own.end(3) + 1:
        value_start = own.start(4)
        value = text[value_start:character] if character > value_start else ""
        return Where(own.group(3), _uncommented(value), comment=in_comment)
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
        body = head + [lines[n] for n in range(first, line)]
        value = "\n".join([*(_uncommented(part) for part in body), _uncommented(before)])
        return Where(found.group(3), value, comment=in_comment)
    return Where("", _uncommented(before), comment=in_comment)


def _listed(lines: Sequence[str], line: int) -> str:
    """The whole value of the key the place is in, before and after the place, without
    comments: every item of a list (`sources:` then `- eve-1`, `- eve-2` beneath)."""
    text = lines[line]
    own = _KEY_LINE.match(text)
    if own is not None:
        return _uncommented(own.group(4))
    owner = _owner(lines, line)
    if owner is None:
        return _uncommented(text)
    number, found = owner
    depth = _key_depth(found)
    parts = [found.group(4)]
    for below in range(number + 1, min(len(lines), number + _LOOK_UP)):
        item = lines[below]
        if item.strip() and not item.lstrip().startswith("#"):
            indent = _indent(item)
            if indent < depth or (indent == depth and not item.lstrip().startswith("-")):
                break
        parts.append(item)
    return "\n".join(_uncommented(part) for part in parts)


def _closed_flow(value: str) -> bool:
    """Whether a value that is a flow list (`[eve-1, eve-2]`) was closed before the end."""
    text = value.lstrip()
    if text.startswith("-"):
        text = text.lstrip("- \t")
    if not text.startswith("["):
        return False
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return True
    return False


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
    if place.comment:
        return _Context("", "")
    if not place.block and key in SOURCE_KEYS | EFFECT_KEYS and _closed_flow(value):
        return _Context("", "")  # after `sources: [eve-1]`
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
    link = _open_link(value) if key in LINK_KEYS else None
    if link is not None:  # links show only in a scene's text and an ending's epilogue
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


#: The keywords that join two operands; the others (`not`, `true`, `false`) begin one.
JOINING = ("and", "or")
_LAST_WORD = re.compile(r"[A-Za-z0-9_]+$")
#: An effect's variable and operator (`n +=`): what follows is a value.
_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:\+=|-=|=(?!=))")


def after_operand(text: str) -> bool:
    """Whether the expression `text` ends with an operand (a name, a number, a `)`), so
    what comes next joins it (`and`, `or`) rather than beginning one."""
    text = text.rstrip()
    if not text:
        return False
    if text.endswith(")"):
        return True
    word = _LAST_WORD.search(text)
    return word is not None and word.group() not in ("and", "or", "not")


def _expression_items(story: Story, *, predicates: bool, joining: bool = False) -> list[Completion]:
    """What may be written in an expression: before an operand, variables, the memory
    predicates, the functions, `not`, `true` and `false`; after one (`joining`), only
    `and` and `or`."""
    if joining:
        return [Completion(word, "keyword") for word in JOINING]
    items = _variable_items(story)
    if predicates:
        items += [
            Completion(name, "function", PREDICATES[name], insert=f"{name}(") for name in MEMORY
        ]
    items += [
        Completion(name, "function", f"{name}(a, b)", insert=f"{name}(") for name in FUNCTIONS
    ]
    items += [Completion(word, "keyword") for word in KEYWORDS if word not in JOINING]
    return items


def _effect_so_far(value: str) -> str:
    """The effect the place is in, from a list item's text or a flow list's (`- n += 1`,
    `[n += 10, flag = t`): what follows the last `[` or `,` outside brackets."""
    text = value.lstrip()
    if text.startswith("-"):
        text = text.lstrip("- \t")
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char in "[," and depth == 0:
            start = index + 1
    return text[start:]


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
    rest = lines[line][character:]
    going_on = _GOING_ON.match(rest)
    end = character + (len(going_on.group()) if going_on else 0)
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
        words = re.findall(r"[A-Za-z0-9-]+", _listed(lines, line))
        word = lines[line][start:end]
        if word in words:
            words.remove(word)  # the id being typed may still be offered
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
        elif context.what == "effect":
            effect = _effect_so_far(context.text)
            assignment = _ASSIGNMENT.match(effect)
            if assignment is not None:  # the value: any expression
                value = effect[assignment.end() : len(effect) - prefix]
                items = _expression_items(story, predicates=True, joining=after_operand(value))
            elif not effect[: len(effect) - prefix].strip():  # an effect begins with a name
                items = _variable_items(story)
        else:
            joining = after_operand(context.text[: len(context.text) - prefix])
            items = _expression_items(story, predicates=True, joining=joining)
        if argument is None:  # no `-` or `.` in a name, where they are operators
            word_on = _NAME_ON.match(rest)
            end = character + (len(word_on.group()) if word_on else 0)
    elif context.what == "codex":
        shown_part, bar, ref = context.text.partition("|")
        if bar:
            start = character - len(ref)
            items = [
                Completion(entry.id, "codex", shown(entry.name)) for entry in story.codex.values()
            ]
            link_on = _REF_ON.match(rest)
        else:
            start = character - len(shown_part)
            items = [
                Completion(name, "codex", shown(f"{entry.group}: {entry.id}"))
                for entry in story.codex.values()
                for name in (entry.name, *entry.aliases)
            ]
            link_on = _SHOWN_ON.match(rest)
        if link_on is not None:
            end = character + len(link_on.group(1))
    return Completions(start, tuple(items), end if items else None)


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


#: The characters that mean something in Markdown where a story's text is shown.
_MARKDOWN = re.compile(r"[\\`*_\[\]<>#&~|]")


def markdown_text(text: object) -> str:
    """A story's text (a title, a summary, a codex entry) as Markdown that shows it as it
    is: `*`, `_`, backticks, brackets, `<` and the like escaped with a backslash."""
    return _MARKDOWN.sub(lambda found: "\\" + found.group(), str(text))


def markdown_code(text: object) -> str:
    """An id as Markdown code (`eve-1`); a backtick in it (ids have none once the story
    loads without errors) cannot end the code early."""
    return "`" + str(text).replace("`", "'") + "`"


def _scene_markdown(story: Story, scene_id: str) -> str:
    md, code = markdown_text, markdown_code
    scene = story.scenes[scene_id]
    chapter = story.chapters.get(scene.chapter)
    heading = f"**{md(scene.title)}** (scene {code(scene.id)})"
    where_ = md(f"{scene.dates}, {scene.time}, {scene.place}")
    parts = [heading, where_]
    if chapter is not None:
        parts.append(f"Chapter {md(chapter.number)}: {md(chapter.title)}")
    if scene.ending is not None:
        ending = scene.ending
        parts.append(f"Ending {code(ending.id)} ({md(ending.kind)}): {md(ending.title)}")
    return "\n\n".join(parts)


def _markdown(story: Story, thing: _Thing) -> str | None:
    md, code = markdown_text, markdown_code
    if thing.what == "scene":
        return _scene_markdown(story, thing.id)
    if thing.what == "choice":
        scene_id, _, choice_id = thing.id.partition(".")
        choice = story.scenes[scene_id].choice(choice_id)
        if choice is None:
            return None
        return (
            f"**{md(choice.label)}** (choice {code(thing.id)}, {md(choice.history)}) "
            f"leads to {code(choice.target)}"
        )
    if thing.what == "chapter":
        chapter = story.chapters[thing.id]
        return f"**Chapter {md(chapter.number)}: {md(chapter.title)}** ({code(chapter.id)})"
    if thing.what == "paragraph":
        paragraph = story.paragraphs[thing.id]
        return f"**{md(paragraph.id)}** ({md(paragraph.section)})\n\n{md(paragraph.summary)}"
    if thing.what == "variable":
        variable = story.variables[thing.id]
        parts = [f"**{md(variable.name)}**: {md(_variable_line(story, variable.name))}"]
        if variable.label:
            parts.append(f"Shown as: {md(variable.label)}")
        else:
            parts.append("Hidden from the player (no label)")
        if variable.about:
            parts.append(md(variable.about))
        return "\n\n".join(parts)
    if thing.what == "predicate":
        return md(PREDICATES[thing.id])
    if thing.what == "codex":
        entry = story.codex[thing.id]
        also = f"\n\nAlso: {md(', '.join(entry.aliases))}" if entry.aliases else ""
        return (
            f"**{md(entry.name)}** ({md(entry.group)}, {code(entry.id)})\n\n"
            f"{md(entry.text.strip())}{also}"
        )
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
