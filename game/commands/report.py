"""`petrograd report DIR` (or --db WHERE): verify handed-in records, write the class report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from game.commands.common import add_story_options, assignment_or_report, err, load_or_report
from game.engine.files import shown


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser(
        "report",
        help="verify a folder of handed-in records and write the class report",
        description="Read every .json record in DIR, verify each by replaying it through the "
        "story, and write report.html, report.csv, report-grid.csv (who chose what at each "
        "decision), report-answers.csv (every answer) and report.md. Only verified records "
        "count in the class figures, one per student (the latest); flagged and unreadable "
        "files are listed with the reason. Records made for different assignments are "
        "reported apart unless --assignment names one. Nothing in the files is ever run. "
        "With --db WHERE instead of DIR, the hand-ins kept by `petrograd serve` in its "
        "database are read (and the report written to --output). See docs/teachers.md.",
    )
    report.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=None,
        metavar="DIR",
        help="the folder of .json records",
    )
    report.add_argument(
        "--db",
        default=None,
        metavar="WHERE",
        help="instead of DIR, the hand-ins kept by `petrograd serve`: its database, a SQLite "
        "file or a postgresql://user@host:port/db URL (needs --output)",
    )
    report.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the report here (default: DIR itself; required with --db)",
    )
    report.add_argument(
        "--export",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --db: also copy every hand-in to DIR as its .json record and .md and .html "
        "transcripts (one already there is skipped), for a folder of records to keep",
    )
    report.add_argument(
        "--assignment",
        type=Path,
        default=None,
        metavar="FILE",
        help="the assignment file the class played: records made for another are flagged",
    )
    add_story_options(report)


def run(args: argparse.Namespace) -> int:
    from game.classroom.report import build_report, summary_text, write_report

    if args.export is not None and args.db is None:
        err("--export copies hand-ins out of a database: give it with --db WHERE")
        return 1
    if (args.folder is None) == (args.db is None):
        err("give either DIR (a folder of .json records) or --db WHERE (a database), not both")
        return 1
    if args.db is not None:
        return _report_database(args)
    folder: Path = args.folder
    if not folder.exists():
        err(f"{folder}: no such folder")
        return 1
    if not folder.is_dir():
        err(f"{folder}: not a folder (give the folder that holds the .json records)")
        return 1
    story = load_or_report(args)
    if story is None:
        return 1
    ok, assignment = assignment_or_report(args.assignment, story)
    if not ok:
        return 1
    try:
        report = build_report(folder, story, assignment)
    except OSError as exc:
        err(f"{folder}: cannot read the folder: {exc.strerror or exc}")
        return 1
    output: Path = args.output if args.output is not None else folder
    written, problems = write_report(report, output)
    for problem in problems:
        err(problem)
    sys.stdout.write(summary_text(report))
    for path in written:
        print(f"wrote {shown(path)}")
    if not written:
        err(f"{output}: nothing could be written; check the folder exists and you may write there")
        return 1
    return 0


def _report_database(args: argparse.Namespace) -> int:
    """--db: the hand-ins exported to a temporary folder, reported as a folder would be."""
    import tempfile

    from game.paths import data_dir
    from game.web.store import StoreError, export_records, open_store

    if args.output is None:
        err("--db needs --output DIR: where to write the report (the database is not a folder)")
        return 1
    if args.export is not None:
        try:
            args.export.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            err(f"cannot make the folder {shown(args.export)}: {exc.strerror or exc}")
            return 1
    try:
        store = open_store(args.db, data_dir(), create=False)
    except StoreError as exc:
        err(str(exc))
        return 1
    klass = None  # every class's hand-ins, reported apart by assignment
    if args.assignment is not None:  # only that assignment's class
        story = load_or_report(args)
        ok, assignment = assignment_or_report(args.assignment, story) if story else (False, None)
        if story is None or not ok or assignment is None:
            store.close()
            return 1
        klass = assignment.id
    with tempfile.TemporaryDirectory(prefix="petrograd-report-") as temp:
        try:
            export_records(store, Path(temp), klass)
            if args.export is not None:
                kept = export_records(store, args.export, klass)
                print(f"copied {len(kept) // 3} new hand-ins to {shown(args.export)}")
        except StoreError as exc:
            err(str(exc))
            return 1
        except OSError as exc:
            err(f"cannot copy the hand-ins out of the database: {exc.strerror or exc}")
            return 1
        finally:
            store.close()
        args.folder = Path(temp)
        args.db = args.export = None
        return run(args)
