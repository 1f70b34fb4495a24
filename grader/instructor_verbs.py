"""The instructor verbs that work on a graded class: ``grade similarity`` and ``grade export``.

Kept out of :mod:`grader.cli` (as :mod:`grader.platforms.verbs` is) so that stays small: each
verb parses its options here, calls one library function and prints what it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.course.load import LoadedCourse
from grader.results import EXIT_OK

VERBS = ("similarity", "export")


def add_parsers(verbs: Any) -> None:
    """``grade similarity DIR`` and ``grade export DIR``."""
    similarity = verbs.add_parser("similarity", help="instructors: find submissions whose code is suspiciously alike, per exercise")
    similarity.add_argument("folder", type=Path, help="a `grade run` output folder (or a folder of submissions, with --out)")
    similarity.add_argument("--out", type=Path, default=None, help="where the report goes (default: the run's output folder)")

    export = verbs.add_parser("export", help="instructors: write the grades as a file Canvas or Moodle imports")
    export.add_argument("folder", type=Path, help="a `grade run` output folder")
    export.add_argument("--format", dest="lms", choices=["canvas", "moodle", "csv"], required=True)
    export.add_argument("--roster", type=Path, default=None, help="CSV mapping submission names to students (column `submission`, ...)")
    export.add_argument("--columns", choices=["total", "exercises"], default="total", help="one grade column, or one per exercise")
    export.add_argument("--assignment", default=None, help="the LMS assignment's name, e.g. 'Autograd (1234)' (default: the course title)")
    export.add_argument("--output", type=Path, default=None, help="the file to write (default: FOLDER/export-FORMAT.csv)")


def run_verb(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> int:
    from grader import commands

    if args.verb == "export":
        target, count = commands.export(loaded, args.folder, args.lms, args.output, args.roster, args.columns, args.assignment)
        console.print(f"Wrote {target} ({count} students, {args.lms} format).", markup=False, soft_wrap=True)
        return EXIT_OK

    report, files = commands.similarity(loaded, args.folder, args.out)
    clusters = sum(len(e.clusters) for e in report.exercises)
    console.print(
        f"{len(report.pairs)} similar pairs in {clusters} clusters among {report.submissions} submissions: {files.html} and {files.csv}",
        markup=False,
        soft_wrap=True,
    )
    for problem in report.unreadable:
        console.print(f"  {problem}", markup=False)
    return EXIT_OK


__all__ = ["VERBS", "add_parsers", "run_verb"]
