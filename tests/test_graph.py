"""`petrograd graph`: valid Mermaid and DOT, clusters, endings, divergent and conditional edges,
and the same transitions as the runtime machine."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from game.engine import load_story
from game.engine.machine import build_machine
from game.paths import assets_dir
from game.tools.graph import Way, mermaid_id, to_dot, to_mermaid, view, ways
from tests.conftest import CHAPTER_YAML, MINI, ROOT

NO_DOT = shutil.which("dot") is None
NEEDS_DOT = pytest.mark.skipif(
    NO_DOT,
    reason="Graphviz 'dot' is not installed, so DOT output cannot be rendered here "
    "(apt-get install graphviz; .ci/run installs it when it runs as root)",
)

#: A chapter with a title that needs escaping, and a second chapter to cross into.
TRICKY = {
    "one.yaml": CHAPTER_YAML.replace("  title: One\n", '  title: One "quoted" <b>bold</b>#1\n')
    .replace("    title: A\n", '    title: A "scene" with <angles> & no#hash\n')
    .replace("goto: b\n        if: flag", "goto: c\n        if: flag"),
    "two.yaml": """\
        chapter:
          id: two
          number: 2
          title: Two
        scenes:
          - id: c
            title: C
            date: 1917-10-26
            time: night
            place: There
            sources: [eve-2]
            text: Onwards.
            choices:
              - id: on
                label: On
                goto: b
                sources: [eve-2]
                history: faithful
                note: Yes.
        """,
}


@pytest.fixture
def tricky_story(make_story):
    return load_story([make_story(TRICKY)], assets=assets_dir())


# ---------------------------------------------------------------- Mermaid, checked structurally

NODE = re.compile(
    r'^(?P<id>[A-Za-z0-9_]+)(?P<shape>\["|\(\["|\(\(")(?P<label>[^"]*)(?:"\]|"\]\)|"\)\))(?::::(?P<cls>\w+))?$'
)
EDGE = re.compile(
    r'^(?P<src>[A-Za-z0-9_]+) (?P<arrow>-->|-\.->)(?:\|"(?P<label>[^"]*)"\|)? (?P<dst>[A-Za-z0-9_]+)$'
)


def parse_mermaid(text: str) -> dict:
    """A strict reading of the subset of Mermaid flowchart syntax the tool writes."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = [line for line in lines if not line.startswith("%%")]
    assert body[0] == "flowchart TB", body[0]  # top to bottom: a whole story fits a screen
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    classes: set[str] = set()
    link_styles: list[int] = []
    stack: list[str] = []
    for line in body[1:]:
        if line.startswith("classDef "):
            classes.add(line.split()[1])
        elif line.startswith("subgraph "):
            match = re.fullmatch(r'subgraph ([A-Za-z0-9_]+)\["([^"]*)"\]', line)
            assert match, line
            assert not stack, "subgraphs are not nested"
            stack.append(match.group(1))
        elif line == "end":
            assert stack, "an 'end' without a subgraph"
            stack.pop()
        elif line.startswith("linkStyle "):
            link_styles.extend(int(n) for n in line.split()[1].split(","))
        elif (match := NODE.match(line)) is not None:
            assert match["id"] not in nodes, f"node {match['id']} declared twice"
            assert match["id"] != "end"
            nodes[match["id"]] = {
                "label": match["label"],
                "shape": match["shape"],
                "class": match["cls"],
                "cluster": stack[-1] if stack else None,
            }
        elif (match := EDGE.match(line)) is not None:
            edges.append(match.groupdict())
        else:
            raise AssertionError(f"not understood: {line!r}")
    assert not stack, "a subgraph is not closed"
    for edge in edges:
        assert edge["src"] in nodes and edge["dst"] in nodes, edge
    for node in nodes.values():
        assert node["class"] is None or node["class"] in classes
    assert all(0 <= n < len(edges) for n in link_styles)
    return {"nodes": nodes, "edges": edges, "link_styles": link_styles}


def test_mermaid_of_the_shipped_story_is_well_formed(shipped_story):
    graph = parse_mermaid(to_mermaid(shipped_story))
    story = shipped_story
    scene_nodes = {k: v for k, v in graph["nodes"].items() if k.startswith("scene_")}
    assert len(scene_nodes) == len(story.scenes)
    for scene in story.scenes.values():
        node = graph["nodes"][mermaid_id("scene", scene.id)]
        assert node["cluster"] == mermaid_id("chapter", scene.chapter)
        if scene.ending is not None:
            assert node["shape"] == '(["' and node["class"] == scene.ending.kind
            assert node["label"].startswith("ENDING")
        else:
            assert node["shape"] == '["' and node["class"] is None
    choices = [(s, c) for s in story.scenes.values() for c in s.choices]
    starts = len(story.starts)  # an arrow into each viewpoint's first scene
    assert len(graph["edges"]) == len(choices) + starts
    assert [e["dst"] for e in graph["edges"][:starts]] == [
        f"scene_{s.replace('-', '_')}" for s in story.starts
    ]
    divergent = [i for i, e in enumerate(graph["edges"]) if e["arrow"] == "-.->"]
    assert divergent and sorted(graph["link_styles"]) == divergent
    assert len(divergent) == sum(1 for _, c in choices if c.history == "divergent")


