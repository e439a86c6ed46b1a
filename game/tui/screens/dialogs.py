"""Small modal screens: help, the quit question, other confirmations, the escape menu."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
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


class ConfirmScreen(ModalScreen[bool]):
    """Asks before something that cannot be taken back. "No, go back" has the focus, so
    Enter (and Escape, and N) keep things as they are; Y or the other button goes on."""

    AUTO_FOCUS = "#confirm-no"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
        Binding("left,right", "app.focus_next", "Other answer", show=False),
    ]

    def __init__(self, question: str, detail: str, yes: str) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content(self.detail), id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button("No, go back (n)", id="confirm-no", variant="primary")
                yield Button(Content(f"{self.yes_label} (y)"), id="confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#confirm-yes")
    def yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def no(self) -> None:
        self.dismiss(False)


class MenuScreen(ModalScreen[str | None]):
    """Escape in a scene: a small menu. Dismissed with the app action to run (None: resume)."""

    #: (button id, label, app action) in the order shown.
    ITEMS = (
        ("menu-resume", "Resume", ""),
        ("menu-save", "Save", "app.save"),
        ("menu-load", "Load", "app.load"),
        ("menu-settings", "Settings", "app.settings"),
        ("menu-title", "Title screen", "app.title_screen"),
        ("menu-quit", "Quit", "app.quit_game"),
    )
    AUTO_FOCUS = "#menu-resume"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Resume"),
        Binding("up", "app.focus_previous", "Previous", show=False),
        Binding("down", "app.focus_next", "Next", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-dialog", classes="dialog"):
            yield Static(Content("Paused"), id="menu-heading")
            for button_id, label, _ in self.ITEMS:
                yield Button(label, id=button_id, classes="menu-item")
            yield Static(Content("Your game is saved after every choice."), id="menu-note")

    @on(Button.Pressed, ".menu-item")
    def picked(self, event: Button.Pressed) -> None:
        action = {button: action for button, _, action in self.ITEMS}.get(event.button.id or "")
        self.dismiss(action or None)
