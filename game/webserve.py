"""The web server behind `petrograd serve`: textual-serve's `Server`, with limits.

textual-serve starts one `petrograd play --web` process per browser websocket. What
this subclass adds:

- **Terminal sizes are clamped.** The size a browser asks for, in the websocket's
  query string and in every `resize` message, is kept within `MIN_WIDTH`..`MAX_WIDTH`
  columns and `MIN_HEIGHT`..`MAX_HEIGHT` rows (a 20,000 x 20,000 terminal took a
  game to 2 GiB in 15 s). A size that is not a number is ignored.
- **Messages are checked.** A message from a browser that is not what the page
  sends (not JSON, the wrong shape, too large: over `MAX_MESSAGE_BYTES`) is ignored,
  or ends that connection; it never reaches the game nor prints a traceback.
- **Games are capped.** At most `max_games` run at once (each is a process of about
  `game.webtab.MIB_PER_GAME` MiB). Over the cap, the page is a "the game is full" notice (status
  503) and a websocket gets the same notice in its terminal, without a game. A
  game's place frees once its process has ended.
- **A tab's game is ended and its folder removed.** When a websocket closes, its game
  is asked to quit, then sent SIGTERM, then SIGKILL if it still runs; then the tab
  folders whose game has ended are removed (game/webtab.py), as at start and at
  shutdown. SIGHUP (the server's terminal closed) stops the server as SIGTERM does.
- **The page is the game's own** (game/web/templates/app_index.html): its title, nothing
  from the internet (the font is served here; a Content-Security-Policy allows only this
  server), and the terminal takes the keys without a first click. Its addresses (assets,
  websocket) are built for each request from the Host the browser used, once checked
  (`checked_host`): a server listening on 0.0.0.0 tells no browser to connect to 0.0.0.0.
  With `public_url` given, that is used instead.
- **The teacher's page** (/teacher): who is connected, where each student is and who has
  handed in, from the status file each tab's game writes (game/webstatus.py); it
  reloads itself. It asks for the teacher's code (`teacher_code`, printed at start),
  then keeps the teacher in with an HttpOnly cookie.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import math
import re
import secrets
import shlex
import signal
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from game.webstatus import STATUS_FILE_VARIABLE, TabStatus, parse_time, read_status
from game.webtab import (
    DEFAULT_MAX_GAMES,
    MAX_HEIGHT,
    MAX_WIDTH,
    MIN_HEIGHT,
    MIN_WIDTH,
    sweep_tab_folders,
)

DEFAULT_WIDTH, DEFAULT_HEIGHT = 80, 24
#: The largest message a browser may send (keys, pastes, resizes are far smaller).
MAX_MESSAGE_BYTES = 64 * 1024
#: A game asked to quit has this long to end, then as long after SIGTERM, before SIGKILL.
QUIT_SECONDS = 5.0
#: How long a browser turned away (the game is full) keeps its notice before the
#: connection closes (the page then offers to restart, which tries again).
TURNED_AWAY_SECONDS = 60.0

#: The game's page, its styles and script (game/web/).
WEB_FOLDER = Path(__file__).parent / "web"
#: The teacher's page reloads itself this often (seconds) unless ?every= says otherwise.
TEACHER_EVERY, TEACHER_EVERY_RANGE = 10, (2, 600)
TEACHER_COOKIE = "petrograd_teacher"
#: The letters of a teacher's code: none that is easily taken for another (0/o, 1/l/i).
CODE_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"
#: How many who have left the teacher's page keeps listing (the latest).
LEFT_KEPT = 500

log = logging.getLogger("petrograd.serve")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A Host header: a name or IPv4 address, or an IPv6 address in brackets; then a port.
_HOST = re.compile(
    rf"(?P<name>{_LABEL}(?:\.{_LABEL})*\.?|\[(?P<ipv6>[0-9A-Fa-f:.]+)\])(?::(?P<port>[0-9]{{1,5}}))?"
)


def checked_host(value: str | None) -> str | None:
    """The Host header a browser sent, when it is a host name or IP address with an optional
    port, and nothing else; None otherwise (it is then never put into a page)."""
    if value is None or len(value) > 260:
        return None
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    if match["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return None
    if match["port"] is not None and not 0 < int(match["port"]) <= 65535:
        return None
    return value


def checked_public_url(value: str) -> str:
    """A --public-url, without its final slash; ValueError when it is not an http(s) address
    (with a host, and no query, fragment or characters that do not belong in one)."""
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or checked_host(parts.netloc) is None
        or parts.query
        or parts.fragment
        or not re.fullmatch(r"[A-Za-z0-9._~/%!$&'()*+,;=:@-]*", parts.path)
    ):
        raise ValueError(f"{value!r} is not an address such as http://192.168.1.20:8000")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def websocket_url(base: str) -> str:
    """The websocket's address under the page's address `base` (http -> ws, https -> wss)."""
    scheme, rest = base.split(":", 1)
    return ("wss:" if scheme == "https" else "ws:") + rest + "/ws"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def new_teacher_code() -> str:
    """A random code for the teacher's page, e.g. "kq7m-x4tp" (about 40 bits)."""
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


