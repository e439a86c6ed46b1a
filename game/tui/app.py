"""The Petrograd 1917 Textual app: screens, themes, and the few app-wide actions."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.events import Resize

from game.saves import SaveError
from game.session import Session
from game.tui.screens.codex import CodexScreen, TermScreen
from game.tui.screens.dialogs import HelpScreen, QuitScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.title import TitleScreen
from game.tui.themes import HIGH_CONTRAST, THEMES

STYLES = Path(__file__).resolve().parent / "styles"

#: Smaller than this, the screens give way to a "terminal too small" notice.
MIN_WIDTH, MIN_HEIGHT = 40, 12


class PetrogradApp(App[int]):
    """The game. Give it a Session (a story and a data folder); it runs the playthroughs."""

    TITLE = "Petrograd 1917"
    CSS_PATH = [
        STYLES / name
        for name in ("app.tcss", "title.tcss", "scene.tcss", "ending.tcss", "dialogs.tcss")
    ]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("c", "codex", "Codex"),
        Binding("f2", "next_theme", "Colours"),
        Binding("q", "quit_game", "Quit"),
        Binding("ctrl+q", "quit_game", "Quit", show=False, priority=True),
    ]

    def __init__(self, session: Session, *, resume: bool = False) -> None:
        super().__init__()
        self.session = session
        self.story = session.story
        self.resume = resume

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.session.profile.settings

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = self.settings.theme if self.settings.theme in THEMES else THEMES[0]
        self.push_screen(TitleScreen(self.session))
        if self.session.profile.problem:
            self.notify(self.session.profile.problem, severity="warning")
        if self.resume:
            self.action_continue_game()

    def on_resize(self, event: Resize) -> None:
        size = event.size
        self.set_class(size.width < MIN_WIDTH or size.height < MIN_HEIGHT, "-too-small")

    # ------------------------------------------------------------ playing

    def action_new_game(self) -> None:
        self.session.new_game()
        self.show_scene()

    def action_continue_game(self) -> None:
        try:
            loaded = self.session.continue_latest()
        except SaveError as exc:
            self.notify(f"Your last save cannot be loaded: {exc}", severity="error")
            return
        if loaded is None:
            self.notify("There is no saved game yet.")
            return
        self.show_scene()
        if loaded.notice:
            self.notify(
                loaded.notice, title="The story has changed", severity="warning", timeout=12
            )

    def action_load_slot(self, slot: str) -> None:
        try:
            loaded = self.session.load(slot)
        except SaveError as exc:
            self.notify(f"That save cannot be loaded: {exc}", severity="error")
            return
        self.show_scene()
        self.notify(
            loaded.notice or "Loaded.",
            severity="warning" if loaded.notice else "information",
            timeout=12 if loaded.notice else 3,
        )

    def show_scene(self) -> None:
        """Show the session's game: its scene, or its ending."""
        game = self.session.game
        assert game is not None
        if game.ended:
            from game.tui.screens.ending import EndingScreen

            self.switch_screen(EndingScreen(self.session))
        else:
            self.switch_screen(SceneScreen(self.session))

    def action_title_screen(self) -> None:
        self.switch_screen(TitleScreen(self.session))

    # ------------------------------------------------------------ dialogs

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_codex(self) -> None:
        if not isinstance(self.screen, CodexScreen):
            self.push_screen(CodexScreen(self.session))

    def action_load(self) -> None:
        from game.tui.screens.saves import LoadScreen

        def picked(slot: str | None) -> None:
            if slot:
                self.action_load_slot(slot)

        self.push_screen(LoadScreen(self.session), picked)

    def action_endings(self) -> None:
        from game.tui.screens.endings import EndingsScreen

        self.push_screen(EndingsScreen(self.session))

    def action_settings(self) -> None:
        from game.tui.screens.settings import SettingsScreen

        def closed(_: None) -> None:
            if isinstance(self.screen, SceneScreen):
                self.screen.apply_settings()

        self.push_screen(SettingsScreen(), closed)

    def action_show_term(self, term: str) -> None:
        entry = self.story.codex.get(term)
        if entry is not None:
            self.push_screen(TermScreen(entry))

    def action_next_theme(self) -> None:
        current = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.set_theme(THEMES[(current + 1) % len(THEMES)])
        self.notify(f"Colours: {self.theme}", timeout=2)

    def set_theme(self, name: str) -> None:
        self.theme = name
        self.settings.theme = name
        self.save_settings()

    def save_settings(self) -> None:
        from game.atomic import WriteFailed

        try:
            self.session.profile.save_settings()
        except WriteFailed as exc:
            self.notify(f"Settings could not be saved: {exc}", severity="warning")

    def action_quit_game(self) -> None:
        if isinstance(self.screen, QuitScreen):
            return

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit(0)

        self.push_screen(QuitScreen(), answered)


def run_app(session: Session, *, resume: bool = False) -> int:
    """Run the full-screen game until the player quits."""
    result = PetrogradApp(session, resume=resume).run()
    return result if isinstance(result, int) else 0
