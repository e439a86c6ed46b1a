"""Playthrough test plans: YAML files that play a story and check it along the way.

A plan names a start, a list of choices, and what to expect between them (the scene
reached, variable values, choices open or not, the ending). `run_plan` plays it
through the engine's public API and stops at the first mismatch, reported with
the plan's file, line and column. The format (see docs/authoring.md):

    plan: The historical path          # a name, for the report
    story: ../examples/mini-story      # optional, relative to this file (default: the shipped story)
    scenes: [../examples/side-scenes]  # optional scene packs, relative to this file
    start:                             # optional: begin elsewhere, or with other values
      scene: c4-fortress
      variables: {garrison: 7}
    seed: 1                            # optional
    steps:
      - expect: {scene: c1-smolny}
      - choose: report                 # take a choice (it must be open) ...
        expect:                        # ... then check (both keys are optional)
          scene: c1-front-order
          variables: {garrison: 3}
          available: [examine]
          unavailable: [march]
      - choose: examine
        expect: {ending: history}
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from game.engine import Game, Story, StoryError, load_story
from game.engine.expr import variables_in
from game.engine.files import kind
from game.engine.loader import display_path, find_story_files
from game.engine.model import Choice
from game.engine.problems import Mark, Problem
from game.engine.schema import (
    ID,
    NAME_PATTERN,
    Flag,
    Key,
    ListOf,
    MapOf,
    Number,
    OneOf,
    Shape,
    Text,
)
from game.engine.yamlread import YamlList, YamlMap, read_yaml_file

VALUES = MapOf(
    OneOf((Number(), Flag()), what="a number or true/false"),
    NAME_PATTERN,
    "a variable name",
    what="a mapping of variable names to values",
)

EXPECTATION = Shape(
    "expectation",
    (
        Key("scene", ID, required=False, doc="the id of the scene the game should be in"),
        Key("variables", VALUES, required=False, doc="variables and the values they should hold"),
        Key(
            "available",
            ListOf(ID, min_items=1, what="a list of choice ids"),
            required=False,
            doc="choices of this scene that should be open",
        ),
        Key(
            "unavailable",
            ListOf(ID, min_items=1, what="a list of choice ids"),
            required=False,
            doc="choices of this scene that should be closed (shown dimmed or hidden)",
        ),
        Key("ending", ID, required=False, doc="the id of the ending the game should be at"),
        Key("ended", Flag(), required=False, doc="whether the game should be at an ending"),
    ),
    doc="What should hold at this point of the playthrough.",
)

STEP = Shape(
    "step",
    (
        Key("choose", ID, required=False, doc="the id of a choice of the current scene to take"),
        Key("expect", EXPECTATION, required=False, doc="what should hold (after the choice)"),
    ),
    doc="One step: take a choice, check expectations, or both (choice first).",
)

START = Shape(
    "start",
    (
        Key("scene", ID, required=False, doc="the scene to begin in (default: the story's start)"),
        Key("variables", VALUES, required=False, doc="initial values to use instead"),
    ),
    doc="Where and how the playthrough begins.",
)

PLAN = Shape(
    "test plan",
    (
        Key("plan", Text(), doc="the plan's name, for the report"),
        Key(
            "story",
            Text(),
            required=False,
            doc="the story folder, relative to the plan (default: the shipped story)",
        ),
        Key(
            "scenes",
            ListOf(Text(), what="a list of folders"),
            required=False,
            doc="scene packs to add, relative to the plan",
        ),
        Key("start", START, required=False, doc="where and how to begin"),
        Key("seed", Number(), required=False, doc="the playthrough's seed"),
        Key("steps", ListOf(STEP, min_items=1, what="a list of steps"), doc="the steps, in order"),
    ),
    doc="A playthrough test plan (petrograd test-plan).",
)


@dataclass
class PlanResult:
    """The outcome of one plan: `problems` is empty when every expectation held."""

    path: str
    name: str = ""
    problems: list[Problem] = field(default_factory=list)
    steps: int = 0
    choices: int = 0
    ending: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "plan": self.name,
            "ok": self.ok,
            "steps": self.steps,
            "choices": self.choices,
            "ending": self.ending,
            "problems": [p.as_json() for p in self.problems],
        }


class _Mismatch(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _fail(mark: Mark, code: str, message: str) -> _Mismatch:
    return _Mismatch(Problem(mark, code, message))


def _hint(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return f"; it has {shown}" if known else ""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class StoryCache:
    """Stories loaded once per set of folders, for many plans."""

    def __init__(self, assets: Path | None) -> None:
        self.assets = assets
        self.stories: dict[tuple[Path, ...], Story | StoryError] = {}

    def get(self, folders: Sequence[Path]) -> Story | StoryError:
        key = tuple(_resolved(Path(f)) for f in folders)
        if key not in self.stories:
            try:
                self.stories[key] = load_story(list(folders), assets=self.assets)
            except StoryError as exc:
                self.stories[key] = exc
        return self.stories[key]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of links, in Python 3.11
        return path.absolute()


def run_plan(
    path: Path,
    cache: StoryCache,
    *,
    default_story: Path,
    default_packs: Sequence[Path] = (),
    observe: Callable[[Game], object] | None = None,
) -> PlanResult:
    """Play one plan; stop at the first mismatch. `observe(game)` is called at the start
    and after each step (`petrograd coverage` notes what was seen)."""
    shown = display_path(path)
    result = PlanResult(shown)
    raw, problems = read_yaml_file(path, shown)
    if raw is None:
        result.problems = problems
        return result
    problems = list(PLAN.problems(raw, getattr(raw, "mark", Mark(shown, 1, 1))))
    if problems:
        result.problems = problems
        return result
    assert isinstance(raw, YamlMap)
    result.name = raw["plan"]
    base = path.parent
    story_folder = base / raw["story"] if "story" in raw else default_story
    packs = [base / p for p in raw["scenes"]] if "scenes" in raw else list(default_packs)
    for folder, mark in [
        (story_folder, raw.value_mark("story")),
        *((p, raw["scenes"].item_mark(i)) for i, p in enumerate(packs) if "scenes" in raw),
    ]:
        why = folder_problem(folder, path)
        if why is not None:
            result.problems = [Problem(mark, "plan-story", why)]
            return result
    loaded = cache.get([story_folder, *packs])
    if isinstance(loaded, StoryError):
        first = loaded.problems[0] if loaded.problems else None
        result.problems = [
            Problem(
                raw.value_mark("story") if "story" in raw else raw.mark,
                "plan-story",
                "the plan's story cannot be loaded"
                + (f": {first}" if first else "")
                + "; run 'petrograd check' on it",
            )
        ]
        return result
    try:
        story = _starting_story(loaded, raw.get("start"))
        game = Game(story, seed=raw.get("seed", 1), clock=lambda: "")
        try:
            if observe is not None:
                observe(game)
            for step in raw["steps"]:
                _run_step(game, step, result)
                result.steps += 1
                if observe is not None:
                    observe(game)
        finally:
            game.close()
    except _Mismatch as mismatch:
        result.problems = [mismatch.problem]
    return result


def _starting_story(story: Story, start: Any) -> Story:
    """The story itself, or a copy that starts in another scene or with other values."""
    if not isinstance(start, YamlMap):
        return story
    scene = start.get("scene", story.start)
    if scene not in story.scenes:
        raise _fail(
            start.value_mark("scene"),
            "plan-unknown",
            f"the story has no scene '{scene}'{_hint(scene, list(story.scenes))}",
        )
    variables = dict(story.variables)
    values = start.get("variables", YamlMap(start.mark))
    for name, value in values.items():
        mark = values.value_mark(name)
        variable = variables.get(name)
        if variable is None:
            raise _fail(
                values.key_mark(name),
                "plan-unknown",
                f"the story has no variable '{name}'{_hint(name, list(variables))}",
            )
        if (variable.type == "bool") != isinstance(value, bool):
            kind = "true or false" if variable.type == "bool" else "a whole number"
            raise _fail(mark, "plan-wrong-type", f"'{name}' holds {kind}")
        if variable.type == "int" and variable.clamp(value) != value:
            raise _fail(
                mark,
                "plan-wrong-value",
                f"{value} is outside the range of '{name}' "
                f"({variable.minimum}..{variable.maximum})",
            )
        variables[name] = replace(variable, initial=value)
    return replace(story, start=scene, variables=variables)


def _run_step(game: Game, step: YamlMap, result: PlanResult) -> None:
    if "choose" not in step and "expect" not in step:
        raise _fail(step.mark, "plan-empty-step", "a step needs 'choose:', 'expect:' or both")
    if "choose" in step:
        _choose(game, step["choose"], step.value_mark("choose"))
        result.choices += 1
    if "expect" in step:
        for problem in _check(game, step["expect"]):
            raise _Mismatch(problem)
    result.ending = game.scene.ending.id if game.scene.ending is not None else None


def _choose(game: Game, choice_id: str, mark: Mark) -> None:
    scene = game.scene
    if scene.ending is not None:
        raise _fail(
            mark,
            "plan-mismatch",
            f"cannot choose '{choice_id}': the game has ended at '{scene.ending.id}' "
            f"(scene '{scene.id}')",
        )
    choice = scene.choice(choice_id)
    if choice is None:
        ids = [c.id for c in scene.choices]
        raise _fail(
            mark,
            "plan-mismatch",
            f"the scene '{scene.id}' has no choice '{choice_id}'{_hint(choice_id, ids)}",
        )
    if not game.is_open(choice):
        open_ids = ", ".join(c.id for c in game.open_choices()) or "none"
        raise _fail(
            mark,
            "plan-mismatch",
            f"the choice '{choice_id}' is not open in scene '{scene.id}' (its condition "
            f"'{choice.condition_text}' is false{_values_in(game, choice)}); "
            f"open: {open_ids}",
        )
    game.choose(choice_id)


def _values_in(game: Game, choice: Choice) -> str:
    """' with garrison = 3, fleet_called = false': the variables a choice's condition reads."""
    if choice.condition is None:
        return ""
    values = game.variables
    named = [n for n in values if n in variables_in(choice.condition)]
    return (" with " + ", ".join(f"{n} = {_show(values[n])}" for n in named)) if named else ""


