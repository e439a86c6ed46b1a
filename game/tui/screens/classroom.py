"""Screens an assignment adds: the student's name, a one-line "why?", the reflection questions."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from game.classroom.session import SignIn, words_in
from game.engine import Chapter
from game.engine.record import MAX_TEXT

MAX_ANSWER = 500
#: A reflection answer may run to a few paragraphs.
MAX_REFLECTION = MAX_TEXT


class NameScreen(ModalScreen[SignIn]):
    """Asks for the student's name, the only personal thing the game records, and signs
    them in with `sign_in`. Where names are shared (a served class), a returning student
    is asked for their code, and a new one is shown theirs to write down. Dismissed with
    the successful SignIn."""

    def __init__(
        self, title: str, instructions: str, sign_in: Callable[[str, str | None], SignIn]
    ) -> None:
        super().__init__()
        self.assignment_title = title
        self.instructions = instructions
        self.sign_in = sign_in
        self.signed_in: SignIn | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="name-dialog", classes="dialog"):
            yield Static(Content(f"Assignment: {self.assignment_title}").stylize("bold"))
            with VerticalScroll(id="name-instructions"):
                yield Static(Content(self.instructions))
            yield Label("Your name (only your name is recorded):", id="name-label")
            yield Input(placeholder="Your name", max_length=60, id="student-name")
            yield Label("Your code:", id="code-label")
            yield Input(placeholder="ABC-123", max_length=20, id="student-code")
            yield Static("", id="name-error")
            yield Static("", id="your-code")
            yield Button("Start", id="name-ok", variant="primary")

    def on_mount(self) -> None:
        for hidden in ("#code-label", "#student-code", "#your-code"):
            self.query_one(hidden).display = False
        self.query_one("#student-name", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#name-ok")
    def submit(self) -> None:
        if self.signed_in is not None:  # the new code has been shown: go on
            self.dismiss(self.signed_in)
            return
        name = self.query_one("#student-name", Input).value.strip()
        error = self.query_one("#name-error", Static)
        if not name:
            error.update("Please type your name first.")
            return
        code_input = self.query_one("#student-code", Input)
        code = code_input.value.strip() if code_input.display else None
        result = self.sign_in(name, code or None)
        error.update(Content(result.message) if not result.ok else "")
        if result.needs_code:
            self.query_one("#code-label").display = True
            code_input.display = True
            code_input.focus()
            return
        if not result.ok:
            return
        if result.code is None:
            self.dismiss(result)
            return
        # A new student: their code, large and alone, before anything else.
        self.signed_in = result
        for widget in self.query(Input):
            widget.disabled = True
        shown = self.query_one("#your-code", Static)
        shown.update(
            Content.assemble(
                Content("Your code: ").stylize("bold"),
                Content(result.code).stylize("bold reverse"),
                "\n",
                result.message,
            )
        )
        shown.display = True
        button = self.query_one("#name-ok", Button)
        button.label = "I have written it down"
        button.focus()


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
    """The chapter's questions the assignment requires: each answer a box of several lines
    (Enter starts a new line; Tab moves to the next box; Ctrl+S or the button saves).
    `problem` says why an answer will not do (too short, say), or None."""

    BINDINGS = [Binding("ctrl+s", "submit", "Save my answers")]

    def __init__(
        self,
        questions: list[tuple[Chapter, str]],
        problem: Callable[[str], str | None] = lambda text: None if text.strip() else "empty",
        min_words: int = 0,
    ) -> None:
        super().__init__()
        self.questions = questions
        self.problem = problem
        self.min_words = min_words

    def compose(self) -> ComposeResult:
        with Vertical(id="reflection-dialog", classes="dialog"):
            chapter = self.questions[0][0]
            yield Static(
                Content(f"To think about, from chapter {chapter.number}, {chapter.title}").stylize(
                    "bold"
                )
            )
            hint = "Enter starts a new line; Tab goes to the next answer."
            if self.min_words:
                hint = f"At least {self.min_words} words each. " + hint
            yield Static(Content(hint), id="reflection-hint")
            with VerticalScroll(id="reflection-questions"):
                for index, (_, question) in enumerate(self.questions):
                    yield Static(Content(question), classes="reflection-question")
                    yield TextArea(id=f"answer-{index}", classes="reflection-answer")
                    yield Static("", id=f"count-{index}", classes="reflection-count")
            yield Static("", id="reflection-error")
            yield Button("Save my answers (Ctrl+S)", id="reflection-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer-0", TextArea).focus()

    @on(TextArea.Changed)
    def count(self, event: TextArea.Changed) -> None:
        """Keep each answer within its length, and show its words against the minimum."""
        area = event.text_area
        if len(area.text) > MAX_REFLECTION:
            area.text = area.text[:MAX_REFLECTION]
        index = (area.id or "answer-0").rsplit("-", 1)[1]
        words = words_in(area.text)
        wanted = f" of at least {self.min_words}" if self.min_words else ""
        self.query_one(f"#count-{index}", Static).update(f"{words} word(s){wanted}")

    def action_submit(self) -> None:
        self.submit()

    @on(Button.Pressed, "#reflection-ok")
    def submit(self) -> None:
        answers = [
            self.query_one(f"#answer-{i}", TextArea).text.strip()
            for i in range(len(self.questions))
        ]
        for index, answer in enumerate(answers):
            problem = self.problem(answer)
            if problem is not None:
                self.query_one("#reflection-error", Static).update(
                    Content(f"Answer {index + 1}: {problem}")
                )
                self.query_one(f"#answer-{index}", TextArea).focus()
                return
        self.dismiss(answers)
