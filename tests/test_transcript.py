"""Transcripts of one handed-in record, in Markdown and HTML: what they show, and escaping."""

from __future__ import annotations

import copy

import pytest

from game.classroom.assignment import load_assignment
from game.classroom.handin import verify
from game.classroom.markup import md, md_quote
from game.classroom.transcript import read_handin_facts, render_html, render_markdown
from tests.conftest import ROOT
from tests.handins import hand_in
from tests.test_report import (
    HTML_ANSWER,
    MD_WHY,
    SCRIPT_NAME,
    assert_markdown_is_safe,
    assert_only_text,
    parse_page,
)

EXAMPLE = ROOT / "examples" / "assignment.yaml"
# Live rounds at the signal and the delegates held at the walkout (both "why?" scenes):
# blood enough that the Left SRs walk out at dawn.
BROKEN = {"c6-signal": "carry-live", "c6-women": "to-congress", "c6-walkout": "hold-them"}


@pytest.fixture(scope="module")
def assignment(shipped_story):
    return load_assignment(EXAMPLE, shipped_story)


@pytest.fixture(scope="module")
def record(shipped_story, assignment):
    """Finished on an alternate ending through two divergent choices, with "why?" answers."""
    return hand_in(shipped_story, assignment, "Larisa Reisner", BROKEN)


def both(data, story, assignment):
    found = verify(data, story, assignment)
    return found, render_markdown(data, story, found), render_html(data, story, found)


def html_text(page_source: str) -> str:
    return " ".join(" ".join(parse_page(page_source).text).split())


def test_a_transcript_shows_the_whole_playthrough(record, shipped_story, assignment):
    found, markdown, page = both(record, shipped_story, assignment)
    assert found.status == "verified"
    shown = html_text(page)
    signal = shipped_story.scenes["c6-signal"]
    shells = signal.choice("carry-live")
    ending = shipped_story.endings["broken-congress"].ending
    epilogue_start = ending.epilogue.split()[:6]
    for text in (markdown, shown):
        assert "Larisa Reisner" in text
        assert "The Night of 25 October" in text  # the assignment
        assert "27 November 2026, 09:00 UTC" in text and "27 November 2026, 10:05 UTC" in text
        assert "version 0.2.0" in text
        assert "VERIFIED" in text
        assert "25 October 1917 (7 November N.S.)" in text  # the story's date both ways
        assert "26 October 1917 (8 November N.S.)" in text  # after midnight, at the walkout
        assert "27 October 1917 (9 November N.S.)" not in text  # that is the Land's day
        assert signal.title in text and shells.label in text
        assert "DIVERGENT" in text and "FAITHFUL" in text and "YOUR OWN" in text
        assert "Larisa Reisner chose carry-live" in text  # her "why?"
        assert "Larisa Reisner chose hold-them" in text
        assert " ".join(epilogue_start) in " ".join(text.split())
        assert ending.title in text and "an alternate ending" in text
        assert "What really happened" in text
        for pid in shells.sources:
            assert pid in text and shipped_story.paragraphs[pid].summary[:40] in text
        question = shipped_story.chapters["messenger-palace"].reflection[0]
        assert question[:40] in text and "Larisa Reisner on messenger-palace." in text
    # The path is in order: every scene title, one after the other.
    titles = [shipped_story.scenes[s["scene"]].title for s in record["steps"]]
    positions = [shown.index(f"{n}. {title}") for n, title in enumerate(titles, 1)]
    assert positions == sorted(positions) and len(positions) == 15
    notes = [shells.note, shipped_story.scenes["c6-walkout"].choice("hold-them").note]
    for note in notes:
        assert " ".join(note.split()) in shown


def test_divergent_and_faithful_are_words_on_each_step(record, shipped_story, assignment):
    _, markdown, page = both(record, shipped_story, assignment)
    # 15 steps: the live rounds and the held delegates are divergent, the reply carried as
    # written, the talk at the fires and the ministers kept close faithful, the rest her own.
    assert markdown.count("**DIVERGENT**") == 2 and markdown.count("**FAITHFUL**") == 3
    assert markdown.count("**YOUR OWN**") == 10
    shown = html_text(page)
    assert shown.count("DIVERGENT") == 2 and shown.count("FAITHFUL") == 3
    assert shown.count("YOUR OWN") == 10


