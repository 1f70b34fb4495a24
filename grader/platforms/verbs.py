"""The platform verbs of the ``grade`` command, kept out of :mod:`grader.cli` so that stays small.

``grade nbgrader build``, ``grade gradescope build|grade`` and the ``grade run`` options that read
nbgrader's ``submitted/`` tree, write its gradebook or write Gradescope ``results.json`` files.
Each verb calls one library function and renders its record; nothing here grades.

The options arrive as typed, frozen requests (:class:`RunPlatforms`, :class:`NbgraderBuild`,
:class:`GradescopeBuild`, :class:`GradescopeGrade`), never as an ``argparse.Namespace``:
:mod:`grader.cli` builds them from the parsed arguments in one place, and a test or a script
builds them directly to drive every output format without the command line.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.cli_args import positive_int
from grader.course.load import LoadedCourse
from grader.errors import ExitCode, UsageError
from grader.results import SubmissionResult
from grader.submissions import Submission
from grader.text_safety import one_line

NBGRADER_MISSING = "nbgrader is not installed: install the optional extra with `pip install -c constraints.txt -e '.[nbgrader]'`"


def add_parsers(verbs: Any) -> None:
    """``grade nbgrader ...`` and ``grade gradescope ...``."""
    nbgrader = verbs.add_parser("nbgrader", help="instructors: the course as an nbgrader course directory")
    nbgrader_verbs = nbgrader.add_subparsers(dest="platform_verb", required=True)
    build = nbgrader_verbs.add_parser("build", help="write nbgrader_config.py and source/<assignment>/ notebooks")
    build.add_argument("course_dir", type=Path, help="the nbgrader course directory to write")
    build.add_argument("--assignment", default=None, help="assignment name (default: the course id)")
    build.add_argument("--one-notebook", action="store_true", help="all exercises in one notebook instead of one per exercise")
    build.add_argument("--force", action="store_true", help="replace the assignment's source notebooks")

    gradescope = verbs.add_parser("gradescope", help="instructors: the Gradescope autograder")
    gradescope_verbs = gradescope.add_subparsers(dest="platform_verb", required=True)
    bundle = gradescope_verbs.add_parser("build", help="write the autograder zip to upload to Gradescope")
    bundle.add_argument("out", type=Path, help="the .zip to write")
    inside = gradescope_verbs.add_parser("grade", help="inside Gradescope: grade one submission into results.json (run_autograder)")
    inside.add_argument("submission", type=Path)
    inside.add_argument("--results", type=Path, required=True, help="where results.json goes")
    inside.add_argument("--jobs", type=positive_int, default=1, help="workers in parallel, 1 or more (default: 1)")


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Options of ``grade run`` for the classroom platforms."""
    run.add_argument("--nbgrader", type=Path, default=None, metavar="COURSE_DIR", help="grade COURSE_DIR/submitted/<student>/<assignment>/")
    run.add_argument("--assignment", default=None, help="with an nbgrader tree: the assignment (default: the only one, or the course id)")
    run.add_argument("--write-gradebook", action="store_true", help="with an nbgrader tree: store the scores in nbgrader's gradebook")
    run.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["gradescope"],
        default=[],
        help="also write OUT/gradescope/<name>/results.json",
    )


@dataclass(frozen=True)
class NbgraderBuild:
    """``grade nbgrader build``: write an nbgrader course directory from the course."""

    course_dir: Path
    """The nbgrader course directory to write (``nbgrader_config.py`` and ``source/<assignment>/``)."""
    assignment: str | None = None
    """The assignment's name; ``None``: the course id."""
    one_notebook: bool = False
    """All exercises in one notebook instead of one per exercise."""
    force: bool = False
    """Replace the assignment's source notebooks if they exist."""


@dataclass(frozen=True)
class GradescopeBuild:
    """``grade gradescope build``: write the autograder zip to upload to Gradescope."""

    out: Path
    """The ``.zip`` to write."""


@dataclass(frozen=True)
class GradescopeGrade:
    """``grade gradescope grade``: inside the container, grade one upload into ``results.json``."""

    course: Path
    """``course.yaml`` or its folder; a course that does not load becomes a failure record, not a crash."""
    submission: Path
    """The student's upload (``/autograder/submission``)."""
    results: Path
    """Where ``results.json`` goes."""
    jobs: int = 1
    """Workers in parallel."""


@dataclass(frozen=True)
class RunPlatforms:
    """The platforms' part of a ``grade run``: where the submissions come from and what is written besides the gradebook.

    Built from the command line by :mod:`grader.cli` (once), or by a test or script directly.
    """

    paths: tuple[Path, ...]
    """The submission folders named on the command line (one may be nbgrader's ``COURSE_DIR/submitted``)."""
    out: Path
    """The run's output folder."""
    nbgrader: Path | None = None
    """``--nbgrader COURSE_DIR``: grade ``COURSE_DIR/submitted/<student>/<assignment>/``."""
    assignment: str | None = None
    """With an nbgrader tree: the assignment; ``None``: the only one, or the course id."""
    write_gradebook: bool = False
    """With an nbgrader tree: store the scores in nbgrader's gradebook."""
    gradescope_results: bool = False
    """``--format gradescope``: also write ``OUT/gradescope/<name>/results.json``."""


