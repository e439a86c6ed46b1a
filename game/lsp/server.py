"""The language server's wiring to pygls: documents in, diagnostics and answers out.

Every story file an editor opens belongs to a story: the folder above it that holds
`story.yaml`, or else (a scene pack) the shipped story with the file's folder added, as
`petrograd check DIR` groups them. Whenever a document of a story opens, changes or
closes, that story is checked again with the editor's unsaved texts in place of the
files (`check_story(..., overlays=...)`), on a worker thread so the server keeps
answering; a check overtaken by a newer edit is dropped and run again. The problems are
published as `check` prints them: same codes, places and messages, files in the order of
their first problem. Completion, hover and definition use the last story that loaded,
so they keep working while the text is broken.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from game import __version__
from game.engine import Mark, Problem, Story, check_story
from game.engine.files import shown
from game.lsp import index

#: The files a story is made of.
SUFFIXES = (".yaml", ".yml")
#: A story file outside a story folder (a pack's) starts one of its lines with one of these.
_PACK_KEY = re.compile(r"^(chapter|scenes|extends|codex)[ \t]*:", re.M)
_LINES = re.compile(r"\r\n|\r|\n")

_KINDS = {
    "scene": types.CompletionItemKind.Module,
    "variable": types.CompletionItemKind.Variable,
    "function": types.CompletionItemKind.Function,
    "keyword": types.CompletionItemKind.Keyword,
    "codex": types.CompletionItemKind.Reference,
    "paragraph": types.CompletionItemKind.Text,
    "chapter": types.CompletionItemKind.Folder,
    "choice": types.CompletionItemKind.EnumMember,
}


def split_lines(text: str) -> list[str]:
    """A text's lines as the protocol counts them (\\n, \\r\\n or \\r end a line)."""
    return _LINES.split(text)


def story_folders(path: Path, text: str | None = None) -> tuple[Path, ...] | None:
    """The folders checked together with the story file at `path`: its story's folder
    (the nearest above it holding story.yaml); for a file of a scene pack, the shipped
    story's and the file's own; None for a YAML file that is no story file (no story
    above it, and none of a pack file's top-level keys)."""
    from game.paths import assets_dir, scenes_dir

    if path.suffix not in SUFFIXES or path.name.startswith("."):
        return None
    for folder in path.parents:
        if (folder / "story.yaml").is_file():
            return (folder,)
    shipped_assets = assets_dir().resolve()
    if path.parent == shipped_assets:
        return (scenes_dir().resolve(),)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    if not _PACK_KEY.search(text):
        return None
    return (scenes_dir().resolve(), path.parent)


def check(
    folders: Sequence[Path], overlays: dict[Path, bytes]
) -> tuple[Story | None, list[Problem]]:
    """What `petrograd check` finds in these folders (the static check of conditions
    included, once the story has no errors), with the overlays' texts in place of files."""
    from game.engine.ranges import never_true
    from game.paths import assets_dir

    story, problems = check_story(list(folders), assets=assets_dir(), overlays=overlays)
    if story is not None and not any(p.severity == "error" for p in problems):
        problems = [*problems, *never_true(story)]
    return story, problems


def resolve(mark_path: str) -> Path:
    """A problem's file: its path as shown (relative to the working folder) made whole."""
    return Path(mark_path).resolve()


