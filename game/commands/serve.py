"""`petrograd serve`: the game in browsers.

By default it serves the game as web pages (game/web): one process serves a whole
class, the students' games are kept in a database (SQLite in the data folder, or
PostgreSQL with --db, which several processes can share: docs/deploy.md), and the
page works with a screen reader, at any zoom, on a phone, and with scripts off.

With --terminal it serves the full-screen terminal game instead (textual-serve). Every browser tab starts its own `petrograd play --web` process, so each tab is its
own game. Without an assignment a tab keeps its saves in a private temporary
folder, removed when the tab's game ends; with one, each student's saves are kept
under their name. Records are written to the server's records folder.

The limits (game/webserve.py): at most --max-games games at once (the tab over it
is told the game is full); a browser's terminal is kept within 10..500 columns and
5..200 rows, whatever size it asks for.

At start it prints a join card: the address students type (this machine's address on
the network, found without sending anything), with a QR code when printing to a
terminal, and the teacher's page with its code.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from game.commands.common import add_data_option, add_story_options, err
from game.webtab import (
    DEFAULT_MAX_GAMES,
    MAX_HEIGHT,
    MAX_WIDTH,
    MIB_PER_GAME,
    MIN_HEIGHT,
    MIN_WIDTH,
)

if TYPE_CHECKING:
    from game.engine import Story


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = commands.add_parser(
        "serve",
        help="serve the game to web browsers (a class, or a school)",
        description=(
            "Serve the game to web browsers as web pages: one process serves the whole class, "
            "each student's game kept in a database (SQLite in the data folder; PostgreSQL "
            "with --db, shared by several processes: docs/deploy.md). With --terminal, serve "
            "the full-screen terminal game instead: each tab is its own game, a process of "
            f"about {MIB_PER_GAME} MiB, its screen kept within {MIN_WIDTH}..{MAX_WIDTH} "
            f"columns and {MIN_HEIGHT}..{MAX_HEIGHT} rows."
        ),
    )
    serve.add_argument(
        "--terminal",
        action="store_true",
        help="serve the full-screen terminal game in the browser (textual-serve) instead of "
        "web pages",
    )
    serve.add_argument(
        "--db",
        default=None,
        metavar="WHERE",
        help="the database of the students' games: a file (SQLite) or "
        "postgresql://user@host:port/name (default: web.sqlite3 in the data folder)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--public-url",
        type=_public_url,
        default=None,
        help="the address students type, if not this machine's (e.g. behind a proxy): "
        "the page then uses it whatever address the browser used",
    )
    serve.add_argument(
        "--assignment", type=Path, default=None, metavar="FILE", help="an assignment to follow"
    )
    serve.add_argument(
        "--records",
        type=Path,
        default=None,
        metavar="DIR",
        help="where students' records are written as files (default for --terminal: "
        "./petrograd-records; the web pages keep them in the database, and also write them "
        "here when it is given)",
    )
    serve.add_argument(
        "--teacher-code",
        type=_teacher_code,
        default=None,
        metavar="CODE",
        help="a new code for the teacher's page (6 to 20 letters and digits). It replaces "
        "the class's code in its database for good (every process of the class takes it), "
        "and shuts out every browser let in with the old one; without it, the code kept "
        "there is used (made at the class's first start)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        metavar="IPS",
        help="the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed "
        "(comma-separated; default: 127.0.0.1)",
    )
    serve.add_argument(
        "--max-connections",
        type=_at_least_one,
        default=2000,
        metavar="N",
        help="at most N connections at once; more are answered 503 (default: 2000)",
    )
    serve.add_argument(
        "--max-games",
        type=_at_least_one,
        default=DEFAULT_MAX_GAMES,
        metavar="N",
        help=f"at most N games at once (default: {DEFAULT_MAX_GAMES}); each takes about "
        f"{MIB_PER_GAME} MiB of memory, so {DEFAULT_MAX_GAMES} take about "
        f"{DEFAULT_MAX_GAMES * MIB_PER_GAME / 1024:.0f} GiB. The tab over the limit is told the "
        "game is full; a game's place frees when its tab closes",
    )
    add_story_options(serve)
    add_data_option(serve)


def _public_url(text: str) -> str:
    try:
        from game.webserve import checked_public_url
    except ImportError:  # without textual-serve: `run` says what to install
        return text
    try:
        return checked_public_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _teacher_code(text: str) -> str:
    letters = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    if not 6 <= len(letters) <= 20 or any(not (ch.isalnum() or ch in "- ") for ch in text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a teacher's code: give 6 to 20 letters and digits (a dash may "
            "join them, as in KQ7-X4T)"
        )
    return text.upper()


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of games (1 or more)")
    return number


def play_command(args: argparse.Namespace) -> str:
    """The command each browser tab runs."""
    parts = [
        sys.executable,
        "-m",
        "game",
        "play",
        "--web",
        "--records",
        str(args.records.resolve()),
    ]
    if args.assignment is not None:
        parts += ["--assignment", str(args.assignment.resolve())]
    if args.story is not None:
        parts += ["--story", str(args.story.resolve())]
    for pack in args.scenes:
        parts += ["--scenes", str(pack.resolve())]
    if args.data_dir is not None:
        parts += ["--data-dir", str(args.data_dir.resolve())]
    return shlex.join(parts)


# ---------------------------------------------------------------- the join card

#: Addresses a UDP socket is "connected" to, to learn which of this machine's addresses
#: the network would use: connecting a UDP socket sends nothing.
_PROBES = ("10.254.254.254", "192.168.254.254", "172.31.254.254")


def lan_address() -> str | None:
    """This machine's IPv4 address on its network (the one its route out would use); None
    when it has none (no network), or only loopback addresses."""
    for probe in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                found = sock.getsockname()[0]
        except OSError:
            continue
        if _usable(found):
            return found
    try:
        names = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return None
    return next((name for name in names if _usable(name)), None)


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class JoinCard:
    """What `petrograd serve` tells the teacher at start: where students connect."""

    url: str | None
    """The address students type; None when this machine's was not found."""
    local_only: bool
    """Whether the server listens on this machine only (students elsewhere cannot join)."""
    page_url: str
    """The address the page uses when a browser's Host header is not a host."""


