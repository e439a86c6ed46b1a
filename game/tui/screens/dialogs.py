"""Small modal screens: help, quit confirmation, a codex entry, and the codex list."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from game.engine import CodexEntry, Story

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"

GROUPS = (
    ("person", "People"),
    ("place", "Places"),
    ("organisation", "Organisations"),
    ("ship", "Ships"),
    ("term", "Terms"),
)


class HelpScreen(ModalScreen[None]):
    """How to play; Escape or F1 closes it."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            with VerticalScroll():
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


def entry_content(entry: CodexEntry) -> Content:
    group = dict(GROUPS).get(entry.group, entry.group).rstrip("s")
    parts = [Content(entry.name).stylize("bold"), Content(f"{group}").stylize("italic")]
    if entry.aliases:
        parts.append(Content("Also: " + ", ".join(entry.aliases)).stylize("italic"))
    parts.append(Content(" ".join(entry.text.split())))
    return Content("\n\n").join(parts)


class TermScreen(ModalScreen[None]):
    """One codex entry, opened from a highlighted term in the scene text."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, entry: CodexEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(id="term-dialog", classes="dialog"):
            with VerticalScroll():
                yield Static(entry_content(self.entry), id="term-text")
            yield Button("Close", id="close-term", variant="primary")

    @on(Button.Pressed, "#close-term")
    def close(self) -> None:
        self.dismiss()


class CodexScreen(ModalScreen[None]):
    """Every codex entry, grouped; the highlighted one is shown beside the list."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, story: Story) -> None:
        super().__init__()
        self.story = story

    def compose(self) -> ComposeResult:
        options: list[Option | None] = []
        for group, heading in GROUPS:
            entries = sorted(
                (e for e in self.story.codex.values() if e.group == group),
                key=lambda e: e.name.lower(),
            )
            if not entries:
                continue
            options.append(Option(Content(heading).stylize("bold"), disabled=True))
            options.extend(Option(f"  {e.name}", id=e.id) for e in entries)
        with Vertical(id="codex-dialog", classes="dialog"):
            yield Static(Content("Codex").stylize("bold"), id="codex-title")
            with Horizontal(id="codex-columns"):
                yield OptionList(*options, id="codex-list")
                with VerticalScroll(id="codex-entry"):
                    yield Static(id="codex-text")
            yield Button("Close", id="close-codex", variant="primary")

    def on_mount(self) -> None:
        codex_list = self.query_one("#codex-list", OptionList)
        codex_list.focus()
        codex_list.action_first()

    @on(OptionList.OptionHighlighted, "#codex-list")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id in self.story.codex:
            self.query_one("#codex-text", Static).update(
                entry_content(self.story.codex[event.option.id])
            )

    @on(Button.Pressed, "#close-codex")
    def close(self) -> None:
        self.dismiss()
