"""A Static that does no work when it is given what it already shows."""

from __future__ import annotations

from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static


class SteadyStatic(Static):
    """`Static.update` lays out and paints again even when nothing changed. On a choice
    the scene screen updates every part of itself, and many parts (the gauges, the
    header within a chapter, the codex terms) often stay the same: this skips those
    (about a tenth of each choice's work, measured with `make bench`)."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if _same(self.content, content):
            return
        super().update(content, layout=layout)


def _same(shown: object, new: object) -> bool:
    if isinstance(shown, Content) and isinstance(new, Content):
        return shown.plain == new.plain and shown.spans == new.spans  # == compares text only
    return type(shown) is str and type(new) is str and shown == new
