"""docs/teachers.md and docs/student-handout.md stay true to the story and the game.

What the guide lists is checked against the shipped story, so it cannot rot: every
"why?" decision it names exists, has the title given, and offers a faithful and a
divergent option (in every reachable state, unless its row says "only when"); "on the
path of history" is what the path of history does; the lesson's assignment loads and
each of its "why?" scenes is met on every playthrough; the reading times are within a
tenth of what the path of history reads now; the endings of the content note exist with
the titles given; the sample output of `petrograd check --assignment` is what it prints.

Run as a script (`python -m tests.test_teachers_doc`) it prints the guide's table of
reading times, measured again.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from game.classroom.assignment import load_assignment
from game.engine import Choice, Game, Story
from game.engine.explore import live_variables, starting_states, successors
from game.engine.expr import Value
from game.engine.game import faithful_state
from game.engine.text import count_words
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "teachers.md"
HANDOUT = ROOT / "docs" / "student-handout.md"
WORDS_PER_MINUTE = 200
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
DIRECTIVE = re.compile(r"<!-- teachers-doc: (.+?) -->\s*$")
SCENE_ID = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under `heading` (a whole heading line) up to the next heading of its level
    or higher."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n")
    stop = re.compile(rf"^#{{1,{len(level)}}} ", re.M)
    found = stop.search(text, start + len(heading) + 1)
    return text[start : found.start() if found else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in `text`, as lists of cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append(cells)
    return [row for row in rows if SCENE_ID.search(row[0])]


def blocks(text: str) -> Iterator[tuple[str, str, str | None]]:
    """(language, text, directive) of each fenced block."""
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").splitlines()
        found = DIRECTIVE.search(before[-1]) if before else None
        yield match.group(1), match.group(2), found.group(1) if found else None


# ---------------------------------------------------------------- the story, walked


def reachable_open_sets(story: Story) -> dict[str, set[tuple[Choice, ...]]]:
    """For each scene, every set of open choices it has in some reachable state."""
    names = list(story.state_variables)
    live = live_variables(story)
    initial = story.initial_state()

    def key_of(scene_id: str, variables: dict[str, Value]) -> tuple[str, tuple[Value, ...]]:
        for name in names:
            if name not in live[scene_id]:
                variables[name] = initial[name]
        return scene_id, tuple(variables[n] for n in names)

    seen = set()
    queue: deque[tuple[str, dict[str, Value]]] = deque()
    for first, state in starting_states(story):
        key = key_of(first, state)
        if key not in seen:
            seen.add(key)
            queue.append((first, state))
    found: dict[str, set[tuple[Choice, ...]]] = {}
    while queue:
        scene_id, variables = queue.popleft()
        scene = story.scenes[scene_id]
        found.setdefault(scene_id, set()).add(
            tuple(c for c in scene.choices if c.is_open(variables))
        )
        for choice, after in successors(story, scene_id, variables):
            key = key_of(choice.target, after)
            if key not in seen:
                seen.add(key)
                queue.append((choice.target, after))
    return found


def met_on_every_playthrough(story: Story, start: str, scene_id: str) -> bool:
    """Whether every playthrough that begins at `start` (as an assignment starts it, with
    the state the path of history brings there) passes through `scene_id`."""
    names = list(story.state_variables)
    live = live_variables(story)
    initial = story.initial_state()

    def key_of(at: str, variables: dict[str, Value]) -> tuple[str, tuple[Value, ...]]:
        for name in names:
            if name not in live[at]:
                variables[name] = initial[name]
        return at, tuple(variables[n] for n in names)

    first = faithful_state(story, start) or story.initial_state(start)
    seen = {key_of(start, first)}
    queue = deque([(start, first)])
    while queue:
        at, variables = queue.popleft()
        if at == scene_id:
            continue
        if story.scenes[at].ending is not None:
            return False  # an ending reached without passing `scene_id`
        for choice, after in successors(story, at, variables):
            key = key_of(choice.target, after)
            if key not in seen:
                seen.add(key)
                queue.append((choice.target, after))
    return True


def frame_words(game: Game) -> int:
    """The words a student reads at this moment: the scene's text, the open choices,
    history's note on the choice that led here, and an ending's epilogue."""
    frame = game.frame
    words = count_words(" ".join(frame.plain_text()))
    words += count_words(" ".join(c.label for c in frame.choices if c.available))
    if frame.verdict is not None and not frame.verdict.alone:
        words += count_words(frame.verdict.note)
    if frame.ended:
        words += count_words(" ".join(frame.plain_epilogue()))
    return words


def history_pick(open_now: list[Choice]) -> Choice:
    """The path of history's choice: the first faithful one open, else the first of the
    player's own, else the first open."""
    for kind in ("faithful", "own"):
        for choice in open_now:
            if choice.history == kind:
                return choice
    return open_now[0]


def reading(story: Story, start: str, pick: Callable[[list[Choice]], Choice]) -> tuple[int, int]:
    """(words read, reflection questions asked) on one playthrough from `start` to an
    ending, choosing with `pick`."""
    game = Game(story, seed=1, start=start)
    words = questions = 0
    for _ in range(1_000):
        words += frame_words(game)
        questions += sum(len(due.questions) for due in game.frame.reflection)
        if game.ended:
            return words, questions
        game.choose(pick(game.open_choices()).id)
    raise AssertionError(f"no ending within 1,000 steps from {start}")


