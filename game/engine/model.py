"""The story, as immutable data: Story, Chapter, Scene, Choice, Ending, codex and sources."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from game.engine.expr import (
    LIMIT,
    Effect,
    Expr,
    State,
    Type,
    Value,
    seen_key,
    variables_in,
    visits_key,
)
from game.engine.problems import Mark
from game.engine.text import Template, plain_template
from game.engine.wording import format_dates

if TYPE_CHECKING:
    from game.engine.machine import StoryMachine

#: faithful: what history did; divergent: leaves history's path; own: a personal choice
#: history is silent about (never graded).
History = Literal["faithful", "divergent", "own"]
HISTORIES: tuple[History, ...] = ("faithful", "divergent", "own")
EndingKind = Literal["historical", "alternate", "defeat"]
CodexGroup = Literal["person", "place", "organisation", "ship", "term"]
#: What a story's scenes cite (`Story.citations`).
Citations = Literal["article", "own", "none"]

# ---------------------------------------------------------------- text markup

LINK = re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]|]+?))?\]\]")


@dataclass(frozen=True, slots=True)
class Span:
    """A run of scene text; `term` is the codex entry it links to, if any."""

    text: str
    term: str | None = None


def paragraphs(text: str) -> list[str]:
    """Split scene text into paragraphs (blank lines between), lines joined."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [
        " ".join(line.strip() for line in block.splitlines()) for block in blocks if block.strip()
    ]


#: No places known: one empty mapping shared by every choice and scene made without any.
NO_MARKS: Mapping[str, Mark] = MappingProxyType({})


def _no_marks() -> Mapping[str, Mark]:
    return NO_MARKS


# ---------------------------------------------------------------- the story


@dataclass(frozen=True, slots=True)
class Variable:
    """A declared variable: its type, starting value, range and the label it is shown by."""

    name: str
    type: Type
    initial: Value
    minimum: int | None = None
    maximum: int | None = None
    label: str | None = None
    about: str | None = None
    mark: Mark = field(default=Mark(""), compare=False)

    @property
    def visible(self) -> bool:
        """Shown to the player (it has a label)."""
        return self.label is not None

    def clamp(self, value: Value) -> Value:
        """Keep an int within its declared range (without one, within +/- `expr.LIMIT`)."""
        if self.type != "int":
            return value
        low = self.minimum if self.minimum is not None else -LIMIT
        high = self.maximum if self.maximum is not None else LIMIT
        return low if value < low else high if value > high else value


@dataclass(frozen=True, slots=True)
class Viewpoint:
    """A character the story can be played as: its own start, chapters and endings."""

    id: str
    name: str
    start: str
    about: str
    mark: Mark = field(default=Mark(""), compare=False)


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: its number, title and the questions asked when it ends."""

    id: str
    number: int
    title: str
    #: The questions as written; `questions` is them parsed (each may depend on the state).
    reflection: tuple[str, ...] = ()
    #: The id of the viewpoint the chapter belongs to ("" in a story without viewpoints).
    viewpoint: str = ""
    mark: Mark = field(default=Mark(""), compare=False)
    questions: tuple[Template, ...] = field(default=(), compare=False, repr=False)

    def reflection_at(self, state: State) -> tuple[str, ...]:
        """The questions as they read in `state`."""
        if len(self.questions) != len(self.reflection):
            return self.reflection
        return tuple(" ".join(q.render(state).split()) for q in self.questions)

    def all_questions(self) -> set[str]:
        """Every way each question can read (as `reflection_at` gives them)."""
        if len(self.questions) != len(self.reflection):
            return set(self.reflection)
        return {" ".join(text.split()) for q in self.questions for text in q.renderings()}


@dataclass(frozen=True, slots=True)
class Ending:
    """What makes a scene an ending: its id, title, kind and epilogue."""

    id: str
    title: str
    kind: EndingKind
    #: The epilogue as written; `epilogue_text` is it parsed (it may depend on the state).
    epilogue: str
    epilogue_text: Template = field(default=plain_template(""), compare=False, repr=False)


#: A compiled effect: (variable, op, value as a function of the state, the condition of its
#: `if:` group or None, the group's number, and whether it applies when the condition holds
#: (`then:`) or when it does not (`else:`)). A group's condition is read once, before its
#: first effect, and that one reading decides both its `then:` and its `else:`.
Action = tuple[str, str, Callable[[State], Value], Callable[[State], Value] | None, int, bool]


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice of a scene: its label, target, condition, effects and what history says of it."""

    id: str
    label: str
    target: str
    sources: tuple[str, ...]
    history: History
    note: str
    condition: Expr | None = None
    condition_text: str | None = None
    disabled_reason: str | None = None
    effects: tuple[Effect, ...] = ()
    mark: Mark = field(default=Mark(""), compare=False)
    #: Where each key's value stands in the file, for messages.
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)
    #: Where each cited paragraph id is written (an item of `sources:`).
    source_marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)
    #: The condition compiled to a function of the variables (None: always open).
    test: Callable[[State], Value] | None = field(default=None, compare=False, repr=False)
    #: The effects compiled, the memory's last (see `Action`).
    actions: tuple[Action, ...] = field(default=(), compare=False, repr=False)
    #: The label and the disabled reason parsed (either may depend on the state).
    label_text: Template = field(default=plain_template(""), compare=False, repr=False)
    reason_text: Template | None = field(default=None, compare=False, repr=False)
    #: What taking the choice writes into the playthrough's memory (visit counts, choices
    #: taken), as effects on memory keys; only what some condition or text reads is kept.
    memory: tuple[Effect, ...] = field(default=(), compare=False, repr=False)

    @property
    def all_effects(self) -> tuple[Effect, ...]:
        """The author's effects, then the memory's, in the order they are applied."""
        return self.effects + self.memory if self.memory else self.effects

    def is_open(self, state: State) -> bool:
        """Whether the choice can be taken in this state: the one definition, used by play,
        the tools, the exhaustive walk and verification alike."""
        test = self.test
        return test is None or bool(test(state))


