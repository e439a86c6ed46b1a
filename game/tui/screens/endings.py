"""The endings gallery: the endings this player has reached; the others locked, with their kind."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from game.engine import Scene, wording
from game.session import PlaySession


class EndingsScreen(ModalScreen[None]):
    """The endings, by viewpoint in a story that has several."""

    BINDINGS = [Binding("escape,e,q", "dismiss", "Close")]

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        story = self.session.story
        reached = self.session.profile.endings(story.id)
        groups: dict[str, list[Scene]] = {}
        for scene in story.endings.values():
            viewpoint = story.viewpoint_of(scene.id)
            groups.setdefault(viewpoint.id if viewpoint else "", []).append(scene)
        lines: list[Content] = []
        for key, scenes in sorted(
            groups.items(), key=lambda kv: list(story.viewpoints).index(kv[0]) if kv[0] else -1
        ):
            if key:
                mine = sum(1 for s in scenes if s.ending and s.ending.id in reached)
                if lines:
                    lines.append(Content(""))
                lines.append(
                    Content(f"{story.viewpoints[key].name}: {mine} of {len(scenes)}").stylize(
                        "bold underline"
                    )
                )
            for scene in sorted(scenes, key=_gallery_order):
                lines.append(self._line(scene, reached))
        with Vertical(id="endings-dialog", classes="dialog"):
            yield Static(
                Content(
                    f"Endings reached: {len(reached & set(story.endings))} of {len(story.endings)}"
                ).stylize("bold")
            )
            with VerticalScroll():
                yield Static(Content("\n").join(lines), id="endings-list")

    @staticmethod
    def _line(scene: Scene, reached: set[str]) -> Content:
        ending = scene.ending
        assert ending is not None
        if ending.id in reached:
            return Content.assemble(
                Content(f"✓ {ending.title}").stylize("bold"),
                f": {wording.ending_kind_name(ending.kind)}",
            )
        return Content(f"🔒 Locked: {wording.ending_kind_name(ending.kind)}").stylize("italic")


def _gallery_order(scene: Scene) -> tuple[bool, str]:
    """The historical ending first, then the others by id."""
    ending = scene.ending
    return (ending is None or ending.kind != "historical", ending.id if ending else scene.id)
