"""The plain-text player: scenes as text, numbered choices, one answer per line.

Made for screen readers and scripts (`printf '1\\n2\\n' | petrograd play --plain`):
no colour, no cursor movement, nothing but lines of text. It uses only the
engine's public API.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TextIO

from wcwidth import wcwidth

from game.atomic import WriteFailed
from game.devwatch import StoryWatch
from game.engine import (
    ChoiceUnavailable,
    CodexEntry,
    Frame,
    Game,
    Scene,
    Story,
    Verdict,
    paragraphs,
    wording,
)
from game.saves import SLOTS, SaveError
from game.session import Locked, PlaySession

if TYPE_CHECKING:
    from game.classroom.session import ClassroomSession

HELP = """\
Type the number of a choice and press Enter (where only one way is open, Enter goes on).
Other commands:
  undo      take back your last choice
  history   list the choices you have made
  status    show where things stand
  codex     list the codex entries you have met; 'codex WORDS' searches the codex
  save N    save to slot N (1 to 9)
  load N    load slot N
  saves     list the save slots
  handin    (in an assignment) write your record now
  help      show this help
  q         quit
The game also saves itself after every choice; 'petrograd play --plain --continue' picks up where you left off."""

#: Control characters (tab and newline excepted) never reach the terminal: they are commands.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: A choice's number: ASCII digits only ('²' is a digit to str.isdigit, not to int).
_NUMBER = re.compile(r"[0-9]{1,4}")

#: The longest line read from the player; the rest of a longer one is read and dropped.
MAX_LINE = 4_000

#: The widest the text is wrapped, however wide the terminal (longer lines are hard to read).
MAX_WIDTH = 100
#: The width when the terminal's is unknown (output to a pipe or a file).
DEFAULT_WIDTH = 80
#: The narrowest.
MIN_WIDTH = 30


def line_width(columns: int | None = None) -> int:
    """The width to wrap at: `columns`, else the terminal's (80 when unknown), kept
    from MIN_WIDTH to MAX_WIDTH."""
    columns = columns or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH))


# ---------------------------------------------------------------- wrapping by display width

#: Where a line may break: ASCII white space, as textwrap breaks (a no-break space does not).
_SPACES = re.compile(r"([\t\n\x0b\x0c\r ]+)")
#: No line begins with these (closing punctuation of Chinese and Japanese) ...
_NO_BREAK_BEFORE = frozenset(
    "、。，．：；！？）」』】》〉〕］｝…ー・々ぁぃぅぇぉっゃゅょァィゥェォッャュョ"
)
#: ... nor ends with these (opening brackets).
_NO_BREAK_AFTER = frozenset("（「『【《〈〔［｛")


def cells(text: str) -> int:
    """How many terminal cells `text` takes: wide (CJK) characters two, combining marks and
    other zero-width characters none (a control character, which is never shown, none)."""
    return sum(max(0, wcwidth(char)) for char in text)


def _clusters(text: str) -> list[tuple[str, int]]:
    """The characters of `text` with what must stay with them (combining marks, variation
    selectors, a zero-width joiner and the character it joins), each with its cells."""
    out: list[tuple[str, int]] = []
    joined = False
    for char in text:
        width = max(0, wcwidth(char))
        if out and (width == 0 or joined):
            held, held_width = out[-1]
            out[-1] = (held + char, held_width + width)
        else:
            out.append((char, width))
        joined = char == "\u200d"
    return out


def _pieces(word: str) -> list[tuple[str, int]]:
    """A word split where a line may break inside it: before and after each wide character
    (Chinese and Japanese break between characters), save before closing punctuation
    and after an opening bracket."""
    pieces: list[tuple[str, int]] = []
    previous: tuple[str, int] | None = None
    for cluster in _clusters(word):
        text, width = cluster
        if (
            previous is not None
            and (previous[1] == 2 or width == 2)
            and text[0] not in _NO_BREAK_BEFORE
            and previous[0][-1] not in _NO_BREAK_AFTER
        ) or not pieces:
            pieces.append(cluster)
        else:
            held, held_width = pieces[-1]
            pieces[-1] = (held + text, held_width + width)
        previous = cluster
    return pieces


def _split_at(text: str, room: int) -> tuple[str, str]:
    """`text` cut so that the head takes at most `room` cells (never inside a cluster)."""
    head_width = 0
    head: list[str] = []
    clusters = _clusters(text)
    for number, (cluster, width) in enumerate(clusters):
        if head_width + width > room:
            return "".join(head), "".join(c for c, _ in clusters[number:])
        head.append(cluster)
        head_width += width
    return text, ""


def wrap_cells(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """Wrap `text` as textwrap.wrap does (break_on_hyphens off), but measuring by terminal
    cells, not characters: a line of Chinese takes twice its length; a combining mark, no
    room. `hang` indents the lines after the first (default: as the first)."""
    rest = indent if hang is None else hang
    chunks: list[tuple[str, int, bool]] = []  # (text, cells, whether it is white space)
    for number, part in enumerate(_SPACES.split(text.expandtabs())):
        if not part:
            continue
        if number % 2:
            chunks.append((" " * len(part), len(part), True))
        else:
            chunks.extend((piece, piece_width, False) for piece, piece_width in _pieces(part))
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        line: list[str] = []
        used = 0
        lead = rest if lines else indent
        room = width - cells(lead)
        if chunks[-1][2] and lines:
            chunks.pop()  # no line after the first begins with a space
            if not chunks:
                break
        while chunks and used + chunks[-1][1] <= room:
            piece, piece_width, _ = chunks.pop()
            line.append(piece)
            used += piece_width
        if chunks and chunks[-1][1] > room:
            # A word longer than a whole line is cut to fill this one (as textwrap does).
            piece, piece_width, space = chunks[-1]
            head, tail = _split_at(piece, room - used if room >= 1 else 1)
            if not head and not line:  # not even one character fits: it goes alone
                first, *others = _clusters(piece)
                head, tail = first[0], "".join(c for c, _ in others)
            if head:
                line.append(head)
                if tail:
                    chunks[-1] = (tail, cells(tail), space)
                else:
                    chunks.pop()
        if line and not line[-1].strip(" "):
            line.pop()  # nor ends with one
        if line:
            lines.append(lead + "".join(line))
    return lines


class _TooLong:
    """What read_line gives for a line over MAX_LINE characters."""


TOO_LONG = _TooLong()


def read_line(stream: TextIO) -> str | _TooLong | None:
    """One line the player typed: None at the end of input, TOO_LONG for a line over
    MAX_LINE characters (the rest of it is read in small pieces and dropped, so a line
    of any length costs little memory). Bytes the terminal's encoding cannot read
    become U+FFFD, never an error."""
    raw = getattr(stream, "buffer", None)
    if raw is not None and hasattr(raw, "readline"):
        limit = MAX_LINE * 4  # the longest UTF-8 of MAX_LINE characters
        data = raw.readline(limit + 1)
        if not data:
            return None
        too_long = len(data) > limit and not data.endswith(b"\n")
        while too_long and (piece := raw.readline(1 << 16)) and not piece.endswith(b"\n"):
            pass
        text = data.decode(getattr(stream, "encoding", None) or "utf-8", errors="replace")
        return TOO_LONG if too_long or len(text.rstrip("\r\n")) > MAX_LINE else text
    line = stream.readline(MAX_LINE + 1)
    if not line:
        return None
    if len(line) > MAX_LINE and not line.endswith("\n"):
        while (piece := stream.readline(1 << 16)) and not piece.endswith("\n"):
            pass
        return TOO_LONG
    return line


class PlainPlayer:
    """Plays one game over a pair of text streams."""

    def __init__(
        self,
        session: PlaySession,
        stdin: TextIO,
        stdout: TextIO,
        *,
        classroom: ClassroomSession | None = None,
        width: int | None = None,
        echo: bool | None = None,
        watch: StoryWatch | None = None,
    ) -> None:
        self.session = session
        #: The assignment's session, when the game is played for one.
        self.classroom = classroom
        self.watch = watch
        #: In --dev mode: whether the last edit did not load (so the next that loads says "fixed").
        self.story_broken = False
        self.story: Story = session.story
        self.stdin = stdin
        self.stdout = stdout
        self.width = line_width(width)
        self.echo = (not stdin.isatty()) if echo is None else echo

    @property
    def game(self) -> Game:
        assert self.session.game is not None
        return self.session.game

    # ------------------------------------------------------------ output

    def say(self, text: str = "") -> None:
        self.stdout.write(_CONTROL.sub("", text) + "\n")

    def wrap(self, text: str, indent: str = "", hang: str | None = None) -> None:
        """Wrap to the width in terminal cells; `hang` indents the lines after the first
        (default: as the first). Paths and ids stay whole, to copy (no break at hyphens)."""
        for line in wrap_cells(_CONTROL.sub("", text), self.width, indent, hang) or [""]:
            self.say(line)

    def show_help(self) -> None:
        """The commands that apply: in an assessment, not what is off (undo, load); the
        hand-in only in an assignment; the codex only in a story that has one."""
        assessed = self.session.rules.assessed
        for line in HELP.splitlines():
            command = line.split()[0] if line.startswith("  ") else ""
            if (
                (assessed and command in ("undo", "load"))
                or (command == "handin" and self.classroom is None)
                or (command == "codex" and not self.story.codex)  # a story may have none
            ):
                continue
            if line.startswith("  "):
                self.wrap(line, hang=" " * 12)
            else:
                self.wrap(line)

    def show_questions(self, frame: Frame, *, at_ending: bool) -> None:
        for due in frame.reflection:
            if due.at_end != at_ending:
                continue
            self.say()
            self.wrap(due.heading)
            for question in due.questions:
                self.wrap(question, "  - ", "    ")

    def show_title(self) -> None:
        self.wrap(self.story.title)
        if self.story.byline:  # the story's own ("" for none)
            self.wrap(self.story.byline)
        self.say()
        for paragraph in paragraphs(self.story.intro):
            self.wrap(paragraph)
            self.say()
        self.wrap("Type 'help' at any prompt for the commands.")

    def show_frame(self, frame: Frame) -> None:
        self.show_questions(frame, at_ending=False)
        scene = frame.scene
        self.say()
        self.wrap(frame.chapter_heading)
        self.wrap(f"{frame.dates}, {scene.time}. {scene.place}.")
        self.say()
        self.wrap(scene.title.upper())
        self.say()
        for paragraph in frame.plain_text():
            self.wrap(paragraph)
            self.say()
        if frame.citations:  # a story of its own may cite nothing
            self.wrap(
                f"{wording.SOURCES_HEADING}: " + ", ".join(c.id for c in frame.citations),
                hang="  ",
            )
        if frame.ended:
            self.show_ending(frame)
            return
        self.say()
        for view in frame.choices:
            if view.available:
                self.wrap(f"{view.number}. {view.label}", "  ", "     ")
            else:
                self.wrap(
                    f"{view.number}. {view.label} ({wording.not_open(view.reason)})", "  ", "     "
                )

    def show_ending(self, frame: Frame) -> None:
        ending = frame.ending
        assert ending is not None and frame.ending_kind is not None
        self.say()
        self.wrap(wording.ending_title(ending.title))
        self.wrap(frame.ending_kind)
        self.say()
        for paragraph in frame.plain_epilogue():
            self.wrap(paragraph)
            self.say()
        self.show_history(heading=f"{wording.path_heading(frame.graded)}:")
        self.show_questions(frame, at_ending=True)

    def show_history(self, heading: str = f"{wording.HISTORY_HEADING}:") -> None:
        """The choices so far, with history's notes on those the spoiler setting has shown
        already (all of them at an ending)."""
        timing = self.session.profile.settings.note_timing
        path = self.game.noted_path(timing)
        # A story that grades no choice has no verdicts (nor any to keep for later).
        graded = self.game.frame.graded
        self.say(heading)
        if not path:
            self.wrap(f"  ({wording.NO_CHOICES_YET})")
        hidden = 0
        for number, (entry, shown) in enumerate(path, 1):
            if not shown and graded:
                hidden += not entry.alone
                self.wrap(f"{number}. {entry.scene.title}: {entry.label}", "  ", "     ")
                continue
            mark = f" [{wording.history_tag(entry.choice.history).lower()}]" if graded else ""
            self.wrap(f"{number}. {entry.scene.title}: {entry.label}{mark}", "  ", "     ")
            sources = entry.choice.sources  # a story of its own may cite nothing
            cited = f"(sources: {', '.join(sources)})" if sources else ""
            if entry.choice.note or cited:
                self.wrap(f"{entry.choice.note} {cited}".strip(), "     ")
        if hidden:
            when = "at the end of the chapter" if timing == "chapter" else "at the ending"
            self.wrap(f"(History's notes on your choices come {when}, as your settings say.)")

    def show_status(self) -> None:
        frame = self.game.frame
        self.wrap(f"Scene: {frame.scene.title}, chapter {frame.chapter.number}.")
        for var in frame.variables:
            self.wrap(f"  {var.label}: {var.shown}", hang="    ")

    def show_changes(self) -> None:
        changes = [f"{var.label}: {var.change}" for var in self.game.frame.variables if var.change]
        if changes:
            self.say()
            self.wrap("(" + "; ".join(changes) + ")")

    def show_notes(self) -> None:
        """History's notes due now, as the spoiler setting says: after each choice, the
        last one's; at the end of a chapter, those on its choices, each with what was
        chosen; or none until the ending. A choice that was the only one open has none."""
        timing = self.session.profile.settings.note_timing
        if not self.game.frame.graded:
            # No verdict in a story that grades no choice: only an author's note, if any.
            for verdict in self.game.notes_due("choice"):
                if verdict.note.strip():
                    self.say()
                    self.wrap(verdict.note.strip())
            return
        notes: list[Verdict] = [v for v in self.game.notes_due(timing) if not v.alone]
        if timing == "chapter":
            for verdict in notes:
                self.say()
                self.wrap(f"You chose: {verdict.label} ({verdict.scene_title})")
                heading = wording.choice_verdict(verdict.history, note=bool(verdict.note.strip()))
                self.wrap(f"{heading} {verdict.note}".rstrip())
            return
        for verdict in notes:
            self.say()
            self.wrap(f"{verdict.heading} {verdict.note}".rstrip())

    # ------------------------------------------------------------ the codex

    def show_codex(self, words: list[str]) -> None:
        codex = self.story.codex
        met = self.session.met_terms()
        if not codex:
            self.wrap(wording.NO_CODEX)
            return
        if not words:
            known = sorted((codex[t] for t in met if t in codex), key=_codex_order)
            if not known:
                self.wrap(
                    f"You have met none of the codex's {len(codex)} entries yet. "
                    "Type 'codex' and a word to search it, for example 'codex "
                    f"{_example_word(codex)}'."
                )
                return
            self.wrap(f"The codex entries you have met ({len(known)} of {len(codex)}):")
            for entry in known:
                self.wrap(f"{entry.name} ({entry.group})", "  ", "    ")
            self.wrap("Type 'codex' and a name to read an entry, or other words to search.")
            return
        query = " ".join(words)
        named = self.story.codex_names.get(query)
        matches = sorted(
            (e for e in codex.values() if e.matches(words, text=e.id in met)),
            key=_codex_order,
        )
        exact = codex.get(named) if named is not None else None
        if exact is None and len(matches) == 1:
            exact = matches[0]
        if exact is not None:
            self.show_entry(exact, met=exact.id in met)
            others = [e for e in matches if e.id != exact.id]
            if others:
                self.say()
                self.wrap(
                    f"Also matching '{query}': " + ", ".join(e.name for e in others) + ".",
                    hang="  ",
                )
            return
        if not matches:
            self.wrap(f"No codex entry matches '{query}'.")
            return
        self.wrap(f"{len(matches)} codex entries match '{query}':")
        for entry in matches:
            about = entry.group
            if entry.id not in met:
                about += f"; {_NOT_MET}"
            self.wrap(f"{entry.name} ({about})", "  ", "    ")
        self.wrap("Type 'codex' and an entry's name to read it.")

    def show_entry(self, entry: CodexEntry, *, met: bool) -> None:
        group = entry.group
        if not met:
            self.wrap(f"{entry.name} ({group}): {_NOT_MET}; its entry opens once you meet it.")
            return
        self.say()
        self.wrap(f"{entry.name} ({group})")
        if entry.aliases:
            self.wrap("Also: " + ", ".join(entry.aliases))
        for line in entry.text.splitlines():
            if line.strip():
                self.say()
                self.wrap(" ".join(line.split()))

    # ------------------------------------------------------------ endings

    def show_endings(self) -> None:
        """The endings this player has reached; the others locked, with their kind."""
        story = self.story
        reached = self.session.profile.endings(story.id)
        self.say()
        self.wrap(f"Endings reached: {len(reached & set(story.endings))} of {len(story.endings)}")
        groups: dict[str, list[Scene]] = {}
        for scene in story.endings.values():
            viewpoint = story.viewpoint_of(scene.id)
            groups.setdefault(viewpoint.id if viewpoint else "", []).append(scene)
        order = list(story.viewpoints)
        for key, scenes in sorted(
            groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] else -1
        ):
            if key:
                mine = sum(1 for s in scenes if s.ending and s.ending.id in reached)
                self.say()
                self.wrap(f"{story.viewpoints[key].name}: {mine} of {len(scenes)}")
            for scene in sorted(scenes, key=_gallery_order):
                ending = scene.ending
                assert ending is not None
                kind = wording.ending_kind_name(ending.kind)
                if ending.id in reached:
                    self.wrap(f"{ending.title} ({kind})", "  ", "    ")
                else:
                    self.wrap(f"Locked: {kind}", "  ", "    ")

    # ------------------------------------------------------------ the loop

    def ask(self, question: str) -> str | None:
        """Ask until a non-empty line comes; None at the end of input."""
        while True:
            self.stdout.write(f"\n{question} ")
            self.stdout.flush()
            line = read_line(self.stdin)
            if line is None:
                self.say()
                return None
            if line is TOO_LONG:
                self.wrap(f"That was too long (over {MAX_LINE:,} characters); please write less.")
                continue
            answer = " ".join(line.split())
            if self.echo:
                self.say(answer)
            if answer:
                return answer
            self.wrap("Please write something first.")

    def ask_questions(self) -> bool:
        """Ask the reflection questions the assignment requires now; False at the end of input."""
        classroom = self.classroom
        if classroom is None:
            return True
        for chapter, question in classroom.pending_questions():
            self.say()
            self.wrap(f"A question from chapter {chapter.number}, {chapter.title}:")
            self.wrap(question, "  ")
            while True:
                answer = self.ask_lines(classroom.assignment.min_words)
                if answer is None:
                    return False
                problem = classroom.answer_problem(answer)
                if problem is None:
                    break
                self.wrap(problem)
            classroom.answer(chapter, question, answer)
        return True

    def ask_lines(self, min_words: int) -> str | None:
        """An answer of one or more lines, ended by an empty line; None at the end of input."""
        wanted = f" (at least {min_words} words)" if min_words else ""
        self.say()
        self.wrap(f"Your answer{wanted}: write as many lines as you like, then an empty line.")
        lines: list[str] = []
        while True:
            line = read_line(self.stdin)
            if line is None:
                return "\n".join(lines) if lines else None
            if line is TOO_LONG:
                self.wrap(f"That line was too long (over {MAX_LINE:,} characters); it is left out.")
                continue
            if self.echo:
                self.say(line)
            if not line.strip():
                if lines:
                    return "\n".join(lines)
                continue
            lines.append(line.rstrip())

    def hand_in(self) -> None:
        if self.classroom is None:
            return
        try:
            paths = self.classroom.hand_in()
        except WriteFailed as exc:
            self.wrap(f"Your record could not be written: {exc}. Type 'handin' to try again.")
            return
        self.say()
        self.say(f"Your record is saved in: {paths[0].parent}")  # whole, to copy
        for path in paths:
            self.say(f"  {path.name}")
        self.wrap("Hand in the .json file to your teacher.")

    def reload_if_changed(self) -> None:
        """In --dev mode, pick up edits to the story before each prompt."""
        if self.watch is None or not self.watch.changed():
            return
        story, problems = self.watch.load()
        was_broken, self.story_broken = self.story_broken, story is None
        if story is None:
            self.say()
            self.wrap("The story has errors; the game goes on with the last version that loaded:")
            for problem in problems[:6]:
                self.wrap(f"  {problem}")
            return
        notice = self.session.reload(story)
        self.story = story
        self.say()
        self.wrap("(Fixed: the story loads again.)" if was_broken else "(The story was reloaded.)")
        if notice:
            self.wrap(notice)
        self.show_frame(self.game.frame)

    def only_open(self) -> int | None:
        """The number of the one open choice, when only one is (None otherwise)."""
        open_ = [view.number for view in self.game.frame.choices if view.available]
        return open_[0] if len(open_) == 1 else None

    def prompt(self) -> str | None:
        self.reload_if_changed()
        if self.only_open() is not None:
            question = "Press Enter to go on (or q to quit):"
        else:
            question = f"Your choice (1-{len(self.game.frame.choices)}, or q to quit):"
        return self.read_answer(question)

    def read_answer(self, question: str) -> str | None:
        """One line for `question`, stripped (None at the end of input)."""
        self.stdout.write(f"\n{question} ")
        self.stdout.flush()
        line = read_line(self.stdin)
        if line is None:
            self.say()
            return None
        answer = "(too long)" if line is TOO_LONG else line.strip()
        if self.echo:
            self.say(answer)
        return answer

    def run(self, notice: str | None = None, *, title: bool = True) -> int:
        """Play until `q` or the end of input, through as many games as the player wants
        (after each ending, a menu says what next). Returns the exit code (0).
        `title=False`: the title was shown already (before the viewpoint menu)."""
        if title:
            self.show_title()
        if notice:
            self.say()
            self.wrap(notice)
        self.show_frame(self.game.frame)
        self.show_save_problem()
        while True:
            if self.game.ended:
                if not self.after_ending():
                    return 0
                continue
            answer = self.prompt()
            if answer is None:
                self.say_goodbye("End of input: leaving the game")
                return 0
            if not self.handle(answer.lower()):
                self.say_goodbye("Goodbye")
                return 0

    def after_ending(self) -> bool:
        """At an ending: the assignment's questions and the hand-in, if there is one; then
        what next. True when play goes on (a new game, or the ending taken back)."""
        if self.classroom is not None:
            if not self.ask_questions():
                self.say_goodbye("End of input: leaving the game")
                return False
            if self.classroom.handed_in_already:  # reopened at its ending: no second record
                self.wrap("Your record was handed in already ('handin' hands it in again).")
            else:
                self.hand_in()
        while True:
            options = self.next_options()
            self.say()
            self.wrap("What next?")
            for number, (_, label) in enumerate(options, 1):
                self.wrap(f"  {number}. {label}")
            answer = self.read_answer(f"Your choice (1-{len(options)}, or q to quit):")
            if answer is None:
                self.say_goodbye("End of input: leaving the game")
                return False
            answer = answer.lower()
            picked = (
                options[int(answer) - 1][0]
                if _NUMBER.fullmatch(answer) and 1 <= int(answer) <= len(options)
                else "quit"
                if answer in ("q", "quit", "exit")
                else None
            )
            if picked == "quit":
                self.say_goodbye("Goodbye")
                return False
            if picked == "new":
                return self.new_game()
            if picked == "endings":
                self.show_endings()
                continue
            words = answer.split()
            if words and words[0] in _AT_ENDING:
                self.handle(answer)
                if not self.game.ended:
                    return True  # undo (or a load) left the ending
                continue
            self.wrap(f"Please type a number from 1 to {len(options)} (help lists the commands).")

    def next_options(self) -> list[tuple[str, str]]:
        """What the player may do at an ending, as (what, label): a new game only where
        one is allowed (an assessment played once has none), then the endings, quitting."""
        options = [("endings", "The endings you have reached"), ("quit", "Quit")]
        classroom = self.classroom
        if classroom is None:
            return [("new", "A new game"), *options]
        if not classroom.may_start_over:
            return options
        label = f"Start attempt {classroom.attempt + 1}" if classroom.assessment else "A new game"
        return [("new", label), *options]

    def new_game(self) -> bool:
        """Start a new playthrough, asking whom the player plays when the story has several
        viewpoints; False when the player quits instead."""
        viewpoint = (
            ask_viewpoint(self.session, self.stdin, self.stdout, width=self.width, echo=self.echo)
            if self.classroom is None  # an assignment names whom the student plays
            else ""
        )
        if viewpoint is None:
            self.say_goodbye("Goodbye")
            return False
        try:
            self.session.new_game(viewpoint or None)
        except Locked as exc:
            self.wrap(f"{exc}.")
            return True
        self.say()
        self.wrap(
            f"Attempt {self.classroom.attempt}."
            if self.classroom and self.classroom.assessment
            else "A new game."
        )
        self.show_frame(self.game.frame)
        self.show_save_problem()
        return True

    def say_goodbye(self, opening: str) -> None:
        """Leave, saying truly whether the game is saved."""
        self.session.flush()
        if self.session.rules.dev_notice is not None:
            self.wrap(f"{opening}. This was a test game: your own saved game is untouched.")
        elif self.session.unsaved is None:
            self.wrap(
                f"{opening}. Your game is saved; 'petrograd play --plain --continue' resumes it."
            )
        else:
            self.wrap(
                f"{opening}. Your last choices could NOT be saved ({self.session.unsaved}). "
                "Your previous save is kept: fix that, and 'petrograd play --plain --continue' "
                "resumes from it."
            )

    def show_save_problem(self) -> None:
        if self.session.save_problem:
            self.say()
            self.wrap(f"Note: {self.session.save_problem}")

    def handle(self, answer: str) -> bool:
        """Act on one line; False means quit."""
        words = answer.split()
        command = words[0] if words else ""
        if answer in ("q", "quit", "exit"):
            return False
        if answer in ("h", "help", "?"):
            self.show_help()
        elif answer == "undo":
            self.undo()
        elif answer == "history":
            self.show_history()
        elif answer == "status":
            self.show_status()
        elif answer == "saves":
            self.show_saves()
        elif command == "codex":
            self.show_codex(words[1:])
        elif answer == "handin":
            if self.classroom is None:
                self.wrap("There is no assignment to hand in (play with --assignment FILE).")
            else:
                self.hand_in()
        elif command in ("save", "load"):
            slot = words[1] if len(words) == 2 else ""
            if slot not in SLOTS:
                self.wrap(f"Say which slot, from 1 to 9: for example '{command} 1'.")
            elif command == "save":
                self.save(slot)
            else:
                self.load(slot)
        elif self.game.ended:
            self.wrap("The story has ended here.")
        elif _NUMBER.fullmatch(answer) and 1 <= int(answer) <= len(self.game.frame.choices):
            return self.choose(self.game.frame.choices[int(answer) - 1].number)
        elif answer == "" and (only := self.only_open()) is not None:
            return self.choose(only)
        elif answer == "":
            self.wrap("Type a number and press Enter.")
        elif (count := len(self.game.frame.choices)) == 1:
            self.wrap("Press Enter to go on, or q to quit (help lists the commands).")
        else:
            self.wrap(
                f"Please type a number from 1 to {count}, or q to quit (help lists the commands)."
            )
        return True

    def choose(self, number: int) -> bool:
        """Take a choice (asking why, if the assignment wants); False at the end of input."""
        view = self.game.frame.choices[number - 1]
        if not view.available:
            self.wrap(f"That choice is not open: {view.reason}")
            return True
        why = None
        classroom = self.classroom
        if classroom is not None and classroom.needs_why():
            self.wrap(f"You chose: {view.label}")
            why = self.ask("Why? Say it in one line:")
            if why is None:
                return False
        try:
            if classroom is not None:
                classroom.choose(view.id, why)
            else:
                self.session.choose(view.id)
        except ChoiceUnavailable as exc:  # pragma: no cover - checked above
            self.say(str(exc))
            return True
        self.show_notes()
        self.show_changes()
        if not self.game.ended and not self.ask_questions():
            return False
        self.show_frame(self.game.frame)
        self.show_save_problem()
        return True

    def undo(self) -> None:
        if not self.game.can_undo:
            self.wrap("There is nothing to undo yet.")
            return
        try:
            self.session.undo()
        except Locked as exc:
            self.wrap(f"Undo is off: {exc}.")
            return
        self.wrap("You take back your last choice.")
        self.show_frame(self.game.frame)
        self.show_save_problem()

    def save(self, slot: str) -> None:
        try:
            info = self.session.save(slot)
        except (WriteFailed, SaveError) as exc:
            self.wrap(f"The save failed: {exc}. Your game goes on; nothing was lost.")
            return
        self.wrap(f"Saved to slot {slot}: {info.scene_title}.")

    def load(self, slot: str) -> None:
        try:
            loaded = self.session.load(slot)
        except (SaveError, Locked) as exc:
            self.wrap(f"Slot {slot} cannot be loaded: {exc}. Your game goes on.")
            return
        self.wrap(f"Loaded slot {slot}.")
        if loaded.notice:
            self.wrap(loaded.notice)
        self.show_frame(self.game.frame)

    def show_saves(self) -> None:
        """The saves there are (the autosave and the slots in use), and how many slots are free."""
        used = 0
        for slot, info in zip(("auto", *SLOTS), self.session.saves(), strict=True):
            if info is None:
                continue
            used += slot != "auto"
            name = "Autosave" if slot == "auto" else f"Slot {slot}"
            if not info.ok:
                self.wrap(f"  {name}: unreadable ({info.reason})", hang="    ")
            else:
                self.wrap(
                    f"  {name}: {info.scene_title}, {info.chapter}, {info.story_date}; "
                    f"saved {info.saved_local}",
                    hang="    ",
                )
        free = len(SLOTS) - used
        if used == 0:
            self.wrap(f"No slot is used yet: all {len(SLOTS)} are free; 'save N' saves to one.")
        elif free == 0:
            self.wrap(f"All {len(SLOTS)} slots are used; 'save N' saves over one.")
        else:
            self.wrap(f"{free} of {len(SLOTS)} slots are free; 'save N' saves to one.")


#: What the player can do after an ending.
#: The commands that still mean something at an ending (besides the menu's numbers).
_AT_ENDING = frozenset(
    {"h", "help", "?", "undo", "history", "status", "saves", "codex", "handin", "save", "load"}
)

#: A codex entry's group, within a sentence.
_NOT_MET = "not met yet in the story"


def _codex_order(entry: CodexEntry) -> tuple[str, str]:
    return (entry.name.lower(), entry.id)


def _example_word(codex: Mapping[str, CodexEntry]) -> str:
    """A word to search for, as an example: the first word of the first entry's name."""
    entries = sorted(codex.values(), key=_codex_order)
    return entries[0].name.split()[0].lower() if entries else "smolny"


