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


def test_whom_to_play(snap_compare, make_app, make_story):
    """The viewpoint picker, on a small story of two sides (not the shipped story, whose
    words change as it is written)."""
    from game.engine import load_story
    from game.paths import assets_dir
    from tests.test_viewpoints import RED, TWO, WHITE

    folder = make_story({"story.yaml": TWO, "red.yaml": RED, "white.yaml": WHITE}, base=False)
    app = make_app(load_story([folder], assets=assets_dir()), viewpoint=None)
    assert snap_compare(app, press=["enter", "down"], terminal_size=(80, 24))
