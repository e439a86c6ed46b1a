"""A loaded story written as ink (inkle's language), "titles only", for the bench's peer row.

    .venv/bin/python bench/peers/to_ink.py [STORY_DIR] > story.ink

The ink plays the same story as the engine: one knot per scene whose only text is its
title, one sticky choice (`+`, since scenes can be revisited) per choice, written
`+ {condition} [choice-id] -> S_target`, with the choice's effects as `~` assignments
before the divert, in the order `effect_steps` applies them, each clamped to its
variable's range; an `if:` group's condition is read once, into a `temp`, before the
group's first effect. The choice's text is its id (the bench reads it back); an ending is
a knot with its title, the tag `#ending:<id>`, and `-> END`.

The memory (`visited`, `visits`, `chose`) is read from ink's own read counts where they
count exactly what the engine's memory counts: a knot's count is how often its scene was
entered from elsewhere (the start once), `visited(x)` is a count above 0, `visits(x)` that
count stopped at `expr.MAX_VISITS` (`MIN(S_x, 99)`), and `chose(s.c)` the count of the
choice's label (`+ (c_c) ...`) above 0. Ink does not count a knot entered again from
within itself (a choice of scene x that goes to x), where the engine does: `visits(x)` of
such a scene is kept in a variable `VISITS_x`, written as the engine writes it. The
engine's other memory effects are not written (the converter checks that they are just
those). Each start of the story has a knot `B_<scene>` that goes to its scene, setting
first any variable a new game there begins with other than declared; the converter
checks that a new game at each start remembers just that start, once, which is what
ink's counts begin with. `InkStory.starts` names them in the order autoplay takes them.
(Keeping all the memory in ink variables would also be exact, but inkjs resets its
variables one by one at every new playthrough, some 6 us each: the shipped story's 180
memory keys would cost ink a millisecond a run that its own counts do not.)

Ink's whole numbers are 32 bits in inkle's runtime, and the engine's arithmetic
saturates at `expr.LIMIT`: the converter proves, with the engine's own static bounds
(`ranges.bounds`), that every value any expression or effect can take lies within
+/-(2**31 - 1), where saturation never happens and ink computes exactly what the engine
does; a clamp is written only where a result may leave its variable's range. What it cannot
prove, or cannot write, it refuses with `InkConversionError`, never converting it wrongly.

Names: ink identifiers hold letters, digits and '_', and the story's ids hold lower-case
letters, digits and '-', so '-' becomes '_' (and back: `scene_of`, `state_key`), and a
prefix keeps each kind of name apart: `S_` scenes, `B_` starts, `c_` choice labels, `v_`
the author's variables, `VISITS_` kept visit counts, `g_` the temps of `if:` groups.
Text (titles) has every character ink could read as markup escaped (`ink_text`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from game.engine import Game, Story
from game.engine.expr import (
    LIMIT,
    MAX_VISITS,
    BinOp,
    Bool,
    Call,
    Chose,
    Effect,
    Expr,
    Neg,
    Not,
    Num,
    Var,
    Visited,
    Visits,
    chose_key,
    seen_key,
    unparse,
    visits_key,
)
from game.engine.model import Choice, Scene, Variable
from game.engine.ranges import Abstract, Interval, bounds, evaluate

#: The largest whole number ink holds exactly in every runtime (inkle's is 32-bit).
INK_MAX = 2**31 - 1

_KNOT = "S_"
_START = "B_"
_LABEL = "c_"
_VISITS = "VISITS_"
_VARIABLE = "v_"
ENDING_TAG = "ending:"


class InkConversionError(ValueError):
    """What the converter cannot write as ink exactly; the message says where and why."""


@dataclass(frozen=True)
class InkStory:
    """The story as ink source, with what a player of it needs to know."""

    text: str
    #: The start knots (`B_<scene>`), in the order of `Story.starts`.
    starts: tuple[str, ...]
    #: Knot name -> scene id, for every scene.
    knots: Mapping[str, str]


# ---------------------------------------------------------------- names


def _ident(scene_or_choice_id: str) -> str:
    return scene_or_choice_id.replace("-", "_")


def knot_name(scene_id: str) -> str:
    """The knot of a scene: `c1-smolny` -> `S_c1_smolny`."""
    return _KNOT + _ident(scene_id)


def start_knot(scene_id: str) -> str:
    """The knot a new game at this start begins with: `B_c1_smolny`."""
    return _START + _ident(scene_id)


def scene_of(knot: str) -> str:
    """The scene id of a knot (`knot_name` turned round)."""
    if not knot.startswith(_KNOT):
        raise ValueError(f"'{knot}' is not a scene's knot")
    return knot[len(_KNOT) :].replace("_", "-")


def label_name(choice_id: str) -> str:
    """The label of a choice within its knot: `report` -> `c_report`."""
    return _LABEL + _ident(choice_id)


def variable_name(name: str) -> str:
    """The ink variable of an author's variable: `garrison` -> `v_garrison`."""
    return _VARIABLE + name


