"""The list of choices: numbers, arrows and Enter, or a click; closed choices are dimmed and say why."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from game.engine import ChoiceView


def choice_prompt(view: ChoiceView) -> Content:
    """One choice as shown: '1. Label', or for a closed one, a second line saying why in words."""
    number = Content(f"{view.number}. ")
    if view.available:
        return number + Content(view.label)
    return Content.assemble(
        number,
        Content(view.label).stylize("strike"),
        "\n   ",
        Content(f"(not open: {view.reason})").stylize("italic"),
    )


class ChoiceList(OptionList):
    """The current scene's choices. Posts Chosen when one is taken, and Beyond when an arrow
    key goes past the first or last open choice (the screen scrolls its text then)."""

    @dataclass
    class Chosen(Message):
        """The player took an open choice."""

        choice_id: str

    @dataclass
    class Beyond(Message):
        """An arrow key past the end of the choices: -1 above the first, 1 below the last."""

        direction: int

    def get_content_height(self, container, viewport, width):  # type: ignore[no-untyped-def]
        # Wrapping to no width at all fails inside Rich; a sliver of a terminal gets one line each.
        if width < 4:
            return self.option_count
        return super().get_content_height(container, viewport, width)

    #: The width the option list's caches were filled at (Textual keys them by option only).
    _cache_width = -1

    def _follow_width(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._cache_width:
            self._cache_width = width
            self._option_render_cache.clear()
            self._line_cache.clear()

    def _update_lines(self) -> None:
        self._follow_width()
        super()._update_lines()

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        self._follow_width()
        return super()._get_option_render(option, style)

    def _on_resize(self, event: Resize) -> None:
        """Textual's OptionList empties its caches and paints again on every resize, after the
        frame that showed it at its new size: with a new scene's choices, a second frame the
        same as the first. Its caches follow their width above instead (game/tui/onepaint.py)."""
        event.prevent_default()  # not OptionList's own

    def show(self, choices: tuple[ChoiceView, ...]) -> None:
        """Replace the options with a frame's choices and highlight the first open one."""
        self.set_options(
            Option(choice_prompt(view), id=view.id, disabled=not view.available) for view in choices
        )
        first_open = next((i for i, view in enumerate(choices) if view.available), None)
        self.highlighted = first_open

    def _open(self) -> list[int]:
        return [i for i, option in enumerate(self.options) if not option.disabled]

    def action_cursor_up(self) -> None:
        open_ = self._open()
        if not open_ or self.highlighted is None or self.highlighted <= open_[0]:
            self.post_message(self.Beyond(-1))
            return
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        open_ = self._open()
        if not open_ or self.highlighted is None or self.highlighted >= open_[-1]:
            self.post_message(self.Beyond(1))
            return
        super().action_cursor_down()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None and not event.option.disabled:
            self.post_message(self.Chosen(event.option.id))
