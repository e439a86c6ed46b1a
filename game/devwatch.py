"""Live reload for authors (`petrograd play --dev`): notice edits to the story's files, reload.

Polling a fingerprint (each file's path, size and modification time) twice a
second is enough for a few hundred files, needs no extra dependency, and behaves
the same on every platform and editor (editors that save by renaming included).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from game.engine import Problem, Story, check_story
from game.engine.loader import story_files

Fingerprint = tuple[tuple[str, int, int], ...]


class StoryWatch:
    """Watches story folders and the assets folder; reloads the story when they change."""

    def __init__(self, folders: Sequence[Path], assets: Path) -> None:
        self.folders = [Path(f) for f in folders]
        self.assets = assets
        self.last = self.fingerprint()

    def fingerprint(self) -> Fingerprint:
        found = []
        for folder in [*self.folders, self.assets]:
            if not folder.is_dir():
                continue
            for path in story_files(folder):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append((str(path), stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def changed(self) -> bool:
        """Whether any file was added, removed or edited since the last call that said so."""
        now = self.fingerprint()
        if now == self.last:
            return False
        self.last = now
        return True

    def load(self) -> tuple[Story | None, list[Problem]]:
        """The story as the files stand now: (story, []) or (None, its errors)."""
        story, problems = check_story(self.folders, assets=self.assets)
        errors = [p for p in problems if p.severity == "error"]
        if story is None or errors:
            return None, errors or problems
        return story, []
