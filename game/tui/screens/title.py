"""The title screen: the game's name, the moment it is set in, and where to go."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from game.engine import Story, paragraphs


class TitleScreen(Screen[None]):
    """New game has the focus, so Enter starts at once."""

    AUTO_FOCUS = "#new-game"

    def __init__(self, story: Story) -> None:
        super().__init__()
        self.story = story

    def compose(self) -> ComposeResult:
        story = self.story
        with VerticalScroll(classes="screen-body", id="title-body"):
            yield Static(Content(story.title.upper()).stylize("bold"), id="game-title")
            yield Static(Content("A story of October 1917, after Victor Serge"), id="game-subtitle")
            yield Static(
                Content("\n\n").join(Content(p) for p in paragraphs(story.intro)), id="intro"
            )
            with Center():
                with Vertical(id="menu"):
                    yield Button("New game", id="new-game", variant="primary")
                    yield Button(
                        "Continue", id="continue", disabled=True, tooltip="No saved game yet"
                    )
                    yield Button("Codex", id="codex")
                    yield Button("Help", id="help")
                    yield Button("Quit", id="quit")
        yield Footer()
        yield Static(
            "The terminal is too small.\nMake it at least 40 × 12.", classes="too-small-notice"
        )

    @on(Button.Pressed, "#new-game")
    def new_game(self) -> None:
        self.app.action_new_game()

    @on(Button.Pressed, "#codex")
    def codex(self) -> None:
        self.app.action_codex()

    @on(Button.Pressed, "#help")
    def help(self) -> None:
        self.app.action_help()

    @on(Button.Pressed, "#quit")
    def quit(self) -> None:
        self.app.action_quit_game()
