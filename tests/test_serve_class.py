"""Serving a class (issue #17): the page built for the address the browser used, loading
nothing from the internet and taking keys at once; the join card; the status files the
games write (game/webstatus.py); the teacher's live page with its code.

The browser tests run Debian's Chromium headless against a real `petrograd serve`, from a
second loopback address (127.0.0.2) that the server never printed. No test waits a fixed
time: each polls for what it expects, with a deadline (tests/test_serve.py's helpers)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from markupsafe import escape  # as the pages escape (jinja)

from game.commands.serve import JoinCard, join_card, lan_address, print_join_card
from game.webserve import checked_host, checked_public_url, class_row
from game.webstatus import (
    MAX_STATUS_BYTES,
    STATUS_FILE_VARIABLE,
    TabStatus,
    now_iso,
    read_status,
    status_path_from_env,
    write_status,
)
from tests import test_serve
from tests.conftest import ROOT
from tests.test_serve import CHROMIUM, DEADLINE, games, painted, read_until, until

serve = test_serve.serve  # the fixture: `petrograd serve`, really running

BROWSER_ARGS = [
    *test_serve.BROWSER_ARGS,
    # Any name the page might ask for (a font's host, say) goes nowhere: only the
    # server's address, which is no name, is reached.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def status(**changes: object) -> TabStatus:
    base = {
        "student": None,
        "assignment": None,
        "viewpoint": "The messenger",
        "chapter": "Ch. 3: A Fortress in the River",
        "scene": "The bridge",
        "step": 4,
        "started_at": now_iso(),
        "handed_in_at": None,
        "finished": False,
        "updated_at": now_iso(),
    }
    return TabStatus(**(base | changes))  # type: ignore[arg-type]


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def shown_text(screen: bytes) -> str:
    return ESCAPES.sub(b"", screen).decode("utf-8", "replace")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


def teacher_code(log: str) -> str:
    match = re.search(r"code: (\S+)", log)
    assert match, log
    return match[1]


# ---------------------------------------------------------------- the status file


def test_a_status_is_written_whole_and_read_back(tmp_path):
    path = tmp_path / "1.json"
    first = status(student="Anna", step=1)
    write_status(path, first)
    assert read_status(path) == first
    second = status(student="Anna", step=2, finished=True, handed_in_at=now_iso())
    write_status(path, second)
    assert read_status(path) == second
    assert [p.name for p in tmp_path.iterdir()] == ["1.json"], "no temporary file is left"


def test_writing_a_status_never_raises(tmp_path):
    write_status(tmp_path / "gone" / "1.json", status())  # the server's folder was removed
    (tmp_path / "file").write_text("")
    write_status(tmp_path / "file" / "1.json", status())  # its folder is a file
    write_status(tmp_path / "1.json", status(step=object()))  # type: ignore[arg-type]
    assert not (tmp_path / "1.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize(
    "change",
    [
        {"student": 5},
        {"chapter": ["Ch. 1"]},
        {"step": "3"},
        {"step": True},
        {"step": -1},
        {"step": 2.5},
        {"finished": "yes"},
        {"finished": 1},
        {"started_at": "yesterday"},
        {"handed_in_at": 12},
        {"updated_at": None},
        {"updated_at": "2026-12-01T10:00:00" + "0" * 100},
    ],
)
def test_a_status_field_of_the_wrong_type_is_no_status(tmp_path, change):
    path = tmp_path / "1.json"
    good = json.loads(json.dumps(status().__dict__))
    path.write_text(json.dumps(good))
    assert read_status(path) is not None
    path.write_text(json.dumps(good | change))
    assert read_status(path) is None


def test_a_file_that_is_not_a_status_is_none(tmp_path):
    path = tmp_path / "1.json"
    good = dict(status().__dict__)
    assert read_status(tmp_path / "missing.json") is None
    assert read_status(tmp_path) is None  # a folder
    for text in ["", "not json", "[]", '"text"', "[" * 50_000, json.dumps({"step": 1})]:
        path.write_text(text)
        assert read_status(path) is None, text[:40]
    del good["scene"]
    path.write_text(json.dumps(good))
    assert read_status(path) is None, "a field missing"
    big = dict(status().__dict__, student="x" * MAX_STATUS_BYTES)
    path.write_text(json.dumps(big))
    assert read_status(path) is None, "too large"
    path.write_bytes(b"\xff\xfe{}")
    assert read_status(path) is None, "not UTF-8"


def test_the_status_file_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(STATUS_FILE_VARIABLE, raising=False)
    assert status_path_from_env() is None
    monkeypatch.setenv(STATUS_FILE_VARIABLE, "")
    assert status_path_from_env() is None
    monkeypatch.setenv(STATUS_FILE_VARIABLE, str(tmp_path / "3.json"))
    assert status_path_from_env() == tmp_path / "3.json"


def test_the_status_module_imports_only_the_standard_library():
    import subprocess
    import sys

    code = (
        "import sys, game.webstatus;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'aiohttp', 'yaml')];"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- addresses and the join card


def test_a_host_header_is_used_only_when_it_is_a_host():
    for good in ["127.0.0.2:8000", "localhost", "class.example", "[::1]:8000", "a-b.example:1"]:
        assert checked_host(good) == good
    for bad in [
        None,
        "",
        '"><script>alert(1)</script>',
        "x y",
        "host:0",
        "host:99999",
        "host:8000:9",
        "[::g]",
        "[::1",
        "-bad.example",
        "a" * 300,
        "user@host",
        "host/path",
        "host\r\nSet-Cookie: x=1",
    ]:
        assert checked_host(bad) is None, bad


def test_a_public_url_must_be_an_address():
    assert checked_public_url("https://school.example/petrograd/") == (
        "https://school.example/petrograd"
    )
    assert checked_public_url("http://192.168.1.20:8000") == "http://192.168.1.20:8000"
    for bad in [
        "school.example",
        "ftp://x",
        "http://",
        "http://a b",
        'http://x/"><b>',
        "http://x/?q",
    ]:
        with pytest.raises(ValueError):
            checked_public_url(bad)


def test_the_join_card_names_the_machines_address_and_its_qr_code():
    card = join_card("0.0.0.0", 8000, None, lan=lambda: "192.168.1.23")
    assert card == JoinCard("http://192.168.1.23:8000", False, "http://192.168.1.23:8000")
    out = io.StringIO()
    print_join_card(card, 8000, "kq7m-x4tp", out, qr=True)
    text = out.getvalue()
    assert "Students open:\n\n    http://192.168.1.23:8000\n" in text
    assert "The teacher's page: http://192.168.1.23:8000/teacher\n" in text
    assert "code: kq7m-x4tp" in text
    qr = [line for line in text.splitlines() if "█" in line]
    assert len(qr) > 10, "a QR code is drawn"
    assert len({len(line) for line in qr}) == 1, "its lines are of one width"
    assert text.index("code: kq7m-x4tp") < text.index("Students open"), "the card comes last"

    piped = io.StringIO()
    print_join_card(card, 8000, "kq7m-x4tp", piped, qr=False)
    assert "█" not in piped.getvalue() and "http://192.168.1.23:8000\n" in piped.getvalue()


def test_the_join_card_says_when_only_this_machine_can_play():
    card = join_card("127.0.0.1", 8000, None, lan=lambda: pytest.fail("not asked"))
    assert card.local_only and card.url == "http://127.0.0.1:8000"
    out = io.StringIO()
    print_join_card(card, 8000, "kq7m-x4tp", out, qr=True)
    assert "Only this machine can play" in out.getvalue()
    assert "--host 0.0.0.0" in out.getvalue()
    assert "█" not in out.getvalue(), "no QR code a phone could not use"


def test_the_join_card_without_a_network_or_behind_a_proxy():
    card = join_card("0.0.0.0", 8000, None, lan=lambda: None)
    assert card.url is None and card.page_url == "http://127.0.0.1:8000"
    out = io.StringIO()
    print_join_card(card, 8000, "kq7m-x4tp", out, qr=True)
    assert "address on the network was not found" in out.getvalue()
    proxy = join_card("0.0.0.0", 8000, "https://school.example/petrograd", lan=lambda: None)
    assert proxy.url == proxy.page_url == "https://school.example/petrograd"
    assert join_card("::", 8000, None, lan=lambda: "10.0.0.5").url == "http://10.0.0.5:8000"
    assert join_card("192.168.1.5", 80, None).url == "http://192.168.1.5:80"


def test_the_machines_address_is_found_or_none():
    found = lan_address()  # a UDP socket's route: nothing is sent
    if found is not None:
        import ipaddress

        assert not ipaddress.ip_address(found).is_loopback


# ---------------------------------------------------------------- the page


async def test_the_page_is_built_for_the_host_the_browser_used(serve):
    served = serve("--host", "0.0.0.0")
    port = port_of(served.url)
    printed = served.log.read_text()
    assert "Students open:" in printed or "was not found" in printed
    assert "█" not in printed, "no QR code when the output is not a terminal"
    async with aiohttp.ClientSession() as http:
        async with http.get(served.url, headers={"Host": f"127.0.0.2:{port}"}) as response:
            page = await response.text()
            policy = response.headers["Content-Security-Policy"]
        assert f'data-session-websocket-url="ws://127.0.0.2:{port}/ws"' in page
        assert f'src="http://127.0.0.2:{port}/static/js/textual.js"' in page
        assert "<title>Petrograd 1917</title>" in page
        assert f"connect-src 'self' ws://127.0.0.2:{port}" in policy
        assert "0.0.0.0" not in page
        addresses = re.findall(r'(?:href|src|url)="([^"]+)"', page)
        assert addresses and all(
            a.startswith(f"http://127.0.0.2:{port}/")
            or a.startswith(f"ws://127.0.0.2:{port}/")
            or a == "data:,"
            for a in addresses
        ), addresses

        evil = '"><script>alert(1)</script>'
        async with http.get(served.url, headers={"Host": evil}) as response:
            fallback = await response.text()
        assert "alert" not in fallback and "<script>alert" not in fallback
        assert re.search(rf'data-session-websocket-url="ws://[^"]+:{port}/ws"', fallback)
        assert "0.0.0.0" not in fallback

        for name in ("page.css", "page.js"):
            async with http.get(served.url + "web/" + name) as response:
                assert response.status == 200
                assert not re.search(r"https?://", await response.text()), name


async def test_a_public_url_is_used_whatever_the_host(serve):
    served = serve("--public-url", "https://school.example/petrograd/")
    async with aiohttp.ClientSession() as http:
        async with http.get(served.url, headers={"Host": "127.0.0.2"}) as response:
            page = await response.text()
    assert 'data-session-websocket-url="wss://school.example/petrograd/ws"' in page
    assert 'src="https://school.example/petrograd/static/js/textual.js"' in page
    assert "https://school.example/petrograd\n" in served.log.read_text()


class Sent:
    """What the page's terminal has been sent by its game, as the game drew it: a test waits
    for a screen to be drawn before it types (a key that arrives before its screen is there
    goes to the screen that was). The game draws a screen only once it is mounted, its focus
    already asked for (queued ahead of any key sent after the drawing was seen)."""

    def __init__(self, page) -> None:
        self.page = page
        self.received = bytearray()
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda payload: self.received.extend(
                    payload if isinstance(payload, bytes) else payload.encode()
                ),
            ),
        )

    def mark(self) -> int:
        return len(self.received)

    def wait_for(self, text: bytes, what: str, since: int = 0) -> None:
        """Poll until the game has drawn `text` (after `since`); the deadline only catches a
        hung game."""
        deadline = time.monotonic() + DEADLINE
        while text not in self.received[since:]:
            assert time.monotonic() < deadline, (
                f"gave up waiting for {what}: {bytes(self.received[-400:])!r}"
            )
            self.page.wait_for_timeout(100)  # polling for the drawing, not timing


def wait_until(page, condition, what: str) -> None:
    """Poll `condition` while the page runs; the deadline only catches a hung game."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        page.wait_for_timeout(100)  # polling, not timing


