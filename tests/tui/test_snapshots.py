"""SVG snapshots, grouped by feature (Textual is pinned exactly, since snapshots change
across releases). The stories are small ones written for tests (the mini story and
tests/tui/stories.py), so the shipped story's words can change without touching these.
`pytest tests/tui/test_snapshots.py --snapshot-update` redraws them after a deliberate change."""

from __future__ import annotations

import pytest
import textual

from tests.tui.conftest import showing, until
from tests.tui.stories import reader_story


def test_textual_is_the_pinned_version():
    assert textual.__version__ == "8.2.8"


@pytest.fixture
def reader(tmp_path):
    return reader_story(tmp_path / "reader")


#: Seconds a notice stays on screen in these tests: longer than any test takes.
LASTING = 3600.0


@pytest.fixture(autouse=True)
def lasting_notices(monkeypatch):
    """A notice stays until the snapshot is taken, however slowly the machine runs: the
    "Saved to slot 1" notice (3 s) was gone from snapshots taken on a loaded machine."""
    from game.tui.app import PetrogradApp

    notify = PetrogradApp.notify

    def lasting(self, message, *, timeout=None, **options) -> None:
        notify(self, message, timeout=LASTING, **options)

    monkeypatch.setattr(PetrogradApp, "notify", lasting)


def steps(pilot) -> int:
    game = pilot.app.session.game
    return len(game.record.steps) if game is not None else 0


async def play_and_save(pilot) -> None:
    """A new game, the second choice, saved to slot 1: each key waits for what the one
    before it leads to (`until`), so no key reaches a screen that is on its way out."""
    from game.tui.screens.saves import SaveScreen
    from game.tui.screens.scene import SceneScreen

    app = pilot.app
    await pilot.press("enter")
    await until(pilot, lambda: showing(app, SceneScreen), "the first scene")
    await pilot.press("2")
    await until(pilot, lambda: steps(pilot) == 1, "the second choice")
    await pilot.press("s")
    await until(pilot, lambda: showing(app, SaveScreen), "the save screen")
    await pilot.press("enter")
    await until(
        pilot,
        lambda: app.session.saves()[1] is not None and showing(app, SceneScreen),
        "slot 1 saved",
    )


async def one_choice_then_title(pilot) -> None:
    """Leave an unfinished game in the autosave and come back to the title screen."""
    await pilot.press("enter", "2")
    await pilot.app.workers.wait_for_complete()
    pilot.app.action_title_screen()
    await pilot.pause()


class TestTitle:
    def test_title(self, snap_compare, make_app):
        assert snap_compare(make_app(), terminal_size=(80, 24))

    def test_title_with_a_game_to_continue(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), run_before=one_choice_then_title, terminal_size=(80, 24)
        )


class TestScene:
    def test_scene_with_a_closed_choice(self, snap_compare, make_app):
        assert snap_compare(make_app(), press=["enter"], terminal_size=(80, 24))

    def test_scene_with_hidden_text_and_the_marker(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter"], terminal_size=(80, 24))

    def test_scene_at_120_by_40(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "end"], terminal_size=(120, 40))

    def test_verdict_on_a_divergent_choice(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "3"], terminal_size=(120, 40))

    def test_verdict_on_a_choice_of_your_own_with_the_panel_folded(
        self, snap_compare, make_app, reader
    ):
        assert snap_compare(make_app(reader), press=["enter", "1"], terminal_size=(80, 24))

    def test_panel_opened_at_a_narrow_width(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "2", "v"], terminal_size=(90, 30))


class TestThemes:
    @pytest.mark.parametrize("theme", ["petrograd-dark", "petrograd-light", "petrograd-contrast"])
    def test_scene_in_each_theme(self, snap_compare, make_app, reader, theme):
        async def themed(pilot) -> None:
            pilot.app.theme = theme
            await pilot.press("enter", "2")

        assert snap_compare(make_app(reader), run_before=themed, terminal_size=(100, 30))