@dataclass
class StoryCheck:
    """One story's checking: the last story that loaded, the files last published, and
    the check under way (at most one; an edit during it asks for another)."""

    folders: tuple[Path, ...]
    story: Story | None = None
    published: set[str] = field(default_factory=set)
    asked: int = 0
    task: asyncio.Task[None] | None = None
    #: Set once the first check has finished (completion waits for it).
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class PetrogradServer(LanguageServer):
    """The language server: pygls's, with the stories of the open documents."""

    def __init__(self) -> None:
        super().__init__("petrograd", __version__)
        self.stories: dict[tuple[Path, ...], StoryCheck] = {}
        #: Each open document's story folders (None: a YAML file that is no story file).
        self.belongs: dict[str, tuple[Path, ...] | None] = {}
        #: The URI the editor gave each open file, by the file's resolved path.
        self.uris: dict[Path, str] = {}

    # ------------------------------------------------------------ documents

    def opened(self, uri: str) -> None:
        path = _path_of(uri)
        if path is None:
            self.belongs[uri] = None
            return
        self.uris[path] = uri
        folders = story_folders(path, self.workspace.get_text_document(uri).source)
        self.belongs[uri] = folders
        if folders is not None:
            self.ask(folders)

    def changed(self, uri: str) -> None:
        folders = self.belongs.get(uri)
        if folders is None and uri not in self.belongs:
            self.opened(uri)
            return
        if folders is not None:
            self.ask(folders)

    def closed(self, uri: str) -> None:
        folders = self.belongs.pop(uri, None)
        path = _path_of(uri)
        if path is not None:
            self.uris.pop(path, None)
        if folders is not None:
            self.ask(folders)

    def story_check(self, uri: str) -> StoryCheck | None:
        folders = self.belongs.get(uri)
        return self.stories.get(folders) if folders is not None else None

    # ------------------------------------------------------------ checking

    def ask(self, folders: tuple[Path, ...]) -> None:
        """Check the story again (at once, or after the check under way)."""
        state = self.stories.get(folders)
        if state is None:
            state = self.stories[folders] = StoryCheck(folders)
        state.asked += 1
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._run(state))

    def _overlays(self) -> dict[Path, bytes]:
        out: dict[Path, bytes] = {}
        for uri, document in self.workspace.text_documents.items():
            path = _path_of(uri)
            if path is not None and path.suffix in SUFFIXES:
                out[path] = document.source.encode("utf-8", "surrogateescape")
        return out

    async def _run(self, state: StoryCheck) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = state.asked
            overlays = self._overlays()
            try:
                story, problems = await loop.run_in_executor(None, check, state.folders, overlays)
            except Exception as exc:  # a bug in the checker must not stop the server
                self.window_log_message(
                    types.LogMessageParams(
                        types.MessageType.Error, shown(f"petrograd: the check failed: {exc!r}")
                    )
                )
                state.ready.set()
                return
            if state.asked != asked:
                continue  # the text changed while checking: these places are stale
            if story is not None and _keeps(state.story, story, problems):
                state.story = story
            self._publish(state, problems)
            state.ready.set()
            return

    def _publish(self, state: StoryCheck, problems: Iterable[Problem]) -> None:
        """Publish the problems by file, in the order of each file's first problem; then
        empty lists for the files that had problems and have none now, and for the open
        documents of the story that have none."""
        by_file: dict[Path, list[Problem]] = {}
        fallback = self._fallback(state)
        for problem in problems:
            path = resolve(problem.mark.path) if problem.mark.path else None
            if path is None or (not path.is_file() and path not in self.uris):  # open: unsaved
                if fallback is None:
                    continue
                path = fallback
                problem = Problem(
                    Mark(str(path), 0, 0),
                    problem.code,
                    f"{shown(problem.mark.path)}: {problem.message}"
                    if problem.mark.path
                    else problem.message,
                    problem.severity,
                )
            by_file.setdefault(path, []).append(problem)
        sent: list[str] = []
        for path, found in by_file.items():
            uri = self.uris.get(path) or path.as_uri()
            lines = self._lines(uri, path)
            diagnostics = [self._diagnostic(problem, lines) for problem in found]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )
            sent.append(uri)
        quiet = [uri for uri in sorted(state.published) if uri not in sent]
        quiet += [
            uri
            for uri, folders in self.belongs.items()
            if folders == state.folders and uri not in sent and uri not in quiet
        ]
        for uri in quiet:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        state.published = set(sent)

    def _fallback(self, state: StoryCheck) -> Path | None:
        """Where a problem without a file of its own is shown: the story's story.yaml,
        else the first open document of the story."""
        story_yaml = state.folders[0] / "story.yaml"
        if len(state.folders) == 1 and story_yaml.is_file():
            return story_yaml.resolve()
        for uri, folders in self.belongs.items():
            if folders == state.folders:
                return _path_of(uri)
        return None

    def _lines(self, uri: str, path: Path) -> list[str]:
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            return split_lines(document.source)
        try:
            return split_lines(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return []

    def _diagnostic(self, problem: Problem, lines: list[str]) -> types.Diagnostic:
        line = max(problem.mark.line - 1, 0)
        start = max(problem.mark.column - 1, 0)
        text = lines[line] if line < len(lines) else ""
        start = min(start, len(text))
        end = start
        while end < len(text) and not text[end].isspace():
            end += 1
        if end == start and start < len(text):
            end = start + 1
        place = types.Range(types.Position(line, start), types.Position(line, end))
        if line < len(lines):
            place = self.workspace.position_codec.range_to_client_units(lines, place)
        return types.Diagnostic(
            range=place,
            message=shown(problem.message),
            severity=types.DiagnosticSeverity.Error
            if problem.severity == "error"
            else types.DiagnosticSeverity.Warning,
            code=problem.code,
            source="petrograd",
        )

    # ------------------------------------------------------------ answers

    async def story_for(self, uri: str) -> Story | None:
        """The last story of the document's that loaded (waiting for a first check)."""
        state = self.story_check(uri)
        if state is None:
            return None
        if state.story is None and not state.ready.is_set():
            await state.ready.wait()
        return state.story

    def place(self, uri: str, position: types.Position) -> tuple[list[str], int, int]:
        """The document's lines and the place in code points."""
        lines = split_lines(self.workspace.get_text_document(uri).source)
        at = self.workspace.position_codec.position_from_client_units(lines, position)
        return lines, at.line, at.character

    def client_range(self, lines: list[str], line: int, start: int, end: int) -> types.Range:
        return self.workspace.position_codec.range_to_client_units(
            lines, types.Range(types.Position(line, start), types.Position(line, end))
        )

    def location(self, mark_path: str, line: int, column: int) -> types.Location:
        path = resolve(mark_path)
        uri = self.uris.get(path) or path.as_uri()
        lines = self._lines(uri, path)
        row = max(line - 1, 0)
        start = max(column - 1, 0)
        place = types.Range(types.Position(row, start), types.Position(row, start))
        if row < len(lines):
            place = self.workspace.position_codec.range_to_client_units(lines, place)
        return types.Location(uri=uri, range=place)


def _keeps(last: Story | None, story: Story, problems: Sequence[Problem]) -> bool:
    """Whether a story just checked replaces the last one kept for answers: always when
    it has no errors; with errors (the text half-typed), only when it lost nothing the
    last one had (a file that does not parse leaves its scenes out)."""
    if last is None or not any(p.severity == "error" for p in problems):
        return True
    return all(
        old.keys() <= new.keys()
        for old, new in (
            (last.scenes, story.scenes),
            (last.variables, story.variables),
            (last.codex, story.codex),
            (last.paragraphs, story.paragraphs),
            (last.chapters, story.chapters),
        )
    )


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path).resolve() if path else None