def state_key(name: str) -> str:
    """The author's variable of an ink variable (`variable_name` turned round)."""
    if not name.startswith(_VARIABLE):
        raise ValueError(f"'{name}' is not an author's variable")
    return name[len(_VARIABLE) :]


def visits_variable(scene_id: str) -> str:
    """The variable that counts a self-entered scene's visits: `VISITS_a`."""
    return _VISITS + _ident(scene_id)


def memory_expression(node: Visits | Visited | Chose, kept: frozenset[str] = frozenset()) -> str:
    """A memory predicate as ink's read counts give it (or, for `visits()` of a scene in
    `kept`, as its variable holds it)."""
    if isinstance(node, Chose):
        return f"({knot_name(node.scene)}.{label_name(node.choice)} > 0)"
    if isinstance(node, Visited):
        return f"({knot_name(node.scene)} > 0)"
    if node.scene in kept:
        return visits_variable(node.scene)
    return f"MIN({knot_name(node.scene)}, {MAX_VISITS})"


def ink_text(text: str) -> str:
    """Text for an ink line, every character ink could read as markup escaped."""
    words = " ".join(text.split())
    return "".join(c if c.isalnum() or c == " " else "\\" + c for c in words)


# ---------------------------------------------------------------- expressions


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, int) or abs(value) > INK_MAX:
        raise InkConversionError(f"{value!r} is not a whole number ink can hold")
    return f"({value})" if value < 0 else str(value)


def expression(tree: Expr, kept: frozenset[str] = frozenset()) -> str:
    """A checked tree as an ink expression, bracketed throughout (its bounds are checked
    apart, by `_Converter.check`); `kept`: the scenes whose visits are variables."""

    def write(node: Expr) -> str:
        if isinstance(node, Num | Bool):
            return _value(node.value)
        if isinstance(node, Var):
            return variable_name(node.name)
        if isinstance(node, Visits | Visited | Chose):
            return memory_expression(node, kept)
        if isinstance(node, Not):
            return f"(not {write(node.operand)})"
        if isinstance(node, Neg):
            return f"(0 - {write(node.operand)})"  # ink's unary minus misreads '-(x)'
        if isinstance(node, Call):
            func = "MIN" if node.func == "min" else "MAX"
            parts = [write(arg) for arg in node.args]
            out = parts[-1]
            for part in reversed(parts[:-1]):
                out = f"{func}({part}, {out})"
            return out
        if isinstance(node, BinOp) and node.op in _OPERATORS:
            return f"({write(node.left)} {node.op} {write(node.right)})"
        raise InkConversionError(f"'{unparse(node)}' uses what the converter cannot write")

    return write(tree)


_OPERATORS = frozenset(("and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*"))


def _nodes(tree: Expr) -> Iterator[Expr]:
    yield tree
    if isinstance(tree, Not | Neg):
        yield from _nodes(tree.operand)
    elif isinstance(tree, Call):
        for arg in tree.args:
            yield from _nodes(arg)
    elif isinstance(tree, BinOp):
        yield from _nodes(tree.left)
        yield from _nodes(tree.right)


# ---------------------------------------------------------------- the story


