"""Odd story trees (issue #14): names with escape sequences or bytes that are not UTF-8,
folders nested too deep, named pipes, devices, loops of links, unreadable folders and
folders far too large. Each gives one line, `path: code: message`, safe to print;
`petrograd check` and `petrograd play` exit 1 without a traceback and never hang."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from game.engine import StoryError, check_story, load_story, loader
from game.engine.files import shown
from game.engine.loader import MAX_FOLDER_DEPTH, find_story_files, story_files
from game.paths import assets_dir
from tests.conftest import EXTRA, ROOT, no_hang

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="named pipes, links, devices")

#: Generous: a hang is caught as a failure, never waited on for ever (nothing is timed).
TIMEOUT = 120
ESCAPE = "x\x1b[2J\x1b]0;owned\x07.yaml"  # clears the screen and retitles the terminal
NOT_UTF8 = os.fsdecode(b"caf\xe9-\xff.yaml")  # Latin-1 bytes, as an old archive writes them
@pytest.fixture(autouse=True)
def never_hang() -> Iterator[None]:
    """A test stuck in this process (opening a named pipe, reading /dev/zero) fails at
    TIMEOUT instead of hanging the suite; nothing is timed."""
    with no_hang(TIMEOUT):
        yield


def nest(top: Path, depth: int, leaf: str | None = None) -> None:
    """`depth` folders `d` inside one another under `top` (the deepest holding `leaf`, a
    copy of the test chapter), made through folder descriptors, so no path is ever long."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        if leaf is not None:
            out = os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(out, EXTRA.format(id="deep").encode())
            os.close(out)
    finally:
        os.close(fd)


def unnest(top: Path) -> None:
    """Remove what `nest` made, deepest first, without recursion (shutil.rmtree, and so
    pytest's own clean-up, would overflow the stack at this depth)."""
    fds = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        while fds:
            fd = fds.pop()
            for name in os.listdir(fd):
                if name != "d":
                    os.unlink(name, dir_fd=fd)
            os.close(fd)
            if fds:
                os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture
def odd_story(make_story, tmp_path) -> Iterator[Callable[[str], tuple[Path, str, Path]]]:
    """A valid story with one odd thing added: (the folder, the expected code, the odd path)."""
    made: list[Path] = []

    def make(case: str) -> tuple[Path, str, Path]:
        folder = make_story()
        chapter = EXTRA.format(id="odd")
        if case == "escape":
            odd = folder / ESCAPE
            odd.write_text(chapter, encoding="utf-8")
            return folder, "bad-name", odd
        if case == "not-utf8":
            odd = folder / NOT_UTF8
            try:
                odd.write_bytes(chapter.encode())
            except OSError:  # pragma: no cover - macOS file systems refuse such names
                pytest.skip("this file system keeps only UTF-8 names")
            return folder, "bad-name", odd
        if case == "escape-folder":
            odd = folder / "\x1b[31mred"
            odd.mkdir()
            (odd / "more.yaml").write_text(chapter, encoding="utf-8")
            return folder, "bad-name", odd
        if case == "bidi-override":  # reads "yaml.txt" backwards in a terminal
            odd = folder / "evil\u202etxt.yaml"
            odd.write_text(chapter, encoding="utf-8")
            return folder, "bad-name", odd
        if case == "fifo":
            odd = folder / "pipe.yaml"
            os.mkfifo(odd)
            return folder, "not-a-file", odd
        if case == "dev-zero":
            odd = folder / "zero.yaml"
            odd.symlink_to("/dev/zero")
            return folder, "not-a-file", odd
        if case == "link-loop":
            odd = folder / "loop.yaml"
            odd.symlink_to("loop.yaml")
            return folder, "link-loop", odd
        if case == "deep":
            top = folder / "parts"
            top.mkdir()
            made.append(top)
            nest(top, 1_100, "deep.yaml")
            return folder, "too-deep", top.joinpath(*["d"] * MAX_FOLDER_DEPTH)
        raise AssertionError(case)

    yield make
    for top in made:
        unnest(top)


CASES = [
    "escape",
    "not-utf8",
    "escape-folder",
    "bidi-override",
    "fifo",
    "dev-zero",
    "link-loop",
    "deep",
]


def assert_safe_line(line: str) -> None:
    assert "\n" not in line and "\r" not in line
    assert shown(line) == line, line  # nothing a terminal would act on
    line.encode("utf-8")  # and it can be written anywhere


