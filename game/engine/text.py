"""Text that depends on the state: `{condition? shown when it holds | shown otherwise}`.

One form does everything. Inside a sentence it picks a word or a phrase:

    You reach the gate {chose(c1-smolny.run)? out of breath | at a walk}.

Around whole paragraphs it shows them or leaves them out (a paragraph that comes
out empty is dropped, and so is the space an empty alternative would leave):

    {visited(c4-fortress)?
    The men from the fortress are here too, still in their greatcoats.}

A question mark ends the condition, not a colon, because ': ' inside a plain YAML
value starts a mapping: a label such as `Go {visited(c2-x)? back | on} to the gate`
needs no quotes.

The condition is the expression language of `expr.py` (variables and the memory
predicates); the `| otherwise` part may be left out; alternatives nest, up to
`MAX_DEPTH`. `[[codex links]]` work inside either part. Scene text, endings'
epilogues, choice labels and their disabled reasons are all read this way. A
template is parsed once when the story loads; rendering it is a walk over a small
tree, with no way to run anything but the compiled conditions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from game.engine.expr import Bool, Expr, ExprError, State, Value
from game.engine.problems import Mark

#: Alternatives inside alternatives, at most.
MAX_DEPTH = 8

#: Marks where an alternative came out empty, until the spaces around it are tidied.
_EMPTY = "\x00"
_EMPTY_RUN = re.compile(r"[ \t]*(?:\x00[ \t]*)+")
#: A line that held nothing but empty alternatives: it goes, line break and all, so the
#: lines around it stay one paragraph.
_EMPTY_LINE = re.compile(r"(?m)^[ \t]*\x00[ \t\x00]*(?:\n|\Z)")
#: After an empty alternative, these close up to the word before ("a {x? quiet}." -> "a.").
_CLOSING = frozenset(".,;:!?)]}”’»…\n")
#: Before an empty alternative, these close up to the word after ("({x? almost} all)").
_OPENING = frozenset("([{“‘«¿¡\"'\n")


class TextError(ValueError):
    """Conditional text that cannot be read. `offset` counts from 0 in the raw text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Alternative:
    """`{condition? then | otherwise}` in a text."""

    condition: Expr
    #: The condition as the author wrote it.
    source: str
    then: tuple[Part, ...]
    otherwise: tuple[Part, ...]
    #: Where the '{' stands in the raw text (0-based), for messages.
    offset: int
    #: Where the condition's first character stands in the raw text (0-based).
    condition_offset: int
    test: Callable[[State], Value] = field(compare=False, repr=False)


Part = str | Alternative


