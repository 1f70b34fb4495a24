"""Gradebook files that learning-management systems import: Canvas, Moodle, or a plain CSV.

Formats, as the LMSs document them (see ``docs/instructor-features.md``):

- **Canvas** ("How do I import grades in the Gradebook?"): the columns ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section`` come first (Canvas finds the student by ``ID``,
  ``SIS User ID`` or ``SIS Login ID``), then one column per assignment. A header ``Name (1234)``
  updates assignment 1234; a header without an id creates a new assignment. The second row may
  start with ``Points Possible`` and give each assignment's maximum.
- **Moodle** (Grades > Import > CSV file): a header row, then a row per student; the import form
  maps one column to a user field (``Email address``, ``Username`` or ``ID number``) and each
  other column to a grade item. Grades are plain numbers with a decimal point.
- **csv**: the roster's columns, then the grades: for spreadsheets and other systems.

Submission names become students through an optional roster CSV (:func:`read_roster`); without
one, the submission name is taken as the student's login (Canvas ``SIS Login ID``, Moodle
``Username``): what ``grade run`` sees when submissions are folders named by login.
Every text cell is neutralised against spreadsheet formulas (:mod:`grader.report.csv_safe`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.course.schema import Course
from grader.errors import UsageError
from grader.report.csv_safe import neutralised
from grader.results import SubmissionResult, format_points

Format = Literal["canvas", "moodle", "csv"]
Columns = Literal["total", "exercises"]

ROSTER_FIELDS = ("submission", "name", "id", "sis_user_id", "sis_login_id", "section", "email", "username", "idnumber")
"""Columns a roster may have (headers are matched case-insensitively, spaces and dashes read as ``_``); ``submission`` is required."""
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDENTIFIERS = (("email", "Email address"), ("username", "Username"), ("idnumber", "ID number"))
MAX_ROSTER_BYTES = 20 * 1024 * 1024
SHOWN_UNMATCHED = 20


@dataclass(frozen=True)
class Student:
    """One roster row: who a submission belongs to, with whatever identifiers the roster gives."""

    submission: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.fields.get(key, "")


def _header_key(header: str) -> str:
    return header.strip().lstrip("\ufeff").casefold().replace(" ", "_").replace("-", "_")


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


def read_roster(path: Path) -> dict[str, Student]:
    """Submission name (NFC, case-folded) -> student; a usage error names the file and what is wrong."""
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise UsageError(f"roster {path}: larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MiB; is this the right file?")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"roster {path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"roster {path}: not UTF-8 text (byte {error.start}); save it as CSV UTF-8") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UsageError(f"roster {path}: empty; expected a header row with a `submission` column")
    headers = [_header_key(h) for h in rows[0]]
    if "submission" not in headers:
        raise UsageError(
            f"roster {path}: no `submission` column (found: {', '.join(rows[0]) or 'nothing'}); "
            f"expected `submission` and any of {', '.join(ROSTER_FIELDS[1:])}"
        )
    unknown = [h for h, key in zip(rows[0], headers, strict=True) if key not in ROSTER_FIELDS]
    if unknown:
        raise UsageError(f"roster {path}: unknown column(s) {', '.join(unknown)}; known: {', '.join(ROSTER_FIELDS)}")
    roster: dict[str, Student] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {key: cell.strip() for key, cell in zip(headers, row, strict=False)}
        submission = values.get("submission", "")
        if not submission:
            raise UsageError(f"roster {path}:{line}: the `submission` cell is empty")
        key = _name_key(submission)
        if key in roster:
            raise UsageError(f"roster {path}:{line}: submission {submission!r} is listed twice")
        roster[key] = Student(submission, {k: v for k, v in values.items() if k != "submission" and v})
    return roster


def match_roster(results: Sequence[SubmissionResult], roster: dict[str, Student] | None, roster_path: Path | None) -> list[Student]:
    """The student of every result, in order; every name the roster lacks is listed in one error."""
    if roster is None:
        return [Student(r.submission, {"name": r.submission, "sis_login_id": r.submission, "username": r.submission}) for r in results]
    unmatched = [r.submission for r in results if _name_key(r.submission) not in roster]
    if unmatched:
        shown = ", ".join(repr(name) for name in unmatched[:SHOWN_UNMATCHED])
        more = f" and {len(unmatched) - SHOWN_UNMATCHED} more" if len(unmatched) > SHOWN_UNMATCHED else ""
        raise UsageError(
            f"{len(unmatched)} submission name(s) are not in the roster {roster_path}: {shown}{more}; "
            "add a row for each (column `submission`, the name as in gradebook.csv)"
        )
    return [roster[_name_key(r.submission)] for r in results]


@dataclass(frozen=True)
class GradeColumn:
    title: str
    max_points: float
    exercise: str | None
    """``None``: the total."""


def grade_columns(course: Course, columns: Columns, assignment: str) -> list[GradeColumn]:
    """The grade columns: one for the total, or one per exercise (``assignment: exercise title``)."""
    maxima = {e.id: sum(c.points for c in e.checks) for e in course.exercises}
    if columns == "total":
        return [GradeColumn(assignment, sum(maxima.values()), None)]
    return [GradeColumn(f"{assignment}: {e.title}", maxima[e.id], e.id) for e in course.exercises]


def _points(result: SubmissionResult, column: GradeColumn) -> str:
    """The points after any late penalty (an LMS takes one number); the plain CSV also gives the raw ones."""
    if column.exercise is None:
        return format_points(result.final_points)
    earned = {e.exercise: e.points for e in result.exercises}
    return format_points(round(earned.get(column.exercise, 0.0) * result.penalty_factor, 6))


def export_rows(
    results: Sequence[SubmissionResult], students: Sequence[Student], columns: Sequence[GradeColumn], fmt: Format
) -> list[list[str]]:
    """The file's rows (header first), cells as they will be written."""
    grades = [[_points(r, c) for c in columns] for r in results]
    titles = [neutralised(c.title) for c in columns]
    if fmt == "canvas":
        rows = [
            [*CANVAS_STUDENT_COLUMNS, *titles],
            ["    Points Possible", "", "", "", "", *(format_points(c.max_points) for c in columns)],
        ]
        for student, row in zip(students, grades, strict=True):
            ids = [student.get("name") or student.submission, student.get("id"), student.get("sis_user_id")]
            ids += [student.get("sis_login_id"), student.get("section")]
            rows.append([*(neutralised(cell) for cell in ids), *row])
        return rows
    if fmt == "moodle":
        present = [(key, header) for key, header in MOODLE_IDENTIFIERS if any(s.get(key) for s in students)]
        if not present:
            raise UsageError("Moodle needs an identifier per student: give the roster an `email`, `username` or `idnumber` column")
        rows = [[header for _, header in present] + titles]
        rows += [[neutralised(s.get(key)) for key, _ in present] + row for s, row in zip(students, grades, strict=True)]
        return rows
    used = [key for key in ROSTER_FIELDS[1:] if any(s.get(key) for s in students)]
    late = any(r.late is not None for r in results)
    rows = [["submission", *used, *titles, *(LATE_COLUMNS if late else ())]]
    for result, student, row in zip(results, students, grades, strict=True):
        cells = [neutralised(student.submission), *(neutralised(student.get(k)) for k in used), *row]
        if late:
            cells += [format_points(result.points), format_points(result.late.penalty_percent if result.late else 0)]
        rows.append(cells)
    return rows


LATE_COLUMNS = ("points_before_penalty", "late_penalty_percent")
"""The plain CSV's extra columns when the course has a deadline: the grade columns are after the penalty."""


def export_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


__all__ = [
    "CANVAS_STUDENT_COLUMNS",
    "ROSTER_FIELDS",
    "Columns",
    "Format",
    "GradeColumn",
    "Student",
    "export_rows",
    "export_text",
    "grade_columns",
    "match_roster",
    "read_roster",
]