def _check(game: Game, expect: YamlMap) -> Iterator[Problem]:
    scene = game.scene
    story = game.story
    if "scene" in expect:
        wanted = expect["scene"]
        if wanted not in story.scenes:
            yield Problem(
                expect.value_mark("scene"),
                "plan-unknown",
                f"the story has no scene '{wanted}'{_hint(wanted, list(story.scenes))}",
            )
        elif wanted != scene.id:
            yield Problem(
                expect.value_mark("scene"),
                "plan-mismatch",
                f"expected the scene '{wanted}', but the game is in '{scene.id}'",
            )
    if "ending" in expect:
        wanted = expect["ending"]
        if wanted not in story.endings:
            yield Problem(
                expect.value_mark("ending"),
                "plan-unknown",
                f"the story has no ending '{wanted}'{_hint(wanted, list(story.endings))}",
            )
        elif scene.ending is None:
            yield Problem(
                expect.value_mark("ending"),
                "plan-mismatch",
                f"expected the ending '{wanted}', but the game is in scene '{scene.id}', "
                "which is not an ending",
            )
        elif scene.ending.id != wanted:
            yield Problem(
                expect.value_mark("ending"),
                "plan-mismatch",
                f"expected the ending '{wanted}', but the game ended at '{scene.ending.id}'",
            )
    if "ended" in expect and expect["ended"] != (scene.ending is not None):
        state = f"ended at '{scene.ending.id}'" if scene.ending else f"is in scene '{scene.id}'"
        yield Problem(
            expect.value_mark("ended"),
            "plan-mismatch",
            f"expected the game {'to have' if expect['ended'] else 'not to have'} ended, "
            f"but it {state}",
        )
    values = game.variables
    variables = expect.get("variables", YamlMap(expect.mark))
    for name, wanted in variables.items():
        if name not in values:
            yield Problem(
                variables.key_mark(name),
                "plan-unknown",
                f"the story has no variable '{name}'{_hint(name, list(values))}",
            )
        elif values[name] != wanted or isinstance(values[name], bool) != isinstance(wanted, bool):
            yield Problem(
                variables.value_mark(name),
                "plan-mismatch",
                f"expected {name} = {_show(wanted)}, but it is {_show(values[name])} "
                f"(in scene '{scene.id}')",
            )
    for key, should_be_open in (("available", True), ("unavailable", False)):
        items = expect.get(key)
        if not isinstance(items, YamlList):
            continue
        for index, choice_id in enumerate(items):
            mark = items.item_mark(index)
            choice = scene.choice(choice_id)
            if choice is None:
                ids = [c.id for c in scene.choices]
                yield Problem(
                    mark,
                    "plan-unknown",
                    f"the scene '{scene.id}' has no choice '{choice_id}'{_hint(choice_id, ids)}",
                )
            elif game.is_open(choice) != should_be_open:
                if should_be_open:
                    why = (
                        f"its condition '{choice.condition_text}' is false"
                        f"{_values_in(game, choice)}"
                    )
                    text = f"expected the choice '{choice_id}' to be open, but {why}"
                else:
                    text = f"expected the choice '{choice_id}' to be closed, but it is open" + (
                        f" ('{choice.condition_text}' holds{_values_in(game, choice)})"
                        if choice.condition_text
                        else " (it has no condition)"
                    )
                yield Problem(mark, "plan-mismatch", f"{text} (in scene '{scene.id}')")


