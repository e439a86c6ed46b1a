"""Scene packs (`--scenes DIR`): the example pack, `extends:`, and conflicts naming both files."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from game.engine import check_story, load_story
from game.paths import assets_dir, scenes_dir
from tests.conftest import ROOT, write

PACK = ROOT / "examples" / "side-scenes"


def problems_with(*packs) -> list[str]:
    _, problems = check_story([scenes_dir(), *packs], assets=assets_dir())
    return [str(p) for p in problems]


def pack(tmp_path, name: str, text: str):
    return write(tmp_path / name, {"pack.yaml": text})


SIDE_SCENE = """\
chapter: messenger-garrison
scenes:
  - id: {scene_id}
    title: Side
    date: 1917-10-21
    time: night
    place: Somewhere
    sources: [eve-5]
    text: A side-scene.
    choices:
      - id: back
        label: Back
        goto: c2-staff
        sources: [eve-5]
        history: faithful
        note: Invented.
"""

EXTENDS = """\
extends:
  - scene: {target}
    choices:
      - id: {choice_id}
        label: Go aside
        goto: {scene_id}
        sources: [eve-5]
        history: faithful
        note: Invented.
"""


def side_pack(scene_id="side-x", target="c2-armoury", choice_id="aside") -> str:
    return SIDE_SCENE.format(scene_id=scene_id) + EXTENDS.format(
        target=target, choice_id=choice_id, scene_id=scene_id
    )


def test_the_example_pack_joins_the_shipped_story_cleanly():
    assert problems_with(PACK) == []
    story = load_story([scenes_dir(), PACK], assets=assets_dir())
    shipped = load_story([scenes_dir()], assets=assets_dir())
    assert len(story.scenes) == len(shipped.scenes) + 1
    assert story.scenes["side-print-shop"].chapter == "messenger-garrison"
    added = story.scenes["c2-armoury"].choices
    assert [c.id for c in added] == [c.id for c in shipped.scenes["c2-armoury"].choices] + [
        "side-print-shop"
    ]
    assert added[-1].mark.path.endswith("print-shop.yaml")


def test_the_example_pack_from_the_command_line(petrograd_command):
    checked = subprocess.run(
        [*petrograd_command, "check", "--scenes", str(PACK)], capture_output=True, text=True
    )
    scenes = len(load_story([scenes_dir()], assets=assets_dir()).scenes) + 1
    assert checked.returncode == 0 and f"{scenes} scenes" in checked.stdout, checked.stdout
    as_folder = subprocess.run(
        [*petrograd_command, "check", str(PACK)], capture_output=True, text=True
    )
    assert as_folder.returncode == 0, as_folder.stdout
    played = subprocess.run(
        [
            *petrograd_command,
            "autoplay",
            "--runs",
            "400",
            "--scenes",
            str(PACK),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(played.stdout)
    assert data["scenes"]["counts"]["side-print-shop"] > 0
    graph = subprocess.run(
        [*petrograd_command, "graph", "--scenes", str(PACK)], capture_output=True, text=True
    )
    assert 'scene_c2_armoury -->|"side-print-shop"| scene_side_print_shop' in graph.stdout


def test_a_pack_can_add_a_scene_and_enter_it(tmp_path):
    assert problems_with(pack(tmp_path, "p", side_pack())) == []


@pytest.mark.parametrize(
    ("kind", "text", "code", "both"),
    [
        ("scene", side_pack(scene_id="c2-staff"), "duplicate-id", "02-garrison.yaml:"),
        (
            "chapter",
            side_pack().replace(
                "chapter: messenger-garrison",
                "chapter:\n  id: messenger-fortress\n  number: 9\n  title: Again",
            ),
            "duplicate-id",
            "03-fortress.yaml:",
        ),
        ("choice", side_pack(choice_id="raid"), "duplicate-id", "02-garrison.yaml:"),
        (
            "codex",
            "codex:\n  - id: lenin\n    name: Another Lenin\n    group: person\n    text: Again.\n",
            "duplicate-id",
            "codex.yaml:",
        ),
        (
            "ending",
            SIDE_SCENE.format(scene_id="side-end").replace(
                "    choices:\n      - id: back\n        label: Back\n        goto: c2-staff\n        sources: [eve-5]\n        history: faithful\n        note: Invented.\n",
                "    ending: {id: history, title: Again, kind: alternate, epilogue: This did not happen.}\n",
            )
            + EXTENDS.format(target="c2-armoury", choice_id="aside", scene_id="side-end"),
            "duplicate-id",
            "07-congress.yaml:",
        ),
        (
            "story",
            "format: 1\nstory:\n  id: other\n  title: Other\n  version: 1.0.0\n  start: c1-smolny\n",
            "duplicate-story",
            "story.yaml",
        ),
    ],
    ids=["scene", "chapter", "choice", "codex", "ending", "story"],
)
def test_conflicts_are_errors_naming_both_files(tmp_path, kind, text, code, both):
    found = [p for p in problems_with(pack(tmp_path, "p", text)) if f": {code}: " in p]
    assert len(found) == 1, (kind, problems_with(pack(tmp_path, "p", text)))
    assert "pack.yaml:" in found[0] and both in found[0], found[0]


def test_two_packs_adding_the_same_choice(tmp_path):
    first = pack(tmp_path, "first", side_pack(scene_id="side-one"))
    second = pack(tmp_path, "second", side_pack(scene_id="side-two"))
    found = [p for p in problems_with(first, second) if ": duplicate-id: " in p]
    assert len(found) == 1
    assert "second/pack.yaml:" in found[0] and "first/pack.yaml:" in found[0]


def test_extends_mistakes_have_places_and_hints(tmp_path):
    unknown = problems_with(pack(tmp_path, "a", side_pack(target="c2-armuory")))
    line = [p for p in unknown if ": unknown-scene: " in p]
    assert len(line) == 1 and "did you mean 'c2-armoury'?" in line[0]
    assert "pack.yaml:18:12: " in line[0]
    ending = problems_with(pack(tmp_path, "b", side_pack(target="ending-history")))
    assert any(": extends-ending: " in p and "07-congress.yaml:" in p for p in ending)
    broken = problems_with(
        pack(
            tmp_path,
            "c",
            side_pack().replace(
                "        history: faithful\n        note: Invented.\n", "        note: Invented.\n"
            ),
        )
    )
    missing = [p for p in broken if ": missing-key: " in p]
    assert missing and all("pack.yaml:" in p for p in missing)
    assert any("'history'" in p for p in missing)
    typo = problems_with(
        pack(tmp_path, "d", side_pack().replace("extends:\n  - scene:", "extends:\n  - scen:"))
    )
    assert any(
        ": unknown-key: unknown key 'scen' in extension; did you mean 'scene'?" in p for p in typo
    )


def test_extends_works_inside_one_story_too(make_story):
    extra = textwrap.dedent(
        """\
        chapter: one
        scenes:
          - id: c
            title: C
            date: 1917-10-25
            time: night
            place: Here
            sources: [eve-1]
            text: Another way.
            choices:
              - {id: on, label: On, goto: b, sources: [eve-1], history: faithful, note: Yes.}
        extends:
          - scene: a
            choices:
              - {id: aside, label: Aside, goto: c, sources: [eve-1], history: divergent, note: No., if: n >= 2, effects: n -= 1}
        """
    )
    story = load_story([make_story({"two.yaml": extra})], assets=assets_dir())
    aside = story.scenes["a"].choice("aside")
    assert aside is not None and aside.condition_text == "n >= 2" and aside.actions