def build_server() -> PetrogradServer:
    """The server, with its features registered."""
    server = PetrogradServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: PetrogradServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.opened(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PetrogradServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: PetrogradServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: PetrogradServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[" ", "[", "(", ".", "|", "{", ","]),
    )
    async def completion(
        ls: PetrogradServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        uri = params.text_document.uri
        story = await ls.story_for(uri)
        if story is None:
            return None
        lines, line, character = ls.place(uri, params.position)
        found = index.complete(story, lines, line, character)
        if not found.items:
            return None
        edit_range = ls.client_range(lines, line, found.start, character)
        items = [
            types.CompletionItem(
                label=item.label,
                kind=_KINDS[item.kind],
                detail=item.detail or None,
                text_edit=types.TextEdit(range=edit_range, new_text=item.insert or item.label),
                filter_text=item.label,
                sort_text=f"{number:05d}",
            )
            for number, item in enumerate(found.items)
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PetrogradServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        story = await ls.story_for(uri)
        if story is None:
            return None
        lines, line, character = ls.place(uri, params.position)
        found = index.hover(story, lines, line, character)
        if found is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
            range=ls.client_range(lines, line, found.start, found.end),
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(
        ls: PetrogradServer, params: types.DefinitionParams
    ) -> types.Location | None:
        uri = params.text_document.uri
        story = await ls.story_for(uri)
        if story is None:
            return None
        lines, line, character = ls.place(uri, params.position)
        mark = index.definition(story, lines, line, character)
        if mark is None:
            return None
        return ls.location(mark.path, mark.line, mark.column)

    return server


class _OneLine(logging.Formatter):
    """pygls's log records as one line each on stderr, without a traceback (the editor
    shows stderr in its log; a message it sent that cannot be read is its mistake)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"petrograd lsp: {record.levelname.lower()}: {shown(record.getMessage())}"


def main() -> int:
    """Serve over stdin and stdout until the editor says exit."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    for name in ("pygls", "game"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    build_server().start_io()
    return 0
