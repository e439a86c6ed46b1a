"""The history screen: every scene passed and choice made so far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from game.engine import Game, wording


def path_content(game: Game) -> Content:
    """The path as numbered lines; each choice marked faithful or divergent in words."""
    lines: list[Content] = []
    for number, entry in enumerate(game.path(), 1):
        marker = wording.history_tag(entry.choice.history)
        lines.append(
            Content.assemble(
                Content(f"{number}. {entry.scene.title}").stylize("bold"),
                f"  ({wording.dual_date(entry.scene.date)})\n   You chose: {entry.label}  ",
                Content(f"[{marker}]").stylize("bold"),
            )
        )
    frame = game.frame
    lines.append(
        Content.assemble(Content("Now: ").stylize("bold"), f"{frame.scene.title} ({frame.dates})")
    )
    return Content("\n\n").join(lines)


class HistoryScreen(ModalScreen[None]):
    """Scrollable; Escape or H closes it."""

    BINDINGS = [Binding("escape,h,q", "dismiss", "Close")]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog"):
            yield Static(Content("Your path so far").stylize("bold"))
            with VerticalScroll(id="history-scroll"):
                yield Static(path_content(self.game), id="history-text")

    def on_mount(self) -> None:
        self.query_one("#history-scroll").focus()
