"""``grade check``'s view: one block per exercise, a file's problem and each hint said once."""

from __future__ import annotations

import io

from rich.console import Console

from grader.report.terminal import render_check
from grader.results import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, SubmissionResult

SYNTAX = "syntax error in square.py line 3: invalid syntax: `def f(:`"
HINT = "Multiply by grad_output: backward returns the gradient of the loss, not of the function."


def _check(name: str, status: CheckStatus, message: str = "", hint: str | None = None) -> CheckResult:
    points = 1.0 if status == "passed" else 0.0
    return CheckResult(exercise="square", name=name, visible=True, points=points, max_points=1.0, status=status, message=message, hint=hint)


def _render(status: ExerciseStatus, message: str, checks: list[CheckResult]) -> str:
    exercise = ExerciseResult(
        exercise="square", status=status, points=0.0, max_points=float(len(checks)), checks=tuple(checks), message=message
    )
    result = SubmissionResult(submission="me", path="exercises", exercises=(exercise,))
    console = Console(record=True, width=80, force_terminal=False, file=io.StringIO())
    render_check(result, console, {"square": "The derivative of x**2"})
    return console.export_text()


def test_each_block_is_headed_by_the_exercise_id_and_its_file() -> None:
    text = _render("graded", "", [_check("value", "passed")])
    assert text.splitlines()[0].startswith("square — exercises/square.py  (The derivative of x**2)  1/1 points")


def test_a_syntax_error_is_stated_once_not_once_per_check() -> None:
    text = _render("syntax_error", SYNTAX, [_check(name, "not_graded", SYNTAX) for name in ("value", "twice", "grad")])
    assert text.count("invalid syntax") == 1
    assert all(name in text for name in ("value", "twice", "grad"))


def test_a_hint_shared_by_several_checks_is_printed_once() -> None:
    checks = [_check(name, "failed", f"{name}: wrong gradient", HINT) for name in ("backward", "gradcheck", "random")]
    text = _render("graded", "", checks)
    assert text.count("Hint:") == 1
    assert all(f"{name}: wrong gradient" in text for name in ("backward", "gradcheck", "random"))


def test_a_long_message_is_never_cut_into_lines_by_the_grader() -> None:
    message = "square(tensor([9.0])) returned 17.5, expected 18.0: greatest absolute difference 0.5 at index 0 (atol 1e-06)"
    text = _render("graded", "", [_check("value", "failed", message)])
    assert any(message in line for line in text.splitlines())


def test_a_dtype_accepted_on_a_passed_check_is_noted_once_per_exercise() -> None:
    note = "your result is float32 where float64 was expected; its values match"
    text = _render("graded", "", [_check("value", "passed", note), _check("random", "passed", note), _check("twice", "passed")])
    assert text.count(note) == 1
    assert next(line for line in text.splitlines() if note in line).strip() == f"Note: {note}"