def _gallery_order(scene: Scene) -> tuple[bool, str]:
    """The historical ending first, then the others by id (as the endings screen has them)."""
    ending = scene.ending
    return (ending is None or ending.kind != "historical", ending.id if ending else scene.id)


def ask_viewpoint(
    session: PlaySession,
    stdin: TextIO,
    stdout: TextIO,
    *,
    before: Callable[[], None] | None = None,
    width: int | None = None,
    echo: bool | None = None,
) -> str | None:
    """In a story of several viewpoints, ask whom the player plays (the assignment's, when
    there is one, is not asked), after calling `before` (the title); returns its id, ""
    when there is nothing to ask, None when the player quits or the input ends.
    `width`: to wrap at (default: the terminal's); `echo`: write back what is read
    (default: when the input is not a terminal)."""
    viewpoints = list(session.story.viewpoints.values())
    if len(viewpoints) < 2 or session.rules.start is not None:  # an assignment's start
        return ""
    if before is not None:
        before()
    echo = (not stdin.isatty()) if echo is None else echo
    stdout.write("\nWhom do you play?\n")
    progress = {p.viewpoint.id: p for p in session.progress_by_viewpoint()}
    columns = line_width(width)
    for number, viewpoint in enumerate(viewpoints, 1):
        stdout.write("\n")
        for line in wrap_cells(
            _CONTROL.sub("", f"{number}. {viewpoint.name}"), columns, "  ", "     "
        ):
            stdout.write(f"{line}\n")
        mine = progress[viewpoint.id]
        about = (
            f"{viewpoint.about} (Scenes seen: {mine.seen} of {mine.scenes}; endings reached: "
            f"{mine.reached} of {mine.endings}.)"
        )
        for line in wrap_cells(_CONTROL.sub("", about), columns, "     "):
            stdout.write(f"{line}\n")
    while True:
        stdout.write(f"\nYour choice (1-{len(viewpoints)}, or q to quit): ")
        stdout.flush()
        line = read_line(stdin)
        if line is None:
            stdout.write("\n")
            return None
        answer = "" if line is TOO_LONG else line.strip().lower()
        if echo:
            stdout.write(answer + "\n")
        if answer in ("q", "quit", "exit"):
            return None
        if _NUMBER.fullmatch(answer) and 1 <= int(answer) <= len(viewpoints):
            return viewpoints[int(answer) - 1].id
        stdout.write(f"Please type a number from 1 to {len(viewpoints)}.\n")


