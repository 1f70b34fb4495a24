"""The class at a glance: the numbers the dashboard shows, computed from result records only.

Nothing here regrades: pass rates count the statuses the records hold, and a
diagnosis is counted once per submission (a student whose backward ignores
``grad_output`` in three checks is one student with that mistake, not three).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from grader.results import SubmissionResult

NOT_GRADABLE = frozenset({"missing", "syntax_error", "rejected", "timeout", "crashed", "output_limit", "exited"})
"""Exercise statuses that mean "this could not be graded" rather than "this is wrong"."""

STATUS_WORDS = {
    "graded": "graded",
    "not_started": "not started",
    "missing": "file missing",
    "syntax_error": "syntax error",
    "timeout": "time-out",
    "crashed": "crashed",
    "output_limit": "too much output",
    "exited": "exited early",
    "rejected": "rejected",
}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


@dataclass(frozen=True)
class Rate:
    """How many of ``total`` got it; ``percent`` is 0 when nobody was counted."""

    passed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class ExerciseRate:
    exercise: str
    full_marks: Rate
    """Submissions with every check of the exercise passed."""
    mean_points: float
    max_points: float
    not_gradable: int


@dataclass(frozen=True)
class CheckRate:
    exercise: str
    check: str
    visible: bool
    rate: Rate


@dataclass(frozen=True)
class Diagnosis:
    """One named mistake and how many submissions made it (in any check of its exercise)."""

    exercise: str
    name: str
    hint: str
    submissions: int


@dataclass(frozen=True)
class Ungraded:
    """One exercise of one submission that could not be graded, and why."""

    submission: str
    exercise: str
    status: str
    reason: str


@dataclass(frozen=True)
class ClassStats:
    submissions: int
    totals: tuple[float, ...]
    max_points: float
    exercises: tuple[ExerciseRate, ...]
    checks: tuple[CheckRate, ...]
    diagnoses: tuple[Diagnosis, ...]
    ungraded: tuple[Ungraded, ...]
    isolation: tuple[tuple[str, int], ...]
    """Isolation levels used by the workers, with how many exercise runs used each."""


def exercise_order(results: Sequence[SubmissionResult], course_order: Sequence[str]) -> list[str]:
    """The course's order first, then any exercise a record holds that the course does not (an older course)."""
    seen = {exercise.exercise for result in results for exercise in result.exercises}
    extra = sorted(seen - set(course_order))
    return [e for e in course_order if e in seen] + extra


def class_stats(results: Sequence[SubmissionResult], course_order: Sequence[str]) -> ClassStats:
    order = exercise_order(results, course_order)
    return ClassStats(
        submissions=len(results),
        totals=tuple(result.points for result in results),
        max_points=max((result.max_points for result in results), default=0.0),
        exercises=tuple(_exercise_rate(results, exercise) for exercise in order),
        checks=tuple(rate for exercise in order for rate in _check_rates(results, exercise)),
        diagnoses=_diagnoses(results, order),
        ungraded=tuple(
            Ungraded(result.submission, exercise.exercise, status_words(exercise.status), exercise.message)
            for result in results
            for exercise in result.exercises
            if exercise.status in NOT_GRADABLE
        ),
        isolation=tuple(Counter(e.isolation for r in results for e in r.exercises if e.isolation).most_common()),
    )


def _exercise_rate(results: Sequence[SubmissionResult], exercise_id: str) -> ExerciseRate:
    found = [e for r in results for e in r.exercises if e.exercise == exercise_id]
    full = sum(1 for e in found if e.checks and all(c.passed for c in e.checks))
    mean = round(sum(e.points for e in found) / len(found), 2) if found else 0.0
    return ExerciseRate(
        exercise=exercise_id,
        full_marks=Rate(full, len(found)),
        mean_points=mean,
        max_points=max((e.max_points for e in found), default=0.0),
        not_gradable=sum(1 for e in found if e.status in NOT_GRADABLE),
    )


def _check_rates(results: Sequence[SubmissionResult], exercise_id: str) -> list[CheckRate]:
    """Every submission that has the exercise counts for each of its checks (no record of a check: not passed)."""
    found = [e for r in results for e in r.exercises if e.exercise == exercise_id]
    names: dict[str, bool] = {}
    for exercise in found:
        for check in exercise.checks:
            names.setdefault(check.name, check.visible)
    rates = []
    for name, visible in names.items():
        passed = sum(1 for e in found if any(c.name == name and c.passed for c in e.checks))
        rates.append(CheckRate(exercise_id, name, visible, Rate(passed, len(found))))
    return rates


def _diagnoses(results: Sequence[SubmissionResult], order: Sequence[str]) -> tuple[Diagnosis, ...]:
    counts: Counter[tuple[str, str]] = Counter()
    hints: dict[tuple[str, str], str] = {}
    for result in results:
        named = {(c.exercise, c.diagnosis): c.hint or "" for e in result.exercises for c in e.checks if c.diagnosis and not c.passed}
        for key, hint in named.items():
            counts[key] += 1
            hints.setdefault(key, hint)
    rank = {exercise: index for index, exercise in enumerate(order)}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], rank.get(item[0][0], len(rank)), item[0][1]))
    return tuple(Diagnosis(exercise, name, hints[(exercise, name)], count) for (exercise, name), count in ordered)


__all__ = [
    "NOT_GRADABLE",
    "CheckRate",
    "ClassStats",
    "Diagnosis",
    "ExerciseRate",
    "Rate",
    "Ungraded",
    "class_stats",
    "exercise_order",
    "status_words",
]
