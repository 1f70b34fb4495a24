"""One student's feedback page, from their result record alone.

What the page shows, exercise by exercise: points, why an exercise could not be
graded, the hints their mistakes matched, a plot, every check (visible ones
with their message, hidden ones as "which property failed, on what kind of
input": the judge already wrote those messages without hidden values), their
first traceback trimmed to their own file, and what their code printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from grader.late_policy import describe
from grader.plot_numbers import unpack_numbers
from grader.report.class_stats import status_words
from grader.report.html import Image, render
from grader.report.plots import PlotCache
from grader.results import CheckResult, ExerciseResult, SubmissionResult, format_points, passing_note
from grader.seeds import shareable_seed

OUTPUT_LINES = 40
"""Printed output shown per exercise; the record keeps more, the page stays readable."""

_NO_PLOT = frozenset({"missing", "syntax_error", "rejected", "not_started"})
"""Exercises whose plot would show only the reference: the page says why instead."""

_CHECK_WORDS = {"passed": "passed", "failed": "failed", "not_started": "not started", "not_graded": "not graded"}


@dataclass(frozen=True)
class CheckView:
    name: str
    visible: bool
    status: str
    status_words: str
    points: str
    max_points: str
    description: str
    message: str


@dataclass(frozen=True)
class PlotView:
    kind: str
    title: str
    problem: str = ""
    svg: Markup | None = None
    """A comparison plot, drawn by :mod:`grader.report.plots` (its texts already escaped)."""
    caption: str = ""
    student: Image | None = None
    """A figure exercise: the student's own PNG, checked by :func:`grader.png.sanitize_png`."""
    reference: Image | None = None


@dataclass(frozen=True)
class ExerciseView:
    anchor: str
    title: str
    points: str
    max_points: str
    status: str
    status_note: str
    hints: list[str]
    checks: list[CheckView]
    plot: PlotView | None
    traceback: dict[str, Any] | None
    output: str
    note: str = ""
    """One muted line about a passed check (a value accepted in another dtype), once per exercise."""


@dataclass(frozen=True)
class FeedbackPage:
    course_title: str
    submission: str
    points: str
    max_points: str
    visible_only: bool
    exercises: list[ExerciseView]
    warnings: list[str] = field(default_factory=list)
    late: str = ""
    """How the submission stood against its deadline (:func:`grader.late_policy.describe`); empty without a deadline."""
    seed: str = ""
    """This student's own hidden-input seed (:func:`grader.seeds.shareable_seed`); empty when the course seed was used."""


def feedback_page(
    result: SubmissionResult,
    course_title: str,
    titles: Mapping[str, str],
    plots: PlotCache,
    visible_only: bool = False,
    course_seed: int | None = None,
) -> FeedbackPage:
    """The page's data; ``visible_only`` (``grade check``) lists and totals the visible checks only.

    ``course_seed`` lets the page name a per-student seed (so the grade can be reproduced); the course seed itself never shows.
    """
    exercises = [_exercise(e, titles.get(e.exercise, e.exercise), index, plots, visible_only) for index, e in enumerate(result.exercises)]
    if visible_only:
        earned = sum(float(c.points) for e in result.exercises for c in e.checks if c.visible)
        possible = sum(float(c.max_points) for e in result.exercises for c in e.checks if c.visible)
    else:
        earned, possible = result.final_points, result.max_points
    return FeedbackPage(
        course_title=course_title,
        submission=result.submission,
        points=format_points(earned),
        max_points=format_points(possible),
        visible_only=visible_only,
        exercises=exercises,
        warnings=list(result.warnings),
        late="" if visible_only else describe(result.late),
        seed=_seed_note(result, course_seed),
    )


def _seed_note(result: SubmissionResult, course_seed: int | None) -> str:
    seed = shareable_seed(result.seed, course_seed, result.submission)
    if seed is None:
        return ""
    return f"Your hidden inputs were drawn from seed {seed}, yours alone: quote it if you ask for this grade to be checked."


