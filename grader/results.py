"""Result records: what grading produced, as data, for every reporter.

Reporters read these and never recompute grades. Three outcomes stay apart
(STYLE.md principle 6): a check the student failed (``failed``), an exercise
that could not be graded (``timeout``, ``crashed``, ...: the student's code
is at fault but no check could judge it), and the grader itself failing,
which is an exception (:mod:`grader.errors`), never a record.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CheckStatus = Literal["passed", "failed", "not_started", "not_graded"]
"""``not_started``: the stub still raises NotImplementedError; ``not_graded``: the worker ended before this check."""

ExerciseStatus = Literal[
    "graded",
    "not_started",
    "missing",
    "syntax_error",
    "timeout",
    "crashed",
    "output_limit",
    "exited",
    "rejected",
]
"""``graded`` when every check was judged; otherwise why not (the checks that were judged keep their points)."""


@dataclass(frozen=True)
class CheckResult:
    """One check of one exercise for one submission."""

    exercise: str
    name: str
    visible: bool
    points: float
    """Points earned: ``max_points`` when passed, else 0."""
    max_points: float
    status: CheckStatus
    message: str
    """Plain-language explanation; for hidden checks it never contains hidden inputs or expected values."""
    description: str = ""
    hint: str | None = None
    """A diagnosis: a matched mutant's hint or a named probe's finding."""
    diagnosis: str | None = None
    """The mutant name or probe that produced ``hint`` (for class statistics)."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


NOTE_CHARS = 300


def passing_note(checks: Iterable[CheckResult]) -> str:
    """The first note a passed check carries, one line: said once per exercise, however many checks carry it.

    A passed check has a message only when the judge accepted a value in another
    dtype than the reference's ("your result is float32 where float64 was expected;
    its values match"): a pass the student should still hear about.
    """
    note = next((c.message for c in checks if c.passed and c.message), "")
    return (note.strip().splitlines() or [""])[0][:NOTE_CHARS]


@dataclass(frozen=True)
class ExerciseResult:
    """All checks of one exercise for one submission, and how its worker ended."""

    exercise: str
    status: ExerciseStatus
    points: float
    max_points: float
    checks: tuple[CheckResult, ...]
    message: str = ""
    """Why the exercise was not fully graded (time-out, crash, syntax error), empty when graded."""
    isolation: str = ""
    wall_seconds: float = 0.0
    output: str = ""
    """What the student's code printed (capped); shown to the student, never parsed."""
    plot: dict[str, Any] | None = None
    """The feedback plot's numbers (or sanitised figure PNGs), see :mod:`grader.feedback_data`; ``None``: no plot."""
    traceback: dict[str, Any] | None = None
    """The student's first exception (type, message, frames of their own file only); ``None``: none raised."""


@dataclass(frozen=True)
class LateInfo:
    """When a submission came in against its deadline, and what that cost (:mod:`grader.late_policy`)."""

    submitted: str
    """ISO 8601 time of the submission, in UTC."""
    source: str
    """Where that time came from: ``nbgrader timestamp.txt``, ``timestamps CSV`` or ``file times``."""
    due: str
    """ISO 8601 deadline that applied (the course's, or the student's extension)."""
    late_seconds: float
    """0 when on time or within the grace period."""
    penalty_percent: float
    """Share of the earned points taken off, after the cap."""
    points_before: float
    """The points the checks gave (raw)."""
    points: float
    """The points after the penalty: what gradebooks and exports report."""


@dataclass(frozen=True)
class PastCheck:
    """One check as an earlier grading judged it (kept in :class:`PastGrade`)."""

    exercise: str
    name: str
    status: CheckStatus
    points: float
    message: str


@dataclass(frozen=True)
class PastGrade:
    """The grades a record held before it was graded again (a changed course or changed files): nothing is lost."""

    course_key: str
    """The course fingerprint that produced these grades (empty: graded before fingerprints were kept)."""
    points: float
    checks: tuple[PastCheck, ...]


@dataclass(frozen=True)
class SubmissionResult:
    """One submission graded against the course."""

    submission: str
    path: str
    exercises: tuple[ExerciseResult, ...]
    seed: int | None = None
    """The hidden-input seed used, so any grade can be reproduced exactly."""
    course: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    fingerprint: str = ""
    """Hash of the course, the grading options and this submission's files (:mod:`grader.fingerprint`):
    ``grade run`` skips the submission next time while it is unchanged."""
    late: LateInfo | None = None
    course_key: str = ""
    """The course fingerprint (:func:`grader.fingerprint.course_fingerprint`) these grades came from."""
    history: tuple[PastGrade, ...] = ()
    """Earlier grades of this submission, oldest first (:mod:`grader.regrade`)."""
    """The deadline's verdict when the course declares one; ``points`` stays the raw sum, ``final_points`` applies it."""

    @property
    def points(self) -> float:
        return round(sum(e.points for e in self.exercises), 6)

    @property
    def final_points(self) -> float:
        """The points after any late penalty (the raw points when the course has no deadline)."""
        return self.late.points if self.late is not None else self.points

    @property
    def penalty_factor(self) -> float:
        """What each exercise's points are multiplied by after the late penalty (1 without one)."""
        return 1.0 - self.late.penalty_percent / 100 if self.late is not None else 1.0

    @property
    def max_points(self) -> float:
        return round(sum(e.max_points for e in self.exercises), 6)

    def exercise(self, exercise_id: str) -> ExerciseResult:
        for result in self.exercises:
            if result.exercise == exercise_id:
                return result
        raise KeyError(exercise_id)

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["points"] = self.points
        record["max_points"] = self.max_points
        return record

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)


def submission_from_json(record: dict[str, Any]) -> SubmissionResult:
    """Read back what :meth:`SubmissionResult.to_json` wrote (for reports rebuilt from stored results)."""
    exercises = tuple(
        ExerciseResult(
            **{k: v for k, v in e.items() if k != "checks"},
            checks=tuple(CheckResult(**c) for c in e["checks"]),
        )
        for e in record["exercises"]
    )
    return SubmissionResult(
        submission=record["submission"],
        path=record["path"],
        exercises=exercises,
        seed=record.get("seed"),
        course=record.get("course", ""),
        warnings=tuple(record.get("warnings", ())),
        fingerprint=str(record.get("fingerprint", "")),
        late=LateInfo(**record["late"]) if isinstance(record.get("late"), dict) else None,
        course_key=str(record.get("course_key", "")),
        history=tuple(
            PastGrade(course_key=str(h["course_key"]), points=float(h["points"]), checks=tuple(PastCheck(**c) for c in h["checks"]))
            for h in record.get("history", ())
        ),
    )


def format_points(value: float) -> str:
    """``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``; float noise such as ``0.30000000000000004`` is rounded away.

    Points as a person would type them, the same in every report (terminal, CSV, pages, LMS files):
    ``3.0`` in every cell is noise and some LMS imports reject it.
    """
    if not math.isfinite(value):
        return repr(value)
    rounded = round(value, 6)
    if rounded == int(rounded):
        return str(int(rounded))
    return repr(rounded)


__all__ = [
    "CheckResult",
    "CheckStatus",
    "ExerciseResult",
    "ExerciseStatus",
    "LateInfo",
    "PastCheck",
    "PastGrade",
    "SubmissionResult",
    "format_points",
    "passing_note",
    "submission_from_json",
]
