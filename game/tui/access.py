"""Typed access to the app from its screens (`self.app` is typed as any App)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from game.tui.app import PetrogradApp


class AppAccess:
    """Mixed into the game's screens: `self.petrograd` is the app, typed (as Posting does
    with `cast("Posting", self.app)`), so no screen needs `# type: ignore` to reach it."""

    app: Any

    @property
    def petrograd(self) -> PetrogradApp:
        return cast("PetrogradApp", self.app)
