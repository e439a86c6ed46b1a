"""Safe text for transcripts and class reports: escaping for HTML, Markdown and CSV, dates,
and the self-contained HTML page both are printed from.

Everything a student wrote, and everything read from a record, goes through one of
these functions before it is written out: a name such as `<script>alert(1)</script>`
must show as text wherever it appears.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import re

from game.engine.wording import MONTHS

#: Control characters that have no place in a document (tab and newline are kept).
#: Control characters (but tab and line ends), the bidirectional controls (which would
#: reorder a student's name on the page) and what is not text.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: Characters that change Markdown's formatting wherever they stand.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
#: `&` only matters when it starts an entity (`&lt;`, `&#60;`).
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
#: What changes formatting at the start of a line: list markers, setext underlines.
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")
#: A cell a spreadsheet would read as a formula (OWASP's list: = + - @, tab, carriage return).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(value: object) -> str:
    """`value` as text, with control characters removed and line ends made `\\n`."""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(value: object) -> str:
    """`value` as a single line: runs of whitespace (newlines too) become one space."""
    return " ".join(printable(value).split())


# ---------------------------------------------------------------- HTML


def esc(value: object) -> str:
    """Text for HTML: every `<`, `>`, `&` and quote escaped, so it can only ever be text."""
    return html.escape(printable(value), quote=True)


def esc_paragraphs(value: object) -> str:
    """Text of one or more paragraphs as escaped `<p>` elements (line breaks kept)."""
    return "\n".join(
        "<p>" + "<br>".join(esc(line) for line in block.split("\n")) + "</p>"
        for block in re.split(r"\n\s*\n", printable(value).strip())
        if block.strip()
    )


# ---------------------------------------------------------------- Markdown


def _md_line(line: str, *, start: bool = True) -> str:
    line = _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", line.strip()))
    if not start:
        return line
    return _MD_LINE_START.sub(
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", line
    )


def md(value: object, *, start: bool = False) -> str:
    """Text for Markdown on one line: nothing in it can make a heading, link, tag or table cell.

    `start=True` when the text begins a line, where `- `, `+ `, `1. ` would start a list.
    """
    return _md_line(one_line(value), start=start)


def md_quote(value: object) -> str:
    """Text of one or more paragraphs as a Markdown block quote, every line escaped."""
    blocks = [b for b in re.split(r"\n\s*\n", printable(value).strip()) if b.strip()]
    if not blocks:
        return "> (no answer)"
    out = []
    for block in blocks:
        lines = [_md_line(line) for line in block.split("\n") if line.strip()]
        out.append("\n".join(f"> {line}" for line in lines))
    return "\n>\n".join(out)


def code_safe(value: object) -> str:
    """Text for inside a fenced code block: one line, no backticks to close the fence."""
    return one_line(value).replace("`", "'")


# ---------------------------------------------------------------- CSV


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ gets an apostrophe."""
    text = "" if value is None else printable(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------- dates and figures


def when(value: object) -> str:
    """An ISO 8601 time from a record, for people: '1 December 2026, 09:05 UTC' (else as given)."""
    if not isinstance(value, str) or not value:
        return "unknown"
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # not a time, or one beyond the calendar in UTC
        return one_line(value)[:60]
    shown = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
    return shown + (" UTC" if moment.tzinfo is not None else "")


def percent(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, halves rounded up (0 when `whole` is 0)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


# ---------------------------------------------------------------- the page

PAGE_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 Georgia, "Times New Roman", serif; color: #111; background: #fff;
  max-width: 48em; margin: 2em auto; padding: 0 1em; }
h1, h2, h3 { font-family: "Helvetica Neue", Arial, sans-serif; line-height: 1.2; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #333; padding-bottom: .15em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .3em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.status { display: inline-block; padding: 0 .4em; border: 2px solid; font-weight: bold;
  font-family: Arial, sans-serif; letter-spacing: .03em; }
.verified { color: #145a14; }
.flagged { color: #8a1c00; }
.unreadable { color: #555; }
.note { border-left: 4px solid #777; padding: .3em .8em; background: #f3f3f3; }
ol.path { padding-left: 0; list-style: none; }
ol.path > li { border-top: 1px solid #bbb; padding: .6em 0; break-inside: avoid; }
.when { color: #444; font-size: .9em; }
.history { font-family: Arial, sans-serif; font-size: .85em; font-weight: bold;
  border: 1px solid; padding: 0 .3em; }
.faithful { color: #145a14; }
.divergent { color: #8a1c00; }
.why, blockquote { border-left: 3px solid #999; margin: .4em 0; padding: .1em .8em; }
.sources { font-size: .9em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
caption { text-align: left; font-weight: bold; padding: .3em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.number { text-align: right; white-space: nowrap; }
td.chart { width: 45%; }
.bar { display: inline-block; height: 0; border-top: .9em solid #444; vertical-align: middle;
  margin-right: .4em; }
.bar.faithful { border-top-color: #2f6f2f; }
.bar.divergent { border-top-color: #a03a1a; }
.debrief { border: 2px solid #333; padding: .2em 1em; }
footer { margin-top: 3em; font-size: .85em; color: #444; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  table, .debrief, ol.path > li { break-inside: avoid; }
  thead th, .note { background: none; }
}
"""

#: No fetches: the page can only show its own text and its own styles (and run the one
#: script it was made with, named by its hash, when it has one).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def script_hash(script: str) -> str:
    """The CSP source that lets exactly this inline script run, and no other."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def html_page(title: str, body: str, *, css: str = "", script: str = "") -> str:
    """One self-contained HTML document: inline styles, nothing fetched, and no script
    but `script` (our own, allowed by its hash; the page reads the same without it).

    `title` is escaped here; `body` must already be built from escaped parts; `css` and
    `script` are the program's own text, never a record's.
    """
    policy = _CSP + (f"; script-src {script_hash(script)}" if script else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{PAGE_CSS}{css}</style>\n</head>\n<body>\n"
        f"{body}\n" + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n"
    )
