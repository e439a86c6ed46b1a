"""Every phrase more than one front end shows: one wording, so the TUI, the plain player,
the transcripts, the class report and the web page never drift apart.

Plain text only (no markup): each front end styles and escapes it as it draws it.
"""

from __future__ import annotations

import datetime as dt

# ---------------------------------------------------------------- verdicts on a choice

#: A choice's history, as a short tag in capitals (never shown by colour alone).
HISTORY_TAGS = {"faithful": "FAITHFUL", "divergent": "DIVERGENT", "own": "YOUR OWN"}
#: What the tag means, in a few words.
HISTORY_MEANINGS = {
    "faithful": "what happened",
    "divergent": "a counterfactual",
    "own": "history is silent; not graded",
}
#: The verdict after a choice: "Your last choice was faithful to history: <note>".
HISTORY_VERDICTS = {
    "faithful": "faithful to history",
    "divergent": "a departure from history",
    "own": "your own (history is silent about it, so it is not graded)",
}


def verdict_heading(history: str, *, note: bool = True) -> str:
    """'Your last choice was faithful to history:' (the note follows; a choice of the
    player's own may have none, and then the heading ends with a full stop)."""
    return f"Your last choice was {HISTORY_VERDICTS.get(history, history)}{':' if note else '.'}"


def choice_verdict(history: str, *, note: bool = True) -> str:
    """'This choice was faithful to history:' (for a choice other than the last one, as
    when the notes on a chapter's choices come together at its end)."""
    return f"This choice was {HISTORY_VERDICTS.get(history, history)}{':' if note else '.'}"


def history_tag(history: str) -> str:
    return HISTORY_TAGS.get(history, history.upper())


def history_meaning(history: str) -> str:
    return HISTORY_MEANINGS.get(history, history)


# ---------------------------------------------------------------- endings

#: An ending's kind, as a name within a sentence.
ENDING_KIND_NAMES = {
    "historical": "the historical ending",
    "alternate": "an alternate ending",
    "defeat": "a defeat",
}
#: An ending's kind, as the line shown under its title.
ENDING_KIND_LINES = {
    "historical": "The historical ending: this is what happened.",
    "alternate": "An alternate ending: this did not happen.",
    "defeat": "A defeat: this did not happen.",
}


def ending_kind_name(kind: str) -> str:
    return ENDING_KIND_NAMES.get(kind, kind)


#: The same, for a story that does not cite Victor Serge's article (a story of its own):
#: its kinds named, with no claim about what happened.
STORY_ENDING_KIND_LINES = {
    "historical": "The historical ending.",
    "alternate": "An alternate ending.",
    "defeat": "A defeat.",
}


def ending_kind_line(kind: str, *, factual: bool = True) -> str:
    """The line under an ending's title; `factual` False (a story that does not cite the
    article) names the kind without saying whether it happened."""
    lines = ENDING_KIND_LINES if factual else STORY_ENDING_KIND_LINES
    return lines.get(kind, kind)


def ending_title(title: str) -> str:
    return f"THE END: {title}"


# ---------------------------------------------------------------- headings

PATH_HEADING = "Your path and history"
#: The same, for a story that grades no choice (every one the player's own).
PLAIN_PATH_HEADING = "Your path"
HISTORY_HEADING = "Your choices so far"
EPILOGUE_HEADING = "What really happened"
VARIABLES_HEADING = "Where things stand"
SOURCES_HEADING = "Sources"
CODEX_HEADING = "In the codex"
#: What the codex says in a story that has no codex entries.
NO_CODEX = "This story has no codex."
UNDONE = "You took back your last choice."
#: Heading of the notes shown together when a chapter ends (the spoiler setting "chapter").
CHAPTER_NOTES_HEADING = "The chapter is over. What history says of your choices in it:"
NO_CHOICES_YET = "no choices yet"
#: In the history, for a choice whose verdict the spoiler setting keeps for later.
NOTE_LATER = "What history says of this comes later (see Settings: history's notes)."


def path_heading(graded: bool) -> str:
    """The heading of the path at an ending: 'Your path and history', or 'Your path' in a
    story that grades no choice."""
    return PATH_HEADING if graded else PLAIN_PATH_HEADING


def reflection_heading(number: int, title: str) -> str:
    """'To think about, from chapter 3, The Wig:' (the questions follow)."""
    return f"To think about, from chapter {number}, {title}:"


def chapter_heading(number: int, title: str) -> str:
    return f"Chapter {number}: {title}"


def not_open(reason: str | None) -> str:
    """A closed choice's note: 'not open: <reason>'."""
    return f"not open: {reason}" if reason else "not open now"


# ---------------------------------------------------------------- dates and values

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


def julian_to_gregorian(date: dt.date) -> dt.date:
    """Convert an Old Style (Julian) date, held in a `date`, to New Style (Gregorian)."""
    a = (14 - date.month) // 12
    y = date.year + 4800 - a
    m = date.month + 12 * a - 3
    jdn = date.day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return dt.date.fromordinal(jdn - 1721425)


def format_dates(old_style: dt.date, calendar_old: bool = True) -> str:
    """'25 October 1917 (7 November N.S.)'; with `calendar_old` False (a story whose dates
    are written in today's calendar), the date alone: '2 March 1890'."""
    if not calendar_old:
        return f"{old_style.day} {MONTHS[old_style.month - 1]} {old_style.year}"
    new_style = julian_to_gregorian(old_style)
    first = f"{old_style.day} {MONTHS[old_style.month - 1]} {old_style.year}"
    second = f"{new_style.day} {MONTHS[new_style.month - 1]}"
    if new_style.year != old_style.year:
        second += f" {new_style.year}"
    return f"{first} ({second} N.S.)"


def short_dual_date(old_style: dt.date, calendar_old: bool = True) -> str:
    """'25 Oct (7 Nov N.S.)': both dates, short, for a narrow header ('2 Mar' alone for a
    story in today's calendar)."""
    if not calendar_old:
        return f"{old_style.day} {MONTHS[old_style.month - 1][:3]}"
    new_style = julian_to_gregorian(old_style)
    return (
        f"{old_style.day} {MONTHS[old_style.month - 1][:3]} "
        f"({new_style.day} {MONTHS[new_style.month - 1][:3]} N.S.)"
    )


def dual_date(old_style: dt.date, calendar_old: bool = True) -> str:
    """'25 October 1917 (7 November N.S.)': the source's Old Style date with the New Style
    (the date alone for a story in today's calendar)."""
    return format_dates(old_style, calendar_old)


def show_value(value: int | bool, maximum: int | None = None) -> str:
    """A variable's value for the player: 'yes'/'no', '7 / 10', or '7'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value} / {maximum}" if maximum is not None else str(value)


def show_change(before: int | bool, after: int | bool) -> str:
    """'3 -> 5', 'no -> yes'."""
    return f"{show_value(before)} -> {show_value(after)}"
