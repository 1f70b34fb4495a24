"""Gradescope's ``results.json`` from a result record, following Gradescope's documented spec.

One test per check (``name`` = ``exercise / check``, ``score``, ``max_score``, ``status``,
``output``); hidden checks are ``after_published``, so students see them once the instructor
publishes grades, and their messages never hold hidden inputs or expected values (the judges
guarantee that). An exercise that could not be graded (missing file, syntax error, time-out)
reads so in every one of its checks' output. "The autograder failed" is a separate, visible
test with no points (:func:`failure_results`), never a silent 0.

Spec: gradescope-autograders.readthedocs.io, "Autograder Specifications" (``tests/gradescope_results.schema.json``
is written from it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.late_policy import describe
from grader.report.records_json import write_text_atomic
from grader.results import CheckResult, ExerciseResult, SubmissionResult

HIDDEN_VISIBILITY = "after_published"
FAILURE_TEST_NAME = "The autograder failed"


def _check_output(exercise: ExerciseResult, check: CheckResult) -> str:
    lines = []
    if check.description:
        lines.append(f"Checks: {check.description}")
    if check.status == "passed":
        lines.append("Passed.")
    elif check.status == "not_started":
        message = check.message or "the function still raises NotImplementedError"
        lines.append(message if message.lower().startswith("not started") else f"Not started: {message}")
    else:
        lines.append(check.message or exercise.message or "Failed.")
    if check.hint:
        lines.append(f"Hint: {check.hint}")
    if exercise.message and exercise.message not in lines[-1]:
        lines.append(f"({exercise.exercise}: {exercise.message})")
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult, execution_time: float | None = None) -> dict[str, Any]:
    """The ``results.json`` document for one graded submission."""
    tests = []
    for exercise in result.exercises:
        for check in exercise.checks:
            tests.append(
                {
                    "name": f"{exercise.exercise} / {check.name}",
                    "score": float(check.points),
                    "max_score": float(check.max_points),
                    "status": "passed" if check.passed else "failed",
                    "output": _check_output(exercise, check),
                    "visibility": "visible" if check.visible else HIDDEN_VISIBILITY,
                    "tags": [exercise.exercise],
                }
            )
    summary = ", ".join(f"{e.exercise} {e.points:g}/{e.max_points:g}" for e in result.exercises)
    document: dict[str, Any] = {
        "score": float(result.final_points),
        "output": f"{result.points:g}/{result.max_points:g} points ({summary}). Hidden checks are shown when grades are published."
        + (f" Late: {describe(result.late)}." if result.late is not None and result.late.penalty_percent else ""),
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if execution_time is not None:
        document["execution_time"] = max(0, round(execution_time))
    return document


def failure_results(reason: str) -> dict[str, Any]:
    """The autograder itself broke: say so, visibly, instead of reporting a 0 as the student's."""
    message = (
        "The autograder failed, not your code: your submission could not be graded. "
        f"Your instructor has been shown the details; please tell them.\n\n{reason[-2000:]}"
    )
    return {
        "score": 0.0,
        "output": message,
        "stdout_visibility": "hidden",
        "tests": [
            {"name": FAILURE_TEST_NAME, "score": 0.0, "max_score": 0.0, "status": "failed", "output": message, "visibility": "visible"}
        ],
    }


def write_results(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


__all__ = ["FAILURE_TEST_NAME", "HIDDEN_VISIBILITY", "failure_results", "gradescope_results", "write_results"]
