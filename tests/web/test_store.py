"""The web game's store (game/web/store.py): every Tx method, transactions, races, damaged
databases, the schema guard, exporting hand-ins, `petrograd report --db`, and SIGKILL in
the middle of writing. Each test runs on SQLite and on PostgreSQL (tests/web/pg.py starts
a throwaway server; the PostgreSQL half skips where none is installed, and fails under CI)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from game.web.store import (
    SCHEMA_VERSION,
    CodeTaken,
    NameTaken,
    PostgresStore,
    SqliteStore,
    StoreError,
    export_records,
    open_store,
)
from tests.conftest import ROOT

T0 = "2026-12-01T19:53:04Z"
T1 = "2026-12-01T19:54:00Z"
T2 = "2026-12-01T19:55:00Z"


def _player(tx, name="Ada Lovelace", klass="class-a", code="K7P4QX", now=T0):
    key = None if name is None else " ".join(name.casefold().split())
    return tx.create_player(klass=klass, name=name, name_key=key, code_key=code, now=now)


def _handin(tx, player, *, klass="class-a", stem="Ada-Lovelace-2026-12-01", data=None, n=0):
    return tx.add_handin(
        player=player,
        klass=klass,
        student="Ada Lovelace",
        stem=stem,
        at=T1,
        json=json.dumps(data if data is not None else {"n": n}),
        md=f"# md {n}\n",
        html=f"<p>html {n}</p>\n",
    )


# ---------------------------------------------------------------- what it opens


def test_each_backend_is_what_it_says(store, store_url):
    kind = PostgresStore if store_url.startswith("postgresql://") else SqliteStore
    assert isinstance(store, kind)


# ---------------------------------------------------------------- players


def test_players_are_made_found_and_listed_by_name(store):
    with store.transaction() as tx:
        ada = _player(tx)
        assert len(ada.id) == 24 and ada.id.replace("-", "").replace("_", "").isalnum()
        assert (ada.klass, ada.name, ada.name_key, ada.code_key) == (
            "class-a",
            "Ada Lovelace",
            "ada lovelace",
            "K7P4QX",
        )
        assert (ada.created_at, ada.seen_at, ada.scene, ada.place) == (T0, T0, "", "")
        assert (ada.steps, ada.ended, ada.handins, ada.version) == (0, False, 0, 0)
        assert (ada.profile, ada.settings) == ("{}", "{}")
        boris = _player(tx, "boris Pasternak", code="B0R1S2")
        _player(tx, "Anna Akhmatova", code="ANNA01")
        _player(tx, "Zed Other", klass="class-b", code="ZED001")
        free1 = _player(tx, None, klass="", code="FREE01")
        free2 = _player(tx, None, klass="", code="FREE02")  # many nameless players: no clash
    with store.transaction() as tx:
        assert tx.player(ada.id) == ada
        assert tx.player(ada.id, lock=True) == ada
        assert tx.player("no-such-player") is None
        assert tx.player_by_code("class-a", "K7P4QX") == ada
        assert tx.player_by_code("class-b", "K7P4QX") is None  # a code is only good in its class
        assert tx.player_by_name("class-a", "boris pasternak") == boris
        assert tx.player_by_name("class-b", "boris pasternak") is None
        assert [p.name for p in tx.players("class-a")] == [
            "Ada Lovelace",
            "Anna Akhmatova",
            "boris Pasternak",
        ]
        assert {p.id for p in tx.players("")} == {free1.id, free2.id}
        assert tx.players("nobody") == []


def test_update_player_changes_only_what_is_given(store):
    with store.transaction() as tx:
        ada = _player(tx)
        tx.update_player(ada.id, seen_at=T1, scene="c1-square", steps=3)
    with store.transaction() as tx:
        row = tx.player(ada.id)
        assert (row.seen_at, row.scene, row.steps, row.version) == (T1, "c1-square", 3, 1)
        assert (row.place, row.ended, row.profile, row.settings) == ("", False, "{}", "{}")
        tx.update_player(
            ada.id,
            seen_at=T2,
            place="Chapter 1 — The square",
            ended=True,
            profile='{"s": 1}',
            settings='{"theme": "dark"}',
        )
        row = tx.player(ada.id)
    assert (row.seen_at, row.scene, row.steps, row.version) == (T2, "c1-square", 3, 2)
    assert (row.place, row.ended, row.profile, row.settings) == (
        "Chapter 1 — The square",
        True,
        '{"s": 1}',
        '{"theme": "dark"}',
    )
    with store.transaction() as tx:
        tx.update_player(row.id, seen_at=T2, ended=False, steps=0, scene="")
        assert tx.player(row.id).ended is False
        assert (tx.player(row.id).steps, tx.player(row.id).scene) == (0, "")


def test_a_taken_name_or_code_is_told_and_the_transaction_goes_on(store):
    with store.transaction() as tx:
        ada = _player(tx)
    with store.transaction() as tx:
        with pytest.raises(NameTaken):
            _player(tx, "ADA  lovelace", code="OTHER1")  # the same name_key
        with pytest.raises(CodeTaken):
            _player(tx, "Someone Else", code="K7P4QX")
        with pytest.raises(CodeTaken):
            _player(tx, "Ada Lovelace", klass="class-b", code="K7P4QX")  # unique store-wide
        other = _player(tx, "Ada Lovelace", klass="class-b", code="OTHER1")  # other class: fine
        tx.update_player(ada.id, seen_at=T1, steps=1)  # the transaction is still usable
    assert issubclass(NameTaken, StoreError) and issubclass(CodeTaken, StoreError)
    with store.transaction() as tx:
        assert tx.player(other.id) is not None
        assert tx.player(ada.id).steps == 1
        assert len(tx.players("class-a")) == 1


# ---------------------------------------------------------------- saves


def test_saves_are_kept_replaced_listed_and_set_aside(store):
    with store.transaction() as tx:
        ada = _player(tx)
        boris = _player(tx, "Boris", code="BORIS1")
        assert tx.save_get(ada.id, "autosave") is None
        assert tx.save_slots(ada.id) == {}
        tx.save_put(ada.id, "autosave", '{"v": 1}', T0)
        tx.save_put(ada.id, "autosave", '{"v": 2}', T1)  # replaces
        tx.save_put(ada.id, "2", '{"slot": 2}', T1)
        tx.save_put(ada.id, "1", '{"slot": 1, "text": "Пётр «ё» 🙂"}', T1)
        tx.save_put(boris.id, "autosave", '{"boris": true}', T1)
    with store.transaction() as tx:
        assert tx.save_get(ada.id, "autosave") == '{"v": 2}'
        assert tx.save_get(ada.id, "1") == '{"slot": 1, "text": "Пётр «ё» 🙂"}'
        slots = tx.save_slots(ada.id)
        assert list(slots) == ["1", "2", "autosave"]
        assert slots["2"] == '{"slot": 2}'
        assert tx.set_aside_count(ada.id, "autosave") == 0
        assert tx.save_set_aside(ada.id, "autosave", T2) == f"autosave set aside {T2}"
        assert tx.save_get(ada.id, "autosave") is None
        assert tx.save_set_aside(ada.id, "autosave", T2) is None  # nothing left to set aside
        tx.save_put(ada.id, "autosave", '{"v": 3}', T2)
        assert tx.save_set_aside(ada.id, "autosave", T2) == f"autosave set aside {T2}"
        assert tx.set_aside_count(ada.id, "autosave") == 2  # both kept
        assert tx.set_aside_count(ada.id, "1") == 0
        assert tx.set_aside_count(boris.id, "autosave") == 0
        assert tx.save_get(boris.id, "autosave") == '{"boris": true}'


# ---------------------------------------------------------------- hand-ins, attempts


def test_handins_are_kept_counted_and_listed_oldest_first(store):
    with store.transaction() as tx:
        ada = _player(tx)
        zed = _player(tx, "Zed", klass="class-b", code="ZED001")
        first = _handin(tx, ada.id, n=1)
        second = _handin(tx, ada.id, stem="Ada-Lovelace-2026-12-01-2", n=2)
        third = _handin(tx, zed.id, klass="class-b", stem="Zed-2026-12-01", n=3)
        assert first < second < third
    with store.transaction() as tx:
        assert tx.player(ada.id).handins == 2
        assert tx.player(zed.id).handins == 1
        rows = tx.handins("class-a")
        assert [r.id for r in rows] == [first, second]
        row = rows[0]
        assert (row.player, row.klass, row.student, row.stem, row.at) == (
            ada.id,
            "class-a",
            "Ada Lovelace",
            "Ada-Lovelace-2026-12-01",
            T1,
        )
        assert (json.loads(row.json), row.md, row.html) == ({"n": 1}, "# md 1\n", "<p>html 1</p>\n")
        assert [r.id for r in tx.handins()] == [first, second, third]
        assert tx.handins("nobody") == []
        assert tx.handin(third) == tx.handins("class-b")[0]
        assert tx.handin(third + 100) is None
        assert tx.stems("class-a") == {"Ada-Lovelace-2026-12-01", "Ada-Lovelace-2026-12-01-2"}
        assert tx.stems("nobody") == set()


def test_attempts_are_counted_since_a_time(store):
    with store.transaction() as tx:
        for at in (T0, T1, T2, T2):
            tx.note_attempt("ip:127.0.0.1", at)
        tx.note_attempt("ip:10.0.0.1", T2)
    with store.transaction() as tx:
        assert tx.attempts_since("ip:127.0.0.1", T0) == 4
        assert tx.attempts_since("ip:127.0.0.1", T1) == 3
        assert tx.attempts_since("ip:127.0.0.1", "2026-12-01T20:00:00Z") == 0
        assert tx.attempts_since("ip:10.0.0.1", T0) == 1
        assert tx.attempts_since("nobody", T0) == 0


# ---------------------------------------------------------------- transactions


class Boom(Exception):
    pass


def test_a_transaction_that_raises_leaves_nothing(store):
    with store.transaction() as tx:
        ada = _player(tx)
    with pytest.raises(Boom), store.transaction() as tx:
        tx.update_player(ada.id, seen_at=T1, steps=5)
        tx.save_put(ada.id, "autosave", "{}", T1)
        _handin(tx, ada.id)
        tx.note_attempt("k", T1)
        _player(tx, "Boris", code="BORIS1")
        raise Boom
    with store.transaction() as tx:
        assert tx.player(ada.id) == ada
        assert tx.save_get(ada.id, "autosave") is None
        assert tx.handins() == []
        assert tx.attempts_since("k", T0) == 0
        assert tx.player_by_name("class-a", "boris") is None


def test_a_transaction_is_used_inside_its_block_and_one_at_a_time(store):
    with store.transaction() as tx:
        _player(tx)
        with pytest.raises(StoreError, match="inside another"), store.transaction():
            pass
    with pytest.raises(StoreError, match="after its block"):
        tx.players("class-a")
    with store.transaction() as tx:  # still usable
        assert len(tx.players("class-a")) == 1


def test_writing_for_a_player_who_does_not_exist_is_refused_alike(store):
    with pytest.raises(StoreError, match="refused"), store.transaction() as tx:
        tx.save_put("no-such-player", "autosave", "{}", T1)
    with pytest.raises(StoreError, match="refused"), store.transaction() as tx:
        _handin(tx, "no-such-player")
    with store.transaction() as tx:
        assert tx.handins() == []


def test_text_with_a_nul_is_refused_alike(store):
    with store.transaction() as tx:
        ada = _player(tx)
        with pytest.raises(StoreError, match="NUL"):
            tx.save_put(ada.id, "autosave", "a\x00b", T1)


def test_two_stores_on_one_database_see_each_others_commits(store, store_url, tmp_path):
    other = open_store(store_url, tmp_path)
    try:
        with store.transaction() as tx:
            ada = _player(tx)
        with other.transaction() as tx:
            assert tx.player(ada.id) == ada
            tx.update_player(ada.id, seen_at=T1, steps=4)
        with store.transaction() as tx:
            assert tx.player(ada.id).steps == 4
        assert other.meta("secret", lambda: "one") == store.meta("secret", lambda: "two") == "one"
    finally:
        other.close()


def test_threads_each_get_a_connection_and_locked_updates_add_up(store):
    with store.transaction() as tx:
        ada = _player(tx)
    rounds = 40
    failures: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(rounds):
                with store.transaction() as tx:
                    row = tx.player(ada.id, lock=True)
                    tx.update_player(ada.id, seen_at=T1, steps=row.steps + 1)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.transaction() as tx:
        row = tx.player(ada.id)
    assert (row.steps, row.version) == (3 * rounds, 3 * rounds)  # no update lost


# ---------------------------------------------------------------- meta, races


def test_meta_is_made_once_and_kept(store, store_url, tmp_path):
    made: list[str] = []

    def make() -> str:
        made.append("x")
        return "secret-1"

    assert store.meta("secret", make) == "secret-1"
    assert store.meta("secret", make) == "secret-1"
    assert made == ["x"]
    assert store.meta("teacher_code", lambda: "AB12CD") == "AB12CD"
    store.close()
    again = open_store(store_url, tmp_path)
    try:
        assert again.meta("secret", make) == "secret-1"
        assert made == ["x"]
    finally:
        again.close()


def test_meta_race_between_threads_gives_everyone_one_value(store):
    barrier = threading.Barrier(2, timeout=30)
    got: dict[int, str] = {}

    def take(n: int) -> None:
        def make() -> str:
            barrier.wait()  # both have seen no value before either writes one
            return f"value-{n}"

        got[n] = store.meta("secret", make)

    threads = [threading.Thread(target=take, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got[1] == got[2] in {"value-1", "value-2"}
    assert store.meta("secret", lambda: "late") == got[1]


def _meta_in_a_process(url: str, data_dir: str, n: int, barrier, results) -> None:
    opened = open_store(url, Path(data_dir))
    try:

        def make() -> str:
            barrier.wait(timeout=60)
            return f"value-{n}"

        results.put(opened.meta("secret", make))
    finally:
        opened.close()


def test_meta_race_between_processes_gives_everyone_one_value(store, store_url, tmp_path):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_meta_in_a_process, args=(store_url, str(tmp_path), n, barrier, results)
        )
        for n in (1, 2)
    ]
    for process in processes:
        process.start()
    values = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert values[0] == values[1] in {"value-1", "value-2"}
    assert store.meta("secret", lambda: "late") == values[0]


def test_many_openers_of_a_new_database_at_once(store_url, tmp_path):
    barrier = threading.Barrier(4, timeout=30)
    opened: list[object] = []
    failures: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            opened.append(open_store(store_url, tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for each in opened:
        each.close()
    assert failures == [] and len(opened) == 4


def test_connections_of_ended_threads_are_closed(pg_database_url, tmp_path):
    import psycopg

    store = open_store(pg_database_url, tmp_path)
    try:
        for _n in range(8):  # one short-lived thread after another, as a pool that shrinks
            thread = threading.Thread(target=lambda: store.meta("k", lambda: "v"))
            thread.start()
            thread.join()
        with psycopg.connect(pg_database_url, autocommit=True) as admin:
            count = admin.execute(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        assert count <= 2  # the last thread's (and the opener's), not one a thread
    finally:
        store.close()


def test_a_broken_postgres_connection_is_replaced(pg_database_url, tmp_path):
    import psycopg

    store = open_store(pg_database_url, tmp_path)
    try:
        with store.transaction() as tx:
            ada = _player(tx)
        with psycopg.connect(pg_database_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with store.transaction() as tx:  # reconnects, once
            assert tx.player(ada.id) == ada
    finally:
        store.close()


def test_without_postgres_the_tests_skip_or_under_ci_fail(monkeypatch):
    from tests.web import pg

    monkeypatch.setattr(pg, "find_bindir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PETROGRAD_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install Debian's postgresql"):
        with pg.running_postgres():
            pass  # pragma: no cover
    monkeypatch.setenv("PETROGRAD_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required here"):
        with pg.running_postgres():
            pass  # pragma: no cover


# ---------------------------------------------------------------- opening, and what goes wrong


def test_open_store_names(tmp_path):
    default = open_store(None, tmp_path / "new" / "data")
    assert isinstance(default, SqliteStore)
    assert default.path == tmp_path / "new" / "data" / "web.sqlite3" and default.path.is_file()
    default.close()
    assert open_store("", tmp_path / "new" / "data").url == str(default.path)
    url = open_store(f"sqlite://{tmp_path / 'by-url.sqlite3'}", tmp_path)
    assert url.url == str(tmp_path / "by-url.sqlite3")
    url.close()
    with pytest.raises(StoreError, match="absolute path"):
        open_store("sqlite://relative.db", tmp_path)
    with pytest.raises(StoreError, match=r"give a file path or postgresql://"):
        open_store("mysql://root:hunter2@db/x", tmp_path)
    with pytest.raises(StoreError) as caught:
        open_store("mysql://root:hunter2@db/x", tmp_path)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StoreError, match="no such database file"):
        open_store(str(tmp_path / "typo.sqlite3"), tmp_path, create=False)
    assert not (tmp_path / "typo.sqlite3").exists()


def test_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("Dear diary, this is not a database.\n" * 200)
    with pytest.raises(StoreError) as caught:
        open_store(str(bad), tmp_path)
    message = str(caught.value)
    assert str(bad) in message and "not a database the game can use" in message
    assert "move this one away" in message
    assert bad.read_text().startswith("Dear diary")  # left as it was


def test_a_folder_where_the_file_should_be(tmp_path):
    (tmp_path / "web.sqlite3").mkdir()
    with pytest.raises(StoreError, match="is a folder"):
        open_store(str(tmp_path / "web.sqlite3"), tmp_path)


def test_a_folder_that_cannot_be_made(tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(StoreError) as caught:
        open_store(None, tmp_path / "blocker" / "data")
    assert "cannot make the folder" in str(caught.value)
    assert str(tmp_path / "blocker" / "data") in str(caught.value)


def test_a_database_locked_by_another_program(tmp_path):
    path = tmp_path / "web.sqlite3"
    open_store(str(path), tmp_path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as caught:
            SqliteStore(path, busy_timeout=0.05)
        assert str(path) in str(caught.value) and "locked" in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_database(tmp_path):  # pragma: no cover - not as root
    folder = tmp_path / "ro"
    open_store(None, folder).close()
    for name in os.listdir(folder):
        os.chmod(folder / name, 0o444)
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(StoreError, match="read-only|cannot be opened|readonly"):
            open_store(None, folder)
    finally:
        os.chmod(folder, 0o755)


def test_a_postgres_server_that_cannot_be_reached(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://teacher:s3cr3t-pw@127.0.0.1:{port}/petrograd"
    with pytest.raises(StoreError) as caught:
        open_store(url, tmp_path)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "check that the server is running" in message
    assert "s3cr3t-pw" not in message and "teacher:***@" in message
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql://teacher@127.0.0.1:{port}/db?password=qu3ry-pw", tmp_path)
    assert "qu3ry-pw" not in str(caught.value) and "password=***" in str(caught.value)


def test_a_postgres_database_that_does_not_exist(postgres_url, tmp_path):
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError) as caught:
        open_store(url, tmp_path)
    assert "no_such_database" in str(caught.value) and "does not exist" in str(caught.value)


def _set_schema(store_url: str, value: str) -> None:
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute("UPDATE meta SET value = %s WHERE key = 'schema'", (value,))
    else:
        with sqlite3.connect(store_url) as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (value,))
        conn.close()


def test_a_database_made_by_a_newer_version(store, store_url, tmp_path):
    store.close()
    _set_schema(store_url, str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="made by a newer version of the game"):
        open_store(store_url, tmp_path)
    _set_schema(store_url, "banana")
    with pytest.raises(StoreError, match="not one the game made"):
        open_store(store_url, tmp_path)
    _set_schema(store_url, str(SCHEMA_VERSION))
    open_store(store_url, tmp_path).close()


# ---------------------------------------------------------------- exporting


def test_export_records(store, tmp_path):
    out = tmp_path / "out"
    with store.transaction() as tx:
        ada = _player(tx)
        zed = _player(tx, "Zed", klass="class-b", code="ZED001")
        _handin(tx, ada.id, n=1)
        _handin(tx, ada.id, n=2)  # the same stem, another record: gets -2
        _handin(tx, zed.id, klass="class-b", stem="../../Zed-2026-12-01", n=3)
    written = export_records(store, out, "class-a")
    names = sorted(p.name for p in written)
    assert names == sorted(
        f"Ada-Lovelace-2026-12-01{suffix}{ext}"
        for suffix in ("", "-2")
        for ext in (".json", ".md", ".html")
    )
    assert json.loads((out / "Ada-Lovelace-2026-12-01.json").read_text()) == {"n": 1}
    assert json.loads((out / "Ada-Lovelace-2026-12-01-2.json").read_text()) == {"n": 2}
    assert (out / "Ada-Lovelace-2026-12-01-2.md").read_text() == "# md 2\n"
    assert (out / "Ada-Lovelace-2026-12-01-2.html").read_text() == "<p>html 2</p>\n"
    assert export_records(store, out, "class-a") == []  # all there already: nothing new
    more = export_records(store, out)  # every class: only Zed's is new, kept in the folder
    assert sorted(p.name for p in more) == ["Zed-2026-12-01.html", "Zed-2026-12-01.json", "Zed-2026-12-01.md"]  # fmt: skip
    assert all(p.parent == out for p in more)
    assert sorted(os.listdir(out)) == sorted(p.name for p in [*written, *more])


# ---------------------------------------------------------------- petrograd report --db


def _sealed(story):
    from game.classroom.handin import seal, verify
    from game.classroom.transcript import render_html, render_markdown
    from game.engine import Game
    from tests.handins import default_choice, ticking_clock

    game = Game(story, seed=7, clock=ticking_clock(1))
    while not game.ended:
        game.choose(default_choice(game.open_choices()).id)
    data = seal(
        game.record,
        story,
        student="Ada Lovelace",
        assignment=None,
        answers=[],
        started_at="2026-11-27T09:00:00Z",
        finished_at="2026-11-27T09:30:00Z",
    )
    checked = verify(data, story, None)
    return data, render_markdown(data, story, checked), render_html(data, story, checked)


def test_report_reads_the_database(small_story, tmp_path, capsys):
    from game.cli import main

    data, md, html = _sealed(small_story)
    db = tmp_path / "web.sqlite3"
    store = open_store(str(db), tmp_path)
    with store.transaction() as tx:
        ada = _player(tx, klass="")
        tx.add_handin(
            player=ada.id,
            klass="",
            student="Ada Lovelace",
            stem="Ada-Lovelace-2026-11-27",
            at=T1,
            json=json.dumps(data, ensure_ascii=False, sort_keys=True),
            md=md,
            html=html,
        )
    store.close()
    out = tmp_path / "report"
    story = ["--story", str(tmp_path / "story")]
    assert main(["report", "--db", str(db), "--output", str(out), *story]) == 0
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    assert (out / "report.html").is_file() and (out / "report.csv").is_file()
    rows = (out / "report.csv").read_text(encoding="utf-8")
    assert "Ada Lovelace" in rows
    assert "verified" in rows.lower()
    assert not list(out.glob("*.json"))  # the records stay in the database
    kept = tmp_path / "kept"
    for _ in range(2):  # the second time, the records already there are skipped
        assert main(["report", "--db", str(db), "-o", str(out), "--export", str(kept), *story]) == 0
    assert sorted(p.name for p in kept.iterdir()) == [
        f"Ada-Lovelace-2026-11-27.{ext}" for ext in ("html", "json", "md")
    ]
    assert json.loads((kept / "Ada-Lovelace-2026-11-27.json").read_text(encoding="utf-8")) == data
    capsys.readouterr()
    assert main(["report", str(tmp_path), "--export", str(kept), *story]) == 1
    assert "--export copies hand-ins out of a database" in capsys.readouterr().err

    assert main(["report", "--db", str(db), *story]) == 1
    assert "--db needs --output" in capsys.readouterr().err
    assert main(["report", str(tmp_path), "--db", str(db), "--output", str(out), *story]) == 1
    assert "not both" in capsys.readouterr().err
    assert main(["report", *story]) == 1
    assert "give either DIR" in capsys.readouterr().err
    missing = tmp_path / "typo.sqlite3"
    assert main(["report", "--db", str(missing), "--output", str(out), *story]) == 1
    said = capsys.readouterr().err
    assert "no such database file" in said and "Traceback" not in said
    assert not missing.exists()


# ---------------------------------------------------------------- SIGKILL mid-write

CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from game.web.store import open_store

    store = open_store(sys.argv[1], Path(sys.argv[2]))
    player = sys.argv[3]
    version = 0
    while True:
        version += 1
        with store.transaction() as tx:
            data = json.dumps({"version": version, "pad": "x" * 4000 + str(version)})
            tx.save_put(player, "autosave", data, "2026-12-01T19:53:04Z")
            tx.update_player(player, seen_at="2026-12-01T19:53:04Z", steps=version)
        print(version, flush=True)
    """
)


