"""Fixtures shared by the tests of the HTML front end (game/web)."""

# ---------------------------------------------------------------- the store (helper A)
import pytest


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server for the session (one per xdist worker): the URL of its
    database `petrograd`. Skips where PostgreSQL is not installed (fails under CI)."""
    from tests.web.pg import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture
def pg_database_url(postgres_url):
    """A new empty database of its own for one test, on the session's server."""
    from tests.web.pg import fresh_database

    with fresh_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """Where a fresh store is, for each backend: a SQLite file in tmp_path, or a new
    PostgreSQL database (`open_store(store_url, data_dir)` opens it)."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "web.sqlite3")
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
def store(store_url, tmp_path):
    """A fresh store of each kind (SqliteStore, PostgresStore), closed at the end."""
    from game.web.store import open_store

    opened = open_store(store_url, tmp_path)
    yield opened
    opened.close()


# ---------------------------------------------------------------- the pages (helper D)
import re  # noqa: E402
from html import unescape  # noqa: E402

#: A story of two chapters for the pages' tests: Alpha (two open choices and a closed
#: one, "The door is shut."), Alpha Two, then chapter two's Gamma (two choices) and the
#: ending. Each chapter has a reflection question. No viewpoints.
WEB_STORY = {
    "story.yaml": """\
        format: 1
        story:
          id: web-story
          title: Web Test
          version: 1.0.0
          start: a
        variables:
          n:
            type: int
            initial: 1
            min: 0
            max: 5
            label: Number
        """,
    "one.yaml": """\
        chapter:
          id: one
          number: 1
          title: One
          reflection: [What did the soviet want?]
        scenes:
          - id: a
            title: Alpha
            date: 1917-10-25
            time: "21:00"
            place: Here
            sources: [eve-1]
            text: |
              Text of [[Smolny]].
            choices:
              - id: left
                label: Go left
                goto: a2
                sources: [eve-1]
                history: faithful
                note: Left happened.
                effects: [n += 1]
              - id: right
                label: Go right
                goto: a2
                sources: [eve-2]
                history: divergent
                note: Right did not happen.
              - id: locked
                label: Locked door
                goto: a2
                if: n >= 4
                disabled: The door is shut.
                sources: [eve-2]
                history: divergent
                note: It did not happen.
          - id: a2
            title: Alpha Two
            date: 1917-10-25
            time: "22:00"
            place: Here
            sources: [eve-1]
            text: On.
            choices:
              - id: on
                label: Walk on
                goto: c
                sources: [eve-1]
                history: faithful
                note: Walking on happened.
        """,
    "two.yaml": """\
        chapter:
          id: two
          number: 2
          title: Two
          reflection: [What did the garrison do?]
        scenes:
          - id: c
            title: Gamma
            date: 1917-10-26
            time: night
            place: There
            sources: [eve-2]
            text: Later{n >= 2?, after the left}.
            choices:
              - id: stay
                label: Stay
                goto: end
                sources: [eve-2]
                history: faithful
                note: Staying happened.
              - id: leave
                label: Leave
                goto: end
                sources: [eve-2]
                history: divergent
                note: Leaving did not happen.
          - id: end
            title: The End
            date: 1917-10-26
            time: night
            place: There
            sources: [eve-2]
            text: The end.
            ending:
              id: done
              title: Done
              kind: historical
              epilogue: That is all.
        """,
}


@pytest.fixture
def web_story(make_story):
    """WEB_STORY loaded (see above)."""
    from game.engine import load_story
    from game.paths import assets_dir

    return load_story([make_story(WEB_STORY, base=False)], assets=assets_dir())


@pytest.fixture
def web_assignment(tmp_path):
    """Make an Assignment from YAML text for a story: web_assignment(story, text)."""
    import textwrap

    from game.classroom.assignment import load_assignment

    count = [0]

    def make(story, text: str):
        count[0] += 1
        path = tmp_path / f"assignment-{count[0]}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_assignment(path, story)

    return make


@pytest.fixture
def web_client(tmp_path):
    """A TestClient over the HTML app with a fresh SQLite store in tmp_path:
    web_client(story, assignment=None, base_url=..., **more WebConfig fields).
    The client has `.web` (the app's WebGame) and `.store`; `other_device(client)` is a
    second browser (no cookies) on the same app."""
    from starlette.testclient import TestClient

    from game.web.app import WebConfig, build_app
    from game.web.store import open_store

    opened = []

    def make(story, assignment=None, *, base_url: str = "http://testserver", **config):
        store = open_store(None, tmp_path / f"web-{len(opened)}")
        opened.append(store)
        app = build_app(WebConfig(story, store, assignment, **config))
        client = TestClient(app, base_url=base_url)
        client.web = app.state.web
        client.store = store
        return client

    yield make
    for store in opened:
        store.close()


def other_device(client, **kwargs):
    """Another browser on the same app: no cookies."""
    from starlette.testclient import TestClient

    other = TestClient(client.app, **kwargs)
    other.web = client.web
    other.store = client.store
    return other


def csrf_of(html: str) -> str:
    """The page's CSRF token (every form of a page carries the same one)."""
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found, "the page has no form with a csrf token"
    return unescape(found.group(1))


def choices_of(html: str) -> list[str]:
    """The ids of the choices the page offers as buttons (open choices only)."""
    return [
        unescape(v)
        for v in re.findall(r'<button type="submit" name="choice" value="([^"]*)"', html)
    ]


def closed_of(html: str) -> list[tuple[str, str]]:
    """The closed choices the page shows: (label, reason)."""
    return [
        (unescape(label), unescape(reason))
        for label, reason in re.findall(
            r'<li class="closed">.*?<span class="label">(.*?)</span> <span class="reason">\((.*?)\)</span>',
            html,
        )
    ]


def messages_of(html: str) -> list[str]:
    """The error and notice lines the page shows (role alert/status), unescaped."""
    return [unescape(m) for m in re.findall(r'role="(?:alert|status)">([^<]*)<', html)]


def code_of(html: str) -> str:
    """The personal code the page shows (the code page, or Saves)."""
    found = re.search(r'class="code">([^<]+)<', html)
    assert found, "the page shows no code"
    return unescape(found.group(1))


def post(client, path: str, page_html: str | None = None, **data):
    """POST a form with the token of `page_html` (or of a fresh GET of /)."""
    token = csrf_of(page_html if page_html is not None else client.get("/").text)
    return client.post(path, data={"csrf": token, **data})


def as_teacher(client):
    """Sign the client in as the teacher; returns the teacher's page."""
    page = client.get("/teacher")
    answer = client.post(
        "/teacher", data={"csrf": csrf_of(page.text), "code": client.web.teacher_code}
    )
    assert answer.status_code == 200 and "Who is playing" in answer.text, answer.text
    return answer
