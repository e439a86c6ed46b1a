"""The language server's wiring to pygls: documents in, diagnostics and answers out.

Every story file an editor opens belongs to a story: the folder above it that holds
`story.yaml` (on disk, or open in the editor), or else (a scene pack) the shipped story
with the file's folder added, as `petrograd check DIR` groups them. Which one is worked
out again whenever it may have changed: when a document's top-level keys change, when a
`story.yaml` is opened, saved, closed, created or deleted (every open document under its
folder is homed again), and when a document is saved. Whenever a document of a story
opens, changes or closes, or one of its files changes on disk, that story is checked
again with the editor's unsaved texts in place of the files
(`check_story(..., overlays=...)`), on a worker thread so the server keeps answering; a
check overtaken by a newer edit is dropped and run again. The problems are published as
`check` prints them: same codes, places and messages, files in the order of their first
problem, each open document's with the version checked; an open document's problems
come from its own story only. A story's state is dropped when its last open document
closes. Completion, hover and definition use the last story that loaded, so they keep
working while the text is broken.

Documents are synchronised whole (`TextDocumentSyncKind.Full`): pygls would apply ranged
edits splitting lines as Python does (at U+2028 and the like), not as the protocol does;
a ranged edit sent anyway is applied here with the protocol's own line breaks.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec, TextDocument

from game import __version__
from game.engine import Mark, Problem, Story, check_story
from game.engine.files import shown
from game.lsp import index

#: The files a story is made of.
SUFFIXES = (".yaml", ".yml")
#: A story file outside a story folder (a pack's) starts one of its lines with one of these.
_PACK_KEY = re.compile(r"^(chapter|scenes|extends|codex)[ \t]*:", re.M)
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.M)
_LINES = re.compile(r"\r\n|\r|\n")
_BREAKS = re.compile(r"(\r\n|\r|\n)")
#: What a diagnostic underlines: a link, a name or id, or else up to a space or `,]}`.
_LINK_TOKEN = re.compile(r"\[\[(?:(?!\]\]).)*\]\]")
_NAME_TOKEN = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_OTHER_TOKEN = re.compile(r"[^\s,\]}]+")
#: The files whose changes on disk the server asks the editor to tell it of.
WATCHED = ("**/story.yaml", "**/*.yaml", "**/*.yml")
_WATCH_ID = "petrograd-story-files"

logger = logging.getLogger(__name__)

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


def apply_edit(text: str, codec: PositionCodec, place: types.Range, new_text: str) -> str:
    """The text with a ranged edit made, its lines counted as the protocol counts them
    (not as `str.splitlines`, which also breaks at U+2028, U+0085, \\x0b and others)."""
    parts = _BREAKS.split(text)
    lines, breaks = parts[0::2], parts[1::2]

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        at = codec.position_from_client_units(
            lines, types.Position(position.line, position.character)
        )
        before = sum(len(lines[n]) + len(breaks[n]) for n in range(at.line))
        return before + min(at.character, len(lines[at.line]))

    start, end = offset(place.start), offset(place.end)
    return text[:start] + new_text + text[max(start, end) :]


def top_keys(text: str) -> frozenset[str]:
    """The keys at the top of a YAML text (at the start of a line)."""
    return frozenset(_TOP_KEY.findall(text))


def story_root(path: Path, open_stories: frozenset[Path] = frozenset()) -> Path | None:
    """The nearest folder above `path` that holds story.yaml, on disk or among the
    editor's open (maybe unsaved) `open_stories`."""
    for folder in path.parents:
        story_yaml = folder / "story.yaml"
        if story_yaml in open_stories or story_yaml.is_file():
            return folder
    return None


def story_folders(
    path: Path, text: str | None = None, open_stories: frozenset[Path] = frozenset()
) -> tuple[Path, ...] | None:
    """The folders checked together with the story file at `path`: its story's folder
    (the nearest above it holding story.yaml, on disk or open in the editor); for a file
    of a scene pack, the shipped story's and the file's own; None for a YAML file that
    is no story file (no story above it, and none of a pack file's top-level keys)."""
    from game.paths import assets_dir, scenes_dir

    if path.suffix not in SUFFIXES or path.name.startswith("."):
        return None
    root = story_root(path, open_stories)
    if root is not None:
        return (root,)
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


