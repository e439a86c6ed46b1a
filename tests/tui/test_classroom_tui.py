"""Pilot tests of an assignment in the TUI: the name, a 'why?', reflections, hand-in, assessment mode."""

from __future__ import annotations

import json

from textual.widgets import Button, Input, Static

from game.classroom.assignment import load_assignment
from game.tui.app import PetrogradApp
from game.tui.screens.classroom import NameScreen, ReflectionScreen, WhyScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.scene import SceneScreen
from tests.conftest import ROOT, classroom_session
from tests.handins import default_choice

EXAMPLE = ROOT / "examples" / "assignment.yaml"


def make(shipped_story, tmp_path):
    assignment = load_assignment(EXAMPLE, shipped_story)
    classroom = classroom_session(
        shipped_story, tmp_path / "data", assignment, records_dir=tmp_path / "records", seed=1
    )
    return PetrogradApp(classroom.play, classroom=classroom)


async def type_into(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def test_assessment_refuses_undo_and_load(shipped_story, tmp_path):
    app = make(shipped_story, tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        assert isinstance(app.screen, NameScreen)
        await type_into(pilot, "Ada")
        assert app.classroom.student == "Ada"
        assert app.screen.query_one("#load", Button).disabled
        await pilot.press("enter")  # New game
        assert isinstance(app.screen, SceneScreen)
        assert app.session.game.scene.id == "c6-square"  # the assignment's start
        await pilot.press("1")
        assert len(app.session.game.record.steps) == 1
        await pilot.press("backspace")
        assert len(app.session.game.record.steps) == 1, "undo must be refused in assessment mode"
        await pilot.press("l")
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("h")  # history can still be read
        assert app.screen.__class__.__name__ == "HistoryScreen"


async def test_assignment_to_the_hand_in(shipped_story, tmp_path):
    app = make(shipped_story, tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        await type_into(pilot, "Ada <b>Lovelace</b>")
        await pilot.press("enter")
        for _ in range(60):
            screen = app.screen
            if isinstance(screen, EndingScreen):
                break
            if isinstance(screen, WhyScreen):
                await pilot.press("enter")  # empty: refused, asked again
                assert isinstance(app.screen, WhyScreen)
                await type_into(pilot, "Because the fleet was there.")
                continue
            if isinstance(screen, ReflectionScreen):
                for _ in screen.questions:
                    await type_into(pilot, "A thought.")
                continue
            game = app.session.game
            open_ = [c for c in game.frame.choices if c.available]
            if game.scene.id == "c6-women":  # to the White Hall: its walkout asks "why?" too
                view = next(c for c in open_ if c.id == "to-congress")
            else:
                view = default_choice(open_)
            await pilot.press(str(view.number))
        # the ending asks the last chapter's questions, then writes the record
        for _ in range(3):
            if isinstance(app.screen, ReflectionScreen):
                for _ in app.screen.questions:
                    await type_into(pilot, "A last thought.")
        await pilot.pause()
        assert isinstance(app.screen, EndingScreen)
        notice = str(app.screen.query_one("#handed-in", Static).render())
        assert "Your record is saved." in notice and str(tmp_path / "records") in notice
    files = sorted(p.name for p in (tmp_path / "records").iterdir())
    assert [f.rsplit(".", 1)[1] for f in files] == ["html", "json", "md"]
    data = json.loads(next((tmp_path / "records").glob("*.json")).read_text())
    assert data["extra"]["student"] == "Ada <b>Lovelace</b>"
    assert data["extra"]["ending"]["id"] == "history"
    whys = [s["why"] for s in data["steps"] if "why" in s]
    assert whys == ["Because the fleet was there."] * 2
    chapters = {a["chapter"] for a in data["extra"]["answers"]}
    assert chapters == {"messenger-palace", "messenger-congress"}
    from game.classroom.handin import verify

    assert verify(data, shipped_story, app.classroom.assignment).status == "verified"


async def test_a_student_name_is_required(shipped_story, tmp_path):
    app = make(shipped_story, tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, NameScreen)
        assert "Please type your name" in str(app.screen.query_one("#name-error", Static).render())
        app.screen.query_one("#student-name", Input).value = "Bo"
        await pilot.press("enter")
        assert app.classroom.student == "Bo"