@pytest.mark.parametrize("case", CASES)
def test_an_odd_tree_gives_one_safe_line(odd_story, case):
    folder, code, odd = odd_story(case)
    _, problems = check_story([folder], assets=assets_dir())
    assert [p.code for p in problems] == [code]
    (problem,) = problems
    assert problem.severity == "error"
    assert problem.mark.path == loader.display_path(odd)  # the real path, for tools and JSON
    line = str(problem)
    assert line.startswith(f"{shown(loader.display_path(odd))}: {code}: ")
    assert_safe_line(line)
    with pytest.raises(StoryError) as raised:
        load_story([folder], assets=assets_dir())
    assert_safe_line(str(raised.value))


def run_bytes(*args: str) -> subprocess.CompletedProcess[bytes]:
    exe = Path(sys.executable).parent / "petrograd"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "game"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize("case", CASES)
def test_check_and_play_give_one_line_and_exit_1(odd_story, case):
    """As a subprocess, bytes as they reach the terminal: one line, escaped, no traceback,
    and no wait on a named pipe or read of /dev/zero (a hang fails at TIMEOUT)."""
    folder, code, odd = odd_story(case)
    expected = f"{shown(loader.display_path(odd))}: {code}: ".encode()
    check = run_bytes("check", str(folder))
    play = run_bytes("play", "--plain", "--story", str(folder))
    for result in (check, play):
        out = result.stdout + result.stderr
        assert result.returncode == 1, out
        assert b"Traceback" not in out
        assert b"\x1b" not in out and b"\x07" not in out and b"\xff" not in out
        assert "\u202e".encode() not in out
        out.decode("utf-8")  # every byte of it is text
        lines = [line for line in out.splitlines() if f": {code}: ".encode() in line]
        assert len(lines) == 1 and lines[0].strip().startswith(expected), out
    assert check.stdout.splitlines() == [check.stdout.strip()]  # the one problem, nothing else


def test_json_keeps_the_real_path_and_stays_safe_to_print(odd_story):
    """`check --format json` gives the path as it is (JSON escapes the escape), so a tool
    can open the file; printed, the text has no escape character either."""
    import json

    folder, _, odd = odd_story("escape")
    result = run_bytes("check", "--format", "json", str(folder))
    assert result.returncode == 1 and b"\x1b" not in result.stdout
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["code"] == "bad-name"
    assert Path(problem["path"]).resolve() == odd.resolve() and odd.exists()


def test_a_folder_named_with_escapes_on_the_command_line_is_shown_escaped(tmp_path):
    missing = tmp_path / "\x1b[2Jnowhere"
    for args in (("check", str(missing)), ("play", "--plain", "--story", str(missing))):
        result = run_bytes(*args)
        out = result.stdout + result.stderr
        assert result.returncode == 1 and b"Traceback" not in out
        assert b"\x1b" not in out and b"\\x1b[2Jnowhere: missing-folder: " in out


def test_a_pipe_or_device_as_the_codex_is_refused_not_read(tmp_path):
    """The assets folder (codex.yaml, sources.yaml) is read as story files are."""
    import shutil

    assets = tmp_path / "assets"
    shutil.copytree(assets_dir(), assets)
    (assets / "codex.yaml").unlink()
    os.mkfifo(assets / "codex.yaml")
    (assets / "sources.yaml").unlink()
    (assets / "sources.yaml").symlink_to("/dev/zero")
    from tests.conftest import MINI

    _, problems = check_story([MINI], assets=assets)
    refused = {Path(p.mark.path).name: p for p in problems if p.code == "not-a-file"}
    assert set(refused) == {"codex.yaml", "sources.yaml"}
    assert "named pipe" in refused["codex.yaml"].message
    assert "device" in refused["sources.yaml"].message


def test_the_walk_stops_at_the_depth_limit_and_reads_what_is_above_it(tmp_path):
    top = tmp_path / "tree"
    top.mkdir()
    try:
        nest(top, MAX_FOLDER_DEPTH, "at-the-limit.yaml")
        files, problems = find_story_files(top)
        assert [f.name for f in files] == ["at-the-limit.yaml"] and not problems
        nest(top.joinpath(*["d"] * MAX_FOLDER_DEPTH), 1, "below.yaml")
        files, problems = find_story_files(top)
        assert [f.name for f in files] == ["at-the-limit.yaml"]
        assert [p.code for p in problems] == ["too-deep"]
    finally:
        unnest(top)