class _Converter:
    def __init__(self, story: Story) -> None:
        self.story = story
        self.values: dict[str, Abstract] = bounds(story)
        #: The scenes whose visits() is read and which a choice of their own re-enters:
        #: ink does not count that entry, so their count is a variable.
        self.kept = frozenset(
            scene.id
            for scene in story.scenes.values()
            if visits_key(scene.id) in story.memory
            and any(choice.target == scene.id for choice in scene.choices)
        )

    def refuse(self, where: str, why: str) -> InkConversionError:
        return InkConversionError(f"{where}: cannot convert to ink: {why}")

    def check(self, tree: Expr, where: str) -> None:
        """Every number the tree can compute, within ink's (and saturation-free) range."""
        for node in _nodes(tree):
            found = evaluate(node, self.values)
            if isinstance(found, Interval) and not self.small(found):
                raise self.refuse(
                    where,
                    f"'{unparse(node)}' may reach {found}, beyond ink's whole numbers "
                    f"(+/-{INK_MAX:,}); give its variables a narrower min and max",
                )

    @staticmethod
    def small(found: Interval) -> bool:
        return -INK_MAX <= found.low and found.high <= INK_MAX

    def variables(self) -> list[str]:
        """A VAR per declared variable, and per scene of `kept` (the rest of the memory is
        ink's read counts)."""
        lines = []
        for key, variable in self.story.variables.items():
            if variable.type == "int":
                found = self.values[key]
                assert isinstance(found, Interval)
                if not self.small(found) or abs(int(variable.initial)) > INK_MAX:
                    raise self.refuse(
                        str(variable.mark) or key,
                        f"the variable '{key}' may reach {found}, beyond ink's whole numbers "
                        f"(+/-{INK_MAX:,}); give it a narrower min and max",
                    )
            elif variable.type != "bool":
                raise self.refuse(key, f"variables of type '{variable.type}'")
            lines.append(f"VAR {variable_name(key)} = {_value(variable.initial)}")
        for scene_id in sorted(self.kept):
            initial = self.story.memory[visits_key(scene_id)].initial
            lines.append(f"VAR {visits_variable(scene_id)} = {_value(initial)}")
        return lines

    def starts(self) -> tuple[list[str], tuple[str, ...]]:
        """A knot per start: the variables a new game there begins with, then its scene."""
        story = self.story
        lines: list[str] = []
        knots = []
        for start in story.starts:
            state = Game(story, seed=0, start=start).state
            for key in story.memory:
                if key.startswith("visits:"):
                    counted: object = 1 if key == visits_key(start) else 0
                else:
                    counted = key == seen_key(start)
                if state.get(key) != counted or type(state.get(key)) is not type(counted):
                    raise self.refuse(
                        start,
                        f"a new game at this start remembers '{key}' as {state.get(key)!r}, "
                        "which ink's read counts (just the start, once) cannot begin with",
                    )
            knots.append(start_knot(start))
            lines.append(f"=== {knots[-1]} ===")
            for key, variable in story.variables.items():
                value = state[key]
                if value != variable.initial or type(value) is not type(variable.initial):
                    lines.append(f"~ {variable_name(key)} = {_value(value)}")
            for scene_id in sorted(self.kept):
                key = visits_key(scene_id)
                if state[key] != story.memory[key].initial:
                    lines.append(f"~ {visits_variable(scene_id)} = {_value(state[key])}")
            lines.append(f"-> {knot_name(start)}")
            lines.append("")
        return lines, tuple(knots)

    def memory_effects(self, scene: Scene, choice: Choice, where: str) -> None:
        """Check that the choice's memory effects are just what ink's read counts keep."""
        tracked = self.story.memory
        expected = [
            (key, op, value)
            for key, op, value in (
                (chose_key(scene.id, choice.id), "=", Bool(True)),
                (visits_key(choice.target), "+=", Num(1)),
                (seen_key(choice.target), "=", Bool(True)),
            )
            if key in tracked
        ]
        found = [(e.target, e.op, e.value) for e in choice.memory]
        if found != expected or any(e.guard is not None for e in choice.memory):
            raise self.refuse(where, "its memory effects are not those ink's read counts keep")

    def effects(self, scene: Scene, index: int, choice: Choice) -> list[str]:
        """The choice's effects, as effect_steps applies them (its memory is ink's counts)."""
        where = str(choice.mark) or f"{scene.id}.{choice.id}"
        self.memory_effects(scene, choice, where)
        effects, actions = choice.effects, choice.actions[: len(choice.effects)]
        if len(choice.actions) != len(choice.all_effects) or any(
            (e.target, e.op) != (a[0], a[1])
            for e, a in zip(choice.all_effects, choice.actions, strict=False)
        ):
            raise self.refuse(where, "its compiled effects do not match its effects")
        lines: list[str] = []
        group_now, guard_name = -1, ""
        block: bool | None = None  # in a guarded block: applied when the guard holds or fails

        def close() -> None:
            nonlocal block
            if block is not None:
                lines.append("    }")
                block = None

        for number, (effect, action) in enumerate(zip(effects, actions, strict=True)):
            target, op, group, when = effect.target, effect.op, action[4], action[5]
            variable = self.story.variables.get(target)
            if variable is None or op not in ("=", "+=", "-="):
                raise self.refuse(where, f"the effect '{effect}'")
            if (effect.guard is None) != (action[3] is None):
                raise self.refuse(where, f"the effect '{effect}' and its compiled guard differ")
            if effect.guard is None:
                close()
            else:
                if group != group_now:
                    close()
                    condition = effect.guard
                    if effect.otherwise:  # an else effect's guard is the if turned round
                        if not isinstance(condition, Not):
                            raise self.refuse(where, f"the guard of '{effect}'")
                        condition = condition.operand
                    self.check(condition, where)
                    group_now, guard_name = group, f"g_{index}_{number}"
                    lines.append(f"    ~ temp {guard_name} = {expression(condition, self.kept)}")
                if block is not when:
                    close()
                    lines.append(f"    {{ {guard_name if when else f'not {guard_name}'}:")
                    block = when
            self.check(effect.value, where)
            indent = "        " if block is not None else "    "
            lines.append(
                f"{indent}~ {variable_name(target)} = {self.assigned(effect, variable, where)}"
            )
        close()
        if choice.target in self.kept:  # the engine's memory effect, as it applies it
            counter = visits_variable(choice.target)
            lines.append(f"    ~ {counter} = MIN(({counter} + 1), {MAX_VISITS})")
        return lines

    def assigned(self, effect: Effect, variable: Variable, where: str) -> str:
        """The value an effect assigns, clamped where it may leave the variable's range."""
        value = expression(effect.value, self.kept)
        if variable.type == "bool":
            if effect.op != "=":
                raise self.refuse(where, f"'{effect}' on a true/false variable")
            return value
        name = variable_name(variable.name)
        amount = evaluate(effect.value, self.values)
        old = self.values[variable.name]
        assert isinstance(amount, Interval) and isinstance(old, Interval)
        if effect.op == "=":
            result, text = amount, value
        elif effect.op == "+=":
            result = Interval(old.low + amount.low, old.high + amount.high)
            text = f"({name} + {value})"
        else:
            result = Interval(old.low - amount.high, old.high - amount.low)
            text = f"({name} - {value})"
        if not self.small(result):
            raise self.refuse(
                where,
                f"'{effect}' may reach {result}, beyond ink's whole numbers (+/-{INK_MAX:,})",
            )
        # Variable.clamp: the declared range, else +/-LIMIT (which a small result never leaves).
        low = variable.minimum if variable.minimum is not None else -LIMIT
        high = variable.maximum if variable.maximum is not None else LIMIT
        if result.low < low:
            text = f"MAX({text}, {_value(low)})"
        if result.high > high:
            text = f"MIN({text}, {_value(high)})"
        return text

    def scene(self, scene: Scene) -> list[str]:
        where = str(scene.mark) or scene.id
        lines = [f"=== {knot_name(scene.id)} ==="]
        if scene.title.strip():
            title = ink_text(scene.title)
            lines.append(
                title if scene.ending is None else f"{title} #{ENDING_TAG}{scene.ending.id}"
            )
        if scene.ending is not None:
            if scene.choices:
                raise self.refuse(where, "an ending with choices")
            if not scene.title.strip():  # its tag needs a line to stand on
                raise self.refuse(where, "an ending without a title")
            lines.append("-> END")
            return lines
        for index, choice in enumerate(scene.choices):
            if choice.target not in self.story.scenes:
                raise self.refuse(where, f"the choice '{choice.id}' leads to no scene")
            condition = ""
            if choice.condition is not None:
                self.check(choice.condition, str(choice.mark) or where)
                condition = f"{{{expression(choice.condition, self.kept)}}} "
            elif choice.test is not None:
                raise self.refuse(where, f"the choice '{choice.id}' has a test but no condition")
            # A label only where some condition asks chose(): ink counts what is labelled.
            label = (
                f"({label_name(choice.id)}) "
                if chose_key(scene.id, choice.id) in self.story.memory
                else ""
            )
            head = f"+ {label}{condition}[{ink_text(choice.id)}]"
            body = self.effects(scene, index, choice)
            target = knot_name(choice.target)
            if body:
                lines += [head, *body, f"    -> {target}"]
            else:
                lines.append(f"{head} -> {target}")
        return lines

    def convert(self) -> InkStory:
        story = self.story
        knots: dict[str, str] = {}
        for scene_id in story.scenes:
            knot = knot_name(scene_id)
            if knot in knots or scene_of(knot) != scene_id:
                raise self.refuse(scene_id, "its id does not map to a knot of its own")
            knots[knot] = scene_id
        header = [
            f"// {ink_text(story.title)} {story.version}, titles only: written by "
            "bench/peers/to_ink.py from the loaded story; do not edit.",
            *self.variables(),
            "",
            f"-> {start_knot(story.start)}",
            "",
        ]
        start_lines, starts = self.starts()
        body: list[str] = []
        for scene in story.scenes.values():
            body += self.scene(scene)
            body.append("")
        text = "\n".join([*header, *start_lines, *body])
        return InkStory(text, starts, knots)


def convert(story: Story) -> InkStory:
    """The story as ink; raises InkConversionError for what cannot be written exactly."""
    return _Converter(story).convert()


def main(argv: list[str] | None = None) -> int:
    from game.engine import load_story
    from game.engine.files import shown
    from game.engine.problems import StoryError
    from game.paths import assets_dir, scenes_dir

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else scenes_dir()
    try:
        story = load_story([folder], assets=assets_dir())
        ink = convert(story)
    except (StoryError, InkConversionError) as exc:
        sys.stderr.write(f"to_ink: {shown(str(exc))}\n")
        return 1
    sys.stdout.write(ink.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
