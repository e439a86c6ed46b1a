"""The language server (`petrograd lsp`), driven by a real LSP client over stdio.

pytest-lsp starts the server as a subprocess and speaks the protocol to it: diagnostics
as you type (the same codes and places as `petrograd check`), completion, hover,
go-to-definition, and the seeded mistakes of tests/mistakes/ reported first at their
place. Which story a file is in as it is typed, saved and changed on disk; messages
no client library would send (RawServer speaks JSON-RPC by hand). The pure part
(game/lsp/index.py) is tested on its own.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
import yaml
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import to_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from game.engine import load_story
from game.lsp import index
from game.paths import assets_dir
from tests.conftest import CHAPTER_YAML, ROOT, STORY_YAML

MISTAKES = ROOT / "tests" / "mistakes"
#: Problems that follow from another one; a seeded mistake must not bring any of them.
CASCADES = ("unreachable", "unreachable-scene", "unreachable-ending", "dead-end")
#: However slow the machine, a check of a small story ends well before this (a deadline
#: that fails a stuck test, never a wait).
DEADLINE = 60


class RecordingClient(LanguageClient):
    """pytest-lsp's client, keeping every publishDiagnostics in the order it came."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.arrived = asyncio.Condition()
        self.registrations: list[types.Registration] = []
        self.init_result: types.InitializeResult | None = None


def _recording_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)

    async def publish(ls: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published.append(params)
        async with ls.arrived:
            ls.arrived.notify_all()

    async def register(ls: RecordingClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)
        async with ls.arrived:
            ls.arrived.notify_all()

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


#: One server for the module (starting one takes longer than most tests): each test
#: works in a story folder of its own, so they cannot see each other's documents.
LSP = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "game", "lsp"], client_factory=_recording_client
    ),
)
async def client(lsp_client: RecordingClient):
    lsp_client.init_result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "game", "lsp"], client_factory=_recording_client
    ),
)
async def nvim(lsp_client: RecordingClient):
    """A second editor, Neovim 0.11: no InsertReplaceEdit, no watching of files."""
    lsp_client.init_result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=pytest_lsp.client_capabilities("neovim@v0.11.0"))
    )
    yield
    await lsp_client.shutdown_session()


# ---------------------------------------------------------------- helpers


async def published(client: RecordingClient, uri: str, after: int = 0) -> tuple[int, list]:
    """The first diagnostics published for `uri` at or after the `after`-th publication:
    (the publication's number, its diagnostics)."""

    def found() -> int | None:
        for number in range(after, len(client.published)):
            if client.published[number].uri == uri:
                return number
        return None

    async with asyncio.timeout(DEADLINE), client.arrived:
        await client.arrived.wait_for(lambda: found() is not None)
    number = found()
    assert number is not None
    return number, list(client.published[number].diagnostics)


async def published_where(client: RecordingClient, uri: str, after: int, test) -> tuple[int, list]:
    """The first diagnostics published for `uri` after the `after`-th publication that
    pass `test` (a function of the publication)."""

    def found() -> int | None:
        for number in range(after, len(client.published)):
            if client.published[number].uri == uri and test(client.published[number]):
                return number
        return None

    async with asyncio.timeout(DEADLINE), client.arrived:
        await client.arrived.wait_for(lambda: found() is not None)
    number = found()
    assert number is not None
    return number, list(client.published[number].diagnostics)


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri,
                language_id="yaml",
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return uri


