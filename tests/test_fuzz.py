"""Fuzzing with hypothesis: arbitrary bytes into every reader, and a stateful session.

In the normal suite each test runs a bounded number of examples (a few seconds in
all). `make fuzz-properties` runs the same tests with many more (PETROGRAD_FUZZ_EXAMPLES, see
the Makefile) for anyone who wants to let it run for minutes. The expression
parser's property tests are in tests/test_expr.py.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from game.classroom.handin import Verification, seal, verify
from game.engine import Game, Record, RecordError, StoryError, check_story, load_story, replay
from game.engine.yamlread import read_yaml_bytes
from game.paths import assets_dir
from game.saves import SaveError, SaveInfo, SaveStore
from game.session import PlaySession
from tests.conftest import CHAPTER_YAML, STORY_YAML, write
from tests.fuzzing import examples


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """`base` with a few bytes replaced, inserted or deleted, or cut short."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data)))
            how = draw(st.sampled_from(["replace", "insert", "delete", "cut", "copy"]))
            byte = draw(st.sampled_from(b"\x00\xff\n\r\t :-[]{}&*!|>'\"#%@`,?0a\xc3"))
            if how == "replace" and at < len(data):
                data[at] = byte
            elif how == "insert":
                data[at:at] = bytes([byte]) * draw(st.integers(1, 4))
            elif how == "delete":
                del data[at : at + draw(st.integers(1, 20))]
            elif how == "cut":
                del data[at:]
            else:  # repeat a stretch: duplicate keys, ids, whole scenes
                size = draw(st.integers(1, 200))
                data[at:at] = data[at : at + size]
        return bytes(data)

    return build()


YAMLISH = st.lists(
    st.sampled_from(
        ["a", "id", "- ", ": ", "\n", "  ", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ",
         "!!python/name:os.system", "|", ">", "'", '"', "#", "---", "...", "? ", "%YAML 1.1",
         "no", "on", "12:30", "1917-10-25", "0x1", "~", "é", "\t", "\ufeff"]
    ),
    max_size=60,
).map(lambda parts: "".join(parts).encode())  # fmt: skip


# ---------------------------------------------------------------- the scene loader


@examples(300)
@given(st.one_of(st.binary(max_size=3000), mutated(CHAPTER_YAML.encode()), YAMLISH))
def test_arbitrary_bytes_into_the_yaml_reader(data):
    value, problems = read_yaml_bytes(data, "fuzz.yaml")
    assert (value is None) == any(p.severity == "error" for p in problems)
    for problem in problems:
        assert problem.mark.path == "fuzz.yaml" and problem.code and problem.message


@examples(120)
@given(
    st.sampled_from(["story.yaml", "one.yaml"]),
    st.one_of(
        mutated(CHAPTER_YAML.encode()), mutated(STORY_YAML.encode()), st.binary(max_size=500)
    ),
)
def test_arbitrary_bytes_into_the_story_loader(tmp_path_factory, name, data):
    """A story whose file is damaged: problems, never an exception; if it loads, it plays."""
    folder = write(tmp_path_factory.mktemp("fuzz"), {"story.yaml": STORY_YAML, "one.yaml": ""})
    (folder / "one.yaml").write_text(CHAPTER_YAML, encoding="utf-8")
    (folder / name).write_bytes(data)
    try:
        _check_and_play(folder)
    finally:
        shutil.rmtree(folder)


def _check_and_play(folder: Path) -> None:
    _, problems = check_story([folder])
    for problem in problems:
        assert problem.mark.path and problem.code and problem.message
    try:
        loaded = load_story([folder])
    except StoryError as exc:
        assert exc.problems
        return
    game = Game(loaded, seed=1)
    rng = random.Random(0)
    for _ in range(20):
        choices = game.open_choices()
        if game.ended or not choices:
            break
        game.choose(rng.choice(choices).id)
        assert game.scene.id in loaded.scenes
    game.close()


