"""The game's themes: Textual's dark and light, and a high-contrast one of our own."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="petrograd-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffff00",
    error="#ff5555",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#ffffff",
    dark=True,
    variables={
        "text-muted": "#ffffff",
        "text-disabled": "#c0c0c0",
        "border": "#ffffff",
        "footer-key-foreground": "#ffff00",
    },
)

#: The order F2 steps through, with the names the settings screen shows.
THEME_NAMES = {
    "textual-dark": "Dark",
    "textual-light": "Light",
    "petrograd-contrast": "High contrast",
}
THEMES = tuple(THEME_NAMES)