class _HideCodes(logging.Filter):
    """Keeps a teacher's code out of the access log (`/teacher?code=...`)."""

    CODE = re.compile(r"([?&]code=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.CODE.sub(r"\1(hidden)", record.msg)
        line = getattr(record, "first_request_line", None)
        if isinstance(line, str):
            record.first_request_line = self.CODE.sub(r"\1(hidden)", line)
        return True


def _plain_code(code: str) -> bytes:
    """A code as typed, without case, spaces or dashes."""
    return re.sub(r"[\s-]", "", code).lower().encode("utf-8", "replace")


def cells(value: object, low: int, high: int) -> int | None:
    """One dimension of a terminal a browser asks for, kept within low..high; None when
    it is not a number (an int, a finite float, or a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:  # not digits, or more digits than Python converts
            return None
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    elif not isinstance(value, int):
        return None
    return max(low, min(high, value))


def terminal_size(width: object, height: object) -> tuple[int, int] | None:
    """The terminal size to give a game for the size a browser asks for: clamped to
    MIN_WIDTH..MAX_WIDTH x MIN_HEIGHT..MAX_HEIGHT; None when either is not a number."""
    columns = cells(width, MIN_WIDTH, MAX_WIDTH)
    rows = cells(height, MIN_HEIGHT, MAX_HEIGHT)
    if columns is None or rows is None:
        return None
    return columns, rows


def full_message(games: int) -> str:
    played = f"{games} game is" if games == 1 else f"{games} games are"
    return (
        f"The game is full: {played} being played on this machine. "
        "Try again when someone finishes, or ask your teacher."
    )


def full_page(games: int) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Petrograd 1917: the game is full</title>
<style>
body {{ background: #0c181f; color: #f0f0f0; font: 18px/1.5 system-ui, sans-serif;
  display: flex; align-items: center; justify-content: center; min-height: 90vh; }}
main {{ max-width: 34em; padding: 2em; background: #12232d; }}
a {{ color: #fea62b; }}
</style></head>
<body><main>
<h1>Petrograd 1917</h1>
<p>{escape(full_message(games))}</p>
<p><a href="/">Try again</a></p>
</main></body>
</html>
"""


def full_terminal_text(games: int) -> bytes:
    """The notice, for the terminal of a browser whose websocket is turned away."""
    return ("\x1b[2J\x1b[H\r\n  Petrograd 1917\r\n\r\n  " + full_message(games) + "\r\n").encode()


class TabService(AppService):
    """One tab's game: started without a shell, with its own environment variables added
    (its status file), and ended for certain when stopped."""

    def __init__(self, command: str, *, environment: dict[str, str], **options: Any) -> None:
        super().__init__(command, **options)
        self.environment = environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        # Without a shell between, the process is the game itself: SIGTERM reaches it.
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height) | self.environment,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        await super().run()
        # The game's output has ended (it quit, failed or was killed): so does its tab's
        # connection, which frees its place. (textual-serve closes it only on a clean quit.)
        try:
            await self.remote_close()
        except (OSError, RuntimeError):
            pass

    async def stop(self) -> None:
        """Ask the game to quit; SIGTERM, then SIGKILL, if it does not; wait till it has ended."""
        task, self._task = self._task, None
        if task is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        process = self._process
        if process is not None:
            for name, ending in (
                ("", None),
                ("SIGTERM", process.terminate),
                ("SIGKILL", process.kill),
            ):
                if ending is not None:
                    log.warning("a game did not end when asked to quit: sending it %s", name)
                    try:
                        ending()
                    except ProcessLookupError:
                        pass
                try:
                    await asyncio.wait_for(process.wait(), QUIT_SECONDS)
                    break
                except TimeoutError:
                    continue
        try:
            await asyncio.wait_for(task, QUIT_SECONDS)  # its output ends with the process
        except TimeoutError:
            task.cancel()
        # Close the process's pipes now, on the running loop: a transport left for the
        # garbage collector tries to close itself after the loop has gone, and prints a
        # traceback as the server exits.
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()


