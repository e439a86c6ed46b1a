"""The endings gallery: the endings this player has reached; the others locked, with their kind."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from game.session import Session

KINDS = {
    "historical": "historical",
    "alternate": "alternate (did not happen)",
    "defeat": "defeat (did not happen)",
}


class EndingsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,e,q", "dismiss", "Close")]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        story = self.session.story
        reached = self.session.profile.endings(story.id)
        lines = []
        for ending_id, scene in sorted(
            story.endings.items(), key=lambda kv: (kv[1].ending.kind != "historical", kv[0])
        ):
            ending = scene.ending
            assert ending is not None
            if ending_id in reached:
                lines.append(
                    Content.assemble(
                        Content(f"✓ {ending.title}").stylize("bold"), f"  ({KINDS[ending.kind]})"
                    )
                )
            else:
                lines.append(
                    Content(f"🔒 Locked: an ending of the kind {KINDS[ending.kind]}").stylize(
                        "italic"
                    )
                )
        with Vertical(id="endings-dialog", classes="dialog"):
            yield Static(
                Content(
                    f"Endings reached: {len(reached & set(story.endings))} of {len(story.endings)}"
                ).stylize("bold")
            )
            with VerticalScroll():
                yield Static(Content("\n").join(lines), id="endings-list")
