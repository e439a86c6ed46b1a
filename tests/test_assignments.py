"""Assignments, second round: every problem of the file at once (and from `petrograd check
--assignment`), a "why?" only where there is a decision, retries and minimum lengths; the
session's attempts, the student's own folder, codes and the one-name-at-a-time lock; the
plain player resuming an assessed game."""

from __future__ import annotations

import json
import subprocess
from io import StringIO

import pytest

from game.classroom.assignment import load_assignment
from game.classroom.handin import verify
from game.classroom.session import CODE_ALPHABET, ClassroomSession, new_code, words_in
from game.engine import StoryError, load_story
from game.paths import assets_dir
from game.plain import play_plain
from game.session import Locked, PlaySession
from tests.conftest import ROOT

ONE_WAY = """\
chapter:
  id: one
  number: 1
  title: One
  reflection: [Why?]
scenes:
  - id: a
    title: A
    date: 1917-10-25
    time: "21:00"
    place: Here
    sources: [eve-1]
    text: A choice.
    choices:
      - {id: up, label: Up, goto: b, sources: [eve-1], history: faithful, note: It happened.}
      - {id: down, label: Down, goto: b, sources: [eve-2], history: divergent, note: It did not.}
  - id: b
    title: B
    date: 1917-10-25
    time: "22:00"
    place: Here
    sources: [eve-1]
    text: One way on.
    choices:
      - {id: on, label: Go on, goto: g, sources: [eve-1], history: faithful, note: On.}
  - id: g
    title: G
    date: 1917-10-25
    time: "23:00"
    place: A gate
    sources: [eve-1]
    text: A gate, and a locked door.
    choices:
      - {id: through, label: Through the gate, goto: c, sources: [eve-1], history: faithful, note: So.}
      - id: force
        label: Force the door
        goto: c
        if: n >= 5
        disabled: It is locked.
        sources: [eve-2]
        history: divergent
        note: Never.
  - id: c
    title: C
    date: 1917-10-26
    time: "01:00"
    place: There
    sources: [eve-1]
    text: The end.
    ending: {id: done, title: Done, kind: historical, epilogue: It was so.}
"""


@pytest.fixture
def story(make_story):
    return load_story([make_story({"one.yaml": ONE_WAY})], assets=assets_dir())


def write(tmp_path, text: str):
    path = tmp_path / "task.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path, story) -> list[str]:
    with pytest.raises(StoryError) as caught:
        load_assignment(path, story)
    return [str(p) for p in caught.value.problems]


BAD = """\
assignment:
  id: task
  title: A Task
  instrutions: Play.
  start: aa
  reflection: [onne]
  why: [a, zz, b]
  assessment: true
  retries: maybe
  min_words: 900
"""


def test_every_problem_is_reported_at_once_with_its_place(story, tmp_path):
    found = problems(write(tmp_path, BAD), story)
    where = [p.split(": ", 1)[0].rsplit(":", 2)[-2] for p in found]
    assert where == sorted(where, key=int), "by line"
    text = "\n".join(found)
    assert ":4:3: unknown-key: unknown key 'instrutions'" in text and "'instructions'" in text
    assert ":5:10: unknown-scene: the story has no scene 'aa'" in text
    assert ":6:16: unknown-chapter: the story has no chapter 'onne' (did you mean 'one'?)" in text
    assert ":7:12: unknown-scene: the story has no scene 'zz'" in text
    assert ":7:16: wrong-value: 'b' has only one option" in text
    assert ":9:12: wrong-type" in text and ":10:14: wrong-value: min_words is 900" in text


def test_a_why_at_a_scene_of_one_option_is_an_error(story, tmp_path):
    path = write(tmp_path, "assignment:\n  id: t\n  title: T\n  instructions: I.\n  why: [b]\n")
    (problem,) = problems(path, story)
    assert problem.startswith(f"{path}:5:9: wrong-value: 'b' has only one option")


def test_retries_need_an_assessment(story, tmp_path):
    path = write(
        tmp_path, "assignment:\n  id: t\n  title: T\n  instructions: I.\n  retries: true\n"
    )
    (problem,) = problems(path, story)
    assert ":5:3: wrong-value: retries only matters in an assessed assignment" in problem


