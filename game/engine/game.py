"""The facade every front end uses: a Game shows a Frame, takes a choice, keeps the record.

The host pulls: read `game.frame`, then call `game.choose(choice_id)`. The frame
holds everything a front end draws, already worked out: the text as it reads in
this state, the choices with their labels and reasons, the verdict on the last
choice, the visible variables with their ranges and changes, the cited paragraphs,
the codex terms, the questions due. No front end reads the story's tables, the
record's steps or the machine to work these out.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from game.engine import wording
from game.engine.expr import State, Value
from game.engine.machine import Move, Runner, StoryMachine, old_values
from game.engine.model import Chapter, Choice, Ending, History, Scene, Span, Story, paragraphs
from game.engine.record import Record, Step, clean_text


class ChoiceUnavailable(ValueError):
    """The choice does not exist here or its condition does not hold."""


#: One paragraph of text as read: runs of text, some linked to the codex.
Passage = tuple[Span, ...]

#: When a front end shows history's notes on the player's choices (the spoiler setting):
#: after each choice, when a chapter ends (the notes on its choices together), or only at
#: the ending (where the path lists them all).
NoteTiming = Literal["choice", "chapter", "ending"]
NOTE_TIMINGS: tuple[NoteTiming, ...] = ("choice", "chapter", "ending")


@dataclass(frozen=True, slots=True)
class Citation:
    """A paragraph of the source article, by id, with the index's summary (None when the
    story's index lacks it)."""

    id: str
    summary: str | None


@dataclass(frozen=True, slots=True)
class Term:
    """A codex entry the current text links to."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """A choice as the player sees it now: its label and reason as they read in this state."""

    number: int
    id: str
    label: str
    available: bool
    reason: str | None
    history: History
    note: str
    sources: tuple[str, ...]
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class VariableView:
    """A variable the player is shown, with its range and its value before the last choice."""

    name: str
    label: str
    value: Value
    shown: str
    minimum: int | None = None
    maximum: int | None = None
    #: The value before the last choice (the same as `value` at the start).
    previous: Value | None = None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.previous != self.value

    @property
    def delta(self) -> int | None:
        """How much a number moved with the last choice (None for true/false, or no change)."""
        if not self.changed or isinstance(self.value, bool) or isinstance(self.previous, bool):
            return None
        assert self.previous is not None
        return int(self.value) - int(self.previous)

    @property
    def change(self) -> str | None:
        """'3 -> 5' when the last choice moved it, else None."""
        if not self.changed or self.previous is None:
            return None
        return wording.show_change(self.previous, self.value)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The choice that led here, as the player read it, and what history says of it."""

    scene_title: str
    label: str
    history: History
    note: str
    citations: tuple[Citation, ...]
    #: The only choice open where it was taken: no decision, so no verdict is shown for it
    #: (and its note, which would only tell what comes next, is not either).
    alone: bool = False

    @property
    def heading(self) -> str:
        """'Your last choice was faithful to history:'."""
        return wording.verdict_heading(self.history, note=bool(self.note.strip()))


