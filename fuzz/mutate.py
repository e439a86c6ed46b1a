"""A structure-aware mutator for the JSON targets (saves, records, hand-ins).

Byte mutation of a save mostly makes text that is not JSON, which the reader turns
away in its first line. This mutator parses the input as JSON, changes a few values
at any depth (another type, a key removed, a huge number, deep nesting, control
characters and markup, far dates, ids from elsewhere in the document) and writes it
back; one time in four, or when the input is not JSON, it leaves the work to the
fuzzer's own byte mutator (`fallback`, atheris.Mutate under fuzz/run.py).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

Fallback = Callable[[bytes, int], bytes]

#: Values that have broken readers of this kind before, or might.
INTERESTING: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 2, 99, 100, 2**31, 2**63, -(2**63), 10**12 + 1, 10**30,
    10**400, 1.5, -0.0, 1e308, float("inf"), float("nan"),
    "", " ", "0", "1", "true", "null", "auto", "10", "../1", "1.json",
    "petrograd-record", "petrograd-save", "petrograd-handin",
    "\x00", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\u202e", "\ud800", "\ufeff", "é",
    "[/bad]", "[b]bold[/b]", "[link=https://x]", "[@click=app.quit]", "<script>x</script>",
    "*a* _b_ `c` | # [x](javascript:y)", "a\nb\r\nc", "a" * 5000,
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30T25:61:00Z",
    "2026-01-01T00:00:00Z", "2026-01-01", "1917-10-25", "-0001-01-01T00:00:00Z",
    [], {}, [[]], {"": None},
)  # fmt: skip
DATES = (
    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z", "2026-02-30T25:61:00Z", "2026-01-01T00:00:00", "2026-01-01",
    "2026-01-01T00:00:00.123456789Z", "2026-W01-1", "20260101T000000Z", "2026-01-01 00:00",
)  # fmt: skip


def _nest(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


#: Places deeper than this, or past this many, are not picked (a nested input stays cheap).
MAX_DEPTH = 40
MAX_SLOTS = 5000


def _walk(value: Any) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The places in the document (the root is the empty path) and the text it holds."""
    slots: list[tuple[Any, ...]] = []
    strings: list[str] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack and len(slots) < MAX_SLOTS:
        path, here = stack.pop()
        slots.append(path)
        if isinstance(here, str):
            strings.append(here)
        elif len(path) < MAX_DEPTH and isinstance(here, dict):
            strings += [key for key in here if isinstance(key, str)]
            stack += [((*path, key), child) for key, child in here.items()]
        elif len(path) < MAX_DEPTH and isinstance(here, list):
            stack += [((*path, index), child) for index, child in enumerate(here)]
    return slots, strings


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        root = root[part]
    return root


def _changed(old: Any, rng: random.Random, strings: list[str]) -> Any:
    """A new value for a place that holds `old`."""
    if isinstance(old, str) and old[:4].isdigit() and rng.random() < 0.5:
        return rng.choice(DATES)  # a time stamp: the far past and future, odd forms
    how = rng.randrange(9)
    if how == 0 and strings:
        return rng.choice(strings)  # an id, a name or a hash from elsewhere in the file
    if how == 1 and isinstance(old, bool):
        return not old
    if how == 1 and isinstance(old, int):
        return rng.choice((old + 1, old - 1, -old, old * 2**40, old + 10**12))
    if how == 1 and isinstance(old, str):
        cut = rng.randrange(len(old) + 1)
        return rng.choice((old[:cut], old + rng.choice(strings or ["x"]), old.upper(), old * 2))
    if how == 2 and isinstance(old, list) and old:
        longer = list(old)
        longer.insert(rng.randrange(len(longer) + 1), rng.choice(old))  # a step twice, say
        if rng.random() < 0.3:
            rng.shuffle(longer)
        return longer
    if how == 3 and isinstance(old, dict):
        return list(old.values())
    if how == 3 and isinstance(old, list):
        return {str(i): v for i, v in enumerate(old)}
    if how == 4:
        return _nest(rng.choice((30, 200, 1000)))
    if how == 5:
        return len(old) if isinstance(old, str | list | dict) else str(old)
    return copy.deepcopy(rng.choice(INTERESTING))  # never the shared constant itself


def mutate_json(data: bytes, max_size: int, seed: int, fallback: Fallback) -> bytes:
    """`data` with a few of its JSON values changed, or byte-mutated by `fallback`."""
    rng = random.Random(seed)
    if rng.random() < 0.25:
        return fallback(data, max_size)
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return fallback(data, max_size)
    try:
        out = _mutated(value, rng).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):  # nested too deep to write, a number too long
        return fallback(data, max_size)
    return out if len(out) <= max_size else fallback(data, max_size)


def _mutated(value: Any, rng: random.Random) -> str:
    strings = _walk(value)[1]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        slots = _walk(value)[0]
        if rng.random() < 0.5:  # half the time near the top, where the few header fields are
            slots = [path for path in slots if len(path) <= 2]
        path = rng.choice(slots)
        if not path:
            value = _changed(value, rng, strings)
            continue
        parent = _get(value, path[:-1])
        key = path[-1]
        if rng.random() < 0.15:
            del parent[key]  # a key or a list item removed
        elif isinstance(parent, dict) and rng.random() < 0.1:
            parent[rng.choice(strings or ["x"])] = parent[key]  # a key copied under another name
        else:
            parent[key] = _changed(parent[key], rng, strings)
    return json.dumps(value, ensure_ascii=rng.random() < 0.3, indent=rng.choice((None, 1)))
