"""Where the shipped story and assets are, from a source checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PACKAGE / "_data" / name  # put there by the wheel build (pyproject.toml)
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name  # a source checkout or an editable install


def scenes_dir() -> Path:
    """The shipped story's scene folder."""
    return _find("scenes")


def assets_dir() -> Path:
    """The shipped assets: the codex and the index of the source's paragraphs."""
    return _find("assets")