def test_the_walk_keeps_the_order_of_the_old_one(tmp_path):
    """Files sorted by their path inside the folder, as `rglob` gave them (the content
    hash, and so every save, depends on the order)."""
    names = ["b.yaml", "a/z.yml", "a/b/c.yaml", "a-b.yaml", "A.yaml", "a.b/x.yaml", "é.yaml"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a story file", encoding="utf-8")
    (tmp_path / "a" / "folder.yaml").mkdir()
    old = sorted(
        (p for p in tmp_path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()),
        key=lambda p: p.relative_to(tmp_path).as_posix(),
    )
    assert story_files(tmp_path) == old and len(old) == len(names)


def test_links_to_files_are_followed_links_to_folders_named_dangling_links_passed(
    make_story, tmp_path
):
    folder = make_story()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.yaml").write_text(EXTRA.format(id="more-a"), encoding="utf-8")
    (folder / "more.yaml").symlink_to(elsewhere / "more.yaml")  # read, as documented
    (folder / ".#one.yaml").symlink_to("user@host.1234")  # an editor's lock file
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    story, problems = check_story([folder], assets=assets_dir())
    assert story is not None and "more-a" in story.scenes
    linked = [p for p in problems if p.code == "linked-folder"]
    assert len(linked) == 1 and linked[0].severity == "warning"
    assert linked[0].mark.path == loader.display_path(folder / "linked")
    assert not [p for p in problems if p.severity == "error"]


def test_an_unreadable_folder_is_one_line(make_story, monkeypatch):
    """(As root no permission stops a read, so the refusal is the system's, simulated.)"""
    folder = make_story()
    (folder / "locked").mkdir()
    (folder / "locked" / "x.yaml").write_text("x: 1\n", encoding="utf-8")
    real = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _, problems = check_story([folder], assets=assets_dir())
    assert [p.code for p in problems] == ["unreadable"]
    assert str(problems[0]).startswith(f"{loader.display_path(folder / 'locked')}: unreadable: ")
    assert "Permission denied" in problems[0].message


@pytest.mark.parametrize("limit", ["MAX_STORY_FILES", "MAX_TREE_ENTRIES"])
def test_a_folder_far_too_large_is_one_error_and_nothing_is_read(make_story, monkeypatch, limit):
    folder = make_story({f"extra-{n}.yaml": "chapter: [unclosed\n" for n in range(5)})
    monkeypatch.setattr(loader, limit, 4)
    _, problems = check_story([folder], assets=assets_dir())
    assert [p.code for p in problems if p.code != "missing-story"] == ["too-many-files"]
    (problem,) = [p for p in problems if p.code == "too-many-files"]
    assert problem.mark.path == loader.display_path(folder)
    assert "more than 4 " in problem.message
    # no file was read: none of the broken ones is reported
    assert not [p for p in problems if p.code == "yaml-syntax"]


def test_odd_names_outside_story_files_are_not_read_or_printed(make_story):
    """A file that is not a story file is never looked at, whatever its name or kind."""
    folder = make_story()
    (folder / "\x1b[2J.txt").write_text("not a story file", encoding="utf-8")
    os.mkfifo(folder / "a-pipe")
    story, problems = check_story([folder], assets=assets_dir())
    assert story is not None and not problems


def test_hidden_files_and_folders_are_not_part_of_a_story(make_story, problems_of):
    """macOS writes `._name.yaml` beside files copied to a USB stick (binary, not YAML);
    a pack kept in git has `.git/`. Neither is read."""
    folder = make_story()
    (folder / "._one.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (folder / ".git" / "refs").mkdir(parents=True)
    (folder / ".git" / "refs" / "bad.yaml").write_text("{{{{", encoding="utf-8")
    assert problems_of(folder) == []
    assert all(not part.startswith(".") for p in story_files(folder) for part in p.parts[-2:])


@pytest.mark.parametrize(
    "name",
    ["第一章\u3000宮殿.yaml", "می\u200cخواهم.yaml", "a\u00a0b.yaml", "Зимний дворец.yaml"],
    ids=["ideographic space", "zero-width non-joiner", "no-break space", "cyrillic"],
)
def test_names_in_any_script_are_read(make_story, name):
    """Only what can drive a terminal or disguise a name is refused: the spaces and joiners
    of every script are names like any other."""
    folder = make_story({name: EXTRA.format(id="more-a")})
    assert any(p.name == name for p in story_files(folder))
    assert find_story_files(folder)[1] == []
