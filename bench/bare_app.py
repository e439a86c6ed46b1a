"""The baseline of the UI benchmarks: a bare Textual app with a header, a text pane and a footer.

It is what any Textual program that shows a page of text must pay for, and nothing
more: no story, no engine, no styles of its own. Pressing `n` swaps the pane's text
for the next page (the baseline of the choice latency). Run it to look at it:

    .venv/bin/python bench/bare_app.py
    .venv/bin/python bench/bare_app.py laid-out

`LaidOutApp` is a reference, not a baseline: the same bare app laid out like the
game's scene screen (a line of place and date, a scene's worth of text, a side panel
with a panel's worth of text, three choices in an `OptionList`), all of it swapped on
`n`. The bench reports its latency beside the game's, to show how much of the game's
latency any Textual program with that layout pays.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

#: Two pages of about a scene's length, swapped on each key press.
PAGES = (
    (
        "You climb the stairs of the Smolny Institute with a bundle of papers under your "
        "arm. The corridors are full of soldiers and workers, of smoke and shouting; "
        "somewhere above you the Military Revolutionary Committee is deciding what to do "
        "about an order that would send the city's regiments to the front.\n\n"
        "A sailor asks you where the telegraph room is. You do not know, and he laughs and "
        "goes on up the stairs two at a time. Through a half-open door you see a long table "
        "covered in maps and telegrams, and men asleep on the floor beside it."
    ),
    (
        "Night falls early on the Neva. From the bridge you can see the lamps of the Winter "
        "Palace and, beyond them, the dark bulk of the fortress. The trams have stopped; "
        "patrols of Red Guards stand at the corners, warming their hands at small fires.\n\n"
        "A courier pushes a folded message into your hand and is gone before you can ask "
        "who sent it. The paper is damp and the pencil smudged, but the words are clear "
        "enough: the cruiser is to come up the river before dawn."
    ),
)


class BareApp(App[int]):
    """Header, a scrolling text pane, footer; `n` shows the next page."""

    TITLE = "Bare"
    BINDINGS = [Binding("n", "next_page", "Next"), Binding("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.page = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="pane"):
            yield Static(PAGES[0], id="text")
        yield Footer()

    def action_next_page(self) -> None:
        self.page = (self.page + 1) % len(PAGES)
        self.query_one("#text", Static).update(PAGES[self.page])


#: What the laid-out reference shows on each page: a scene's length of text (the shipped
#: scenes have 150 to 350 words), a side panel's, and three choices.
SCENE_TEXT = tuple("\n\n".join([page, page, page]) for page in PAGES)
PANEL_TEXT = (
    "Where things stand\nRegiments with the Committee\n  ███░░░░░░░ 3 / 10\n"
    "Support in the streets\n  ████░░░░░░ 4 / 10\nReadiness of the rising\n"
    "  ██░░░░░░░░ 2 / 10\nDays lost\n  ░░░░░░░░░░ 0 / 6\n\nSources\n"
    "eve-2: the committee is formed and sends commissars to every regiment.\n"
    "eve-3: the garrison refuses to leave the city.\n\nIn the codex\n• Smolny\n• Garrison"
)
CHOICES = (
    ("Urge them not to sign", "Urge them to denounce the order", "Urge them to countersign"),
    ("Go to the fortress", "Send a commissar", "Wait for the fleet"),
)


class LaidOutApp(BareApp):
    """The bare app laid out like the scene screen (see the module's docstring)."""

    CSS = """
    #place { height: auto; padding: 0 1; }
    #panel { dock: right; width: 27; padding: 0 1; }
    #choices { height: auto; max-height: 45%; }
    """

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList

        yield Header()
        yield Static(self.place(), id="place")
        yield OptionList(*CHOICES[0], id="choices")
        with VerticalScroll(id="panel"):
            yield Static(PANEL_TEXT, id="panel-text")
        with VerticalScroll(id="pane"):
            yield Static(SCENE_TEXT[0], id="text")
        yield Footer()

    def place(self) -> str:
        return f"Chapter {self.page + 1}  │  25 October 1917 (7 November N.S.)  │  night"

    def action_next_page(self) -> None:
        from textual.widgets import OptionList

        self.page = (self.page + 1) % len(PAGES)
        self.query_one("#place", Static).update(self.place())
        self.query_one("#text", Static).update(SCENE_TEXT[self.page])
        self.query_one("#panel-text", Static).update(PANEL_TEXT.replace("3 / 10", f"{self.page} / 10"))
        self.query_one("#choices", OptionList).set_options(CHOICES[self.page])


def main(argv: list[str] | None = None) -> int:
    import sys

    laid_out = (sys.argv[1:] if argv is None else argv) == ["laid-out"]
    result = (LaidOutApp() if laid_out else BareApp()).run()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