@dataclass(frozen=True, slots=True)
class Reflection:
    """Questions due now: about the chapter just left, or (`at_end`) at an ending, about
    the chapter the story ended in."""

    chapter: Chapter
    questions: tuple[str, ...]
    at_end: bool = False

    @property
    def heading(self) -> str:
        return wording.reflection_heading(self.chapter.number, self.chapter.title)


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything a front end draws for the current moment, worked out by the engine."""

    scene: Scene
    chapter: Chapter
    choices: tuple[ChoiceView, ...]
    variables: tuple[VariableView, ...]
    step: int
    reflection: tuple[Reflection, ...] = ()
    #: The scene's text as it reads in this state, paragraph by paragraph.
    text: tuple[Passage, ...] = ()
    #: At an ending, its epilogue as it reads in this state (else empty).
    epilogue: tuple[Passage, ...] = ()
    #: The choice that led here (None at the start).
    verdict: Verdict | None = None
    #: The paragraphs of the source the scene rests on.
    citations: tuple[Citation, ...] = ()
    #: The codex entries the text (and epilogue) link to, in order of first mention.
    terms: tuple[Term, ...] = ()
    #: Some choice of the story is graded faithful or divergent. False for a story that
    #: grades none (a story of its own that gives no `history:`): then front ends speak
    #: of no verdict, no history's notes and no "path and history".
    graded: bool = True
    #: The story cites Victor Serge's article, so its endings may say what happened; a
    #: story of its own (own sources or none) is never taken for the record.
    cites_article: bool = True
    #: The story has codex entries (a story of its own may have none: then no codex is
    #: offered).
    has_codex: bool = True

    @property
    def ending(self) -> Ending | None:
        return self.scene.ending

    @property
    def ended(self) -> bool:
        return self.scene.ending is not None

    @property
    def dates(self) -> str:
        """The scene's date both ways: '25 October 1917 (7 November N.S.)'."""
        return wording.dual_date(self.scene.date, self.scene.old_style)

    @property
    def short_dates(self) -> str:
        """The scene's date, short, for a narrow header: '25 Oct (7 Nov N.S.)'."""
        return wording.short_dual_date(self.scene.date, self.scene.old_style)

    @property
    def ending_kind(self) -> str | None:
        """At an ending, the line that says what kind it is."""
        ending = self.scene.ending
        if ending is None:
            return None
        return wording.ending_kind_line(ending.kind, factual=self.cites_article)

    @property
    def chapter_heading(self) -> str:
        return wording.chapter_heading(self.chapter.number, self.chapter.title)

    def plain_text(self) -> list[str]:
        """The text's paragraphs as plain strings (codex links as their words)."""
        return [plain_passage(passage) for passage in self.text]

    def plain_epilogue(self) -> list[str]:
        return [plain_passage(passage) for passage in self.epilogue]


def plain_passage(passage: Passage) -> str:
    """A paragraph as plain text."""
    return "".join(span.text for span in passage)


@dataclass(frozen=True, slots=True)
class PathEntry:
    """A step of the path as the player read it: for histories and transcripts."""

    scene: Scene
    choice: Choice
    at: str
    #: The choice's label as it read when it was taken.
    label: str = ""
    why: str | None = None
    #: The scene's text as it read when the player was there.
    text: tuple[Passage, ...] = ()
    #: The paragraphs of the source the choice rests on.
    citations: tuple[Citation, ...] = ()
    #: The only choice open where it was taken (see Verdict.alone).
    alone: bool = False


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class UtcStamps:
    """Times as a record writes them (`2026-12-01T09:36:46Z`, to the second): a game's
    default clock notes `time.time()` at each choice, and the text is made from it when
    the record is read, once per whole second."""

    __slots__ = ("_second", "_text")

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def text(self, at: str | float) -> str:
        """`at` as text: a time.time() value, or a text a clock gave, as it is."""
        if isinstance(at, str):
            return at
        second = int(at)
        if second != self._second:
            moment = dt.datetime.fromtimestamp(second, dt.UTC)
            self._second, self._text = second, moment.isoformat().replace("+00:00", "Z")
        return self._text


#: A step as a game keeps it until its record is read: (scene, choice, at, why), the
#: fields of a `Step`, but for `at`, which with the default clock is the time.time() of
#: the choice, made into text only when it is read (`UtcStamps`).
RawStep = tuple[str, str, str | float, str | None]


