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
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import shlex
import signal
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

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

log = logging.getLogger("petrograd.serve")


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
    """One tab's game: started without a shell, and ended for certain when stopped."""

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        # Without a shell between, the process is the game itself: SIGTERM reaches it.
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
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


@dataclass
class _Game:
    """A place taken by one websocket, and whether its game has ended."""

    websocket: web.WebSocketResponse
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class GameServer(Server):
    """textual-serve's server with clamped sizes, checked messages, a cap on games, and
    tab folders removed (see the module's docstring)."""

    def __init__(
        self,
        command: str,
        *,
        max_games: int = DEFAULT_MAX_GAMES,
        tabs_folder: Path | None = None,
        **options: Any,
    ) -> None:
        super().__init__(command, **options)
        self.max_games = max_games
        #: Where the tabs' folders are made (game.webtab.tabs_parent); None: not swept.
        self.tabs_folder = tabs_folder
        self.games: list[_Game] = []
        self._turned_away: set[web.WebSocketResponse] = set()
        self._stopping = False

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

    async def handle_index(self, request: web.Request) -> Any:
        if self.full:
            log.warning("a browser was told the game is full (%d games)", len(self.games))
            return web.Response(
                status=503,
                text=full_page(len(self.games)),
                content_type="text/html",
                headers={"Retry-After": "60", "Cache-Control": "no-store"},
            )
        return await super().handle_index(request)

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
        game = _Game(websocket)
        self.games.append(game)  # the place is taken before anything is awaited
        try:
            await websocket.prepare(request)

            async def close() -> None:
                await websocket.close()

            service = TabService(
                self.command,
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
            game.ended.set()
            if not websocket.closed:
                await websocket.close()
            self.sweep()
        return websocket

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
