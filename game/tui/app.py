"""The Petrograd 1917 Textual app: screens, themes, and the few app-wide actions."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.events import Resize
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from game import startup
from game.atomic import WriteFailed
from game.devwatch import StoryWatch
from game.engine import Chapter, Problem
from game.saves import ALL_SLOTS, AUTO, Loaded, SaveError
from game.session import Locked, PlaySession
from game.tui.screens.scene import SceneScreen
from game.tui.terminal_input import read_any_bytes
from game.tui.themes import ALL_THEMES, THEMES, stored_theme, theme_label

if TYPE_CHECKING:
    from game.classroom.session import ClassroomSession
    from game.profile import Settings

STYLES = Path(__file__).resolve().parent / "styles"

#: Smaller than this, the screens give way to a "terminal too small" notice.
MIN_WIDTH, MIN_HEIGHT = 40, 12


class PetrogradApp(App[int]):
    """The game. Give it a PlaySession (a story and a data folder), and in class the
    ClassroomSession around it; it runs the playthroughs."""

    TITLE = "Petrograd 1917"
    CSS_PATH = [
        STYLES / name
        for name in ("app.tcss", "title.tcss", "scene.tcss", "ending.tcss", "dialogs.tcss")
    ]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("c", "codex", "Codex"),
        Binding("f2", "next_theme", "Colours"),
        Binding("q", "quit_game", "Quit"),
        Binding("ctrl+q", "quit_game", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        session: PlaySession,
        *,
        classroom: ClassroomSession | None = None,
        resume: bool = False,
        watch: StoryWatch | None = None,
        viewpoint: str | None = None,
    ) -> None:
        super().__init__()
        read_any_bytes()  # a byte that is not UTF-8 from the keyboard is no crash
        self.session = session
        #: The assignment's session, when the game is played for one.
        self.classroom = classroom
        self.story = session.story
        #: The story's own title, for the window (and screenshots), not always the shipped one.
        self.title = session.story.title
        self.resume = resume
        #: `--viewpoint`: whom every new game plays (None: the player picks, if there is a choice).
        self.viewpoint = viewpoint
        #: In --dev mode: watches the story's files and reloads them live.
        self.watch = watch
        #: In --dev mode: the errors of the last edit that did not load (empty once fixed).
        self.story_problems: list[Problem] = []
        session.write_soon = self.write_soon
        self.start_with_theme(stored_theme(self.settings.theme))

    def start_with_theme(self, name: str) -> None:
        """Take the player's theme before the style sheets are first read.

        Setting `theme` has Textual parse every style sheet again and apply it again to
        every widget (`App.refresh_css`): done once the app is mounted (or even from
        here, where it is queued), that is a second parse and a second styling of the
        whole screen on the way to the first frame. So the theme is taken as Textual's
        own `__init__` takes the default one: its variables given to the style sheet
        before any of it is parsed, and the app's theme classes set (`_watch_theme`,
        less the refresh)."""
        for theme in ALL_THEMES:
            self.register_theme(theme)
        self.set_reactive(App.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())
        dark = self.current_theme.dark
        self.set_class(dark, "-dark-mode", update=False)
        self.set_class(not dark, "-light-mode", update=False)
        self.set_class(True, f"-theme-{name}", update=False)
        self._refresh_truecolor_filter(self.ansi_theme)

    def write_soon(self, write: Callable[[], object]) -> None:
        """The session's autosave and profile are written in a worker thread, off the event
        loop, so a choice is on screen at once; a failure is shown when it is done. The
        session writes in order (a later write waits for the one under way), and whatever
        is still pending when the game ends is written then (`run_app`)."""

        def written() -> None:
            write()
            self.call_from_thread(self.tell_save_problem)

        self.run_worker(written, thread=True, group="write", exit_on_error=False)

    def notify(  # type: ignore[override]
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notice is plain text: messages quote file names, ids and reasons from
        outside (a save's story id could be `[/bad]`), which must never be read as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def tell_save_problem(self) -> None:
        """Show the session's last write failure, once."""
        problem = self.session.take_problem()
        if problem:
            self.notify(problem, title="Not saved", severity="error", timeout=8)

    @property
    def settings(self) -> Settings:
        return self.session.profile.settings

    def on_mount(self) -> None:
        self.end_on_hangup()
        if self.watch is not None:
            self.set_interval(0.5, self.check_story_files)
        if self.session.profile.problem:
            self.notify(self.session.profile.problem, severity="warning")
        classroom = self.classroom
        if classroom is not None and classroom.student is None:
            from game.tui.screens.classroom import NameScreen

            assignment = classroom.assignment
            self.push_screen(self.title_screen())
            self.push_screen(
                NameScreen(assignment.title, assignment.instructions, classroom.sign_in),
                lambda _: self.signed_in(),
            )
        elif self.session.rules.variables is not None:  # `--dev --start/--set`: straight in
            self.push_screen(self.title_screen())
            self.action_new_game(asked=True)
            self.notify(self.session.rules.dev_notice or "", title="Test game", timeout=8)
        elif not (self.resume and self.resume_at_start()):
            self.push_screen(self.title_screen())

    def signed_in(self) -> None:
        """The student is in: their own settings, and their own game back if they have one
        (straight into it when the assignment is played once, or with --continue)."""
        assert self.classroom is not None
        self.theme = stored_theme(self.settings.theme)
        loaded = self.classroom.begin()
        if self.classroom.notice:
            self.notify(self.classroom.notice, severity="warning", timeout=20)
        if loaded is not None and (self.resume or self.classroom.assignment.one_attempt):
            self.show_scene()
            self.tell_if_changed(loaded)
            return
        self.switch_screen(self.title_screen())

    def resume_at_start(self) -> bool:
        """`--continue`: open straight on the saved scene (the title screen is never built,
        which keeps start-up short); False, with a notice, when there is nothing to resume."""
        loaded = self.continue_latest()
        if loaded is None:
            return False
        self.push_screen(self.scene_screen())
        self.tell_if_changed(loaded)
        return True

    def on_ready(self) -> None:
        """The first frame is painted: start-up is over (see game/startup.py)."""
        startup.release()

    def end_on_hangup(self) -> None:
        """Closing the terminal (SIGHUP) or SIGTERM ends the app the normal way.

        Unhandled, either signal kills the process at once and leaves the terminal in
        the full-screen, mouse-reporting mode. Handled, what the session has not yet
        written is written first, then exiting normally restores the terminal.
        """
        if self.is_headless or not hasattr(signal, "SIGHUP"):
            return  # tests (run_test) and Windows
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(number, self.hang_up, number)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                return

    def hang_up(self, number: int) -> None:
        """SIGHUP or SIGTERM: write what is pending, then end with status 128 + number.

        When the terminal itself is gone (its window was closed), the game ends at
        once: there is nothing to give back, and Textual's shutdown can wait forever
        on a terminal that can no longer be written to.
        """
        self.session.flush()
        if number == signal.SIGHUP and _terminal_gone():
            os._exit(128 + number)
        self.exit(128 + number)

    def on_resize(self, event: Resize) -> None:
        size = event.size
        self.set_class(size.width < MIN_WIDTH or size.height < MIN_HEIGHT, "-too-small")

    # ------------------------------------------------------------ live reload (--dev)

    def check_story_files(self) -> None:
        """Reload the story when its files change; keep the last good one if they do not load."""
        if self.watch is None or isinstance(self.screen, ModalScreen):
            return  # a dialog is open: look again once it is closed
        if not self.watch.changed():
            return
        self.reload_story()

    def reload_story(self) -> None:
        from game.tui.screens.title import TitleScreen

        assert self.watch is not None
        story, problems = self.watch.load()
        was_broken = bool(self.story_problems)
        self.story_problems = problems
        if was_broken:
            # The last edit's errors are stale now (fixed, or replaced by this edit's).
            self.clear_notifications()
        if story is None:
            shown = "\n".join(str(p) for p in problems[:6])
            more = f"\n... and {len(problems) - 6} more" if len(problems) > 6 else ""
            self.notify(
                f"{shown}{more}\nThe game goes on with the last version that loaded.",
                title="The story has errors",
                severity="error",
                timeout=30,
            )
            return
        notice = self.session.reload(story)
        self.story = story
        self.title = story.title
        if self.session.game is not None and not isinstance(self.screen, TitleScreen):
            self.show_scene()
        else:
            self.switch_screen(self.title_screen())
        self.notify(
            notice or ("Fixed: the story loads again." if was_broken else "Story reloaded."),
            title="Live reload",
            severity="warning" if notice else "information",
            timeout=10 if notice else 2,
        )

    # ------------------------------------------------------------ playing

    def confirm(self, question: str, detail: str, yes: str, then: Callable[[], object]) -> None:
        """Ask before something that cannot be taken back; `then` runs on yes. The safe
        answer ("No, go back") has the focus, so Enter keeps things as they are."""
        from game.tui.screens.dialogs import ConfirmScreen

        def answered(go_on: bool | None) -> None:
            if go_on:
                then()

        self.push_screen(ConfirmScreen(question, detail, yes), answered)

    def at_stake(self) -> str | None:
        """The game a new game or a load would replace, in words; None when nothing would be
        lost: no game under way in memory, and no unfinished one in the autosave."""
        session = self.session
        if session.game is not None:
            return (
                f"the game you are playing ({session.game.scene.title})"
                if session.in_progress
                else None
            )
        auto = session.saves()[0]
        if auto is not None and auto.ok and not auto.ended:
            return f"the game in your autosave ({auto.scene_title}, saved {auto.saved_local})"
        return None

    def action_new_game(self, viewpoint: str | None = None, asked: bool = False) -> None:
        """A new game, asking first when one is under way; in a story of several viewpoints
        (and no assignment, which names its own), the player first picks whom to play."""
        session = self.session
        classroom = self.classroom
        if classroom is not None and not asked:
            if not classroom.may_start_over:
                self.notify(
                    "This assignment is played once: your game goes on where you left it.",
                    severity="warning",
                )
                self.action_continue_game()
                return
            played = session.game is not None and bool(session.game.record.steps)
            if classroom.assessment and played:
                self.confirm(
                    f"Start attempt {classroom.attempt + 1}?",
                    f"Your attempt {classroom.attempt} stays in your record, and your teacher "
                    "sees how many attempts you made.",
                    f"Start attempt {classroom.attempt + 1}",
                    lambda: self.action_new_game(viewpoint, asked=True),
                )
                return
        stake = None if asked else self.at_stake()
        if stake is not None:
            self.confirm(
                "Start a new game?",
                f"It replaces {stake} as soon as you make your first choice. To keep that "
                "game, go back and save it to a slot first.",
                "Start a new game",
                lambda: self.action_new_game(viewpoint, asked=True),
            )
            return
        viewpoint = viewpoint or self.viewpoint
        if (
            viewpoint is None
            and len(session.story.viewpoints) > 1
            and self.classroom is None
            and session.rules.start is None  # a dev start's scene says whom
        ):
            from game.tui.screens.viewpoints import ViewpointScreen

            def picked(chosen: str | None) -> None:
                if chosen is not None:
                    self.action_new_game(chosen, asked=True)

            self.push_screen(ViewpointScreen(session), picked)
            return
        try:
            session.new_game(viewpoint)
        except Locked as exc:
            reason = str(exc)
            self.notify(f"{reason[:1].upper()}{reason[1:]}.", severity="warning")
            self.action_continue_game()
            return
        self.show_scene()
        self.tell_save_problem()

    def action_continue_game(self) -> None:
        if self.session.in_progress:  # the game on screen is the latest: back to it
            self.show_scene()
            return
        loaded = self.continue_latest()
        if loaded is not None:
            self.show_scene()
            self.tell_if_changed(loaded)

    def continue_latest(self) -> Loaded | None:
        """Load the latest save; None, having told the player why, when there is none."""
        try:
            loaded = self.session.continue_latest()
        except SaveError as exc:
            self.notify(f"Your last save cannot be loaded: {exc}", severity="error")
            return None
        if loaded is None:
            self.notify("There is no saved game yet.")
        return loaded

    def tell_if_changed(self, loaded: Loaded) -> None:
        if loaded.notice:
            self.notify(
                loaded.notice, title="The story has changed", severity="warning", timeout=12
            )

    def action_load_slot(self, slot: str) -> None:
        try:
            loaded = self.session.load(slot)
        except (SaveError, Locked) as exc:
            self.notify(f"That save cannot be loaded: {exc}", severity="error")
            return
        self.show_scene()
        self.notify(
            loaded.notice or "Loaded.",
            severity="warning" if loaded.notice else "information",
            timeout=12 if loaded.notice else 3,
        )

    def title_screen(self) -> Screen[None]:
        from game.tui.screens.title import TitleScreen  # not needed to resume a game at once

        return TitleScreen(self.session, self.classroom)

    def show_scene(self) -> None:
        """Show the session's game: its scene, or its ending."""
        self.switch_screen(self.scene_screen())

    def scene_screen(self) -> Screen[None]:
        """The screen for the session's game: its scene, or its ending."""
        game = self.session.game
        assert game is not None
        if game.ended:
            from game.tui.screens.ending import EndingScreen  # not needed to start playing

            return EndingScreen(self.session)
        return SceneScreen(self.session)

    def action_title_screen(self) -> None:
        self.switch_screen(self.title_screen())

    # ------------------------------------------------------------ dialogs

    def action_help(self) -> None:
        from game.tui.screens.dialogs import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(
                HelpScreen(
                    self.story,
                    assessed=self.session.rules.assessed,
                    classroom=self.classroom is not None,
                )
            )

    def action_help_quit(self) -> None:
        """Ctrl+C, which many press to leave a terminal program: say how to quit."""
        self.notify(
            "To quit, press Q (or Ctrl+Q); the game asks first. Your game is saved after "
            "every choice.",
            title="Quitting",
            timeout=6,
        )

    def action_codex(self) -> None:
        from game.tui.screens.codex import CodexScreen

        if not isinstance(self.screen, CodexScreen):
            self.push_screen(CodexScreen(self.session))

    def action_hand_in(self) -> None:
        """Write the student's record now (also done at the end)."""
        if self.classroom is None or self.session.game is None:
            self.notify("There is no assignment to hand in.", severity="warning")
            return
        try:
            paths = self.hand_in()
        except WriteFailed as exc:
            self.notify(f"Your record could not be written: {exc}", severity="error", timeout=15)
            return
        self.notify(self.handed_in_text(paths), title="Handed in", timeout=12)

    def hand_in(self) -> list[Path]:
        """Write the student's record; in a browser, their transcript downloads too, so they
        keep their own copy. Raises WriteFailed."""
        assert self.classroom is not None
        paths = self.classroom.hand_in()
        if self.is_web:
            html = next((p for p in paths if p.suffix == ".html"), None)
            if html is not None:
                self.deliver_binary(
                    html, save_filename=html.name, open_method="download", mime_type="text/html"
                )
        return paths

    def handed_in_text(self, paths: list[Path]) -> str:
        """Where the record went, in the student's terms."""
        if self.is_web:
            return (
                "Your record is with your teacher. Your own copy, the transcript "
                f"{paths[-1].name}, is downloading in your browser."
            )
        files = ", ".join(p.name for p in paths)
        return (
            f"Your record is saved. Folder: {paths[0].parent}\nFiles: {files}\n"
            "Hand in the .json file to your teacher."
        )

    def ask_reflection(
        self, pending: list[tuple[Chapter, str]], then: Callable[[], object]
    ) -> None:
        """The assignment's questions due now, answered in one dialog; then `then`."""
        from game.tui.screens.classroom import ReflectionScreen

        classroom = self.classroom
        assert classroom is not None

        def answered(answers: list[str] | None) -> None:
            for (chapter, question), text in zip(pending, answers or [], strict=False):
                classroom.answer(chapter, question, text)
            then()

        self.push_screen(
            ReflectionScreen(pending, classroom.answer_problem, classroom.assignment.min_words),
            answered,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In an assessment, what is off is not offered (Load); hand-in only in class; the
        codex only in a story that has one."""
        if action == "load" and self.session.rules.assessed:
            return False
        if action == "codex" and not self.story.codex:
            return False
        if action == "hand_in" and self.classroom is None:
            return False
        return True

    def action_load(self) -> None:
        if self.session.rules.assessed:
            self.notify(
                "Loading an earlier save is off in this assessed assignment.", severity="warning"
            )
            return
        from game.tui.screens.saves import LoadScreen

        def picked(slot: str | None) -> None:
            if not slot:
                return
            stake = self.session.in_progress and self.at_stake()
            if slot == AUTO or not stake:
                self.action_load_slot(slot)
                return
            self.confirm(
                f"Load slot {slot}?",
                f"It replaces {stake}. To keep that game, go back and save it to a slot first.",
                f"Load slot {slot}",
                lambda: self.action_load_slot(slot),
            )

        self.push_screen(LoadScreen(self.session), picked)

    def action_save(self) -> None:
        """Save to a slot the player picks, asking first before writing over a used one."""
        from game.tui.screens.saves import SaveScreen

        def save(slot: str) -> None:
            try:
                info = self.session.save(slot)
            except (WriteFailed, SaveError) as exc:
                self.notify(f"The save failed: {exc}. Your game goes on.", severity="error")
                return
            self.notify(f"Saved to slot {slot}: {info.scene_title}.", timeout=3)

        def picked(slot: str | None) -> None:
            if not slot:
                return
            used = dict(zip(ALL_SLOTS, self.session.saves(), strict=True))[slot]
            if used is None:
                save(slot)
                return
            held = (
                f"{used.scene_title}, saved {used.saved_local}"
                if used.ok
                else "a save that cannot be read"
            )
            self.confirm(
                f"Save over slot {slot}?",
                f"Slot {slot} holds {held}. Saving here replaces it.",
                f"Save over slot {slot}",
                lambda: save(slot),
            )

        self.push_screen(SaveScreen(self.session), picked)

    def action_menu(self) -> None:
        """Escape in a scene: resume, save, load, settings, the title screen, or quit."""
        from game.tui.screens.dialogs import MenuScreen

        def picked(action: str | None) -> None:
            if action:
                self.call_later(self.run_action, action)

        self.push_screen(MenuScreen(offers_load=not self.session.rules.assessed), picked)

    def action_endings(self) -> None:
        from game.tui.screens.endings import EndingsScreen

        self.push_screen(EndingsScreen(self.session))

    def action_settings(self) -> None:
        from game.tui.screens.settings import SettingsScreen

        def closed(_: None) -> None:
            if isinstance(self.screen, SceneScreen):
                self.screen.apply_settings()

        self.push_screen(SettingsScreen(self.session.profile.settings, graded=self.graded), closed)

    @property
    def graded(self) -> bool:
        """Whether the story grades any choice (the game's own answer when one is under
        way; before one, the engine's for the story)."""
        game = self.session.game
        if game is not None:
            return game.graded
        from game.engine.game import story_grades

        return story_grades(self.story)

    def action_show_term(self, term: str) -> None:
        entry = self.story.codex.get(term)
        if entry is not None:
            from game.tui.screens.codex import TermScreen

            self.push_screen(TermScreen(entry))

    def action_next_theme(self) -> None:
        current = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.set_theme(THEMES[(current + 1) % len(THEMES)])
        self.notify(f"Colours: {theme_label(self.theme)}", timeout=2)

    def set_theme(self, name: str) -> None:
        self.theme = name
        self.settings.theme = name
        self.save_settings()

    def save_settings(self) -> None:
        try:
            self.session.profile.save_settings()
        except WriteFailed as exc:
            self.notify(f"Settings could not be saved: {exc}", severity="warning")

    def action_quit_game(self) -> None:
        from game.tui.screens.dialogs import QuitScreen

        if isinstance(self.screen, QuitScreen):
            return

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit(0)

        self.push_screen(QuitScreen(self.story.title), answered)


def _terminal_gone() -> bool:
    """Whether the controlling terminal has hung up (reading its settings fails with EIO)."""
    import termios

    try:
        termios.tcgetattr(sys.__stdout__.fileno() if sys.__stdout__ else 1)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] == errno.EIO
    except (OSError, ValueError):
        return False
    return False


def run_app(
    session: PlaySession,
    *,
    classroom: ClassroomSession | None = None,
    resume: bool = False,
    watch: StoryWatch | None = None,
    viewpoint: str | None = None,
) -> int:
    """Run the full-screen game until the player quits."""
    try:
        result = PetrogradApp(
            session, classroom=classroom, resume=resume, watch=watch, viewpoint=viewpoint
        ).run()
    finally:
        session.flush()  # a change made just before the end is on disk too
    return result if isinstance(result, int) else 0
