"""The parse cache (game/engine/parsecache.py): the game starts without parsing YAML, and
the cache can never give a story other than the one its files hold."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine import StoryError, load_story, loader
from game.engine.parsecache import MAX_ENTRIES, ParseCache
from game.engine.yamlread import (
    NotPlain,
    YamlList,
    YamlMap,
    from_plain,
    read_yaml_text,
    to_plain,
)
from game.paths import assets_dir, scenes_dir
from tests.conftest import EXTRA, ROOT, no_hang


def entries(cache: ParseCache) -> list[Path]:
    return sorted(cache.folder.glob("*.json"))


def same_with_places(a, b) -> None:
    """Equal values, and every key, value and item at the same place."""
    assert type(a) is type(b)
    assert a == b
    if isinstance(a, YamlMap):
        assert a.mark == b.mark
        assert dict(a.key_marks) == dict(b.key_marks)
        assert dict(a.value_marks) == dict(b.value_marks)
        for key in a:
            same_with_places(a[key], b[key])
    elif isinstance(a, YamlList):
        assert a.mark == b.mark
        assert a.item_marks == b.item_marks
        for x, y in zip(a, b, strict=True):
            same_with_places(x, y)


def test_the_shipped_story_loads_the_same_from_the_cache(tmp_path: Path):
    plain = load_story([scenes_dir()], assets=assets_dir())
    cache = ParseCache(tmp_path)
    first = load_story([scenes_dir()], assets=assets_dir(), cache=cache)
    stored = entries(cache)
    assert len(stored) == len(list(scenes_dir().rglob("*.yaml"))) + 2  # + codex and sources
    second = load_story([scenes_dir()], assets=assets_dir(), cache=cache)
    for story in (first, second):
        assert story == plain
        assert story.content_hash == plain.content_hash
        assert [s.mark for s in story.scenes.values()] == [s.mark for s in plain.scenes.values()]
    assert entries(cache) == stored


def test_a_started_game_with_a_warm_cache_never_imports_yaml(tmp_path: Path):
    """What the cache is for: `petrograd play` does not import PyYAML, nor parse."""
    program = (
        "import sys, argparse\n"
        "from game.commands.common import load_or_report\n"
        "story = load_or_report(argparse.Namespace(story=None, scenes=[]), cached=True)\n"
        "print(story is not None, 'yaml' in sys.modules)\n"
    )
    env = dict(os.environ, PETROGRAD_CACHE_DIR=str(tmp_path))
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["True", "True"], ["True", "False"]]  # parsed once, then from the cache


def test_any_change_to_a_file_misses_the_cache(make_story, tmp_path: Path):
    folder = make_story()
    cache = ParseCache(tmp_path / "cache")
    before = load_story([folder], assets=assets_dir(), cache=cache)
    chapter = folder / "one.yaml"
    chapter.write_text(chapter.read_text().replace("The end.", "The end!"), encoding="utf-8")
    after = load_story([folder], assets=assets_dir(), cache=cache)
    assert "The end!" in after.scenes["b"].text
    assert before.content_hash != after.content_hash


def test_files_with_problems_are_never_stored(make_story, tmp_path: Path):
    folder = make_story({"bad.yaml": "chapter: [unclosed\n"})
    cache = ParseCache(tmp_path / "cache")
    with pytest.raises(StoryError):
        load_story([folder], assets=assets_dir(), cache=cache)
    with pytest.raises(StoryError):  # still reported the second time
        load_story([folder], assets=assets_dir(), cache=cache)
    names = {entry.name for entry in entries(cache)}
    assert len(names) == 4  # story.yaml, one.yaml, the codex and the sources; not bad.yaml


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "not json {",
        lambda text: "",
        lambda text: json.dumps({"map": -1, "keys": []}),
        lambda text: json.dumps([1, 2, 3]),
        lambda text: json.dumps({"list": 0, "items": [[0, {"oops": 1}]]}),
        lambda text: text.replace("The end.", "The end.\\u001b[2J"),  # a terminal escape
        lambda text: "[" * 100_000 + "]" * 100_000,  # deeper than JSON can go
        lambda text: text.replace("The end.", "A different end."),  # well formed, but edited?
    ],
)
def test_a_damaged_entry_is_a_miss_never_an_error(make_story, tmp_path: Path, damage):
    folder = make_story()
    cache = ParseCache(tmp_path / "cache")
    load_story([folder], assets=assets_dir(), cache=cache)
    for entry in entries(cache):
        entry.write_text(damage(entry.read_text(encoding="utf-8")), encoding="utf-8")
    story = load_story([folder], assets=assets_dir(), cache=cache)
    text = story.scenes["b"].text
    assert "\x1b" not in text
    # An entry edited to stay well formed is believed: it is the player's own folder,
    # as writable as the story files themselves (docs/security.md). Anything else is
    # read again from the YAML.
    assert text in ("The end.", "A different end.")


def test_entries_are_kept_per_version_and_old_versions_are_dropped(make_story, tmp_path):
    folder = make_story()
    root = tmp_path / "cache"
    old = root / "parsed-0123456789abcdef"
    old.mkdir(parents=True)
    (old / "x.json").write_text("{}", encoding="utf-8")
    cache = ParseCache(root)
    load_story([folder], assets=assets_dir(), cache=cache)
    assert cache.folder.name.startswith("parsed-") and cache.folder != old
    assert not old.exists()


def test_the_cache_is_trimmed_to_its_most_recent_entries(tmp_path: Path):
    value, _ = read_yaml_text("a: 1\n", "x.yaml")

    def load(numbers) -> ParseCache:
        """One load: a cache of its own, storing one entry per file."""
        cache = ParseCache(tmp_path)
        for number in numbers:
            cache.put(f"a: 1\n# {number}\n".encode(), value)
        return cache

    earlier = load(range(MAX_ENTRIES + 5))
    stored = entries(earlier)
    assert len(stored) == MAX_ENTRIES + 5  # a load's own entries are all kept
    for age, entry in enumerate(stored):  # the first (by name) the least recently used
        os.utime(entry, ns=(age * 10**9, age * 10**9))
    later = load(range(1000, 1010))  # a later load, of ten other files
    kept = set(entries(later))
    assert len(kept) == MAX_ENTRIES
    assert not kept & set(stored[:15])  # the earlier load's oldest went
    assert set(stored[15:]) <= kept  # and only they


def test_an_unwritable_cache_costs_nothing(make_story, tmp_path: Path):
    folder = make_story()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    story = load_story([folder], assets=assets_dir(), cache=ParseCache(blocker / "cache"))
    assert story.scenes["b"].text == "The end."


def test_an_empty_cache_variable_turns_the_cache_off(monkeypatch):
    from game.paths import cache_dir

    monkeypatch.setenv("PETROGRAD_CACHE_DIR", "")
    assert cache_dir() is None
    monkeypatch.setenv("PETROGRAD_CACHE_DIR", "/somewhere")
    assert cache_dir() == Path("/somewhere")


# ---------------------------------------------------------------- the plain form

#: Scalars as story files hold them (any text, whole numbers, true/false, empty).
scalars = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet="abcdefgh-_", min_size=1, max_size=8), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from(["block", "flow"]))
def test_any_document_round_trips_through_the_plain_form(document, style):
    """Whatever the reader makes, from_plain(to_plain(...)) gives back exactly, places and all."""
    import yaml

    text = yaml.safe_dump(
        {"doc": document}, allow_unicode=True, default_flow_style=(style == "flow")
    )
    value, problems = read_yaml_text(text, "some/file.yaml")
    if value is None:  # e.g. text the reader refuses; nothing to store then
        return
    assert not problems
    plain = json.loads(json.dumps(to_plain(value)))
    same_with_places(from_plain(plain, "some/file.yaml"), value)


def test_places_follow_the_file_as_it_is_shown_now():
    value, _ = read_yaml_text("a:\n  - 1\n", "old/name.yaml")
    again = from_plain(to_plain(value), "new/name.yaml")
    assert str(again["a"].mark) == "new/name.yaml:2:3"


@pytest.mark.parametrize(
    "plain",
    [
        {"map": 0, "keys": [[1, 0, 0, "x"]]},  # a key that is not text
        {"map": 0, "keys": [["a", 0, 0, 1], ["a", 0, 0, 2]]},  # a key twice
        {"map": 0, "keys": [["a", "0", 0, 1]]},  # a place that is not a number
        {"list": 0, "items": [[0, 1.5]]},  # a float: the reader never makes one
        {"list": 0, "items": [[0, 10**15]]},  # 16 digits: the reader keeps those as text
        {"neither": 0},
        "bell \x07",
        "half a pair \ud800",
        {"list": 0, "items": [[0, 1]] * 100_001},  # more values than a file may hold
    ],
)
def test_plain_forms_the_reader_could_not_make_are_refused(plain):
    with pytest.raises(NotPlain):
        from_plain(plain, "x.yaml")


def test_a_lone_surrogate_is_refused_by_either_parser_and_never_reaches_the_cache(
    tmp_path, monkeypatch
):
    """The C parser refuses "\\ud800"; PyYAML's pure-Python one (used when PyYAML is built
    without libyaml) accepts it, and writing it out would fail: the reader refuses it too."""
    import yaml

    from game.engine.yamlread import read_yaml_bytes

    text = b'a: "x\\ud800y"\n'
    for pure in (False, True):
        if pure:
            monkeypatch.delattr(yaml, "CSafeLoader")
        value, problems = read_yaml_bytes(text, "f.yaml")
        assert value is None and problems and problems[0].mark.line == 1
    value = YamlMap("f.yaml", 0)
    value._add("a", "x\ud800y", 3, 3)
    cache = ParseCache(tmp_path)
    cache.put(text, value)  # if ever asked to store one, it does not raise
    assert cache.get(text, "f.yaml") is None  # and it never comes back out


# ------------------------------------------------------ what the cache costs (issue #14)

@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and links")
@pytest.mark.parametrize("plant", ["fifo", "dev-zero", "link-to-an-entry", "folder"])
def test_a_pipe_device_link_or_folder_as_an_entry_is_a_miss(make_story, tmp_path, plant):
    folder = make_story()
    root = tmp_path / "cache"
    load_story([folder], assets=assets_dir(), cache=ParseCache(root))
    cache = ParseCache(root)
    name = hashlib.sha256((folder / "one.yaml").read_bytes()).hexdigest() + ".json"
    entry = cache.folder / name
    edited = tmp_path / "edited.json"  # well formed: believed, were the link followed
    edited.write_text(entry.read_text().replace("The end.", "A different end."))
    entry.unlink()
    if plant == "fifo":
        os.mkfifo(entry)
    elif plant == "dev-zero":
        entry.symlink_to("/dev/zero")
    elif plant == "link-to-an-entry":
        entry.symlink_to(edited)
    else:
        entry.mkdir()
    with no_hang():
        story = load_story([folder], assets=assets_dir(), cache=cache)
    assert story.scenes["b"].text == "The end."  # read from the YAML, not from what was planted
    if plant != "folder":  # and stored again, as a file of its own
        assert stat.S_ISREG(os.lstat(entry).st_mode)
    assert edited.read_text().count("A different end.") == 1  # never written through


def test_a_story_larger_than_the_cache_limit_is_wholly_cached_after_one_start(
    make_story, tmp_path, monkeypatch
):
    extra = MAX_ENTRIES + 20
    folder = make_story({f"extra-{n:03d}.yaml": EXTRA.format(id=f"x{n}") for n in range(extra)})
    root = tmp_path / "cache"
    first = load_story([folder], assets=assets_dir(), cache=ParseCache(root))
    assert len(entries(ParseCache(root))) == extra + 4  # + story.yaml, one.yaml, codex, sources
    parsed: list[str] = []
    read = loader.read_yaml_bytes

    def counted(data: bytes, shown: str):
        parsed.append(shown)
        return read(data, shown)

    monkeypatch.setattr(loader, "read_yaml_bytes", counted)
    second = load_story([folder], assets=assets_dir(), cache=ParseCache(root))
    assert parsed == []  # the second start parsed no YAML at all
    assert second == first and len(second.scenes) == extra + 2


def test_trimming_lists_the_folder_once_a_load_whatever_its_size(tmp_path, monkeypatch):
    """The cost of keeping the cache small, counted (not timed): one listing per load that
    stores anything, and each old entry removed once, however many entries are stored."""
    value, _ = read_yaml_text("a: 1\n", "x.yaml")
    earlier = ParseCache(tmp_path)
    for number in range(300):
        earlier.put(f"a: 1\n# {number}\n".encode(), value)
    listings: list[object] = []
    removed: list[object] = []
    scandir, glob, unlink = os.scandir, Path.glob, os.unlink

    def counted_scandir(*args):
        listings.append(args)
        return scandir(*args)

    def counted_glob(self, pattern):
        listings.append(pattern)
        return glob(self, pattern)

    def counted_unlink(path, *args, **kwargs):
        removed.append(path)
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", counted_scandir)
    monkeypatch.setattr(Path, "glob", counted_glob)
    monkeypatch.setattr(os, "unlink", counted_unlink)
    later = ParseCache(tmp_path)
    for number in range(1000, 1250):  # more than MAX_ENTRIES: every earlier entry goes
        later.put(f"a: 1\n# {number}\n".encode(), value)
        later.get(f"a: 1\n# {number}\n".encode(), "x.yaml")
    assert len(listings) == 1  # not one per entry stored
    assert len(removed) == 300 and len(set(map(str, removed))) == 300
    monkeypatch.undo()
    assert len(entries(later)) == 250
    listings.clear()
    monkeypatch.setattr(os, "scandir", counted_scandir)
    monkeypatch.setattr(Path, "glob", counted_glob)
    warm = ParseCache(tmp_path)
    for number in range(1000, 1250):  # a start that finds everything lists nothing
        assert warm.get(f"a: 1\n# {number}\n".encode(), "x.yaml") is not None
    assert listings == []


def test_temporary_files_a_killed_writer_left_are_cleared(tmp_path):
    """A store writes a temporary file, then renames it; a writer killed between the two
    leaves it. The next load that stores clears those over an hour old, not a live one."""
    value, _ = read_yaml_text("a: 1\n", "x.yaml")
    cache = ParseCache(tmp_path)
    cache.put(b"a: 1\n", value)
    old, fresh = cache.folder / ".abc.tmp", cache.folder / ".def.tmp"
    for temp in (old, fresh):
        temp.write_text("{")
    os.utime(old, (0, os.path.getmtime(old) - 2 * 3600))
    ParseCache(tmp_path).put(b"a: 1\n# again\n", value)
    assert not old.exists() and fresh.exists()
