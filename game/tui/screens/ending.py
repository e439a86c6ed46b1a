"""The ending screen: the ending, what really happened, and the player's path through history."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from game.atomic import WriteFailed
from game.engine import PathEntry, wording
from game.session import Locked, PlaySession
from game.tui.access import AppAccess
from game.tui.onepaint import OnePaintScreen
from game.tui.widgets.header import SceneHeader
from game.tui.widgets.scene_text import passages_content
from game.tui.widgets.too_small import TooSmallNotice


class EndingScreen(AppAccess, OnePaintScreen[None]):
    """Shown when the game reaches an ending."""

    BINDINGS = [
        Binding("n", "new_game", "New game"),
        Binding("backspace,ctrl+z", "undo", "Undo"),
        Binding("e", "app.endings", "Endings"),
        Binding("t", "app.title_screen", "Title"),
        Binding("w", "hand_in", "Hand in"),
        Binding("pageup", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll(1)", "Scroll down", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What is off is not offered: undo in an assessment, a new game in one played
        once, the hand-in outside an assignment."""
        classroom = self.petrograd.classroom
        if action == "undo":
            return not self.session.rules.assessed
        if action == "new_game":
            return classroom is None or not classroom.assignment.one_attempt
        if action == "hand_in":
            return classroom is not None
        return True

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session
        assert session.game is not None
        self.game = session.game

    def compose(self) -> ComposeResult:
        game = self.game
        frame = game.frame
        scene = frame.scene
        ending = frame.ending
        assert ending is not None and frame.ending_kind is not None
        with Vertical(classes="screen-body"):
            header = SceneHeader(id="ending-header")
            header.frame = frame
            yield header
            with VerticalScroll(id="ending-pane"):
                yield Static(id="handed-in")
                yield Static(Content(scene.title).stylize("bold"), classes="ending-scene-title")
                yield Static(passages_content(frame.text), classes="ending-scene-text")
                yield Static(
                    Content(wording.ending_title(ending.title)).stylize("bold"), id="ending-title"
                )
                yield Static(Content(frame.ending_kind).stylize("italic"), id="ending-kind")
                yield Static(passages_content(frame.epilogue), id="epilogue")
                for due in frame.reflection:
                    heading = Content(due.heading).stylize("bold")
                    yield Static(
                        Content("\n").join([heading] + [Content(f"• {q}") for q in due.questions]),
                        classes="ending-reflection",
                    )
                yield Static(
                    Content(wording.path_heading(frame.graded)).stylize("bold"), id="path-heading"
                )
                for number, entry in enumerate(game.path(), 1):
                    yield path_step(number, entry, graded=frame.graded)
        yield Footer()
        yield TooSmallNotice()

    def on_mount(self) -> None:
        self.query_one("#ending-pane").focus()
        self.query_one("#handed-in", Static).display = False
        if self.petrograd.classroom is not None:
            self.finish_assignment(again=False)

    def finish_assignment(self, again: bool = True) -> None:
        """Ask the questions still due, then write the student's record and say where."""
        classroom = self.petrograd.classroom
        assert classroom is not None
        pending = classroom.pending_questions()
        if pending:
            self.petrograd.ask_reflection(pending, lambda: self.finish_assignment(again))
            return
        notice = self.query_one("#handed-in", Static)
        if not again and classroom.handed_in_already:
            # Reopened at its ending: the record handed in holds it all; no second one.
            notice.update(Content(wording_handed_in(classroom.handed_in_at)))
            notice.display = True
            return
        try:
            paths = self.petrograd.hand_in()
        except WriteFailed as exc:
            notice.update(
                Content(f"Your record could not be written: {exc}. Press W to try again.")
            )
        else:
            notice.update(Content(self.petrograd.handed_in_text(paths)))
        notice.display = True

    def action_hand_in(self) -> None:
        if self.petrograd.classroom is not None:
            self.finish_assignment()

    def action_new_game(self) -> None:
        """N: a new game, once the player says so (the ending and its path are left behind)."""
        self.petrograd.confirm(
            "Start a new game?",
            "You leave this ending and the path that led to it (the endings gallery keeps it).",
            "Start a new game",
            lambda: self.petrograd.action_new_game(asked=True),
        )

    def action_undo(self) -> None:
        try:
            self.session.undo()
        except Locked as exc:
            self.notify(f"Undo is off: {exc}.", severity="warning")
            return
        self.petrograd.show_scene()

    def action_scroll(self, direction: int) -> None:
        pane = self.query_one("#ending-pane", VerticalScroll)
        if direction < 0:
            pane.scroll_page_up()
        else:
            pane.scroll_page_down()


def path_step(number: int, entry: PathEntry, *, graded: bool = True) -> Static:
    """One step of the path at the ending: its number, history's tag (in a story that
    grades its choices), the scene and the choice; then history's note and the sources,
    when the choice has either (a choice of a story of its own may have neither)."""
    choice = entry.choice
    marker = f"[{wording.history_tag(choice.history)}] " if graded else ""
    parts: list[Content | str] = [
        Content(f"{number}. {marker}").stylize("bold"),
        Content(f"{entry.scene.title}: {entry.label}"),
    ]
    note = choice.note.strip()
    cited = f"(sources: {', '.join(choice.sources)})" if choice.sources else ""
    if note or cited:
        parts += ["\n", Content(f"{note} {cited}".strip()).stylize("italic")]
    return Static(
        Content.assemble(*parts),
        classes=f"path-step -{choice.history}" if graded else "path-step",
    )


def wording_handed_in(at: str) -> str:
    """What an ending reopened after its hand-in says (the time in the student's own)."""
    from game.engine.record import read_time

    moment = read_time(at)
    when = f" at {moment.astimezone():%H:%M on %d %B}" if moment is not None else ""
    return f"Your record was handed in{when}, and nothing has changed since. Press W to hand it in again."
