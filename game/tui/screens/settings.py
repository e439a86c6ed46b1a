"""The settings screen: colours, when history's notes are shown (in a story that grades its
choices), text reveal and its speed, the side panel. Saved as they change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Switch

from game.profile import REVEAL_SPEEDS, SPOILER_NAMES, Settings
from game.tui.access import AppAccess
from game.tui.themes import THEMES, stored_theme, theme_label


class SettingsScreen(AppAccess, ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, settings: Settings, *, graded: bool = True) -> None:
        super().__init__()
        self.settings = settings
        #: False in a story that grades no choice: it has no history's notes to time.
        self.graded = graded

    def compose(self) -> ComposeResult:
        settings = self.settings
        with Vertical(id="settings-dialog", classes="dialog"):
            yield Label(Content("Settings").stylize("bold"))
            with Horizontal(classes="setting"):
                yield Label("Colours", classes="setting-label")
                yield Select(
                    [(theme_label(name), name) for name in THEMES],
                    value=stored_theme(self.app.theme),
                    allow_blank=False,
                    id="theme",
                )
            if self.graded:
                with Horizontal(classes="setting"):
                    yield Label("History's notes", classes="setting-label")
                    yield Select(
                        [(label, name) for name, label in SPOILER_NAMES.items()],
                        value=settings.spoilers,
                        allow_blank=False,
                        id="spoilers",
                    )
            with Horizontal(classes="setting"):
                yield Label("Reveal text gradually", classes="setting-label")
                yield Switch(value=settings.reveal, id="reveal")
            with Horizontal(classes="setting"):
                yield Label("Reveal speed", classes="setting-label")
                yield Select(
                    [(name.capitalize(), name) for name in REVEAL_SPEEDS],
                    value=settings.reveal_speed,
                    allow_blank=False,
                    id="reveal-speed",
                )
            with Horizontal(classes="setting"):
                yield Label("Show the side panel", classes="setting-label")
                yield Switch(value=settings.show_panel, id="show-panel")
            yield Button("Done", id="settings-done", variant="primary")

    @on(Select.Changed, "#theme")
    def theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.petrograd.set_theme(event.value)

    @on(Select.Changed, "#reveal-speed")
    def speed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.settings.reveal_speed = event.value
            self.petrograd.save_settings()

    @on(Select.Changed, "#spoilers")
    def spoilers(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value in SPOILER_NAMES:
            self.settings.spoilers = event.value
            self.petrograd.save_settings()

    @on(Switch.Changed)
    def switch(self, event: Switch.Changed) -> None:
        if event.switch.id == "reveal":
            self.settings.reveal = event.value
        elif event.switch.id == "show-panel":
            self.settings.show_panel = event.value
        self.petrograd.save_settings()

    @on(Button.Pressed, "#settings-done")
    def done(self) -> None:
        self.dismiss()
