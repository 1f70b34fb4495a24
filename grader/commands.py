"""The small verbs, each one library function returning records a test can inspect.

``grade check`` grades a student's folder against the visible checks; ``grade export`` and
``grade diff`` read a graded class's stored records. The larger verbs have modules of their own:
``grade run`` and ``grade report`` are :mod:`grader.class_run` (the owner of the output folder),
``grade validate`` is :mod:`grader.validation`, ``grade release`` is :mod:`grader.release` and
``grade similarity`` is :func:`grader.class_sources.similarity_report`.
The CLI (:mod:`grader.cli`) only parses arguments, calls these, renders and exits.
"""

from __future__ import annotations

from pathlib import Path

from grader.atomic_files import write_text_atomic
from grader.class_run import stored_results
from grader.course.load import LoadedCourse, check_exercise_ids
from grader.engine import GradeOptions, GradeRun, grade
from grader.export_lms import Columns, Format, export_rows, export_text, grade_columns, match_roster, read_roster
from grader.regrade import StudentChange, changes
from grader.submissions import load_submission


def check_local(loaded: LoadedCourse, workspace: Path, exercises: list[str], time_limit: float | None = None) -> GradeRun:
    """``grade check``: the student's files against the visible checks only."""
    selected = check_exercise_ids(loaded, exercises)
    submission = load_submission(workspace, loaded.exercise_ids)
    return grade(loaded, [submission], GradeOptions(visible_only=True, exercises=selected, time_limit=time_limit, fallback_isolation=True))


def export(
    loaded: LoadedCourse,
    out: Path,
    fmt: Format,
    target: Path | None = None,
    roster: Path | None = None,
    columns: Columns = "total",
    assignment: str | None = None,
) -> tuple[Path, int]:
    """``grade export DIR``: the grades of ``DIR/submissions/*.json`` as a file an LMS imports (:mod:`grader.export_lms`).

    Returns the file written (default ``DIR/export-<format>.csv``) and the number of students in it.
    """
    results = stored_results(out)
    students = match_roster(results, read_roster(roster) if roster is not None else None, roster)
    chosen = grade_columns(loaded.course, columns, assignment or loaded.course.title)
    target = target or out / f"export-{fmt}.csv"
    write_text_atomic(target, export_text(export_rows(results, students, chosen, fmt)))
    return target, len(results)


def diff(out: Path) -> list[StudentChange]:
    """``grade diff DIR``: per submission graded more than once, the checks whose result changed in its last regrade."""
    return [change for change in map(changes, stored_results(out, require_readable=False)) if change is not None]


__all__ = ["check_local", "diff", "export"]
