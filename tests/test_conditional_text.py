"""Engine v2: text that depends on the state, the playthrough's memory, and the checks on both.

Every story here is a small inline one, so each test says exactly what it exercises.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.engine import Game, Record, check_story, load_story, replay
from game.engine.expr import ExprError, parse_condition
from game.engine.ranges import never_true
from game.engine.text import TextError, parse_template
from game.paths import assets_dir
from game.tools.exhaustive import check_exhaustive
from game.tools.stats import story_stats
from tests.fuzzing import examples

STORY = """\
format: 1
story:
  id: memory-story
  title: Memory
  version: 1.0.0
  start: gate
variables:
  nerve:
    type: int
    initial: 1
    min: 0
    max: 5
    label: Nerve
  warned:
    type: bool
    initial: false
    label: Sentries warned
"""

#: gate -> yard -> (back to gate | on to hall) -> end. Line numbers matter to the tests.
CHAPTER = """\
chapter:
  id: one
  number: 1
  title: One
  reflection: [What did you remember?]
scenes:
  - id: gate
    title: The Gate
    date: 1917-10-24
    time: evening
    place: Smolny
    sources: [eve-1]
    text: |
      You reach the gate {visits(gate) > 1? again | for the first time}.

      {chose(yard.back)?
      You come back from the [[Smolny|smolny]] yard out of breath.}

      A sentry {warned? nods at you | does not look up}.
    choices:
      - id: in
        label: Go {visited(yard)? back} into the yard
        goto: yard
        sources: [eve-1]
        history: faithful
        note: It happened.
        effects:
          - nerve += 1
          - if: chose(yard.back)
            then: [nerve += 2]
            else: warned = true
  - id: yard
    title: The Yard
    date: 1917-10-24
    time: night
    place: Smolny
    sources: [eve-2]
    text: The yard is dark{nerve >= 3?, but you are not afraid}.
    choices:
      - id: back
        label: Back to the gate
        goto: gate
        sources: [eve-1]
        history: divergent
        note: It did not happen.
      - id: on
        label: On to the hall
        goto: hall
        if: visits(gate) >= 2 or nerve >= 3
        disabled: You have too little nerve yet.
        sources: [eve-2]
        history: faithful
        note: It happened.
  - id: hall
    title: The Hall
    date: 1917-10-25
    time: dawn
    place: Smolny
    sources: [eve-2]
    text: Morning.
    ending:
      id: morning
      title: Morning
      kind: historical
      epilogue: You went to the gate {visits(gate) > 2? more than twice | twice}.
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def story_folder(tmp_path):
    return _write(tmp_path / "memory", {"story.yaml": STORY, "one.yaml": CHAPTER})


@pytest.fixture
def story(story_folder):
    return load_story([story_folder], assets=assets_dir())


def problems(folder: Path) -> list[str]:
    _, found = check_story([folder], assets=assets_dir())
    return [str(p).replace(str(folder) + "/", "") for p in found]


def with_chapter(tmp_path: Path, chapter: str) -> Path:
    return _write(tmp_path / "variant", {"story.yaml": STORY, "one.yaml": chapter})


# ---------------------------------------------------------------- reading the text


def test_the_first_visit_reads_plainly(story):
    frame = Game(story, seed=1).frame
    assert frame.plain_text() == [
        "You reach the gate for the first time.",
        "A sentry does not look up.",
    ]
    assert [c.label for c in frame.choices] == ["Go into the yard"]


def test_text_remembers_scenes_choices_and_variables(story):
    game = Game(story, seed=1)
    game.choose("in")  # nerve 1 -> 2, and (not back yet) warned = true
    assert game.variables == {"nerve": 2, "warned": True}
    assert game.frame.plain_text() == ["The yard is dark."]
    closed = game.frame.choices[1]
    assert (closed.available, closed.reason) == (False, "You have too little nerve yet.")
    game.choose("back")
    frame = game.frame
    assert frame.plain_text() == [
        "You reach the gate again.",
        "You come back from the Smolny yard out of breath.",
        "A sentry nods at you.",
    ]
    assert [span.term for span in frame.text[1] if span.term] == ["smolny"]
    assert [t.id for t in frame.terms] == ["smolny"]
    assert frame.choices[0].label == "Go back into the yard"
    game.choose("in")  # nerve 2 -> 3 -> 5 (the 'if: chose(yard.back)' group)
    assert game.variables["nerve"] == 5
    assert game.frame.plain_text() == ["The yard is dark, but you are not afraid."]
    game.choose("on")
    assert game.frame.plain_epilogue() == ["You went to the gate twice."]


