"""The scene graph as Mermaid or Graphviz DOT: chapters as clusters, endings marked,
divergent choices dashed and red, conditional choices labelled with their condition.

The edges are read from the story's runtime `transitions` machine (`build_machine`,
the same builder the game plays on), so the map can never show a way the game does
not have. The drawing itself is written here rather than by `transitions`' own
diagram support (`GraphMachine` and its mermaid/graphviz backends), because that
support cannot express what an author needs from this map:

- its Mermaid backend writes a `stateDiagram-v2`, where edges cannot be styled one
  by one (so faithful and divergent choices would look the same), and where a
  transition between states of two different composite states is not allowed, so
  chapters could not be clusters while choices cross from one chapter to the next;
- its graphviz backend needs the `graphviz` Python package (another dependency), and
  both backends merge every transition between the same two scenes into one edge,
  so a faithful and a divergent choice to the same scene could not be told apart;
- with `show_conditions` they label an edge with the condition callable's name,
  not the author's condition text.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from game.engine.machine import build_machine, trigger_name
from game.engine.model import Choice, Scene, Story

Format = Literal["mermaid", "dot"]

#: Fill and border colours of endings, by kind.
ENDING_COLOURS = {
    "historical": ("#d7ecd7", "#2e7d32"),
    "alternate": ("#fbeccb", "#a66d00"),
    "defeat": ("#f6d3d3", "#b03030"),
}
DIVERGENT_COLOUR = "#b03030"
#: Fill and border of a scene a pack adds; the colour of a choice a pack adds.
PACK_COLOURS = ("#dce8f8", "#1f5fa8")
#: The longest an effects label is before it is cut with '...'.
EFFECTS_WIDTH = 48


@dataclass(frozen=True, slots=True)
class Way:
    """One transition of the machine: in `scene`, `choice` leads to `choice.target`."""

    scene: Scene
    choice: Choice

    @property
    def label(self) -> str:
        """The choice's id, and its condition on a second line when it has one."""
        if self.choice.condition_text:
            return f"{self.choice.id}\nif {self.choice.condition_text}"
        return self.choice.id

    @property
    def effects(self) -> str:
        """The choice's effects, short: 'n += 10; flag = true' ('' when it has none)."""
        text = "; ".join(str(effect) for effect in self.choice.effects)
        return text if len(text) <= EFFECTS_WIDTH else text[: EFFECTS_WIDTH - 3].rstrip() + "..."


def ways(story: Story) -> list[Way]:
    """Every transition of the story's runtime machine, with the choice it was built from."""
    machine = build_machine(story)
    by_trigger = {
        trigger_name(scene.id, choice.id): Way(scene, choice)
        for scene in story.scenes.values()
        for choice in scene.choices
    }
    out = []
    for trigger, event in machine.events.items():
        way = by_trigger[trigger]
        for transitions in event.transitions.values():
            for transition in transitions:
                assert transition.dest == way.choice.target
                out.append(way)
    return out


class UnknownChapter(ValueError):
    """`--chapter` names no chapter of the story; the message lists the real ones."""