def play_plain(
    session: PlaySession,
    *,
    classroom: ClassroomSession | None = None,
    resume: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    watch: StoryWatch | None = None,
    viewpoint: str | None = None,
    width: int | None = None,
) -> int:
    """Play in plain text on the given streams (standard ones by default).

    With `resume`, continue the latest save (or start anew, saying so). A new game is of
    `viewpoint` (an id), or of the one the player picks from a menu when the story has
    several. `width`: the width to wrap at (default: the terminal's, 80 when unknown)."""
    notice = None
    loaded = None
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    player = PlainPlayer(session, stdin, stdout, classroom=classroom, watch=watch, width=width)
    if classroom is not None and classroom.student is None:
        if not sign_in_plain(classroom, stdin, stdout):
            stdout.write("\n")
            return 0
        loaded = classroom.begin()  # the student's own game comes back, if they have one
        if classroom.notice and loaded is None:
            notice = classroom.notice
        elif loaded is not None:
            notice = (
                f"Welcome back, {classroom.student}: your game goes on where you left it"
                + (f" (attempt {classroom.attempt})" if classroom.assessment else "")
                + "."
            )
    if resume and loaded is None:
        try:
            loaded = session.continue_latest()
        except SaveError as exc:
            loaded, notice = None, f"Your last save cannot be loaded ({exc}); starting a new game."
        if loaded is None:
            notice = notice or "There is no saved game yet; starting a new one."
    titled = False
    if loaded is None:
        if viewpoint is None and classroom is None:

            def title_and_notice() -> None:
                player.show_title()
                if notice:
                    player.say()
                    player.wrap(notice)

            viewpoint = ask_viewpoint(
                session, stdin, stdout, before=title_and_notice, width=player.width
            )
            if viewpoint is None:
                return 0
            if viewpoint:
                titled, notice = True, None  # both shown already, before the menu
        session.new_game(viewpoint or None)
        notice = " ".join(filter(None, [notice, session.rules.dev_notice])) or None
    else:
        notice = (notice or "Continuing your saved game.") + (
            f" {loaded.notice}" if loaded.notice else ""
        )
    return player.run(notice, title=not titled)


