"""The real command in a real pseudo-terminal: quitting, SIGTERM and SIGHUP, dumb and redirected terminals."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import MINI

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

#: Seconds any wait here may take at most (pexpect's timeout too): generous, for a loaded
#: machine; only a hung game ever reaches it.
DEADLINE = 30


def test_petrograd_starts_in_a_terminal_and_quits(petrograd_command, tmp_path):
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    env["PETROGRAD_DATA_DIR"] = str(tmp_path / "data")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        petrograd_command[0],
        [*petrograd_command[1:], "play", "--story", str(MINI)],
        env=env,
        dimensions=(24, 80),
        timeout=DEADLINE,
        encoding="utf-8",
    )
    try:
        child.expect("New game")
        child.expect("Quit")
        child.send("q")
        child.expect("Quit A Night at Smolny")  # the story's own title
        child.send("y")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


UNICODE_STORY = Path(__file__).resolve().parent.parent / "fixtures" / "unicode-story"
#: What a full-screen app must send on leaving: mouse reporting off, the normal screen
#: back, the cursor shown.
RESETS = ("\x1b[?1000l", "\x1b[?1049l", "\x1b[?25h")


def spawn(command, tmp_path, *args, **env_changes):
    env = dict(os.environ, TERM="xterm-256color", PETROGRAD_DATA_DIR=str(tmp_path / "data"))
    env.pop("NO_COLOR", None)
    env.update(env_changes)
    return pexpect.spawn(
        command[0],
        [*command[1:], "play", *args],
        env=env,
        dimensions=(24, 80),
        timeout=DEADLINE,
        encoding="utf-8",
    )


def cooked(child) -> bool:
    """Whether the terminal is back in its normal (echoing, line-by-line) mode."""
    import termios

    flags = termios.tcgetattr(child.child_fd)[3]
    return bool(flags & termios.ECHO and flags & termios.ICANON)


def play_one_choice(child) -> None:
    child.expect("New game")
    assert not cooked(child)  # the game has the terminal in raw mode
    child.send("\r")
    child.expect("Вперёд")
    child.send("1")
    child.expect("Дальше")  # the second scene: one choice made, autosaved


def autosaved_steps(tmp_path) -> int:
    return len(
        json.loads((tmp_path / "data" / "saves" / "auto.json").read_text())["record"]["steps"]
    )


def test_sigterm_during_play_saves_and_gives_the_terminal_back(petrograd_command, tmp_path):
    """Also: with NO_COLOR the game draws in greys only (Textual's monochrome mode)."""
    child = spawn(petrograd_command, tmp_path, "--story", str(UNICODE_STORY), NO_COLOR="1")
    try:
        play_one_choice(child)
        child.kill(signal.SIGTERM)
        child.expect(pexpect.EOF)
        output = child.before
        assert cooked(child)
    finally:
        child.close()
    assert child.exitstatus == 128 + signal.SIGTERM and child.signalstatus is None
    assert all(reset in output for reset in RESETS)
    assert "Traceback" not in output
    assert autosaved_steps(tmp_path) == 1
    colours = {int(n) for n in re.findall(r"\x1b\[[0-9;]*?[34]8;5;([0-9]+)", output)}
    assert colours and all(n >= 232 or n in (0, 7, 15, 16) for n in colours), colours


def test_closing_the_terminal_saves_and_ends_the_game(petrograd_command, tmp_path):
    """The terminal window closes (SIGHUP from the kernel): the game exits at once, saved."""
    child = spawn(petrograd_command, tmp_path, "--story", str(UNICODE_STORY))
    play_one_choice(child)
    os.close(child.child_fd)  # what closing the window does
    child.closed = True
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        pid, status = os.waitpid(child.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)  # polling for the exit, not timing it
    else:
        child.ptyproc.kill(signal.SIGKILL)
        pytest.fail("the game did not exit when its terminal closed")
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGHUP
    assert autosaved_steps(tmp_path) == 1


def test_sighup_with_the_terminal_still_open_restores_it(petrograd_command, tmp_path):
    child = spawn(petrograd_command, tmp_path, "--story", str(UNICODE_STORY))
    try:
        play_one_choice(child)
        child.kill(signal.SIGHUP)
        child.expect(pexpect.EOF)
        assert all(reset in child.before for reset in RESETS)
        assert cooked(child)
    finally:
        child.close()
    assert child.exitstatus == 128 + signal.SIGHUP
    assert autosaved_steps(tmp_path) == 1


@pytest.mark.parametrize(
    ("shell", "term"),
    [
        ("{cmd} play --story {story}", "dumb"),  # a terminal that cannot draw
        ("{cmd} play --story {story} | cat", "xterm-256color"),  # output is not a terminal
        ("cat | {cmd} play --story {story}", "xterm-256color"),  # input is not a terminal
    ],
)
def test_dumb_or_redirected_terminals_get_the_plain_player(
    petrograd_command, tmp_path, shell, term
):
    command = shell.format(cmd=" ".join(map(shlex.quote, petrograd_command)), story=UNICODE_STORY)
    env = dict(os.environ, TERM=term, PETROGRAD_DATA_DIR=str(tmp_path / "data"))
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], env=env, dimensions=(24, 80), timeout=DEADLINE, encoding="utf-8"
    )
    child.logfile_read = seen = io.StringIO()
    try:
        child.expect("Press Enter to go on")  # the fixture's scenes have one choice each
        child.sendline("1")
        child.expect("Press Enter to go on")
        child.sendline("q")
        child.expect("Goodbye")
        if shell.startswith("cat"):
            child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    output = seen.getvalue()
    assert child.exitstatus == 0
    assert "Вся власть Советам" in output or "Над Невой туман" in output
    assert "\x1b" not in output  # not one escape code
    assert autosaved_steps(tmp_path) == 1


def test_a_name_typed_in_a_latin_1_terminal_is_no_crash(petrograd_command, tmp_path):
    """Textual read the keyboard as strict UTF-8: one byte from a terminal set to Latin-1
    ended the full-screen game with a traceback (issue 14)."""
    assignment = Path(__file__).resolve().parents[2] / "examples" / "assignment.yaml"
    child = spawn(
        petrograd_command, tmp_path, "--assignment", str(assignment),
        "--records", str(tmp_path / "records"),
    )  # fmt: skip
    try:
        child.expect("Your name")
        os.write(child.child_fd, b"Zo\xeb Iv\xe1nova\r")  # as a Latin-1 terminal sends it
        child.expect("Start the assignment")  # signed in: the title screen
        child.send("\r")
        child.expect("Remembers")  # the assignment's first scene, "A Square That Remembers"
        child.send("1")  # a first choice: the autosave that the crash never reached
        saves = tmp_path / "data" / "assignments"
        deadline = time.monotonic() + DEADLINE
        while not list(saves.rglob("auto.json")) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the file, not timing anything
        autosave = next(saves.rglob("auto.json"))
        assert "Zo\ufffd Iv\ufffdnova" in autosave.read_text(encoding="utf-8")
        assert child.isalive()
    finally:
        child.close(force=True)
