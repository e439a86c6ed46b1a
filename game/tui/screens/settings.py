"""The settings screen: colours, text reveal and its speed, the side panel. Saved as they change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Switch

from game.profile import REVEAL_SPEEDS
from game.tui.themes import THEME_NAMES


class SettingsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        settings = self.app.settings  # type: ignore[attr-defined]
        with Vertical(id="settings-dialog", classes="dialog"):
            yield Label(Content("Settings").stylize("bold"))
            with Horizontal(classes="setting"):
                yield Label("Colours", classes="setting-label")
                yield Select(
                    [(label, name) for name, label in THEME_NAMES.items()],
                    value=self.app.theme if self.app.theme in THEME_NAMES else "textual-dark",
                    allow_blank=False,
                    id="theme",
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
            self.app.set_theme(event.value)  # type: ignore[attr-defined]

    @on(Select.Changed, "#reveal-speed")
    def speed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.settings.reveal_speed = event.value  # type: ignore[attr-defined]
            self.app.save_settings()  # type: ignore[attr-defined]

    @on(Switch.Changed)
    def switch(self, event: Switch.Changed) -> None:
        settings = self.app.settings  # type: ignore[attr-defined]
        if event.switch.id == "reveal":
            settings.reveal = event.value
        elif event.switch.id == "show-panel":
            settings.show_panel = event.value
        self.app.save_settings()  # type: ignore[attr-defined]

    @on(Button.Pressed, "#settings-done")
    def done(self) -> None:
        self.dismiss()