def token(text: str, start: int) -> int:
    """Where the token a problem at `start` is about ends: the whole `[[...]]` link the
    place is in; a name or id (`évé-9` of `évé-9]`, `choises` of `choises:`); else the
    text up to the next space or `,`, `]`, `}`. At least one character, if any is left."""
    for link in _LINK_TOKEN.finditer(text):
        if link.start() <= start < link.end():
            return link.end()
    found = _NAME_TOKEN.match(text, start) or _OTHER_TOKEN.match(text, start)
    end = found.end() if found is not None else start
    return end if end > start or start >= len(text) else start + 1


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


Shape = tuple[frozenset[str], Path | None]


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A message from the editor that could not be read (`id` None: a notification)."""

    id: int | str | None
    method: str
    why: str


class PetrogradProtocol(LanguageServerProtocol):
    """pygls's protocol, stricter where the editor sends what cannot be used: a message
    that cannot be read is answered (a request) or dropped (a notification) with one line
    in the log; a change to a document never opened is ignored; a request after
    `shutdown` is answered InvalidRequest; ranged edits count lines as the protocol does."""

    def structure_message(self, data: dict[str, object]) -> object:
        try:
            return super().structure_message(data)
        except Exception as exc:
            if not isinstance(data, dict) or "jsonrpc" not in data:
                raise
            method = str(data.get("method", ""))
            ident = data.get("id") if "method" in data else None
            return _Unreadable(ident if isinstance(ident, int | str) else None, method, _short(exc))

    def handle_message(self, message: object) -> None:
        if isinstance(message, _Unreadable):
            logger.warning(
                "cannot read the editor's %s %s: %s",
                message.method or "message",
                "request" if message.id is not None else "notification",
                message.why,
            )
            if message.id is not None:
                self._send_response(
                    message.id,
                    error=types.ResponseError(
                        types.ErrorCodes.InvalidParams, f"cannot read the message: {message.why}"
                    ),
                )
            return
        if self._shutdown and getattr(message, "method", "") != types.EXIT:
            if isinstance(message, RPCRequest):
                self._send_response(
                    message.id,
                    error=types.ResponseError(
                        types.ErrorCodes.InvalidRequest,
                        "the server has been shut down; only exit is left",
                    ),
                )
            return
        super().handle_message(message)  # type: ignore[arg-type]

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Iterator[object]:
        uri = params.text_document.uri
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            logger.warning("a change to %s, which is not open: ignored", shown(uri))
            return
        text = document.source
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                text = apply_edit(text, document.position_codec, change.range, change.text)
            else:
                text = change.text
        document.apply_change(types.TextDocumentContentChangeWholeDocument(text=text))
        document.version = params.text_document.version
        handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)
        if handler is not None:
            yield handler, (params,), None


def _short(exc: BaseException) -> str:
    """An exception in one short line: the first that has no others inside it."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if exc.__cause__ is not None and not str(exc):
        return _short(exc.__cause__)
    first = str(exc).strip().split("\n", 1)[0]
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return shown(text[:200])