def sign_in_plain(classroom: ClassroomSession, stdin: TextIO, stdout: TextIO) -> bool:
    """The assignment's instructions, then the student's name (and code, where names are
    shared) until they are in; False at the end of input."""
    assignment = classroom.assignment
    stdout.write(f"Assignment: {assignment.title}\n\n{assignment.instructions}\n")
    if assignment.assessment:
        stdout.write(
            "\nThis is assessed: undo and loading are off; your decisions stand.\n"
            if assignment.one_attempt
            else "\nThis is assessed: undo and loading are off; you may start a new attempt, "
            "and every attempt is kept in your record.\n"
        )
    code: str | None = None
    name = ""
    while True:
        if code is None:
            stdout.write("\nYour name (only your name is recorded): ")
            stdout.flush()
            line = read_line(stdin)
            if line is None:
                return False
            if line is TOO_LONG or not line.strip():
                continue
            name = line.strip()
        result = classroom.sign_in(name, code)
        if result.ok:
            if result.code is not None:
                stdout.write(f"\nYour code: {result.code}\n{result.message}\n")
            return True
        stdout.write(f"\n{_CONTROL.sub('', result.message)}\n")
        code = None
        if result.needs_code:
            stdout.write("Your code: ")
            stdout.flush()
            line = read_line(stdin)
            if line is None:
                return False
            code = ("" if line is TOO_LONG else line.strip()) or None  # empty: another name
