"""The HTML front end's flows, in-process (starlette's TestClient over a SQLite store):
free play, saves, settings, the codex and endings, a game resumed on another device,
and an assignment played to a hand-in the teacher can download and report on."""

from __future__ import annotations

import json
import re

import pytest

from game.web.app import ATTEMPT_LIMIT
from tests.web.conftest import (
    as_teacher,
    choices_of,
    closed_of,
    code_of,
    csrf_of,
    messages_of,
    other_device,
    post,
)


def player_id(client) -> str:
    return client.cookies[client.web.cookies.player].rsplit(".", 1)[0]


def new_game(client, **data):
    page = post(client, "/new", **data)
    assert page.status_code == 200 and page.url.path == "/play", page.text
    return page


def choose(client, page, choice, **data):
    return client.post("/choose", data={"csrf": csrf_of(page.text), "choice": choice, **data})


def title_of(html: str) -> str:
    found = re.search(r'<h1 id="scene-title">([^<]*)</h1>', html)
    return found.group(1) if found else ""


def notes_of(html: str) -> str:
    found = re.search(r'<section class="notes".*?</section>', html, re.S)
    return found.group(0) if found else ""


# ------------------------------------------------------------------ free play


def test_free_play_to_an_ending(web_client, web_story):
    client = web_client(web_story)
    start = client.get("/")
    assert start.status_code == 200 and "Begin a new game" in start.text
    assert client.web.cookies.player not in client.cookies  # no player before a game
    page = new_game(client)
    assert title_of(page.text) == "Alpha"
    assert choices_of(page.text) == ["left", "right"]
    for choice, title in [("left", "Alpha Two"), ("on", "Gamma"), ("stay", "The End")]:
        page = choose(client, page, choice)
        assert page.status_code == 200
        assert title_of(page.text) == title
    assert 'id="ending-h"' in page.text and "Done" in page.text
    assert choices_of(page.text) == []
    # the path at the ending lists the choices
    assert "Go left" in page.text and "Walk on" in page.text and "Stay" in page.text
    # nothing in any URL names the player
    assert player_id(client) not in str(page.url)
    assert player_id(client) not in page.text


def test_new_game_with_a_viewpoint(web_client, shipped_story):
    client = web_client(shipped_story)
    start = client.get("/")
    viewpoints = re.findall(r'name="viewpoint" value="([^"]+)"', start.text)
    assert set(viewpoints) == set(shipped_story.viewpoints)
    chosen = list(shipped_story.viewpoints)[-1]
    page = new_game(client, viewpoint=chosen)
    first = shipped_story.viewpoints[chosen]
    with client.store.transaction() as tx:
        row = tx.player(player_id(client))
    assert row is not None
    assert shipped_story.viewpoint_of(row.scene) is not None
    assert shipped_story.viewpoint_of(row.scene).id == first.id
    assert title_of(page.text)
    # an unknown viewpoint is the default game, never an error
    other = other_device(client)
    page = new_game(other, viewpoint="nobody-at-all")
    assert page.status_code == 200


def test_a_closed_choice_shows_its_reason_and_cannot_be_taken(web_client, web_story):
    client = web_client(web_story)
    page = new_game(client)
    assert closed_of(page.text) == [("Locked door", "not open: The door is shut.")]
    assert "locked" not in choices_of(page.text)
    refused = choose(client, page, "locked")
    assert refused.status_code == 200
    assert "The door is shut." in messages_of(refused.text)
    assert title_of(client.get("/play").text) == "Alpha"
    with client.store.transaction() as tx:
        assert tx.player(player_id(client)).steps == 0
    # an id the scene does not have, or none at all
    for data in ({"choice": "no-such"}, {}):
        refused = client.post("/choose", data={"csrf": csrf_of(page.text), **data})
        assert refused.status_code == 200
        assert "That choice is not in this scene." in messages_of(refused.text)
    assert title_of(client.get("/play").text) == "Alpha"


