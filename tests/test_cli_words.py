"""The words of the command line (game/cli.py): play's options without the word `play`,
and mistakes that say what was meant, under the usage of the command in question."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from game.cli import _command_of, main
from tests.conftest import MINI, ROOT


@pytest.fixture
def ran(monkeypatch):
    """The commands run, as (name, parsed arguments), instead of running them."""
    calls: list[tuple[str, object]] = []
    for name in ("play", "check"):

        def fake(args, name=name):
            calls.append((name, args))
            return 0

        monkeypatch.setattr(f"game.commands.{name}.run", fake)
    return calls


def parsed(ran, arguments: list[str]):
    assert main(arguments) == 0
    assert len(ran) == 1, ran
    name, args = ran.pop()
    return name, args


# ---------------------------------------------------------------- play's options alone


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--data-dir", "DIR"], {"data_dir": Path("DIR")}),
        (["--data-dir=DIR"], {"data_dir": Path("DIR")}),
        (["--continue"], {"resume": True}),
        (["--plain"], {"plain": True}),
        (["--viewpoint", "sailor"], {"viewpoint": "sailor"}),
        (["--seed", "3"], {"seed": 3}),
        (["--seed", "-3"], {"seed": -3}),
        (
            ["--viewpoint", "sailor", "--story", "S", "--seed", "3", "--continue", "--plain"]
            + ["--data-dir", "D", "--scenes", "P1", "--scenes", "P2"],
            {
                "viewpoint": "sailor",
                "story": Path("S"),
                "seed": 3,
                "resume": True,
                "plain": True,
                "data_dir": Path("D"),
                "scenes": [Path("P1"), Path("P2")],
            },
        ),
    ],
)
def test_plays_options_work_without_the_word(ran, arguments, expected):
    name, alone = parsed(ran, arguments)
    assert name == "play"
    for key, value in expected.items():
        assert getattr(alone, key) == value, key
    assert parsed(ran, ["play", *arguments]) == ("play", alone)


def test_no_arguments_plays_with_the_defaults(ran):
    name, args = parsed(ran, [])
    assert name == "play" and args.command == "play"
    assert (args.plain, args.resume, args.data_dir, args.seed) == (False, False, None, None)


def test_a_value_named_like_a_command_stays_a_value(ran):
    """`--data-dir check` is a folder called check, not the check command."""
    name, args = parsed(ran, ["--data-dir", "check", "--story", "report", "--plain"])
    assert name == "play"
    assert (args.data_dir, args.story, args.plain) == (Path("check"), Path("report"), True)


def test_command_of_takes_leading_options_for_plays():
    assert _command_of(["--data-dir", "DIR"]) == "play"
    assert _command_of(["--data-dir", "check"]) == "play"
    assert _command_of(["check", "--stats"]) == "check"
    assert _command_of(["plya"]) is None and _command_of(["-h", "check"]) is None


def test_commands_still_take_their_own_options(ran):
    name, args = parsed(ran, ["check", "--stats", str(MINI)])
    assert name == "check" and args.stats is True and args.folders == [MINI]


# ---------------------------------------------------------------- help and version


def test_help_says_plays_options_work_without_the_word(ran, capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: petrograd ")
    assert "every option of play works without the word" in " ".join(out.split())
    listed = out.split("Its options:")[1]
    for option in ("--plain", "--continue", "--data-dir", "--story", "--seed", "--viewpoint"):
        assert option in listed, option
    assert "--web" not in out  # hidden: for `petrograd serve` only
    assert ran == []


def test_help_after_plays_options_is_plays_help(ran, capsys):
    assert main(["--plain", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: petrograd play ") and "--data-dir DIR" in out
    assert ran == []


def test_version_after_plays_options(ran, capsys):
    assert main(["--plain", "--version"]) == 0
    assert capsys.readouterr().out.startswith("petrograd ")
    assert ran == []


# ---------------------------------------------------------------- mistakes


def refused(ran, capsys, arguments: list[str]) -> str:
    """What `petrograd ARGUMENTS` says on stderr, having refused them with status 2."""
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert ran == [] and captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


@pytest.mark.parametrize("arguments", [["plya"], ["plya", "--seed", "3"], ["plya", "--help"]])
def test_an_unknown_command_suggests_the_nearest(ran, capsys, arguments):
    err = refused(ran, capsys, arguments)
    assert err.startswith("usage: petrograd [-h] [--version] [command]")
    assert "commands: play, serve, check, graph, autoplay, test-plan, coverage, schema, report" in err
    assert err.endswith("petrograd: unknown command 'plya'; did you mean play?\n")


def test_an_unknown_command_far_from_any(ran, capsys):
    err = refused(ran, capsys, ["xyzzy"])
    assert "petrograd: unknown command 'xyzzy'" in err and "did you mean" not in err
    assert "commands: play, serve, check" in err


def test_help_as_a_word_points_to_the_option(ran, capsys):
    assert "unknown command 'help'; did you mean --help?" in refused(ran, capsys, ["help"])


def test_an_unknown_option_suggests_the_nearest_under_the_commands_usage(ran, capsys):
    """No abbreviations: argparse would have taken --stat for --stats."""
    err = refused(ran, capsys, ["check", "--stat"])
    assert err.startswith("usage: petrograd check ")
    assert err.endswith("petrograd check: unknown option '--stat'; did you mean --stats?\n")


def test_an_option_of_no_command_names_the_command_in_question(ran, capsys):
    err = refused(ran, capsys, ["check", "--bogus", str(MINI)])
    assert err.startswith("usage: petrograd check ") and "[--exhaustive]" in err
    assert "petrograd check: unknown option '--bogus'" in err and "did you mean" not in err


def test_each_unknown_option_on_its_line_made_safe_to_print(ran, capsys):
    err = refused(ran, capsys, ["check", "--stat", "--x\x1b[31m", "--exhaustiv"])
    assert err.splitlines()[-3:] == [
        "petrograd check: unknown option '--stat'; did you mean --stats?",
        "petrograd check: unknown option '--x\\x1b[31m'",
        "petrograd check: unknown option '--exhaustiv'; did you mean --exhaustive?",
    ]
    assert "\x1b" not in refused(ran, capsys, ["pl\x1b[0may"])


def test_a_misspelt_play_option_without_the_word(ran, capsys):
    err = refused(ran, capsys, ["--sed", "3", "--plain"])
    assert err.startswith("usage: petrograd play ")
    assert err.endswith("petrograd play: unknown option '--sed'; did you mean --seed?\n")
    err = refused(ran, capsys, ["--data-dir", "D", "--continu"])
    assert "unknown option '--continu'; did you mean --continue?" in err


@pytest.mark.parametrize("arguments", [["--seed", "abc"], ["play", "--seed", "abc"]])
def test_a_wrong_value_gives_plays_usage(ran, capsys, arguments):
    err = refused(ran, capsys, arguments)
    assert err.startswith("usage: petrograd play ") and "[--seed SEED]" in err
    assert err.endswith("petrograd play: error: argument --seed: 'abc' is not a whole number\n")


def test_a_missing_value_gives_plays_usage(ran, capsys):
    err = refused(ran, capsys, ["--plain", "--data-dir"])
    assert err.startswith("usage: petrograd play ")
    assert "argument --data-dir: expected one argument" in err


def test_a_command_after_plays_options_is_explained(ran, capsys):
    err = refused(ran, capsys, ["--plain", "check"])
    assert err.startswith("usage: petrograd play ")
    assert "unexpected argument 'check'; a command comes first: petrograd check" in err


# ---------------------------------------------------------------- as a command


def test_the_command_line_alone_imports_no_ui_nor_other_commands():
    """Play's options alone and the mistakes are told apart without importing Textual,
    and an unknown command without importing any command's module."""
    code = (
        "import sys, contextlib, io\nfrom game.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert main(['plya']) == 2\n"
        "    print(sorted(m for m in sys.modules if m.startswith('game.commands.')))\n"
        "    assert main(['--data-dir', 'D', '--seed', 'abc']) == 2\n"
        "    assert main(['check', '--stat']) == 2\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"], done.stdout


def test_petrograd_plays_with_plays_options_and_no_word(petrograd_command, clean_env, tmp_path):
    data = tmp_path / "data"
    env = dict(clean_env, PETROGRAD_DATA_DIR=str(tmp_path / "elsewhere"))
    story = MINI.relative_to(ROOT)  # examples/mini-story, as a player types it
    done = subprocess.run(
        [*petrograd_command, "--plain", "--data-dir", str(data), "--story", str(story)],
        input="q\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "16 October 1917 (29 October N.S.), evening. Smolny Institute." in done.stdout
    assert "Goodbye." in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert data.is_dir() and not (tmp_path / "elsewhere").exists()
