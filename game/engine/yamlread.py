"""Reads one YAML file safely into plain values that remember where each came from.

Only the YAML parser's event stream is used (the C parser when present), and the
values are built here, so that:

- no tag (``!!python/...`` or any other) is ever honoured: a tag is an error;
- anchors and aliases are refused, so an alias bomb cannot expand;
- duplicate keys are reported with both lines, at any depth;
- nesting depth and the number of values are bounded;
- only ``true``/``false``, whole numbers and empty values are typed: ``No``, ``on``,
  ``12:30`` and ``1917-10-25`` stay text.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from game.engine.files import NotAFile, read_regular
from game.engine.problems import Mark, Problem

# PyYAML is imported when a file is parsed, not with this module: the game, which
# loads its parsed files from a cache (parsecache.py), then never imports it.

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
#: Values (scalars, lists, mappings) in one file: the shipped files hold about one per
#: 40 bytes (generated ones one per 22), so a full-size legitimate file has 25,000 to
#: 50,000; refusing past this bounds the time (well under a second) and the memory a
#: hostile file can cost.
MAX_VALUES = 100_000

_INT = re.compile(r"[-+]?(0|[1-9][0-9]{0,14})")
#: Control characters (tab and newline excepted): in a terminal they are commands, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Half of a UTF-16 pair on its own ("\ud800"): not a character, and it cannot be written out.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: Either of them (one search for each text read back from the parse cache).
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


#: Where a value stands, as kept while reading: either a `Mark`, or one int holding the
#: 0-based line and column (`line << _COLUMN_BITS | column`), made into a `Mark` only when
#: asked for. Most places are never asked for (they are there for messages), and making
#: a `Mark` for each of the hundreds of thousands of keys and values was a quarter of the
#: reading; an int is also no work for the garbage collector, which a large story's
#: hundreds of thousands of retained place objects were.
Place = Any
_COLUMN_BITS = 24  # a file holds at most MAX_BYTES (2**20) characters


def _mark_at(path: str, place: Place) -> Mark:
    if type(place) is int:
        return Mark(path, (place >> _COLUMN_BITS) + 1, (place & ((1 << _COLUMN_BITS) - 1)) + 1)
    return place  # type: ignore[no-any-return]


#: Places kept as one array of machine ints while a value is read, then sealed into the
#: bytes of that array (one object, no spare room): `_place_at` reads either.
Places = Any
_WIDTH = array("q").itemsize


def _place_at(places: Places, index: int) -> int:
    """Place `index` (from the end when negative) of an array or its sealed bytes."""
    if type(places) is not bytes:
        return places[index]  # type: ignore[no-any-return]
    if index < 0:
        index += len(places) // _WIDTH
    if not 0 <= index < len(places) // _WIDTH:
        raise IndexError(index)
    start = index * _WIDTH
    return int.from_bytes(places[start : start + _WIDTH], sys.byteorder, signed=True)


def _unsealed(places: Places) -> array[int]:
    """The places as an array (a copy when they were sealed)."""
    if type(places) is not bytes:
        return places  # type: ignore[no-any-return]
    out = array("q")
    out.frombytes(places)
    return out


def _count(places: Places) -> int:
    return len(places) // _WIDTH if type(places) is bytes else len(places)


def _index(keys: Sequence[str], key: str) -> int:
    """Where `key` stands in `keys` (-1: not there)."""
    try:
        return keys.index(key)
    except ValueError:
        return -1


class Marks(Mapping[str, Mark]):
    """A read-only mapping of where each key (or each key's value) stands: `Mark`s, made
    when read, from a compact copy of the places (the mapping it came from is not kept)."""

    __slots__ = ("_path", "_keys", "_places")

    def __init__(self, path: str, keys: tuple[str, ...], places: array[int]) -> None:
        self._path = path
        self._keys = keys
        self._places: Places = places.tobytes()

    def __getitem__(self, key: str) -> Mark:
        try:
            index = self._keys.index(key)
        except ValueError:
            raise KeyError(key) from None
        return _mark_at(self._path, _place_at(self._places, index))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Marks({dict(self)!r})"


#: Past this many keys, a mapping looks its keys up in a dict made once (`YamlMap._find`).
_SCAN_KEYS = 24


class YamlMap(dict[str, Any]):
    """A mapping that knows where it, each key and each value stand in the file.

    The places are kept compactly, since a large story holds hundreds of thousands of
    them: the keys in the order they were read (`_keys`) and, in one array of machine
    ints (`_places`), the place of key `i` at `2 * i` and of its value at `2 * i + 1`.
    Once the mapping is read, the reader seals both (`_seal`): the keys become a tuple
    shared with every mapping of the file written with the same keys, the array its bytes.
    A key set later (by a test, say) without a place stands at the mapping's place."""

    __slots__ = ("_path", "_place", "_keys", "_places", "_lookup")

    def __init__(self, mark: Mark | str, place: Place = None) -> None:
        """`YamlMap(mark)`; the reader makes them as `YamlMap(path, place)`."""
        super().__init__()
        self._path = mark.path if isinstance(mark, Mark) else mark
        self._place = mark if place is None else place
        self._keys: Sequence[str] = []
        self._places: Places = array("q")
        self._lookup: dict[str, int] | None = None

    def _add(self, key: str, value: Any, key_place: int, value_place: int) -> None:
        """Put `key: value` read at these places (the reader's and the cache's way)."""
        if type(self._keys) is not list:
            self._keys = list(self._keys)
            self._places = _unsealed(self._places)
        self[key] = value
        self._keys.append(key)
        self._places.append(key_place)
        self._places.append(value_place)
        self._lookup = None

    def _seal(self, shared: dict[Any, Any]) -> None:
        """Keep the places compactly, now that every key is read."""
        keys = tuple(self._keys)
        self._keys = shared.setdefault(keys, keys)
        if type(self._places) is not bytes:
            self._places = self._places.tobytes()

    def _find(self, key: str) -> int:
        keys = self._keys
        if len(keys) <= _SCAN_KEYS:
            return _index(keys, key)
        lookup = self._lookup
        if lookup is None:
            lookup = {}
            for index, name in enumerate(keys):
                lookup.setdefault(name, index)
            self._lookup = lookup
        return lookup.get(key, -1)

    def _place_of(self, key: str, offset: int) -> Place:
        index = self._find(key)
        return self._place if index < 0 else _place_at(self._places, 2 * index + offset)

    @property
    def mark(self) -> Mark:
        """Where the mapping itself starts."""
        return _mark_at(self._path, self._place)

    def key_mark(self, key: str) -> Mark:
        """Where `key` is written, or the mapping itself when it is absent."""
        return _mark_at(self._path, self._place_of(key, 0))

    def value_mark(self, key: str) -> Mark:
        """Where the value of `key` starts, or the mapping itself when it is absent."""
        return _mark_at(self._path, self._place_of(key, 1))

    @property
    def key_marks(self) -> Marks:
        """Where each key is written."""
        return Marks(self._path, tuple(self._keys), _unsealed(self._places)[0::2])

    @property
    def value_marks(self) -> Marks:
        """Where each key's value starts (a compact copy, which keeps nothing of the
        mapping alive: a choice keeps its own for messages)."""
        return Marks(self._path, tuple(self._keys), _unsealed(self._places)[1::2])

    def shared_value_marks(self, shared: dict[Any, Any]) -> Marks:
        """`value_marks`, its tuple of keys taken from `shared` when an equal one is there
        (a story's thousands of choices are written with a few orders of keys)."""
        keys = tuple(self._keys)
        return Marks(self._path, shared.setdefault(keys, keys), _unsealed(self._places)[1::2])


class YamlList(list[Any]):
    """A sequence that knows where it and each item stand in the file (its places kept
    as `YamlMap`'s are: an array while it is read, then sealed into bytes)."""

    __slots__ = ("_path", "_place", "_item_places")

    def __init__(self, mark: Mark | str, place: Place = None) -> None:
        """`YamlList(mark)`; the reader makes them as `YamlList(path, place)`."""
        super().__init__()
        self._path = mark.path if isinstance(mark, Mark) else mark
        self._place = mark if place is None else place
        self._item_places: Places = array("q")

    def _add(self, value: Any, place: int) -> None:
        """Append `value`, read at `place`."""
        if type(self._item_places) is bytes:
            self._item_places = _unsealed(self._item_places)
        self.append(value)
        self._item_places.append(place)

    def _seal(self) -> None:
        if type(self._item_places) is not bytes:
            self._item_places = self._item_places.tobytes()

    @property
    def mark(self) -> Mark:
        """Where the list itself starts."""
        return _mark_at(self._path, self._place)

    def item_mark(self, index: int) -> Mark:
        """Where item `index` starts."""
        if index < _count(self._item_places):
            return _mark_at(self._path, _place_at(self._item_places, index))
        return self.mark

    @property
    def item_marks(self) -> list[Mark]:
        """Where each item starts."""
        return [self.item_mark(index) for index in range(_count(self._item_places))]

    def text_marks(self, shared: dict[Any, Any]) -> Mapping[str, Mark]:
        """Where each text of the list is written (the first place of each), compactly: its
        tuple of texts taken from `shared` when an equal one is there."""
        places = _unsealed(self._item_places)
        if type(self._place) is not int or len(places) < len(self):  # not as read: plainly
            marks: dict[str, Mark] = {}
            for index, item in enumerate(self):
                if isinstance(item, str):
                    marks.setdefault(item, self.item_mark(index))
            return marks
        texts: dict[str, int] = {}
        for index, item in enumerate(self):
            if isinstance(item, str):
                texts.setdefault(item, places[index])
        keys = tuple(texts)
        return Marks(self._path, shared.setdefault(keys, keys), array("q", texts.values()))


#: The first characters of plain values that may be typed (null, true/false, a number).
_TYPED_STARTS = frozenset("~nNtTfF+-0123456789")


def _plain_scalar(text: str) -> Any:
    if text[:1] not in _TYPED_STARTS:
        return text if text else None  # most values: text that cannot be anything else
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    return text


class _Refused(Exception):
    """Reading stops at the first construct that cannot be read safely."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _line_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (in characters, as every other place) of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1


#: Characters YAML reads as line breaks but editors do not (so every place after one
#: would be a line off), and those that show text in another order than it is stored.
_ODD_BREAK = re.compile("[\x85\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _odd_character(text: str, display: str) -> Problem | None:
    """A line separator or a bidirectional control anywhere in the text, with its place
    (lines counted as editors count them)."""
    for pattern, code, why in (
        (
            _ODD_BREAK,
            "line-separator",
            "which YAML reads as a line break but editors do not, so every place after it "
            "would be wrong; remove it or put a space",
        ),
        (
            _BIDI,
            "bidi-control",
            "a control that shows text in another order than it is stored (it can disguise "
            "what a line says); remove it",
        ),
    ):
        found = pattern.search(text)
        if found is not None:
            at = found.start()
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
            return Problem(
                Mark(display, line, column),
                code,
                f"the file holds the character U+{ord(found.group()):04X}, {why}",
            )
    return None


def read_yaml_bytes(data: bytes, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML bytes; return (value, problems). The value is None when unreadable."""
    if len(data) > MAX_BYTES:
        return None, [too_large_problem(display, len(data))]
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return None, [
            Problem(
                Mark(display, 1, 1),
                "not-utf8",
                "the file is saved as UTF-16 or UTF-32; save it as UTF-8 in your editor",
            )
        ]
    if b"\x00" in data:
        line, col = _line_of_offset(data, data.index(b"\x00"))
        return None, [
            Problem(
                Mark(display, line, col),
                "not-text",
                "the file holds binary data (a NUL byte), not YAML text",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_of_offset(data, exc.start)
        return None, [
            Problem(
                Mark(display, line, col),
                "not-utf8",
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "save it as UTF-8 in your editor",
            )
        ]
    return read_yaml_text(text, display)


def too_large_problem(display: str, size: int) -> Problem:
    return Problem(
        Mark(display),
        "file-too-large",
        f"the file is {size:,} bytes; a story file may hold at most "
        f"{MAX_BYTES:,}. Split it into several files.",
    )


def read_limited(path: Path, display: str) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes, refused by its size before any of it is read (a huge file costs nothing).

    Only a regular file (or a link to one) is read (`files.read_regular`): a named pipe
    is never waited on, and a device (`/dev/zero`), a socket or a folder is refused with
    its kind, so no file put where a story file should be can hang the game or fill its
    memory."""
    try:
        return read_regular(path, MAX_BYTES), []
    except NotAFile as exc:
        size = _regular_size(path)
        if size is not None and size > MAX_BYTES:
            return None, [too_large_problem(display, size)]
        return None, [
            Problem(
                Mark(display),
                "not-a-file",
                f"{exc.strerror}: only an ordinary file is read; put the file itself here",
            )
        ]
    except OSError as exc:
        return None, [
            Problem(Mark(display), "unreadable", f"cannot read the file: {exc.strerror or exc}")
        ]


def _regular_size(path: Path) -> int | None:
    """The size of the regular file at `path` (links followed), or None if it is not one."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def read_yaml_file(path: Path, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Read and parse one file; every failure becomes a Problem naming the file."""
    shown = display or str(path)
    data, problems = read_limited(path, shown)
    if data is None:
        return None, problems
    return read_yaml_bytes(data, shown)


def read_yaml_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text into YamlMap/YamlList/scalars; return (value, problems)."""
    odd = _odd_character(text, display)
    if odd is not None:
        return None, [odd]
    lines = text.splitlines()
    if all(not line.strip() or line.lstrip().startswith("#") for line in lines):
        return None, [
            Problem(
                Mark(display, 1, 1), "empty-file", "the file is empty; remove it or write in it"
            )
        ]
    import yaml

    loader: yaml.SafeLoader | yaml.CSafeLoader
    try:  # the C parser is much faster; the pure-Python one is equivalent
        loader = yaml.CSafeLoader(text)
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        loader = yaml.SafeLoader(text)
    try:
        notes: list[Problem] = []
        root = _build(loader, display, lines, notes)
        if root is None:  # only '~', 'null' or '---': as good as empty
            return None, [
                Problem(Mark(display, 1, 1), "empty-file", "the file holds no values; write in it")
            ]
        return root, notes
    except _Refused as refused:
        return None, [refused.problem]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, display, lines)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a file
        at = min(max(exc.position, 0), len(text))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        return None, [
            Problem(
                Mark(display, line, column),
                "control-character",
                f"the file holds the control character U+{code:04X}, which YAML does not "
                "allow; remove it",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(Mark(display), "yaml-syntax", str(exc).splitlines()[0])]
    except RecursionError:
        return None, [Problem(Mark(display), "too-deep", "the file is nested too deeply")]
    finally:
        loader.dispose()


#: `key: value` or `- value` at the start of a line: the indentation, the key (if any), the value.
_ENTRY = re.compile(r"^(\s*(?:-\s+)?)(?:([A-Za-z_][\w-]*):(?:\s+|$))?(.*)$")


def _unclosed_quote(line: str) -> int | None:
    """The column (0-based) of a quote that opens a value and is not closed on its line."""
    match = _ENTRY.match(line)
    if match is None:
        return None
    value = match.group(3)
    if not value.startswith(('"', "'")) or (match.group(2) is None and not match.group(1)):
        return None
    quote, index = value[0], 1
    while index < len(value):
        char = value[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and value[index + 1 : index + 2] == "'":
                index += 2  # '' is a quote inside single quotes
                continue
            return None
        index += 1
    return match.start(3)


def _syntax_problem(exc: Any, display: str, lines: list[str]) -> Problem:
    """A YAML syntax error where a writer should look, in a writer's words.

    The parser reports where it gave up, which is often far from the mistake: an
    unclosed quote is reported lines later, where the quoted text happens to end. So
    the place and the wording are worked out from the lines themselves when they show
    one of the common mistakes; otherwise the parser's own message is kept."""
    problem, context = exc.problem_mark, exc.context_mark
    mark = problem or context
    message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    if mark is None:
        return Problem(Mark(display), "yaml-syntax", message)
    at = mark.line  # where the parser gave up (it may be the line after the last)

    def found(line: int, column: int, text: str) -> Problem:
        return Problem(Mark(display, line + 1, column + 1), "yaml-syntax", text)

    if context is not None and (exc.context or "").startswith("while parsing a flow sequence"):
        return found(
            context.line,
            context.column,
            "the list opened with '[' here is not closed; end it with ']' on the same line",
        )
    if context is not None and (exc.context or "").startswith("while scanning a quoted scalar"):
        opened = context.line
        text = lines[opened] if opened < len(lines) else ""
        return found(opened, context.column, _unclosed_message(text, context.column))
    for index in range(0, min(at, len(lines))):  # the first quote left open before that
        column = _unclosed_quote(lines[index])
        if column is not None and _closing_helps(lines, index, at):
            return found(
                index,
                column,
                _unclosed_message(lines[index], column)
                + f" (the parser read on to line {at + 1} looking for its end)",
            )
    line = lines[at] if at < len(lines) else ""
    entry = _ENTRY.match(line)
    key = entry.group(2) if entry else None
    value = entry.group(3) if entry else ""
    what = f"'{key}'" if key else "the value"
    if "\t" in line[: max(mark.column, 0) + 1] or "tab" in message:
        return found(
            at,
            line.find("\t") if "\t" in line else mark.column,
            "a tab in the indentation; YAML indents with spaces only: replace the tab with "
            "spaces (most editors can convert it)",
        )
    if entry and value[:1] == "'" and re.match(r"'[^']*'[A-Za-z]", value):
        return found(
            at,
            entry.start(3) + value.index("'", 1),
            f"an apostrophe inside single quotes ends the quoted {key or 'value'}; write it "
            "twice ('Committee''s'), or use double quotes, or no quotes at all",
        )
    if entry and value[:1] in ('"', "'") and "did not find expected key" in message:
        return found(
            at,
            entry.start(3),
            f"{what} starts with a quoted phrase and goes on after the closing quote; quote "
            f"the whole {key or 'value'}, or use `{key or 'key'}: >-` with the text on the "
            "next line",
        )
    if "mapping values are not allowed" in message:
        colon = value.find(": ") if key else -1
        if colon >= 0 or (key and value.endswith(":")):
            column = entry.start(3) + (colon if colon >= 0 else len(value) - 1) if entry else 0
            return found(
                at,
                column,
                f"{what} holds ': ' (a colon and a space), which YAML reads as a new key; "
                f"quote the whole {key}, or use `{key}: >-` with the text on the next line",
            )
        return found(
            at,
            mark.column,
            message + " (check the indentation: the keys of one mapping line up under each "
            "other)",
        )
    if "expected '-' indicator" in message:
        message += (
            " (an item of a list starts with '- ', and the keys under it line up with the "
            "key after the dash)"
        )
    elif "did not find expected key" in message:
        message += " (check the indentation: the keys of one mapping line up under each other)"
    return found(at, mark.column, message)


def _closing_helps(lines: list[str], index: int, at: int) -> bool:
    """Whether closing the quote left open on line `index` lets the parser read further
    than line `at`, where it gave up: then that quote is the mistake. (A value in quotes
    may go on over several lines, and a line of a block of text may hold a quote: there,
    closing it on its line changes nothing or makes things worse, so it is not blamed.)"""
    import yaml

    quote = lines[index][_unclosed_quote(lines[index]) or 0]
    patched = "\n".join([*lines[:index], lines[index] + quote, *lines[index + 1 :]])
    loader: yaml.SafeLoader | yaml.CSafeLoader
    try:
        loader = yaml.CSafeLoader(patched)
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        loader = yaml.SafeLoader(patched)
    try:
        while loader.check_event():  # events only: no values are built
            loader.get_event()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line > at
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return True


def _unclosed_message(line: str, column: int) -> str:
    quote = line[column : column + 1] or '"'
    return f"the quote {quote} that opens this value is never closed; end the value with {quote}"


def _comment_after(event: Any, display: str, lines: list[str], notes: list[Problem]) -> None:
    """Warn when ' #' after unquoted words started a comment: `place: room #67` is
    'room' to YAML, and the rest of the line is silently left out."""
    end = event.end_mark
    rest = lines[end.line][end.column :] if end.line < len(lines) else ""
    if rest[:1] in (" ", "\t") and rest.lstrip(" \t").startswith("#"):
        notes.append(
            Problem(
                Mark(display, end.line + 1, end.column + len(rest) - len(rest.lstrip(" \t")) + 1),
                "comment-in-text",
                f"' #' starts a comment in YAML, so the text ends at '{event.value[-30:]}' and "
                "the rest of the line is left out; put the whole value in quotes to keep it, "
                "or move the comment to a line of its own",
                "warning",
            )
        )


def _block_start(lines: list[str], line: int) -> int:
    """Where a block scalar's content begins (a place): the first non-blank line after its
    '|' or '>' (0-based `line`)."""
    for index in range(line + 1, len(lines)):
        content = lines[index]
        if content.strip():
            return index << _COLUMN_BITS | (len(content) - len(content.lstrip(" ")))
    return line << _COLUMN_BITS


def _build(loader: Any, display: str, lines: list[str], notes: list[Problem]) -> Any:
    """Turn the parser's event stream into values, without recursion.

    This loop runs once per YAML event (a 10,000-scene story has about 800,000), so the
    state is kept in local variables: the open container, whether it is a mapping, the
    key waiting for its value and where that key stands.
    """
    import yaml

    ev_scalar = yaml.ScalarEvent
    ev_map = yaml.MappingStartEvent
    ev_seq = yaml.SequenceStartEvent
    ev_map_end = yaml.MappingEndEvent
    ev_seq_end = yaml.SequenceEndEvent
    ev_alias = yaml.AliasEvent
    ev_doc = yaml.DocumentStartEvent
    plain = _plain_scalar
    get_event = loader.get_event
    # Every text read once per file: the same key (`id:`, `label:`) and the same values
    # (`history: faithful`) are written thousands of times, and each would be a string
    # of its own, kept by the story as long as it lives.
    strings: dict[str, str] = {}
    same = strings.setdefault
    key_orders: dict[tuple[str, ...], tuple[str, ...]] = {}  # the same for mappings' keys

    def mark_of(event: Any) -> Mark:
        m = event.start_mark
        return Mark(display, m.line + 1, m.column + 1)

    def refuse(event: Any, code: str, message: str) -> _Refused:
        return _Refused(Problem(mark_of(event), code, message))

    # The containers still open, outermost first, each with its own pending key.
    stack: list[tuple[Any, bool, str | None, Place]] = []
    container: Any = None  # the innermost open container (None: at the top level)
    in_map = False  # whether `container` is a YamlMap
    key: str | None = None  # in a mapping, the key waiting for its value
    key_place: Place = None  # where that key is written

    def admit(event: Any, count: int) -> None:
        """Refuse a value beyond the limit, or one with an anchor or a tag."""
        if count > MAX_VALUES:
            raise refuse(
                event,
                "too-large",
                f"the file holds more than {MAX_VALUES:,} values; split it into several files",
            )
        if event.anchor is not None:
            raise refuse(
                event,
                "anchor",
                f"anchors (&{event.anchor}) are not allowed in story files; write the value out in full",
            )
        tag = event.tag
        if tag is not None and tag != "!":
            raise refuse(
                event,
                "tag",
                f"the tag '{tag}' is not allowed in story files; write plain values only",
            )

    root: Any = None
    documents = 0
    values = 0
    untagged = (None, "!")

    for event in iter(get_event, None):  # the parser gives None after the stream's end
        kind = type(event)
        if kind is ev_scalar:
            values += 1
            if values > MAX_VALUES or event.anchor is not None or event.tag not in untagged:
                admit(event, values)  # raises, saying which
            if event.style == '"' and _CONTROL.search(event.value) is not None:
                # Only "..." escapes (\e, \x1b, \N) can make one: it could drive the terminal.
                code = ord(_CONTROL.search(event.value).group())  # type: ignore[union-attr]
                raise refuse(
                    event,
                    "control-character",
                    f"the text holds the control character U+{code:04X} (an escape such as "
                    "'\\e'), which could take over the player's terminal; remove it",
                )
            if event.style == '"' and _SURROGATE.search(event.value) is not None:
                code = ord(_SURROGATE.search(event.value).group())  # type: ignore[union-attr]
                raise refuse(
                    event,
                    "not-a-character",
                    f"the text holds U+{code:04X} (an escape such as '\\ud800'), half of a "
                    "character pair, which is not text on its own; remove it",
                )
            if in_map and key is None:
                key = same(event.value, event.value)
                m = event.start_mark
                key_place = m.line << _COLUMN_BITS | m.column
                continue
            style = event.style
            m = event.start_mark
            if not style:
                value = plain(event.value)
                if type(value) is str:
                    value = same(value, value)
                place = m.line << _COLUMN_BITS | m.column
                if " " in event.value:  # words: a ' #' after them would have cut them short
                    _comment_after(event, display, lines, notes)
            else:
                value = same(event.value, event.value)
                if style == "|" or style == ">":
                    place = _block_start(lines, m.line)
                else:
                    place = m.line << _COLUMN_BITS | m.column
        elif kind is ev_map or kind is ev_seq:
            values += 1
            if values > MAX_VALUES or event.anchor is not None or event.tag not in untagged:
                admit(event, values)
            if in_map and key is None:
                raise refuse(event, "bad-key", "a key must be plain text, not a list or mapping")
            if len(stack) >= MAX_DEPTH:
                raise refuse(
                    event, "too-deep", f"the file is nested more than {MAX_DEPTH} levels deep"
                )
            stack.append((container, in_map, key, key_place))
            m = event.start_mark
            place = m.line << _COLUMN_BITS | m.column
            container = YamlMap(display, place) if kind is ev_map else YamlList(display, place)
            in_map = kind is ev_map
            key = key_place = None
            continue
        elif kind is ev_map_end or kind is ev_seq_end:
            value = container
            place = container._place
            if in_map:
                value._seal(key_orders)
            else:
                value._seal()
            container, in_map, key, key_place = stack.pop()
        elif kind is ev_doc:
            documents += 1
            if documents > 1:
                raise refuse(
                    event,
                    "many-documents",
                    "a story file holds one YAML document; remove the second '---'",
                )
            continue
        elif kind is ev_alias:
            raise refuse(
                event,
                "alias",
                f"aliases (*{event.anchor}) are not allowed in story files; write the value out in full",
            )
        else:
            continue
        # put `value` (standing at `place`) in the open container
        if container is None:
            root = value
        elif in_map:
            assert key is not None and key_place is not None
            if key in container:
                first = container.key_mark(key)
                key_mark = _mark_at(display, key_place)
                raise _Refused(
                    Problem(
                        key_mark,
                        "duplicate-key",
                        f"the key '{key}' is written twice in one mapping, at lines "
                        f"{first.line} and {key_mark.line}; keep one"
                        + (
                            ", or, if this one starts a new item of a list, put '- ' before it"
                            if key == "id"
                            else ""
                        ),
                    )
                )
            container[key] = value  # as `_add` does, inline: the mapping is being read
            container._keys.append(key)
            places = container._places
            places.append(key_place)
            places.append(place)
            key = None
        else:
            container.append(value)
            container._item_places.append(place)
    return root


# ------------------------------------------------------------ plain form (for the cache)


def to_plain(value: Any) -> Any:
    """A value as read, places included, in plain JSON types (parsecache.py stores it).

    A mapping becomes {"map": place, "keys": [[key, key place, value place, value], ...]},
    a list {"list": place, "items": [[place, item], ...]}; scalars stay as they are.
    """
    if isinstance(value, YamlMap):
        return {
            "map": _plain_place(value._place),
            "keys": [
                [
                    key,
                    _plain_place(value._place_of(key, 0)),
                    _plain_place(value._place_of(key, 1)),
                    to_plain(item),
                ]
                for key, item in value.items()
            ],
        }
    if isinstance(value, YamlList):
        places = _unsealed(value._item_places)
        return {
            "list": _plain_place(value._place),
            "items": [[_plain_place(places[i]), to_plain(item)] for i, item in enumerate(value)],
        }
    if value is None or isinstance(value, (str, bool, int)):
        return value
    raise TypeError(f"not a value the reader makes: {type(value).__name__}")


def _plain_place(place: Place) -> int:
    if type(place) is not int:
        raise TypeError("only places kept as ints can be stored")
    return place


class NotPlain(ValueError):
    """A plain form that the reader could not have made (a damaged or edited cache)."""


def from_plain(plain: Any, display: str) -> Any:
    """The value `to_plain` was given, its places now in the file shown as `display`.

    Everything is checked as the reader checks it (nesting, the number of values, their
    types, whole numbers of at most 15 digits, no control characters or surrogates),
    so a damaged cache can give nothing that a file could not. Mappings written with
    the same keys share one tuple of them, as the reader's do.
    """
    return _from_plain(plain, display, 0, [0], {})


def _from_plain(
    plain: Any, display: str, depth: int, count: list[int], shared: dict[Any, Any]
) -> Any:
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise NotPlain("too many values")
    if isinstance(plain, str):
        if _NOT_TEXT.search(plain) is not None:
            raise NotPlain("a control character or a surrogate")
        return plain
    if plain is None or isinstance(plain, bool):
        return plain
    if isinstance(plain, int):
        if not -_INT_LIMIT < plain < _INT_LIMIT:
            raise NotPlain("a number longer than the reader reads")
        return plain
    if depth >= MAX_DEPTH or not isinstance(plain, dict):
        raise NotPlain("too deep, or not a value")
    try:
        if "map" in plain:
            mapping = YamlMap(display, _int(plain["map"]))
            keys: list[str] = []
            places = array("q")
            for key, key_place, value_place, item in plain["keys"]:
                if not isinstance(key, str) or key in mapping:
                    raise NotPlain("a key that is not text, or a duplicate")
                if type(key_place) is not int or type(value_place) is not int:
                    raise NotPlain("a place that is not a whole number")
                if key_place < 0 or value_place < 0:  # `_int`, made inline: most values are
                    raise NotPlain("a place that is not a whole number")  # under a key
                mapping[key] = _from_plain(item, display, depth + 1, count, shared)
                keys.append(key)
                places.append(key_place)
                places.append(value_place)
            mapping._keys = keys  # what `_add` would have made, key by key
            mapping._places = places
            mapping._seal(shared)
            return mapping
        sequence = YamlList(display, _int(plain["list"]))
        item_places = array("q")
        for place, item in plain["items"]:
            sequence.append(_from_plain(item, display, depth + 1, count, shared))
            item_places.append(_int(place))
        sequence._item_places = item_places
        sequence._seal()
        return sequence
    except (KeyError, TypeError, ValueError) as exc:
        raise NotPlain(str(exc)) from None


#: Whole numbers in story files have at most 15 digits (`_INT`).
_INT_LIMIT = 10**15


def _int(place: Any) -> int:
    if type(place) is not int or place < 0:
        raise NotPlain("a place that is not a whole number")
    return place