def folder_problem(folder: Path, plan: Path) -> str | None:
    """Why a plan cannot use `folder` as its story or a scene pack, or None when it can.

    The folder must be one (a file, a named pipe or a link that leads nowhere is not),
    and it must not hold the plan itself: the loader reads every .yaml file below a story
    folder, so the plan would be read as a story file, and such a folder is the plan's
    own folder, one above it, a home folder or `/`, never a story's. (The loader's own
    limits, loader.MAX_STORY_FILES and the rest, bound any other folder.)"""
    shown = display_path(folder)
    try:
        info = os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return f"no such folder: {shown}; a folder in a plan is relative to the plan's own folder"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"the folder {shown} is a link that leads round in a loop; give the folder itself"
        return f"cannot use the folder {shown}: {exc.strerror or exc}"
    if not stat.S_ISDIR(info.st_mode):
        return (
            f"{shown} is {kind(info.st_mode) if not stat.S_ISREG(info.st_mode) else 'a file'}, "
            "not a folder; give the folder of the story (or of a scene pack)"
        )
    try:
        real, plan_real = folder.resolve(), plan.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of links, in Python 3.11
        return f"cannot use the folder {shown}: a link in its path leads round in a loop"
    if real.parent == real:
        return (
            f"{shown} is the root of the file system, not a story's folder (it would read "
            "every file there is); give the folder that holds the story's files"
        )
    if real in plan_real.parents:
        return (
            f"{shown} holds this plan itself, so the plan would be read as one of the story's "
            "files; give the story's own folder, and keep the plan outside it"
        )
    return None


def find_plans(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The plan files named, and a problem for each odd thing in the folders named: files
    as given, folders as every .yaml and .yml file inside, sorted (found as the loader
    finds story files, with its limits: `loader.find_story_files`)."""
    out: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found, odd = find_story_files(path)
            out.extend(found)
            problems.extend(odd)
        else:
            out.append(path)
    return out, problems


def plan_files(paths: Sequence[Path]) -> list[Path]:
    """The plan files named: files as given, folders as every .yaml file inside, sorted."""
    return find_plans(paths)[0]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a test plan, for editors (generated from the shapes above)."""
    defs: dict[str, Any] = {}
    root = PLAN.json_schema(defs)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Petrograd 1917 test plan",
        "description": "A playthrough test plan (see docs/authoring.md). Generated from "
        "game/tools/plans.py by 'petrograd schema --kind test-plan'; do not edit by hand.",
        **root,
        "definitions": defs,
    }