def test_retries_and_a_minimum_length_are_read(story, tmp_path):
    path = write(
        tmp_path,
        "assignment:\n  id: t\n  title: T\n  instructions: I.\n  assessment: true\n"
        "  retries: true\n  min_words: 12\n",
    )
    assignment = load_assignment(path, story)
    assert assignment.retries and assignment.min_words == 12 and not assignment.one_attempt
    plain = load_assignment(
        write(
            tmp_path, "assignment:\n  id: t\n  title: T\n  instructions: I.\n  assessment: true\n"
        ),
        story,
    )
    assert plain.one_attempt and plain.min_words == 0


def test_check_assignment_reports_without_playing(tmp_path, petrograd_command):
    path = write(
        tmp_path, BAD.replace("start: aa", "start: c6-squre").replace("[a, zz, b]", "[c6-signal]")
    )
    result = subprocess.run(
        [*petrograd_command, "check", "--assignment", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(":4:3: unknown-key" in line for line in lines)
    assert any("'c6-squre' (did you mean 'c6-square'?)" in line for line in lines)
    assert " error" in result.stderr
    good = subprocess.run(
        [*petrograd_command, "check", "--assignment", str(ROOT / "examples" / "assignment.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ok: the assignment" in good.stdout and "has no problems" in good.stdout


# ---------------------------------------------------------------- the session


def session(story, tmp_path, text: str, *, shared: bool = False) -> ClassroomSession:
    assignment = load_assignment(write(tmp_path, text), story)
    play = PlaySession(story, tmp_path / "data", seed=1)
    return ClassroomSession(play, assignment, tmp_path / "records", shared=shared)


ASSESSED = "assignment:\n  id: t\n  title: T\n  instructions: I.\n  assessment: true\n"


def test_an_assessment_played_once_refuses_a_new_game_over_the_students_own(story, tmp_path):
    first = session(story, tmp_path, ASSESSED)
    assert first.sign_in("Ada").ok and first.begin() is None
    first.play.new_game()
    first.choose("up")
    with pytest.raises(Locked):
        first.play.new_game()
    first.sign_out()
    again = session(story, tmp_path, ASSESSED)
    assert again.sign_in("Ada").ok
    assert not again.may_start_over
    loaded = again.begin()
    assert loaded is not None and [s.choice for s in again.play.game.record.steps] == ["up"]


def test_with_retries_each_new_game_is_the_next_attempt(story, tmp_path):
    classroom = session(story, tmp_path, ASSESSED + "  retries: true\n")
    classroom.sign_in("Ada")
    classroom.play.new_game()
    classroom.play.new_game()  # no choice made: not an attempt
    assert classroom.attempt == 1
    classroom.choose("down")
    classroom.play.new_game()
    classroom.choose("up")
    classroom.choose("on")
    assert classroom.attempt == 2
    ((earlier),) = classroom.earlier
    assert earlier["attempt"] == 1 and earlier["steps"] == 1 and earlier["ending"] is None
    classroom.sign_out()
    again = session(story, tmp_path, ASSESSED + "  retries: true\n")
    again.sign_in("Ada")
    again.begin()
    assert again.attempt == 2 and again.earlier == classroom.earlier


def test_answers_keep_their_lines_and_meet_the_minimum(story, tmp_path):
    classroom = session(story, tmp_path, ASSESSED + "  min_words: 4\n")
    classroom.sign_in("Ada")
    classroom.play.new_game()
    chapter = story.chapters["one"]
    assert classroom.answer_problem("Two words") == (
        "Your teacher asks for at least 4 words in each answer; this has 2."
    )
    with pytest.raises(ValueError):
        classroom.answer(chapter, "Why?", "Too short")
    classroom.answer(chapter, "Why?", "First line here\n\n\n\nand a \x1b[31msecond\x07 one ")
    assert classroom.answers[0].answer == "First line here\n\nand a [31msecond one"
    assert words_in("— a b , c") == 3


def test_a_shared_name_needs_its_code(story, tmp_path):
    first = session(story, tmp_path, ASSESSED, shared=True)
    given = first.sign_in("Ada")
    assert given.ok and given.code is not None and len(given.code) == 7
    first.sign_out()
    again = session(story, tmp_path, ASSESSED, shared=True)
    asked = again.sign_in("ADA")  # the same student, typed in capitals
    assert not asked.ok and asked.needs_code and again.student is None
    assert not again.sign_in("Ada", "AAA-AAA").ok
    assert again.sign_in("Ada", given.code.lower().replace("-", "")).ok
    code = new_code()
    assert code[3] == "-" and set(code.replace("-", "")) <= set(CODE_ALPHABET)


def test_hostile_names_stay_in_the_students_folder(story, tmp_path):
    classroom = session(story, tmp_path, ASSESSED)
    assert classroom.sign_in("../../etc/\x1b[2Jpasswd").ok
    folder = classroom.play.data_dir
    assert folder.is_relative_to(tmp_path / "data" / "assignments")
    assert "\x1b" not in str(folder) and ".." not in folder.parts


# ---------------------------------------------------------------- the plain player


def plain(classroom, text: str) -> str:
    out = StringIO()
    play_plain(classroom.play, classroom=classroom, stdin=StringIO(text), stdout=out, width=80)
    return out.getvalue()


def test_the_plain_player_resumes_an_assessed_game_without_continue(story, tmp_path):
    first = session(story, tmp_path, ASSESSED)
    plain(first, "Ada\n1\nq\n")
    first.sign_out()
    again = session(story, tmp_path, ASSESSED)
    out = plain(again, "Ada\nhelp\nq\n")
    assert "Welcome back, Ada: your game goes on where you left it (attempt 1)." in out
    assert [s.choice for s in again.play.game.record.steps] == ["up"]
    help_text = out[out.index("Other commands:") :]
    assert "handin" in help_text and "undo" not in help_text and "load N" not in help_text


def test_the_plain_player_offers_no_new_game_after_an_assessment_played_once(story, tmp_path):
    classroom = session(story, tmp_path, ASSESSED)
    out = plain(classroom, "Ada\n1\n\n\nIt mattered.\n\nq\n")
    menu = out[out.index("What next?") :]
    assert "A new game" not in menu and "1. The endings you have reached" in menu
    (tmp_path / "other").mkdir()
    retried = session(story, tmp_path / "other", ASSESSED + "  retries: true\n")
    out = plain(retried, "Bo\n1\n\n\nIt mattered.\n\n1\nq\n")
    assert "1. Start attempt 2" in out[out.index("What next?") :]
    assert "Attempt 2." in out and retried.attempt == 2


def test_no_why_is_asked_where_only_one_way_is_open(story, tmp_path):
    """The gate has two choices, but only one is open: nothing to explain, so the game
    does not ask, and the record still verifies."""
    from game.classroom.handin import verify

    classroom = session(story, tmp_path, ASSESSED + "  why: [a, g]\n  reflection: none\n")
    classroom.sign_in("Ada")
    classroom.play.new_game()
    assert classroom.needs_why()
    classroom.choose("up", "Because.")
    classroom.choose("on")
    assert classroom.play.game.scene.id == "g" and not classroom.needs_why()
    classroom.choose("through")
    (path,) = [p for p in classroom.hand_in() if p.suffix == ".json"]
    import json

    data = json.loads(path.read_text())
    assert [s.get("why") for s in data["steps"]] == ["Because.", None, None]
    assert verify(data, story, classroom.assignment).status == "verified"


# ---------------------------------------------------------------- the teacher's page


def test_a_served_game_writes_where_it_is_for_the_teachers_page(story, tmp_path, monkeypatch):
    from game.commands.play import follow_in_status_file
    from game.webstatus import STATUS_FILE_VARIABLE, read_status

    status_file = tmp_path / "status" / "tab-1.json"
    status_file.parent.mkdir()
    monkeypatch.setenv(STATUS_FILE_VARIABLE, str(status_file))
    classroom = session(story, tmp_path, ASSESSED, shared=True)
    follow_in_status_file(classroom.play, classroom)
    before = read_status(status_file)
    assert before is not None and before.student is None and before.scene is None
    classroom.sign_in("Зоя <b>")
    classroom.play.new_game()
    classroom.choose("up")
    now = read_status(status_file)
    assert now.student == "Зоя <b>" and now.assignment == "t" and now.step == 1
    assert now.chapter == "Ch. 1: One" and now.scene == "B" and now.started_at
    assert now.handed_in_at is None and not now.finished
    classroom.choose("on")
    classroom.choose("through")
    classroom.hand_in()
    done = read_status(status_file)
    assert done.finished and done.handed_in_at == classroom.handed_in_at


def test_without_the_servers_variable_no_status_is_written(story, tmp_path, monkeypatch):
    from game.commands.play import follow_in_status_file
    from game.webstatus import STATUS_FILE_VARIABLE

    monkeypatch.delenv(STATUS_FILE_VARIABLE, raising=False)
    classroom = session(story, tmp_path, ASSESSED)
    follow_in_status_file(classroom.play, classroom)
    assert classroom.play.observers == []


def test_without_an_assignment_the_page_still_gets_minutes(story, tmp_path, monkeypatch):
    from game.commands.play import follow_in_status_file
    from game.webstatus import STATUS_FILE_VARIABLE, read_status

    status_file = tmp_path / "tab.json"
    monkeypatch.setenv(STATUS_FILE_VARIABLE, str(status_file))
    play = PlaySession(story, tmp_path / "data", seed=1)
    follow_in_status_file(play, None)
    assert read_status(status_file).started_at is None  # the title screen
    play.new_game()
    first = read_status(status_file)
    assert first.student is None and first.started_at is not None and first.scene == "A"


# ---------------------------------------------------------------- review: what must not be lost


def test_one_student_however_the_name_is_typed_and_two_names_kept_apart(story, tmp_path):
    first = session(story, tmp_path, ASSESSED)
    first.sign_in("Ivan Petrov")
    first.play.new_game()
    first.choose("up")
    first.sign_out()
    for typed in ("ivan  petrov", "Ｉｖａｎ Ｐｅｔｒｏｖ"):  # spacing, case, full-width letters
        again = session(story, tmp_path, ASSESSED)
        again.sign_in(typed)
        assert again.play.data_dir == first.play.data_dir
        assert not again.may_start_over
        again.sign_out()
    folders = set()
    for other in ("Ivan.Petrov", "😀", "🙂", "x" * 41, "x" * 42):
        someone = session(story, tmp_path, ASSESSED)
        someone.sign_in(other)
        folders.add(someone.play.data_dir)
        someone.sign_out()
    assert len(folders) == 5 and first.play.data_dir not in folders


def test_a_damaged_autosave_is_kept_and_counted_as_a_lost_attempt(story, tmp_path):
    first = session(story, tmp_path, ASSESSED)
    first.sign_in("Ada")
    first.play.new_game()
    first.choose("up")
    auto = first.play.store.path("auto")
    first.sign_out()
    auto.write_text("{ not json")
    auto.with_name("auto.json.bak").unlink(missing_ok=True)
    again = session(story, tmp_path, ASSESSED)
    again.sign_in("Ada")
    assert again.begin() is None
    assert "could not be read" in again.notice and "attempt 2" in again.notice
    kept = again.play.lost_autosaves()
    assert len(kept) == 1 and kept[0].read_text() == "{ not json"  # never written over
    again.play.new_game()  # with nothing to resume, the student may start
    again.choose("up")
    again.choose("on")
    again.choose("through")
    data = json.loads(next(p for p in again.hand_in() if p.suffix == ".json").read_text())
    assert data["extra"]["attempt"] == 2 and data["extra"]["earlier_attempts"][0]["steps"] == 0
    assert verify(data, story, again.assignment).status == "verified"
    again.sign_out()
    third = session(story, tmp_path, ASSESSED)  # the lost attempt stays counted
    third.sign_in("Ada")
    assert third.begin() is not None and third.attempt == 2


def test_reopening_an_ended_game_hands_in_no_second_record(story, tmp_path):
    first = session(story, tmp_path, ASSESSED + "  reflection: none\n")
    plain(first, "Ada\n1\n\n\nq\n")
    assert len(list((tmp_path / "records").glob("*.json"))) == 1
    first.sign_out()
    again = session(story, tmp_path, ASSESSED + "  reflection: none\n")
    out = plain(again, "Ada\nq\n")
    assert "Your record was handed in already" in out
    assert len(list((tmp_path / "records").glob("*.json"))) == 1


def test_a_clock_set_back_between_attempts_still_hands_in(story, tmp_path):
    classroom = session(story, tmp_path, ASSESSED + "  retries: true\n  reflection: none\n")
    classroom.sign_in("Ada")
    classroom.play.new_game()
    classroom.choose("up")
    classroom.started_at = "2030-01-05T09:00:00Z"  # the attempt seemed to start in 2030
    classroom.play.new_game()
    for choice in ("up", "on", "through"):
        classroom.choose(choice)
    data = json.loads(next(p for p in classroom.hand_in() if p.suffix == ".json").read_text())
    found = verify(data, story, classroom.assignment)
    assert found.status == "flagged" and any("before it starts" in r for r in found.reasons)


def test_a_lock_a_drive_cannot_give_lets_the_student_play(story, tmp_path, monkeypatch):
    import errno

    import game.classroom.session as module

    if module.fcntl is None:
        pytest.skip("no flock on this system")

    def refuse(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(module.fcntl, "flock", refuse)
    assert session(story, tmp_path, ASSESSED).sign_in("Ada").ok
