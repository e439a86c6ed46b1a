"""Problems found in story files, each with a place (file, line, column) and a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from game.engine.files import shown

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A place in a file. Line and column count from 1, as editors show them.

    `path` is the file's path as given (JSON output keeps it, so that a tool can open
    the file); printed, it is made safe (`files.shown`): a name holding an escape
    sequence or bytes that are not UTF-8 is written with `\\x1b`-style escapes."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return shown(self.path)
        return f"{shown(self.path)}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the story, as `path:line:col: code: message`.

    Printed, it is always one line that cannot drive a terminal: the path and the
    message (which may quote names and keys) are made safe by `files.shown`."""

    mark: Mark
    code: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.mark}: {self.code}: {shown(self.message)}"

    def as_json(self) -> dict[str, object]:
        """A plain dict for `--format json`."""
        return {
            "path": self.mark.path,
            "line": self.mark.line,
            "column": self.mark.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class StoryError(Exception):
    """The story could not be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        shown = errors or problems
        summary = str(shown[0]) if shown else "the story could not be loaded"
        more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
        super().__init__(summary + more)


#: Problems that stop a file from being read at all: reported first, since every other
#: problem may follow from them.
FILE_CODES = frozenset(
    {
        "yaml-syntax",
        "not-utf8",
        "not-text",
        "control-character",
        "too-large",
        "file-too-large",
        "empty-file",
        "unknown-file",
        "duplicate-key",
        "too-deep",
        "many-documents",
        "unreadable",
        "not-a-file",
        "not-a-character",
        "alias",
        "anchor",
        "tag",
        "missing-folder",
        "not-a-folder",
        "link-loop",
        "linked-folder",
        "too-many-files",
        "no-scenes",
        "bad-name",
        "line-separator",
        "bidi-control",
    }
)

#: Problems with a mapping's keys and values, found before the story is put together,
#: and ids given twice (a scene lost to a duplicate makes every link to it look wrong).
SHAPE_CODES = frozenset(
    {"unknown-key", "missing-key", "wrong-type", "wrong-value", "wrong-key", "duplicate-id"}
)


def rank(problem: Problem) -> int:
    """0 for a file that cannot be read, 1 for a key or value of the wrong shape or an id
    given twice, 2 for the rest: the order in which mistakes cause one another."""
    if problem.code in FILE_CODES:
        return 0
    return 1 if problem.code in SHAPE_CODES else 2


def holds_back(problem: Problem) -> bool:
    """Whether some checks wait for this problem to be fixed (the loader leaves out what
    may only follow from it): a file that cannot be used, a key or value of the wrong
    shape, an id given twice, a goto to nowhere."""
    return rank(problem) < 2 or problem.code in ("unknown-target", "unknown-file")


def sort_problems(problems: list[Problem], *, causes_first: bool = True) -> list[Problem]:
    """Root causes first (files that cannot be read, then keys and values of the wrong
    shape), each group in reading order: by file, then line, then column. Without
    `causes_first`, in reading order only (one file whose problems do not cause others)."""
    return sorted(
        problems,
        key=lambda p: (
            rank(p) if causes_first else 0,
            # story.yaml first: every other file depends on what it declares
            0 if causes_first and p.mark.path.rsplit("/", 1)[-1] == "story.yaml" else 1,
            p.mark.path,
            p.mark.line,
            p.mark.column,
            p.code,
        ),
    )


def did_you_mean(name: str, known: Iterable[str], what: str = "", *, listed: int = 8) -> str:
    """The end of a message about an unknown name: "; did you mean 'x'?" with the nearest
    known name (whatever its case), or, when none is near and there are few, "; the WHAT
    are a, b and c". Empty when there is nothing to say."""
    names = sorted(set(known))
    by_lower: dict[str, str] = {}
    for known_name in names:
        by_lower.setdefault(known_name.lower(), known_name)
    near = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if near:
        return f"; did you mean '{by_lower[near[0]]}'?"
    if what and len(names) == 1:
        return f"; the only one is '{names[0]}'"
    if what and 1 < len(names) <= listed:
        quoted = [f"'{n}'" for n in names]
        return f"; the {what} are " + ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return ""
