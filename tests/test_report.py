"""`petrograd report`: a generated class of 30 files checked against the report's figures,
escaping in the HTML, Markdown and CSV, odd files, and the command itself."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from game.classroom import report as report_module
from game.classroom.assignment import load_assignment
from game.classroom.handin import seal
from game.classroom.markup import csv_cell
from game.classroom.report import (
    build_report,
    render_report_csv,
    render_report_html,
    render_report_markdown,
)
from game.cli import main
from game.engine import Record
from tests.conftest import ROOT
from tests.handins import hand_in, play

EXAMPLE = ROOT / "examples" / "assignment.yaml"
SCRIPT_NAME = "<script>alert(1)</script>"
HTML_ANSWER = (
    '<img src=x onerror="alert(2)"> </td></tr></table><h1>big</h1> '
    '<a href="javascript:alert(3)">click</a> & "quotes"'
)
MD_WHY = "# Heading [link](javascript:alert(4)) ![img](http://evil.example/x.png) *bold* | pipe"
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'

# The paths students took from the square (scene -> choice; elsewhere the first open
# faithful choice, else the first of the player's own: see tests/handins.py).
HISTORY: dict[str, str] = {}
# By the White Hall, so both "why?" scenes are reached (c6-signal and c6-walkout).
CONGRESS = {"c6-women": "to-congress"}
DOORS = {"c6-women": "to-congress", "c6-walkout": "hold-them"}  # divergent, still history
ATTACK = {"c6-lenin-waits": "attack-now"}  # divergent, not enough blood to change the end
MASSACRE = {"c6-signal": "carry-live", "c6-ministers": "stand-aside"}
# Blood enough (8) that keeping the ministers close is closed: only ways that open the ring.
MASSACRE_FIRED = {
    "c6-bonfires": "open-fire",
    "c6-signal": "carry-live",
    "c6-shells": "mass-rush",
    "c6-ministers": "hold-anyway",
}
BROKEN = {"c6-signal": "carry-live"}
BROKEN_EARLY = {"c6-lenin-waits": "attack-now", "c6-bonfires": "open-fire"}
BROKEN_LEFT = {"c6-women": "to-congress", "c6-signal": "carry-live", "c7-dawn-vote": "follow-left"}

#: file stem -> (student, path, choices made before stopping (None: to the end)).
VERIFIED = {
    "h01": ("Anna Akhmatova", HISTORY, None),
    "h02": ("Boris Pasternak", HISTORY, None),
    "h03": (SCRIPT_NAME, HISTORY, None),
    "h04": ("Dora Kaplan", HISTORY, None),
    "h05": ("Elena Stasova", HISTORY, None),
    "h06": ("Fyodor Raskolnikov", HISTORY, None),
    "h07": ("Grigory Chudnovsky", DOORS, None),
    "h08": ("Ivar Smilga", ATTACK, None),
    "m01": (FORMULA_NAME, MASSACRE, None),
    "m02": ("Kliment Voroshilov", MASSACRE, None),
    "m03": ("Larisa Reisner", MASSACRE, None),
    "m04": ("Mikhail Lashevich", MASSACRE_FIRED, None),
    "m05": ("Nikolai Podvoisky", MASSACRE_FIRED, None),
    "c01": ("@SUM(A1:A9)", CONGRESS, None),
    "c02": ("Pavel Dybenko", CONGRESS, None),
    "c03": ("Raisa Grigorieva", CONGRESS, None),
    "c04": ("Semyon Roshal", BROKEN_LEFT, None),
    "b01": ("Tatiana Ivanova", BROKEN, None),
    "b02": ("Uritsky Moisei", BROKEN, None),
    "b03": ("Vera Slutskaya", BROKEN_EARLY, None),
    "u01": ("+Yakov Sverdlov", HISTORY, 3),
    "u02": ("Zinaida Lilina", HISTORY, 7),
    "u03": ("-Alexandra Kollontai", HISTORY, 12),
    "u04": ("Vladimir Nevsky", HISTORY, 0),
}


def _make_class(folder: Path, story, assignment) -> None:
    for stem, (student, picks, stop) in VERIFIED.items():
        data = hand_in(
            story,
            assignment,
            student,
            picks,
            stop=stop,
            why_text=MD_WHY if student == SCRIPT_NAME else None,
            answer_text=HTML_ANSWER if student == SCRIPT_NAME else None,
        )
        (folder / f"{stem}.json").write_text(json.dumps(data), encoding="utf-8")
    # Two tampered: a choice changed after sealing, an answer improved after sealing.
    edited = hand_in(story, assignment, "Tampered Choice", HISTORY)
    edited["steps"][2]["choice"] = "listen-speakers"  # open there too: only the hash tells
    (folder / "t01.json").write_text(json.dumps(edited), encoding="utf-8")
    improved = hand_in(story, assignment, "Tampered Answer", MASSACRE)
    improved["extra"]["answers"][0]["answer"] = "A much better answer."
    (folder / "t02.json").write_text(json.dumps(improved), encoding="utf-8")
    # One sealed with another version of the story (chain intact, version differs).
    game, _ = play(story, assignment.start)  # the path of history, no "why?" typed
    old = dataclasses.replace(game.record, story_version="0.0.9", story_hash="sha256:" + "0" * 64)
    (folder / "v01.json").write_text(
        json.dumps(
            seal(
                old,
                story,
                student="Old Version",
                assignment=assignment,
                answers=[],
                started_at="2026-11-27T09:00:00Z",
                finished_at="2026-11-27T09:30:00Z",
            )
        ),
        encoding="utf-8",
    )
    # One forged: the chain recomputed over a path the story does not allow.
    forged = copy.deepcopy(hand_in(story, assignment, "Forged Path", HISTORY))
    assert forged["steps"][8]["scene"] == "c6-ministers"
    forged["steps"][8]["choice"] = "stand-aside"  # closed: too little blood was shed
    resealed = seal(
        Record.from_json(forged),
        story,
        student="Forged Path",
        assignment=assignment,
        answers=[],
        started_at="2026-11-27T09:00:00Z",
        finished_at="2026-11-27T09:30:00Z",
    )
    (folder / "f01.json").write_text(json.dumps(resealed), encoding="utf-8")
    # Two unreadable: not JSON, and JSON that is not a record.
    (folder / "notes.json").write_text("Dear teacher, here is my work {", encoding="utf-8")
    (folder / "other.json").write_text('{"title": "my notes", "pages": 3}', encoding="utf-8")


@pytest.fixture(scope="module")
def assignment(shipped_story):
    return load_assignment(EXAMPLE, shipped_story)


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory, shipped_story, assignment) -> Path:
    folder = tmp_path_factory.mktemp("class")
    _make_class(folder, shipped_story, assignment)
    return folder


@pytest.fixture(scope="module")
def report(class_folder, shipped_story, assignment):
    return build_report(class_folder, shipped_story, assignment)


def test_the_class_has_thirty_files(class_folder):
    assert len(list(class_folder.glob("*.json"))) == 30


def test_statuses_of_every_file(report):
    status = {entry.file: entry.status for entry in report.entries}
    assert [f for f, s in status.items() if s == "verified"] == sorted(
        f"{stem}.json" for stem in VERIFIED
    )
    assert {f for f, s in status.items() if s == "flagged"} == {
        "t01.json",
        "t02.json",
        "v01.json",
        "f01.json",
    }
    assert {f for f, s in status.items() if s == "unreadable"} == {"notes.json", "other.json"}
    reasons = {entry.file: " ".join(entry.reasons) for entry in report.entries}
    assert "step 3 does not match its hash" in reasons["t01.json"]
    assert "edited" in reasons["t02.json"]
    assert "another version of the story (0.0.9)" in reasons["v01.json"]
    assert "edited" not in reasons["v01.json"]
    assert "impossible path" in reasons["f01.json"] and "edited" not in reasons["f01.json"]
    assert "not valid JSON" in reasons["notes.json"]
    assert "not a playthrough record" in reasons["other.json"]


def test_who_handed_in_and_who_finished(report):
    assert len(report.records) == 28  # every readable record, flagged ones too
    assert len(report.counted) == 24
    finished = {e.facts.student for e in report.finished}
    unfinished = {e.facts.student for e in report.counted} - finished
    assert unfinished == {
        "+Yakov Sverdlov",
        "Zinaida Lilina",
        "-Alexandra Kollontai",
        "Vladimir Nevsky",
    }
    assert len(finished) == 20 and SCRIPT_NAME in finished
    # Flagged records are listed but never counted as finished.
    assert "Tampered Choice" not in finished and "Old Version" not in finished
    listed = {e.facts.student: e.status for e in report.records}
    assert listed["Tampered Choice"] == "flagged" and listed["Forged Path"] == "flagged"


def test_endings_are_counted_from_verified_records_only(report, shipped_story):
    counts = {ending.id: n for ending, n in report.endings}
    messenger_endings = {
        scene.ending.id
        for scene in shipped_story.endings.values()
        if shipped_story.viewpoint_of(scene.id).id == "messenger"
    }
    messenger = {ending: n for ending, n in counts.items() if ending in messenger_endings}
    assert messenger == {
        "history": 11,  # not 13: the tampered and the old-version records also end there
        "massacre": 5,  # not 6: the record with the improved answer ends there
        "broken-congress": 4,
        "too-early": 0,
        "too-late": 0,
        "krasnov": 0,  # the fortress is won before the square: its two endings are out of reach
        "pulkovo": 0,
    }
    # Every ending of the story is listed, the other viewpoints' with nobody at them.
    assert len(counts) == len(shipped_story.endings) > len(messenger)
    assert {ending for ending, n in counts.items() if n} == {
        "history",
        "massacre",
        "broken-congress",
    }


def test_how_many_chose_each_option(report):
    chosen = {
        d.scene_id: (d.passed, {"/".join(o.choice_ids): o.students for o in d.options})
        for d in report.decisions
    }
    # Every scene of the second edition has two choices or more (the player's own ones
    # too), so every scene a verified student passed is a decision.
    assert chosen == {
        "c6-square": (23, {"carry-scrap": 23, "give-scrap": 0}),
        "c6-lenin-waits": (23, {"attack-now": 2, "carry-as-written": 21}),
        "c6-rush": (2, {"carry-wounded": 2, "own-up": 0}),
        "c6-ultimatum": (23, {"to-fires": 23, "listen-speakers": 0}),
        "c6-bonfires": (22, {"open-fire": 3, "talk": 19}),
        "c6-volley": (3, {"to-signal": 3, "to-hospital-side": 0}),
        "c6-signal": (22, {"carry-live": 8, "carry-blank": 14}),
        "c6-live": (8, {"to-women": 8, "sit": 0}),
        "c6-women": (22, {"escort": 17, "to-congress": 5, "stay-ring": 0}),
        "c6-congress-opens": (5, {"stand-soldiers": 5, "stand-srs": 0}),
        "c6-walkout": (5, {"hold-them": 1, "warn-cordon": 4}),
        "c6-duma": (5, {"back-to-palace": 5, "walk-with-marchers": 0}),
        "c6-shells": (17, {"mass-rush": 2, "side-door": 15}),
        "c6-stairs": (21, {"through-door": 21, "touch-cadet": 0}),
        # Two variants of an option (one open at a time) are one option, as students saw it;
        # the same label graded otherwise (keep-close-smolny, divergent) is another.
        "c6-ministers": (
            21,
            {
                "stand-aside": 3,
                "stand-aside-calm/stand-aside-calm-smolny": 0,
                "keep-close": 16,
                "keep-close-smolny": 0,
                "take-arm/take-arm-smolny": 0,
                "hold-anyway": 2,
            },
        ),
        "c6-after": (16, {"to-smolny": 16, "walk-smolny": 0}),
        "c6-ring-opens": (5, {"to-smolny-news": 5, "sit-kerb": 0}),
        "c7-dawn-vote": (
            16,
            {
                "sleep-bench": 12,
                "find-delegate": 0,
                "moscow-road": 0,
                "ask-guard": 0,
                "watch-left": 3,
                "follow-left": 1,
            },
        ),
        "c7-left-walk": (4, {"after-them": 4, "back-in": 0}),
        "c7-day": (12, {"lose-order": 0, "warn-friend": 0, "deliver": 12}),
        "c7-peace": (11, {"stay-land": 11, "step-out": 0}),
    }


def test_faithful_share_and_why_answers(report):
    facts = {e.facts.student: e.facts for e in report.records}
    # Anna made 13 choices, 6 of them her own (never graded): 7 of 7 faithful.
    assert len(facts["Anna Akhmatova"].steps) == 13
    assert (facts["Anna Akhmatova"].faithful, facts["Anna Akhmatova"].judged) == (7, 7)
    assert facts["Anna Akhmatova"].faithful_percent == 100
    # Larisa: live rounds at the signal and stand-aside at the ministers, of 5 graded: 60%.
    assert (facts["Larisa Reisner"].faithful, facts["Larisa Reisner"].judged) == (3, 5)
    assert facts["Larisa Reisner"].faithful_percent == 60
    # Grigory: hold-them at the walkout, of 7 graded choices: 6 of 7 = 85.7, shown 86%.
    assert (facts["Grigory Chudnovsky"].faithful, facts["Grigory Chudnovsky"].judged) == (6, 7)
    assert facts["Grigory Chudnovsky"].faithful_percent == 86
    # Semyon: carry-live and follow-left divergent, of 6: 4 of 6 = 66.7, shown 67%.
    assert facts["Semyon Roshal"].faithful_percent == 67
    assert facts["Vladimir Nevsky"].faithful_percent is None
    whys = {d.scene_id: d.whys for d in report.decisions}
    # Everyone who reached the signal typed a why: 22 verified, and three flagged (the two
    # tampered and the forged record); the old-version record was made without any.
    assert len(whys["c6-signal"]) == 25
    assert any(w.why == MD_WHY and w.student == SCRIPT_NAME for w in whys["c6-signal"])
    flagged = [w for w in whys["c6-signal"] if w.status == "flagged"]
    assert {w.student for w in flagged} == {"Tampered Choice", "Tampered Answer", "Forged Path"}
    # Only the five who went to the White Hall reached the walkout, and typed a why there.
    assert sorted(w.student for w in whys["c6-walkout"]) == [
        "@SUM(A1:A9)",
        "Grigory Chudnovsky",
        "Pavel Dybenko",
        "Raisa Grigorieva",
        "Semyon Roshal",
    ]
    assert {scene for scene, typed in whys.items() if typed} == {"c6-signal", "c6-walkout"}


def _renderings(chapter, number: int) -> set[str]:
    """Every way the chapter's question `number` can read (as the report shows it)."""
    return {" ".join(text.split()) for text in chapter.questions[number].renderings()}


