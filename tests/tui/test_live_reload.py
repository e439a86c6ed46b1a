"""Live reload (`petrograd play --dev`): edits show at once, broken edits are reported, the place is kept."""

from __future__ import annotations

import os
import shutil

from textual.widgets import Static

from game.devwatch import StoryWatch
from game.engine import load_story
from game.paths import assets_dir
from game.session import PlaySession
from game.tui.app import PetrogradApp
from game.tui.screens.scene import SceneScreen
from tests.conftest import CHAPTER_YAML, STORY_YAML, write
from tests.tui.conftest import showing, until


def touch_later(path, text):
    """Write a file so its modification time surely differs from before."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


LOOP = CHAPTER_YAML.replace(
    "goto: b\n        sources: [eve-1]", "goto: a\n        sources: [eve-1]"
).replace("effects: [n += 10, flag = true]", "effects: [n += 1]")


def test_watch_sees_edits_additions_and_removals(tmp_path):
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": CHAPTER_YAML})
    watch = StoryWatch([folder], assets_dir())
    assert not watch.changed()
    touch_later(folder / "one.yaml", CHAPTER_YAML.replace("Text of", "The text of"))
    assert watch.changed() and not watch.changed()
    (folder / "extra.yaml").write_text("chapter: one\nscenes: []\n")
    assert watch.changed()
    story, problems = watch.load()
    assert story is None and problems
    (folder / "extra.yaml").unlink()
    assert watch.changed()
    story, problems = watch.load()
    assert story is not None and problems == []


def test_session_reload_keeps_the_place_or_says_where_it_changed(tmp_path):
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": LOOP})
    story = load_story([folder], assets=assets_dir())
    session = PlaySession(story, tmp_path / "data", seed=1)
    session.new_game()
    session.choose("up")
    session.choose("up")
    same = load_story(
        [write(folder, {"one.yaml": LOOP.replace("Text of", "New text of")})], assets=assets_dir()
    )
    assert session.reload(same) is None
    assert len(session.game.record.steps) == 2 and session.game.variables["n"] == 3
    renamed = load_story(
        [write(folder, {"one.yaml": LOOP.replace("- id: up", "- id: upward")})], assets=assets_dir()
    )
    notice = session.reload(renamed)
    assert "step 1 of 2" in notice and "You are back at: A." in notice
    assert session.game.record.steps == () and session.story is renamed


async def start_and_choose(pilot) -> None:
    """A new game and its first choice, each key once the screen it is for is there."""
    app = pilot.app
    await pilot.press("enter")
    await until(pilot, lambda: showing(app, SceneScreen), "the first scene")
    await pilot.press("1")
    await until(pilot, lambda: len(app.session.game.record.steps) == 1, "the first choice")


async def test_the_tui_reloads_live(tmp_path):
    folder = tmp_path / "story"
    shutil.copytree(write(tmp_path / "src", {"story.yaml": STORY_YAML, "one.yaml": LOOP}), folder)
    story = load_story([folder], assets=assets_dir())
    watch = StoryWatch([folder], assets_dir())
    app = PetrogradApp(PlaySession(story, tmp_path / "data", seed=1), watch=watch)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_and_choose(pilot)
        touch_later(folder / "one.yaml", LOOP.replace("Text of", "Rewritten text of"))

        def shown() -> str:  # the new scene screen may still be composing: no text yet
            found = app.screen.query("#scene-text")
            return str(found.first(Static).render()) if found else ""

        await until(pilot, lambda: "Rewritten" in shown(), "the edit to show")
        assert showing(app, SceneScreen) and len(app.session.game.record.steps) == 1
        touch_later(folder / "one.yaml", "chapter: [broken\n")
        await until(pilot, lambda: app.story_problems, "the watch to see the broken edit")
        assert "one.yaml:1:10: yaml-syntax" in str(app.story_problems[0])
        assert app.session.game is not None and len(app.session.game.record.steps) == 1
        await pilot.press("1")  # the game goes on with the last good story
        await until(pilot, lambda: len(app.session.game.record.steps) == 2, "the next choice")


async def test_fixing_a_broken_edit_clears_its_error_notice_at_once(tmp_path):
    folder = tmp_path / "story"
    shutil.copytree(write(tmp_path / "src", {"story.yaml": STORY_YAML, "one.yaml": LOOP}), folder)
    story = load_story([folder], assets=assets_dir())
    app = PetrogradApp(
        PlaySession(story, tmp_path / "data", seed=1), watch=StoryWatch([folder], assets_dir())
    )

    def toasts() -> list[str]:  # what the notices on screen say
        return [str(toast.render()) for toast in app.screen.query("Toast")]

    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await start_and_choose(pilot)
        touch_later(folder / "one.yaml", "chapter: [broken\n")
        await until(pilot, lambda: any("yaml-syntax" in t for t in toasts()), "an error notice")
        touch_later(folder / "one.yaml", LOOP.replace("Text of", "Mended text of"))
        await until(pilot, lambda: not app.story_problems, "the fixed story to load")
        # At once: the error's notice (30 s) has left the app's notices in the step that
        # loaded the story again (the new notice is posted, and shown next)...
        notices = [n.message for n in app._notifications]
        assert not any("yaml-syntax" in n for n in notices), notices
        # ...and the screen shows the new notice without the old one.
        await until(
            pilot,
            lambda: any("Fixed: the story loads again." in t for t in toasts()),
            "the new notice on screen",
        )
        await until(
            pilot,
            lambda: not any("yaml-syntax" in t or "has errors" in t for t in toasts()),
            "the error notice to leave the screen",
        )
        assert len(app.session.game.record.steps) == 1


def test_the_plain_player_says_once_that_a_broken_edit_is_fixed(tmp_path):
    import io

    from game.plain import PlainPlayer

    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": LOOP})
    session = PlaySession(load_story([folder], assets=assets_dir()), tmp_path / "data", seed=1)
    session.new_game()
    out = io.StringIO()
    player = PlainPlayer(
        session, io.StringIO(), out, watch=StoryWatch([folder], assets_dir()), width=80
    )
    touch_later(folder / "one.yaml", "chapter: [broken\n")
    player.reload_if_changed()
    assert "The story has errors" in out.getvalue() and "yaml-syntax" in out.getvalue()
    touch_later(folder / "one.yaml", LOOP.replace("Text of", "Mended text of"))
    player.reload_if_changed()
    assert out.getvalue().count("(Fixed: the story loads again.)") == 1
    assert "Mended text of" in out.getvalue()
    touch_later(folder / "one.yaml", LOOP.replace("Text of", "Once more, text of"))
    player.reload_if_changed()
    assert out.getvalue().count("(Fixed: the story loads again.)") == 1
    assert out.getvalue().rstrip().count("(The story was reloaded.)") == 1
