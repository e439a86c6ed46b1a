"""The title screen: the story's title and byline, its intro, progress, and where to go."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from game.engine import paragraphs
from game.session import PlaySession

if TYPE_CHECKING:
    from game.classroom.session import ClassroomSession
from game.tui.widgets.too_small import TooSmallNotice


class TitleScreen(Screen[None]):
    """Continue has the focus when there is an unfinished game to continue, else New game, so Enter
    does what a returning or a new player wants; the arrow keys move through the menu."""

    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("up", "app.focus_previous", "Previous", show=False),
        Binding("down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, session: PlaySession, classroom: ClassroomSession | None = None) -> None:
        super().__init__()
        self.session = session
        self.classroom = classroom
        self.latest = session.latest_save()
        #: In an assessment, what is off is not offered: a new game over the student's
        #: own (when it is played once), and loading.
        self.may_start = classroom is None or classroom.may_start_over
        self.offers_load = not session.rules.assessed

    def on_mount(self) -> None:
        resume = self.latest is not None and (not self.latest.ended or not self.may_start)
        buttons = [b for b in self.query(Button) if not b.disabled]
        wanted = "continue" if resume or not self.may_start else "new-game"
        next((b for b in buttons if b.id == wanted), buttons[0]).focus()

    def compose(self) -> ComposeResult:
        story = self.session.story
        latest = self.latest
        seen, scenes, reached, endings = self.session.progress
        on_screen = self.session.in_progress  # a game under way, even if its save failed
        with VerticalScroll(classes="screen-body", id="title-body"):
            # The story's own title and byline, as plain text: never markup from a story file.
            title = Content(story.title.upper()).stylize("bold")
            yield Static(title, id="game-title", classes="" if story.byline else "alone")
            if story.byline:
                yield Static(Content(story.byline), id="game-subtitle")
            yield Static(
                Content("\n\n").join(Content(p) for p in paragraphs(story.intro)), id="intro"
            )
            # Each viewpoint's own progress is shown where it is chosen (ViewpointScreen).
            yield Static(
                f"Scenes seen: {seen} of {scenes}   ·   Endings reached: {reached} of {endings}",
                id="progress",
            )
            with Center():
                with Vertical(id="menu"):
                    if self.may_start:
                        yield Button(self.new_game_label(), id="new-game", variant="primary")
                    yield Button(
                        "Continue" if latest or on_screen else "Continue (no save yet)",
                        id="continue",
                        disabled=latest is None and not on_screen,
                        tooltip=Content(f"{latest.scene_title}, saved {latest.saved_local}")
                        if latest
                        else "No saved game yet",  # a save's title is plain text, never markup
                    )
                    if self.offers_load:
                        yield Button(
                            "Load" if latest else "Load (no saves yet)",
                            id="load",
                            disabled=latest is None,
                        )
                    yield Button("Endings", id="endings")
                    if story.codex:  # a story of its own may have none
                        yield Button("Codex", id="codex")
                    yield Button("Settings", id="settings")
                    yield Button("Help", id="help")
                    yield Button("Quit", id="quit")
        yield Footer()
        yield TooSmallNotice()

    def new_game_label(self) -> str:
        """'New game'; in an assignment, 'Start the assignment', or the next attempt's
        number when the student has played it before."""
        classroom = self.classroom
        if classroom is None:
            return "New game"
        game = self.session.game
        played = (game is not None and bool(game.record.steps)) or self.latest is not None
        if classroom.assessment and played:
            return f"Start attempt {classroom.attempt + 1}"
        return "Start the assignment" if not played else "New game"

    #: Each menu button runs the app action of the same purpose.
    ACTIONS = {
        "new-game": "new_game",
        "continue": "continue_game",
        "load": "load",
        "endings": "endings",
        "codex": "codex",
        "settings": "settings",
        "help": "help",
        "quit": "quit_game",
    }

    @on(Button.Pressed)
    async def pressed(self, event: Button.Pressed) -> None:
        action = self.ACTIONS.get(event.button.id or "")
        if action is not None:
            await self.app.run_action(f"app.{action}")
