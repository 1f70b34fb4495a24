"""The ``grade`` command: parse, call one library function, render, exit.

:func:`main` reads as those four steps. Parsing is :func:`_parser`; the grading and platform options
become typed, frozen requests in one place (the "requests" section below), so the library functions
never see an ``argparse.Namespace``; each verb calls its library function, renders the record it
returns and answers an :class:`~grader.errors.ExitCode`, where the exit codes are defined
(``docs/instructors.md`` tabulates them per verb).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from grader import instructor_verbs
from grader.cli_args import (
    GradeArgumentParser,
    accept_course_anywhere,
    add_isolation_option,
    check_exercise_ids,
    describe_verbs,
    find_course,
    package_version,
    positive_float,
    positive_int,
)
from grader.errors import CourseError, ExitCode, GraderError, UsageError
from grader.platforms import verbs as platform_verbs
from grader.sandbox.platform_support import ISOLATION_ENV
from grader.text_safety import printable_lines

if TYPE_CHECKING:
    from grader.class_run import ClassRun
    from grader.course.load import LoadedCourse
    from grader.engine import GradeOptions


COURSE_HELP = "course.yaml or the folder holding it (default: the nearest course.yaml in this folder or one above it)"

EXAMPLES = {
    "check": (
        "grade check square    # one exercise, from the course folder or any folder below it\n"
        "grade check --html    # every exercise, and a web page with plots"
    ),
    "validate": "grade validate --course path/to/course",
    "release": "grade release ../release-week1",
    "run": "grade run submissions/ --out graded/ --jobs 4    # add --no-similarity to skip the similarity report",
    "report": "grade report graded/",
    "nbgrader": "grade nbgrader build nbgrader-course/",
    "nbgrader build": "grade nbgrader build nbgrader-course/ --assignment week1",
    "gradescope": "grade gradescope build autograder.zip",
    "gradescope build": "grade gradescope build autograder.zip",
    "similarity": "grade similarity graded/    # after `grade run --out graded/`: similarity.html and similarity.csv",
    "export": "grade export graded/ --format canvas --roster roster.csv",
    "diff": "grade diff graded/    # after a regrade: the checks whose result changed, per student",
    "gradescope grade": "grade gradescope grade /autograder/submission --results /autograder/results/results.json",
}
"""One example per verb, shown at the end of its ``--help`` (a test requires one for every verb)."""


# ---------------------------------------------------------------- parse


def _parser() -> argparse.ArgumentParser:
    """The whole command line; the verbs are listed in ``grade --help`` in the order they are added here."""
    parser = GradeArgumentParser(prog="grade", description="Graded PyTorch autograd exercises and their sandboxed autograder.")
    parser.add_argument("--version", action="version", version=f"grade {package_version()}")
    parser.add_argument("--course", type=Path, default=None, help=COURSE_HELP)
    verbs = parser.add_subparsers(dest="verb", required=True)
    _add_check(verbs)
    verbs.add_parser("validate", help="instructors: prove the course is sound (solutions, stubs, mutants)")
    release = verbs.add_parser("release", help="instructors: write the student bundle (nothing hidden in it)")
    release.add_argument("out", type=Path)
    release.add_argument("--force", action="store_true", help="replace OUT if it is not empty")
    _add_run(verbs)
    platform_verbs.add_parsers(verbs)
    instructor_verbs.add_parsers(verbs)
    report = verbs.add_parser("report", help="instructors: rebuild the dashboard and feedback pages of a graded class (no regrading)")
    report.add_argument("out", type=Path, help="the --out folder of an earlier `grade run`")
    accept_course_anywhere(parser, COURSE_HELP)
    describe_verbs(parser, EXAMPLES)
    return parser


def _add_check(verbs: Any) -> None:
    check = verbs.add_parser("check", help="students: run the visible checks on your exercises")
    check.add_argument("exercises", nargs="*", help="exercise ids (default: all)")
    check.add_argument(
        "--workspace", type=Path, default=None, help="folder with your <exercise>.py files (default: exercises/ of the course)"
    )
    check.add_argument(
        "--html",
        type=Path,
        nargs="?",
        const=Path("feedback.html"),
        default=None,
        metavar="FILE",
        help="also write the feedback as a web page with plots (default FILE: feedback.html) and print its path",
    )
    add_isolation_option(check, "default: the strongest this machine allows, down to portable")


def _add_run(verbs: Any) -> None:
    run = verbs.add_parser("run", help="instructors: grade a class with the hidden checks")
    run.add_argument("paths", nargs="*", type=Path, help="submission folders, or folders of them, or nbgrader's COURSE_DIR/submitted")
    run.add_argument("--out", type=Path, required=True, help="where gradebook.csv and per-submission JSON go")
    run.add_argument(
        "--jobs", type=positive_int, default=os.cpu_count() or 1, help="workers in parallel, 1 or more (default: the number of cores)"
    )
    run.add_argument(
        "--per-student-seed", action="store_true", help="draw hidden inputs per student (from the course seed and the submission name)"
    )
    run.add_argument(
        "--time-limit", type=positive_float, default=None, help="override every exercise's wall-clock limit (seconds, above 0)"
    )
    run.add_argument("--exercise", action="append", default=[], help="grade only this exercise (repeatable)")
    run.add_argument("--quiet", action="store_true", help="print only the final line")
    run.add_argument(
        "--no-similarity",
        dest="similarity",
        action="store_false",
        help="do not compare the class's code for similarity after grading (default: compare when the records changed)",
    )
    add_isolation_option(run, "default: the fork server's strongest; portable only when asked for")
    platform_verbs.add_run_options(run)
    run.add_argument(
        "--chunk",
        type=positive_int,
        default=0,
        metavar="N",
        help="submissions judged together, 1 or more; each chunk's results are written when it is judged (default: 32)",
    )
    run.add_argument("--force", action="store_true", help="grade every submission again, even those unchanged since they were graded")
    run.add_argument(
        "--dask", metavar="ADDRESS", default=None, help="run the sandboxed workers on a Dask cluster (e.g. tcp://scheduler:8786)"
    )


# ---------------------------------------------------------------- requests: the parsed arguments as typed records


def _grade_options(args: argparse.Namespace) -> GradeOptions:
    from grader.engine import GradeOptions

    return GradeOptions(
        per_student_seed=args.per_student_seed,
        time_limit=args.time_limit,
        parallel=args.jobs,
        exercises=tuple(args.exercise),
        dask=args.dask,
        chunk_size=args.chunk,
    )


def _run_platforms(args: argparse.Namespace) -> platform_verbs.RunPlatforms:
    return platform_verbs.RunPlatforms(
        paths=tuple(args.paths),
        out=args.out,
        nbgrader=args.nbgrader,
        assignment=args.assignment,
        write_gradebook=args.write_gradebook,
        gradescope_results="gradescope" in args.formats,
    )


def _platform_build(args: argparse.Namespace) -> platform_verbs.NbgraderBuild | platform_verbs.GradescopeBuild:
    if args.verb == "nbgrader":
        return platform_verbs.NbgraderBuild(args.course_dir, args.assignment, one_notebook=args.one_notebook, force=args.force)
    return platform_verbs.GradescopeBuild(args.out)


def _gradescope_grade(args: argparse.Namespace) -> platform_verbs.GradescopeGrade:
    """Inside Gradescope the course is found like anywhere else; when it is not, the grading step reports it in results.json."""
    try:
        course = find_course(args.course)
    except CourseError:
        course = args.course or Path(".")
    return platform_verbs.GradescopeGrade(course, args.submission, args.results, jobs=args.jobs)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Parse, call the verb (which renders its record), and return its exit code; errors render as one message each."""
    args = _parser().parse_args(argv)
    if args.verb == "gradescope" and args.platform_verb == "grade":  # must write results.json whatever fails, the course load included
        return platform_verbs.grade_in_gradescope(_gradescope_grade(args))
    errors = _stderr()
    try:
        return _call(args, Console(highlight=False))
    except CourseError as error:
        return _render_course_error(error, errors)
    except GraderError as error:
        return _render_grader_error(error, errors)
    except KeyboardInterrupt:
        errors.print("interrupted; results written so far are kept")
        return ExitCode.INTERRUPTED


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line: editors parse file:line:col


