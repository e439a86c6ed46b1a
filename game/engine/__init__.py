"""The story engine: load and check a story, play it, record and replay playthroughs.

Pure Python plus PyYAML and transitions; it never imports Textual or Rich, so the
plain player and the authoring tools start fast (tests/test_engine_purity.py).
"""

from game.engine import wording
from game.engine.expr import ExprError
from game.engine.game import (
    NOTE_TIMINGS,
    ChoiceUnavailable,
    ChoiceView,
    Citation,
    Frame,
    Game,
    NoteTiming,
    Passage,
    PathEntry,
    Reflection,
    Replay,
    Term,
    VariableView,
    Verdict,
    origin_problem,
    plain_passage,
    replay,
    starting_variables,
)
from game.engine.loader import check_story, load_story
from game.engine.model import (
    Chapter,
    Choice,
    CodexEntry,
    Ending,
    Paragraph,
    Scene,
    Span,
    Story,
    Variable,
    Viewpoint,
    paragraphs,
)
from game.engine.problems import Mark, Problem, StoryError
from game.engine.record import Record, RecordError, Step
from game.engine.wording import format_dates, julian_to_gregorian

__all__ = [
    "Chapter",
    "Choice",
    "ChoiceUnavailable",
    "ChoiceView",
    "NOTE_TIMINGS",
    "NoteTiming",
    "Citation",
    "CodexEntry",
    "Ending",
    "ExprError",
    "Frame",
    "Game",
    "Mark",
    "Paragraph",
    "Passage",
    "PathEntry",
    "Problem",
    "Record",
    "RecordError",
    "Reflection",
    "Replay",
    "Scene",
    "Span",
    "Step",
    "Story",
    "StoryError",
    "Term",
    "Variable",
    "VariableView",
    "Viewpoint",
    "Verdict",
    "check_story",
    "format_dates",
    "julian_to_gregorian",
    "load_story",
    "paragraphs",
    "plain_passage",
    "origin_problem",
    "replay",
    "starting_variables",
    "wording",
]
