"""Synthetic stories for the benchmarks: N scenes, 3 choices each, conditions and effects on half.

    .venv/bin/python bench/generate.py 10000 /tmp/story-10k   # then: petrograd check /tmp/story-10k

The story is valid and checks clean against the shipped assets (its scenes cite the
shipped source's paragraphs): every scene is reachable, every path reaches one of
three endings, and every condition can hold. Scene `i` leads to `i+1`, `i+2` and
`i+3`; every other choice (counted across the whole story) has a condition and
effects, so half the choices exercise the expression language, the range check and
the machine's callbacks. Scenes are written 250 to a chapter file, so no file comes
near the loader's 1 MiB limit.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

#: Scenes per chapter file.
PER_FILE = 250
ENDINGS = 3

WORDS = (
    "the committee soldiers bridge telegraph sailors palace night rifles crowd "
    "printing press order garrison commissar street regiment fortress cruiser "
    "delegates smoke lamps stairs papers message orders city winter canal square "
    "quiet shouting waiting courier station cordon bayonets armoured car dawn"
).split()

#: Condition templates; `{k}` runs 1..4, so a story has some twenty different conditions
#: (authors repeat theirs too), every one of which can hold.
CONDITIONS = (
    "resolve >= {k}",
    "trust < {m}",
    "not warned",
    "resolve + trust > {n}",
    "warned or trust >= {k}",
    "max(resolve, trust) <= {m}",
)
EFFECTS = (
    ("resolve += 1",),
    ("trust -= 1", "resolve += 1"),
    ("warned = true",),
    ("trust += 2",),
    ("resolve -= 1", "warned = false"),
)
SOURCES = ("eve-1", "eve-2", "eve-3", "eve-4", "eve-5", "eve-6")


def _text(rng: random.Random, words: int, indent: int = 6) -> str:
    lines, line = [], []
    for _ in range(words):
        line.append(rng.choice(WORDS))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    return "\n".join(" " * indent + part for part in lines)


def _scene(index: int, total: int, rng: random.Random) -> str:
    sid = f"s{index}"
    out = [
        f"  - id: {sid}",
        f"    title: Scene {index}",
        f"    date: 1917-10-{10 + index * 15 // total:02d}",  # time never runs backwards
        "    time: evening",
        "    place: Smolny Institute",
        f"    sources: [{SOURCES[index % len(SOURCES)]}]",
        "    text: |",
        _text(rng, 90),
    ]
    if index >= total - ENDINGS:
        kind = ("historical", "alternate", "defeat")[index % 3]
        out += [
            "    ending:",
            f"      id: end-{index}",
            f"      title: Ending {index}",
            f"      kind: {kind}",
            "      epilogue: |",
            _text(rng, 30, indent=8),
            # the ending reads every variable, so no effect on the way is unread
            "        {resolve > 5 or trust > 5 or warned? You are remembered.}",
        ]
        return "\n".join(out)
    out.append("    choices:")
    for j in range(3):
        number = 3 * index + j  # across the whole story, so exactly every other choice
        target = min(index + 1 + j, total - 1)
        out += [
            f"      - id: c{j}",
            f"        label: Go on to scene {target} by way {j}",
            f"        goto: s{target}",
            f"        sources: [{SOURCES[number % len(SOURCES)]}]",
            f"        history: {'faithful' if j == 0 else 'divergent'}",
            "        note: A note on what really happened here.",
        ]
        if number % 2 == 1:
            half = number // 2
            k = half // len(CONDITIONS) % 4 + 1
            condition = CONDITIONS[half % len(CONDITIONS)].format(k=k, m=10 - k, n=k + 4)
            out.append(f"        if: {condition}")
            out.append("        disabled: Not yet.")
            out.append("        effects:")
            out += [f"          - {e}" for e in EFFECTS[number // 2 % len(EFFECTS)]]
    return "\n".join(out)


STORY_FILE = """\
format: 1
story:
  id: generated-{total}
  title: A Generated Story of {total} Scenes
  version: 1.0.0
  start: s0
  intro: |
    A story written by bench/generate.py for the benchmarks.
variables:
  resolve:
    type: int
    initial: 5
    min: 0
    max: 10
    label: Resolve
  trust:
    type: int
    initial: 5
    min: 0
    max: 10
  warned:
    type: bool
    initial: false
"""


def generate(folder: Path, total: int, seed: int = 1917) -> list[Path]:
    """Write a story of `total` scenes (at least 4) into `folder`; returns the files written."""
    if total < ENDINGS + 1:
        raise ValueError(f"a generated story needs at least {ENDINGS + 1} scenes")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "story.yaml"]
    written[0].write_text(STORY_FILE.format(total=total), encoding="utf-8")
    for number, first in enumerate(range(0, total, PER_FILE), start=1):
        scenes = "\n".join(
            _scene(i, total, rng) for i in range(first, min(total, first + PER_FILE))
        )
        path = folder / f"{number:04d}-part.yaml"
        path.write_text(
            f"chapter:\n  id: part-{number}\n  number: {number}\n  title: Part {number}\n"
            f"scenes:\n{scenes}\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenes", type=int, help="how many scenes (at least 4)")
    parser.add_argument("folder", type=Path, help="where to write the story (created)")
    args = parser.parse_args(argv)
    files = generate(args.folder, args.scenes)
    print(f"wrote {len(files)} files to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
