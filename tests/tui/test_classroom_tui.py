"""Pilot tests of an assignment in the TUI: the name (and a served class's code), a
"why?", answers of several lines, the hand-in (and the student's own copy in a browser),
and assessment: one attempt unless retries are allowed, and only what the student can do
is offered. One test plays the shipped story's assignment to its hand-in, as a class would."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Button, Input, Static, TextArea

from game.classroom.assignment import load_assignment
from game.classroom.handin import verify
from game.tui.app import PetrogradApp
from game.tui.screens.classroom import NameScreen, ReflectionScreen, WhyScreen
from game.tui.screens.dialogs import ConfirmScreen, HelpScreen, MenuScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.title import TitleScreen
from tests.conftest import ROOT, classroom_session
from tests.handins import default_choice
from tests.tui.stories import class_assignment, class_story

EXAMPLE = ROOT / "examples" / "assignment.yaml"
SIZE = (100, 36)


@pytest.fixture
def story(tmp_path):
    return class_story(tmp_path / "story")


def make(story, tmp_path, *, shared=False, **keys):
    assignment = load_assignment(class_assignment(tmp_path, **keys), story)
    classroom = classroom_session(
        story, tmp_path / "data", assignment, records_dir=tmp_path / "records", seed=1
    )
    classroom.shared = shared
    return PetrogradApp(classroom.play, classroom=classroom)


async def type_into(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def sign_in(pilot, name: str = "Ada") -> None:
    assert isinstance(pilot.app.screen, NameScreen)
    await type_into(pilot, name)


def footer_keys(app) -> set[str]:
    """The actions the footer offers on the current screen."""
    return {
        b.action for (_, b, enabled, _) in app.screen.active_bindings.values() if b.show and enabled
    }


def menu_ids(screen) -> set[str]:
    return {b.id for b in screen.query(Button)}


async def play_to_the_end(
    pilot, *, why="Because the papers mattered.", answer="A thought."
) -> None:
    """Take the first open choice everywhere, saying why and answering where asked."""
    app = pilot.app
    for _ in range(20):
        screen = app.screen
        if isinstance(screen, WhyScreen):
            await type_into(pilot, why)
            continue
        if isinstance(screen, ReflectionScreen):
            for index in range(len(screen.questions)):
                screen.query_one(f"#answer-{index}", TextArea).text = answer
            await pilot.press("ctrl+s")
            continue
        if isinstance(screen, EndingScreen):
            break
        await pilot.press("1")
    await pilot.pause()


# ---------------------------------------------------------------- assessed: one attempt


async def test_an_assessed_assignment_offers_only_what_the_student_can_do(story, tmp_path):
    app = make(story, tmp_path, assessment=True)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, TitleScreen)
        assert menu_ids(app.screen) >= {"new-game", "continue"} and "load" not in menu_ids(
            app.screen
        )
        assert str(app.screen.query_one("#new-game", Button).label) == "Start the assignment"
        await pilot.press("enter")
        assert isinstance(app.screen, SceneScreen)
        offered = footer_keys(app)
        assert "app.hand_in" in offered and "app.save" in offered
        assert "undo" not in offered and "app.load" not in offered
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen) and "menu-load" not in menu_ids(app.screen)
        await pilot.press("escape", "f1")
        assert isinstance(app.screen, HelpScreen)
        assert "| W | hand in" in app.screen.text
        assert "Backspace" not in app.screen.text and "load a save" not in app.screen.text


async def test_a_free_playthrough_still_offers_undo_and_load(story, tmp_path):
    app = make(story, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert "load" in menu_ids(app.screen)
        await pilot.press("enter")
        assert {"undo", "app.load", "app.hand_in"} <= footer_keys(app)


async def test_starting_again_resumes_an_assessed_game(story, tmp_path):
    first = make(story, tmp_path, assessment=True)
    async with first.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter")  # Start the assignment
        await pilot.press("1")
        await type_into(pilot, "Because.")
        assert [s.choice for s in first.session.game.record.steps] == ["wait"]
    first.classroom.sign_out()
    again = make(story, tmp_path, assessment=True)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        # straight back into the student's game, at the scene they reached
        assert isinstance(again.screen, SceneScreen)
        assert again.session.game.scene.id == "stairs"
        assert [s.choice for s in again.session.game.record.steps] == ["wait"]
        await pilot.press("escape")
        await pilot.click("#menu-title")
        await pilot.pause()
        assert isinstance(again.screen, TitleScreen)
        assert "new-game" not in menu_ids(again.screen)  # nothing starts over the game
        await pilot.press("down", "enter")
        await pilot.pause()
        assert again.session.game.scene.id == "stairs"
        again.action_new_game()  # even asked for directly: the game goes on
        await pilot.pause()
        assert [s.choice for s in again.session.game.record.steps] == ["wait"]
        assert again.classroom.attempt == 1


async def test_with_retries_a_new_attempt_is_numbered_and_the_first_is_kept(story, tmp_path):
    app = make(story, tmp_path, assessment=True, retries=True)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter")
        await pilot.press("3")  # burn the papers
        await type_into(pilot, "To see what happens.")
        await pilot.press("escape")
        await pilot.click("#menu-title")
        await pilot.pause()
        button = app.screen.query_one("#new-game", Button)
        assert str(button.label) == "Start attempt 2"
        await pilot.click("#new-game")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.classroom.attempt == 2 and not app.session.game.record.steps
        await play_to_the_end(pilot)
        assert isinstance(app.screen, EndingScreen)
    data = json.loads(next((tmp_path / "records").glob("*.json")).read_text())
    assert data["extra"]["attempt"] == 2
    (earlier,) = data["extra"]["earlier_attempts"]
    assert earlier["attempt"] == 1 and earlier["steps"] == 1 and earlier["ending"] is None
    assert verify(data, app.story, app.classroom.assignment).status == "verified"


async def test_ending_of_a_game_played_once_offers_no_new_game(story, tmp_path):
    app = make(story, tmp_path, assessment=True)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter")
        await play_to_the_end(pilot)
        assert isinstance(app.screen, EndingScreen)
        offered = footer_keys(app)
        assert "hand_in" in offered and "new_game" not in offered and "undo" not in offered


# ---------------------------------------------------------------- answers


async def test_reflection_answers_take_several_lines_and_a_minimum_length(story, tmp_path):
    app = make(story, tmp_path, min_words=5)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter", "2")  # Run: no "why?" yet... the corridor asks one
        await type_into(pilot, "Because.")
        await pilot.press("1")  # up the stairs, into chapter two: chapter one's question
        assert isinstance(app.screen, ReflectionScreen)
        area = app.screen.query_one("#answer-0", TextArea)
        await pilot.press(*"Too short.")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ReflectionScreen)
        error = str(app.screen.query_one("#reflection-error", Static).render())
        assert "at least 5 words" in error and "this has 2" in error
        await pilot.press("enter", *"They carried the orders of the night.")
        assert area.text == "Too short.\nThey carried the orders of the night."
        assert "9 word(s) of at least 5" in str(app.screen.query_one("#count-0", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen)
        (given,) = app.classroom.answers
        assert given.answer == "Too short.\nThey carried the orders of the night."


# ---------------------------------------------------------------- names and codes


async def test_a_served_class_gives_a_code_and_asks_for_it_on_return(story, tmp_path):
    first = make(story, tmp_path, shared=True)
    async with first.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Ада")
        screen = first.screen
        assert isinstance(screen, NameScreen)  # the code is shown before anything else
        code = first.classroom.play.data_dir.joinpath("code.txt").read_text().strip()
        assert code in str(screen.query_one("#your-code", Static).render())
        await pilot.press("enter")
        assert isinstance(first.screen, TitleScreen) and first.classroom.student == "Ада"
    first.classroom.sign_out()
    again = make(story, tmp_path, shared=True)
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Ада")
        assert isinstance(again.screen, NameScreen) and again.classroom.student is None
        assert again.screen.query_one("#student-code", Input).display
        await type_into(pilot, "WRONG1")
        assert "does not match" in str(again.screen.query_one("#name-error", Static).render())
        assert again.classroom.student is None
        again.screen.query_one("#student-code", Input).value = code.lower().replace("-", " ")
        await pilot.press("enter")
        assert again.classroom.student == "Ада"


async def test_two_windows_cannot_play_under_one_name_at_once(story, tmp_path):
    first = make(story, tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Bo")
        assert first.classroom.student == "Bo"
        second = make(story, tmp_path)
        refused = second.classroom.sign_in("bo")
        assert not refused.ok and "playing as bo in another window" in refused.message
        assert second.classroom.sign_in("Cy").ok
    first.classroom.sign_out()
    assert second.classroom.sign_in("Bo").ok
    assert second.classroom.play.data_dir == first.classroom.play.data_dir  # Bo's own folder


async def test_each_student_has_their_own_progress(story, tmp_path):
    app = make(story, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Ada")
        await pilot.press("enter")
        await play_to_the_end(pilot)
    app.classroom.sign_out()
    other = make(story, tmp_path)
    async with other.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "Bo")
        progress = str(other.screen.query_one("#progress", Static).render())
        assert progress.startswith("Scenes seen: 0 of")


# ---------------------------------------------------------------- the hand-in


async def test_a_browser_downloads_the_students_own_copy(story, tmp_path, monkeypatch):
    delivered = []
    monkeypatch.setattr(PetrogradApp, "is_web", property(lambda self: True))
    monkeypatch.setattr(
        PetrogradApp,
        "deliver_binary",
        lambda self, path, **options: delivered.append((path, options)),
    )
    app = make(story, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter")
        await play_to_the_end(pilot)
        notice = str(app.screen.query_one("#handed-in", Static).render())
    ((path, options),) = delivered
    assert path.suffix == ".html" and path.parent == tmp_path / "records"
    assert options["open_method"] == "download" and options["save_filename"] == path.name
    assert "downloading in your browser" in notice and str(tmp_path) not in notice


async def test_the_shipped_assignment_to_the_hand_in(shipped_story, tmp_path):
    """The example assignment, played in the TUI as a student would, verifies."""
    assignment = load_assignment(EXAMPLE, shipped_story)
    classroom = classroom_session(
        shipped_story, tmp_path / "data", assignment, records_dir=tmp_path / "records", seed=1
    )
    app = PetrogradApp(classroom.play, classroom=classroom)
    async with app.run_test(size=SIZE) as pilot:
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
                for index in range(len(screen.questions)):
                    screen.query_one(f"#answer-{index}", TextArea).text = "A thought."
                await pilot.press("ctrl+s")
                continue
            game = app.session.game
            open_ = [c for c in game.frame.choices if c.available]
            if game.scene.id == "c6-women":  # to the White Hall: its walkout asks "why?" too
                view = next(c for c in open_ if c.id == "to-congress")
            else:
                view = default_choice(open_)
            await pilot.press(str(view.number))
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
    assert verify(data, shipped_story, app.classroom.assignment).status == "verified"


async def test_a_student_name_is_required(story, tmp_path):
    app = make(story, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, NameScreen)
        assert "Please type your name" in str(app.screen.query_one("#name-error", Static).render())
        app.screen.query_one("#student-name", Input).value = "Bo"
        await pilot.press("enter")
        assert app.classroom.student == "Bo"


async def test_the_title_screen_after_a_failed_autosave_goes_back_to_the_game(
    story, tmp_path, monkeypatch
):
    """The autosave cannot be written (a full disk): in an assessment, the title screen
    offers no new game, and Continue goes back to the game on screen, which is not lost."""
    from game.atomic import WriteFailed
    from game.saves import SaveStore

    def fail(prepared) -> None:
        raise WriteFailed(28, "no space left on the device")

    monkeypatch.setattr(SaveStore, "write", staticmethod(fail))
    app = make(story, tmp_path, assessment=True)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("enter", "2")
        await type_into(pilot, "Because.")
        await app.workers.wait_for_complete()
        app.action_title_screen()
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen) and "new-game" not in menu_ids(app.screen)
        assert app.screen.focused is app.screen.query_one("#continue", Button)
        await pilot.press("enter")
        assert isinstance(app.screen, SceneScreen) and app.session.game.scene.id == "stairs"
