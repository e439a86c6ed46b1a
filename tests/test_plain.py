"""The plain player, in process on text streams: notes as the spoiler setting says, wrapping
by display width, Enter for the only way on, the saves listing, the codex, what comes after
an ending, and a golden transcript of the messenger's historical path.

The golden transcript, tests/golden/plain-historical.txt, is the player's whole output,
compared byte for byte. After an intended change to what the player prints, regenerate it
and read the diff before committing it:

    PETROGRAD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_plain.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import textwrap
from io import StringIO
from pathlib import Path

import pytest
import yaml
from wcwidth import wcswidth

from game.classroom.assignment import load_assignment
from game.classroom.session import ClassroomSession
from game.engine import Game, load_story
from game.paths import assets_dir
from game.plain import HELP, line_width, play_plain, wrap_cells
from game.session import PlaySession
from tests.conftest import ROOT
from tests.handins import default_choice
from tests.test_viewpoints import RED, TWO, WHITE

SEED = 1917
GOLDEN = ROOT / "tests" / "golden" / "plain-historical.txt"
PLAN = ROOT / "tests" / "plans" / "messenger-history.yaml"

#: Two chapters: two open choices at each scene of the first, then a scene with one open
#: choice (and one shown closed) before the ending; a second ending is never reached.
ONE = """\
chapter:
  id: one
  number: 1
  title: One
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: Text of [[Smolny]].
    choices:
      - {id: up, label: Go up, goto: b, sources: [eve-1], history: faithful, note: Up happened., effects: [n += 1]}
      - {id: down, label: Go down, goto: b, sources: [eve-1], history: divergent, note: Down did not.}
  - id: b
    title: B
    date: 1917-10-25
    time: "22:00"
    place: Here
    sources: [eve-1]
    text: Stairs.
    choices:
      - {id: on, label: Go on, goto: c, sources: [eve-1], history: faithful, note: On happened.}
      - {id: off, label: Go off, goto: c, sources: [eve-1], history: divergent, note: Off did not.}
"""

TWO_CHAPTER = """\
chapter:
  id: two
  number: 2
  title: Two
  reflection: [What now?]
scenes:
  - id: c
    title: C
    date: 1917-10-26
    time: "01:00"
    place: There
    sources: [eve-2]
    text: "A door{flag?, open}."
    choices:
      - {id: only, label: Walk through, goto: d, sources: [eve-2], history: faithful, note: Only way note.}
      - {id: shut, label: Force the other door, goto: e, if: n >= 5, disabled: It is locked., sources: [eve-2], history: divergent, note: Never.}
  - id: d
    title: D
    date: 1917-10-26
    time: "02:00"
    place: There
    sources: [eve-2]
    text: The end.
    ending: {id: done, title: Done, kind: historical, epilogue: "That is all{flag?, truly}."}
  - id: e
    title: E
    date: 1917-10-26
    time: "02:00"
    place: There
    sources: [eve-2]
    text: Another end.
    ending: {id: other, title: Other, kind: alternate, epilogue: It did not happen.}