@pytest.mark.parametrize(
    ("spoilers", "on_alpha_two", "on_gamma"),
    [
        ("choice", {"Left happened."}, set()),  # Walk on was the only way: no note
        ("chapter", set(), {"Left happened."}),
        ("ending", set(), set()),
    ],
)
def test_the_verdict_note_follows_the_spoiler_setting(
    web_client, web_story, spoilers, on_alpha_two, on_gamma
):
    notes = {"Left happened.", "Walking on happened.", "Staying happened."}

    def shown(page):
        return {note for note in notes if note in notes_of(page.text)}

    client = web_client(web_story)
    page = new_game(client)
    kept = post(client, "/settings", page.text, spoilers=spoilers)
    assert kept.url.path == "/settings" and "Your settings are kept." in messages_of(kept.text)
    assert re.search(rf'value="{spoilers}" checked', kept.text)
    page = choose(client, client.get("/play"), "left")
    assert shown(page) == on_alpha_two
    page = choose(client, page, "on")
    assert shown(page) == on_gamma
    page = choose(client, page, "stay")
    # at the ending every note is there, in the path
    assert all(note in page.text for note in notes)


def test_settings_are_kept_and_a_wrong_value_changes_nothing(web_client, web_story):
    client = web_client(web_story)
    new_game(client)
    post(client, "/settings", spoilers="ending")
    again = post(client, "/settings", spoilers="<nonsense>")
    assert again.status_code == 200
    assert re.search(r'value="ending" checked', client.get("/settings").text)
    with client.store.transaction() as tx:
        assert json.loads(tx.player(player_id(client)).settings)["spoilers"] == "ending"


def test_undo_and_nothing_to_undo(web_client, web_story):
    client = web_client(web_story)
    page = new_game(client)
    assert 'action="/undo"' not in page.text
    refused = post(client, "/undo", page.text)
    assert "There is no choice to take back." in messages_of(refused.text)
    page = choose(client, page, "left")
    assert 'action="/undo"' in page.text
    undone = post(client, "/undo", page.text)
    assert undone.url.path == "/play" and title_of(undone.text) == "Alpha"
    with client.store.transaction() as tx:
        assert tx.player(player_id(client)).steps == 0


def test_save_load_and_the_autosave(web_client, web_story):
    client = web_client(web_story)
    page = new_game(client)
    page = choose(client, page, "left")
    saved = post(client, "/save", page.text, slot="3")
    assert saved.url.path == "/saves" and "Saved." in messages_of(saved.text)
    assert "Alpha Two" in saved.text
    page = choose(client, client.get("/play"), "on")
    assert title_of(page.text) == "Gamma"
    loaded = post(client, "/load", page.text, slot="3")
    assert loaded.url.path == "/play" and title_of(loaded.text) == "Alpha Two"
    # the autosave is the game after the load: a new request (and a new device) finds it
    with client.store.transaction() as tx:
        assert json.loads(tx.save_get(player_id(client), "auto"))["slot"] == "auto"
    assert title_of(client.get("/play").text) == "Alpha Two"
    # an empty slot cannot be loaded; an unknown slot is a clear 400 page
    empty = post(client, "/load", slot="7")
    assert empty.status_code == 200 and messages_of(empty.text)
    for slot in ("0", "10", "../x", ""):
        bad = post(client, "/save", slot=slot)
        assert bad.status_code == 400 and "slots are 1 to 9" in bad.text
        bad = post(client, "/load", slot=slot)
        assert bad.status_code == 400


def test_an_unreadable_autosave_is_set_aside_and_the_player_told(web_client, web_story):
    """A page that is only read tells of it and changes nothing (on every page, until the
    player begins again); beginning a new game sets the damaged save aside, kept."""
    client = web_client(web_story)
    page = new_game(client)
    choose(client, page, "left")
    pid = player_id(client)
    with client.store.transaction() as tx:
        tx.save_put(pid, "auto", "{not json at all", "2026-12-01T19:53:04Z")
    for path in ("/play", "/", "/codex"):
        page = client.get(path)
        assert page.status_code == 200
        if path != "/codex":
            assert "could not be read" in " ".join(messages_of(page.text)), path
    with client.store.transaction() as tx:
        assert tx.set_aside_count(pid, "auto") == 0
        assert tx.save_get(pid, "auto") == "{not json at all"
    page = new_game(client)
    with client.store.transaction() as tx:
        assert tx.set_aside_count(pid, "auto") == 1
        assert json.loads(tx.save_get(pid, "auto"))["record"]["steps"] == []
    assert messages_of(client.get("/").text) == []
    # the same for a save of the right kind that will not load
    choose(client, page, "left")
    with client.store.transaction() as tx:
        tx.save_put(pid, "auto", '{"format": "petrograd-save"}', "2026-12-01T19:53:05Z")
    start = client.get("/")
    assert "could not be read" in " ".join(messages_of(start.text))
    new_game(client)
    with client.store.transaction() as tx:
        assert tx.set_aside_count(pid, "auto") == 2


