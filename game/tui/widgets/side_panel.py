"""The side panel: the player-visible variables, the scene's sources and its codex terms."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.engine import Frame, Story
from game.tui.widgets.steady import SteadyStatic

BAR_WIDTH = 10


def bar(value: int, maximum: int) -> str:
    """A small text gauge, always shown beside the number (never colour alone)."""
    filled = round(BAR_WIDTH * max(0, min(value, maximum)) / maximum) if maximum else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


class SidePanel(VerticalScroll):
    """Where things stand, and what this scene rests on."""

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static("Where things stand", classes="panel-heading")
        yield SteadyStatic(id="variables")
        yield Static("Sources", classes="panel-heading")
        yield SteadyStatic(id="sources")
        yield Static("In the codex", classes="panel-heading", id="terms-heading")
        yield SteadyStatic(id="terms")

    def show(self, story: Story, frame: Frame) -> None:
        lines = []
        for var in frame.variables:
            variable = story.variables[var.name]
            if isinstance(var.value, bool):
                lines.append(Content(f"{var.label}\n  {var.shown}"))
            elif variable.maximum is not None:
                lines.append(
                    Content(f"{var.label}\n  {bar(var.value, variable.maximum)} {var.shown}")
                )
            else:
                lines.append(Content(f"{var.label}\n  {var.shown}"))
        self.query_one("#variables", Static).update(Content("\n").join(lines))
        sources = []
        for ref in frame.scene.sources:
            paragraph = story.paragraphs.get(ref)
            sources.append(Content(f"{ref}: {paragraph.summary}" if paragraph else ref))
        self.query_one("#sources", Static).update(Content("\n").join(sources))
        terms = []
        for term in story.terms_in(frame.scene):
            entry = story.codex[term]
            terms.append(Content(f"• {entry.name}").stylize(f"@click=app.show_term('{term}')"))
        self.query_one("#terms", Static).update(
            Content("\n").join(terms) if terms else Content("(none)")
        )
