"""Story folders -> a checked, immutable Story, collecting every problem with its place."""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import hashlib
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.engine import analysis, schema
from game.engine.expr import (
    FUNCTIONS,
    KEYWORDS,
    MEMORY,
    Effect,
    Expr,
    ExprError,
    Memory,
    Not,
    Num,
    State,
    Type,
    Value,
    compile_expr,
    memory_in,
    parse_condition,
    parse_effect,
)
from game.engine.extends import extend_scenes
from game.engine.files import shown
from game.engine.memory import remember
from game.engine.model import (
    HISTORIES,
    LINK,
    NO_MARKS,
    Action,
    Chapter,
    Choice,
    Citations,
    CodexEntry,
    Ending,
    History,
    Paragraph,
    Scene,
    Story,
    Variable,
    Viewpoint,
)
from game.engine.problems import Mark, Problem, StoryError, did_you_mean, sort_problems
from game.engine.text import Template, TextError, parse_template, plain_template
from game.engine.yamlread import (
    MAX_BYTES,
    YamlList,
    YamlMap,
    read_limited,
    read_yaml_bytes,
    too_large_problem,
)

if TYPE_CHECKING:
    from game.engine.parsecache import ParseCache

STORY_SUFFIXES = (".yaml", ".yml")
#: Words of the condition language, which no variable may be named.
RESERVED = frozenset((*KEYWORDS, *FUNCTIONS, *MEMORY))


#: How far the loader looks for a story's files. A story needs a folder or two (the shipped
#: one has none below its folder; the largest generated story, 10,000 scenes, is 41 files),
#: so each limit is far beyond any story and is met only by the wrong folder given (a home
#: folder, `/`) or a tree made to be odd. Past one, the folder gives one error and none of
#: its files is read: the walk stops at once, whatever lies beyond.
#:
#: - MAX_STORY_FILES story files (.yaml, .yml) in one folder: ten thousand files of one
#:   scene each load in about 6 s, and each file may hold 1 MiB;
#: - MAX_TREE_ENTRIES names of any kind (files, folders, links) looked at in one folder's
#:   tree, so a folder of other things is not walked to its end either;
#: - MAX_FOLDER_DEPTH levels of folders below it: deeper folders are not entered (and
#:   named in one error), so no path grows long and no walk runs out of stack.
MAX_STORY_FILES = 10_000
MAX_TREE_ENTRIES = 100_000
MAX_FOLDER_DEPTH = 32


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the current folder when inside it.

    This is the path itself (kept in a `Mark`, and in JSON output, where it stays usable);
    `Mark` and `Problem` make it safe to print with `files.shown`."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass
class _Parts:
    """What the files held, before the story is assembled."""

    problems: list[Problem] = field(default_factory=list)
    story_file: tuple[YamlMap, str] | None = None
    chapter_files: list[tuple[YamlMap, str]] = field(default_factory=list)
    codex_files: list[tuple[YamlMap, str]] = field(default_factory=list)
    #: Files whose top key is `sources:`, found in the story's folders: its own sources.
    sources_files: list[tuple[YamlMap, str]] = field(default_factory=list)
    #: How many of `codex_files` came from the assets folder (the shipped codex, which a
    #: story of its own does not get).
    asset_codex_files: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    #: Parsed files kept from earlier loads (`petrograd play` only), or None.
    cache: ParseCache | None = None
    #: Each file's bytes by its shown path, to find a place inside a text for a message,
    #: compressed (`zlib`, its fastest level: a large story's files are kept while it is
    #: assembled, and few of them are ever looked into). Let go once it is assembled.
    sources: dict[str, bytes] = field(default_factory=dict)
    #: Story files (and folders) that could not be read or used, each with the kind of
    #: file it looks like ('story', 'chapter', 'codex', 'sources', or '?' when it cannot
    #: be told): the checks across files that it could answer wait for it.
    unparsed: dict[str, str] = field(default_factory=dict)
    #: Where the scenes that do not fit their shape are (their id's place): checks of
    #: paths wait for them.
    broken_scenes: set[Mark] = field(default_factory=set)
    #: Text to read instead of a file's own (an editor's unsaved buffer), by resolved path.
    overlays: Mapping[Path, bytes] = field(default_factory=dict)

    def parse(self, data: bytes, shown: str) -> tuple[Any, list[Problem]]:
        """What a file's bytes parse to, from the cache when it holds them."""
        if self.cache is not None:
            cached = self.cache.get(data, shown)
            if cached is not None:
                return cached, []
        value, problems = read_yaml_bytes(data, shown)
        if self.cache is not None and value is not None and not problems:
            self.cache.put(data, value)
        return value, problems


