"""The scene screen: where the story is read and choices are made."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click, Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static

from game.atomic import WriteFailed
from game.engine import ChoiceUnavailable, Frame, wording
from game.profile import REVEAL_SPEEDS
from game.saves import SaveError
from game.session import Locked, Session
from game.tui.widgets.choice_list import ChoiceList
from game.tui.widgets.scene_text import passages_content
from game.tui.widgets.side_panel import SidePanel
from game.tui.widgets.steady import SteadyStatic
from game.tui.widgets.too_small import TooSmallNotice

#: Below this width the side panel steps aside for the text (V brings it back).
NARROW = 70
#: Text reveal ticks this many times a second.
REVEAL_TICKS = 30


def header_text(frame: Frame) -> Content:
    scene = frame.scene
    return Content(f"{frame.chapter_heading}  │  {frame.dates}  │  {scene.time}  │  {scene.place}")


def verdict_content(frame: Frame) -> Content | None:
    """What history says of the choice that led here (None at the start)."""
    verdict = frame.verdict
    if verdict is None:
        return None
    return Content.assemble(Content(f"{verdict.heading} ").stylize("italic"), Content(verdict.note))


class SceneScreen(Screen[None]):
    """Shows the game's current frame and passes choices to the session."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", f"Choose {n}", show=False) for n in range(1, 10)),
        Binding("backspace,ctrl+z", "undo", "Undo"),
        Binding("h", "history", "History"),
        Binding("s", "save", "Save"),
        Binding("l", "load", "Load"),
        Binding("o", "app.settings", "Settings"),
        Binding("w", "app.hand_in", "Hand in", show=False),
        Binding("v", "toggle_panel", "Panel", show=False),
        Binding("space", "skip_reveal", "Show all", show=False),
        Binding("pageup", "scroll_text(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_text(1)", "Scroll down", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.last_note: Content | None = None
        self.reveal_timer: Timer | None = None
        self.full_text = Content("")
        self.shown = 0

    @property
    def game(self):  # type: ignore[no-untyped-def]
        assert self.session.game is not None
        return self.session.game

    def compose(self) -> ComposeResult:
        with Vertical(classes="screen-body"):
            yield SteadyStatic(id="scene-header")
            with Horizontal(id="scene-main"):
                with VerticalScroll(id="scene-pane"):
                    yield SteadyStatic(id="reflection")
                    yield SteadyStatic(id="last-choice")
                    yield SteadyStatic(id="scene-title")
                    yield SteadyStatic(id="scene-text")
                yield SidePanel(id="side-panel")
            yield ChoiceList(id="choices")
        yield Footer()
        yield TooSmallNotice()

    def on_mount(self) -> None:
        self.apply_settings()
        self.show_frame(self.game.frame)

    def apply_settings(self) -> None:
        settings = self.session.profile.settings
        self.set_class(not settings.show_panel, "-panel-hidden")

    # ------------------------------------------------------------ drawing

    def show_frame(self, frame: Frame) -> None:
        scene = frame.scene
        self.query_one("#scene-header", Static).update(header_text(frame))
        self.query_one("#scene-title", Static).update(Content(scene.title).stylize("bold"))
        self.show_text(frame)
        reflection = self.query_one("#reflection", Static)
        due = [r for r in frame.reflection if not r.at_end]
        if due:
            lines = [Content(due[0].heading).stylize("bold")]
            lines += [Content(f"• {question}") for r in due for question in r.questions]
            reflection.update(Content("\n").join(lines))
        reflection.display = bool(due)
        last = self.query_one("#last-choice", Static)
        last.update(self.last_note or "")
        last.display = self.last_note is not None
        self.query_one(SidePanel).show(frame)
        choices = self.query_one(ChoiceList)
        choices.show(frame.choices)
        choices.focus()
        self.query_one("#scene-pane", VerticalScroll).scroll_home(animate=False)

    def show_text(self, frame: Frame) -> None:
        """Show the scene's text, revealing it gradually the first time if the player wants that."""
        self.full_text = passages_content(frame.text)
        if self.reveal_timer is not None:
            self.reveal_timer.stop()
            self.reveal_timer = None
        settings = self.session.profile.settings
        if settings.reveal and self.session.first_visit:
            self.shown = 0
            self.query_one("#scene-text", Static).update("")
            self.reveal_timer = self.set_interval(1 / REVEAL_TICKS, self.reveal_more)
        else:
            self.shown = len(self.full_text)
            self.query_one("#scene-text", Static).update(self.full_text)

    def reveal_more(self) -> None:
        step = max(1, REVEAL_SPEEDS[self.session.profile.settings.reveal_speed] // REVEAL_TICKS)
        self.shown = min(len(self.full_text), self.shown + step)
        self.query_one("#scene-text", Static).update(self.full_text[: self.shown])
        if self.shown >= len(self.full_text):
            self.action_skip_reveal()

    def action_skip_reveal(self) -> None:
        if self.reveal_timer is not None:
            self.reveal_timer.stop()
            self.reveal_timer = None
        self.shown = len(self.full_text)
        self.query_one("#scene-text", Static).update(self.full_text)

    @property
    def revealing(self) -> bool:
        return self.reveal_timer is not None

    @on(Click, "#scene-pane")
    def clicked_text(self) -> None:
        self.action_skip_reveal()

    # ------------------------------------------------------------ choosing

    def take(self, choice_id: str) -> None:
        """Take a choice; an assignment may first ask why."""
        if self.session.needs_why():
            from game.tui.screens.classroom import WhyScreen

            view = next((v for v in self.game.frame.choices if v.id == choice_id), None)
            label = view.label if view else choice_id

            def answered(why: str | None) -> None:
                if why:
                    self.commit(choice_id, why)

            self.app.push_screen(WhyScreen(label), answered)
            return
        self.commit(choice_id, None)

    def commit(self, choice_id: str, why: str | None) -> None:
        try:
            self.session.choose(choice_id, why)
        except ChoiceUnavailable as exc:
            self.notify(str(exc), title="Not open", severity="warning")
            return
        self.last_note = verdict_content(self.game.frame)
        self.after_change()

    def after_change(self) -> None:
        frame = self.game.frame
        pending = self.session.pending_questions()
        if pending and not frame.ended:
            from game.tui.screens.classroom import ReflectionScreen

            def answered(answers: list[str] | None) -> None:
                for (chapter, question), text in zip(pending, answers or [], strict=False):
                    self.session.answer(chapter, question, text)
                self.after_change()

            self.app.push_screen(ReflectionScreen(pending), answered)
            return
        if frame.ended:
            from game.tui.screens.ending import EndingScreen

            self.app.switch_screen(EndingScreen(self.session))
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

    def action_undo(self) -> None:
        if not self.game.can_undo:
            self.notify("There is nothing to undo: this is the start.", severity="warning")
            return
        try:
            self.session.undo()
        except Locked as exc:
            self.notify(f"Undo is off: {exc}.", severity="warning")
            return
        self.last_note = Content(wording.UNDONE).stylize("italic")
        self.after_change()

    def action_history(self) -> None:
        from game.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.game))

    def action_save(self) -> None:
        from game.tui.screens.saves import SaveScreen

        def picked(slot: str | None) -> None:
            if not slot:
                return
            try:
                info = self.session.save(slot)
            except (WriteFailed, SaveError) as exc:
                self.notify(f"The save failed: {exc}. Your game goes on.", severity="error")
                return
            self.notify(f"Saved to slot {slot}: {info.scene_title}.", timeout=3)

        self.app.push_screen(SaveScreen(self.session), picked)

    def action_load(self) -> None:
        self.app.action_load()  # type: ignore[attr-defined]

    def action_toggle_panel(self) -> None:
        settings = self.session.profile.settings
        settings.show_panel = not settings.show_panel
        self.apply_settings()
        self.app.save_settings()  # type: ignore[attr-defined]

    def action_scroll_text(self, direction: int) -> None:
        pane = self.query_one("#scene-pane", VerticalScroll)
        if direction < 0:
            pane.scroll_page_up()
        else:
            pane.scroll_page_down()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