def random_readings(story: Story, start: str, runs: int = 300) -> list[int]:
    chooser = random.Random(1)
    return [reading(story, start, chooser.choice)[0] for _ in range(runs)]


def minutes(words: int) -> int:
    return round(words / WORDS_PER_MINUTE)


# ---------------------------------------------------------------- the decisions


def decision_sections() -> dict[str, list[list[str]]]:
    """Viewpoint heading -> the rows of its table of decisions."""
    text = section(guide(), '## Where to ask "why?"')
    out = {}
    for heading in re.findall(r"^### (.+)$", text, re.M):
        out[heading] = table_rows(section(text, f"### {heading}"))
    return out


VIEWPOINT_HEADINGS = {
    "The messenger": "messenger",
    "The sailor": "sailor",
    "The palace volunteer": "palace",
    "The Congress delegate": "delegate",
}
BOTH_HISTORY = "Decisions where both sides are history"


@pytest.fixture(scope="module")
def open_sets(shipped_story):
    return reachable_open_sets(shipped_story)


def check_row(story: Story, row: list[str]) -> tuple[str, str]:
    """Checks the id, chapter number, title and path-of-history cell of a row; returns
    (scene id, the row's description)."""
    scene_id = SCENE_ID.search(row[0]).group(1)
    assert scene_id in story.scenes, f"the guide lists '{scene_id}', which the story lacks"
    scene = story.scenes[scene_id]
    chapter = story.chapters[scene.chapter]
    assert row[1] == str(chapter.number), f"{scene_id} is in chapter {chapter.number}"
    assert row[2] == scene.title, f"{scene_id} is called '{scene.title}'"
    on_path = faithful_state(story, scene_id) is not None
    assert row[4] == ("yes" if on_path else "no"), (
        f"{scene_id}: the path of history {'passes' if on_path else 'does not pass'} it"
    )
    assert len(scene.choices) >= 2, f"{scene_id} has fewer than two choices"
    return scene_id, row[3]


def test_the_guide_lists_decisions_for_every_viewpoint(shipped_story):
    found = decision_sections()
    for heading, viewpoint in VIEWPOINT_HEADINGS.items():
        assert found.get(heading), f"no decisions listed under '{heading}'"
        assert viewpoint in shipped_story.viewpoints
    assert found.get(BOTH_HISTORY)


def test_every_listed_decision_is_faithful_against_divergent(shipped_story, open_sets):
    for heading, viewpoint in VIEWPOINT_HEADINGS.items():
        for row in decision_sections()[heading]:
            scene_id, described = check_row(shipped_story, row)
            scene = shipped_story.scenes[scene_id]
            assert shipped_story.chapters[scene.chapter].viewpoint == viewpoint, scene_id
            kinds = {choice.history for choice in scene.choices}
            assert {"faithful", "divergent"} <= kinds, f"{scene_id}: {sorted(kinds)}"

            def both(open_now: tuple[Choice, ...]) -> bool:
                return {"faithful", "divergent"} <= {c.history for c in open_now}

            sets = open_sets.get(scene_id, set())
            assert any(both(s) for s in sets), f"{scene_id} never offers both at once"
            always = all(both(s) for s in sets)
            says_sometimes = "only when" in described
            assert always != says_sometimes, (
                f"{scene_id}: both are on offer {'always' if always else 'only sometimes'}; "
                f"the guide's row {'says' if says_sometimes else 'does not say'} 'only when'"
            )


def test_decisions_where_both_sides_are_history(shipped_story, open_sets):
    for row in decision_sections()[BOTH_HISTORY]:
        scene_id, _ = check_row(shipped_story, row)
        for open_now in open_sets[scene_id]:
            faithful = [c for c in open_now if c.history == "faithful"]
            assert len(faithful) >= 2, f"{scene_id}: {[c.id for c in open_now]}"


# ---------------------------------------------------------------- assignments and the lesson


def assignment_blocks() -> list[str]:
    return [
        text
        for language, text, directive in blocks(guide())
        if language == "yaml" and text.startswith("assignment:") and directive is None
    ]


def test_the_guides_assignments_load(shipped_story, tmp_path):
    found = assignment_blocks()
    assert len(found) >= 2
    for number, text in enumerate(found):
        path = tmp_path / f"assignment-{number}.yaml"
        path.write_text(text, encoding="utf-8")
        load_assignment(path, shipped_story)  # raises StoryError listing any problem


def test_the_lessons_why_scenes_are_met_on_every_playthrough(shipped_story, tmp_path):
    lesson = section(guide(), "## A 45-minute lesson")
    texts = [t for language, t, _ in blocks(lesson) if language == "yaml"]
    assert len(texts) == 1
    path = tmp_path / "lesson.yaml"
    path.write_text(texts[0], encoding="utf-8")
    assignment = load_assignment(path, shipped_story)
    assert assignment.start is not None and assignment.why_scenes
    for scene_id in assignment.why_scenes:
        assert met_on_every_playthrough(shipped_story, assignment.start, scene_id), scene_id
        assert f"`{scene_id}`" in lesson