@needs_chromium
def test_a_browser_at_another_address_plays_with_nothing_from_the_internet(serve):
    """--host 0.0.0.0, the page opened at 127.0.0.2 (an address never printed): its assets
    and websocket are at 127.0.0.2, the game draws, the terminal has the keys with no click,
    and every request the page makes goes to this server."""
    from playwright.sync_api import sync_playwright

    served = serve("--host", "0.0.0.0")
    port = port_of(served.url)
    assert f"127.0.0.2:{port}" not in served.log.read_text()
    here = f"http://127.0.0.2:{port}/"
    requests: list[str] = []
    sockets: list[str] = []
    sent: list[str] = []
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "console", lambda m: "Content Security Policy" in m.text and refused.append(m.text)
            )

            def on_socket(ws) -> None:
                sockets.append(ws.url)
                ws.on("framesent", lambda payload: sent.append(str(payload)))

            page.on("websocket", on_socket)
            drawn = Sent(page)
            page.goto(here, wait_until="domcontentloaded")
            assert page.title() == "Petrograd 1917"
            socket_url = page.get_attribute("#terminal", "data-session-websocket-url")
            assert socket_url == f"ws://127.0.0.2:{port}/ws", "the page's websocket address"
            page.wait_for_selector("body.-first-byte", state="attached", timeout=DEADLINE * 1000)
            assert page.evaluate(
                "document.activeElement.classList.contains('xterm-helper-textarea')"
            ), "the terminal has the focus"
            drawn.wait_for(b"New game", "the title screen")
            since = drawn.mark()
            page.keyboard.press("Enter")  # no click first: New game has the game's focus
            drawn.wait_for(b"Whom do you play", "whom to play: the key to reach the game", since)
        finally:
            browser.close()
    assert any('"stdin"' in frame and "\\r" in frame for frame in sent), sent
    assert sockets and all(s.startswith(f"ws://127.0.0.2:{port}/ws?") for s in sockets), sockets
    assert f"{here}static/js/textual.js" in requests
    assert f"{here}static/fonts/RobotoMono-VariableFont_wght.ttf" in requests
    outside = [r for r in requests if not r.startswith(here) and not r.startswith("data:")]
    assert not outside, f"the page asked for {outside}"
    assert not refused, refused


