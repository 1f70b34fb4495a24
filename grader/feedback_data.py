"""What a feedback page needs beyond the check results, taken from observations once.

Reports are rebuilt later from the stored JSON records alone (``grade report``),
so everything a page shows must be in the record: the numbers of the plot
(student and reference on the same grid, as plain floats packed in strings by
:mod:`grader.plot_numbers`) and the student's
first traceback, trimmed to their own file. Observations are untrusted data:
numbers are rebuilt through the wire format's checked decoders (a figure's
lines included), and nothing is ever unpickled.
"""

from __future__ import annotations

import math
from typing import Any

from grader.checks.judge import Observations
from grader.compare import flat_numbers
from grader.course.schema import Tolerance
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plan import ExercisePlan
from grader.plot_numbers import pack_numbers
from grader.plot_plan import PlotRequest
from grader.sandbox.wire import WireError

MAX_SERIES = 4
"""A curve point with more numbers than this (a vector result) is not drawn as lines."""

MAX_TRACEBACK_FRAMES = 10


def exercise_feedback(plan: ExercisePlan, student: Observations, reference: Observations | None) -> dict[str, Any]:
    """The optional ``plot`` and ``traceback`` fields of an :class:`~grader.results.ExerciseResult`."""
    extras: dict[str, Any] = {}
    if plan.plot is not None and reference is not None:
        extras["plot"] = plot_record(plan.plot, student.get(plan.plot.probe_id), reference.get(plan.plot.probe_id), plan.tolerances)
    extras["traceback"] = first_traceback(plan, student)
    return extras


# ---------------------------------------------------------------- plots


def plot_record(
    request: PlotRequest, student: dict[str, Any] | None, reference: dict[str, Any] | None, tolerances: dict[str, Tolerance]
) -> dict[str, Any] | None:
    """Plain data for one plot, or ``None`` when the reference has nothing to compare with.

    A student observation that is missing (the worker ended first) or unusable
    still gives a record: the page then shows the reference alone and says why.
    """
    if reference is None or "error" in reference:
        return None
    if request.kind == "figure":
        return _figure_record(request, student or {}, reference, tolerances)
    base: dict[str, Any] = {"kind": request.kind, "check": request.check, "title": request.title, "x": pack_numbers(request.x)}
    if request.kind == "curve":
        want = _curve_series(reference)
        got = _curve_series(student) if student is not None else None
    else:
        want = _backward_series(reference, len(request.x))
        got = _backward_series(student, len(request.x)) if student is not None else None
    if want is None:
        return None
    tolerance = _float32_tolerance(tolerances)
    labels = list(request.series) or _value_labels(len(want.columns))
    series = []
    for index, column in enumerate(want.columns):
        student_column = got.columns[index] if got is not None and index < len(got.columns) else None
        series.append(
            {
                "label": labels[index] if index < len(labels) else f"output[{index}]",
                "reference": pack_numbers(column),
                "student": None if student_column is None else pack_numbers(student_column),
            }
        )
    base.update(
        series=series,
        tolerance={"rtol": tolerance.rtol, "atol": tolerance.atol},
        errors=got.errors if got is not None else 0,
        first_error=got.first_error if got is not None else "",
        truncated=bool(got is not None and got.truncated),
        problem=_problem(student, got, len(want.columns)),
    )
    return base


def _value_labels(count: int) -> list[str]:
    return ["value"] if count == 1 else [f"output[{i}]" for i in range(count)]


class _Series:
    """Columns of numbers (one per line), ``None`` where a point has no usable value."""

    def __init__(self, columns: list[list[float | None]], errors: int = 0, first_error: str = "", truncated: bool = False) -> None:
        self.columns = columns
        self.errors = errors
        self.first_error = first_error
        self.truncated = truncated


def _finite(value: float) -> float | None:
    """Seven significant digits (a float32's worth; more only bloats the record), ``None`` for NaN and infinities."""
    return float(f"{value:.7g}") if math.isfinite(value) else None


def _numbers(record: dict[str, Any]) -> list[float] | None:
    try:
        numbers = flat_numbers(record)
    except (KeyError, ValueError, TypeError, WireError):
        return None
    if numbers is None or numbers.dtype.kind == "c":
        return None
    return [float(v) for v in numbers]


def _error_text(error: dict[str, Any]) -> str:
    message = str(error.get("message", "")).strip().splitlines()
    return f"{str(error.get('type', 'an exception'))[:100]}" + (f": {message[0][:200]}" if message else "")


