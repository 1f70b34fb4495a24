"""The instructor verbs that work on a graded class: ``grade similarity`` and ``grade export``.

Kept out of :mod:`grader.cli` (as :mod:`grader.platforms.verbs` is) so that stays small: each
verb parses its options here, calls one library function and prints what it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.cli_args import positive_int
from grader.course.load import LoadedCourse
from grader.errors import ExitCode
from grader.regrade import StudentChange

VERBS = ("similarity", "export", "diff")


def add_parsers(verbs: Any) -> None:
    """``grade similarity DIR`` and ``grade export DIR``."""
    similarity = verbs.add_parser("similarity", help="instructors: find submissions whose code is suspiciously alike, per exercise")
    similarity.add_argument("folder", type=Path, help="a `grade run` output folder (or a folder of submissions, with --out)")
    similarity.add_argument("--out", type=Path, default=None, help="where the report goes (default: the run's output folder)")
    similarity.add_argument(
        "--jobs", type=positive_int, default=0, help="processes that read and fingerprint files, 1 or more (default: the number of cores)"
    )

    export = verbs.add_parser("export", help="instructors: write the grades as a file Canvas or Moodle imports")
    export.add_argument("folder", type=Path, help="a `grade run` output folder")
    export.add_argument("--format", dest="lms", choices=["canvas", "moodle", "csv"], required=True)
    export.add_argument("--roster", type=Path, default=None, help="CSV mapping submission names to students (column `submission`, ...)")
    export.add_argument("--columns", choices=["total", "exercises"], default="total", help="one grade column, or one per exercise")
    export.add_argument("--assignment", default=None, help="the LMS assignment's name, e.g. 'Autograd (1234)' (default: the course title)")
    export.add_argument("--output", type=Path, default=None, help="the file to write (default: FOLDER/export-FORMAT.csv)")

    diff = verbs.add_parser("diff", help="instructors: per student, the checks whose result changed in the last regrade")
    diff.add_argument("folder", type=Path, help="a `grade run` output folder")


def run_verb(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import class_sources, commands

    if args.verb == "diff":
        render_diff(commands.diff(args.folder), console)
        return ExitCode.OK

    if args.verb == "export":
        target, count = commands.export(loaded, args.folder, args.lms, args.output, args.roster, args.columns, args.assignment)
        console.print(f"Wrote {target} ({count} students, {args.lms} format).", markup=False, soft_wrap=True)
        return ExitCode.OK

    report, files = class_sources.similarity_report(loaded, args.folder, args.out, jobs=max(0, args.jobs))
    clusters = sum(len(e.clusters) for e in report.exercises)
    console.print(
        f"{len(report.pairs)} similar pairs in {clusters} clusters among {report.submissions} submissions: {files.html} and {files.csv}",
        markup=False,
        soft_wrap=True,
    )
    for problem in report.unreadable:
        console.print(f"  {problem}", markup=False)
    return ExitCode.OK


def render_diff(found: list[StudentChange], console: Console) -> None:
    """Each regraded student's total and changed checks, old and new message (student text, so never markup)."""
    changed = [c for c in found if c.checks or c.old_points != c.new_points]
    console.print(f"{len(found)} submissions were graded again; {len(changed)} changed.", markup=False)
    for change in changed:
        console.print(f"{change.submission}: {change.old_points:g} -> {change.new_points:g} points", markup=False, soft_wrap=True)
        for check in change.checks:
            console.print(
                f"  {check.exercise}::{check.check}: {check.old_status} ({check.old_points:g})"
                f" -> {check.new_status} ({check.new_points:g})",
                markup=False,
                soft_wrap=True,
            )
            if check.old_message != check.new_message:
                console.print(f"    was: {_short(check.old_message) or '(no message)'}", markup=False, soft_wrap=True)
                console.print(f"    now: {_short(check.new_message) or '(no message)'}", markup=False, soft_wrap=True)


def _short(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = ["VERBS", "add_parsers", "render_diff", "run_verb"]
