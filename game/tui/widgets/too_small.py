"""The notice every screen carries, shown (by app.tcss) when the terminal is below 40x12."""

from __future__ import annotations

from textual.widgets import Static


class TooSmallNotice(Static):
    """Hidden unless the app has the -too-small class."""

    def __init__(self) -> None:
        super().__init__(
            "The terminal is too small.\nMake it at least 40 × 12.", classes="too-small-notice"
        )
