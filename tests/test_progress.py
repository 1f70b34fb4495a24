"""What a person sees during ``grade run``: a bar on a terminal, one line per submission in a log, nothing with --quiet."""

from __future__ import annotations

import io

from rich.console import Console

from grader.class_run import ClassPlan
from grader.progress import ClassProgress
from grader.results import CheckResult, ExerciseResult, SubmissionResult


def _result(name: str, points: float) -> SubmissionResult:
    check = CheckResult(exercise="square", name="values", visible=True, points=points, max_points=4, status="passed", message="")
    exercise = ExerciseResult(exercise="square", status="graded", points=points, max_points=4, checks=(check,))
    return SubmissionResult(submission=name, path="/nowhere", exercises=(exercise,))


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=100, highlight=False), buffer


def test_a_log_gets_one_line_per_submission_with_count_rate_and_time_left() -> None:
    console, buffer = _console(terminal=False)
    with ClassProgress(console) as progress:
        progress.plan(ClassPlan(total=3, to_grade=2, skipped=1))
        progress.graded(_result("ada", 4))
        progress.graded(_result("Zoë Müller", 2.5))
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "1 of 3 submissions unchanged since they were graded: kept (--force regrades them)"
    assert lines[1].startswith("[1/2] ada: 4/4 (") and "/s, about " in lines[1] and lines[1].endswith(" s left)")
    assert lines[2].startswith("[2/2] Zoë Müller: 2.5/4 (")


def test_quiet_prints_nothing() -> None:
    console, buffer = _console(terminal=False)
    with ClassProgress(console, quiet=True) as progress:
        progress.plan(ClassPlan(total=2, to_grade=2, skipped=0))
        progress.graded(_result("ada", 4))
    assert buffer.getvalue() == ""


def test_a_terminal_gets_a_live_bar_instead_of_log_lines() -> None:
    console, buffer = _console(terminal=True)
    with ClassProgress(console) as progress:
        progress.plan(ClassPlan(total=2, to_grade=2, skipped=0))
        assert progress.live
        progress.graded(_result("ada", 4))
        progress.graded(_result("bob", 0))
    assert "[1/2]" not in buffer.getvalue()
    assert "grading" in buffer.getvalue()