class TestDialogs:
    def test_escape_menu(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "escape"], terminal_size=(80, 24))

    def test_confirm_a_new_game(self, snap_compare, make_app, reader):
        async def ask(pilot) -> None:
            await one_choice_then_title(pilot)
            pilot.app.screen.query_one("#new-game").focus()
            await pilot.press("enter")

        assert snap_compare(make_app(reader), run_before=ask, terminal_size=(80, 24))

    def test_confirm_a_load(self, snap_compare, make_app, reader):
        from game.tui.screens.dialogs import ConfirmScreen
        from game.tui.screens.saves import LoadScreen

        async def ask(pilot) -> None:
            app = pilot.app
            await play_and_save(pilot)
            await pilot.press("1")
            await until(pilot, lambda: steps(pilot) == 2, "the next choice")
            await pilot.press("l")
            await until(pilot, lambda: showing(app, LoadScreen), "the load screen")
            await pilot.press("down")  # from the autosave to slot 1
            await until(
                pilot, lambda: app.screen.query_one("#slot-list").highlighted == 1, "slot 1"
            )
            await pilot.press("enter")
            await until(pilot, lambda: showing(app, ConfirmScreen), "the question")

        assert snap_compare(make_app(reader), run_before=ask, terminal_size=(80, 24))

    def test_confirm_saving_over_a_slot(self, snap_compare, make_app, reader, monkeypatch):
        import game.saves

        # The question names when the slot was saved: a fixed moment, not the clock's.
        monkeypatch.setattr(game.saves.SaveInfo, "saved_local", property(lambda _: "09:30"))

        from game.tui.screens.dialogs import ConfirmScreen
        from game.tui.screens.saves import SaveScreen

        async def ask(pilot) -> None:
            app = pilot.app
            await play_and_save(pilot)
            await app.workers.wait_for_complete()
            await pilot.press("1")
            await until(pilot, lambda: steps(pilot) == 2, "the next choice")
            await pilot.press("s")
            await until(pilot, lambda: showing(app, SaveScreen), "the save screen")
            await pilot.press("enter")
            await until(pilot, lambda: showing(app, ConfirmScreen), "the question")

        assert snap_compare(make_app(reader), run_before=ask, terminal_size=(80, 24))

    def test_confirm_a_new_game_at_an_ending(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), press=["enter", "2", "1", "1", "n"], terminal_size=(80, 24)
        )

    def test_settings(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "o"], terminal_size=(80, 24))


class TestScreens:
    def test_history_with_notes(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), press=["enter", "3", "1", "h"], terminal_size=(80, 24)
        )

    def test_codex(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), press=["enter", "c", "tab"], terminal_size=(100, 30)
        )

    def test_terms_of_a_scene(self, snap_compare, make_app, reader):
        assert snap_compare(make_app(reader), press=["enter", "t"], terminal_size=(80, 24))

    def test_endings_gallery(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), press=["enter", "2", "1", "1", "e"], terminal_size=(80, 24)
        )

    def test_ending(self, snap_compare, make_app):
        assert snap_compare(make_app(), press=["enter", "1"], terminal_size=(80, 24))

    def test_ending_at_120_by_40(self, snap_compare, make_app, reader):
        assert snap_compare(
            make_app(reader), press=["enter", "2", "1", "1"], terminal_size=(120, 40)
        )

    def test_whom_to_play(self, snap_compare, make_app, make_story):
        """The viewpoint picker, on a small story of two sides."""
        from game.engine import load_story
        from game.paths import assets_dir
        from tests.test_viewpoints import RED, TWO, WHITE

        folder = make_story({"story.yaml": TWO, "red.yaml": RED, "white.yaml": WHITE}, base=False)
        app = make_app(load_story([folder], assets=assets_dir()), viewpoint=None)
        assert snap_compare(app, press=["enter", "down"], terminal_size=(80, 24))


class TestClassroom:
    """An assignment's screens: the code a served class gives a new student, answers of
    several lines with a minimum, and an assessed scene that offers only what is open."""

    @staticmethod
    def app(tmp_path, *, shared=False, **keys):
        from game.classroom.assignment import load_assignment
        from game.tui.app import PetrogradApp
        from tests.conftest import classroom_session
        from tests.tui.stories import class_assignment, class_story

        story = class_story(tmp_path / "class")
        assignment = load_assignment(class_assignment(tmp_path, **keys), story)
        classroom = classroom_session(story, tmp_path / "data", assignment, seed=1)
        classroom.shared = shared
        return PetrogradApp(classroom.play, classroom=classroom)

    def test_a_new_student_is_shown_their_code(self, snap_compare, tmp_path, monkeypatch):
        monkeypatch.setattr("game.classroom.session.new_code", lambda: "K7P-4QX")
        assert snap_compare(
            self.app(tmp_path, shared=True), press=[*"Ada", "enter"], terminal_size=(80, 30)
        )

    def test_answers_of_several_lines(self, snap_compare, tmp_path):
        async def answer(pilot) -> None:
            await pilot.press(*"Ada", "enter", "enter", "2", *"Because.", "enter", "1")
            await pilot.press(*"They carried the orders.", "enter", *"And nobody")

        assert snap_compare(
            self.app(tmp_path, min_words=8), run_before=answer, terminal_size=(100, 30)
        )

    def test_an_assessed_scene_offers_no_undo_or_load(self, snap_compare, tmp_path):
        assert snap_compare(
            self.app(tmp_path, assessment=True),
            press=[*"Ada", "enter", "enter"],
            terminal_size=(100, 30),
        )
