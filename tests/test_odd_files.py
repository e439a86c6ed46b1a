"""Save slots, backups, the profile and records that are not what they seem (issue 14):
links, named pipes, devices, sparse giants. Each is refused with its reason, nothing
hangs, nothing is read past a limit, and nothing private is copied anywhere."""

from __future__ import annotations

import copy
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from game.atomic import MAX_JSON_BYTES, read_json, write_json
from game.classroom.report import build_report
from game.engine import Game, Record
from game.engine.files import NotAFile, read_regular
from game.profile import Profile
from game.saves import SaveStore
from game.session import PlaySession

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file kinds")


@pytest.fixture
def saves(tmp_path):
    folder = tmp_path / "data" / "saves"
    folder.mkdir(parents=True)
    return folder


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@posix_only
@pytest.mark.parametrize(
    ("plant", "reason"),
    [
        (lambda p: p.symlink_to("/dev/zero"), "symbolic link"),
        (lambda p: fifo(p), "named pipe"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: _sparse(p), "too large"),
    ],
    ids=["a link to /dev/zero", "a named pipe", "a folder", "a sparse 10 GiB file"],
)
def test_a_slot_that_is_not_a_file_is_unreadable_and_a_new_save_replaces_it(
    shipped_story, saves, plant, reason
):
    plant(saves / "1.json")
    store = SaveStore(saves)
    info = store.info("1")
    assert info is not None and not info.ok and reason in info.reason
    assert store.latest() is None
    if (saves / "1.json").is_dir():
        return  # a folder is not replaced (os.replace refuses); it stays listed as unreadable
    store.save("1", Game(shipped_story, seed=1))
    assert store.info("1").ok
    assert stat.S_ISREG(os.lstat(saves / "1.json").st_mode)
    assert not (saves / "1.json.bak").exists()  # nothing of what was there was copied


@posix_only
def test_a_slot_linked_to_a_private_file_never_copies_it(shipped_story, saves, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"password": "hunter2"}')
    secret.chmod(0o600)
    (saves / "1.json").symlink_to(secret)
    store = SaveStore(saves)
    assert "symbolic link" in store.info("1").reason
    store.save("1", Game(shipped_story, seed=1))
    for path in saves.iterdir():
        assert "hunter2" not in path.read_text()
    assert secret.read_text() == '{"password": "hunter2"}'  # the link was replaced, not followed


@posix_only
def test_backups_and_new_versions_keep_the_original_permissions(shipped_story, saves):
    store = SaveStore(saves)
    store.save("1", Game(shipped_story, seed=1))
    (saves / "1.json").chmod(0o600)
    store.save("1", Game(shipped_story, seed=2))
    for name in ("1.json", "1.json.bak"):
        assert stat.S_IMODE(os.stat(saves / name).st_mode) == 0o600, name


@posix_only
def test_a_fifo_never_hangs_continue_or_the_start(shipped_story, tmp_path):
    data = tmp_path / "data"
    (data / "saves").mkdir(parents=True)
    for name in ("saves/auto.json", "saves/auto.json.bak", "profile.json", "settings.json"):
        fifo(data / name)
    session = PlaySession(shipped_story, data, seed=1)
    assert session.profile.problem and "named pipe" in session.profile.problem
    assert session.continue_latest() is None
    assert not session.saves()[0].ok


@posix_only
def test_read_regular_refuses_every_other_kind_before_reading(tmp_path):
    fifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("/dev/zero")
    _sparse(tmp_path / "big")
    for name, reason in (("pipe", "named pipe"), ("big", "too large")):
        with pytest.raises(NotAFile, match=reason):
            read_regular(tmp_path / name, 1024)
    with pytest.raises(NotAFile, match="device"):
        read_regular(tmp_path / "link", 1024)  # followed: what it points to is refused
    with pytest.raises(NotAFile, match="symbolic link"):
        read_regular(tmp_path / "link", 1024, follow=False)
    (tmp_path / "ok").write_bytes(b"x" * 1025)
    with pytest.raises(NotAFile, match="too large"):
        read_regular(tmp_path / "ok", 1024)
    assert read_regular(tmp_path / "ok", 2048) == b"x" * 1025
    value, reason = read_json(tmp_path / "pipe")
    assert value is None and "named pipe" in reason


