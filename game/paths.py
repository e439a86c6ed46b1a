"""Where things are: the shipped story and assets (checkout or wheel), and the player's data folder."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

#: Overrides the data folder (saves, settings, endings reached); `--data-dir` overrides this.
DATA_DIR_ENV = "PETROGRAD_DATA_DIR"
#: Overrides where students' records are written; `--records` overrides this.
RECORDS_DIR_ENV = "PETROGRAD_RECORDS_DIR"
#: Overrides the cache folder (parsed story files); set but empty, there is no cache.
CACHE_DIR_ENV = "PETROGRAD_CACHE_DIR"


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


def data_dir(override: Path | str | None = None) -> Path:
    """The player's data folder: `override`, else $PETROGRAD_DATA_DIR, else the platform's
    user data folder. Nothing is created here; writers create what they need."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("petrograd-1917", appauthor=False))


def cache_dir() -> Path | None:
    """Where parsed story files are kept (game/engine/parsecache.py): $PETROGRAD_CACHE_DIR,
    else the platform's user cache folder; None when $PETROGRAD_CACHE_DIR is set but empty."""
    from_env = os.environ.get(CACHE_DIR_ENV)
    if from_env is not None:
        return Path(from_env).expanduser() if from_env else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("petrograd-1917", appauthor=False))


def records_dir(override: Path | str | None = None) -> Path:
    """Where handed-in records go: `override`, else $PETROGRAD_RECORDS_DIR, else a folder
    named 'Petrograd 1917 records' in the user's Documents (easy for a student to find)."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(RECORDS_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "Petrograd 1917 records"
