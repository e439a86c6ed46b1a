"""The scene screen's small widgets, on their own."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from game.tui.widgets.steady import SteadyStatic


class OneStatic(App[None]):
    def compose(self) -> ComposeResult:
        yield SteadyStatic(Content("Smolny"), id="text")


async def test_a_steady_static_skips_only_what_it_already_shows():
    app = OneStatic()
    async with app.run_test() as pilot:
        text = app.query_one(SteadyStatic)
        refreshes: list[bool] = []
        refresh = text.refresh

        def counting_refresh(*args, **kwargs):
            refreshes.append(True)
            return refresh(*args, **kwargs)

        text.refresh = counting_refresh
        text.update(Content("Smolny"))  # the same: nothing to do
        assert refreshes == []
        text.update(Content("Smolny").stylize("bold"))  # same text, new style: shown
        assert refreshes and text.content.spans
        refreshes.clear()
        text.update("Smolny")  # plain text is new content too
        assert refreshes
        refreshes.clear()
        text.update("Smolny")
        assert refreshes == []
        await pilot.pause()
        assert str(text.render()) == "Smolny"
