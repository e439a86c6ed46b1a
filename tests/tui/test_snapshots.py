"""SVG snapshots at 80x24 (Textual is pinned exactly, since snapshots change across releases)."""

from __future__ import annotations

import textual


def test_textual_is_the_pinned_version():
    assert textual.__version__ == "8.2.8"


def test_title(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24))


def test_scene_with_a_closed_choice(snap_compare, make_app):
    assert snap_compare(make_app(), press=["enter"], terminal_size=(80, 24))


def test_ending(snap_compare, make_app):
    assert snap_compare(make_app(), press=["enter", "1"], terminal_size=(80, 24))