def _curve_series(observation: dict[str, Any]) -> _Series | None:
    if "error" in observation or not isinstance(observation.get("points"), list):
        return None
    rows: list[list[float] | None] = []
    errors, first_error = 0, ""
    for point in observation["points"]:
        if not isinstance(point, dict) or "error" in point:
            errors += 1
            if not first_error and isinstance(point, dict) and isinstance(point.get("error"), dict):
                first_error = _error_text(point["error"])
            rows.append(None)
            continue
        numbers = _numbers(point.get("value", {})) if isinstance(point.get("value"), dict) else None
        rows.append(numbers if numbers is not None and 1 <= len(numbers) <= MAX_SERIES else None)
    widths = {len(row) for row in rows if row is not None}
    if len(widths) != 1:
        return None if not errors else _Series([], errors, first_error, bool(observation.get("truncated")))
    width = widths.pop()
    columns = [[_finite(row[i]) if row is not None and len(row) == width else None for row in rows] for i in range(width)]
    return _Series(columns, errors, first_error, bool(observation.get("truncated")))


def _backward_series(observation: dict[str, Any], length: int) -> _Series | None:
    if "error" in observation:
        return _Series([], 1, _error_text(observation["error"]) if isinstance(observation["error"], dict) else "")
    runs = observation.get("runs")
    if not isinstance(runs, list):
        return None
    columns: list[list[float | None]] = []
    errors, first_error = 0, ""
    for run in runs:
        numbers = _numbers(run["grad"]) if isinstance(run, dict) and isinstance(run.get("grad"), dict) else None
        if isinstance(run, dict) and "error" in run:
            errors += 1
            first_error = first_error or (_error_text(run["error"]) if isinstance(run["error"], dict) else "")
        columns.append([_finite(v) for v in numbers] if numbers is not None and len(numbers) == length else [None] * length)
    return _Series(columns, errors, first_error, bool(observation.get("truncated")))


def _problem(student: dict[str, Any] | None, got: _Series | None, width: int) -> str:
    """Why the student's lines are missing or partial, in words for the page ('' when complete)."""
    if student is None:
        return "your code did not get this far (the worker ended before the plot's inputs were tried)"
    if got is None or len(got.columns) != width:
        return "your function's results could not be drawn as lines (not numbers, or not the same shape as the reference's)"
    if got.truncated:
        return "your function was slow, so only part of the range was tried"
    return ""


def _figure_lines(observation: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]] | None:
    """A ``call`` observation's figure: its lines by label and its x axis labels; ``None`` when it is no figure."""
    calls = observation.get("calls")
    if not isinstance(calls, list) or not calls or not isinstance(calls[0], dict):
        return None
    figure = calls[0].get("value")
    if not isinstance(figure, dict) or figure.get("type") != "figure" or not isinstance(figure.get("axes"), list):
        return None
    axes = [a for a in figure["axes"] if isinstance(a, dict)]
    lines = {
        str(line["label"]): line
        for a in axes
        for line in a.get("lines", []) or []
        if isinstance(line, dict) and isinstance(line.get("x"), dict) and isinstance(line.get("y"), dict)
    }
    return lines, {str(a.get("xlabel")) for a in axes if a.get("xlabel")}


def _same_x(got: list[float] | None, want: list[float], tolerance: Tolerance) -> bool:
    if got is None or len(got) != len(want):
        return False
    return all(abs(g - w) <= tolerance.atol + tolerance.rtol * abs(w) for g, w in zip(got, want, strict=True))


def _figure_record(
    request: PlotRequest, student: dict[str, Any], reference: dict[str, Any], tolerances: dict[str, Tolerance]
) -> dict[str, Any] | None:
    """The student's figure as line data over the reference's, drawn like the other plots (no PNG).

    One series per line of the reference figure, found in the student's figure by its
    label; only the reference's labels are shown, and the student's line is drawn only
    where its x data are the reference's, so every point sits where it belongs.
    """
    expected = _figure_lines(reference)
    if expected is None or not expected[0]:
        return None
    want_lines, want_xlabels = expected
    x = _numbers(next(iter(want_lines.values()))["x"])
    if x is None or any(_numbers(line["x"]) != x for line in want_lines.values()):
        return None
    tolerance = _float32_tolerance(tolerances)
    got = _figure_lines(student) if student else None
    problems = _figure_call_problems(request, student, got)
    series = _figure_series(want_lines, got[0] if got is not None else None, x, tolerance, problems)
    if got is not None and not want_xlabels <= got[1]:
        problems.append(f"the x axis label should be {sorted(want_xlabels)[0]!r}")
    return {
        "kind": "figure_lines",
        "check": request.check,
        "title": request.title,
        "x": pack_numbers(x),
        "series": series,
        "tolerance": {"rtol": tolerance.rtol, "atol": tolerance.atol},
        "errors": 0,
        "first_error": "",
        "truncated": False,
        "problem": "; ".join(problems)[:400],
    }


