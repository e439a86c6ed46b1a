"""What the templates draw, worked out from the engine's Frame and the player's session.

Plain data only: every text stays text here and is escaped by Jinja2's autoescaping
as it is drawn (nothing of a story or a student ever becomes markup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from game.engine import Frame, Game, Passage, Story, Verdict, wording
from game.profile import SPOILER_NAMES
from game.saves import ALL_SLOTS, SaveInfo
from game.session import PlaySession


@dataclass(frozen=True, slots=True)
class Run:
    """A run of text; `term` is the codex entry it links to (its page, once met)."""

    text: str
    term: str | None = None


def runs(passage: Passage) -> list[Run]:
    return [Run(span.text, span.term) for span in passage]


@dataclass(frozen=True, slots=True)
class Note:
    """History's note on a choice, as the spoiler setting lets it show now."""

    heading: str
    text: str
    history: str
    tag: str
    label: str = ""
    scene: str = ""
    sources: tuple[str, ...] = ()


@dataclass(slots=True)
class ScenePage:
    """Everything the scene page draws."""

    frame: Frame
    text: list[list[Run]]
    epilogue: list[list[Run]]
    notes: list[Note]
    notes_heading: str
    gauges: list[dict[str, Any]]
    path: list[dict[str, Any]] = field(default_factory=list)
    hidden_notes: str = ""


def notes_now(game: Game, timing: Any) -> tuple[str, list[Note]]:
    """History's notes due now (as the plain player shows them), with their heading."""
    frame = game.frame
    if not frame.graded:
        return "", [
            Note("", v.note.strip(), v.history, "") for v in game.notes_due("choice") if v.note.strip()
        ]
    due: list[Verdict] = [v for v in game.notes_due(timing) if not v.alone]
    together = timing == "chapter"  # the notes of a chapter just ended, each with its choice
    return wording.CHAPTER_NOTES_HEADING if together else "", [
        Note(
            wording.choice_verdict(v.history, note=bool(v.note.strip()))
            if together
            else v.heading,
            v.note.strip(),
            v.history,
            wording.history_tag(v.history),
            v.label,
            v.scene_title,
            tuple(c.id for c in v.citations),
        )
        for v in due
    ]


def gauges(frame: Frame) -> list[dict[str, Any]]:
    out = []
    for var in frame.variables:
        out.append(
            {
                "label": var.label,
                "shown": var.shown,
                "change": var.change,
                "value": var.value if isinstance(var.value, int) else None,
                "min": var.minimum,
                "max": var.maximum,
            }
        )
    return out


def path_rows(game: Game, timing: Any) -> tuple[list[dict[str, Any]], str]:
    """The choices so far, each with history's note where the setting shows it now."""
    graded = game.frame.graded
    rows = []
    hidden = 0
    for number, (entry, shown) in enumerate(game.noted_path(timing), 1):
        show = shown or not graded
        if not show:
            hidden += not entry.alone
        rows.append(
            {
                "number": number,
                "scene": entry.scene.title,
                "label": entry.label,
                "why": entry.why,
                "shown": show,
                "tag": wording.history_tag(entry.choice.history) if graded and show else "",
                "history": entry.choice.history,
                "note": entry.choice.note.strip() if show else "",
                "sources": entry.choice.sources if show else (),
            }
        )
    said = ""
    if hidden:
        when = "at the end of the chapter" if timing == "chapter" else "at the ending"
        said = f"History's notes on your choices come {when}, as your settings say."
    return rows, said


def scene_page(session: PlaySession) -> ScenePage:
    game = session.game
    assert game is not None
    frame = game.frame
    timing = session.profile.settings.note_timing
    heading, notes = notes_now(game, timing)
    page = ScenePage(
        frame=frame,
        text=[runs(p) for p in frame.text],
        epilogue=[runs(p) for p in frame.epilogue],
        notes=notes,
        notes_heading=heading,
        gauges=gauges(frame),
    )
    if frame.ended:
        page.path, page.hidden_notes = path_rows(game, timing)
    return page


def saves_rows(infos: list[SaveInfo | None]) -> list[dict[str, Any]]:
    rows = []
    for slot, info in zip(ALL_SLOTS, infos, strict=True):
        rows.append(
            {
                "slot": slot,
                "label": "Autosave" if slot == "auto" else f"Slot {slot}",
                "empty": info is None,
                "ok": info is not None and info.ok,
                "reason": info.reason if info is not None else None,
                "title": info.scene_title if info is not None else "",
                "chapter": info.chapter if info is not None else "",
                "date": info.story_date if info is not None else "",
                "saved": info.saved_at.replace("T", " ")[:16] + " UTC"
                if info is not None and info.saved_at
                else "",
                "ended": info is not None and info.ended,
            }
        )
    return rows


def endings_gallery(story: Story, reached: set[str]) -> list[dict[str, Any]]:
    """The endings by viewpoint: reached ones by title, the others locked with their kind."""
    groups: dict[str, list[dict[str, Any]]] = {}
    order = list(story.viewpoints)
    for scene in story.endings.values():
        ending = scene.ending
        assert ending is not None
        viewpoint = story.viewpoint_of(scene.id)
        key = viewpoint.id if viewpoint else ""
        groups.setdefault(key, []).append(
            {
                "title": ending.title if ending.id in reached else None,
                "kind": wording.ending_kind_name(ending.kind),
                "reached": ending.id in reached,
            }
        )
    out = []
    for key in sorted(groups, key=lambda k: order.index(k) if k in order else -1):
        items = sorted(groups[key], key=lambda e: (not e["reached"], e["kind"], e["title"] or ""))
        out.append(
            {
                "name": story.viewpoints[key].name if key else "",
                "reached": sum(1 for e in items if e["reached"]),
                "endings": items,
            }
        )
    return out


SPOILERS = SPOILER_NAMES
