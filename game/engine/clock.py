"""The story's clock: scene times as clock hours, and time that never runs backwards.

A scene's `time:` is a clock time ("21:40", "9.40") or words ("evening"). Along a choice
between two scenes of one viewpoint, the date never goes back, and on one date a clock
time never goes back either: every viewpoint keeps to one timeline, so two of them can
meet at the same hour. Words say nothing exact, so they are never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from game.engine.model import Story
from game.engine.problems import Problem

CLOCK = re.compile(r"^(?P<hour>[01]?[0-9]|2[0-3])[:.](?P<minute>[0-5][0-9])$")


def minutes(time: str) -> int | None:
    """Minutes after midnight of a clock time such as '21:40' (None for words)."""
    match = CLOCK.match(time.strip())
    if match is None:
        return None
    return int(match["hour"]) * 60 + int(match["minute"])


def problems(story: Story) -> Iterator[Problem]:
    """Every choice that takes a viewpoint back in time, once per pair of scenes."""
    seen: set[tuple[str, str]] = set()
    for scene in story.scenes.values():
        here = story.viewpoint_of(scene.id)
        clock = minutes(scene.time)
        for choice in scene.choices:
            target = story.scenes.get(choice.target)
            if target is None or (scene.id, target.id) in seen:
                continue
            if story.viewpoint_of(target.id) != here:
                continue
            then_clock = minutes(target.time)
            back = target.date < scene.date or (
                target.date == scene.date
                and clock is not None
                and then_clock is not None
                and then_clock < clock
            )
            if not back:
                continue
            seen.add((scene.id, target.id))
            before = f"{scene.date.isoformat()} {scene.time}".strip()
            after = f"{target.date.isoformat()} {target.time}".strip()
            yield Problem(
                choice.marks.get("goto", choice.mark),
                "time-backwards",
                f"the choice '{choice.id}' goes from '{scene.id}' ({before}) back in time to "
                f"'{target.id}' ({after}); fix a date or a time (a scene after midnight has "
                "the next day's date)",
                "warning",
            )
