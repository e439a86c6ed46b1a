"""What values each variable can ever hold, worked out without playing: a static check.

Before any exploration, the declared ranges and the effects that exist bound every
variable: a number starts at its initial value, moves only by the effects that
name it and never leaves its declared `min`..`max`; a true/false variable holds
its initial value or one that some effect assigns. A condition that cannot hold
for any values within those bounds (`loyalty > 10` where `loyalty` is declared
0..10, or `fleet_called` where no effect ever sets it) is reported as a warning at
the condition's place in the file.

The bounds are sound (every reachable value lies within them), so a warning here
is never a false alarm; `petrograd check --exhaustive` finds the rest by walking
the real state space.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from game.engine.expr import (
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
    memory_key,
    unparse,
    variables_in,
)
from game.engine.model import TEXT_PLACES, Story
from game.engine.problems import Problem

INF = math.inf
#: Rounds of refinement: each is sound, later ones are tighter when effects depend on each other.
ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Interval:
    """Every whole number from `low` to `high` (either may be infinite)."""

    low: float
    high: float

    def __str__(self) -> str:
        def show(x: float) -> str:
            return str(int(x)) if math.isfinite(x) else ("-inf" if x < 0 else "inf")

        return show(self.low) if self.low == self.high else f"{show(self.low)}..{show(self.high)}"

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high))

    def clip(self, low: float, high: float) -> Interval:
        return Interval(max(self.low, low), min(self.high, high))


#: What an expression may be: an Interval for numbers, a frozenset of True/False for flags.
Abstract = Interval | frozenset[bool]
BOTH = frozenset({True, False})


def _mul(a: float, b: float) -> float:
    if a == 0 or b == 0:
        return 0
    return a * b


def evaluate(tree: Expr, values: Mapping[str, Abstract]) -> Abstract:
    """Every value `tree` may take when each variable ranges over `values`."""
    if isinstance(tree, Num):
        return Interval(tree.value, tree.value)
    if isinstance(tree, Bool):
        return frozenset({tree.value})
    if isinstance(tree, Var):
        return values[tree.name]
    if isinstance(tree, Visits | Visited | Chose):
        return values[memory_key(tree)]
    if isinstance(tree, Not):
        inner = evaluate(tree.operand, values)
        assert isinstance(inner, frozenset)
        return frozenset(not v for v in inner)
    if isinstance(tree, Neg):
        inner_n = evaluate(tree.operand, values)
        assert isinstance(inner_n, Interval)
        return Interval(-inner_n.high, -inner_n.low)
    if isinstance(tree, Call):
        args = [evaluate(a, values) for a in tree.args]
        assert all(isinstance(a, Interval) for a in args)
        lows = [a.low for a in args]  # type: ignore[union-attr]
        highs = [a.high for a in args]  # type: ignore[union-attr]
        pick = min if tree.func == "min" else max
        return Interval(pick(lows), pick(highs))
    assert isinstance(tree, BinOp)
    left, right = evaluate(tree.left, values), evaluate(tree.right, values)
    op = tree.op
    if op in ("and", "or"):
        assert isinstance(left, frozenset) and isinstance(right, frozenset)
        if op == "and":
            out = {a and b for a in left for b in right}
        else:
            out = {a or b for a in left for b in right}
        return frozenset(out)
    if isinstance(left, frozenset) and isinstance(right, frozenset):  # == or != on flags
        same = {a == b for a in left for b in right}
        return frozenset(same if op == "==" else {not s for s in same})
    assert isinstance(left, Interval) and isinstance(right, Interval)
    if op == "+":
        return Interval(left.low + right.low, left.high + right.high)
    if op == "-":
        return Interval(left.low - right.high, left.high - right.low)
    if op == "*":
        corners = [_mul(a, b) for a in (left.low, left.high) for b in (right.low, right.high)]
        return Interval(min(corners), max(corners))
    return _compare(op, left, right)


def _compare(op: str, a: Interval, b: Interval) -> frozenset[bool]:
    """The truth values `a op b` may take."""
    if op == "<":
        can_true, can_false = a.low < b.high, a.high >= b.low
    elif op == "<=":
        can_true, can_false = a.low <= b.high, a.high > b.low
    elif op == ">":
        can_true, can_false = a.high > b.low, a.low <= b.high
    elif op == ">=":
        can_true, can_false = a.high >= b.low, a.low < b.high
    else:
        overlap = a.low <= b.high and b.low <= a.high
        single = a.low == a.high == b.low == b.high
        equal_possible, unequal_possible = overlap, not single
        can_true, can_false = (
            (equal_possible, unequal_possible) if op == "==" else (unequal_possible, equal_possible)
        )
    return frozenset(v for v, ok in ((True, can_true), (False, can_false)) if ok)


# ---------------------------------------------------------------- bounds of each variable


def _choices_on_cycles(story: Story) -> set[tuple[str, str]]:
    """Choices that some playthrough may take more than once: those whose target can lead
    back to their own scene (both in one strongly connected component; Kosaraju's way)."""
    forward: dict[str, list[str]] = {sid: [] for sid in story.scenes}
    backward: dict[str, list[str]] = {sid: [] for sid in story.scenes}
    for scene in story.scenes.values():
        for choice in scene.choices:
            if choice.target in forward:
                forward[scene.id].append(choice.target)
                backward[choice.target].append(scene.id)
    finished: list[str] = []
    seen: set[str] = set()
    for root in story.scenes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(forward[root]))]
        while stack:
            node, targets = stack[-1]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    stack.append((target, iter(forward[target])))
                    break
            else:
                stack.pop()
                finished.append(node)
    component: dict[str, str] = {}
    for root in reversed(finished):
        if root in component:
            continue
        component[root] = root
        todo = [root]
        while todo:
            for source in backward[todo.pop()]:
                if source not in component:
                    component[source] = root
                    todo.append(source)
    return {
        (scene.id, choice.id)
        for scene in story.scenes.values()
        for choice in scene.choices
        if choice.target in component and component[choice.target] == component[scene.id]
    }


