"""Whom to play: the story's viewpoints, each with a line on who they are and how far the
player has got with them. Picking one starts a new game as that character."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from game.session import PlaySession


class ViewpointScreen(ModalScreen[str | None]):
    """Dismissed with the chosen viewpoint's id, or None (Escape)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back"),
        Binding("up", "app.focus_previous", "Previous", show=False),
        Binding("down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        progress = {p.viewpoint.id: p for p in self.session.progress_by_viewpoint()}
        with Vertical(id="viewpoint-dialog", classes="dialog"):
            yield Static(Content("Whom do you play?").stylize("bold"), id="viewpoint-heading")
            yield Static(
                Content("Each sees the same days from another side; you can play them all."),
                id="viewpoint-intro",
            )
            # Not a VerticalScroll: that would take the arrow keys the buttons move by.
            with Vertical(id="viewpoint-list"):
                for number, viewpoint in enumerate(self.session.story.viewpoints.values(), 1):
                    yield Button(
                        Content(f"{number}. {viewpoint.name}"),
                        id=f"viewpoint-{number}",
                        name=viewpoint.id,
                        classes="viewpoint-button",
                    )
                    mine = progress.get(viewpoint.id)
                    done = (
                        f"  Scenes seen: {mine.seen} of {mine.scenes}; endings reached: "
                        f"{mine.reached} of {mine.endings}."
                        if mine is not None
                        else ""
                    )
                    yield Static(Content(viewpoint.about + done), classes="viewpoint-about")
            yield Button("Back", id="viewpoint-back")

    def on_mount(self) -> None:
        self.query_one("#viewpoint-1", Button).focus()

    @on(Button.Pressed, ".viewpoint-button")
    def picked(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.name)

    @on(Button.Pressed, "#viewpoint-back")
    def back(self) -> None:
        self.dismiss(None)