class Game:
    """One playthrough of a story."""

    def __init__(
        self,
        story: Story,
        *,
        seed: int | None = None,
        start: str | None = None,
        clock: Callable[[], str] | None = None,
        variables: Mapping[str, Value] | None = None,
    ) -> None:
        """A new playthrough from the story's start, or from `start` (a scene id) if given.

        Starting later in the story, the variables (and the memory of scenes and
        choices) are those the path of history (every faithful choice) brings to that
        scene, so the scene reads as it should.

        `variables` (for authors, `play --dev --start/--set`; read them with
        `dev_setting`) are laid over those, each kept within its range. Such a
        playthrough is a dev start: its record keeps the start and every starting
        variable (so undo, saves and live reload replay it), and says `dev: true` in its
        extra part; it is never taken for a real one (`origin_problem` refuses it).
        """
        if start is not None and start not in story.scenes:
            raise ChoiceUnavailable(f"there is no scene '{start}' to start from")
        start = start or story.start
        initial = starting_variables(story, start)
        extra: dict[str, object] = {}
        if variables is not None:
            unknown = sorted(name for name in variables if name not in story.variables)
            if unknown:
                raise ChoiceUnavailable(f"the story has no variable '{unknown[0]}'")
            merged = (
                dict(initial)
                if initial is not None
                else {name: var.initial for name, var in story.variables.items()}
            )
            for name, value in variables.items():
                merged[name] = story.variables[name].clamp(value)
            initial, extra = merged, {"dev": True}
        self.story = story
        #: The scene this playthrough began from (the story's start unless an assignment says).
        self.start = start
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.random = random.Random(self.seed)
        #: The time of each step (default: time.time(), written as text when read).
        self._clock: Callable[[], str | float] = clock if clock is not None else time.time
        self._stamps = UtcStamps()
        self._machine: StoryMachine = story.machine
        self._moves: dict[str, dict[str, Move]] = self._machine.moves
        self._start_memory: dict[str, dict[str, Value]] = {}
        self._runner = Runner(self._start_state(start, initial))
        self._machine.add_model(self._runner, initial=start)
        # The record is kept as its fields without steps plus a list of steps, and made
        # into a (frozen) Record only when read: a choice appends, it does not copy.
        self._blank = Record(
            story.id, story.version, story.content_hash, self.seed, start, (), extra, initial
        )
        #: The steps so far, as tuples (`Step`s are made when the record is read).
        self._steps: list[RawStep] = []
        #: The steps already made into `Step`s for a record read before.
        self._made: tuple[Step, ...] = ()
        self._record: Record | None = self._blank
        #: What the last choice changed: the state keys and their values before it (None
        #: at the start); the whole state before it is built from these when asked for.
        self._changed: tuple[str, ...] | None = None
        self._old: Any = ()
        #: The whole state before the last choice, when it was kept or built.
        self._before_state: dict[str, Value] | None = None
        #: The choices open now, worked out once per state (None: not yet).
        self._open: dict[str, Choice] | None = None
        #: Those that were open where the last choice was taken (None: not worked out).
        self._open_before: dict[str, Choice] | None = None
        self._frame: Frame | None = None
        #: Whether the story grades any choice (worked out once, on first use).
        self._graded: bool | None = None

    # ------------------------------------------------------------ reading

    @property
    def frame(self) -> Frame:
        """What to draw now; built on first use after each change, so tools that never draw don't pay."""
        if self._frame is None:
            self._frame = self._make_frame()
        return self._frame

    @property
    def scene(self) -> Scene:
        return self.story.scenes[self._runner.scene_id]

    @property
    def variables(self) -> dict[str, Value]:
        """A copy of every declared variable, hidden ones included (not the memory)."""
        state = self._runner.variables
        return {name: state[name] for name in self.story.variables}

    @property
    def state(self) -> dict[str, Value]:
        """A copy of the whole state: every variable and the memory of the scenes and
        choices passed (what conditions and conditional text read; for tools)."""
        return dict(self._runner.variables)

    @property
    def record(self) -> Record:
        if self._record is None:
            made, steps = self._made, self._steps
            if len(made) < len(steps):
                text = self._stamps.text
                made += tuple(
                    Step(scene, choice, text(at), why)
                    for scene, choice, at, why in steps[len(made) :]
                )
                self._made = made
            self._record = replace(self._blank, steps=made)
        return self._record

    @property
    def _previous(self) -> Scene | None:
        """The scene of the last choice (None at the start)."""
        steps = self._steps
        return self.story.scenes[steps[-1][0]] if steps else None

    @property
    def _before(self) -> dict[str, Value] | None:
        """The whole state before the last choice (None at the start), built on first use
        from the state now and the old values of what the choice changed."""
        if self._before_state is None and self._changed is not None:
            before = dict(self._runner.variables)
            before.update(old_values(self._changed, self._old))
            self._before_state = before
        return self._before_state

    @property
    def ended(self) -> bool:
        return self.scene.ending is not None

    @property
    def graded(self) -> bool:
        """Some choice of the story is graded faithful or divergent (see Frame.graded);
        worked out once per game, not at every frame."""
        if self._graded is None:
            self._graded = story_grades(self.story)
        return self._graded

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def path(self) -> list[PathEntry]:
        """The choices made so far, each with its scene, its label and the scene's text as
        they read at the time (for history, the ending and transcripts)."""
        out = []
        state = self._start_state(self.start, self._blank.initial)
        story = self.story
        declared = story.state_variables
        from game.engine.machine import effect_steps

        stamp = self._stamps.text
        for scene_id, choice_id, at, why in self._steps:
            scene = story.scenes[scene_id]
            choice = scene.choice(choice_id)
            assert choice is not None
            out.append(
                PathEntry(
                    scene,
                    choice,
                    stamp(at),
                    choice.label_text.render(state),
                    None if why is None else clean_text(why),  # as it may be shown
                    self._passages(scene.body.render(state)),
                    self._citations(choice.sources),
                    sum(1 for c in scene.choices if c.is_open(state)) == 1,
                )
            )
            effect_steps(choice, declared)(state)
        return out

    def noted_path(self, timing: NoteTiming) -> list[tuple[PathEntry, bool]]:
        """The path, each step with whether history's verdict on it may be shown now under
        the spoiler setting: every one after each choice; with "chapter", those of the
        chapters already ended; with "ending", none until the ending. Before the ending, a
        choice that was the only one open has none; at the ending, every step has its own."""
        path = self.path()
        if self.frame.ended:  # nothing is left to give away: every step with its verdict
            return [(entry, True) for entry in path]
        if timing == "choice":
            return [(entry, not entry.alone) for entry in path]
        if timing == "ending":
            return [(entry, False) for entry in path]
        current = self.frame.scene.chapter
        hidden = 0
        for entry in reversed(path):
            if entry.scene.chapter != current:
                break
            hidden += 1
        return [
            (entry, not entry.alone and index < len(path) - hidden)
            for index, entry in enumerate(path)
        ]

    def met_terms(self) -> set[str]:
        """The codex entries linked from every text read so far (the current one included)."""
        met = {term.id for term in self.frame.terms}
        for entry in self.path():
            met |= {span.term for passage in entry.text for span in passage if span.term}
        return met

    def is_open(self, choice: Choice) -> bool:
        return choice.is_open(self._runner.variables)

    def _open_now(self) -> dict[str, Choice]:
        """The choices open now by id, in the scene's order, each condition evaluated once
        per state."""
        found = self._open
        if found is None:
            variables = self._runner.variables
            found = self._open = {
                c.id: c
                for c in self.story.scenes[self._runner.scene_id].choices
                if c.is_open(variables)
            }
        return found

    # ------------------------------------------------------------ acting

    def choose(self, choice_id: str, why: str | None = None) -> None:
        """Take a choice of the current scene; raises ChoiceUnavailable if it cannot be taken.

        `why` keeps the player's reason with the step (assignments ask for one). The host
        then reads `frame` (built only when read, so headless tools don't pay for it).
        (`why` may be given by position: a function with keyword-only parameters is called
        by a slower path in CPython 3.11, and a choice is taken millions of times.)
        """
        runner = self._runner
        scene_id = runner.scene_id
        move = self._moves[scene_id].get(choice_id)
        if move is None:
            raise ChoiceUnavailable(f"scene '{scene_id}' has no choice '{choice_id}'")
        choice, event, targets, keep = move
        if event is None:
            raise self._refusal(choice)
        open_now = self._open
        # Found open in this very state: the fast path need not check it again. Not found
        # open: the machine is still asked (with callbacks on it, transitions' full order
        # may take the choice by another way), and refuses it at the cost of one check.
        checked = open_now is not None and choice_id in open_now
        variables = runner.variables
        old = keep(variables) if keep is not None else ()
        # The machine checks the condition (pure, so nothing has changed when it fails),
        # unless the open choices were worked out in this very state.
        taken = event.take(runner, checked)
        full = None
        if taken is None:  # callbacks on the machine: all of transitions' order
            full = {**variables, **old_values(targets, old)}
            taken = event.trigger(runner)
        if not taken:
            raise self._refusal(choice)
        self._steps.append((scene_id, choice_id, self._clock(), why))
        self._record = self._frame = self._open = None
        self._changed, self._old, self._before_state = targets, old, full
        self._open_before = open_now

    def _refusal(self, choice: Choice) -> ChoiceUnavailable:
        variables = self._runner.variables
        reason = choice.reason_text.render(variables) if choice.reason_text else None
        label = choice.label_text.render(variables)
        return ChoiceUnavailable(reason or f"'{label}' cannot be taken now")

    def choose_number(self, number: int) -> None:
        """Take the choice shown with this number (1-based)."""
        for view in self.frame.choices:
            if view.number == number:
                self.choose(view.id)
                return
        raise ChoiceUnavailable(f"there is no choice {number}")

    def undo(self) -> Frame:
        """Go back one choice by replaying the record without its last step."""
        if not self._steps:
            raise ChoiceUnavailable("there is nothing to undo")
        shorter = self.record.without_last()
        self._restore(shorter)
        return self.frame

    def restart(self, seed: int | None = None) -> None:
        """Start this playthrough again from the beginning, with a new seed (default: a random one).

        Cheap, so autoplay can restart thousands of times a second: the machine is reused
        and no frame is built (read `frame` for the start scene's).
        """
        new_seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self._restore(
            Record(
                self.story.id,
                self.story.version,
                self.story.content_hash,
                new_seed,
                self.start,
                extra=self._blank.extra,
                initial=self._blank.initial,
            )
        )

    def open_choices(self) -> list[Choice]:
        """The choices of the current scene that can be taken now (for tools; no Frame built).
        Each condition is evaluated once per state: the frame and `choose` reuse them."""
        return list(self._open_now().values())

    def close(self) -> None:
        """Nothing to release any more (the machine keeps no playthroughs); kept so hosts
        that say they are done with a game need not change."""

    # ------------------------------------------------------------ replay

    def _start_state(self, start: str, initial: Mapping[str, Value] | None) -> dict[str, Value]:
        return start_state(self.story, start, initial, self._start_memory)

    def _restore(self, record: Record, *, keep_version: bool = False) -> int:
        """Reset to the start and replay `record`; returns how many steps applied.

        `keep_version`: the game's record goes on naming the version of the story that
        `record` names (see `replay`)."""
        self.start = record.start if record.start in self.story.scenes else self.story.start
        self._runner.variables = self._start_state(self.start, record.initial)
        self._machine.set_state(self.start, model=self._runner)
        self._blank = Record(
            self.story.id,
            record.story_version if keep_version else self.story.version,
            record.story_hash if keep_version else self.story.content_hash,
            record.seed,
            self._runner.scene_id,
            (),
            record.extra,
            record.initial,
        )
        self._steps = []
        self._made = ()
        self._record = None
        self.seed = record.seed
        self.random = random.Random(self.seed)
        applied = 0
        changed = before = None
        kept: Any = ()
        runner = self._runner
        variables = runner.variables
        for step in record.steps:
            scene_id = runner.scene_id
            if step.scene != scene_id:
                break
            move = self._moves[scene_id].get(step.choice)
            if move is None:
                break
            choice, event, targets, keep = move
            if event is None:
                break
            old = keep(variables) if keep is not None else ()
            taken = event.take(runner)
            full = None
            if taken is None:  # callbacks on the machine: all of transitions' order
                if not choice.is_open(variables):
                    break
                full = {**variables, **old_values(targets, old)}
                taken = event.trigger(runner)
            if not taken:  # `before` stays the state before the last step applied
                break
            before = full
            self._steps.append((step.scene, step.choice, step.at, step.why))
            changed, kept = targets, old
            applied += 1
        self._made = tuple(record.steps[:applied])
        self._changed, self._old, self._before_state = changed, kept, before
        self._open = self._open_before = None
        self._frame = None
        return applied

    # ------------------------------------------------------------ frames

    def _passages(self, text: str) -> tuple[Passage, ...]:
        return tuple(tuple(self.story.spans(p)) for p in paragraphs(text))

    def _citations(self, ids: tuple[str, ...]) -> tuple[Citation, ...]:
        known = self.story.paragraphs
        return tuple(Citation(pid, known[pid].summary if pid in known else None) for pid in ids)

    def _make_frame(self) -> Frame:
        scene = self.scene
        story = self.story
        chapter = story.chapters[scene.chapter]
        state = self._runner.variables
        views = []
        number = 0
        open_now = self._open_now()
        for choice in scene.choices:
            open_ = choice.id in open_now
            if not open_ and choice.reason_text is None:
                continue
            number += 1
            reason = None
            if not open_ and choice.reason_text is not None:
                reason = choice.reason_text.render(state)
            views.append(
                ChoiceView(
                    number,
                    choice.id,
                    choice.label_text.render(state),
                    open_,
                    reason,
                    choice.history,
                    choice.note,
                    choice.sources,
                    self._citations(choice.sources),
                )
            )
        before = self._before
        mine = story.variables_of(scene.id)
        shown = tuple(
            VariableView(
                var.name,
                var.label,
                state[var.name],
                wording.show_value(state[var.name], var.maximum),
                var.minimum,
                var.maximum,
                before[var.name] if before is not None else state[var.name],
            )
            for var in story.variables.values()
            if var.label is not None and var.name in mine
        )
        text = self._passages(scene.body.render(state))
        epilogue: tuple[Passage, ...] = ()
        if scene.ending is not None:
            epilogue = self._passages(scene.ending.epilogue_text.render(state))
        terms: dict[str, None] = {}
        for passage in (*text, *epilogue):
            for span in passage:
                if span.term is not None:
                    terms.setdefault(span.term, None)
        return Frame(
            scene,
            chapter,
            tuple(views),
            shown,
            len(self._steps),
            self._due(scene, chapter, state),
            text,
            epilogue,
            self._verdict(before),
            self._citations(scene.sources),
            tuple(Term(term, story.codex[term].name) for term in terms),
            self.graded,
            story.citations == "article",
            bool(story.codex),
        )

    def _verdict(self, before: State | None) -> Verdict | None:
        if not self._steps or before is None:
            return None
        scene_id, choice_id = self._steps[-1][:2]
        scene = self.story.scenes[scene_id]
        choice = scene.choice(choice_id)
        assert choice is not None
        open_before = self._open_before
        if open_before is None:
            open_before = {c.id: c for c in scene.choices if c.is_open(before)}
        return Verdict(
            scene.title,
            choice.label_text.render(before),
            choice.history,
            choice.note,
            self._citations(choice.sources),
            alone=len(open_before) == 1,
        )

    def notes_due(self, timing: NoteTiming) -> tuple[Verdict, ...]:
        """History's notes a front end shows now, for the player's spoiler setting.

        "choice": the last choice's verdict. "chapter": when a chapter has just ended,
        the verdicts on the choices made in it, in order. "ending": none before the end.
        At an ending every timing gives none: the ending shows the whole path with its
        notes. A choice that was the only one open is never given a verdict."""
        frame = self.frame
        if frame.ended or frame.verdict is None:
            return ()
        if timing == "choice":
            return () if frame.verdict.alone else (frame.verdict,)
        previous = self._previous
        if timing != "chapter" or previous is None or previous.chapter == frame.scene.chapter:
            return ()
        notes: list[Verdict] = []
        for entry in reversed(self.path()):
            if entry.scene.chapter != previous.chapter:
                break
            if not entry.alone:
                notes.append(
                    Verdict(
                        entry.scene.title,
                        entry.label,
                        entry.choice.history,
                        entry.choice.note,
                        entry.citations,
                    )
                )
        return tuple(reversed(notes))

    def _due(self, scene: Scene, chapter: Chapter, state: State) -> tuple[Reflection, ...]:
        due: list[Reflection] = []
        previous = self._previous
        if previous is not None and previous.chapter != scene.chapter:
            left = self.story.chapters[previous.chapter]
            if left.reflection:
                due.append(Reflection(left, left.reflection_at(state)))
        if (
            scene.ending is not None
            and chapter.reflection
            and all(r.chapter.id != chapter.id for r in due)
        ):
            due.append(Reflection(chapter, chapter.reflection_at(state), at_end=True))
        return tuple(due)


