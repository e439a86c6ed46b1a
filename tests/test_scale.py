"""`petrograd check` stays linear in memory to 100,000 scenes (issue #19), tested without
timing anything: the memory blocks a parsed scene takes and a story keeps a scene, counted
on generated stories (bench/generate.py) of two sizes; the bytes of a parsed scene; the
parsed documents let go once the story is built; places kept compactly and still right.

The bounds are well above what the loader costs now and well below what it cost before
issue #19: a regression that keeps the parsed documents, brings back a place object per
value or a dict of places per mapping, or a string per key, fails them.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from game.engine import check_story
from game.engine.model import NO_MARKS
from game.engine.ranges import never_true
from game.engine.yamlread import YamlList, YamlMap, read_yaml_bytes
from game.gcpause import gc_paused
from game.paths import assets_dir
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py, a plain script)

#: Memory blocks (`sys.getallocatedblocks`: objects, and the storage of lists, dicts and
#: arrays) that a scene of a generated story may cost, parsed and kept by the story; and
#: the bytes its parsed form may take (tracemalloc's count). Before issue #19 a scene cost
#: 182 blocks parsed (3 dicts and a place object per key) and 157 kept, and 11 KB parsed;
#: now 48 and 51 blocks, and 4.3 KB.
PARSED_BLOCKS = 80
KEPT_BLOCKS = 80
PARSED_BYTES = 6_000


@pytest.fixture(scope="module")
def stories(tmp_path_factory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("scale")
    folders = {}
    for size in (100, 500):
        folders[size] = root / f"story-{size}"
        generate.generate(folders[size], size)
    return folders


def test_a_parsed_scene_costs_few_objects_and_bytes(stories):
    data = (stories[100] / "0001-part.yaml").read_bytes()  # its 100 scenes
    read_yaml_bytes(data, "part.yaml")  # imports PyYAML, untraced
    gc.collect()
    before = sys.getallocatedblocks()
    value, problems = read_yaml_bytes(data, "part.yaml")
    blocks = (sys.getallocatedblocks() - before) / 100
    assert problems == [] and len(value["scenes"]) == 100
    assert blocks < PARSED_BLOCKS, f"{blocks:.0f} blocks a parsed scene"
    del value
    gc.collect()
    tracemalloc.start()
    try:
        value, _ = read_yaml_bytes(data, "part.yaml")
        size = tracemalloc.get_traced_memory()[0] / 100
    finally:
        tracemalloc.stop()
    assert size < PARSED_BYTES, f"{size:,.0f} bytes a parsed scene"


def test_a_story_keeps_few_objects_a_scene_and_grows_linearly(stories):
    with gc_paused():  # what the first load imports and makes once
        check_story([stories[100]], assets=assets_dir())
    kept = {}
    for size in (100, 500):
        gc.collect()
        before = sys.getallocatedblocks()
        with gc_paused():
            story, problems = check_story([stories[size]], assets=assets_dir())
            assert story is not None and problems == [] and list(never_true(story)) == []
        gc.collect()
        kept[size] = sys.getallocatedblocks() - before
        assert len(story.scenes) == size
        del story
    grown = (kept[500] - kept[100]) / 400
    assert grown < KEPT_BLOCKS, f"{grown:.0f} blocks kept a scene from 100 to 500 scenes"
    assert kept[500] / 500 < KEPT_BLOCKS * 1.5  # what a story keeps once is small too


def test_the_parsed_documents_are_let_go_once_the_story_is_built(stories):
    gc.collect()
    with gc_paused():
        story, problems = check_story([stories[100]], assets=assets_dir())
    assert story is not None and problems == []
    gc.collect()
    alive = [o for o in gc.get_objects() if type(o) in (YamlMap, YamlList)]
    assert alive == [], f"{len(alive)} parsed mappings and lists outlive the load"
    choice = story.scenes["s0"].choices[0]
    # what a choice keeps of its place in the file is compact, and right
    assert choice.marks["goto"].line == choice.mark.line + 2
    assert list(choice.source_marks) == ["eve-1"]
    assert choice.source_marks["eve-1"].column == choice.marks["sources"].column + 1
    assert story.scenes["s0"].text_mark.line == story.scenes["s0"].mark.line + 7
    # equal things read many times are kept once
    assert choice.sources is story.scenes["s2"].choices[0].sources
    scene = story.scenes["s10"]
    assert scene.choices[0].marks._keys is story.scenes["s20"].choices[0].marks._keys  # type: ignore[attr-defined]
    assert scene.marks is not NO_MARKS


def test_keys_and_repeated_values_are_one_string_each():
    text = b"".join(b"- id: c%d\n  history: faithful\n  sources: [eve-1]\n" % n for n in range(50))
    value, problems = read_yaml_bytes(text, "f.yaml")
    assert problems == [] and isinstance(value, YamlList) and len(value) == 50
    first, last = value[0], value[-1]
    assert [k for k in first][0] is [k for k in last][0]  # the key 'id'
    assert first["history"] is last["history"] and first["sources"][0] is last["sources"][0]
    # the places survive being kept compactly: every one as the file has it
    assert last.mark.line == 148 and last.value_mark("history").line == 149
    assert last.key_mark("sources").column == 3 and last["sources"].item_mark(0).column == 13
    assert first.value_marks["id"].column == 7 and dict(first.key_marks)["history"].line == 2
    assert last["sources"].item_mark(5) == last["sources"].mark  # past the end: the list's


def test_a_mapping_changed_after_reading_keeps_its_places():
    value, _ = read_yaml_bytes(b"a: 1\nb: 2\n", "f.yaml")
    assert isinstance(value, YamlMap)
    value["c"] = 3  # a key with no place stands at the mapping's
    assert value.value_mark("c") == value.mark and value.value_mark("b").line == 2
    value._add("d", 4, 2 << 24, 2 << 24 | 3)  # added as the reader adds: its own place
    assert (value.key_mark("d").line, value.value_mark("d").column) == (3, 4)
    assert value.key_mark("a").line == 1 and list(value.value_marks) == ["a", "b", "d"]
    wide = b"".join(b"k%d: v\n" % n for n in range(100))  # looked up through an index
    many, _ = read_yaml_bytes(wide, "f.yaml")
    assert many.key_mark("k99").line == 100 and many.value_mark("k0").column == 5
    assert many.key_mark("nope") == many.mark