def _suffix(name: str) -> str:
    """`PurePath(name).suffix`, without making a path of every name in a tree."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _bad_name(name: str, what: str) -> str | None:
    """Why a file or folder name cannot be part of a story, or None when it can."""
    if shown(name) == name:
        return None
    if any(0xDC80 <= ord(char) <= 0xDCFF for char in name):
        return (
            "the name is not UTF-8 text (its odd bytes are written here as escapes such as "
            f"\\xff), so it cannot be shown; rename the {what}: it is not read"
        )
    return (
        "the name holds a control or invisible character (written here as an escape such "
        f"as \\x1b), which could drive a terminal it is printed on; rename the {what}: it "
        "is not read"
    )


def find_story_files(
    folder: Path, suffixes: Sequence[str] = STORY_SUFFIXES
) -> tuple[list[Path], list[Problem]]:
    """The files of a folder and its sub-folders whose names end in one of `suffixes`,
    sorted by their path inside it, and one problem for each odd thing met on the way.

    The walk is a loop (any depth costs no stack), enters at most MAX_FOLDER_DEPTH
    levels, never follows a link to a folder (a link to a file is followed when it is
    read), and stops with one error, giving no files, past MAX_STORY_FILES files or
    MAX_TREE_ENTRIES names. A name that is not UTF-8 or that holds a control character
    is an error and is not read. A dangling link (an editor's lock file) is passed
    over; a named pipe, device or socket with a story file's name is given, and
    refused with its reason when read (`yamlread.read_limited`). Hidden files and
    folders (whose names start with a dot) are not part of a story."""
    found: list[tuple[str, Path]] = []
    problems: list[Problem] = []

    def odd(path: Path, code: str, message: str, severity: str = "error") -> None:
        problems.append(Problem(Mark(display_path(path)), code, message, severity))  # type: ignore[arg-type]

    def too_many(what: str) -> tuple[list[Path], list[Problem]]:
        return [], [
            Problem(
                Mark(display_path(folder)),
                "too-many-files",
                f"the folder holds more than {what}, more than a story has, so none of them "
                "is read; is it the right folder? Give the folder that holds the story's files",
            )
        ]

    names = 0
    stack: list[tuple[Path, str, int]] = [(folder, "", 0)]  # folder, its path inside, depth
    while stack:
        here, inside, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    names += 1
                    if names > MAX_TREE_ENTRIES:
                        return too_many(f"{MAX_TREE_ENTRIES:,} files and folders")
                    name = entry.name
                    if name.startswith("."):
                        continue  # hidden: `.git`, macOS's `._scene.yaml` copies, drafts
                    path = here / name
                    folder_here = entry.is_dir(follow_symlinks=False)
                    if entry.is_symlink():
                        try:
                            mode = os.stat(path).st_mode
                        except (FileNotFoundError, NotADirectoryError):
                            continue  # leads nowhere: an editor's lock file, say
                        except OSError as exc:
                            if exc.errno == errno.ELOOP:
                                odd(
                                    path,
                                    "link-loop",
                                    "the link leads round in a loop (to itself, or to links "
                                    "that lead back to it); remove it or point it at a file",
                                )
                            else:
                                odd(path, "unreadable", f"cannot follow the link: {exc.strerror}")
                            continue
                        if stat.S_ISDIR(mode):
                            odd(
                                path,
                                "linked-folder",
                                "a link to a folder: the files in it are not read (links to "
                                "files are followed, links to folders are not); put the "
                                "folder itself here, or give it as a folder of its own",
                                "warning",
                            )
                            continue
                    elif folder_here:
                        why = _bad_name(name, "folder")
                        if why is not None:
                            odd(path, "bad-name", why)
                        elif depth >= MAX_FOLDER_DEPTH:
                            odd(
                                path,
                                "too-deep",
                                f"folders are nested more than {MAX_FOLDER_DEPTH} levels deep "
                                "here, far more than a story needs, so this folder and what is "
                                "inside it are not read; move the files up",
                            )
                        else:
                            stack.append((path, f"{inside}{name}/", depth + 1))
                        continue
                    if _suffix(name) not in suffixes:
                        continue
                    why = _bad_name(name, "file")
                    if why is not None:
                        odd(path, "bad-name", why)
                        continue
                    found.append((inside + name, path))
                    if len(found) > MAX_STORY_FILES:
                        return too_many(f"{MAX_STORY_FILES:,} {' or '.join(suffixes)} files")
        except OSError as exc:
            odd(
                here,
                "unreadable",
                f"cannot read the folder: {exc.strerror or exc}; the files in it are not read",
            )
    found.sort(key=lambda item: item[0])
    return [path for _, path in found], problems


def story_files(folder: Path) -> list[Path]:
    """The YAML files of a story folder (and its sub-folders), in a stable order (those
    `find_story_files` finds; its problems are left to the loader)."""
    return find_story_files(folder)[0]


def _unknown_file(value: YamlMap, kinds: list[str]) -> Problem:
    """A story file whose top-level keys do not say what it is."""
    wanted = "exactly one of 'story:', 'chapter:', 'codex:' or 'sources:'"
    if kinds:
        found = " and ".join(f"'{k}:'" for k in kinds)
        return Problem(
            value.mark, "unknown-file", f"this file has both {found}; a story file has {wanted}"
        )
    for key in value:
        near = difflib.get_close_matches(str(key).lower(), list(schema.FILE_SHAPES), n=1)
        if near:
            return Problem(
                value.key_mark(key),
                "unknown-file",
                f"cannot tell what this file is from '{key}:'; did you mean '{near[0]}:'? A "
                f"story file has {wanted} at the top",
            )
    found = ", ".join(f"'{k}'" for k in value) or "nothing"
    return Problem(
        value.mark,
        "unknown-file",
        f"cannot tell what this file is: it should have {wanted} at the top (found {found})",
    )


def _read_folder(folder: Path, parts: _Parts, *, in_pack: bool = False) -> None:
    shown = display_path(folder)
    try:
        mode = os.stat(folder).st_mode
    except (FileNotFoundError, NotADirectoryError):
        parts.unparsed[shown] = "?"
        parts.problems.append(
            Problem(
                Mark(shown),
                "missing-folder",
                "no such folder; give the folder that holds the scene files",
            )
        )
        return
    except OSError as exc:
        loop = exc.errno == errno.ELOOP
        parts.unparsed[shown] = "?"
        parts.problems.append(
            Problem(
                Mark(shown),
                "link-loop" if loop else "unreadable",
                "the link leads round in a loop; give the folder that holds the scene files"
                if loop
                else f"cannot read the folder: {exc.strerror or exc}",
            )
        )
        return
    if not stat.S_ISDIR(mode):
        parts.unparsed[shown] = "?"
        parts.problems.append(
            Problem(Mark(shown), "not-a-folder", "expected a folder of scene files")
        )
        return
    files, problems = find_story_files(folder)
    parts.problems.extend(problems)
    for problem in problems:  # a file left out (an odd name, unreadable): it could hold anything
        if problem.severity == "error":
            parts.unparsed[problem.mark.path] = "?"
    unsaved = _unsaved_files(folder, files, parts)
    if not files and not problems and not unsaved:
        parts.unparsed[shown] = "?"
        parts.problems.append(Problem(Mark(shown), "no-scenes", "the folder holds no .yaml files"))
    for path in [*files, *unsaved]:
        _read_story_file(path, folder, parts, in_pack=in_pack)


def _unsaved_files(folder: Path, files: list[Path], parts: _Parts) -> list[Path]:
    """Files an editor holds in the folder that are not on disk yet (new, unsaved): read
    from their overlays, so the language server checks them as they are typed."""
    if not parts.overlays:
        return []
    root = folder.resolve()
    on_disk = {path.resolve() for path in files}
    return sorted(
        root / path.relative_to(root)
        for path in parts.overlays
        if path not in on_disk
        and _suffix(path.name) in STORY_SUFFIXES
        and path.is_relative_to(root)
        and not path.exists()
    )


#: The top-level keys that tell what a file that cannot be used was meant to be.
_KIND_GUESS = re.compile(
    rb"^(story|format|variables|chapter|scenes|extends|codex|sources)[ \t]*:", re.M
)
_GUESSED = {
    b"story": "story",
    b"format": "story",
    b"variables": "story",
    b"chapter": "chapter",
    b"scenes": "chapter",
    b"extends": "chapter",
    b"codex": "codex",
    b"sources": "sources",
}


def _guess_kind(data: bytes | None) -> str:
    """What a file that does not parse looks like it was meant to be, from its first
    top-level key ('?' when nothing tells)."""
    match = _KIND_GUESS.search(data or b"")
    return _GUESSED[match.group(1)] if match else "?"


def _read_story_file(path: Path, folder: Path, parts: _Parts, *, in_pack: bool = False) -> None:
    shown = display_path(path)
    data, problems = _read_bytes(path, shown, parts)
    if data is None:
        parts.problems.extend(problems)
        parts.unparsed[shown] = "?"
        return
    try:
        inside = path.relative_to(folder).as_posix()
    except ValueError:  # an unsaved file, given by its resolved path
        inside = path.relative_to(folder.resolve()).as_posix()
    parts.digest.update(inside.encode() + b"\0" + data + b"\0")
    parts.sources[shown] = zlib.compress(data, 1)
    value, problems = parts.parse(data, shown)
    parts.problems.extend(problems)
    if value is None:
        if problems:
            parts.unparsed[shown] = _guess_kind(data)
        return
    if not isinstance(value, YamlMap):
        parts.unparsed[shown] = "?"
        parts.problems.append(
            Problem(
                value.mark if isinstance(value, YamlList) else Mark(shown, 1, 1),
                "wrong-type",
                "a story file is a mapping starting with 'story:', 'chapter:', 'codex:' or "
                "'sources:'",
            )
        )
        return
    kinds = [key for key in schema.FILE_SHAPES if key in value]
    if len(kinds) != 1:
        parts.unparsed[shown] = _guess_kind(data)
        parts.problems.append(_unknown_file(value, kinds))
        return
    kind = kinds[0]
    if kind == "sources" and in_pack:
        parts.problems.append(
            Problem(
                value.key_mark("sources"),
                "sources-in-pack",
                "a scene pack cannot bring a sources file: its scenes cite the story's "
                "sources. Move the file into the story's folder, or remove it",
            )
        )
        return
    if kind != "chapter":  # a chapter file's shape depends on the story (`_assemble`)
        parts.problems.extend(schema.FILE_SHAPES[kind].problems(value, value.mark))
    if kind == "story":
        if parts.story_file is not None:
            first = parts.story_file[1]
            parts.problems.append(
                Problem(
                    value.key_mark("story"),
                    "duplicate-story",
                    f"a second story file; the first is {first}. A story has one story.yaml",
                )
            )
        else:
            parts.story_file = (value, shown)
    elif kind == "chapter":
        parts.chapter_files.append((value, shown))
    elif kind == "sources":
        parts.sources_files.append((value, shown))
    else:
        parts.codex_files.append((value, shown))


def _read_bytes(path: Path, shown: str, parts: _Parts) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes: an overlay's when one is given for it, else the file's (whose size
    is checked before reading)."""
    if parts.overlays:
        overlay = parts.overlays.get(path.resolve())
        if overlay is not None:
            if len(overlay) > MAX_BYTES:
                return None, [too_large_problem(shown, len(overlay))]
            return overlay, []
    return read_limited(path, shown)


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _ids(value: Any, shared: dict[Any, Any] | None = None) -> tuple[str, ...]:
    """The texts of a list, as a tuple (the equal one in `shared` when there is one)."""
    found = tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
    return found if shared is None else shared.setdefault(found, found)


#: A place, or what finds it when it is needed (a problem reported there).
Place = Mark | Callable[[], Mark]


class _Locator:
    """Finds where a character of a text stands in its file, from the files' compressed
    bytes, for the few places anything asks for (a problem, coverage, the language server):
    most texts' places are never needed, and finding one means reading the file.

    The file is read from the text's start on, matching the value's characters in order
    and passing over what YAML took away (indentation, folded line breaks, quotes), so the
    place is right for block, folded and quoted texts alike. Asked for places of the same
    text in increasing order, it goes on from the last one instead of starting again, so
    the places of a text cost one reading of it. One file's lines are kept at a time."""

    __slots__ = ("_cursor", "_file", "_sources", "_wanted")

    def __init__(self, sources: dict[str, bytes]) -> None:
        self._sources = sources
        #: The files whose texts have places still to find (`settle`).
        self._wanted: set[str] = set()
        #: The file last read, and its lines (one tuple: a reader on another thread, the
        #: language server's, sees the lines of the file they are of).
        self._file: tuple[str | None, list[str]] = (None, [])
        #: (text's mark, text, next index, line, column): where the last reading stopped.
        self._cursor: tuple[Mark, str, int, int, int] | None = None

    def places(self, mark: Mark, text: str, offsets: tuple[int, ...]) -> Mapping[int, Mark]:
        """The places of `text[offset]` for each offset, found on first reading."""
        self._wanted.add(mark.path)
        return _Places(self, mark, text, offsets)

    def settle(self) -> None:
        """Keep only the bytes of the files whose places may still be asked for (the loader
        lets the others go once the story is assembled)."""
        self._sources = {path: data for path, data in self._sources.items() if path in self._wanted}
        self._file = (None, [])

    def _file_lines(self, path: str) -> list[str]:
        kept, lines = self._file
        if path != kept:
            data = self._sources.get(path)
            lines = (
                zlib.decompress(data).decode("utf-8", "replace").splitlines()
                if data is not None
                else []
            )
            self._file = (path, lines)
        return lines

    def locate(self, mark: Mark, value: str, offset: int) -> Mark:
        """The place of `value[offset]`, a text whose value starts at `mark`."""
        lines = self._file_lines(mark.path)
        if not lines or mark.line <= 0:
            return Mark(mark.path, mark.line, mark.column + offset)
        start, line, column = 0, mark.line - 1, mark.column - 1
        cursor = self._cursor
        if (
            cursor is not None
            and cursor[2] <= offset
            and (cursor[1] is value or cursor[1] == value)
            and cursor[0] == mark
        ):
            start, line, column = cursor[2], cursor[3], cursor[4]
        count = len(lines)
        for index in range(start, min(offset + 1, len(value))):
            char = value[index]
            space = char.isspace()
            if space and index < offset:
                continue
            before = line, column
            while line < count:
                text = lines[line]
                found = column if space else text.find(char, column)
                if found >= 0 and found <= len(text):
                    if index == offset:
                        # a space is passed over, not matched, when reading on past it
                        line_after, column_after = before if space else (line, found + 1)
                        self._cursor = (mark, value, index + 1, line_after, column_after)
                        return Mark(mark.path, line + 1, found + 1)
                    column = found + 1
                    break
                line, column = line + 1, 0
            else:
                break
        return Mark(mark.path, mark.line, mark.column + offset)


class _Places(Mapping[int, Mark]):
    """Where each alternative of a text stands in its file, by its offset in the text: all
    found together (one reading of the text) the first time one is asked for, then kept."""

    __slots__ = ("_found", "_locator", "_mark", "_offsets", "_text")

    def __init__(self, locator: _Locator, mark: Mark, text: str, offsets: tuple[int, ...]) -> None:
        self._locator = locator
        self._mark = mark
        self._text = text
        self._offsets = offsets
        self._found: dict[int, Mark] | None = None

    def _places(self) -> dict[int, Mark]:
        found = self._found
        if found is None:
            locate = self._locator.locate
            marks = {
                offset: locate(self._mark, self._text, offset) for offset in sorted(self._offsets)
            }
            found = self._found = {offset: marks[offset] for offset in self._offsets}
        return found

    def __getitem__(self, offset: int) -> Mark:
        return self._places()[offset]

    def __iter__(self) -> Iterator[int]:
        return iter(self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)


class _Builder:
    """Assembles a Story from validated files; adds problems for cross-file mistakes."""

    def __init__(self, parts: _Parts) -> None:
        self.parts = parts
        self.problems = parts.problems
        # A condition or effect written the same way twice parses to the same (immutable)
        # tree and function: large stories repeat them, so each text is parsed once per load.
        self._conditions: dict[str, tuple[Expr, Callable[[State], Value]] | ExprError] = {}
        self._effects: dict[str, tuple[Effect, Callable[[State], Value]] | ExprError] = {}
        #: Every memory predicate written anywhere, with its place (or what finds it, for
        #: one in conditional text): checked against the scenes and choices once all files
        #: are read (`memory.remember`).
        self.memory_refs: list[tuple[Memory, Place]] = []
        self._groups = 0
        #: Finds where a character of a text stands in its file, when something asks.
        self.locator = _Locator(parts.sources)
        #: The chapters read so far, by id.
        self.chapters_seen: dict[str, Chapter] = {}
        #: The texts that may link the codex, checked once the codex is read.
        self.linked_texts: list[analysis.LinkedText] = []
        #: The story's declared variables, once story.yaml is read.
        self.declared: dict[str, Variable] = {}
        #: A story of its own (own sources, or none): RELAXED_KEYS may be left out.
        self.relaxed = False
        #: Scene dates are Old Style, shown with the New Style beside them.
        self.old_style = True
        #: Equal tuples read many times (lists of citations, orders of keys), kept once.
        self.shared: dict[Any, Any] = {}
        #: Texts without alternatives parsed so far (`template_at`), each kept once.
        self._plain_texts: dict[str, Template] = {}
        #: Where the paragraphs cited come from, for messages.
        self.sources_name = "assets/sources.yaml"

    def locate(self, mark: Mark, value: str, offset: int) -> Mark:
        """The place of `value[offset]`, a text whose value starts at `mark` (`_Locator`)."""
        return self.locator.locate(mark, value, offset)

    def note_memory(self, tree: Expr | None, where: Callable[[int], Mark]) -> None:
        """Keep a tree's memory predicates for checking; `where` places a column of its text
        (cheaply: a one-line value's column)."""
        if tree is not None:
            for node in memory_in(tree):
                self.memory_refs.append((node, where(node.column)))

    def note_memory_in_text(self, tree: Expr | None, mark: Mark, text: str, start: int) -> None:
        """Keep a text's condition's memory predicates for checking, the condition starting at
        `text[start]`: their places are found only if a problem needs them."""
        if tree is not None:
            for node in memory_in(tree):
                self.memory_refs.append(
                    (node, partial(self.locator.locate, mark, text, start + node.column - 1))
                )

    def template(self, raw: YamlMap, key: str, types: dict[str, Type]) -> Template:
        """Parse the text under `key` (conditional text); a mistake is a problem at its place."""
        text = raw.get(key)
        if not isinstance(text, str):
            return plain_template("")
        return self.template_at(text, raw.value_mark(key), types)

    def template_at(self, text: str, mark: Mark, types: dict[str, Type]) -> Template:
        """Parse `text`, which stands at `mark` (conditional text)."""
        known = self._plain_texts.get(text)
        if known is not None:
            return known
        errors: list[TextError] = []
        try:
            template = parse_template(
                text, lambda source: self.parse_condition(source, types), errors
            )
        except TextError as exc:
            errors.append(exc)
            template = plain_template(text)
        for error in errors:
            self.problem(self.locate(mark, text, error.offset), "bad-text", error.message)
        offsets = []
        for alternative in template.alternatives():
            offsets.append(alternative.offset)
            self.note_memory_in_text(
                alternative.condition, mark, text, alternative.condition_offset
            )
        if offsets:
            places = self.locator.places(mark, text, tuple(offsets))
            return Template(template.raw, template.parts, places)  # `replace`, but cheaper
        if not errors:  # the same wherever it stands: written again, it is the same
            self._plain_texts[text] = template
        return template

    def parse_condition(
        self, text: str, types: dict[str, Type]
    ) -> tuple[Expr, Callable[[State], Value]]:
        """A condition's tree and compiled test; raises ExprError (memoised per load)."""
        found = self._conditions.get(text)
        if found is None:
            try:
                tree = parse_condition(text, types)
                found = (tree, compile_expr(tree))
            except ExprError as exc:
                found = ExprError(exc.message, exc.column)  # kept without its traceback
            self._conditions[text] = found
        if isinstance(found, ExprError):
            raise ExprError(found.message, found.column)
        return found

    def parse_effect(
        self, text: str, types: dict[str, Type]
    ) -> tuple[Effect, Callable[[State], Value]]:
        """An effect and its compiled value; raises ExprError (memoised per load)."""
        found = self._effects.get(text)
        if found is None:
            try:
                effect = parse_effect(text, types)
                found = (effect, compile_expr(effect.value))
            except ExprError as exc:
                found = ExprError(exc.message, exc.column)  # kept without its traceback
            self._effects[text] = found
        if isinstance(found, ExprError):
            raise ExprError(found.message, found.column)
        return found

    def problem(self, mark: Place, code: str, message: str, severity: str = "error") -> None:
        """Add a problem at `mark` (or at what `mark` finds, when it is a function)."""
        if not isinstance(mark, Mark):
            mark = mark()
        self.problems.append(Problem(mark, code, message, severity))  # type: ignore[arg-type]

    # -- variables
    def variables(self, raw: Any) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        if not isinstance(raw, YamlMap):
            return out
        for name, spec in raw.items():
            if name in RESERVED:
                self.problem(
                    raw.key_mark(name),
                    "reserved-name",
                    f"'{name}' is a word of the condition language, so a variable cannot be "
                    "called that; give it another name",
                )
                continue
            if not isinstance(spec, YamlMap) or spec.get("type") not in ("int", "bool"):
                continue
            kind: Type = spec["type"]
            initial = spec.get("initial")
            mark = raw.key_mark(name)
            ok_type = (
                isinstance(initial, bool)
                if kind == "bool"
                else (isinstance(initial, int) and not isinstance(initial, bool))
            )
            if "initial" in spec and isinstance(initial, int) and not ok_type:
                self.problem(
                    spec.value_mark("initial"),
                    "wrong-type",
                    f"'{name}' is {kind}, so its initial value must be "
                    + ("true or false" if kind == "bool" else "a whole number"),
                )
                initial = None
            low, high = spec.get("min"), spec.get("max")
            if kind == "bool" and (low is not None or high is not None):
                self.problem(
                    spec.key_mark("min" if low is not None else "max"),
                    "wrong-key",
                    f"'{name}' is true/false; min and max are for numbers",
                )
                low = high = None
            if isinstance(low, int) and isinstance(high, int) and low > high:
                self.problem(
                    spec.key_mark("min"), "bad-range", f"'{name}' has min {low} above max {high}"
                )
            if kind == "int" and isinstance(initial, int):
                if (isinstance(low, int) and initial < low) or (
                    isinstance(high, int) and initial > high
                ):
                    self.problem(
                        spec.value_mark("initial"),
                        "bad-range",
                        f"'{name}' starts at {initial}, outside its range {low}..{high}",
                    )
            out[name] = Variable(
                name=name,
                type=kind,
                initial=initial if initial is not None else (False if kind == "bool" else 0),
                minimum=low if isinstance(low, int) else None,
                maximum=high if isinstance(high, int) else None,
                label=spec.get("label") if isinstance(spec.get("label"), str) else None,
                about=spec.get("about") if isinstance(spec.get("about"), str) else None,
                mark=mark,
            )
        return out

    # -- viewpoints and chapters
    def viewpoints(self, meta: YamlMap) -> dict[str, Viewpoint]:
        """The story's viewpoints, in order (the schema has checked their keys' shapes)."""
        raw = meta.get("viewpoints")
        out: dict[str, Viewpoint] = {}
        if not isinstance(raw, YamlList):
            return out
        for item in raw:
            if not isinstance(item, YamlMap) or not isinstance(item.get("id"), str):
                continue
            viewpoint_id = item["id"]
            if viewpoint_id in out:
                self.problem(
                    item.value_mark("id"),
                    "duplicate-id",
                    f"the viewpoint id '{viewpoint_id}' is used twice "
                    f"(first at {out[viewpoint_id].mark})",
                )
                continue
            out[viewpoint_id] = Viewpoint(
                id=viewpoint_id,
                name=_text(item.get("name")),
                start=_text(item.get("start")),
                about=_text(item.get("about")),
                mark=item.value_mark("id"),
            )
        return out

    def check_viewpoints(
        self,
        meta: YamlMap,
        viewpoints: dict[str, Viewpoint],
        start: str,
        scenes: dict[str, Scene],
    ) -> None:
        """Each viewpoint starts at a scene of its own chapters; the story's start is one."""
        raw = meta.get("viewpoints")
        items = {
            item.get("id"): item
            for item in (raw if isinstance(raw, YamlList) else ())
            if isinstance(item, YamlMap)
        }
        starts: dict[str, str] = {}
        for viewpoint in viewpoints.values():
            item = items[viewpoint.id]
            where = item.value_mark("start") if "start" in item else viewpoint.mark
            scene = scenes.get(viewpoint.start)
            if scene is None:
                close = difflib.get_close_matches(viewpoint.start, list(scenes), n=1)
                self.problem(
                    where,
                    "unknown-scene",
                    f"the viewpoint '{viewpoint.id}' starts at '{viewpoint.start}', which is not "
                    "a scene" + (f"; did you mean '{close[0]}'?" if close else ""),
                )
                continue
            if viewpoint.start in starts:
                self.problem(
                    where,
                    "shared-start",
                    f"the viewpoints '{starts[viewpoint.start]}' and '{viewpoint.id}' both start "
                    f"at '{viewpoint.start}'; each viewpoint needs a first scene of its own",
                )
            starts.setdefault(viewpoint.start, viewpoint.id)
            if scene.ending is not None:
                self.problem(
                    where,
                    "start-at-ending",
                    f"the viewpoint '{viewpoint.id}' starts at '{viewpoint.start}', which is an "
                    "ending; a viewpoint starts where the player has a choice",
                )
            chapter = self.chapters_seen.get(scene.chapter)
            if chapter is not None and chapter.viewpoint != viewpoint.id:
                self.problem(
                    where,
                    "start-in-other-viewpoint",
                    f"the viewpoint '{viewpoint.id}' starts at '{viewpoint.start}', a scene of the "
                    f"chapter '{chapter.id}', which belongs to the viewpoint "
                    f"'{chapter.viewpoint}'; give that chapter 'viewpoint: {viewpoint.id}'",
                )
        if viewpoints and start in scenes and start not in starts:
            first = next(iter(viewpoints.values()))
            self.problem(
                meta.value_mark("start"),
                "start-not-viewpoint",
                f"the story starts at '{start}', but no viewpoint starts there; make it the "
                f"first viewpoint's start (the first, '{first.id}', starts at '{first.start}')",
            )

    def chapter(
        self, raw: YamlMap, types: dict[str, Type], viewpoints: dict[str, Viewpoint]
    ) -> Chapter:
        """A chapter header: its viewpoint (the story's first by default) and its questions."""
        number = raw.get("number")
        viewpoint = raw.get("viewpoint")
        if not isinstance(viewpoint, str):
            viewpoint = next(iter(viewpoints), "")
        elif viewpoint not in viewpoints:
            known = list(viewpoints)
            close = difflib.get_close_matches(viewpoint, known, n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; the story's viewpoints are {', '.join(known)}"
                if known
                else "; the story declares none (add 'viewpoints:' to story.yaml)"
            )
            self.problem(
                raw.value_mark("viewpoint"),
                "unknown-viewpoint",
                f"the chapter '{raw['id']}' belongs to the viewpoint '{viewpoint}', which "
                f"story.yaml does not declare{hint}",
            )
            viewpoint = ""
        questions: list[str] = []
        parsed: list[Template] = []
        reflection = raw.get("reflection")
        if isinstance(reflection, YamlList):
            for index, question in enumerate(reflection):
                if isinstance(question, str):
                    questions.append(question)
                    parsed.append(self.template_at(question, reflection.item_mark(index), types))
        chapter = Chapter(
            id=raw["id"],
            number=number if isinstance(number, int) else 0,
            title=_text(raw.get("title")),
            reflection=tuple(questions),
            viewpoint=viewpoint,
            mark=raw.value_mark("id"),
            questions=tuple(parsed),
        )
        self.chapters_seen[chapter.id] = chapter
        return chapter

    # -- choices
    def choice(
        self, raw: YamlMap, types: dict[str, Type], mark: Mark, number: int = 0
    ) -> Choice | None:
        """The choice, or None when it lacks what it needs (its shape's problems say what).

        In a story of its own, a choice without an id is named by its place in the scene
        (`choice-2` for the second), and one without `history` is not graded (`own`)."""
        choice_id = raw.get("id")
        if choice_id is None and self.relaxed and number:
            choice_id = f"choice-{number}"
        if not isinstance(choice_id, str) or not isinstance(raw.get("goto"), str):
            return None
        condition = test = None
        cond_text = raw.get("if")
        if isinstance(cond_text, str):
            try:
                condition, test = self.parse_condition(cond_text, types)
            except ExprError as exc:
                self.problem(
                    _in_value(raw, "if", exc.column), "bad-expression", f"in 'if': {exc.message}"
                )
            self.note_memory(condition, lambda column: _in_value(raw, "if", column))
        elif "disabled" in raw:
            self.problem(
                raw.key_mark("disabled"),
                "disabled-without-if",
                "'disabled' gives the reason a choice cannot be taken; it needs an 'if'",
                "warning",
            )
        effects, actions = self.effects(raw, types)
        history = raw.get("history")
        if history in ("faithful", "divergent") and not isinstance(raw.get("note"), str):
            self.problem(
                raw.key_mark("history"),
                "missing-note",
                f"the choice '{choice_id}' is graded {history} but has no 'note'; say in a "
                "sentence or two what really happened, or mark it 'history: own' if history "
                "is silent about it",
            )
        for key in ("label", "disabled", "note"):  # shown, but not as links
            text = raw.get(key)
            link = LINK.search(text) if isinstance(text, str) else None
            if link is not None and isinstance(text, str):
                self.problem(
                    self.locate(raw.value_mark(key), text, link.start()),
                    "link-not-shown",
                    f"{link.group(0)} links the codex only in a scene's text and an "
                    f"ending's epilogue; in '{key}' the brackets would be shown as typed: "
                    "write the words without them",
                    "warning",
                )
        graded: History = history if history in HISTORIES else "faithful"
        if history is None and self.relaxed:
            graded = "own"
        return Choice(
            id=choice_id,
            label=_text(raw.get("label")),
            target=raw["goto"],
            sources=_ids(raw.get("sources"), self.shared),
            source_marks=_item_marks(raw.get("sources"), self.shared),
            history=graded,
            note=_text(raw.get("note")),
            condition=condition,
            condition_text=cond_text if isinstance(cond_text, str) else None,
            disabled_reason=raw.get("disabled") if isinstance(raw.get("disabled"), str) else None,
            effects=tuple(effects),
            mark=mark,
            marks=raw.shared_value_marks(self.shared),
            test=test,
            actions=tuple(actions),
            label_text=self.template(raw, "label", types),
            reason_text=self.template(raw, "disabled", types) if "disabled" in raw else None,
        )

    def effects(self, raw: YamlMap, types: dict[str, Type]) -> tuple[list[Effect], list[Action]]:
        """A choice's effects: texts such as 'garrison += 1', and `if:`/`then:`/`else:` groups
        whose condition is read once, before the group's effects."""
        raw_effects = raw.get("effects", ())
        listed = isinstance(raw_effects, YamlList)
        items: list[Any] = raw_effects if listed else [raw_effects]
        effects: list[Effect] = []
        actions: list[Action] = []

        def place(index: int) -> Mark:
            return raw_effects.item_mark(index) if listed else raw.value_mark("effects")

        def one(
            text: Any,
            mark: Mark,
            guard: tuple[Expr, Callable[[State], Value]] | None,
            otherwise: bool = False,
        ) -> None:
            """One effect; in a group, `guard` is its `if:` (for `else:`, the tree turned
            round, and the same test, applied when it fails)."""
            if not isinstance(text, str):
                return
            try:
                effect, compute = self.parse_effect(text, types)
            except ExprError as exc:
                self.problem(
                    Mark(mark.path, mark.line, mark.column + exc.column - 1),
                    "bad-expression",
                    f"in effect '{text}': {exc.message}",
                )
                return
            self.note_memory(
                effect.value, lambda c: Mark(mark.path, mark.line, mark.column + c - 1)
            )
            self.check_constant(effect, text, mark)
            if guard is not None:
                effect = Effect(effect.target, effect.op, effect.value, guard[0], otherwise)
            effects.append(effect)
            actions.append(
                (
                    effect.target,
                    effect.op,
                    compute,
                    guard[1] if guard else None,
                    self._groups,
                    not otherwise,
                )
            )

        for index, item in enumerate(items):
            if isinstance(item, str):
                one(item, place(index), None)
            elif isinstance(item, YamlMap) and isinstance(item.get("if"), str):
                try:
                    tree, test = self.parse_condition(item["if"], types)
                except ExprError as exc:
                    self.problem(
                        _in_value(item, "if", exc.column),
                        "bad-expression",
                        f"in the effect's 'if': {exc.message}",
                    )
                    continue
                self.note_memory(tree, partial(_in_value, item, "if"))
                self._groups += 1  # 'then' and 'else' are one group: one reading decides both
                for branch, guard in (("then", (tree, test)), ("else", (Not(tree), test))):
                    value = item.get(branch)
                    texts = value if isinstance(value, YamlList) else [value]
                    for number, text in enumerate(texts):
                        one(
                            text,
                            value.item_mark(number)
                            if isinstance(value, YamlList)
                            else item.value_mark(branch),
                            guard,
                            branch == "else",
                        )
        self._groups += 1
        return effects, actions

    def check_constant(self, effect: Effect, text: str, mark: Mark) -> None:
        """`garrison = 12` for a variable that goes up to 10 is a mistake in the file,
        found without playing (the game would keep it at the edge)."""
        if effect.op != "=" or not isinstance(effect.value, Num):
            return
        variable = self.declared.get(effect.target)
        if variable is None:
            return
        value = effect.value.value
        low, high = variable.minimum, variable.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low if low is not None else 'any'} to {high if high is not None else 'any'}"
            self.problem(
                mark,
                "out-of-range",
                f"in effect '{text}': '{effect.target}' runs from {span} (declared at "
                f"{variable.mark}), so it cannot be set to {value}; use a value in that "
                "range, or widen the range",
            )

    # -- scenes
    def scene(self, raw: YamlMap, chapter: str, types: dict[str, Type], mark: Mark) -> Scene | None:
        if not isinstance(raw.get("id"), str):
            return None
        date = dt.date(1917, 1, 1)
        raw_date = raw.get("date")
        if isinstance(raw_date, str) and len(raw_date) == 10:
            try:
                date = dt.date.fromisoformat(raw_date)
            except ValueError:
                self.problem(
                    raw.value_mark("date"),
                    "bad-date",
                    f"'{raw_date}' is not a real date (YYYY-MM-DD)",
                )
        choices: list[Choice] = []
        raw_choices = raw.get("choices")
        seen: dict[str, YamlMap] = {}  # choice id -> where it was first given
        if isinstance(raw_choices, YamlList):
            for index, item in enumerate(raw_choices):
                if not isinstance(item, YamlMap):
                    continue
                choice = self.choice(item, types, raw_choices.item_mark(index), index + 1)
                if choice is None:
                    continue
                if choice.id in seen:
                    first = _id_mark(seen[choice.id]).line
                    self.problem(
                        _id_mark(item),
                        "duplicate-id",
                        f"the choice id '{choice.id}' is used twice in scene '{raw['id']}' "
                        f"(first at line {first})"
                        if "id" in item
                        else f"this choice has no id, and the one its place gives it, "
                        f"'{choice.id}', is taken by the choice at line {first}; give it an id",
                    )
                    continue
                seen[choice.id] = item
                choices.append(choice)
        ending = None
        if isinstance(raw.get("text"), str):
            self.linked_texts.append((f"scene '{raw['id']}'", raw["text"], raw.value_mark("text")))
        raw_ending = raw.get("ending")
        if isinstance(raw_ending, YamlMap):
            if isinstance(raw_ending.get("epilogue"), str):
                self.linked_texts.append(
                    (
                        f"the ending of scene '{raw['id']}'",
                        raw_ending["epilogue"],
                        raw_ending.value_mark("epilogue"),
                    )
                )
            kind = raw_ending.get("kind")
            ending = Ending(
                id=_text(raw_ending.get("id"), raw["id"]),
                title=_text(raw_ending.get("title")),
                kind=kind if kind in ("historical", "alternate", "defeat") else "alternate",
                epilogue=_text(raw_ending.get("epilogue")),
                epilogue_text=self.template(raw_ending, "epilogue", types),
            )
            if "choices" in raw:
                self.problem(
                    raw.key_mark("choices"),
                    "ending-with-choices",
                    "an ending has no choices; remove 'choices' or 'ending'",
                )
                choices = []
        return Scene(
            id=raw["id"],
            chapter=chapter,
            title=_text(raw.get("title")),
            date=date,
            time=str(raw.get("time", "")),
            place=_text(raw.get("place")),
            text=_text(raw.get("text")),
            sources=_ids(raw.get("sources"), self.shared),
            source_marks=_item_marks(raw.get("sources"), self.shared),
            choices=tuple(choices),
            ending=ending,
            mark=mark,
            marks=raw.shared_value_marks(self.shared),
            body=self.template(raw, "text", types),
            old_style=self.old_style,
        )

    # -- codex and sources
    def codex(
        self, files: Iterable[tuple[YamlMap, str]]
    ) -> tuple[dict[str, CodexEntry], dict[str, str]]:
        entries: dict[str, CodexEntry] = {}
        names: dict[str, tuple[str, Mark]] = {}
        for value, _ in files:
            items = value.get("codex")
            if not isinstance(items, YamlList):
                continue
            for index, raw in enumerate(items):
                if not isinstance(raw, YamlMap) or not isinstance(raw.get("id"), str):
                    continue
                mark = items.item_mark(index)
                entry_id = raw["id"]
                if entry_id in entries:
                    first = entries[entry_id].mark
                    self.problem(
                        raw.value_mark("id"),
                        "duplicate-id",
                        f"the codex id '{entry_id}' is used twice (first at {first})",
                    )
                    continue
                group = raw.get("group")
                entry = CodexEntry(
                    id=entry_id,
                    name=_text(raw.get("name"), entry_id),
                    group=group
                    if group in ("person", "place", "organisation", "ship", "term")
                    else "term",
                    aliases=_ids(raw.get("aliases")),
                    text=_text(raw.get("text")),
                    mark=mark,
                )
                entries[entry_id] = entry
                for name in (entry.name, *entry.aliases):
                    key = name.strip().lower()
                    if key in names and names[key][0] != entry_id:
                        other, where = names[key]
                        self.problem(
                            mark,
                            "duplicate-name",
                            f"the codex name '{name}' belongs to both '{other}' ({where}) and '{entry_id}'",
                        )
                    names.setdefault(key, (entry_id, mark))
        return entries, {k: v[0] for k, v in names.items()}

    def paragraphs(self, value: Any) -> dict[str, Paragraph]:
        out: dict[str, Paragraph] = {}
        if not isinstance(value, YamlMap) or not isinstance(value.get("sources"), YamlMap):
            return out
        items = value["sources"].get("paragraphs")
        if not isinstance(items, YamlList):
            return out
        for raw in items:
            if isinstance(raw, YamlMap) and isinstance(raw.get("id"), str):
                out[raw["id"]] = Paragraph(
                    raw["id"], _text(raw.get("section")), _text(raw.get("summary"))
                )
        return out


