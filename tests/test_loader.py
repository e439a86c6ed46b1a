"""The loader and `check`: one test per kind of mistake, each asserting file:line in the message."""

from __future__ import annotations

import re

from tests.conftest import CHAPTER_YAML, STORY_YAML


def only(problems: list[str], code: str) -> list[str]:
    return [p for p in problems if f": {code}: " in p]


def where(problem: str) -> tuple[str, int, int]:
    match = re.match(r"(.+?):(\d+):(\d+): ", problem)
    assert match, problem
    return match.group(1).rsplit("/", 1)[-1], int(match.group(2)), int(match.group(3))


def test_valid_story_has_no_problems(make_story, problems_of):
    assert problems_of(make_story()) == []


def test_yaml_syntax_error(make_story, problems_of):
    found = only(
        problems_of(make_story({"two.yaml": "chapter:\n  id: x\n   bad: [\n"})), "yaml-syntax"
    )
    assert found and where(found[0])[:2] == ("two.yaml", 3)


def test_unknown_key_with_suggestion(make_story, problems_of):
    broken = CHAPTER_YAML.replace("    title: A\n", "    titel: A\n")
    found = problems_of(make_story({"one.yaml": broken}))
    unknown = only(found, "unknown-key")
    assert unknown and where(unknown[0]) == ("one.yaml", 8, 5)
    assert "did you mean 'title'" in unknown[0]
    # the misspelt key is the one mistake: 'title' is not also reported missing
    assert not only(found, "missing-key"), found
    assert len(found) == 1, found


def test_wrong_type(make_story, problems_of):
    broken = STORY_YAML.replace("    initial: 1\n", "    initial: lots\n")
    found = only(problems_of(make_story({"story.yaml": broken})), "wrong-type")
    assert found and where(found[0])[:2] == ("story.yaml", 10)


def test_unquoted_no_as_history_is_caught(make_story, problems_of):
    broken = CHAPTER_YAML.replace("history: faithful", "history: yes", 1)
    found = only(problems_of(make_story({"one.yaml": broken})), "wrong-value")
    assert found and "faithful, divergent" in found[0]


def test_duplicate_scene_id_names_both_files(make_story, problems_of):
    extra = """\
    chapter: one
    scenes:
      - id: b
        title: Again
        date: 1917-10-25
        time: night
        place: Here
        sources: [eve-1]
        text: Again.
        ending: {id: other, title: Other, kind: alternate, epilogue: No.}
    """
    found = only(problems_of(make_story({"two.yaml": extra})), "duplicate-id")
    assert found and where(found[0])[:2] == ("two.yaml", 3)
    assert "one.yaml:" in found[0]


def test_choice_to_missing_scene(make_story, problems_of):
    broken = CHAPTER_YAML.replace(
        "goto: b\n        sources: [eve-1]", "goto: nowhere\n        sources: [eve-1]"
    )
    found = only(problems_of(make_story({"one.yaml": broken})), "unknown-target")
    assert found and where(found[0]) == ("one.yaml", 18, 15)
    assert "'nowhere'" in found[0]


def test_undeclared_variable_in_condition(make_story, problems_of):
    broken = CHAPTER_YAML.replace("if: n >= 3", "if: loyalty >= 3")
    found = only(problems_of(make_story({"one.yaml": broken})), "bad-expression")
    assert found and where(found[0]) == ("one.yaml", 26, 13)
    assert "'loyalty' is not a declared variable" in found[0]


def test_malformed_effect(make_story, problems_of):
    broken = CHAPTER_YAML.replace(
        "effects: [n += 10, flag = true]", "effects: [n += , flag = true]"
    )
    found = only(problems_of(make_story({"one.yaml": broken})), "bad-expression")
    assert found and where(found[0])[:2] == ("one.yaml", 22)


def test_unreachable_scene_and_ending(make_story, problems_of):
    extra = """\
    chapter: one
    scenes:
      - id: lost
        title: Lost
        date: 1917-10-25
        time: night
        place: Here
        sources: [eve-1]
        text: Nobody comes here.
        choices:
          - {id: go, label: Go, goto: lost-end, sources: [eve-1], history: faithful, note: Fine.}
      - id: lost-end
        title: Lost end
        date: 1917-10-25
        time: night
        place: Here
        sources: [eve-1]
        text: Nor here.
        ending: {id: lost, title: Lost, kind: alternate, epilogue: No.}
    """
    found = problems_of(make_story({"two.yaml": extra}))
    assert where(only(found, "unreachable-scene")[0])[:2] == ("two.yaml", 3)
    assert where(only(found, "unreachable-ending")[0])[:2] == ("two.yaml", 12)


def test_dead_end(make_story, problems_of):
    broken = CHAPTER_YAML[: CHAPTER_YAML.index("    ending:\n      id: done")]
    found = problems_of(make_story({"one.yaml": broken}))
    dead = only(found, "dead-end")
    assert dead and where(dead[0])[:2] == ("one.yaml", 38)
    assert only(found, "no-endings")