def _render_course_error(error: CourseError, errors: Console) -> ExitCode:
    count = len(error.problems)
    errors.print(f"[bold red]course error[/] ({count} problem{'s' if count != 1 else ''}):", markup=True)
    for problem in error.problems:
        errors.print(f"  {problem}", markup=False)
    return ExitCode.USAGE


def _render_grader_error(error: GraderError, errors: Console) -> ExitCode:
    said = escape(printable_lines(str(error)))  # may quote a submission's name or a worker's words: shown as text
    label = "error:" if error.exit_code == ExitCode.USAGE else "the grader failed:"
    errors.print(f"[bold red]{label}[/] {said}", markup=True)
    return error.exit_code


def _call(args: argparse.Namespace, console: Console) -> ExitCode:
    """Load the course, refuse what is wrong before the sandbox starts, start it, run the verb."""
    from grader.course.load import load_course

    loaded = load_course(find_course(args.course))
    _refuse_before_grading(loaded, args)
    if getattr(args, "isolation", None):
        os.environ[ISOLATION_ENV] = args.isolation  # the fork server and every sandbox of this command read it
    from grader.sandbox.client import prestart

    prestart(warm_up=_warm_up(args))  # the fork server imports torch while this process imports the verb's modules
    return VERBS[args.verb](loaded, args, console)


