"""The coverage-guided fuzz targets (fuzz/targets.py), replayed in process without atheris.

Every target runs over every file of its seed corpus (fuzz/corpus/TARGET/) and over
every input the fuzzer ever crashed on (fuzz/crashes/TARGET/): a target raises only
for a bug, so each of these fails the suite if the bug is back. A crash found and not
fixed yet is listed in UNFIXED and expected to fail (strictly: once it is fixed the
test says so, and its line is to be removed). `make fuzz` runs the fuzzer itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzz import targets
from fuzz.mutate import mutate_json
from fuzz.run import minimize, signature
from fuzz.targets import TARGETS, Broken, check

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"

#: Crashes on file whose bug is not fixed yet: "target/file" -> what the bug is.
UNFIXED: dict[str, str] = {}


def _inputs(kind: str) -> list:
    params = []
    root = FUZZ / kind
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            key = f"{folder.name}/{path.name}"
            marks = [pytest.mark.xfail(strict=True, reason=UNFIXED[key])] if key in UNFIXED else []
            params.append(pytest.param(folder.name, path, id=key, marks=marks))
    return params


@pytest.mark.parametrize(("target", "path"), _inputs("corpus"))
def test_every_seed_input_passes_its_target(target, path):
    TARGETS[target](path.read_bytes())


@pytest.mark.parametrize(("target", "path"), _inputs("crashes"))
def test_every_input_the_fuzzer_crashed_on_is_replayed(target, path):
    TARGETS[target](path.read_bytes())


def test_every_target_has_seeds_and_every_input_a_target():
    corpus = {p.name for p in (FUZZ / "corpus").iterdir() if p.is_dir()}
    assert corpus == set(TARGETS)
    for name in corpus:
        assert any((FUZZ / "corpus" / name).iterdir()), f"no seeds for {name}"
    crashes = FUZZ / "crashes"
    found = {p.name for p in crashes.iterdir() if p.is_dir()} if crashes.is_dir() else set()
    assert found <= set(TARGETS)
    for key in UNFIXED:  # a crash fixed and removed leaves no stale entry
        assert (crashes / key).is_file(), key
    sizes = sum(p.stat().st_size for p in FUZZ.rglob("*") if p.is_file() and p.suffix != ".pyc")
    assert sizes < 1024 * 1024, "keep the committed corpus and crashes small"


def test_a_target_that_raises_fails(monkeypatch):
    """The replays above can fail: an unexpected exception leaves the target, and so does
    a broken promise."""
    with pytest.raises(Broken):
        check(False, "a promise broken")

    def broken_reader(data, path):
        raise RuntimeError("a bug")

    monkeypatch.setattr(targets, "read_yaml_bytes", broken_reader)
    with pytest.raises(RuntimeError):
        targets.yaml_reader(b"a: 1\n")
    monkeypatch.setattr(targets, "read_yaml_bytes", lambda data, path: (None, []))
    with pytest.raises(Broken):
        targets.yaml_reader(b"a: 1\n")


def test_the_json_mutator_changes_json_and_leaves_the_rest_to_bytes():
    seed = (FUZZ / "corpus" / "save_reader" / "v1-save-slot.json").read_bytes()
    original = json.loads(seed)

    def fallback(data, max_size):
        return b"bytes"

    outputs = [mutate_json(seed, 100_000, n, fallback) for n in range(200)]
    assert outputs == [mutate_json(seed, 100_000, n, fallback) for n in range(200)]  # by seed
    assert b"bytes" in outputs  # a share goes to the byte mutator
    changed = [o for o in outputs if o != b"bytes" and json.loads(o) != original]
    assert len(changed) > 100
    assert all(len(o) <= 100_000 for o in outputs)
    assert mutate_json(b"not json", 100, 1, fallback) == b"bytes"
    assert mutate_json(seed, 10, 1, fallback) == b"bytes"  # too large once written


def test_a_crash_is_shrunk_and_keeps_its_signature(monkeypatch):
    def reader(data):
        if b"bad" in data:
            raise KeyError("bad")

    monkeypatch.setitem(TARGETS, "record_reader", reader)
    try:
        reader(b"bad")
    except KeyError as exc:
        assert signature(exc).startswith("KeyError in ")
    data = json.dumps({"a": "xxbadxx", "b": [1, 2, 3], "c": {"d": None}}).encode()
    small = minimize("record_reader", data, seconds=30)
    assert small == b"bad"
    assert minimize("record_reader", b"fine", seconds=30) == b"fine"  # no crash: unchanged