def test_an_empty_alternative_leaves_no_gap():
    def render(raw: str, value: bool) -> str:
        template = parse_template(
            raw, lambda source: (parse_condition(source, {}), lambda s: value)
        )
        return template.render({})

    assert render("The yard is dark{true? , and cold}.", False) == "The yard is dark."
    assert render("You go {true? quickly} to the door.", False) == "You go to the door."
    assert render("You go {true? quickly}.", False) == "You go."
    assert render("{true? First.} Then second.", False) == "Then second."
    assert render("One.\n\n{true?\nA whole paragraph.}\n\nThree.", False) == "One.\n\n\nThree."
    assert render("One.\n{true? A line of it.}\nTwo.", False) == "One.\nTwo."  # one paragraph
    assert render("un{true? sea}{true? worthy}ship", False) == "unship"
    assert render('"{true? Please,} sit down." ({true? almost} all)', False) == '"sit down." (all)'
    assert render("He waited {true? long}…", False) == "He waited…"
    assert render("a {true? x} {true? y} b", False) == "a b"
    assert render("A [[Smolny|smolny]] {true? [[Soviet|soviet]] | b}.", True) == (
        "A [[Smolny|smolny]] [[Soviet|soviet]]."
    )


def test_alternatives_nest():
    template = parse_template(
        "{a? one {b? two | three} | four}",
        lambda source: (
            parse_condition(source, {"a": "bool", "b": "bool"}),
            lambda state, name=source: state[name],
        ),
    )
    assert template.render({"a": True, "b": True}) == "one two"
    assert template.render({"a": True, "b": False}) == "one three"
    assert template.render({"a": False, "b": True}) == "four"
    assert template.outline() == "(one (two | three) | four)"


@pytest.mark.parametrize(
    ("raw", "offset", "fragment"),
    [
        ("A {x? b", 2, "never closed"),
        ("A } b", 2, "closes nothing"),
        ("A {x b}", 2, "with a '?' after the condition"),
        ("A {? b}", 2, "condition is missing"),
        ("A {x? b | c | d}", 12, "a second '|'"),
        ("A {nope? b}", 3, "not a declared variable"),
        ("{x?" * 9 + "deep" + "}" * 9, 24, "nested more than 8"),
    ],
)
def test_mistakes_in_conditional_text_say_where(raw, offset, fragment):
    with pytest.raises(TextError) as caught:
        parse_template(
            raw, lambda source: (parse_condition(source, {"x": "bool"}), lambda state: True)
        )
    assert fragment in caught.value.message
    assert caught.value.offset == offset


# ---------------------------------------------------------------- memory in conditions


def test_memory_predicates_read_hyphenated_ids():
    tree = parse_condition("visited(c1-smolny) and chose(c1-front-order.defy)", {})
    assert "visited(c1-smolny)" in str(tree) or tree is not None
    with pytest.raises(ExprError, match="for a choice, write chose"):
        parse_condition("visited(c1.go)", {})
    with pytest.raises(ExprError, match="scene id and a choice id joined by a dot"):
        parse_condition("chose(c1)", {})


def test_a_closed_choices_reason_can_vary(tmp_path):
    chapter = CHAPTER.replace(
        "disabled: You have too little nerve yet.",
        "disabled: You have {warned? too little nerve | no nerve at all} yet.",
    )
    game = Game(load_story([with_chapter(tmp_path, chapter)], assets=assets_dir()), seed=1)
    game.choose("in")
    assert game.frame.choices[1].reason == "You have too little nerve yet."


def test_a_closed_choice_opens_by_memory(story):
    game = Game(story, seed=1)
    game.choose("in")
    assert not game.frame.choices[1].available
    game.choose("back")
    game.choose("in")  # visits(gate) is 2 now
    assert game.frame.choices[1].available


