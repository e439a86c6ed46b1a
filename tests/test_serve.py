"""`petrograd serve`, really running on a free port of 127.0.0.1: a real browser plays a choice;
websockets from aiohttp's client check the limits (terminal sizes clamped, bad messages
ignored, a cap on games with a clear "full" page) and that what a tab leaves is cleared (its
game process and its folder, when the tab closes, when its game is killed, when the server
stops or is killed, and stale folders at the next start).

No test waits a fixed time: each polls for what it expects, with a generous deadline."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from game.webserve import MAX_MESSAGE_BYTES, full_message, terminal_size
from game.webtab import MAX_HEIGHT, MAX_WIDTH, OWNER_LOCK
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Headless Chromium on a machine with no network: without the background-networking
#: flags, its own connections are refused, many at a time.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEADLINE = 30  # seconds: generous, for a loaded machine; a passing test takes far less
#: A cursor move, `ESC [ row ; column H`: the rows and columns a game draws on show its size.
MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
#: A game's memory far above what the clamped size needs (a game is about 50 MiB).
MEMORY_BOUND_MIB = 400

pytestmark = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="reads /proc (Linux)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


async def until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


def games(data: Path) -> list[int]:
    """The running game processes of the server whose --data-dir is `data`."""
    marker = str(data).encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            parts = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--web" in parts and marker in parts:
            found.append(int(pid))
    return found


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tab_folders(data: Path) -> list[Path]:
    return sorted(data.glob("web/tab-*"))


@dataclass
class Served:
    url: str
    data: Path
    process: subprocess.Popen[bytes]
    log: Path

    def ws(self, query: str = "") -> str:
        return self.url + "ws" + (f"?{query}" if query else "")

    def stop(self) -> str:
        """Stop the server (SIGTERM); what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text(errors="replace")


@pytest.fixture
def serve(tmp_path):
    """Start `petrograd serve` with some options; every server and game is ended after."""
    started: list[Served] = []
    data = tmp_path.resolve() / "data"

    def start(*options: str) -> Served:
        port = free_port()
        log = tmp_path / f"serve-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "game", "serve", "--terminal", "--port", str(port)]
                + ["--records", str(tmp_path / "records"), "--data-dir", str(data), *options],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        served = Served(f"http://127.0.0.1:{port}/", data, process, log)
        started.append(served)
        wait_for(
            lambda: process.poll() is not None or status_of(served.url) is not None,
            "petrograd serve to answer",
        )
        assert process.poll() is None, "petrograd serve did not start:\n" + log.read_text()
        return served

    yield start
    for served in started:
        served.stop()
    for pid in games(data):  # a test that failed may leave one
        os.kill(pid, signal.SIGKILL)


def moves(screen: bytes) -> list[tuple[int, int]]:
    return [(int(row), int(column)) for row, column in MOVE.findall(screen)]


def bottom_row(screen: bytes) -> int:
    return max((row for row, _ in moves(screen)), default=0)


def painted(rows: int) -> Callable[[bytes], bool]:
    """Whether a game has drawn its screen down to row `rows`."""
    return lambda screen: bottom_row(screen) >= rows


async def read_until(
    ws: aiohttp.ClientWebSocketResponse,
    done: Callable[[bytes], bool],
    what: str,
    *,
    check: Callable[[], None] = lambda: None,
) -> bytes:
    """What the websocket's terminal receives, until `done` says it is enough."""
    screen = b""
    try:
        async with asyncio.timeout(DEADLINE):
            while not done(screen):
                message = await ws.receive()
                check()
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen += message.data
                elif message.type != aiohttp.WSMsgType.TEXT:
                    pytest.fail(f"the connection closed before {what}: {screen[-400:]!r}")
    except TimeoutError:
        pytest.fail(f"gave up waiting for {what}: {screen[-400:]!r}")
    return screen


async def closed(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    """Read until the server closes the websocket; its closing message."""
    async with asyncio.timeout(DEADLINE):
        while True:
            message = await ws.receive()
            if message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            ):
                return message


# ---------------------------------------------------------------- a real browser


def tab_saves(data: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in data.glob("web/tab-*/saves/auto.json")]