#: The places of a text without alternatives: one empty mapping shared by all of them.
NO_PLACES: Mapping[int, Mark] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Template:
    """A text as written, parsed into literal runs and alternatives."""

    raw: str
    parts: tuple[Part, ...]
    #: Where each alternative's '{' stands in its file, by its offset (for messages).
    places: Mapping[int, Mark] = field(default_factory=lambda: NO_PLACES, compare=False, repr=False)

    def place(self, alternative: Alternative) -> Mark:
        """Where an alternative stands in its file (unknown: an empty mark)."""
        return self.places.get(alternative.offset, Mark(""))

    @property
    def conditional(self) -> bool:
        """Whether any part of the text depends on the state."""
        return any(isinstance(part, Alternative) for part in self.parts)

    def render(self, state: State) -> str:
        """The text as it reads in this state (`[[links]]` kept, for the caller to resolve)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]
        out: list[str] = []
        _render(self.parts, state, out)
        return _tidy("".join(out))

    def outline(self) -> str:
        """The text with every alternative shown both ways, '(this | that)': for a class
        report, where different students read different versions."""
        return _tidy("".join(_outline(self.parts)))

    def renderings(self, limit: int = 256) -> set[str]:
        """Every way the text can read, as `render` gives it (at most `limit` of them, the
        rest left out): to tell whether a text was one this template can show."""
        found: set[str] = set()
        for pieces in _versions(self.parts, limit):
            text = "".join(pieces)
            found.add(_tidy(text) if _EMPTY in text else text)
        return found

    def words(self) -> int:
        """Words always read: those outside every alternative (markup not counted)."""
        return count_words(_literal(self.parts))

    def written_words(self) -> int:
        """Every word written, each part of each alternative counted once."""
        return count_words(" ".join(_all_literals(self.parts)))

    def alternatives(self) -> Iterator[Alternative]:
        """Every alternative, outer ones before those inside them, in reading order."""
        yield from _walk(self.parts)

    def observe(self, state: State, found: set[tuple[int, bool]]) -> None:
        """Add (offset of each alternative met, how its condition came out) in this state.

        Only the alternatives a reader would meet count: those inside a branch not taken
        are not met. `check --exhaustive` collects these over every reachable state."""
        _observe(self.parts, state, found)


def plain_template(raw: str) -> Template:
    """A template with no alternatives (for text that is not parsed, such as a codex entry)."""
    return Template(raw, (raw,))


def _render(parts: tuple[Part, ...], state: State, out: list[str]) -> None:
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        branch = part.then if part.test(state) else part.otherwise
        start = len(out)
        _render(branch, state, out)
        if not "".join(out[start:]).strip():
            del out[start:]
            out.append(_EMPTY)


_LINK_WORDS = re.compile(r"\[\[([^\[\]|]+?)(?:\|[^\[\]|]+?)?\]\]")


def count_words(text: str) -> int:
    """Words in a text as the player reads it (`[[Name|id]]` counts as its shown words; a
    dash or stray punctuation mark between spaces is not a word)."""
    return sum(1 for word in _LINK_WORDS.sub(r"\1", text).split() if _WORDLIKE.search(word))


_WORDLIKE = re.compile(r"\w")


def branch_words(alternative: Alternative) -> tuple[int, int]:
    """Words a reader reads in each part of an alternative (for a nested alternative, the
    longer of its parts)."""
    return _reading_words(alternative.then), _reading_words(alternative.otherwise)


def _reading_words(parts: tuple[Part, ...]) -> int:
    nested = [max(branch_words(p)) for p in parts if isinstance(p, Alternative)]
    return count_words(_literal(parts)) + sum(nested)


def _literal(parts: tuple[Part, ...]) -> str:
    """The text outside the alternatives (an alternative's place a word break only where
    the text around it has one)."""
    return "".join(part for part in parts if isinstance(part, str))


def _all_literals(parts: tuple[Part, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            out += ["", *_all_literals(part.then), "", *_all_literals(part.otherwise), ""]
    return out


def _versions(parts: tuple[Part, ...], limit: int) -> list[list[str]]:
    """The pieces of every reading of `parts` (each alternative both ways), at most `limit`."""
    out: list[list[str]] = [[]]
    for part in parts:
        if isinstance(part, str):
            for pieces in out:
                pieces.append(part)
            continue
        branches = []
        for branch in (part.then, part.otherwise):
            for version in _versions(branch, limit):
                text = "".join(version)
                branches.append(text if text.strip() else _EMPTY)
        out = [[*pieces, branch] for pieces in out for branch in branches][:limit]
    return out


def _outline(parts: tuple[Part, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        then, otherwise = "".join(_outline(part.then)), "".join(_outline(part.otherwise))
        out.append(f"({then} | {otherwise})" if otherwise else f"({then})")
    return out


def _tidy(text: str) -> str:
    """Close the gap an empty alternative leaves: a line it emptied goes; otherwise one
    space between words (none if it stood inside a word), none before a full stop or
    after an opening bracket or quotation mark, none at the start or end of a line."""
    if _EMPTY not in text:
        return text
    text = _EMPTY_LINE.sub("", text)

    def close(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else "\n"
        after = text[match.end()] if match.end() < len(text) else "\n"
        if before in _OPENING or after in _CLOSING or before.isspace() or after.isspace():
            return ""
        spaced = any(char in " \t" for char in match.group())
        return " " if spaced else ""

    return _EMPTY_RUN.sub(close, text)


def _walk(parts: tuple[Part, ...]) -> Iterator[Alternative]:
    for part in parts:
        if isinstance(part, Alternative):
            yield part
            yield from _walk(part.then)
            yield from _walk(part.otherwise)


def _observe(parts: tuple[Part, ...], state: State, found: set[tuple[int, bool]]) -> None:
    for part in parts:
        if isinstance(part, Alternative):
            holds = bool(part.test(state))
            found.add((part.offset, holds))
            _observe(part.then if holds else part.otherwise, state, found)


# ---------------------------------------------------------------- parsing

#: Parses one condition: returns its tree and compiled test, raises ExprError.
ConditionParser = Callable[[str], tuple[Expr, Callable[[State], Value]]]


def parse_template(
    raw: str, condition: ConditionParser, errors: list[TextError] | None = None
) -> Template:
    """Parse a text; raises TextError (only) with the offset of what is wrong.

    With `errors`, a condition that cannot be read is added there and the rest of the
    text is still read (that alternative never shows), so every bad condition of a text
    is reported at once; a mistake in the braces themselves still ends the reading."""
    if "{" not in raw and "}" not in raw:
        return Template(raw, (raw,))
    parser = _TemplateParser(raw, condition, errors)
    return Template(raw, parser.sequence(0))


#: What ends a run of literal text: a codex link (whose '|' is its own), an alternative's
#: braces, and the bar between its parts.
_SPECIAL = re.compile(r"\[\[|[{}|]")


def _never(state: State) -> Value:
    return False


class _TemplateParser:
    def __init__(
        self, raw: str, condition: ConditionParser, errors: list[TextError] | None
    ) -> None:
        self.raw = raw
        self.pos = 0
        self.condition = condition
        self.errors = errors

    def stray(self) -> TextError:
        char = self.raw[self.pos]
        if char == "}":
            return TextError(
                "this '}' closes nothing: conditional text is written {condition? text}",
                self.pos,
            )
        return TextError(f"unexpected '{char}'", self.pos)

    def sequence(self, depth: int) -> tuple[Part, ...]:
        """Literal text and alternatives, up to a '|' or '}' of the enclosing alternative."""
        raw = self.raw
        parts: list[Part] = []
        literal: list[str] = []
        search = _SPECIAL.search
        while self.pos < len(raw):
            found = search(raw, self.pos)  # literal text up to the next '[[', '{', '}', '|'
            if found is None:
                literal.append(raw[self.pos :])
                self.pos = len(raw)
                break
            if found.start() > self.pos:
                literal.append(raw[self.pos : found.start()])
                self.pos = found.start()
            char = raw[self.pos]
            if char == "[":
                end = raw.find("]]", self.pos + 2)
                # a link's own '|' is not a branch; an unclosed '[[' is just two brackets
                stop = self.pos + 2 if end < 0 or "{" in raw[self.pos : end] else end + 2
                literal.append(raw[self.pos : stop])
                self.pos = stop
            elif char == "{":
                if literal:
                    parts.append("".join(literal))
                    literal = []
                parts.append(self.alternative(depth + 1))
            elif char == "}" and depth == 0:
                raise self.stray()
            elif depth > 0:  # '|' or '}' of the enclosing alternative
                break
            else:  # '|' outside any alternative is just a character
                literal.append(char)
                self.pos += 1
        if literal:
            parts.append("".join(literal))
        return tuple(parts)

    def alternative(self, depth: int) -> Alternative:
        raw = self.raw
        start = self.pos
        if depth > MAX_DEPTH:
            raise TextError(f"conditional text is nested more than {MAX_DEPTH} deep", start)
        mark = start + 1
        while mark < len(raw) and raw[mark] not in "?{}|\n":
            mark += 1
        if mark >= len(raw) or raw[mark] != "?":
            raise TextError(
                "a '{' starts conditional text: write {condition? text} or "
                "{condition? text | other text}, with a '?' after the condition",
                start,
            )
        written = raw[start + 1 : mark]
        lead = len(written) - len(written.lstrip())
        source = written.strip()
        if not source:
            raise TextError("the condition is missing between '{' and '?'", start)
        try:
            tree, test = self.condition(source)
        except ExprError as exc:
            error = TextError(f"in the condition: {exc.message}", start + 1 + lead + exc.column - 1)
            if self.errors is None:
                raise error from None
            self.errors.append(error)
            tree, test = Bool(False), _never
        self.pos = mark + 1
        then = _strip(self.sequence(depth))
        otherwise: tuple[Part, ...] = ()
        if self.pos < len(raw) and raw[self.pos] == "|":
            self.pos += 1
            otherwise = _strip(self.sequence(depth))
            if self.pos < len(raw) and raw[self.pos] == "|":
                raise TextError(
                    "a second '|': an alternative has two parts; for a third case, "
                    "put another {condition? ...} inside the second part",
                    self.pos,
                )
        if self.pos >= len(raw):
            raise TextError("this '{' is never closed: end the conditional text with '}'", start)
        self.pos += 1  # the closing '}'
        return Alternative(tree, source, then, otherwise, start, start + 1 + lead, test)


def _strip(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """A branch without the spaces and line breaks just inside its braces."""
    out = list(parts)
    if out and isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if out and isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return tuple(part for part in out if part != "")