"""


def new_session(story, data_dir: Path):
    """A play session on its own data folder, with a fixed seed."""
    return PlaySession(story, data_dir, seed=SEED)


@pytest.fixture
def story(make_story):
    return load_story([make_story({"one.yaml": ONE, "two.yaml": TWO_CHAPTER})], assets=assets_dir())


def play(story, data_dir, text, *, spoilers=None, width=80, **kwargs):
    """Play `text` in process; returns (exit code, the output as written, the session)."""
    session = kwargs.pop("session", None) or new_session(story, data_dir)
    if spoilers is not None:
        session.profile.settings.spoilers = spoilers
    out = StringIO()
    code = play_plain(session, stdin=StringIO(text), stdout=out, width=width, **kwargs)
    return code, out.getvalue(), session


def after(out: str, marker: str) -> str:
    """The output after the first `marker` (which must be there)."""
    assert marker in out, f"{marker!r} not in the output"
    return out.split(marker, 1)[1]


# ---------------------------------------------------------------- 1. notes, as the setting says


def test_after_each_choice_the_verdict_and_its_note(story, tmp_path):
    code, out, _ = play(story, tmp_path, "1\nq\n")
    assert code == 0
    shown = after(out, "or q to quit): 1\n")
    assert shown.index("Your last choice was faithful to history: Up happened.") < shown.index(
        "(Number: 1 -> 2)"
    )  # the gauges' line stays, after the note


def test_at_the_end_of_a_chapter_its_notes_come_together_with_what_was_chosen(story, tmp_path):
    code, out, _ = play(story, tmp_path, "2\n1\nq\n", spoilers="chapter")
    assert code == 0
    first, second = out.split("or q to quit): 2\n", 1)[1].split("or q to quit): 1\n", 1)
    assert "Down did not." not in first and "Your last choice" not in first
    notes = second.split("Chapter 2: Two")[0]
    assert notes.index("You chose: Go down (A)") < notes.index(
        "This choice was a departure from history: Down did not."
    )
    assert notes.index("Down did not.") < notes.index("You chose: Go on (B)")
    assert "This choice was faithful to history: On happened." in notes
    assert "Your last choice" not in notes  # each note is of a choice of the chapter


def test_only_at_the_ending_no_note_comes_before_it_and_history_keeps_them(story, tmp_path):
    code, out, _ = play(story, tmp_path, "1\nhistory\n1\n\n", spoilers="ending")
    assert code == 0
    before_end = out.split("THE END: Done")[0]
    assert "Up happened." not in before_end and "[faithful]" not in before_end
    assert "Your last choice" not in before_end
    assert "(History's notes on your choices come at the ending, as your settings say.)" in out
    path = after(out, "Your path and history:")
    assert "1. A: Go up [faithful]" in path and "Up happened. (sources: eve-1)" in path


def test_a_choice_that_was_the_only_one_open_gets_no_verdict(story, tmp_path):
    code, out, _ = play(story, tmp_path, "1\n1\n\n")
    assert code == 0
    taken = after(out, "Press Enter to go on (or q to quit): \n").split("THE END")[0]
    assert "Your last choice" not in taken and "Only way note." not in taken
    assert "Only way note." in after(out, "Your path and history:")  # the path lists it


# ---------------------------------------------------------------- 2. wrapping by display width

CHINESE = "全部政权归苏维埃！革命的士兵和工人走上街头，" * 8


def test_a_line_of_chinese_fits_the_width_in_terminal_cells(make_story, tmp_path):
    chapter = ONE.replace("text: Text of [[Smolny]].", f"text: {CHINESE}")
    folder = make_story({"one.yaml": chapter, "two.yaml": TWO_CHAPTER})
    story = load_story([folder], assets=assets_dir())
    _, out, _ = play(story, tmp_path, "q\n", width=40)
    lines = out.splitlines()
    chinese = [line for line in lines if "革命" in line or "政权" in line]
    assert len(chinese) >= 8  # 352 cells of it, at most 40 a line
    assert all(wcswidth(line) <= 40 for line in lines), max(lines, key=wcswidth)
    assert max(wcswidth(line) for line in chinese) >= 38  # and the lines are filled
    assert not any(line.startswith(("，", "！")) for line in chinese)  # no line opens on a comma
    assert "".join(chinese) == CHINESE  # nothing lost or added between the lines


def test_combining_marks_take_no_room_and_are_never_cut_off():
    text = " ".join(["cafe\u0301", "nai\u0308ve", "e\u0301te\u0301"] * 10)
    plain = text.replace("\u0301", "").replace("\u0308", "")
    lines = wrap_cells(text, 24)
    assert [line.replace("\u0301", "").replace("\u0308", "") for line in lines] == textwrap.wrap(
        plain, 24
    )
    assert not any(line.startswith(("\u0301", "\u0308")) for line in lines)
    long = "e\u0301" * 30
    assert [wcswidth(line) for line in wrap_cells(long, 12)] == [12, 12, 6]


def test_ascii_wraps_as_textwrap_does():
    text = "Serge names Antonov-Ovseyenko, Podvoisky and Chudnovsky as its heads; a/very/long/path/to/copy/whole/without/breaks stays."
    for width in (20, 33, 80):
        assert wrap_cells(text, width, "  ", "     ") == textwrap.wrap(
            text, width, initial_indent="  ", subsequent_indent="     ", break_on_hyphens=False
        )


def test_the_width_is_the_terminals_80_when_unknown_and_never_too_wide(monkeypatch):
    import game.plain

    def terminal(columns):
        return lambda fallback=(80, 24): os.terminal_size((columns or fallback[0], 24))

    monkeypatch.setattr(game.plain.shutil, "get_terminal_size", terminal(None))
    assert line_width() == 80
    monkeypatch.setattr(game.plain.shutil, "get_terminal_size", terminal(92))
    assert line_width() == 92
    monkeypatch.setattr(game.plain.shutil, "get_terminal_size", terminal(300))
    assert line_width() == 100
    assert line_width(10) == 30 and line_width(64) == 64


# ---------------------------------------------------------------- 3. Enter for the only way on


def test_the_only_open_choice_is_taken_with_enter(story, tmp_path):
    code, out, session = play(story, tmp_path, "1\n1\nhelp\n\nq\n")
    assert code == 0
    assert "Your choice (1-2, or q to quit): " in out  # two ways open at A and B
    at_c = after(out, "\nC\n")
    assert "Press Enter to go on (or q to quit): " in at_c and "(1-2" not in at_c
    assert "codex" in after(at_c, "Press Enter to go on (or q to quit): help")  # help works
    assert session.game.ended and session.game.record.steps[-1].choice == "only"


def test_at_the_only_open_choice_q_still_quits_and_other_words_are_explained(story, tmp_path):
    code, out, session = play(story, tmp_path, "1\n1\nwhat\n2\nq\n")
    assert code == 0 and not session.game.ended
    assert "Please type a number from 1 to 2, or q to quit" in out
    assert "That choice is not open: It is locked." in out
    assert "Goodbye. Your game is saved" in out


# ---------------------------------------------------------------- 4. the saves listing


def test_saves_lists_only_the_slots_in_use_and_how_many_are_free(story, tmp_path):
    _, out, _ = play(story, tmp_path, "saves\nq\n")
    listing = after(out, "or q to quit): saves\n").split("\n\n")[0]
    assert listing == "No slot is used yet: all 9 are free; 'save N' saves to one."
    _, out, _ = play(story, tmp_path, "1\nsave 3\nsaves\nq\n")
    listing = after(out, "or q to quit): saves\n").split("\n\n")[0]
    assert "Autosave: B," in listing and "Slot 3: B," in listing
    assert "Slot 1" not in listing and "empty" not in listing
    assert listing.endswith("8 of 9 slots are free; 'save N' saves to one.")


# ---------------------------------------------------------------- 5. the codex

SMOLNY_TEXT = "once a school for girls from noble families"
KERENSKY_TEXT = "a lawyer and moderate socialist"


def test_codex_alone_lists_the_entries_met(story, tmp_path):
    assert "codex" in HELP
    _, out, _ = play(story, tmp_path, "codex\nq\n")
    listing = after(out, "or q to quit): codex\n").split("\n\n")[0]
    assert "The codex entries you have met (1 of " in listing and "  Smolny (place)" in listing
    assert "Kerensky" not in listing and SMOLNY_TEXT not in listing


def test_codex_words_print_the_one_entry_that_matches(story, tmp_path):
    _, out, _ = play(story, tmp_path, "codex smolny institute\ncodex SMOLNY\nq\n")
    first = after(out, "codex smolny institute\n").split("Your choice")[0]
    assert "Smolny (place)" in first and "Also: Smolny Institute" in first
    assert SMOLNY_TEXT in " ".join(first.split())
    assert SMOLNY_TEXT in " ".join(after(out, "codex SMOLNY\n").split())  # any case


def test_an_entry_not_met_shows_only_its_name_and_its_text_is_not_searched(story, tmp_path):
    _, out, _ = play(story, tmp_path, "codex kerensky\ncodex lawyer\ncodex smolny lenin\nq\n")
    assert "Kerensky (person): not met yet in the story" in out
    assert KERENSKY_TEXT not in " ".join(out.split())
    assert "No codex entry matches 'lawyer'." in out  # Kerensky's text says it, unmet
    assert SMOLNY_TEXT in " ".join(out.split())  # a met entry's text is searched


def test_codex_words_list_the_entries_they_match_by_name(story, tmp_path):
    _, out, _ = play(story, tmp_path, "codex kr\nq\n")
    listing = after(out, "codex kr\n").split("\n\n")[0]
    assert " codex entries match 'kr':" in listing.splitlines()[0]
    assert "  Krasnov (person; not met yet in the story)" in listing
    assert "Type 'codex' and an entry's name to read it." in listing


# ---------------------------------------------------------------- 6. after the ending


def test_after_the_ending_the_endings_and_quit(story, tmp_path):
    code, out, _ = play(story, tmp_path, "1\n1\n\n2\n3\n")
    assert code == 0
    menu = after(out, "Your path and history:")
    assert "What next?\n  1. A new game\n  2. The endings you have reached\n  3. Quit\n" in menu
    endings = after(menu, "or q to quit): 2\n").split("What next?")[0]
    assert "Endings reached: 1 of 2" in endings
    assert (
        "  Done (the historical ending)" in endings and "  Locked: an alternate ending" in endings
    )
    assert "Other" not in endings  # a locked ending's title is not given away
    assert out.endswith(
        "Goodbye. Your game is saved; 'petrograd play --plain --continue' resumes it.\n"
    )


def test_after_the_ending_a_new_game(story, tmp_path):
    code, out, session = play(story, tmp_path, "1\n1\n\n1\n2\nq\n")
    assert code == 0
    again = after(after(out, "What next?"), "or q to quit): 1\n")
    assert "A new game." in again and "\nA\n" in again
    assert [s.choice for s in session.game.record.steps] == ["down"]  # the new game's


def test_a_new_game_asks_the_viewpoint_again(make_story, tmp_path):
    folder = make_story({"story.yaml": TWO, "red.yaml": RED, "white.yaml": WHITE}, base=False)
    two = load_story([folder], assets=assets_dir())
    code, out, session = play(two, tmp_path, "1\n1\n1\n2\nq\n", viewpoint="red")
    assert code == 0
    assert "Whom do you play?" in after(out, "What next?")
    assert session.game.scene.id == "w"  # the white side, picked from the menu


def test_end_of_input_at_the_menu_leaves_quietly(story, tmp_path):
    code, out, _ = play(story, tmp_path, "1\n1\n\n")
    assert code == 0
    assert out.endswith(
        "What next?\n  1. A new game\n  2. The endings you have reached\n  3. Quit\n\n"
        "Your choice (1-3, or q to quit): \n"
        "End of input: leaving the game. Your game is saved; 'petrograd play --plain\n"
        "--continue' resumes it.\n"
    )


def test_undo_at_the_ending_goes_back_into_the_story(story, tmp_path):
    code, out, session = play(story, tmp_path, "1\n1\n\nundo\nq\n")
    assert code == 0 and session.game.scene.id == "c"
    assert "You take back your last choice." in after(out, "What next?")


ASSIGNMENT = """\
assignment:
  id: small-task
  title: A Small Task
  instructions: Play it through.
  reflection: [two]
  why: [a]