class PetrogradServer(LanguageServer):
    """The language server: pygls's, with the stories of the open documents."""

    def __init__(self) -> None:
        super().__init__(
            "petrograd",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            protocol_cls=PetrogradProtocol,
        )
        self.stories: dict[tuple[Path, ...], StoryCheck] = {}
        #: Each open document's story folders (None: a YAML file that is no story file).
        self.belongs: dict[str, tuple[Path, ...] | None] = {}
        #: What each open document's story was worked out from: its top-level keys and
        #: the folder above it that holds story.yaml.
        self.shapes: dict[str, Shape] = {}
        #: The URI the editor gave each open file, by the file's resolved path.
        self.uris: dict[Path, str] = {}

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls's error pop-up in the editor, but not for a message the editor sent that
        is not JSON at all (its mistake, logged in one line already)."""
        from pygls.exceptions import JsonRpcException

        if source is JsonRpcException:
            return
        super().report_server_error(error, source)

    # ------------------------------------------------------------ documents

    def document(self, uri: str) -> TextDocument | None:
        """The open document at `uri` (None if it is not open)."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return document

    def _open_stories(self) -> frozenset[Path]:
        return frozenset(path for path in self.uris if path.name == "story.yaml")

    def _shape(self, path: Path, text: str) -> Shape:
        return top_keys(text), story_root(path, self._open_stories())

    def home(self, uri: str) -> tuple[Path, ...] | None:
        """Work out again which story the open document belongs to; move it there if
        that changed (the story it left is checked again, or dropped if it has no open
        document left). Returns the story's folders."""
        path = _path_of(uri)
        document = self.document(uri)
        old = self.belongs.get(uri)
        if path is None or document is None:
            self.belongs[uri] = None
            return None
        text = document.source
        folders = story_folders(path, text, self._open_stories())
        self.shapes[uri] = self._shape(path, text)
        self.belongs[uri] = folders
        if old != folders:
            if old is not None:
                self._left(old)
            if folders is None:
                self._publish_empty([uri])
        return folders

    def rehome_under(self, folder: Path) -> None:
        """A story.yaml in `folder` came or went: home every open document under it."""
        moved = set()
        for uri in list(self.belongs):
            path = _path_of(uri)
            if path is not None and path.is_relative_to(folder):
                folders = self.home(uri)
                if folders is not None:
                    moved.add(folders)
        for folders in moved:
            self.ask(folders)

    def opened(self, uri: str) -> None:
        path = _path_of(uri)
        if path is None:
            self.belongs[uri] = None
            return
        self.uris[path] = uri
        folders = self.home(uri)
        if path.name == "story.yaml":
            self.rehome_under(path.parent)
        elif folders is not None:
            self.ask(folders)

    def changed(self, uri: str) -> None:
        if uri not in self.belongs:
            self.opened(uri)
            return
        path = _path_of(uri)
        document = self.document(uri)
        folders = self.belongs.get(uri)
        if path is not None and document is not None:
            if self._shape(path, document.source) != self.shapes.get(uri):
                folders = self.home(uri)  # a key at the top came or went
        if folders is not None:
            self.ask(folders)

    def saved(self, uri: str) -> None:
        if uri not in self.belongs:
            self.opened(uri)
            return
        path = _path_of(uri)
        folders = self.home(uri)
        if path is not None and path.name == "story.yaml":
            self.rehome_under(path.parent)
        elif folders is not None:
            self.ask(folders)

    def closed(self, uri: str) -> None:
        folders = self.belongs.pop(uri, None)
        self.shapes.pop(uri, None)
        path = _path_of(uri)
        if path is not None:
            self.uris.pop(path, None)
            if path.name == "story.yaml":
                self.rehome_under(path.parent)  # it may have been unsaved
        if folders is not None:
            self._left(folders)

    def files_changed(self, changes: Sequence[types.FileEvent]) -> None:
        """Files changed on disk (another program, a save elsewhere): check again the
        stories they are in; home the open documents again under a story.yaml that was
        created or deleted."""
        paths = [path for change in changes if (path := _path_of(change.uri)) is not None]
        for change in changes:
            path = _path_of(change.uri)
            if path is not None and path.name == "story.yaml":
                if change.type != types.FileChangeType.Changed:
                    self.rehome_under(path.parent)
        for folders in list(self.stories):
            if any(path.is_relative_to(folder) for path in paths for folder in folders):
                self.ask(folders)

    def _left(self, folders: tuple[Path, ...]) -> None:
        """A document left the story: check it again, or drop it if none is open."""
        if any(other == folders for other in self.belongs.values()):
            self.ask(folders)
        else:
            self.drop(folders)

    def drop(self, folders: tuple[Path, ...]) -> None:
        """Forget a story none of whose documents is open, after publishing empty
        diagnostics for the files it had published problems for."""
        state = self.stories.pop(folders, None)
        if state is None:
            return
        self._publish_empty([uri for uri in sorted(state.published) if self._mine(uri, folders)])
        state.ready.set()

    def _mine(self, uri: str, folders: tuple[Path, ...]) -> bool:
        """Whether a story may publish for `uri`: not when it is open in another story."""
        other = self.belongs.get(uri)
        return other is None or other == folders

    def _publish_empty(self, uris: Iterable[str]) -> None:
        for uri in uris:
            document = self.document(uri)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri,
                    diagnostics=[],
                    version=document.version if document is not None else None,
                )
            )

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

    def _overlays(self) -> tuple[dict[Path, bytes], dict[Path, int | None]]:
        """The open documents' texts, and the versions of them, by file."""
        out: dict[Path, bytes] = {}
        versions: dict[Path, int | None] = {}
        for uri, document in self.workspace.text_documents.items():
            path = _path_of(uri)
            if path is not None and path.suffix in SUFFIXES:
                out[path] = document.source.encode("utf-8", "surrogateescape")
                versions[path] = document.version
        return out, versions

    async def _run(self, state: StoryCheck) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = state.asked
            overlays, versions = self._overlays()
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
            if self.stories.get(state.folders) is not state:
                state.ready.set()  # dropped while checking: its documents are closed
                return
            if state.asked != asked:
                continue  # the text changed while checking: these places are stale
            if story is not None and _keeps(state.story, story, problems):
                state.story = story
            self._publish(state, problems, versions)
            state.ready.set()
            return

    def _publish(
        self,
        state: StoryCheck,
        problems: Iterable[Problem],
        versions: dict[Path, int | None] | None = None,
    ) -> None:
        """Publish the problems by file, in the order of each file's first problem; then
        empty lists for the files that had problems and have none now, and for the open
        documents of the story that have none. A file open in another story is left to
        that one; an open document's diagnostics carry the version that was checked."""
        versions = versions or {}
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
            if not self._mine(uri, state.folders):
                continue
            lines = self._lines(uri, path)
            diagnostics = [self._diagnostic(problem, lines) for problem in found]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=diagnostics, version=versions.get(path)
                )
            )
            sent.append(uri)
        quiet = [uri for uri in sorted(state.published) if uri not in sent]
        quiet += [
            uri
            for uri, folders in self.belongs.items()
            if folders == state.folders and uri not in sent and uri not in quiet
        ]
        for uri in quiet:
            if not self._mine(uri, state.folders):
                continue
            path = _path_of(uri)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=uri,
                    diagnostics=[],
                    version=versions.get(path) if path is not None else None,
                )
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
        document = self.document(uri)
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
        end = token(text, start)
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
        document = self.document(uri)
        lines = split_lines(document.source if document is not None else "")
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


