"""Effects that can never change anything: variables nothing reads, values nothing reads.

A variable matters only through what reads it: a choice's condition, a conditional text
(scene text, label, reason, epilogue, reflection question), or another effect's value or
guard. Showing it in the side panel is not reading it: the player sees a number move,
but nothing in the story can ever come out differently. So:

- `unread-variable`: a variable that effects change but nothing reads;
- `unread-effect`: an effect whose new value nothing reads before the story ends or
  the variable is set again (found with the same liveness analysis the state walk uses).

Both are static and sound: nothing is reported that some playthrough could notice.
`check --exhaustive` adds the effects that never change their variable's value in any
reachable state (`no-change`).
"""

from __future__ import annotations

from collections.abc import Iterator

from game.engine.explore import live_variables
from game.engine.expr import Effect, variables_in
from game.engine.model import Choice, Story
from game.engine.problems import Problem


def reads(story: Story) -> set[str]:
    """Every variable some condition, text or effect value reads."""
    found: set[str] = set()
    for scene in story.scenes.values():
        found |= scene.reads()
    return found | reflection_reads(story)


def reflection_reads(story: Story) -> set[str]:
    """What the chapters' reflection questions read (they are shown in any scene after)."""
    found: set[str] = set()
    for chapter in story.chapters.values():
        for question in chapter.questions:
            for alternative in question.alternatives():
                found |= variables_in(alternative.condition)
    return found


def unread(story: Story) -> Iterator[Problem]:
    """The `unread-variable` and `unread-effect` warnings, in story order."""
    read = reads(story)
    written: dict[str, int] = {}
    for scene in story.scenes.values():
        for choice in scene.choices:
            for effect in choice.effects:
                written[effect.target] = written.get(effect.target, 0) + 1
    for name, variable in story.variables.items():
        if name in read or name not in written:
            continue
        count = written[name]
        shown = " (showing it in the side panel is not reading it)" if variable.visible else ""
        yield Problem(
            variable.mark,
            "unread-variable",
            f"the variable '{name}' is changed by {count} effect{'s' if count > 1 else ''}, but "
            f"nothing reads it: no condition, text or effect asks for its value{shown}; make "
            "something depend on it, or remove it and its effects",
            "warning",
        )
    live = live_variables(story, texts=True)
    always = reflection_reads(story)
    for scene in story.scenes.values():
        for choice in scene.choices:
            if not choice.effects or choice.target not in story.scenes:
                continue
            for effect in _unread_effects(choice, set(live[choice.target]) | always):
                if effect.target not in read:
                    continue  # said once, of the variable
                yield Problem(
                    choice.marks.get("effects", choice.mark),
                    "unread-effect",
                    f"the effect '{effect}' of the choice '{choice.id}' in scene '{scene.id}' "
                    f"can never change anything: nothing reads '{effect.target}' after it "
                    "before the story ends or sets it again; remove the effect, or read the "
                    "value later",
                    "warning",
                )


def _unread_effects(choice: Choice, after: set[str]) -> Iterator[Effect]:
    """The author's effects of `choice` whose value nothing reads, given what is read after
    it; an effect is read if a later effect of the same choice reads its variable."""
    live = set(after)
    dead: list[Effect] = []
    for effect in reversed(choice.all_effects):
        needed = effect.target in live
        if not needed and effect in choice.effects:
            dead.append(effect)
        if not needed:
            continue
        if effect.op == "=" and effect.guard is None:
            live.discard(effect.target)
        live |= variables_in(effect.value)
        if effect.op != "=" or effect.guard is not None:
            live.add(effect.target)
        if effect.guard is not None:
            live |= variables_in(effect.guard)
    yield from reversed(dead)