def _item_marks(value: Any, shared: dict[Any, Any]) -> Mapping[str, Mark]:
    """Where each text of a list is written (the first place of each)."""
    if not isinstance(value, YamlList):
        return NO_MARKS
    return value.text_marks(shared)


def _id_mark(raw: YamlMap) -> Mark:
    """Where a mapping's id is, or the mapping's own place when it has none."""
    return raw.value_mark("id") if "id" in raw else raw.mark


def _in_value(raw: YamlMap, key: str, column: int) -> Mark:
    """The place of a column inside a one-line value (quotes taken into account roughly)."""
    mark = raw.value_mark(key)
    return Mark(mark.path, mark.line, mark.column + max(column - 1, 0))


def _assemble(parts: _Parts, sources_file: Path | None) -> Story | None:
    builder = _Builder(parts)
    if parts.story_file is None or not isinstance(parts.story_file[0].get("story"), YamlMap):
        # without the story's metadata, what the scenes must cite is not known: the keys
        # only the shipped story needs wait (they are checked once story.yaml is whole)
        _check_chapter_shapes(parts, True)
    if parts.story_file is None:
        where = parts.chapter_files[0][1] if parts.chapter_files else "."
        parts.problems.append(
            Problem(
                Mark(where),
                "missing-story",
                "no story.yaml found: the story's metadata and variables are missing",
            )
        )
        return None
    meta_file, meta_path = parts.story_file
    meta = meta_file.get("story")
    if not isinstance(meta, YamlMap):
        return None
    for key in ("title", "byline"):  # shown on one line by every front end
        if isinstance(meta.get(key), str) and "\n" in meta[key].strip():
            builder.problem(
                meta.value_mark(key),
                "not-one-line",
                f"the story's {key} is shown on one line; write it on one line (`{key}: >-` "
                "folds the lines below it into one)",
            )
    citations = _citations(parts, meta)
    builder.relaxed = citations != "article"
    calendar = meta.get("calendar")
    builder.old_style = calendar == "old-style" or (calendar is None and not builder.relaxed)
    paragraphs: dict[str, Paragraph] = {}
    if citations == "own":
        paragraphs = builder.paragraphs(parts.sources_files[0][0])
        builder.sources_name = parts.sources_files[0][1]
    elif citations == "article":
        paragraphs = _article(parts, builder, sources_file)
    if citations != "article":  # the shipped codex belongs to the shipped story
        del parts.codex_files[: parts.asset_codex_files]
    # a story.yaml with a mistake of its own (a misspelt key, `sources: nope`) may be a
    # story of its own: the keys only the shipped story needs wait until it is whole
    _check_chapter_shapes(parts, builder.relaxed or not schema.STORY_FILE.fits(meta_file))
    if meta_file.get("format") not in (schema.FORMAT_VERSION, None) and isinstance(
        meta_file.get("format"), int
    ):
        builder.problem(
            meta_file.value_mark("format"),
            "unknown-format",
            f"format {meta_file['format']} is not known; this game reads format {schema.FORMAT_VERSION}",
        )
    variables = builder.variables(meta_file.get("variables"))
    builder.declared = variables
    types = {name: var.type for name, var in variables.items()}
    viewpoints = builder.viewpoints(meta)

    chapters: dict[str, Chapter] = {}
    scenes: dict[str, Scene] = {}
    pending_refs: list[tuple[str, Mark]] = []
    for value, _path in parts.chapter_files:
        raw_chapter = value.get("chapter")
        if isinstance(raw_chapter, YamlMap) and isinstance(raw_chapter.get("id"), str):
            chapter_id = raw_chapter["id"]
            if chapter_id in chapters:
                builder.problem(
                    raw_chapter.value_mark("id"),
                    "duplicate-id",
                    f"the chapter id '{chapter_id}' is used twice (first at {chapters[chapter_id].mark})",
                )
            else:
                chapters[chapter_id] = builder.chapter(raw_chapter, types, viewpoints)
        elif isinstance(raw_chapter, str):
            chapter_id = raw_chapter
            pending_refs.append((chapter_id, value.value_mark("chapter")))
        else:
            continue
        raw_scenes = value.pop("scenes", None)  # once built, the parsed scenes are let go
        if not isinstance(raw_scenes, YamlList):
            continue
        for raw in raw_scenes:
            if not isinstance(raw, YamlMap):
                continue
            # a scene's place is its id's (where an editor should jump to)
            scene = builder.scene(raw, chapter_id, types, raw.value_mark("id"))
            if scene is None:
                continue
            if scene.id in scenes:
                builder.problem(
                    raw.value_mark("id"),
                    "duplicate-id",
                    f"the scene id '{scene.id}' is used twice (first at {scenes[scene.id].mark})",
                )
                continue
            scenes[scene.id] = scene
    for chapter_id, mark in pending_refs:
        if chapter_id not in chapters:
            builder.problem(
                mark,
                "unknown-chapter",
                f"no chapter has the id '{chapter_id}'"
                + did_you_mean(chapter_id, chapters, "chapters", listed=40),
            )
    extend_scenes(builder, parts.chapter_files, scenes, types)  # scene packs' `extends:`

    codex, codex_names = builder.codex(parts.codex_files)
    links = builder.linked_texts
    start = _text(meta.get("start"))
    if start and start not in scenes:
        builder.problem(
            meta.value_mark("start"), "unknown-scene", f"the start scene '{start}' does not exist"
        )
    builder.check_viewpoints(meta, viewpoints, start, scenes)
    memory = remember(builder, scenes, start)  # visit counts and choices that are read
    story = Story(
        id=_text(meta.get("id")),
        title=_text(meta.get("title")),
        version=str(meta.get("version", "")),
        start=start,
        intro=_text(meta.get("intro")),
        variables=variables,
        chapters=chapters,
        scenes=scenes,
        codex=codex,
        paragraphs=paragraphs,
        content_hash="sha256:" + parts.digest.hexdigest(),
        codex_names=codex_names,
        memory=memory,
        viewpoints=viewpoints,
        byline=_text(meta.get("byline")),
        citations=citations,
    )
    parts.problems.extend(analysis.codex_links(story, links, builder.locate))
    builder.locator.settle()
    return story