def join_card(
    host: str, port: int, public_url: str | None, *, lan: Callable[[], str | None] = lan_address
) -> JoinCard:
    """Where students connect to a server listening on `host`:`port`."""
    local = f"http://127.0.0.1:{port}"
    if public_url is not None:
        return JoinCard(public_url, False, public_url)
    if _is_loopback(host):
        url = f"http://{_url_host(host)}:{port}"
        return JoinCard(url, True, url)
    if host in ("", "0.0.0.0", "::", "*"):
        found = lan()
        if found is None:
            return JoinCard(None, False, local)
        host = found
    url = f"http://{_url_host(host)}:{port}"
    return JoinCard(url, False, url)


def qr_code(text: str) -> str:
    """A QR code of `text` for a terminal (two rows of modules a line); "" without segno."""
    try:
        import segno
    except ImportError:
        return ""
    import io

    out = io.StringIO()
    segno.make(text, micro=False).terminal(out=out, compact=True)
    return out.getvalue()


def print_join_card(card: JoinCard, port: int, teacher_code: str, out: TextIO, *, qr: bool) -> None:
    """The join card: the teacher's page and its code, then the address students type
    (last, to stay in view), with its QR code when `qr`."""
    where = card.url or f"http://127.0.0.1:{port}"
    out.write("Petrograd 1917 is being served. Ctrl+C stops it.\n\n")
    out.write(f"The teacher's page: {where}/teacher\n")
    out.write(f"  code: {teacher_code}  (yours alone: do not show it to the class)\n\n")
    if card.local_only:
        out.write(f"Only this machine can play: open {where} in its browser.\n")
        out.write("To serve a class on the network: petrograd serve --host 0.0.0.0\n")
        return
    if card.url is None:
        out.write(
            "This machine's address on the network was not found: is it connected?\n"
            f"Students type this machine's address, then :{port}\n"
        )
        return
    out.write("Students open:\n\n")
    out.write(f"    {card.url}\n\n")
    if qr:
        code = qr_code(card.url)
        try:
            code.encode(getattr(out, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            code = ""  # a terminal that cannot show the blocks it is drawn with
        if code:
            out.write(code)
            out.write("\n")


def run(args: argparse.Namespace) -> int:
    from game.commands.common import assignment_or_report, load_or_report

    story = load_or_report(args)
    if story is None:  # fail here, once, rather than in every tab
        return 1
    if not args.terminal:
        return run_pages(args, story)
    if args.db is not None:
        err("--db is for the web pages; the terminal serving (--terminal) keeps files")
        return 1
    if args.records is None:
        args.records = Path("petrograd-records")
    ok, assignment = assignment_or_report(args.assignment, story)
    if not ok:
        return 1
    assignment_title = assignment.title if assignment is not None else None
    try:
        args.records.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err(f"cannot use the records folder {args.records}: {exc.strerror}")
        return 1
    try:
        from game.webserve import GameServer
    except ImportError:
        err("serving to browsers needs textual-serve: pip install textual-serve")
        return 1
    from game.webtab import open_status_folder, tabs_parent

    data = args.data_dir.resolve() if args.data_dir is not None else None
    try:
        status_folder = open_status_folder(data)
    except OSError as exc:
        err(f"cannot make the folder of the games' status files: {exc.strerror}")
        return 1
    card = join_card(args.host, args.port, args.public_url)
    server = GameServer(
        play_command(args),
        max_games=args.max_games,
        tabs_folder=tabs_parent(data),
        status_folder=status_folder,
        join_url=card.page_url,
        assignment=assignment_title,
        host=args.host,
        port=args.port,
        title="Petrograd 1917",
        public_url=args.public_url,
    )
    print(f"Students' records go to {args.records.resolve()}")
    if args.assignment is not None:
        from game.paths import data_dir

        kept = data_dir(args.data_dir).resolve() / "assignments"
        print(f"Their saves and codes are kept in {kept} (a lost code is in code.txt there)")
    print(f"At most {args.max_games} games at once (--max-games)\n")
    print_join_card(card, args.port, server.teacher_code, sys.stdout, qr=sys.stdout.isatty())
    sys.stdout.flush()
    server.serve()
    return 0


def run_pages(args: argparse.Namespace, story: Story) -> int:
    """Serve the web pages (game/web) until Ctrl+C."""
    from game.commands.common import assignment_or_report
    from game.paths import data_dir

    ok, assignment = assignment_or_report(args.assignment, story)
    if not ok:
        return 1
    try:
        import uvicorn

        from game.web.app import WebConfig, build_app
        from game.web.store import StoreError, open_store
    except ImportError as exc:
        err(f"serving web pages needs {exc.name}: pip install 'petrograd-1917'")
        return 1
    records = None
    if args.records is not None:
        records = args.records.resolve()
        try:
            records.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            err(f"cannot use the records folder {records}: {exc.strerror}")
            return 1
    try:
        store = open_store(args.db, data_dir(args.data_dir).resolve())
    except StoreError as exc:
        err(str(exc))
        return 1
    try:
        app = build_app(
            WebConfig(
                story,
                store,
                assignment,
                records=records,
                trusted_proxies=args.forwarded_allow_ips,
                teacher_code=args.teacher_code,
            )
        )
    except StoreError as exc:
        err(str(exc))
        store.close()
        return 1
    web = app.state.web
    card = join_card(args.host, args.port, args.public_url)
    print(f"The students' games are kept in {store.url}")
    if records is not None:
        print(f"Their records are also written to {records}")
    print()
    print_join_card(card, args.port, web.teacher_code, sys.stdout, qr=sys.stdout.isatty())
    sys.stdout.flush()
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            proxy_headers=False,  # the app believes only --forwarded-allow-ips (build_app)
            server_header=False,
            limit_concurrency=args.max_connections,
            timeout_keep_alive=20,
        )
    finally:
        store.close()
    return 0
