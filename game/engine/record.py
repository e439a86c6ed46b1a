"""The playthrough record: what a player chose, in order. Saves, undo, transcripts and
verification are all built by replaying it through the engine.

A record is plain JSON with a format name and version, the story's id, version and
content hash, the seed, and the steps. It holds no paths and nothing about the
machine it was made on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from game.engine.files import UNSAFE
from game.engine.schema import ID_PATTERN, NAME_PATTERN, VERSION_PATTERN

#: A lone surrogate is not text (it cannot even be written as UTF-8): no record holds one.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The same forms as a story's (schema.py), so that whatever a story can be, its records read.
_ID = re.compile(ID_PATTERN)
_NAME = re.compile(NAME_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)
_HASH = re.compile(r"[A-Za-z0-9:_.-]{1,200}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")

RECORD_FORMAT = "petrograd-record"
RECORD_VERSION = 1
MAX_STEPS = 10_000
MAX_SEED = 2**63 - 1
MAX_VARIABLES = 1_000
#: A variable's value is never beyond this (expressions saturate there too).
VALUE_LIMIT = 10**12
#: The longest text the game writes in one place (a "why?" answer is one line, a
#: reflection answer a paragraph), and the longest it reads (records made before the
#: game cut what a player typed).
MAX_TEXT = 4_000
MAX_READ_TEXT = 100_000
#: How deep and how many values a record may hold in all.
MAX_DEPTH = 8
MAX_VALUES = 250_000
#: The years a time in a record may fall in (a clock set wrong still fits).
YEARS = (1970, 2999)


class RecordError(ValueError):
    """A record that cannot be read; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class Step:
    """One choice: in `scene`, the player took `choice` at time `at` (ISO 8601, UTC).

    `why` is the player's one-line reason, where an assignment asks for one. A game
    keeps its steps as plain tuples while it plays and makes them into Steps only when
    its record is read (`Game.record`).
    """

    scene: str
    choice: str
    at: str = ""
    why: str | None = None

    def as_json(self) -> dict[str, str]:
        out = {"scene": self.scene, "choice": self.choice, "at": self.at}
        if self.why is not None:
            out["why"] = self.why
        return out