# ---------------------------------------------------------------- the teacher's page


def browser_like() -> aiohttp.ClientSession:
    """A client that keeps cookies as a browser does, from an IP address too."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_the_teacher_page_wants_its_code(serve):
    served = serve()
    code = teacher_code(served.log.read_text())
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", code)
    teacher = served.url + "teacher"
    async with browser_like() as http:
        async with http.get(teacher) as response:
            assert response.status == 200
            page = await response.text()
            assert 'name="code"' in page and "Connected now" not in page
        for wrong in ["", "nope", code[:-1], code + "x"]:
            async with http.get(teacher, params={"code": wrong}) as response:
                assert response.status == 403, wrong
                assert 'name="code"' in await response.text()
            async with http.post(teacher, data={"code": wrong}) as response:
                assert response.status == 403, wrong
        assert not http.cookie_jar.filter_cookies(teacher)
        async with http.get(teacher, cookies={"petrograd_teacher": "guess"}) as response:
            assert "Connected now" not in await response.text()

        async with http.post(teacher, data={"code": code.upper()}, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/teacher"
            cookie = r.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "Path=/teacher" in cookie
            assert code not in cookie, "the cookie is not the code"
        async with http.get(teacher) as response:
            assert response.status == 200
            page = await response.text()
            assert "Connected now" in page and "No one is connected" in page
            assert re.search(r'<meta http-equiv="refresh" content="10">', page)
            assert response.headers["Cache-Control"] == "no-store"

    async with browser_like() as http:  # ?code= in the address works too
        async with http.get(teacher, params={"code": code, "every": "3"}) as response:
            assert response.status == 200 and str(response.url).endswith("/teacher?every=3")
            assert '<meta http-equiv="refresh" content="3">' in await response.text()
    assert "a wrong teacher's code was tried" in served.log.read_text()
    after_the_card = served.log.read_text().split(code, 1)[1]
    assert code not in after_the_card, "the access log hides a code given in the address"


async def test_each_game_is_told_its_status_file_and_the_folder_goes_with_the_server(
    serve, tmp_path
):
    """The server's status folder is private to it and removed when it stops; a killed
    server's (its lock free) is removed at the next start; each game has a file of its own."""
    from game.webtab import OWNER_LOCK, STATUS_PREFIX

    stale = tmp_path.resolve() / "data" / "web" / f"{STATUS_PREFIX}old"
    stale.mkdir(parents=True)
    (stale / OWNER_LOCK).touch()
    (stale / "1.json").write_text("{}")
    served = serve()
    assert not stale.exists(), "a killed server's status folder is swept at start"
    folder = status_folder(served.data)
    assert folder.stat().st_mode & 0o077 == 0, "private to this user"
    async with aiohttp.ClientSession() as http:
        for number in (1, 2):
            async with http.ws_connect(served.ws()) as ws:
                await read_until(ws, painted(24), f"game {number}")
                [pid] = games(served.data)
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                told = f"{STATUS_FILE_VARIABLE}={folder / f'{number}.json'}".encode()
                assert told in environ
                write_status(folder / f"{number}.json", status())
            await until(lambda: not games(served.data), "the game to end")
            await until(
                lambda gone=folder / f"{number}.json": not gone.exists(), "its status file to go"
            )
    served.stop()
    assert not folder.exists(), "the status folder goes with the server"


