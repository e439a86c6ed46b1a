"""WCAG AA contrast of every theme, and under NO_COLOR, measured on the colours drawn.

How the colours are read: `App.export_screenshot()` is the public, composited picture
of the screen (the same one the snapshot tests compare): every cell's character, its
final foreground (Rich blends a dim foreground into the background) and its
background, with modal screens laid over the screens beneath. Its SVG is parsed into a
grid of cells. Each cell is then matched with `Screen.get_widget_at` (which widget
drew it: a disabled one is exempt) and `Screen.get_style_at` (the style it was drawn
with: whether it is dim, which terminals draw at a contrast of their own choosing).
The two public readings are checked against each other, so that a change in either
fails loudly instead of measuring nothing.

The bar: text 4.5:1 (in a terminal no text counts as WCAG's "large"); box-drawing and
block characters (borders, rules, scrollbars, focus indicators) 3:1. Exempt, as WCAG
exempts them: text of disabled controls (a widget whose `disabled` is set, or an
ancestor's: the title screen's "Continue (no save yet)"), and the screens beneath a
modal dialog, which are inert while it is open. A closed choice is not exempt: it is
an option the player can read, whose reason is meant to be read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.color import Color
from textual.screen import ModalScreen
from textual.widget import Widget

from game.tui.screens.codex import TermsScreen
from game.tui.screens.dialogs import ConfirmScreen, HelpScreen, MenuScreen, QuitScreen
from game.tui.screens.ending import EndingScreen
from game.tui.screens.history import HistoryScreen
from game.tui.screens.scene import SceneScreen
from game.tui.screens.settings import SettingsScreen
from game.tui.screens.title import TitleScreen
from game.tui.themes import (
    ALL_THEMES,
    DEFAULT_THEME,
    THEME_NAMES,
    THEMES,
    stored_theme,
    theme_label,
)
from game.tui.widgets.choice_list import ChoiceList

TEXT = 4.5
NON_TEXT = 3.0
SIZE = (100, 30)


# ---------------------------------------------------------------- WCAG arithmetic


def luminance(color: Color) -> float:
    """WCAG 2 relative luminance of an opaque colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_arithmetic():
    assert contrast(Color.parse("#000000"), Color.parse("#ffffff")) == pytest.approx(21.0)
    assert contrast(Color.parse("#777777"), Color.parse("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(Color.parse("#123456"), Color.parse("#123456")) == pytest.approx(1.0)


# ---------------------------------------------------------------- reading the screen


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    char: str
    fg: Color
    bg: Color
    dim: bool
    widget: Widget | None
    #: Exempt (see `exempt`), decided while its screen was shown.
    exempt: bool = False

    @property
    def non_text(self) -> bool:
        """Box drawing, blocks and shapes: borders, rules, scrollbars, arrows, focus bars."""
        return "\u2500" <= self.char <= "\u25ff"

    @property
    def ratio(self) -> float:
        return contrast(self.fg, self.bg)


_CLASS = re.compile(r"\.terminal-\d+-(r\d+) \{([^}]*)\}")
_RECT = re.compile(
    r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
    r'height="[\d.]+" shape-rendering="crispEdges"/>'
)
_TEXT = re.compile(
    r'<text class="terminal-\d+-(r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>'
)
_LINE0 = re.compile(r'-line-0">\s*<rect x="0" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')


def drawn_cells(app: App) -> list[Cell]:
    """Every cell of the screen that shows a character other than a space."""
    width, height = app.size
    svg = app.export_screenshot()
    top, line_width, _ = (float(v) for v in _LINE0.search(svg).groups())  # type: ignore[union-attr]
    char_width = line_width / width
    line_height = float(re.search(r"-line-1\">\s*<rect x=\"0\" y=\"([\d.]+)\"", svg)[1]) - top  # type: ignore[index]
    fills = {}
    for name, rules in _CLASS.findall(svg):
        fill = re.search(r"fill: (#[0-9a-fA-F]{6})", rules)
        assert fill, f"a text style without a colour: {rules}"
        fills[name] = Color.parse(fill[1])
    backgrounds: dict[tuple[int, int], Color] = {}
    for fill, x, y, w in _RECT.findall(svg):
        row = round((float(y) - top) / line_height)
        start = round(float(x) / char_width)
        for column in range(start, start + round(float(w) / char_width)):
            backgrounds[column, row] = Color.parse(fill)
    screen = app.screen
    cells = []
    for name, x, row, text in _TEXT.findall(svg):
        column = round(float(x) / char_width)
        y = int(row)
        text = html.unescape(text)
        if text.isspace():
            continue
        # One <text> is one segment: one widget drew it, in one style.
        first = column + cell_len(text[: len(text) - len(text.lstrip())])
        widget, _ = screen.get_widget_at(first, y)
        dim = bool(screen.get_style_at(first, y).dim)
        for char in text:
            if not char.isspace():
                assert (column, y) in backgrounds, (
                    f"no background drawn under {char!r} at {column},{y}"
                )
                cell = Cell(column, y, char, fills[name], backgrounds[column, y], dim, widget)
                cells.append(replace(cell, exempt=exempt(app, cell)))
            column += cell_len(char)
    assert cells, "nothing read from the screenshot"
    return cells


def exempt(app: App, cell: Cell) -> bool:
    """WCAG's exemptions: inactive (disabled) controls, and what lies inert beneath a modal."""
    widget = cell.widget
    if widget is None:
        return False
    if isinstance(app.screen, ModalScreen) and widget is app.screen:
        return True
    if cell.non_text and decoration(cell):
        return True
    return any(node.disabled for node in widget.ancestors_with_self if isinstance(node, Widget))


def decoration(cell: Cell) -> bool:
    """Lines that identify nothing (WCAG 1.4.11 asks no contrast of them): the light and
    shade Textual draws along a button's top and bottom edge (the button is told from
    its surroundings by its fill), and the faint grid of a Markdown table (its columns
    are told apart by their alignment)."""
    name = type(cell.widget).__name__
    return (name == "Button" and cell.char in "\u2594\u2581") or name == "MarkdownTableContent"


def check(app: App, cell: Cell) -> float:
    """The cell's ratio as it counts (0 for dim text, whose contrast the terminal decides)."""
    return 0.0 if cell.dim and not cell.non_text else cell.ratio


def describe(cells: list[Cell], cell: Cell) -> str:
    row = "".join(c.char if c.y == cell.y else "" for c in cells)
    return (
        f"{cell.char!r} at ({cell.x},{cell.y}) in {type(cell.widget).__name__}"
        f"{'#' + cell.widget.id if cell.widget is not None and cell.widget.id else ''}: "
        f"{cell.fg.hex} on {cell.bg.hex} = {cell.ratio:.2f}:1{' (dim)' if cell.dim else ''}"
        f" -- row text {row[:60]!r}"
    )


def focus_indicators(cells: list[Cell]) -> list[tuple[float, Cell]]:
    """The highlighted choice against the rest of the list: every background the choice
    list draws text on, other than its own, must stand out from its own by 3:1 (it is
    the focus indicator, and under NO_COLOR the only sign of the highlight but bold)."""
    listed = [c for c in cells if isinstance(c.widget, ChoiceList) and not c.non_text]
    if not listed:
        return []
    backgrounds = [c.bg for c in listed]
    base = max(set(backgrounds), key=backgrounds.count)
    return [(contrast(c.bg, base), c) for c in listed if c.bg != base]


# ---------------------------------------------------------------- touring the game


def themed_app(make_app):
    """An app on the mini story with the game's themes registered before it starts (the
    app registers them itself in on_mount; doing it here too costs nothing)."""
    app = make_app()
    for theme in ALL_THEMES:
        app.register_theme(theme)
    return app


async def tour(app, pilot, theme: str, dialogs: bool = True) -> dict[str, list[Cell]]:
    """Set the theme, visit the screens, and read each one's cells (`dialogs=False`
    leaves out help and quit, which cost a second and draw nothing the settings do not)."""
    app.theme = theme
    seen: dict[str, list[Cell]] = {}

    async def read(name: str, kind: type) -> None:
        await pilot.pause()
        assert isinstance(app.screen, kind), (name, app.screen)
        seen[name] = drawn_cells(app)

    await pilot.pause()
    app.notify(f"Colours: {theme_label(theme)}", timeout=30)  # F2's notice
    await read("title + notice", TitleScreen)
    assert any(type(c.widget).__name__ == "Toast" for c in seen["title + notice"])
    if dialogs:
        await pilot.press("f1")
        await read("help (F1)", HelpScreen)
        await pilot.press("escape", "q")
        await read("quit (q)", QuitScreen)
        await pilot.press("n")
    await pilot.press("enter")
    await read("scene", SceneScreen)
    await pilot.press("down")  # past the closed choice
    await read("scene, choice 3 highlighted", SceneScreen)
    await pilot.press("o")
    await read("settings (o)", SettingsScreen)
    await pilot.press("escape", "t")
    await read("terms (t)", TermsScreen)
    await pilot.press("escape", "escape")
    await read("menu (escape)", MenuScreen)
    await pilot.press("escape", "h")
    await read("history (h)", HistoryScreen)
    await pilot.press("escape", "1")
    await read("ending", EndingScreen)
    await pilot.press("n")
    await read("confirm (n)", ConfirmScreen)
    await pilot.press("escape")
    return seen


def verdict(app, seen: dict[str, list[Cell]]) -> tuple[list[str], list[str]]:
    """(the worst pair on each screen, and every failure), as sentences."""
    report, failures = [], []
    for name, cells in seen.items():
        measured = [c for c in cells if not c.exempt]
        text = [c for c in measured if not c.non_text]
        lines = [c for c in measured if c.non_text]
        assert text, f"{name}: no text measured"
        worst_text = min(text, key=lambda c: check(app, c))
        report.append(f"{name}: text {check(app, worst_text):.2f} ({describe(cells, worst_text)})")
        failures += [f"{name}: text {describe(cells, c)}" for c in text if check(app, c) < TEXT][:3]
        if lines:
            worst_line = min(lines, key=lambda c: c.ratio)
            report.append(f"{name}: lines {worst_line.ratio:.2f} ({describe(cells, worst_line)})")
            failures += [f"{name}: line {describe(cells, c)}" for c in lines if c.ratio < NON_TEXT][
                :3
            ]
        for ratio, _cell in focus_indicators(cells)[:1]:
            report.append(f"{name}: highlight {ratio:.2f} against the list")
            if ratio < NON_TEXT:
                failures.append(f"{name}: highlighted choice {ratio:.2f}:1 against the list")
    return report, failures


@pytest.mark.parametrize("theme", THEMES)
async def test_every_drawn_pair_meets_wcag_aa(make_app, theme):
    app = themed_app(make_app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        seen = await tour(app, pilot, theme)
        report, failures = verdict(app, seen)
    assert not failures, "\n".join([f"{theme} fails WCAG AA:", *failures, "", *report])


@pytest.mark.parametrize("theme", [DEFAULT_THEME])  # every theme in grey: the unit test below
async def test_no_color_meets_wcag_aa(make_app, theme, monkeypatch):
    """NO_COLOR: Textual draws every colour in grey (its Monochrome filter), which can
    bring two colours of different hue to the same grey; no text may be dim."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = themed_app(make_app)
    assert app.no_color
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        seen = await tour(app, pilot, theme, dialogs=False)
        greys = {c.fg for cells in seen.values() for c in cells} | {
            c.bg for cells in seen.values() for c in cells
        }
        assert all(c.r == c.g == c.b for c in greys), "NO_COLOR drew a colour"
        report, failures = verdict(app, seen)
        scene = seen["scene"]
        closed = [c for c in scene if isinstance(c.widget, ChoiceList)]
        row_of = {c.y: "" for c in closed}
        for c in closed:
            row_of[c.y] += c.char
        # A closed choice says so in words (and is struck through), not by colour alone.
        assert any("(notopen:" in text for text in row_of.values()), row_of
    assert not failures, "\n".join([f"NO_COLOR, {theme}, fails WCAG AA:", *failures, "", *report])


# ---------------------------------------------------------------- the themes' own colours


def resolved(variables: dict[str, str], name: str, over: Color) -> Color:
    """A theme variable as drawn over `over` (an 'auto' colour is Textual's contrast text)."""
    value = variables[name]
    if value.startswith("auto"):
        percent = value.split()[1] if " " in value else "100%"
        alpha = float(percent.rstrip("%")) / 100
        return over + over.get_contrast_text(alpha)
    color = Color.parse(value)
    return over + color if color.a < 1 else color


#: (foreground, background, minimum): the pairs the game's screens and Textual's widgets draw.
PAIRS = [
    ("foreground", "background", TEXT),
    ("foreground", "surface", TEXT),
    ("foreground", "panel", TEXT),
    ("text", "background", TEXT),
    ("text", "panel", TEXT),
    ("text", "primary", TEXT),  # the title menu's focused button
    ("text-muted", "surface", TEXT),
    ("text-muted", "panel", TEXT),
    ("text-disabled", "surface", TEXT),  # a closed choice's reason is meant to be read
    ("accent", "background", TEXT),  # headings
    ("accent", "surface", TEXT),
    ("accent", "panel", TEXT),
    ("primary", "surface", TEXT),  # Markdown table headers
    ("error", "surface", TEXT),
    ("footer-key-foreground", "footer-background", TEXT),
    ("footer-description-foreground", "footer-background", TEXT),
    ("block-cursor-foreground", "block-cursor-background", TEXT),  # the highlighted choice
    ("block-cursor-blurred-foreground", "block-cursor-blurred-background", TEXT),
    ("button-color-foreground", "primary", TEXT),
    ("button-color-foreground", "error", TEXT),
    ("input-cursor-foreground", "input-cursor-background", TEXT),
    ("input-selection-foreground", "input-selection-background", TEXT),
    ("markdown-h1-color", "surface", TEXT),
    ("markdown-h2-color", "surface", TEXT),
    ("markdown-h3-color", "surface", TEXT),
    ("block-cursor-background", "surface", NON_TEXT),  # the highlight as a focus indicator
    ("primary", "background", NON_TEXT),  # borders and rules
    ("primary", "surface", NON_TEXT),
    ("border", "surface", NON_TEXT),  # a focused input's ring
    ("border-blurred", "surface", NON_TEXT),
    ("scrollbar", "scrollbar-background", NON_TEXT),
]


@pytest.mark.parametrize("grey", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("theme", ALL_THEMES, ids=lambda t: t.name)
def test_theme_variables_meet_wcag_aa(theme, grey):
    """The pairs that matter, in colour and as NO_COLOR draws them (Color.monochrome)."""
    variables = theme.to_color_system().generate()
    background = Color.parse(variables["background"])
    failures, report = [], []
    for fg_name, bg_name, minimum in PAIRS:
        bg = resolved(variables, bg_name, background)
        fg = resolved(variables, fg_name, bg)
        if grey:
            fg, bg = fg.monochrome, bg.monochrome
        ratio = contrast(fg, bg)
        line = f"${fg_name} {fg.hex} on ${bg_name} {bg.hex}: {ratio:.2f}:1 (needs {minimum})"
        report.append(line)
        if ratio < minimum:
            failures.append(line)
    assert not failures, "\n".join([f"{theme.name}:", *failures])


def test_theme_names():
    assert THEMES == ("petrograd-dark", "petrograd-light", "petrograd-contrast")
    assert tuple(t.name for t in ALL_THEMES) == THEMES
    assert set(THEME_NAMES) == set(THEMES)
    assert [theme_label(t) for t in THEMES] == ["Dark", "Light", "High contrast"]
    assert DEFAULT_THEME == THEMES[0]
    for name in THEMES:
        assert stored_theme(name) == name
    assert stored_theme("textual-dark") == "petrograd-dark"
    assert stored_theme("textual-light") == "petrograd-light"
    assert stored_theme("gruvbox") == stored_theme("") == DEFAULT_THEME
    assert theme_label("textual-light") == "Light"  # never an id