def story_grades(story: Story) -> bool:
    """Whether some choice of the story is graded faithful or divergent (False for a story
    whose every choice is the player's own, as a story of its own that gives no `history:`).
    For a front end with no game under way (the help on the title screen); a game keeps
    the answer (`Game.graded`, `Frame.graded`)."""
    return any(
        choice.history != "own" for scene in story.scenes.values() for choice in scene.choices
    )


def dev_setting(story: Story, setting: str) -> tuple[str, Value]:
    """Read one `--set NAME=VALUE` for a dev start: the variable's name and its value,
    of the variable's declared type (true/false, or a whole number within its range).
    Raises ValueError saying what is wrong and what would do (the names nearest an
    unknown one, the range of a number)."""
    import difflib

    name, equals, text = setting.partition("=")
    name, text = name.strip(), text.strip()
    if not equals or not name:
        raise ValueError(f"'{setting}' is not NAME=VALUE (for example: --set trust=3)")
    var = story.variables.get(name)
    if var is None:
        known = sorted(story.variables)
        near = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        listed = ", ".join(known) if known else "none"
        raise ValueError(f"the story has no variable '{name}' ({hint}its variables: {listed})")
    if var.type == "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"'{name}' is true or false, not '{text}'")
        return name, text.lower() == "true"
    low = var.minimum
    high = var.maximum
    shown_range = (
        f"from {low} to {high}"
        if low is not None and high is not None
        else f"at least {low}"
        if low is not None
        else f"at most {high}"
        if high is not None
        else "any whole number"
    )
    digits = text[1:] if text[:1] == "-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):  # no '٣', '1_0'
        raise ValueError(f"'{name}' is a whole number ({shown_range}), not '{text}'")
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"'{name}' is {shown_range}; {number} is outside its range")
    return name, number