def change_file(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def place(text: str, needle: str, offset: int | None = None) -> types.Position:
    """The position just after `needle` (or `offset` characters into it) in `text`."""
    index = text.index(needle) + (len(needle) if offset is None else offset)
    line = text.count("\n", 0, index)
    return types.Position(line, index - (text.rfind("\n", 0, index) + 1))


def labels(result: types.CompletionList | list | None) -> list[str]:
    assert result is not None
    items = result.items if isinstance(result, types.CompletionList) else result
    return [item.label for item in items]


def cli_problems(petrograd_command: list[str], folder: Path) -> list[dict]:
    out = subprocess.run(
        [*petrograd_command, "check", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)["problems"]


def as_places(diagnostics: list) -> list[tuple[int, int, str]]:
    return [(d.range.start.line + 1, d.range.start.character + 1, d.code) for d in diagnostics]


# ---------------------------------------------------------------- diagnostics


@LSP
async def test_diagnostics_follow_the_text_and_match_check(
    client: RecordingClient, make_story, tmp_path, petrograd_command
):
    folder = make_story()
    chapter = folder / "one.yaml"
    uri = open_file(client, chapter)
    number, diagnostics = await published(client, uri)
    assert diagnostics == []

    broken = CHAPTER_YAML.replace("goto: b\n", "goto: bee\n", 1)
    change_file(client, uri, broken, 2)
    number, diagnostics = await published(client, uri, number + 1)
    # `check` on the same text, saved in a copy of the story
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "story.yaml").write_text((folder / "story.yaml").read_text())
    (copy / "one.yaml").write_text(broken)
    expected = [
        (p["line"], p["column"], p["code"])
        for p in cli_problems(petrograd_command, copy)
        if p["path"].endswith("one.yaml")
    ]
    assert expected and expected[0][2] == "unknown-target"
    assert as_places(diagnostics) == expected
    first = diagnostics[0]
    assert first.source == "petrograd"
    assert first.severity == types.DiagnosticSeverity.Error
    assert "bee" in first.message
    assert first.range.start == place(broken, "goto: ")

    change_file(client, uri, CHAPTER_YAML, 3)
    _, diagnostics = await published(client, uri, number + 1)
    assert diagnostics == []


@LSP
async def test_a_new_file_is_checked_before_it_is_first_saved(client: RecordingClient, make_story):
    """A chapter file just made in the editor, not yet on disk, is part of its story."""
    folder = make_story()
    new = folder / "two.yaml"
    text = "chapter: one\nscenes:\n  - id: c\n    title: C\n"
    uri = open_file(client, new, text)
    _, diagnostics = await published(client, uri)
    assert not new.exists()
    assert {d.code for d in diagnostics} == {"missing-key"}, [d.message for d in diagnostics]
    assert diagnostics[0].range.start.line == 2  # the scene, on its line


@LSP
async def test_an_edit_shows_its_problems_in_the_files_it_breaks(
    client: RecordingClient, make_story
):
    """Renaming a variable in story.yaml (unsaved) breaks the conditions of one.yaml,
    a file that is not even open: its problems are published there."""
    folder = make_story()
    chapter_uri = (folder / "one.yaml").as_uri()
    story_text = (folder / "story.yaml").read_text()
    uri = open_file(client, folder / "story.yaml")
    number, _ = await published(client, uri)
    change_file(client, uri, story_text.replace("  n:\n", "  m:\n"), 2)
    _, diagnostics = await published(client, chapter_uri, number + 1)
    lines = CHAPTER_YAML.splitlines()
    assert diagnostics
    assert {"if: n >= 3"} & {lines[d.range.start.line].strip() for d in diagnostics}
    assert all(d.source == "petrograd" for d in diagnostics)


@LSP
async def test_a_yaml_file_that_is_no_story_file_gets_nothing(client: RecordingClient, tmp_path):
    other = tmp_path / "compose.yaml"
    other.write_text("services:\n  web:\n    image: nginx\n")
    uri = open_file(client, other)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 3))
    )
    assert hover is None
    assert all(p.uri != uri for p in client.published)


# ---------------------------------------------------------------- completion


async def completion(client: LanguageClient, uri: str, position: types.Position):
    return await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), position)
    )