def _check_chapter_shapes(parts: _Parts, relaxed: bool) -> None:
    """Each chapter file against its shape, which depends on what the story cites, noting
    the scenes that do not fit theirs."""
    shapes = schema.file_shapes(relaxed)
    shape = shapes["chapter"]
    scene_shape = schema.scene_shape(relaxed)
    for value, path in parts.chapter_files:
        if shape.fits(value):
            continue
        parts.problems.extend(shape.problems(value, value.mark))
        scenes = value.get("scenes")
        if not isinstance(scenes, YamlList):  # `Scenes:` misspelt: what it holds is unknown
            parts.unparsed[path] = "chapter"
        for raw in scenes if isinstance(scenes, YamlList) else ():
            if not scene_shape.fits(raw):
                parts.broken_scenes.add(_id_mark(raw) if isinstance(raw, YamlMap) else Mark(""))


def _citations(parts: _Parts, meta: YamlMap) -> Citations:
    """What the story cites: its own sources file, nothing (`sources: none`), or the article."""
    for _value, path in parts.sources_files[1:]:
        parts.problems.append(
            Problem(
                Mark(path, 1, 1),
                "duplicate-sources",
                f"a second sources file; the first is {parts.sources_files[0][1]}. A story "
                "has one sources file: merge their paragraphs",
            )
        )
    if meta.get("sources") == "none":
        if parts.sources_files:
            parts.problems.append(
                Problem(
                    meta.value_mark("sources"),
                    "sources-and-none",
                    f"the story says 'sources: none' but has a sources file "
                    f"({parts.sources_files[0][1]}); remove one of the two",
                )
            )
        return "none"
    return "own" if parts.sources_files else "article"


