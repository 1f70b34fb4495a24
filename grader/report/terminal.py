"""What people read in a terminal: a student's ``grade check``, the class after ``grade run``, ``grade validate``.

Everything from a record (names, messages, hints, the student's own output) goes through
:class:`rich.text.Text`, never through rich markup, so a ``[red]`` or an escape sequence a
student printed is shown as text instead of restyling or clearing the instructor's terminal.
Decorations fall back to ASCII when the console cannot encode them, and rich itself drops
colours when the console is not a terminal, so the same code serves logs and CI.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.report.gradebook_csv import format_points
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.text_safety import one_line

OUTPUT_LINES_SHOWN = 20
"""A student's printed output is capped here: enough to recognise it, short enough to keep the checks on screen."""

_STATUS_WORDS = {
    "graded": "graded",
    "not_started": "not started",
    "missing": "file missing",
    "syntax_error": "syntax error",
    "timeout": "timeout",
    "crashed": "crashed",
    "output_limit": "too much output",
    "exited": "exited early",
    "rejected": "rejected",
}
_NOT_GRADABLE = frozenset(_STATUS_WORDS) - {"graded", "not_started"}
"""Statuses where the code ran into trouble before every check could judge it (a stub left alone is judged: 0 points)."""
_NO_RESULT = "no result"


class ValidationReportLike(Protocol):
    """Whatever ``grade validate`` produces: the renderer needs only its lines and verdict."""

    @property
    def lines(self) -> Sequence[tuple[bool, str]]: ...

    @property
    def ok(self) -> bool: ...


# ---------------------------------------------------------------- shared helpers


def _is_utf(console: Console) -> bool:
    return console.encoding.lower().replace("_", "-").startswith("utf")


def _clean(console: Console, text: str) -> str:
    """Make record text printable: control characters become ``?`` and unencodable characters are replaced.

    A student's output may hold escape sequences or characters the console cannot encode;
    neither may break or crash the report.
    """
    text = "".join("?" if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in text)
    if _is_utf(console):
        return text
    try:
        return text.encode(console.encoding, errors="replace").decode(console.encoding)
    except LookupError:
        return text.encode("ascii", errors="replace").decode("ascii")


def _status_words(status: str) -> str:
    return _STATUS_WORDS.get(status, status.replace("_", " "))


def _fraction(earned: float, possible: float) -> str:
    return f"{format_points(earned)}/{format_points(possible)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# ---------------------------------------------------------------- grade check


def render_check(results: SubmissionResult, console: Console, exercise_titles: dict[str, str]) -> None:
    """Show a student, exercise by exercise, which visible checks pass and what to fix next.

    Only visible checks are listed and counted: hidden checks are the instructor's and
    must not leak through the report. Hints are set apart because they are the actionable part.
    """
    for warning in results.warnings:
        console.print(Text(f"Warning: {_clean(console, warning)}", style="yellow"))
    for exercise in results.exercises:
        _render_exercise(exercise, console, exercise_titles.get(exercise.exercise, exercise.exercise))
    earned, possible = _visible_totals(results.exercises)
    console.print(Text(f"Total: {_fraction(earned, possible)} points on the visible checks", style="bold"))


def _visible_checks(exercise: ExerciseResult) -> list[CheckResult]:
    return [check for check in exercise.checks if check.visible]


def _visible_points(exercise: ExerciseResult) -> tuple[float, float]:
    """Earned and possible points on the visible checks.

    An exercise with no check records at all (never started, syntax error) still shows what
    it is worth, taken from the record, so a student sees what is at stake.
    """
    if not exercise.checks:
        return exercise.points, exercise.max_points
    visible = _visible_checks(exercise)
    return round(sum(c.points for c in visible), 6), round(sum(c.max_points for c in visible), 6)


def _visible_totals(exercises: Iterable[ExerciseResult]) -> tuple[float, float]:
    pairs = [_visible_points(exercise) for exercise in exercises]
    return round(sum(p[0] for p in pairs), 6), round(sum(p[1] for p in pairs), 6)


def _render_exercise(exercise: ExerciseResult, console: Console, title: str) -> None:
    earned, possible = _visible_points(exercise)
    console.print(Text.assemble((_clean(console, title), "bold"), f"  {_fraction(earned, possible)} points"))
    if exercise.status != "graded":
        console.print(_status_line(exercise, console))
    visible = _visible_checks(exercise)
    if visible:
        console.print(_checks_table(visible, console))
    if exercise.output.strip():
        console.print(_output_block(exercise.output, console))
    console.print()


def _status_line(exercise: ExerciseResult, console: Console) -> Text:
    style = "yellow" if exercise.status == "not_started" else "bold red"
    line = Text.assemble("Status: ", (_status_words(exercise.status), style))
    if exercise.message:
        line.append(f" - {_clean(console, exercise.message)}")
    return line


def _checks_table(checks: list[CheckResult], console: Console) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Details", overflow="fold")
    for check in checks:
        table.add_row(
            _mark(check, console), _clean(console, check.name), _fraction(check.points, check.max_points), _details(check, console)
        )
    return table


def _mark(check: CheckResult, console: Console) -> Text:
    utf = _is_utf(console)
    if check.status == "passed":
        return Text("✓" if utf else "PASS", style="bold green")
    if check.status == "failed":
        return Text("✗" if utf else "FAIL", style="bold red")
    if utf:
        return Text("-", style="dim")
    return Text("TODO" if check.status == "not_started" else "SKIP", style="dim")


