"""Hostile or broken scene files: each is refused naming its file and line, fast and cheaply.

Every case is a story folder holding the small valid test story plus one file,
`bad.yaml`. For each, the test checks the problem's code, file and line, that
`petrograd check` exits 1 without a traceback, that loading does bounded work (a few
parsers, each asked for at most about two events a value, counted rather than timed)
and that it allocates little (measured with `tracemalloc`; the bounds are generous so
the tests are not flaky, yet far below what an alias bomb or reading a huge file would
cost). bench/reader_figures.py times the reader on such inputs.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from game.cli import main
from game.engine import Game, check_story, load_story
from game.engine.machine import build_machine, trigger_name
from game.engine.yamlread import MAX_BYTES, MAX_DEPTH, MAX_VALUES
from game.paths import assets_dir
from tests.conftest import CHAPTER_YAML, STORY_YAML, write

#: The parser events one check of a story folder may ask for: each value is at most two
#: events (its start and its end), and the reader refuses a file past MAX_VALUES values,
#: so this bounds the work of any file, however hostile (counted, never timed).
EVENTS = 2 * MAX_VALUES + 1_000
#: The parsers one check may start: one a file, and one more for a file whose syntax
#: error is explained by parsing it again with a line mended (`_closing_helps`).
LOADERS = 8
MEBIBYTES = 50


@contextlib.contextmanager
def counted_parsing() -> Iterator[list[int]]:
    """Count the YAML parsers started and the events each is asked for (a list with one
    count a parser), for as long as the block runs."""
    import yaml

    counts: list[int] = []

    def counting(base: type) -> type:
        class Counting(base):  # type: ignore[misc, valid-type]
            def __init__(self, stream: Any) -> None:
                super().__init__(stream)
                self._count_at = len(counts)
                counts.append(0)

            def get_event(self):
                counts[self._count_at] += 1
                return super().get_event()

        return Counting

    saved = yaml.CSafeLoader, yaml.SafeLoader
    yaml.CSafeLoader, yaml.SafeLoader = counting(saved[0]), counting(saved[1])
    try:
        yield counts
    finally:
        yaml.CSafeLoader, yaml.SafeLoader = saved


def measure(action: Callable[[], Any], memory: bool = True) -> tuple[Any, list[int], float]:
    """Run `action` twice: once counting the parsers and their events, once under
    tracemalloc. (result, events of each parser, peak MiB)."""
    with counted_parsing() as events:
        result = action()
    if not memory:  # tracemalloc makes a run of many small values about ten times slower
        return result, events, 0.0
    tracemalloc.start()
    try:
        action()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return result, events, peak


def cheap(events: list[int]) -> bool:
    """Few parsers, each asked for a bounded number of events."""
    return len(events) <= LOADERS and sum(events) <= EVENTS


def with_bad_file(tmp_path: Path, data: bytes, name: str = "bad.yaml") -> Path:
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": CHAPTER_YAML})
    (folder / name).write_bytes(data)
    return folder


def refuse(
    tmp_path: Path, capsys, data: bytes, code: str, line: int | None, *, memory: bool = True
) -> str:
    """Check the folder: one error `code` at bad.yaml:line, quickly, cheaply; `check` exits 1."""
    folder = with_bad_file(tmp_path, data)
    # Measured without the shipped assets, so the figures are the bad file's own cost.
    (_, problems), events, peak = measure(lambda: check_story([folder]), memory)
    errors = [p for p in problems if p.severity == "error"]
    found = [p for p in errors if p.code == code and p.mark.path.endswith("bad.yaml")]
    assert found, [str(p) for p in problems]
    if line is None:  # the file as a whole (its size)
        assert not found[0].mark.line and str(found[0]).startswith(found[0].mark.path + ": ")
    else:
        assert found[0].mark.line == line, str(found[0])
    assert cheap(events), f"{len(events)} parsers, {sum(events):,} events"
    assert peak < MEBIBYTES, f"allocated {peak:.0f} MiB"
    capsys.readouterr()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "Traceback" not in shown
    where = f"bad.yaml:{line}:" if line is not None else "bad.yaml: "
    assert any(where in row and f" {code}: " in row for row in shown.splitlines()), shown
    return str(found[0])


# ---------------------------------------------------------------- tags: nothing constructs


def python_tags(sentinel: Path) -> list[str]:
    """Every way of asking PyYAML for a Python object, each trying to create `sentinel`."""
    touch = f"['touch {sentinel}']"
    return [
        f"a: !!python/object/apply:os.system {touch}\n",
        f"a: !!python/object/apply:subprocess.call [[touch, {sentinel}]]\n",
        f"a: !!python/object/new:os.system {touch}\n",
        "a: !!python/object:os.system {}\n",
        "a: !!python/name:os.system\n",
        "a: !!python/module:os\n",
        "a: !!python/tuple [1, 2]\n",
        "a: !!python/bytes aGVsbG8=\n",
        f"a: !<tag:yaml.org,2002:python/object/apply:os.system> {touch}\n",
        f"%TAG !p! tag:yaml.org,2002:python/\n---\na: !p!object/apply:os.system {touch}\n",
        f"!!python/object/apply:os.system {touch}\n",  # on the whole document
        f"? !!python/object/apply:os.system {touch}\n: value\n",  # on a key
        f"a:\n  - !!python/object/apply:os.system {touch}\n",  # deep in a list
    ]


def test_python_tags_of_every_kind_are_refused_and_nothing_runs(tmp_path, capsys):
    sentinel = tmp_path / "sentinel"
    for number, payload in enumerate(python_tags(sentinel)):
        body = payload.split("---\n")[-1]
        line = body.count("\n", 0, body.index("!")) + 1 + payload.count("\n") - body.count("\n")
        message = refuse(tmp_path / str(number), capsys, payload.encode(), "tag", line)
        assert "not allowed" in message
    assert not sentinel.exists()


def test_the_payloads_are_real(tmp_path):
    """The control: PyYAML's unsafe loader does run the first payload (so the test above means something)."""
    import yaml

    sentinel = tmp_path / "control"
    yaml.unsafe_load(python_tags(sentinel)[0])
    assert sentinel.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x}\n",
        "a: !!omap [x: 1]\n",
        "a: !!timestamp 2001-12-14\n",
        "a: !!int '3'\n",
        "a: !custom thing\n",
    ],
)
def test_any_other_tag_is_refused(tmp_path, capsys, payload):
    refuse(tmp_path, capsys, payload.encode(), "tag", 1)


