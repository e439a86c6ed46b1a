"""The ending screen: the ending, what really happened, and the player's path through history."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from game.session import Session
from game.tui.screens.scene import header_text
from game.tui.widgets.scene_text import linked_text

KIND_LABELS = {
    "historical": "The historical ending: this is what happened.",
    "alternate": "An alternate ending: this did not happen.",
    "defeat": "A defeat: this did not happen.",
}


class EndingScreen(Screen[None]):
    """Shown when the game reaches an ending."""

    BINDINGS = [
        Binding("n", "app.new_game", "New game"),
        Binding("backspace,ctrl+z", "undo", "Undo"),
        Binding("e", "app.endings", "Endings"),
        Binding("t", "app.title_screen", "Title"),
        Binding("pageup", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll(1)", "Scroll down", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        assert session.game is not None
        self.game = session.game

    def compose(self) -> ComposeResult:
        game = self.game
        frame = game.frame
        scene = frame.scene
        ending = frame.ending
        assert ending is not None
        story = game.story
        with Vertical(classes="screen-body"):
            yield Static(header_text(frame), id="ending-header")
            with VerticalScroll(id="ending-pane"):
                yield Static(Content(scene.title).stylize("bold"), classes="ending-scene-title")
                yield Static(linked_text(story, scene.text), classes="ending-scene-text")
                yield Static(Content(f"THE END: {ending.title}").stylize("bold"), id="ending-title")
                yield Static(Content(KIND_LABELS[ending.kind]).stylize("italic"), id="ending-kind")
                yield Static(linked_text(story, ending.epilogue), id="epilogue")
                for chapter, questions in frame.reflection:
                    heading = Content(
                        f"To think about, from chapter {chapter.number}, {chapter.title}:"
                    ).stylize("bold")
                    yield Static(
                        Content("\n").join([heading] + [Content(f"• {q}") for q in questions]),
                        classes="ending-reflection",
                    )
                yield Static(Content("Your path and history").stylize("bold"), id="path-heading")
                for number, entry in enumerate(game.path(), 1):
                    choice = entry.choice
                    marker = "FAITHFUL" if choice.history == "faithful" else "DIVERGENT"
                    yield Static(
                        Content.assemble(
                            Content(f"{number}. [{marker}] ").stylize("bold"),
                            Content(f"{entry.scene.title}: {choice.label}"),
                            "\n",
                            Content(
                                f"{choice.note} (sources: {', '.join(choice.sources)})"
                            ).stylize("italic"),
                        ),
                        classes=f"path-step -{choice.history}",
                    )
        yield Footer()
        yield Static(
            "The terminal is too small.\nMake it at least 40 × 12.", classes="too-small-notice"
        )

    def on_mount(self) -> None:
        self.query_one("#ending-pane").focus()
        if self.session.save_problem:
            self.notify(self.session.save_problem, title="Not saved", severity="error", timeout=8)

    def action_undo(self) -> None:
        from game.tui.screens.scene import SceneScreen

        self.session.undo()
        self.app.switch_screen(SceneScreen(self.session))

    def action_scroll(self, direction: int) -> None:
        pane = self.query_one("#ending-pane", VerticalScroll)
        if direction < 0:
            pane.scroll_page_up()
        else:
            pane.scroll_page_down()
