"""The web pages in a real browser (Debian's chromium, driven by Playwright's sync API).

A real `petrograd serve` runs as a subprocess on a free port for each kind of class
(free play, the example assignment, a small story with a closed choice), and one
browser is shared by the whole module. The tests play to an ending with the keyboard
alone and scripts off on a 320 px screen, play with scripts on (the number keys), zoom
to 200 %, compare light and dark, and run axe-core's WCAG 2.1 A/AA rules on every kind
of page, light and dark.

Where chromium, Playwright or axe-core (`npm ci --prefix tests/web/axe`) is missing the
tests skip, saying which; with PETROGRAD_REQUIRE_BROWSER=1 (CI: .ci/run) they fail.
No test waits a fixed time: each waits for what it expects, with a generous deadline.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHAPTER_YAML, ROOT, STORY_YAML, write

# The whole module on one xdist worker: one browser and one server of each kind for all.
pytestmark = pytest.mark.xdist_group("test_browser")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tests" / "web" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ASSIGNMENT = ROOT / "examples" / "assignment.yaml"
REQUIRED = os.environ.get("PETROGRAD_REQUIRE_BROWSER") == "1"
#: As in tests/test_serve.py: headless Chromium on a machine with no network.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEADLINE = 30  # seconds, for a loaded machine; a passing test takes far less
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The most pages one game may take before the test says it went round in circles.
MOST_STEPS = 120
#: The most Tab presses to reach a control on one page.
MOST_TABS = 200


def _absent(*, axe: bool = False) -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if CHROMIUM is None:
        return "Debian's chromium is not installed (.ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if axe and not AXE.is_file():
        return "axe-core is not installed: npm ci --prefix tests/web/axe"
    return None


def need(*, axe: bool = False) -> None:
    reason = _absent(axe=axe)
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(f"PETROGRAD_REQUIRE_BROWSER=1, but {reason}")
    pytest.skip(reason)


# ---------------------------------------------------------------- the servers and browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    out: Path
    teacher_code: str = ""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Start `petrograd serve` (HTML) with the given arguments, once per kind; all are
    stopped when the module ends."""
    started: dict[tuple[str, ...], Server] = {}

    def serve(*args: str) -> Server:
        if args in started:
            return started[args]
        need()
        folder = tmp_path_factory.mktemp("serve")
        port = free_port()
        out = folder / "out.txt"
        with out.open("wb") as sink:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "game",
                    "serve",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(folder / "data"),
                    *args,
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
        server = Server(f"http://127.0.0.1:{port}", process, out)
        started[args] = server
        deadline = time.monotonic() + DEADLINE
        while not _answers(server.url + "/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + out.read_text(errors="replace"))
            time.sleep(0.05)
        found = re.search(r"code: (\S+)", out.read_text(errors="replace"))
        server.teacher_code = found.group(1) if found else ""
        return server

    yield serve
    for server in started.values():
        server.process.terminate()
    for server in started.values():
        try:
            server.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="module")
def free(servers: Callable[..., Server]) -> Server:
    return servers()


@pytest.fixture(scope="module")
def classroom(servers: Callable[..., Server]) -> Server:
    return servers("--assignment", str(ASSIGNMENT))


