"""Assignments and handed-in records: checking the file, sealing, verifying, tampering, safe names."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from game.classroom.assignment import load_assignment
from game.classroom.handin import Answer, handin_stem, safe_file_stem, seal, verify
from game.engine import Game, StoryError
from tests.conftest import ROOT
from tests.handins import default_choice, due_step

EXAMPLE = ROOT / "examples" / "assignment.yaml"


@pytest.fixture(scope="module")
def assignment(shipped_story):
    return load_assignment(EXAMPLE, shipped_story)


def play_faithfully(story, start=None, why=None):
    """The path of history: the first open faithful choice, else the first of one's own."""
    game = Game(story, seed=3, start=start, clock=lambda: "2026-01-01T00:30:00Z")
    while not game.ended:
        choice = default_choice(game.open_choices())
        assert choice.history != "divergent"  # the path of history never needs one
        game.choose(choice.id, why=(why or {}).get(game.scene.id))
    return game


def test_example_assignment_loads(assignment):
    assert assignment.id == "october-night" and assignment.assessment
    assert assignment.start == "c6-square"
    assert assignment.viewpoint == "messenger"
    assert assignment.wants_why("c6-signal") and assignment.wants_why("c6-walkout")
    assert not assignment.wants_why("c1-smolny") and not assignment.wants_why("c6-bonfires")
    assert assignment.wants_reflection("messenger-palace")
    assert not assignment.wants_reflection("messenger-date")
    assert assignment.hash.startswith("sha256:")


def test_assignment_mistakes_are_reported_with_places(shipped_story, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "assignment:\n  id: x\n  title: T\n  instructions: Do it.\n  start: nowhere\n"
        "  why: [c1-smolny, ending-history]\n  reflection: [messenger-date, nochapter]\n"
        "  colour: red\n"
    )
    with pytest.raises(StoryError) as info:
        load_assignment(bad, shipped_story)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "bad.yaml:8:3: unknown-key" in text
    with pytest.raises(StoryError) as info:
        load_assignment(bad.with_name("bad2.yaml") if False else _without_key(bad), shipped_story)
    text = "\n".join(str(p) for p in info.value.problems)
    assert ":5:10: unknown-scene" in text and "nowhere" in text
    assert ":6:20: wrong-value" in text and "ending" in text
    assert ":7:32: unknown-chapter" in text
    assert ":7:16:" not in text  # messenger-date is a chapter of the story


def _without_key(path: Path) -> Path:
    path.write_text(path.read_text().replace("  colour: red\n", ""))
    return path


def sealed(story, assignment, student="Ada Lovelace"):
    # The path of history passes the signal (a "why?") but not the White Hall's walkout.
    game = play_faithfully(story, start=assignment.start, why={"c6-signal": "To end it."})
    question = story.chapters["messenger-palace"].reflection[0]
    due = due_step(story, game.record, "messenger-palace")
    answers = [Answer("messenger-palace", question, "Because.", due, "2026-01-01T00:00:00Z")]
    return seal(
        game.record,
        story,
        student=student,
        assignment=assignment,
        answers=answers,
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T01:00:00Z",
    )


def test_sealed_record_verifies(shipped_story, assignment):
    data = sealed(shipped_story, assignment)
    assert data["extra"]["ending"]["kind"] == "historical" and data["extra"]["complete"]
    assert all(step["hash"].startswith("sha256:") for step in data["steps"])
    found = verify(data, shipped_story, assignment)
    assert found.status == "verified", found.reasons


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda d: d["steps"][2].__setitem__("choice", "listen-speakers"),
            "step 3 does not match",
        ),
        (lambda d: d["steps"][0].__setitem__("why", "I changed my mind"), "step 1 does not match"),
        (lambda d: d["extra"].__setitem__("student", "Someone Else"), "step 1 does not match"),
        (
            lambda d: d["extra"]["answers"][0].__setitem__("answer", "Better answer"),
            "does not match",
        ),
        (
            lambda d: d["extra"].__setitem__(
                "ending", {"id": "massacre", "title": "x", "kind": "alternate"}
            ),
            "sealed",
        ),
        (lambda d: d["steps"].pop(), "sealed"),
    ],
)
def test_any_edit_is_flagged(shipped_story, assignment, edit, reason):
    data = copy.deepcopy(sealed(shipped_story, assignment))
    edit(data)
    found = verify(data, shipped_story, assignment)
    assert found.status == "flagged"
    assert any(reason in r for r in found.reasons), found.reasons


