"""What a review of the web pages found, each kept from coming back: a form sent twice, a
reason kept where none was asked, a records folder written over, a slot taken for the game,
a changed story not told, the teacher's cookie of one class opening another, two classes
on one host sharing cookies, a page that is only read writing to the database."""

from __future__ import annotations

import json
import re

from game.engine import load_story
from game.paths import assets_dir
from tests.web.conftest import WEB_STORY, as_teacher, csrf_of, messages_of, other_device, post
from tests.web.test_app import CLASS, choose, play_the_class, player_id, sign_in, title_of

STEP = re.compile(r'name="step" value="([0-9a-f-]+)"')


def _form(page: str, **data: str) -> dict[str, str]:
    """The fields the choice form of `page` sends (its token and its step) with `data`."""
    step = STEP.search(page)
    assert step, "the choice form says which step it was made for"
    return {"csrf": csrf_of(page), "step": step.group(1), **data}


def _story_with_a_choice_id_in_two_scenes(make_story):
    files = dict(WEB_STORY)
    files["one.yaml"] = files["one.yaml"].replace("- id: on\n", "- id: left\n")
    return load_story([make_story(files, base=False)], assets=assets_dir())


def test_a_form_sent_twice_acts_once(web_client, web_assignment, make_story):
    """A double click with scripts off, or a second tab: the second form was made for the
    step before, so it is refused, even where the next scene has a choice of the same id."""
    story = _story_with_a_choice_id_in_two_scenes(make_story)
    client = web_client(story, web_assignment(story, CLASS))
    page = post(client, "/new", sign_in(client).text).text
    form = _form(page, choice="left", why="Because the soviet held the garrison.")
    first = client.post("/choose", data=form)
    assert title_of(first.text) == "Alpha Two"
    again = client.post("/choose", data=form)
    assert title_of(again.text) == "Alpha Two"
    assert any("out of date" in m for m in messages_of(again.text))
    with client.store.transaction() as tx:
        saved = json.loads(tx.save_get(player_id(client), "auto"))
    assert len(saved["record"]["steps"]) == 1


def test_undo_sent_twice_takes_back_one_choice(web_client, web_story):
    client = web_client(web_story)
    post(client, "/new")
    choose(client, _page_of(client), "left")
    page = choose(client, _page_of(client), "on").text
    undo = {"csrf": csrf_of(page), "step": STEP.findall(page)[-1]}
    assert title_of(client.post("/undo", data=undo).text) == "Alpha Two"
    assert title_of(client.post("/undo", data=undo).text) == "Alpha Two"


def test_a_reason_is_kept_only_where_the_assignment_asks(web_client, web_story, web_assignment):
    from game.classroom.handin import verify

    assignment = web_assignment(web_story, CLASS)
    client = web_client(web_story, assignment)
    page = post(client, "/new", sign_in(client).text)
    page = choose(client, page, "left", why="Because the soviet held the garrison.")
    page = choose(client, page, "on", why="A reason where none is asked.")  # a stale field
    page = post(client, "/answer", page.text, **{"answer-1": "It wanted all power now."})
    choose(client, page, "stay")
    with client.store.transaction() as tx:
        (handin,) = tx.handins(assignment.id)
    data = json.loads(handin.json)
    assert [step.get("why") for step in data["steps"]][1] is None
    assert verify(data, web_story, assignment).verified