def test_codex_index_and_entry(web_client, web_story):
    client = web_client(web_story)
    index = client.get("/codex")
    assert index.status_code == 200
    assert 'href="/codex/smolny"' not in index.text  # not met yet
    entry = client.get("/codex/smolny")
    assert entry.status_code == 200 and "You have not met this yet" in entry.text
    page = new_game(client)
    assert 'href="/codex/smolny"' in page.text  # the scene's text links the term
    assert 'href="/codex/smolny"' in client.get("/codex").text
    entry = client.get("/codex/smolny")
    assert "You have not met this yet" not in entry.text
    assert web_story.codex["smolny"].name in entry.text
    missing = client.get("/codex/no-such-entry")
    assert missing.status_code == 404 and "no such codex entry" in missing.text


def test_endings_gallery_counts(web_client, web_story):
    client = web_client(web_story)
    assert "Endings reached: 0 of 1." in client.get("/endings").text
    page = new_game(client)
    for choice in ("right", "on", "leave"):
        page = choose(client, page, choice)
    gallery = client.get("/endings").text
    assert "Endings reached: 1 of 1." in gallery and "<strong>Done</strong>" in gallery


def test_history_page(web_client, web_story):
    client = web_client(web_story)
    assert client.get("/history").url.path == "/"  # no game: the start page
    page = new_game(client)
    page = choose(client, page, "right")
    history = client.get("/history")
    assert history.status_code == 200
    assert "Go right" in history.text and "Right did not happen." in history.text


def test_a_new_game_asks_first_when_one_is_in_progress(web_client, web_story):
    client = web_client(web_story)
    page = new_game(client)
    page = choose(client, page, "left")
    asked = post(client, "/new", page.text)
    assert asked.status_code == 200 and "Start a new game?" in asked.text
    assert title_of(client.get("/play").text) == "Alpha Two"  # nothing replaced
    done = post(client, "/new", asked.text, confirm="yes")
    assert done.url.path == "/play" and title_of(done.text) == "Alpha"


def test_help_and_healthz(web_client, web_story):
    client = web_client(web_story)
    assert "How to play" in client.get("/help").text
    health = client.get("/healthz")
    assert health.status_code == 200 and health.text == "ok"


# ------------------------------------------------------------------ another device


def test_resume_on_another_device_with_the_code(web_client, web_story):
    client = web_client(web_story)
    choose(client, new_game(client), "left")
    code = code_of(client.get("/saves").text)
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", code)
    phone = other_device(client)
    assert phone.get("/play").url.path == "/"  # no cookie: no game
    wrong = post(phone, "/resume", code="AAA-AAA" if code != "AAA-AAA" else "BBB-BBB")
    assert "does not match" in " ".join(messages_of(wrong.text))
    assert phone.get("/play").url.path == "/"
    resumed = post(phone, "/resume", code=code.lower().replace("-", " "))
    assert resumed.url.path == "/play" and title_of(resumed.text) == "Alpha Two"


def test_too_many_wrong_codes_from_one_address(web_client, web_story):
    client = web_client(web_story)
    new_game(client)
    code = code_of(client.get("/saves").text)
    phone = other_device(client)
    token = csrf_of(phone.get("/").text)
    for n in range(ATTEMPT_LIMIT):
        phone.post("/resume", data={"csrf": token, "code": f"ZZZ{n:03d}"})
    refused = phone.post("/resume", data={"csrf": token, "code": code})
    assert "wait" in " ".join(messages_of(refused.text))
    assert phone.get("/play").url.path == "/"