def _details(check: CheckResult, console: Console) -> Text:
    """Nothing for a pass; the message (and hint, set apart) for anything else."""
    if check.passed:
        return Text()
    details = Text(_clean(console, check.message or _status_words(check.status)))
    if check.hint:
        details.append("\n")
        details.append("Hint: ", style="bold cyan")
        details.append(_clean(console, check.hint), style="cyan")
    return details


def _output_block(output: str, console: Console) -> Text:
    lines = output.splitlines()
    block = Text("Your code printed:", style="bold")
    for line in lines[:OUTPUT_LINES_SHOWN]:
        block.append(f"\n  {_clean(console, line)}", style="dim")
    hidden = len(lines) - OUTPUT_LINES_SHOWN
    if hidden > 0:
        block.append(f"\n  ... {_plural(hidden, 'more line')} not shown", style="dim italic")
    return block


# ---------------------------------------------------------------- grade run


def render_class_summary(results: list[SubmissionResult], exercise_ids: list[str], console: Console) -> None:
    """One row per submission and a footer, so an instructor sees at a glance what needs a look.

    Exercises that could not be graded are named per row (``relu: timeout``) because those
    zeros mean "look at this submission", not "the student got it wrong".
    """
    console.print(_summary_table(results, exercise_ids, console))
    console.print(_summary_footer(results, exercise_ids))


def _exercise_status(result: SubmissionResult, exercise_id: str) -> ExerciseResult | None:
    try:
        return result.exercise(exercise_id)
    except KeyError:
        return None


def _summary_table(results: list[SubmissionResult], exercise_ids: list[str], console: Console) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, header_style="bold")
    table.add_column("Submission", overflow="fold")
    for exercise_id in exercise_ids:
        table.add_column(_clean(console, exercise_id), justify="right", no_wrap=True)
    table.add_column("Total", justify="right", no_wrap=True)
    table.add_column("Notes", overflow="fold")
    for result in results:
        table.add_row(*_summary_row(result, exercise_ids, console))
    return table


def _summary_row(result: SubmissionResult, exercise_ids: list[str], console: Console) -> list[Text]:
    exercises = [_exercise_status(result, exercise_id) for exercise_id in exercise_ids]
    cells = [Text(_clean(console, one_line(result.submission)))]
    cells += [Text("-", style="dim") if e is None else Text(format_points(e.points)) for e in exercises]
    cells.append(Text(_fraction(result.points, result.max_points), style="bold"))
    cells.append(Text(_clean(console, _row_notes(exercise_ids, exercises)), style="yellow"))
    return cells


def _row_notes(exercise_ids: list[str], exercises: list[ExerciseResult | None]) -> str:
    notes = [
        f"{exercise_id}: {_NO_RESULT if exercise is None else _status_words(exercise.status)}"
        for exercise_id, exercise in zip(exercise_ids, exercises, strict=True)
        if exercise is None or exercise.status != "graded"
    ]
    return "; ".join(notes)


def _not_gradable(results: list[SubmissionResult], exercise_ids: list[str]) -> Counter[str]:
    """Why exercises could not be graded, counted over the whole class (absent results included)."""
    reasons: Counter[str] = Counter()
    for result in results:
        for exercise_id in exercise_ids:
            exercise = _exercise_status(result, exercise_id)
            if exercise is None:
                reasons[_NO_RESULT] += 1
            elif exercise.status in _NOT_GRADABLE:
                reasons[_status_words(exercise.status)] += 1
    return reasons


def _summary_footer(results: list[SubmissionResult], exercise_ids: list[str]) -> Text:
    if not results:
        return Text("0 submissions.", style="bold")
    totals = [result.points for result in results]
    mean = format_points(round(statistics.mean(totals), 2))
    median = format_points(round(statistics.median(totals), 2))
    reasons = _not_gradable(results, exercise_ids)
    count = sum(reasons.values())
    line = f"{_plural(len(results), 'submission')}, mean total {mean}, median total {median}, "
    line += f"{_plural(count, 'exercise')} could not be graded"
    if count:
        line += " (" + ", ".join(f"{n} {why}" for why, n in reasons.most_common()) + ")"
    return Text(line + ".", style="bold")


# ---------------------------------------------------------------- grade validate


def render_validation(report: ValidationReportLike, console: Console) -> None:
    """Each validation finding with an OK/FAIL marker, then one verdict line an instructor can act on."""
    for ok, text in report.lines:
        marker = Text("  OK", style="bold green") if ok else Text("FAIL", style="bold red")
        console.print(Text.assemble(marker, " ", _clean(console, text)), soft_wrap=True)  # one finding, one line: greppable
    failed = sum(1 for ok, _ in report.lines if not ok)
    total = len(report.lines)
    if report.ok:
        console.print(Text(f"Valid: {_plural(total, 'check')} OK.", style="bold green"))
    else:
        console.print(Text(f"NOT valid: {failed} of {_plural(total, 'check')} failed.", style="bold red"))


__all__ = ["OUTPUT_LINES_SHOWN", "ValidationReportLike", "render_check", "render_class_summary", "render_validation"]