def _until_sent(page, received: bytearray, text: bytes, what: str) -> None:
    """Poll (up to DEADLINE) until the game has sent `text` to the page's terminal."""
    deadline = time.monotonic() + DEADLINE
    while text not in received:
        assert time.monotonic() < deadline, (
            f"gave up waiting for {what}: {bytes(received[-400:])!r}"
        )
        page.wait_for_timeout(100)


def _settled(page) -> bytes:
    """The page's picture once two in a row are the same (up to 20 s)."""
    before, now = b"", page.screenshot()
    deadline = time.monotonic() + 20
    while now != before and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        before, now = now, page.screenshot()
    return now


def _next_screen(page, before: bytes) -> bytes:
    """The page's picture once it differs from `before` (up to 20 s), then settled; `before`
    itself if it never changed."""
    now = before
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and now == before:
        page.wait_for_timeout(300)
        now = page.screenshot()
    if now == before:
        return before
    page.wait_for_timeout(500)
    return page.screenshot()


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_a_browser_plays_a_choice(serve, tmp_path):
    from playwright.sync_api import sync_playwright

    served = serve()
    url, data = served.url, served.data
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=BROWSER_ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            received = bytearray()  # what the page's terminal is sent, as the game drew it
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda payload: received.extend(
                        payload if isinstance(payload, bytes) else payload.encode()
                    ),
                ),
            )
            page.goto(url, wait_until="domcontentloaded")
            start = page.locator("#start")
            if start.is_visible():
                start.click()
            page.wait_for_selector(
                ".textual-terminal canvas, .textual-terminal .xterm", timeout=30_000
            )
            # The app starts in its own process: wait (no fixed time) until it has drawn the
            # title, and the page has painted it.
            _until_sent(page, received, b"New game", "the title screen")
            page.focus("textarea.xterm-helper-textarea")  # keys go to the terminal
            title = _settled(page)
            page.keyboard.press("Enter")  # New game has the focus
            picker = _next_screen(page, title)
            assert picker != title, "whom to play was not asked"
            page.keyboard.press("Enter")  # the first viewpoint, the messenger, has the focus
            first = _next_screen(page, picker)
            assert first != picker, "the first scene did not appear"
            page.keyboard.press("1")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                s["record"]["steps"] for s in tab_saves(data)
            ):
                page.wait_for_timeout(200)
            page.wait_for_timeout(500)
            second = page.screenshot()
            (tmp_path / "after.png").write_bytes(second)
            saves = tab_saves(data)  # while the tab is open: its folder goes when it closes
        finally:
            browser.close()
    assert len(saves) == 1, "one tab, one game"
    steps = saves[0]["record"]["steps"]
    assert len(steps) == 1 and steps[0]["scene"] == "c1-smolny"
    assert saves[0]["summary"]["scene"] != "c1-smolny"
    assert second != first, "the next scene did not appear"


def test_serve_listens_only_on_this_machine_by_default():
    """Without --host the game is not on the network (there is no password)."""
    from game.cli import _parser

    assert _parser().parse_args(["serve"]).host == "127.0.0.1"


# ---------------------------------------------------------------- terminal sizes and messages


def test_terminal_sizes_are_clamped_and_non_numbers_refused():
    assert terminal_size(20_000, 20_000) == (500, 200)
    assert terminal_size("20000", "20000") == (500, 200)  # the query string's text
    assert terminal_size("9" * 5000, 30) == (500, 30) or terminal_size("9" * 5000, 30) is None
    assert terminal_size(0, -7) == (10, 5)
    assert terminal_size(120.7, 40.2) == (120, 40)
    assert terminal_size(80, 24) == (80, 24)
    for bad in ("wide", "", "1e9", None, True, [80], {"w": 80}, float("inf"), float("nan")):
        assert terminal_size(bad, 24) is None, bad
        assert terminal_size(80, bad) is None, bad


