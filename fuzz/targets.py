"""The fuzz targets: one plain function per reader, taking the fuzzer's bytes.

Each target feeds its bytes to one of the game's readers of outside data and checks
what the reader promises: it raises only its own documented error (or none), and
what it accepts behaves (a save loads into a declared scene and, saved again, loads
the same; a condition evaluates; a record written back reads back the same). Any other exception, or a broken
promise (`Broken`), is a bug: the fuzzer (fuzz/run.py) counts it as a crash, and
tests/test_fuzz_targets.py replays every seed and every crash ever found.

Nothing here imports atheris, so the tests call these functions directly. The
stories the targets need are loaded once, on first use; the scratch files they write
go in one temporary folder per process (in /dev/shm when there is one, so the disk
is not worn), under $PETROGRAD_FUZZ_TMP when fuzz/run.py sets it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from game.classroom.assignment import Assignment, load_assignment
from game.classroom.handin import Verification, verify
from game.classroom.report import (
    build_report,
    render_answers_csv,
    render_grid_csv,
    render_report_csv,
    render_report_html,
    render_report_markdown,
)
from game.classroom.transcript import read_handin_facts, render_html, render_markdown
from game.engine import (
    Game,
    Record,
    RecordError,
    Story,
    StoryError,
    check_story,
    load_story,
    replay,
)
from game.engine.expr import (
    LIMIT,
    Effect,
    Expr,
    ExprError,
    compile_expr,
    parse_condition,
    parse_effect,
    unparse,
    variables_in,
)
from game.engine.yamlread import read_yaml_bytes
from game.paths import assets_dir, scenes_dir
from game.saves import SaveError, SaveInfo, SaveStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "format-v1"
EXAMPLE_ASSIGNMENT = ROOT / "examples" / "assignment.yaml"


class Broken(AssertionError):
    """A reader broke a promise without raising (a wrong answer, not an exception)."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise Broken(message)


# ---------------------------------------------------------------- shared state, made once


@cache
def scratch() -> Path:
    """This process's scratch folder (removed when the process exits normally)."""
    base = os.environ.get("PETROGRAD_FUZZ_TMP")
    if not base and Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        base = "/dev/shm"
    folder = Path(tempfile.mkdtemp(prefix="petrograd-fuzz-", dir=base or None))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@cache
def shipped_story() -> Story:
    return load_story([scenes_dir()], assets=assets_dir())


@cache
def fixture_story() -> Story:
    """The first edition's frozen story: the seed saves and hand-in were made with it."""
    return load_story([FIXTURE / "story"], assets=FIXTURE / "assets")


@cache
def stories_and_assignments() -> tuple[tuple[Story, Assignment | None], ...]:
    shipped, fixture = shipped_story(), fixture_story()
    return (
        (shipped, None),
        (shipped, load_assignment(EXAMPLE_ASSIGNMENT, shipped)),
        (fixture, None),
        (fixture, load_assignment(FIXTURE / "assignment.yaml", fixture)),
    )


def _json(data: bytes) -> tuple[bool, Any]:
    """(True, value) when the bytes are JSON, else (False, the text as far as it reads)."""
    text = data.decode("utf-8-sig", "replace")
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, text


# ---------------------------------------------------------------- the YAML reader


def yaml_reader(data: bytes) -> None:
    """Any bytes as a story file: a value (perhaps with warnings) or errors, each placed in
    the file."""
    value, problems = read_yaml_bytes(data, "fuzz.yaml")
    check(
        (value is None) == any(p.severity == "error" for p in problems),
        "a value, or errors saying why not (a value may come with warnings)",
    )
    for problem in problems:
        check(problem.mark.path == "fuzz.yaml", f"a problem placed elsewhere: {problem.mark}")
        check(problem.code and problem.message, "a problem without a code or message")
        check(str(problem), "a problem that says nothing")


# ---------------------------------------------------------------- conditions and effects

