"""An autograder for PyTorch autograd exercises: the supported Python API.

The names below are what a script, a notebook or another tool may rely on;
every other module is the grader's own and may change between versions. The
pipeline they cover, in order (``docs/architecture.md`` draws it):

- load a course: :func:`load_course` -> :class:`LoadedCourse` (its ``course`` is a :class:`Course`);
- plan it: :func:`build_plan` -> :class:`Plan` (the only place randomness happens);
- read submissions: :func:`discover`, :func:`load_submission` -> :class:`Submission`;
- grade: :func:`grade` (a few submissions, kept in memory) or :func:`run_class`
  (a whole class into an output folder, resumable), both with :class:`GradeOptions`;
  :func:`validate` proves a course's solutions pass and its mutants fail;
- read the results: :class:`SubmissionResult`, :class:`ExerciseResult`,
  :class:`CheckResult`, and :func:`submission_from_json` for stored records;
- errors: :class:`GraderError` and its kinds mean the grader or its inputs are
  broken; a student's wrong answer is a result, never an exception.

The names are imported on first use (PEP 562), not when ``grader`` is: the
sandbox's worker side imports ``grader.sandbox.*`` and must stay free of
pydantic, pytest and the rest of the trusted side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.class_run import ClassRun, run_class
    from grader.course.load import LoadedCourse, load_course
    from grader.course.schema import Course
    from grader.engine import GradeOptions, GradeRun, grade
    from grader.errors import CourseError, GraderError, SandboxError, UsageError
    from grader.plan import Plan, build_plan
    from grader.results import CheckResult, ExerciseResult, SubmissionResult, submission_from_json
    from grader.submissions import Submission, discover, load_submission
    from grader.validation import ValidationReport, validate

_HOMES: dict[str, str] = {
    "load_course": "grader.course.load",
    "LoadedCourse": "grader.course.load",
    "Course": "grader.course.schema",
    "build_plan": "grader.plan",
    "Plan": "grader.plan",
    "discover": "grader.submissions",
    "load_submission": "grader.submissions",
    "Submission": "grader.submissions",
    "grade": "grader.engine",
    "GradeOptions": "grader.engine",
    "GradeRun": "grader.engine",
    "run_class": "grader.class_run",
    "ClassRun": "grader.class_run",
    "validate": "grader.validation",
    "ValidationReport": "grader.validation",
    "SubmissionResult": "grader.results",
    "ExerciseResult": "grader.results",
    "CheckResult": "grader.results",
    "submission_from_json": "grader.results",
    "GraderError": "grader.errors",
    "CourseError": "grader.errors",
    "UsageError": "grader.errors",
    "SandboxError": "grader.errors",
}
"""Each public name -> the module that defines it (where to read its documentation)."""


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "CheckResult",
    "ClassRun",
    "Course",
    "CourseError",
    "ExerciseResult",
    "GradeOptions",
    "GradeRun",
    "GraderError",
    "LoadedCourse",
    "Plan",
    "SandboxError",
    "Submission",
    "SubmissionResult",
    "UsageError",
    "ValidationReport",
    "build_plan",
    "discover",
    "grade",
    "load_course",
    "load_submission",
    "run_class",
    "submission_from_json",
    "validate",
]
