"""Scene text as Textual content: paragraphs, with codex terms highlighted and clickable."""

from __future__ import annotations

from textual.content import Content

from game.engine import Story, paragraphs


def linked_text(story: Story, text: str) -> Content:
    """Paragraphs separated by blank lines; a codex term opens its entry when clicked."""
    parts: list[Content] = []
    for index, paragraph in enumerate(paragraphs(text)):
        if index:
            parts.append(Content("\n\n"))
        for span in story.spans(paragraph):
            piece = Content(span.text)
            if span.term is not None:
                piece = piece.stylize("bold underline").stylize(
                    f"@click=app.show_term('{span.term}')"
                )
            parts.append(piece)
    return Content.assemble(*parts)
