"""Small stories for the player-experience tests: written here, so that a change to the
shipped story never breaks them. READER has a scene whose text is longer than a terminal,
three kinds of choice (faithful, divergent, own), a gauge, two chapters and two endings."""

from __future__ import annotations

from pathlib import Path

from game.engine import Story, load_story
from game.paths import assets_dir

LONG = "\n\n".join(
    f"Paragraph {n}: the corridor smells of wet wool and tobacco, and every door you pass "
    "has a handwritten sign pinned to it that someone has crossed out and written again."
    for n in range(1, 31)
)

STORY = """\
format: 1
story:
  id: reader-story
  title: The Reader
  version: 1.0.0
  start: hall
  intro: A small story for tests.
variables:
  trust:
    type: int
    initial: 3
    min: 0
    max: 10
    label: Trust of the soldiers
"""

ONE = """\
chapter:
  id: first
  number: 1
  title: The Corridor
scenes:
  - id: hall
    title: The Long Corridor
    date: 1917-10-24
    time: "21:40"
    place: Smolny Institute
    sources: [eve-1]
    text: |
      You walk into [[Smolny]] past [[the Committee|mrc]].

{long}
      THE LAST LINE OF THE CORRIDOR.
    choices:
      - id: wait
        label: Wait by the door
        goto: stairs
        sources: [eve-1]
        history: own
        note: Nobody knows who waited.
      - id: run
        label: Run up the stairs with the papers
        goto: stairs
        sources: [eve-1]
        history: faithful
        note: The papers did go up that night.
        effects: [trust += 2]
      - id: burn
        label: Burn the papers in the stove
        goto: stairs
        sources: [eve-2]
        history: divergent
        note: Nobody burned them.
        effects: [trust -= 1]
  - id: stairs
    title: The Stairs
    date: 1917-10-24
    time: "22:00"
    place: Smolny Institute
    sources: [eve-1]
    text: Short text{trust >= 4?, and the soldiers nod to you}.
    choices:
      - id: up
        label: Go up
        goto: room
        sources: [eve-1]
        history: faithful
        note: Up they went.
      - id: down
        label: Go down
        goto: room
        sources: [eve-2]
        history: divergent
        note: Nobody went down.
""".replace("{long}", "\n".join("      " + line if line else "" for line in LONG.splitlines()))

TWO = """\
chapter:
  id: second
  number: 2
  title: The Room
scenes:
  - id: room
    title: The Room
    date: 1917-10-25
    time: "01:00"
    place: Smolny Institute
    sources: [eve-1]
    text: A room{trust >= 4?, and friends in it}.
    choices:
      - id: stay
        label: Stay
        goto: end-true
        sources: [eve-1]
        history: faithful
        note: They stayed.
      - id: leave
        label: Leave
        goto: end-false
        sources: [eve-2]
        history: divergent
        note: Nobody left.
  - id: end-true
    title: Morning
    date: 1917-10-25
    time: "05:00"
    place: Smolny Institute
    sources: [eve-1]
    text: It is morning.
    ending:
      id: morning
      title: Morning Comes
      kind: historical
      epilogue: "It happened so{trust >= 0?.}"
  - id: end-false
    title: Night
    date: 1917-10-25
    time: "05:00"
    place: the street
    sources: [eve-2]
    text: It is still night.
    ending:
      id: night
      title: Still Night
      kind: alternate
      epilogue: This did not happen.
"""


def reader_story(folder: Path) -> Story:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.yaml").write_text(STORY)
    (folder / "one.yaml").write_text(ONE)
    (folder / "two.yaml").write_text(TWO)
    return load_story([folder], assets=assets_dir())


