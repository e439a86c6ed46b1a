"""The scene screen: where the story is read and choices are made."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static

from game.engine import ChoiceUnavailable, Frame, Game
from game.tui.widgets.choice_list import ChoiceList
from game.tui.widgets.scene_text import linked_text
from game.tui.widgets.side_panel import SidePanel

#: Below this width the side panel steps aside for the text (V brings it back).
NARROW = 70


class SceneScreen(Screen[None]):
    """Shows the game's current frame and passes choices to the engine."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", f"Choose {n}", show=False) for n in range(1, 10)),
        Binding("v", "toggle_panel", "Panel"),
        Binding("pageup", "scroll_text(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_text(1)", "Scroll down", show=False),
    ]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game
        self.panel_wanted = True
        self.last_note: Content | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="screen-body"):
            yield Static(id="scene-header")
            with Horizontal(id="scene-main"):
                with VerticalScroll(id="scene-pane"):
                    yield Static(id="reflection")
                    yield Static(id="last-choice")
                    yield Static(id="scene-title")
                    yield Static(id="scene-text")
                yield SidePanel(id="side-panel")
            yield ChoiceList(id="choices")
        yield Footer()
        yield Static(
            "The terminal is too small.\nMake it at least 40 × 12.", classes="too-small-notice"
        )

    def on_mount(self) -> None:
        self.show_frame(self.game.frame)

    # ------------------------------------------------------------ drawing

    def show_frame(self, frame: Frame) -> None:
        story = self.game.story
        scene = frame.scene
        header = f"Chapter {frame.chapter.number}: {frame.chapter.title}  │  {scene.dates}  │  {scene.time}  │  {scene.place}"
        self.query_one("#scene-header", Static).update(Content(header))
        self.query_one("#scene-title", Static).update(Content(scene.title).stylize("bold"))
        self.query_one("#scene-text", Static).update(linked_text(story, scene.text))
        reflection = self.query_one("#reflection", Static)
        questions = [(c, q) for c, q in frame.reflection if c.id != frame.chapter.id]
        if questions:
            lines = [
                Content(f"To think about, from chapter {c.number}, {c.title}:").stylize("bold")
                for c, _ in questions[:1]
            ]
            lines += [Content(f"• {question}") for _, qs in questions for question in qs]
            reflection.update(Content("\n").join(lines))
        reflection.display = bool(questions)
        last = self.query_one("#last-choice", Static)
        last.update(self.last_note or "")
        last.display = self.last_note is not None
        self.query_one(SidePanel).show(story, frame)
        choices = self.query_one(ChoiceList)
        choices.show(frame.choices)
        choices.focus()
        self.query_one("#scene-pane", VerticalScroll).scroll_home(animate=False)

    # ------------------------------------------------------------ choosing

    def take(self, choice_id: str) -> None:
        scene = self.game.scene
        try:
            self.game.choose(choice_id)
        except ChoiceUnavailable as exc:
            self.notify(str(exc), title="Not open", severity="warning")
            return
        choice = scene.choice(choice_id)
        assert choice is not None
        verdict = (
            "faithful to history" if choice.history == "faithful" else "a departure from history"
        )
        self.last_note = Content.assemble(
            Content(f"Your last choice was {verdict}: ").stylize("italic"), Content(choice.note)
        )
        frame = self.game.frame
        if frame.ended:
            from game.tui.screens.ending import EndingScreen

            self.app.switch_screen(EndingScreen(self.game))
            return
        self.show_frame(frame)

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None and not event.option.disabled:
            self.take(event.option.id)

    def action_pick(self, number: int) -> None:
        for view in self.game.frame.choices:
            if view.number == number:
                if view.available:
                    self.take(view.id)
                else:
                    self.notify(
                        f"Not open: {view.reason}", title=f"Choice {number}", severity="warning"
                    )
                return

    def action_toggle_panel(self) -> None:
        self.panel_wanted = not self.panel_wanted
        self.set_class(not self.panel_wanted, "-panel-hidden")

    def action_scroll_text(self, direction: int) -> None:
        pane = self.query_one("#scene-pane", VerticalScroll)
        if direction < 0:
            pane.scroll_page_up()
        else:
            pane.scroll_page_down()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
