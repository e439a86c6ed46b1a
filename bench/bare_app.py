"""The baseline of the UI benchmarks: a bare Textual app with a header, a text pane and a footer.

It is what any Textual program that shows a page of text must pay for, and nothing
more: no story, no engine, no styles of its own. Pressing `n` swaps the pane's text
for the next page (the baseline of the choice latency). Run it to look at it:

    .venv/bin/python bench/bare_app.py
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


def main() -> int:
    result = BareApp().run()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
