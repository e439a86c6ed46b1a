"""The playthrough record: what a player chose, in order. Saves, undo, transcripts and
verification are all built by replaying it through the engine.

A record is plain JSON with a format name and version, the story's id, version and
content hash, the seed, and the steps. It holds no paths and nothing about the
machine it was made on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

#: Control characters: no name, id or time in a record holds one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

RECORD_FORMAT = "petrograd-record"
RECORD_VERSION = 1
MAX_STEPS = 10_000


class RecordError(ValueError):
    """A record that cannot be read; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class Step:
    """One choice: in `scene`, the player took `choice` at time `at` (ISO 8601, UTC).

    `why` is the player's one-line reason, where an assignment asks for one.
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
        """Read a record from parsed JSON; raises RecordError naming what is wrong."""
        if not isinstance(data, dict):
            raise RecordError("not a playthrough record (expected a JSON object)")
        if data.get("format") != RECORD_FORMAT:
            raise RecordError("not a playthrough record (its 'format' is not petrograd-record)")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
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
        seed, start, steps = data.get("seed"), data.get("start"), data.get("steps")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise RecordError("the record's seed is missing or not a whole number")
        if not isinstance(start, str):
            raise RecordError("the record's start scene is missing")
        if not isinstance(steps, list):
            raise RecordError("the record's steps are missing")
        if len(steps) > MAX_STEPS:
            raise RecordError(f"the record has more than {MAX_STEPS:,} steps")
        parsed = []
        for number, step in enumerate(steps, 1):
            if (
                not isinstance(step, dict)
                or not isinstance(step.get("scene"), str)
                or not isinstance(step.get("choice"), str)
            ):
                raise RecordError(f"step {number} of the record is damaged")
            at, why = step.get("at", ""), step.get("why")
            parsed.append(
                Step(
                    step["scene"],
                    step["choice"],
                    at if isinstance(at, str) else "",
                    why if isinstance(why, str) else None,
                )
            )
        initial = data.get("initial")
        if initial is not None and not (
            isinstance(initial, dict)
            and all(isinstance(k, str) and isinstance(v, int) for k, v in initial.items())
        ):
            raise RecordError("the record's starting variables are damaged")
        names = [story["id"], story["version"], story["hash"], start, *(initial or {})]
        names += [text for step in parsed for text in (step.scene, step.choice, step.at)]
        if _CONTROL.search(
            "".join(names)
        ):  # they are shown to the player: never let one drive the terminal
            raise RecordError(
                "the record holds control characters where names belong (it is damaged)"
            )
        extra = data.get("extra", {})
        return cls(
            story["id"],
            story["version"],
            story["hash"],
            seed,
            start,
            tuple(parsed),
            extra if isinstance(extra, dict) else {},
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
