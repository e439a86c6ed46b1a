"""The Petrograd 1917 Textual app: screens, themes, and the few app-wide actions."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.events import Resize

from game.engine import Game, Story
from game.tui.screens.dialogs import CodexScreen, HelpScreen, QuitScreen, TermScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.title import TitleScreen
from game.tui.themes import HIGH_CONTRAST, THEMES

STYLES = Path(__file__).resolve().parent / "styles"

#: Smaller than this, the screens give way to a "terminal too small" notice.
MIN_WIDTH, MIN_HEIGHT = 40, 12


class PetrogradApp(App[int]):
    """The game. Give it a loaded story; it makes a Game for each new playthrough."""

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

    def __init__(self, story: Story, *, seed: int | None = None) -> None:
        super().__init__()
        self.story = story
        self.seed = seed
        self.game: Game | None = None

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = THEMES[0]
        self.push_screen(TitleScreen(self.story))

    def on_resize(self, event: Resize) -> None:
        size = event.size
        self.set_class(size.width < MIN_WIDTH or size.height < MIN_HEIGHT, "-too-small")

    # ------------------------------------------------------------ actions

    def action_new_game(self) -> None:
        if self.game is not None:
            self.game.close()
        self.game = Game(self.story, seed=self.seed)
        self.switch_screen(SceneScreen(self.game))

    def action_title_screen(self) -> None:
        self.switch_screen(TitleScreen(self.story))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_codex(self) -> None:
        if not isinstance(self.screen, CodexScreen):
            self.push_screen(CodexScreen(self.story))

    def action_show_term(self, term: str) -> None:
        entry = self.story.codex.get(term)
        if entry is not None:
            self.push_screen(TermScreen(entry))

    def action_next_theme(self) -> None:
        current = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.theme = THEMES[(current + 1) % len(THEMES)]
        self.notify(f"Colours: {self.theme}", timeout=2)

    def action_quit_game(self) -> None:
        if isinstance(self.screen, QuitScreen):
            return

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit(0)

        self.push_screen(QuitScreen(), answered)


def run_app(story: Story, *, seed: int | None = None) -> int:
    """Run the full-screen game until the player quits."""
    result = PetrogradApp(story, seed=seed).run()
    return result if isinstance(result, int) else 0
