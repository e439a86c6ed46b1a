"""The safe YAML reader on hostile input, beside `yaml.CSafeLoader` on the same text.

    .venv/bin/python bench/reader_figures.py --repeats 9     # the part alone, as JSON

`make bench` runs this part ("reader") in a fresh process. Two inputs, each read by our
reader (`game.engine.yamlread.read_yaml_bytes`, which keeps every value's place and
refuses what a story file may not hold) and loaded by PyYAML's C loader, turn about:

- the widest file the reader accepts: a mapping of MAX_VALUES / 2 - 10 rows (`kN: v`, a
  key and a value each), just under the limit of values, the most a single file can ask
  of it;
- an alias bomb ("billion laughs", twelve levels of seven references each): the reader
  refuses it at its first anchor; the C loader builds it (as shared lists, so it is
  cheap for it too; what would cost is walking or dumping what it built).

The tests count the reader's work in parser events (tests/test_yamlread.py,
tests/test_hostile_scenes.py); the time is measured here only, so no test depends on it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

#: Our reader's time over the C loader's on the widest file. It measured 0.38-0.46x on a
#: busy shared machine when this row was added: PyYAML's constructor and resolver run in
#: Python and try every implicit type on every scalar, while the reader builds its values
#: straight from the C parser's events (keeping each one's place).
WIDE_BUDGET = 0.8
#: Refusing the bomb, over the C loader building it (measured 0.25-0.45x: the reader stops
#: at the first anchor and its time is its fixed cost, the checks of the whole text).
BOMB_BUDGET = 1.0


def wide_file() -> bytes:
    from game.engine.yamlread import MAX_VALUES

    return b"".join(b"k%d: v\n" % n for n in range(MAX_VALUES // 2 - 10))


def alias_bomb(levels: int = 12) -> bytes:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        prev, here = chr(ord("a") + i - 1), chr(ord("a") + i)
        rows.append(f"{here}: &{here} [" + ", ".join([f"*{prev}"] * 7) + "]")
    return ("\n".join(rows) + "\n").encode()


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(repeats: int) -> dict[str, Any]:
    """The samples, in seconds: reader and loader, turn about, on each input."""
    import yaml

    sys.path.insert(0, str(ROOT))
    from game.engine.yamlread import MAX_BYTES, read_yaml_bytes

    out: dict[str, Any] = {}
    for name, data in (("wide", wide_file()), ("bomb", alias_bomb())):
        assert len(data) <= MAX_BYTES, name
        value, problems = read_yaml_bytes(data, "bench.yaml")
        if name == "wide":
            assert problems == [] and value is not None, problems
        else:
            assert value is None and problems[0].code == "anchor", problems
        text = data.decode("utf-8")
        yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - the C *safe* loader
        reader: list[float] = []
        loader: list[float] = []
        for _ in range(repeats):
            reader.append(_timed(lambda data=data: read_yaml_bytes(data, "bench.yaml")))
            loader.append(_timed(lambda text=text: yaml.load(text, Loader=yaml.CSafeLoader)))  # noqa: S506
        out[name] = {"reader": reader, "loader": loader, "bytes": len(data)}
    return out


def part(repeats: int) -> dict[str, Any]:
    """Run the part in a fresh process (so it pays for nothing another part left behind)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: the part 'reader' failed:\n{done.stderr}{done.stdout}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rows(samples: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """The table's rows: (figure, measured, baseline, ratio, budget, met)."""
    from game.engine.yamlread import MAX_VALUES

    out = []
    for name, figure, budget in (
        ("wide", f"reader, widest file ({MAX_VALUES // 2 - 10:,} rows)", WIDE_BUDGET),
        ("bomb", "reader refusing an alias bomb", BOMB_BUDGET),
    ):
        reader = statistics.median(samples[name]["reader"])
        loader = statistics.median(samples[name]["loader"])
        ratio = reader / loader
        out.append(
            (
                figure,
                f"{reader * 1e3:,.2f} ms",
                f"{loader * 1e3:,.2f} ms",
                f"{ratio:.2f}x",
                f"<= {budget:.1f}x",
                ratio <= budget,
            )
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(json.dumps(measure(args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