@dataclass(frozen=True, slots=True)
class Scene:
    """A scene: where and when it is, its text, the paragraphs it rests on, its choices."""

    id: str
    chapter: str
    title: str
    date: dt.date
    time: str
    place: str
    #: The text as written; `body` is it parsed (it may depend on the state).
    text: str
    sources: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None
    mark: Mark = field(default=Mark(""), compare=False)
    #: Where each key's value stands in the file, for messages.
    marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)
    #: Where each cited paragraph id is written (an item of `sources:`).
    source_marks: Mapping[str, Mark] = field(default_factory=_no_marks, compare=False, repr=False)
    body: Template = field(default=plain_template(""), compare=False, repr=False)
    #: The date is Old Style (Julian), shown with the New Style beside it; False for a
    #: story written in today's calendar (`calendar: new-style` in story.yaml).
    old_style: bool = True

    def templates(self) -> Iterator[tuple[str, Template, Choice | None]]:
        """Every text of the scene that may depend on the state, with the key it is written
        under and its choice: its text, its choices' labels and reasons, its epilogue."""
        yield "text", self.body, None
        for choice in self.choices:
            yield "label", choice.label_text, choice
            if choice.reason_text is not None:
                yield "disabled", choice.reason_text, choice
        if self.ending is not None:
            yield "epilogue", self.ending.epilogue_text, None

    def reads(self) -> set[str]:
        """The state keys the scene's texts, its choices' conditions and its effects' values
        and guards read."""
        found: set[str] = set()
        for _key, template, _choice in self.templates():
            for alternative in template.alternatives():
                found |= variables_in(alternative.condition)
        for choice in self.choices:
            if choice.condition is not None:
                found |= variables_in(choice.condition)
            for effect in choice.effects:
                found |= variables_in(effect.value)
                if effect.guard is not None:
                    found |= variables_in(effect.guard)
        return found

    @property
    def text_mark(self) -> Mark:
        """Where the text's first line stands in the file."""
        return self.marks.get("text", self.mark)

    @property
    def dates(self) -> str:
        """The date both ways: '25 October 1917 (7 November N.S.)' (one way in a story in
        today's calendar)."""
        return format_dates(self.date, self.old_style)

    def choice(self, choice_id: str) -> Choice | None:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        return None


#: How each key that holds conditional text is named in messages.
TEXT_PLACES = {
    "text": "text",
    "label": "label of a choice",
    "disabled": "reason given for a closed choice",
    "epilogue": "epilogue",
}