@dataclass
class _Game:
    """A place taken by one websocket, and whether its game has ended."""

    websocket: web.WebSocketResponse
    number: int
    """The connection's number since the server started (Player 1, 2, ...)."""
    status_file: Path | None
    """Where its game writes its status (game/webstatus.py); None: the server keeps none."""
    ended: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class _Left:
    """A connection that has ended, and the last status its game wrote."""

    number: int
    status: TabStatus
    left_at: datetime


@dataclass(frozen=True)
class ClassRow:
    """One line of the teacher's page, as shown (the page escapes each value)."""

    student: str
    viewpoint: str
    chapter: str
    scene: str
    step: str
    minutes: str
    ending: str
    handed_in: str
    finished: bool


def class_row(
    number: int, status: TabStatus | None, *, named: bool, now: datetime, cut: int = 80
) -> ClassRow:
    """The teacher's line for connection `number` whose game last wrote `status` (None: not
    yet); `named` when students give their name (an assignment), else they are "Player N"."""

    def shown(text: str | None) -> str:
        if not text:
            return "—"
        return text if len(text) <= cut else text[: cut - 1] + "…"

    if named:
        student = shown(status.student if status else None)
        student = "(no name)" if student == "—" else student
    else:
        student = f"Player {number}"
    if status is None:
        return ClassRow(student, "—", "—", "starting…", "—", "—", "", "not yet", False)
    minutes = "—"
    if status.started_at is not None:
        seconds = (now - parse_time(status.started_at)).total_seconds()
        minutes = str(max(0, int(seconds // 60)))
    handed_in = "not yet"
    if status.handed_in_at is not None:
        handed_in = "at " + parse_time(status.handed_in_at).astimezone().strftime("%H:%M")
    begun = status.scene or status.chapter or status.started_at
    scene = shown(status.scene) if begun else "(on the title screen)"
    return ClassRow(
        student=student,
        viewpoint=shown(status.viewpoint),
        chapter=shown(status.chapter),
        scene=scene,
        step=str(status.step),
        minutes=minutes,
        ending="reached" if status.finished else "",
        handed_in=handed_in,
        finished=status.finished,
    )


class GameServer(Server):
    """textual-serve's server with clamped sizes, checked messages, a cap on games, and
    tab folders removed (see the module's docstring)."""

    def __init__(
        self,
        command: str,
        *,
        max_games: int = DEFAULT_MAX_GAMES,
        tabs_folder: Path | None = None,
        status_folder: Path | None = None,
        join_url: str | None = None,
        teacher_code: str | None = None,
        assignment: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(command, templates_path=WEB_FOLDER / "templates", **options)
        self.max_games = max_games
        #: Where the tabs' folders are made (game.webtab.tabs_parent); None: not swept.
        self.tabs_folder = tabs_folder
        #: Where each tab's game writes its status (game.webtab.open_status_folder); None:
        #: the games write none, and the teacher's page shows only who is connected.
        self.status_folder = status_folder
        #: The address given (--public-url): the page uses it whatever Host a browser sent.
        self.fixed_url = options.get("public_url")
        #: The address printed for students: the page's, when a browser's Host is not one.
        self.join_url = join_url or self.public_url
        #: The code of the teacher's page; None: a new random one (`new_teacher_code`).
        self.teacher_code = teacher_code or new_teacher_code()
        self._teacher_token = secrets.token_urlsafe(32)
        #: The assignment's title, when the games follow one (students then give their name;
        #: without one they are "Player N").
        self.assignment = assignment
        self.games: list[_Game] = []
        self.left: deque[_Left] = deque(maxlen=LEFT_KEPT)
        self._connections = 0
        self._turned_away: set[web.WebSocketResponse] = set()
        self._stopping = False

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_HideCodes())

    @property
    def full(self) -> bool:
        return len(self.games) >= self.max_games

    def sweep(self) -> None:
        if self.tabs_folder is not None:
            sweep_tab_folders(self.tabs_folder)

    async def on_startup(self, app: web.Application) -> None:
        self.sweep()  # what the games of a server that was killed left behind
        if hasattr(signal, "SIGHUP"):
            try:
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.request_exit)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    async def on_shutdown(self, app: web.Application) -> None:
        """End every game (each is asked to quit, as when its tab closes), then sweep."""
        self._stopping = True
        sockets = [game.websocket for game in self.games] + list(self._turned_away)
        await asyncio.gather(
            *(
                ws.close(code=WSCloseCode.GOING_AWAY, message=b"the server is stopping")
                for ws in sockets
            ),
            return_exceptions=True,
        )
        ended = [asyncio.ensure_future(game.ended.wait()) for game in self.games]
        if ended:
            await asyncio.wait(ended, timeout=3 * QUIT_SECONDS + 1)
        self.sweep()

    async def _make_app(self) -> web.Application:
        """textual-serve's routes, with the game's page files (/web/) and the teacher's page."""
        app = await super()._make_app()
        app.router.add_static("/web", WEB_FOLDER / "static", name="web")
        app.router.add_get("/teacher", self.handle_teacher, name="teacher")
        app.router.add_post("/teacher", self.handle_teacher)
        return app

    def base_url(self, request: web.Request) -> str:
        """The address the page's own addresses start from: --public-url when given, else the
        scheme and Host the browser used (checked), else the address printed for students."""
        if self.fixed_url is not None:
            return self.fixed_url
        host = checked_host(request.headers.get("Host"))
        if host is None:
            return self.join_url
        return f"{request.scheme}://{host}"

    async def handle_index(self, request: web.Request) -> Any:
        if self.full:
            log.warning("a browser was told the game is full (%d games)", len(self.games))
            return web.Response(
                status=503,
                text=full_page(len(self.games)),
                content_type="text/html",
                headers={"Retry-After": "60", "Cache-Control": "no-store"},
            )
        base = self.base_url(request)
        ws = websocket_url(base)
        context = {
            "title": self.title,
            "static_url": base + "/static/",
            "page_url": base + "/web/",
            "websocket_url": ws,
            "font_size": cells(request.query.get("fontsize", "16"), 8, 48) or 16,
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        here = origin(base)
        response.headers.update(
            {
                "Cache-Control": "no-store",
                "Content-Security-Policy": (
                    f"default-src 'none'; script-src 'self' {here}; "
                    f"style-src 'self' {here} 'unsafe-inline'; font-src 'self' {here}; "
                    f"img-src 'self' data:; connect-src 'self' {origin(ws)}; "
                    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
                ),
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            }
        )
        return response

    # ------------------------------------------------------------ the teacher's page

    def _is_teacher(self, request: web.Request) -> bool:
        token = request.cookies.get(TEACHER_COOKIE, "")
        return hmac.compare_digest(token.encode("utf-8", "replace"), self._teacher_token.encode())

    def _right_code(self, code: str) -> bool:
        return hmac.compare_digest(_plain_code(code), _plain_code(self.teacher_code))

    async def handle_teacher(self, request: web.Request) -> web.StreamResponse:
        """The teacher's page; first the code (in a form, or ?code=), kept in a cookie."""
        every = cells(request.query.get("every", TEACHER_EVERY), *TEACHER_EVERY_RANGE)
        every = every or TEACHER_EVERY
        here = "/teacher" + (f"?every={every}" if every != TEACHER_EVERY else "")
        code: str | None = request.query.get("code")
        if request.method == "POST":
            typed = (await request.post()).get("code")
            code = typed if isinstance(typed, str) else ""
        if code is not None:
            if not self._right_code(code[:64]):
                log.warning("a wrong teacher's code was tried, from %s", request.remote)
                return self._teacher_response(
                    request, "teacher_code.html", {"wrong": True, "action": here}, status=403
                )
            response = web.HTTPSeeOther(here)  # the code is not left in the address bar
            response.set_cookie(
                TEACHER_COOKIE, self._teacher_token, httponly=True, samesite="Lax", path="/teacher"
            )
            return response
        if not self._is_teacher(request):
            return self._teacher_response(
                request, "teacher_code.html", {"wrong": False, "action": here}
            )
        now = datetime.now().astimezone()
        playing = [
            class_row(
                game.number,
                read_status(game.status_file) if game.status_file else None,
                named=self.assignment is not None,
                now=now,
            )
            for game in list(self.games)
        ]
        left = [
            class_row(gone.number, gone.status, named=self.assignment is not None, now=gone.left_at)
            for gone in reversed(self.left)
        ]
        summary = f"{len(playing)} connected (at most {self.max_games} games at once)."
        context = {
            "every": every,
            "summary": summary,
            "assignment": self.assignment,
            "updated": now.strftime("%H:%M:%S"),
            "playing": playing,
            "left": left,
            "join_url": self.join_url,
        }
        return self._teacher_response(request, "teacher.html", context)

    def _teacher_response(
        self, request: web.Request, template: str, context: dict[str, Any], status: int = 200
    ) -> web.Response:
        response = aiohttp_jinja2.render_template(
            template, request, {"title": self.title, **context}, status=status
        )
        response.headers.update(
            {
                "Cache-Control": "no-store",
                "Content-Security-Policy": (
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
                ),
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            }
        )
        return response

    async def handle_websocket(self, request: web.Request) -> Any:  # type: ignore[override]
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        if not websocket.can_prepare(request).ok:
            return web.Response(
                status=400, text="This address is the game's connection: open / in a browser.\n"
            )
        size = terminal_size(
            request.query.get("width", DEFAULT_WIDTH), request.query.get("height", DEFAULT_HEIGHT)
        ) or (DEFAULT_WIDTH, DEFAULT_HEIGHT)
        if self.full or self._stopping:
            await self._turn_away(request, websocket)
            return websocket
        self._connections += 1
        number = self._connections
        status_file = None
        environment = {}
        if self.status_folder is not None:
            status_file = self.status_folder / f"{number}.json"
            environment[STATUS_FILE_VARIABLE] = str(status_file)
        game = _Game(websocket, number, status_file)
        self.games.append(game)  # the place is taken before anything is awaited
        try:
            await websocket.prepare(request)

            async def close() -> None:
                await websocket.close()

            service = TabService(
                self.command,
                environment=environment,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            try:
                await service.start(*size)
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except OSError as exc:  # the game could not start, or the browser went away
            log.error("a game's connection ended with an error: %s", exc)
        finally:
            self.games.remove(game)
            self._forget_status(game)
            game.ended.set()
            if not websocket.closed:
                await websocket.close()
            self.sweep()
        return websocket

    def _forget_status(self, game: _Game) -> None:
        """Its game has ended: keep its last status for the teacher's page (unless it never
        left the title screen), and remove its file."""
        if game.status_file is None:
            return
        status = read_status(game.status_file)
        if status is not None and (status.started_at or status.handed_in_at):
            self.left.append(_Left(game.number, status, datetime.now().astimezone()))
        try:
            game.status_file.unlink(missing_ok=True)
        except OSError:
            pass

    async def _turn_away(self, request: web.Request, websocket: web.WebSocketResponse) -> None:
        """The game is full: the notice in the browser's terminal, and no game."""
        self._turned_away.add(websocket)
        try:
            await websocket.prepare(request)
            await websocket.send_bytes(full_terminal_text(len(self.games)))

            async def ignore_messages() -> None:
                async for _message in websocket:
                    pass

            try:
                await asyncio.wait_for(ignore_messages(), TURNED_AWAY_SECONDS)
            except TimeoutError:
                pass
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"the game is full")
        except OSError:
            pass  # the browser went away first
        finally:
            self._turned_away.discard(websocket)

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        """Pass what the browser sends to its game: keys, sizes (clamped), focus; answer pings.

        Anything else is ignored, with one line in the log per connection."""
        complained = False

        def ignored(why: str) -> None:
            nonlocal complained
            if not complained:
                log.warning("ignored a message from a browser: %s", why)
                complained = True

        async for message in websocket:
            if message.type == WSMsgType.ERROR:  # e.g. over MAX_MESSAGE_BYTES: aiohttp closes
                log.warning("closed a browser's connection: %s", websocket.exception())
                break
            if message.type != WSMsgType.TEXT:
                ignored("not text")
                continue
            try:
                envelope = json.loads(message.data)
            except (ValueError, RecursionError):
                ignored("not JSON")
                continue
            if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
                ignored("not a list that starts with its type")
                continue
            kind = envelope[0]
            data = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin":
                if not isinstance(data, str):
                    ignored("keys that are not text")
                    continue
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize":
                size = None
                if isinstance(data, dict):
                    size = terminal_size(data.get("width"), data.get("height"))
                if size is None:
                    ignored("a size that is not two numbers")
                    continue
                await app_service.set_terminal_size(*size)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()
            else:
                ignored(f"unknown type {kind[:40]!r}")