@pytest.fixture(scope="module")
def small(servers: Callable[..., Server], tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The tests' two-scene story: its first scene has a closed choice ("Locked")."""
    folder = write(
        tmp_path_factory.mktemp("story") / "story",
        {"story.yaml": STORY_YAML, "one.yaml": CHAPTER_YAML},
    )
    return servers("--story", str(folder))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """A page in a fresh context (its own cookies) with the given options; closed after."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1000, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(DEADLINE * 1000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# ---------------------------------------------------------------- the keyboard

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, name: el.getAttribute('name') || '',
          type: el.getAttribute('type') || '', text: (el.innerText || el.value || '').trim(),
          cls: el.className || '', outline: style.outlineStyle, width: style.outlineWidth,
          choice: !!el.closest('form.choose') && el.name === 'choice'};
}"""


@dataclass
class Walk:
    """What a keyboard walk saw: the pages, and any focus drawn without an outline."""

    pages: list[str] = field(default_factory=list)
    unseen_focus: list[str] = field(default_factory=list)
    wide: list[str] = field(default_factory=list)


def check_width(page: Any, walk: Walk, width: int = 320) -> None:
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll > width:
        walk.wide.append(f"{page.url}: {scroll} px wide at {width} px")


def tab_to(
    page: Any,
    walk: Walk,
    wanted: Callable[[dict[str, Any]], bool],
    what: str,
    most: int = MOST_TABS,
) -> dict[str, Any]:
    """Press Tab until the focused element is `wanted`; every element focused on the way
    must show its focus (an outline)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["outline"] == "none" or focused["width"] in ("0px", ""):
            walk.unseen_focus.append(f"{page.url}: <{focused['tag']}> {focused['text'][:40]!r}")
        if wanted(focused):
            return focused
    pytest.fail(f"{page.url}: Tab never reached {what}")


def until(page: Any, condition: str, arg: Any = None) -> None:
    """Wait until the JS function `condition` is true on the page. (Playwright's own
    wait_for_function evaluates strings, which the pages' CSP rightly refuses.)"""
    deadline = time.monotonic() + DEADLINE
    while not page.evaluate(condition, arg):
        if time.monotonic() > deadline:
            pytest.fail(f"{page.url}: gave up waiting for {condition}")
        time.sleep(0.02)


def skip_to_main(page: Any, walk: Walk) -> None:
    """The first Tab stop is the skip link; Enter on it puts the focus at the story."""
    tab_to(page, walk, lambda f: "skip" in f["cls"], "the skip link first", most=1)
    page.keyboard.press("Enter")
    until(page, "() => document.activeElement && document.activeElement.id === 'main'")


def press(page: Any, key: str = "Enter") -> None:
    """Press a key that sends a form (scripts off: a page load) and wait for the new page."""
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press(key)


def is_choice(focused: dict[str, Any]) -> bool:
    return bool(focused["choice"])


def play_by_keyboard(page: Any, walk: Walk, *, why: str = "", answer: str = "") -> None:
    """From a scene, take the first open choice by Tab and Enter (or Space) until an
    ending, typing into the why box and the reflection questions where they are."""
    for step in range(MOST_STEPS):
        walk.pages.append(page.url)
        check_width(page, walk)
        if page.locator("#scene-title").count() == 0:
            pytest.fail(f"{page.url} is not a scene: {page.locator('main').inner_text()[:300]}")
        skip_to_main(page, walk)
        questions = page.locator(".questions textarea")
        if questions.count():
            for number in range(1, questions.count() + 1):
                tab_to(page, walk, lambda f, n=number: f["id"] == f"answer-{n}", f"answer {number}")
                page.keyboard.type(answer)
            tab_to(
                page,
                walk,
                lambda f: f["tag"] == "BUTTON" and "Keep my answers" in f["text"],
                "the answers' button",
            )
            press(page)
            continue
        if page.locator(".ending").count():
            return
        if page.locator("textarea#why").count():
            tab_to(page, walk, lambda f: f["id"] == "why", "the why box")
            page.keyboard.type(why)
        tab_to(page, walk, is_choice, "a choice")
        press(page, "Space" if step % 2 else "Enter")
    pytest.fail(f"no ending after {MOST_STEPS} pages: {walk.pages[-5:]}")


def assert_walk(walk: Walk) -> None:
    assert not walk.wide, "a page scrolls sideways:\n" + "\n".join(walk.wide)
    assert not walk.unseen_focus, "focus with no outline:\n" + "\n".join(walk.unseen_focus[:20])


# ---------------------------------------------------------------- 1, 2: keyboard, scripts off


def test_free_play_by_keyboard_with_scripts_off_at_320px(
    free: Server, new_page: Callable[..., Any]
) -> None:
    page = new_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page.goto(free.url + "/")
    walk = Walk()
    check_width(page, walk)
    walk.pages.append(page.url)
    focused = tab_to(
        page, walk, lambda f: f["name"] == "viewpoint" or "Begin" in f["text"], "a new game"
    )
    assert focused["tag"] == "BUTTON"
    press(page)
    assert page.url.endswith("/play")
    play_by_keyboard(page, walk)
    assert page.locator(".ending h2").count() == 1
    assert page.locator(".path-list li").count() >= 2, "the ending shows the path taken"
    for path in ("/history", "/codex", "/endings", "/saves", "/settings", "/help", "/nowhere"):
        page.goto(free.url + path)
        check_width(page, walk)
    assert_walk(walk)


def test_assignment_by_keyboard_with_scripts_off_at_320px(
    classroom: Server, new_page: Callable[..., Any]
) -> None:
    page = new_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page.goto(classroom.url + "/")
    walk = Walk()
    check_width(page, walk)
    tab_to(page, walk, lambda f: f["id"] == "name", "the name box")
    page.keyboard.type("Ada Keyboard")
    tab_to(page, walk, lambda f: f["tag"] == "BUTTON" and f["text"] == "Begin", "Begin")
    press(page)
    check_width(page, walk)
    code = page.locator(".big-code .code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", code), code
    tab_to(page, walk, lambda f: f["tag"] == "BUTTON" and "begin" in f["text"], "begin")
    press(page)
    play_by_keyboard(
        page,
        walk,
        why="The signal decides.",
        answer="The garrison would not fight.",
    )
    assert "handed in" in page.locator(".handin").inner_text()
    assert page.locator(".questions").count() == 0
    assert_walk(walk)


# ---------------------------------------------------------------- 3: scripts on


def test_number_keys_take_a_choice_without_a_page_load(
    free: Server, new_page: Callable[..., Any]
) -> None:
    page = new_page()
    page.goto(free.url + "/")
    page.locator("form[action='/new'] button").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/play")
    page.wait_for_selector("#scene-title")
    for _ in range(3):
        before = page.locator("#scene-title").inner_text()
        key = page.locator("form.choose button[data-key]").first.get_attribute("data-key")
        assert key
        page.evaluate("window.__marker = 'kept'")
        page.keyboard.press(key)
        until(
            page,
            "before => document.activeElement && document.activeElement.id === 'scene-title'"
            " && document.activeElement.innerText !== before",
            before,
        )
        assert page.evaluate("window.__marker") == "kept", "the page was loaded again"
        assert page.url == free.url + "/play"
        assert page.locator(".js-only").first.is_visible()
    if AXE.is_file():  # the scene as game.js left it, under the pages' own CSP
        serve_axe(page.context)
        problems = axe_page(page)
        assert not problems, "axe-core found, after choices by number keys:\n" + "\n".join(problems)
    shown = page.locator("#scene-title").inner_text()
    page.reload()
    assert page.locator("#scene-title").inner_text() == shown, "the choices were not kept"


def test_with_scripts_the_address_stays_one_that_reloads(
    classroom: Server, new_page: Callable[..., Any]
) -> None:
    """A form's answer that is not a redirect (the code page) is shown at the address the
    page had: the address of a POST would not load again."""
    page = new_page()
    page.goto(classroom.url + "/")
    page.locator("#name").focus()
    page.keyboard.type("Ada Script")
    page.keyboard.press("Enter")
    until(page, "() => document.activeElement && document.activeElement.tagName === 'H1'")
    shown = page.locator("main").inner_text()
    assert page.locator(".big-code .code").count() == 1, shown
    assert page.url == classroom.url + "/"
    answer = page.reload()
    assert answer is not None and answer.status == 200, answer and answer.status
    shown = page.locator("main").inner_text()
    assert "Ada Script" in shown, shown


# ---------------------------------------------------------------- 4: zoom


def test_200_percent_zoom_reflows_and_lines_stay_short(
    free: Server, new_page: Callable[..., Any]
) -> None:
    page = new_page(viewport={"width": 640, "height": 800})
    page.goto(free.url + "/")
    page.locator("form[action='/new'] button").first.click()
    page.wait_for_url("**/play")
    page.wait_for_selector("#scene-title")
    for path in ("/play", "/", "/codex", "/endings", "/saves", "/settings", "/help"):
        page.goto(free.url + path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 640, f"{path} scrolls sideways at 200% zoom: {width} px"
    page.set_viewport_size({"width": 1280, "height": 800})
    for path in ("/play", "/help"):
        page.goto(free.url + path)
        columns = page.evaluate(
            """() => {
              const zero = document.createElement('span');
              zero.textContent = '0';
              document.body.appendChild(zero);
              const each = zero.getBoundingClientRect().width;
              zero.remove();
              return document.querySelector('main').clientWidth / each;
            }"""
        )
        assert 40 <= columns <= 80, f"{path}: lines of {columns:.0f} characters at 1280 px"


# ---------------------------------------------------------------- 5, 6: colours and axe-core


#: Where the audited pages load axe-core from (routed to the file: a script loaded by URL
#: is compiled once and cached, where one injected as text is compiled on every page).
AXE_URL = "/__test__/axe.min.js"
#: The rules whose result depends on the colours (the dark scheme changes nothing else).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_page(page: Any, rules: list[str] | None = None) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (or those of the given
    rules), as readable lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG}
    result = page.evaluate(
        "only => axe.run(document, {runOnly: only, resultTypes: ['violations']})", only
    )
    assert result["passes"], f"{page.url}: axe-core checked nothing"
    out = []
    for violation in result["violations"]:
        for node in violation["nodes"][:5]:
            out.append(
                f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}\n"
                f"    {node['failureSummary'].replace(chr(10), ' ')[:300]}"
            )
    return out