def _refuse_before_grading(loaded: LoadedCourse, args: argparse.Namespace) -> None:
    """Usage errors that need the course but not torch: named before the sandbox starts, so they print at once."""
    if args.verb == "check":
        check_exercise_ids(loaded, args.exercises)
        if args.workspace is not None and not args.workspace.is_dir():
            raise UsageError(f"{args.workspace}: no such folder (--workspace names the folder holding your <exercise>.py files)")
    if args.verb == "run":
        check_exercise_ids(loaded, args.exercise)
        missing = [path for path in args.paths if not path.exists()]
        if missing:
            raise UsageError(f"{missing[0]}: does not exist (expected a submission folder or a folder of submissions)")
    if args.verb == "report" and not args.out.is_dir():
        raise UsageError(f"{args.out}: does not exist (expected the --out folder of an earlier `grade run`)")


LIGHT_CHECK = 3
"""``grade check`` of at most this many named exercises starts a lightly warmed sandbox (the answer comes sooner)."""


def _warm_up(args: argparse.Namespace) -> str:
    """``light`` for a check of a few exercises, ``full`` for everything else (see :func:`grader.sandbox.template.warm_up`).

    ``GRADER_WARM_UP`` overrides it (``benchmarks/check_speed.py`` compares the two).
    """
    if os.environ.get("GRADER_WARM_UP") in ("light", "full"):
        return os.environ["GRADER_WARM_UP"]
    return "light" if args.verb == "check" and 0 < len(args.exercises) <= LIGHT_CHECK else "full"


# ---------------------------------------------------------------- the verbs: call, render, exit code


