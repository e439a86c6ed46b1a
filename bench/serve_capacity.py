"""How many students can one machine serve? Opens N browser tabs on `petrograd serve`, starts a
game in each, then has every tab take choices in turn, and reports the memory of the game
processes and the time from key press to the tab's game taking the step.

Usage: python bench/serve_capacity.py [N ...]   (default: 5 10 20); needs Debian's chromium.
The browser runs on the same machine, so the latencies are pessimistic.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def game_processes() -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"play" in cmd and b"--web" in cmd:
            out.append(int(pid))
    return out


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def steps(data: Path) -> dict[Path, int]:
    out = {}
    for save in data.glob("web/tab-*/saves/auto.json"):
        try:
            out[save] = len(json.loads(save.read_text())["record"]["steps"])
        except (OSError, ValueError, KeyError):
            pass
    return out


def measure(tabs: int, chromium: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp())
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "game",
            "serve",
            "--terminal",  # the terminal in a browser (plain `serve` is the web pages now)
            "--port",
            str(port),
            "--records",
            str(work / "r"),
            "--data-dir",
            str(work / "d"),
            "--max-games",  # every tab gets a game, however many are measured
            str(tabs),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            pages = []
            for _ in range(tabs):
                page = browser.new_page(viewport={"width": 1000, "height": 700})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                pages.append(page)
            time.sleep(5 + tabs * 0.5)  # every tab's game starts and paints its title screen
            for page in pages:
                page.focus("textarea.xterm-helper-textarea")
                page.keyboard.press("Enter")  # New game
            time.sleep(2 + tabs * 0.1)
            for page in pages:
                page.keyboard.press("Enter")  # the first viewpoint ("Whom do you play?")
            time.sleep(3 + tabs * 0.2)
            latencies = []
            for round_ in range(3):
                for page in pages:
                    before = sum(steps(work / "d").values())
                    started = time.perf_counter()
                    page.keyboard.press("1")
                    while (
                        sum(steps(work / "d").values()) == before
                        and time.perf_counter() - started < 10
                    ):
                        time.sleep(0.005)
                    latencies.append(time.perf_counter() - started)
            playing = len(steps(work / "d"))
            pids = game_processes()
            memory = [rss_mib(pid) for pid in pids]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "tabs": tabs,
        "playing": playing,
        "processes": len(memory),
        "rss_each_mib": statistics.mean(memory) if memory else 0.0,
        "rss_total_mib": sum(memory),
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_p90_ms": sorted(latencies)[int(len(latencies) * 0.9) - 1] * 1000,
    }


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("needs Debian's chromium (apt-get install chromium)")
        return 1
    sizes = [int(a) for a in sys.argv[1:]] or [5, 10, 20]
    print(
        f"{'tabs':>5} {'playing':>8} {'MiB each':>9} {'MiB all':>8} {'median ms':>10} {'p90 ms':>8}"
    )
    for size in sizes:
        r = measure(size, chromium)
        print(
            f"{r['tabs']:>5} {r['playing']:>8} {r['rss_each_mib']:>9.0f} {r['rss_total_mib']:>8.0f} "
            f"{r['latency_median_ms']:>10.0f} {r['latency_p90_ms']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
