"""The game's themes: dark, light and high contrast, each meeting WCAG AA.

Every pair of text and background the game draws is at least 4.5:1, and borders and
focus indicators at least 3:1, measured by tests/tui/test_contrast.py. Textual derives
many colours from a theme's few base ones (its cursor, footer, muted text...); where a
derived colour would fall short it is set here, explicitly, in `variables`.
"""

from __future__ import annotations

from textual.theme import Theme

#: Warm off-white on near-black, a muted brick red for the cursor and fills, a rose
#: for headings and keys, brass for the secondary colour.
DARK = Theme(
    name="petrograd-dark",
    primary="#d4786a",
    secondary="#c9a46a",
    accent="#e0907a",
    warning="#d9a441",
    error="#e8796b",
    success="#8fb573",
    foreground="#ece3d3",
    background="#16130f",
    surface="#201b16",
    panel="#2b241d",
    dark=True,
    variables={
        "text": "auto 95%",
        "text-muted": "#b0a898",
        "text-disabled": "#a39b8b",
        "border": "#e0907a",
        "border-blurred": "#7d7062",
        "block-cursor-foreground": "#16130f",
        "block-cursor-background": "#d4786a",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "#ece3d3",
        "block-cursor-blurred-background": "#4a2622",
        "block-cursor-blurred-text-style": "none",
        "block-hover-background": "#2b241d",
        "footer-foreground": "#ece3d3",
        "footer-background": "#2b241d",
        "footer-key-foreground": "#e0907a",
        "footer-key-background": "#2b241d",
        "footer-description-foreground": "#ece3d3",
        "footer-description-background": "#2b241d",
        "footer-item-background": "#2b241d",
        "input-cursor-foreground": "#16130f",
        "input-cursor-background": "#ece3d3",
        "input-selection-foreground": "#ece3d3",
        "input-selection-background": "#5a2a24",
        "button-foreground": "#ece3d3",
        "button-color-foreground": "#16130f",
        "primary-muted": "#4a2622",
        "link-color": "#e0907a",
        "link-color-hover": "#16130f",
        "link-background-hover": "#d4786a",
        "markdown-h1-color": "#e0907a",
        "markdown-h2-color": "#e0907a",
        "markdown-h3-color": "#e0907a",
        "markdown-h4-color": "#ece3d3",
        "markdown-h5-color": "#ece3d3",
        "markdown-h6-color": "#b0a898",
        "scrollbar": "#7f6c5c",
        "scrollbar-hover": "#a08a76",
        "scrollbar-active": "#e0907a",
        "scrollbar-background": "#1b1713",
        "scrollbar-background-hover": "#1b1713",
        "scrollbar-background-active": "#1b1713",
        "scrollbar-corner-color": "#1b1713",
        "screen-selection-background": "#5a2a24",
        "screen-selection-foreground": "#ece3d3",
    },
)

#: Near-black ink on paper, a dark red for the cursor, headings and keys.
LIGHT = Theme(
    name="petrograd-light",
    primary="#8b1e1e",
    secondary="#6e5317",
    accent="#8b1e1e",
    warning="#7a4f00",
    error="#a11b1b",
    success="#2d6a2d",
    foreground="#1f1a14",
    background="#f6f0e1",
    surface="#efe7d4",
    panel="#e3d8bf",
    dark=False,
    variables={
        "text": "auto 95%",
        "text-muted": "#4f483e",
        "text-disabled": "#5a5247",
        "border": "#8b1e1e",
        "border-blurred": "#82755f",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-background": "#8b1e1e",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "#1f1a14",
        "block-cursor-blurred-background": "#e6cbbf",
        "block-cursor-blurred-text-style": "none",
        "block-hover-background": "#e3d8bf",
        "footer-foreground": "#1f1a14",
        "footer-background": "#e3d8bf",
        "footer-key-foreground": "#7a1414",
        "footer-key-background": "#e3d8bf",
        "footer-description-foreground": "#1f1a14",
        "footer-description-background": "#e3d8bf",
        "footer-item-background": "#e3d8bf",
        "input-cursor-foreground": "#f6f0e1",
        "input-cursor-background": "#1f1a14",
        "input-selection-foreground": "#1f1a14",
        "input-selection-background": "#e6cbbf",
        "button-foreground": "#1f1a14",
        "button-color-foreground": "#ffffff",
        "primary-muted": "#e6cbbf",
        "link-color": "#8b1e1e",
        "link-color-hover": "#ffffff",
        "link-background-hover": "#8b1e1e",
        "markdown-h1-color": "#8b1e1e",
        "markdown-h2-color": "#8b1e1e",
        "markdown-h3-color": "#8b1e1e",
        "markdown-h4-color": "#1f1a14",
        "markdown-h5-color": "#1f1a14",
        "markdown-h6-color": "#4f483e",
        "scrollbar": "#7a6d58",
        "scrollbar-hover": "#5f5444",
        "scrollbar-active": "#8b1e1e",
        "scrollbar-background": "#e9e1cc",
        "scrollbar-background-hover": "#e9e1cc",
        "scrollbar-background-active": "#e9e1cc",
        "scrollbar-corner-color": "#e9e1cc",
        "screen-selection-background": "#e6cbbf",
        "screen-selection-foreground": "#1f1a14",
    },
)

