"""Signed cookies, CSRF tokens and the limits on what a browser may send.

Every process of a class shares one secret (kept in the database), so a cookie
signed by one is good at all of them. A cookie names a browser's visit or its
player; a form's token is bound to that cookie, so a page of another site cannot
post for the player. Nothing here keeps state of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The cookie naming the player (their game); the cookie of a visitor without a game yet;
#: the teacher's (each followed by the class's tag: CookieNames).
PLAYER_COOKIE = "petrograd"
VISIT_COOKIE = "petrograd_visit"
TEACHER_COOKIE = "petrograd_teacher"
#: A request body larger than this is refused (413): the longest answer is 20,000 characters,
#: which a form sends as up to 180 KiB (Cyrillic, percent-encoded).
BODY_LIMIT = 256 * 1024
#: How long the cookies last: a school term.
COOKIE_SECONDS = 120 * 24 * 3600

_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_MAC = re.compile(r"[0-9a-f]{32}")


def same(a: str, b: str) -> bool:
    """Whether two secrets are equal, in constant time (for any text: compare_digest refuses
    a str that is not ASCII)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


class CookieNames:
    """The names of a class's cookies. Cookies ignore ports, so two classes served from one
    host (on ports 8000 and 8001, say) must not share names: each name carries a short hash
    of the class and its database's secret."""

    def __init__(self, secret: str, klass: str) -> None:
        tag = hashlib.sha256(f"{secret}\n{klass}".encode()).hexdigest()[:8]
        self.player = f"{PLAYER_COOKIE}_{tag}"
        self.visit = f"{VISIT_COOKIE}_{tag}"
        self.teacher = f"{TEACHER_COOKIE}_{tag}"


class Signer:
    """Signs and checks the cookies and CSRF tokens with the class's one secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("petrograd-web:" + secret).encode()).digest()

    def _mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def sign(self, purpose: str, value: str) -> str:
        return f"{value}.{self._mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str | None) -> str | None:
        """The value a signed cookie holds, or None when it is absent, malformed or forged."""
        if not signed or len(signed) > 200 or "." not in signed:
            return None
        value, mac = signed.rsplit(".", 1)
        if not _ID.fullmatch(value) or not _MAC.fullmatch(mac):
            return None
        return value if same(mac, self._mac(purpose, value)) else None

    def csrf(self, holder: str) -> str:
        """The token a form of `holder`'s pages carries (the id its cookie names)."""
        return self._mac("csrf", holder)

    def csrf_ok(self, holder: str | None, token: object) -> bool:
        return (
            holder is not None
            and isinstance(token, str)
            and same(token, self.csrf(holder))
        )


def new_id() -> str:
    return secrets.token_urlsafe(18)


#: What every page says of itself: only this site's own scripts, styles and forms; never
#: framed; no referrer sent elsewhere.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class Guard:
    """ASGI middleware: refuses bodies over BODY_LIMIT (413) whether or not they say their
    length, and adds SECURITY_HEADERS to every answer."""

    def __init__(self, app: ASGIApp, limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_long = int(value) > self.limit
                except ValueError:
                    too_long = True
                if too_long:
                    await _too_large(send)
                    return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge
            return message

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, limited, headed)
        except TooLarge:
            if not started:
                await _too_large(send)


class TooLarge(Exception):
    """A body over the limit, found while it was read (Guard answers 413): a route that
    catches the errors of reading a form must let this one through."""


async def _too_large(send: Send) -> None:
    body = b"That was more than this game takes at once. Go back and send less."
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
