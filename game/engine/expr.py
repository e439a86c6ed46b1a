"""The condition and effect language: text -> checked tree -> fast evaluator.

A small language of its own (see docs/authoring.md), parsed once at load time.
It has whole numbers, true/false, declared variables, ``+ - *``, ``min``/``max``,
comparisons and ``and``/``or``/``not``; effects are ``name = e``, ``name += e``
and ``name -= e``. Memory of the playthrough is read with ``visited(scene-id)``
(true once the scene has been reached), ``visits(scene-id)`` (how many times) and
``chose(scene-id.choice-id)`` (whether that choice was ever taken): each is one
look-up in the state, under a key no author's variable can have (`visits_key`,
`seen_key`, `chose_key`). Nothing here calls ``eval``/``exec`` or looks up Python names: the
only exception that can leave `parse_condition` or `parse_effect` is `ExprError`.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Type = Literal["int", "bool"]
Value = int | bool
State = Mapping[str, Value]

MAX_LENGTH = 400
MAX_DEPTH = 24
MAX_LITERAL = 1_000_000
#: Arithmetic saturates here, so no chain of effects can build a huge number.
LIMIT = 10**12

FUNCTIONS = ("min", "max")
#: The memory predicates: they take a scene id (or scene-id.choice-id), not a value.
MEMORY = ("visited", "visits", "chose")
KEYWORDS = ("and", "or", "not", "true", "false")
#: A visit count stops here, so a loop cannot grow it (or the state space) without end.
MAX_VISITS = 99

_SCENE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def visits_key(scene: str) -> str:
    """The state key of a scene's visit count (a colon: never an author's variable name)."""
    return f"visits:{scene}"


def seen_key(scene: str) -> str:
    """The state key of whether a scene was ever reached (kept apart from its count, so a
    story that only asks `visited()` never tells apart states by how often)."""
    return f"seen:{scene}"


def chose_key(scene: str, choice: str) -> str:
    """The state key of whether a choice was ever taken."""
    return f"chose:{scene}.{choice}"


def _undeclared(name: str, variables: Mapping[str, Type]) -> str:
    """'garison' is not a declared variable, with the nearest declared name."""
    near = difflib.get_close_matches(name, list(variables), n=1, cutoff=0.7)
    if near:
        return f"'{name}' is not a declared variable; did you mean '{near[0]}'?"
    return f"'{name}' is not a declared variable (declare it in story.yaml)"


class ExprError(ValueError):
    """A condition or effect that cannot be read. `column` counts from 1 within the text."""

    def __init__(self, message: str, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class Num:
    """A whole number written in the text."""

    value: int


@dataclass(frozen=True, slots=True)
class Bool:
    """`true` or `false`."""

    value: bool


@dataclass(frozen=True, slots=True)
class Var:
    """A declared variable, by name."""

    name: str


@dataclass(frozen=True, slots=True)
class Not:
    """`not operand`."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class Neg:
    """`-operand`."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class BinOp:
    """Arithmetic (+ - *), comparison (== != < <= > >=) or logic (and, or)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """`min(...)` or `max(...)`."""

    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Visits:
    """`visits(scene)`: how many times the playthrough has reached the scene (now included)."""

    scene: str
    #: Where the scene id stands in the condition's text (for messages).
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Visited:
    """`visited(scene)`: whether the playthrough has reached the scene (now included)."""

    scene: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Chose:
    """`chose(scene.choice)`: whether the playthrough ever took that choice."""

    scene: str
    choice: str
    column: int = field(default=0, compare=False)


Memory = Visits | Visited | Chose
Expr = Num | Bool | Var | Not | Neg | BinOp | Call | Visits | Visited | Chose


def memory_key(node: Memory) -> str:
    """The state key a memory predicate reads."""
    if isinstance(node, Chose):
        return chose_key(node.scene, node.choice)
    if isinstance(node, Visited):
        return seen_key(node.scene)
    return visits_key(node.scene)


