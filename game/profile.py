"""What the game remembers about a player across playthroughs: scenes seen, endings reached, settings."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, cast

from game.atomic import read_json, write_json
from game.engine import NOTE_TIMINGS, NoteTiming

PROFILE_FORMAT = "petrograd-profile"
REVEAL_SPEEDS = {"slow": 40, "normal": 90, "fast": 200}  # characters a second
#: When history's notes on your choices are shown (game.engine.NOTE_TIMINGS), as the
#: settings name them.
SPOILER_NAMES = {
    "choice": "After each choice",
    "chapter": "At the end of each chapter",
    "ending": "Only at the ending",
}


@dataclass
class Settings:
    """The player's settings; unknown or wrong values fall back to the defaults."""

    #: A theme id of game/tui/themes.py (older names are read as their new ones there).
    theme: str = "petrograd-dark"
    reveal: bool = False
    reveal_speed: str = "normal"
    show_panel: bool = True
    #: When history's notes on your choices are shown: a key of SPOILER_NAMES.
    spoilers: str = "choice"

    @property
    def note_timing(self) -> NoteTiming:
        """`spoilers` as the engine's Game.notes_due takes it."""
        return cast(NoteTiming, self.spoilers) if self.spoilers in NOTE_TIMINGS else "choice"

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        settings = cls()
        if not isinstance(data, dict):
            return settings
        for field in fields(cls):
            value = data.get(field.name)
            if isinstance(value, type(getattr(settings, field.name))):
                setattr(settings, field.name, value)
        if settings.reveal_speed not in REVEAL_SPEEDS:
            settings.reveal_speed = "normal"
        if settings.spoilers not in SPOILER_NAMES:
            settings.spoilers = "choice"
        return settings


class Profile:
    """One player's memory, kept in the data folder (profile.json, settings.json)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problem: str | None = None
        self._stories: dict[str, dict[str, set[str]]] = {}
        self.settings = Settings()
        self._load()

    @property
    def _profile_path(self) -> Path:
        return self.folder / "profile.json"

    @property
    def _settings_path(self) -> Path:
        return self.folder / "settings.json"

    def _load(self) -> None:
        data, reason = read_json(self._profile_path)
        if data is None and reason != "the file does not exist":
            self.problem = f"profile.json was unreadable ({reason}); starting afresh"
        self._stories = _stories_from(data)
        settings, _ = read_json(self._settings_path)
        self.settings = Settings.from_json(settings)

    def _story(self, story_id: str) -> dict[str, set[str]]:
        return self._stories.setdefault(story_id, {"seen": set(), "endings": set()})

    def seen(self, story_id: str) -> set[str]:
        return set(self._stories.get(story_id, {}).get("seen", ()))

    def endings(self, story_id: str) -> set[str]:
        return set(self._stories.get(story_id, {}).get("endings", ()))

    def note(
        self, story_id: str, *, scenes: set[str] = frozenset(), ending: str | None = None
    ) -> bool:  # type: ignore[assignment]
        """Add scenes seen and an ending reached, in memory; True when that is news, to `write`."""
        mine = self._story(story_id)
        before = (len(mine["seen"]), len(mine["endings"]))
        mine["seen"] |= scenes
        if ending:
            mine["endings"].add(ending)
        return (len(mine["seen"]), len(mine["endings"])) != before

    def snapshot(self) -> dict[str, dict[str, set[str]]]:
        """A copy of what the profile holds now, for `write` to write later (in another
        thread, say) while the game goes on adding to the profile itself."""
        return {
            sid: {key: set(ids) for key, ids in parts.items()}
            for sid, parts in self._stories.items()
        }

    def write(self, stories: dict[str, dict[str, set[str]]] | None = None) -> None:
        """Write the profile (or a `snapshot` of it), merged with the file: another game
        may have added to it (raises WriteFailed)."""
        stories = self.snapshot() if stories is None else stories
        on_disk, _ = read_json(self._profile_path)
        for story_id, parts in _stories_from(on_disk).items():
            mine = stories.setdefault(story_id, {"seen": set(), "endings": set()})
            mine["seen"] |= parts["seen"]
            mine["endings"] |= parts["endings"]
        write_json(
            self._profile_path,
            {
                "format": PROFILE_FORMAT,
                "version": 1,
                "stories": {
                    sid: {"seen": sorted(p["seen"]), "endings": sorted(p["endings"])}
                    for sid, p in sorted(stories.items())
                },
            },
        )

    def save_settings(self) -> None:
        write_json(self._settings_path, asdict(self.settings))


#: What a profile may hold: ids as stories have them, and not without end.
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
MAX_STORIES = 100
MAX_IDS = 100_000


def _stories_from(data: Any) -> dict[str, dict[str, set[str]]]:
    """The stories in a parsed profile; anything that is not an id is dropped, never raised."""
    out: dict[str, dict[str, set[str]]] = {}
    if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
        return out
    stories = data.get("stories")
    if not isinstance(stories, dict):
        return out
    for story_id, parts in stories.items():
        if len(out) >= MAX_STORIES:
            break
        if not isinstance(parts, dict) or not _ID.fullmatch(story_id):
            continue
        out[story_id] = {
            key: {v for v in parts[key][:MAX_IDS] if isinstance(v, str) and _ID.fullmatch(v)}
            if isinstance(parts.get(key), list)
            else set()
            for key in ("seen", "endings")
        }
    return out