def test_a_choice_of_ones_own_has_no_empty_note(record, shipped_story, assignment):
    _, markdown, page = both(record, shipped_story, assignment)
    assert "not graded): \n" not in markdown + "\n"
    assert "not graded):</p>" not in page.replace(" </p>", "</p>")


def test_a_flagged_record_says_why(record, shipped_story, assignment):
    edited = copy.deepcopy(record)
    edited["extra"]["answers"][0]["answer"] = "A better answer, written later."
    found, markdown, page = both(edited, shipped_story, assignment)
    assert found.status == "flagged"
    for text in (markdown, html_text(page)):
        assert "FLAGGED" in text and "VERIFIED" not in text
        assert "does not match its hash" in text


def test_ids_the_story_no_longer_has_are_shown_raw(record, shipped_story, assignment):
    changed = copy.deepcopy(record)
    changed["steps"][1]["scene"] = "c9-nowhere"
    changed["steps"][4]["choice"] = "vanished-choice"
    changed["extra"]["answers"][0]["chapter"] = "lost-chapter"
    found, markdown, page = both(changed, shipped_story, assignment)
    assert found.status == "flagged"
    shown = html_text(page)
    for text in (markdown, shown):
        assert "c9-nowhere" in text and "a scene this version of the story does not have" in text
        assert "vanished-choice" in text and "does not have this choice any more" in text
        assert "lost-chapter" in text
    facts = read_handin_facts(changed, shipped_story, found)
    assert facts.steps[1].scene is None and facts.steps[4].choice is None
    # Of the 5 graded choices (the other 10 her own), the two unknown steps were graded
    # (the reply carried as written, the live rounds): now neither faithful nor divergent.
    assert facts.judged == 3


def test_an_unfinished_record(shipped_story, assignment):
    data = hand_in(shipped_story, assignment, "Zinaida Lilina", stop=7)
    found, markdown, page = both(data, shipped_story, assignment)
    last_door = shipped_story.scenes["c6-stairs"].title  # where 7 choices from the square lead
    for text in (markdown, html_text(page)):
        assert "Not finished" in text and last_door in text
        assert "What really happened" not in text
        assert "Handed in (not finished)" in text


def test_odd_data_never_crashes(shipped_story):
    for data in ([], {}, {"extra": "x", "steps": [1, {"scene": 2}]}, None):
        found = verify(data, shipped_story)
        assert "UNREADABLE" in render_markdown(data, shipped_story, found)
        assert "UNREADABLE" in html_text(render_html(data, shipped_story, found))


def test_student_text_shows_only_as_text(shipped_story, assignment):
    data = hand_in(
        shipped_story,
        assignment,
        SCRIPT_NAME,
        why_text=MD_WHY,
        answer_text=HTML_ANSWER + "\n\n- a list?\n1. or this\n    code?",
    )
    found, markdown, page = both(data, shipped_story, assignment)
    assert found.status == "verified"
    assert SCRIPT_NAME not in page and "&lt;script&gt;" in page
    assert_only_text(parse_page(page), SCRIPT_NAME, HTML_ANSWER, MD_WHY)
    assert_markdown_is_safe(markdown, SCRIPT_NAME, HTML_ANSWER, MD_WHY, "- a list?", "1. or this")


def test_the_html_is_self_contained(record, shipped_story, assignment):
    _, _, page = both(record, shipped_story, assignment)
    lowered = page.lower()
    for outside in ("<script", "<link", "<img", "@import", "url(", "http://", "https://"):
        assert outside not in lowered, outside
    assert "content-security-policy" in lowered and "default-src 'none'" in lowered
    assert "@media print" in page


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# not a heading", "\\# not a heading"),
        ("<b>bold</b>", "\\<b\\>bold\\</b\\>"),
        ("[x](javascript:y)", "\\[x\\](javascript:y)"),
        ("a | b", "a \\| b"),
        ("*x* _y_ `z` ~w~", "\\*x\\* \\_y\\_ \\`z\\` \\~w\\~"),
        ("&lt;", "\\&lt;"),
        ("Tom & Jerry", "Tom & Jerry"),
        ("two\nlines", "two lines"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escaping(text, escaped):
    assert md(text) == escaped


def test_markdown_escaping_at_line_starts():
    assert md("- item", start=True) == "\\- item" and md("- item") == "- item"
    assert md("3. third", start=True) == "3\\. third"
    assert md_quote("+ one\n\n2) two\n    indented") == "> \\+ one\n>\n> 2\\) two\n> indented"