@LSP
async def test_goto_completes_scene_ids(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    result = await completion(client, uri, place(CHAPTER_YAML, "goto: "))
    assert {"a", "b"} <= set(labels(result))
    assert isinstance(result, types.CompletionList)
    edit = result.items[0].text_edit
    # the place is before the `b` of `goto: b`: insert there, or replace the whole word
    assert isinstance(edit, types.InsertReplaceEdit)
    start = place(CHAPTER_YAML, "goto: ")
    assert edit.insert.start == edit.insert.end == edit.replace.start == start
    assert edit.replace.end == place(CHAPTER_YAML, "goto: b")


@LSP
async def test_a_condition_completes_variables_and_memory(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    found = labels(await completion(client, uri, place(CHAPTER_YAML, "if: ")))
    assert {"n", "flag", "visited", "visits", "chose"} <= set(found)
    assert "a" not in found  # scene ids only inside a predicate's brackets


@LSP
async def test_a_condition_in_text_completes_variables(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    found = labels(await completion(client, uri, place(CHAPTER_YAML, "all{")))
    assert {"n", "flag", "visited"} <= set(found)


@LSP
async def test_a_link_completes_codex_terms(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    found = labels(await completion(client, uri, place(CHAPTER_YAML, "[[")))
    assert "Smolny" in found
    assert "Smolny Institute" in found  # aliases too


@LSP
async def test_sources_complete_paragraph_ids(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    found = labels(await completion(client, uri, place(CHAPTER_YAML, "sources: [")))
    assert {"eve-1", "eve-2", "congress-8"} <= set(found)


# ---------------------------------------------------------------- hover and definition


async def hover_text(client: LanguageClient, uri: str, position: types.Position) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), position)
    )
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    return result.contents.value


@LSP
async def test_hover_explains_paragraphs_variables_and_codex(client: RecordingClient, make_story):
    folder = make_story()
    story = load_story([folder], assets=assets_dir())
    uri = open_file(client, folder / "one.yaml")
    paragraph = await hover_text(client, uri, place(CHAPTER_YAML, "sources: [eve-1", 11))
    assert story.paragraphs["eve-1"].summary in paragraph
    variable = await hover_text(client, uri, place(CHAPTER_YAML, "if: n", 4))
    assert "range 0..5" in variable and "initially 1" in variable
    codex = await hover_text(client, uri, place(CHAPTER_YAML, "[[Smolny", 4))
    assert story.codex["smolny"].text.split()[0] in codex and "Smolny" in codex


@LSP
async def test_definition_jumps_from_goto_to_the_scene(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    result = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), place(CHAPTER_YAML, "goto: b"))
    )
    assert isinstance(result, types.Location)
    assert result.uri == uri
    assert result.range.start == place(CHAPTER_YAML, "  - id: b", 8)


@LSP
async def test_answers_keep_working_while_the_story_is_broken(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    number, _ = await published(client, uri)
    broken = CHAPTER_YAML.replace("title: One\n", "title: [One\n", 1)  # not YAML any more
    change_file(client, uri, broken, 2)
    _, diagnostics = await published(client, uri, number + 1)
    assert diagnostics
    assert {"a", "b"} <= set(labels(await completion(client, uri, place(broken, "goto: "))))


# ---------------------------------------------------------------- seeded mistakes


def _seeded() -> list[tuple[str, str, int, str]]:
    expected = MISTAKES / "expected.yaml"
    if not expected.is_file():
        return []
    entries = yaml.safe_load(expected.read_text(encoding="utf-8")) or {}
    out = []
    for name, entry in entries.items():
        file, _, line = str(entry["first"]).rpartition(":")
        out.append((name, file, int(line), entry["code"]))
    return out


async def first_reported(client: RecordingClient, folder: Path) -> tuple[str, list, dict]:
    """Open every file of a story folder; return the first file with a problem (relative
    to the folder), its diagnostics, and every file's last diagnostics."""
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
    before = len(client.published)
    uris = [open_file(client, path) for path in files]
    for uri in uris:
        await published(client, uri, before)
    # Every check of the unchanged files finds the same, so the first publication
    # with diagnostics is the first problem's file, in the order `check` gives.
    mine = {path.as_uri() for path in files}
    first = next(p for p in client.published[before:] if p.diagnostics and p.uri in mine)
    path = Path(str(to_fs_path(first.uri)))
    relative = path.resolve().relative_to(folder.resolve()).as_posix()
    return relative, list(first.diagnostics), {u: client.diagnostics[u] for u in uris}


def assert_no_cascade(everything: dict, code: str) -> None:
    for uri, diagnostics in everything.items():
        for d in diagnostics:
            cascade = d.code in CASCADES or (
                d.code == "unknown-scene" and "start scene" in d.message
            )
            assert not cascade or d.code == code, f"cascade {d.code} in {uri}: {d.message}"


@LSP
@pytest.mark.parametrize(("name", "file", "line", "code"), _seeded(), ids=lambda v: str(v))
async def test_seeded_mistake_is_reported_first_at_its_place(
    client: RecordingClient, name, file, line, code
):
    relative, diagnostics, everything = await first_reported(client, MISTAKES / name)
    assert (relative, diagnostics[0].range.start.line + 1, diagnostics[0].code) == (
        file,
        line,
        code,
    )
    assert_no_cascade(everything, code)


@LSP
async def test_the_seeded_mistake_check_can_fail(client: RecordingClient, make_story):
    """The test above, on a mistake made here: a goto to a scene that does not exist
    is first, at its line, and the scene it no longer reaches is not reported."""
    broken = CHAPTER_YAML.replace("goto: b\n", "goto: bee\n", 1)
    folder = make_story({"one.yaml": broken})
    relative, diagnostics, everything = await first_reported(client, folder)
    goto_line = place(broken, "goto: bee").line + 1
    assert (relative, diagnostics[0].range.start.line + 1, diagnostics[0].code) == (
        "one.yaml",
        goto_line,
        "unknown-target",
    )
    with pytest.raises(AssertionError):  # and the cascade check does catch one
        assert_no_cascade({"x": [types.Diagnostic(diagnostics[0].range, "m", code="dead-end")]}, "")


# ---------------------------------------------------------------- odd requests


@LSP
async def test_odd_requests_get_empty_answers(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    number, _ = await published(client, uri)
    beyond = await completion(client, uri, types.Position(9999, 5))
    assert beyond is None
    untitled = "untitled:Untitled-1"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(untitled, "yaml", 1, "goto: \0"))
    )
    assert await completion(client, untitled, types.Position(0, 6)) is None
    odd = CHAPTER_YAML.replace("place: Here", "place: Here \x1b[31m\0")
    change_file(client, uri, odd, 2)
    _, diagnostics = await published(client, uri, number + 1)
    assert diagnostics  # the control characters are refused, and not sent back raw
    assert all("\x1b" not in d.message and "\0" not in d.message for d in diagnostics)


