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
from pathlib import Path
from typing import Protocol

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from grader.printed_output import clip_output
from grader.results import CheckResult, ExerciseResult, SubmissionResult, format_points, passing_note
from grader.text_safety import one_line

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


def plural(count: int, word: str) -> str:
    """``1 submission``, ``2 submissions``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# ---------------------------------------------------------------- grade check


def render_check(results: SubmissionResult, console: Console, exercise_titles: dict[str, str]) -> None:
    """Show a student, one block per exercise, which visible checks pass and what to fix next.

    Each block is headed by the exercise id and its file (``square — exercises/square.py``);
    a problem with the whole file (a syntax error, a time-out) is stated once in the block,
    not again for every check it stopped, and each distinct hint once, after the checks.
    Only visible checks are listed and counted: hidden checks are the instructor's and
    must not leak through the report.
    """
    for warning in results.warnings:
        console.print(Text(f"Warning: {_clean(console, warning)}", style="yellow"), soft_wrap=True)
    folder = Path(results.path) if results.path else None
    for exercise in results.exercises:
        _render_exercise(exercise, console, exercise_titles.get(exercise.exercise, exercise.exercise), folder)
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


def _shown_path(path: Path) -> str:
    """The file as the student would type it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _heading(exercise: ExerciseResult, console: Console, title: str, folder: Path | None) -> Text:
    """``square — exercises/square.py  (The derivative of x**2 at a point)  2/2 points``."""
    dash = " — " if _is_utf(console) else " - "
    heading = Text(_clean(console, exercise.exercise), style="bold")
    if folder is not None:
        heading.append(dash + _clean(console, _shown_path(folder / f"{exercise.exercise}.py")))
    if title and title != exercise.exercise:
        heading.append(f"  ({_clean(console, title)})", style="dim")
    earned, possible = _visible_points(exercise)
    heading.append(f"  {_fraction(earned, possible)} points", style="bold")
    return heading


def _render_exercise(exercise: ExerciseResult, console: Console, title: str, folder: Path | None) -> None:
    console.print(_heading(exercise, console, title, folder), soft_wrap=True)
    if exercise.status != "graded" or exercise.message:
        console.print(_status_line(exercise, console), soft_wrap=True)
    visible = _visible_checks(exercise)
    width = max((len(_clean(console, c.name)) for c in visible), default=0)
    for check in visible:
        console.print(_check_line(check, exercise, console, width), soft_wrap=True)
    note = passing_note(visible)
    if note:
        console.print(Text.assemble("  ", ("Note: ", "dim"), (_clean(console, note), "dim")), soft_wrap=True)
    hints = list(dict.fromkeys(_clean(console, c.hint) for c in visible if c.hint and not c.passed))
    for hint in hints:
        console.print(Text.assemble("  ", ("Hint: ", "bold cyan"), (hint, "cyan")), soft_wrap=True)
    if exercise.output.strip():
        console.print(_output_block(exercise.output, console), soft_wrap=True)
    console.print()


def _status_line(exercise: ExerciseResult, console: Console) -> Text:
    """The file-level problem, said once: why the exercise was not graded, or what went wrong importing it."""
    if exercise.status == "graded":
        return Text.assemble("  ", ("Problem: ", "bold red"), _clean(console, exercise.message))
    style = "yellow" if exercise.status == "not_started" else "bold red"
    line = Text.assemble("  Status: ", (_status_words(exercise.status), style))
    if exercise.message:
        line.append(f" - {_clean(console, exercise.message)}")
    elif exercise.status == "not_started":
        line.append(" - the stub still raises NotImplementedError: replace its body with your solution")
    return line


def _check_line(check: CheckResult, exercise: ExerciseResult, console: Console, width: int) -> Text:
    """``✗ backward  0/1  message``: one line per check (soft-wrapped by the terminal, never cut by the grader)."""
    line = Text("  ")
    line.append_text(_mark(check, console))
    line.append(f" {_clean(console, check.name).ljust(width)}  {_fraction(check.points, check.max_points):>5}")
    said = _check_message(check, exercise)
    if said:
        line.append(f"  {_clean(console, said)}")
    return line


def _check_message(check: CheckResult, exercise: ExerciseResult) -> str:
    """What to say after a check: nothing for a pass, nor when the exercise's status line already said it."""
    if check.passed or (check.status == "not_started" and exercise.status == "not_started"):
        return ""
    if check.message and check.message == exercise.message:
        return "not run" if check.status == "not_graded" else ""
    return check.message or _status_words(check.status)


def _mark(check: CheckResult, console: Console) -> Text:
    utf = _is_utf(console)
    if check.status == "passed":
        return Text("✓" if utf else "PASS", style="bold green")
    if check.status == "failed":
        return Text("✗" if utf else "FAIL", style="bold red")
    if utf:
        return Text("-", style="dim")
    return Text("TODO" if check.status == "not_started" else "SKIP", style="dim")


def _output_block(output: str, console: Console) -> Text:
    """The first and last lines the code printed, with one marker for what lies between (:func:`clip_output`)."""
    block = Text("  Your code printed:", style="bold")
    for line in clip_output(output).splitlines():
        block.append(f"\n    {_clean(console, line)}", style="dim italic" if _is_marker(line) else "dim")
    return block


def _is_marker(line: str) -> bool:
    return line.startswith("… ") and line.endswith(" …")


# ---------------------------------------------------------------- grade run


NOTES_ROOM = 24
"""Columns left for the Notes column before per-exercise columns are dropped from the summary."""
NAME_WIDTH = 40
"""A submission name up to this long is never wrapped in the summary."""