def test_unknown_citation(make_story, problems_of):
    broken = CHAPTER_YAML.replace(
        "sources: [eve-2]\n    text: The end.", "sources: [eve-99]\n    text: The end."
    )
    found = only(problems_of(make_story({"one.yaml": broken})), "unknown-citation")
    assert found and where(found[0]) == ("one.yaml", 43, 15)  # at the id, inside the brackets
    assert "eve-99" in found[0]


def test_missing_citation(make_story, problems_of):
    broken = CHAPTER_YAML.replace("    sources: [eve-2]\n    text: The end.", "    text: The end.")
    found = problems_of(make_story({"one.yaml": broken}))
    missing = [p for p in found if "'sources'" in p]
    assert missing and where(missing[0])[:2] == ("one.yaml", 38)
    empty = CHAPTER_YAML.replace(
        "sources: [eve-2]\n    text: The end.", "sources: []\n    text: The end."
    )
    assert only(problems_of(make_story({"one.yaml": empty})), "empty-list")


def test_unknown_codex_term(make_story, problems_of):
    broken = CHAPTER_YAML.replace("[[Smolny]]", "[[Atlantis]]")
    found = only(problems_of(make_story({"one.yaml": broken})), "unknown-codex-term")
    assert found and where(found[0]) == ("one.yaml", 14, 15)


def test_disabled_without_if_warns(make_story, problems_of):
    broken = CHAPTER_YAML.replace(
        "        note: It happened.\n", "        note: It happened.\n        disabled: Why?\n"
    )
    assert only(problems_of(make_story({"one.yaml": broken})), "disabled-without-if")


def test_variable_declarations_are_checked(make_story, problems_of):
    broken = STORY_YAML.replace("    initial: 1\n", "    initial: 9\n")
    assert only(problems_of(make_story({"story.yaml": broken})), "bad-range")
    broken = STORY_YAML.replace("    initial: false\n", "    initial: 0\n")
    assert only(problems_of(make_story({"story.yaml": broken})), "wrong-type")


def test_every_problem_is_reported_at_once(make_story, problems_of):
    broken = (
        CHAPTER_YAML.replace("[[Smolny]]", "[[Atlantis]]")
        .replace("if: n >= 3", "if: nope")
        .replace("sources: [eve-2]\n    text: The end.", "sources: [eve-99]\n    text: The end.")
    )
    codes = {p.split(": ")[1] for p in problems_of(make_story({"one.yaml": broken}))}
    assert {"unknown-codex-term", "bad-expression", "unknown-citation"} <= codes


def test_missing_folder(tmp_path, problems_of):
    found = only(problems_of(tmp_path / "nope"), "missing-folder")
    assert found and "nope: missing-folder: no such folder" in found[0]


def test_file_of_unknown_kind(make_story, problems_of):
    found = only(problems_of(make_story({"odd.yaml": "hello: world\n"})), "unknown-file")
    assert found and where(found[0])[:2] == ("odd.yaml", 1)


def test_hash_changes_with_any_file(make_story):
    from game.engine import load_story
    from game.paths import assets_dir

    folder = make_story()
    first = load_story([folder], assets=assets_dir()).content_hash
    (folder / "one.yaml").write_text(CHAPTER_YAML.replace("The end.", "The end!"), encoding="utf-8")
    assert load_story([folder], assets=assets_dir()).content_hash != first


def test_a_bad_citation_is_placed_at_its_own_id(make_story, problems_of):
    broken = CHAPTER_YAML.replace("    sources: [eve-1]\n", "    sources: [eve-2, evx-1]\n", 1)
    found = problems_of(make_story({"one.yaml": broken}))
    assert len(found) == 1 and "cites 'evx-1'" in found[0] and "did you mean 'eve-1'" in found[0]
    line = broken.splitlines()[where(found[0])[1] - 1]
    assert line[where(found[0])[2] - 1 :].startswith("evx-1]"), line


def test_a_goto_to_an_endings_id_says_goto_names_the_scene(make_story, problems_of):
    broken = CHAPTER_YAML.replace("goto: b\n", "goto: done\n", 1)  # 'done' is b's ending
    found = problems_of(make_story({"one.yaml": broken}))
    assert len(found) == 1 and found[0].endswith(
        "'done' is the id of the ending of scene 'b': goto names the scene"
    ), found


def test_a_title_on_two_lines_is_an_error_at_the_title(make_story, problems_of):
    story = STORY_YAML.replace("  title: Test\n", "  title: |\n    Two\n    lines\n")
    found = problems_of(make_story({"story.yaml": story}))
    assert [where(p)[0] for p in found] == ["story.yaml"] and ": not-one-line: " in found[0]
