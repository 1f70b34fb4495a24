"""Scores from ``grade run`` into nbgrader's gradebook, through nbgrader's own ``Gradebook`` API.

One ``Grade`` per autograder test cell: its ``grade_id`` names the exercise and check
(:mod:`grader.platforms.nbgrader_names`), so each check's points become that cell's
``auto_score`` and the cell no longer needs manual grading. ``nbgrader export``, formgrader and
``generate_feedback`` then show these scores. The grade cells exist only after
``nbgrader generate_assignment`` has run on the notebooks ``grade nbgrader build`` wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.platforms.nbgrader_names import check_id
from grader.results import SubmissionResult


@dataclass(frozen=True)
class GradebookWrite:
    db_url: str
    assignment: str
    students: int
    grades: int
    unmatched: list[str] = field(default_factory=list)
    """Checks with no grade cell in the gradebook (e.g. instructor pytest checks): not written."""


def gradebook_settings(course_dir: Path) -> tuple[str, str]:
    """``(db_url, course_id)`` as nbgrader itself resolves them from ``nbgrader_config.py``."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config_file = course_dir / "nbgrader_config.py"
    config = PyFileConfigLoader(config_file.name, path=str(course_dir)).load_config() if config_file.is_file() else None
    coursedir = (
        CourseDirectory(config=config, root=str(course_dir.resolve()))
        if config is not None
        else CourseDirectory(root=str(course_dir.resolve()))
    )
    return str(coursedir.db_url), str(coursedir.course_id)


def write_grades(course_dir: Path, assignment: str, results: list[SubmissionResult]) -> GradebookWrite:
    """Create each student and submission if needed and set every matching grade cell's ``auto_score``."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = gradebook_settings(course_dir)
    first_step = f"run `nbgrader generate_assignment {assignment}` in {course_dir} first (it records the grade cells)"
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise UsageError(f"{db_url}: no nbgrader gradebook yet; {first_step}")
    written = 0
    unmatched: set[str] = set()
    with Gradebook(db_url, course_id=course_id) as gradebook:
        try:
            row = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise UsageError(f"{db_url}: no assignment `{assignment}` in nbgrader's gradebook; {first_step}") from None
        notebook_of = {cell.name: notebook.name for notebook in row.notebooks for cell in notebook.grade_cells}
        for result in results:
            gradebook.update_or_create_student(result.submission)
            gradebook.update_or_create_submission(assignment, result.submission)
            for exercise in result.exercises:
                for check in exercise.checks:
                    grade_id = check_id(exercise.exercise, check.name)
                    notebook = notebook_of.get(grade_id)
                    if notebook is None:
                        unmatched.add(f"{exercise.exercise}/{check.name}")
                        continue
                    grade = gradebook.find_grade(grade_id, notebook, assignment, result.submission)
                    grade.auto_score = float(check.points)
                    grade.needs_manual_grade = False
                    written += 1
        gradebook.db.commit()
    return GradebookWrite(db_url=db_url, assignment=assignment, students=len(results), grades=written, unmatched=sorted(unmatched))


__all__ = ["GradebookWrite", "gradebook_settings", "write_grades"]
