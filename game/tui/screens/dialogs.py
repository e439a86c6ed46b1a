"""Small modal screens: help, the quit question, other confirmations, the escape menu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from game.engine.files import shown

if TYPE_CHECKING:
    from game.engine import Story

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"
#: `<!-- for: article own -->` in help.md: the lines after it are for those stories only.
_FOR = re.compile(r"<!-- for: ([a-z -]+) -->")
#: The words of a `for:` line that name what a story cites (any one of them will do).
_CITATIONS = frozenset({"article", "own", "none"})
#: Characters Markdown gives a meaning to (all of ASCII's punctuation may be escaped).
_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_text(text: str) -> str:
    """Text from outside (a story's title) as Markdown that shows it as it is: no
    character of it is read as emphasis, a link or a heading, and none reaches the
    terminal as a control sequence (`files.shown`)."""
    return _MARKDOWN.sub(r"\\\1", shown(text))


def story_traits(story: Story) -> frozenset[str]:
    """The words of help.md's `for:` lines that hold for the story: what it cites
    ("article", "own" or "none"), "old-style" when its dates are Old Style, "graded" or
    "ungraded" (whether some choice is graded faithful or divergent), "codex" or "no-codex"."""
    from game.engine.game import story_grades

    traits: set[str] = {story.citations}
    if any(scene.old_style for scene in story.scenes.values()):
        traits.add("old-style")
    traits.add("graded" if story_grades(story) else "ungraded")
    traits.add("codex" if story.codex else "no-codex")
    return frozenset(traits)


def _wanted(words: list[str], traits: frozenset[str]) -> bool:
    """A `for:` line's part is shown when the story cites one of the sources named (if
    any is) and has every other trait named; `all` is every story."""
    cites = [word for word in words if word in _CITATIONS]
    if cites and not any(word in traits for word in cites):
        return False
    return all(word in traits for word in words if word not in _CITATIONS and word != "all")


def help_text(story: Story, *, assessed: bool = False, classroom: bool = False) -> str:
    """The help, as it applies: to the story (its title; Victor Serge only for a story that
    cites his article; the calendar only when its dates are Old Style; history's verdicts
    only when it grades its choices; the codex only when it has one); in an assessment,
    what is off (undo, loading) is not listed; in an assignment, the hand-in is."""
    rows = []
    wanted = True
    comment = False
    traits = story_traits(story)
    for line in HELP_FILE.read_text(encoding="utf-8").splitlines():
        if found := _FOR.fullmatch(line):
            wanted = _wanted(found.group(1).split(), traits)
            continue
        if comment or line.startswith("<!--"):  # a note to whoever edits the file
            comment = "-->" not in line
            continue
        if not wanted:
            continue
        line = line.replace("{title}", markdown_text(story.title))
        if assessed and line.startswith("| Backspace or Ctrl+Z |"):
            continue
        if assessed and line.startswith("| S / L |"):
            line = "| S | save to a slot (you are asked before one is replaced) |"
        if assessed and line.startswith("| Escape |"):
            line = line.replace("save, load,", "save,")
        if classroom and line.startswith("| F1 or ? |"):
            rows.append("| W | hand in: write your record now (it is also written at the ending) |")
        rows.append(line)
    if assessed:
        rows[1:1] = ["", "This assignment is assessed: your decisions stand, so each one counts."]
    return "\n".join(rows) + "\n"


class HelpScreen(ModalScreen[None]):
    """How to play; Escape or F1 closes it."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]

    def __init__(self, story: Story, *, assessed: bool = False, classroom: bool = False) -> None:
        super().__init__()
        self.text = help_text(story, assessed=assessed, classroom=classroom)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            with VerticalScroll():
                from textual.widgets import Markdown  # imported here: it costs 40 ms at start-up

                yield Markdown(self.text)
            yield Button("Close", id="close-help", variant="primary")

    @on(Button.Pressed, "#close-help")
    def close(self) -> None:
        self.dismiss()


class QuitScreen(ModalScreen[bool]):
    """Asks before quitting ("Quit The Lighthouse?", the story's title as plain text, never
    markup); Y or Enter quits, N or Escape goes back."""

    AUTO_FOCUS = "#quit-yes"
    BINDINGS = [
        Binding("y", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.story_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog", classes="dialog"):
            yield Static(Content(f"Quit {self.story_title}?"), id="quit-question")
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

    def __init__(self, *, offers_load: bool = True) -> None:
        super().__init__()
        #: False in an assessment: loading an earlier save is off, so it is not offered.
        self.offers_load = offers_load

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-dialog", classes="dialog"):
            yield Static(Content("Paused"), id="menu-heading")
            for button_id, label, _ in self.ITEMS:
                if button_id != "menu-load" or self.offers_load:
                    yield Button(label, id=button_id, classes="menu-item")
            yield Static(Content("Your game is saved after every choice."), id="menu-note")

    @on(Button.Pressed, ".menu-item")
    def picked(self, event: Button.Pressed) -> None:
        action = {button: action for button, _, action in self.ITEMS}.get(event.button.id or "")
        self.dismiss(action or None)
