"""The gradebook: one CSV row per submission, ready for a spreadsheet or an LMS import.

Numbers are written the way a person would type them (``3``, ``2.5``) because ``3.0``
in every cell is noise and some LMS imports reject it. The file is replaced atomically so
a gradebook open in another program is never seen half-written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.report.records_json import write_text_atomic
from grader.results import SubmissionResult, format_points
from grader.text_safety import csv_cell


def gradebook_rows(results: list[SubmissionResult], exercise_ids: list[str]) -> list[list[str]]:
    """Header plus one row per submission, as the CSV will hold them (student text neutralised, :func:`csv_cell`).

    An exercise absent from a record scores 0. ``total`` is the record's own total
    (reporters never recompute grades), so it also counts exercises not listed in ``exercise_ids``.
    """
    late = any(result.late is not None for result in results)
    rows = [["submission", *exercise_ids, "total", *LATE_COLUMNS] if late else ["submission", *exercise_ids, "total"]]
    rows.extend(_row(result, exercise_ids) + (_late_cells(result) if late else []) for result in results)
    return rows


LATE_COLUMNS = ("late_hours", "late_penalty_percent", "total_after_penalty")
"""Added when the course declares a deadline: ``total`` stays the raw points the checks gave."""


def _late_cells(result: SubmissionResult) -> list[str]:
    if result.late is None:
        return ["", "", format_points(result.points)]
    return [
        format_points(round(result.late.late_seconds / 3600, 2)),
        format_points(result.late.penalty_percent),
        format_points(result.final_points),
    ]


def _row(result: SubmissionResult, exercise_ids: list[str]) -> list[str]:
    earned = {exercise.exercise: exercise.points for exercise in result.exercises}
    cells = [format_points(earned.get(exercise_id, 0.0)) for exercise_id in exercise_ids]
    return [csv_cell(result.submission), *cells, format_points(result.points)]


def write_gradebook(path: Path, results: list[SubmissionResult], exercise_ids: list[str]) -> None:
    """Write the gradebook CSV (UTF-8, ``csv`` module quoting) to ``path``, replacing it atomically.

    The submission name is written as recorded (spaces, commas, non-ASCII kept and quoted by
    the ``csv`` module) so rows can be matched back to students, except that a name a spreadsheet
    would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``) gets a leading ``'``; the JSON
    record keeps the real name.
    """
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(gradebook_rows(results, exercise_ids))
    write_text_atomic(path, buffer.getvalue())


__all__ = ["gradebook_rows", "write_gradebook"]