def test_only_memory_that_is_read_is_kept(story, make_story):
    assert set(story.memory) == {"visits:gate", "seen:yard", "chose:yard.back"}
    assert story.memory["visits:gate"].initial == 1  # the start counts as a visit
    plain = load_story([make_story()], assets=assets_dir())
    assert plain.memory == {}
    assert all(not c.memory for s in plain.scenes.values() for c in s.choices)


def test_a_game_started_later_remembers_the_path_of_history(story):
    game = Game(story, seed=1, start="yard")
    # history's path to the yard: gate -> in. So the yard was visited once, 'back' never.
    assert game.record.initial == {"nerve": 2, "warned": True}
    assert game.frame.choices[1].reason == "You have too little nerve yet."
    game.choose("back")
    assert game.frame.plain_text()[0] == "You reach the gate again."


def test_the_frame_carries_verdict_changes_and_citations(story):
    game = Game(story, seed=1)
    assert game.frame.verdict is None
    game.choose("in")
    frame = game.frame
    assert frame.verdict is not None
    assert (frame.verdict.label, frame.verdict.history) == ("Go into the yard", "faithful")
    assert frame.verdict.heading == "Your last choice was faithful to history:"
    nerve, warned = frame.variables
    assert (nerve.previous, nerve.value, nerve.delta, nerve.change) == (1, 2, 1, "1 -> 2")
    assert (nerve.minimum, nerve.maximum) == (0, 5)
    assert (warned.change, warned.delta) == ("no -> yes", None)
    assert frame.citations[0].id == "eve-2" and frame.citations[0].summary
    assert frame.choices[0].citations[0].id == "eve-1"
    game.choose("back")
    game.choose("in")
    game.choose("on")
    end = game.frame
    assert end.ending_kind == "The historical ending: this is what happened."
    assert [(r.chapter.id, r.at_end) for r in end.reflection] == [("one", True)]
    labels = [entry.label for entry in game.path()]
    assert labels == [
        "Go into the yard",
        "Back to the gate",
        "Go back into the yard",
        "On to the hall",
    ]
    assert game.path()[2].text[0][0].text == "You reach the gate again."
    assert game.met_terms() == {"smolny"}


def test_undo_restores_the_text_and_the_change(story):
    game = Game(story, seed=1)
    game.choose("in")
    game.choose("back")
    frame = game.undo()
    assert frame.plain_text() == ["The yard is dark."]
    assert frame.verdict is not None and frame.verdict.label == "Go into the yard"
    assert frame.variables[0].change == "1 -> 2"


def test_a_record_replays_to_the_same_text(story):
    game = Game(story, seed=3)
    for choice in ["in", "back", "in", "on"]:
        game.choose(choice)
    again = replay(story, Record.loads(game.record.dumps()))
    assert again.complete
    assert again.game.frame == game.frame
    assert again.game.path() == game.path()


# ---------------------------------------------------------------- checks


def test_unknown_names_in_conditions_are_errors_with_their_place(tmp_path):
    chapter = (
        CHAPTER.replace("{visits(gate) > 1?", "{visits(gaet) > 1?")
        .replace("{chose(yard.back)?", "{chose(yard.bak)?")
        .replace("if: visits(gate) >= 2", "if: visited(hal) or visits(gate) >= 2")
        .replace("{warned? nods", "{warnd? nods")
    )
    found = problems(with_chapter(tmp_path, chapter))
    assert "one.yaml:14:34: unknown-scene: there is no scene 'gaet'; did you mean 'gate'?" in found
    assert any(
        p.startswith("one.yaml:16:14: unknown-choice: the scene 'yard' has no choice 'bak'")
        and "did you mean 'back'" in p
        for p in found
    ), found
    assert (
        "one.yaml:19:17: bad-text: in the condition: 'warnd' is not a declared variable; did you mean 'warned'?"
        in found
    )
    assert any(
        p.startswith("one.yaml:49:21: unknown-scene: there is no scene 'hal'") for p in found
    ), found