async def test_a_huge_terminal_is_clamped_for_the_game(serve):
    """20,000 x 20,000, asked at connection or in a resize: the game draws 500 x 200 and no
    more, and its memory stays bounded (unclamped, it passed 2 GiB in 15 s)."""
    served = serve()

    def bounded() -> None:
        for pid in games(served.data):
            assert rss_mib(pid) < MEMORY_BOUND_MIB, "a game's memory is not bounded"

    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(served.ws("width=20000&height=20000")) as ws:
            screen = await read_until(ws, painted(MAX_HEIGHT), "200 rows", check=bounded)
            assert bottom_row(screen) == MAX_HEIGHT
            assert max(column for _, column in moves(screen)) <= MAX_WIDTH

        async with http.ws_connect(served.ws("width=40&height=12")) as ws:
            small = await read_until(ws, painted(12), "12 rows")
            assert bottom_row(small) == 12
            await ws.send_json(["resize", {"width": 20_000, "height": 20_000}])
            await ws.send_json(["resize", {"width": 1e300, "height": 20_000.5}])
            screen = await read_until(
                ws, painted(MAX_HEIGHT), "200 rows after the resize", check=bounded
            )
            assert bottom_row(screen) == MAX_HEIGHT
            assert max(column for _, column in moves(screen)) <= MAX_WIDTH
        assert status_of(served.url) == 200, "the server is still serving"
    assert "Traceback" not in served.stop()


async def test_bad_messages_are_ignored_and_the_server_lives(serve):
    """Not JSON, too deep, the wrong shape, sizes that are not numbers, keys that are not
    text: ignored, the connection goes on; a message over the size limit ends that
    connection (and its game) only. Nothing prints a traceback."""
    served = serve()
    junk = [
        "not json",
        "{}",
        "[]",
        "[1, 2]",
        '"stdin"',
        "[" * 20_000,
        '["stdin", 5]',
        '["stdin", "\\ud800"]',
        '["resize", "big"]',
        '["resize", {"width": "wide", "height": 10}]',
        '["resize", {"width": true, "height": 10}]',
        '["resize", {}]',
        '["something else", 1]',
    ]
    async with aiohttp.ClientSession() as http:
        async with http.get(served.url + "ws") as response:  # not a websocket
            assert response.status == 400
            assert "open / in a browser" in await response.text()

        async with http.ws_connect(served.ws("width=abc&height=-5")) as ws:
            screen = await read_until(ws, painted(24), "the default 24 rows")
            assert bottom_row(screen) == 24  # a size that is not numbers: 80 x 24
            for text in junk:
                await ws.send_str(text)
            await ws.send_bytes(b"\x00\xff binary")
            await ws.send_json(["ping", "still there"])
            async with asyncio.timeout(DEADLINE):
                while (message := await ws.receive()).type != aiohttp.WSMsgType.TEXT:
                    assert message.type == aiohttp.WSMsgType.BINARY, message
            assert message.json() == ["pong", "still there"]

            await ws.send_str("x" * (MAX_MESSAGE_BYTES + 1))
            await closed(ws)
            assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
        await until(lambda: not games(served.data), "the game of the closed connection to end")

        async with http.ws_connect(served.ws()) as ws:  # the server still gives games
            await read_until(ws, painted(24), "a new game")
    output = served.stop()
    assert "Traceback" not in output
    assert "ignored a message from a browser" in output


# ---------------------------------------------------------------- the cap on games


async def test_over_the_cap_the_page_says_the_game_is_full(serve):
    """With --max-games 2 and two games open, the page is a 503 "full" notice and a third
    websocket gets the notice instead of a game; once a game ends, its place is free."""
    served = serve("--max-games", "2")
    full = full_message(2)
    assert full == (
        "The game is full: 2 games are being played on this machine. "
        "Try again when someone finishes, or ask your teacher."
    )
    async with aiohttp.ClientSession() as http:
        first = await http.ws_connect(served.ws())
        second = await http.ws_connect(served.ws())
        for ws in (first, second):
            await read_until(ws, painted(24), "a game")

        async with http.get(served.url) as page:
            assert page.status == 503
            assert full in await page.text()

        async with http.ws_connect(served.ws()) as third:
            notice = await read_until(third, lambda got: full.encode() in got, "the notice")
            assert bottom_row(notice) < 24, "no game was drawn"
            assert len(games(served.data)) == 2

        await first.close()

        async def free() -> bool:
            async with http.get(served.url) as page:
                return page.status == 200

        deadline = time.monotonic() + DEADLINE
        while not await free():
            assert time.monotonic() < deadline, "the closed game's place was not freed"
            await asyncio.sleep(0.05)
        async with http.ws_connect(served.ws()) as fourth:
            await read_until(fourth, painted(24), "a game in the freed place")
            assert len(games(served.data)) == 2
        await second.close()
    assert "Traceback" not in served.stop()


