"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, started on a free
loopback port with its socket in that folder, trust authentication on loopback, removed at
the end. As root the server runs as the `postgres` user (initdb refuses root).

Where the server binaries are missing, `running_postgres` skips the test with the reason;
under CI (`CI` set, or `PETROGRAD_REQUIRE_POSTGRES=1`) it fails instead, so a CI that was
meant to test PostgreSQL cannot pass without doing it."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DATABASE = "petrograd"


def required() -> bool:
    """Whether a missing PostgreSQL fails the tests rather than skipping them."""
    return bool(os.environ.get("CI")) or os.environ.get("PETROGRAD_REQUIRE_POSTGRES") == "1"


def unavailable(reason: str) -> None:
    """Skip (or, under CI, fail) the test: PostgreSQL cannot be used here."""
    if required():
        pytest.fail(f"PostgreSQL is required here (CI or PETROGRAD_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _version(folder: Path) -> tuple[int, ...]:
    name = folder.parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: `pg_config --bindir`, else the newest
    /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server; yield the URL of its database `petrograd`; stop and remove it."""
    bindir = find_bindir()
    if bindir is None:
        unavailable(
            "no initdb found (pg_config --bindir, /usr/lib/postgresql/*/bin); "
            "install Debian's postgresql package"
        )
        raise AssertionError("unreachable")  # pragma: no cover
    as_user: list[str] = []
    owner: tuple[int, int] | None = None
    if os.geteuid() == 0:
        import pwd

        runuser = shutil.which("runuser")
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            entry = None
        if entry is None or runuser is None:
            unavailable("running as root, and there is no `postgres` user (or no runuser)")
            raise AssertionError("unreachable")  # pragma: no cover
        as_user = [runuser, "-u", "postgres", "--"]
        owner = (entry.pw_uid, entry.pw_gid)
    # Not under pytest's tmp_path: its folders are private to root, the server's user
    # must be able to reach its own.
    folder = Path(tempfile.mkdtemp(prefix="petrograd-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    started = False
    try:
        if owner is not None:
            os.chown(folder, *owner)

        def run(*command: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*as_user, *command],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=folder,
                stdin=subprocess.DEVNULL,
            )

        made = run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",  # initdb's own files only; the server runs with fsync on
            "--no-instructions",
        )
        if made.returncode != 0:
            pytest.fail(f"initdb failed:\n{made.stdout}\n{made.stderr}")
        for _attempt in range(3):  # the free port may be taken meanwhile: try another
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} "
                "-c fsync=on -c max_connections=200"
            )
            start = run(
                str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                "-o", options, "start",
            )  # fmt: skip
            if start.returncode == 0:
                started = True
                break
        if not started:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"PostgreSQL did not start:\n{start.stdout}\n{start.stderr}\n{text}")
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        yield f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server of `server_url`; dropped at the end."""
    import psycopg

    name = f"test_{secrets.token_hex(6)}"
    base = server_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
