"""Scene packs: choices a chapter file adds to scenes defined elsewhere (`extends:`).

A pack is a folder of scene files given with `--scenes DIR`. Its own scenes join
the story; to be entered at all, the pack adds choices to scenes it does not own:

    extends:
      - scene: c3-end            # a scene of the shipped story
        choices:
          - id: side-visit        # unique within that scene
            label: ...
            goto: my-side-scene
            ...

The choices are checked like any other (their places are in the pack's file) and
are added after the scene's own choices, in reading order. Naming a scene that does
not exist, extending an ending, or reusing a choice id the scene already has (in its
own file or another pack) is an error naming both places.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from game.engine.expr import Type
from game.engine.model import Scene
from game.engine.yamlread import YamlList, YamlMap


def extend_scenes(
    builder: Any,
    files: Iterable[tuple[YamlMap, str]],
    scenes: dict[str, Scene],
    types: dict[str, Type],
) -> None:
    """Add every `extends:` choice to its scene in `scenes` (in place); problems go to `builder`."""
    for value, _path in files:
        items = value.get("extends")
        if not isinstance(items, YamlList):
            continue
        for item in items:
            if not isinstance(item, YamlMap) or not isinstance(item.get("scene"), str):
                continue  # the shape check has reported it
            scene_id = item["scene"]
            scene = scenes.get(scene_id)
            if scene is None:
                close = difflib.get_close_matches(scene_id, list(scenes), n=1, cutoff=0.7)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                builder.problem(
                    item.value_mark("scene"),
                    "unknown-scene",
                    f"'extends' names the scene '{scene_id}', which does not exist{hint}",
                )
                continue
            if scene.ending is not None:
                builder.problem(
                    item.value_mark("scene"),
                    "extends-ending",
                    f"the scene '{scene_id}' ({scene.mark}) is an ending, and an ending has no "
                    "choices; extend the scene before it instead",
                )
                continue
            raw_choices = item.get("choices")
            if not isinstance(raw_choices, YamlList):
                continue
            added = list(scene.choices)
            for index, raw in enumerate(raw_choices):
                if not isinstance(raw, YamlMap):
                    continue
                choice = builder.choice(raw, types, raw_choices.item_mark(index), len(added) + 1)
                if choice is None:
                    continue
                taken = next((c for c in added if c.id == choice.id), None)
                if taken is not None:
                    builder.problem(
                        raw.value_mark("id") if "id" in raw else raw.mark,
                        "duplicate-id",
                        f"the choice id '{choice.id}' is already used in scene '{scene_id}' "
                        f"(at {taken.marks.get('id', taken.mark)}); give the added choice "
                        "another id",
                    )
                    continue
                added.append(choice)
            scenes[scene_id] = replace(scene, choices=tuple(added))