def test_the_records_folder_is_never_written_over(web_client, web_story, web_assignment, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    other = CLASS.replace("id: web-class", "id: other-class")
    first = web_client(web_story, web_assignment(web_story, CLASS), records=records)
    second = web_client(web_story, web_assignment(web_story, other), records=records)
    play_the_class(first, "Ada")
    play_the_class(second, "Ada")
    held = sorted(json.loads(p.read_text())["extra"]["assignment"]["id"] for p in records.glob("*.json"))
    assert held == ["other-class", "web-class"]
    assert len(list(records.iterdir())) == 6


def test_the_autosave_is_the_game_whatever_the_slots_clocks_say(web_client, web_story, web_assignment):
    """A slot stamped later than the autosave (another machine's clock ahead) is not taken
    for the game: the autosave is written after every change."""
    no_assessment = CLASS.replace("assessment: true", "assessment: false")
    client = web_client(web_story, web_assignment(web_story, no_assessment))
    page = post(client, "/new", sign_in(client).text)
    post(client, "/save", page.text, slot="1")
    with client.store.transaction() as tx:
        data = json.loads(tx.save_get(player_id(client), "1"))
        data["saved_at"] = "2099-01-01T00:00:00Z"
        tx.save_put(player_id(client), "1", json.dumps(data), data["saved_at"])
    page = choose(client, _page_of(client), "left", why="Because the soviet held the garrison.")
    assert title_of(page.text) == "Alpha Two"
    assert title_of(client.get("/play").text) == "Alpha Two"


def _page_of(client):
    return client.get("/play")


def test_a_changed_story_is_told_in_free_play(make_story, tmp_path):
    import shutil

    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    before = load_story([make_story(WEB_STORY, base=False)], assets=assets_dir())
    store = open_store(str(tmp_path / "db.sqlite3"), tmp_path)
    client = TestClient(build_app(WebConfig(before, store)))
    post(client, "/new")
    choose(client, _page_of(client), "left")
    assert title_of(choose(client, _page_of(client), "on").text) == "Gamma"
    files = dict(WEB_STORY)
    files["one.yaml"] = files["one.yaml"].replace("- id: on\n", "- id: onward\n")
    shutil.rmtree(tmp_path / "story")
    after = load_story([make_story(files, base=False)], assets=assets_dir())
    changed = TestClient(build_app(WebConfig(after, store)))
    changed.cookies = client.cookies
    page = changed.get("/play").text
    assert title_of(page) == "Alpha Two"
    assert any("changed" in m for m in messages_of(page)), messages_of(page)


def test_a_teacher_cookie_opens_only_its_class_and_code(web_story, web_assignment, tmp_path):
    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    store = open_store(str(tmp_path / "shared.sqlite3"), tmp_path)
    one = web_assignment(web_story, CLASS)
    two = web_assignment(web_story, CLASS.replace("id: web-class", "id: other-class"))
    app_one = build_app(WebConfig(web_story, store, one))
    app_two = build_app(WebConfig(web_story, store, two))
    assert app_one.state.web.teacher_code != app_two.state.web.teacher_code  # one per class
    teacher = TestClient(app_one)
    teacher.web = app_one.state.web
    as_teacher(teacher)
    cookie = teacher.cookies[app_one.state.web.cookies.teacher]
    elsewhere = TestClient(app_two)
    elsewhere.cookies.set(app_two.state.web.cookies.teacher, cookie)
    assert "Who is playing" not in elsewhere.get("/teacher").text
    # A new code for the class (--teacher-code) shuts out the browsers let in with the old,
    # at every process of the class (it is kept in the database), and a process started
    # again without the option keeps the new code.
    renewed = TestClient(build_app(WebConfig(web_story, store, one, teacher_code="NEW-C0D")))
    renewed.cookies.set(app_one.state.web.cookies.teacher, cookie)
    assert "Who is playing" not in renewed.get("/teacher").text
    assert "Who is playing" not in teacher.get("/teacher").text  # the other process too
    again = build_app(WebConfig(web_story, store, one))
    assert again.state.web.teacher_code == "NEW-C0D"
    renewed.web = again.state.web
    back = TestClient(again)
    back.web = again.state.web
    assert "Who is playing" in as_teacher(back).text


def test_the_teacher_code_cannot_be_guessed_from_many_addresses(web_client, web_story):
    from game.web.app import TEACHER_LIMIT_CLASS

    client = web_client(web_story, trusted_proxies="*")
    assert len(client.web.teacher_code.replace("-", "")) == 12  # twice a student's
    page = client.get("/teacher").text
    for n in range(TEACHER_LIMIT_CLASS):
        client.headers["x-forwarded-for"] = f"10.0.{n // 250}.{n % 250 + 1}"
        client.post("/teacher", data={"csrf": csrf_of(page), "code": f"WRONG{n:04d}"})
    client.headers["x-forwarded-for"] = "10.9.9.9"
    shut = client.post("/teacher", data={"csrf": csrf_of(page), "code": client.web.teacher_code})
    assert shut.status_code == 429 and "Who is playing" not in shut.text


def test_ipv6_addresses_of_one_network_count_as_one():
    from starlette.requests import Request

    from game.web.app import _client

    def sent_from(host: str) -> str:
        return _client(Request({"type": "http", "client": (host, 1), "headers": []}))

    assert sent_from("2001:db8:1:2::5") == sent_from("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert sent_from("::ffff:10.1.2.3") == "10.1.2.3" and sent_from("10.1.2.3") == "10.1.2.3"


def test_two_classes_on_one_host_keep_their_own_cookies(web_client, web_story, web_assignment):
    one = web_client(web_story, web_assignment(web_story, CLASS))
    two = web_client(
        web_story, web_assignment(web_story, CLASS.replace("id: web-class", "id: other-class"))
    )
    assert len({one.web.cookies.player, two.web.cookies.player, one.web.cookies.visit}) == 3


def test_a_page_that_is_only_read_writes_nothing(web_client, web_story):
    client = web_client(web_story)
    post(client, "/new")
    with client.store.transaction() as tx:
        before = tx.player(player_id(client))
    for path in ("/", "/play", "/history", "/codex", "/endings", "/saves", "/settings"):
        assert client.get(path).status_code == 200
    with client.store.transaction() as tx:
        assert tx.player(player_id(client)) == before


def test_the_teacher_page_reads_no_record_whole(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    play_the_class(client)
    with client.store.transaction() as tx:
        (listed,) = tx.handin_list("web-class")
        (whole,) = tx.handins("web-class")
    assert (listed.id, listed.stem) == (whole.id, whole.stem) and listed.json == "" != whole.json
    assert "Ada Lovelace" in as_teacher(other_device(client)).text


def test_the_code_is_shown_only_where_asked_for(web_client, web_story, web_assignment):
    """A neighbour reading the screen must not see name and code together: the code is on
    the page that gives it and under Saves, not at the foot of every page."""
    client = web_client(web_story, web_assignment(web_story, CLASS))
    code = re.search(r'class="code">([^<]+)<', sign_in(client).text).group(1)
    page = post(client, "/new", client.get("/").text)
    assert code not in page.text and "Ada Lovelace" in page.text
    assert code in client.get("/saves").text


def test_questions_to_think_about_are_shown_where_none_are_asked(web_client, web_story):
    """Free play: the chapter's questions come as things to think about, as in the TUI."""
    client = web_client(web_story)
    post(client, "/new")
    choose(client, _page_of(client), "left")
    page = choose(client, _page_of(client), "on").text
    assert "To think about" in page and "What did the soviet want?" in page
    assert 'name="answer-1"' not in page


def test_after_undo_no_verdict_is_shown_as_new(web_client, web_story):
    client = web_client(web_story)
    post(client, "/new")
    choose(client, _page_of(client), "left")
    page = choose(client, _page_of(client), "on").text
    undone = client.post("/undo", data={"csrf": csrf_of(page)}).text
    assert "You took back your last choice." in undone
    assert 'class="notes"' not in undone


def test_the_teacher_can_tell_a_student_their_lost_code(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    code = re.search(r'class="code">([^<]+)<', sign_in(client).text).group(1)
    live = as_teacher(other_device(client)).text
    assert re.search(r"Ada Lovelace</th><td class=\"code\">" + re.escape(code), live)


def test_a_choice_sent_by_the_page_script_answers_with_the_next_scene(web_client, web_story):
    """With scripts on, game.js posts with X-Requested-With: fetch and gets the next scene
    at once (no redirect to replay the game again); without, a redirect to /play."""
    client = web_client(web_story)
    post(client, "/new")
    page = _page_of(client).text
    direct = client.post(
        "/choose",
        data={"csrf": csrf_of(page), "choice": "left"},
        headers={"x-requested-with": "fetch"},
        follow_redirects=False,
    )
    assert direct.status_code == 200 and title_of(direct.text) == "Alpha Two"
    plain = client.post(
        "/choose", data={"csrf": csrf_of(direct.text), "choice": "on"}, follow_redirects=False
    )
    assert plain.status_code == 303 and plain.headers["location"] == "/play"


def test_a_name_with_an_invisible_character_is_the_same_name(web_client, web_story, web_assignment):
    """A classmate cannot sign in as "Ada Lovelace" with a zero-width space in it: the
    name is taken, and the game asks for the code."""
    client = web_client(web_story, web_assignment(web_story, CLASS))
    sign_in(client)
    mallory = other_device(client)
    page = post(mallory, "/start", name="Ada\u200b Lovelace")
    assert any("already played as" in m for m in messages_of(page.text))
    assert client.web.cookies.player not in mallory.cookies


def test_wrong_codes_over_a_day_old_are_dropped(web_client, web_story):
    client = web_client(web_story)
    with client.store.transaction() as tx:
        tx.note_attempt("code:somewhere", "2026-11-01T10:00:00Z")
        tx.note_attempt("code:somewhere", "2026-11-03T10:00:00Z")
        assert tx.attempts_since("code:somewhere", "2000-01-01T00:00:00Z") == 1


def test_ten_wrong_codes_for_one_name_shut_that_name_only(web_client, web_story, web_assignment):
    from game.web.app import ATTEMPT_LIMIT_NAME

    client = web_client(web_story, web_assignment(web_story, CLASS))
    ada = re.search(r'class="code">([^<]+)<', sign_in(client, "Ada Lovelace").text).group(1)
    bob_device = other_device(client)
    bob = re.search(r'class="code">([^<]+)<', sign_in(bob_device, "Bob Smith").text).group(1)
    guesser = other_device(client)
    token = csrf_of(guesser.get("/").text)
    for n in range(ATTEMPT_LIMIT_NAME):
        guesser.post("/resume", data={"csrf": token, "name": "Ada Lovelace", "code": f"ZZZ{n:03d}"})
    shut = guesser.post("/resume", data={"csrf": token, "name": "Ada Lovelace", "code": ada})
    assert any("Too many wrong codes" in m for m in messages_of(shut.text))
    assert client.web.cookies.player not in guesser.cookies
    fine = guesser.post("/resume", data={"csrf": token, "name": "Bob Smith", "code": bob})
    assert client.web.cookies.player in guesser.cookies  # Bob's name was not shut
    assert "Bob Smith" in fine.text and not messages_of(fine.text)


def test_a_new_game_from_a_tab_left_at_an_ending_asks_first(web_client, web_story):
    """A tab left open at an ending sends "A new game" while another game is under way:
    it cannot confirm replacing a game it never showed, so the player is asked."""
    client = web_client(web_story)
    post(client, "/new")
    choose(client, _page_of(client), "left")
    page = choose(client, _page_of(client), "on")
    ended = choose(client, page, "stay").text
    assert 'id="ending-h"' in ended
    post(client, "/new", ended, confirm="yes", game=re.search(r'name="game" value="([^"]*)"', ended).group(1))
    choose(client, _page_of(client), "left")  # a game under way, at Alpha Two
    stale = client.post(
        "/new",
        data={"csrf": csrf_of(ended), "confirm": "yes",
              "game": re.search(r'name="game" value="([^"]*)"', ended).group(1)},
    )  # fmt: skip
    assert "Start a new game?" in stale.text
    assert title_of(client.get("/play").text) == "Alpha Two"


def test_a_tab_left_behind_an_undo_is_out_of_date(web_client, web_story):
    """The step a form carries names the choices made, not only their number: after an
    undo and another choice, a tab's form of the same number is refused."""
    client = web_client(web_story)
    post(client, "/new")
    choose(client, _page_of(client), "left")
    old_tab = _page_of(client).text  # at Alpha Two after "left"
    undo = STEP.search(old_tab).group(1)
    client.post("/undo", data={"csrf": csrf_of(old_tab), "step": undo})
    choose(client, _page_of(client), "right")  # at Alpha Two again, after "right"
    sent = client.post("/choose", data=_form(old_tab, choice="on"))
    assert any("out of date" in m for m in messages_of(sent.text))
    assert title_of(sent.text) == "Alpha Two"


def test_the_records_folder_and_an_export_hold_each_hand_in_once(
    web_client, web_story, web_assignment, tmp_path
):
    from game.cli import main

    records = tmp_path / "records"
    records.mkdir()
    client = web_client(web_story, web_assignment(web_story, CLASS), records=records)
    play_the_class(client)
    database = client.store.url
    client.store.close()
    story = tmp_path / "story"
    out = tmp_path / "report"
    for _ in range(2):
        assert main(["report", "--db", database, "-o", str(out), "--export", str(records),
                     "--story", str(story)]) == 0  # fmt: skip
    assert len(list(records.glob("*.json"))) == 1


def test_a_report_of_one_assignment_reads_that_class_only(
    web_client, web_story, web_assignment, tmp_path
):
    from starlette.testclient import TestClient

    from game.cli import main
    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    one_file = tmp_path / "one.yaml"
    one_file.write_text(CLASS.replace("\n    ", "\n").strip() + "\n", encoding="utf-8")
    one = web_assignment(web_story, CLASS)
    other = web_assignment(web_story, CLASS.replace("id: web-class", "id: other-class"))
    first = web_client(web_story, one)
    play_the_class(first, "Ada")
    shared = open_store(first.store.url, tmp_path)  # another class on the same database
    elsewhere = TestClient(build_app(WebConfig(web_story, shared, other)))
    elsewhere.web = elsewhere.app.state.web
    play_the_class(elsewhere, "Bob")
    shared.close()
    out = tmp_path / "report"
    kept = tmp_path / "kept"
    assert main(["report", "--db", first.store.url, "-o", str(out), "--export", str(kept),
                 "--assignment", str(one_file), "--story", str(tmp_path / "story")]) == 0  # fmt: skip
    rows = (out / "report.csv").read_text(encoding="utf-8")
    assert "Ada" in rows and "Bob" not in rows
    assert [p.name.split("-")[0] for p in kept.glob("*.json")] == ["Ada"]


def test_two_stories_in_free_play_on_one_database_never_share_a_player(make_story, tmp_path):
    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    files = {**WEB_STORY, "story.yaml": WEB_STORY["story.yaml"].replace("web-story", "mine")}
    first = load_story([make_story(WEB_STORY, base=False)], assets=assets_dir())
    store = open_store(str(tmp_path / "one.sqlite3"), tmp_path)
    one = TestClient(build_app(WebConfig(first, store)))
    post(one, "/new")
    choose(one, _page_of(one), "left")
    import shutil

    shutil.rmtree(tmp_path / "story")
    second = load_story([make_story(files, base=False)], assets=assets_dir())
    two = TestClient(build_app(WebConfig(second, store)))
    two.cookies = one.cookies  # one browser, both servers on one host
    page = two.get("/").text
    assert "could not be read" not in page and "set aside" not in page
    assert title_of(one.get("/play").text) == "Alpha Two"  # the first game is whole


def test_loading_a_save_of_a_changed_story_says_so(make_story, tmp_path):
    import shutil

    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    before = load_story([make_story(WEB_STORY, base=False)], assets=assets_dir())
    store = open_store(str(tmp_path / "db.sqlite3"), tmp_path)
    client = TestClient(build_app(WebConfig(before, store)))
    post(client, "/new")
    choose(client, _page_of(client), "left")
    post(client, "/save", client.get("/saves").text, slot="1")
    files = dict(WEB_STORY)
    files["one.yaml"] = files["one.yaml"].replace("Text of [[Smolny]].", "Text of [[Smolny]], changed.")
    shutil.rmtree(tmp_path / "story")
    after = load_story([make_story(files, base=False)], assets=assets_dir())
    changed = TestClient(build_app(WebConfig(after, store)))
    changed.cookies = client.cookies
    page = post(changed, "/load", changed.get("/saves").text, slot="1").text
    assert title_of(page) == "Alpha Two"
    assert any("changed" in m for m in messages_of(page)), messages_of(page)