def test_max_games_must_be_a_positive_number(capsys):
    from game.cli import _parser

    assert _parser().parse_args(["serve"]).max_games == 40
    assert _parser().parse_args(["serve", "--max-games", "3"]).max_games == 3
    for bad in ("0", "-1", "many"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["serve", "--max-games", bad])
        assert "is not a number of games (1 or more)" in capsys.readouterr().err


# ---------------------------------------------------------------- what a tab leaves


async def test_a_tabs_folder_is_removed_when_its_websocket_closes(serve):
    served = serve()
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(served.ws()) as ws:
            await read_until(ws, painted(24), "a game")
            folders = tab_folders(served.data)
            assert len(folders) == 1 and (folders[0] / OWNER_LOCK).is_file()
            assert len(games(served.data)) == 1
    await until(
        lambda: not tab_folders(served.data) and not games(served.data),
        "the closed tab's game and folder to go",
    )


async def test_a_killed_game_frees_its_place_and_its_folder(serve):
    """A game killed outright (SIGKILL: it cannot clean up): its tab's connection closes,
    its place frees, and the server removes its folder."""
    served = serve("--max-games", "1")
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(served.ws()) as ws:
            await read_until(ws, painted(24), "a game")
            [pid] = games(served.data)
            assert len(tab_folders(served.data)) == 1
            os.kill(pid, signal.SIGKILL)
            await closed(ws)
        await until(lambda: not tab_folders(served.data), "the killed game's folder to go")
        wait_for(lambda: status_of(served.url) == 200, "the killed game's place to free")


async def test_stopping_the_server_ends_its_games_and_removes_their_folders(serve):
    served = serve()
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(served.ws()) as ws:
            await read_until(ws, painted(24), "a game")
            served.process.send_signal(signal.SIGTERM)
            message = await closed(ws)
            assert message.data == aiohttp.WSCloseCode.GOING_AWAY
    await until(lambda: served.process.poll() is not None, "the server to stop")
    assert served.process.returncode == 0
    assert not games(served.data) and not tab_folders(served.data)
    assert "Traceback" not in served.log.read_text()


@pytest.mark.parametrize("options", [(), ("--assignment", "examples/assignment.yaml")])
async def test_the_games_of_a_killed_server_end_and_remove_their_folders(serve, options):
    """SIGKILL to the server: it can do nothing, so each game notices it is gone and ends
    itself normally, removing its folder (with an assignment, it has none, but it ends)."""
    served = serve(*(str(ROOT / o) if o.endswith(".yaml") else o for o in options))
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(served.ws()) as ws:
            await read_until(ws, painted(24), "a game")
            served.process.kill()
            await closed(ws)
    await until(
        lambda: not games(served.data) and not tab_folders(served.data),
        "the orphaned game to end and remove its folder",
    )


def test_stale_tab_folders_are_removed_at_start_and_live_ones_kept(serve, tmp_path):
    """At start the server removes the folders of games that ended without cleaning up
    (their lock is free); a folder whose game runs (its lock is held, maybe by another
    server's game) and a `tab-*` folder that is not a game's are kept."""
    web = tmp_path.resolve() / "data" / "web"
    stale, live, foreign = web / "tab-stale", web / "tab-live", web / "tab-foreign"
    for folder in (stale, live, foreign):
        (folder / "saves").mkdir(parents=True)
        (folder / "saves" / "auto.json").write_text("{}")
    (stale / OWNER_LOCK).touch()
    (live / OWNER_LOCK).touch()
    with open(live / OWNER_LOCK, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        serve()  # it answers once its start (and so the sweep) is done
        assert not stale.exists()
        assert live.is_dir() and foreign.is_dir()