def _article(parts: _Parts, builder: _Builder, sources_file: Path | None) -> dict[str, Paragraph]:
    """The paragraphs of Victor Serge's article (the assets folder's sources file)."""
    if sources_file is None:
        return {}
    shown = display_path(sources_file)
    data, problems = _read_bytes(sources_file, shown, parts)
    value = None
    if data is not None:
        value, problems = parts.parse(data, shown)
        parts.digest.update(b"sources\0" + data)
    parts.problems.extend(problems)
    if value is None:
        return {}
    parts.problems.extend(schema.SOURCES_FILE.problems(value, getattr(value, "mark", Mark(shown))))
    return builder.paragraphs(value)


def check_story(
    folders: Sequence[Path],
    *,
    assets: Path | None = None,
    cache: ParseCache | None = None,
    overlays: Mapping[Path, bytes] | None = None,
) -> tuple[Story | None, list[Problem]]:
    """Read story folders (story files and packs) plus the assets folder; never raises.

    Returns the story (None when it could not be assembled at all) and every
    problem found, errors and warnings, in reading order. With a `cache`, files
    parsed before are not parsed again (parsecache.py). `overlays` maps a file's
    resolved path to the bytes to read instead of the file's (an editor's unsaved
    text, for the language server); a file must exist to be read.
    """
    return _check(folders, assets, cache, overlays, warnings=True)