def test_mermaid_labels_conditions_and_escapes(tricky_story):
    text = to_mermaid(tricky_story)
    graph = parse_mermaid(text)
    edges = {(e["src"], e["dst"], e["label"]) for e in graph["edges"]}
    assert ("scene_a", "scene_b", "locked<br/>if n #62;= 3") in edges
    assert ("scene_a", "scene_c", "hidden<br/>if flag") in edges
    assert ("scene_a", "scene_b", "up") in edges
    label = graph["nodes"]["scene_a"]["label"]
    assert "#quot;scene#quot;" in label and "#60;angles#62;" in label and "no#35;hash" in label
    assert '"' not in label and "<angles>" not in label
    assert "chapter_one" in text and "#60;b#62;bold" in text


def test_edges_are_the_runtime_machines_transitions(shipped_story):
    machine = build_machine(shipped_story)
    from_machine = sorted(
        (t.source, t.dest, trigger)
        for trigger, event in machine.events.items()
        for transitions in event.transitions.values()
        for t in transitions
    )
    drawn = sorted(
        (w.scene.id, w.choice.target, f"{w.scene.id}:{w.choice.id}") for w in ways(shipped_story)
    )
    assert drawn == from_machine and len(drawn) > 50


# ---------------------------------------------------------------- DOT, rendered by Graphviz


