"""The scene screen: where the story is read and choices are made.

The screen holds the game's Frame as a reactive (`frame`) and draws itself from it;
the choice list posts `ChoiceList.Chosen` up; the screen hands the choice to the
session and sets the next frame. Saving happens in the app's worker, not here.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click, Key, Resize
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Footer, Static

from game.engine import ChoiceUnavailable, Frame, Game, Verdict, wording
from game.profile import REVEAL_SPEEDS
from game.session import Locked, PlaySession
from game.tui.access import AppAccess
from game.tui.onepaint import OnePaintScreen
from game.tui.widgets.choice_list import ChoiceList
from game.tui.widgets.header import SceneHeader
from game.tui.widgets.scene_text import passages_content
from game.tui.widgets.side_panel import SidePanel, gauge_change
from game.tui.widgets.steady import SteadyStatic
from game.tui.widgets.too_small import TooSmallNotice

#: Below this width the side panel folds away for the text (V brings it back).
NARROW = 100
#: From this width on the side panel is wider, so that its labels do not wrap.
WIDE = 140
#: Text reveal ticks this many times a second.
REVEAL_TICKS = 30
#: Lines an arrow key scrolls the text by, past the first or last choice.
ARROW_LINES = 2

MORE_BELOW = "▼ more below: Page Down"
#: The kinds of verdict the last-choice banner is styled by (a class each, in scene.tcss).
LAST_KINDS = ("faithful", "divergent", "own", "several", "undone")


def notes_content(notes: tuple[Verdict, ...]) -> Content:
    """History's notes due now: on the last choice, or on each choice of the chapter just ended."""
    if len(notes) == 1:
        note = notes[0]
        parts = [
            Content(f"{wording.history_tag(note.history)} ").stylize("bold"),
            Content(note.heading).stylize("italic"),
        ]
        if note.note.strip():
            parts += [" ", Content(note.note)]
        return Content.assemble(*parts)
    lines = [Content(wording.CHAPTER_NOTES_HEADING).stylize("bold")]
    for note in notes:
        lines.append(
            Content.assemble(
                Content(f"{wording.history_tag(note.history)} ").stylize("bold"),
                Content(f"{note.scene_title}: {note.label}.").stylize("italic"),
                " ",
                Content(note.note),
            )
        )
    return Content("\n").join(lines)