def run_platform_verb(loaded: LoadedCourse, request: NbgraderBuild | GradescopeBuild, console: Console) -> ExitCode:
    """``grade nbgrader build`` or ``grade gradescope build``: write the files, say where they are."""
    if isinstance(request, NbgraderBuild):
        return _build_nbgrader(loaded, request, console)
    from grader.platforms.gradescope import build_bundle

    names = build_bundle(loaded, request.out)
    console.print(f"Wrote the Gradescope autograder {request.out} ({len(names)} files); upload it as the assignment's autograder.")
    return ExitCode.OK


def _build_nbgrader(loaded: LoadedCourse, request: NbgraderBuild, console: Console) -> ExitCode:
    try:
        from grader.platforms.nbgrader_build import build
    except ImportError as error:
        raise UsageError(f"{NBGRADER_MISSING} ({error})") from None
    report = build(loaded, request.course_dir, request.assignment, one_notebook=request.one_notebook, force=request.force)
    console.print(f"Wrote {len(report.notebooks)} notebook(s) to {report.course_dir / 'source' / report.assignment} and {report.config}.")
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)
    console.print(f"Next: cd {report.course_dir} && nbgrader generate_assignment {report.assignment}", markup=False)
    return ExitCode.OK


def grade_in_gradescope(request: GradescopeGrade) -> ExitCode:
    """``grade gradescope grade``: inside the container, where every failure must still become a results.json."""
    from grader.platforms.gradescope import grade_course_path

    return grade_course_path(request.course, request.submission, request.results, jobs=request.jobs)


@dataclass(frozen=True)
class NbgraderTree:
    course_dir: Path
    assignment: str


def run_submissions(loaded: LoadedCourse, request: RunPlatforms) -> tuple[list[Submission] | None, NbgraderTree | None]:
    """The submissions of an nbgrader tree, or ``(None, None)`` for ordinary folders (``grade run`` discovers those itself)."""
    from grader.platforms.nbgrader_read import choose_assignment, discover, is_submitted_tree

    paths = request.paths
    if request.nbgrader is not None:
        submitted = request.nbgrader / "submitted"
    elif len(paths) == 1 and paths[0].name == "submitted" and is_submitted_tree(paths[0]):
        submitted = paths[0]
    else:
        if request.write_gradebook or request.assignment:
            raise UsageError("--write-gradebook and --assignment need an nbgrader tree: pass COURSE_DIR/submitted or --nbgrader COURSE_DIR")
        if not paths:
            raise UsageError("nothing to grade: give submission folders, or --nbgrader COURSE_DIR")
        return None, None
    ids = loaded.exercise_ids
    assignment = choose_assignment(submitted, request.assignment, loaded.course.course)
    submissions = discover(submitted, assignment, ids, loaded.course.defaults.max_submission_kb * 1024)
    return submissions, NbgraderTree(course_dir=submitted.parent, assignment=assignment)


def after_run(results: list[SubmissionResult], request: RunPlatforms, tree: NbgraderTree | None, console: Console) -> None:
    """Write what the platforms need from a finished ``grade run``."""
    if request.gradescope_results:
        from grader.platforms.gradescope import write_class_results

        written = write_class_results(results, request.out)
        console.print(f"Gradescope results.json: {len(written)} under {request.out / 'gradescope'}", markup=False)
    if request.write_gradebook and tree is not None:
        _write_nbgrader_gradebook(results, tree, console)


def _write_nbgrader_gradebook(results: list[SubmissionResult], tree: NbgraderTree, console: Console) -> None:
    from grader.platforms.nbgrader_gradebook import write_grades

    try:
        report = write_grades(tree.course_dir, tree.assignment, results)
    except ImportError as error:
        raise UsageError(f"{NBGRADER_MISSING} ({error})") from None
    console.print(
        f"nbgrader gradebook {report.db_url}: {report.grades} grades for {report.students} students in `{report.assignment}`",
        markup=False,
    )
    if report.unmatched:
        console.print(f"  not in the gradebook (no such grade cell): {', '.join(map(one_line, report.unmatched))}", markup=False)


__all__ = [
    "GradescopeBuild",
    "GradescopeGrade",
    "NbgraderBuild",
    "NbgraderTree",
    "RunPlatforms",
    "add_parsers",
    "add_run_options",
    "after_run",
    "grade_in_gradescope",
    "run_platform_verb",
    "run_submissions",
]
