"""The one-line header over a scene or an ending: chapter, dates, time and place.

It never wraps: at a narrow width it takes a shorter form, dropping whole fields
(never cutting one in the middle), so it keeps to one line at 80 columns."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import var
from textual.widget import Widget

from game.engine import Frame

SEPARATOR = "  │  "
TIGHT = " │ "


def header_forms(frame: Frame) -> list[str]:
    """The header from its longest form to its shortest."""
    scene, chapter = frame.scene, frame.chapter
    full = [frame.chapter_heading, frame.dates, scene.time, scene.place]
    short_dates = frame.short_dates
    short = [f"Ch. {chapter.number}: {chapter.title}", short_dates, scene.time, scene.place]
    return [
        SEPARATOR.join(full),
        TIGHT.join(full),
        TIGHT.join(short),
        TIGHT.join([f"Ch. {chapter.number}", short_dates, scene.time, scene.place]),
        TIGHT.join([f"Ch. {chapter.number}", short_dates, scene.time]),
        TIGHT.join([f"Ch. {chapter.number}", short_dates]),
    ]


def header_text(frame: Frame, width: int | None = None) -> Content:
    """The longest form that fits `width` cells (the shortest if none does)."""
    forms = header_forms(frame)
    if width is None:
        return Content(forms[0])
    for form in forms:
        if Content(form).cell_length <= width:
            return Content(form)
    return Content(forms[-1])


class SceneHeader(Widget):
    """Shows `frame`'s header in the longest form that fits; drawn again on a resize."""

    DEFAULT_CSS = "SceneHeader { height: 1; }"

    #: Setting it paints the header again only when its text changes (within a chapter,
    #: a choice often keeps the dates, time and place).
    frame: var[Frame | None] = var(None)
    _forms: list[str] | None = None

    def watch_frame(self, frame: Frame | None) -> None:
        forms = header_forms(frame) if frame is not None else None
        if forms != self._forms:
            self._forms = forms
            self.refresh()

    def render(self) -> Content:
        if self.frame is None:
            return Content("")
        return header_text(self.frame, self.content_size.width)
