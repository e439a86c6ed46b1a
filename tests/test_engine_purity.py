"""The engine and the headless commands never import Textual or Rich (start-up is a budget)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEADLESS = [
    "game.engine",
    "game.cli",
    "game.plain",
    "game.paths",
    "game.classroom.transcript",
    "game.classroom.report",
    "game.commands.report",
    "game.engine.ranges",
    "game.engine.extends",
    "game.tools.graph",
    "game.tools.autoplay",
    "game.tools.exhaustive",
    "game.tools.stats",
    "game.tools.plans",
    "game.commands.graph",
    "game.commands.autoplay",
    "game.commands.check",
    "game.commands.plans",
    "game.commands.schema",
    # The web pages are a front end of their own: they draw from the engine's Frame,
    # never from the terminal game's widgets.
    "game.web.app",
    "game.web.store",
    "game.commands.serve",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_imports_no_ui(module):
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulled in {result.stdout.strip()}"


def test_check_command_imports_no_ui():
    code = (
        "import sys\nfrom game.cli import main\n"
        "rc = main(['check', 'examples/mini-story'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('BAD=' + ','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "BAD=\n" in result.stdout + "\n" and "BAD=" in result.stdout, (
        result.stdout + result.stderr
    )
    assert result.stdout.strip().endswith("BAD=")


def test_engine_sources_never_name_textual_or_eval():
    for path in Path(ROOT, "game", "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    assert name.split(".")[0] not in ("textual", "rich", "pickle"), (
                        f"{path}: imports {name}"
                    )
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec", "compile", "__import__"), (
                    f"{path}: calls {node.func.id}"
                )
            if isinstance(node, ast.Attribute) and node.attr in (
                "load",
                "unsafe_load",
                "full_load",
            ):
                value = node.value
                assert not (isinstance(value, ast.Name) and value.id == "yaml"), (
                    f"{path}: yaml.{node.attr}"
                )