def _check(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import commands
    from grader.report.terminal import render_check

    workspace = args.workspace or loaded.root / "exercises"
    run = commands.check_local(loaded, workspace, list(args.exercises))
    titles = {e.id: e.title for e in loaded.course.exercises}
    result = run.results[0]
    render_check(result, console, titles)
    console.print(f"Sandbox isolation: {run.isolation}", markup=False, highlight=False)
    if args.html is not None:
        from grader.report.html_reports import write_feedback_file

        page = write_feedback_file(result, loaded, args.html)
        console.print(f"Feedback page: {page.resolve()}", markup=False, highlight=False)
    all_passed = all(c.passed for e in result.exercises for c in e.checks)
    return ExitCode.OK if all_passed else ExitCode.CHECKS_FAILED


def _validate(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import validation
    from grader.report.terminal import render_validation

    report = validation.validate(loaded, parallel=os.cpu_count() or 1)
    render_validation(report, console)
    return ExitCode.OK if report.ok else ExitCode.CHECKS_FAILED


def _release(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import release

    bundle = release.release(loaded, args.out, force=args.force, wheel=True)
    console.print(
        f"Wrote the student release to {args.out} ({len(bundle.files)} files; no solutions, hidden checks, seed or mutants).",
        markup=False,
        soft_wrap=True,
    )
    if bundle.wheel_problem:
        _stderr().print(f"warning: no grader wheel in the release: {bundle.wheel_problem}", markup=False)
    console.print(f"Students install the grader from {args.out} with: {bundle.install_command}", markup=False, soft_wrap=True)
    return ExitCode.OK


def _report(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import class_run

    files = class_run.rebuild_reports(loaded, args.out)
    console.print(f"Wrote {files.index} and {len(files.pages)} feedback pages in {files.seconds:.1f} s.", markup=False)
    return ExitCode.OK


def _platform_verb(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    return platform_verbs.run_platform_verb(loaded, _platform_build(args), console)


def _run(loaded: LoadedCourse, args: argparse.Namespace, console: Console) -> ExitCode:
    from grader import class_run
    from grader.progress import ClassProgress
    from grader.report.terminal import render_class_summary

    started = time.monotonic()
    options = _grade_options(args)
    platforms = _run_platforms(args)
    submissions, nbgrader_tree = platform_verbs.run_submissions(loaded, platforms)
    shown = Console(quiet=True) if args.quiet else console  # --quiet: the final line alone
    with ClassProgress(shown, quiet=args.quiet) as progress:
        outcome = class_run.run_class(
            loaded,
            list(args.paths),
            args.out,
            options,
            progress.graded,
            force=args.force,
            on_plan=progress.plan,
            submissions=submissions,
            similarity_report=args.similarity,
        )
    ids = list(options.exercises) or loaded.exercise_ids
    outputs = [outcome.gradebook] + ([outcome.reports.index] if outcome.reports is not None else [])
    render_class_summary(outcome.run.results, ids, shown, outputs=outputs)
    platform_verbs.after_run(outcome.run.results, platforms, nbgrader_tree, shown)
    _render_run_end(outcome, time.monotonic() - started, console)
    return ExitCode.OK


def _render_run_end(outcome: ClassRun, elapsed: float, console: Console) -> None:
    """The regrade's sentence, then the summary: always the last line, naming where every output is (scripts and --quiet read it)."""
    from grader.report.terminal import plural

    if outcome.regrade is not None:
        console.print(outcome.regrade.sentence() + " (`grade diff OUT` lists what changed)", markup=False, soft_wrap=True)
    kept = f", {outcome.skipped} unchanged and kept" if outcome.skipped else ""
    dashboard = f"; dashboard: {outcome.reports.index}" if outcome.reports is not None else ""
    console.print(
        f"graded {plural(outcome.graded, 'submission')} in {elapsed:.1f} s{kept} (isolation: {outcome.run.isolation});"
        f" gradebook: {outcome.gradebook}{dashboard}",
        markup=False,
        soft_wrap=True,
    )


VERBS: dict[str, Callable[[LoadedCourse, argparse.Namespace, Console], ExitCode]] = {
    "check": _check,
    "validate": _validate,
    "release": _release,
    "run": _run,
    "report": _report,
    "nbgrader": _platform_verb,
    "gradescope": _platform_verb,
    **dict.fromkeys(instructor_verbs.VERBS, instructor_verbs.run_verb),
}
"""Each verb's call-render-exit function (``gradescope grade`` alone runs before the course is loaded, in :func:`main`)."""


__all__ = ["VERBS", "main"]


if __name__ == "__main__":
    sys.exit(main())