class SceneScreen(AppAccess, OnePaintScreen[None]):
    """Shows the game's current frame and passes choices to the session."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", f"Choose {n}", show=False) for n in range(1, 10)),
        Binding("backspace,ctrl+z", "undo", "Undo"),
        Binding("h", "history", "History"),
        Binding("s", "app.save", "Save"),
        Binding("l", "app.load", "Load"),
        Binding("t", "terms", "Terms"),
        Binding("escape", "app.menu", "Menu"),
        Binding("o", "app.settings", "Settings", show=False),
        Binding("w", "app.hand_in", "Hand in"),
        Binding("v", "toggle_panel", "Panel", show=False),
        Binding("space", "skip_reveal", "Show all", show=False),
        # The text scrolls whatever has the focus (the choice list would take these keys).
        Binding("pageup", "scroll_text('page_up')", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_text('page_down')", "Scroll down", show=False, priority=True),
        Binding("home", "scroll_text('home')", "Top", show=False, priority=True),
        Binding("end", "scroll_text('end')", "Bottom", show=False, priority=True),
    ]

    #: What the screen shows; setting it draws the screen again.
    frame: var[Frame | None] = var(None, always_update=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In an assessment, undo is off, so it is not offered; in a story with no codex,
        neither are the scene's terms."""
        if action == "terms":
            game = self.session.game
            return game is not None and game.frame.has_codex
        return not (action == "undo" and self.session.rules.assessed)

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session
        #: After an undo, the notes say so instead of giving a verdict.
        self.undone = False
        #: Below NARROW columns the panel folds away; V opens it there for this screen.
        self.panel_opened = False
        self.reveal_timer: Timer | None = None
        self.full_text = Content("")
        self.shown = 0

    @property
    def game(self) -> Game:
        assert self.session.game is not None
        return self.session.game

    def compose(self) -> ComposeResult:
        with Vertical(classes="screen-body"):
            yield SceneHeader(id="scene-header")
            with Horizontal(id="scene-main"):
                with Vertical(id="reading"):
                    with VerticalScroll(id="scene-pane"):
                        yield SteadyStatic(id="reflection")
                        yield SteadyStatic(id="last-choice")
                        yield SteadyStatic(id="scene-title")
                        yield SteadyStatic(id="scene-text")
                    # Each in a Center: aligning the column would align its widest child.
                    with Center(classes="reading-row"):
                        yield Static(MORE_BELOW, id="more-below")
                    with Center(classes="reading-row"):
                        yield ChoiceList(id="choices")
                yield SidePanel(id="side-panel")
        yield Footer()
        yield TooSmallNotice()

    def on_mount(self) -> None:
        self.apply_settings()
        pane = self.query_one("#scene-pane", VerticalScroll)
        self.watch(pane, "scroll_y", self.update_marker, init=False)
        # The text's size is set before the pane's own: look once the layout has settled.
        self.watch(pane, "virtual_size", self.update_marker_soon, init=False)
        self.frame = self.game.frame

    def apply_settings(self) -> None:
        settings = self.session.profile.settings
        self.set_class(not settings.show_panel, "-panel-hidden")
        if self.frame is not None:
            self.draw_notes(self.frame)

    # ------------------------------------------------------------ drawing

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        self.query_one(SceneHeader).frame = frame
        self.query_one("#scene-title", Static).update(Content(frame.scene.title).stylize("bold"))
        self.show_text(frame)
        reflection = self.query_one("#reflection", Static)
        due = [r for r in frame.reflection if not r.at_end]
        if due:
            lines = [Content(due[0].heading).stylize("bold")]
            lines += [Content(f"• {question}") for r in due for question in r.questions]
            reflection.update(Content("\n").join(lines))
        reflection.display = bool(due)
        self.draw_notes(frame)
        self.query_one(SidePanel).show(frame)
        self.query_one(ChoiceList).show(frame.choices)
        self.enable_choices(not self.revealing)
        self.query_one("#scene-pane", VerticalScroll).scroll_home(animate=False)
        self.call_after_refresh(self.update_marker)

    def draw_notes(self, frame: Frame) -> None:
        """The verdict on the last choice (or the chapter's notes), as the spoiler setting says."""
        last = self.query_one("#last-choice", Static)
        if self.undone:
            last.update(Content(wording.UNDONE).stylize("italic"))
            self._mark_last(last, "undone")
            last.display = True
            return
        if frame.graded:
            notes = self.game.notes_due(self.session.profile.settings.note_timing)
            content = notes_content(notes) if notes else None
        else:
            # A story that grades no choice gives no verdict: only an author's note, if
            # the last choice has one, and no banner of history.
            notes = ()
            said = [n.note for n in self.game.notes_due("choice") if n.note.strip()]
            content = Content(said[0]) if said else None
        changes = [
            f"{var.label} {gauge_change(var)}" for var in frame.variables if gauge_change(var)
        ]
        if changes and not self.panel_showing:
            # The panel shows each change beside its gauge; folded away, it is said here.
            line = Content("Changes: " + "; ".join(changes) + ".").stylize("bold")
            content = line if content is None else Content("\n").join([content, line])
        last.update(content or "")
        last.display = content is not None
        self._mark_last(last, notes[0].history if len(notes) == 1 else "several" if notes else None)

    @staticmethod
    def _mark_last(last: Static, kind: str | None) -> None:
        """The verdict's kind as the banner's one class, set in one go: its styles are worked
        out again only when the kind changes (not twice per choice, off and on again)."""
        last.update_classes({f"-{history}": history == kind for history in LAST_KINDS})

    @property
    def panel_showing(self) -> bool:
        if self.has_class("-narrow"):
            return self.panel_opened
        return self.session.profile.settings.show_panel

    def update_marker_soon(self, *_: object) -> None:
        self.call_after_refresh(self.update_marker)

    def update_marker(self, *_: object) -> None:
        """Show "more below" while part of the text is out of sight under the pane."""
        pane = self.query_one("#scene-pane", VerticalScroll)
        self.query_one("#more-below", Static).display = pane.scroll_y < pane.max_scroll_y

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
        self.enable_choices(True)
        self.call_after_refresh(self.update_marker)

    def enable_choices(self, enabled: bool) -> None:
        """The choices take keys only once the text is whole: until then a key finishes it."""
        choices = self.query_one(ChoiceList)
        choices.disabled = not enabled
        target = choices if enabled else self.query_one("#scene-pane", VerticalScroll)
        if self.focused is not target:  # focusing it again would paint it again
            target.focus()

    @property
    def revealing(self) -> bool:
        return self.reveal_timer is not None

    @on(Click, "#scene-pane")
    def clicked_text(self) -> None:
        self.action_skip_reveal()

    def on_key(self, event: Key) -> None:
        """During the reveal, any key finishes the text and does nothing else."""
        if self.revealing:
            event.stop()
            event.prevent_default()
            self.action_skip_reveal()

    # ------------------------------------------------------------ choosing

    def take(self, choice_id: str) -> None:
        """Take a choice; an assignment may first ask why."""
        classroom = self.petrograd.classroom
        if classroom is not None and classroom.needs_why():
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
        classroom = self.petrograd.classroom
        try:
            if classroom is not None:
                classroom.choose(choice_id, why)
            else:
                self.session.choose(choice_id)
        except ChoiceUnavailable as exc:
            self.notify(str(exc), title="Not open", severity="warning")
            return
        self.undone = False
        self.after_change()

    def after_change(self) -> None:
        """Ask the questions the assignment wants now, then show the next scene or the ending."""
        classroom = self.petrograd.classroom
        frame = self.game.frame
        pending = classroom.pending_questions() if classroom is not None else []
        if pending and not frame.ended:
            self.petrograd.ask_reflection(pending, self.after_change)
            return
        if frame.ended:
            self.petrograd.show_scene()
            return
        self.frame = frame

    @on(ChoiceList.Chosen)
    def chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        if not self.revealing:
            self.take(event.choice_id)

    @on(ChoiceList.Beyond)
    def beyond(self, event: ChoiceList.Beyond) -> None:
        event.stop()
        self.query_one("#scene-pane", VerticalScroll).scroll_relative(
            y=event.direction * ARROW_LINES, animate=False
        )

    def action_pick(self, number: int) -> None:
        if self.revealing:
            self.action_skip_reveal()
            return
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
        self.undone = True
        self.after_change()

    def action_history(self) -> None:
        from game.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.game, self.session.profile.settings.note_timing))

    def action_terms(self) -> None:
        """The codex terms of this scene, to open one from the keyboard."""
        frame = self.frame
        if frame is None or not frame.terms:
            self.notify("This scene links to nothing in the codex.", timeout=3)
            return
        from game.tui.screens.codex import TermsScreen

        def picked(term: str | None) -> None:
            if term:
                self.petrograd.action_show_term(term)

        self.app.push_screen(TermsScreen(frame.terms), picked)

    def action_toggle_panel(self) -> None:
        if self.has_class("-narrow"):
            self.panel_opened = not self.panel_opened
            self.set_class(self.panel_opened, "-panel-opened")
        else:
            settings = self.session.profile.settings
            settings.show_panel = not settings.show_panel
            self.set_class(not settings.show_panel, "-panel-hidden")
            self.petrograd.save_settings()
        if self.frame is not None:
            self.draw_notes(self.frame)
        self.call_after_refresh(self.update_marker)

    def action_scroll_text(self, how: str) -> None:
        if self.revealing:  # like any key during the reveal: it finishes the text
            self.action_skip_reveal()
            return
        pane = self.query_one("#scene-pane", VerticalScroll)
        {
            "page_up": pane.scroll_page_up,
            "page_down": pane.scroll_page_down,
            "home": pane.scroll_home,
            "end": pane.scroll_end,
        }[how](animate=False)

    def on_resize(self, event: Resize) -> None:
        width = event.size.width
        narrow = width < NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            if self.frame is not None:
                self.draw_notes(self.frame)
        self.set_class(width >= WIDE, "-wide")
        self.call_after_refresh(self.update_marker)
