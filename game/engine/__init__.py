"""The story engine: load and check a story, play it, record and replay playthroughs.

Pure Python plus PyYAML and transitions; it never imports Textual or Rich, so the
plain player and the authoring tools start fast (tests/test_engine_purity.py).
"""

from game.engine.expr import ExprError
from game.engine.game import (
    ChoiceUnavailable,
    ChoiceView,
    Frame,
    Game,
    PathEntry,
    Replay,
    VariableView,
    replay,
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
    format_dates,
    julian_to_gregorian,
    paragraphs,
)
from game.engine.problems import Mark, Problem, StoryError
from game.engine.record import Record, RecordError, Step

__all__ = [
    "Chapter",
    "Choice",
    "ChoiceUnavailable",
    "ChoiceView",
    "CodexEntry",
    "Ending",
    "ExprError",
    "Frame",
    "Game",
    "Mark",
    "Paragraph",
    "PathEntry",
    "Problem",
    "Record",
    "RecordError",
    "Replay",
    "Scene",
    "Span",
    "Step",
    "Story",
    "StoryError",
    "Variable",
    "VariableView",
    "check_story",
    "format_dates",
    "julian_to_gregorian",
    "load_story",
    "paragraphs",
    "replay",
]
