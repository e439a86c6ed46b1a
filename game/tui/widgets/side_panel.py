"""The side panel: the player-visible variables, the scene's sources and its codex terms."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.engine import Frame, VariableView, wording
from game.tui.widgets.steady import SteadyStatic

BAR_WIDTH = 10


def bar(value: int, maximum: int) -> str:
    """A small text gauge, always shown beside the number (never colour alone)."""
    filled = round(BAR_WIDTH * max(0, min(value, maximum)) / maximum) if maximum else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def gauge_change(var: VariableView) -> str:
    """What the last choice did to a gauge: '+2', '-1', 'now yes'; '' when nothing."""
    if var.delta is not None:
        return f"{var.delta:+d}".replace("-", "−")
    if var.changed:
        return f"now {var.shown}"
    return ""


class SidePanel(VerticalScroll):
    """Where things stand, and what this scene rests on."""

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(wording.VARIABLES_HEADING, classes="panel-heading", id="variables-heading")
        yield SteadyStatic(id="variables")
        yield Static(wording.SOURCES_HEADING, classes="panel-heading", id="sources-heading")
        yield SteadyStatic(id="sources")
        yield Static(wording.CODEX_HEADING, classes="panel-heading", id="terms-heading")
        yield SteadyStatic(id="terms")

    def show(self, frame: Frame) -> None:
        lines = []
        for var in frame.variables:
            gauge = ""
            if not isinstance(var.value, bool) and var.maximum is not None:
                gauge = f"{bar(var.value, var.maximum)} "
            line = Content(f"{var.label}\n  {gauge}{var.shown}")
            change = gauge_change(var)
            if change:
                line = line + Content(f"  {change}").stylize("bold")
            lines.append(line)
        self.query_one("#variables", Static).update(Content("\n").join(lines))
        # a story may show no variable (none has a label): then no empty heading
        self.query_one("#variables-heading", Static).display = bool(lines)
        self.query_one("#variables", Static).display = bool(lines)
        sources = [Content(f"{c.id}: {c.summary}" if c.summary else c.id) for c in frame.citations]
        self.query_one("#sources", Static).update(Content("\n").join(sources))
        # a scene of a story of its own may cite nothing: then no empty heading
        self.query_one("#sources-heading", Static).display = bool(sources)
        self.query_one("#sources", Static).display = bool(sources)
        terms = []
        for term in frame.terms:
            terms.append(Content(f"• {term.name}").stylize(f"@click=app.show_term('{term.id}')"))
        self.query_one("#terms", Static).update(
            Content("\n").join(terms) if terms else Content("(none)")
        )
        # a story with no codex at all says nothing of it (not "(none)" in every scene)
        self.query_one("#terms-heading", Static).display = frame.has_codex
        self.query_one("#terms", Static).display = frame.has_codex