@dataclass(frozen=True, slots=True)
class View:
    """What one graph shows: the scenes drawn in full (in their chapters' clusters); the
    scenes they lead to or come from are drawn as plain boxes (`None`: every scene)."""

    full: frozenset[str] | None = None
    #: The scenes a pack adds and the choices it adds (drawn in the pack's style).
    pack_scenes: frozenset[str] = frozenset()
    pack_choices: frozenset[tuple[str, str]] = frozenset()
    #: Label each edge with the choice's effects as well.
    effects: bool = False
    #: What the graph is of, after the story's title ("chapter X", "the pack DIR").
    subject: str = ""
    packs: tuple[str, ...] = field(default=())

    def shows(self, scene_id: str) -> bool:
        return self.full is None or scene_id in self.full


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def pack_parts(story: Story, folder: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The scenes a pack (a folder of scene files loaded with the story) adds, and the
    choices it adds to the story's scenes (`extends:`), as (scene, choice) ids."""
    scenes = {s.id for s in story.scenes.values() if _inside(s.mark.path, folder)}
    choices = {
        (scene.id, choice.id)
        for scene in story.scenes.values()
        if scene.id not in scenes
        for choice in scene.choices
        if _inside(choice.mark.path, folder)
    }
    return scenes, choices


def view(
    story: Story,
    *,
    chapter: str | None = None,
    pack: Path | None = None,
    packs: Sequence[Path] = (),
    effects: bool = False,
) -> View:
    """The view `petrograd graph` draws: all of it, one chapter (`chapter`, an id; raises
    UnknownChapter), or what one pack adds or extends (`pack`, one of the `packs` the
    story was loaded with; raises ValueError when it adds nothing). Every pack's scenes
    and choices are marked."""
    marked_scenes: set[str] = set()
    marked_choices: set[tuple[str, str]] = set()
    for folder in dict.fromkeys([*packs, *([pack] if pack is not None else [])]):
        added, extended = pack_parts(story, folder)
        marked_scenes |= added
        marked_choices |= extended
    full: set[str] | None = None
    subject = ""
    if chapter is not None:
        if chapter not in story.chapters:
            near = difflib.get_close_matches(chapter, list(story.chapters), n=3)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise UnknownChapter(
                f"the story has no chapter '{chapter}' ({hint}its chapters: "
                f"{', '.join(story.chapters)})"
            )
        full = {s.id for s in story.scenes.values() if s.chapter == chapter}
        subject = f"chapter {chapter}"
    if pack is not None:
        added, extended = pack_parts(story, pack)
        if not added and not extended:
            raise ValueError(f"the folder {pack} adds or extends no scene of this story")
        mine = added | {scene for scene, _choice in extended}
        full = mine if full is None else full & mine
        subject = " and ".join(filter(None, [subject, f"the pack {pack.name}"]))
    return View(
        None if full is None else frozenset(full),
        frozenset(marked_scenes),
        frozenset(marked_choices),
        effects,
        subject,
        tuple(str(p) for p in packs),
    )


def _drawn(story: Story, shown: View) -> tuple[list[Way], list[str]]:
    """The edges to draw (from or into a scene drawn in full) and the plain boxes they need."""
    drawn = [w for w in ways(story) if shown.shows(w.scene.id) or shown.shows(w.choice.target)]
    boxes: dict[str, None] = {}
    for way in drawn:
        for end in (way.scene.id, way.choice.target):
            if not shown.shows(end):
                boxes.setdefault(end, None)
    return drawn, list(boxes)


def _label(way: Way, shown: View) -> str:
    if shown.effects and way.effects:
        return f"{way.label}\n{way.effects}"
    return way.label


def _legend(shown: View, boxes: list[str]) -> str | None:
    lines = []
    if shown.pack_scenes or shown.pack_choices:
        lines.append("blue: a scene of a scene pack; thick: a choice a pack adds")
    if boxes:
        lines.append("dashed box: a scene outside this view")
    return "\n".join(lines) if lines else None


def _chapters(story: Story) -> list[tuple[str, str, list[Scene]]]:
    """(chapter id, cluster title, scenes) in chapter order (each viewpoint's in turn, its
    name before the title); scenes in story order."""
    order = list(story.viewpoints)
    out = []
    for chapter in sorted(
        story.chapters.values(),
        key=lambda c: (order.index(c.viewpoint) if c.viewpoint in order else -1, c.number, c.id),
    ):
        scenes = [s for s in story.scenes.values() if s.chapter == chapter.id]
        whose = story.viewpoints.get(chapter.viewpoint)
        title = f"{chapter.number}. {chapter.title}"
        if scenes:
            out.append((chapter.id, f"{whose.name}: {title}" if whose else title, scenes))
    return out


def _starts(story: Story) -> list[tuple[str, str]]:
    """(start scene, what to call it): each viewpoint's, or the story's one."""
    if not story.viewpoints:
        return [(story.start, "start")]
    return [(v.start, f"start: {v.name}") for v in story.viewpoints.values()]


def _scene_text(scene: Scene) -> tuple[str, str]:
    """The two lines of a scene's box: a heading and its id."""
    if scene.ending is not None:
        return f"ENDING ({scene.ending.kind}): {scene.ending.title}", scene.id
    return scene.title, scene.id


def _title(story: Story, shown: View) -> str:
    return f"{story.title} {story.version}" + (f": {shown.subject}" if shown.subject else "")


def render(story: Story, fmt: Format = "mermaid", shown: View | None = None) -> str:
    """The story's scene graph (or the part `shown` says) in the given format, ending with
    a newline."""
    if fmt == "dot":
        return to_dot(story, shown)
    return to_mermaid(story, shown)


# ---------------------------------------------------------------- Graphviz DOT


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(story: Story, shown: View | None = None) -> str:
    """Graphviz DOT: one `cluster_` subgraph per chapter, ranked top to bottom so that each
    viewpoint's chapters run down the page side by side (a whole story fits a screen's
    shape, where left to right it was one very long strip)."""
    shown = shown or View()
    drawn, boxes = _drawn(story, shown)
    lines = [
        f"// {story.title} {story.version}: the scene graph (petrograd graph --format dot)",
        "// Solid edges are faithful choices, dashed red ones divergent; endings have a double border.",
        f"digraph {_dot_string(story.id)} {{",
        "  graph [rankdir=TB, ranksep=0.35, nodesep=0.25, fontname=Helvetica, compound=true, "
        f"label={_dot_string(_title(story, shown))}, labelloc=t];",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname=Helvetica, fontsize=11];',
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    starts = [(start, name) for start, name in _starts(story) if shown.shows(start)]
    if starts:
        lines.append(
            '  "__start__" [shape=circle, label="", width=0.2, style=filled, fillcolor=black];'
        )
    for chapter_id, title, scenes in _chapters(story):
        scenes = [s for s in scenes if shown.shows(s.id)]
        if not scenes:
            continue
        lines.append(f"  subgraph {_dot_string('cluster_' + chapter_id)} {{")
        lines.append(f'    graph [label={_dot_string(title)}, style="rounded", color=grey];')
        for scene in scenes:
            heading, ident = _scene_text(scene)
            attrs = [f"label={_dot_string(heading + chr(10) + ident)}"]
            if scene.ending is not None:
                fill, border = ENDING_COLOURS[scene.ending.kind]
                attrs += [
                    "shape=box",
                    "peripheries=2",
                    f'fillcolor="{fill}"',
                    f'color="{border}"',
                    f"class={_dot_string('ending ' + scene.ending.kind)}",
                ]
            elif scene.id in shown.pack_scenes:
                fill, border = PACK_COLOURS
                attrs += [f'fillcolor="{fill}"', f'color="{border}"', 'class="pack"']
            lines.append(f"    {_dot_string(scene.id)} [{', '.join(attrs)}];")
        lines.append("  }")
    for scene_id in boxes:
        scene = story.scenes[scene_id]
        heading, ident = _scene_text(scene)
        lines.append(
            f"  {_dot_string(scene_id)} [label={_dot_string(heading + chr(10) + ident)}, "
            'style="rounded,dashed", color=grey, fontcolor=grey30, class="outside"];'
        )
    for number, (start, name) in enumerate(starts):
        node = _dot_string("__start__" if number == 0 else f"__start_{number}__")
        if number:  # the first is drawn above, with the graph's defaults
            lines.append(
                f'  {node} [shape=circle, label="", width=0.2, style=filled, '
                f"fillcolor=black, xlabel={_dot_string(name)}];"
            )
        lines.append(f"  {node} -> {_dot_string(start)};")
    for way in drawn:
        attrs = [
            f"label={_dot_string(_label(way, shown))}",
            f"class={_dot_string(way.choice.history)}",
        ]
        if way.choice.history == "divergent":
            attrs += [
                "style=dashed",
                f'color="{DIVERGENT_COLOUR}"',
                f'fontcolor="{DIVERGENT_COLOUR}"',
            ]
        elif (way.scene.id, way.choice.id) in shown.pack_choices:
            attrs.append(f'color="{PACK_COLOURS[1]}"')
        if (way.scene.id, way.choice.id) in shown.pack_choices:
            attrs.append("penwidth=2.5")
        lines.append(
            f"  {_dot_string(way.scene.id)} -> {_dot_string(way.choice.target)} [{', '.join(attrs)}];"
        )
    legend = _legend(shown, boxes)
    if legend is not None:
        lines.append(
            f'  "__legend__" [shape=note, style=filled, fillcolor="#f4f4f4", '
            f"fontsize=10, label={_dot_string(legend)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Mermaid

_MERMAID_ESCAPES = {'"': "#quot;", "<": "#60;", ">": "#62;", "#": "#35;"}


def _mermaid_text(text: str) -> str:
    """Text for inside a quoted Mermaid label: entity codes for the risky characters."""
    out = "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in text)
    return out.replace("\n", "<br/>")


def mermaid_id(kind: str, ident: str) -> str:
    """A Mermaid node or subgraph id: ids hold only letters, digits and '_' (never 'end')."""
    return f"{kind}_{ident.replace('-', '_')}"


def to_mermaid(story: Story, shown: View | None = None) -> str:
    """A Mermaid flowchart, top to bottom: one subgraph per chapter, divergent edges dashed
    (`-.->`) and red."""
    shown = shown or View()
    drawn, boxes = _drawn(story, shown)
    lines = [
        f"%% {_title(story, shown)}: the scene graph (petrograd graph)",
        "%% Solid edges are faithful choices, dashed red ones divergent; endings are rounded and coloured.",
        "flowchart TB",
    ]
    for kind, (fill, border) in ENDING_COLOURS.items():
        lines.append(f"  classDef {kind} fill:{fill},stroke:{border},stroke-width:3px")
    lines.append("  classDef start fill:#333,stroke:#333,color:#fff")
    lines.append(
        f"  classDef pack fill:{PACK_COLOURS[0]},stroke:{PACK_COLOURS[1]},stroke-width:2px"
    )
    lines.append("  classDef outside fill:#fff,stroke:#999,color:#555,stroke-dasharray:4 3")
    lines.append("  classDef legend fill:#f4f4f4,stroke:#bbb,color:#333")
    starts = [(start, name) for start, name in _starts(story) if shown.shows(start)]
    for number, (_start, name) in enumerate(starts):
        suffix = "" if number == 0 else f"_{number}"
        lines.append(f'  story_start{suffix}(("{_mermaid_text(name)}")):::start')
    for chapter_id, title, scenes in _chapters(story):
        scenes = [s for s in scenes if shown.shows(s.id)]
        if not scenes:
            continue
        lines.append(f'  subgraph {mermaid_id("chapter", chapter_id)}["{_mermaid_text(title)}"]')
        for scene in scenes:
            heading, ident = _scene_text(scene)
            text = _mermaid_text(f"{heading}\n{ident}")
            node = mermaid_id("scene", scene.id)
            if scene.ending is not None:
                lines.append(f'    {node}(["{text}"]):::{scene.ending.kind}')
            elif scene.id in shown.pack_scenes:
                lines.append(f'    {node}["{text}"]:::pack')
            else:
                lines.append(f'    {node}["{text}"]')
        lines.append("  end")
    for scene_id in boxes:
        heading, ident = _scene_text(story.scenes[scene_id])
        text = _mermaid_text(f"{heading}\n{ident}")
        lines.append(f'  {mermaid_id("scene", scene_id)}["{text}"]:::outside')
    legend = _legend(shown, boxes)
    if legend is not None:
        lines.append(f'  legend["{_mermaid_text(legend)}"]:::legend')
    for number, (start, _name) in enumerate(starts):
        suffix = "" if number == 0 else f"_{number}"
        lines.append(f"  story_start{suffix} --> {mermaid_id('scene', start)}")
    divergent = []
    thick = []
    for index, way in enumerate(drawn, start=len(starts)):  # the start arrows first
        arrow = "-.->" if way.choice.history == "divergent" else "-->"
        if way.choice.history == "divergent":
            divergent.append(index)
        elif (way.scene.id, way.choice.id) in shown.pack_choices:
            thick.append(index)
        source = mermaid_id("scene", way.scene.id)
        target = mermaid_id("scene", way.choice.target)
        lines.append(f'  {source} {arrow}|"{_mermaid_text(_label(way, shown))}"| {target}')
    if divergent:
        numbers = ",".join(str(n) for n in divergent)
        lines.append(f"  linkStyle {numbers} stroke:{DIVERGENT_COLOUR},color:{DIVERGENT_COLOUR}")
    if thick:
        numbers = ",".join(str(n) for n in thick)
        lines.append(f"  linkStyle {numbers} stroke:{PACK_COLOURS[1]},stroke-width:3px")
    return "\n".join(lines) + "\n"