def test_conditional_text_in_every_place_is_checked(tmp_path):
    chapter = CHAPTER.replace(
        "label: Go {visited(yard)? back} into", "label: Go {visited(yard) back} into"
    ).replace(
        "epilogue: You went to the gate {visits(gate) > 2?",
        "epilogue: You went to the gate {visits(gate) > 2",
    )
    found = problems(with_chapter(tmp_path, chapter))
    assert any(
        p.startswith("one.yaml:22:19: bad-text: a '{' starts conditional text") for p in found
    ), found
    assert any(
        p.startswith("one.yaml:65:38: bad-text: a '{' starts conditional text") for p in found
    ), found


def test_text_that_can_never_be_shown_is_a_warning(tmp_path):
    chapter = CHAPTER.replace("{nerve >= 3?, but", "{nerve > 5?, but").replace(
        "{warned? nods", "{warned or true? nods"
    )
    story = load_story([with_chapter(tmp_path, chapter)], assets=assets_dir())
    found = [str(p).split("/")[-1] for p in never_true(story)]
    assert any(
        p.startswith("one.yaml:38:27: text-never-shown") and "'nerve > 5' can never hold" in p
        for p in found
    ), found
    assert any(
        p.startswith("one.yaml:19:16: text-never-shown")
        and "'warned or true' always holds" in p
        and "after its '|'" in p
        for p in found
    ), found


def test_the_exhaustive_walk_finds_text_no_reachable_state_shows(tmp_path):
    # 'nerve >= 4' in the yard is possible by the ranges, but no path gets there with it.
    chapter = CHAPTER.replace("{nerve >= 3?, but", "{nerve >= 4 and not chose(yard.back)?, but")
    story = load_story([with_chapter(tmp_path, chapter)], assets=assets_dir())
    assert not [p for p in never_true(story) if "nerve >= 4" in str(p)]
    report = check_exhaustive(story)
    shown = [str(p) for p in report.problems() if p.code == "text-never-shown"]
    assert len(shown) == 1 and "nerve >= 4 and not chose(yard.back)" in shown[0], shown
    assert "one.yaml:38:27: text-never-shown" in shown[0]
    assert report.as_json()["text_never_shown"][0]["scene"] == "yard"
    # ... and the shipped form of the text is shown both ways somewhere.
    fine = check_exhaustive(
        load_story([with_chapter(tmp_path / "b", CHAPTER)], assets=assets_dir())
    )
    assert not [p for p in fine.problems() if p.code == "text-never-shown"]


def test_stats_count_words_per_branch(story):
    stats = story_stats(story)
    gate = next(s for s in stats.scenes if s.id == "gate")
    assert gate.fixed_words == len("You reach the gate A sentry".split())
    branches = [(b.key, b.condition, b.words_shown, b.words_otherwise) for b in gate.branches]
    assert branches == [
        ("text", "visits(gate) > 1", 1, 4),
        ("text", "chose(yard.back)", 10, 0),
        ("text", "warned", 3, 4),
        ("label", "visited(yard)", 1, 0),
    ]
    assert gate.words == gate.fixed_words + 1 + 4 + 10 + 3 + 4  # every part once
    assert stats.as_json()["scenes"][0]["branches"][0]["line"] == 14


def test_the_graph_is_unchanged_by_text_conditions(tmp_path, story):
    from game.tools.graph import to_dot, to_mermaid

    flat = CHAPTER
    for alternative in (
        "{visits(gate) > 1? again | for the first time}",
        "{nerve >= 3?, but you are not afraid}",
    ):
        flat = flat.replace(alternative, "")
    plain = load_story([with_chapter(tmp_path, flat)], assets=assets_dir())
    assert to_mermaid(plain) == to_mermaid(story)
    assert to_dot(plain) == to_dot(story)


# ---------------------------------------------------------------- properties


@given(st.lists(st.integers(0, 3), max_size=30), st.integers(0, 2**31 - 1))
@examples(60)
def test_any_playthrough_replays_to_identical_text(story_once, picks, seed):
    """Whatever path is played, its record (through JSON) replays to the same frame at
    every step, and the path reads the same: the text a student read can be rebuilt."""
    game = Game(story_once, seed=seed, clock=lambda: "2026-01-01T00:00:00Z")
    frames = [game.frame]
    for pick in picks:
        if game.ended:
            break
        open_ = game.open_choices()
        game.choose(open_[pick % len(open_)].id)
        frames.append(game.frame)
    record = Record.loads(game.record.dumps())
    for count, frame in enumerate(frames):
        shorter = Record(
            record.story_id, record.story_version, record.story_hash, record.seed,
            record.start, record.steps[:count],
        )  # fmt: skip
        again = replay(story_once, shorter)
        assert again.complete and again.game.frame == frame
    assert replay(story_once, record).game.path() == game.path()


