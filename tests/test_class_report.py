"""The class report's second part (issue #17): a generated class of 30 files with early
hand-ins and finished ones, retries, two assignments, copied answers, a playthrough too
fast to have been read, one spread over two sittings, and names in other alphabets and
hostile ones; checked against the report's figures, the grid, the CSV files, and the
hand-in record's attempts."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from game.classroom import report as report_module
from game.classroom.assignment import load_assignment
from game.classroom.handin import seal, verify
from game.classroom.markup import percent, script_hash
from game.classroom.report import (
    REPORT_FILES,
    build_report,
    render_answers_csv,
    render_grid_csv,
    render_report_csv,
    render_report_html,
    render_report_markdown,
    summary_text,
    write_report,
)
from game.classroom.transcript import read_handin_facts, render_html, render_markdown
from game.cli import main
from game.engine import load_story
from game.engine.record import read_time
from tests.conftest import ROOT
from tests.handins import clock_every, clock_of, earlier_attempt, hand_in, play
from tests.test_report import assert_markdown_is_safe, assert_only_text, parse_page

EXAMPLE = ROOT / "examples" / "assignment.yaml"
SAILOR_ASSIGNMENT = """\
assignment:
  id: kronstadt
  title: From Kronstadt to Moscow
  instructions: Play the Kronstadt sailor from the anchor to the end.
  viewpoint: sailor
  reflection: none
  why: [k1-soviet]