@dataclass(frozen=True, slots=True)
class Effect:
    """`target op value`, where op is '=', '+=' or '-='; with a `guard`, only when it holds."""

    target: str
    op: str
    value: Expr
    #: The condition of an `if:`/`then:` effect (None: always applied).
    guard: Expr | None = None
    #: An `else:` effect: its guard is the `if:` condition turned round.
    otherwise: bool = False

    def __str__(self) -> str:
        text = f"{self.target} {self.op} {unparse(self.value)}"
        return text if self.guard is None else f"{text} (if {unparse(self.guard)})"


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<memory>(?:visited|visits|chose)\s*\()
  | (?P<number>[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|\+=|-=|[<>=+\-*(),])
    """,
    re.VERBOSE,
)

_FORBIDDEN = {
    ".": "'.' is not part of the language: name a declared variable",
    "**": "there is no power operator; multiply instead",
    "/": "there is no division; use whole numbers with + - * only",
    "%": "there is no remainder operator",
    "[": "there are no lists or indexing",
    "{": "there are no sets or dictionaries",
    '"': "there is no text in conditions; compare numbers or true/false",
    "'": "there is no text in conditions; compare numbers or true/false",
    "&&": "write 'and' instead of '&&'",
    "||": "write 'or' instead of '||'",
    "!": "write 'not' instead of '!'",
    "&": "write 'and' instead of '&'",
    "|": "write 'or' instead of '|'",
}


@dataclass(slots=True)
class _Tok:
    """A token of a condition or effect, with its column."""

    # not frozen: a frozen dataclass is slower to make, and tokens are made by the thousand
    kind: str  # number, name, op, memory, end
    text: str
    column: int
    #: For a memory predicate: its argument as written, and the column where it starts.
    arg: str = ""
    arg_column: int = 0


_MEMORY_ARG = re.compile(r"\s*([^()\s]*)\s*\)")


def _memory_token(text: str, match: re.Match[str]) -> tuple[_Tok, int]:
    """A memory predicate with its raw argument: `visited(c1-smolny)`, `chose(a.b)`."""
    name = match.group().rstrip("( \t\n")
    column = match.start() + 1
    arg = _MEMORY_ARG.match(text, match.end())
    if arg is None:
        what = "scene-id.choice-id" if name == "chose" else "scene-id"
        raise ExprError(f"write {name}({what}), with one id and a closing ')'", column)
    return _Tok("memory", name, column, arg.group(1), arg.start(1) + 1), arg.end()


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            for bad, why in _FORBIDDEN.items():
                if text.startswith(bad, pos):
                    raise ExprError(why, pos + 1)
            raise ExprError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = match.lastgroup or "space"
        if kind == "memory":
            token, pos = _memory_token(text, match)
            tokens.append(token)
            continue
        if kind != "space":
            if kind == "op" and text.startswith("**", pos):
                raise ExprError(_FORBIDDEN["**"], pos + 1)
            tokens.append(_Tok(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text) + 1))
    return tokens


# ---------------------------------------------------------------- parser

_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, Type]) -> None:
        if len(text) > MAX_LENGTH:
            raise ExprError(f"too long ({len(text)} characters; at most {MAX_LENGTH})", 1)
        self.tokens = _tokenize(text)
        self.index = 0
        self.variables = variables
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.index]

    def advance(self) -> _Tok:
        tok = self.tokens[self.index]
        self.index += 1
        return tok

    def expect(self, text: str) -> _Tok:
        if self.tok.text != text:
            raise ExprError(f"expected '{text}' here", self.tok.column)
        return self.advance()

    def finish(self) -> None:
        if self.tok.kind != "end":
            hint = ""
            after = self.tokens[self.index + 1].text if self.index + 1 < len(self.tokens) else ""
            if self.tok.text == "=" and after in (">", "<"):
                hint = f"; did you mean '{after}='?"
            elif self.tok.text == "=":
                hint = "; to compare, write '==' (a condition cannot set a variable)"
            raise ExprError(f"unexpected '{self.tok.text}'{hint}", self.tok.column)

    def deeper(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"nested more than {MAX_DEPTH} levels deep", column)

    # expr := or
    def expr(self) -> tuple[Expr, Type]:
        self.deeper(self.tok.column)
        try:
            return self.logic("or", self.logic_and)
        finally:
            self.depth -= 1

    def logic_and(self) -> tuple[Expr, Type]:
        return self.logic("and", self.logic_not)

    def logic(self, word: str, inner: Callable[[], tuple[Expr, Type]]) -> tuple[Expr, Type]:
        column = self.tok.column
        left, left_type = inner()
        while self.tok.kind == "name" and self.tok.text == word:
            op_col = self.advance().column
            right, right_type = inner()
            if left_type != "bool":
                raise ExprError(f"'{word}' joins true/false values, not numbers", column)
            if right_type != "bool":
                raise ExprError(f"'{word}' joins true/false values, not numbers", op_col + 1)
            left = BinOp(word, left, right)
        return left, left_type

    def logic_not(self) -> tuple[Expr, Type]:
        if self.tok.kind == "name" and self.tok.text == "not":
            column = self.advance().column
            self.deeper(column)
            try:
                operand, kind = self.logic_not()
            finally:
                self.depth -= 1
            if kind != "bool":
                raise ExprError("'not' applies to true/false values, not numbers", column)
            return Not(operand), "bool"
        return self.compare()

    def compare(self) -> tuple[Expr, Type]:
        column = self.tok.column
        left, left_type = self.sum()
        if self.tok.kind == "op" and self.tok.text in _COMPARE:
            op_tok = self.advance()
            right, right_type = self.sum()
            if left_type != right_type:
                raise ExprError("compares a number with true/false", op_tok.column)
            if left_type == "bool" and op_tok.text not in ("==", "!="):
                raise ExprError(f"'{op_tok.text}' compares numbers, not true/false", op_tok.column)
            if self.tok.kind == "op" and self.tok.text in _COMPARE:
                raise ExprError(
                    "compare one pair at a time: write 'a < b and b < c'", self.tok.column
                )
            return BinOp(op_tok.text, left, right), "bool"
        del column
        return left, left_type

    def sum(self) -> tuple[Expr, Type]:
        left, left_type = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op_tok = self.advance()
            right, right_type = self.term()
            self.need_ints(left_type, right_type, op_tok)
            left = BinOp(op_tok.text, left, right)
        return left, left_type

    def term(self) -> tuple[Expr, Type]:
        left, left_type = self.unary()
        while self.tok.kind == "op" and self.tok.text == "*":
            op_tok = self.advance()
            right, right_type = self.unary()
            self.need_ints(left_type, right_type, op_tok)
            left = BinOp("*", left, right)
        return left, left_type

    @staticmethod
    def need_ints(left: Type, right: Type, op_tok: _Tok) -> None:
        if left != "int" or right != "int":
            raise ExprError(f"'{op_tok.text}' works on numbers, not true/false", op_tok.column)

    def unary(self) -> tuple[Expr, Type]:
        if self.tok.kind == "op" and self.tok.text == "-":
            column = self.advance().column
            self.deeper(column)
            try:
                operand, kind = self.unary()
            finally:
                self.depth -= 1
            if kind != "int":
                raise ExprError("'-' applies to numbers, not true/false", column)
            if isinstance(operand, Num):
                return Num(-operand.value), "int"
            return Neg(operand), "int"
        return self.atom()

    def memory(self, tok: _Tok) -> tuple[Expr, Type]:
        """A memory predicate; its ids are checked against the story after loading."""
        arg, column = tok.arg, tok.arg_column
        if tok.text == "chose":
            scene, dot, choice = arg.partition(".")
            if not dot or not _SCENE_ID.fullmatch(scene) or not _SCENE_ID.fullmatch(choice):
                raise ExprError(
                    "chose() takes a scene id and a choice id joined by a dot, "
                    "such as chose(c1-smolny.report)",
                    column,
                )
            return Chose(scene, choice, column), "bool"
        if not _SCENE_ID.fullmatch(arg):
            raise ExprError(
                f"{tok.text}() takes a scene id, such as {tok.text}(c1-smolny)"
                + (f"; for a choice, write chose({arg})" if "." in arg else ""),
                column,
            )
        if tok.text == "visits":
            return Visits(arg, column), "int"
        return Visited(arg, column), "bool"

    def atom(self) -> tuple[Expr, Type]:
        tok = self.tok
        if tok.kind == "memory":
            self.advance()
            return self.memory(tok)
        if tok.kind == "number":
            self.advance()
            if len(tok.text) > 7 or int(tok.text) > MAX_LITERAL:
                raise ExprError(f"the number is too large (at most {MAX_LITERAL:,})", tok.column)
            return Num(int(tok.text)), "int"
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            inner = self.expr()
            self.expect(")")
            return inner
        if tok.kind == "name":
            self.advance()
            name = tok.text
            if name == "true":
                return Bool(True), "bool"
            if name == "false":
                return Bool(False), "bool"
            if name in ("and", "or", "not"):
                raise ExprError(f"'{name}' needs a value before it", tok.column)
            if name in MEMORY:
                raise ExprError(f"{name} needs its scene in brackets: {name}(scene-id)", tok.column)
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(tok)
            if name.startswith("_"):
                raise ExprError("names may not start with '_'", tok.column)
            kind = self.variables.get(name)
            if kind is None:
                raise ExprError(_undeclared(name, self.variables), tok.column)
            return Var(name), kind
        if tok.kind == "end":
            raise ExprError("a value is missing at the end", tok.column)
        raise ExprError(f"expected a value, found '{tok.text}'", tok.column)

    def call(self, name_tok: _Tok) -> tuple[Expr, Type]:
        if name_tok.text not in FUNCTIONS:
            raise ExprError(
                f"'{name_tok.text}' is not a function here; the functions are "
                + ", ".join((*FUNCTIONS, *MEMORY)),
                name_tok.column,
            )
        self.expect("(")
        args: list[Expr] = []
        while True:
            arg, kind = self.expr()
            if kind != "int":
                raise ExprError(f"{name_tok.text}() takes numbers", name_tok.column)
            args.append(arg)
            if self.tok.text == ",":
                self.advance()
                continue
            break
        self.expect(")")
        if len(args) < 2:
            raise ExprError(f"{name_tok.text}() takes two or more numbers", name_tok.column)
        return Call(name_tok.text, tuple(args)), "int"


def parse_condition(text: str, variables: Mapping[str, Type]) -> Expr:
    """Parse a condition; it must be true/false. Raises ExprError."""
    if not isinstance(text, str):
        raise ExprError("a condition is text, such as 'garrison >= 5'")
    parser = _Parser(text, variables)
    tree, kind = parser.expr()
    parser.finish()
    if kind != "bool":
        raise ExprError("a condition must be true or false; compare the number, e.g. 'x > 0'")
    return tree


def parse_effect(text: str, variables: Mapping[str, Type]) -> Effect:
    """Parse one effect such as 'garrison += 2'. Raises ExprError."""
    if not isinstance(text, str):
        raise ExprError("an effect is text, such as 'garrison += 2'")
    parser = _Parser(text, variables)
    target = parser.tok
    if target.kind != "name" or target.text in KEYWORDS or target.text in FUNCTIONS:
        raise ExprError("an effect starts with a variable's name, e.g. 'garrison += 1'", 1)
    parser.advance()
    kind = variables.get(target.text)
    if kind is None:
        raise ExprError(_undeclared(target.text, variables), target.column)
    op = parser.tok
    if op.text not in ("=", "+=", "-="):
        raise ExprError("expected '=', '+=' or '-=' after the variable's name", op.column)
    parser.advance()
    value, value_kind = parser.expr()
    parser.finish()
    if op.text != "=" and kind != "int":
        raise ExprError(f"'{op.text}' works on numbers; '{target.text}' is true/false", op.column)
    if value_kind != kind:
        expected = "a number" if kind == "int" else "true or false"
        raise ExprError(f"'{target.text}' holds {expected}", op.column + len(op.text) + 1)
    return Effect(target.text, op.text, value)


# ---------------------------------------------------------------- evaluation


def _clip(value: int) -> int:
    return LIMIT if value > LIMIT else -LIMIT if value < -LIMIT else value


_ARITH: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
_CMP: dict[str, Callable[[Value, Value], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compile_expr(tree: Expr) -> Callable[[State], Value]:
    """Turn a checked tree into a function of the variables (closures, no eval)."""
    if isinstance(tree, Num | Bool):
        constant = tree.value
        return lambda state: constant
    if isinstance(tree, Var):
        name = tree.name
        return lambda state: state[name]
    if isinstance(tree, Visits | Visited | Chose):
        key = memory_key(tree)
        return lambda state: state[key]
    if isinstance(tree, Not):
        inner = compile_expr(tree.operand)
        return lambda state: not inner(state)
    if isinstance(tree, Neg):
        inner_n = compile_expr(tree.operand)
        return lambda state: -inner_n(state)
    if isinstance(tree, Call):
        parts = [compile_expr(arg) for arg in tree.args]
        pick = min if tree.func == "min" else max
        return lambda state: pick(part(state) for part in parts)
    left = compile_expr(tree.left)
    right = compile_expr(tree.right)
    if tree.op == "and":
        return lambda state: bool(left(state)) and bool(right(state))
    if tree.op == "or":
        return lambda state: bool(left(state)) or bool(right(state))
    if tree.op in _CMP:
        compare = _CMP[tree.op]
        return lambda state: compare(left(state), right(state))
    arith = _ARITH[tree.op]
    return lambda state: _clip(arith(int(left(state)), int(right(state))))


def unparse(tree: Expr) -> str:
    """Write a tree back as text (fully bracketed where needed)."""
    if isinstance(tree, Num):
        return str(tree.value)
    if isinstance(tree, Bool):
        return "true" if tree.value else "false"
    if isinstance(tree, Var):
        return tree.name
    if isinstance(tree, Chose):
        return f"chose({tree.scene}.{tree.choice})"
    if isinstance(tree, Visits | Visited):
        return f"{'visits' if isinstance(tree, Visits) else 'visited'}({tree.scene})"
    if isinstance(tree, Not):
        return f"not {_wrap(tree.operand)}"
    if isinstance(tree, Neg):
        return f"-{_wrap(tree.operand)}"
    if isinstance(tree, Call):
        return f"{tree.func}({', '.join(unparse(a) for a in tree.args)})"
    return f"{_wrap(tree.left)} {tree.op} {_wrap(tree.right)}"


def _wrap(tree: Expr) -> str:
    text = unparse(tree)
    return f"({text})" if isinstance(tree, BinOp) else text


def variables_in(tree: Expr) -> set[str]:
    """The state keys a tree reads: variables' names and memory keys (`memory_key`)."""
    if isinstance(tree, Var):
        return {tree.name}
    if isinstance(tree, Visits | Visited | Chose):
        return {memory_key(tree)}
    if isinstance(tree, Not | Neg):
        return variables_in(tree.operand)
    if isinstance(tree, Call):
        return set().union(*(variables_in(a) for a in tree.args))
    if isinstance(tree, BinOp):
        return variables_in(tree.left) | variables_in(tree.right)
    return set()


def memory_in(tree: Expr) -> list[Memory]:
    """The memory predicates a tree uses, in the order written."""
    if isinstance(tree, Visits | Visited | Chose):
        return [tree]
    if isinstance(tree, Not | Neg):
        return memory_in(tree.operand)
    if isinstance(tree, Call):
        return [node for arg in tree.args for node in memory_in(arg)]
    if isinstance(tree, BinOp):
        return memory_in(tree.left) + memory_in(tree.right)
    return []
