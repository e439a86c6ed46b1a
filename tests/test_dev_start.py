"""`petrograd play --dev --start SCENE --set NAME=VALUE`: an author's test game, begun
anywhere with any variables, marked so it is never taken for a real playthrough."""

from __future__ import annotations

import subprocess

import pytest

from game.engine import Game, origin_problem, replay
from game.engine.game import dev_setting
from game.session import PlaySession, Rules


def test_dev_setting_reads_each_type_and_refuses_what_the_story_cannot_hold(small_story):
    assert dev_setting(small_story, "n=4") == ("n", 4)
    assert dev_setting(small_story, " flag = True ") == ("flag", True)
    with pytest.raises(ValueError, match=r"'n' is from 0 to 5; 9 is outside its range"):
        dev_setting(small_story, "n=9")
    with pytest.raises(ValueError, match=r"'n' is a whole number \(from 0 to 5\), not 'lots'"):
        dev_setting(small_story, "n=lots")
    with pytest.raises(ValueError, match=r"'flag' is true or false, not '1'"):
        dev_setting(small_story, "flag=1")
    with pytest.raises(
        ValueError, match=r"no variable 'nn' \(did you mean n\? its variables: flag, n\)"
    ):
        dev_setting(small_story, "nn=1")
    with pytest.raises(ValueError, match="is not NAME=VALUE"):
        dev_setting(small_story, "n")


def test_a_dev_start_is_recorded_whole_and_replays_but_is_never_a_real_playthrough(small_story):
    game = Game(small_story, seed=3, variables={"n": 4})
    assert game.variables["n"] == 4
    assert [c.id for c in game.open_choices()] == ["up", "locked"]  # `locked` needs n >= 3
    record = game.record
    assert record.initial == {"n": 4, "flag": False} and record.extra == {"dev": True}
    game.choose("locked")
    again = replay(small_story, game.record)
    assert again.complete and again.game.scene.id == "b" and again.game.variables["n"] == 4
    assert "test game" in (origin_problem(small_story, game.record) or "")
    game.restart(seed=5)  # a restart is the same test game
    assert game.variables["n"] == 4 and game.record.extra == {"dev": True}
    real = Game(small_story, seed=3)
    assert real.record.extra == {} and origin_problem(small_story, real.record) is None


def test_a_session_with_dev_rules_starts_every_new_game_there(small_story, tmp_path):
    session = PlaySession(small_story, tmp_path / "data", seed=1)
    session.rules = Rules(start="a", variables={"flag": True})
    game = session.new_game()
    assert game.variables["flag"] is True and "hidden" in [c.id for c in game.open_choices()]
    assert (
        session.rules.dev_notice
        == "Test game (--dev) at 'a', with flag = true: not a real playthrough."
    )
    assert Rules().dev_notice is None


def play(petrograd_command, clean_env, folder, *options, answers="q\n"):
    return subprocess.run(
        [*petrograd_command, "play", "--plain", "--story", str(folder), *options],
        input=answers,
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=60,
    )


def test_the_plain_player_starts_a_test_game_where_and_as_told(
    make_story, petrograd_command, clean_env
):
    folder = make_story()
    done = play(petrograd_command, clean_env, folder, "--dev", "--set", "n=3", answers="2\n")
    assert done.returncode == 0, done.stderr
    assert "Test game (--dev), with n = 3: not a real playthrough." in done.stdout
    assert "  2. Locked" in done.stdout  # open only with n >= 3
    assert "1. A: Locked [divergent]" in done.stdout and "THE END: Done" in done.stdout
    at_end = play(petrograd_command, clean_env, folder, "--dev", "--start", "b")
    assert at_end.returncode == 0, at_end.stderr
    assert "Test game (--dev) at 'b': not a real playthrough." in at_end.stdout
    assert "THE END: Done" in at_end.stdout


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--start", "a"], "use them with --dev"),
        (["--set", "n=1"], "use them with --dev"),
        (["--dev", "--start", "aa"], "no scene 'aa' to start at (did you mean a?)"),
        (["--dev", "--set", "m=1"], "no variable 'm'"),
        (["--dev", "--set", "n=6"], "'n' is from 0 to 5; 6 is outside its range"),
        (["--dev", "--continue", "--start", "a"], "not with --continue"),
    ],
)
def test_wrong_test_game_options_are_refused_plainly(
    make_story, petrograd_command, clean_env, options, said
):
    done = play(petrograd_command, clean_env, make_story(), *options)
    assert done.returncode == 2 and said in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


async def test_the_full_screen_game_opens_on_the_test_games_scene(small_story, tmp_path):
    from game.tui.app import PetrogradApp
    from game.tui.screens.scene import SceneScreen

    session = PlaySession(small_story, tmp_path / "data", seed=1)
    session.rules = Rules(start="a", variables={"n": 3})
    app = PetrogradApp(session)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen)  # no title screen, no viewpoint menu
        assert app.session.game.variables["n"] == 3
        assert app.session.game.record.extra == {"dev": True}
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert any("Test game (--dev) at 'a', with n = 3" in t for t in toasts), toasts
        await pilot.press("2")  # `locked`, open with n = 3
        assert app.session.game.scene.id == "b"


def test_a_test_game_never_touches_the_players_own_saves(
    make_story, petrograd_command, clean_env, tmp_path
):
    """A dev start autosaves like any game, but in its own folder: the player's game
    (and the endings they reached) are where they were, byte for byte."""
    folder, data = make_story(), tmp_path / "data"
    own = play(petrograd_command, clean_env, folder, "--data-dir", str(data), answers="1\nq\n")
    assert own.returncode == 0, own.stderr
    saves = sorted((data / "saves").iterdir())
    before = {path.name: path.read_bytes() for path in saves}
    assert before
    test = play(
        petrograd_command,
        clean_env,
        folder,
        *("--data-dir", str(data), "--dev", "--set", "n=3"),
        answers="1\nq\n",
    )
    assert test.returncode == 0, test.stderr
    assert {p.name: p.read_bytes() for p in sorted((data / "saves").iterdir())} == before
    assert "This was a test game: your own saved game is untouched." in test.stdout
    assert "--continue" not in test.stdout
    assert any((data / "test-games" / "saves").iterdir())


def test_a_live_reload_that_loses_the_test_games_start_says_so_and_new_games_still_begin(
    make_story, tmp_path
):
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.conftest import CHAPTER_YAML, STORY_YAML

    folder = make_story()
    session = PlaySession(load_story([folder], assets=assets_dir()), tmp_path / "data", seed=1)
    session.rules = Rules(start="b", variables={"n": 3, "flag": True})
    session.new_game()
    (folder / "one.yaml").write_text(
        CHAPTER_YAML.replace("- id: b", "- id: bee")
        .replace("goto: b", "goto: bee")
        .replace("flag", "flagged")
    )
    (folder / "story.yaml").write_text(STORY_YAML.replace("  flag:\n", "  flagged:\n"))
    notice = session.reload(load_story([folder], assets=assets_dir()))
    assert notice is not None and notice.startswith(
        "Test game: the scene 'b' is gone, so a new test game begins at the start; "
        "no variable 'flag' is set any more."
    ), notice
    game = session.new_game()  # no ChoiceUnavailable: the start is the story's own
    assert game.scene.id == "a" and game.variables["n"] == 3
