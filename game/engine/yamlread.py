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

import re
from pathlib import Path
from typing import Any

import yaml

from game.engine.problems import Mark, Problem

try:  # the C parser is much faster; the pure-Python one is equivalent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
MAX_VALUES = 250_000

_INT = re.compile(r"[-+]?(0|[1-9][0-9]{0,14})")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


class YamlMap(dict[str, Any]):
    """A mapping that knows where it, each key and each value stand in the file."""

    __slots__ = ("mark", "key_marks", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}

    def key_mark(self, key: str) -> Mark:
        """Where `key` is written, or the mapping itself when it is absent."""
        return self.key_marks.get(key, self.mark)

    def value_mark(self, key: str) -> Mark:
        """Where the value of `key` starts, or the mapping itself when it is absent."""
        return self.value_marks.get(key, self.mark)


class YamlList(list[Any]):
    """A sequence that knows where it and each item stand in the file."""

    __slots__ = ("mark", "item_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []

    def item_mark(self, index: int) -> Mark:
        """Where item `index` starts."""
        return self.item_marks[index] if index < len(self.item_marks) else self.mark


def _plain_scalar(text: str) -> Any:
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
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def read_yaml_bytes(data: bytes, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML bytes; return (value, problems). The value is None when unreadable."""
    if len(data) > MAX_BYTES:
        return None, [
            Problem(
                Mark(display),
                "file-too-large",
                f"the file is {len(data):,} bytes; a story file may hold at most "
                f"{MAX_BYTES:,}. Split it into several files.",
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


def read_yaml_file(path: Path, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Read and parse one file; every failure becomes a Problem naming the file."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return read_yaml_bytes(b" " * (MAX_BYTES + 1), shown)
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Mark(shown), "unreadable", f"cannot read the file: {exc.strerror}")]
    return read_yaml_bytes(data, shown)


def read_yaml_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text into YamlMap/YamlList/scalars; return (value, problems)."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, [
            Problem(
                Mark(display, 1, 1), "empty-file", "the file is empty; remove it or write in it"
            )
        ]
    loader = _Loader(text)
    try:
        return _build(loader, display, text.splitlines()), []
    except _Refused as refused:
        return None, [refused.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(display, mark.line + 1, mark.column + 1) if mark else Mark(display)
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, [Problem(where, "yaml-syntax", _syntax_hint(message))]
    except yaml.YAMLError as exc:
        return None, [Problem(Mark(display), "yaml-syntax", str(exc).splitlines()[0])]
    except RecursionError:
        return None, [Problem(Mark(display), "too-deep", "the file is nested too deeply")]
    finally:
        loader.dispose()


def _syntax_hint(message: str) -> str:
    if "mapping values are not allowed" in message:
        return message + " (check the indentation; put text that contains ': ' in quotes)"
    if "found character '\\t'" in message:
        return message + " (indent with spaces, not tabs)"
    return message


def _block_start(lines: list[str], line: int, display: str) -> Mark:
    """Where a block scalar's content begins: the first non-blank line after its '|' or '>'."""
    for index in range(line + 1, len(lines)):
        content = lines[index]
        if content.strip():
            return Mark(display, index + 1, len(content) - len(content.lstrip(" ")) + 1)
    return Mark(display, line + 1, 1)


def _build(loader: Any, display: str, lines: list[str]) -> Any:
    """Turn the parser's event stream into values, without recursion."""
    ev_scalar = yaml.ScalarEvent
    ev_map = yaml.MappingStartEvent
    ev_seq = yaml.SequenceStartEvent
    ev_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    ev_alias = yaml.AliasEvent
    ev_doc = yaml.DocumentStartEvent

    def mark_of(event: Any) -> Mark:
        m = event.start_mark
        return Mark(display, m.line + 1, m.column + 1)

    def refuse(event: Any, code: str, message: str) -> _Refused:
        return _Refused(Problem(mark_of(event), code, message))

    # Each frame: [container, pending key or None, key mark]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    values = 0

    def place(value: Any, mark: Mark, event: Any) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, YamlList):
            container.append(value)
            container.item_marks.append(mark)
        elif frame[1] is None:
            raise refuse(event, "bad-key", "a key must be plain text, not a list or mapping")
        else:
            key, key_mark = frame[1], frame[2]
            if key in container:
                first = container.key_marks[key]
                raise _Refused(
                    Problem(
                        key_mark,
                        "duplicate-key",
                        f"the key '{key}' is written twice in one mapping, at lines "
                        f"{first.line} and {key_mark.line}; keep one",
                    )
                )
            container[key] = value
            container.key_marks[key] = key_mark
            container.value_marks[key] = mark
            frame[1] = None

    while loader.check_event():
        event = loader.get_event()
        kind = type(event)
        if kind is ev_doc:
            documents += 1
            if documents > 1:
                raise refuse(
                    event,
                    "many-documents",
                    "a story file holds one YAML document; remove the second '---'",
                )
            continue
        if kind is ev_alias:
            raise refuse(
                event,
                "alias",
                f"aliases (*{event.anchor}) are not allowed in story files; write the value out in full",
            )
        if kind is ev_scalar or kind is ev_map or kind is ev_seq:
            values += 1
            if values > MAX_VALUES:
                raise refuse(event, "too-large", f"the file holds more than {MAX_VALUES:,} values")
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
        if kind is ev_scalar:
            if stack and isinstance(stack[-1][0], YamlMap) and stack[-1][1] is None:
                stack[-1][1] = event.value
                stack[-1][2] = mark_of(event)
                continue
            style = event.style
            value = _plain_scalar(event.value) if not style else event.value
            if style == "|" or style == ">":
                place(value, _block_start(lines, event.start_mark.line, display), event)
            else:
                place(value, mark_of(event), event)
        elif kind is ev_map or kind is ev_seq:
            if stack and isinstance(stack[-1][0], YamlMap) and stack[-1][1] is None:
                raise refuse(event, "bad-key", "a key must be plain text, not a list or mapping")
            if len(stack) >= MAX_DEPTH:
                raise refuse(
                    event, "too-deep", f"the file is nested more than {MAX_DEPTH} levels deep"
                )
            container = YamlMap(mark_of(event)) if kind is ev_map else YamlList(mark_of(event))
            stack.append([container, None, None])
        elif kind in ev_end:
            container = stack.pop()[0]
            place(container, container.mark, event)
    return root