def render_class_summary(results: list[SubmissionResult], exercise_ids: list[str], console: Console, outputs: Sequence[Path] = ()) -> None:
    """One row per submission (its name and total always), a footer, and where the full results are.

    Per-exercise columns are shown only when they fit the console beside the names, totals
    and notes; otherwise the summary says where they are (``outputs``: the gradebook, the
    dashboard). Exercises that could not be graded are named per row (``relu: timeout``)
    because those zeros mean "look at this submission", not "the student got it wrong".
    """
    without_notes = _summary_table(results, exercise_ids, console, per_exercise=True, notes=False)
    shown_per_exercise = _natural_width(without_notes, console) + NOTES_ROOM <= console.width
    table = _summary_table(results, exercise_ids, console, per_exercise=shown_per_exercise)
    console.print(table)
    console.print(_summary_footer(results, exercise_ids))
    if outputs and not shown_per_exercise:
        console.print(Text(f"Points per exercise: {' and '.join(str(path) for path in outputs)}"), soft_wrap=True)


def _natural_width(table: Table, console: Console) -> int:
    """How wide ``table`` is with nothing wrapped."""
    return Measurement.get(console, console.options.update(width=1 << 16), table).maximum


def _exercise_status(result: SubmissionResult, exercise_id: str) -> ExerciseResult | None:
    try:
        return result.exercise(exercise_id)
    except KeyError:
        return None


def _summary_table(
    results: list[SubmissionResult], exercise_ids: list[str], console: Console, per_exercise: bool, notes: bool = True
) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, header_style="bold")
    longest = max((len(_clean(console, r.submission)) for r in results), default=10)
    table.add_column("Submission", overflow="fold", min_width=min(max(longest, 10), NAME_WIDTH))
    for exercise_id in exercise_ids if per_exercise else []:
        table.add_column(_clean(console, exercise_id), justify="right", no_wrap=True)
    penalised = any(result.late is not None for result in results)
    table.add_column("Total after penalty" if penalised else "Total", justify="right", no_wrap=True)
    if notes:
        table.add_column("Notes", overflow="fold")
    for result in results:
        name, *points, total, note = _summary_row(result, exercise_ids, console)
        table.add_row(name, *(points if per_exercise else []), total, *([note] if notes else []))
    return table


def _summary_row(result: SubmissionResult, exercise_ids: list[str], console: Console) -> list[Text]:
    """Name, one cell per exercise, total, notes."""
    exercises = [_exercise_status(result, exercise_id) for exercise_id in exercise_ids]
    cells = [Text(_clean(console, one_line(result.submission)))]
    cells += [Text("-", style="dim") if e is None else Text(format_points(e.points)) for e in exercises]
    cells.append(Text(_fraction(result.final_points, result.max_points), style="bold"))
    notes = "; ".join(note for note in (_late_note(result), _row_notes(exercise_ids, exercises)) if note)
    cells.append(Text(_clean(console, notes), style="yellow"))
    return cells


def _late_note(result: SubmissionResult) -> str:
    """A late row, marked as the gradebook's late columns mark it: how late, the penalty and the raw total."""
    late = result.late
    if late is None or late.late_seconds <= 0:
        return ""
    return f"late {late.late_seconds / 3600:.1f} h: -{late.penalty_percent:g}% of {format_points(late.points_before)}"


LISTED_PER_NOTE = 3
"""A note names at most this many exercises; a longer group is counted (the gradebook has them all)."""


def _row_notes(exercise_ids: list[str], exercises: list[ExerciseResult | None]) -> str:
    """The exercises that were not graded, grouped by why: "file missing: 12 exercises; grid_derivative: syntax error"."""
    groups: dict[str, list[str]] = {}
    for exercise_id, exercise in zip(exercise_ids, exercises, strict=True):
        if exercise is None or exercise.status != "graded":
            groups.setdefault(_NO_RESULT if exercise is None else _status_words(exercise.status), []).append(exercise_id)
    notes = [f"{', '.join(ids)}: {why}" if len(ids) <= LISTED_PER_NOTE else f"{why}: {len(ids)} exercises" for why, ids in groups.items()]
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
    totals = [result.final_points for result in results]  # after any late penalty, like the gradebook's last column
    mean = format_points(round(statistics.mean(totals), 2))
    median = format_points(round(statistics.median(totals), 2))
    reasons = _not_gradable(results, exercise_ids)
    count = sum(reasons.values())
    line = f"{plural(len(results), 'submission')}, mean total {mean}, median total {median}, "
    line += f"{plural(count, 'exercise')} could not be graded"
    if count:
        line += " (" + ", ".join(f"{n} {why}" for why, n in reasons.most_common()) + ")"
    late = sum(1 for result in results if result.late is not None and result.late.late_seconds > 0)
    if any(result.late is not None for result in results):
        line += f", {plural(late, 'submission')} late (totals after the late penalty)"
    return Text(line + ".", style="bold")


# ---------------------------------------------------------------- grade validate


def render_validation(report: ValidationReportLike, console: Console) -> None:
    """Each validation finding with an OK/FAIL marker, then one verdict line an instructor can act on."""
    for ok, text in report.lines:
        marker = Text("  OK", style="bold green") if ok else Text("FAIL", style="bold red")
        console.print(Text.assemble(marker, " ", _clean(console, text)), soft_wrap=True)  # one finding, one line: greppable
    failed = sum(1 for ok, _ in report.lines if not ok)
    total = len(report.lines)
    # "findings", not "checks": the first line counts the course's checks, and the two numbers must not seem to disagree.
    if report.ok:
        console.print(Text(f"Valid: {plural(total, 'finding')}, all OK.", style="bold green"))
    else:
        console.print(Text(f"NOT valid: {failed} of {plural(total, 'finding')} failed.", style="bold red"))


__all__ = ["ValidationReportLike", "render_check", "render_class_summary", "render_validation"]
