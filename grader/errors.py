"""One exception hierarchy for the grader.

Three outcomes stay apart (STYLE.md, principle 6): a student's wrong answer is
a result record, never an exception; a submission that cannot be graded is a
result record with a status; only the errors below escape, and they mean the
*grader or its inputs* are broken.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The ``grade`` command's exit codes, defined once (``docs/instructors.md`` tabulates them per verb).

    Every verb, ``grade gradescope grade`` inside the container included, returns one of these,
    so a script or CI job can tell "the students' code is wrong" from "the grader broke".
    """

    OK = 0
    """It worked (``run``: whatever the students scored; ``check``: every visible check passed; ``validate``: the course is sound)."""
    CHECKS_FAILED = 1
    """``grade check``: some visible check failed. ``grade validate``: the course is not sound."""
    USAGE = 2
    """Bad input to the grader: command line, ``course.yaml``, a missing path (argparse's own code for usage errors)."""
    GRADER_FAILED = 3
    """The grader itself failed: the sandbox could not start, an internal error."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT, as shells report it); what was written so far is kept."""


class GraderError(Exception):
    """Base class: the grader could not do what it was asked."""

    exit_code = ExitCode.USAGE


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

    exit_code = ExitCode.GRADER_FAILED


__all__ = ["CourseError", "ExitCode", "GraderError", "SandboxError", "UsageError"]
