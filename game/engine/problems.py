"""Problems found in story files, each with a place (file, line, column) and a hint."""

from __future__ import annotations

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


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in reading order: by file, then line, then column."""
    return sorted(problems, key=lambda p: (p.mark.path, p.mark.line, p.mark.column, p.code))
