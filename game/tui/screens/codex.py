"""The codex: every entry grouped and searchable as you type, the ones met in play marked."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from game.engine import CodexEntry, Term, wording
from game.session import PlaySession

GROUPS = (
    ("person", "People"),
    ("place", "Places"),
    ("organisation", "Organisations"),
    ("ship", "Ships"),
    ("term", "Terms"),
)
MET = "✓"


def entry_content(entry: CodexEntry) -> Content:
    group = {
        "person": "Person",
        "place": "Place",
        "organisation": "Organisation",
        "ship": "Ship",
    }.get(entry.group, "Term")
    parts = [Content(entry.name).stylize("bold"), Content(group).stylize("italic")]
    if entry.aliases:
        parts.append(Content("Also: " + ", ".join(entry.aliases)).stylize("italic"))
    # A long entry keeps its paragraphs (a folded YAML block leaves one line each).
    parts += [Content(" ".join(line.split())) for line in entry.text.splitlines() if line.strip()]
    return Content("\n\n").join(parts)


def unmet_content(entry: CodexEntry) -> Content:
    """An entry not met in the story yet: its name only, until the story brings it up."""
    return Content("\n\n").join(
        [
            Content(entry.name).stylize("bold"),
            Content("Not met in the story yet: its page opens once you meet it.").stylize("italic"),
        ]
    )


class TermsScreen(ModalScreen[str | None]):
    """T in a scene: the codex entries its text links to; Enter opens one."""

    BINDINGS = [Binding("escape,t,q", "dismiss(None)", "Close")]

    def __init__(self, terms: tuple[Term, ...]) -> None:
        super().__init__()
        self.terms = terms

    def compose(self) -> ComposeResult:
        with Vertical(id="terms-dialog", classes="dialog"):
            yield Static(Content("In this scene's codex").stylize("bold"))
            yield Static(Content("Arrows to move, Enter to open, Escape to close."))
            yield OptionList(
                *(Option(Content(term.name), id=term.id) for term in self.terms), id="terms-list"
            )

    def on_mount(self) -> None:
        self.query_one("#terms-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#terms-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TermScreen(ModalScreen[None]):
    """One codex entry, opened from a highlighted term in the scene text."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, entry: CodexEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(id="term-dialog", classes="dialog"):
            with VerticalScroll():
                yield Static(entry_content(self.entry), id="term-text")
            yield Button("Close", id="close-term", variant="primary")

    @on(Button.Pressed, "#close-term")
    def close(self) -> None:
        self.dismiss()


class CodexScreen(ModalScreen[None]):
    """Type to search; the highlighted entry is shown beside the list."""

    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, session: PlaySession) -> None:
        super().__init__()
        self.session = session
        self.met = session.met_terms()

    def compose(self) -> ComposeResult:
        if not self.session.story.codex:  # a story of its own may have none: no search
            with Vertical(id="no-codex-dialog", classes="dialog"):
                yield Static(Content("Codex").stylize("bold"), id="codex-title")
                yield Static(Content(wording.NO_CODEX), id="codex-text")
                yield Button("Close", id="close-codex", variant="primary")
            return
        with Vertical(id="codex-dialog", classes="dialog"):
            yield Static(
                Content.assemble(
                    Content("Codex").stylize("bold"),
                    f"   {MET} met in the story ({len(self.met)} of {len(self.session.story.codex)})",
                ),
                id="codex-title",
            )
            yield Input(placeholder="Type to search names and text", id="codex-search")
            with Horizontal(id="codex-columns"):
                yield OptionList(id="codex-list")
                with VerticalScroll(id="codex-entry"):
                    yield Static(id="codex-text")
            yield Button("Close", id="close-codex", variant="primary")

    def on_mount(self) -> None:
        if not self.session.story.codex:
            self.query_one("#close-codex", Button).focus()
            return
        self.fill("")
        self.query_one("#codex-search", Input).focus()

    def matches(self, entry: CodexEntry, words: list[str]) -> bool:
        return entry.matches(words, text=entry.id in self.met)

    def fill(self, query: str) -> None:
        words = query.lower().split()
        options: list[Option] = []
        for group, heading in GROUPS:
            entries = sorted(
                (
                    e
                    for e in self.session.story.codex.values()
                    if e.group == group and self.matches(e, words)
                ),
                key=lambda e: e.name.lower(),
            )
            if not entries:
                continue
            options.append(Option(Content(heading).stylize("bold"), disabled=True))
            for entry in entries:
                mark = MET if entry.id in self.met else " "
                options.append(Option(Content(f"{mark} {entry.name}"), id=entry.id))
        codex_list = self.query_one("#codex-list", OptionList)
        codex_list.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        codex_list.highlighted = first
        text = self.query_one("#codex-text", Static)
        if first is None:
            text.update("Nothing matches that search.")

    @on(Input.Changed, "#codex-search")
    def search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#codex-search")
    def to_list(self) -> None:
        self.query_one("#codex-list", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#codex-list")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.session.story.codex.get(event.option.id or "")
        if entry is not None:
            self.query_one("#codex-text", Static).update(
                entry_content(entry) if entry.id in self.met else unmet_content(entry)
            )

    @on(Button.Pressed, "#close-codex")
    def close(self) -> None:
        self.dismiss()