def test_recomputed_chain_still_fails_on_an_impossible_path(shipped_story, assignment):
    from game.engine import Record

    data = sealed(shipped_story, assignment)
    forged = copy.deepcopy(data)
    forged["steps"][1]["choice"] = "no-such-choice"
    record = Record.from_json(forged)
    resealed = seal(
        record,
        shipped_story,
        student="Ada Lovelace",
        assignment=assignment,
        answers=[],
        started_at="x",
        finished_at="y",
    )
    found = verify(resealed, shipped_story, assignment)
    assert found.status == "flagged" and any("impossible path" in r for r in found.reasons)


def test_other_assignment_or_story_version_is_flagged(shipped_story, assignment, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(EXAMPLE.read_text().replace("id: october-night", "id: another-one"))
    data = sealed(shipped_story, load_assignment(other, shipped_story))
    assert any("another assignment" in r for r in verify(data, shipped_story, assignment).reasons)
    data = sealed(shipped_story, assignment)
    data["story"]["version"] = "0.0.1"
    reasons = verify(data, shipped_story, assignment).reasons
    assert any("another version of the story" in r for r in reasons)


def test_unreadable_inputs(shipped_story):
    assert verify([], shipped_story).status == "unreadable"
    assert verify({"format": "petrograd-record"}, shipped_story).status == "unreadable"
    game = Game(shipped_story, seed=1)
    assert (
        verify(game.record.as_json(), shipped_story).status == "unreadable"
    )  # a save, not a hand-in


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../../x", "x"),
        ("Ada Lovelace", "Ada-Lovelace"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("..", "student"),
        ("CON", "student-CON"),
        ("Анна Каренина", "Анна-Каренина"),
        ("/etc/passwd", "etc-passwd"),
        ("a" * 200, "a" * 40),
    ],
)
def test_names_cannot_steer_file_paths(name, stem):
    assert safe_file_stem(name) == stem


def test_stems_are_unique_in_a_folder(tmp_path):
    when = dt.datetime(2026, 11, 27)
    first = handin_stem("Ada", when, tmp_path)
    (tmp_path / f"{first}.json").write_text("{}")
    assert first == "Ada-2026-11-27" and handin_stem("Ada", when, tmp_path) == "Ada-2026-11-27-2"


def test_plain_player_follows_an_assignment_to_the_hand_in(
    shipped_story, assignment, tmp_path, petrograd_command
):
    import json
    import subprocess

    game = Game(shipped_story, seed=1, start=assignment.start)
    lines = ["Ada Lovelace"]
    while not game.ended:
        view = default_choice([c for c in game.frame.choices if c.available])
        if game.record.steps and "undo" not in lines:
            lines += ["undo", "load 1"]  # both refused in an assessment
        lines.append(str(view.number))
        if assignment.wants_why(game.scene.id):
            lines += ["", "Because."]
        game.choose(view.id)
        for due in game.frame.reflection:
            if assignment.wants_reflection(due.chapter.id):
                lines += ["An answer", "of two lines.", ""] * len(due.questions)  # "" ends one
    result = subprocess.run(
        [
            *petrograd_command,
            "play",
            "--plain",
            "--assignment",
            str(EXAMPLE),
            "--records",
            str(tmp_path / "records"),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Assignment: The Night of 25 October" in out and "Your name" in out
    assert "Undo is off" in out and "Slot 1 cannot be loaded" in out
    assert "Please write something first." in out
    assert f"Your record is saved in: {tmp_path / 'records'}" in out
    data = json.loads(next((tmp_path / "records").glob("Ada-Lovelace-*.json")).read_text())
    assert verify(data, shipped_story, assignment).status == "verified"
    assert {a["answer"] for a in data["extra"]["answers"]} == {"An answer\nof two lines."}


def test_starting_variables_are_sealed_too(shipped_story, assignment):
    data = copy.deepcopy(sealed(shipped_story, assignment))
    assert data["initial"]["fortress_won"] is True  # the path of history up to c6-square
    data["initial"]["garrison"] = 0
    found = verify(data, shipped_story, assignment)
    assert found.status == "flagged" and any("does not match" in r for r in found.reasons)


def test_a_mistyped_assignment_field_is_flagged_not_a_crash(shipped_story, assignment):
    data = copy.deepcopy(sealed(shipped_story, assignment))
    data["extra"]["assignment"] = "october-night"
    found = verify(data, shipped_story, assignment)
    assert found.status == "flagged"
