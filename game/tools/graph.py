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

from dataclasses import dataclass
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


def render(story: Story, fmt: Format = "mermaid") -> str:
    """The story's scene graph in the given format, ending with a newline."""
    if fmt == "dot":
        return to_dot(story)
    return to_mermaid(story)


# ---------------------------------------------------------------- Graphviz DOT


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(story: Story) -> str:
    """Graphviz DOT: one `cluster_` subgraph per chapter."""
    lines = [
        f"// {story.title} {story.version}: the scene graph (petrograd graph --format dot)",
        "// Solid edges are faithful choices, dashed red ones divergent; endings have a double border.",
        f"digraph {_dot_string(story.id)} {{",
        "  graph [rankdir=LR, fontname=Helvetica, compound=true, "
        f"label={_dot_string(f'{story.title} {story.version}')}, labelloc=t];",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname=Helvetica, fontsize=11];',
        "  edge [fontname=Helvetica, fontsize=9];",
        '  "__start__" [shape=circle, label="", width=0.2, style=filled, fillcolor=black];',
    ]
    for chapter_id, title, scenes in _chapters(story):
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
            lines.append(f"    {_dot_string(scene.id)} [{', '.join(attrs)}];")
        lines.append("  }")
    for number, (start, name) in enumerate(_starts(story)):
        node = _dot_string("__start__" if number == 0 else f"__start_{number}__")
        if number:  # the first is drawn above, with the graph's defaults
            lines.append(
                f"  {node} [shape=circle, label=\"\", width=0.2, style=filled, "
                f"fillcolor=black, xlabel={_dot_string(name)}];"
            )
        lines.append(f"  {node} -> {_dot_string(start)};")
    for way in ways(story):
        attrs = [f"label={_dot_string(way.label)}", f"class={_dot_string(way.choice.history)}"]
        if way.choice.history == "divergent":
            attrs += [
                "style=dashed",
                f'color="{DIVERGENT_COLOUR}"',
                f'fontcolor="{DIVERGENT_COLOUR}"',
            ]
        lines.append(
            f"  {_dot_string(way.scene.id)} -> {_dot_string(way.choice.target)} [{', '.join(attrs)}];"
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


def to_mermaid(story: Story) -> str:
    """A Mermaid flowchart: one subgraph per chapter, divergent edges dashed (`-.->`) and red."""
    lines = [
        f"%% {story.title} {story.version}: the scene graph (petrograd graph)",
        "%% Solid edges are faithful choices, dashed red ones divergent; endings are rounded and coloured.",
        "flowchart LR",
    ]
    for kind, (fill, border) in ENDING_COLOURS.items():
        lines.append(f"  classDef {kind} fill:{fill},stroke:{border},stroke-width:3px")
    lines.append("  classDef start fill:#333,stroke:#333,color:#fff")
    starts = _starts(story)
    for number, (_start, name) in enumerate(starts):
        suffix = "" if number == 0 else f"_{number}"
        lines.append(f'  story_start{suffix}(("{_mermaid_text(name)}")):::start')
    for chapter_id, title, scenes in _chapters(story):
        lines.append(f'  subgraph {mermaid_id("chapter", chapter_id)}["{_mermaid_text(title)}"]')
        for scene in scenes:
            heading, ident = _scene_text(scene)
            text = _mermaid_text(f"{heading}\n{ident}")
            node = mermaid_id("scene", scene.id)
            if scene.ending is not None:
                lines.append(f'    {node}(["{text}"]):::{scene.ending.kind}')
            else:
                lines.append(f'    {node}["{text}"]')
        lines.append("  end")
    for number, (start, _name) in enumerate(starts):
        suffix = "" if number == 0 else f"_{number}"
        lines.append(f"  story_start{suffix} --> {mermaid_id('scene', start)}")
    divergent = []
    for index, way in enumerate(ways(story), start=len(starts)):  # the start arrows first
        arrow = "-.->" if way.choice.history == "divergent" else "-->"
        if way.choice.history == "divergent":
            divergent.append(index)
        source = mermaid_id("scene", way.scene.id)
        target = mermaid_id("scene", way.choice.target)
        lines.append(f'  {source} {arrow}|"{_mermaid_text(way.label)}"| {target}')
    if divergent:
        numbers = ",".join(str(n) for n in divergent)
        lines.append(f"  linkStyle {numbers} stroke:{DIVERGENT_COLOUR},color:{DIVERGENT_COLOUR}")
    return "\n".join(lines) + "\n"