"""

SCRIPT_NAME = "<script>alert(1)</script>"
MD_NAME = "**Bold** | [x](javascript:alert(1)) # hi"
FORMULA_NAME = "=cmd|' /C calc'!A0"
ACCENTED = "Ádám Élő-Ñúñez"
CYRILLIC = "Фёдор Раскольников"
CYRILLIC_SAILOR = "Вера Московская"

# Paths from the square (scene -> choice; elsewhere the default of tests/handins.py).
HISTORY: dict[str, str] = {}
DOORS = {"c6-women": "to-congress", "c6-walkout": "hold-them"}
ATTACK = {"c6-lenin-waits": "attack-now"}
MASSACRE = {"c6-signal": "carry-live", "c6-ministers": "stand-aside"}
CONGRESS = {"c6-women": "to-congress"}
BROKEN = {"c6-signal": "carry-live"}
# The sailor who goes to Moscow meets three scenes with only one way open: at the train
# (divergent), the truce and the guns (faithful).
MOSCOW = {"k5-dawn": "moscow"}
ALONE_ON_THE_WAY_TO_MOSCOW = {"k5-train", "k5-truce", "k5-guns"}

COPIED = "The Red Guard kept the ministers safe, and little blood was spent."
COPIED_AGAIN = "the red guard kept the ministers  safe and little blood was spent!!"
WHY_COPIED = "Because blank rounds spare lives."
WHY_COPIED_AGAIN = "because BLANK rounds, spare lives"

START = "2026-11-27T09:00:00Z"
#: Two sittings: six choices on Friday, the rest on Sunday.
FRIDAY = [f"2026-11-27T09:{m:02d}:00Z" for m in range(1, 7)]
SUNDAY = [f"2026-11-29T14:{m:02d}:00Z" for m in range(1, 8)]


def _write(folder: Path, name: str, data) -> None:
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _make_class(folder: Path, story, october, kronstadt) -> None:
    """30 files: 25 for the square (one tampered, one not JSON), 5 for the sailor."""

    def a(name, student, picks=HISTORY, **options):
        _write(folder, name, hand_in(story, october, student, picks, **options))

    a("a01.json", "Anna Akhmatova")
    a("a02.json", ACCENTED)
    a("a03.json", CYRILLIC, DOORS)
    a("a04.json", SCRIPT_NAME, MASSACRE, answer_text="<b>bold</b> & <i>more</i> </td>")
    a("a05.json", FORMULA_NAME, CONGRESS)
    a("a06.json", MD_NAME)
    a("a07.json", "@SUM(A1:A9)", ATTACK)
    a("a08.json", "+Yakov Sverdlov", stop=3)
    # Handed in early, then finished: one student, one latest record, however the name
    # was typed the second time; the early one's file name sorts after the finished one.
    a("a09.json", "Boris Pasternak", stop=4, finished_at="2026-11-27T09:20:00Z")
    a("a10.json", "  boris PASTERNAK ", finished_at="2026-11-27T10:05:00Z")
    a("z-elena-early.json", "Elena Stasova", stop=6, finished_at="2026-11-27T09:30:00Z")
    a("b-elena.json", "Elena Stasova", finished_at="2026-11-27T11:00:00Z")
    # Retries: the second and the third attempt.
    a(
        "a13.json",
        "Larisa Reisner",
        attempt=2,
        earlier=[earlier_attempt(1, "2026-11-27T08:00:00Z", "2026-11-27T08:40:00Z", 9, "massacre")],
    )
    a(
        "a14.json",
        "Ivar Smilga",
        ATTACK,
        attempt=3,
        earlier=[
            earlier_attempt(1, "2026-11-26T08:00:00Z", "2026-11-26T08:30:00Z", 4),
            earlier_attempt(2, "2026-11-26T09:00:00Z", "2026-11-26T09:40:00Z", 11, "history"),
        ],
    )
    # Copied answers: alike once case, spacing and punctuation are set aside.
    a("a15.json", "Copy One", answer_text=COPIED)
    a("a16.json", "Copy Two", MASSACRE, answer_text=COPIED_AGAIN)
    a("a17.json", "Why Twin One", why_text=WHY_COPIED)
    a("a18.json", "Why Twin Two", why_text=WHY_COPIED_AGAIN)
    # Alike too, but too short to mean anything.
    a("a19.json", "Short Answer", answer_text="yes")
    a("a20.json", "Short Too", answer_text="Yes.")
    # A choice a second: thousands of words in seconds.
    a(
        "a21.json",
        "Speedy Gonzales",
        clock=clock_every(START, 1),
        finished_at="2026-11-27T09:00:20Z",
    )
    # Two sittings two days apart: not 3,000 minutes.
    a(
        "a22.json",
        "Sleepy Sam",
        clock=clock_of(FRIDAY + SUNDAY),
        finished_at="2026-11-29T14:09:00Z",
    )
    a("a25.json", "Dora Kaplan", BROKEN)
    tampered = hand_in(story, october, "Tampered Choice")
    tampered["steps"][2]["choice"] = "listen-speakers"
    _write(folder, "a23.json", tampered)
    (folder / "a24.json").write_text("Dear teacher, here is my work {", encoding="utf-8")

    def k(name, student, picks=HISTORY, **options):
        _write(folder, name, hand_in(story, kronstadt, student, picks, **options))

    k("k01.json", "Syoma Default")
    k("k02.json", "Moscow Runner", MOSCOW)
    k("k03.json", CYRILLIC_SAILOR, MOSCOW)
    k("k04.json", "Vetrov", stop=5, finished_at="2026-11-27T09:10:00Z")
    k("k05.json", "VETROV", finished_at="2026-11-27T10:05:00Z")


@pytest.fixture(scope="module")
def october(shipped_story):
    return load_assignment(EXAMPLE, shipped_story)


@pytest.fixture(scope="module")
def kronstadt_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("assignments") / "kronstadt.yaml"
    path.write_text(SAILOR_ASSIGNMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def kronstadt(shipped_story, kronstadt_file):
    return load_assignment(kronstadt_file, shipped_story)


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory, shipped_story, october, kronstadt) -> Path:
    folder = tmp_path_factory.mktemp("class")
    _make_class(folder, shipped_story, october, kronstadt)
    return folder


@pytest.fixture(scope="module")
def report(class_folder, shipped_story, october):
    """The report on the square's assignment (the sailors' records are flagged)."""
    return build_report(class_folder, shipped_story, october)


@pytest.fixture(scope="module")
def sailors(class_folder, shipped_story, kronstadt):
    return build_report(class_folder, shipped_story, kronstadt)


@pytest.fixture(scope="module")
def unsorted(class_folder, shipped_story):
    """The report with no assignment file: two assignments, reported apart."""
    return build_report(class_folder, shipped_story)


@pytest.fixture(scope="module")
def html(report) -> str:
    return render_report_html(report)


def _facts(report):
    return {e.facts.student: e.facts for e in report.counted}


def _entry(report, file):
    return next(e for e in report.entries if e.file == file)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_class_has_thirty_files(class_folder):
    assert len(list(class_folder.glob("*.json"))) == 30


def test_statuses(report):
    status = {e.file: e.status for e in report.entries}
    assert [f for f, s in status.items() if s == "unreadable"] == ["a24.json"]
    flagged = {f for f, s in status.items() if s == "flagged"}
    assert flagged == {"a23.json", "k01.json", "k02.json", "k03.json", "k04.json", "k05.json"}
    assert "made for another assignment ('kronstadt')" in _entry(report, "k01.json").reasons
    assert len(report.by_status("verified")) == 23


# ---------------------------------------------------------------- 1. attempts in the record


def test_attempts_are_sealed_and_read(report):
    facts = _facts(report)
    assert facts["Larisa Reisner"].attempt == 2
    assert [e.ending for e in facts["Larisa Reisner"].earlier_attempts] == ["massacre"]
    assert facts["Ivar Smilga"].attempt == 3
    assert [e.attempt for e in facts["Ivar Smilga"].earlier_attempts] == [1, 2]
    assert facts["Anna Akhmatova"].attempt == 1 and facts["Anna Akhmatova"].earlier_attempts == ()


def test_an_old_record_without_attempts_is_attempt_one_and_verified():
    fixtures = ROOT / "tests" / "fixtures" / "format-v1"
    story = load_story([fixtures / "story"], assets=fixtures / "assets")
    data = json.loads((fixtures / "handin.json").read_text("utf-8"))
    assert "attempt" not in data["extra"] and "earlier_attempts" not in data["extra"]
    found = verify(data, story, load_assignment(fixtures / "assignment.yaml", story))
    assert found.status == "verified", found.reasons
    facts = read_handin_facts(data, story, found)
    assert (facts.attempt, facts.earlier_attempts) == (1, ())


@pytest.fixture(scope="module")
def second_attempt(shipped_story, october):
    return hand_in(
        shipped_story,
        october,
        "Larisa Reisner",
        stop=2,
        attempt=2,
        earlier=[earlier_attempt(1, "2026-11-27T08:00:00Z", "2026-11-27T08:40:00Z", 9, "massacre")],
    )


def test_editing_the_attempts_breaks_the_chain(second_attempt, shipped_story, october):
    assert verify(second_attempt, shipped_story, october).verified
    assert second_attempt["extra"]["attempt"] == 2
    assert second_attempt["extra"]["earlier_attempts"] == [
        {
            "attempt": 1,
            "started_at": "2026-11-27T08:00:00Z",
            "ended_at": "2026-11-27T08:40:00Z",
            "steps": 9,
            "ending": "massacre",
        }
    ]
    for edit in (
        lambda extra: extra.update(attempt=1, earlier_attempts=[]),  # "my first try"
        lambda extra: extra["earlier_attempts"][0].update(ending="history"),
        lambda extra: extra.pop("attempt") and extra.pop("earlier_attempts"),
    ):
        edited = copy.deepcopy(second_attempt)
        edit(edited["extra"])
        found = verify(edited, shipped_story, october)
        assert found.status == "flagged"
        assert "step 1 does not match its hash" in " ".join(found.reasons)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"attempt": 3}, "it says it is attempt 3 but lists 1 earlier attempt(s)"),
        ({"attempt": 0, "earlier_attempts": []}, "its attempt number (0) is not a whole number"),
        ({"attempt": True, "earlier_attempts": []}, "its attempt number (True)"),
        ({"earlier_attempts": "one"}, "its earlier attempts are damaged"),
        ({"earlier_attempts": [{"attempt": 1}]}, "earlier attempt 1 is damaged"),
        (
            {"earlier_attempts": [earlier_attempt(2, START, START, 3)]},
            "earlier attempt 1 is numbered 2",
        ),
        (
            {"earlier_attempts": [earlier_attempt(1, "yesterday", START, 3)]},
            "earlier attempt 1 has a start or end that is not a time",
        ),
        (
            {"earlier_attempts": [earlier_attempt(1, START, START, -1)]},
            "earlier attempt 1 has a number of steps",
        ),
        (
            {"earlier_attempts": [earlier_attempt(1, START, START, 3, 42)]},
            "earlier attempt 1 names its ending by something that is not an id",
        ),
        (
            {
                "earlier_attempts": [
                    earlier_attempt(1, "2026-11-29T08:00:00Z", "2026-11-29T08:30:00Z", 3)
                ]
            },
            "its attempts are out of order",
        ),
    ],
)
def test_attempts_that_cannot_be_so_are_flagged(
    second_attempt, shipped_story, october, changes, reason
):
    # Changed, and the chain linked again over what it now says, as a forger would (the
    # format is public): only what the record says can give it away.
    data = copy.deepcopy(second_attempt)
    data["extra"].update(changes)
    relinked = _relink(data)
    found = verify(relinked, shipped_story, october)
    assert found.status == "flagged"
    joined = " ".join(found.reasons)
    assert reason in joined, joined
    assert "does not match its hash" not in joined  # caught by what it says, not the chain
    read_handin_facts(relinked, shipped_story, found)  # and read without a crash


def _relink(data):
    """Seal `data` as it stands: the chain of docs/teachers.md recomputed over what it now
    says (steps without answers, as in a record of two choices)."""

    def link(previous: str, value) -> str:
        canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return (
            "sha256:" + hashlib.sha256(previous.encode() + b"\n" + canonical.encode()).hexdigest()
        )

    extra = data["extra"]
    header = {
        "story": data.get("story"),
        "seed": data.get("seed"),
        "start": data.get("start"),
        "initial": data.get("initial"),
        "student": extra.get("student"),
        "assignment": extra.get("assignment"),
        "started_at": extra.get("started_at"),
        **{key: extra[key] for key in ("attempt", "earlier_attempts") if key in extra},
    }
    chain = link("", header)
    for step in data["steps"]:
        content = {k: v for k, v in step.items() if k != "hash"}
        chain = link(chain, {"step": content, "answers": []})
        step["hash"] = chain
    closing = {
        "ending": extra.get("ending"),
        "complete": extra.get("complete"),
        "finished_at": extra.get("finished_at"),
        "answers": [],
    }
    extra["seal"] = link(chain, closing)
    return data


def test_seal_refuses_attempts_that_do_not_fit(shipped_story, october):
    game, _ = play(shipped_story, october.start, stop=1)
    common = dict(student="X", assignment=october, answers=[], started_at=START, finished_at=START)
    with pytest.raises(ValueError, match="attempt 2 needs 1 earlier attempt"):
        seal(game.record, shipped_story, attempt=2, **common)
    with pytest.raises(ValueError, match="earlier attempt 1 is numbered 5"):
        seal(
            game.record,
            shipped_story,
            attempt=2,
            earlier=[earlier_attempt(5, START, START, 1)],
            **common,
        )


# ---------------------------------------------------------------- 2. real decisions


def test_faithful_counts_only_real_decisions(sailors, shipped_story, kronstadt):
    runner = _facts(sailors)["Moscow Runner"]
    alone = [step for step in runner.steps if not step.decision]
    assert {step.scene_id for step in alone} == ALONE_ON_THE_WAY_TO_MOSCOW
    assert {step.history for step in alone} == {"faithful", "divergent"}
    # Counting every step, as before, would have graded the three steps with one way open.
    every = [step for step in runner.steps if step.history in ("faithful", "divergent")]
    faithful_every = sum(1 for step in every if step.history == "faithful")
    assert runner.judged == len(every) - 3
    assert runner.faithful == faithful_every - 2
    assert runner.faithful_percent == percent(faithful_every - 2, len(every) - 3)
    assert runner.faithful_percent != percent(faithful_every, len(every))
    assert len(runner.decisions) == len(runner.steps) - 3


def test_scenes_nobody_decided_at_are_not_decisions(sailors):
    decided = {d.scene_id for d in sailors.decisions}
    assert decided and not decided & ALONE_ON_THE_WAY_TO_MOSCOW
    assert not {d.scene_id for d in sailors.grid.columns} & ALONE_ON_THE_WAY_TO_MOSCOW
    text = render_report_markdown(sailors)
    for scene_id in ALONE_ON_THE_WAY_TO_MOSCOW:
        assert f"### {sailors.story.scenes[scene_id].title}\n" not in text


def test_a_step_past_where_the_path_replays_is_a_decision_if_its_scene_has_two_choices(
    small_story,
):
    game, _ = play(small_story, None)
    data = seal(
        game.record,
        small_story,
        student="Solo",
        assignment=None,
        answers=[],
        started_at=START,
        finished_at="2026-11-27T09:05:00Z",
    )
    found = verify(data, small_story)
    facts = read_handin_facts(data, small_story, found)
    # At the start only 'up' is open: no decision, nothing graded.
    assert found.verified and facts.decisions == () and facts.faithful_percent is None
    data["steps"][0]["choice"] = "locked"  # closed there: the path no longer replays
    found = verify(data, small_story)
    facts = read_handin_facts(data, small_story, found)
    assert found.status == "flagged" and facts.steps[0].read is None
    assert len(facts.decisions) == 1 and facts.judged == 1  # three choices: counted


# ---------------------------------------------------------------- 3. who chose what


def test_the_grid_has_a_row_per_student_and_a_column_per_decision(report, shipped_story):
    grid = report.grid
    order = list(shipped_story.scenes)
    columns = [d.scene_id for d in grid.columns]
    assert columns == sorted(columns, key=order.index)  # the story's order
    assert columns[:2] == ["c6-square", "c6-lenin-waits"]
    rows = {entry.facts.student: cells for entry, cells in grid.rows}
    assert len(rows) == len(report.counted) == 21
    assert "Boris Pasternak" not in rows and "boris PASTERNAK" in rows  # the latest only
    anna = dict(zip(columns, rows["Anna Akhmatova"], strict=True))
    assert anna["c6-walkout"] is None  # she never went to the White Hall
    assert not any(cell.divergent for cell in anna.values() if cell)
    larisa = dict(zip(columns, rows[CYRILLIC], strict=True))
    assert larisa["c6-walkout"].divergent and larisa["c6-walkout"].history == "divergent"
    signal = shipped_story.scenes["c6-signal"].choice("carry-live")
    assert dict(zip(columns, rows[SCRIPT_NAME], strict=True))["c6-signal"].label == signal.label


def test_the_grid_in_html_marks_divergent_cells_in_words(html, report):
    page = parse_page(html)
    text = "".join(page.text)
    assert "Who chose what" in text and "✗ marks a divergent choice" in text
    cells = re.findall(r"<td class='divergent[^']*'[^>]*>(.*?)</td>", html)
    expected = sum(1 for _, row in report.grid.rows for cell in row if cell and cell.divergent)
    assert len(cells) == expected >= 5
    assert all(cell.startswith("<span class='mark'>✗</span> ") for cell in cells)


def test_the_grid_csv(report, shipped_story):
    rows = _csv_rows(render_grid_csv(report))
    assert len(rows) == 21
    header = list(rows[0])
    assert header[:4] == ["student", "file", "assignment", "attempt"]
    signal = shipped_story.scenes["c6-signal"]
    (column,) = [h for h in header if h.endswith(f". {signal.title}")]
    by = {row["student"]: row for row in rows}
    assert by["Dora Kaplan"][column] == f"{signal.choice('carry-live').label} (divergent)"
    assert by["Anna Akhmatova"][column] == signal.choice("carry-blank").label
    assert by["'" + FORMULA_NAME]["file"] == "a05.json"  # formula-escaped
    assert by["Ivar Smilga"]["attempt"] == "3"


# ---------------------------------------------------------------- 4. minutes


def test_minutes_are_active_time(report):
    facts = _facts(report)
    # 13 one-minute choices, 47 minutes to the answers counted as 10, 5 to the hand-in.
    assert facts["Anna Akhmatova"].minutes == 28 and facts["Anna Akhmatova"].breaks == 1
    sleepy = facts["Sleepy Sam"]
    span = read_time(sleepy.finished_at) - read_time(sleepy.started_at)
    assert span.days == 2  # over 3,000 minutes from start to finish
    # Six choices a minute apart, two days counted as 10 minutes, seven more choices a
    # minute apart (6 minutes), 2 minutes to the hand-in.
    assert sleepy.minutes == 6 + 10 + 6 + 2 and sleepy.breaks == 1
    assert not sleepy.too_fast


def test_a_playthrough_too_fast_to_read_is_noted_not_flagged(report, html):
    speedy = _entry(report, "a21.json")
    assert speedy.status == "verified" and speedy.counted
    facts = speedy.facts
    assert facts.too_fast and facts.active_seconds == 20
    assert facts.fast_note == f"read {facts.words_read:,} words in 20 seconds"
    assert facts.words_read > 2000
    assert [e.file for e in report.groups[0].fast] == ["a21.json"]
    text = " ".join(" ".join(parse_page(html).text).split())
    assert f"fast: Speedy Gonzales read {facts.words_read:,} words in 20 seconds" in text
    assert "fast: Speedy Gonzales" in summary_text(report)
    row = {r["file"]: r for r in _csv_rows(render_report_csv(report))}["a21.json"]
    assert row["minutes"] == "under 1" and "fast: read" in row["note"]
    assert not _facts(report)["Anna Akhmatova"].too_fast


# ---------------------------------------------------------------- 5. one student, one record


def test_one_student_one_latest_record(report):
    boris_early, boris = _entry(report, "a09.json"), _entry(report, "a10.json")
    assert boris_early.status == boris.status == "verified"
    assert boris_early.superseded_by == "a10.json" and not boris_early.counted
    assert boris.counted and boris.facts.complete
    elena_early = _entry(report, "z-elena-early.json")
    assert elena_early.superseded_by == "b-elena.json"  # by finish time, not file name
    assert {e.file for e in report.earlier} == {"a09.json", "z-elena-early.json"}
    names = [e.facts.student.casefold().strip() for e in report.counted]
    assert len(names) == len(set(names)) == 21
    assert len(report.finished) == 20  # Yakov stopped after 3 choices
    text = summary_text(report)
    assert "20 of 21 verified record(s) finished" in text
    assert "2 earlier hand-in(s) are listed, not counted twice" in text
    rows = {r["file"]: r for r in _csv_rows(render_report_csv(report))}
    assert rows["a09.json"]["counted"] == "no: earlier hand-in (the latest is a10.json)"
    assert rows["a10.json"]["counted"] == "yes"


def test_the_earlier_hand_ins_answers_are_not_shown_twice(report):
    question = report.questions[0]
    students = [student.casefold().strip() for student, _, _ in question.answers]
    assert students.count("boris pasternak") == 1


def test_records_for_two_assignments_are_reported_apart(unsorted, sailors):
    assert unsorted.several and [g.assignment_id for g in unsorted.groups] == [
        "kronstadt",
        "october-night",
    ]
    text = summary_text(unsorted)
    assert "These records were made for 2 assignments: From Kronstadt to Moscow" in text
    assert "give --assignment FILE to report on one".casefold() in text.casefold()
    assert "From Kronstadt to Moscow: 4 of 4 verified record(s) finished" in text
    assert "The Night of 25 October: 0 of 0 verified record(s) finished" in text
    # Without the file, the square's records start where no game starts: none counts; the
    # sailors' start is the story's own viewpoint start: they count, in their own group.
    kron, octo = unsorted.groups
    assert len(octo.counted) == 0 and len(kron.counted) == 4
    assert {e.facts.student for e in kron.counted} == {e.facts.student for e in sailors.counted}
    assert unsorted.endings == () and unsorted.decisions == ()  # nothing added together
    source = render_report_html(unsorted)
    ids = re.findall(r'id="([^"]+)"', source)
    assert len(ids) == len(set(ids)) and "who-2" in ids  # each group's sections apart
    page = " ".join(" ".join(parse_page(source).text).split())
    assert "Who handed in: From Kronstadt to Moscow" in page
    assert "Who handed in: The Night of 25 October" in page
    md_text = render_report_markdown(unsorted)
    assert "## Decisions: From Kronstadt to Moscow" in md_text


# ---------------------------------------------------------------- 6. identical answers


def test_identical_answers_are_listed(report, html):
    same = {frozenset(s for s, _, _ in found.given) for found in report.same_answers}
    assert frozenset({"Copy One", "Copy Two"}) in same
    assert frozenset({"Why Twin One", "Why Twin Two"}) in same
    assert not any("Short Answer" in group for group in same)  # "yes" is no copy
    assert not any("Boris Pasternak" in g or "boris PASTERNAK" in g for g in same)
    assert "Identical answers" in html
    rows = _csv_rows(render_answers_csv(report))
    copy_two = [r for r in rows if r["student"] == "Copy Two" and r["kind"] == "reflection"]
    assert copy_two and all(r["same answer as"] == "Copy One" for r in copy_two)
    assert any(r["same answer as"] == "Why Twin Two" for r in rows if r["kind"] == "why")


def test_the_answers_csv_has_every_answer(report):
    rows = _csv_rows(render_answers_csv(report))
    expected = sum(
        sum(1 for s in e.facts.steps if s.why) + len(e.facts.answers)
        for e in report.entries
        if e.facts is not None
    )
    assert len(rows) == expected > 100
    assert {r["kind"] for r in rows} == {"why", "reflection"}
    mine = [r for r in rows if r["student"] == SCRIPT_NAME and r["kind"] == "reflection"]
    assert mine and mine[0]["answer"] == "<b>bold</b> & <i>more</i> </td>"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


# ---------------------------------------------------------------- 7. the page


def test_the_html_is_one_file_with_only_its_own_script(html):
    lowered = html.lower()
    for outside in ("<link", "<img", "@import", "url(", "http:", "https:", "//"):
        assert outside not in lowered.replace("<!doctype html>", ""), outside
    page = parse_page(html)
    assert page.scripts == [report_module.SORT_SCRIPT]
    assert len(report_module.SORT_SCRIPT.strip().splitlines()) < 40
    assert f"script-src {script_hash(report_module.SORT_SCRIPT)}" in html
    assert "<button" not in html  # the script makes the buttons: without it, plain headers
    assert html.count("class='sortable'") + html.count("sortable'") >= 3
    assert_only_text(page, SCRIPT_NAME, MD_NAME, FORMULA_NAME, ACCENTED, CYRILLIC)


def test_the_printed_report_leads_with_a_summary_page(html, report):
    assert "#summary { break-after: page; }" in html
    main_part = html[html.index("<main>") :]
    assert main_part.index('id="summary"') < main_part.index('id="who"')
    summary = html[
        html.index('id="summary"') : html.index("</section>", html.index('id="summary"'))
    ]
    text = " ".join(" ".join(parse_page(summary).text).split())
    assert "30 file(s): 23 verified, 6 flagged, 1 unreadable" in text
    assert "21 counted; 2 earlier hand-in(s) not counted twice" in text
    assert "Peace and Land" in text and "class average" in text
    assert "fast: Speedy Gonzales" in text and "given word for word" in text


def test_attempts_are_shown(html, report):
    rows = {r["file"]: r for r in _csv_rows(render_report_csv(report))}
    assert rows["a13.json"]["attempt"] == "2" and rows["a14.json"]["attempt"] == "3"
    row = re.search(r"<tr><th scope='row'>Ivar Smilga</th>.*?</tr>", html).group(0)
    assert "<td class='number'>3</td>" in row


def test_markdown_is_safe_and_has_the_new_parts(report):
    text = render_report_markdown(report)
    assert re.search(r"(?<!\\)<", text) is None
    assert_markdown_is_safe(text, SCRIPT_NAME, MD_NAME, FORMULA_NAME, ACCENTED, CYRILLIC)
    for heading in ("## Summary", "## Who chose what", "## Identical answers"):
        assert heading in text
    assert text.index("## Summary") < text.index("## Who handed in")


def test_write_report_and_the_command_write_every_file(
    class_folder, shipped_story, tmp_path, capsys
):
    written, problems = write_report(build_report(class_folder, shipped_story), tmp_path)
    assert problems == [] and [p.name for p in written] == list(REPORT_FILES)
    out = tmp_path / "out"
    assert (
        main(["report", str(class_folder), "--output", str(out), "--assignment", str(EXAMPLE)]) == 0
    )
    printed = capsys.readouterr().out
    for name in REPORT_FILES:
        assert f"wrote {out / name}" in printed
    assert (out / "report-grid.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# ---------------------------------------------------------------- 9. the student's transcript


def test_the_transcript_begins_with_a_summary(class_folder, shipped_story, kronstadt):
    data = json.loads((class_folder / "k02.json").read_text("utf-8"))
    found = verify(data, shipped_story, kronstadt)
    facts = read_handin_facts(data, shipped_story, found)
    counted = (
        f"{len(facts.decisions)} decisions: {facts.faithful} faithful, {facts.divergent} divergent"
    )
    markdown, page = (
        render_markdown(data, shipped_story, found),
        render_html(data, shipped_story, found),
    )
    shown = " ".join(" ".join(parse_page(page).text).split())
    for text in (markdown, shown):
        assert counted in text and "3 steps with only one way open" in text
        assert facts.ending.title in text and "of active time" in text
        assert text.index(counted) < text.index("The path")
    # The three steps with one way open are one line each, with no verdict.
    assert page.count('<li class="alone">') == 3
    for scene_id in ALONE_ON_THE_WAY_TO_MOSCOW:
        title = shipped_story.scenes[scene_id].title
        line = next(line for line in markdown.splitlines() if f". {title}** · " in line)
        assert "**Choice:**" in line and "the only way open" in line
    assert markdown.count("**DIVERGENT**") == facts.divergent


def test_the_transcript_prints_compactly(class_folder, shipped_story, october):
    data = json.loads((class_folder / "a13.json").read_text("utf-8"))
    found = verify(data, shipped_story, october)
    page = render_html(data, shipped_story, found)
    css = page[page.index("<style>") : page.index("</style>")]
    printed = css[css.rindex("@media print") :]
    assert "@page { size: A4; margin: 12mm 14mm; }" in printed and "font-size: 9pt" in printed
    assert "ol.path { columns: 2;" in printed  # steps run on, two columns a page
    assert "break-after: page" not in css and "page-break-after" not in css
    text = " ".join(" ".join(parse_page(page).text).split())
    assert "Attempt 2 (after 1 earlier attempt)" in text
    assert "Attempt 1: 9 choice(s)" in text and "reached “" in text


# ---------------------------------------------------------------- in a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@needs_chromium
def test_in_chromium_tables_sort_by_their_headers_and_print_compactly(
    html, class_folder, shipped_story, october, tmp_path
):
    """The report opened from a file in headless Chromium: clicking a header sorts its
    table both ways (and says so to a screen reader); with scripts off every row is
    still there; printed, a student's 13-step transcript takes a few pages."""
    from playwright.sync_api import sync_playwright

    from tests.test_serve import BROWSER_ARGS

    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    data = json.loads((class_folder / "a13.json").read_text("utf-8"))
    transcript = tmp_path / "transcript.html"
    transcript.write_text(render_html(data, shipped_story, verify(data, shipped_story, october)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            table = page.locator("table.sortable").first
            head = table.locator("thead th").first
            names = table.locator("tbody tr > :first-child")
            before = names.all_inner_texts()
            head.locator("button.sort").click()
            up = names.all_inner_texts()
            assert head.get_attribute("aria-sort") == "ascending"
            head.locator("button.sort").click()
            down = names.all_inner_texts()
            assert head.get_attribute("aria-sort") == "descending"
            assert sorted(up, key=str.casefold) == sorted(before, key=str.casefold)
            assert [n.lower() for n in down] == [n.lower() for n in up][::-1] and len(up) > 5
            heads = table.locator("thead th")
            texts = [t.strip() for t in heads.all_inner_texts()]
            steps = next(i for i, t in enumerate(texts) if t.startswith("Decisions"))
            heads.nth(steps).locator("button.sort").click()
            cells = table.locator(f"tbody tr > :nth-child({steps + 1})").all_inner_texts()
            numbers = [int(c.split()[0].replace(",", "")) for c in cells]  # "3 of 5"
            assert numbers == sorted(numbers) and numbers != numbers[::-1]
            still = browser.new_page(java_script_enabled=False)
            still.goto(page_file.as_uri())
            plain = still.locator("table.sortable").first.locator("tbody tr > :first-child")
            assert plain.all_inner_texts() == before  # readable, in its order, without scripts
            printing = browser.new_page()
            printing.goto(transcript.as_uri())
            pages = _pdf_pages(printing.pdf(format="A4"))
        finally:
            browser.close()
    assert 1 <= pages <= 6, f"the transcript prints on {pages} pages"
