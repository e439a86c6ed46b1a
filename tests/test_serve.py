"""The game served to a real browser: headless Chromium opens the page, plays a choice, and the
next scene appears (the screen changes, and the tab's own game has taken the step)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "game",
            "serve",
            "--port",
            str(port),
            "--records",
            str(tmp_path / "records"),
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(
            "petrograd serve did not start: " + (process.stdout.read() if process.stdout else "")
        )
    yield url, data
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def tab_saves(data: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in data.glob("web/tab-*/saves/auto.json")]


def test_a_browser_plays_a_choice(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, data = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(url, wait_until="domcontentloaded")
            start = page.locator("#start")
            if start.is_visible():
                start.click()
            page.wait_for_selector(
                ".textual-terminal canvas, .textual-terminal .xterm", timeout=30_000
            )
            page.wait_for_timeout(3000)  # the app starts in its own process and paints the title
            page.focus("textarea.xterm-helper-textarea")  # keys go to the terminal
            title = page.screenshot()
            page.keyboard.press("Enter")  # New game has the focus
            first = title
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and first == title:
                page.wait_for_timeout(300)
                first = page.screenshot()
            assert first != title, "the first scene did not appear"
            page.wait_for_timeout(500)
            first = page.screenshot()
            page.keyboard.press("1")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                s["record"]["steps"] for s in tab_saves(data)
            ):
                page.wait_for_timeout(200)
            page.wait_for_timeout(500)
            second = page.screenshot()
            (tmp_path / "after.png").write_bytes(second)
        finally:
            browser.close()
    saves = tab_saves(data)
    assert len(saves) == 1, "one tab, one game"
    steps = saves[0]["record"]["steps"]
    assert len(steps) == 1 and steps[0]["scene"] == "c1-smolny"
    assert saves[0]["summary"]["scene"] != "c1-smolny"
    assert second != first, "the next scene did not appear"


def test_serve_listens_only_on_this_machine_by_default():
    """Without --host the game is not on the network (there is no password)."""
    from game.cli import _parser

    assert _parser().parse_args(["serve"]).host == "127.0.0.1"
