"""Saves: slots, listing, Continue, damaged and hand-edited files, changed stories, atomic writing."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from game.atomic import WriteFailed, clear_stale_temps, write_atomic
from game.engine import Game, load_story
from game.paths import assets_dir
from game.saves import SaveError, SaveStore
from game.session import PlaySession
from tests.conftest import CHAPTER_YAML, MINI


@pytest.fixture
def mini():
    return load_story([MINI], assets=assets_dir())


def test_save_list_and_load_round_trip(mini, tmp_path):
    store = SaveStore(tmp_path / "saves")
    game = Game(mini, seed=5)
    game.choose("refuse")
    info = store.save("2", game)
    assert info.ok and info.scene_title == "A Quiet Refusal"
    listed = store.list()
    assert listed[0] is None and listed[2].scene_title == "A Quiet Refusal"
    assert listed[2].chapter == "Chapter 1: One Night"
    assert listed[2].story_date == "17 October 1917 (30 October N.S.)"
    assert store.latest().slot == "2"
    loaded = store.load("2", mini)
    assert loaded.notice is None
    assert loaded.game.variables == game.variables and loaded.game.scene.id == game.scene.id
    assert loaded.game.record.steps == game.record.steps


def test_continue_takes_the_newest_save(mini, tmp_path, monkeypatch):
    import itertools

    import game.saves

    # Each save a second after the one before (no sleeping until the clock moves on).
    seconds = itertools.count()
    monkeypatch.setattr(game.saves, "_now", lambda: f"2026-01-01T00:00:{next(seconds):02d}.000Z")
    session = PlaySession(mini, tmp_path)
    session.new_game()
    session.save("1")
    session.choose("refuse")  # autosaves
    assert session.store.latest().slot == "auto"
    again = PlaySession(mini, tmp_path)
    loaded = again.continue_latest()
    assert loaded.game.scene.id == "refusal"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not text"),
        (b'{"format": "petrograd-save", "version": 1}', "missing"),
        (
            b'{"format": "petrograd-save", "version": 99, "summary": {}, "record": {}}',
            "newer version",
        ),
        (b'{"format": "something-else"}', "not a Petrograd 1917 save"),
        (b"[1, 2, 3]", "not a Petrograd 1917 save"),
    ],
)
def test_damaged_saves_are_listed_as_unreadable_and_others_still_load(
    mini, tmp_path, content, reason
):
    store = SaveStore(tmp_path / "saves")
    game = Game(mini, seed=1)
    store.save("1", game)
    (tmp_path / "saves" / "3.json").write_bytes(content)
    info = store.info("3")
    assert info is not None and not info.ok and reason in info.reason
    assert store.info("1").ok
    assert store.latest().slot == "1"
    with pytest.raises(SaveError):
        store.load("3", mini)
    assert store.load("1", mini).game.scene.id == "stairs"


def test_hand_edited_record_is_unreadable(mini, tmp_path):
    store = SaveStore(tmp_path / "saves")
    store.save("1", Game(mini, seed=1))
    path = tmp_path / "saves" / "1.json"
    data = json.loads(path.read_text())
    data["record"]["steps"] = "lots"
    path.write_text(json.dumps(data))
    info = store.info("1")
    assert not info.ok and "steps" in info.reason


def test_a_damaged_save_falls_back_to_its_backup(mini, tmp_path):
    store = SaveStore(tmp_path / "saves")
    game = Game(mini, seed=1)
    store.save("1", game)
    game.choose("refuse")
    store.save("1", game)  # the first save is now 1.json.bak
    (tmp_path / "saves" / "1.json").write_bytes(b"\x00\x00 cut short")
    info = store.info("1")
    assert info.ok and info.from_backup and info.scene_title == "The Stairs"
    loaded = store.load("1", mini)
    assert "previous version" in loaded.notice


def test_a_save_from_a_changed_story_loads_as_far_as_it_can(make_story, tmp_path):
    first = load_story([make_story()], assets=assets_dir())
    store = SaveStore(tmp_path / "saves")
    game = Game(first, seed=1)
    game.choose("up")
    store.save("1", game)
    folder = make_story({"one.yaml": CHAPTER_YAML.replace("- id: up", "- id: upwards")})
    changed = load_story([folder], assets=assets_dir())
    loaded = store.load("1", changed)
    assert loaded.game.scene.id == "a" and not loaded.game.record.steps
    assert "changed" in loaded.notice and "choice 0 of 1" in loaded.notice
    text_only = load_story(
        [make_story({"one.yaml": CHAPTER_YAML.replace("The end.", "Fin.")})], assets=assets_dir()
    )
    loaded = store.load("1", text_only)
    assert loaded.game.ended and "still there" in loaded.notice


def test_a_save_of_another_story_is_refused(mini, small_story, tmp_path):
    store = SaveStore(tmp_path / "saves")
    store.save("1", Game(small_story, seed=1))
    with pytest.raises(SaveError, match="another story"):
        store.load("1", mini)


def test_full_disk_during_autosave_keeps_the_game_and_the_previous_save(
    mini, tmp_path, monkeypatch
):
    session = PlaySession(mini, tmp_path)
    session.new_game()
    session.save("1")
    before = (tmp_path / "saves" / "1.json").read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    session.choose("refuse")
    assert session.game.scene.id == "refusal"
    assert session.save_problem and "No space left" in session.save_problem
    with pytest.raises(WriteFailed, match="No space left"):
        session.save("1")
    assert (tmp_path / "saves" / "1.json").read_bytes() == before
    assert not [p for p in (tmp_path / "saves").iterdir() if ".tmp-" in p.name]


def test_unwritable_data_folder_is_reported_not_raised(mini, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    session = PlaySession(mini, blocker)
    session.new_game()
    session.choose("refuse")
    assert session.game.ended and session.save_problem


def test_writes_put_off_by_the_front_end_are_made_before_anything_else(mini, tmp_path):
    """With `write_soon` (the full-screen game), a change is written when the front end
    says so; any other session call, and the end of the game, writes it first."""
    later = []
    session = PlaySession(mini, tmp_path)
    session.write_soon = later.append
    session.new_game()
    session.choose("refuse")
    autosave = tmp_path / "saves" / "auto.json"
    assert not autosave.exists() and session.first_visit  # not yet written, but known
    assert later == [session.flush] * 2  # the new game's profile, then the choice
    later[0]()
    assert json.loads(autosave.read_text())["record"]["steps"][0]["choice"] == "refuse"
    later[0]()  # nothing more to write: the file is not written again
    written = autosave.stat().st_mtime_ns
    session.undo()
    assert autosave.stat().st_mtime_ns == written
    session.save("3")  # another call writes what is pending first
    assert json.loads(autosave.read_text())["record"]["steps"] == []
    assert session.progress[0] == 2  # both scenes remembered on disk as well
    profile = json.loads((tmp_path / "profile.json").read_text())
    assert set(profile["stories"]["mini-story"]["seen"]) == {"stairs", "refusal"}


def test_continuing_from_the_autosave_does_not_write_it_again(mini, tmp_path):
    session = PlaySession(mini, tmp_path)
    session.new_game()
    session.choose("refuse")
    autosave = tmp_path / "saves" / "auto.json"
    before = autosave.stat().st_mtime_ns, autosave.read_bytes()
    again = PlaySession(mini, tmp_path)
    assert again.continue_latest() is not None
    assert again.game.scene.id == "refusal" and not again.first_visit
    assert (autosave.stat().st_mtime_ns, autosave.read_bytes()) == before
    again.load("auto")
    assert autosave.stat().st_mtime_ns == before[0]
    session.save("2")
    again.load("2")  # another slot: the autosave now follows it
    assert autosave.stat().st_mtime_ns != before[0]


# Killing a player mid-save (SIGKILL, 50 times) and two players saving at once are
# tested in tests/test_save_safety.py, with the real Session and every slot.


def test_stale_temps_of_live_writers_are_kept(tmp_path):
    folder = tmp_path / "saves"
    folder.mkdir()
    mine = folder / f"1.json.tmp-{os.getpid()}-abcd"
    mine.write_text("partial")
    dead = folder / "1.json.tmp-999999999-abcd"
    dead.write_text("partial")
    assert clear_stale_temps(folder) == 1
    assert mine.exists() and not dead.exists()


def test_write_atomic_keeps_a_backup(tmp_path):
    target = tmp_path / "x.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert (tmp_path / "x.json.bak").read_bytes() == b"one"


def test_records_and_saves_hold_no_paths(mini, tmp_path):
    store = SaveStore(tmp_path / "saves")
    game = Game(mini, seed=1)
    game.choose("refuse")
    store.save("1", game)
    text = (tmp_path / "saves" / "1.json").read_text()
    assert (
        str(Path.home()) not in text
        and str(tmp_path) not in text
        and "/" not in json.loads(text)["record"]["start"]
    )
