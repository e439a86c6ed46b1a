"""The game as real HTML: a Starlette app (app.py) serving Jinja2 pages (pages.py,
templates/html/) over the engine's public API, one process for a whole class. Every request
is stateless in the process: a student's game is replayed from the autosave kept in the
database behind store.py (SQLite in the data folder by default, PostgreSQL by URL), so any
process can answer any request. Nothing here imports Textual."""
