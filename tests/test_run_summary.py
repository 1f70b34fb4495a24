"""``grade run``'s summary: every submission's name and total at any width from 80 columns, exercise columns only when they fit."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from rich.console import Console

from grader.report.terminal import render_class_summary
from grader.results import CheckResult, ExerciseResult, LateInfo, SubmissionResult

EXERCISES = [exercise["id"] for exercise in yaml.safe_load((Path(__file__).resolve().parents[1] / "course.yaml").read_text())["exercises"]]
NAMES = ["ada_lovelace", "Zoë Müller", "grace-hopper-2026", "a_rather_long_submission_name_of_33c"]
OUTPUTS = [Path("graded/gradebook.csv"), Path("graded/index.html")]


def _exercise(exercise_id: str, points: float, status: str = "graded") -> ExerciseResult:
    check = CheckResult(
        exercise=exercise_id, name="value", visible=True, points=points, max_points=2.0, status="passed" if points else "failed", message=""
    )
    return ExerciseResult(exercise=exercise_id, status=status, points=points, max_points=2.0, checks=(check,))  # type: ignore[arg-type]


def _class() -> list[SubmissionResult]:
    results = []
    for number, name in enumerate(NAMES):
        exercises = tuple(
            _exercise(e, 2.0 if (i + number) % 3 else 0.0, "timeout" if i == number else "graded") for i, e in enumerate(EXERCISES)
        )
        results.append(SubmissionResult(submission=name, path=f"/subs/{name}", exercises=exercises))
    return results


def _render(width: int, exercises: list[str] = EXERCISES) -> str:
    console = Console(record=True, width=width, force_terminal=False, file=io.StringIO())
    results = [
        SubmissionResult(submission=r.submission, path=r.path, exercises=tuple(e for e in r.exercises if e.exercise in exercises))
        for r in _class()
    ]
    render_class_summary(results, exercises, console, outputs=OUTPUTS)
    return console.export_text()


def _row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if name in line)


def test_at_80_columns_every_name_and_total_is_on_its_row() -> None:
    text = _render(80)
    for result in _class():
        row = _row(text, result.submission)
        assert f"{result.points:g}/{result.max_points:g}" in row
    assert max(len(line) for line in text.splitlines()) <= 80


def test_at_200_columns_eighteen_exercises_point_to_the_gradebook_and_dashboard_instead_of_squeezing() -> None:
    text = _render(200)
    assert "gri…" not in text and "grid_derivative" not in text
    assert "Points per exercise: graded/gradebook.csv and graded/index.html" in text
    for result in _class():
        assert f"{result.points:g}/{result.max_points:g}" in _row(text, result.submission)


def test_exercise_columns_are_shown_whole_when_they_fit() -> None:
    text = _render(200, EXERCISES[:5])
    header = _row(text, "Submission")
    assert all(exercise in header for exercise in EXERCISES[:5])
    assert "Total" in header
    assert "Points per exercise" not in text


def test_the_summary_names_ungradable_exercises_per_row_and_counts_submissions_in_the_singular() -> None:
    console = Console(record=True, width=80, force_terminal=False, file=io.StringIO())
    render_class_summary(_class()[:1], EXERCISES, console)
    text = console.export_text()
    assert "square: timeout" in _row(text, NAMES[0])
    assert "1 submission," in text


def test_a_submission_missing_most_files_gets_a_short_note_grouped_by_why() -> None:
    statuses = ["missing"] * 16 + ["syntax_error", "graded"]
    exercises = tuple(_exercise(e, 0.0, status) for e, status in zip(EXERCISES, statuses, strict=True))
    console = Console(record=True, width=80, force_terminal=False, file=io.StringIO())
    submission = SubmissionResult(submission="partial", path="/subs/partial", exercises=exercises)
    render_class_summary([submission], EXERCISES, console, outputs=OUTPUTS)
    text = " ".join(console.export_text().split())
    assert "file missing: 16 exercises" in text
    assert "inplace_function: syntax error" in text
    assert "square: file missing" not in text


def test_with_a_deadline_totals_are_after_the_late_penalty_and_late_rows_are_marked() -> None:
    exercises = tuple(_exercise(e, 2.0) for e in EXERCISES[:5])
    due = "2026-12-01T12:00:00+00:00"
    late = LateInfo("2026-12-02T14:00:00+00:00", "timestamps CSV", due, 26 * 3600, 20.0, 10.0, 8.0)
    on_time = LateInfo("2026-12-01T10:00:00+00:00", "timestamps CSV", due, 0.0, 0.0, 10.0, 10.0)
    results = [
        SubmissionResult(submission="tardy", path="/subs/tardy", exercises=exercises, late=late),
        SubmissionResult(submission="prompt", path="/subs/prompt", exercises=exercises, late=on_time),
    ]
    console = Console(record=True, width=120, force_terminal=False, file=io.StringIO())
    render_class_summary(results, EXERCISES[:5], console, outputs=OUTPUTS)
    text = console.export_text()
    assert "Total after penalty" in text
    assert "8/10" in _row(text, "tardy") and "late 26.0 h: -20% of 10" in _row(text, "tardy")
    assert "10/10" in _row(text, "prompt") and "late" not in _row(text, "prompt")
    assert "mean total 9, median total 9" in text and "1 submission late" in text
