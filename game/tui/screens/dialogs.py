"""Small modal screens: help and quit confirmation."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"


class HelpScreen(ModalScreen[None]):
    """How to play; Escape or F1 closes it."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            with VerticalScroll():
                from textual.widgets import Markdown  # imported here: it costs 40 ms at start-up

                yield Markdown(HELP_FILE.read_text(encoding="utf-8"))
            yield Button("Close", id="close-help", variant="primary")

    @on(Button.Pressed, "#close-help")
    def close(self) -> None:
        self.dismiss()


class QuitScreen(ModalScreen[bool]):
    """Asks before quitting; Y or Enter quits, N or Escape goes back."""

    AUTO_FOCUS = "#quit-yes"
    BINDINGS = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog", classes="dialog"):
            yield Static("Quit Petrograd 1917?", id="quit-question")
            with Horizontal(id="quit-buttons"):
                yield Button("Quit (y)", id="quit-yes", variant="error")
                yield Button("Stay (n)", id="quit-no", variant="primary")

    def action_answer(self, quit_: bool) -> None:
        self.dismiss(quit_)

    @on(Button.Pressed, "#quit-yes")
    def yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#quit-no")
    def no(self) -> None:
        self.dismiss(False)
