"""One exception hierarchy for the grader.

Three outcomes stay apart (STYLE.md, principle 6): a student's wrong answer is
a result record, never an exception; a submission that cannot be graded is a
result record with a status; only the errors below escape, and they mean the
*grader or its inputs* are broken.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base class: the grader could not do what it was asked."""

    exit_code = 2


class CourseError(GraderError):
    """``course.yaml`` or a file it names is missing or invalid.

    ``problems`` holds one line per problem, each already naming the file, the
    place (``course.yaml:42:7``), what was expected and what was found.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(GraderError):
    """The command line asked for something that does not exist (an unknown exercise, a missing path)."""


class SandboxError(GraderError):
    """The sandbox itself failed (not the student's code): the fork server died or a protocol frame was corrupt."""

    exit_code = 3


__all__ = ["CourseError", "GraderError", "SandboxError", "UsageError"]