@dataclass(frozen=True, slots=True)
class CodexEntry:
    """A codex entry: a person, place, organisation, ship or term, with its text."""

    id: str
    name: str
    group: CodexGroup
    aliases: tuple[str, ...]
    text: str
    mark: Mark = field(default=Mark(""), compare=False)

    def matches(self, words: list[str], *, text: bool) -> bool:
        """Whether every word is in the entry's names, or (`text`: for an entry the player
        has met; searching one not met would give away what it says) in its text."""
        parts = [self.name, *self.aliases, *([self.text] if text else [])]
        haystack = " ".join(parts).lower()
        return all(word.lower() in haystack for word in words)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of the source article, by id, with a summary in our words."""

    id: str
    section: str
    summary: str


@dataclass(frozen=True)
class Story:
    """A whole loaded story. Immutable; one per process is plenty."""

    id: str
    title: str
    version: str
    start: str
    intro: str
    variables: Mapping[str, Variable]
    chapters: Mapping[str, Chapter]
    scenes: Mapping[str, Scene]
    codex: Mapping[str, CodexEntry]
    paragraphs: Mapping[str, Paragraph]
    content_hash: str
    #: Lower-cased codex names and aliases -> entry id.
    codex_names: Mapping[str, str] = field(default_factory=dict)
    #: The playthrough's memory that some condition or text reads, as hidden variables
    #: under keys no author can write (`expr.visits_key`, `expr.chose_key`).
    memory: Mapping[str, Variable] = field(default_factory=dict)
    #: The characters the story can be played as, the default first (empty: one, unnamed).
    viewpoints: Mapping[str, Viewpoint] = field(default_factory=dict)
    #: A line for under the title ("" for none).
    byline: str = ""
    #: What scenes cite: Victor Serge's article (the shipped story, and any story without a
    #: sources file of its own), the story's own sources file, or nothing.
    citations: Citations = "article"

    @property
    def starts(self) -> tuple[str, ...]:
        """Every scene a new game can begin at: the story's start and each viewpoint's."""
        found = dict.fromkeys([self.start, *(v.start for v in self.viewpoints.values())])
        return tuple(found)

    def viewpoint_of(self, scene_id: str) -> Viewpoint | None:
        """The viewpoint whose chapters hold the scene (None without viewpoints)."""
        scene = self.scenes.get(scene_id)
        chapter = self.chapters.get(scene.chapter) if scene is not None else None
        return self.viewpoints.get(chapter.viewpoint) if chapter is not None else None

    def variables_of(self, scene_id: str) -> frozenset[str]:
        """The declared variables that matter where the scene is: those the scenes of its
        viewpoint read or change (every variable, in a story without viewpoints)."""
        viewpoint = self.viewpoint_of(scene_id)
        if viewpoint is None:
            return frozenset(self.variables)
        return self._viewpoint_variables.get(viewpoint.id, frozenset())

    @cached_property
    def _viewpoint_variables(self) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {v: set() for v in self.viewpoints}
        for scene in self.scenes.values():
            viewpoint = self.viewpoint_of(scene.id)
            if viewpoint is None:
                continue
            found[viewpoint.id] |= scene.reads()
            found[viewpoint.id] |= {e.target for c in scene.choices for e in c.effects}
        return {key: frozenset(n & self.variables.keys()) for key, n in found.items()}

    def origin_of(self, scene_id: str) -> str:
        """The start of the viewpoint the scene belongs to (the story's start without one)."""
        viewpoint = self.viewpoint_of(scene_id)
        return viewpoint.start if viewpoint is not None else self.start

    @property
    def endings(self) -> dict[str, Scene]:
        """Ending id -> its scene."""
        return {s.ending.id: s for s in self.scenes.values() if s.ending is not None}

    @property
    def state_variables(self) -> Mapping[str, Variable]:
        """The declared variables and the memory: everything a state holds."""
        return {**self.variables, **self.memory} if self.memory else self.variables

    def initial_state(self, start: str | None = None) -> dict[str, Value]:
        """The state of a new game at the story's start (or at `start`, another of
        `starts`): declared initial values, and the memory of having reached that scene
        once and nothing else."""
        state = {name: var.initial for name, var in self.state_variables.items()}
        if start is not None and start != self.start and self.memory:
            for key, value in (
                (visits_key(self.start), 0),
                (seen_key(self.start), False),
                (visits_key(start), 1),
                (seen_key(start), True),
            ):
                if key in state:
                    state[key] = value
        return state

    @cached_property
    def machine(self) -> StoryMachine:
        """The story's `transitions` machine, built on first use and kept with the story
        (so it lives and dies with it: nothing process-wide keeps either alive)."""
        from game.engine.machine import build_machine

        return build_machine(self)

    def chapter_of(self, scene: Scene) -> Chapter:
        return self.chapters[scene.chapter]

    def spans(self, paragraph: str) -> list[Span]:
        """Split one paragraph into text and codex links."""
        out: list[Span] = []
        pos = 0
        for match in LINK.finditer(paragraph):
            if match.start() > pos:
                out.append(Span(paragraph[pos : match.start()]))
            shown = match.group(1).strip()
            out.append(Span(shown, self.link_target(shown, match.group(2))))
            pos = match.end()
        if pos < len(paragraph):
            out.append(Span(paragraph[pos:]))
        return out

    def plain(self, text: str) -> str:
        """Scene text with the link brackets taken out."""
        return LINK.sub(lambda m: m.group(1).strip(), text)

    def link_target(self, shown: str, ref: str | None) -> str | None:
        """The codex entry a `[[shown]]` or `[[shown|ref]]` link opens (None: no such entry)."""
        term = ref.strip() if ref else self.codex_names.get(shown.strip().lower())
        return term if term in self.codex else None

    def scene_terms(self, scene_id: str) -> list[str]:
        """The codex entries a scene's text may link to, in any of its versions (none for a
        scene the story lacks): for what a player met in an earlier playthrough."""
        scene = self.scenes.get(scene_id)
        return self.terms_in(scene.text) if scene is not None else []

    def terms_in(self, text: str) -> list[str]:
        """The codex entries a text links to, in order of first mention."""
        seen: dict[str, None] = {}
        for match in LINK.finditer(text):
            term = self.link_target(match.group(1), match.group(2))
            if term is not None:
                seen.setdefault(term, None)
        return list(seen)