def test_the_example_assignments_walkout_is_not_on_every_path(shipped_story):
    """The guide warns that the example's second "why?" is met only on some paths."""
    assert not met_on_every_playthrough(shipped_story, "c6-square", "c6-walkout")
    assert "c6-walkout" in section(guide(), "## A 45-minute lesson")


READING_ROW = re.compile(r"from `([a-z0-9-]+)`.*?\| ([\d,]+) words, (\d+) min \|")


def test_the_reading_times_are_those_of_the_story(shipped_story):
    rows = [
        line
        for line in section(guide(), "### Reading times, measured").splitlines()
        if line.startswith("| the ")
    ]
    assert len(rows) >= 8
    for line in rows:
        match = READING_ROW.search(line)
        assert match, line
        start, words, mins = match.group(1), int(match.group(2).replace(",", "")), match.group(3)
        assert int(mins) == minutes(words), f"{line}: {words} words are {minutes(words)} min"
        measured, questions = reading(shipped_story, start, history_pick)
        assert abs(measured - words) <= words / 10, (
            f"from {start} the path of history now reads {measured:,} words, not {words:,}: "
            "measure again (python -m tests.test_teachers_doc) and update the table"
        )
        assert line.rstrip(" |").endswith(f"| {questions}"), (
            f"from {start}: {questions} reflection questions"
        )


# ---------------------------------------------------------------- check --assignment


def test_the_sample_check_output_is_what_check_prints(tmp_path):
    exe = Path(sys.executable).parent / "petrograd"
    if not exe.exists():
        pytest.skip("the petrograd command is not installed beside this Python")
    found = list(blocks(guide()))
    written = [(text, directive) for _, text, directive in found if directive]
    (bad_text, write), (wanted, output) = written[:2]
    assert write == "write examples/bad.yaml" and output == "output"
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "bad.yaml").write_text(bad_text, encoding="utf-8")
    result = subprocess.run(
        [str(exe), "check", "--assignment", "examples/bad.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    printed = result.stdout + result.stderr
    assert result.returncode == 1, printed
    for line in wanted.strip().splitlines():
        assert line in printed, f"check no longer prints:\n{line}\nit prints:\n{printed}"
    good = subprocess.run(
        [str(exe), "check", "--assignment", str(ROOT / "examples" / "assignment.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stdout + good.stderr


# ---------------------------------------------------------------- the content note


def test_the_content_notes_endings_and_scenes_exist(shipped_story):
    note = section(guide(), "## Content note: violence in the story")
    endings = shipped_story.endings
    named = re.findall(r"\*\*([^*]+)\*\* \(`([a-z0-9-]+)`", note)
    assert len(named) >= 6
    for title, ending_id in named:
        assert ending_id in endings, f"no ending '{ending_id}'"
        assert endings[ending_id].ending.title == title, (ending_id, title)
    for scene_id in SCENE_ID.findall(note):
        assert scene_id in shipped_story.scenes or scene_id in endings, scene_id


# ---------------------------------------------------------------- links and the handout


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_guides_links_resolve():
    text = guide()
    anchors = {anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in anchors, f"no heading for {target}"
        elif not target.startswith("http"):
            assert (GUIDE.parent / target.split("#")[0]).exists(), target
    assert "](student-handout.md)" in text


def test_the_handout_is_one_page_and_names_real_keys():
    from game.tui.app import PetrogradApp
    from game.tui.screens.scene import SceneScreen

    text = HANDOUT.read_text(encoding="utf-8")
    words = len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'.-]*", text))  # not the tables' rules
    assert words <= 350, f"the handout has {words} words: it must fit on one page"
    keys = set()
    for binding in [*SceneScreen.BINDINGS, *PetrogradApp.BINDINGS]:
        keys.update(k.strip() for k in binding.key.split(","))
    for key, wanted in (
        ("H", "h"),
        ("C", "c"),
        ("W", "w"),
        ("Escape", "escape"),
        ("?", "question_mark"),
    ):
        assert f"**{key}**" in text, key
        assert wanted in keys, f"the game has no key {key}"
    for mark in ("FAITHFUL", "DIVERGENT", "YOUR OWN"):
        assert mark in text


if __name__ == "__main__":  # python -m tests.test_teachers_doc: the table of reading times
    from game.engine import load_story
    from game.paths import assets_dir, scenes_dir

    story = load_story([scenes_dir()], assets=assets_dir())
    for start in sys.argv[1:] or [
        "c6-square", "k3-canal", "w3-orators", "d3-declarations",
        "c1-smolny", "k1-anchor", "w1-levashovo", "d1-station",
    ]:  # fmt: skip
        words, questions = reading(story, start, history_pick)
        runs = random_readings(story, start)
        half, most = round(statistics.median(runs)), max(runs)
        print(
            f"from `{start}` | {words:,} words, {minutes(words)} min | {half:,} words, "
            f"{minutes(half)} min | {most:,} words, {minutes(most)} min | {questions} |"
        )
