"""A player's play session: the game, its saves, and what the game remembers of the player.

Every front end (the full-screen game, the plain player, a browser tab) drives a
PlaySession, so saving, loading, undo and the player's memory work the same in all
of them. An assignment's part (the student's name, answers, "why?", the hand-in)
is a ClassroomSession (game/classroom/session.py) that wraps a PlaySession.

Writing happens at one point. Every public method is a `command`: before it runs,
what an earlier command left to write is written (so it reads the disk as it is);
when it has changed the game or the profile, the autosave and the profile are
taken as they are at its end and written: at once, or by the front end's
`write_soon` (the full-screen game writes in a worker thread, off the event loop).
No command needs to remember to write; a test checks that each public method is one.

Nothing here raises on a disk problem during play: the failure is kept in
`save_problem` for the front end to show, and the game goes on.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from game.atomic import WriteFailed, clear_stale_temps
from game.engine import ChoiceUnavailable, Game, Story, Viewpoint
from game.engine.expr import Value
from game.engine.record import clean_text, read_time
from game.profile import Profile
from game.saves import AUTO, Loaded, PreparedSave, SaveError, SaveInfo, SaveStore


class Locked(ChoiceUnavailable):
    """Refused by an assessed assignment (undo, loading an earlier save)."""


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def command(
    method: Callable[Concatenate[PlaySession, _P], _R],
) -> Callable[Concatenate[PlaySession, _P], _R]:
    """Mark a PlaySession method as a command: the one place where writes are made."""

    @functools.wraps(method)
    def run(self: PlaySession, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        outermost = not self._in_command
        if outermost:
            self.flush()  # what an earlier command left to write, before this one reads
        self._in_command = True
        try:
            return method(self, *args, **kwargs)
        finally:
            if outermost:
                self._in_command = False
                self._write_changes()
                for observer in self.observers:
                    observer()

    run.is_command = True  # type: ignore[attr-defined]
    return run


class Companion(Protocol):
    """What wraps a play session (an assignment's ClassroomSession) is told of, and what
    it keeps in the saves beside the record."""

    def session_info(self) -> dict[str, Any] | None: ...
    def game_started(self, previous: Game | None) -> None: ...
    def game_loaded(self, info: dict[str, Any] | None) -> None: ...
    def step_undone(self, steps: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Rules:
    """What an assignment changes in play."""

    #: Where every new game starts (None: the viewpoint's or the story's start).
    start: str | None = None
    #: Assessed: undo and loading an earlier save are off; decisions stand.
    assessed: bool = False
    #: Whether a new game may replace the player's game (False: an assessment played once,
    #: where starting again resumes the game; a new game only when there is none).
    retries: bool = True
    #: For authors (`play --dev --start/--set`): every new game is a dev start with these
    #: variables laid over the start's (see `Game`); None: a real playthrough.
    variables: Mapping[str, Value] | None = None

    @property
    def dev_notice(self) -> str | None:
        """What a front end says of a dev start (None for a real playthrough)."""
        if self.variables is None:
            return None
        where = f" at '{self.start}'" if self.start else ""
        values = ", ".join(
            f"{name} = {str(value).lower() if isinstance(value, bool) else value}"
            for name, value in self.variables.items()
        )
        return f"Test game (--dev){where}{', with ' + values if values else ''}: not a real playthrough."


@dataclass(frozen=True, slots=True)
class ViewpointProgress:
    """How much of one viewpoint's story this player has seen."""

    viewpoint: Viewpoint
    seen: int
    scenes: int
    reached: int
    endings: int


@dataclass(frozen=True, slots=True)
class _Pending:
    """What a command left to write, taken as it ended."""

    autosave: PreparedSave | None
    profile: dict[str, dict[str, set[str]]] | None


class PlaySession:
    """One player, one story, one data folder."""

    def __init__(
        self,
        story: Story,
        data_dir: Path,
        *,
        seed: int | None = None,
        store: SaveStore | None = None,
        profile: Profile | None = None,
    ) -> None:
        """`store` and `profile` replace the data folder's files (the web front end keeps
        them in its database: game/web/session.py); given both, nothing is read from or
        written to `data_dir`."""
        self.story = story
        self.data_dir = data_dir
        self.seed = seed
        self.rules = Rules()
        #: Set by a ClassroomSession that wraps this one.
        self.companion: Companion | None = None
        self.store = store if store is not None else SaveStore(data_dir / "saves")
        self.profile = profile if profile is not None else Profile(data_dir)
        if store is None:
            self.store.clear_temps()
        if profile is None:
            clear_stale_temps(data_dir)  # profile.json and settings.json are written there
        self.game: Game | None = None
        #: The last autosave or profile write that failed, for the player to see; None when fine.
        self.save_problem: str | None = None
        #: Why the last autosave failed, while the game on screen is not the one on disk.
        self.unsaved: str | None = None
        #: Whether the current scene is one this player had never seen before reaching it now.
        self.first_visit = True
        #: Set by a front end to write "soon" rather than at once: it is given `flush`
        #: to call (the full-screen game calls it in a worker thread).
        self.write_soon: Callable[[Callable[[], object]], object] | None = None
        self._in_command = False
        self._autosave_due = False
        self._profile_due = False
        self._pending: _Pending | None = None
        self._lock = threading.Lock()
        self._problem_news = False
        #: Called at the end of every command (a browser tab's status file follows play).
        self.observers: list[Callable[[], object]] = []

    # ------------------------------------------------------------ starting

    @command
    def new_game(self, viewpoint: str | None = None) -> Game:
        """A new game: from the rules' start (an assignment's), else as `viewpoint` (an id
        of the story's viewpoints; None: the story's first). No autosave until the first
        choice: the game that was there stays in it until then.

        Raises Locked when the rules allow no retries and the player has a game (one on
        screen with a choice made, or one in the autosave): that game is resumed instead."""
        if not self.rules.retries and self._holds_a_game():
            raise Locked(
                "this assessed assignment is played once: your game goes on where you left it"
            )
        previous = self.game
        start = self.rules.start
        chosen = self.story.viewpoints.get(viewpoint) if viewpoint is not None else None
        if start is None and chosen is not None:
            start = chosen.start
        self.game = Game(self.story, seed=self.seed, start=start, variables=self.rules.variables)
        if self.companion is not None:
            self.companion.game_started(previous)
        if previous is not None:
            previous.close()
        self.first_visit = self._first_visit()
        self._note_scene()
        return self.game

    @command
    def load(self, slot: str) -> Loaded:
        """Load a slot (raises SaveError with the reason); the current game is untouched on failure."""
        if self.rules.assessed and slot != AUTO:
            raise Locked(
                "loading an earlier save is off in this assessed assignment; your decisions stand"
            )
        loaded = self.store.load(slot, self.story, self.rules.start)
        if self.game is not None:
            self.game.close()
        self.game = loaded.game
        if self.companion is not None:
            self.companion.game_loaded(loaded.session)
        self.first_visit = self._first_visit()
        self._note_scene()
        if not (slot == AUTO and loaded.notice is None):
            self._autosave_due = True  # the autosave follows the loaded game: Continue resumes it
        return loaded

    @command
    def continue_latest(self) -> Loaded | None:
        """Load the most recent save that loads (in an assessment, only the autosave), or
        None when there is none to load. A save listed as readable can still fail to
        load (its story changed so that it cannot start, say): then the next most recent
        is tried, and the notice says so. Raises SaveError when none loads.

        An autosave that will not load is set aside first (renamed, not deleted), since
        the next choice would write over it: nothing the player had is lost."""
        listed = [self.store.info(AUTO)] if self.rules.assessed else self.store.list()
        readable = sorted(
            (info for info in listed if info is not None and info.ok),
            key=lambda info: read_time(info.saved_at) or _EPOCH,
            reverse=True,
        )
        failed: list[str] = []
        for info in readable:
            try:
                loaded = self.load(info.slot)
            except SaveError as exc:
                kept = self.store.set_aside(info.slot) if info.slot == AUTO else None
                failed.append(
                    f"{info.label} could not be loaded ({exc})"
                    + (f"; it is kept as {kept.name} in {kept.parent}" if kept else "")
                )
                continue
            if failed:
                notice = f"{'; '.join(failed)}. {info.label} was loaded instead."
                loaded = replace(loaded, notice=" ".join(filter(None, [notice, loaded.notice])))
            return loaded
        if failed:
            raise SaveError("; ".join(failed))
        return None

    @command
    def latest_save(self) -> SaveInfo | None:
        """The most recent readable save (what Continue loads), or None."""
        return self.store.latest()

    @command
    def saves(self) -> list[SaveInfo | None]:
        """The autosave and slots 1-9 as listed for Load and Save (None: empty)."""
        return self.store.list()

    @command
    def use_folder(self, folder: Path) -> None:
        """Keep the saves and the profile (what the player has seen, their settings) in
        another folder from now on: a student's own, in class."""
        self.data_dir = folder
        self.store = SaveStore(folder / "saves")
        self.store.clear_temps()
        self.profile = Profile(folder)
        clear_stale_temps(folder)

    @command
    def set_aside_unreadable_autosave(self) -> Path | None:
        """An autosave that cannot be read at all is renamed out of the way (kept, never
        written over by the next choice); its new path, or None when there is none."""
        info = self.store.info(AUTO)
        if info is None or info.ok:
            return None
        return self.store.set_aside(AUTO)

    @command
    def lost_autosaves(self) -> list[Path]:
        """The autosaves set aside because they could not be loaded, oldest first."""
        return self.store.set_aside_files(AUTO)

    @command
    def may_start_over(self) -> bool:
        """Whether a new game is allowed now (see `new_game`)."""
        return self.rules.retries or not self._holds_a_game()

    # ------------------------------------------------------------ playing

    @command
    def choose(self, choice_id: str, why: str | None = None) -> None:
        """Take a choice (raises ChoiceUnavailable); the autosave and memory follow."""
        assert self.game is not None
        self.game.choose(choice_id, why=clean_text(why) if why else None)
        self._after_step()

    @command
    def undo(self) -> None:
        assert self.game is not None
        if self.rules.assessed:
            raise Locked("undo is off in this assessed assignment; your decisions stand")
        self.game.undo()
        if self.companion is not None:
            self.companion.step_undone(self.game.frame.step)
        self._after_step()

    @command
    def save(self, slot: str) -> SaveInfo:
        """Save to a slot; raises WriteFailed or SaveError with a reason for the player."""
        assert self.game is not None
        return self.store.save(slot, self.game, self._session_info())

    @command
    def changed(self) -> None:
        """What the companion keeps in the saves changed (an answer was given): the
        autosave follows."""
        self._autosave_due = self.game is not None

    @command
    def reload(self, story: Story) -> str | None:
        """Carry the current playthrough onto a new version of the story (live reload).

        Returns None when the whole path is still valid, else a message saying where
        the story changed and where the player now stands."""
        from game.engine import replay

        self.story = story
        lost = self._fit_test_game(story)
        if self.game is None:
            return lost
        result = replay(story, self.game.record)
        self.game.close()
        self.game = result.game
        if result.complete:
            return lost
        said = f"{result.problem[0].upper()}{result.problem[1:]}. You are back at: {self.game.scene.title}."
        return f"{lost} {said}" if lost else said

    def _fit_test_game(self, story: Story) -> str | None:
        """After a live reload, a test game's start and variables (`--start`, `--set`)
        that the story no longer has are dropped, and said so (else the next new game
        could not begin)."""
        rules = self.rules
        if rules.variables is None:
            return None
        said = []
        start = rules.start
        if start is not None and start not in story.scenes:
            said.append(f"the scene '{start}' is gone, so a new test game begins at the start")
            start = None
        variables = {k: v for k, v in rules.variables.items() if k in story.variables}
        gone = sorted(set(rules.variables) - set(variables))
        if gone:
            said.append("no variable " + ", ".join(f"'{name}'" for name in gone) + " is set any more")
        if not said:
            return None
        self.rules = replace(rules, start=start, variables=variables)
        return "Test game: " + "; ".join(said) + "."

    # ------------------------------------------------------------ what it remembers

    @property
    def progress(self) -> tuple[int, int, int, int]:
        """(scenes seen, scenes in all, endings reached, endings in all)."""
        seen = self.profile.seen(self.story.id) & set(self.story.scenes)
        reached = self.profile.endings(self.story.id) & set(self.story.endings)
        return len(seen), len(self.story.scenes), len(reached), len(self.story.endings)

    def progress_by_viewpoint(self) -> list[ViewpointProgress]:
        """The same counts for each viewpoint's scenes and endings (empty without viewpoints)."""
        story = self.story
        if not story.viewpoints:
            return []
        seen = self.profile.seen(story.id)
        reached = self.profile.endings(story.id)
        out = []
        for viewpoint in story.viewpoints.values():
            scenes = {s.id for s in story.scenes.values() if story.viewpoint_of(s.id) is viewpoint}
            endings = {s.ending.id for s in story.scenes.values() if s.id in scenes and s.ending}
            out.append(
                ViewpointProgress(
                    viewpoint, len(seen & scenes), len(scenes), len(reached & endings), len(endings)
                )
            )
        return out

    @command
    def met_terms(self) -> set[str]:
        """The codex entries the player has met: linked from the scenes seen in any
        playthrough (in any of their versions), and from this one as read."""
        story = self.story
        met = {term for sid in self.profile.seen(story.id) for term in story.scene_terms(sid)}
        if self.game is not None:
            met |= self.game.met_terms()
        return met

    @property
    def in_progress(self) -> bool:
        """Whether a game is under way that a new game or a load would replace: one with
        a choice made and no ending reached."""
        game = self.game
        return game is not None and not game.ended and bool(game.record.steps)

    # ------------------------------------------------------------ writing

    def flush(self) -> bool:
        """Write what the last command left to write (safe from any thread; the front end
        calls it as it exits, too). True when something was written; a failure is kept in
        `save_problem`."""
        with self._lock:
            pending, self._pending = self._pending, None
            if pending is None:
                return False
            problems = []
            if pending.autosave is not None:
                try:
                    self.store.write(pending.autosave)
                    self.unsaved = None
                except (WriteFailed, SaveError) as exc:
                    self.unsaved = str(exc)
                    problems.append(
                        f"The autosave failed ({exc}); your game goes on, and the previous "
                        "save is kept."
                    )
            if pending.profile is not None:
                try:
                    self.profile.write(pending.profile)
                except WriteFailed as exc:
                    self._profile_due = True  # tried again after the next command
                    problems.append(f"Your progress could not be recorded ({exc}).")
            self.save_problem = " ".join(problems) or None
            self._problem_news = self.save_problem is not None
            return True

    def take_problem(self) -> str | None:
        """The last write's failure if it has not been taken yet (to tell the player once)."""
        with self._lock:
            if not self._problem_news:
                return None
            self._problem_news = False
            return self.save_problem

    def _write_changes(self) -> None:
        """The end of a command: take what changed and have it written."""
        if not (self._autosave_due or self._profile_due):
            return
        autosave = None
        if self._autosave_due and self.game is not None:
            autosave = self.store.prepare(AUTO, self.game, self._session_info())
        with self._lock:
            waiting = self._pending  # not written yet: what it held is written with this
            profile_due = self._profile_due or (waiting is not None and waiting.profile is not None)
            if autosave is None and waiting is not None:
                autosave = waiting.autosave
            self._pending = _Pending(autosave, self.profile.snapshot() if profile_due else None)
        self._autosave_due = self._profile_due = False
        if self.write_soon is None:
            self.flush()
        else:
            self.write_soon(self.flush)

    def _after_step(self) -> None:
        self.first_visit = self._first_visit()
        self._note_scene()
        self._autosave_due = True

    def _holds_a_game(self) -> bool:
        """A game with a choice made, on screen or in the autosave (one that loads)."""
        if self.game is not None and self.game.record.steps:
            return True
        auto = self.store.info(AUTO)
        return auto is not None and auto.ok

    def _session_info(self) -> dict[str, Any] | None:
        return self.companion.session_info() if self.companion is not None else None

    def _first_visit(self) -> bool:
        assert self.game is not None
        return self.game.scene.id not in self.profile.seen(self.story.id)

    def _note_scene(self) -> None:
        assert self.game is not None
        scene = self.game.scene
        ending = scene.ending.id if scene.ending else None
        if self.profile.note(self.story.id, scenes={scene.id}, ending=ending):
            self._profile_due = True