def render_json(dot_text: str) -> dict:
    result = subprocess.run(
        ["dot", "-Tjson"], input=dot_text, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    return json.loads(result.stdout)


@NEEDS_DOT
def test_dot_of_the_shipped_story_renders_with_clusters(shipped_story):
    data = render_json(to_dot(shipped_story))
    objects = data["objects"]
    clusters = {o["name"]: o for o in objects if o["name"].startswith("cluster_")}
    assert set(clusters) == {f"cluster_{c}" for c in shipped_story.chapters}
    for name, cluster in clusters.items():
        members = {objects[i]["name"] for i in cluster["nodes"]}
        chapter = name.removeprefix("cluster_")
        assert members == {s.id for s in shipped_story.scenes.values() if s.chapter == chapter}
    nodes = {o["name"]: o for o in objects if "nodes" not in o}
    for ending_scene in shipped_story.endings.values():
        node = nodes[ending_scene.id]
        assert node["peripheries"] == "2" and ending_scene.ending.kind in node["class"]
    edges = data["edges"]
    starts = len(shipped_story.starts)  # an arrow into each viewpoint's first scene
    assert len(edges) == sum(len(s.choices) for s in shipped_story.scenes.values()) + starts
    from_start = [e for e in edges if objects[e["tail"]]["name"].startswith("__start")]
    assert sorted(objects[e["head"]]["name"] for e in from_start) == sorted(shipped_story.starts)
    for edge in edges:
        if edge in from_start:
            continue
        style = edge.get("style", "solid")
        assert (style == "dashed") == (edge["class"] == "divergent")


@NEEDS_DOT
def test_dot_escapes_and_labels_conditions(tricky_story):
    data = render_json(to_dot(tricky_story))
    labels = {e["label"] for e in data["edges"]}
    assert "locked\\nif n >= 3" in labels and "hidden\\nif flag" in labels
    names = {o["name"]: o for o in data["objects"]}
    assert '"scene"' in names["a"]["label"] and "<angles>" in names["a"]["label"]
    assert names["cluster_one"]["label"] == '1. One "quoted" <b>bold</b>#1'


@NEEDS_DOT
def test_graph_command_writes_a_file_dot_can_render(petrograd_command, tmp_path):
    out = tmp_path / "story.dot"
    result = subprocess.run(
        [
            *petrograd_command,
            "graph",
            "--format",
            "dot",
            "--output",
            str(out),
            "--story",
            str(MINI),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0 and result.stdout == "", result.stderr
    svg = subprocess.run(["dot", "-Tsvg", str(out)], capture_output=True, text=True)
    assert svg.returncode == 0 and "<svg" in svg.stdout


def test_graph_command_defaults_to_mermaid_and_reports_write_errors(petrograd_command, tmp_path):
    shown = subprocess.run(
        [*petrograd_command, "graph", "--story", str(MINI)], capture_output=True, text=True
    )
    assert shown.returncode == 0
    parse_mermaid(shown.stdout)
    bad = subprocess.run(
        [*petrograd_command, "graph", "--output", str(tmp_path / "no" / "such" / "dir.mmd")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "cannot write the graph" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "--story", "examples/mini-story"],
        ["graph", "--chapter", "messenger-garrison", "--effects", "--pack", "examples/side-scenes"],
        ["coverage", "--autoplay", "5", "--story", "examples/mini-story"],
        ["autoplay", "--runs", "5", "--story", "examples/mini-story"],
        ["check", "--exhaustive", "--stats", "--scenes", "examples/side-scenes"],
        ["test-plan", "tests/plans/side-scenes.yaml"],
        ["schema"],
    ],
)
def test_authoring_commands_import_no_ui(argv):
    code = (
        "import sys, io, contextlib\nfrom game.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    rc = main({argv!r})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('RC=%d BAD=%s' % (rc, ','.join(bad)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "RC=0 BAD=", result.stdout + result.stderr


# ---------------------------------------------------------------- views: a chapter, a pack, effects

SIDE = ROOT / "examples" / "side-scenes"


def test_one_chapter_with_its_neighbours_as_plain_boxes(shipped_story):
    chapter = "messenger-garrison"
    graph = parse_mermaid(to_mermaid(shipped_story, view(shipped_story, chapter=chapter)))
    mine = {s.id for s in shipped_story.scenes.values() if s.chapter == chapter}
    full = {k for k, v in graph["nodes"].items() if k.startswith("scene_") and v["cluster"]}
    assert full == {mermaid_id("scene", s) for s in mine}
    outside = {k for k, v in graph["nodes"].items() if v["class"] == "outside"}
    assert outside and all(graph["nodes"][k]["cluster"] is None for k in outside)
    for edge in graph["edges"]:  # every edge touches the chapter
        assert edge["src"] in full or edge["dst"] in full or edge["src"].startswith("story_")
    into = sum(1 for s in shipped_story.scenes.values() for c in s.choices if c.target in mine)
    out = sum(len(shipped_story.scenes[s].choices) for s in mine)
    inside = sum(1 for s in mine for c in shipped_story.scenes[s].choices if c.target in mine)
    assert len(graph["edges"]) == into + out - inside
    assert "dashed box: a scene outside this view" in graph["nodes"]["legend"]["label"]


def test_a_wrong_chapter_is_refused_with_the_real_ones(petrograd_command):
    done = subprocess.run(
        [*petrograd_command, "graph", "--chapter", "messenger-garison"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert "no chapter 'messenger-garison' (did you mean messenger-garrison" in done.stderr
    assert "its chapters: " in done.stderr and "sailor-5" in done.stderr


def test_a_pack_alone_is_marked_with_a_legend():
    story = load_story([ROOT / "scenes", SIDE], assets=assets_dir())
    graph = parse_mermaid(to_mermaid(story, view(story, pack=SIDE, packs=[SIDE])))
    nodes = graph["nodes"]
    assert nodes["scene_side_print_shop"]["class"] == "pack"  # the scene the pack adds
    assert nodes["scene_c2_armoury"]["cluster"] and nodes["scene_c2_armoury"]["class"] is None
    full = {k for k, v in nodes.items() if v["cluster"]}
    assert full == {"scene_side_print_shop", "scene_c2_armoury"}  # added, and extended
    assert nodes["scene_c2_staff"]["class"] == "outside"
    assert "blue: a scene of a scene pack" in nodes["legend"]["label"]
    added = [
        i for i, e in enumerate(graph["edges"]) if e["label"] == "side-print-shop"
    ]  # the choice the pack adds to c2-armoury is drawn thick
    text = to_mermaid(story, view(story, pack=SIDE, packs=[SIDE]))
    assert f"linkStyle {added[0]} stroke:#1f5fa8" in text


def test_the_whole_story_with_a_pack_marks_its_scenes(petrograd_command):
    done = subprocess.run(
        [*petrograd_command, "graph", "--scenes", str(SIDE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    graph = parse_mermaid(done.stdout)
    packs = [k for k, v in graph["nodes"].items() if v["class"] == "pack"]
    assert packs == ["scene_side_print_shop"] and "legend" in graph["nodes"]
    plain = subprocess.run(
        [*petrograd_command, "graph"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    assert ":::pack" not in plain and "legend[" not in plain  # no pack: no legend


def test_effects_label_the_edges_escaped(tricky_story):
    graph = parse_mermaid(to_mermaid(tricky_story, view(tricky_story, effects=True)))
    labels = {e["label"] for e in graph["edges"]}
    assert "up<br/>n += 10; flag = true" in labels
    assert "locked<br/>if n #62;= 3" in labels  # no effects: no second line
    assert "up" in {e["label"] for e in parse_mermaid(to_mermaid(tricky_story))["edges"]}
    long = Way(tricky_story.scenes["a"], tricky_story.scenes["a"].choices[0])
    assert len(long.effects) <= 48


@NEEDS_DOT
def test_dot_effects_render(tricky_story):
    data = render_json(to_dot(tricky_story, view(tricky_story, effects=True)))
    assert "up\\nn += 10; flag = true" in {e["label"] for e in data["edges"]}


@NEEDS_DOT
def test_the_shipped_storys_dot_graph_fits_a_screens_shape(shipped_story):
    """Ranked top to bottom, the viewpoints' chapters side by side: measured with
    `dot -Tsvg`, about 3,400 x 4,400 points, where left to right it was 15,337 x 1,645."""
    text = to_dot(shipped_story)
    assert "rankdir=TB" in text
    svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    found = re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', svg.stdout)
    assert found, svg.stdout[:300]
    width, height = int(found[1]), int(found[2])
    assert max(width, height) < 6_000 and 0.4 < width / height < 2.5, (width, height)