def status_folder(data: Path) -> Path:
    [folder] = data.glob("web/petrograd-status-*")
    return folder


class Frozen:
    """The games of a server, stopped (SIGSTOP) so the test alone writes their status files."""

    def __init__(self, data: Path) -> None:
        self.pids = games(data)

    def __enter__(self) -> Frozen:
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)
        return self

    def kill(self, status_file: Path) -> None:
        """End outright the game told to write `status_file`: it writes nothing more."""
        for pid in self.pids:
            told = f"{STATUS_FILE_VARIABLE}={status_file}".encode()
            if told in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                os.kill(pid, signal.SIGKILL)
                self.pids.remove(pid)
                return
        pytest.fail(f"no game writes {status_file}")

    def __exit__(self, *exc: object) -> None:
        for pid in self.pids:
            os.kill(pid, signal.SIGCONT)


@needs_chromium
async def test_the_teacher_page_in_a_browser_shows_the_class_and_reloads(serve):
    from playwright.async_api import async_playwright

    served = serve()
    code = teacher_code(served.log.read_text())
    async with browser_like() as http:
        first = await http.ws_connect(served.ws())
        await read_until(first, painted(24), "the first game")
        second = await http.ws_connect(served.ws())
        await read_until(second, painted(24), "the second game")
        folder = status_folder(served.data)
        with Frozen(served.data) as frozen:
            write_status(
                folder / "1.json",
                status(scene="<script>alert(1)</script> The bridge", started_at=ago(7.5)),
            )
            write_status(
                folder / "2.json",
                status(
                    chapter="Ch. 9: The Congress",
                    scene="The vote",
                    step=31,
                    started_at=ago(42),
                    handed_in_at=now_iso(),
                    finished=True,
                ),
            )
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
                )
                try:
                    page = await browser.new_page()
                    loads: list[str] = []
                    page.on(
                        "response",
                        lambda r: (
                            "/teacher" in r.url
                            and r.request.method == "GET"
                            and loads.append(r.url)
                        ),
                    )
                    response = await page.goto(served.url + "teacher?every=2&code=wrong")
                    assert response.status == 403
                    assert "That is not the code" in await page.inner_text("body")
                    await page.fill("#code", code)
                    await page.click("button[type=submit]")
                    await page.wait_for_selector("table")
                    text = await page.inner_text("body")
                    assert "2 connected" in text
                    rows = [await r.inner_text() for r in await page.query_selector_all("tbody tr")]
                    assert len(rows) == 2, rows
                    assert rows[0].split("\t")[:6] == [
                        "Player 1",
                        "The messenger",
                        "Ch. 3: A Fortress in the River",
                        "<script>alert(1)</script> The bridge",
                        "4",
                        "7",
                    ]
                    assert rows[1].split("\t")[0] == "Player 2"
                    assert "reached" in rows[1] and "at " in rows[1] and "42" in rows[1]
                    assert "not yet" in rows[0]
                    assert await page.evaluate("document.scripts.length") == 0
                    refresh = await page.get_attribute("meta[http-equiv=refresh]", "content")
                    assert refresh == "2"

                    # The page reloads by itself and shows what changed.
                    write_status(folder / "1.json", status(chapter="Ch. 4: Smolny", step=9))
                    before = len(loads)
                    deadline = time.monotonic() + DEADLINE
                    while "Ch. 4: Smolny" not in await page.inner_text("body"):
                        assert time.monotonic() < deadline, "the page did not reload"
                        await asyncio.sleep(0.1)
                    assert len(loads) > before, "a second load of the page was seen"
                finally:
                    await browser.close()
            frozen.kill(folder / "1.json")  # its tab's connection ends with it
        await until(lambda: not (folder / "1.json").exists(), "its status file to go")
        async with http.get(served.url + "teacher", params={"code": code}) as response:
            page_text = await response.text()
        assert "1 connected" in page_text
        gone = page_text.split("No longer connected", 1)
        assert len(gone) == 2 and "Player 2" not in gone[1]
        assert "Player 1" in gone[1] and "Ch. 4: Smolny" in gone[1], "its last status is kept"
        await first.close()
        await second.close()