# ------------------------------------------------------------------ an assignment

CLASS = """\
    assignment:
      id: web-class
      title: The web class
      instructions: Play it through and say why.
      why: [a]
      reflection: [one]
      min_words: 3
      assessment: true
    """


def sign_in(client, name="Ada Lovelace"):
    page = post(client, "/start", name=name)
    assert page.status_code == 200 and "Your code" in page.text, page.text
    return page


def play_the_class(client, name="Ada Lovelace"):
    """Sign in and play WEB_STORY's class to the ending; returns the last page."""
    code_page = sign_in(client, name)
    page = post(client, "/new", code_page.text)
    page = choose(client, page, "left", why="Because the soviet held the garrison.")
    page = choose(client, page, "on")
    page = post(client, "/answer", page.text, **{"answer-1": "It wanted all power now."})
    return choose(client, page, "stay")


def test_the_class_flow_why_reflection_and_one_hand_in(web_client, web_story, web_assignment):
    from game.classroom.handin import verify

    assignment = web_assignment(web_story, CLASS)
    client = web_client(web_story, assignment)
    start = client.get("/")
    assert 'action="/start"' in start.text and "Play it through and say why." in start.text
    nameless = post(client, "/start", start.text, name="   ")
    assert "Type your name first." in messages_of(nameless.text)
    assert client.web.cookies.player not in client.cookies
    code_page = sign_in(client)
    code = code_of(code_page.text)
    page = post(client, "/new", code_page.text)
    assert title_of(page.text) == "Alpha" and 'name="why"' in page.text
    # "why?" is required here: refused with a message, nothing recorded
    refused = choose(client, page, "left", why="   ")
    assert "say why" in " ".join(messages_of(refused.text))
    with client.store.transaction() as tx:
        assert tx.player(player_id(client)).steps == 0
    page = choose(client, page, "left", why="Because the soviet held the garrison.")
    assert title_of(page.text) == "Alpha Two" and 'name="why"' not in page.text
    page = choose(client, page, "on")
    assert title_of(page.text) == "Gamma"
    assert 'name="answer-1"' in page.text and "What did the soviet want?" in page.text
    assert choices_of(page.text) == []  # the questions come first
    early = choose(client, page, "stay")
    assert "Answer the questions first." in messages_of(early.text)
    for text, said in [("", "Please answer every question."), ("Power now", "at least 3 words")]:
        wrong = post(client, "/answer", page.text, **{"answer-1": text})
        assert any(said in m for m in messages_of(wrong.text)), messages_of(wrong.text)
        assert 'name="answer-1"' in wrong.text
    page = post(client, "/answer", page.text, **{"answer-1": "It wanted all power now."})
    assert choices_of(page.text) == ["stay", "leave"]
    with client.store.transaction() as tx:
        assert tx.handins("web-class") == []
    page = choose(client, page, "stay")
    assert "Done" in page.text and "handed in" in " ".join(messages_of(page.text))
    # once: reloading, or asking again, writes no second record
    client.get("/play")
    again = post(client, "/handin")
    assert again.status_code == 200
    with client.store.transaction() as tx:
        handins = tx.handins("web-class")
    assert len(handins) == 1 and handins[0].student == "Ada Lovelace"
    data = json.loads(handins[0].json)
    checked = verify(data, web_story, assignment)
    assert checked.verified, checked
    assert "It wanted all power now." in handins[0].json
    assert "Because the soviet held the garrison." in handins[0].json
    assert code not in handins[0].json  # the personal code is no part of the record


