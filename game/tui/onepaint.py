"""One frame per change: a screen that does not paint the same picture twice.

Textual 8 paints every change of size twice. A change of content (a choice's new
scene) asks for a layout; the screen's update timer lays the screen out and paints
the frame, which shows the change in full. But while laying out
(`Screen._refresh_layout`) Textual tells each widget its new size
(`Widget._size_updated`), and that asks again:

- setting a widget's `virtual_size`, a reactive declared with `layout=True`, asks for
  another layout of that widget (the one just done);
- a scrolling widget's scrollbars are given their new sizes and refreshed, which
  asks for another paint of them;
- a scrollbar that must now be shown or hidden asks for a layout (the text beside
  it wraps to another width): that one is needed, but it comes after a frame that
  shows the old scrollbar and the text wrapped to the old width.

Those requests arrive as messages after the frame, so one update period (1/60 s)
later the screen is laid out and painted again: with exactly the same content
for the first two (measured: 25-30 ms after the first frame, on every key press,
in any Textual app whose widgets change height), with the corrected picture for
the third. tests/tui/test_paint.py reproduces both in a tiny app of one text pane
(`test_textual_paints_a_change_of_size_twice`).

`OnePaintScreen` answers them before its frame instead. While its layout is
refreshed, `virtual_size` asks for nothing (its watchers still run); when a widget
asks for a layout meanwhile (the scrollbars), the screen is laid out again at once,
before anything is painted (at most `PASSES` times); the widgets that asked for a
paint meanwhile are painted in the frame, and their requests cleared. Only private
parts of Textual make this possible, so tests/tui/test_paint.py holds it to
account: one frame per choice, and that frame the same picture as a full repaint.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.screen import Screen, ScreenResultType
from textual.widget import Widget

#: The reactive whose setting during a layout asks for the same layout again.
_VIRTUAL_SIZE = Widget.virtual_size
#: Layouts of one refresh before its frame is painted, whatever still asks for one.
PASSES = 3


class OnePaintScreen(Screen[ScreenResultType]):
    """A screen whose layout refresh paints once, having answered what it asked for itself."""

    _passes_left = 0
    #: Widgets that asked for a layout while the screen was laid out (not yet painted).
    _relayout: list[Widget] = []

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if self._passes_left:  # a nested call: Textual's own, within this refresh
            super()._refresh_layout(size, scroll)
            return
        saved = _VIRTUAL_SIZE._layout, _VIRTUAL_SIZE._repaint
        _VIRTUAL_SIZE._layout = _VIRTUAL_SIZE._repaint = False
        try:
            for left in range(PASSES, 0, -1):
                self._passes_left = left
                self._relayout = []
                super()._refresh_layout(size, scroll)
                if not self._relayout:
                    return
                for widget in self._relayout:  # as Widget._check_refresh would, later
                    widget._layout_required = False
                    widget._clear_arrangement_cache()
                    for ancestor in widget.ancestors:
                        if not isinstance(ancestor, Widget):
                            break
                        ancestor._clear_arrangement_cache()
                        ancestor._layout_updates += 1
                        if not ancestor.styles.auto_dimensions:
                            break
                scroll = False
        finally:
            _VIRTUAL_SIZE._layout, _VIRTUAL_SIZE._repaint = saved
            self._passes_left = 0
            self._relayout = []

    def _compositor_refresh(self) -> None:
        if self._passes_left:
            visible = [w for w in self._compositor.visible_widgets if w is not self]
            if self._passes_left > 1:
                self._relayout = [w for w in visible if w._layout_required]
                if self._relayout:
                    return  # laid out again first (`_refresh_layout`), then painted
            # Widgets asked to be painted while being given their sizes: paint them now.
            asked = {w for w in visible if w._repaint_required}
            if asked:
                self._compositor.update_widgets(asked)
                for widget in asked:
                    widget._repaint_required = False
        super()._compositor_refresh()
