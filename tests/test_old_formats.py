"""Saves and records made by the first edition (format 1) still load, replay and verify.

The files in tests/fixtures/format-v1/ were written by the first edition's own code
(Session, SaveStore, hand-in) from the frozen fixture story beside them, before the
engine learned conditional text and memory; they are never regenerated.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from game.atomic import read_json
from game.classroom.assignment import load_assignment
from game.classroom.handin import verify
from game.classroom.transcript import render_markdown
from game.engine import load_story, replay
from game.engine.record import Record
from game.saves import SaveStore

FIXTURES = Path(__file__).parent / "fixtures" / "format-v1"


@pytest.fixture(scope="module")
def story():
    return load_story([FIXTURES / "story"], assets=FIXTURES / "assets")


@pytest.mark.parametrize(
    ("name", "slot", "scene", "steps"),
    [("save-slot.json", "1", "hall", 1), ("save-auto.json", "auto", "stairs", 2)],
)
def test_first_edition_saves_load_where_they_were_made(story, tmp_path, name, slot, scene, steps):
    folder = tmp_path / "saves"
    folder.mkdir()
    shutil.copy(FIXTURES / name, folder / f"{slot}.json")
    loaded = SaveStore(folder).load(slot, story)
    assert loaded.notice is None  # same story, same hash: nothing to say
    assert loaded.game.scene.id == scene
    assert len(loaded.game.record.steps) == steps
    assert loaded.game.variables["warned"] is True  # the first choice was 'warn'


def test_first_edition_handin_verifies_and_replays(story):
    data, problem = read_json(FIXTURES / "handin.json")
    assert problem is None
    assignment = load_assignment(FIXTURES / "assignment.yaml", story)
    checked = verify(data, story, assignment)
    assert checked.status == "verified", checked.reasons
    result = replay(story, Record.from_json(data))
    assert result.complete and result.game.ended
    assert result.game.scene.ending is not None and result.game.scene.ending.id == "morning"
    transcript = render_markdown(data, story, checked)
    assert "Zoë Ivanova" in transcript and "Because the Soviet was meeting." in transcript
    assert "That is what happened." in transcript


def test_an_edited_first_edition_handin_is_flagged(story):
    data, _ = read_json(FIXTURES / "handin.json")
    data["steps"][0]["choice"] = "run"
    assert verify(data, story).status == "flagged"