def test_reflection_answers_side_by_side(report, shipped_story):
    palace = shipped_story.chapters["messenger-palace"]
    congress = shipped_story.chapters["messenger-congress"]
    # The second palace question and the third congress one read as the path had it: who
    # walked beside the women's company (the path of history) is asked otherwise than who
    # went to the White Hall; nobody warned a friend, so that reading is nobody's, and who
    # never reached the day the papers were closed (the broken congress) is told of it.
    (walked,) = {q for q in _renderings(palace, 1) if q.startswith("You walked beside")}
    (watched,) = _renderings(palace, 1) - {walked}
    (carried,) = {q for q in _renderings(congress, 2) if q.startswith("You carried the order")}
    (told,) = {q for q in _renderings(congress, 2) if q.startswith("On 26 October")}
    questions = {q.question: q for q in report.questions}
    assert set(questions) == {
        palace.reflection[0],
        walked,
        watched,
        palace.reflection[2],
        congress.reflection[0],
        congress.reflection[1],
        carried,
        told,
    }
    assert {q.chapter_title for q in report.questions} == {palace.title, congress.title}
    # Palace questions come when the chapter is left: 20 finished + u03 (past it) + the two
    # tampered records (the forged and old-version records were sealed without answers).
    assert len(questions[palace.reflection[0]].answers) == 23
    assert len(questions[palace.reflection[2]].answers) == 23
    # Each of the 23 was asked one reading of the second: 5 had gone to the White Hall.
    assert (len(questions[walked].answers), len(questions[watched].answers)) == (18, 5)
    assert {a[0] for a in questions[watched].answers} == {
        "@SUM(A1:A9)",
        "Grigory Chudnovsky",
        "Pavel Dybenko",
        "Raisa Grigorieva",
        "Semyon Roshal",
    }
    assert ("Larisa Reisner", "Larisa Reisner on messenger-palace.", "verified") in questions[
        palace.reflection[0]
    ].answers
    # Congress questions, asked of the 16 who reached the Congress chapter (the massacre
    # ends the palace chapter, so its six answer the palace questions at their ending).
    assert len(questions[congress.reflection[1]].answers) == 16
    # Of those 16, the 12 who reached 26 October's afternoon carried the order; the 4 who
    # ended before it (the broken congress) are told of it.
    assert (len(questions[carried].answers), len(questions[told].answers)) == (12, 4)
    assert ("Tampered Answer", "A much better answer.", "flagged") in questions[
        palace.reflection[0]
    ].answers


