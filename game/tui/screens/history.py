"""The history screen: every scene passed and choice made so far, with history's notes
on them (as far as the spoiler setting allows)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from game.engine import Game, NoteTiming, wording


def path_widgets(game: Game, timing: NoteTiming) -> list[Static]:
    """One block per step: its scene and date on the first line, then (indented, so that
    wrapped lines stay under it) the choice, its verdict and history's note."""
    blocks: list[Static] = []
    # A story that grades no choice has no verdicts to keep for later: an author's note on
    # a choice is shown as it is, with no tag.
    graded = game.frame.graded
    for number, (entry, noted) in enumerate(game.noted_path(timing), 1):
        blocks.append(
            Static(
                Content.assemble(
                    Content(f"{number}. {entry.scene.title}").stylize("bold"),
                    f" · {entry.scene.dates}",
                ),
                classes="history-scene",
            )
        )
        choice = entry.choice
        lines = [Content(f"You chose: {entry.label}")]
        if noted or not graded:
            if graded:
                verdict = Content.assemble(
                    Content(wording.history_tag(choice.history)).stylize("bold"),
                    f" · {wording.history_meaning(choice.history)}",
                )
                lines.append(verdict)
            if choice.note.strip():
                sources = f" (sources: {', '.join(choice.sources)})" if choice.sources else ""
                lines.append(Content(f"{choice.note}{sources}").stylize("italic"))
        elif not entry.alone:
            lines.append(Content(wording.NOTE_LATER).stylize("italic"))
        blocks.append(
            Static(Content("\n").join(lines), classes=f"history-choice -{choice.history}")
        )
    frame = game.frame
    blocks.append(
        Static(
            Content.assemble(
                Content("Now: ").stylize("bold"), f"{frame.scene.title} · {frame.dates}"
            ),
            classes="history-scene",
        )
    )
    return blocks


class HistoryScreen(ModalScreen[None]):
    """Scrollable; Escape or H closes it."""

    BINDINGS = [Binding("escape,h,q", "dismiss", "Close")]

    def __init__(self, game: Game, timing: NoteTiming = "choice") -> None:
        super().__init__()
        self.game = game
        self.timing = timing

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog"):
            yield Static(Content(wording.HISTORY_HEADING).stylize("bold"))
            with VerticalScroll(id="history-scroll"):
                if not self.game.path():
                    yield Static(Content(f"({wording.NO_CHOICES_YET})"), classes="history-scene")
                yield from path_widgets(self.game, self.timing)

    def on_mount(self) -> None:
        self.query_one("#history-scroll").focus()