# ---------------------------------------------------------------- saves and records

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def json_mutated(base: Any) -> st.SearchStrategy[Any]:
    """`base` with a few values (at any depth) replaced by arbitrary JSON, or removed."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        data = json.loads(json.dumps(base))
        for _ in range(draw(st.integers(1, 4))):
            node, key = None, None
            here = data
            while isinstance(here, dict | list) and here and draw(st.booleans()):
                keys = list(here) if isinstance(here, dict) else list(range(len(here)))
                node, key = here, draw(st.sampled_from(keys))
                here = here[key]
            if node is None:
                continue
            if isinstance(node, dict) and draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(JSON)
        return data

    return build()


_story_cache: dict[str, Any] = {}


def small_story():
    if "small" not in _story_cache:
        folder = Path(tempfile.mkdtemp(prefix="fuzz-story-"))
        write(folder, {"story.yaml": STORY_YAML, "one.yaml": CHAPTER_YAML})
        _story_cache["small"] = load_story([folder], assets=assets_dir())
        shutil.rmtree(folder)
    return _story_cache["small"]


def a_save(story) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-save-"))
    game = Game(story, seed=3)
    game.choose("up")
    SaveStore(folder).save("1", game)
    data = json.loads((folder / "1.json").read_text())
    shutil.rmtree(folder)
    return data


def save_bytes() -> st.SearchStrategy[bytes]:
    if "save" not in _story_cache:
        _story_cache["save"] = a_save(small_story())
    base = _story_cache["save"]
    text = json.dumps(base).encode()
    return st.one_of(
        st.binary(max_size=400),
        mutated(text),
        json_mutated(base).map(lambda d: json.dumps(d).encode()),
        JSON.map(lambda d: json.dumps(d).encode()),
    )


@examples(250)
@given(st.data())
def test_arbitrary_bytes_into_the_save_loader(tmp_path_factory, data):
    story = small_story()
    folder = tmp_path_factory.mktemp("saves")
    content = data.draw(save_bytes())
    (folder / "2.json").write_bytes(content)
    store = SaveStore(folder)
    info = store.info("2")
    assert isinstance(info, SaveInfo) and (info.ok or info.reason)
    try:
        loaded = store.load("2", story)
    except SaveError as exc:
        assert str(exc)
        return
    assert info.ok
    game = loaded.game
    assert game.scene.id in story.scenes
    for name, variable in story.variables.items():
        value = game.variables[name]
        assert isinstance(value, bool) == (variable.type == "bool")
        assert variable.clamp(value) == value


def sealed_record() -> dict[str, Any]:
    if "sealed" not in _story_cache:
        _story_cache["sealed"] = _seal_one()
    return json.loads(json.dumps(_story_cache["sealed"]))


def _seal_one() -> dict[str, Any]:
    story = small_story()
    game = Game(story, seed=5, clock=lambda: "2026-01-01T00:01:00Z")
    game.choose("up")
    return seal(
        game.record,
        story,
        student="Ada",
        assignment=None,
        answers=[],
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:10:00Z",
    )


@examples(250)
@given(st.data())
def test_arbitrary_records_into_the_record_reader_and_verify(data):
    story = small_story()
    base = sealed_record()
    assert verify(base, story).verified  # the control
    value = data.draw(st.one_of(json_mutated(base), JSON))
    text = data.draw(
        st.one_of(st.just(json.dumps(value)), mutated(json.dumps(base).encode()).map(_decoded))
    )
    try:
        Record.loads(text)
    except RecordError as exc:
        assert str(exc)
    found = verify(value, story)
    assert isinstance(found, Verification)
    assert found.status in ("verified", "flagged", "unreadable")
    if found.verified:
        assert replay(story, found.record).complete


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# ---------------------------------------------------------------- a session, step by step

FUZZ_STORY = """\
format: 1
story:
  id: fuzz-story
  title: Fuzz
  version: 1.0.0
  start: gate
variables:
  morale: {type: int, initial: 2, min: 0, max: 5, label: Morale}
  ammo: {type: int, initial: 1, min: 0, max: MAX_AMMO}
  alarm: {type: bool, initial: false}
  count: {type: int, initial: 0}
"""

FUZZ_CHAPTER = """\
chapter:
  id: one
  number: 1
  title: One
scenes:
  - id: gate
    title: Gate
    date: 1917-10-25
    time: night
    place: Gate
    sources: [eve-1]
    text: At the gate.
    choices:
      - {id: wait, label: Wait, goto: gate, sources: [eve-1], history: faithful, note: N,
         effects: [morale -= 1, count += count + 1]}
      - {id: rally, label: Rally, goto: yard, sources: [eve-1], history: faithful, note: N,
         if: morale >= 1, disabled: Too tired., effects: [morale += 2, alarm = true]}
      - {id: SNEAK, label: Sneak, goto: yard, sources: [eve-1], history: divergent, note: N,
         if: not alarm, effects: [ammo += 1]}
  - id: yard
    title: Yard
    date: 1917-10-25
    time: night
    place: Yard
    sources: [eve-1]
    text: In the yard.
    choices:
      - {id: back, label: Back, goto: gate, sources: [eve-1], history: faithful, note: N,
         effects: [ammo -= 1]}
      - {id: storm, label: Storm, goto: palace, sources: [eve-1], history: faithful, note: N,
         if: ammo >= 2 and morale >= 3, disabled: Not yet.}
      - {id: HOLD, label: Hold, goto: yard, sources: [eve-1], history: divergent, note: N,
         effects: [count += 1, "morale = min(morale + 1, 5)", ammo += 1]}
      - {id: give-up, label: Give up, goto: defeat, sources: [eve-1], history: divergent,
         note: N}
  - id: palace
    title: Palace
    date: 1917-10-26
    time: dawn
    place: Palace
    sources: [eve-1]
    text: Taken.
    ending: {id: taken, title: Taken, kind: historical, epilogue: E.}
  - id: defeat
    title: Defeat
    date: 1917-10-26
    time: dawn
    place: Yard
    sources: [eve-1]
    text: Lost.
    ending: {id: lost, title: Lost, kind: defeat, epilogue: E.}