def render_feedback(page: FeedbackPage) -> str:
    return render("feedback.html.j2", page)


def _exercise(exercise: ExerciseResult, title: str, index: int, plots: PlotCache, visible_only: bool) -> ExerciseView:
    checks = [c for c in exercise.checks if c.visible or not visible_only]
    checks.sort(key=lambda c: not c.visible)
    earned = sum(c.points for c in checks) if visible_only and checks else exercise.points
    possible = sum(c.max_points for c in checks) if visible_only and checks else exercise.max_points
    return ExerciseView(
        anchor=f"exercise-{index + 1}",
        title=title,
        points=format_points(earned),
        max_points=format_points(possible),
        status=status_words(exercise.status),
        status_note=_status_note(exercise),
        hints=list(dict.fromkeys(c.hint for c in checks if c.hint and not c.passed)),
        checks=[_check(c) for c in checks],
        plot=None if exercise.status in _NO_PLOT or exercise.plot is None else _plot(exercise.plot, plots),
        traceback=_traceback(exercise.traceback),
        output="\n".join(exercise.output.splitlines()[-OUTPUT_LINES:]),
        note=passing_note(checks),
    )


def _traceback(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored traceback with every field present and a string (the template is strict)."""
    if not isinstance(record, dict):
        return None
    frames = [
        {"line": str(frame.get("line", "?")), "function": str(frame.get("function", "")), "code": str(frame.get("code", "")).strip()}
        for frame in record.get("frames") or []
        if isinstance(frame, dict)
    ]
    return {
        "type": str(record.get("type", "an exception")),
        "message": str(record.get("message", "")),
        "frames": frames,
        "where": "on a hidden check's input" if record.get("hidden_input") else "",
    }


def _status_note(exercise: ExerciseResult) -> str:
    if exercise.status == "graded":
        return ""
    if exercise.status == "not_started":
        return "Not started: the stub still raises NotImplementedError."
    words = status_words(exercise.status).capitalize()
    return f"{words}: {exercise.message}" if exercise.message else words


def _check(check: CheckResult) -> CheckView:
    return CheckView(
        name=check.name,
        visible=check.visible,
        status=check.status,
        status_words=_CHECK_WORDS.get(check.status, check.status),
        points=format_points(check.points),
        max_points=format_points(check.max_points),
        description=check.description,
        message="" if check.passed else check.message,
    )


def _plot(plot: dict[str, Any], plots: PlotCache) -> PlotView | None:
    """A picture from the record's numbers (drawn here) or its figure PNGs (checked again: records are files anyone may edit)."""
    kind = str(plot.get("kind"))
    title = str(plot.get("title", ""))
    problem = str(plot.get("problem") or "")
    if kind == "figure":
        reference = plots.figure(plot.get("reference_png"))
        if reference is None:
            return None
        student = plots.figure(plot.get("student_png"))
        return PlotView(kind=kind, title=title, problem=problem or "no figure to show", student=student, reference=reference)
    try:
        svg = plots.comparison(plot)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):  # a record too odd to draw: the page goes without
        return None
    errors = int(plot.get("errors") or 0)
    if errors and not problem:
        problem = f"your code raised an exception at {errors} of {len(unpack_numbers(plot.get('x', [])))} points" + (
            f" (first: {plot.get('first_error')})" if plot.get("first_error") else ""
        )
    what = "backward" if kind == "backward" else "function"
    caption = (
        f"Your {what} (solid) against the reference (dashed) over a fixed range of inputs, for {plot.get('check')}; "
        "shaded where they differ beyond the tolerance."
    )
    if kind == "figure_lines":
        caption = f"The lines of your figure (solid) against the reference figure's (dashed), by label, for {plot.get('check')}."
    return PlotView(kind=kind, title=title, problem=problem, svg=svg, caption=caption)


__all__ = ["FeedbackPage", "feedback_page", "render_feedback"]