def starting_variables(story: Story, start: str) -> dict[str, Value] | None:
    """The variables a playthrough that begins at `start` records as its `initial`: None
    at the story's start (the declared values), else those the path of history brings
    there (None, the declared values, for a scene off that path). A viewpoint's start is a
    story's start like any other."""
    if start in story.starts:
        return None
    arrived = faithful_state(story, start)
    return None if arrived is None else {name: arrived[name] for name in story.variables}


def origin_problem(
    story: Story, record: Record, start: str | None = None, *, moved: bool = False
) -> str | None:
    """Why `record` cannot have begun as it says in `story`, or None when it can.

    A playthrough begins at `start` (an assignment's) or else at one of the story's starts
    (its own, or a viewpoint's), with exactly the variables a new game has there; a record
    that claims another
    start, or other variables, was made some other way (edited, or for another
    assignment). An ending is never a start: no choice was ever made there.

    `moved=True`, for a record of another version of the story (whose start may have
    moved since), accepts any scene that is not an ending as its start."""
    allowed = (start,) if start is not None else story.starts
    if record.extra.get("dev") is True:
        return "it is an author's test game (a dev start with its own start or variables)"
    if record.start not in story.scenes:
        return f"it starts at the scene '{record.start}', which this story does not have"
    if story.scenes[record.start].ending is not None:
        return f"it starts at '{record.start}', which is an ending"
    if record.start not in allowed and not moved:
        where = " or ".join(f"'{scene}'" for scene in allowed)
        return (
            f"it starts at the scene '{record.start}', but a playthrough of this story "
            f"{'' if start is None else 'and assignment '}starts at {where}"
        )
    if not _same_values(record.initial, starting_variables(story, record.start)):
        return (
            f"its starting variables are not those of a new game at '{record.start}' "
            "(they were changed)"
        )
    return None