def _sparse(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(10 * 2**30)  # 10 GiB that take no room on disk
    return path


@posix_only
def test_a_profile_larger_than_a_save_is_not_backed_up_or_read(tmp_path):
    _sparse(tmp_path / "profile.json")
    profile = Profile(tmp_path)
    assert profile.problem and "too large" in profile.problem
    profile.note("s", scenes={"a"})
    profile.write()
    assert not (tmp_path / "profile.json.bak").exists()
    assert os.path.getsize(tmp_path / "profile.json") < MAX_JSON_BYTES


@posix_only
def test_odd_records_in_a_class_folder_are_unreadable_never_hanging(shipped_story, tmp_path):
    fifo(tmp_path / "pipe.json")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    _sparse(tmp_path / "huge.json")
    entries = {e.file: e for e in build_report(tmp_path, shipped_story).entries}
    assert entries["pipe.json"].status == "unreadable"
    assert "named pipe" in entries["pipe.json"].reasons[0]
    assert "device" in entries["zero.json"].reasons[0]
    assert "too large to be a record" in entries["huge.json"].reasons[0]


def test_write_json_names_a_file_in_the_way_of_its_folder(tmp_path):
    (tmp_path / "data").write_text("x")
    with pytest.raises(OSError) as info:
        write_json(tmp_path / "data" / "saves" / "1.json", {})
    assert f"{tmp_path / 'data'} should be a folder but is a file" in str(info.value)
    assert "move or rename that file" in str(info.value)


# ---------------------------------------------------------------- the report's cost


def _opcodes(run) -> int:
    """How many bytecodes `run` executes: a measure of work that does not depend on the clock."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return count


def test_the_reports_work_grows_with_the_size_of_what_it_reads(shipped_story, tmp_path):
    """Twice the steps and answers cost about twice the work (the issue's 2.8 MB record
    took 43 s: its answers were scanned again for every step)."""
    from game.classroom.assignment import load_assignment
    from game.classroom.handin import Answer, seal
    from game.classroom.report import render_report_html, render_report_markdown
    from tests.conftest import ROOT
    from tests.handins import hand_in

    assignment = load_assignment(ROOT / "examples" / "assignment.yaml", shipped_story)
    base = hand_in(shipped_story, assignment, "Big")
    question = shipped_story.chapters["messenger-palace"].reflection[0]

    def folder(n: int) -> Path:
        raw = copy.deepcopy(base)
        raw["steps"] = [
            {k: v for k, v in step.items() if k != "hash"} for step in (base["steps"] * n)[:n]
        ]
        answers = [
            Answer("messenger-palace", question, "word " * 20, i % n, "") for i in range(n // 2)
        ]
        data = seal(
            Record.from_json(raw), shipped_story, student="Big", assignment=assignment,
            answers=answers, started_at="2026-11-27T09:00:00Z", finished_at="2026-11-27T10:05:00Z",
        )  # fmt: skip
        out = tmp_path / str(n)
        out.mkdir()
        (out / "big.json").write_text(json.dumps(data))
        return out

    def work(n: int) -> int:
        where = folder(n)

        def run() -> None:
            report = build_report(where, shipped_story, assignment)
            render_report_markdown(report)
            render_report_html(report)

        return _opcodes(run)

    ratio = work(400) / work(200)
    assert ratio < 2.2, ratio  # linear: about 1.9 (scanning the answers per step gave 2.7)


def test_a_profile_keeps_only_ids_and_never_fails_on_odd_values(tmp_path):
    (tmp_path / "profile.json").write_text(
        json.dumps(
            {
                "format": "petrograd-profile",
                "version": 1,
                "stories": {
                    "[/bad]": {"seen": ["a"]},
                    "s": {"seen": ["a", "[b]x", "\x1b[2J", 7, None], "endings": {"x": 1}},
                    "t": [],
                },
            }
        )
    )
    (tmp_path / "settings.json").write_text(
        json.dumps({"theme": "[/bad]", "reveal": "yes", "reveal_speed": 10**400 // 10**399})
    )
    profile = Profile(tmp_path)
    assert profile.seen("s") == {"a"} and profile.endings("s") == set()
    assert profile.seen("[/bad]") == set()
    assert profile.settings.reveal is False and profile.settings.reveal_speed == "normal"
    profile.note("s", scenes={"b"})
    profile.write()
    assert "[/bad]" not in (tmp_path / "profile.json").read_text()


@posix_only
def test_an_assignment_that_is_a_pipe_or_a_device_is_an_error_not_a_hang(shipped_story, tmp_path):
    from game.classroom.assignment import load_assignment
    from game.engine import StoryError

    fifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    for name, kind in (("pipe.yaml", "named pipe"), ("zero.yaml", "device")):
        with pytest.raises(StoryError) as info:
            load_assignment(tmp_path / name, shipped_story)
        assert kind in str(info.value)


def test_a_slot_that_is_a_folder_says_how_to_fix_it(shipped_story, saves):
    (saves / "1.json").mkdir()
    with pytest.raises(OSError) as info:
        SaveStore(saves).save("1", Game(shipped_story, seed=1))
    assert "is a folder where the file should be; move or rename it" in str(info.value)
