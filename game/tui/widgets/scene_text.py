"""Text as Textual content: paragraphs, with codex terms highlighted and clickable."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from game.engine import Passage


def passages_content(passages: Sequence[Passage]) -> Content:
    """Paragraphs separated by blank lines; a codex term opens its entry when clicked.

    The passages come from the Frame, already resolved for the current state; their
    text is taken as plain text (never parsed as markup)."""
    parts: list[Content] = []
    for index, passage in enumerate(passages):
        if index:
            parts.append(Content("\n\n"))
        for span in passage:
            piece = Content(span.text)
            if span.term is not None:
                piece = piece.stylize("bold underline").stylize(
                    f"@click=app.show_term('{span.term}')"
                )
            parts.append(piece)
    return Content.assemble(*parts)