class Audit:
    """Every page audited, light and dark; the violations gathered for one readable failure."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.found: list[str] = []
        self.seen: list[str] = []

    def __call__(self, what: str) -> None:
        self.seen.append(what)
        for scheme, rules in (("light", None), ("dark", COLOUR_RULES)):
            self.page.emulate_media(color_scheme=scheme)
            problems = axe_page(self.page, rules)
            if problems:
                self.found.append(f"{what} ({scheme}, {self.page.url}):\n" + "\n".join(problems))
        self.page.emulate_media(color_scheme="light")

    def check(self) -> None:
        assert not self.found, "axe-core found:\n" + "\n".join(self.found)


def submit(page: Any, selector: str) -> None:
    """Send a form by its button (game.js is left out of these pages, so it loads a page)."""
    with page.expect_navigation(wait_until="load"):
        page.locator(selector).first.click()


def serve_axe(context: Any) -> None:
    """The context's pages may load axe-core from AXE_URL (this site's own address, so the
    pages' CSP lets it run)."""
    context.route(
        "**" + AXE_URL,
        lambda route: route.fulfill(
            status=200,
            content_type="text/javascript",
            path=AXE,
            headers={"cache-control": "max-age=3600"},
        ),
    )


def audit_page(new_page: Callable[..., Any], **options: Any) -> Any:
    page = new_page(bypass_csp=True, **options)
    serve_axe(page.context)
    # Forms load whole pages here (game.js is not sent), so each is audited as loaded;
    # the script's own behaviour is test_number_keys_take_a_choice_without_a_page_load's.
    page.context.route(
        "**/static/game.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=""),
    )
    return page