#: White and yellow on black, for the most contrast a terminal can give.
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
        "text": "auto 100%",
        "text-muted": "#ffffff",
        "text-disabled": "#c0c0c0",
        "border": "#ffffff",
        "border-blurred": "#c0c0c0",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#ffff00",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "#000000",
        "block-cursor-blurred-background": "#c0c0c0",
        "block-cursor-blurred-text-style": "bold",
        "block-hover-background": "#000000",
        "footer-foreground": "#ffffff",
        "footer-background": "#000000",
        "footer-key-foreground": "#ffff00",
        "footer-key-background": "#000000",
        "footer-description-foreground": "#ffffff",
        "footer-description-background": "#000000",
        "footer-item-background": "#000000",
        "input-cursor-foreground": "#000000",
        "input-cursor-background": "#ffffff",
        "input-selection-foreground": "#000000",
        "input-selection-background": "#00ffff",
        "button-foreground": "#ffffff",
        "button-color-foreground": "#000000",
        "primary-muted": "#000000",
        "link-color": "#00ffff",
        "link-color-hover": "#000000",
        "link-background-hover": "#00ffff",
        "markdown-h1-color": "#ffff00",
        "markdown-h2-color": "#ffff00",
        "markdown-h3-color": "#ffff00",
        "markdown-h4-color": "#ffffff",
        "markdown-h5-color": "#ffffff",
        "markdown-h6-color": "#ffffff",
        "scrollbar": "#c0c0c0",
        "scrollbar-hover": "#ffffff",
        "scrollbar-active": "#ffff00",
        "scrollbar-background": "#000000",
        "scrollbar-background-hover": "#000000",
        "scrollbar-background-active": "#000000",
        "scrollbar-corner-color": "#000000",
        "screen-selection-background": "#00ffff",
        "screen-selection-foreground": "#000000",
    },
)

#: Every theme of the game, for the app to register.
ALL_THEMES: tuple[Theme, ...] = (DARK, LIGHT, HIGH_CONTRAST)

#: The order F2 steps through.
THEMES: tuple[str, ...] = tuple(theme.name for theme in ALL_THEMES)

#: Each theme's name as the player sees it, in F2's notice and in the settings.
THEME_NAMES: dict[str, str] = {
    DARK.name: "Dark",
    LIGHT.name: "Light",
    HIGH_CONTRAST.name: "High contrast",
}

#: The theme a new player gets, and one whose saved theme is unknown.
DEFAULT_THEME = DARK.name

#: Themes saved by earlier versions of the game, and what they are now.
OLD_NAMES: dict[str, str] = {
    "textual-dark": DARK.name,
    "textual-light": LIGHT.name,
}


def theme_label(theme_id: str) -> str:
    """The name a theme is shown by ("Dark", "Light", "High contrast"), never its id."""
    return THEME_NAMES.get(stored_theme(theme_id), THEME_NAMES[DEFAULT_THEME])


def stored_theme(name: str) -> str:
    """The theme to use for a saved setting: the same one, its new name if the setting
    is from an earlier version ("textual-dark"), or the default if it is unknown."""
    if name in THEME_NAMES:
        return name
    return OLD_NAMES.get(name, DEFAULT_THEME)