def _figure_call_problems(
    request: PlotRequest, student: dict[str, Any], got: tuple[dict[str, dict[str, Any]], set[str]] | None
) -> list[str]:
    """Why the student's figure cannot be compared at all (no observation, an exception, no Figure), or nothing."""
    calls = student.get("calls") if student else None
    first_call = calls[0] if isinstance(calls, list) and calls and isinstance(calls[0], dict) else {}
    if not student:
        return ["your code did not get this far (the worker ended before the figure was drawn)"]
    if "error" in student or "error" in first_call:
        error = student.get("error", first_call.get("error"))
        return [f"calling {request.title} raised {_error_text(error)}" if isinstance(error, dict) else "it failed"]
    if got is None:
        return [f"{request.title} did not return a matplotlib Figure"]
    return []


def _figure_series(
    want_lines: dict[str, dict[str, Any]],
    got_lines: dict[str, dict[str, Any]] | None,
    x: list[float],
    tolerance: Tolerance,
    problems: list[str],
) -> list[dict[str, Any]]:
    """One series per reference line, the student's y values beside it where their line has the same x.

    ``got_lines`` is ``None`` when the student gave no figure; a line missing from their
    figure, or drawn over other x values, adds its sentence to ``problems``.
    """
    series = []
    for label, want in want_lines.items():
        mine = got_lines.get(label) if got_lines is not None else None
        drawn = mine is not None and _same_x(_numbers(mine["x"]), x, tolerance)
        if got_lines is not None and mine is None:
            problems.append(f"your figure has no line labelled {label!r}")
        elif got_lines is not None and not drawn:
            problems.append(f"your line {label!r} is drawn over other x values than the reference's")
        student_y = _numbers(mine["y"]) if drawn and mine is not None else None
        reference_y = _numbers(want["y"]) or []
        series.append(
            {
                "label": label,
                "reference": pack_numbers([_finite(v) for v in reference_y]),
                "student": None if student_y is None or len(student_y) != len(x) else pack_numbers([_finite(v) for v in student_y]),
            }
        )
    return series


def _float32_tolerance(tolerances: dict[str, Tolerance]) -> Tolerance:
    """The exercise's float32 tolerance, which the plots shade by; the default table's when the exercise has none."""
    return tolerances.get("float32", DEFAULT_TOLERANCES["float32"])


# ---------------------------------------------------------------- tracebacks


def first_traceback(plan: ExercisePlan, student: Observations) -> dict[str, Any] | None:
    """The first exception the student's code raised, visible checks' inputs first, trimmed to their own file.

    Frames come from the worker already restricted to the student's file; only
    their line numbers, code and function names are kept. A stub's
    NotImplementedError is not a traceback worth showing.
    """
    visible = {case.probe_id for check in plan.checks if check.check.visible for case in check.cases}
    order = [case.probe_id for check in sorted(plan.checks, key=lambda c: not c.check.visible) for case in check.cases]
    for probe_id in order:
        error = _first_error(student.get(probe_id))
        if error is not None and error.get("type") != "NotImplementedError":
            frames = [
                {"line": frame.get("line"), "code": str(frame.get("code", ""))[:300], "function": str(frame.get("function", ""))[:100]}
                for frame in (error.get("frames") or [])[-MAX_TRACEBACK_FRAMES:]
                if isinstance(frame, dict)
            ]
            message = str(error.get("message", ""))
            if probe_id not in visible:  # as much as the hidden check's own message shows: the first line
                message = (message.strip().splitlines() or [""])[0][:300]
            return {
                "type": str(error.get("type", ""))[:100],
                "message": message[:2000],
                "frames": frames,
                "hidden_input": probe_id not in visible,
            }
    return None


def _first_error(observation: Any) -> dict[str, Any] | None:
    """The first ``error`` record anywhere in an observation (calls, forward, backward runs)."""
    if isinstance(observation, dict):
        if isinstance(observation.get("error"), dict):
            error: dict[str, Any] = observation["error"]
            return error
        for key in ("calls", "forward", "backwards"):
            found = _first_error(observation.get(key))
            if found is not None:
                return found
    if isinstance(observation, list):
        for item in observation:
            found = _first_error(item)
            if found is not None:
                return found
    return None


__all__ = ["exercise_feedback", "first_traceback", "plot_record"]