def test_the_command_line_refuses_python_tags_and_bombs(tmp_path, petrograd_command):
    sentinel = tmp_path / "sentinel"
    folders = [
        with_bad_file(tmp_path / str(n), p.encode()) for n, p in enumerate(python_tags(sentinel))
    ]
    folders.append(with_bad_file(tmp_path / "bomb", billion_laughs()))
    result = subprocess.run(  # about 15 story folders, each with the shipped assets
        [*petrograd_command, "check", *map(str, folders)],
        capture_output=True,
        text=True,
        timeout=60,  # a bomb that went off would hang here; the cost is counted above
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count(": tag: ") == len(folders) - 1
    assert "bad.yaml:1:" in result.stdout and ": anchor: " in result.stdout
    assert not sentinel.exists()


# ---------------------------------------------------------------- anchors, aliases, bombs


def billion_laughs() -> bytes:
    """The classic: nine levels of ten aliases each, 10**9 strings once expanded."""
    rows = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        rows.append(f"lol{level}: &lol{level} [{refs}]")
    return ("\n".join(rows) + "\n").encode()


def test_a_billion_laughs_file_is_refused_at_once(tmp_path, capsys):
    import yaml

    bomb = billion_laughs()
    assert yaml.safe_load(bomb)["lol0"] == "lol"  # safe_load itself accepts it
    message = refuse(tmp_path, capsys, bomb, "anchor", 1)
    assert "&lol0" in message and "write the value out in full" in message


@pytest.mark.parametrize(
    ("payload", "code", "line"),
    [
        ("a: x\nb: *a\n", "alias", 2),  # an alias with no anchor
        ("base: &base {x: 1}\nother:\n  <<: *base\n", "anchor", 1),  # merge keys
        ("a:\n  - 1\n  - &b 2\n", "anchor", 3),
    ],
)
def test_anchors_and_aliases_are_refused(tmp_path, capsys, payload, code, line):
    refuse(tmp_path, capsys, payload.encode(), code, line)


# ---------------------------------------------------------------- depth, size, encodings


def test_nesting_over_the_limit_is_refused_with_its_line(tmp_path, capsys):
    flow = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert "nested more than" in refuse(tmp_path / "flow", capsys, flow.encode(), "too-deep", 1)
    block = "".join("  " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 5)) + "  x\n"
    refuse(tmp_path / "block", capsys, block.encode(), "too-deep", MAX_DEPTH + 1)
    # Far deeper than Python's recursion limit: refused (by the parser) with a line, no RecursionError.
    refuse(tmp_path / "abyss", capsys, ("a: " + "[" * 100_000 + "\n").encode(), "yaml-syntax", 1)
    refuse(tmp_path / "abyss-map", capsys, ("{a: " * 50_000).encode(), "too-deep", 1)


