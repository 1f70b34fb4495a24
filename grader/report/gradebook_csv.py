"""The gradebook: one CSV row per submission, ready for a spreadsheet or an LMS import.

Numbers are written the way a person would type them (``3``, ``2.5``) because ``3.0``
in every cell is noise and some LMS imports reject it. The file is replaced atomically so
a gradebook open in another program is never seen half-written.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from grader.report.records_json import write_text_atomic
from grader.results import SubmissionResult
from grader.text_safety import csv_cell


def format_points(value: float) -> str:
    """``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``; float noise such as ``0.30000000000000004`` is rounded away."""
    if not math.isfinite(value):
        return repr(value)
    rounded = round(value, 6)
    if rounded == int(rounded):
        return str(int(rounded))
    return repr(rounded)


def gradebook_rows(results: list[SubmissionResult], exercise_ids: list[str]) -> list[list[str]]:
    """Header plus one row per submission, as the CSV will hold them (student text neutralised, :func:`csv_cell`).

    An exercise absent from a record scores 0. ``total`` is the record's own total
    (reporters never recompute grades), so it also counts exercises not listed in ``exercise_ids``.
    """
    rows = [["submission", *exercise_ids, "total"]]
    rows.extend(_row(result, exercise_ids) for result in results)
    return rows


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


__all__ = ["format_points", "gradebook_rows", "write_gradebook"]