def _evaluate_once(
    tree: Expr, values: Mapping[str, Abstract], evaluated: dict[int, Abstract]
) -> Abstract:
    """`evaluate`, once per tree for the same `values`: the loader shares one tree among
    the conditions (and effects) written alike, and large stories repeat them."""
    found = evaluated.get(id(tree))
    if found is None:
        found = evaluated[id(tree)] = evaluate(tree, values)
    return found


def bounds(story: Story) -> dict[str, Abstract]:
    """For each variable, a sound bound on every value it can hold in any playthrough.

    A number starts at its initial value; an assignment may set it to anything its
    expression can give; each `+=`/`-=` may move it by its amount, once per time its
    choice is taken (once at most, unless the choice lies on a cycle of scenes, in
    which case without limit). Clamping keeps it in its declared range.
    """
    repeats = _choices_on_cycles(story)
    # each effect, with whether its choice may be taken more than once
    declared = story.state_variables
    effects: dict[str, list[tuple[bool, Effect]]] = {name: [] for name in declared}
    for scene in story.scenes.values():
        for choice in scene.choices:
            if not choice.actions:
                continue
            again = (scene.id, choice.id) in repeats
            for effect in choice.all_effects:  # a guarded one may apply: a bound still
                if effect.target in effects:
                    effects[effect.target].append((again, effect))
    values: dict[str, Abstract] = {}
    for name, var in declared.items():
        if var.type == "bool":
            values[name] = BOTH
        else:
            low = var.minimum if var.minimum is not None else -INF
            high = var.maximum if var.maximum is not None else INF
            values[name] = Interval(low, high)
    for _ in range(ROUNDS):
        refined: dict[str, Abstract] = {}
        evaluated: dict[int, Abstract] = {}
        for name, var in declared.items():
            if var.type == "bool":
                possible = {bool(var.initial)}
                for _again, effect in effects[name]:
                    result = _evaluate_once(effect.value, values, evaluated)
                    assert isinstance(result, frozenset)
                    possible |= result
                refined[name] = frozenset(possible)
                continue
            base = Interval(int(var.initial), int(var.initial))
            up = down = 0.0
            for again, effect in effects[name]:
                amount = _evaluate_once(effect.value, values, evaluated)
                assert isinstance(amount, Interval)
                if effect.op == "=":
                    base = base.hull(amount)
                    continue
                if effect.op == "-=":
                    amount = Interval(-amount.high, -amount.low)
                if amount.high > 0:
                    up += INF if again else amount.high
                if amount.low < 0:
                    down += -INF if again else amount.low
            low = var.minimum if var.minimum is not None else -INF
            high = var.maximum if var.maximum is not None else INF
            # Clamping only ever moves a value back inside the range, so the sums stay bounds.
            found = Interval(base.low + down, base.high + up).clip(low, high)
            current = values[name]
            assert isinstance(current, Interval)
            refined[name] = found.clip(current.low, current.high)
        values = refined
    return values