def _same_values(a: Mapping[str, Value] | None, b: Mapping[str, Value] | None) -> bool:
    """Equal, with true and false never equal to 1 and 0."""
    if a is None or b is None:
        return a is None and b is None
    return a.keys() == b.keys() and all(
        type(a[name]) is type(b[name]) and a[name] == b[name] for name in a
    )


def start_state(
    story: Story,
    start: str,
    initial: Mapping[str, Value] | None,
    memo: dict[str, dict[str, Value]] | None = None,
) -> dict[str, Value]:
    """The state a playthrough begins in at `start`: the declared initial values with
    `initial` laid over them (each of its variable's type, kept within its range), and
    the memory the path of history brings there (`memo` keeps that memory by start, for
    a caller that starts many). A new game at `start` has `initial` =
    `starting_variables(story, start)`; the batch tools' table starts from the same."""
    state = story.initial_state()
    if story.memory and start != story.start:
        memory = memo.get(start) if memo is not None else None
        if memory is None:
            memory = arrival_memory(story, start)
            if memo is not None:
                memo[start] = memory
        state.update(memory)
    for name, value in (initial or {}).items():
        declared = story.variables.get(name)
        if declared is not None and isinstance(value, bool) == (declared.type == "bool"):
            state[name] = declared.clamp(value)
    return state