def _check(
    folders: Sequence[Path],
    assets: Path | None,
    cache: ParseCache | None,
    overlays: Mapping[Path, bytes] | None,
    *,
    warnings: bool,
) -> tuple[Story | None, list[Problem]]:
    """`check_story`; without `warnings`, the analysis's checks that only warn are skipped
    (the loader's own warnings are still there)."""
    parts = _Parts(
        cache=cache, overlays={Path(k).resolve(): v for k, v in (overlays or {}).items()}
    )
    if assets is not None:
        codex_file = assets / "codex.yaml"
        if codex_file.exists():
            _read_story_file(codex_file, assets, parts)
            parts.asset_codex_files = len(parts.codex_files)
    for index, folder in enumerate(folders):  # the first is the story, the rest its packs
        _read_folder(Path(folder), parts, in_pack=bool(index))
    sources_file = assets / "sources.yaml" if assets is not None else None
    if sources_file is not None and not sources_file.exists():
        sources_file = None
    story = _assemble(parts, sources_file)
    parts.sources.clear()  # only the assembly looks into the files' text
    if story is not None:
        parts.problems.extend(analysis.analyse(story, warnings=warnings))
    return story, sort_problems(_without_cascades(_dedupe(parts.problems), parts))


#: Problems that a file which cannot be used may cause, by the kind of file it looks like:
#: the scenes, codex entries or paragraphs it holds are missing, so references to them,
#: paths through them and what they read all look wrong. They wait until it is fixed.
_ACROSS_SCENES = frozenset(
    {
        "unknown-scene",
        "unknown-target",
        "unknown-chapter",
        "unknown-choice",
        "unknown-viewpoint",
        "start-not-viewpoint",
        "start-in-other-viewpoint",
    }
)
_WAITING_FOR: dict[str, frozenset[str]] = {
    "story": frozenset({"missing-story", "unknown-citation", "unknown-codex-term"})
    | _ACROSS_SCENES,
    "chapter": _ACROSS_SCENES,
    "codex": frozenset({"unknown-codex-term"}),
    "sources": frozenset({"unknown-citation"}),
}
_WAITING_FOR["?"] = frozenset().union(*_WAITING_FOR.values())