def _describe(name: str, value: Abstract) -> str:
    if name.startswith("visits:"):
        name = f"visits({name.removeprefix('visits:')})"
    elif name.startswith("seen:"):
        name = f"visited({name.removeprefix('seen:')})"
    elif name.startswith("chose:"):
        name = f"chose({name.removeprefix('chose:')})"
    if isinstance(value, frozenset):
        if len(value) == 1:
            return f"'{name}' is always {'true' if next(iter(value)) else 'false'}"
        return f"'{name}' may be true or false"
    return f"'{name}' can only be {value}"


def _why(tree: Expr, values: Mapping[str, Abstract]) -> str:
    names = sorted(variables_in(tree))
    return "; ".join(_describe(n, values[n]) for n in names) or "it is always false"


def never_true(story: Story) -> Iterator[Problem]:
    """A warning for each condition that no values within the bounds can satisfy: of a
    choice, of an `if:` group of effects, and of conditional text (and a warning for
    conditional text whose `|` part can never be shown)."""
    values = bounds(story)
    evaluated: dict[int, Abstract] = {}
    for scene in story.scenes.values():
        for key, template, _choice in scene.templates():
            for alternative in template.alternatives():
                result = _evaluate_once(alternative.condition, values, evaluated)
                if True not in result:  # type: ignore[operator]
                    yield Problem(
                        template.place(alternative),
                        "text-never-shown",
                        f"in the {TEXT_PLACES[key]} in scene '{scene.id}', the condition "
                        f"'{alternative.source}' can never hold "
                        f"({_why(alternative.condition, values)}), so its text is never shown",
                        "warning",
                    )
                elif False not in result and alternative.otherwise:  # type: ignore[operator]
                    yield Problem(
                        template.place(alternative),
                        "text-never-shown",
                        f"in the {TEXT_PLACES[key]} in scene '{scene.id}', the condition "
                        f"'{alternative.source}' always holds "
                        f"({_why(alternative.condition, values)}), so the text after its '|' "
                        "is never shown",
                        "warning",
                    )
        for choice in scene.choices:
            guards = {
                id(e.guard): e.guard
                for e in choice.effects
                if e.guard is not None and not e.otherwise
            }
            for guard in guards.values():
                assert guard is not None
                if True in _evaluate_once(guard, values, evaluated):  # type: ignore[operator]
                    continue
                yield Problem(
                    choice.marks.get("effects", choice.mark),
                    "condition-never-true",
                    f"the condition '{unparse(guard)}' of an 'if:' in the effects of choice "
                    f"'{choice.id}' in scene '{scene.id}' can never hold "
                    f"({_why(guard, values)}), so its 'then' effects never apply",
                    "warning",
                )
        for choice in scene.choices:
            if choice.condition is None:
                continue
            result = _evaluate_once(choice.condition, values, evaluated)
            if True in result:  # type: ignore[operator]
                continue
            names = sorted(variables_in(choice.condition))
            why = "; ".join(_describe(n, values[n]) for n in names) or "it is always false"
            yield Problem(
                choice.marks.get("if", choice.mark),
                "condition-never-true",
                f"the condition '{choice.condition_text or unparse(choice.condition)}' of choice "
                f"'{choice.id}' in scene '{scene.id}' can never hold ({why}, given the declared "
                "ranges and the effects in the story); fix the condition or the effects",
                "warning",
            )