def arrival_memory(story: Story, start: str) -> dict[str, Value]:
    """The memory of a playthrough that begins at `start`: as the path of history leaves
    it there, or, for a scene off that path, of having reached `start` and nothing else."""
    arrived = faithful_state(story, start)
    state = arrived if arrived is not None else story.initial_state(start)
    return {key: state[key] for key in story.memory}


def faithful_state(story: Story, scene_id: str) -> dict[str, Value] | None:
    """The variables on arriving at `scene_id` along the path of history (the first faithful
    open choice at each scene, else the first of the player's own) of its viewpoint, or None
    if that path never passes it."""
    from game.engine.explore import successors

    current = story.origin_of(scene_id)
    variables = story.initial_state(current)

    for _ in range(len(story.scenes) + 1):
        if current == scene_id:
            return variables
        open_now = list(successors(story, current, variables))
        step = next((pair for pair in open_now if pair[0].history == "faithful"), None) or next(
            (pair for pair in open_now if pair[0].history == "own"), None
        )
        if step is None:
            return None
        choice, variables = step
        current = choice.target
    return None


@dataclass(frozen=True, slots=True)
class Replay:
    """The outcome of replaying a record: the game, and where it stopped if it did."""

    game: Game
    applied: int
    total: int
    problem: str | None

    @property
    def complete(self) -> bool:
        return self.problem is None