"""


def test_an_assignment_asks_its_questions_and_hands_in_before_the_menu(story, tmp_path):
    path = tmp_path / "task.yaml"
    path.write_text(ASSIGNMENT, encoding="utf-8")
    assignment = load_assignment(path, story)
    session = new_session(story, tmp_path / "data")
    classroom = ClassroomSession(session, assignment, tmp_path / "records")
    code, out, _ = play(
        story,
        tmp_path,
        "Ada\n1\nBecause.\n1\n\nAn answer\nin two lines.\n\n1\n\n",  # "" ends the answer
        session=session,
        classroom=classroom,
    )
    assert code == 0
    end = after(out, "THE END: Done")
    assert end.index("What now?") < end.index("Your answer:") < end.index("in two lines.")
    assert end.index("Your record is saved in:") < end.index("What next?")
    assert list((tmp_path / "records").glob("Ada-*.json"))
    assert "A new game." in after(end, "What next?")  # a new game in an assignment is fine
    assert [s.choice for s in session.game.record.steps] == []


# ---------------------------------------------------------------- 8. the golden transcript


def historical_input(story) -> str:
    """The lines that play the messenger's historical path (tests/plans), with Enter where
    only one choice is open, 'codex' at the start, and the endings and quit at the end."""
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    game = Game(story, seed=SEED, start=plan["start"]["scene"])
    assert game.start == story.viewpoints["messenger"].start
    lines = ["codex"]
    for step in plan["steps"]:
        if "choose" not in step:
            continue
        views = game.frame.choices
        view = next(v for v in views if v.id == step["choose"])
        lines.append("" if sum(v.available for v in views) == 1 else str(view.number))
        game.choose(view.id)
    assert game.ended and game.scene.ending.kind == "historical"
    assert default_choice([c for c in views if c.available]).id == view.id  # as a student would
    return "\n".join([*lines, "2", "3"]) + "\n"


def historical_transcript(story, data_dir: Path) -> str:
    session = new_session(story, data_dir)
    out = StringIO()
    stdin = StringIO(historical_input(story))
    assert play_plain(session, stdin=stdin, stdout=out, viewpoint="messenger", width=80) == 0
    return out.getvalue()


def test_the_golden_transcript_of_the_historical_path(shipped_story, tmp_path):
    got = historical_transcript(shipped_story, tmp_path).encode("utf-8")
    if os.environ.get("PETROGRAD_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(got)
    want = GOLDEN.read_bytes()
    if got != want:
        diff = difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(),
            got.decode("utf-8", "replace").splitlines(),
            str(GOLDEN.relative_to(ROOT)),
            "the plain player now",
            lineterm="",
            n=2,
        )
        shown = list(diff)
        more = f"\n... and {len(shown) - 60} more lines of diff" if len(shown) > 60 else ""
        pytest.fail(
            "The plain player's transcript differs from the golden one; if the change is "
            "intended, regenerate it with PETROGRAD_UPDATE_GOLDEN=1 (see this file's "
            "docstring).\n" + "\n".join(shown[:60]) + more,
            pytrace=False,
        )


def test_the_transcript_holds_nothing_of_the_clock_the_folder_or_the_terminal(
    shipped_story, tmp_path, monkeypatch
):
    """The same bytes with the clock in another century and another data folder."""
    normal = historical_transcript(shipped_story, tmp_path / "one")
    import game.plain

    monkeypatch.setitem(Game.__init__.__kwdefaults__, "clock", lambda: "1999-12-31T23:59:00Z")
    monkeypatch.setattr(
        game.plain.shutil, "get_terminal_size", lambda *a: os.terminal_size((33, 10))
    )

    class Then(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(1999, 12, 31, 23, 59, tzinfo=tz)

    monkeypatch.setattr(game.session.dt, "datetime", Then)
    assert historical_transcript(shipped_story, tmp_path / "two") == normal
    for leak in (str(tmp_path), "1999", "saved at"):
        assert leak not in normal


def test_every_line_of_the_transcript_fits_80_cells(shipped_story, tmp_path):
    text = GOLDEN.read_text(encoding="utf-8")
    assert all(wcswidth(line) <= 80 for line in text.splitlines())
    assert "Your choice (1-2, or q to quit): 1\n" in text and "THE END: " in text
