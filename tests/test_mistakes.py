"""The seeded mistakes (tests/mistakes/, made by tests/make_mistakes.py): for each common
mistake an author makes, `petrograd check` reports it first, at its place, with its code,
and says nothing that only follows from it (no "unreachable", "dead end" or "the start
scene does not exist" after a file that does not parse). tests/test_lsp.py checks that
the language server publishes the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from game import cli

MISTAKES = Path(__file__).parent / "mistakes"
EXPECTED = yaml.safe_load((MISTAKES / "expected.yaml").read_text(encoding="utf-8"))


def check_json(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    status = cli.main(["check", "--format", "json", str(folder)])
    out = json.loads(capsys.readouterr().out)
    assert status == 1 and not out["ok"]
    return out


def test_there_are_fifteen_or_more_mistakes_each_in_its_own_story():
    assert len(EXPECTED) >= 15
    assert sorted(EXPECTED) == sorted(p.name for p in MISTAKES.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_mistake_is_reported_first_at_its_place_and_alone(name, capsys):
    expected = EXPECTED[name]
    folder = MISTAKES / name
    out = check_json(folder, capsys)
    first = out["problems"][0]
    file, line = expected["first"].rsplit(":", 1)
    assert Path(first["path"]).resolve() == (folder / file).resolve(), first
    assert (first["line"], first["code"]) == (int(line), expected["code"]), first
    # one mistake, one line: nothing that follows from it
    assert len(out["problems"]) == 1, [p["code"] + ": " + p["message"] for p in out["problems"]]
    assert first["column"] >= 1


def test_the_summary_ends_the_report_and_says_the_others_may_follow(capsys):
    status = cli.main(["check", str(MISTAKES / "unclosed-quote")])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out.strip().splitlines()[0].endswith(
        'yaml-syntax: the quote " that opens this value is never closed; end the value with "'
    )
    last = captured.err.strip().splitlines()[-1]
    assert last == "petrograd: 1 error and 0 warnings in 1 file; fix it and check again: some checks wait until it is fixed"


def test_without_the_mistake_the_story_is_clean(capsys):
    """The mistakes are made in the mini story, which itself checks clean (else a problem
    above could come from the story rather than the mistake)."""
    status = cli.main(["check", str(Path(__file__).parent.parent / "examples" / "mini-story")])
    assert status == 0, capsys.readouterr()