async def test_the_teacher_page_names_students_of_an_assignment(serve):
    served = serve("--assignment", str(ROOT / "examples" / "assignment.yaml"))
    code = teacher_code(served.log.read_text())
    async with browser_like() as http:
        sockets = []
        for n in range(3):
            ws = await http.ws_connect(served.ws())
            await read_until(ws, painted(24), f"game {n + 1}")
            sockets.append(ws)
        folder = status_folder(served.data)
        with Frozen(served.data):
            write_status(
                folder / "1.json",
                status(student=None, started_at=None, chapter=None, scene=None, viewpoint=None),
            )
            write_status(folder / "2.json", status(student="Anna <b>K</b> & co"))
            (folder / "3.json").write_text("not a status")
            async with http.get(served.url + "teacher", params={"code": code}) as response:
                page = await response.text()
        assert "The Night of 25 October" in page
        assert "3 connected" in page
        assert "(no name)" in page and "(on the title screen)" in page
        assert "Anna &lt;b&gt;K&lt;/b&gt; &amp; co" in page and "<b>K</b>" not in page
        assert "starting…" in page, "a game whose status is not one shows as starting"
        assert "Player " not in page
        for ws in sockets:
            await ws.close()


def test_a_teachers_line_reads_well():
    now = datetime.now(UTC)
    row = class_row(3, status(started_at=ago(12.2)), named=False, now=now)
    assert (row.student, row.minutes, row.handed_in, row.ending) == (
        "Player 3",
        "12",
        "not yet",
        "",
    )
    row = class_row(3, None, named=True, now=now)
    assert (row.student, row.scene) == ("(no name)", "starting…")
    long = class_row(1, status(student="x" * 500, scene=""), named=True, now=now)
    assert len(long.student) == 80 and long.student.endswith("…") and long.scene == "—"
    naive = class_row(1, status(started_at="2026-01-01T10:00:00"), named=False, now=now)
    assert naive.minutes.isdigit()
    untimed = class_row(1, status(started_at=None), named=False, now=now)
    assert (untimed.scene, untimed.minutes) == ("The bridge", "—")
    title = class_row(1, status(started_at=None, chapter=None, scene=None), named=False, now=now)
    assert title.scene == "(on the title screen)"


