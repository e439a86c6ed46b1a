"""The web pages' capacity bench (bench/web_capacity.py): it never leaves loopback, and a
tiny run against a real server process completes with a report that adds up. Nothing here
is timed against a clock: only counts and the report's own consistency are checked."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import web_capacity  # noqa: E402  (bench/web_capacity.py, a plain script)


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "192.168.1.20", "0.0.0.0", "::", "example.com", "localhost", "8.8.8.8"]
)
def test_refuses_any_host_but_loopback(host, capsys):
    with pytest.raises(web_capacity.Refused, match="only runs against 127.0.0.1 or ::1"):
        web_capacity.check_host(host)
    with pytest.raises(web_capacity.Refused):
        web_capacity.measure(1, 1.0, host=host)  # refused before any server is started
    assert web_capacity.main(["--host", host, "--students", "1", "--seconds", "1"]) == 2
    assert "only runs against 127.0.0.1 or ::1" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]"])
def test_takes_loopback(host):
    assert web_capacity.check_host(host) in ("127.0.0.1", "::1")


def test_a_tiny_run_against_a_real_server():
    step = web_capacity.measure(2, 2.0, think=0.3, seed=7)
    assert step.failures == 0, step.failure_examples
    assert step.students == 2 and step.backend == "sqlite" and step.processes == 1
    assert step.choices > 0
    # every choice is a POST and the GET of its page; a new game at an ending the same
    assert step.requests == 2 * (step.choices + step.restarts)
    assert 0 < step.p50_ms <= step.p95_ms <= step.max_ms
    assert step.idle_rss_mib > 0 and step.rss_mib > 0 and step.peak_rss_mib >= step.rss_mib
    assert step.server_cpu_ms_per_choice > 0
    assert step.requests_per_second > 0
    assert step.held == (step.p95_ms < 100)

    result = {
        "quick": True,
        "sqlite": {"held": step.students if step.held else 0, "steps": [vars_of(step)]},
        "postgresql": {"reason": "not in this test"},
        "terminal": {"status": "skipped", "note": "not in this test"},
    }
    table = web_capacity.rows(result)
    assert table[0][0].startswith("web pages, SQLite x1: students held")
    assert any(row[0].startswith("  memory per student") for row in table)
    assert table[-1][0].startswith("web pages, PostgreSQL x2") and table[-1][-1] is None
    assert all(len(row) == 6 for row in table)


def test_rows_judge_the_goals():
    def step(students, held, kib):
        return {
            "students": students, "held": held, "p50_ms": 5.0, "p95_ms": 50.0 if held else 500.0,
            "failures": 0, "kib_per_student": kib, "idle_rss_mib": 42.0, "rss_mib": 50.0,
            "peak_rss_mib": 51.0, "peak_kib_per_student": kib, "server_cpu_ms_per_choice": 5.0, "db_cpu_ms_per_choice": 0.0,
            "generator_cpu_share": 0.05, "choices_per_second": 100.0,
            "requests_per_second": 200.0,
        }  # fmt: skip

    terminal = {
        "status": "ok", "held": 20, "first": 10,
        "steps": [{"rss_each_mib": 50.0}, {"rss_each_mib": 50.0}],
    }  # fmt: skip
    met = web_capacity.rows(
        {
            "sqlite": {"held": 600, "steps": [step(600, True, 20.0), step(800, False, 20.0)]},
            "postgresql": {"reason": "none here"},
            "terminal": terminal,
        }
    )
    assert met[0][1:4] == ("600", "terminal: 20 tabs", "30x") and met[0][5] is True
    short = web_capacity.rows(
        {
            "sqlite": {"held": 200, "steps": [step(200, True, 2000.0), step(400, False, 20.0)]},
            "postgresql": {"reason": "none here"},
            "terminal": terminal,
        }
    )
    assert short[0][3] == "10x" and short[0][5] is False
    memory = next(row for row in short if row[0].startswith("  memory per student"))
    assert memory[5] is False
    # the terminal serving not measurable: the class docs/teachers.md documents for it
    unmeasured = web_capacity.rows(
        {
            "sqlite": {"held": 600, "steps": [step(600, True, 20.0)]},
            "postgresql": {"reason": "none here"},
            "terminal": {"status": "skipped", "note": "no chromium"},
        }
    )
    assert "documented" in unmeasured[0][2] and unmeasured[0][3] == "20x"
    assert unmeasured[0][5] is True  # 600 >= 500 and 20x >= 15x


def vars_of(step):
    from dataclasses import asdict

    return asdict(step)
