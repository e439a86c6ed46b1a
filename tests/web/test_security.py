"""The HTML front end against a hostile browser: escaping, CSRF, cookies, isolation between
players, the limits on what may be sent, the security headers, and random forms."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.web.security import BODY_LIMIT
from tests.fuzzing import examples
from tests.web.conftest import as_teacher, choices_of, csrf_of, other_device, post

CLASS = """\
    assignment:
      id: web-class
      title: The web class
      instructions: Play it through and say why.
      why: [a]
      reflection: [one]
    """

OTHER_CLASS = CLASS.replace("web-class", "other-class")

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    'O\'Brien "the quote" & co',
    "\u202eevil\u202c name",
    "سلام עברית",
]

#: Every page a player may see.
PAGES = ["/", "/play", "/history", "/codex", "/codex/smolny", "/endings", "/saves", "/settings"]

#: Every POST route with a form that would change something if it were taken.
POSTS = {
    "/start": {"name": "Mallory"},
    "/resume": {"code": "AAA-AAA"},
    "/signout": {},
    "/new": {"confirm": "yes"},
    "/choose": {"choice": "left", "why": "Because."},
    "/answer": {"answer-1": "An answer of some words."},
    "/undo": {},
    "/handin": {},
    "/save": {"slot": "1"},
    "/load": {"slot": "1"},
    "/settings": {"spoilers": "ending"},
    "/teacher": {"code": "AAA-AAA"},
}


def player_id(client) -> str:
    return client.cookies[client.web.cookies.player].rsplit(".", 1)[0]


def unsafe_markup(html: str) -> list[str]:
    """What of the hostile texts appears as markup in a page."""
    return [
        bad
        for bad in (
            "<script>alert",
            "<img src=x",
            "onerror=alert(1)>",
            '"><img',
            "\u202e",
            "\u202c",
        )
        if bad in html
    ]


def student_playing(client, name: str, why: str):
    page = post(client, "/start", name=name)
    assert page.status_code == 200, page.text
    page = post(client, "/new", page.text)
    return client.post("/choose", data={"csrf": csrf_of(page.text), "choice": "left", "why": why})


# ------------------------------------------------------------------ escaping


@pytest.mark.parametrize("text", HOSTILE)
def test_names_and_reasons_are_shown_escaped_on_every_page(
    web_client, web_story, web_assignment, text
):
    from game.engine.record import clean_text

    client = web_client(web_story, web_assignment(web_story, CLASS))
    code_page = post(client, "/start", name=text)
    assert code_page.status_code == 200
    shown = [code_page.text]
    page = post(client, "/new", code_page.text)
    page = client.post(
        "/choose", data={"csrf": csrf_of(page.text), "choice": "left", "why": f"why {text}"}
    )
    assert page.status_code == 200
    shown += [client.get(path).text for path in PAGES]
    shown.append(as_teacher(other_device(client)).text)
    cleaned = clean_text(text)
    escaped = cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for html in shown:
        assert unsafe_markup(html) == []
    # the name is on the code page, the footers and the teacher's page; the reason in history
    assert escaped.replace('"', "&#34;").replace("'", "&#39;") in shown[0]
    history = shown[1 + PAGES.index("/history")]
    assert "why " + escaped.replace('"', "&#34;").replace("'", "&#39;") in history
    assert escaped.replace('"', "&#34;").replace("'", "&#39;") in shown[-1]


def test_a_hostile_free_text_never_reaches_the_page_as_markup(web_client, web_story):
    # free play takes no names: what a browser sends is only ids, and they are never echoed
    client = web_client(web_story)
    page = post(client, "/new", viewpoint=HOSTILE[1])
    for field in ("choice", "slot", "spoilers"):
        for path in ("/choose", "/save", "/load", "/settings"):
            got = client.post(path, data={"csrf": csrf_of(page.text), field: HOSTILE[0]})
            assert got.status_code < 500 and unsafe_markup(got.text) == []
    assert unsafe_markup(client.get("/codex/" + HOSTILE[0]).text) == []


# ------------------------------------------------------------------ CSRF


def snapshot(store) -> tuple:
    with store.transaction() as tx:
        players = []
        for klass in ("web-class", ""):
            for row in tx.players(klass):
                players.append(
                    (row.id, row.name, row.scene, row.steps, row.handins, row.settings, row.version)
                )
                players.append(tuple(sorted(tx.save_slots(row.id).items())))
        return tuple(players), len(tx.handins(None))


@pytest.mark.parametrize("path", sorted(POSTS))
def test_every_post_refuses_a_bad_token_and_changes_nothing(
    web_client, web_story, web_assignment, path
):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    page = student_playing(client, "Ada", "Because.")
    theirs = csrf_of(other_device(client).get("/").text)
    assert csrf_of(page.text) != theirs
    for token in (None, "", "0" * 32, csrf_of(page.text)[:-1] + "x", theirs):
        data = dict(POSTS[path]) if token is None else {**POSTS[path], "csrf": token}
        before = snapshot(client.store)
        cookies = dict(client.cookies)
        refused = client.post(path, data=data)
        assert refused.status_code == 403, (path, token, refused.status_code)
        assert "Reload the page" in refused.text
        assert snapshot(client.store) == before
        assert dict(client.cookies) == cookies
    # the page's own token is taken (so it was the token that was refused)
    taken = client.post(path, data={**POSTS[path], "csrf": csrf_of(page.text)})
    assert "Reload the page" not in taken.text


def test_a_token_of_a_browser_without_cookies_is_refused(web_client, web_story):
    client = web_client(web_story)
    token = csrf_of(client.get("/").text)
    bare = other_device(client)
    assert bare.post("/new", data={"csrf": token}).status_code == 403


# ------------------------------------------------------------------ cookies


def set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def test_the_player_cookie_is_httponly_lax_and_path_root(web_client, web_story):
    client = web_client(web_story)
    first = client.get("/")
    page = client.post("/new", data={"csrf": csrf_of(first.text)}, follow_redirects=False)
    (cookie,) = [c for c in set_cookie_headers(page) if c.startswith(client.web.cookies.player + "=")]
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in parts and "samesite=lax" in parts and "path=/" in parts
    assert "secure" not in parts  # plain http in a test: a Secure cookie would never return
    (visit,) = set_cookie_headers(first)
    assert "httponly" in visit.lower() and "samesite=lax" in visit.lower()


@pytest.mark.parametrize("how", ["proxy", "base_url"])
def test_the_cookies_are_secure_over_https(web_client, web_story, how):
    if how == "proxy":
        client = web_client(web_story, trusted_proxies="*")  # the test client as the proxy
        client.headers["x-forwarded-proto"] = "https"
    else:
        client = web_client(web_story, base_url="https://testserver")
    first = client.get("/")
    page = client.post("/new", data={"csrf": csrf_of(first.text)}, follow_redirects=False)
    for cookie in set_cookie_headers(first) + set_cookie_headers(page):
        assert "secure" in [p.strip().lower() for p in cookie.split(";")], cookie


@pytest.mark.parametrize(
    "forge",
    [
        lambda value: value[:-1] + ("0" if value[-1] != "0" else "1"),  # the signature edited
        lambda value: "A" + value[1:],  # the id edited
        lambda value: value.rsplit(".", 1)[0],  # no signature
        lambda value: "x" * 300,
        lambda value: "..",
        lambda value: "!#$%&'()*+-/:<=>?@[]^_`{|}~." + value,
        lambda value: "",
    ],
)
def test_a_forged_cookie_is_no_player_and_never_an_error(web_client, web_story, forge):
    client = web_client(web_story)
    post(client, "/new")
    forged = forge(client.cookies[client.web.cookies.player])
    mallory = other_device(client)
    mallory.cookies.set(client.web.cookies.player, forged)
    for path in PAGES:
        got = mallory.get(path)
        assert got.status_code in (200, 404) and "Alpha" not in got.text
    assert mallory.get("/play").url.path == "/"


def test_a_cookie_of_another_class_opens_no_game(web_client, web_story, web_assignment):
    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app

    client = web_client(web_story, web_assignment(web_story, CLASS))
    student_playing(client, "Ada", "Because.")
    other_class = build_app(
        WebConfig(web_story, client.store, web_assignment(web_story, OTHER_CLASS))
    )
    elsewhere = TestClient(other_class)
    elsewhere.cookies.set(
        other_class.state.web.cookies.player, client.cookies[client.web.cookies.player]
    )
    assert elsewhere.get("/play").url.path == "/"
    assert "Ada" not in elsewhere.get("/").text
    # nor does the code with the name
    code = re.search(r'class="code">([^<]+)<', client.get("/saves").text).group(1)
    refused = post(elsewhere, "/resume", name="Ada", code=code)
    assert "does not match" in refused.text
    assert elsewhere.get("/play").url.path == "/"


# ------------------------------------------------------------------ isolation


def test_a_cookie_shows_its_own_game_only(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    student_playing(client, "Ada Lovelace", "Because of Ada.")
    bob = other_device(client)
    post(bob, "/new", post(bob, "/start", name="Bob Smith").text)
    for path in PAGES:
        page = bob.get(path).text
        assert "Ada Lovelace" not in page and "Because of Ada." not in page
        assert player_id(client) not in page
    assert "Alpha Two" not in bob.get("/play").text
    assert "Alpha Two" in client.get("/play").text


def test_no_url_names_a_player(web_client, web_story):
    client = web_client(web_story)
    page = post(client, "/new")
    pid = player_id(client)
    answers = [page, client.post("/choose", data={"csrf": csrf_of(page.text), "choice": "left"})]
    answers += [client.get(path) for path in PAGES]
    for answer in answers:
        for step in [*answer.history, answer]:
            assert pid not in str(step.url) and pid not in step.headers.get("location", "")
        assert pid not in answer.text
        assert not re.search(r'href="[^"]*' + re.escape(pid), answer.text)


def test_the_teacher_pages_need_the_teacher_cookie(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    student_playing(client, "Ada Lovelace", "Because.")
    assert "Who is playing" not in client.get("/teacher").text
    client.cookies.set(  # a player's cookie, not the teacher's
        client.web.cookies.teacher, client.cookies[client.web.cookies.player]
    )
    assert "Who is playing" not in client.get("/teacher").text
    got = client.get("/teacher/handin/1.json", follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == "/teacher"


# ------------------------------------------------------------------ limits


def test_a_body_over_the_limit_is_413(web_client, web_story):
    client = web_client(web_story)
    token = csrf_of(client.get("/").text)
    big = {"csrf": token, "why": "x" * (BODY_LIMIT + 1024)}
    assert client.post("/choose", data=big).status_code == 413

    def chunks():
        yield f"csrf={token}&why=".encode()
        for _ in range(BODY_LIMIT // 1024 + 16):
            yield b"y" * 1024

    streamed = client.post(
        "/choose",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    assert "send less" in streamed.text
    assert streamed.headers["x-content-type-options"] == "nosniff"
    lying = client.post("/choose", content=b"a=b", headers={"content-length": "999999999"})
    assert lying.status_code in (400, 413)


def test_too_many_fields_are_refused(web_client, web_story):
    client = web_client(web_story)
    token = csrf_of(client.get("/").text)
    data = {"csrf": token, **{f"f{n}": "1" for n in range(200)}}
    refused = client.post("/new", data=data)
    assert refused.status_code == 400 and "not a form" in refused.text
    assert client.web.cookies.player not in client.cookies


def test_long_names_and_answers_are_cut(web_client, web_story, web_assignment):
    from game.web.app import NAME_LIMIT

    client = web_client(web_story, web_assignment(web_story, CLASS))
    page = post(client, "/start", name="N" * 5000)
    assert page.status_code == 200
    with client.store.transaction() as tx:
        (row,) = tx.players("web-class")
    assert row.name is not None and 0 < len(row.name) <= NAME_LIMIT
    page = post(client, "/new", page.text)
    page = client.post(
        "/choose", data={"csrf": csrf_of(page.text), "choice": "left", "why": "w " * 20_000}
    )
    page = client.post("/choose", data={"csrf": csrf_of(page.text), "choice": "on"})
    client.post("/answer", data={"csrf": csrf_of(page.text), "answer-1": "word " * 12_000})
    with client.store.transaction() as tx:
        auto = tx.save_get(row.id, "auto")
    assert auto is not None and "w w w" in auto and "word word" in auto
    assert len(auto) < 30_000  # 40,000 + 60,000 characters were sent


def test_a_long_answer_in_cyrillic_is_taken(web_client, web_story, web_assignment):
    # 7,500 letters of Cyrillic are 45 KiB as a form sends them (each letter is %D0%B0):
    # under the body's limit, so taken (cut to the longest answer), never "not a form"
    client = web_client(web_story, web_assignment(web_story, CLASS))
    page = student_playing(client, "Ada", "Because.")
    page = client.post("/choose", data={"csrf": csrf_of(page.text), "choice": "on"})
    answer = "слово " * 1500
    got = client.post("/answer", data={"csrf": csrf_of(page.text), "answer-1": answer})
    assert got.status_code == 200 and choices_of(got.text) == ["stay", "leave"], got.text
    with client.store.transaction() as tx:
        (row,) = tx.players("web-class")
        assert "слово слово" in tx.save_get(row.id, "auto")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/save", {"slot": "99"}),
        ("/load", {"slot": "auto2"}),
        ("/choose", {"choice": "x" * 500}),
        ("/new", {"viewpoint": "nobody", "confirm": "yes"}),
        ("/settings", {"spoilers": "all"}),
    ],
)
def test_unknown_ids_give_a_clear_page_never_a_500(web_client, web_story, path, data):
    client = web_client(web_story)
    page = post(client, "/new")
    got = client.post(path, data={"csrf": csrf_of(page.text), **data})
    assert got.status_code < 500
    assert "Traceback" not in got.text
    if got.status_code >= 400:
        assert "That did not work" in got.text


@pytest.mark.parametrize(
    "path", ["/codex/nothing", "/nothing", "/teacher/handin/x.json", "/static/nothing.css"]
)
def test_unknown_pages_are_404(web_client, web_story, path):
    client = web_client(web_story)
    got = client.get(path)
    assert got.status_code == 404 and "Traceback" not in got.text


# ------------------------------------------------------------------ headers


def test_every_response_has_the_security_headers(web_client, web_story, web_assignment):
    client = web_client(web_story, web_assignment(web_story, CLASS))
    answers = [client.get(path, follow_redirects=False) for path in [*PAGES, "/help", "/healthz"]]
    answers += [
        client.get("/static/game.css"),
        client.get("/nothing"),
        client.post("/new", data={}),
        client.post("/choose", content=b"x" * (70 * 1024)),
        post(client, "/start", name="Ada"),
        client.get("/teacher"),
    ]
    for answer in answers:
        csp = answer.headers.get("content-security-policy", "")
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, answer.url
        assert "script-src 'self'" in csp
        assert answer.headers.get("x-content-type-options") == "nosniff"


# ------------------------------------------------------------------ random forms


FIELD_NAMES = st.sampled_from(
    [
        "choice",
        "why",
        "slot",
        "name",
        "code",
        "viewpoint",
        "confirm",
        "spoilers",
        "answer-1",
        "answer-2",
        "answer-999999999999",
        "csrf2",
        "",
    ]
) | st.text(max_size=20)
VALUES = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["left", "on", "auto", "1", "9", "yes", "ending", "\x00", "\ud7ff", "1e999"]),
)


@pytest.fixture
def random_forms(web_client, web_story, web_assignment):
    free = web_client(web_story)
    post(free, "/new")
    klass = web_client(web_story, web_assignment(web_story, CLASS))
    student_playing(klass, "Ada", "Because.")
    return [free, klass]


@settings(examples(60), suppress_health_check=list(HealthCheck))
@given(
    which=st.integers(0, 1),
    path=st.sampled_from(sorted(POSTS)),
    fields=st.lists(st.tuples(FIELD_NAMES, VALUES), max_size=8),
)
def test_random_forms_never_give_a_500(random_forms, which, path, fields):
    client = random_forms[which]
    token = (
        csrf_of(client.get("/").text)
        if path != "/teacher"
        else csrf_of(client.get("/teacher").text)
    )
    body = urlencode([("csrf", token), *fields])
    got = client.post(
        path, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert got.status_code < 500, got.text
    assert "Traceback" not in got.text


def test_a_hostile_name_makes_a_safe_download_name(web_client, web_story, web_assignment):
    from tests.web.test_app import CLASS as FULL_CLASS
    from tests.web.test_app import play_the_class

    client = web_client(web_story, web_assignment(web_story, FULL_CLASS))
    play_the_class(client, name='"><img src=x onerror=alert(1)>\r\nX-Evil: 1')
    teacher = other_device(client)
    live = as_teacher(teacher)
    assert unsafe_markup(live.text) == []
    with client.store.transaction() as tx:
        (handin,) = tx.handins("web-class")
    for kind in ("json", "md", "html"):
        got = teacher.get(f"/teacher/handin/{handin.id}.{kind}")
        assert "x-evil" not in got.headers
        assert re.fullmatch(
            r'attachment; filename="[A-Za-z0-9._-]+\.' + kind + "\"; filename\\*=UTF-8''[A-Za-z0-9%._-]+",
            got.headers["content-disposition"],
        )
    # the transcript is a download, and even opened it holds no live markup of the name
    assert unsafe_markup(teacher.get(f"/teacher/handin/{handin.id}.html").text) == []


def test_a_teacher_of_another_class_gets_no_hand_in_of_this_one(
    web_client, web_story, web_assignment
):
    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from tests.web.test_app import CLASS as FULL_CLASS
    from tests.web.test_app import play_the_class

    client = web_client(web_story, web_assignment(web_story, FULL_CLASS))
    play_the_class(client)
    with client.store.transaction() as tx:
        (handin,) = tx.handins("web-class")
    other_class = build_app(
        WebConfig(web_story, client.store, web_assignment(web_story, OTHER_CLASS))
    )
    teacher = TestClient(other_class)
    teacher.web = other_class.state.web
    live = as_teacher(teacher)
    assert "Ada Lovelace" not in live.text
    assert teacher.get(f"/teacher/handin/{handin.id}.json").status_code == 404


@pytest.mark.parametrize("path", sorted(POSTS))
def test_a_get_of_a_post_route_is_a_page_not_a_500(web_client, web_story, path):
    client = web_client(web_story)
    got = client.get(path)
    assert got.status_code in (200, 405), path
    assert "Traceback" not in got.text


def test_an_untrusted_client_cannot_claim_https_or_another_address(web_client, web_story):
    """X-Forwarded-Proto and X-Forwarded-For count only from the trusted proxies (by default
    127.0.0.1; the test client is not it): a student cannot dodge the limit on wrong codes by
    naming another address."""
    client = web_client(web_story)
    client.headers["x-forwarded-proto"] = "https"
    client.headers["x-forwarded-for"] = "10.9.9.9"
    first = client.get("/")
    for cookie in set_cookie_headers(first):
        assert "secure" not in [p.strip().lower() for p in cookie.split(";")], cookie
    post(client, "/resume", first.text, code="AAA-AAA")
    with client.store.transaction() as tx:
        assert tx.attempts_since("code:10.9.9.9", "2000-01-01T00:00:00Z") == 0
        assert tx.attempts_since("code:testclient", "2000-01-01T00:00:00Z") == 1


def test_names_and_codes_in_any_script_and_odd_bytes_are_never_a_500(web_client, web_story, web_assignment):
    """compare_digest refuses text that is not ASCII: every comparison of a code, a name, a
    token or a cookie is of bytes. A student named in Cyrillic comes back with their code; a
    teacher's code, a token or a cookie with such letters is refused, not an error."""
    from tests.web.test_app import CLASS as FULL_CLASS
    from tests.web.test_app import play_the_class

    client = web_client(web_story, web_assignment(web_story, FULL_CLASS))
    play_the_class(client, name="Пётр Иванов")
    code = re.search(r'class="code">([^<]+)<', client.get("/saves").text)
    assert code, "the saves page shows the player's code"
    phone = other_device(client)
    back = post(phone, "/resume", phone.get("/").text, name="Пётр Иванов", code=code.group(1))
    assert back.status_code == 200 and back.url.path == "/play"
    teacher = other_device(client)
    refused = post(teacher, "/teacher", teacher.get("/teacher").text, code="ÉÉÉ-ÉÉÉ")
    assert refused.status_code == 403
    assert post(teacher, "/resume", None, csrf="é", code="x").status_code == 403
    assert client.web.signer.unsign("player", "abcdefghij." + "é" * 32) is None
    assert not client.web.signer.csrf_ok("abcdefghij", "é" * 32)
    desk = other_device(client)
    (handin_id,) = re.findall(r"/teacher/handin/(\d+)\.json", as_teacher(desk).text)
    download = desk.get(f"/teacher/handin/{handin_id}.json")
    assert download.status_code == 200
    assert "filename*=UTF-8''%D0%9F" in download.headers["content-disposition"]