def test_reflection_questions_are_listed_in_the_story_order(report, shipped_story):
    chapters = [shipped_story.chapters[c] for c in ("messenger-palace", "messenger-congress")]

    def place(question: str) -> tuple[int, int]:
        return next(
            (c, n)
            for c, chapter in enumerate(chapters)
            for n in range(len(chapter.questions))
            if question in _renderings(chapter, n)
        )

    places = [place(q.question) for q in report.questions]
    assert places == sorted(places)


class Page(HTMLParser):
    """Every element, attribute and piece of text in an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        #: The text of each <script> (kept apart from the page's text).
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


#: Every element the transcripts and reports use; anything else came from a record.
ALLOWED_TAGS = {
    *"html head meta title style body header main section footer".split(),
    *"h1 h2 h3 h4 p dl dt dd span strong em ul ol li br blockquote div".split(),
    *"table caption thead tbody tr th td".split(),
}


def parse_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def assert_only_text(page: Page, *expected_texts: str) -> None:
    """Only our own elements and our own script (the class report's table sorting, at
    most once); everything from a record is text."""
    assert set(page.tags) <= ALLOWED_TAGS | {"script"}, set(page.tags) - ALLOWED_TAGS
    assert page.scripts in ([], [report_module.SORT_SCRIPT]), page.scripts
    assert "img" not in page.tags and "a" not in page.tags
    names = {name for name, _ in page.attrs}
    assert not any(name.startswith("on") for name in names), names
    assert not names & {"src", "href", "action", "srcdoc"}, names  # nothing fetched or linked
    for name, value in page.attrs:
        if name == "style":
            assert value is not None and value.startswith("width:") and "url" not in value
    text = "".join(page.text)
    for expected in expected_texts:
        assert expected in text


#: What Markdown may become: anything else (a link, an image, a tag) came from a record.
MARKDOWN_TAGS = {
    *"h1 h2 h3 p ul li strong em blockquote pre code br".split(),
    *"table thead tbody tr th td".split(),
}


def assert_markdown_is_safe(text: str, *expected_texts: str) -> None:
    """Render Markdown as a viewer would; only our own structure may come out, the rest text."""
    page = parse_page(MarkdownIt("commonmark").enable("table").render(text))
    assert set(page.tags) <= MARKDOWN_TAGS, set(page.tags) - MARKDOWN_TAGS
    assert page.tags.count("h1") == 1
    assert {name for name, _ in page.attrs} <= {"style", "class"}  # table alignment, code info
    shown = "".join(page.text)
    for expected in expected_texts:
        assert expected in shown, expected


def test_html_report_shows_student_html_only_as_text(report):
    text = render_report_html(report)
    assert SCRIPT_NAME not in text and "&lt;script&gt;" in text
    page = parse_page(text)
    assert page.tags.count("h1") == 1 and page.tags.count("table") > 5
    assert_only_text(page, SCRIPT_NAME, HTML_ANSWER, MD_WHY, FORMULA_NAME)


def test_html_report_figures(report):
    text = "".join(parse_page(render_report_html(report)).text)
    assert "30 file(s): 24 verified, 4 flagged, 2 unreadable" in text
    assert "20 of 24 verified record(s) finished" in text
    assert "11 of 20 (55%)" in text  # the historical ending
    assert "21 of 23 (91%)" in text  # the reply carried as written
    assert "not counted" in text and "Only verified records are counted" in text


def test_markdown_report_figures_and_escaping(report):
    text = render_report_markdown(report)
    assert "█" * 11 + "░" * 9 + "  11  Peace and Land (historical)" in text
    assert "  21 ( 91%)" in text and "   2 (  9%)" in text
    assert re.search(r"(?<!\\)<", text) is None  # every < is escaped: no tag can start
    assert_markdown_is_safe(text, SCRIPT_NAME, HTML_ANSWER, MD_WHY)


def test_csv_one_row_per_file_and_formula_escaping(report):
    rows = list(csv.DictReader(io.StringIO(render_report_csv(report))))
    assert len(rows) == 30
    assert list(rows[0]) == list(report_module.CSV_COLUMNS)
    by_file = {row["file"]: row for row in rows}
    assert by_file["m01.json"]["student"] == "'" + FORMULA_NAME
    assert by_file["c01.json"]["student"] == "'@SUM(A1:A9)"
    assert by_file["u01.json"]["student"] == "'+Yakov Sverdlov"
    assert by_file["u03.json"]["student"] == "'-Alexandra Kollontai"
    assert by_file["h01.json"]["student"] == "Anna Akhmatova"
    assert by_file["h03.json"]["student"] == SCRIPT_NAME
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    assert dict(by_file["h01.json"]) == {
        "file": "h01.json",
        "student": "Anna Akhmatova",
        "status": "verified",
        "reason": "",
        "finished": "yes",
        "ending": "Peace and Land",
        "faithful %": "100",
        "steps": "13",
        "viewpoint": "The Committee's messenger",
        "assignment": "october-night",
        "counted": "yes",
        "attempt": "1",
        "decisions": "13",  # every step of this path had two options open or more
        # Active time: 13 one-minute choices, the 47 minutes before the answers counted
        # as 10 (a break), 5 minutes to the hand-in.
        "minutes": "28",
        "words read": "2465",
        "note": "1 break of over 10 minutes left out of the minutes",
    }
    assert by_file["u02.json"]["finished"] == "no" and by_file["u02.json"]["steps"] == "7"
    assert by_file["notes.json"]["status"] == "unreadable" and by_file["notes.json"]["reason"]
    assert "impossible path" in by_file["f01.json"]["reason"]
    statuses = [row["status"] for row in rows]
    assert (statuses.count("verified"), statuses.count("flagged")) == (24, 4)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        (17, "17"),
        (None, ""),
    ],
)
def test_csv_cell(cell, shown):
    assert csv_cell(cell) == shown


def test_odd_files_are_listed_never_fatal(tmp_path, shipped_story, assignment, monkeypatch):
    good = hand_in(shipped_story, assignment, "Good", HISTORY, stop=2)
    (tmp_path / "good.JSON").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "digits.json").write_text('{"n": ' + "9" * 5000 + "}", encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 20_000 + "]" * 20_000, encoding="utf-8")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "big.json").write_text(json.dumps({"x": "y" * 60_000}), encoding="utf-8")
    (tmp_path / "._good.json").write_bytes(b"\x00\x05\x16\x07")  # macOS metadata: skipped
    (tmp_path / "plan.py").write_text("raise SystemExit('never run')", encoding="utf-8")
    strange = copy.deepcopy(good)
    strange["extra"]["assignment"] = "not a mapping"
    (tmp_path / "strange.json").write_text(json.dumps(strange), encoding="utf-8")
    monkeypatch.setattr(report_module, "MAX_RECORD_BYTES", 50_000)
    built = build_report(tmp_path, shipped_story, assignment)
    status = {e.file: (e.status, " ".join(e.reasons)) for e in built.entries}
    assert set(status) == {
        "good.JSON",
        "folder.json",
        "digits.json",
        "deep.json",
        "binary.json",
        "big.json",
        "strange.json",
    }
    assert status["good.JSON"][0] == "verified"
    assert status["folder.json"] == ("unreadable", "it is a folder, not a file")
    assert status["digits.json"][0] == "unreadable" and "JSON" in status["digits.json"][1]
    assert status["deep.json"][0] == "unreadable"
    assert status["binary.json"] == ("unreadable", "it is not text (not a JSON file, or damaged)")
    assert status["big.json"][0] == "unreadable" and "too large" in status["big.json"][1]
    assert status["strange.json"][0] == "flagged"
    render_report_html(built), render_report_markdown(built), render_report_csv(built)


def test_records_for_another_assignment_are_flagged_when_one_is_given(
    tmp_path, shipped_story, assignment
):
    other_file = tmp_path / "other-assignment.yaml"
    other_file.write_text(
        EXAMPLE.read_text()
        .replace("id: october-night", "id: homework-2")
        .replace("title: The Night of 25 October", "title: Homework 2")
    )
    other = load_assignment(other_file, shipped_story)
    folder = tmp_path / "records"
    folder.mkdir()
    for name, made_for in (("ours", assignment), ("theirs", other)):
        data = hand_in(shipped_story, made_for, name.title(), HISTORY)
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    checked = build_report(folder, shipped_story, assignment)
    status = {e.file: (e.status, " ".join(e.reasons)) for e in checked.entries}
    assert status["ours.json"] == ("verified", "")
    assert status["theirs.json"] == ("flagged", "made for another assignment ('homework-2')")
    assert [n for _, n in checked.endings if n] == [1]
    # Without --assignment, where they start cannot be checked: both are flagged, saying how.
    unchecked = build_report(folder, shipped_story)
    assert {e.status for e in unchecked.entries} == {"flagged"}
    assert all(
        "check it with that assignment file (--assignment FILE)" in " ".join(e.reasons)
        for e in unchecked.entries
    )
    assert unchecked.title == shipped_story.title  # two assignments named: the story's title


def test_an_empty_folder_still_gives_a_report(tmp_path, shipped_story):
    built = build_report(tmp_path, shipped_story)
    assert "No readable records were found." in render_report_markdown(built)
    assert render_report_csv(built).strip() == ",".join(report_module.CSV_COLUMNS)


def test_command_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"petrograd: {tmp_path / 'missing'}: no such folder"
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")
    assert main(["report", str(tmp_path), "--output", str(blocker / "out")]) == 1
    err = capsys.readouterr().err
    assert "nothing could be written" in err and "Traceback" not in err
    assert main(["report", str(tmp_path), "--assignment", str(tmp_path / "nope.yaml")]) == 1
    err = capsys.readouterr().err
    assert "nope.yaml" in err and "Traceback" not in err


def test_petrograd_report_command(class_folder, tmp_path, petrograd_command, clean_env):
    out = tmp_path / "out"
    result = subprocess.run(
        [
            *petrograd_command,
            "report",
            str(class_folder),
            "--output",
            str(out),
            "--assignment",
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        env=clean_env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "30 file(s): 24 verified, 4 flagged, 2 unreadable" in result.stdout
    assert "20 of 24 verified record(s) finished" in result.stdout
    for name in ("report.html", "report.csv", "report.md"):
        assert f"wrote {out / name}" in result.stdout
        assert (out / name).stat().st_size > 1000
    assert not list(class_folder.glob("report.*"))  # --output was honoured
    rows = list(csv.DictReader(io.StringIO((out / "report.csv").read_text("utf-8-sig"))))
    assert len(rows) == 30