@dataclass(frozen=True, slots=True)
class Record:
    """A whole playthrough, enough to rebuild its state exactly."""

    story_id: str
    story_version: str
    story_hash: str
    seed: int
    start: str
    steps: tuple[Step, ...] = ()
    #: Room for later features (assignment, answers); kept as given.
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The variables at `start` when it is not the story's own start (None: the declared initials).
    initial: Mapping[str, int | bool] | None = None

    def with_step(self, step: Step) -> Record:
        return replace(self, steps=(*self.steps, step))

    def without_last(self) -> Record:
        return replace(self, steps=self.steps[:-1])

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "version": RECORD_VERSION,
            "story": {"id": self.story_id, "version": self.story_version, "hash": self.story_hash},
            "seed": self.seed,
            "start": self.start,
            "steps": [step.as_json() for step in self.steps],
        }
        if self.initial is not None:
            out["initial"] = dict(self.initial)
        if self.extra:
            out["extra"] = dict(self.extra)
        return out

    def dumps(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """Read a record from parsed JSON; raises RecordError naming what is wrong.

        Every field is checked for what it may hold, not only for its type: ids are
        ids, the version a version, the hash a hash, times are times this game writes,
        numbers within their bounds, and the whole record within MAX_DEPTH levels and
        MAX_VALUES values, with no float and no text that is not text. What a person
        typed (a reason, an answer, a name) is kept as it was written, and shown
        only through `clean_text`, so no control character in it reaches a screen."""
        if not isinstance(data, dict):
            raise RecordError("not a playthrough record (expected a JSON object)")
        if data.get("format") != RECORD_FORMAT:
            raise RecordError("not a playthrough record (its 'format' is not petrograd-record)")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise RecordError("the record has no format version")
        if version > RECORD_VERSION:
            raise RecordError(
                f"the record was made by a newer version of the game (format {version}); update the game"
            )
        story = data.get("story")
        if not isinstance(story, dict) or not all(
            isinstance(story.get(k), str) for k in ("id", "version", "hash")
        ):
            raise RecordError("the record does not say which story it belongs to")
        if not (_ID.fullmatch(story["id"]) and _VERSION.fullmatch(story["version"])):
            raise RecordError("the record's story id or version is not one a story can have")
        if not _HASH.fullmatch(story["hash"]):
            raise RecordError("the record's story hash is damaged")
        seed, start, steps = data.get("seed"), data.get("start"), data.get("steps")
        if not isinstance(seed, int) or not _whole(seed, 0, MAX_SEED):
            raise RecordError(
                f"the record's seed is missing or not a whole number from 0 to {MAX_SEED}"
            )
        if not isinstance(start, str) or not _ID.fullmatch(start):
            raise RecordError("the record's start scene is missing or not a scene id")
        if not isinstance(steps, list):
            raise RecordError("the record's steps are missing")
        if len(steps) > MAX_STEPS:
            raise RecordError(f"the record has more than {MAX_STEPS:,} steps")
        parsed = [_step(number, step) for number, step in enumerate(steps, 1)]
        initial = data.get("initial")
        if initial is not None:
            _check_initial(initial)
        extra = data.get("extra", {})
        if not isinstance(extra, dict):
            raise RecordError("the record's extra part is damaged (expected a JSON object)")
        problem = plain_problem(extra)
        if problem is not None:
            raise RecordError(f"the record's extra part is damaged: {problem}")
        damage = plain_problem(data)  # the rest: keys no version wrote, in steps and story
        if damage is not None:
            raise RecordError(f"the record is damaged: {damage}")
        return cls(
            story["id"],
            story["version"],
            story["hash"],
            seed,
            start,
            tuple(parsed),
            extra,
            initial,
        )

    @classmethod
    def loads(cls, text: str) -> Record:
        """Read a record from JSON text; raises RecordError (only) naming what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(f"the file is not valid JSON ({exc})") from None
        except (ValueError, RecursionError):  # a number too long to read, nesting too deep
            raise RecordError(
                "the file is not valid JSON (a number or nesting in it is too large)"
            ) from None
        return cls.from_json(data)


def _whole(value: Any, low: int, high: int) -> bool:
    """A JSON whole number (not true/false) from `low` to `high`."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_initial(initial: Any) -> None:
    if not isinstance(initial, dict) or len(initial) > MAX_VARIABLES:
        raise RecordError("the record's starting variables are damaged")
    for name, value in initial.items():
        if not _NAME.fullmatch(name):
            raise RecordError("the record's starting variables are damaged (a name is not a name)")
        if not (isinstance(value, bool) or _whole(value, -VALUE_LIMIT, VALUE_LIMIT)):
            raise RecordError(
                f"the record's starting value of '{name}' is not true, false or a whole number "
                "within the variable's range"
            )


def _step(number: int, step: Any) -> Step:
    if not isinstance(step, dict):
        raise RecordError(f"step {number} of the record is damaged")
    scene, choice, at, why = (step.get(key) for key in ("scene", "choice", "at", "why"))
    if not (isinstance(scene, str) and _ID.fullmatch(scene)):
        raise RecordError(f"step {number} of the record is damaged: its scene is not a scene id")
    if not (isinstance(choice, str) and _ID.fullmatch(choice)):
        raise RecordError(f"step {number} of the record is damaged: its choice is not a choice id")
    if at is None:
        at = ""
    if not isinstance(at, str) or (at and read_time(at) is None):
        raise RecordError(f"step {number} of the record is damaged: its time is not a time")
    if why is not None and (text_problem(why) is not None):
        raise RecordError(f"step {number} of the record is damaged: its reason {text_problem(why)}")
    return Step(scene, choice, at, why)


def read_time(text: Any) -> dt.datetime | None:
    """A time as this game writes it (`2026-12-01T09:36:46Z`, UTC, with or without
    fractions of a second, in the years 1970 to 2999), or None for anything else."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        return None
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:  # such as the 31st of February
        return None
    return moment if YEARS[0] <= moment.year <= YEARS[1] else None


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text a person typed, as a record keeps it (and as any text from a record is shown):
    one line, its spaces collapsed, without control characters, bidirectional controls or
    what was not valid text (files.UNSAFE), at most `limit` characters."""
    return " ".join(UNSAFE.sub("", text).split())[:limit]


def clean_lines(text: str, limit: int = MAX_TEXT) -> str:
    """Text of several lines a person typed (an answer of a few sentences), kept as lines:
    each line as `clean_text` makes it, blank lines between paragraphs kept (one each),
    at most `limit` characters in all."""
    lines: list[str] = []
    for line in text.splitlines():
        cleaned = clean_text(line, limit)
        if cleaned or (lines and lines[-1]):
            lines.append(cleaned)
    return "\n".join(lines).strip()[:limit].strip()


def text_problem(value: Any) -> str | None:
    """Why `value` is not text a record may hold, or None."""
    if not isinstance(value, str):
        return "is not text"
    if len(value) > MAX_READ_TEXT:
        return f"is longer than {MAX_READ_TEXT:,} characters"
    if _SURROGATE.search(value):
        return "holds a character that is not text (a lone surrogate)"
    return None


def plain_problem(value: Any) -> str | None:
    """Why a JSON value is not one a record may hold (too deep, too many values, a text too
    long or not text, a number out of bounds, a float), or None."""
    count = 0
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        count += 1
        if count > MAX_VALUES:
            return f"it holds more than {MAX_VALUES:,} values"
        if depth > MAX_DEPTH:
            return f"it is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, dict):
            for key, inner in item.items():
                problem = text_problem(key)
                if problem is not None:
                    return f"a key {problem}"
                todo.append((inner, depth + 1))
        elif isinstance(item, list):
            todo.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return f"a text in it {problem}"
        elif isinstance(item, bool) or item is None:
            continue
        elif not _whole(item, -VALUE_LIMIT, VALUE_LIMIT):
            return "a number in it is not a whole number within bounds"
    return None