def test_light_and_dark_differ_and_both_have_contrast(
    free: Server, new_page: Callable[..., Any]
) -> None:
    need(axe=True)
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = audit_page(new_page, color_scheme=scheme)
        page.goto(free.url + "/")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        submit(page, "form[action='/new'] button")
        submit(page, "form.choose button[name=choice]")  # a verdict note, a gauge's change
        for path in ("/play", "/"):
            page.goto(free.url + path)
            problems = axe_page(page, ["color-contrast"])
            assert not problems, f"{scheme} {path}:\n" + "\n".join(problems)
    assert backgrounds["light"] != backgrounds["dark"], backgrounds


def test_axe_finds_nothing_on_free_play_pages(
    free: Server, small: Server, new_page: Callable[..., Any]
) -> None:
    need(axe=True)
    page = audit_page(new_page)
    audit = Audit(page)
    page.goto(free.url + "/")
    audit("start page (free play)")
    page.goto(free.url + "/nowhere")
    audit("404 page")
    page.goto(free.url + "/")
    submit(page, "form[action='/new'] button")
    audit("a scene with choices")
    submit(page, "form.choose button[name=choice]")
    assert page.locator(".notes .note").count(), "no verdict note after a choice"
    audit("a verdict note")
    page.goto(free.url + "/history")
    audit("history")
    page.goto(free.url + "/codex")
    audit("codex index")
    met = page.locator(".codex-list a").first
    assert met.count(), "no codex entry is met after a choice"
    with page.expect_navigation():
        met.click()
    audit("a codex entry")
    page.goto(free.url + "/endings")
    audit("endings gallery")
    page.goto(free.url + "/saves")
    audit("saves")
    page.goto(free.url + "/settings")
    audit("settings")
    page.goto(free.url + "/help")
    audit("help")
    page.goto(free.url + "/")
    audit("start page with a game in progress")
    submit(page, "form[action='/new'] button")
    assert page.locator("input[name=confirm]").count(), "no confirm-new page"
    audit("confirm a new game")
    # A form whose token is wrong: the 403 page.
    with page.expect_navigation(wait_until="load"):
        page.evaluate(
            """() => { const f = document.createElement('form'); f.method = 'post';
               f.action = '/undo'; f.innerHTML = '<input name="csrf" value="wrong">';
               document.body.appendChild(f); f.submit(); }"""
        )
    assert "Reload" in page.locator("main").inner_text()
    audit("403 page")
    page.goto(small.url + "/")
    submit(page, "form[action='/new'] button")
    assert page.locator(".choice-list .closed").count(), "the small story shows no closed choice"
    audit("a closed choice")
    submit(page, "form.choose button[name=choice]")
    assert page.locator(".ending .kind").count(), "the small story did not end"
    assert page.locator(".path-list li").count(), "the ending shows no path"
    audit("an ending with its path")
    audit.check()


