"""A story compiled to a table for the batch tools: scenes and choices by number.

Autoplay plays millions of choices and never draws a frame, keeps a record or fires
callbacks, so it may run on this table rather than on a `Game` and its machine. The
table is made from the same story with the same compiled pieces: each choice's
condition is its `Choice.test` (what `Choice.is_open` calls) and its effects are
`machine.effect_steps` (what the machine's transition runs), memory included, so the
two can never disagree; a playthrough begins in the state a new game begins in
(`game.start_state`). tests/test_table.py proves, on the shipped story and on
generated ones, that the table plays exactly the playthroughs the machine plays.

    table = StoryTable(story)
    at, state = table.start(story.start)
    rows = table.open_rows(at, state)        # the open choices, in the scene's order
    at = table.take(rows[0], state)          # applies the effects, gives the next scene
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from game.engine.expr import State, Value
from game.engine.model import Choice, Story


class Row(NamedTuple):
    """One choice in the table."""

    #: Its number across the story (scene by scene, in each scene's order).
    number: int
    #: Its condition (None: always open): `Choice.test`.
    test: Callable[[State], Value] | None
    #: Its effects, memory included (None: none): `machine.effect_steps`.
    apply: Callable[[dict[str, Value]], None] | None
    #: The number of the scene it leads to (-1: a target the story does not have).
    target: int


class StoryTable:
    """A story's scenes and choices by number, conditions and effects compiled once."""

    def __init__(self, story: Story) -> None:
        from game.engine.machine import effect_steps

        self.story = story
        #: Scene number -> scene id, in story order; and back.
        self.scene_ids: tuple[str, ...] = tuple(story.scenes)
        self.index: dict[str, int] = {sid: n for n, sid in enumerate(self.scene_ids)}
        declared = story.state_variables
        rows: list[tuple[Row, ...]] = []
        keys: list[tuple[str, str]] = []
        choices: list[Choice] = []
        for scene in story.scenes.values():
            here = []
            for choice in scene.choices:
                here.append(
                    Row(
                        len(keys),
                        choice.test,
                        effect_steps(choice, declared) if choice.actions else None,
                        self.index.get(choice.target, -1),
                    )
                )
                keys.append((scene.id, choice.id))
                choices.append(choice)
            rows.append(tuple(here))
        #: Scene number -> its choices, in the scene's order.
        self.rows: tuple[tuple[Row, ...], ...] = tuple(rows)
        #: Choice number -> (scene id, choice id), and the choice itself.
        self.choice_keys: tuple[tuple[str, str], ...] = tuple(keys)
        self.choices: tuple[Choice, ...] = tuple(choices)
        #: Scene number -> its ending's id (None: not an ending).
        self.endings: tuple[str | None, ...] = tuple(
            scene.ending.id if scene.ending is not None else None for scene in story.scenes.values()
        )
        #: Scene number -> every choice is open in any state (no condition): the open
        #: choices are the scene's choices, with no condition to evaluate.
        self.always_open: tuple[bool, ...] = tuple(
            bool(here) and all(row.test is None for row in here) for here in self.rows
        )
        self._starts: dict[str, dict[str, Value]] = {}
        self._memo: dict[str, dict[str, Value]] = {}

    def start(self, scene_id: str) -> tuple[int, dict[str, Value]]:
        """The number of the scene and a fresh copy of the state a new game at `scene_id`
        (one of the story's starts, or any scene) begins in."""
        from game.engine.game import start_state, starting_variables

        state = self._starts.get(scene_id)
        if state is None:
            initial = starting_variables(self.story, scene_id)
            state = start_state(self.story, scene_id, initial, self._memo)
            self._starts[scene_id] = state
        return self.index[scene_id], dict(state)

    def open_rows(self, scene: int, state: State) -> Sequence[Row]:
        """The choices of scene number `scene` open in `state`, in the scene's order (as
        `Game.open_choices` gives them)."""
        rows = self.rows[scene]
        if self.always_open[scene]:
            return rows
        return [row for row in rows if row.test is None or row.test(state)]

    def take(self, row: Row, state: dict[str, Value]) -> int:
        """Apply the choice's effects to `state` (in place) and give the next scene's
        number. Raises ChoiceUnavailable, as `Game.choose` does, for a choice whose
        target the story does not have (nothing is changed then)."""
        if row.target < 0:
            from game.engine.game import ChoiceUnavailable

            choice = self.choices[row.number]
            reason = choice.reason_text.render(state) if choice.reason_text else None
            raise ChoiceUnavailable(
                reason or f"'{choice.label_text.render(state)}' cannot be taken now"
            )
        if row.apply is not None:
            row.apply(state)
        return row.target
