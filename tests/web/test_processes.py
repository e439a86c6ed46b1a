"""The web pages served by real processes: several sharing one PostgreSQL, and a server
killed in the middle of a choice.

Each server is `python -m game serve` on a free loopback port; a student is a cookie
jar (urllib), so what the tests do is what a browser with scripts off does: post a
form, follow the redirect, read the page.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from game.web.app import HOLD_VARIABLE
from tests.conftest import ROOT

ASSIGNMENT = ROOT / "examples" / "assignment.yaml"
#: The longest a server may take to answer its first request (a safety net for a hung
#: start, never a measure of speed).
START_DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `petrograd serve` process."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "game", "serve", "--port", str(self.port), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, **(env or {})},
            )
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"petrograd serve did not start:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"petrograd serve did not answer:\n{self.log.read_text()}")
            time.sleep(0.05)  # polling for the server to listen, not waiting for a result

    @property
    def teacher_code(self) -> str:
        found = re.search(r"code: (\S+)", self.log.read_text())
        assert found, self.log.read_text()
        return found.group(1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def serving(folder: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = Server(folder, *args, env=env)
    try:
        yield server
    finally:
        server.stop()


class Student:
    """A browser with scripts off: one cookie jar, whichever server it talks to."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.page = ""

    def get(self, base: str, path: str) -> str:
        with self.opener.open(base + path, timeout=30) as answer:
            self.page = answer.read().decode()
        return self.page

    def post(self, base: str, path: str, **fields: str) -> str:
        data = urllib.parse.urlencode({"csrf": self.csrf, **fields}).encode()
        with self.opener.open(base + path, data=data, timeout=30) as answer:
            self.page = answer.read().decode()
        return self.page

    @property
    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.page)
        assert found, self.page
        return found.group(1)

    def choices(self) -> list[str]:
        return re.findall(r'name="choice" value="([^"]+)"', self.page)

    def title(self) -> str:
        found = re.search(r'<h1 id="scene-title">([^<]+)</h1>', self.page)
        return unescape(found.group(1)) if found else ""

    def step(self, base: str) -> None:
        """Do what the page asks next: answer its questions, or take its first choice
        (saying why where asked)."""
        questions = re.findall(r'name="(answer-\d+)"', self.page)
        if questions:
            self.post(
                base,
                "/answer",
                **{name: "The Soviet held the garrison, so it could wait for the Congress." for name in questions},
            )
            return
        fields = {"choice": self.choices()[0]}
        if 'name="why"' in self.page:
            fields["why"] = "Because the Committee asked it of me."
        self.post(base, "/choose", **fields)


def _main(page: str) -> str:
    """The page's main part, without its forms' tokens (each browser has its own)."""
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r'name="csrf" value="[^"]+"', "", main)


def _ended(page: str) -> bool:
    return 'id="ending-h"' in page


def test_two_processes_share_one_postgresql_and_one_class(pg_database_url, tmp_path):
    """A student's steps land on either of two processes by turns, as behind a proxy; the
    hand-in made on one is verified from the database."""
    args = ("--db", pg_database_url, "--assignment", str(ASSIGNMENT), "--data-dir", str(tmp_path))
    with serving(tmp_path, *args) as first, serving(tmp_path, *args) as second:
        assert first.teacher_code == second.teacher_code  # one class, one code
        bases = [first.url, second.url]
        ada = Student()
        ada.get(bases[0], "/")
        ada.post(bases[1], "/start", name="Ada Lovelace")
        code = re.search(r'class="code">([^<]+)<', ada.page)
        assert code, ada.page
        ada.post(bases[0], "/new")
        turns = 0
        while not _ended(ada.page):
            turns += 1
            assert turns < 200, "the game did not end"
            before = ada.title()
            ada.step(bases[turns % 2])
            assert ada.title() != before or re.search(r'name="answer-\d', ada.page) or _ended(ada.page)
        while re.search(r'name="answer-\d', ada.page):
            ada.step(bases[0])
        assert "Your record was handed in" in ada.page
        # The same game from the other process, and on another device with the code.
        assert ada.get(bases[1], "/play").count('id="ending-h"') == 1
        phone = Student()
        phone.get(bases[1], "/")
        phone.post(bases[0], "/resume", name="Ada Lovelace", code=code.group(1))
        assert _main(phone.get(bases[1], "/play")) == _main(ada.get(bases[0], "/play"))
        # The teacher sees her on either process.
        teacher = Student()
        teacher.get(bases[1], "/teacher")
        teacher.post(bases[1], "/teacher", code=first.teacher_code)
        assert "Ada Lovelace" in teacher.get(bases[0], "/teacher")
    out = tmp_path / "report"
    made = subprocess.run(
        [sys.executable, "-m", "game", "report", "--db", pg_database_url, "-o", str(out),
         "--assignment", str(ASSIGNMENT)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    rows = (out / "report.csv").read_text(encoding="utf-8")
    assert "Ada Lovelace" in rows and "verified" in rows.lower()


def _steps(database: Path) -> list[int]:
    """The number of steps in every autosave in the database (read without the game)."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        saves = db.execute("SELECT data FROM saves WHERE slot = 'auto'").fetchall()
    return [len(json.loads(text)["record"]["steps"]) for (text,) in saves]


def test_a_server_killed_in_the_middle_of_a_choice_loses_only_that_choice(tmp_path):
    """SIGKILL in a loop: each time, a choice has written its autosave inside its
    transaction and is held there (HOLD_VARIABLE) when the server is killed. The next
    server has the game as it was before that choice, whole, and plays on."""
    data = tmp_path / "data"
    database = data / "web.sqlite3"
    args = ("--data-dir", str(data))
    student = Student()
    with serving(tmp_path, *args) as server:
        student.get(server.url, "/")
        student.post(server.url, "/new")
        student.step(server.url)
    made = 1
    for round_ in range(4):
        marker = tmp_path / f"held-{round_}"
        with serving(tmp_path, *args, env={HOLD_VARIABLE: str(marker)}) as server:
            student.get(server.url, "/play")
            choice = student.choices()[0]
            lost: list[BaseException] = []

            def post_and_lose(
                url: str = server.url, choice: str = choice, lost: list[BaseException] = lost
            ) -> None:
                try:
                    student.post(url, "/choose", choice=choice)
                except (urllib.error.URLError, ConnectionError, OSError) as exc:
                    lost.append(exc)

            poster = threading.Thread(target=post_and_lose)
            poster.start()
            deadline = time.monotonic() + START_DEADLINE
            while not marker.exists():  # the choice is inside its transaction, not committed
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.01)
            server.kill()
            poster.join(timeout=30)
            assert lost, "the held choice answered: it was not killed in the middle"
        assert _steps(database) == [made]
        with serving(tmp_path, *args) as server:
            page = student.get(server.url, "/play")
            assert 'id="scene-title"' in page and "could not be read" not in page
            if _ended(page):
                break
            student.step(server.url)  # the game goes on from where it was
            made += 1
        assert _steps(database) == [made]
