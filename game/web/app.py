"""The game as web pages: a Starlette app over the engine, the play session and the store.

Each page is whole HTML that works with scripts off: every choice is a form button,
and the page reloads (POST, then a redirect to the page to show). With scripts on,
game.js sends the same forms with fetch and swaps the page's main part in place,
and the number keys take choices. One process serves a whole class; several
processes sharing one PostgreSQL serve a school (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import time
import unicodedata
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from game.classroom.assignment import Assignment
from game.classroom.handin import clean_name
from game.classroom.handin import student_key as record_key
from game.classroom.session import CODE_LENGTH, _code_key, new_code
from game.engine import ChoiceUnavailable, Game, Story, wording
from game.engine.record import clean_lines, clean_text
from game.profile import SPOILER_NAMES
from game.saves import AUTO, SLOTS, SaveError
from game.session import Locked
from game.web import pages
from game.web.security import (
    COOKIE_SECONDS,
    CookieNames,
    Guard,
    Signer,
    TooLarge,
    new_id,
    same,
)
from game.web.session import Visit, now
from game.web.store import CodeTaken, NameTaken, PlayerRow, Store, StoreError, Tx

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates" / "html"
STATIC = HERE / "static" / "html"

#: Wrong codes one address may try in ATTEMPT_MINUTES before it is told to wait (a whole
#: school may share one address, so this is generous), and wrong codes for one name.
ATTEMPT_LIMIT = 100
ATTEMPT_LIMIT_NAME = 10
ATTEMPT_MINUTES = 10
#: Wrong teacher's codes for one class, from anywhere, in ATTEMPT_MINUTES.
TEACHER_LIMIT_CLASS = 30
OUT_OF_DATE = (
    "That page was out of date (sent twice, or from another tab), so it was not used. "
    "Here is where your game is now."
)
#: The longest name, code, reason or answer taken.
NAME_LIMIT = 60
ANSWER_LIMIT = 20_000


@dataclass
class WebConfig:
    """What a served class is: the story, the store, and the assignment if there is one."""

    story: Story
    store: Store
    assignment: Assignment | None = None
    #: The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed
    #: (comma-separated addresses or networks, "*" for any; uvicorn's words).
    trusted_proxies: str = "127.0.0.1"
    #: Also write each hand-in to this folder (as the terminal serving does).
    records: Path | None = None
    #: The teacher's code (None: the store's, made once and printed at start).
    teacher_code: str | None = None
    title: str = ""


class WebGame:
    """The app's state: only what every request shares (nothing of any one player)."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.story = config.story
        self.store = config.store
        secret = self.store.meta("secret", lambda: new_id() + new_id())
        self.signer = Signer(secret)
        #: The class: the assignment, or free play of this story (two stories served from
        #: one database never share players, cookies or a teacher's code).
        self.klass = config.assignment.id if config.assignment else f"play:{self.story.id}"
        self.cookies = CookieNames(secret, self.klass)
        #: The teacher's code: made once for the class and kept in the database, so that
        #: every process of the class prints and takes the same; a code given
        #: (--teacher-code) replaces it there, for every process and every restart.
        self.teacher_key = f"teacher_code:{self.klass}"
        if config.teacher_code:
            with self.store.transaction() as tx:
                tx.meta_put(self.teacher_key, config.teacher_code)
        self.teacher_code = self.store.meta(self.teacher_key, teacher_code)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            story=self.story,
            assignment=config.assignment,
            wording=wording,
            title=config.title or self.story.title,
            spoiler_names=SPOILER_NAMES,
        )

    # ------------------------------------------------------------ helpers

    def render(
        self, request: Request, name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        holder = self.holder(request)
        first = holder is None  # a first visit: a cookie for the forms' tokens
        if holder is None:
            holder = new_id()
        context.setdefault("csrf", self.signer.csrf(holder))
        context.setdefault("error", None)
        context.setdefault("notice", None)
        context.setdefault("player", None)
        html = self.env.get_template(name).render(request=request, **context)
        response = HTMLResponse(html, status_code=status)
        response.headers["cache-control"] = "no-store"
        if first:
            self.set_cookie(request, response, self.cookies.visit, self.signer.sign("visit", holder))
        return response

    def holder(self, request: Request) -> str | None:
        """The id the browser's cookie names (its player, else its visit); None: no cookie."""
        return self.player_id(request) or self.signer.unsign(
            "visit", request.cookies.get(self.cookies.visit)
        )

    def player_id(self, request: Request) -> str | None:
        return self.signer.unsign("player", request.cookies.get(self.cookies.player))

    def set_cookie(self, request: Request, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=COOKIE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=_https(request),
        )

    def sign_in_as(self, request: Request, response: Response, row: PlayerRow) -> None:
        self.set_cookie(request, response, self.cookies.player, self.signer.sign("player", row.id))

    async def form(self, request: Request) -> FormData:
        """The posted form, after its CSRF token is checked (403 otherwise)."""
        try:
            form = await request.form(max_files=0, max_fields=50, max_part_size=BODY_PART)
        except TooLarge:  # Guard answers 413
            raise
        except Exception:  # a body that is not a form  # noqa: BLE001
            raise HTTPException(400, "That was not a form this game sends.") from None
        if not self.signer.csrf_ok(self.holder(request), form.get("csrf")):
            raise HTTPException(
                403,
                "This page had expired (or came from elsewhere). Reload the page and try again.",
            )
        return form

    @contextmanager
    def visiting(self, request: Request, *, acting: bool = True) -> Iterator[Visit | None]:
        """The browser's player, their game loaded, within one transaction (None: no player).
        `acting`: the request changes something (a form), so the teacher's line for the
        player follows; a page that is only read writes nothing."""
        pid = self.player_id(request)
        with self.store.transaction() as tx:
            row = tx.player(pid, lock=True) if pid else None
            if row is None or row.klass != self.klass:
                yield None
                return
            visit = Visit(
                self.story, tx, row, self.config.assignment, records=self.config.records
            )
            visit.resume(acting=acting)
            yield visit
            if acting:
                visit.finish()

    def new_player(self, tx: Tx, name: str | None) -> PlayerRow:
        for _ in range(20):
            try:
                return tx.create_player(
                    klass=self.klass,
                    name=name,
                    name_key=student_key(name) if name else None,
                    code_key=_code_key(new_code()),
                    now=now(),
                )
            except CodeTaken:
                continue
        raise HTTPException(503, "No code could be made for you just now; try again.")

    def teacher_now(self, tx: Tx) -> str:
        """The class's teacher's code as the database holds it now (another process may
        have been given a new one)."""
        return tx.meta_get(self.teacher_key) or self.teacher_code

    def teacher_pass(self, code: str) -> str:
        """What the teacher's cookie holds: bound to the class and to its code, so a new
        code shuts out every browser let in with the old one."""
        return hashlib.sha256(f"teacher\n{self.klass}\n{_code_key(code)}".encode()).hexdigest()[
            :32
        ]

    def teacher_blocked(self, tx: Tx, request: Request, *, wrong: bool = False) -> bool:
        """Whether too many wrong teacher's codes were typed lately: from this address
        (counted apart from the students', so that a class's typing errors never shut the
        teacher out), or for the class from anywhere (many addresses cannot share the
        guessing); `wrong`: count one more first. A teacher already let in stays in."""
        mine, anywhere = f"teacher:{_client(request)}", f"teacher-class:{self.klass}"
        if wrong:
            tx.note_attempt(mine, now())
            tx.note_attempt(anywhere, now())
        since = _minutes_ago(ATTEMPT_MINUTES)
        return (
            tx.attempts_since(mine, since) >= ATTEMPT_LIMIT_NAME
            or tx.attempts_since(anywhere, since) >= TEACHER_LIMIT_CLASS
        )

    def too_many_attempts(self, tx: Tx, request: Request, name_key: str | None = None) -> bool:
        """Whether this address (or, given, this student's name) has had too many wrong
        codes lately: with six characters of 31, guessing one student's takes far longer
        than a school year at ATTEMPT_LIMIT_NAME tries in ATTEMPT_MINUTES."""
        at = _minutes_ago(ATTEMPT_MINUTES)
        if tx.attempts_since(f"code:{_client(request)}", at) >= ATTEMPT_LIMIT:
            return True
        return name_key is not None and (
            tx.attempts_since(f"name:{self.klass}:{name_key}", at) >= ATTEMPT_LIMIT_NAME
        )

    def note_wrong_code(self, tx: Tx, request: Request, name_key: str | None = None) -> None:
        tx.note_attempt(f"code:{_client(request)}", now())
        if name_key is not None:
            tx.note_attempt(f"name:{self.klass}:{name_key}", now())


BODY_PART = 128 * 1024


def student_key(name: str) -> str:
    """One student of a class however their name was typed (game.classroom.handin's key),
    and whatever invisible characters are in it: "Ada" and "Ada" with a zero-width space
    are one name here, so nobody can sign in beside a classmate under a name that looks
    the same."""
    return record_key("".join(ch for ch in name if unicodedata.category(ch) != "Cf"))


def _minutes_ago(minutes: int) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _https(request: Request) -> bool:
    # A trusted proxy's X-Forwarded-Proto is in the scheme already (ProxyHeadersMiddleware).
    return request.url.scheme == "https"


def _client(request: Request) -> str:
    """Who sent the request, as the limits on wrong codes count them: the address, or for
    IPv6 its /64 (one home or school network has a whole /64 to pick addresses from)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def game_mark(game: Game | None) -> str:
    """Which moment of which game a page was made for: the number of choices and a digest
    of them (so a tab left behind an undo and another choice is told from this one); ""
    for no game. The forms carry it (`step`, `game`) and a form of another moment is not
    taken."""
    if game is None:
        return ""
    steps = game.record.steps
    path = "\n".join(f"{step.scene}\t{step.choice}" for step in steps)
    digest = hashlib.sha256(f"{game.record.start}\n{path}".encode()).hexdigest()[:10]
    return f"{len(steps)}-{digest}"


def teacher_code() -> str:
    """A new teacher's code: twelve letters and digits (KQ7-X4T-M2R-9TZ), twice a
    student's, since it opens the whole class."""
    return f"{new_code()}-{new_code()}"


def show_code(key: str) -> str:
    return f"{key[:3]}-{key[3:]}" if len(key) == CODE_LENGTH else key


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return clean_text(value[: limit * 2], limit)


def _lines(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return clean_lines(value[:ANSWER_LIMIT])


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def build_app(config: WebConfig) -> Starlette:
    """The ASGI app for one class (the story, the store, the assignment)."""
    web = WebGame(config)
    story = web.story

    # ------------------------------------------------------------ the start

    def start_page(request: Request, error: str | None = None, **extra: Any) -> Response:
        with web.visiting(request, acting=False) as visit:
            player = _player(visit)
            extra.setdefault("notice", visit.notice if visit is not None else None)
            return web.render(request, "start.html", player=player, error=error, **extra)

    async def home(request: Request) -> Response:
        return start_page(request)

    async def start(request: Request) -> Response:
        """The name prompt (an assignment) or a new game (free play)."""
        form = await web.form(request)
        if config.assignment is None:
            return await new_game(request, form)
        name = clean_name(_text(form, "name", NAME_LIMIT))
        if not name:
            return start_page(request, "Type your name first.", status_name="")
        made: PlayerRow | None = None
        with web.store.transaction() as tx:  # the pages are drawn after it (start_page opens one)
            known = tx.player_by_name(web.klass, student_key(name)) is not None
            if not known:
                try:
                    made = web.new_player(tx, name)
                except NameTaken:
                    made = None
        if known:
            return start_page(
                request,
                f"Someone has already played as {name}. If it was you, type your code "
                "below with your name; if not, add your surname or an initial.",
                resume_name=name,
            )
        if made is None:
            return start_page(request, f"Someone has just signed in as {name}; try again.")
        row = made
        response = web.render(
            request,
            "code.html",
            code=show_code(row.code_key),
            player=_row_player(row),
            csrf=web.signer.csrf(row.id),  # the page's forms are the new player's
        )
        web.sign_in_as(request, response, row)
        return response

    async def resume(request: Request) -> Response:
        """A personal code (and in an assignment, the name) brings a game to this browser."""
        form = await web.form(request)
        code = _code_key(_text(form, "code", 20))
        name = clean_name(_text(form, "name", NAME_LIMIT)) if config.assignment else ""
        with web.store.transaction() as tx:
            # (the pages are drawn after the block: start_page opens a transaction of its own)
            name_key = student_key(name) if name else None
            blocked = web.too_many_attempts(tx, request, name_key)
            row = None
            if not blocked and len(code) == CODE_LENGTH:
                row = tx.player_by_code(web.klass, code)
            if row is not None and config.assignment is not None:
                if not (row.name_key and same(row.name_key, student_key(name))):
                    row = None
            if row is None and not blocked:
                web.note_wrong_code(tx, request, name_key)
        if blocked:
            return start_page(
                request,
                f"Too many wrong codes from this computer or for this name: wait "
                f"{ATTEMPT_MINUTES} minutes, or ask your teacher.",
                resume_name=name,
            )
        if row is None:
            return start_page(
                request,
                "That code does not match"
                + (" that name" if config.assignment else " any game")
                + ". Check it on the paper you wrote it on"
                + (", or ask your teacher." if config.assignment else "."),
                resume_name=name,
            )
        response = _see("/play")
        web.sign_in_as(request, response, row)
        return response

    async def sign_out(request: Request) -> Response:
        await web.form(request)
        response = _see("/")
        response.delete_cookie(web.cookies.player, path="/")
        return response

    async def new_game(request: Request, form: FormData | None = None) -> Response:
        form = form if form is not None else await web.form(request)
        viewpoint = form.get("viewpoint")
        if not isinstance(viewpoint, str) or viewpoint not in story.viewpoints:
            viewpoint = None
        confirmed = form.get("confirm") == "yes"
        pid = web.player_id(request)
        created: PlayerRow | None = None
        if pid is None or config.assignment is None and not _exists(web, pid):
            if config.assignment is not None:
                return _see("/")
            with web.store.transaction() as tx:
                created = web.new_player(tx, None)
            pid = created.id
        with web.store.transaction() as tx:
            row = tx.player(pid, lock=True)
            if row is None or row.klass != web.klass:
                return _see("/")
            visit = Visit(story, tx, row, config.assignment, records=config.records)
            visit.resume()
            made_for = form.get("game")
            if isinstance(made_for, str) and made_for != game_mark(visit.play.game):
                # A page of another game than this one (a tab left at an ending, say): it
                # cannot confirm replacing a game it never showed.
                confirmed = False
            if visit.play.in_progress and not confirmed:
                page = pages.scene_page(visit.play)
                return web.render(
                    request, "confirm_new.html", page=page, viewpoint=viewpoint or "",
                    player=_player(visit),
                )
            try:
                visit.play.new_game(viewpoint)
            except Locked as exc:
                visit.finish()
                response: Response = web.render(
                    request, "start.html", error=str(exc), player=_player(visit)
                )
                return response
            visit.play.changed()  # the new game is the one the next page shows
            visit.finish()
        response = _see("/play")
        if created is not None:
            web.sign_in_as(request, response, created)
        return response

    # ------------------------------------------------------------ play

    def scene_response(request: Request, visit: Visit, **extra: Any) -> Response:
        page = pages.scene_page(visit.play)
        classroom = visit.classroom
        pending = classroom.pending_questions() if classroom else []
        return web.render(
            request,
            "scene.html",
            page=page,
            player=_player(visit),
            pending=pending,
            mark=game_mark(visit.play.game),
            # Questions to think about, of the chapters the assignment asks no answers for.
            thinking=[
                due
                for due in page.frame.reflection
                if classroom is None or not classroom.assignment.wants_reflection(due.chapter.id)
            ],
            needs_why=classroom.needs_why() if classroom else False,
            min_words=classroom.assignment.min_words if classroom else 0,
            may_undo=visit.play.game is not None
            and visit.play.game.can_undo
            and not visit.play.rules.assessed,
            handed_in=classroom.handed_in_at if classroom else "",
            handed_in_already=classroom.handed_in_already if classroom else False,
            notice=" ".join(filter(None, [visit.notice, visit.play.take_problem()])) or None,
            **extra,
        )

    async def play(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            if visit is None or visit.play.game is None:
                if visit is not None and visit.notice:  # an unreadable autosave, set aside
                    return web.render(
                        request, "start.html", player=_player(visit), notice=visit.notice
                    )
                return _see("/")
            return scene_response(request, visit)

    async def choose(request: Request) -> Response:
        form = await web.form(request)
        choice = form.get("choice")
        why = _text(form, "why", 2000) or None
        with web.visiting(request) as visit:
            if visit is None or visit.play.game is None:
                return _see("/")
            game = visit.play.game
            if out_of_date(form, visit):
                return scene_response(request, visit, error=OUT_OF_DATE)
            if not isinstance(choice, str) or game.scene.choice(choice) is None:
                return scene_response(request, visit, error="That choice is not in this scene.")
            if visit.classroom is not None and visit.classroom.pending_questions():
                return scene_response(request, visit, error="Answer the questions first.")
            try:
                if visit.classroom is not None:
                    # A reason is kept only where the assignment asks for one.
                    visit.classroom.choose(choice, why if visit.classroom.needs_why() else None)
                else:
                    visit.play.choose(choice)
            except ChoiceUnavailable as exc:
                return scene_response(
                    request, visit, error=_sentence(str(exc)),
                    why=why or "",
                )
            hand_in_if_done(visit)
            _hold_for_a_test()
            if request.headers.get("x-requested-with") == "fetch":
                # game.js swaps the page in place: the next scene now, in this same
                # transaction, rather than a redirect that replays the game once more.
                return scene_response(request, visit)
        return _see("/play")

    def out_of_date(form: FormData, visit: Visit) -> bool:
        """Whether the form was made for another moment of the game than the one it is at
        (a form sent twice, or from a tab left behind, before an undo too): it must not act
        on this one. A form without its mark (a page of an older version) is taken."""
        step = form.get("step")
        game = visit.play.game
        return isinstance(step, str) and game is not None and step != game_mark(game)

    def hand_in_if_done(visit: Visit) -> None:
        """At an ending, with nothing left to answer, the record is handed in (once)."""
        classroom = visit.classroom
        game = visit.play.game
        if (
            classroom is not None
            and game is not None
            and game.ended
            and not classroom.pending_questions()
            and not classroom.handed_in_already
        ):
            classroom.hand_in()

    async def answer(request: Request) -> Response:
        form = await web.form(request)
        with web.visiting(request) as visit:
            if visit is None or visit.classroom is None or visit.play.game is None:
                return _see("/")
            classroom = visit.classroom
            if out_of_date(form, visit):
                return scene_response(request, visit, error=OUT_OF_DATE)
            pending = classroom.pending_questions()
            given = {}
            for number, (_chapter, _question) in enumerate(pending, 1):
                text = _lines(form, f"answer-{number}")
                problem = classroom.answer_problem(text)
                if problem is not None:
                    return scene_response(
                        request,
                        visit,
                        error=f"Question {number}: {problem}",
                        answers={f"answer-{n}": _lines(form, f"answer-{n}") for n in range(1, len(pending) + 1)},
                    )
                given[number] = text
            for number, (chapter, question) in enumerate(pending, 1):
                classroom.answer(chapter, question, given[number])
            hand_in_if_done(visit)
        return _see("/play")

    async def undo(request: Request) -> Response:
        form = await web.form(request)
        with web.visiting(request) as visit:
            if visit is None or visit.play.game is None:
                return _see("/")
            if out_of_date(form, visit):
                return scene_response(request, visit, error=OUT_OF_DATE)
            if not visit.play.game.can_undo:
                return scene_response(request, visit, error="There is no choice to take back.")
            try:
                visit.play.undo()
            except Locked as exc:
                return scene_response(request, visit, error=str(exc))
        return _see("/play?undone=1")

    async def hand_in(request: Request) -> Response:
        await web.form(request)
        with web.visiting(request) as visit:
            if visit is None or visit.classroom is None or visit.play.game is None:
                return _see("/")
            if visit.classroom.pending_questions():
                return scene_response(request, visit, error="Answer the questions first.")
            if not visit.classroom.handed_in_already:
                visit.classroom.hand_in()
        return _see("/play?handed=1")

    # ------------------------------------------------------------ saves and settings

    def saves_response(request: Request, visit: Visit, **extra: Any) -> Response:
        return web.render(
            request,
            "saves.html",
            player=_player(visit),
            rows=pages.saves_rows(visit.play.saves()),
            has_game=visit.play.game is not None,
            assessed=visit.play.rules.assessed,
            **extra,
        )

    async def saves_page(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            if visit is None:
                return _see("/")
            return saves_response(
                request, visit, notice="Saved." if request.query_params.get("saved") else None
            )

    async def save(request: Request) -> Response:
        form = await web.form(request)
        slot = form.get("slot")
        with web.visiting(request) as visit:
            if visit is None or visit.play.game is None:
                return _see("/")
            if slot not in SLOTS:
                raise HTTPException(400, "There is no such slot; the slots are 1 to 9.")
            visit.play.save(str(slot))
        return _see("/saves?saved=1")

    async def load(request: Request) -> Response:
        form = await web.form(request)
        slot = form.get("slot")
        with web.visiting(request) as visit:
            if visit is None:
                return _see("/")
            if slot not in (AUTO, *SLOTS):
                raise HTTPException(400, "There is no such slot; the slots are 1 to 9.")
            try:
                loaded = visit.play.load(str(slot))
            except (SaveError, Locked) as exc:  # Locked: loading is off in an assessment
                return saves_response(request, visit, error=str(exc))
            visit.play.changed()
            if loaded.notice:  # the story changed since: said now, on the scene it led to
                visit.notice = loaded.notice
                return scene_response(request, visit)
        return _see("/play")

    async def settings_page(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            if visit is None:
                return _see("/")
            return web.render(
                request,
                "settings.html",
                player=_player(visit),
                spoilers=visit.profile.settings.spoilers,
                notice="Your settings are kept." if request.query_params.get("kept") else None,
            )

    async def settings(request: Request) -> Response:
        form = await web.form(request)
        spoilers = form.get("spoilers")
        with web.visiting(request) as visit:
            if visit is None:
                return _see("/")
            if spoilers in SPOILER_NAMES:
                visit.profile.settings.spoilers = str(spoilers)
                visit.profile.save_settings()
        return _see("/settings?kept=1")

    # ------------------------------------------------------------ reading

    async def history(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            if visit is None or visit.play.game is None:
                return _see("/")
            rows, said = pages.path_rows(
                visit.play.game, visit.profile.settings.note_timing
            )
            return web.render(
                request, "history.html", player=_player(visit), rows=rows, hidden_notes=said,
                graded=visit.play.game.frame.graded,
            )

    async def codex(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            met = visit.play.met_terms() if visit is not None else set()
            entries = sorted(story.codex.values(), key=lambda e: (e.group, e.name.casefold()))
            groups: dict[str, list[Any]] = {}
            for entry in entries:
                groups.setdefault(entry.group, []).append(entry)
            return web.render(
                request, "codex.html", player=_player(visit), groups=groups, met=met
            )

    async def codex_entry(request: Request) -> Response:
        term = request.path_params["term"]
        entry = story.codex.get(term)
        if entry is None:
            raise HTTPException(404, "There is no such codex entry.")
        with web.visiting(request, acting=False) as visit:
            met = visit.play.met_terms() if visit is not None else set()
            return web.render(
                request,
                "entry.html",
                player=_player(visit),
                entry=entry,
                met=term in met,
                lines=[" ".join(line.split()) for line in entry.text.splitlines() if line.strip()],
            )

    async def endings(request: Request) -> Response:
        with web.visiting(request, acting=False) as visit:
            reached = visit.profile.endings(story.id) if visit is not None else set()
            return web.render(
                request,
                "endings.html",
                player=_player(visit),
                groups=pages.endings_gallery(story, reached),
                reached=len(reached & set(story.endings)),
            )

    async def help_page(request: Request) -> Response:
        return web.render(request, "help.html", player=None)

    # ------------------------------------------------------------ the teacher

    def teacher_ok(request: Request) -> bool:
        held = web.signer.unsign("teacher", request.cookies.get(web.cookies.teacher))
        if held is None:
            return False
        with web.store.transaction() as tx:
            code = web.teacher_now(tx)
        return same(held, web.teacher_pass(code))

    async def teacher(request: Request) -> Response:
        if not teacher_ok(request):
            return web.render(request, "teacher_login.html")
        with web.store.transaction() as tx:
            players = tx.players(web.klass)
            handins = tx.handin_list(web.klass)
        return web.render(
            request, "teacher_live.html", players=_live(players), handins=handins,
            generated=now(),
        )

    async def teacher_login(request: Request) -> Response:
        form = await web.form(request)
        code = _code_key(_text(form, "code", 64))
        with web.store.transaction() as tx:
            current = web.teacher_now(tx)
            if web.teacher_blocked(tx, request):
                return web.render(
                    request,
                    "teacher_login.html",
                    error=f"Too many wrong codes: wait {ATTEMPT_MINUTES} minutes.",
                    status=429,
                )
            ok = same(code, _code_key(current))
            if not ok:
                web.teacher_blocked(tx, request, wrong=True)
        if not ok:
            return web.render(
                request,
                "teacher_login.html",
                error="That is not the teacher's code (it was printed when the server started).",
                status=403,
            )
        response = _see("/teacher")
        web.set_cookie(
            request,
            response,
            web.cookies.teacher,
            web.signer.sign("teacher", web.teacher_pass(current)),
        )
        return response

    async def teacher_handin(request: Request) -> Response:
        if not teacher_ok(request):
            return _see("/teacher")
        number, kind = request.path_params["number"], request.path_params["kind"]
        if not 0 < number < 2**62:
            raise HTTPException(404, "There is no such hand-in.")
        with web.store.transaction() as tx:
            row = tx.handin(number)
        if row is None or row.klass != web.klass:
            raise HTTPException(404, "There is no such hand-in.")
        media = {
            "json": "application/json",
            "md": "text/markdown; charset=utf-8",
            # The transcript is a whole page of its own, escaped as it was written; it is
            # sent as a download so that it never runs as this site's page.
            "html": "text/html; charset=utf-8",
        }
        if kind in media:
            body = {"json": row.json, "md": row.md, "html": row.html}[kind]
            return Response(
                body,
                media_type=media[kind],
                headers={
                    "content-disposition": attachment(f"{row.stem}.{kind}"),
                    "cache-control": "no-store",  # a school's shared computers keep nothing
                },
            )
        raise HTTPException(404, "There is no such file.")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    # ------------------------------------------------------------ errors

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return web.render(
            request, "error.html", status=exc.status_code, message=exc.detail,
        )

    async def store_error(request: Request, exc: Exception) -> Response:
        # The database went away (a restart, the network): nothing was half-written (the
        # transaction was rolled back); the player tries again.
        return web.render(
            request,
            "error.html",
            status=503,
            message="The game's database cannot be reached just now, so nothing was changed. "
            "Wait a moment, then reload the page.",
        )

    routes = [
        Route("/", home),
        Route("/start", start, methods=["POST"]),
        Route("/resume", resume, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/new", new_game, methods=["POST"]),
        Route("/play", play),
        Route("/choose", choose, methods=["POST"]),
        Route("/answer", answer, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/handin", hand_in, methods=["POST"]),
        Route("/saves", saves_page),
        Route("/save", save, methods=["POST"]),
        Route("/load", load, methods=["POST"]),
        Route("/settings", settings_page),
        Route("/settings", settings, methods=["POST"]),
        Route("/history", history),
        Route("/codex", codex),
        Route("/codex/{term}", codex_entry),
        Route("/endings", endings),
        Route("/help", help_page),
        Route("/teacher", teacher),
        Route("/teacher", teacher_login, methods=["POST"]),
        Route("/teacher/handin/{number:int}.{kind}", teacher_handin),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes, exception_handlers={HTTPException: http_error, StoreError: store_error}
    )
    app.state.web = web
    app.add_middleware(Guard)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=config.trusted_proxies)
    return app


def _exists(web: WebGame, pid: str) -> bool:
    with web.store.transaction() as tx:
        row = tx.player(pid)
    return row is not None and row.klass == web.klass


def _row_player(row: PlayerRow) -> dict[str, Any]:
    return {"name": row.name, "code": show_code(row.code_key), "game": None}


def _player(visit: Visit | None) -> dict[str, Any] | None:
    """What the pages say of the browser's player (None: nobody yet)."""
    if visit is None:
        return None
    game = visit.play.game
    return {
        "name": visit.row.name,
        "code": show_code(visit.row.code_key),
        "game": game.frame if game is not None else None,
        "in_progress": visit.play.in_progress,
        "may_start_over": visit.play.may_start_over(),
        "assessed": visit.play.rules.assessed,
        "mark": game_mark(game),
    }


def _live(players: list[PlayerRow]) -> list[dict[str, Any]]:
    out = []
    for row in players:
        minutes = _minutes(row.created_at, row.seen_at)
        out.append(
            {
                "name": row.name or "(free play)",
                "place": row.place or "not started",
                "steps": row.steps,
                "ended": row.ended,
                "minutes": minutes,
                "seen": row.seen_at.replace("T", " ")[:16],
                "handins": row.handins,
                "code": show_code(row.code_key),
            }
        )
    return out


def _minutes(start: str, end: str) -> int:
    from game.engine.record import read_time

    a, b = read_time(start), read_time(end)
    if a is None or b is None:
        return 0
    return max(0, int((b - a).total_seconds() // 60))


#: For the test that kills the server in the middle of a choice (tests/web/test_processes.py):
#: when set, a choice stops before it is committed, says so by writing this file, and waits
#: there to be killed. Never set in use.
HOLD_VARIABLE = "PETROGRAD_WEB_TEST_HOLD"


def _hold_for_a_test() -> None:
    marker = os.environ.get(HOLD_VARIABLE)
    if not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:  # until the test's SIGKILL
        time.sleep(3600)


def attachment(name: str) -> str:
    """A Content-Disposition for a download named `name` (any script: an ASCII name for old
    browsers, the real one in RFC 6266's filename*)."""
    plain = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