def test_axe_finds_nothing_on_assignment_pages(
    classroom: Server, new_page: Callable[..., Any]
) -> None:
    need(axe=True)
    page = audit_page(new_page)
    audit = Audit(page)
    page.goto(classroom.url + "/")
    audit("start page (assignment)")
    page.fill("#name", "Ada Audit")
    submit(page, "form[action='/start'] button")
    audit("the code page")
    submit(page, "form[action='/new'] button")
    seen_why = seen_questions = False
    for _ in range(MOST_STEPS):
        if page.locator(".questions textarea").count():
            if not seen_questions:
                audit("reflection questions")
                seen_questions = True
            for box in page.locator(".questions textarea").all():
                box.fill("The garrison would not defend the government, so it fell.")
            submit(page, ".questions button[type=submit]")
            continue
        if page.locator(".ending").count():
            break
        if page.locator("#why").count():
            if not seen_why:
                audit("the why box")
                seen_why = True
            page.fill("#why", "Because it matters.")
        submit(page, "form.choose button[name=choice]")
    assert seen_why and seen_questions
    assert "handed in" in page.locator(".handin").inner_text()
    audit("an ending, handed in")
    teacher = audit_page(new_page)
    teacher_audit = Audit(teacher)
    teacher.goto(classroom.url + "/teacher")
    teacher_audit("teacher login")
    teacher.fill("#teacher-code", "WRONG1")
    submit(teacher, "form[action='/teacher'] button")
    teacher_audit("teacher login, wrong code")
    teacher.fill("#teacher-code", classroom.teacher_code)
    submit(teacher, "form[action='/teacher'] button")
    assert "Ada Audit" in teacher.locator("table.live").inner_text()
    assert teacher.locator("a[href$='.html']").count()
    teacher_audit("the teacher's live page with a hand-in")
    audit.found += teacher_audit.found
    audit.check()
