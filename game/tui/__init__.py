"""The Textual app: title, scene, ending, codex and help screens. Imports the engine, never the reverse."""