def _insert_replace(capabilities: types.ClientCapabilities) -> bool:
    """Whether the editor takes InsertReplaceEdit in completion items."""
    document = capabilities.text_document
    completion = document.completion if document is not None else None
    item = completion.completion_item if completion is not None else None
    return bool(item is not None and item.insert_replace_support)


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
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: PetrogradServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PetrogradServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace is not None else None
        if watching is None or not watching.dynamic_registration:
            return  # the editor cannot be asked: changes on disk are seen at the next edit
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        )
        registration = types.Registration(
            id=_WATCH_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as exc:  # the editor said no: it keeps working without
            logger.warning("the editor will not tell of files changed on disk: %s", _short(exc))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files(ls: PetrogradServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.files_changed(params.changes)

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
        end = character if found.end is None else max(found.end, character)
        insert = ls.client_range(lines, line, found.start, character)
        replace = ls.client_range(lines, line, found.start, end)
        both = end > character and _insert_replace(ls.client_capabilities)

        def edit(text: str) -> types.TextEdit | types.InsertReplaceEdit:
            if both:  # the editor chooses: insert before the rest of the word, or replace it
                return types.InsertReplaceEdit(new_text=text, insert=insert, replace=replace)
            return types.TextEdit(range=replace, new_text=text)

        items = [
            types.CompletionItem(
                label=item.label,
                kind=_KINDS[item.kind],
                detail=item.detail or None,
                text_edit=edit(item.insert or item.label),
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
    """pygls's log records as one short line each on stderr, without a traceback (the
    editor shows stderr in its log; a message it sent that cannot be read is its
    mistake): the message's first line, cut at 300 characters."""

    def format(self, record: logging.LogRecord) -> str:
        first = record.getMessage().strip().split("\n", 1)[0]
        if record.exc_info and record.exc_info[1] is not None:
            first = f"{first}: {_short(record.exc_info[1])}"
        return f"petrograd lsp: {record.levelname.lower()}: {shown(first[:300])}"


def _not_pygls_traceback(record: logging.LogRecord) -> bool:
    """Drop pygls's own record of a message it cannot read (a traceback; the protocol
    logs one line of its own for it)."""
    return not str(record.msg).startswith("Unable to deserialize message")


def main() -> int:
    """Serve over stdin and stdout until the editor says exit: status 0 after a
    `shutdown`, 1 when the editor exits (or goes) without one, as the protocol says."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.addFilter(_not_pygls_traceback)
    for name in ("pygls", "game"):
        named = logging.getLogger(name)
        named.addHandler(handler)
        named.setLevel(logging.WARNING)
        named.propagate = False
    server = build_server()
    server.start_io()
    return 0 if server.protocol._shutdown else 1
