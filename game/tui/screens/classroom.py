"""Screens an assignment adds: the student's name, a one-line "why?", the reflection questions."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from game.engine import Chapter

MAX_ANSWER = 500


class NameScreen(ModalScreen[str]):
    """Asks for the student's name: the only personal thing the game records."""

    def __init__(self, title: str, instructions: str) -> None:
        super().__init__()
        self.assignment_title = title
        self.instructions = instructions

    def compose(self) -> ComposeResult:
        with Vertical(id="name-dialog", classes="dialog"):
            yield Static(Content(f"Assignment: {self.assignment_title}").stylize("bold"))
            with VerticalScroll(id="name-instructions"):
                yield Static(Content(self.instructions))
            yield Label("Your name (only your name is recorded):")
            yield Input(placeholder="Your name", max_length=60, id="student-name")
            yield Static("", id="name-error")
            yield Button("Start", id="name-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#student-name", Input).focus()

    @on(Input.Submitted, "#student-name")
    @on(Button.Pressed, "#name-ok")
    def submit(self) -> None:
        name = self.query_one("#student-name", Input).value.strip()
        if not name:
            self.query_one("#name-error", Static).update("Please type your name first.")
            return
        self.dismiss(name)


class WhyScreen(ModalScreen[str | None]):
    """A one-line reason, asked before a choice is taken. Escape goes back without choosing."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="why-dialog", classes="dialog"):
            yield Static(Content.assemble(Content("You chose: ").stylize("bold"), self.label))
            yield Label("Why? Say it in one line:")
            yield Input(placeholder="Because...", max_length=MAX_ANSWER, id="why-input")
            yield Static("", id="why-error")
            yield Button("Take this choice", id="why-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#why-input", Input).focus()

    @on(Input.Submitted, "#why-input")
    @on(Button.Pressed, "#why-ok")
    def submit(self) -> None:
        text = self.query_one("#why-input", Input).value.strip()
        if not text:
            self.query_one("#why-error", Static).update(
                "Write a few words first (Escape to go back)."
            )
            return
        self.dismiss(text)


class ReflectionScreen(ModalScreen[list[str]]):
    """The chapter's questions the assignment requires; every one needs an answer."""

    def __init__(self, questions: list[tuple[Chapter, str]]) -> None:
        super().__init__()
        self.questions = questions

    def compose(self) -> ComposeResult:
        with Vertical(id="reflection-dialog", classes="dialog"):
            chapter = self.questions[0][0]
            yield Static(
                Content(f"To think about, from chapter {chapter.number}, {chapter.title}").stylize(
                    "bold"
                )
            )
            with VerticalScroll(id="reflection-questions"):
                for index, (_, question) in enumerate(self.questions):
                    yield Static(Content(question), classes="reflection-question")
                    yield Input(
                        placeholder="Your answer", max_length=MAX_ANSWER, id=f"answer-{index}"
                    )
            yield Static("", id="reflection-error")
            yield Button("Save my answers", id="reflection-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer-0", Input).focus()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        index = int((event.input.id or "answer-0").rsplit("-", 1)[1])
        if index + 1 < len(self.questions):
            self.query_one(f"#answer-{index + 1}", Input).focus()
        else:
            self.submit()

    @on(Button.Pressed, "#reflection-ok")
    def submit(self) -> None:
        answers = [
            self.query_one(f"#answer-{i}", Input).value.strip() for i in range(len(self.questions))
        ]
        if not all(answers):
            self.query_one("#reflection-error", Static).update("Please answer every question.")
            return
        self.dismiss(answers)
