"""The safe YAML reader: positions, duplicate keys, tags, aliases, implicit types, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.engine.yamlread import MAX_BYTES, MAX_DEPTH, YamlMap, read_yaml_bytes, read_yaml_file


def read(text: str):
    return read_yaml_bytes(text.encode("utf-8"), "f.yaml")


def test_values_remember_their_lines():
    value, problems = read("a: 1\nb:\n  - x\n  - y\n")
    assert problems == []
    assert isinstance(value, YamlMap)
    assert value.key_mark("b").line == 2
    assert value["b"].item_mark(1).line == 4
    assert value["b"].item_mark(1).column == 5


def test_duplicate_key_names_key_and_both_lines():
    _, problems = read("scene:\n  id: a\n  title: x\n  id: b\n")
    assert len(problems) == 1
    text = str(problems[0])
    assert text.startswith("f.yaml:4:3: duplicate-key")
    assert "'id'" in text and "lines 2 and 4" in text


def test_implicit_types_stay_text():
    value, problems = read("a: No\nb: on\nc: 12:30\nd: 1917-10-25\ne: 1.5\nf: 0o17\ng: 007\n")
    assert problems == []
    assert value == {
        "a": "No",
        "b": "on",
        "c": "12:30",
        "d": "1917-10-25",
        "e": "1.5",
        "f": "0o17",
        "g": "007",
    }


def test_true_false_numbers_and_empty_are_typed():
    value, _ = read("a: true\nb: false\nc: 42\nd: -3\ne:\nf: '42'\n")
    assert value == {"a": True, "b": False, "c": 42, "d": -3, "e": None, "f": "42"}


def test_python_tags_refused_and_nothing_runs(tmp_path: Path):
    sentinel = tmp_path / "sentinel"
    payloads = [
        f"a: !!python/object/apply:os.system ['touch {sentinel}']\n",
        f"a: !!python/object/new:os.system ['touch {sentinel}']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/module:os\n",
        "a: !custom thing\n",
        "a: !!str text\n",
    ]
    for payload in payloads:
        value, problems = read(payload)
        assert value is None
        assert [p.code for p in problems] == ["tag"], payload
        assert problems[0].mark.line == 1
    assert not sentinel.exists()


def alias_bomb(levels: int = 12) -> str:
    """A "billion laughs": each level refers seven times to the one before it."""
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        prev = chr(ord("a") + i - 1)
        here = chr(ord("a") + i)
        bomb.append(
            f"{here}: &{here} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]"
        )
    return "\n".join(bomb) + "\n"


@pytest.fixture
def events_read(monkeypatch) -> list[str]:
    """The kinds of the parser events the reader asked for, in order (counted, not timed)."""
    import yaml

    seen: list[str] = []

    def counting(base: type) -> type:
        class Counting(base):  # type: ignore[misc, valid-type]
            def get_event(self):
                event = super().get_event()
                seen.append(type(event).__name__)
                return event

        return Counting

    monkeypatch.setattr(yaml, "CSafeLoader", counting(yaml.CSafeLoader))
    monkeypatch.setattr(yaml, "SafeLoader", counting(yaml.SafeLoader))
    return seen


def test_anchors_and_aliases_refused_at_once(events_read):
    """The bomb is refused at its first anchor: the reader stops there, so nothing after it
    is parsed, let alone expanded (bench/reader_figures.py times the same input)."""
    text = alias_bomb()
    value, problems = read(text)
    assert value is None
    assert problems[0].code == "anchor"
    assert problems[0].mark.line == 1
    # stream, document, the mapping, the key `a`, and the anchored list that is refused
    assert events_read == [
        "StreamStartEvent",
        "DocumentStartEvent",
        "MappingStartEvent",
        "ScalarEvent",
        "SequenceStartEvent",
    ]
    events_read.clear()
    _, problems = read("a: x\nb: *a\n")
    assert problems[0].code in ("alias", "yaml-syntax")
    assert events_read[-1] == "AliasEvent"  # refused at the alias itself
    assert len(events_read) == 7


def test_the_readers_work_is_one_event_per_value(events_read):
    """Linear in the input, counted in the parser's events: each row `k: [v, n]` is five
    events (key, list, two values, end of list), plus seven for the stream, the document,
    the mapping and the end; the reader asks for each event once and never reads back."""
    counts = []
    for rows in (100, 1_000, 10_000):
        events_read.clear()
        value, problems = read("".join(f"k{n}: [v, {n}]\n" for n in range(rows)))
        assert problems == [] and len(value) == rows
        counts.append(len(events_read))
    assert [count - 7 for count in counts] == [5 * rows for rows in (100, 1_000, 10_000)]


def test_deep_nesting_refused():
    _, problems = read("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    assert problems[0].code == "too-deep"
    _, problems = read("a: " + "[" * 100_000 + "\n")
    assert problems and problems[0].code in ("too-deep", "yaml-syntax")


def test_size_limit_checked_before_parsing(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (MAX_BYTES + 10))
    _, problems = read_yaml_file(big, "big.yaml")
    assert problems[0].code == "file-too-large"
    assert str(problems[0]).startswith("big.yaml: ")


def test_empty_binary_and_non_utf8():
    assert read_yaml_bytes(b"", "e.yaml")[1][0].code == "empty-file"
    assert read_yaml_bytes(b"# only a comment\n\n", "e.yaml")[1][0].code == "empty-file"
    assert read_yaml_bytes(b"a: \x00\x01", "b.yaml")[1][0].code == "not-text"
    problem = read_yaml_bytes(b"a: ok\nb: caf\xe9\n", "l.yaml")[1][0]
    assert problem.code == "not-utf8" and (problem.mark.line, problem.mark.column) == (2, 7)


def test_bom_and_crlf_simply_work():
    value, problems = read_yaml_bytes("\ufeffa: 1\r\nb: [x, y]\r\n".encode(), "w.yaml")
    assert problems == []
    assert value == {"a": 1, "b": ["x", "y"]}
    assert value.key_mark("b").line == 2


def test_syntax_error_has_position_and_hint():
    _, problems = read("a: b: c\n")
    assert problems[0].code == "yaml-syntax"
    assert (problems[0].mark.line, problems[0].mark.column) == (1, 5)
    assert "quote the whole" in problems[0].message


def test_two_documents_refused():
    _, problems = read("a: 1\n---\nb: 2\n")
    assert problems[0].code == "many-documents"


@pytest.mark.parametrize(
    ("text", "code", "place"),
    [
        ("a: one\nb: two\u2028three\n", "line-separator", (2, 7)),
        ("a: one\nb: two\u0085three\n", "line-separator", (2, 7)),
        ("a:\n  b: Смольный \u202e reversed\n", "bidi-control", (2, 15)),
        ("a: \u2067isolated\u2069\n", "bidi-control", (1, 4)),
    ],
)
def test_characters_that_would_shift_or_disguise_lines_are_refused(text, code, place):
    """YAML reads U+2028, U+2029 and U+0085 as line breaks where an editor does not (every
    place after one would be a line off); bidirectional controls show text in another
    order than it is stored. Each is refused at its place, counted as editors count."""
    value, problems = read(text)
    assert value is None and [p.code for p in problems] == [code]
    assert (problems[0].mark.line, problems[0].mark.column) == place


def test_a_nul_byte_is_placed_in_characters_not_bytes():
    _, problems = read_yaml_bytes("place: Смольный 😀 Institute\0".encode(), "f.yaml")
    assert problems[0].code == "not-text"
    assert (problems[0].mark.line, problems[0].mark.column) == (1, 28)
