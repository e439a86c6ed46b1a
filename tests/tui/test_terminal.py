"""The real command in a real pseudo-terminal: the title shows, and q then y quits cleanly."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest

from tests.conftest import MINI

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def test_petrograd_starts_in_a_terminal_and_quits(petrograd_command, tmp_path):
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    env["PETROGRAD_DATA_DIR"] = str(tmp_path / "data")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        petrograd_command[0],
        [*petrograd_command[1:], "play", "--story", str(MINI)],
        env=env,
        dimensions=(24, 80),
        timeout=30,
        encoding="utf-8",
    )
    try:
        child.expect("New game")
        child.expect("Quit")
        child.send("q")
        child.expect("Quit Petrograd 1917")
        child.send("y")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
