"""A player's session: the game, autosaved after every change, with their saves and memory.

The TUI and the plain player both drive a Session, so saving, loading, undo and
what the game remembers work the same in both. Nothing here raises on a disk
problem during play: the failure is kept in `save_problem` for the front end to
show, and the game goes on.
"""

from __future__ import annotations

from pathlib import Path

from game.atomic import WriteFailed
from game.engine import Game, Story
from game.profile import Profile
from game.saves import AUTO, Loaded, SaveError, SaveInfo, SaveStore


class Session:
    """One player, one story, one data folder."""

    def __init__(self, story: Story, data_dir: Path, *, seed: int | None = None) -> None:
        self.story = story
        self.data_dir = data_dir
        self.seed = seed
        self.store = SaveStore(data_dir / "saves")
        self.profile = Profile(data_dir)
        self.store.clear_temps()
        self.game: Game | None = None
        #: The last autosave or profile write that failed, for the player to see; None when fine.
        self.save_problem: str | None = None
        #: Whether the current scene is one this player had never seen before reaching it now.
        self.first_visit = True

    # ------------------------------------------------------------ starting

    def new_game(self) -> Game:
        if self.game is not None:
            self.game.close()
        self.game = Game(self.story, seed=self.seed)
        self._remember()
        return self.game

    def load(self, slot: str) -> Loaded:
        """Load a slot (raises SaveError with the reason); the current game is untouched on failure."""
        loaded = self.store.load(slot, self.story)
        if self.game is not None:
            self.game.close()
        self.game = loaded.game
        self._after_change()  # the autosave follows the loaded game, so Continue resumes it
        return loaded

    def continue_latest(self) -> Loaded | None:
        """Load the most recent readable save, or None when there is none."""
        latest = self.store.latest()
        if latest is None:
            return None
        return self.load(latest.slot)

    # ------------------------------------------------------------ playing

    def choose(self, choice_id: str) -> None:
        """Take a choice (raises ChoiceUnavailable), then autosave and remember."""
        assert self.game is not None
        self.game.choose(choice_id)
        self._after_change()

    def undo(self) -> None:
        assert self.game is not None
        self.game.undo()
        self._after_change()

    def save(self, slot: str) -> SaveInfo:
        """Save to a slot; raises WriteFailed or SaveError with a reason for the player."""
        assert self.game is not None
        return self.store.save(slot, self.game)

    @property
    def progress(self) -> tuple[int, int, int, int]:
        """(scenes seen, scenes in all, endings reached, endings in all)."""
        seen = self.profile.seen(self.story.id) & set(self.story.scenes)
        reached = self.profile.endings(self.story.id) & set(self.story.endings)
        return len(seen), len(self.story.scenes), len(reached), len(self.story.endings)

    def _after_change(self) -> None:
        assert self.game is not None
        problems = []
        try:
            self.store.save(AUTO, self.game)
        except (WriteFailed, SaveError) as exc:
            problems.append(
                f"The autosave failed ({exc}); your game goes on, and the previous save is kept."
            )
        problems.extend(self._remember())
        self.save_problem = " ".join(problems) or None

    def _remember(self) -> list[str]:
        assert self.game is not None
        scene = self.game.scene
        self.first_visit = scene.id not in self.profile.seen(self.story.id)
        try:
            self.profile.remember(
                self.story.id, scenes={scene.id}, ending=scene.ending.id if scene.ending else None
            )
        except WriteFailed as exc:
            return [f"Your progress could not be recorded ({exc})."]
        return []
