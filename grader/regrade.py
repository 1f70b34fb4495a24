"""Regrading with history: what a new grading changed, per student and per check.

When ``grade run`` grades a submission that already has a record (the course changed: a fixed
check, a new hint; or the student's files did), the old grades move into the new record's
``history`` with the course fingerprint that produced them (:func:`with_history`). The record is
replaced atomically, so a run killed at any moment leaves each record either old (history as it
was) or new (history including the old grades): nothing is lost.

:func:`changes` compares a record with the grades just before it: which checks' results changed,
with the old and the new message, for ``grade diff`` and the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from grader.results import PastCheck, PastGrade, SubmissionResult

MAX_HISTORY = 20
"""Earlier gradings kept per record (the oldest are dropped beyond this)."""


def past_grade(result: SubmissionResult) -> PastGrade:
    """What ``result`` says, reduced to what a later comparison needs."""
    checks = tuple(PastCheck(c.exercise, c.name, c.status, c.points, c.message) for e in result.exercises for c in e.checks)
    return PastGrade(course_key=result.course_key, points=result.points, checks=checks)


def with_history(new: SubmissionResult, previous: SubmissionResult | None) -> SubmissionResult:
    """``new`` carrying ``previous``'s history, plus ``previous``'s own grades when ``new`` was graded differently.

    Graded again with the same course and the same files (``grade run --force``) adds nothing:
    the grades are the same, and a history of identical entries would hide the real changes.
    """
    if previous is None:
        return new
    history = previous.history
    if previous.fingerprint != new.fingerprint or previous.course_key != new.course_key:
        history = (*history, past_grade(previous))[-MAX_HISTORY:]
    return replace(new, history=history)


@dataclass(frozen=True)
class CheckChange:
    exercise: str
    check: str
    old_status: str
    new_status: str
    old_points: float
    new_points: float
    old_message: str
    new_message: str


@dataclass(frozen=True)
class StudentChange:
    """How one submission's latest grading differs from the one before it."""

    submission: str
    old_points: float
    new_points: float
    checks: tuple[CheckChange, ...]


def changes(result: SubmissionResult) -> StudentChange | None:
    """The difference between ``result`` and its last history entry; None when it was never graded before."""
    if not result.history:
        return None
    before = result.history[-1]
    old = {(c.exercise, c.name): c for c in before.checks}
    found = []
    for exercise in result.exercises:
        for check in exercise.checks:
            was = old.pop((check.exercise, check.name), None)
            if was is None:
                found.append(CheckChange(check.exercise, check.name, "absent", check.status, 0.0, check.points, "", check.message))
            elif (was.status, was.points, was.message) != (check.status, check.points, check.message):
                found.append(
                    CheckChange(check.exercise, check.name, was.status, check.status, was.points, check.points, was.message, check.message)
                )
    for was in sorted(old.values(), key=lambda c: (c.exercise, c.name)):
        found.append(CheckChange(was.exercise, was.name, was.status, "absent", was.points, 0.0, was.message, ""))
    return StudentChange(result.submission, before.points, result.points, tuple(found))


@dataclass(frozen=True)
class RegradeSummary:
    """Submissions graded again by a run, by how their totals moved."""

    up: int = 0
    down: int = 0
    same: int = 0

    @property
    def regraded(self) -> int:
        return self.up + self.down + self.same

    def sentence(self) -> str:
        return f"regraded {self.regraded} submissions: {self.up} totals went up, {self.down} down, {self.same} stayed the same"


def summarise(pairs: Iterable[tuple[float, float]]) -> RegradeSummary:
    """(old total, new total) of each regraded submission -> how many went up, down, or stayed."""
    up = down = same = 0
    for old, new in pairs:
        if round(new - old, 6) > 0:
            up += 1
        elif round(new - old, 6) < 0:
            down += 1
        else:
            same += 1
    return RegradeSummary(up, down, same)


__all__ = ["MAX_HISTORY", "CheckChange", "RegradeSummary", "StudentChange", "changes", "past_grade", "summarise", "with_history"]