async def test_a_real_game_reports_where_its_student_is(serve):
    """The game itself writes its status (end to end): after New game, the first viewpoint
    and a choice, the teacher's page shows whom the student plays, the chapter and scene
    the game has reached, and one choice made."""
    served = serve()
    code = teacher_code(served.log.read_text())
    async with browser_like() as http:
        async with http.ws_connect(served.ws()) as ws:
            await read_until(ws, painted(24), "the title screen")
            folder = status_folder(served.data)
            mine = folder / "1.json"
            await ws.send_json(["stdin", "\r"])  # New game
            await read_until(ws, lambda s: "Whom do you play" in shown_text(s), "the picker")
            await ws.send_json(["stdin", "\r"])  # the messenger
            await until(
                lambda: (s := read_status(mine)) is not None and s.scene is not None,
                "the game's first status",
            )
            first = read_status(mine)
            assert first is not None and first.step == 0 and first.viewpoint and first.chapter
            assert not first.finished and first.student is None and first.assignment is None
            await ws.send_json(["stdin", "1"])  # the first choice
            await until(lambda: (s := read_status(mine)) is not None and s.step == 1, "a choice")
            now = read_status(mine)
            assert now is not None and now.scene and now.scene != first.scene
            async with http.get(served.url + "teacher", params={"code": code}) as response:
                page = await response.text()
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    for shown in ("Player 1", now.viewpoint, now.chapter, now.scene):
        assert f"<td>{escape(shown)}</td>" in row, shown
    assert '<td class="number">1</td>' in row