# ---------------------------------------------------------------- the pure part


@pytest.fixture
def story(make_story):
    return load_story([make_story()], assets=assets_dir())


def lines_and_place(text: str, needle: str, offset: int | None = None):
    position = place(text, needle, offset)
    return text.split("\n"), position.line, position.character


def test_chose_completes_scenes_then_their_choices(story):
    text = "    if: chose(a.\n"
    found = index.complete(story, *lines_and_place(text, "chose(a."))
    assert [item.label for item in found.items] == ["up", "locked", "hidden"]
    found = index.complete(story, *lines_and_place(text, "chose(", 0))
    assert "visited" in [item.label for item in found.items]  # before the bracket: anything
    found = index.complete(story, *lines_and_place("if: visits(", "visits("))
    assert {item.label for item in found.items} == {"a", "b"}


def test_list_items_and_blocks_find_their_key(story):
    text = (
        "    sources:\n      - eve-1\n    text: |\n      One [[Smo\n    effects:\n      - n += 1\n"
    )
    assert index.where(text.split("\n"), 1, 9).key == "sources"
    assert index.where(text.split("\n"), 3, 15).key == "text"
    assert index.where(text.split("\n"), 5, 9).key == "effects"
    found = index.complete(story, *lines_and_place(text, "[[Smo"))
    assert found.start == text.split("\n")[3].index("Smo")
    assert "Smolny" in [item.label for item in found.items]


def test_a_block_line_that_looks_like_a_key_is_still_text(story):
    text = "    text: |\n      Note: a {visited(\n"
    found = index.complete(story, *lines_and_place(text, "visited("))
    assert {item.label for item in found.items} == {"a", "b"}


def test_extends_completes_scenes(story):
    text = "extends:\n  - scene: \n"
    found = index.complete(story, *lines_and_place(text, "scene: "))
    assert {item.label for item in found.items} == {"a", "b"}


def test_prose_completes_nothing(story):
    text = "    text: |\n      The gate {n > 1? is open | is shut} and\n"
    assert index.complete(story, *lines_and_place(text, "and")).items == ()
    assert index.complete(story, *lines_and_place(text, "is open")).items == ()
    assert index.hover(story, *lines_and_place(text, "The gate", 1)) is None


def test_codex_terms_are_offered_only_where_links_show(story):
    """[[...]] links the codex in a scene's text and an ending's epilogue; in a label or a
    note the brackets are shown as typed (and `check` warns), so nothing is offered."""
    for text in ("    text: Go to [[", "    text: |\n      Go to [[", "    epilogue: Now [["):
        assert index.complete(story, *lines_and_place(text, "[[")).items, text
    for text in ("        label: Go to [[", "        note: See [["):
        assert index.complete(story, *lines_and_place(text, "[[")).items == (), text