def test_sigkill_in_a_loop_of_transactions_leaves_every_commit_whole(store, store_url, tmp_path):
    with store.transaction() as tx:
        player = _player(tx).id
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, str(tmp_path), player],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    last = 0
    try:
        assert child.stdout is not None
        for _ in range(40):
            line = child.stdout.readline()
            assert line, f"the writer stopped: {child.stderr.read() if child.stderr else ''}"
            last = int(line)
    finally:
        child.send_signal(signal.SIGKILL)  # wherever it is in its loop
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert last == 40
    for opened in (store, open_store(store_url, tmp_path)):
        with opened.transaction() as tx:
            row = tx.player(player)
            saved = json.loads(tx.save_get(player, "autosave"))
        assert row.steps >= last  # every printed commit is there
        assert saved["version"] == row.steps == row.version  # and whole: one commit, both rows
        assert saved["pad"] == "x" * 4000 + str(saved["version"])
    opened.close()


def test_a_url_is_shown_with_its_password_hidden_and_its_shape_kept():
    from game.web.store import mask_url

    assert mask_url("postgresql://u:hunter2@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask_url("postgresql:///db?host=/run/pg&password=hunter2") == (
        "postgresql:///db?host=/run/pg&password=***"
    )
    assert mask_url("postgresql://h/db") == "postgresql://h/db"