@given(st.text(alphabet="ab {}|?[]:\n.", max_size=40))
@examples(300)
def test_reading_any_text_gives_a_template_or_a_text_error(raw):
    try:
        template = parse_template(
            raw, lambda source: (parse_condition(source, {"a": "bool"}), lambda state: True)
        )
    except TextError as exc:
        assert 0 <= exc.offset <= len(raw)
        return
    rendered = template.render({})
    assert "\x00" not in rendered
    errors: list[TextError] = []
    parse_template(
        raw, lambda source: (parse_condition(source, {"a": "bool"}), lambda s: True), errors
    )


@pytest.fixture(scope="module")
def story_once(tmp_path_factory):
    folder = _write(tmp_path_factory.mktemp("once"), {"story.yaml": STORY, "one.yaml": CHAPTER})
    return load_story([folder], assets=assets_dir())


# ---------------------------------------------------------------- lifecycle


def test_loading_and_replaying_many_times_leaves_memory_flat(story_folder):
    """Nothing process-wide keeps stories or games alive: thirty loads (as --dev does) and
    three hundred replays (as report does) cost no more than the first few. The bound is
    2,000 bytes a load (and 200 a replay), as it was with a hundred loads and a thousand
    replays: what is kept after the warm-up does not grow with the count (about 12 KB
    for either), so the smaller run finds the same leaks at a third of the cost."""
    import gc
    import tracemalloc

    def work(loads: int, replays: int) -> None:
        for _ in range(loads):
            story = load_story([story_folder], assets=assets_dir())
            game = Game(story, seed=1)
            game.choose("in")
        record = game.record
        for _ in range(replays):
            replay(story, record).game.frame  # noqa: B018 - a frame is built, then dropped

    work(3, 30)  # warm up: caches of the parser and the regular expressions fill once
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work(30, 300)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 60_000, f"{after - before:,} bytes kept after 30 loads and 300 replays"


def test_the_story_keeps_its_machine_and_nothing_else_does(story_folder):
    import gc
    import weakref

    story = load_story([story_folder], assets=assets_dir())
    game = Game(story, seed=1)
    assert game._machine is story.machine  # one machine per story, kept by the story
    gone = weakref.ref(story), weakref.ref(game)
    del story, game
    gc.collect()
    assert gone[0]() is None and gone[1]() is None


# ---------------------------------------------------------------- what the teacher sees


def test_the_transcript_shows_the_text_the_student_read(story):
    from game.classroom.handin import seal, verify
    from game.classroom.transcript import render_html, render_markdown

    game = Game(story, seed=1, clock=lambda: "2026-01-01T00:00:00Z")
    for choice in ["in", "back", "in", "on"]:
        game.choose(choice)
    data = seal(
        game.record, story, student="Vera", assignment=None, answers=[],
        started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:10:00Z",
    )  # fmt: skip
    checked = verify(data, story)
    assert checked.status == "verified", checked.reasons
    markdown = render_markdown(data, story, checked)
    assert "**Choice:** Go back into the yard" in markdown  # as read, not as written
    assert "{visited(yard)?" not in markdown and "{" not in markdown
    assert "> You come back from the Smolny yard out of breath." in markdown
    assert "You went to the gate twice." in markdown
    html = render_html(data, story, checked)
    assert "Go back into the yard" in html and "You reach the gate again." in html
    assert "{" not in html.split("<style>")[0] + html.split("</style>")[-1]


def test_every_text_of_the_shipped_story_renders_clean(shipped_story):
    """Along many random playthroughs, every frame's text, labels, reasons and epilogue
    read as prose: no braces, no condition and no doubled space left behind."""
    import random

    rng = random.Random(1917)
    game = Game(shipped_story, seed=1)
    for _ in range(150):
        game.restart(rng.randrange(2**31))
        while True:
            frame = game.frame
            texts = [*frame.plain_text(), *frame.plain_epilogue()]
            texts += [c.label for c in frame.choices] + [c.reason or "" for c in frame.choices]
            for text in texts:
                assert not set(text) & set("{}\x00"), (frame.scene.id, text)
                assert "  " not in text and text == text.strip(), (frame.scene.id, text)
            if frame.ended:
                break
            game.choose(rng.choice(game.open_choices()).id)


