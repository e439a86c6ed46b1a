"""The list of choices: numbers, arrows and Enter, or a click; closed choices are dimmed and say why."""

from __future__ import annotations

from textual.content import Content
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
    """The current scene's choices. Selecting one posts OptionList.OptionSelected."""

    def get_content_height(self, container, viewport, width):  # type: ignore[no-untyped-def]
        # Wrapping to no width at all fails inside Rich; a sliver of a terminal gets one line each.
        if width < 4:
            return self.option_count
        return super().get_content_height(container, viewport, width)

    def show(self, choices: tuple[ChoiceView, ...]) -> None:
        """Replace the options with a frame's choices and highlight the first open one."""
        self.set_options(
            Option(choice_prompt(view), id=view.id, disabled=not view.available) for view in choices
        )
        first_open = next((i for i, view in enumerate(choices) if view.available), None)
        self.highlighted = first_open