def test_hover_and_definition_in_conditions(story):
    text = "    if: visited(a) and chose(a.up) and flag\n"
    hover = index.hover(story, *lines_and_place(text, "flag", 1))
    assert hover is not None and "bool" in hover.markdown
    scene = index.hover(story, *lines_and_place(text, "visited(a", 8))
    assert scene is not None and "**A**" in scene.markdown
    choice = index.hover(story, *lines_and_place(text, "chose(a.up", 9))
    assert choice is not None and "**Up**" in choice.markdown
    mark = index.definition(story, *lines_and_place(text, "chose(a.up", 9))
    assert mark is not None and mark.path.endswith("one.yaml")
    variable = index.definition(story, *lines_and_place(text, "flag", 1))
    assert variable is not None and variable.path.endswith("story.yaml")


def test_the_lsp_command_loads_no_pygls_until_it_runs():
    code = (
        "import sys\nfrom game.cli import _parser\n"
        "import game.commands.lsp, game.commands.check\n_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_a_link_goes_to_its_codex_entry(story):
    text = "    text: |\n      Up the stairs of [[Smolny Institute]] and [[the Committee|mrc]].\n"
    mark = index.definition(story, *lines_and_place(text, "[[Smolny", 4))
    assert mark is not None and mark.path.endswith("codex.yaml")
    assert mark == story.codex["smolny"].mark
    hover = index.hover(story, *lines_and_place(text, "the Committee", 3))
    assert hover is not None and f"`{story.codex['mrc'].id}`" in hover.markdown
    found = index.complete(story, *lines_and_place(text, "the Committee|"))
    assert "mrc" in [item.label for item in found.items]


# ---------------------------------------------------------------- which story a file is in


def save_file(client: LanguageClient, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(path.as_uri()))
    )


def files_changed(client: LanguageClient, *changes: tuple[Path, types.FileChangeType]) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=path.as_uri(), type=kind) for path, kind in changes]
        )
    )


#: A pack file for the shipped story: a scene that lacks most of its keys.
PACK_TEXT = "chapter: messenger-garrison\nscenes:\n  - id: side-new\n    title: New\n"


@LSP
async def test_an_empty_new_file_is_a_pack_file_once_it_has_its_keys(
    client: RecordingClient, tmp_path
):
    """Opened empty, a file is no story file; typed into a pack file, it is checked."""
    folder = tmp_path / "packA"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "side-scenes" / "print-shop.yaml", folder)
    side = folder / "side.yaml"
    before = len(client.published)
    uri = open_file(client, side, "")
    change_file(client, uri, PACK_TEXT, 2)
    _, diagnostics = await published(client, uri, before)
    assert diagnostics and {d.code for d in diagnostics} == {"missing-key"}
    assert diagnostics[0].range.start.line == 2
    number = len(client.published)
    save_file(client, side, PACK_TEXT)
    _, diagnostics = await published(client, uri, number)
    assert {d.code for d in diagnostics} == {"missing-key"}
    # and the keys gone again, it is no story file: its marks go
    change_file(client, uri, "notes: nothing\n", 3)
    await published_where(client, uri, number, lambda p: not p.diagnostics)


@LSP
async def test_a_story_yaml_made_after_its_chapter_takes_the_chapter_in(
    client: RecordingClient, make_story
):
    """A chapter opened in a folder with no story.yaml is a pack file of the shipped
    story; once story.yaml is made, opened and saved, it is a chapter of that story."""
    folder = make_story(base=False)
    write_story = (folder / "one.yaml").write_text
    write_story(CHAPTER_YAML)
    chapter_uri = open_file(client, folder / "one.yaml")
    _, diagnostics = await published(client, chapter_uri)
    assert diagnostics  # as a pack: its chapter and variables are unknown to the shipped story
    number = len(client.published)
    story_yaml = folder / "story.yaml"
    story_uri = open_file(client, story_yaml, STORY_YAML)
    save_file(client, story_yaml, STORY_YAML)
    await published_where(client, chapter_uri, number, lambda p: not p.diagnostics)
    await published(client, story_uri, number)
    for publication in client.published[number:]:
        if publication.uri in (story_uri, chapter_uri):
            codes = {d.code for d in publication.diagnostics}
            assert "duplicate-story" not in codes, [d.message for d in publication.diagnostics]