# ---------------------------------------------------------------- found in review


def test_an_if_group_applies_then_or_else_never_both(tmp_path):
    """The group's condition is read once: 'then' changing what it reads cannot also
    bring on the 'else'."""
    chapter = CHAPTER.replace(
        """          - if: chose(yard.back)
            then: [nerve += 2]
            else: warned = true""",
        """          - if: nerve < 3
            then: nerve += 3
            else: warned = true""",
    )
    game = Game(load_story([with_chapter(tmp_path, chapter)], assets=assets_dir()), seed=1)
    game.choose("in")  # nerve 1 -> 2 -> 5; 'nerve < 3' was read once, so no 'else'
    assert game.variables == {"nerve": 5, "warned": False}


def test_a_game_started_off_the_path_of_history_has_been_only_there(tmp_path):
    chapter = CHAPTER.replace(
        "  - id: hall\n",
        """  - id: side
    title: A Side Door
    date: 1917-10-24
    time: night
    place: Smolny
    sources: [eve-2]
    text: You are {visited(side)? here | nowhere}; the gate {visited(gate)? behind you | unseen}.
    choices:
      - id: out
        label: Out
        goto: gate
        sources: [eve-2]
        history: divergent
        note: Invented.
  - id: hall
""",
    ).replace(
        "      - id: on\n",
        "      - id: side\n        label: Side\n        goto: side\n        sources: [eve-2]\n        history: divergent\n        note: Invented.\n      - id: on\n",
    )
    story = load_story([with_chapter(tmp_path, chapter)], assets=assets_dir())
    game = Game(story, seed=1, start="side")  # no faithful path passes the side door
    assert game.frame.plain_text() == ["You are here; the gate unseen."]
    game.choose("out")
    assert game.frame.plain_text()[0] == "You reach the gate for the first time."


def test_asking_only_whether_a_scene_was_visited_keeps_the_walk_small(tmp_path):
    """visited() is kept as true/false, apart from the count: loops through a scene do not
    multiply the states of a story that never asks how often."""
    hub = CHAPTER.replace(
        "{visits(gate) > 1? again | for the first time}", "{visited(yard)? again | first}"
    )
    hub = hub.replace("if: visits(gate) >= 2 or nerve >= 3", "if: nerve >= 3")
    hub = hub.replace(
        "{visits(gate) > 2? more than twice | twice}", "{chose(yard.back)? more | once}"
    )
    story = load_story([with_chapter(tmp_path, hub)], assets=assets_dir())
    assert "visits:gate" not in story.memory and story.memory["seen:yard"].type == "bool"
    report = check_exhaustive(story)
    assert report.complete and report.exploration.states < 40


def test_a_variable_cannot_take_a_word_of_the_language(tmp_path):
    folder = _write(
        tmp_path / "reserved",
        {
            "story.yaml": STORY + "  visited:\n    type: bool\n    initial: false\n",
            "one.yaml": CHAPTER,
        },
    )
    assert any(
        "reserved-name: 'visited' is a word of the condition language" in p
        for p in problems(folder)
    )


def test_a_flagged_transcript_shows_labels_both_ways_never_braces(story):
    from game.classroom.handin import seal, verify
    from game.classroom.transcript import render_markdown

    game = Game(story, seed=1, clock=lambda: "2026-01-01T00:00:00Z")
    for choice in ["in", "back", "in"]:
        game.choose(choice)
    data = seal(
        game.record, story, student="Vera", assignment=None, answers=[],
        started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:10:00Z",
    )  # fmt: skip
    data["steps"][1]["choice"] = "on"  # an impossible path: the replay stops at step 2
    checked = verify(data, story)
    assert checked.status == "flagged"
    markdown = render_markdown(data, story, checked)
    assert "**Choice:** Go (back) into the yard" in markdown  # step 3: not replayed
    assert "{" not in markdown
