"""Writes tests/mistakes/: one small story per common mistake, and expected.yaml.

Run it from the repository after changing a mistake or adding one:

    python tests/make_mistakes.py

Each mistake is one edit of examples/mini-story; the place a good checker must report
first is the line of the edit's marker (and, for a few, a column), worked out here from
the edited text, not from what the checker prints."""

import shutil
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
SRC = ROOT / "examples/mini-story"
OUT = ROOT / "tests/mistakes"
CH = "01-smolny.yaml"
ST = "story.yaml"

# name: (file, old, new, marker (a text on the line to report), code, what)
MISTAKES = {
    "choices-misspelt": (
        CH,
        "    choices:\n      - id: refuse",
        "    choises:\n      - id: refuse",
        "choises:",
        "unknown-key",
        "'choices:' misspelt 'choises:' in the first scene",
    ),
    "goto-key-misspelt": (
        CH,
        "        goto: refusal",
        "        got: refusal",
        "got: refusal",
        "unknown-key",
        "'goto:' misspelt 'got:'",
    ),
    "goto-unknown-scene": (
        CH,
        "        goto: refusal",
        "        goto: refusl",
        "goto: refusl",
        "unknown-target",
        "a goto to a scene that does not exist (a typo)",
    ),
    "undeclared-variable": (
        CH,
        "        if: garrison >= 5",
        "        if: garison >= 5",
        "if: garison",
        "bad-expression",
        "a condition names a variable that is not declared (a typo)",
    ),
    "single-equals": (
        CH,
        "        if: garrison >= 5",
        "        if: garrison = 5",
        "if: garrison = 5",
        "bad-expression",
        "'=' instead of '==' in a condition",
    ),
    "quoted-prefix": (
        CH,
        "        label: Carry the Committee's refusal to the staff",
        '        label: "Carry" the Committee\'s refusal to the staff',
        'label: "Carry"',
        "yaml-syntax",
        "a label that starts with a quoted phrase",
    ),
    "unclosed-quote": (
        CH,
        "    place: Smolny Institute\n    sources: [eve-1]\n    text: |\n      You climb",
        '    place: "Smolny Institute\n    sources: [eve-1]\n    text: |\n      You climb',
        'place: "Smolny',
        "yaml-syntax",
        "a quote opened and never closed",
    ),
    "colon-in-text": (
        CH,
        "        label: Call the regiments into the street tonight",
        "        label: Call the regiments: into the street tonight",
        "regiments: into",
        "yaml-syntax",
        "a colon and a space inside a label",
    ),
    "tab-indent": (
        CH,
        "        history: faithful\n        note: The Committee really",
        "\thistory: faithful\n        note: The Committee really",
        "\thistory",
        "yaml-syntax",
        "a tab in the indentation",
    ),
    "bad-indent": (
        CH,
        "    title: The Stairs",
        "     title: The Stairs",
        "title: The Stairs",
        "yaml-syntax",
        "one key indented a space too far",
    ),
    "duplicate-scene-id": (
        CH,
        "Congress of Soviets, on 24 and 25 October.\n",
        "Congress of Soviets, on 24 and 25 October.\n  - id: refusal\n    title: A Copy\n    date: 1917-10-17\n    time: morning\n    place: Smolny Institute\n    sources: [eve-1]\n    text: A scene copied and not renamed.\n    ending:\n      id: copy\n      title: Copy\n      kind: historical\n      epilogue: The same.\n",
        "- id: refusal",
        "duplicate-id",
        "a scene copied and its id not changed (the second is reported)",
        2,
    ),
    "unknown-codex-term": (
        CH,
        "[[Smolny]]",
        "[[Smolnyy]]",
        "[[Smolnyy]]",
        "unknown-codex-term",
        "a codex link to a name no entry has",
    ),
    "unknown-citation": (
        CH,
        "    sources: [eve-1]\n    text: |\n      You climb",
        "    sources: [eve-99]\n    text: |\n      You climb",
        "sources: [eve-99]",
        "unknown-citation",
        "a citation of a paragraph the source does not have",
    ),
    "out-of-range": (
        CH,
        "          - garrison += 2",
        "          - garrison = 12",
        "garrison = 12",
        "out-of-range",
        "an effect sets a variable beyond its declared range",
    ),
    "wrong-ending-kind": (
        CH,
        "      kind: historical",
        "      kind: victory",
        "kind: victory",
        "wrong-value",
        "an ending kind that is not one of the three",
    ),
    "start-misspelt": (
        ST,
        "  start: stairs",
        "  start: stair",
        "start: stair",
        "unknown-scene",
        "story.yaml's start names no scene",
    ),
    "visited-typo": (
        CH,
        "      {garrison >= 5? Down in",
        "      {garrison >= 5 and visited(stair)? Down in",
        "visited(stair)",
        "unknown-scene",
        "visited() names a scene that does not exist",
    ),
    "comment-in-text": (
        CH,
        "    place: Smolny Institute\n    sources: [eve-1]\n    text: |\n      You climb",
        "    place: Smolny Institute, room #67\n    sources: [eve-1]\n    text: |\n      You climb",
        "room #67",
        "comment-in-text",
        "' #' inside unquoted text (YAML reads a comment and drops the rest)",
    ),
    "apostrophe-in-single-quotes": (
        CH,
        "        label: Carry the Committee's refusal to the staff",
        "        label: 'Carry the Committee's refusal to the staff'",
        "label: 'Carry",
        "yaml-syntax",
        "an apostrophe inside single quotes",
    ),
    "unclosed-list": (
        CH,
        "    sources: [eve-1]\n    text: |\n      You climb",
        "    sources: [eve-1\n    text: |\n      You climb",
        "sources: [eve-1",
        "yaml-syntax",
        "a list opened with '[' and never closed",
    ),
    "missing-dash": (
        CH,
        "      - id: march",
        "        id: march",
        "id: march",
        "duplicate-key",
        "a choice without its '- ' (it runs into the one before)",
    ),
    "greater-or-equal-backwards": (
        CH,
        "        if: garrison >= 5",
        "        if: garrison => 5",
        "if: garrison => 5",
        "bad-expression",
        "'=>' for '>='",
    ),
    "missing-goto": (
        CH,
        "        goto: too-soon\n",
        "",
        "id: march",
        "missing-key",
        "a choice without 'goto:' (reported at the choice)",
    ),
}

if OUT.exists():
    shutil.rmtree(OUT)
OUT.mkdir(parents=True)
lines = [
    "# One small story per common mistake (made by tests/make_mistakes.py from",
    "# examples/mini-story): where a good checker reports first, and with which code.",
    "# tests/test_mistakes.py checks `petrograd check`; tests/test_lsp.py the language server.",
]
for name, spec in MISTAKES.items():
    file, old, new, marker, code, what = spec[:6]
    nth = spec[6] if len(spec) > 6 else 1
    folder = OUT / name
    shutil.copytree(SRC, folder)
    path = folder / file
    text = path.read_text()
    assert text.count(old) >= 1, (name, old)
    text = text.replace(old, new, 1)
    path.write_text(text)
    found = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(found) >= nth, (name, marker, found)
    line = found[nth - 1]
    lines.append(f"{name}:")
    lines.append(f'  first: "{file}:{line}"')
    lines.append(f"  code: {code}")
    lines.append(f'  mistake: "{what}"')
(OUT / "expected.yaml").write_text("\n".join(lines) + "\n")
print(len(MISTAKES), "mistakes written")