"""


def fuzz_stories():
    """Two versions of a small looping story: B renames two choices and narrows a range."""
    if "a" not in _story_cache:
        for name, ammo, sneak, hold in (("a", 3, "sneak", "hold"), ("b", 2, "creep", "stay")):
            folder = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
            chapter = FUZZ_CHAPTER.replace("SNEAK", sneak).replace("HOLD", hold)
            story = FUZZ_STORY.replace("MAX_AMMO", str(ammo))
            write(folder, {"story.yaml": story, "one.yaml": chapter})
            _story_cache[name] = load_story([folder], assets=assets_dir())
            shutil.rmtree(folder)
    return _story_cache["a"], _story_cache["b"]


def state_of(game: Game) -> tuple[Any, ...]:
    return (game.scene.id, game.variables, [(s.scene, s.choice) for s in game.record.steps])


class SessionMachine(RuleBasedStateMachine):
    """choose, undo, save, load, new game and reload-story, in any order, with invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.stories = fuzz_stories()
        self.folder = Path(tempfile.mkdtemp(prefix="fuzz-session-"))
        self.session = PlaySession(self.stories[0], self.folder, seed=1)
        self.session.new_game()
        #: slot -> (the story it was saved with, the state saved)
        self.saved: dict[str, tuple[Any, tuple[Any, ...]]] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def game(self) -> Game:
        assert self.session.game is not None
        return self.session.game

    @precondition(lambda self: not self.game.ended)
    @rule(pick=st.integers(0, 10))
    def choose(self, pick):
        choices = self.game.open_choices()
        assume(choices)
        before = len(self.game.record.steps)
        self.session.choose(choices[pick % len(choices)].id)
        assert len(self.game.record.steps) == before + 1

    @rule()
    def undo(self):
        if not self.game.can_undo:
            return
        steps = self.game.record.steps
        self.session.undo()
        assert self.game.record.steps == steps[:-1]

    @rule(slot=st.sampled_from("123"))
    def save(self, slot):
        self.session.save(slot)
        self.saved[slot] = (self.session.story, state_of(self.game))

    @rule(slot=st.sampled_from("123"))
    def load(self, slot):
        if slot not in self.saved:
            return
        story, state = self.saved[slot]
        loaded = self.session.load(slot)
        if story is self.session.story:
            assert state_of(self.game) == state  # load(save(s)) == s
            assert loaded.notice is None

    @rule()
    def new_game(self):
        self.session.new_game()
        assert not self.game.record.steps and self.game.scene.id == "gate"

    @rule(version=st.sampled_from([0, 1]))
    def reload_story(self, version):
        story = self.stories[version]
        same = story is self.session.story
        before = state_of(self.game)
        notice = self.session.reload(story)
        if same:
            assert notice is None and state_of(self.game) == before

    @invariant()
    def in_a_declared_scene_with_typed_bounded_variables(self):
        story = self.session.story
        game = self.game
        assert game.story is story and game.scene.id in story.scenes
        assert set(game.variables) == set(story.variables)
        for name, variable in story.variables.items():
            value = game.variables[name]
            assert isinstance(value, bool) == (variable.type == "bool")
            assert variable.clamp(value) == value  # within min/max (or the engine's limit)

    @invariant()
    def the_record_rebuilds_the_same_state(self):
        rebuilt = replay(self.session.story, self.game.record)
        assert rebuilt.complete and state_of(rebuilt.game) == state_of(self.game)
        rebuilt.game.close()


SessionMachine.TestCase.settings = examples(30, stateful_step_count=25)
test_session_under_any_sequence_of_actions = SessionMachine.TestCase
