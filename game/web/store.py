"""The web game's database behind a small interface: SQLite (the default, a file in the data
folder) or PostgreSQL (by URL, shared by several app processes).

`open_store(where, data_dir)` gives a `Store`; `with store.transaction() as tx:` gives a `Tx`
whose methods read and write players, saves, hand-ins and failed code attempts. A block
that ends commits; one that raises rolls back, so a process killed at any point leaves the
previous commit whole. Both backends run the same SQL (written with `?` placeholders, which
are translated for psycopg) and behave alike; anything a database refuses becomes a
`StoreError` whose message says what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    import sqlite3

#: The schema this code makes and understands (kept in meta under "schema").
SCHEMA_VERSION = 1

#: A constant key for pg_advisory_xact_lock while the schema is made ("PETROG" in ASCII).
_SCHEMA_LOCK = 0x504554524F47

_SERIAL = "{serial}"  # an auto-numbered primary key, spelled per backend

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS players (
        id TEXT PRIMARY KEY,
        klass TEXT NOT NULL,
        name TEXT,
        name_key TEXT,
        code_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        scene TEXT NOT NULL DEFAULT '',
        place TEXT NOT NULL DEFAULT '',
        steps INTEGER NOT NULL DEFAULT 0,
        ended INTEGER NOT NULL DEFAULT 0,
        handins INTEGER NOT NULL DEFAULT 0,
        profile TEXT NOT NULL DEFAULT '{}',
        settings TEXT NOT NULL DEFAULT '{}',
        version INTEGER NOT NULL DEFAULT 0,
        UNIQUE (klass, name_key)
    )""",
    """CREATE TABLE IF NOT EXISTS saves (
        player TEXT NOT NULL REFERENCES players (id),
        slot TEXT NOT NULL,
        data TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (player, slot)
    )""",
    f"""CREATE TABLE IF NOT EXISTS set_aside (
        id {_SERIAL},
        player TEXT NOT NULL REFERENCES players (id),
        slot TEXT NOT NULL,
        data TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        set_aside_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS set_aside_player ON set_aside (player, slot)",
    f"""CREATE TABLE IF NOT EXISTS handins (
        id {_SERIAL},
        player TEXT NOT NULL REFERENCES players (id),
        klass TEXT NOT NULL,
        student TEXT NOT NULL,
        stem TEXT NOT NULL,
        at TEXT NOT NULL,
        json TEXT NOT NULL,
        md TEXT NOT NULL,
        html TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS handins_klass ON handins (klass)",
    f"""CREATE TABLE IF NOT EXISTS attempts (
        id {_SERIAL},
        key TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS attempts_key ON attempts (key, at)",
)
_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

_PLAYER_COLUMNS = (
    "id, klass, name, name_key, code_key, created_at, seen_at, scene, place, steps, ended, "
    "handins, profile, settings, version"
)
_HANDIN_COLUMNS = "id, player, klass, student, stem, at, json, md, html"
_SAFE_STEM = re.compile(r"[\w][\w\-]*", re.UNICODE)
_QUERY_PASSWORD = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


class StoreError(Exception):
    """A database that cannot be opened or used; the message says what to do (no traceback)."""


class NameTaken(StoreError):
    """create_player: a player of that name (its name_key) is already in the class."""


class CodeTaken(StoreError):
    """create_player: the personal code is already someone's; make another and try again."""


@dataclass(frozen=True, slots=True)
class PlayerRow:
    """One player: a student of a class (klass, name) or a free-play game (klass "", no name)."""

    id: str
    """Random (secrets.token_urlsafe(18)); what the signed cookie names."""
    klass: str
    """The assignment id, or "" for free play."""
    name: str | None
    """The student's name as typed (cleaned); None in free play."""
    name_key: str | None
    """game.classroom.handin.student_key(name); None in free play."""
    code_key: str
    """The personal code without its dash, upper case ("K7P4QX"); unique in the store."""
    created_at: str
    seen_at: str
    """The last request that changed something."""
    scene: str
    """Where they are (a scene id; "" before a game)."""
    place: str
    """A line for the teacher: "Chapter 3: ... — Scene title"."""
    steps: int
    ended: bool
    handins: int
    """How many hand-ins."""
    profile: str
    """JSON text of what the player has seen (the Profile's stories), "{}" at first."""
    settings: str
    """JSON text of game.profile.Settings (asdict), "{}" at first."""
    version: int
    """Bumped by every update_player."""


@dataclass(frozen=True, slots=True)
class HandinRow:
    """One hand-in: the sealed record and its two transcripts."""

    id: int
    player: str
    klass: str
    student: str
    stem: str
    """The file stem, as game.classroom.handin.handin_stem makes it."""
    at: str
    json: str
    """The sealed record (game.classroom.handin.seal), JSON text."""
    md: str
    html: str


class _Cursor(Protocol):
    """What both drivers' cursors give (sqlite3.Cursor, psycopg.Cursor)."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


_Run = Callable[[str, Sequence[object]], _Cursor]


def _player(row: Sequence[Any]) -> PlayerRow:
    return PlayerRow(
        id=str(row[0]),
        klass=str(row[1]),
        name=None if row[2] is None else str(row[2]),
        name_key=None if row[3] is None else str(row[3]),
        code_key=str(row[4]),
        created_at=str(row[5]),
        seen_at=str(row[6]),
        scene=str(row[7]),
        place=str(row[8]),
        steps=int(row[9]),
        ended=bool(row[10]),
        handins=int(row[11]),
        profile=str(row[12]),
        settings=str(row[13]),
        version=int(row[14]),
    )


def _handin(row: Sequence[Any]) -> HandinRow:
    return HandinRow(
        id=int(row[0]),
        player=str(row[1]),
        klass=str(row[2]),
        student=str(row[3]),
        stem=str(row[4]),
        at=str(row[5]),
        json=str(row[6]),
        md=str(row[7]),
        html=str(row[8]),
    )


def _by_name(row: PlayerRow) -> tuple[str, str, str, str]:
    # Sorted here, not by ORDER BY: the two databases collate text differently.
    return (row.name_key or "", row.name or "", row.created_at, row.id)


class Tx:
    """One transaction's reads and writes (from `Store.transaction()`; valid inside its block)."""

    def __init__(
        self,
        run: _Run,
        *,
        integrity: tuple[type[BaseException], ...],
        for_update: str,
    ) -> None:
        self._run_sql = run
        self._integrity = integrity
        self._for_update = for_update
        self._open = True

    def _run(self, sql: str, params: Sequence[object] = ()) -> _Cursor:
        if not self._open:
            raise StoreError("a transaction was used after its block ended (a bug in the caller)")
        for value in params:
            if isinstance(value, str) and "\x00" in value:
                raise StoreError("a text with a NUL character cannot be stored; clean it first")
        return self._run_sql(sql, params)

    def _close(self) -> None:
        self._open = False

    # ------------------------------------------------------------------ players

    def create_player(
        self, *, klass: str, name: str | None, name_key: str | None, code_key: str, now: str
    ) -> PlayerRow:
        """A new player. Raises NameTaken when (klass, name_key) is someone's already and
        CodeTaken when code_key is (make another code and try again); the transaction
        stays usable after either."""
        player_id = secrets.token_urlsafe(18)
        self._run("SAVEPOINT create_player")
        try:
            self._run(
                "INSERT INTO players (id, klass, name, name_key, code_key, created_at, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (player_id, klass, name, name_key, code_key, now, now),
            )
        except self._integrity:
            self._run("ROLLBACK TO SAVEPOINT create_player")
            self._run("RELEASE SAVEPOINT create_player")
            if name_key is not None and self.player_by_name(klass, name_key) is not None:
                raise NameTaken("a player of that name is already in this class") from None
            if self._run("SELECT 1 FROM players WHERE code_key = ?", (code_key,)).fetchone():
                raise CodeTaken("that personal code is already taken; make another") from None
            raise
        self._run("RELEASE SAVEPOINT create_player")
        row = self.player(player_id)
        assert row is not None
        return row

    def player(self, player_id: str, *, lock: bool = False) -> PlayerRow | None:
        """The player, or None. With lock, other transactions wait to change or lock it
        until this one ends (PostgreSQL: FOR UPDATE; SQLite locks the whole file anyway)."""
        sql = f"SELECT {_PLAYER_COLUMNS} FROM players WHERE id = ?"
        if lock:
            sql += self._for_update
        row = self._run(sql, (player_id,)).fetchone()
        return None if row is None else _player(row)

    def player_by_code(self, klass: str, code_key: str) -> PlayerRow | None:
        row = self._run(
            f"SELECT {_PLAYER_COLUMNS} FROM players WHERE klass = ? AND code_key = ?",
            (klass, code_key),
        ).fetchone()
        return None if row is None else _player(row)

    def player_by_name(self, klass: str, name_key: str) -> PlayerRow | None:
        row = self._run(
            f"SELECT {_PLAYER_COLUMNS} FROM players WHERE klass = ? AND name_key = ?",
            (klass, name_key),
        ).fetchone()
        return None if row is None else _player(row)

    def update_player(
        self,
        player_id: str,
        *,
        seen_at: str,
        scene: str | None = None,
        place: str | None = None,
        steps: int | None = None,
        ended: bool | None = None,
        profile: str | None = None,
        settings: str | None = None,
    ) -> None:
        """Change the fields given (and seen_at); version goes up by one."""
        fields: list[tuple[str, object]] = [("seen_at", seen_at)]
        for column, value in (
            ("scene", scene),
            ("place", place),
            ("steps", steps),
            ("ended", None if ended is None else int(ended)),
            ("profile", profile),
            ("settings", settings),
        ):
            if value is not None:
                fields.append((column, value))
        assignments = ", ".join(f"{column} = ?" for column, _ in fields)
        self._run(
            f"UPDATE players SET {assignments}, version = version + 1 WHERE id = ?",
            (*(value for _, value in fields), player_id),
        )

    def players(self, klass: str) -> list[PlayerRow]:
        """The class's players, by name (for the teacher's page)."""
        rows = self._run(
            f"SELECT {_PLAYER_COLUMNS} FROM players WHERE klass = ?", (klass,)
        ).fetchall()
        return sorted((_player(row) for row in rows), key=_by_name)

    # ------------------------------------------------------------------ saves

    def save_get(self, player_id: str, slot: str) -> str | None:
        """The save file's JSON text, or None when the slot is empty."""
        row = self._run(
            "SELECT data FROM saves WHERE player = ? AND slot = ?", (player_id, slot)
        ).fetchone()
        return None if row is None else str(row[0])

    def save_put(self, player_id: str, slot: str, data: str, saved_at: str) -> None:
        """Write the slot (replacing what it held)."""
        self._run(
            "INSERT INTO saves (player, slot, data, saved_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (player, slot) DO UPDATE SET data = excluded.data, "
            "saved_at = excluded.saved_at",
            (player_id, slot, data, saved_at),
        )

    def save_slots(self, player_id: str) -> dict[str, str]:
        """Every slot the player holds: slot -> JSON text, by slot name."""
        rows = self._run("SELECT slot, data FROM saves WHERE player = ?", (player_id,)).fetchall()
        return {str(slot): str(data) for slot, data in sorted(rows, key=lambda r: str(r[0]))}

    def save_set_aside(self, player_id: str, slot: str, now: str) -> str | None:
        """Move the slot's text to the set-aside table (kept, never lost); the slot is then
        empty. Returns a label ("autosave set aside 2026-12-01T19:53:04Z"), None when the
        slot was empty."""
        row = self._run(
            "SELECT data, saved_at FROM saves WHERE player = ? AND slot = ?", (player_id, slot)
        ).fetchone()
        if row is None:
            return None
        self._run(
            "INSERT INTO set_aside (player, slot, data, saved_at, set_aside_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (player_id, slot, str(row[0]), str(row[1]), now),
        )
        self._run("DELETE FROM saves WHERE player = ? AND slot = ?", (player_id, slot))
        return f"{slot} set aside {now}"

    def set_aside_count(self, player_id: str, slot: str) -> int:
        row = self._run(
            "SELECT COUNT(*) FROM set_aside WHERE player = ? AND slot = ?", (player_id, slot)
        ).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ hand-ins

    def add_handin(
        self,
        *,
        player: str,
        klass: str,
        student: str,
        stem: str,
        at: str,
        json: str,
        md: str,
        html: str,
    ) -> int:
        """Keep a hand-in (and count it on the player); returns its id."""
        row = self._run(
            "INSERT INTO handins (player, klass, student, stem, at, json, md, html) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (player, klass, student, stem, at, json, md, html),
        ).fetchone()
        self._run("UPDATE players SET handins = handins + 1 WHERE id = ?", (player,))
        return int(row[0])

    def handins(self, klass: str | None = None) -> list[HandinRow]:
        """The class's hand-ins (every one with None), oldest first."""
        if klass is None:
            rows = self._run(f"SELECT {_HANDIN_COLUMNS} FROM handins ORDER BY id").fetchall()
        else:
            rows = self._run(
                f"SELECT {_HANDIN_COLUMNS} FROM handins WHERE klass = ? ORDER BY id", (klass,)
            ).fetchall()
        return [_handin(row) for row in rows]

    def handin_list(self, klass: str) -> list[HandinRow]:
        """The class's hand-ins, oldest first, without their texts (json, md and html are
        ""): for a page that lists them, so it never reads every record whole."""
        rows = self._run(
            "SELECT id, player, klass, student, stem, at, '', '', '' FROM handins "
            "WHERE klass = ? ORDER BY id",
            (klass,),
        ).fetchall()
        return [_handin(row) for row in rows]

    def handin(self, handin_id: int) -> HandinRow | None:
        row = self._run(
            f"SELECT {_HANDIN_COLUMNS} FROM handins WHERE id = ?", (handin_id,)
        ).fetchone()
        return None if row is None else _handin(row)

    def stems(self, klass: str) -> set[str]:
        """The file stems the class's hand-ins use already."""
        rows = self._run("SELECT stem FROM handins WHERE klass = ?", (klass,)).fetchall()
        return {str(row[0]) for row in rows}

    # ------------------------------------------------------------------ rate limits

    def meta_get(self, key: str) -> str | None:
        """The value kept under key (see Store.meta), or None."""
        row = self._run("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta_put(self, key: str, value: str) -> None:
        """Keep value under key, replacing what was there (the teacher's new code)."""
        self._run(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def note_attempt(self, key: str, now: str) -> None:
        """A failed code attempt under key (for the rate limit). Attempts over a day old are
        dropped as it is noted, so the table stays small."""
        self._run("INSERT INTO attempts (key, at) VALUES (?, ?)", (key, now))
        try:
            moment = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            return
        day_before = (moment - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
        self._run("DELETE FROM attempts WHERE at < ?", (day_before,))

    def attempts_since(self, key: str, since: str) -> int:
        """How many attempts under key at or after since (ISO UTC strings sort as times)."""
        row = self._run(
            "SELECT COUNT(*) FROM attempts WHERE key = ? AND at >= ?", (key, since)
        ).fetchone()
        return int(row[0])


class Store:
    """A database of players, saves and hand-ins; SqliteStore and PostgresStore implement it.

    One connection per thread. `transaction()` is not re-entrant: one at a time per thread."""

    url: str
    """What it was opened with, passwords masked (for messages)."""

    _serial = ""
    _for_update = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[tuple[threading.Thread, Any]] = []  # every open connection, by thread

    def _keep(self, conn: Any) -> None:
        """Note this thread's new connection; close those of threads that have ended."""
        with self._lock:
            ended = [c for thread, c in self._all if not thread.is_alive()]
            self._all = [(t, c) for t, c in self._all if t.is_alive()]
            self._all.append((threading.current_thread(), conn))
        for old in ended:
            with contextlib.suppress(Exception):
                old.close()

    def _drop(self, conn: Any) -> None:
        with self._lock:
            self._all = [(t, c) for t, c in self._all if c is not conn]
        with contextlib.suppress(Exception):
            conn.close()

    def close(self) -> None:
        """Close every connection this store opened (it may be used again: new ones open)."""
        with self._lock:
            conns, self._all = [c for _, c in self._all], []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    # What a backend gives.
    def _begin(self) -> _Run:
        """Start a transaction on this thread's connection; the function runs SQL in it."""
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exceptions (turned into StoreError)."""
        raise NotImplementedError

    def _integrity(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def _explain(self, exc: BaseException) -> str:
        return f"{self.url}: the database refused: {_first_line(exc)}"

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        return self._transaction()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Tx]:
        if getattr(self._local, "busy", False):
            raise StoreError("a transaction was started inside another (a bug in the caller)")
        self._local.busy = True
        try:
            errors = self._errors()
            try:
                run = self._begin()
            except errors as exc:
                raise StoreError(self._explain(exc)) from None
            tx = Tx(run, integrity=self._integrity(), for_update=self._for_update)
            try:
                yield tx
                tx._close()
                self._commit()
            except BaseException as exc:
                tx._close()
                with contextlib.suppress(*errors):
                    self._rollback()
                if isinstance(exc, errors):
                    raise StoreError(self._explain(exc)) from None
                raise
        finally:
            self._local.busy = False

    def meta(self, key: str, make: Callable[[], str]) -> str:
        """The value kept under key, made once by make() if absent (race-safe across
        processes: every process gets the value the first to write it wrote). make() runs
        outside any transaction."""
        with self.transaction() as tx:
            row = tx._run("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return str(row[0])
        value = make()
        with self.transaction() as tx:
            tx._run(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
            row = tx._run("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def _make_schema(self, run: _Run) -> None:
        """Make the tables (in the caller's transaction); StoreError for a newer schema."""
        run(_META, ())
        run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            ("schema", str(SCHEMA_VERSION)))  # fmt: skip
        row = run("SELECT value FROM meta WHERE key = ?", ("schema",)).fetchone()
        known = str(row[0]) if row is not None else "?"
        if not (known.isascii() and known.isdigit()):
            raise StoreError(
                f"{self.url}: this database is not one the game made (schema {known!r}); "
                "give another database"
            )
        if int(known) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url}: this database was made by a newer version of the game "
                f"(schema {known}, this version knows {SCHEMA_VERSION}); update the game "
                "or give another database"
            )
        for statement in _SCHEMA:
            run(statement.replace(_SERIAL, self._serial), ())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------------- SQLite


class SqliteStore(Store):
    """A SQLite file: WAL, synchronous=FULL, BEGIN IMMEDIATE for every transaction (one
    writer at a time, waiting up to busy_timeout seconds), foreign keys on."""

    _serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = str(self.path)
        self._timeout = busy_timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{self.path.parent}: cannot make the folder for the database "
                f"({exc.strerror or exc}); give a --db path in a folder you may write to"
            ) from None
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder; give the path of a database file")
        try:
            with self._transaction_raw() as run:
                self._make_schema(run)
        except StoreError:
            self.close()
            raise

    @contextlib.contextmanager
    def _transaction_raw(self) -> Iterator[_Run]:
        """A transaction outside the Tx machinery (schema creation); errors explained."""
        import sqlite3

        try:
            run = self._begin()
            try:
                yield run
                self._commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._rollback()
                raise
        except sqlite3.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def _connection(self) -> sqlite3.Connection:
        import sqlite3

        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        # check_same_thread=False only so that close() may close every thread's connection;
        # each connection is used by its own thread alone.
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            conn.close()
            raise
        self._local.conn = conn
        self._local.pid = os.getpid()
        self._keep(conn)
        return conn

    def _begin(self) -> _Run:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        return conn.execute

    def _commit(self) -> None:
        self._connection().execute("COMMIT")

    def _rollback(self) -> None:
        conn = self._connection()
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def _errors(self) -> tuple[type[BaseException], ...]:
        import sqlite3

        return (sqlite3.Error,)

    def _integrity(self) -> tuple[type[BaseException], ...]:
        import sqlite3

        return (sqlite3.IntegrityError,)

    def _explain(self, exc: BaseException) -> str:
        reason = _first_line(exc)
        low = reason.lower()
        if "not a database" in low or "malformed" in low:
            hint = (
                "it is not a database the game can use (damaged, or another kind of file); "
                "give another --db file, or move this one away to start an empty one"
            )
        elif "locked" in low or "busy" in low:
            hint = (
                "another program holds the database locked; close it (or wait for it) and try again"
            )
        elif "readonly" in low or "read-only" in low:
            hint = (
                "the file (or its folder) is read-only; the game must write the file and "
                "its -wal and -shm companions beside it: give a folder you may write to"
            )
        elif "constraint" in low:
            return f"{self.path}: the database refused a change (SQLite said: {reason})"
        elif "unable to open" in low:
            hint = "the file cannot be opened; check the path and that you may write there"
        else:
            hint = "check the file, or give another --db file"
        return f"{self.path}: {hint} (SQLite said: {reason})"


# ---------------------------------------------------------------------- PostgreSQL


def mask_url(url: str) -> str:
    """The URL with its password (if any, in the address or as ?password=) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://..."
    if parts.query:
        parts = parts._replace(query=_QUERY_PASSWORD.sub(r"\1***", parts.query))
    if parts.password is not None:
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    out = urlunsplit(parts)
    scheme = f"{parts.scheme}://"
    if url.startswith(scheme) and not out.startswith(scheme):  # no host: keep the "//"
        out = scheme + out[len(parts.scheme) + 1 :]
    return out


def _passwords(url: str) -> list[str]:
    """The password of a URL, as written and decoded (to keep it out of messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password] if parts.password else []
    found += [m.group(0).split("=", 1)[1] for m in _QUERY_PASSWORD.finditer(parts.query)]
    return [s for p in found if p for s in {p, unquote(p)} if len(s) > 0]


def _host_port(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost (the local socket)"
        port = parts.port or 5432
    except ValueError:
        return "the server in the URL"
    return f"{host}:{port}"


class PostgresStore(Store):
    """A PostgreSQL database (psycopg 3): READ COMMITTED, autocommit off, one connection per
    thread; a connection broken (a server restarted) is replaced at the next transaction."""

    _serial = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    _for_update = " FOR UPDATE"

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        super().__init__()
        self._dsn = url
        self.url = mask_url(url)
        self._timeout = connect_timeout
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise StoreError(
                "PostgreSQL needs the psycopg package: pip install 'psycopg[binary]'"
            ) from None
        self._psycopg = psycopg
        try:
            run = self._begin()
            try:
                run("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
                self._make_schema(run)
                self._commit()
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    self._rollback()
                raise
        except psycopg.Error as exc:
            self.close()
            raise StoreError(self._explain(exc)) from None
        except StoreError:
            self.close()
            raise

    def _explain(self, exc: BaseException) -> str:
        reason = _first_line(exc)
        for secret in _passwords(self._dsn):
            reason = reason.replace(secret, "***")
        if isinstance(exc, self._psycopg.OperationalError):
            return (
                f"{self.url}: cannot use the PostgreSQL server at {_host_port(self._dsn)} "
                f"({reason}); check that the server is running and reachable, the host, port "
                "and database name, and that the user and password are allowed (pg_hba.conf)"
            )
        return f"{self.url}: the database refused: {reason}"

    def _connect(self) -> Any:
        conn = self._psycopg.connect(self._dsn, autocommit=False, connect_timeout=self._timeout)
        self._local.conn = conn
        self._local.pid = os.getpid()
        self._keep(conn)
        return conn

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or getattr(self._local, "pid", None) != os.getpid():
            return self._connect()
        return conn

    def _begin(self) -> _Run:
        psycopg = self._psycopg
        conn = self._connection()
        try:
            cursor = conn.cursor()
            cursor.execute("SELECT 1")  # opens the transaction; finds a broken connection
        except psycopg.OperationalError:
            self._forget(conn)
            conn = self._connect()  # once: a second failure is the caller's StoreError
            cursor = conn.cursor()
            cursor.execute("SELECT 1")

        def run(sql: str, params: Sequence[object]) -> _Cursor:
            return cursor.execute(_to_psycopg(sql), params)  # type: ignore[no-any-return]

        return run

    def _forget(self, conn: Any) -> None:
        self._drop(conn)
        self._local.conn = None

    def _commit(self) -> None:
        self._local.conn.commit()

    def _rollback(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        try:
            conn.rollback()
        except self._psycopg.Error:
            self._forget(conn)
            raise

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (self._psycopg.Error,)

    def _integrity(self) -> tuple[type[BaseException], ...]:
        return (self._psycopg.IntegrityError,)


def _to_psycopg(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (and a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


# ---------------------------------------------------------------------- opening, exporting


def open_store(where: str | None, data_dir: Path, *, create: bool = True) -> Store:
    """The store named by `where` (serve's and report's --db):

    None or "": data_dir / "web.sqlite3" (the folder made if missing); "postgresql://..."
    or "postgres://...": PostgreSQL; "sqlite:///abs/path" or a file path: that SQLite file.
    With create False, a SQLite file that does not exist is a StoreError (for readers such
    as `petrograd report`, where a mistyped path must not make an empty database)."""
    if not where:
        path = Path(data_dir) / "web.sqlite3"
    elif where.startswith(("postgresql://", "postgres://")):
        return PostgresStore(where)
    elif where.startswith("sqlite://"):
        rest = where[len("sqlite://") :]
        if not rest.startswith("/") or rest == "/":
            raise StoreError(
                f"{where}: a sqlite URL names a file by its absolute path: sqlite:///abs/path"
            )
        path = Path(unquote(rest))
    elif "://" in where:
        raise StoreError(
            f"{mask_url(where)}: not a database the game knows; give a file path "
            "or postgresql://user@host:port/db"
        )
    else:
        path = Path(where).expanduser()
    if not create and not path.exists():
        raise StoreError(f"{path}: no such database file; check the path")
    return SqliteStore(path)


def export_records(store: Store, folder: Path, klass: str | None = None) -> list[Path]:
    """Every hand-in (of the class, or all) as STEM.json, STEM.md and STEM.html in folder,
    written atomically. A stem already there with the same JSON is skipped; a different one
    gets -2, -3... Returns the paths written. Raises WriteFailed (an OSError) when the folder
    cannot be written."""
    from game.atomic import write_atomic
    from game.classroom.handin import safe_file_stem

    with store.transaction() as tx:
        rows = tx.handins(klass)
    written: list[Path] = []
    for row in rows:
        base = row.stem if _SAFE_STEM.fullmatch(row.stem) else safe_file_stem(row.stem)
        data = row.json.encode("utf-8")
        stem, n = base, 1
        while True:
            paths = [folder / f"{stem}{ext}" for ext in (".json", ".md", ".html")]
            if paths[0].exists() and _same(paths[0], data):
                break
            if not any(os.path.lexists(path) for path in paths):
                write_atomic(paths[0], data, backup=False)
                write_atomic(paths[1], row.md.encode("utf-8"), backup=False)
                write_atomic(paths[2], row.html.encode("utf-8"), backup=False)
                written.extend(paths)
                break
            n += 1
            stem = f"{base}-{n}"
    return written


def _same(path: Path, data: bytes) -> bool:
    """Whether the file holds this record, however it was laid out (`serve --records`
    writes it indented, the database keeps it compact)."""
    try:
        if not path.is_file():
            return False
        held = path.read_bytes()
        return held == data or json.loads(held) == json.loads(data)
    except (OSError, ValueError):
        return False


def dumps(value: Any) -> str:
    """A JSON document as the store keeps it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