@needs_chromium
def test_a_student_signs_in_with_a_code_and_the_hand_in_downloads_their_copy(serve):
    """In Chromium, with the example assignment: the student types their name, is shown
    their code, starts, and hands in with W: the record is written on the server and the
    browser downloads the student's own transcript. Each key waits for the screen it is
    for to be drawn (`Sent`), and each step for what it leads to (the code kept, the game's
    status), never a fixed time."""
    from playwright.sync_api import sync_playwright

    served = serve("--assignment", str(ROOT / "examples" / "assignment.yaml"))
    students = served.data / "assignments" / "october-night"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            sent = Sent(page)
            page.goto(served.url, wait_until="domcontentloaded")
            sent.wait_for(b"Your name", "the name screen")
            page.keyboard.type("Ada")
            page.keyboard.press("Enter")
            wait_until(page, lambda: list(students.glob("*/code.txt")), "the code to be kept")
            (code_file,) = students.glob("*/code.txt")
            sent.wait_for(b"I have written it down", "the code shown")
            since = sent.mark()
            page.keyboard.press("Enter")  # "I have written it down"
            sent.wait_for(b"Start the assignment", "the title screen", since)
            page.keyboard.press("Enter")  # Start the assignment
            mine = next(status_folder(served.data).glob("*.json"))
            wait_until(
                page,
                lambda: (now := read_status(mine)) is not None and now.scene is not None,
                "the game's first scene",
            )
            assert read_status(mine).student == "Ada"
            downloads: list = []
            # textual-serve opens the download in a new tab, which downloads and closes
            context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
            page.on("download", lambda d: downloads.append(d))
            page.keyboard.press("w")
            wait_until(page, lambda: downloads, "the download to reach the browser")
            name = downloads[0].suggested_filename
            saved = downloads[0].path()
        finally:
            browser.close()
    assert code_file.read_text().strip()
    assert name.startswith("Ada-") and name.endswith(".html")
    (record,) = (served.data.parent / "records").glob("Ada-*.json")
    assert json.loads(record.read_text())["extra"]["student"] == "Ada"
    assert saved is not None