TYPES: dict[str, Any] = {"garrison": "int", "blood": "int", "fleet": "bool", "open": "bool"}
STATES = (
    {"garrison": 5, "blood": 2, "fleet": True, "open": False},
    {"garrison": LIMIT, "blood": -LIMIT, "fleet": False, "open": True},
)


def _state(tree: Expr, base: dict[str, Any], memory: int) -> dict[str, Any]:
    """`base` plus a value for each memory key the tree reads (visits count, seen, chose)."""
    state = dict(base)
    for key in variables_in(tree):
        if key not in state:
            check(":" in key, f"a tree reads an undeclared name {key!r}")
            state[key] = memory if key.startswith("visits:") else bool(memory)
    return state


def _evaluate(tree: Expr, kind: str) -> list[Any]:
    compute = compile_expr(tree)
    values = []
    for base in STATES:
        for memory in (0, 3):
            value = compute(_state(tree, base, memory))
            if kind == "bool":
                check(type(value) is bool, f"a condition gave {value!r}, not true/false")
            else:
                check(type(value) is int, f"a number expression gave {value!r}")
                check(-LIMIT <= value <= LIMIT, f"a value past the limit: {value}")
            values.append(value)
    return values


def expressions(data: bytes) -> None:
    """Any text as a condition and as an effect: ExprError, or a tree that evaluates, and
    that reads back from its written form (when that still fits) to the same values."""
    text = data.decode("utf-8", "replace")
    for parse in (parse_condition, parse_effect):
        try:
            parsed = parse(text, TYPES)
        except ExprError as exc:
            check(exc.message and isinstance(exc.column, int), "an ExprError saying nothing")
            continue
        if isinstance(parsed, Effect):
            check(parsed.target in TYPES and parsed.op in ("=", "+=", "-="), f"effect {parsed}")
            tree, kind = parsed.value, TYPES[parsed.target]
            written = f"{parsed.target} {parsed.op} {unparse(tree)}"
        else:
            tree, kind = parsed, "bool"
            written = unparse(tree)
        values = _evaluate(tree, kind)
        try:
            again = parse(written, TYPES)
        except ExprError:
            continue  # the bracketed form can be too long or too deep: refused cleanly
        again_tree = again.value if isinstance(again, Effect) else again
        check(_evaluate(again_tree, kind) == values, f"{text!r} and {written!r} differ")


# ---------------------------------------------------------------- the story loader


def story_loader(data: bytes) -> None:
    """Any bytes as the chapter file of a small story: problems, or a story that plays."""
    folder = scratch() / "story"
    if not folder.is_dir():
        folder.mkdir()
        shutil.copy(FIXTURE / "story" / "story.yaml", folder / "story.yaml")
    (folder / "night.yaml").write_bytes(data)
    assets = FIXTURE / "assets"
    _, problems = check_story([folder], assets=assets)
    for problem in problems:
        check(problem.mark.path and problem.code and problem.message, f"bare problem {problem}")
    try:
        story = load_story([folder], assets=assets)
    except StoryError as exc:
        check(exc.problems, "a StoryError without problems")
        return
    game = Game(story, seed=1, clock=lambda: "2026-01-01T00:00:00Z")
    rng = random.Random(len(data))
    for _ in range(20):
        frame = game.frame
        check(frame.scene.id in story.scenes, f"play reached an undeclared scene {frame.scene.id}")
        choices = game.open_choices()
        if game.ended or not choices:
            break
        game.choose(rng.choice(choices).id)
    game.close()


# ---------------------------------------------------------------- saves


def _shown(info: SaveInfo | None) -> None:
    """What the load screen does with a slot's summary."""
    if info is None:
        return
    check(info.ok or info.reason, "an unreadable slot without a reason")
    _ = (info.label, info.saved_local, info.scene_title, info.chapter, info.story_date)