@LSP
async def test_the_server_watches_story_files_on_disk(client: RecordingClient, make_story):
    def watching() -> list[types.Registration]:
        method = types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        return [r for r in client.registrations if r.method == method]

    # the server asks the editor to tell it of story files changed on disk
    async with asyncio.timeout(DEADLINE), client.arrived:
        await client.arrived.wait_for(lambda: bool(watching()))
    options = watching()[0].register_options
    globs = {
        w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in options["watchers"]
    }
    assert {"**/story.yaml", "**/*.yaml"} <= globs

    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    number, _ = await published(client, uri)
    # a file made by another program: a second scene `b`
    two = folder / "two.yaml"
    two.write_text(CHAPTER_YAML.replace("  - id: a\n", "  - id: a2\n", 1), encoding="utf-8")
    files_changed(client, (two, types.FileChangeType.Created))
    _, diagnostics = await published_where(
        client, two.as_uri(), number, lambda p: bool(p.diagnostics)
    )
    assert any("b" in d.message for d in diagnostics), [d.message for d in diagnostics]
    # story.yaml deleted on disk: the chapter is a pack file now (its variables unknown)
    number = len(client.published)
    two.unlink()
    (folder / "story.yaml").unlink()
    files_changed(
        client,
        (two, types.FileChangeType.Deleted),
        (folder / "story.yaml", types.FileChangeType.Deleted),
    )
    _, diagnostics = await published_where(client, uri, number, lambda p: bool(p.diagnostics))
    # and back: a chapter of its story again, with nothing wrong
    number = len(client.published)
    (folder / "story.yaml").write_text(STORY_YAML, encoding="utf-8")
    files_changed(client, (folder / "story.yaml", types.FileChangeType.Created))
    await published_where(client, uri, number, lambda p: not p.diagnostics)


@LSP
async def test_an_editor_that_cannot_watch_is_not_asked_to(nvim: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(nvim, folder / "one.yaml")
    _, diagnostics = await published(nvim, uri)
    assert diagnostics == []
    assert nvim.registrations == []  # it would have come before the diagnostics


@LSP
async def test_the_last_document_closed_drops_its_story_and_marks(
    client: RecordingClient, make_story
):
    broken = CHAPTER_YAML.replace("goto: b\n", "goto: bee\n", 1)
    folder = make_story({"one.yaml": broken})
    uri = open_file(client, folder / "one.yaml")
    _, diagnostics = await published(client, uri)
    assert diagnostics
    number = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    _, diagnostics = await published(client, uri, number)
    assert diagnostics == []  # not checked again from the disk: nothing of it is open


@LSP
async def test_diagnostics_carry_the_version_checked(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    number, _ = await published(client, uri)
    assert client.published[number].version == 1
    change_file(client, uri, CHAPTER_YAML.replace("goto: b\n", "goto: bee\n", 1), 7)
    number, diagnostics = await published(client, uri, number + 1)
    assert diagnostics and client.published[number].version == 7


# ---------------------------------------------------------------- the text the server holds


@LSP
async def test_documents_are_synchronised_whole(client: RecordingClient):
    assert client.init_result is not None
    sync = client.init_result.capabilities.text_document_sync
    kind = sync.change if isinstance(sync, types.TextDocumentSyncOptions) else sync
    assert kind == types.TextDocumentSyncKind.Full


@LSP
async def test_a_ranged_edit_counts_lines_as_the_protocol_does(client: RecordingClient, make_story):
    """U+2028 in a comment ends no line for the protocol; a ranged edit after it lands
    on the line the editor meant."""
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    odd = "# a note\u2028on two lines\n" + CHAPTER_YAML
    change_file(client, uri, odd, 2)
    at = place(odd, "if: n >= 3", 4)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(at, types.Position(at.line, at.character + len("n >= 3"))),
                    text="flag",
                )
            ],
        )
    )
    text = await hover_text(client, uri, types.Position(at.line, at.character + 1))
    assert "**flag**" in text and "bool" in text


