"""Save and load screens: every slot with its scene, chapter, date in the story and time saved."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from game.saves import ALL_SLOTS, AUTO, SLOTS, SaveInfo
from game.session import PlaySession


def slot_prompt(slot: str, info: SaveInfo | None) -> Content:
    name = "Autosave" if slot == AUTO else f"Slot {slot}"
    if info is None:
        return Content(f"{name}: empty").stylize("italic")
    if not info.ok:
        return Content.assemble(Content(f"{name}: ").stylize("bold"), f"unreadable ({info.reason})")
    ending = "  (an ending)" if info.ended else ""
    return Content.assemble(
        Content(f"{name}: ").stylize("bold"),
        f"{info.scene_title}{ending}\n   {info.chapter}\n   {info.story_date}  ·  saved {info.saved_local}",
    )


class SlotScreen(ModalScreen[str | None]):
    """Pick a slot; dismisses with its name, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]
    TITLE_TEXT = ""
    SLOTS: tuple[str, ...] = ALL_SLOTS

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        infos = dict(zip(ALL_SLOTS, self.session.saves(), strict=True))
        options = [
            Option(slot_prompt(slot, infos[slot]), id=slot, disabled=not self.can_pick(infos[slot]))
            for slot in self.SLOTS
        ]
        with Vertical(id="slots-dialog", classes="dialog"):
            yield Static(Content(self.TITLE_TEXT).stylize("bold"), id="slots-title")
            yield OptionList(*options, id="slot-list")
            yield Button("Back", id="slots-back")

    def can_pick(self, info: SaveInfo | None) -> bool:
        return True

    def on_mount(self) -> None:
        self.query_one("#slot-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#slot-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#slots-back")
    def back(self) -> None:
        self.dismiss(None)


class SaveScreen(SlotScreen):
    TITLE_TEXT = "Save to which slot?"
    SLOTS = SLOTS


class LoadScreen(SlotScreen):
    TITLE_TEXT = "Load which save?"

    def can_pick(self, info: SaveInfo | None) -> bool:
        return info is not None and info.ok