def save_reader(data: bytes) -> None:
    """Any bytes as save slot 1: listed with a reason or a summary; loaded, or SaveError."""
    folder = scratch() / "saves"
    folder.mkdir(exist_ok=True)
    (folder / "1.json").write_bytes(data)
    store = SaveStore(folder)
    info = store.info("1")
    check(isinstance(info, SaveInfo), "a written slot listed as empty")
    _shown(info)
    for listed in store.list():
        _shown(listed)
    store.latest()
    for story in (shipped_story(), fixture_story()):
        try:
            loaded = store.load("1", story)
        except SaveError as exc:
            check(str(exc), "a SaveError without a reason")
            continue
        check(info is not None and info.ok, "a slot listed as unreadable loaded")
        game = loaded.game
        check(game.scene.id in story.scenes, "a save loaded into an undeclared scene")
        for name, variable in story.variables.items():
            value = game.variables[name]
            check(isinstance(value, bool) == (variable.type == "bool"), f"{name} of the wrong kind")
            check(variable.clamp(value) == value, f"{name} = {value} outside its range")
        check(game.frame.scene.id == game.scene.id, "the frame shows another scene")
        game.open_choices()
        store.save("2", game, loaded.session)  # saved again, it loads as it was
        again = store.load("2", story).game
        check(
            (again.scene.id, again.variables, again.record.steps)
            == (game.scene.id, game.variables, game.record.steps),
            "a loaded save, saved again, loads differently",
        )


# ---------------------------------------------------------------- records


def record_reader(data: bytes) -> None:
    """Any bytes as a playthrough record: RecordError, or a record that writes back as itself."""
    text = data.decode("utf-8", "replace")
    try:
        record = Record.loads(text)
    except RecordError as exc:
        check(str(exc), "a RecordError without a reason")
        record = None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        check(record is None, "a record read from text that is not JSON")
    else:
        try:
            direct = Record.from_json(value)
        except RecordError:
            direct = None
        check((direct is None) == (record is None), "loads and from_json disagree")
    if record is None:
        return
    written = record.dumps()
    check(Record.loads(written).dumps() == written, "a record does not read back as itself")
    for story in (shipped_story(), fixture_story()):
        if record.story_id == story.id:  # replayed as far as the story allows, never raising
            result = replay(story, record)
            check(0 <= result.applied <= result.total == len(record.steps), "steps miscounted")
            check(result.complete == (result.applied == result.total), "complete, or not")
            check(result.game.frame.scene.id in story.scenes, "replayed to an undeclared scene")


# ---------------------------------------------------------------- hand-ins and reports

MADE_AT = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def verification(data: bytes) -> None:
    """Any bytes as a handed-in record: verified, flagged or unreadable, never an exception;
    its transcript and a one-record class report render."""
    _, value = _json(data)
    folder = scratch() / "records"
    folder.mkdir(exist_ok=True)
    (folder / "record.json").write_bytes(data)
    for story, assignment in stories_and_assignments():
        found = verify(value, story, assignment)
        check(isinstance(found, Verification), "verify returned something else")
        check(found.status in ("verified", "flagged", "unreadable"), f"status {found.status}")
        if found.verified:
            check(found.replayed is not None and found.replayed.complete, "verified, not replayed")
        if found.readable:
            read_handin_facts(value, story, found)
            render_markdown(value, story, found)
            render_html(value, story, found)
        if assignment is not None:  # a report (which verifies again) for half of them
            report = build_report(folder, story, assignment, made_at=MADE_AT)
            render_report_markdown(report)
            render_report_html(report)
            render_report_csv(report)
            render_grid_csv(report)
            render_answers_csv(report)
            check(len(report.entries) == 1, "a report of one file without one entry")


#: Every target, by the name its corpus folder has.
TARGETS: dict[str, Callable[[bytes], None]] = {
    "yaml_reader": yaml_reader,
    "expressions": expressions,
    "story_loader": story_loader,
    "save_reader": save_reader,
    "record_reader": record_reader,
    "verification": verification,
}
