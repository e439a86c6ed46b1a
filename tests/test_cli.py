"""End to end: the `petrograd` command as a subprocess, as players and authors use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import MINI, ROOT


def run(cmd, *args, stdin="", cwd=ROOT, env=None, timeout=60):
    return subprocess.run(
        [*cmd, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def test_version(petrograd_command):
    result = run(petrograd_command, "--version")
    assert result.returncode == 0 and result.stdout.startswith("petrograd ")


def test_plain_player_plays_to_an_ending(petrograd_command, clean_env):
    result = run(
        petrograd_command,
        "play",
        "--plain",
        "--story",
        str(MINI),
        stdin="2\nhello\n\n1\n",
        env=clean_env,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "16 October 1917 (29 October N.S.), evening. Smolny Institute." in out
    assert "2. Call the regiments into the street tonight (not open: The regiments are not" in out
    assert "That choice is not open" in out
    assert "Please type a number from 1 to 2" in out
    assert "THE END: The Order Stays Unsigned" in out
    assert "[faithful]" in out and "(sources: eve-1)" in out
    assert "Traceback" not in out + result.stderr


def test_plain_player_quits_and_survives_end_of_input(petrograd_command, clean_env):
    quit_ = run(
        petrograd_command, "play", "--plain", "--story", str(MINI), stdin="q\n", env=clean_env
    )
    assert quit_.returncode == 0 and "Goodbye." in quit_.stdout
    eof = run(petrograd_command, "play", "--plain", "--story", str(MINI), stdin="", env=clean_env)
    assert eof.returncode == 0 and "End of input" in eof.stdout


def test_plain_player_undo_and_history(petrograd_command, clean_env):
    result = run(
        petrograd_command,
        "play",
        "--plain",
        "--story",
        str(MINI),
        stdin="history\nundo\nq\n",
        env=clean_env,
    )
    assert result.returncode == 0
    assert "(no choices yet)" in result.stdout and "nothing to undo" in result.stdout


def test_check_clean_story(petrograd_command):
    result = run(petrograd_command, "check", str(MINI))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout


def test_check_json(petrograd_command, make_story):
    folder = make_story({"two.yaml": "chapter: one\nscenes: nope\n"})
    result = run(petrograd_command, "check", "--format", "json", str(folder))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["errors"] >= 1
    problem = data["problems"][0]
    assert set(problem) == {"path", "line", "column", "severity", "code", "message"}
    assert problem["path"].endswith("two.yaml") and problem["line"] == 2


def bad_story(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir(parents=True)
    (folder / "story.yaml").write_text((MINI / "story.yaml").read_text())
    (folder / name).write_bytes(data)
    return folder


def test_bad_input_gives_one_line_errors_not_tracebacks(petrograd_command, tmp_path):
    cases = {
        "empty": (b"", "empty-file"),
        "syntax": (b"chapter:\n  id: x\n  title: [unclosed\n", "yaml-syntax"),
        "python-tag": (b"chapter: !!python/object/apply:os.system ['true']\n", "tag"),
        "latin1": (b"chapter:\n  title: caf\xe9\n", "not-utf8"),
    }
    for label, (data, code) in cases.items():
        folder = bad_story(tmp_path / label, "01.yaml", data)
        for args in (("check", str(folder)), ("play", "--plain", "--story", str(folder))):
            result = run(petrograd_command, *args)
            assert result.returncode == 1, (label, args)
            text = result.stdout + result.stderr
            assert "Traceback" not in text
            line = next(line for line in text.splitlines() if f": {code}: " in line)
            assert "01.yaml" in line, line
    missing = run(petrograd_command, "play", "--plain", "--story", str(tmp_path / "absent"))
    assert missing.returncode == 1 and "missing-folder" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_plain_is_used_when_not_a_terminal(petrograd_command, clean_env):
    result = run(petrograd_command, "play", "--story", str(MINI), stdin="1\n", env=clean_env)
    assert result.returncode == 0 and "THE END" in result.stdout
    assert "\x1b[" not in result.stdout


def test_plain_player_saves_loads_and_continues(petrograd_command, clean_env, tmp_path):
    env = dict(clean_env, PETROGRAD_DATA_DIR=str(tmp_path / "data"))
    first = run(
        petrograd_command,
        "play",
        "--plain",
        "--viewpoint",
        "messenger",
        stdin="1\nsave 4\n1\nsaves\nundo\nload 4\nq\n",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Saved to slot 4: " in out
    assert "Slot 4: " in out and "Autosave: " in out and "Slot 1:" not in out  # only those used
    assert "8 of 9 slots are free; 'save N' saves to one." in out
    assert "You take back your last choice." in out and "Loaded slot 4." in out
    assert (tmp_path / "data" / "saves" / "4.json").is_file()
    resumed = run(petrograd_command, "play", "--plain", "--continue", stdin="history\nq\n", env=env)
    assert "Continuing your saved game." in resumed.stdout
    assert "1. " in resumed.stdout.split("Your choices so far:")[1]
    other = run(
        petrograd_command,
        "play",
        "--plain",
        "--continue",
        "--data-dir",
        str(tmp_path / "empty"),
        stdin="q\n",
        env=env,
    )
    assert "no saved game yet" in other.stdout


def test_plain_player_reports_bad_slots(petrograd_command, clean_env, tmp_path):
    env = dict(clean_env, PETROGRAD_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "data" / "saves").mkdir(parents=True)
    (tmp_path / "data" / "saves" / "2.json").write_text("{broken")
    result = run(
        petrograd_command,
        "play",
        "--plain",
        "--viewpoint",
        "messenger",
        stdin="load 2\nload 7\nsave\nsave 12\nq\n",
        env=env,
    )
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr
    assert "Slot 2 cannot be loaded: " in result.stdout and "not valid JSON" in result.stdout
    assert "Slot 7 cannot be loaded: " in result.stdout
    assert result.stdout.count("Say which slot, from 1 to 9") == 2


def test_a_bad_assignment_file_is_reported_the_same_way_by_play_and_report(
    petrograd_command, tmp_path
):
    assignment = tmp_path / "task.yaml"
    assignment.write_text("assignment:\n  id: x\n  start: no-such-scene\n", encoding="utf-8")
    records = tmp_path / "records"
    records.mkdir()
    for args in (
        ("play", "--plain", "--assignment", str(assignment)),
        ("report", str(records), "--assignment", str(assignment)),
    ):
        result = run(petrograd_command, *args)
        assert result.returncode == 1, args
        assert "the assignment file has problems:" in result.stderr, args
        assert "task.yaml:" in result.stderr and "Traceback" not in result.stderr, args
