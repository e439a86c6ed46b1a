"""Live reload (`petrograd play --dev`): edits show at once, broken edits are reported, the place is kept."""

from __future__ import annotations

import os
import shutil
import time

from textual.widgets import Static

from game.devwatch import StoryWatch
from game.engine import load_story
from game.paths import assets_dir
from game.session import PlaySession
from game.tui.app import PetrogradApp
from game.tui.screens.scene import SceneScreen
from tests.conftest import CHAPTER_YAML, STORY_YAML, write


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


async def test_the_tui_reloads_live(tmp_path):
    folder = tmp_path / "story"
    shutil.copytree(write(tmp_path / "src", {"story.yaml": STORY_YAML, "one.yaml": LOOP}), folder)
    story = load_story([folder], assets=assets_dir())
    watch = StoryWatch([folder], assets_dir())
    app = PetrogradApp(PlaySession(story, tmp_path / "data", seed=1), watch=watch)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "1")
        assert len(app.session.game.record.steps) == 1
        touch_later(folder / "one.yaml", LOOP.replace("Text of", "Rewritten text of"))
        deadline = time.monotonic() + 5

        def shown() -> str:  # the new scene screen may still be composing: no text yet
            found = app.screen.query("#scene-text")
            return str(found.first(Static).render()) if found else ""

        while "Rewritten" not in shown():
            assert time.monotonic() < deadline, "the edit did not show"
            await pilot.pause(0.1)
        assert isinstance(app.screen, SceneScreen) and len(app.session.game.record.steps) == 1
        touch_later(folder / "one.yaml", "chapter: [broken\n")
        while not app.story_problems:  # wait for the watch to see the broken edit
            assert time.monotonic() < deadline + 5, "the broken edit was not seen"
            await pilot.pause(0.1)
        assert app.story_problems and "one.yaml:1:10: yaml-syntax" in str(app.story_problems[0])
        assert app.session.game is not None and len(app.session.game.record.steps) == 1
        await pilot.press("1")  # the game goes on with the last good story
        assert len(app.session.game.record.steps) == 2


async def test_fixing_a_broken_edit_clears_its_error_notice_at_once(tmp_path):
    folder = tmp_path / "story"
    shutil.copytree(write(tmp_path / "src", {"story.yaml": STORY_YAML, "one.yaml": LOOP}), folder)
    story = load_story([folder], assets=assets_dir())
    app = PetrogradApp(
        PlaySession(story, tmp_path / "data", seed=1), watch=StoryWatch([folder], assets_dir())
    )

    def toasts() -> list[str]:  # what the notices on screen say
        return [str(toast.render()) for toast in app.screen.query("Toast")]

    async def wait_for(condition, what: str) -> None:
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, what
            await pilot.pause(0.1)

    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("enter", "1")
        touch_later(folder / "one.yaml", "chapter: [broken\n")
        await wait_for(lambda: any("yaml-syntax" in t for t in toasts()), "no error notice")
        touch_later(folder / "one.yaml", LOOP.replace("Text of", "Mended text of"))
        await wait_for(lambda: not app.story_problems, "the fixed story did not load")
        await pilot.pause()
        shown = toasts()
        assert not any("yaml-syntax" in t or "has errors" in t for t in shown), shown
        assert any("Fixed: the story loads again." in t for t in shown), shown
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