def class_story(folder: Path) -> Story:
    """READER with a reflection question at the end of each chapter: for assignments."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.yaml").write_text(STORY)
    (folder / "one.yaml").write_text(
        ONE.replace(
            "  title: The Corridor\n",
            "  title: The Corridor\n  reflection:\n    - Why did the papers matter?\n",
            1,
        )
    )
    (folder / "two.yaml").write_text(
        TWO.replace(
            "  title: The Room\n",
            "  title: The Room\n  reflection:\n    - Who was in the room, and why?\n",
            1,
        )
    )
    return load_story([folder], assets=assets_dir())


def class_assignment(folder: Path, **keys: object) -> Path:
    """An assignment file for `class_story`: a "why?" at the corridor, both chapters'
    questions; `keys` adds or replaces keys (assessment=True, retries=True, min_words=5)."""
    fields: dict[str, object] = {
        "id": "corridor-task",
        "title": "The Corridor Task",
        "instructions": "Play it through and say why.",
        "why": "[hall]",
        "reflection": "all",
        **keys,
    }
    lines = ["assignment:"] + [
        f"  {key}: {str(value).lower() if isinstance(value, bool) else value}"
        for key, value in fields.items()
    ]
    path = folder / "assignment.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


#: A story of its own: its own title and byline, its own sources file (no Victor Serge), and
#: choices of three lines.
LIGHTHOUSE = """\
format: 1
story:
  id: lighthouse
  title: The Lighthouse
  byline: A story of the Cornish coast, 1890
  version: 1.0.0
  start: shore
  intro: The lamp has gone out, and a ship is coming in.
"""

LIGHTHOUSE_SOURCES = """\
sources:
  article:
    author: A. Keeper
    title: The Keeper's Log
    published: "1891"
  paragraphs:
    - id: log-1
      summary: The lamp went out at dusk on the second of March.
    - id: log-2
      summary: The keeper climbed the tower and lit it again.
"""

LIGHTHOUSE_CHAPTER = """\
chapter:
  id: tower
  number: 1
  title: The Tower
scenes:
  - id: shore
    title: The Shore
    date: 1890-03-02
    time: dusk
    place: the shore below the tower
    sources: [log-1]
    text: The lamp is out, and a sail is showing past the point.
    choices:
      - label: Climb the stairs to the lamp
        goto: lamp
      - label: Wait on the shore a little longer
        goto: shore
        if: visits(shore) < 3
  - id: lamp
    title: The Lamp
    date: 1890-03-02
    time: night
    place: the lamp room
    sources: [log-2]
    text: You light the wick, and the beam goes out over the water.
    ending:
      id: lit
      title: The Ship Comes Home
      kind: historical
      epilogue: The ship came in safely.
"""


#: Lines that make the Lighthouse's climb a graded choice (`lighthouse_story(graded=True)`).
LIGHTHOUSE_GRADED = """\
        history: faithful
        note: The keeper did climb the tower that night.
"""


def lighthouse_story(
    folder: Path,
    *,
    title: str = "The Lighthouse",
    sources: str = "own",
    calendar: str | None = None,
    graded: bool = False,
    cited_choice: bool = False,
) -> Story:
    """LIGHTHOUSE with its sources file in a folder of its own (`sources="none"`: with
    `sources: none` instead, and scenes that cite nothing); `title` replaces its title.
    `calendar` ("old-style", "new-style") is written into story.yaml; `graded` makes the
    climb a faithful choice with a note (otherwise no choice is graded); `cited_choice`
    gives the climb `sources: [log-2]` and no note."""
    folder.mkdir(parents=True, exist_ok=True)
    story, chapter = LIGHTHOUSE.replace("The Lighthouse", title), LIGHTHOUSE_CHAPTER
    if calendar is not None:
        story = story.replace("  start: shore\n", f"  start: shore\n  calendar: {calendar}\n")
    climb = "        goto: lamp\n"
    if graded:
        chapter = chapter.replace(climb, climb + LIGHTHOUSE_GRADED)
    if cited_choice:
        chapter = chapter.replace(climb, climb + "        sources: [log-2]\n")
    if sources == "none":
        story = story.replace("  start: shore\n", "  start: shore\n  sources: none\n")
        chapter = "".join(line for line in chapter.splitlines(True) if "sources:" not in line)
    else:
        (folder / "notes").mkdir(exist_ok=True)
        (folder / "notes" / "log.yaml").write_text(LIGHTHOUSE_SOURCES)
    (folder / "story.yaml").write_text(story)
    (folder / "tower.yaml").write_text(chapter)
    return load_story([folder], assets=assets_dir())
