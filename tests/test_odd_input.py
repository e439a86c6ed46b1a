"""Any bytes on standard input, and messages that say what really happened (issue 14)."""

from __future__ import annotations

import io
import subprocess
import tracemalloc
from io import StringIO

import pytest

from game.engine import load_story
from game.paths import assets_dir
from game.plain import MAX_LINE, TOO_LONG, PlainPlayer, play_plain, read_line
from game.session import PlaySession
from tests.conftest import MINI, ROOT


@pytest.fixture(scope="module")
def mini_story():
    return load_story([MINI], assets=assets_dir())


def played(story, data_dir, text, **kwargs):
    """Play `text` in the plain player (a story of viewpoints as its first, unasked)."""
    out = StringIO()
    if story.viewpoints:
        kwargs.setdefault("viewpoint", next(iter(story.viewpoints)))
    session = PlaySession(story, data_dir, seed=1)
    code = play_plain(session, stdin=StringIO(text), stdout=out, **kwargs)
    return code, " ".join(out.getvalue().split()), session


@pytest.mark.parametrize(
    "line",
    ["²", "١", "1²", "9" * 5000, "-1", "0", "+1", " 1 1", "1.0", "\x1b[2J", "\x00", "ⅰ"],
    ids=["superscript two", "arabic-indic one", "one squared", "5000 digits", "minus one",
         "zero", "plus one", "two numbers", "a decimal", "an escape", "a nul", "roman one"],
)  # fmt: skip
def test_a_line_that_is_not_a_choice_number_is_refused_politely(mini_story, tmp_path, line):
    code, out, session = played(mini_story, tmp_path, f"{line}\nq\n")
    assert code == 0 and session.game.record.steps == ()
    assert "Please type a number from 1 to" in out
    assert "\x1b" not in out and "\x00" not in out


class Endless(io.RawIOBase):
    """`size` bytes of 'x', then the lines of `tail`, produced as they are read (never held)."""

    def __init__(self, size: int, tail: bytes) -> None:
        self.left, self.tail = size, tail
        self.largest = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.largest = max(self.largest, len(buffer))
        if self.left > 0:
            n = min(len(buffer), self.left)
            buffer[:n] = b"x" * n
            self.left -= n
            return n
        n = min(len(buffer), len(self.tail))
        buffer[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_a_100_mb_line_is_dropped_without_being_held(mini_story, tmp_path):
    stdin = io.TextIOWrapper(io.BufferedReader(Endless(100 * 2**20, b"\n1\n")), encoding="utf-8")
    out = StringIO()
    session = PlaySession(mini_story, tmp_path, seed=1)
    session.new_game()
    tracemalloc.start()
    try:
        PlainPlayer(session, stdin, out, echo=True).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # it never held the line (100 MiB)
    assert len(out.getvalue()) < 20_000  # nor echoed it
    assert "(too long)" in out.getvalue()
    assert session.game.record.steps  # the next line, '1', was the choice


def test_read_line_caps_and_decodes_whatever_comes():
    assert read_line(StringIO("")) is None
    assert read_line(StringIO("x" * (MAX_LINE + 1) + "\nnext\n")) is TOO_LONG
    stream = StringIO("x" * (MAX_LINE + 1) + "\nnext\n")
    read_line(stream)
    assert read_line(stream) == "next\n"  # the rest of the long line was dropped
    latin = io.TextIOWrapper(io.BytesIO(b"Zo\xeb\n\xff\xfe\n"), encoding="utf-8")
    assert read_line(latin) == "Zo\ufffd\n" and read_line(latin) == "\ufffd\ufffd\n"
    as_latin = io.TextIOWrapper(io.BytesIO(b"Zo\xeb\n"), encoding="latin-1")
    assert read_line(as_latin) == "Zoë\n"


def test_a_name_typed_in_a_latin_1_terminal_plays_and_hands_in(
    petrograd_command, clean_env, tmp_path
):
    """The issue's crash: the first choice died before any autosave was written."""
    env = dict(clean_env, PETROGRAD_DATA_DIR=str(tmp_path / "data"), LC_ALL="C.UTF-8")
    env.pop("PYTHONIOENCODING")
    result = subprocess.run(
        [*petrograd_command, "play", "--plain", "--assignment", str(ROOT / "examples" / "assignment.yaml"),
         "--records", str(tmp_path / "records")],
        input=b"Zo\xeb Iv\xe1nova\n" + b"1\nBecause.\n" * 3 + b"q\n",
        capture_output=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    saves = list((tmp_path / "data").rglob("auto.json"))
    assert saves, "the autosave was written"
    assert "Zo\ufffd Iv\ufffdnova" in saves[0].read_text(encoding="utf-8")


def test_control_characters_typed_never_reach_a_record(mini_story, tmp_path):
    from game.classroom.handin import clean_name

    assert clean_name("Ada\x1b[2J \x07Lovelace\ud800") == "Ada[2J Lovelace"
    session = PlaySession(mini_story, tmp_path, seed=1)
    session.new_game()
    session.choose(session.game.open_choices()[0].id, why="a\x1b]0;x\x07 b " + "w" * 9000)
    why = session.game.record.steps[0].why
    assert why.startswith("a]0;x b w") and len(why) == 4_000


# ---------------------------------------------------------------- honest messages


def test_goodbye_says_the_game_was_not_saved_when_it_was_not(shipped_story, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "saves").write_text("in the way")
    code, out, _ = played(shipped_story, data, "q\n")
    assert code == 0 and "Goodbye. Your game is saved" in out  # nothing to save yet
    code, out, _ = played(shipped_story, data, "1\nq\n")
    assert "Your game is saved" not in out
    assert "Goodbye. Your last choices could NOT be saved (could not write auto.json:" in out
    # A path longer than a line is cut to fit (game/plain.py wraps as textwrap does), and
    # tmp_path is longer under pytest-xdist (a folder a worker): compare without the breaks.
    said = f"{data / 'saves'} should be a folder but is a file; move or rename that file"
    assert "".join(said.split()) in "".join(out.split())
    assert "Your previous save is kept: fix that, and 'petrograd play --plain --continue'" in out


def test_end_of_input_says_the_same(shipped_story, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "saves").write_text("in the way")
    code, out, _ = played(shipped_story, data, "1\n")
    assert "End of input: leaving the game. Your last choices could NOT be saved" in out