@LSP
async def test_odd_messages_get_one_line_and_no_error_popup(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    never = (folder / "never-opened.yaml").as_uri()
    change_file(client, never, "chapter: one\n", 2)
    # answered after the change was handled (the server reads messages in order)
    await hover_text(client, uri, place(CHAPTER_YAML, "if: n", 4))
    assert not [m.message for m in client.messages if "Error" in m.message]
    assert all(p.uri != never for p in client.published)


class RawServer:
    """`petrograd lsp` driven by hand: messages the pygls client would never send."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.others: list[dict] = []

    @classmethod
    async def start(cls) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "game",
            "lsp",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        return cls(process)

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def receive(self) -> dict:
        assert self.process.stdout is not None
        length = 0
        while True:
            header = await self.process.stdout.readline()
            assert header, "the server closed its output"
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
            elif header in (b"\r\n", b"\n") and length:
                return json.loads(await self.process.stdout.readexactly(length))

    async def request(self, method: str, params: object) -> dict:
        """Send a request; return its response (notifications and requests from the
        server on the way are kept in `others`)."""
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        while True:
            message = await self.receive()
            if message.get("id") == ident and "method" not in message:
                return message
            self.others.append(message)

    async def initialize(self) -> None:
        await self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.send({"method": "initialized", "params": {}})

    async def finish(self) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        stderr = await self.process.stderr.read()
        return await self.process.wait(), stderr.decode("utf-8", "replace")


@LSP
async def test_a_malformed_request_is_answered_and_logged_in_one_line():
    async with asyncio.timeout(DEADLINE):
        server = await RawServer.start()
        await server.initialize()
        answer = await server.request(
            "textDocument/completion", {"textDocument": {"uri": "file:///x.yaml"}}
        )  # no position
        assert answer["error"]["code"] == types.ErrorCodes.InvalidParams
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": 5}})
        body = b"{not json"
        assert server.process.stdin is not None
        server.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert (await server.request("shutdown", None)).get("error") is None
        after = await server.request(
            "textDocument/hover",
            {"textDocument": {"uri": "file:///x.yaml"}, "position": {"line": 0, "character": 0}},
        )
        assert after["error"]["code"] == types.ErrorCodes.InvalidRequest
        server.send({"method": "exit"})
        status, stderr = await server.finish()
    assert status == 0
    assert not [m for m in server.others if m.get("method") == "window/showMessage"]
    lines = stderr.splitlines()
    assert len(lines) == 3, stderr  # the request, the notification, the text not JSON
    assert all(line.startswith("petrograd lsp: ") and len(line) < 400 for line in lines)
    assert "Traceback" not in stderr and "\\x0a" not in stderr
    assert "textDocument/completion" in lines[0]


@LSP
async def test_exit_without_shutdown_is_status_1():
    async with asyncio.timeout(DEADLINE):
        server = await RawServer.start()
        await server.initialize()
        server.send({"method": "exit"})
        status, _ = await server.finish()
    assert status == 1


# ---------------------------------------------------------------- completion, closer


@LSP
async def test_an_effect_begins_with_a_variable(client: RecordingClient, make_story):
    text = CHAPTER_YAML.replace(
        "effects: [n += 10, flag = true]",
        "effects:\n          - n += 10\n          - flag = true",
    )
    folder = make_story({"one.yaml": text})
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    start = labels(await completion(client, uri, place(text, "- flag", 2)))
    assert set(start) == {"n", "flag"}  # no visited, min, not, true...
    value = labels(await completion(client, uri, place(text, "flag = ")))
    assert {"n", "flag", "visited", "not", "true", "false"} <= set(value)
    change_file(client, uri, CHAPTER_YAML, 2)  # a flow list: its second effect
    flow = labels(await completion(client, uri, place(CHAPTER_YAML, "effects: [n += 10, ")))
    assert set(flow) == {"n", "flag"}


@LSP
async def test_a_condition_offers_and_or_only_after_an_operand(client: RecordingClient, make_story):
    folder = make_story()
    uri = open_file(client, folder / "one.yaml")
    start = labels(await completion(client, uri, place(CHAPTER_YAML, "if: ")))
    assert {"n", "visited", "not"} <= set(start)
    assert not {"and", "or"} & set(start)
    after = labels(await completion(client, uri, place(CHAPTER_YAML, "if: flag\n", 8)))
    assert after == [
        "n",
        "flag",
        "visited",
        "visits",
        "chose",
        "min",
        "max",
        "not",
        "true",
        "false",
    ]
    # `if: flag` with the place at its end: still the name being typed
    text = CHAPTER_YAML.replace("if: flag\n", "if: flag \n")
    change_file(client, uri, text, 2)
    joined = labels(await completion(client, uri, place(text, "if: flag ")))
    assert joined == ["and", "or"]


@LSP
async def test_no_completion_in_comments_or_after_a_closed_list(
    client: RecordingClient, make_story
):
    text = CHAPTER_YAML.replace("goto: b\n", "goto: b  # a comment \n", 1)
    folder = make_story({"one.yaml": text})
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    assert await completion(client, uri, place(text, "# a comment ")) is None
    assert await completion(client, uri, place(text, "# a co")) is None
    assert await completion(client, uri, place(text, "sources: [eve-1]")) is None
    assert await completion(client, uri, place(text, "effects: [n += 10, flag = true]")) is None
    assert "b" in labels(await completion(client, uri, place(text, "goto: ")))


@LSP
async def test_a_block_list_of_sources_does_not_offer_its_ids_again(
    client: RecordingClient, make_story
):
    text = CHAPTER_YAML.replace(
        "    sources: [eve-1]\n    text: |",
        "    sources:\n      - eve-1\n      - eve-2\n    text: |",
    )
    folder = make_story({"one.yaml": text})
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    found = labels(await completion(client, uri, place(text, "      - eve-2", 10)))
    assert "eve-2" in found  # the id being typed
    assert "eve-1" not in found and "congress-8" in found


@LSP
async def test_completion_in_a_word_replaces_the_word(nvim: RecordingClient, make_story):
    """An editor without InsertReplaceEdit gets a TextEdit over the whole word."""
    folder = make_story()
    uri = open_file(nvim, folder / "one.yaml")
    result = await completion(nvim, uri, place(CHAPTER_YAML, "if: fl"))  # in `flag`
    assert isinstance(result, types.CompletionList)
    edit = result.items[0].text_edit
    assert isinstance(edit, types.TextEdit)
    assert edit.range.start == place(CHAPTER_YAML, "if: f", 4)
    assert edit.range.end == place(CHAPTER_YAML, "if: flag")


# ---------------------------------------------------------------- what a mark covers


@LSP
async def test_a_mark_covers_the_link_or_the_id_it_is_about(client: RecordingClient, make_story):
    text = CHAPTER_YAML.replace(
        "Text of [[Smolny]].", "Text of [[Smolny]] and [[the Committee|mrcc]] there."
    ).replace("sources: [eve-2]\n    text: The end.", "sources: [évé-9]\n    text: The end.")
    folder = make_story({"one.yaml": text})
    uri = open_file(client, folder / "one.yaml")
    _, diagnostics = await published(client, uri)
    lines = text.split("\n")

    def covered(code: str) -> str:
        mark = next(d for d in diagnostics if d.code == code)
        assert mark.range.start.line == mark.range.end.line
        return lines[mark.range.start.line][mark.range.start.character : mark.range.end.character]

    assert covered("unknown-codex-term") == "[[the Committee|mrcc]]"
    assert covered("unknown-citation") == "évé-9"


def test_a_mark_ends_where_its_token_does():
    from game.lsp.server import token

    assert token("goto: bee  # x", 6) == 9
    assert token("key: [a, évé-9]", 9) == 14
    assert token("    choises:", 4) == 11
    assert token('  label: "Say it', 9) == 13  # not a name: up to the space
    assert token("[x] [[a|b]] y", 6) == 11  # inside a link: the whole link
    assert token("abc", 3) == 3 and token("a ,b", 2) == 3


def test_a_ranged_edit_is_applied_on_the_protocols_lines():
    from pygls.workspace import PositionCodec

    from game.lsp.server import apply_edit

    codec = PositionCodec()
    text = "a\u2028b\x0cc\r\nsecond\rthird\n"
    edit = types.Range(types.Position(1, 0), types.Position(2, 5))
    assert apply_edit(text, codec, edit, "X") == "a\u2028b\x0cc\r\nX\n"
    end = types.Range(types.Position(9, 0), types.Position(9, 0))
    assert apply_edit(text, codec, end, "more") == text + "more"


# ---------------------------------------------------------------- hover as it is


@LSP
async def test_hover_shows_titles_and_codex_text_as_written(client: RecordingClient, make_story):
    text = CHAPTER_YAML.replace("    title: B\n", "    title: The *Aurora* <fires> [now] `x`_y_\n")
    folder = make_story({"one.yaml": text})
    uri = open_file(client, folder / "one.yaml")
    await published(client, uri)
    shown_title = await hover_text(client, uri, place(text, "goto: b", 6))
    assert r"**The \*Aurora\* \<fires\> \[now\] \`x\`\_y\_**" in shown_title


def test_markdown_text_escapes_what_markdown_reads():
    assert index.markdown_text("a*b_c`d[e]<f>") == r"a\*b\_c\`d\[e\]\<f\>"
    assert index.markdown_text("plain words, 1917.") == "plain words, 1917."
    assert index.markdown_code("eve-1") == "`eve-1`"
