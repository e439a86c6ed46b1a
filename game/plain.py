"""The plain-text player: scenes as text, numbered choices, one answer per line.

Made for screen readers and scripts (`printf '1\\n2\\n' | petrograd play --plain`):
no colour, no cursor movement, nothing but lines of text. It uses only the
engine's public API.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from game.atomic import WriteFailed
from game.devwatch import StoryWatch
from game.engine import ChoiceUnavailable, Frame, Game, Story, paragraphs, wording
from game.saves import SLOTS, SaveError
from game.session import Locked, Session

HELP = """\
Type the number of a choice and press Enter.
Other commands:
  undo      take back your last choice
  history   list the choices you have made
  status    show where things stand
  save N    save to slot N (1 to 9)
  load N    load slot N
  saves     list the save slots
  handin    (in an assignment) write your record now
  help      show this help
  q         quit
The game also saves itself after every choice; 'petrograd play --plain --continue'
picks up where you left off."""

#: Control characters (tab and newline excepted) never reach the terminal: they are commands.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: A choice's number: ASCII digits only ('²' is a digit to str.isdigit, not to int).
_NUMBER = re.compile(r"[0-9]{1,4}")

#: The longest line read from the player; the rest of a longer one is read and dropped.
MAX_LINE = 4_000


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
        session: Session,
        stdin: TextIO,
        stdout: TextIO,
        *,
        width: int | None = None,
        echo: bool | None = None,
        watch: StoryWatch | None = None,
    ) -> None:
        self.session = session
        self.watch = watch
        self.story: Story = session.story
        self.stdin = stdin
        self.stdout = stdout
        columns = width or shutil.get_terminal_size((80, 24)).columns
        self.width = max(30, min(columns, 80))
        self.echo = (not stdin.isatty()) if echo is None else echo

    @property
    def game(self) -> Game:
        assert self.session.game is not None
        return self.session.game

    # ------------------------------------------------------------ output

    def say(self, text: str = "") -> None:
        self.stdout.write(_CONTROL.sub("", text) + "\n")

    def wrap(self, text: str, indent: str = "", hang: str | None = None) -> None:
        """Wrap to the width; `hang` indents the lines after the first (default: as the first)."""
        rest = indent if hang is None else hang
        for line in textwrap.wrap(
            text,
            self.width,
            initial_indent=indent,
            subsequent_indent=rest,
            break_on_hyphens=False,  # a path or an id stays whole, to copy
        ) or [""]:
            self.say(line)

    def show_questions(self, frame: Frame, *, at_ending: bool) -> None:
        for due in frame.reflection:
            if due.at_end != at_ending:
                continue
            self.say()
            self.say(due.heading)
            for question in due.questions:
                self.wrap(question, "  - ", "    ")

    def show_title(self) -> None:
        self.say(self.story.title)
        self.say()
        for paragraph in paragraphs(self.story.intro):
            self.wrap(paragraph)
            self.say()
        self.say("Type 'help' at any prompt for the commands.")

    def show_frame(self, frame: Frame) -> None:
        self.show_questions(frame, at_ending=False)
        scene = frame.scene
        self.say()
        self.say(frame.chapter_heading)
        self.say(f"{frame.dates}, {scene.time}. {scene.place}.")
        self.say()
        self.say(scene.title.upper())
        self.say()
        for paragraph in frame.plain_text():
            self.wrap(paragraph)
            self.say()
        self.say(f"{wording.SOURCES_HEADING}: " + ", ".join(c.id for c in frame.citations))
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
        self.say(wording.ending_title(ending.title))
        self.say(frame.ending_kind)
        self.say()
        for paragraph in frame.plain_epilogue():
            self.wrap(paragraph)
            self.say()
        self.show_history(heading=f"{wording.PATH_HEADING}:")
        self.show_questions(frame, at_ending=True)

    def show_history(self, heading: str = f"{wording.HISTORY_HEADING}:") -> None:
        path = self.game.path()
        self.say(heading)
        if not path:
            self.say(f"  ({wording.NO_CHOICES_YET})")
        for number, entry in enumerate(path, 1):
            mark = wording.history_tag(entry.choice.history).lower()
            self.wrap(f"{number}. {entry.scene.title}: {entry.label} [{mark}]", "  ", "     ")
            self.wrap(f"{entry.choice.note} (sources: {', '.join(entry.choice.sources)})", "     ")

    def show_status(self) -> None:
        frame = self.game.frame
        self.say(f"Scene: {frame.scene.title}, chapter {frame.chapter.number}.")
        for var in frame.variables:
            self.say(f"  {var.label}: {var.shown}")

    def show_changes(self) -> None:
        changes = [f"{var.label}: {var.change}" for var in self.game.frame.variables if var.change]
        if changes:
            self.say()
            self.say("(" + "; ".join(changes) + ")")

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
                self.say(f"That was too long (over {MAX_LINE:,} characters); please write less.")
                continue
            answer = " ".join(line.split())
            if self.echo:
                self.say(answer)
            if answer:
                return answer
            self.say("Please write something first.")

    def ask_questions(self) -> bool:
        """Ask the reflection questions the assignment requires now; False at the end of input."""
        for chapter, question in self.session.pending_questions():
            self.say()
            self.say(f"A question from chapter {chapter.number}, {chapter.title}:")
            self.wrap(question, "  ")
            answer = self.ask("Your answer:")
            if answer is None:
                return False
            self.session.answer(chapter, question, answer)
        return True

    def hand_in(self) -> None:
        try:
            paths = self.session.hand_in()
        except WriteFailed as exc:
            self.say(f"Your record could not be written: {exc}. Type 'handin' to try again.")
            return
        self.say()
        self.say(f"Your record is saved in: {paths[0].parent}")
        for path in paths:
            self.say(f"  {path.name}")
        self.say("Hand in the .json file to your teacher.")

    def reload_if_changed(self) -> None:
        """In --dev mode, pick up edits to the story before each prompt."""
        if self.watch is None or not self.watch.changed():
            return
        story, problems = self.watch.load()
        if story is None:
            self.say()
            self.say("The story has errors; the game goes on with the last version that loaded:")
            for problem in problems[:6]:
                self.say(f"  {problem}")
            return
        notice = self.session.reload(story)
        self.story = story
        self.say()
        self.say("(The story was reloaded.)")
        if notice:
            self.wrap(notice)
        self.show_frame(self.game.frame)

    def prompt(self) -> str | None:
        self.reload_if_changed()
        count = len(self.game.frame.choices)
        self.stdout.write(f"\nYour choice (1-{count}, or q to quit): ")
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
        """Play until an ending, `q`, or the end of input. Returns the exit code (0).
        `title=False`: the title was shown already (before the viewpoint menu)."""
        if title:
            self.show_title()
        if notice:
            self.say()
            self.wrap(notice)
        self.show_frame(self.game.frame)
        self.show_save_problem()
        while not self.game.ended:
            answer = self.prompt()
            if answer is None:
                self.say_goodbye("End of input: leaving the game")
                return 0
            if not self.handle(answer.lower()):
                self.say_goodbye("Goodbye")
                return 0
        if self.session.assignment is not None and self.ask_questions():
            self.hand_in()
        return 0

    def say_goodbye(self, opening: str) -> None:
        """Leave, saying truly whether the game is saved."""
        self.session.write_pending()
        if self.session.unsaved is None:
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
            self.say(HELP)
        elif answer == "undo":
            self.undo()
        elif answer == "history":
            self.show_history()
        elif answer == "status":
            self.show_status()
        elif answer == "saves":
            self.show_saves()
        elif answer == "handin":
            if self.session.assignment is None:
                self.say("There is no assignment to hand in (play with --assignment FILE).")
            else:
                self.hand_in()
        elif command in ("save", "load"):
            slot = words[1] if len(words) == 2 else ""
            if slot not in SLOTS:
                self.say(f"Say which slot, from 1 to 9: for example '{command} 1'.")
            elif command == "save":
                self.save(slot)
            else:
                self.load(slot)
        elif _NUMBER.fullmatch(answer) and 1 <= int(answer) <= len(self.game.frame.choices):
            return self.choose(self.game.frame.choices[int(answer) - 1].number)
        elif answer == "":
            self.say("Type a number and press Enter.")
        else:
            count = len(self.game.frame.choices)
            self.say(
                f"Please type a number from 1 to {count}, or q to quit (help lists the commands)."
            )
        return True

    def choose(self, number: int) -> bool:
        """Take a choice (asking why, if the assignment wants); False at the end of input."""
        view = self.game.frame.choices[number - 1]
        if not view.available:
            self.say(f"That choice is not open: {view.reason}")
            return True
        why = None
        if self.session.needs_why():
            self.say(f"You chose: {view.label}")
            why = self.ask("Why? Say it in one line:")
            if why is None:
                return False
        try:
            self.session.choose(view.id, why)
        except ChoiceUnavailable as exc:  # pragma: no cover - checked above
            self.say(str(exc))
            return True
        verdict = self.game.frame.verdict
        if verdict is not None:
            self.say()
            self.wrap(f"{verdict.heading} {verdict.note}")
        self.show_changes()
        if not self.game.ended and not self.ask_questions():
            return False
        self.show_frame(self.game.frame)
        self.show_save_problem()
        return True

    def undo(self) -> None:
        if not self.game.can_undo:
            self.say("There is nothing to undo yet.")
            return
        try:
            self.session.undo()
        except Locked as exc:
            self.say(f"Undo is off: {exc}.")
            return
        self.say("You take back your last choice.")
        self.show_frame(self.game.frame)
        self.show_save_problem()

    def save(self, slot: str) -> None:
        try:
            info = self.session.save(slot)
        except (WriteFailed, SaveError) as exc:
            self.say(f"The save failed: {exc}. Your game goes on; nothing was lost.")
            return
        self.say(f"Saved to slot {slot}: {info.scene_title}.")

    def load(self, slot: str) -> None:
        try:
            loaded = self.session.load(slot)
        except (SaveError, Locked) as exc:
            self.say(f"Slot {slot} cannot be loaded: {exc}. Your game goes on.")
            return
        self.say(f"Loaded slot {slot}.")
        if loaded.notice:
            self.wrap(loaded.notice)
        self.show_frame(self.game.frame)

    def show_saves(self) -> None:
        for slot, info in zip(("auto", *SLOTS), self.session.saves(), strict=True):
            name = "Autosave" if slot == "auto" else f"Slot {slot}"
            if info is None:
                self.say(f"  {name}: empty")
            elif not info.ok:
                self.say(f"  {name}: unreadable ({info.reason})")
            else:
                self.say(
                    f"  {name}: {info.scene_title}, {info.chapter}, {info.story_date}; saved {info.saved_local}"
                )


def ask_viewpoint(
    session: Session,
    stdin: TextIO,
    stdout: TextIO,
    *,
    before: Callable[[], None] | None = None,
) -> str | None:
    """In a story of several viewpoints, ask whom the player plays (the assignment's, when
    there is one, is not asked), after calling `before` (the title); returns its id, ""
    when there is nothing to ask, None when the player quits or the input ends."""
    viewpoints = list(session.story.viewpoints.values())
    if len(viewpoints) < 2 or session.assignment is not None:
        return ""
    if before is not None:
        before()
    stdout.write("\nWhom do you play?\n")
    progress = {p.viewpoint.id: p for p in session.progress_by_viewpoint()}
    width = max(30, min(shutil.get_terminal_size((80, 24)).columns, 80))
    for number, viewpoint in enumerate(viewpoints, 1):
        stdout.write(f"\n  {number}. {_CONTROL.sub('', viewpoint.name)}\n")
        mine = progress[viewpoint.id]
        about = (
            f"{viewpoint.about} (Scenes seen: {mine.seen} of {mine.scenes}; endings reached: "
            f"{mine.reached} of {mine.endings}.)"
        )
        for line in textwrap.wrap(_CONTROL.sub("", about), width - 5, break_on_hyphens=False):
            stdout.write(f"     {line}\n")
    while True:
        stdout.write(f"\nYour choice (1-{len(viewpoints)}, or q to quit): ")
        stdout.flush()
        line = read_line(stdin)
        if line is None:
            stdout.write("\n")
            return None
        answer = "" if line is TOO_LONG else line.strip().lower()
        if not stdin.isatty():
            stdout.write(answer + "\n")
        if answer in ("q", "quit", "exit"):
            return None
        if _NUMBER.fullmatch(answer) and 1 <= int(answer) <= len(viewpoints):
            return viewpoints[int(answer) - 1].id
        stdout.write(f"Please type a number from 1 to {len(viewpoints)}.\n")


def play_plain(
    session: Session,
    *,
    resume: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    watch: StoryWatch | None = None,
    viewpoint: str | None = None,
) -> int:
    """Play in plain text on the given streams (standard ones by default).

    With `resume`, continue the latest save (or start anew, saying so). A new game is of
    `viewpoint` (an id), or of the one the player picks from a menu when the story has
    several."""
    notice = None
    loaded = None
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    player = PlainPlayer(session, stdin, stdout, watch=watch)
    if session.assignment is not None and session.student is None:
        assignment = session.assignment
        stdout.write(f"Assignment: {assignment.title}\n\n{assignment.instructions}\n")
        if assignment.assessment:
            stdout.write("\nThis is assessed: undo and loading are off; your decisions stand.\n")
        while True:
            stdout.write("\nYour name (only your name is recorded): ")
            stdout.flush()
            line = read_line(stdin)
            if line is None:
                stdout.write("\n")
                return 0
            if line is not TOO_LONG and line.strip():
                break
        session.sign_in(line.strip())
    if resume:
        try:
            loaded = session.continue_latest()
        except SaveError as exc:
            loaded, notice = None, f"Your last save cannot be loaded ({exc}); starting a new game."
        if loaded is None:
            notice = notice or "There is no saved game yet; starting a new one."
    titled = False
    if loaded is None:
        if viewpoint is None:

            def title_and_notice() -> None:
                player.show_title()
                if notice:
                    player.say()
                    player.wrap(notice)

            viewpoint = ask_viewpoint(session, stdin, stdout, before=title_and_notice)
            if viewpoint is None:
                return 0
            if viewpoint:
                titled, notice = True, None  # both shown already, before the menu
        session.new_game(viewpoint or None)
    else:
        notice = "Continuing your saved game." + (f" {loaded.notice}" if loaded.notice else "")
    return player.run(notice, title=not titled)