def test_assessed_undo_and_loading_are_refused(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    page = post(client, "/new", sign_in(client).text)
    page = choose(client, page, "left", why="Because.")
    assert 'action="/undo"' not in page.text
    post(client, "/undo", page.text)
    assert title_of(client.get("/play").text) == "Alpha Two"
    saves = post(client, "/save", page.text, slot="2")
    assert "In this assessment you cannot load" in saves.text
    assert 'name="slot" value="2"><button type="submit" aria-label="Load' not in saves.text
    page = choose(client, client.get("/play"), "on")
    refused = post(client, "/load", page.text, slot="2")
    assert refused.status_code == 200 and messages_of(refused.text)
    assert title_of(client.get("/play").text) == "Gamma"


def test_a_second_student_with_the_same_name_needs_the_code(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    code = code_of(sign_in(client).text)
    post(client, "/new")
    choose(client, client.get("/play"), "left", why="Because.")
    other = other_device(client)
    asked = post(other, "/start", name="ada  LOVELACE")
    assert "Someone has already played as" in " ".join(messages_of(asked.text))
    assert client.web.cookies.player not in other.cookies
    assert other.get("/play").url.path == "/"
    # the code without the name, or with another name, is refused
    for name in ("", "Bob"):
        refused = post(other, "/resume", name=name, code=code)
        assert "does not match" in " ".join(messages_of(refused.text))
        assert other.get("/play").url.path == "/"
    resumed = post(other, "/resume", name="Ada Lovelace", code=code)
    assert title_of(resumed.text) == "Alpha Two"


def test_the_teacher_page_and_the_downloads(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    play_the_class(client)
    other = other_device(client)
    sign_in(other, "Bob Smith")
    teacher = other_device(client)
    login = teacher.get("/teacher")
    assert "The teacher's page" in login.text and "Ada Lovelace" not in login.text
    wrong = teacher.post("/teacher", data={"csrf": csrf_of(login.text), "code": "AAA-AAA"})
    assert wrong.status_code == 403 and "Ada Lovelace" not in wrong.text
    with client.store.transaction() as tx:
        (handin,) = tx.handins("web-class")
    assert teacher.get(f"/teacher/handin/{handin.id}.json").url.path == "/teacher"
    live = as_teacher(teacher)
    assert "Ada Lovelace" in live.text and "Bob Smith" in live.text
    assert "2 students, 1 hand-in" in live.text
    for kind, start in [("json", "{"), ("md", "#"), ("html", "<!")]:
        got = teacher.get(f"/teacher/handin/{handin.id}.{kind}")
        assert got.status_code == 200
        disposition = got.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="{handin.stem}.{kind}";')
        assert got.text.lstrip().startswith(start)
    assert teacher.get(f"/teacher/handin/{handin.id}.exe").status_code == 404
    assert teacher.get(f"/teacher/handin/{handin.id + 99}.json").status_code == 404
    assert teacher.get(f"/teacher/handin/{10**30}.json").status_code == 404
    # a student's cookie is not the teacher's
    assert "Who is playing" not in client.get("/teacher").text


def test_the_shipped_assignment_hands_in_a_record_the_report_reads(
    web_client, shipped_story, tmp_path
):
    import random

    from game.classroom.assignment import load_assignment
    from game.classroom.handin import verify
    from game.classroom.report import build_report
    from game.web.store import export_records
    from tests.conftest import ROOT

    assignment = load_assignment(ROOT / "examples" / "assignment.yaml", shipped_story)
    client = web_client(shipped_story, assignment)
    page = post(client, "/new", sign_in(client).text)
    pick = random.Random(20)
    for _ in range(200):
        if 'action="/answer"' in page.text:
            count = len(re.findall(r'name="answer-\d+"', page.text))
            answers = {
                f"answer-{n}": "The soviet had the garrison and the fleet with it."
                for n in range(1, count + 1)
            }
            page = post(client, "/answer", page.text, **answers)
            continue
        open_choices = choices_of(page.text)
        if not open_choices:
            break
        why = {"why": "It seemed the likeliest way."} if 'name="why"' in page.text else {}
        page = choose(client, page, pick.choice(open_choices), **why)
        assert page.status_code == 200
    assert 'id="ending-h"' in page.text
    with client.store.transaction() as tx:
        (handin,) = tx.handins(assignment.id)
    assert verify(json.loads(handin.json), shipped_story, assignment).verified
    folder = tmp_path / "records"
    written = export_records(client.store, folder, assignment.id)
    assert {p.suffix for p in written} == {".json", ".md", ".html"}
    report = build_report(folder, shipped_story, assignment)
    assert [e.status for e in report.entries] == ["verified"]