def test_a_huge_file_is_refused_by_its_size_before_it_is_read(tmp_path, capsys):
    """64 MiB (sparse, so cheap to make): reading it would break the memory bound."""
    folder = with_bad_file(tmp_path, b"")
    with (folder / "bad.yaml").open("r+b") as handle:
        handle.truncate(64 * MAX_BYTES)
    (_, problems), events, peak = measure(lambda: check_story([folder]))
    found = [p for p in problems if p.code == "file-too-large"]
    assert found and not found[0].mark.line and "67,108,864 bytes" in found[0].message
    assert cheap(events) and peak < MEBIBYTES
    assert main(["check", str(folder)]) == 1
    assert "bad.yaml: file-too-large: " in capsys.readouterr().out


def test_just_over_the_size_limit_and_too_many_values(tmp_path, capsys):
    refuse(tmp_path / "size", capsys, b"a: " + b"x" * MAX_BYTES + b"\n", "file-too-large", None)
    values = b"a: [" + b"1," * (MAX_VALUES + 10) + b"1]\n"  # under the size limit
    assert len(values) < MAX_BYTES
    message = refuse(tmp_path / "values", capsys, values, "too-large", 1, memory=False)
    assert "split it" in message
    rows = b"".join(b"k%d: v\n" % n for n in range(MAX_VALUES))  # a wide mapping
    refuse(tmp_path / "rows", capsys, rows, "too-large", MAX_VALUES // 2, memory=False)


#: Reads the two files of many small values in a fresh process and prints how much its
#: peak memory grew (tracemalloc would make this ten times slower).
GROWTH = """
import resource, sys
from game.engine.yamlread import read_yaml_bytes
files = [open(name, "rb").read() for name in sys.argv[1:]]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for data in files:
    assert read_yaml_bytes(data, "bad.yaml")[1][0].code == "too-large"
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_many_small_values_cost_little_memory(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_bytes(b"a: [" + b"1," * (MAX_VALUES + 10) + b"1]\n")
    rows = tmp_path / "rows.yaml"
    rows.write_bytes(b"".join(b"k%d: v\n" % n for n in range(MAX_VALUES)))
    result = subprocess.run(
        [sys.executable, "-c", GROWTH, str(values), str(rows)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < MEBIBYTES


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"", "empty-file", 1),
        (b"\n\n   \n", "empty-file", 1),
        (b"# only a comment\n", "empty-file", 1),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not-text", 3),
        (b"chapter:\n  id: x\x00y\n", "not-text", 2),
        (bytes(range(256)), "not-text", 1),
        (b"chapter:\n  title: caf\xe9\n", "not-utf8", 2),
        (b"chapter:\n  title: \xc3\n", "not-utf8", 2),  # cut in the middle of a character
        ("chapter:\n  title: Смольный\n".encode("utf-16"), "not-utf8", 1),
        ("chapter:\n  title: Смольный\n".encode("cp1251"), "not-utf8", 2),
        (b"chapter:\n  title: x\x1b]0;owned\x07\n", "control-character", 2),  # raw, in a file
        (b'chapter:\n  title: "\\e[2J\\e]52;c;ZWNobyBvd25lZA==\\a"\n', "control-character", 2),
        (b'chapter:\n  title: "\\x9b31m red"\n', "control-character", 2),  # C1 CSI
        (b'chapter:\n  "\\e": x\n', "control-character", 2),  # in a key
    ],
)
def test_empty_binary_and_non_utf8_files(tmp_path, capsys, data, code, line):
    refuse(tmp_path, capsys, data, code, line)


def test_a_utf8_bom_and_crlf_line_endings_simply_work(tmp_path):
    bom_crlf = "\ufeff" + CHAPTER_YAML.replace("\n", "\r\n")
    folder = write(tmp_path / "story", {"story.yaml": "\ufeff" + STORY_YAML})
    (folder / "one.yaml").write_bytes(bom_crlf.encode("utf-8"))
    story, problems = check_story([folder], assets=assets_dir())
    assert [p for p in problems if p.severity == "error"] == []
    assert story.scenes["a"].text == "Text of [[Smolny]].\n"  # no stray \r
    assert story.scenes["a"].mark.line == 7  # lines counted as the editor shows them
    (folder / "one.yaml").write_bytes(CHAPTER_YAML.replace("\n", "\r").encode())  # old Mac
    assert load_story([folder], assets=assets_dir()).scenes["b"].title == "B"


# ---------------------------------------------------------------- duplicate keys


def line_of(text: str, fragment: str) -> int:
    return text.count("\n", 0, text.index(fragment)) + 1


@pytest.mark.parametrize(
    ("line", "again"),
    [
        ("scenes:\n", "scenes: []\n"),  # the top level (written again at the end)
        ("  title: One\n", "  title: Uno\n"),  # in the chapter
        ("    title: A\n", "    title: AA\n"),  # in a scene
        ("        label: Up\n", "        label: Down\n"),  # in a choice
        ("      kind: historical\n", "      kind: defeat\n"),  # in an ending
    ],
)
def test_duplicate_keys_at_any_level_name_the_key_and_both_lines(tmp_path, capsys, line, again):
    assert CHAPTER_YAML.count(line) == 1
    if line == "scenes:\n":
        text = CHAPTER_YAML + again
        second = text.count("\n")
    else:
        text = CHAPTER_YAML.replace(line, line + again)
        second = line_of(text, line) + 1
    first, key = line_of(text, line), line.split(":")[0].strip()
    message = refuse(tmp_path, capsys, text.encode(), "duplicate-key", second)
    assert f"'{key}'" in message and f"lines {first} and {second}" in message


def test_a_duplicate_variable_is_named_too(tmp_path):
    story = STORY_YAML + "  n:\n    type: bool\n"
    folder = write(tmp_path / "story", {"story.yaml": story, "one.yaml": CHAPTER_YAML})
    _, problems = check_story([folder], assets=assets_dir())
    found = [str(p) for p in problems if p.code == "duplicate-key"]
    second = STORY_YAML.count("\n") + 1
    assert found and "'n'" in found[0] and f"lines 8 and {second}" in found[0]
    assert f"story.yaml:{second}:3: " in found[0]


# ---------------------------------------------------------------- YAML's implicit types


def test_no_on_and_times_stay_text(tmp_path):
    chapter = (
        CHAPTER_YAML.replace("label: Up", "label: No")
        .replace("    title: A\n", "    title: on\n")
        .replace('time: "21:00"', "time: 12:30")
        .replace("place: Here", "place: 1917-10-25")
        .replace("note: It happened.", "note: yes")
    )
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": chapter})
    story, problems = check_story([folder], assets=assets_dir())
    assert [p for p in problems if p.severity == "error"] == []
    scene = story.scenes["a"]
    assert (scene.title, scene.time, scene.place) == ("on", "12:30", "1917-10-25")
    assert (scene.choices[0].label, scene.choices[0].note) == ("No", "yes")


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("    title: A\n", "    title: true\n", "found true (true/false); write it in quotes"),
        ("    title: A\n", "    title: 1917\n", "found the number 1917; write it in quotes"),
        ('time: "21:00"', "time: 2100", "found the number 2100; write it in quotes"),
        ("history: faithful", "history: No", "expected one of faithful, divergent, own; found 'No'"),
    ],
)
def test_values_yaml_would_type_are_refused_with_a_hint(tmp_path, capsys, old, new, fragment):
    text = CHAPTER_YAML.replace(old, new, 1)
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": text})
    _, problems = check_story([folder], assets=assets_dir())
    assert any(fragment in str(p) and "one.yaml:" in str(p) for p in problems), problems
    assert main(["check", str(folder)]) == 1
    assert fragment in capsys.readouterr().out


# ---------------------------------------------------------------- transitions and callbacks


def _callbacks(machine) -> list[Any]:
    """Every callback the machine would call: machine-wide, per state, per transition."""
    found: list[Any] = []
    for name in (
        "prepare_event",
        "before_state_change",
        "after_state_change",
        "finalize_event",
        "on_exception",
        "on_final",
    ):
        found.extend(getattr(machine, name, []) or [])
    for state in machine.states.values():
        found.extend([*state.on_enter, *state.on_exit, *getattr(state, "on_final", [])])
    for event in machine.events.values():
        for transitions in event.transitions.values():
            for transition in transitions:
                found.extend([*transition.prepare, *transition.before, *transition.after])
                found.extend(condition.func for condition in transition.conditions)
    return found


def test_the_machine_holds_only_callables_never_names(shipped_story):
    callbacks = _callbacks(build_machine(shipped_story))
    assert callbacks  # the shipped story has conditions and effects
    assert all(callable(c) and not isinstance(c, str) for c in callbacks)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("- id: a\n", "- id: os.system\n", "wrong-value"),  # a scene id
        ("- id: up\n", "- id: os.system\n", "wrong-value"),  # a choice id
        ("goto: b\n", "goto: os.system\n", "wrong-value"),
        ("[n += 10, flag = true]", "[os.system]", "bad-expression"),  # an effect
        ("if: n >= 3", "if: os.system", "bad-expression"),  # a condition
        ("        goto: b\n", "        goto: b\n        on_enter: os.system\n", "unknown-key"),
        ("    place: Here\n", "    place: Here\n    on_exit: os.system\n", "unknown-key"),
        ("    place: Here\n", "    place: Here\n    before: os.system\n", "unknown-key"),
    ],
)
def test_no_string_from_a_scene_file_can_name_a_callback(tmp_path, old, new, code):
    chapter = CHAPTER_YAML.replace(old, new, 1)
    folder = write(tmp_path / "story", {"story.yaml": STORY_YAML, "one.yaml": chapter})
    story, problems = check_story([folder], assets=assets_dir())
    errors = [str(p) for p in problems if p.severity == "error" and p.code == code]
    assert errors and "one.yaml:" in errors[0], [str(p) for p in problems]
    if story is not None:  # assembled despite the error: still nothing but callables
        assert all(callable(c) and not isinstance(c, str) for c in _callbacks(build_machine(story)))


CLASHING = ["state", "trigger", "machine", "variables", "to", "may", "is", "model", "scene-id"]
VARIABLES = ["state", "trigger", "to_b", "may_up", "is_a", "scene_id", "variables", "machine"]


def test_ids_and_names_that_clash_with_transitions_still_work(tmp_path):
    """Scene ids, choice ids and variable names that transitions (or the model) also uses."""
    scenes, variables = [], []
    for name in VARIABLES:
        variables.append(f"  {name}:\n    type: int\n    initial: 0\n    min: 0\n    max: 9\n")
    effects = ", ".join(f"{name} += 1" for name in VARIABLES)
    for index, scene_id in enumerate(CLASHING):
        last = index == len(CLASHING) - 1
        body = (
            "    ending:\n      id: over\n      title: Over\n      kind: historical\n"
            "      epilogue: Done.\n"
            if last
            else (
                f"    choices:\n      - id: {CLASHING[index + 1]}\n        label: Go\n"
                f"        goto: {CLASHING[index + 1]}\n        sources: [eve-1]\n"
                f"        history: faithful\n        note: Yes.\n"
                f"        if: {' and '.join(f'{n} == {index}' for n in VARIABLES)}\n"
                f"        effects: [{effects}]\n"
            )
        )
        scenes.append(
            f"  - id: {scene_id}\n    title: T\n    date: 1917-10-25\n    time: night\n"
            f"    place: P\n    sources: [eve-1]\n    text: T.\n{body}"
        )
    story_yaml = (
        "format: 1\nstory:\n  id: clash\n  title: Clash\n  version: 1.0.0\n  start: state\n"
        "variables:\n" + "".join(variables)
    )
    chapter = "chapter:\n  id: one\n  number: 1\n  title: One\nscenes:\n" + "".join(scenes)
    folder = write(tmp_path / "story", {"story.yaml": story_yaml, "one.yaml": chapter})
    story = load_story([folder], assets=assets_dir())
    game = Game(story, seed=1)
    for index, scene_id in enumerate(CLASHING[1:], 1):
        assert [c.id for c in game.open_choices()] == [scene_id]
        game.choose(scene_id)
        assert game.scene.id == scene_id
        assert game.variables == dict.fromkeys(VARIABLES, index)
    assert game.ended and trigger_name("state", "trigger") == "state:trigger"
    game.undo()
    assert game.scene.id == CLASHING[-2]


# ---------------------------------------------------------------- every script, any terminal

UNICODE_STORY = Path(__file__).resolve().parent / "fixtures" / "unicode-story"


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_the_plain_player_shows_every_script(petrograd_command, clean_env, tmp_path, encoding):
    """Cyrillic, CJK and emoji through the plain player; on an ASCII-only output they
    become '?' rather than an error."""
    env = dict(clean_env, PYTHONIOENCODING=encoding, PETROGRAD_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [*petrograd_command, "play", "--plain", "--story", str(UNICODE_STORY)],
        input=b"1\n1\n",
        capture_output=True,
        env=env,
        timeout=60,
    )
    out = result.stdout.decode(encoding, errors="strict")
    assert result.returncode == 0 and "Traceback" not in out + result.stderr.decode(encoding)
    if encoding == "utf-8":
        assert "Вся власть Советам!" in out and "全部政权归苏维埃" in out and "🚩✊🏽" in out
        assert "THE END: Новый день 新的一天 ☀️" in out
    else:
        assert "THE END: " in out and "?" in out