def replay(story: Story, record: Record, *, keep_version: bool = False) -> Replay:
    """Rebuild a game from a record, as far as the story allows; says where it stopped.

    The game's record names this story's version, unless `keep_version`: a playthrough
    begun where this version never begins one (a start an older version had) keeps the
    name of the version it began in, so that it is never taken for one begun in this."""
    game = Game(story, seed=record.seed)
    problem = None
    if record.story_id != story.id:
        problem = f"the record belongs to the story '{record.story_id}', not '{story.id}'"
        return Replay(game, 0, len(record.steps), problem)
    applied = game._restore(record, keep_version=keep_version)
    if applied < len(record.steps):
        step = record.steps[applied]
        scene = story.scenes.get(step.scene)
        if scene is None:
            why = f"the scene '{step.scene}' no longer exists"
        elif game.scene.id != step.scene:
            why = f"the record expected scene '{step.scene}' but the story is at '{game.scene.id}'"
        elif scene.choice(step.choice) is None:
            why = f"the scene '{scene.title}' has no choice '{step.choice}' any more"
        else:
            why = f"the choice '{step.choice}' cannot be taken there now"
        problem = f"the story changed at step {applied + 1} of {len(record.steps)}: {why}"
    return Replay(game, applied, len(record.steps), problem)