#: Problems of paths and reading that a lost scene or choice (a misspelt key, an id given
#: twice) or a goto to nowhere can cause. They wait until the story's paths are whole.
_ALONG_PATHS = frozenset(
    {
        "unreachable-scene",
        "unreachable-ending",
        "no-way-out",
        "no-endings",
        "unread-variable",
        "unread-effect",
        "time-backwards",
        "text-never-shown",
    }
)


def _without_cascades(problems: list[Problem], parts: _Parts) -> list[Problem]:
    """The problems less those that may only follow from a file that cannot be used, a
    scene that does not fit its shape, a goto to nowhere or an id given twice (a scene
    that failed to parse is not also "unreachable" or "a dead end"): the root cause is
    reported, and the checks it held back speak again once it is fixed."""
    waiting: set[str] = set()
    for kind in parts.unparsed.values():
        waiting |= _WAITING_FOR[kind]
        if kind in ("story", "chapter", "?"):
            waiting |= _ALONG_PATHS
    if any(p.code == "sources-and-none" for p in problems):
        waiting.add("unknown-citation")  # what the story cites is the question
    if parts.broken_scenes or any(p.code in ("unknown-target", "duplicate-id") for p in problems):
        waiting |= _ALONG_PATHS  # a lost scene or choice, a goto to nowhere: paths unknown
    broken = parts.broken_scenes
    return [
        p
        for p in problems
        if p.code not in waiting and not (p.code == "dead-end" and p.mark in broken)
    ]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def load_story(
    folders: Sequence[Path], *, assets: Path | None = None, cache: ParseCache | None = None
) -> Story:
    """Load a story for play. Raises StoryError if any error (not warning) was found.

    Only errors count here, so the checks that can only warn (unread effects and the like,
    a good part of a check's time) are not made: `check_story` makes them."""
    story, problems = _check(folders, assets, cache, None, warnings=False)
    errors = [p for p in problems if p.severity == "error"]
    if story is None or errors:
        raise StoryError(errors or problems)
    return story
