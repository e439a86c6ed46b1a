"""Saves and records under stress: damaged files, kills mid-write, full or read-only disks,
two games at once, and what the files may hold. (Issue 9; docs/security.md lists the promises.)"""

from __future__ import annotations

import ast
import errno
import getpass
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest

from game.atomic import TEMP_MARK, WriteFailed, read_json
from game.engine import Game, Record, RecordError
from game.engine.expr import LIMIT
from game.plain import PlainPlayer
from game.saves import ALL_SLOTS, SaveError, SaveStore
from game.session import PlaySession
from tests.conftest import ROOT, classroom_session

# ---------------------------------------------------------------- never pickle

FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "shelve", "marshal", "dill", "jsonpickle"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_YAML = {"load", "unsafe_load", "full_load", "load_all", "unsafe_load_all", "Loader"}


def test_the_game_never_pickles_evals_or_loads_yaml_unsafely():
    """Every module of the game, read as code: no pickle (or kin), no eval/exec, no unsafe YAML."""
    found = []
    for path in sorted((ROOT / "game").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                found += [where for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(where)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in FORBIDDEN_CALLS:
                    found.append(f"{where} {node.func.id}()")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "yaml" and node.attr in FORBIDDEN_YAML:
                    found.append(f"{where} yaml.{node.attr}")
    assert found == []


# ---------------------------------------------------------------- damaged saves, via Session.load


@pytest.fixture
def playing(shipped_story, tmp_path):
    """A session two choices into the shipped story, with a good save in slot 1."""
    session = PlaySession(shipped_story, tmp_path / "data", seed=7)
    session.new_game()
    for _ in range(2):
        session.choose(session.game.open_choices()[0].id)
    session.save("1")
    return session


def _save_json(session: PlaySession) -> dict:
    return json.loads((session.store.folder / "1.json").read_text())


def _edited(session: PlaySession, edit) -> bytes:
    data = _save_json(session)
    edit(data)
    return json.dumps(data).encode()


def _cut(session: PlaySession) -> bytes:
    text = (session.store.folder / "1.json").read_bytes()
    return text[: len(text) // 2]


DAMAGE = {
    "truncated": (_cut, "not valid JSON"),
    "not JSON": (lambda s: b"Dear teacher, my save", "not valid JSON"),
    "binary": (lambda s: bytes(range(256)), "not text"),
    "a number too long to read": (lambda s: b'{"format": ' + b"9" * 5000 + b"}", "not valid JSON"),
    "nested too deeply": (lambda s: b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    "too large": (lambda s: b" " * (5 * 1024 * 1024), "too large"),
    "a list": (lambda s: b"[1, 2, 3]", "not a Petrograd 1917 save"),
    "no record": (lambda s: _edited(s, lambda d: d.pop("record")), "missing"),
    "steps not a list": (
        lambda s: _edited(s, lambda d: d["record"].update(steps="lots")),
        "steps",
    ),
    "a damaged step": (
        lambda s: _edited(s, lambda d: d["record"]["steps"][0].update(choice=7)),
        "step 1",
    ),
    "a newer save format": (lambda s: _edited(s, lambda d: d.update(version=2)), "newer version"),
    "a newer record format": (
        lambda s: _edited(s, lambda d: d["record"].update(version=2)),
        "newer version",
    ),
    "another story": (
        lambda s: _edited(s, lambda d: d["record"]["story"].update(id="other")),
        "another story",
    ),
    "an unknown start scene": (
        lambda s: _edited(s, lambda d: d["record"].update(start="c9-nowhere")),
        "the scene 'c9-nowhere', which this story does not have",
    ),
    "an unknown variable": (
        lambda s: _edited(s, lambda d: d["record"].update(initial={"gold": 5})),
        "the variable 'gold', which this story does not have",
    ),
    "a variable of the wrong kind": (
        lambda s: _edited(s, lambda d: d["record"].update(initial={"garrison": True})),
        "wrong kind",
    ),
    "a variable out of range": (
        lambda s: _edited(s, lambda d: d["record"].update(initial={"garrison": 10**40})),
        "within the variable's range",
    ),
    "a step in an unknown scene": (
        lambda s: _edited(s, lambda d: d["record"]["steps"][1].update(scene="c9-nowhere")),
        "its path is not possible",
    ),
    "a choice that was never open": (
        lambda s: _edited(s, lambda d: d["record"]["steps"][0].update(choice="storm")),
        "its path is not possible",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_save_is_unreadable_with_its_reason_and_the_game_is_unchanged(playing, damage):
    make, reason = DAMAGE[damage]
    session = playing
    (session.store.folder / "3.json").write_bytes(make(session))
    game = session.game
    before = (game.scene.id, game.variables, game.record, session.save_problem)
    autosave = (session.store.folder / "auto.json").read_bytes()
    with pytest.raises(SaveError) as info:
        session.load("3")
    assert reason in str(info.value)
    assert session.game is game
    assert (game.scene.id, game.variables, game.record) == before[:3]
    assert session.save_problem == before[3]
    assert (session.store.folder / "auto.json").read_bytes() == autosave
    listed = session.store.info("3")
    assert listed is not None and (not listed.ok or damage in DAMAGE_ONLY_ON_LOAD)
    assert session.load("1").game.scene.id == game.scene.id  # the good save still loads


#: Damage only loading can see: the file is a well-formed save of some story.
DAMAGE_ONLY_ON_LOAD = {
    "another story",
    "an unknown start scene",
    "an unknown variable",
    "a variable of the wrong kind",
    "a variable out of range",
    "a step in an unknown scene",
    "a choice that was never open",
}


def test_damaged_answers_in_a_save_are_dropped_not_raised(shipped_story, tmp_path):
    """An assignment's answers kept in a save: a broken one (Infinity, a list...) is skipped."""
    from game.classroom.assignment import load_assignment

    assignment = load_assignment(ROOT / "examples" / "assignment.yaml", shipped_story)
    classroom = classroom_session(shipped_story, tmp_path, assignment)
    classroom.sign_in("Ada")
    classroom.play.new_game()
    classroom.choose(classroom.play.game.open_choices()[0].id, why="Because.")
    path = classroom.play.store.path("auto")
    data = json.loads(path.read_text())
    good = {"chapter": "palace", "question": "Q?", "answer": "A.", "after_step": 0, "at": ""}
    data["session"]["answers"] = [
        good,
        {**good, "after_step": float("inf")},
        {**good, "after_step": 1e300},
        {**good, "after_step": True},
        {**good, "answer": ["not", "text"]},
        "an answer",
        None,
    ]
    path.write_text(json.dumps(data))  # json writes Infinity, and reads it back
    classroom.sign_out()  # one game at a time under a name
    again = classroom_session(shipped_story, tmp_path, assignment)
    assert again.sign_in("Ada").ok
    again.play.load("auto")
    assert [a.answer for a in again.answers] == ["A."]
    data["session"]["answers"] = 5
    path.write_text(json.dumps(data))
    again.play.load("auto")
    assert again.answers == []


def test_records_that_are_not_records_raise_only_record_error():
    for text in ["", "{", "[]", "1" * 5000, "[" * 100_000, '{"format": "petrograd-record"}']:
        with pytest.raises(RecordError):
            Record.loads(text)


def test_no_text_from_a_save_or_record_can_drive_the_terminal(mini_story, tmp_path):
    """Escape sequences in a save's summary are dropped; in a record's names, refused."""
    store = SaveStore(tmp_path)
    store.save("1", Game(mini_story, seed=1))
    data = json.loads((tmp_path / "1.json").read_text())
    data["summary"]["title"] = "\x1b]0;owned\x07\x1b[2JStairs\x9b"
    (tmp_path / "1.json").write_text(json.dumps(data))
    assert store.info("1").scene_title == "]0;owned[2JStairs"
    data["record"]["steps"] = [{"scene": "stairs\x1b[2J", "choice": "refuse", "at": ""}]
    (tmp_path / "2.json").write_text(json.dumps(data))
    assert "not a scene id" in store.info("2").reason
    out = StringIO()
    session = PlaySession(mini_story, tmp_path / "data")
    session.new_game()
    PlainPlayer(session, StringIO(), out).say("a\x1b[2Jb\tc\x07")
    assert out.getvalue() == "a[2Jb\tc\n"


def test_unbounded_numbers_stay_within_the_limit(tmp_path):
    """A variable with no range, doubled at every step, never grows past the engine's limit."""
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.conftest import CHAPTER_YAML, STORY_YAML, write

    story_yaml = STORY_YAML.replace("    min: 0\n    max: 5\n", "")
    chapter = CHAPTER_YAML.replace("goto: b\n", "goto: a\n", 1).replace("n += 10", "n += n")
    story = load_story(
        [write(tmp_path, {"story.yaml": story_yaml, "one.yaml": chapter})], assets=assets_dir()
    )
    game = Game(story, seed=1)
    for _ in range(60):
        game.choose("up")
    assert game.variables["n"] == LIMIT
    assert f"{LIMIT}" in game.frame.variables[0].shown


# ---------------------------------------------------------------- killed mid-save, at random

#: One process that loads the shipped story once, then forks a player per request:
#: "kill DIR" forks a player that saves for ever (the test kills it); "pair DIR N"
#: forks two players that each save N times into the same folder at once.
SERVER = r"""
import os, random, sys
from pathlib import Path
from game.engine import load_story
from game.paths import assets_dir, scenes_dir
from game.session import PlaySession

story = load_story([scenes_dir()], assets=assets_dir())


def play(folder, seed, rounds):
    rng = random.Random(seed)
    session = PlaySession(story, folder, seed=seed)  # a start: clears what a killed player left
    session.new_game()
    os.write(1, f"ready {os.getpid()}\n".encode())
    done = 0
    while rounds is None or done < rounds:
        if session.game.ended or rng.random() < 0.1:
            session.new_game()
        else:
            session.choose(rng.choice(session.game.open_choices()).id)  # autosaves
        if rng.random() < 0.6:
            session.save(rng.choice("123"))
        done += 1
    if session.save_problem:
        os.write(1, f"problem {session.save_problem}\n".encode())


def player(folder, seed, rounds):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            play(folder, seed, rounds)
            code = 0
        finally:
            os._exit(code)
    return pid


os.write(1, b"loaded\n")
for line in sys.stdin:
    command, folder, *rest = line.split()
    if command == "kill":
        pid = player(Path(folder), int(rest[0]), None)
        os.waitpid(pid, 0)
        os.write(1, b"reaped\n")
    elif command == "pair":
        pids = [player(Path(folder), seed, int(rest[0])) for seed in (1, 2)]
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        os.write(1, f"done {codes[0]} {codes[1]}\n".encode())
"""


POSIX = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")


@pytest.fixture(scope="module")
def server():
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout.readline().strip() == "loaded"
    yield process
    process.stdin.close()
    process.wait(timeout=10)


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP_MARK in p.name]


def every_slot_loads(store: SaveStore, story) -> int:
    """Each slot is empty or loads, from its own file (not the backup); returns how many."""
    count = 0
    for slot in ALL_SLOTS:
        info = store.info(slot)
        if info is None:
            continue
        assert info.ok and not info.from_backup, (slot, info.reason)
        store.load(slot, story)
        count += 1
    return count


@POSIX
def test_sigkill_at_random_moments_of_a_save_loop(server, shipped_story, tmp_path):
    """50 players killed at random moments: every slot loads, and the next start tidies up."""
    data = tmp_path / "data"
    store = SaveStore(data / "saves")
    rng = random.Random(1917)
    left_behind = 0
    for round_ in range(50):
        server.stdin.write(f"kill {data} {round_}\n")
        server.stdin.flush()
        line = server.stdout.readline().split()
        assert line[0] == "ready", line
        time.sleep(rng.uniform(0.0, 0.04))
        os.kill(int(line[1]), signal.SIGKILL)
        assert server.stdout.readline().strip() == "reaped"
        left_behind += bool(temps(data))
        every_slot_loads(store, shipped_story)
        assert read_json(data / "profile.json")[1] in (None, "the file does not exist")
    assert every_slot_loads(store, shipped_story) >= 2
    assert left_behind > 0  # some kills did land mid-write (else the test proves little)
    PlaySession(shipped_story, data)  # the next start
    assert temps(data) == []


@POSIX
def test_two_games_saving_to_one_folder_at_once(server, shipped_story, tmp_path):
    """Two processes save the same slots, the autosave and the profile together; a third
    reads all along: no file is ever half-written, and every slot loads afterwards."""
    data = tmp_path / "data"
    server.stdin.write(f"pair {data} 150\n")
    server.stdin.flush()
    assert [server.stdout.readline().split()[0] for _ in range(2)] == ["ready", "ready"]
    reads = 0
    while True:
        for path in sorted((data / "saves").glob("*.json")) + [data / "profile.json"]:
            value, reason = read_json(path)
            assert reason in (None, "the file does not exist"), (path.name, reason)
            reads += value is not None
        line = server.stdout.readline() if _ready(server) else ""
        if line:
            break
    assert line.split() == ["done", "0", "0"], line  # neither saw a save fail
    assert reads > 0
    store = SaveStore(data / "saves")
    assert every_slot_loads(store, shipped_story) == 4  # the autosave and slots 1 to 3
    profile = json.loads((data / "profile.json").read_text())
    assert profile["stories"][shipped_story.id]["seen"]
    PlaySession(shipped_story, data)
    assert temps(data) == []


def _ready(process) -> bool:
    import select

    return bool(select.select([process.stdout], [], [], 0.005)[0])


# ---------------------------------------------------------------- full disk, read-only folder


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("fsync", errno.ENOSPC),  # the disk fills while the save is written
        ("replace", errno.EROFS),  # the folder became read-only
        ("open", errno.EACCES),  # no permission to create a file
    ],
)
def test_a_failing_disk_is_shown_the_game_goes_on_and_the_last_save_is_intact(
    mini_story, tmp_path, monkeypatch, target, error
):
    session = PlaySession(mini_story, tmp_path, seed=1)
    session.new_game()
    session.save("1")
    before = {p.name: p.read_bytes() for p in (tmp_path / "saves").iterdir()}

    def refuse(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    if target == "open":
        real_open = os.open

        def refuse_writes(file, flags, *args, **kwargs):
            return refuse() if flags & os.O_CREAT else real_open(file, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse_writes)
    else:
        monkeypatch.setattr(os, target, refuse)
    out = StringIO()
    player = PlainPlayer(session, StringIO("1\n"), out, width=200)
    player.run()
    assert session.game.ended  # the game went on
    assert os.strerror(error) in session.save_problem
    shown = " ".join(out.getvalue().split())
    assert f"Note: The autosave failed (could not write auto.json: {os.strerror(error)}); " in shown
    assert "your game goes on, and the previous save is kept" in shown
    with pytest.raises(WriteFailed):
        session.save("1")
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in (tmp_path / "saves").iterdir()}
    assert after == before  # the previous saves, untouched; no temporary file left
    assert SaveStore(tmp_path / "saves").load("1", mini_story).game.scene.id == "stairs"


@pytest.fixture
def mini_story():
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.conftest import MINI

    return load_story([MINI], assets=assets_dir())


def test_a_data_folder_replaced_by_a_file(mini_story, tmp_path):
    session = PlaySession(mini_story, tmp_path / "data", seed=1)
    session.new_game()
    session.save("1")
    import shutil

    shutil.rmtree(tmp_path / "data")
    (tmp_path / "data").write_text("not a folder any more")
    session.choose("refuse")
    assert session.game.ended and "autosave failed" in session.save_problem
    with pytest.raises(WriteFailed):
        session.save("2")


# ---------------------------------------------------------------- nothing about the machine


def test_saves_records_and_profiles_hold_no_paths_or_machine_identifiers(
    shipped_story, tmp_path, monkeypatch
):
    from game.classroom.assignment import load_assignment
    from tests.handins import default_choice

    assignment = load_assignment(ROOT / "examples" / "assignment.yaml", shipped_story)
    data, records = tmp_path / "data", tmp_path / "records"
    classroom = classroom_session(shipped_story, data, assignment, records_dir=records)
    session = classroom.play
    classroom.sign_in("Ada")
    session.new_game()
    while not session.game.ended:
        choice = default_choice(session.game.open_choices())
        classroom.choose(choice.id, why="Because." if classroom.needs_why() else None)
    for chapter, question in classroom.pending_questions():
        classroom.answer(chapter, question, "An answer.")
    session.save("1")
    session.profile.save_settings()
    written = classroom.hand_in()
    assert written
    secrets = {str(Path.home()), str(tmp_path), str(ROOT), os.getcwd()}
    if len(socket.gethostname()) >= 4:
        secrets.add(socket.gethostname())
    user = getpass.getuser()
    secrets.add(f"/{user}/")
    machine_id = Path("/etc/machine-id")
    if machine_id.exists() and machine_id.read_text().strip():
        secrets.add(machine_id.read_text().strip())
    secrets.add(f"{__import__('uuid').getnode():012x}")  # the MAC address
    files = [p for p in [*data.rglob("*"), *records.rglob("*")] if p.is_file()]
    assert {p.suffix for p in files} >= {".json", ".md", ".html"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not [s for s in secrets if s in text], path.name
